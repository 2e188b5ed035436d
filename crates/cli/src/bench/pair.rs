//! Two endpoints joined by an in-memory link: packets go straight from one
//! endpoint's `poll_transmit` to the other's `handle_packet` through one
//! reused buffer.

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use synack_core::{Config, Endpoint, EndpointConfig, Instant};

/// The client's address.
pub const CLIENT: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// The server's address.
pub const SERVER: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// The server's port.
pub const PORT: u16 = 5001;

/// The real clock as the core's [`Instant`] (microseconds since creation).
pub struct Clock(std::time::Instant);

impl Clock {
    /// Starts the clock.
    pub fn start() -> Self {
        Clock(std::time::Instant::now())
    }

    /// Now.
    pub fn now(&self) -> Instant {
        Instant::from_micros(u64::try_from(self.0.elapsed().as_micros()).unwrap_or(u64::MAX))
    }
}

/// A client and a server endpoint.
pub struct Pair {
    /// The client (198.18.0.1 plus any extra addresses).
    pub client: Endpoint,
    /// The server (198.18.0.2).
    pub server: Endpoint,
    buf: Box<[u8]>,
}

impl Pair {
    /// Two endpoints with connection settings `tcp`; the client also owns
    /// `extra` addresses.
    pub fn new(tcp: Config, extra: &[IpAddr]) -> Self {
        let mut client_addrs = vec![IpAddr::V4(CLIENT)];
        client_addrs.extend_from_slice(extra);
        let client = Endpoint::new(EndpointConfig {
            tcp: tcp.clone(),
            addresses: client_addrs,
            secret: secret(),
            ..EndpointConfig::default()
        });
        let server = Endpoint::new(EndpointConfig {
            tcp,
            addresses: vec![IpAddr::V4(SERVER)],
            secret: secret(),
            ..EndpointConfig::default()
        });
        Pair {
            client,
            server,
            buf: vec![0; 65536].into_boxed_slice(),
        }
    }

    /// The server's listening address.
    pub fn server_addr() -> SocketAddr {
        SocketAddr::new(IpAddr::V4(SERVER), PORT)
    }

    /// Moves everything the client wants to send to the server; returns the
    /// number of packets.
    pub fn client_to_server(&mut self, now: Instant) -> usize {
        let mut n = 0;
        while let Some(len) = self.client.poll_transmit(now, &mut self.buf) {
            self.server.handle_packet(now, &self.buf[..len]);
            n += 1;
        }
        n
    }

    /// Moves everything the server wants to send to the client.
    pub fn server_to_client(&mut self, now: Instant) -> usize {
        let mut n = 0;
        while let Some(len) = self.server.poll_transmit(now, &mut self.buf) {
            self.client.handle_packet(now, &self.buf[..len]);
            n += 1;
        }
        n
    }

    /// Moves packets both ways until neither side has anything to send.
    pub fn pump(&mut self, now: Instant) -> usize {
        let mut total = 0;
        loop {
            let n = self.client_to_server(now) + self.server_to_client(now);
            if n == 0 {
                return total;
            }
            total += n;
        }
    }

    /// Runs the timers that are due.
    pub fn timers(&mut self, now: Instant) {
        for ep in [&mut self.client, &mut self.server] {
            if ep.poll_timeout().is_some_and(|t| t <= now) {
                ep.handle_timeout(now);
            }
        }
    }

    /// Discards application events (the benchmarks poll instead).
    pub fn drop_events(&mut self) {
        while self.client.poll_event().is_some() {}
        while self.server.poll_event().is_some() {}
    }
}

/// A per-process secret for ISNs and hashing (a real driver would use the
/// OS's random source; the standard library's hasher seed is enough here).
fn secret() -> [u8; 16] {
    use std::hash::{BuildHasher, RandomState};
    let s = RandomState::new();
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&s.hash_one(1u8).to_le_bytes());
    out[8..].copy_from_slice(&s.hash_one(2u8).to_le_bytes());
    out
}
