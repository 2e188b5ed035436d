//! The HTTP/1.1 pieces `serve http:DIR` and `get` need (RFC 9110, 9112):
//! request and response heads, file paths under a root, the chunked
//! transfer coding, URLs with IP-address hosts, dates.
//!
//! - [`request`]: request heads (the server's side);
//! - [`files`]: targets to files under the served directory, media types;
//! - [`response`]: response heads, written (server) and parsed (client),
//!   and dates;
//! - [`chunked`]: the chunked transfer coding (client);
//! - [`url`]: `http://` URLs with IP-address hosts (client);
//! - here: what both heads share (line and field syntax).

mod chunked;
mod files;
mod request;
mod response;
mod url;

pub use chunked::Chunked;
pub use files::{Resolved, content_type, resolve};
pub use request::{Method, Parsed, Request, parse_request, skip_empty_lines};
pub use response::{Body, parse_response, reason, response_head};
pub use url::{Url, parse_url};

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

fn first_line(buf: &[u8]) -> &[u8] {
    let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    &buf[..end]
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}
