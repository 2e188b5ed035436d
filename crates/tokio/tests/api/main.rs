//! The tokio API over channel devices: two stacks on one in-memory wire
//! (optionally lossy), no root needed. Timers run on tokio's clock, so the
//! tests that wait for timeouts pause it and let tokio jump ahead.

mod backpressure;
mod catch_all;
mod close;
mod errors;
mod link;
mod many;
mod transfer;

use std::net::{IpAddr, SocketAddr};
use synack_tokio::device::ChannelDevice;
use synack_tokio::{Stack, StackConfig, TcpListener, TcpStream};

/// The server stack's address.
pub const SERVER_IP: &str = "198.18.0.2";
/// The client stack's address.
pub const CLIENT_IP: &str = "198.18.0.1";

/// `ip`:`port`.
pub fn addr(ip: &str, port: u16) -> SocketAddr {
    SocketAddr::new(ip.parse::<IpAddr>().unwrap(), port)
}

/// A server stack and a client stack joined back to back.
pub fn pair() -> (Stack, Stack) {
    pair_with(|_| {})
}

/// [`pair`] with both configurations adjusted by `tweak`.
pub fn pair_with(tweak: impl Fn(&mut StackConfig)) -> (Stack, Stack) {
    let (a, b) = ChannelDevice::pair(65536, 1500);
    (stack(a, SERVER_IP, &tweak), stack(b, CLIENT_IP, &tweak))
}

/// A stack on `dev` owning `ip`.
pub fn stack(dev: ChannelDevice, ip: &str, tweak: &impl Fn(&mut StackConfig)) -> Stack {
    let mut c = StackConfig::new(vec![ip.parse().unwrap()]);
    tweak(&mut c);
    Stack::new(dev, c).unwrap()
}

/// A stream from `client` to `listener` (on `SERVER_IP`:`port`) and the
/// one the listener accepts for it: (client's, server's).
pub async fn connect_to(
    listener: &TcpListener,
    client: &Stack,
    port: u16,
) -> (TcpStream, TcpStream) {
    let (c, a) = tokio::join!(
        TcpStream::connect(client, addr(SERVER_IP, port)),
        listener.accept()
    );
    (c.unwrap(), a.unwrap().0)
}

/// `n` bytes of a pattern no two offsets of a short period share.
pub fn pattern(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}
