//! `http://HOST[:PORT]/PATH` URLs with an IP-address host, for `synack get`.

use super::strip_prefix_ci;
use core::net::{IpAddr, SocketAddr};

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
}
