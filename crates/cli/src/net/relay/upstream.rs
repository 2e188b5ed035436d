//! Where a relayed connection goes: straight to its destination through a
//! kernel socket bound to an interface, or through a SOCKS5 proxy.

use super::socks5::{self, Socks5Error};
use std::io;
use std::net::SocketAddr;
use tokio::net::{TcpSocket, TcpStream};

/// The way out.
#[derive(Clone, Debug)]
pub enum Upstream {
    /// Kernel sockets bound to this interface (`SO_BINDTODEVICE`): their
    /// traffic leaves by it and never loops back into the TUN device.
    Direct {
        /// The interface.
        device: String,
    },
    /// A SOCKS5 proxy (RFC 1928 CONNECT, no authentication).
    Socks5 {
        /// The proxy's address.
        proxy: SocketAddr,
    },
}

/// What became of an attempt to reach a destination.
#[derive(Debug)]
pub enum Outcome {
    /// Connected: relay the bytes.
    Connected(TcpStream),
    /// The destination (or the proxy for it) said no: the client gets an
    /// RST, as from a closed port.
    Refused(String),
}

impl Upstream {
    /// "direct via IFACE" or "socks5 via HOST:PORT".
    pub fn describe(&self) -> String {
        match self {
            Upstream::Direct { device } => format!("direct via {device}"),
            Upstream::Socks5 { proxy } => format!("socks5 via {proxy}"),
        }
    }

    /// Tries to reach `dst` (the caller bounds the time it may take).
    pub async fn connect(&self, dst: SocketAddr) -> Outcome {
        match self {
            Upstream::Direct { device } => match direct(device, dst).await {
                Ok(s) => Outcome::Connected(s),
                Err(e) => Outcome::Refused(os_words(&e)),
            },
            Upstream::Socks5 { proxy } => match socks5::connect(*proxy, dst).await {
                Ok(s) => Outcome::Connected(s),
                Err(Socks5Error::Refused(r)) => {
                    Outcome::Refused(format!("proxy: {}", r.describe()))
                }
                Err(Socks5Error::Proxy(e)) => {
                    Outcome::Refused(format!("proxy {proxy}: {}", os_words(&e)))
                }
            },
        }
    }
}

async fn direct(device: &str, dst: SocketAddr) -> io::Result<TcpStream> {
    let socket = if dst.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.bind_device(Some(device.as_bytes()))?;
    socket.set_nodelay(true)?;
    socket.connect(dst).await
}

/// The OS's message without Rust's ` (os error N)`.
fn os_words(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}
