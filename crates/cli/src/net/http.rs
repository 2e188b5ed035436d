//! The HTTP/1.1 pieces `serve http:DIR` and `get` need (RFC 9110, 9112):
//! request and response heads, file paths under a root, the chunked
//! transfer coding, URLs with IP-address hosts, dates.

use core::net::{IpAddr, SocketAddr};
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Largest request or response head accepted.
pub const MAX_HEAD: usize = 16 * 1024;

/// Where a head ends: the index just past the empty line (CRLF CRLF, or
/// bare LF LF, which RFC 9112 2.2 lets a recipient accept).
pub fn head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == b'\n' {
            match buf.get(i + 1) {
                Some(b'\n') => return Some(i + 2),
                Some(b'\r') if buf.get(i + 2) == Some(&b'\n') => return Some(i + 3),
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// Lines of a head without their line ends.
fn lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    head.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// RFC 9110 5.6.2 token characters.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |e| e + 1);
    &v[start..end.max(start)]
}

/// Header fields of a head (after its first line): (name, value) pairs, or
/// `None` if a line is malformed (no colon, bad name, obsolete folding).
fn fields(rest: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut v = Vec::new();
    for line in lines(rest) {
        if line.is_empty() {
            break;
        }
        if matches!(line[0], b' ' | b'\t') {
            return None; // obs-fold (RFC 9112 5.2)
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return None;
        }
        let value = trim(&line[colon + 1..]);
        if value.iter().any(|&b| b == 0 || b == b'\r') {
            return None;
        }
        v.push((name, value));
    }
    Some(v)
}

/// A Content-Length value: digits only; repeated fields must agree.
fn content_length(prev: Option<u64>, value: &[u8]) -> Result<u64, ()> {
    // A list of identical values is allowed (RFC 9110 8.6).
    let mut found = prev;
    for part in value.split(|&b| b == b',') {
        let part = trim(part);
        if part.is_empty() || part.len() > 15 || !part.iter().all(u8::is_ascii_digit) {
            return Err(());
        }
        let n: u64 = std::str::from_utf8(part)
            .map_err(|_| ())?
            .parse()
            .map_err(|_| ())?;
        if found.is_some_and(|f| f != n) {
            return Err(());
        }
        found = Some(n);
    }
    found.ok_or(())
}

fn has_token(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| trim(t).eq_ignore_ascii_case(token.as_bytes()))
}

/// The request methods the server knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD: like GET without the body.
    Head,
    /// Anything else (answered 405).
    Other,
}

/// A parsed request head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The request target, in origin form (`/path?query`).
    pub target: String,
    /// The connection stays open after the response.
    pub keep_alive: bool,
    /// Bytes of request body that follow the head (to be skipped).
    pub body: u64,
    /// Length of the head in the buffer.
    pub head_len: usize,
}

/// What the buffer holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Not a whole head yet.
    Incomplete,
    /// A request.
    Request(Request),
    /// A request that must be refused with this status; the connection
    /// closes after the answer.
    Bad(u16),
}

/// Parses the request head at the start of `buf` (leading empty lines
/// must have been skipped, see [`skip_empty_lines`]).
pub fn parse_request(buf: &[u8]) -> Parsed {
    let Some(len) = head_end(buf) else {
        if buf.contains(&b'\n')
            && let Err(status) = request_line(first_line(buf))
        {
            // A broken request line is refused without waiting for more.
            return Parsed::Bad(status);
        }
        return if buf.len() >= MAX_HEAD {
            Parsed::Bad(431)
        } else {
            Parsed::Incomplete
        };
    };
    let head = &buf[..len];
    let line = first_line(head);
    let (method, target, minor) = match request_line(line) {
        Ok(v) => v,
        Err(status) => return Parsed::Bad(status),
    };
    let Some(fields) = fields(&head[line.len() + 1..]) else {
        return Parsed::Bad(400);
    };
    let mut keep_alive = minor >= 1;
    let mut body = None;
    let mut hosts = 0;
    for (name, value) in fields {
        if name.eq_ignore_ascii_case(b"content-length") {
            match content_length(body, value) {
                Ok(n) => body = Some(n),
                Err(()) => return Parsed::Bad(400),
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            // Request bodies in a transfer coding are not supported.
            return Parsed::Bad(501);
        } else if name.eq_ignore_ascii_case(b"connection") {
            if has_token(value, "close") {
                keep_alive = false;
            } else if has_token(value, "keep-alive") {
                keep_alive = true;
            }
        } else if name.eq_ignore_ascii_case(b"host") {
            hosts += 1;
        }
    }
    // RFC 9112 3.2: an HTTP/1.1 request has exactly one Host field.
    if minor >= 1 && hosts != 1 {
        return Parsed::Bad(400);
    }
    Parsed::Request(Request {
        method,
        target,
        keep_alive,
        body: body.unwrap_or(0),
        head_len: len,
    })
}

/// Number of empty lines (CRLF or LF) at the start of `buf`, which a server
/// ignores before a request line (RFC 9112 2.2).
pub fn skip_empty_lines(buf: &[u8]) -> usize {
    let mut i = 0;
    loop {
        if buf[i..].starts_with(b"\r\n") {
            i += 2;
        } else if buf[i..].starts_with(b"\n") {
            i += 1;
        } else {
            return i;
        }
    }
}

fn first_line(buf: &[u8]) -> &[u8] {
    let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    &buf[..end]
}

/// `METHOD SP target SP HTTP/1.x`: method, origin-form target, minor version.
fn request_line(line: &[u8]) -> Result<(Method, String, u8), u16> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut parts = line.split(|&b| b == b' ');
    let (Some(m), Some(t), Some(v), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(400);
    };
    if m.is_empty() || !m.iter().all(|&b| is_tchar(b)) {
        return Err(400);
    }
    let minor = match v {
        b"HTTP/1.1" => 1,
        b"HTTP/1.0" => 0,
        _ if v.len() == 8
            && v.starts_with(b"HTTP/")
            && v[5].is_ascii_digit()
            && v[6] == b'.'
            && v[7].is_ascii_digit() =>
        {
            return Err(505);
        }
        _ => return Err(400),
    };
    if t.is_empty() || !t.iter().all(|&b| b.is_ascii_graphic()) {
        return Err(400);
    }
    let t = std::str::from_utf8(t).map_err(|_| 400u16)?;
    let target = if t.starts_with('/') {
        t.to_string()
    } else if let Some(rest) =
        strip_prefix_ci(t, "http://").or_else(|| strip_prefix_ci(t, "https://"))
    {
        // Absolute form (RFC 9112 3.2.2): keep the path and query.
        match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => rest[i..].to_string(),
            Some(i) => format!("/{}", &rest[i..]),
            None => "/".to_string(),
        }
    } else {
        return Err(400);
    };
    let method = match m {
        b"GET" => Method::Get,
        b"HEAD" => Method::Head,
        _ => Method::Other,
    };
    Ok((method, target, minor))
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

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

/// The reason phrase of the statuses the server sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
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

/// Writes a response head into `out` (cleared first).
pub fn response_head(
    out: &mut Vec<u8>,
    status: u16,
    content_type: &str,
    length: u64,
    keep_alive: bool,
    extra: &[(&str, &str)],
) {
    use std::io::Write;
    out.clear();
    let _ = write!(
        out,
        "HTTP/1.1 {status} {}\r\nServer: synack\r\nDate: {}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n",
        reason(status),
        http_date(SystemTime::now()),
    );
    for (k, v) in extra {
        let _ = write!(out, "{k}: {v}\r\n");
    }
    let _ = write!(
        out,
        "Connection: {}\r\n\r\n",
        if keep_alive { "keep-alive" } else { "close" }
    );
}

/// IMF-fixdate (RFC 9110 5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // 1970-01-01 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (y, m, d) = civil_from_days(days);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(m - 1) as usize];
    format!(
        "{weekday}, {d:02} {month} {y} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// How a response body is delimited (RFC 9112 6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// No body (1xx, 204, 304).
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// The chunked transfer coding.
    Chunked,
    /// Until the server closes the connection.
    UntilClose,
}

/// A parsed response head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// How the body is delimited.
    pub body: Body,
    /// Length of the head in the buffer.
    pub head_len: usize,
}

/// Parses a response head at the start of `buf`: `Ok(None)` if incomplete.
pub fn parse_response(buf: &[u8]) -> Result<Option<Response>, String> {
    let Some(len) = head_end(buf) else {
        if buf.len() >= MAX_HEAD {
            return Err(format!("response head longer than {MAX_HEAD} bytes"));
        }
        return Ok(None);
    };
    let head = &buf[..len];
    let line = first_line(head);
    let l = line.strip_suffix(b"\r").unwrap_or(line);
    let bad = || format!("malformed status line: {}", String::from_utf8_lossy(l));
    if l.len() < 12 || !l.starts_with(b"HTTP/1.") || l[8] != b' ' {
        return Err(bad());
    }
    let status: u16 = std::str::from_utf8(&l[9..12])
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s| (100..1000).contains(s))
        .ok_or_else(bad)?;
    let reason = String::from_utf8_lossy(trim(l.get(13..).unwrap_or(b""))).into_owned();
    let fields = fields(&head[line.len() + 1..]).ok_or("malformed response header field")?;
    let mut length = None;
    let mut chunked = false;
    let mut coded = false;
    for (name, value) in fields {
        if name.eq_ignore_ascii_case(b"transfer-encoding") {
            coded = true;
            // Chunked must be the final coding (RFC 9112 6.3).
            chunked = value
                .split(|&b| b == b',')
                .next_back()
                .is_some_and(|t| trim(t).eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"content-length") {
            length = Some(content_length(length, value).map_err(|()| "invalid Content-Length")?);
        }
    }
    let body = if (100..200).contains(&status) || status == 204 || status == 304 {
        Body::Empty
    } else if coded {
        if chunked {
            Body::Chunked
        } else {
            Body::UntilClose
        }
    } else if let Some(n) = length {
        Body::Length(n)
    } else {
        Body::UntilClose
    };
    Ok(Some(Response {
        status,
        reason,
        body,
        head_len: len,
    }))
}

/// Where the chunked decoder is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkState {
    Size,
    Data(u64),
    DataEnd,
    Trailer,
    Done,
}

/// An incremental decoder of the chunked transfer coding (RFC 9112 7.1).
#[derive(Debug)]
pub struct Chunked {
    state: ChunkState,
    line: Vec<u8>,
}

impl Default for Chunked {
    fn default() -> Self {
        Self::new()
    }
}

impl Chunked {
    /// A decoder at the start of a body.
    pub fn new() -> Self {
        Chunked {
            state: ChunkState::Size,
            line: Vec::new(),
        }
    }

    /// The last chunk and the trailer section have been read.
    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }

    /// Decodes `input`, handing data to `out`; returns the bytes consumed
    /// (less than `input.len()` only once done).
    pub fn feed(
        &mut self,
        input: &[u8],
        out: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<usize, String> {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                ChunkState::Done => break,
                ChunkState::Data(n) => {
                    let take = (input.len() - i).min(usize::try_from(n).unwrap_or(usize::MAX));
                    out(&input[i..i + take])?;
                    i += take;
                    let left = n - take as u64;
                    self.state = if left == 0 {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(left)
                    };
                }
                ChunkState::Size | ChunkState::DataEnd | ChunkState::Trailer => {
                    let b = input[i];
                    i += 1;
                    if b != b'\n' {
                        if self.line.len() >= 4096 {
                            return Err("chunk line too long".into());
                        }
                        self.line.push(b);
                        continue;
                    }
                    let line = std::mem::take(&mut self.line);
                    let line = line.strip_suffix(b"\r").unwrap_or(&line);
                    self.state = match self.state {
                        ChunkState::Size => {
                            let hex = trim(line.split(|&b| b == b';').next().unwrap_or(b""));
                            let size = std::str::from_utf8(hex)
                                .ok()
                                .filter(|h| !h.is_empty() && h.len() <= 15)
                                .and_then(|h| u64::from_str_radix(h, 16).ok())
                                .ok_or_else(|| {
                                    format!("bad chunk size: {}", String::from_utf8_lossy(line))
                                })?;
                            if size == 0 {
                                ChunkState::Trailer
                            } else {
                                ChunkState::Data(size)
                            }
                        }
                        ChunkState::DataEnd if line.is_empty() => ChunkState::Size,
                        ChunkState::DataEnd => return Err("chunk data longer than its size".into()),
                        _ if line.is_empty() => ChunkState::Done,
                        _ => ChunkState::Trailer,
                    };
                    self.line.clear();
                }
            }
        }
        Ok(i)
    }
}

/// A URL `http://HOST[:PORT]/PATH` with an IP-address host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// Where to connect.
    pub addr: SocketAddr,
    /// The authority as written (the Host field).
    pub authority: String,
    /// Path and query (`/` if empty).
    pub path: String,
}

/// Parses a URL for `synack get`.
pub fn parse_url(s: &str) -> Result<Url, String> {
    let rest = strip_prefix_ci(s, "http://").ok_or_else(|| {
        if strip_prefix_ci(s, "https://").is_some() {
            "https is not supported (synack speaks plain HTTP)".to_string()
        } else {
            format!("'{s}' is not an http:// URL")
        }
    })?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err("URLs with user information are not supported".into());
    }
    let (host, port) = if let Some(r) = authority.strip_prefix('[') {
        let close = r.find(']').ok_or("missing ']' in the URL's IPv6 address")?;
        let after = &r[close + 1..];
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("junk after ']' in the URL")?),
        };
        (&r[..close], port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let ip: IpAddr = host
        .parse()
        .map_err(|_| format!("'{host}' is not an IP address (synack does no DNS)"))?;
    if host.contains(':') != authority.starts_with('[') {
        return Err("an IPv6 address in a URL goes in brackets: http://[2001:db8::1]/".into());
    }
    let port = match port {
        None | Some("") => 80,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return Err(format!("'{p}' is not a port number from 1 to 65535")),
        },
    };
    let tail = tail.split('#').next().unwrap_or("");
    let path = if tail.is_empty() {
        "/".to_string()
    } else if tail.starts_with('?') {
        format!("/{tail}")
    } else {
        tail.to_string()
    };
    if path.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(
            "the URL's path has spaces or non-ASCII characters; percent-encode them".into(),
        );
    }
    Ok(Url {
        addr: SocketAddr::new(ip, port),
        authority: authority.to_string(),
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> Parsed {
        parse_request(s.as_bytes())
    }

    #[test]
    fn requests() {
        let Parsed::Request(r) = req("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n") else {
            panic!()
        };
        assert_eq!(r.method, Method::Get);
        assert_eq!(r.target, "/a.txt");
        assert!(r.keep_alive);
        assert_eq!(r.head_len, 32);
        let Parsed::Request(r) = req("HEAD / HTTP/1.0\n\n") else {
            panic!()
        };
        assert_eq!(r.method, Method::Head);
        assert!(!r.keep_alive);
        let Parsed::Request(r) =
            req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nContent-Length: 3\r\n\r\n")
        else {
            panic!()
        };
        assert!(r.keep_alive);
        assert_eq!(r.body, 3);
        let Parsed::Request(r) =
            req("GET http://198.18.0.2:80/x?y HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        else {
            panic!()
        };
        assert_eq!(r.target, "/x?y");
        assert!(!r.keep_alive);
        let Parsed::Request(r) = req("POST / HTTP/1.1\r\nHost: x\r\n\r\n") else {
            panic!()
        };
        assert_eq!(r.method, Method::Other);
        assert_eq!(req("GET / HTTP/1.1\r\nHost: x\r\n"), Parsed::Incomplete);
    }

    #[test]
    fn bad_requests() {
        assert_eq!(req("hello\r\n\r\n"), Parsed::Bad(400));
        assert_eq!(req("hello\r\n"), Parsed::Bad(400));
        assert_eq!(req("GET / HTTP/1.1\r\n\r\n"), Parsed::Bad(400)); // no Host
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            Parsed::Bad(400)
        );
        assert_eq!(req("GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), Parsed::Bad(400));
        assert_eq!(req("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), Parsed::Bad(505));
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: x\r\n bad: fold\r\n\r\n"),
            Parsed::Bad(400)
        );
        assert_eq!(req("GET / HTTP/1.1\r\nHost x\r\n\r\n"), Parsed::Bad(400));
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n"),
            Parsed::Bad(400)
        );
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
            Parsed::Bad(400)
        );
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Parsed::Bad(501)
        );
        assert_eq!(
            req("GET relative HTTP/1.1\r\nHost: x\r\n\r\n"),
            Parsed::Bad(400)
        );
        let huge = "x".repeat(MAX_HEAD);
        assert_eq!(req(&huge), Parsed::Bad(431));
        assert_eq!(skip_empty_lines(b"\r\n\nGET"), 3);
    }

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

    #[test]
    fn responses() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.status, r.reason.as_str(), r.body),
            (200, "OK", Body::Length(5))
        );
        assert_eq!(r.head_len, 38);
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(r.body, Body::Chunked);
        let r = parse_response(b"HTTP/1.0 404 Not Found\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!((r.status, r.body), (404, Body::UntilClose));
        let r = parse_response(b"HTTP/1.1 204 No Content\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(r.body, Body::Empty);
        assert_eq!(parse_response(b"HTTP/1.1 200 OK\r\n").unwrap(), None);
        assert!(parse_response(b"SSH-2.0-x\r\n\r\n").is_err());
    }

    #[test]
    fn chunked_in_any_pieces() {
        let body =
            b"4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\nEXTRA";
        for split in 1..body.len() {
            let mut d = Chunked::new();
            let mut out = Vec::new();
            let mut used = 0;
            for piece in body.chunks(split) {
                used += d
                    .feed(piece, &mut |b| {
                        out.extend_from_slice(b);
                        Ok(())
                    })
                    .unwrap();
                if d.is_done() {
                    break;
                }
            }
            assert!(d.is_done());
            assert_eq!(out, b"Wikipedia in\r\n\r\nchunks.");
            assert_eq!(used, body.len() - 5, "split {split}");
        }
        let mut d = Chunked::new();
        assert!(d.feed(b"zz\r\n", &mut |_| Ok(())).is_err());
        let mut d = Chunked::new();
        assert!(d.feed(b"1\r\nab\r\n", &mut |_| Ok(())).is_err());
    }

    #[test]
    fn urls() {
        let u = parse_url("http://198.18.0.1:8000/a/b?c#frag").unwrap();
        assert_eq!(u.addr, "198.18.0.1:8000".parse().unwrap());
        assert_eq!(u.authority, "198.18.0.1:8000");
        assert_eq!(u.path, "/a/b?c");
        let u = parse_url("HTTP://198.18.0.1").unwrap();
        assert_eq!((u.addr.port(), u.path.as_str()), (80, "/"));
        let u = parse_url("http://[2001:db8::1]:81/x").unwrap();
        assert_eq!(u.addr, "[2001:db8::1]:81".parse().unwrap());
        assert!(
            parse_url("http://example.com/")
                .unwrap_err()
                .contains("DNS")
        );
        assert!(
            parse_url("https://198.18.0.1/")
                .unwrap_err()
                .contains("https")
        );
        assert!(parse_url("ftp://198.18.0.1/").is_err());
        assert!(parse_url("http://2001:db8::1/").is_err());
        assert!(parse_url("http://198.18.0.1:0/").is_err());
        assert!(parse_url("http://198.18.0.1/a b").is_err());
    }

    #[test]
    fn dates() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(784_111_777);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
        let t = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(http_date(t), "Tue, 29 Feb 2000 00:00:00 GMT");
    }
}
