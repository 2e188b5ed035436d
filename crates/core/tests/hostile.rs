//! Bad input is normal input: random (but checksum-valid) segments aimed at
//! live connections in every state, and raw garbage, must never panic the
//! stack, must be counted when dropped, and must not grow its memory
//! without bound.

use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use synack_core::wire::{self, IpRepr, SackBlocks, TcpFlags, TcpOptions, TcpRepr, Timestamps};
use synack_core::{Endpoint, EndpointConfig, Instant, SeqNum};

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
const B: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));

fn endpoint(ip: IpAddr, secret: u8) -> Endpoint {
    Endpoint::new(EndpointConfig {
        addresses: vec![ip],
        secret: [secret; 16],
        ..EndpointConfig::default()
    })
}

/// Moves packets between two endpoints until quiet (bounded), remembering
/// the last packet seen from A.
fn pump(a: &mut Endpoint, b: &mut Endpoint, now: Instant, last_from_a: &mut Vec<u8>) {
    let mut buf = vec![0u8; 65536];
    for _ in 0..10_000 {
        let mut moved = false;
        while let Some(n) = a.poll_transmit(now, &mut buf) {
            last_from_a.clear();
            last_from_a.extend_from_slice(&buf[..n]);
            b.handle_packet(now, &buf[..n]);
            moved = true;
        }
        while let Some(n) = b.poll_transmit(now, &mut buf) {
            a.handle_packet(now, &buf[..n]);
            moved = true;
        }
        if !moved {
            return;
        }
    }
    panic!("packets kept flowing without time passing");
}

#[derive(Debug, Clone)]
struct Mutation {
    flags: u8,
    seq_delta: i64,
    ack_delta: i64,
    window: u16,
    payload: usize,
    mss: Option<u16>,
    ws: Option<u8>,
    sack_perm: bool,
    sack: Vec<(u32, u32)>,
    ts: Option<(u32, u32)>,
    /// Aim at a port nobody uses instead.
    stray_port: bool,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let delta = prop_oneof![
        -3i64..4,
        -70_000i64..70_000,
        any::<u32>().prop_map(i64::from)
    ];
    (
        any::<u8>(),
        delta.clone(),
        delta,
        any::<u16>(),
        prop_oneof![Just(0usize), 1usize..100, 1000usize..3000],
        proptest::option::of(any::<u16>()),
        proptest::option::of(any::<u8>()),
        any::<bool>(),
        proptest::collection::vec((any::<u32>(), any::<u32>()), 0..4),
        proptest::option::of((any::<u32>(), any::<u32>())),
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(
                flags,
                seq_delta,
                ack_delta,
                window,
                payload,
                mss,
                ws,
                sack_perm,
                sack,
                ts,
                stray_port,
            )| {
                Mutation {
                    flags,
                    seq_delta,
                    ack_delta,
                    window,
                    payload,
                    mss,
                    ws,
                    sack_perm,
                    sack,
                    ts,
                    stray_port,
                }
            },
        )
}

fn forge(template: &[u8], m: &Mutation) -> Option<Vec<u8>> {
    let pkt = wire::parse_packet(template).ok()?;
    let mut sack_blocks = SackBlocks::default();
    for &(l, r) in m.sack.iter().take(3) {
        sack_blocks.push(SeqNum(l), SeqNum(r));
    }
    let tcp = TcpRepr {
        src_port: pkt.tcp.src_port,
        dst_port: if m.stray_port { 9 } else { pkt.tcp.dst_port },
        seq: SeqNum(pkt.tcp.seq.0.wrapping_add(m.seq_delta as u32)),
        ack: SeqNum(pkt.tcp.ack.0.wrapping_add(m.ack_delta as u32)),
        flags: TcpFlags(m.flags),
        window: m.window,
        urgent: 0,
        options: TcpOptions {
            mss: m.mss,
            window_scale: m.ws,
            sack_permitted: m.sack_perm,
            sack_blocks,
            timestamps: m.ts.map(|(tsval, tsecr)| Timestamps { tsval, tsecr }),
        },
    };
    let ip = IpRepr {
        src: pkt.ip.src,
        dst: pkt.ip.dst,
        ttl: 64,
        ecn: 0,
        dscp: 0,
        dont_fragment: true,
    };
    let payload = vec![0xa5u8; m.payload];
    let mut out = vec![0u8; 4096];
    let n = wire::emit_packet(&ip, &tcp, &payload, &mut out).ok()?;
    out.truncate(n);
    Some(out)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("SYNACK_PROP_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn forged_segments_in_every_phase_never_panic(
        phase in 0u8..6,
        muts in proptest::collection::vec(mutation(), 1..40),
    ) {
        let mut a = endpoint(A, 1);
        let mut b = endpoint(B, 2);
        let l = b.listen(SocketAddr::new(B, 80), 4).unwrap();
        let mut now = Instant::from_millis(1);
        let c = a.connect(now, SocketAddr::new(A, 0), SocketAddr::new(B, 80)).unwrap();
        let mut last = Vec::new();
        // Phases: 0 SYN-SENT/SYN-RECEIVED in flight, 1 established, 2 data
        // flowing, 3 client FIN-WAIT, 4 server CLOSE-WAIT/LAST-ACK, 5 TIME-WAIT.
        let mut buf = [0u8; 1];
        if phase >= 1 {
            pump(&mut a, &mut b, now, &mut last);
        }
        let s = b.accept(l).ok();
        if phase >= 2 {
            a.send(now, c, &[7u8; 5000]).unwrap();
            pump(&mut a, &mut b, now, &mut last);
        }
        if phase >= 3 {
            a.shutdown(now, c).unwrap();
            pump(&mut a, &mut b, now, &mut last);
        }
        if phase >= 4 && let Some(s) = s {
            let mut sink = vec![0u8; 8192];
            while b.recv(now, s, &mut sink).is_ok_and(|n| n > 0) {}
            b.close(now, s).unwrap();
        }
        if phase >= 5 {
            pump(&mut a, &mut b, now, &mut last);
        }
        if last.is_empty() {
            // Nothing crossed yet: use the client's SYN as the template.
            let mut tmp = vec![0u8; 1500];
            let n = a.poll_transmit(now, &mut tmp).unwrap();
            last.extend_from_slice(&tmp[..n]);
            b.handle_packet(now, &last);
        }
        for m in &muts {
            if let Some(p) = forge(&last, m) {
                b.handle_packet(now, &p);
            }
            now += std::time::Duration::from_millis(3);
            b.handle_timeout(now);
            a.handle_timeout(now);
            let mut scratch = Vec::new();
            pump(&mut a, &mut b, now, &mut scratch);
        }
        // Bounded: at most the two real connections plus what the backlog admits.
        prop_assert!(b.connection_count() <= 1 + 4, "server holds {} connections", b.connection_count());
        // The client handle still answers with a state or a typed error.
        let _ = a.recv(now, c, &mut buf);
        // Time passes: every timer runs out, nothing panics, memory is released.
        for _ in 0..200 {
            now += std::time::Duration::from_secs(5);
            a.handle_timeout(now);
            b.handle_timeout(now);
            let mut scratch = Vec::new();
            pump(&mut a, &mut b, now, &mut scratch);
        }
        let _ = a.close(now, c);
        if let Some(s) = s {
            let _ = b.close(now, s);
        }
        // Unaccepted connections live as long as their listener.
        b.close_listener(now, l).unwrap();
        for _ in 0..100 {
            now += std::time::Duration::from_secs(30);
            a.handle_timeout(now);
            b.handle_timeout(now);
            let mut scratch = Vec::new();
            pump(&mut a, &mut b, now, &mut scratch);
        }
        prop_assert_eq!(b.connection_count(), 0, "server leaked connections");
        prop_assert_eq!(a.connection_count(), 0, "client leaked connections");
    }

    #[test]
    fn garbage_packets_are_counted_not_fatal(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut b = endpoint(B, 2);
        b.listen(SocketAddr::new(B, 80), 4).unwrap();
        b.handle_packet(Instant::ZERO, &bytes);
        let st = b.stats();
        prop_assert_eq!(st.rx_packets, 1);
        let mut out = [0u8; 1500];
        // Garbage may at most draw one RST (if it happens to be a valid segment).
        let mut n = 0;
        while b.poll_transmit(Instant::ZERO, &mut out).is_some() {
            n += 1;
        }
        prop_assert!(n <= 1);
    }
}
