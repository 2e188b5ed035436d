//! Response heads: written by the server, parsed by the client; dates.

use super::{MAX_HEAD, content_length, fields, first_line, head_end, trim};
use std::time::{SystemTime, UNIX_EPOCH};

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn dates() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(784_111_777);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
        let t = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(http_date(t), "Tue, 29 Feb 2000 00:00:00 GMT");
    }
}
