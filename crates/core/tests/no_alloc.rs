//! No heap allocation per segment in steady state: two endpoints joined by
//! one reused buffer move a bulk transfer (both ways, IPv4 and IPv6, with
//! and without TSO, and with loss); once the first mebibytes have grown the rings and
//! queues, the next ones must not allocate at all. `allocation-counter`
//! counts the allocations of this thread while they move.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use synack_core::{Config, ConnId, Endpoint, EndpointConfig, Error, Instant};

const MIB: usize = 1024 * 1024;

struct Pair {
    a: Endpoint,
    b: Endpoint,
    buf: Box<[u8]>,
    now: Instant,
    /// Drop every n-th packet, counted over both directions (0: none), to
    /// exercise recovery.
    drop_every: u64,
    packets: u64,
}

impl Pair {
    fn new(tcp: Config, a: IpAddr, b: IpAddr) -> Pair {
        let ep = |addr, secret| {
            Endpoint::new(EndpointConfig {
                tcp: tcp.clone(),
                addresses: vec![addr],
                secret,
                ..EndpointConfig::default()
            })
        };
        Pair {
            a: ep(a, [1; 16]),
            b: ep(b, [2; 16]),
            buf: vec![0; 65536 + 128].into_boxed_slice(),
            now: Instant::from_millis(1),
            drop_every: 0,
            packets: 0,
        }
    }

    /// Whether the next packet gets through.
    fn delivered(&mut self) -> bool {
        self.packets += 1;
        self.drop_every == 0 || !self.packets.is_multiple_of(self.drop_every)
    }

    /// Moves packets both ways until both are quiet; runs due timers.
    fn pump(&mut self) {
        loop {
            let mut moved = false;
            while let Some(n) = self.a.poll_transmit(self.now, &mut self.buf) {
                if self.delivered() {
                    self.b.handle_packet(self.now, &self.buf[..n]);
                }
                moved = true;
            }
            while let Some(n) = self.b.poll_transmit(self.now, &mut self.buf) {
                if self.delivered() {
                    self.a.handle_packet(self.now, &self.buf[..n]);
                }
                moved = true;
            }
            for ep in [&mut self.a, &mut self.b] {
                if ep.poll_timeout().is_some_and(|t| t <= self.now) {
                    ep.handle_timeout(self.now);
                }
                while ep.poll_event().is_some() {}
            }
            if !moved {
                return;
            }
        }
    }
}

/// Sends `bytes` from `from` to `to` over the open connection, reading with
/// `recv` (copy) or `recv_with` (in place) alternately; 1 ms passes per
/// round so timers run as they would.
fn transfer(p: &mut Pair, a_to_b: bool, (ca, cb): (ConnId, ConnId), bytes: usize, src: &[u8]) {
    let (mut sent, mut got) = (0, 0);
    let mut sink = [0u8; 16384];
    let mut rounds = 0u32;
    while got < bytes {
        let (tx, tc, rx, rc) = if a_to_b {
            (&mut p.a, ca, &mut p.b, cb)
        } else {
            (&mut p.b, cb, &mut p.a, ca)
        };
        while sent < bytes {
            let len = (bytes - sent).min(src.len());
            match tx.send(p.now, tc, &src[..len]) {
                Ok(n) => sent += n,
                Err(Error::WouldBlock) => break,
                Err(e) => panic!("send: {e}"),
            }
        }
        loop {
            let r = if rounds.is_multiple_of(2) {
                rx.recv(p.now, rc, &mut sink)
            } else {
                rx.recv_with(p.now, rc, |d| d.len())
                    .map(|n| n.expect("no end of stream here"))
            };
            match r {
                Ok(n) => got += n,
                Err(Error::WouldBlock) => break,
                Err(e) => panic!("recv: {e}"),
            }
        }
        p.pump();
        p.now += core::time::Duration::from_millis(1);
        rounds += 1;
        assert!(rounds < 1_000_000, "transfer stalled at {got} of {bytes}");
    }
}

fn check(name: &str, tcp: Config, a: IpAddr, b: IpAddr, drop_every: u64) {
    let mut p = Pair::new(tcp, a, b);
    let l = p.b.listen(SocketAddr::new(b, 5001), 8).unwrap();
    let ca =
        p.a.connect(p.now, SocketAddr::new(a, 0), SocketAddr::new(b, 5001))
            .unwrap();
    p.pump();
    let cb = p.b.accept(l).expect("accepted");
    let src = vec![0x5a; 64 * 1024];
    p.drop_every = drop_every;
    // Warm-up: rings grow to their capacity, queues (the sent-segment log
    // among them) to their working size; once, not per segment.
    transfer(&mut p, true, (ca, cb), 16 * MIB, &src);
    transfer(&mut p, false, (ca, cb), 16 * MIB, &src);
    let rexmits = p.a.stats().retransmissions + p.b.stats().retransmissions;
    let recoveries = p.a.stats().recoveries + p.b.stats().recoveries;
    let info = allocation_counter::measure(|| {
        transfer(&mut p, true, (ca, cb), 16 * MIB, &src);
        transfer(&mut p, false, (ca, cb), 16 * MIB, &src);
    });
    let rexmits = p.a.stats().retransmissions + p.b.stats().retransmissions - rexmits;
    assert_eq!(
        rexmits > 0,
        drop_every > 0,
        "{name}: {rexmits} retransmissions while measuring"
    );
    // Losses are repaired by loss recovery (RFC 6675 / RACK-TLP or
    // NewReno), not only by timeouts.
    let recoveries = p.a.stats().recoveries + p.b.stats().recoveries - recoveries;
    assert_eq!(
        recoveries > 0,
        drop_every > 0,
        "{name}: {recoveries} recoveries while measuring"
    );
    assert_eq!(
        info.count_total, 0,
        "{name}: {} allocations ({} bytes) while moving 32 MiB in steady state",
        info.count_total, info.bytes_total
    );
}

#[test]
fn steady_state_bulk_transfer_does_not_allocate() {
    let v4 = (
        IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)),
        IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2)),
    );
    let v6 = (
        IpAddr::V6(Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 1)),
        IpAddr::V6(Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 2)),
    );
    check("IPv4", Config::default(), v4.0, v4.1, 0);
    check("IPv6", Config::default(), v6.0, v6.1, 0);
    let tso = Config {
        tso_segments: 64,
        ..Config::default()
    };
    check("IPv4 with TSO", tso, v4.0, v4.1, 0);
    // Linux's PSH and slow-start rules (push points in a fixed ring) and
    // its recovery choices, with TSO and losses.
    let linux_like = Config {
        tso_segments: 64,
        push: synack_core::PushPolicy::WriteBoundary,
        slow_start: synack_core::SlowStart::Abc,
        sack_forward_retransmit: false,
        prr_safe_ack: true,
        sack_whole_segments: true,
        fin_ignores_cwnd: true,
        ..Config::default()
    };
    check("IPv4, Linux-like, 5% loss", linux_like, v4.0, v4.1, 19);
    // Every 97th packet lost: duplicate ACKs with SACK blocks, out-of-order
    // data in the receive ring, fast retransmits and recovery.
    check("IPv4, 1% loss", Config::default(), v4.0, v4.1, 97);
    // 5% loss: many holes per window, the scoreboard, RACK's marks and
    // PRR all busy; and the same without SACK recovery (NewReno only).
    check("IPv4, 5% loss", Config::default(), v4.0, v4.1, 19);
    let reno = Config {
        sack_recovery: false,
        congestion: synack_core::config::Congestion::NewReno,
        ..Config::default()
    };
    check("IPv4, 5% loss, NewReno", reno, v4.0, v4.1, 19);
}
