//! A client and a server endpoint in one simulator, plus helpers that move
//! application data in virtual time.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use synack_core::{ConnId, Endpoint, EndpointConfig, Error, Instant, ListenerId, State};
use synack_sim::{HostId, LinkConfig, Sim};

pub const CLIENT_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
pub const SERVER_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
pub const PORT: u16 = 80;

pub struct Pair {
    pub sim: Sim<Endpoint>,
    pub client: HostId,
    pub server: HostId,
}

pub fn config(sim: &mut Sim<Endpoint>, ip: IpAddr) -> EndpointConfig {
    let mut secret = [0u8; 16];
    secret[..8].copy_from_slice(&sim.random_u64().to_le_bytes());
    secret[8..].copy_from_slice(&sim.random_u64().to_le_bytes());
    EndpointConfig {
        addresses: vec![ip],
        secret,
        trace: true,
        ..EndpointConfig::default()
    }
}

impl Pair {
    pub fn new(seed: u64, link: LinkConfig) -> Pair {
        Self::with_config(seed, link.clone(), link, |_| {})
    }

    pub fn with_config(
        seed: u64,
        c2s: LinkConfig,
        s2c: LinkConfig,
        tweak: impl Fn(&mut EndpointConfig),
    ) -> Pair {
        let mut sim = Sim::new(seed);
        let mut cc = config(&mut sim, CLIENT_IP);
        let mut sc = config(&mut sim, SERVER_IP);
        tweak(&mut cc);
        tweak(&mut sc);
        let client = sim.add_host(Endpoint::new(cc), &[CLIENT_IP]);
        let server = sim.add_host(Endpoint::new(sc), &[SERVER_IP]);
        sim.link(client, server, c2s, s2c);
        Pair {
            sim,
            client,
            server,
        }
    }

    pub fn now(&self) -> Instant {
        self.sim.now()
    }

    pub fn c(&mut self) -> &mut Endpoint {
        self.sim.host_mut(self.client)
    }

    pub fn s(&mut self) -> &mut Endpoint {
        self.sim.host_mut(self.server)
    }

    pub fn listen(&mut self) -> ListenerId {
        self.s()
            .listen(SocketAddr::new(SERVER_IP, PORT), 16)
            .expect("listen")
    }

    pub fn connect(&mut self) -> ConnId {
        let now = self.now();
        self.c()
            .connect(
                now,
                SocketAddr::new(CLIENT_IP, 0),
                SocketAddr::new(SERVER_IP, PORT),
            )
            .expect("connect")
    }

    /// Runs until `cond` holds or `limit` of virtual time passes.
    pub fn run_until(&mut self, limit: Duration, mut cond: impl FnMut(&mut Pair) -> bool) -> bool {
        let deadline = self.now() + limit;
        // Applications get turns even while the network is idle (their
        // next action may be what creates traffic); many idle turns in a
        // row with nothing happening means the run is stuck.
        let mut idle_turns = 0;
        loop {
            if cond(self) {
                return true;
            }
            if self.now() > deadline {
                return false;
            }
            if self.sim.step() {
                idle_turns = 0;
            } else {
                idle_turns += 1;
                if idle_turns > 200 {
                    return false;
                }
            }
        }
    }

    /// Opens a connection: returns (client conn, server conn).
    pub fn establish(&mut self) -> (ConnId, ConnId) {
        let l = self.listen();
        let c = self.connect();
        let mut accepted = None;
        let ok = self.run_until(Duration::from_secs(120), |p| {
            if accepted.is_none() {
                accepted = p.s().accept(l).ok();
            }
            accepted.is_some() && p.c().state(c) == Ok(State::Established)
        });
        assert!(ok, "handshake did not complete");
        (c, accepted.unwrap())
    }

    pub fn drain_traces(&mut self) -> Vec<(HostId, synack_core::trace::TraceEvent)> {
        let mut out = Vec::new();
        for h in [self.client, self.server] {
            while let Some(t) = self.sim.host_mut(h).poll_trace() {
                out.push((h, t));
            }
        }
        out
    }
}

/// Reads everything available on `conn` into `sink`; returns Ok(true) at
/// end of stream.
pub fn read_all(
    ep: &mut Endpoint,
    now: Instant,
    conn: ConnId,
    sink: &mut Vec<u8>,
) -> Result<bool, Error> {
    let mut buf = [0u8; 4096];
    loop {
        match ep.recv(now, conn, &mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => sink.extend_from_slice(&buf[..n]),
            Err(Error::WouldBlock) => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}

/// A deterministic pattern of `n` bytes.
pub fn pattern(n: usize, salt: u8) -> Vec<u8> {
    (0..n)
        .map(|i| {
            (i as u8)
                .wrapping_mul(31)
                .wrapping_add(salt ^ (i >> 8) as u8)
        })
        .collect()
}
