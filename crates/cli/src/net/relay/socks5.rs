//! A SOCKS5 client for one CONNECT (RFC 1928), no authentication.

use std::io;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What a proxy said to a CONNECT (RFC 1928 section 6, REP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 0x01 general SOCKS server failure.
    Failure,
    /// 0x02 connection not allowed by ruleset.
    NotAllowed,
    /// 0x03 network unreachable.
    NetworkUnreachable,
    /// 0x04 host unreachable.
    HostUnreachable,
    /// 0x05 connection refused.
    Refused,
    /// 0x06 TTL expired.
    TtlExpired,
    /// 0x07 command not supported, 0x08 address type not supported, or a
    /// code RFC 1928 does not define.
    Unsupported(u8),
}

impl Refusal {
    fn from_code(rep: u8) -> Refusal {
        match rep {
            1 => Refusal::Failure,
            2 => Refusal::NotAllowed,
            3 => Refusal::NetworkUnreachable,
            4 => Refusal::HostUnreachable,
            5 => Refusal::Refused,
            6 => Refusal::TtlExpired,
            n => Refusal::Unsupported(n),
        }
    }

    /// The proxy's words.
    pub fn describe(self) -> String {
        match self {
            Refusal::Failure => "general SOCKS server failure".into(),
            Refusal::NotAllowed => "connection not allowed by ruleset".into(),
            Refusal::NetworkUnreachable => "network unreachable".into(),
            Refusal::HostUnreachable => "host unreachable".into(),
            Refusal::Refused => "connection refused".into(),
            Refusal::TtlExpired => "TTL expired".into(),
            Refusal::Unsupported(n) => format!("reply code {n:#04x}"),
        }
    }
}

/// Why a CONNECT through the proxy failed.
#[derive(Debug)]
pub enum Socks5Error {
    /// The proxy answered with a refusal.
    Refused(Refusal),
    /// The proxy could not be reached, or broke the protocol.
    Proxy(io::Error),
}

/// Connects to `proxy` and asks it to CONNECT to `dst`; on success the
/// stream carries the relayed bytes.
pub async fn connect(proxy: SocketAddr, dst: SocketAddr) -> Result<TcpStream, Socks5Error> {
    let mut s = TcpStream::connect(proxy)
        .await
        .map_err(Socks5Error::Proxy)?;
    s.set_nodelay(true).map_err(Socks5Error::Proxy)?;
    handshake(&mut s, dst).await?;
    Ok(s)
}

/// RFC 1928 section 3 (method negotiation: no authentication) and
/// section 4 (the CONNECT request), then the reply (section 6).
async fn handshake<S: AsyncReadExt + AsyncWriteExt + Unpin>(
    s: &mut S,
    dst: SocketAddr,
) -> Result<(), Socks5Error> {
    let proto = |what: &str| {
        Socks5Error::Proxy(io::Error::new(io::ErrorKind::InvalidData, what.to_string()))
    };
    let io = Socks5Error::Proxy;
    // VER 5, one method: 0x00 NO AUTHENTICATION REQUIRED.
    s.write_all(&[5, 1, 0]).await.map_err(io)?;
    let mut choice = [0u8; 2];
    s.read_exact(&mut choice).await.map_err(io)?;
    if choice[0] != 5 {
        return Err(proto("the proxy does not speak SOCKS5"));
    }
    if choice[1] != 0 {
        return Err(proto("the proxy wants authentication"));
    }
    let mut req = Vec::with_capacity(22);
    req.extend_from_slice(&[5, 1, 0]); // VER, CMD CONNECT, RSV
    match dst {
        SocketAddr::V4(a) => {
            req.push(1);
            req.extend_from_slice(&a.ip().octets());
        }
        SocketAddr::V6(a) => {
            req.push(4);
            req.extend_from_slice(&a.ip().octets());
        }
    }
    req.extend_from_slice(&dst.port().to_be_bytes());
    s.write_all(&req).await.map_err(io)?;
    let mut head = [0u8; 4];
    s.read_exact(&mut head).await.map_err(io)?;
    if head[0] != 5 {
        return Err(proto("bad reply version"));
    }
    if head[1] != 0 {
        return Err(Socks5Error::Refused(Refusal::from_code(head[1])));
    }
    // BND.ADDR and BND.PORT: read and ignored.
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut len = [0u8; 1];
            s.read_exact(&mut len).await.map_err(io)?;
            usize::from(len[0]) + 2
        }
        _ => return Err(proto("bad address type in the reply")),
    };
    let mut skip = [0u8; 258];
    s.read_exact(&mut skip[..rest]).await.map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scripted proxy on one end of an in-memory pipe.
    async fn against(reply: &'static [u8], dst: SocketAddr) -> (Result<(), Socks5Error>, Vec<u8>) {
        let (mut client, mut proxy) = tokio::io::duplex(1024);
        let server = tokio::spawn(async move {
            let mut hello = [0u8; 3];
            proxy.read_exact(&mut hello).await.unwrap();
            proxy.write_all(&[5, 0]).await.unwrap();
            let mut req = vec![0u8; 4];
            proxy.read_exact(&mut req).await.unwrap();
            let n = if req[3] == 1 { 6 } else { 18 };
            let mut rest = vec![0u8; n];
            proxy.read_exact(&mut rest).await.unwrap();
            req.extend(rest);
            proxy.write_all(reply).await.unwrap();
            let mut all = hello.to_vec();
            all.extend(req);
            all
        });
        let r = handshake(&mut client, dst).await;
        (r, server.await.unwrap())
    }

    #[tokio::test]
    async fn connect_request_and_success() {
        let dst: SocketAddr = "198.19.9.9:8000".parse().unwrap();
        let (r, sent) = against(&[5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90], dst).await;
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(sent, [5, 1, 0, 5, 1, 0, 1, 198, 19, 9, 9, 0x1f, 0x40]);
        let dst: SocketAddr = "[2001:db8::1]:443".parse().unwrap();
        let (r, sent) = against(&[5, 0, 0, 1, 10, 0, 0, 1, 0, 0], dst).await;
        assert!(r.is_ok());
        assert_eq!(&sent[3..7], &[5, 1, 0, 4]);
        assert_eq!(&sent[sent.len() - 2..], &443u16.to_be_bytes());
    }

    #[tokio::test]
    async fn refusals_are_named() {
        let dst: SocketAddr = "198.19.9.9:1".parse().unwrap();
        let (r, _) = against(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0], dst).await;
        assert!(
            matches!(r, Err(Socks5Error::Refused(Refusal::Refused))),
            "{r:?}"
        );
        let (r, _) = against(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0], dst).await;
        assert!(matches!(
            r,
            Err(Socks5Error::Refused(Refusal::HostUnreachable))
        ));
        assert_eq!(Refusal::from_code(9).describe(), "reply code 0x09");
    }
}
