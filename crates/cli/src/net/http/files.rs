//! Request targets to files under the served directory; media types.

use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// What a target names under the served directory.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A regular file.
    File(PathBuf),
    /// A directory asked for without the trailing slash: redirect here.
    Redirect(String),
    /// An error status (400, 403, 404).
    Status(u16),
}

/// Maps a target to a file under `root` (canonical). `..` segments are
/// refused (400); a path that leaves `root` through a symbolic link is not
/// found (404); a directory serves its `index.html`.
pub fn resolve(root: &Path, target: &str) -> Resolved {
    let (path, query) = match target.find(['?', '#']) {
        Some(i) => (&target[..i], &target[i..]),
        None => (target, ""),
    };
    let Some(decoded) = percent_decode(path.as_bytes()) else {
        return Resolved::Status(400);
    };
    if decoded.contains(&0) {
        return Resolved::Status(400);
    }
    let mut full = root.to_path_buf();
    for seg in decoded.split(|&b| b == b'/') {
        match seg {
            b"" | b"." => {}
            b".." => return Resolved::Status(400),
            s => full.push(std::ffi::OsStr::from_bytes(s)),
        }
    }
    let meta = match fs::metadata(&full) {
        Ok(m) => m,
        Err(e) => return Resolved::Status(io_status(&e)),
    };
    if meta.is_dir() {
        if !path.ends_with('/') {
            let q = if query.starts_with('?') { query } else { "" };
            return Resolved::Redirect(format!("{path}/{q}"));
        }
        full.push("index.html");
    }
    let canonical = match fs::canonicalize(&full) {
        Ok(p) => p,
        Err(e) => return Resolved::Status(io_status(&e)),
    };
    if !canonical.starts_with(root) {
        return Resolved::Status(404);
    }
    match fs::metadata(&canonical) {
        Ok(m) if m.is_file() => Resolved::File(canonical),
        Ok(_) => Resolved::Status(404),
        Err(e) => Resolved::Status(io_status(&e)),
    }
}

fn io_status(e: &io::Error) -> u16 {
    match e.kind() {
        io::ErrorKind::PermissionDenied => 403,
        _ => 404,
    }
}

/// Decodes `%XX` escapes; `None` if one is malformed.
pub fn percent_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            let v = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            out.push(v);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

/// A media type from a file name's extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("txt" | "md" | "rs" | "toml") => "text/plain; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("wasm") => "application/wasm",
        Some("pdf") => "application/pdf",
        Some("pcap") => "application/vnd.tcpdump.pcap",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_root() {
        let dir = std::env::temp_dir().join(format!("synack-http-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("www/sub")).unwrap();
        fs::write(dir.join("www/a b.txt"), "a").unwrap();
        fs::write(dir.join("www/sub/index.html"), "i").unwrap();
        fs::write(dir.join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(dir.join("secret"), dir.join("www/link")).unwrap();
        let root = fs::canonicalize(dir.join("www")).unwrap();
        assert_eq!(
            resolve(&root, "/a%20b.txt"),
            Resolved::File(root.join("a b.txt"))
        );
        assert_eq!(
            resolve(&root, "/a%20b.txt?x=1"),
            Resolved::File(root.join("a b.txt"))
        );
        assert_eq!(
            resolve(&root, "/sub/"),
            Resolved::File(root.join("sub/index.html"))
        );
        assert_eq!(
            resolve(&root, "/sub?q"),
            Resolved::Redirect("/sub/?q".into())
        );
        assert_eq!(resolve(&root, "/"), Resolved::Status(404));
        assert_eq!(resolve(&root, "/../secret"), Resolved::Status(400));
        assert_eq!(resolve(&root, "/%2e%2e/secret"), Resolved::Status(400));
        assert_eq!(
            resolve(&root, "/sub/..%2f..%2fsecret"),
            Resolved::Status(400)
        );
        assert_eq!(resolve(&root, "/link"), Resolved::Status(404));
        assert_eq!(resolve(&root, "/nope"), Resolved::Status(404));
        assert_eq!(resolve(&root, "/%zz"), Resolved::Status(400));
        assert_eq!(resolve(&root, "/a%00"), Resolved::Status(400));
        let _ = fs::remove_dir_all(&dir);
    }
}
