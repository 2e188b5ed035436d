//! Request heads: the request line and the fields a server needs.

use super::{
    MAX_HEAD, content_length, fields, first_line, has_token, head_end, is_tchar, strip_prefix_ci,
};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::http::MAX_HEAD;

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
}
