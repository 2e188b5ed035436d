//! The endpoint's own memory accounting: idle connections hold no
//! buffers or logs (storage comes on demand), and the accounting follows
//! what a connection that moved data holds.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use synack_core::{Endpoint, EndpointConfig, Instant};

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
const B: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));

fn endpoint(ip: IpAddr) -> Endpoint {
    Endpoint::new(EndpointConfig {
        addresses: vec![ip],
        ..EndpointConfig::default()
    })
}

fn pump(a: &mut Endpoint, b: &mut Endpoint, now: Instant) {
    let mut buf = vec![0u8; 65536];
    loop {
        let mut moved = false;
        while let Some(n) = a.poll_transmit(now, &mut buf) {
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
}

#[test]
fn idle_connections_hold_no_buffers_and_data_shows_in_the_accounting() {
    let (mut a, mut b) = (endpoint(A), endpoint(B));
    let now = Instant::ZERO;
    let l = b.listen(SocketAddr::new(B, 80), 2048).unwrap();
    let mut conns = Vec::new();
    for _ in 0..1000 {
        conns.push(
            a.connect(now, SocketAddr::new(A, 0), SocketAddr::new(B, 80))
                .unwrap(),
        );
    }
    pump(&mut a, &mut b, now);
    let mut accepted = Vec::new();
    while let Ok(c) = b.accept(l) {
        accepted.push(c);
    }
    assert_eq!(accepted.len(), 1000);
    let m = b.memory_usage();
    assert_eq!(m.connections, 1000);
    assert_eq!((m.buffers, m.other), (0, 0), "{m:?}");
    assert!(m.slots > 0 && m.index > 0 && m.total() == m.slots + m.index + m.timers);
    assert!(m.per_connection() < 2048, "{m:?}");
    // Data moved on one connection: its buffers and sent log show.
    a.send(now, conns[0], &[7u8; 20_000]).unwrap();
    pump(&mut a, &mut b, now);
    let ma = a.memory_usage();
    assert!(ma.buffers >= 20_000 && ma.other > 0, "{ma:?}");
    let mb = b.memory_usage();
    assert!(mb.buffers >= 16_384, "{mb:?}");
}

/// 1000 connections closed by the client: its 1000 TIME-WAIT connections
/// are compact records, and a record costs a small fraction of a slot.
#[test]
fn time_wait_connections_are_compact_records() {
    // 96 bytes of record, 16 of expiry entry, 4 of free list.
    let per_record = time_wait_bytes_per_record(A, B);
    assert!(
        per_record <= 120,
        "{per_record} bytes per IPv4 TIME-WAIT record"
    );
    // IPv6 addresses take 24 bytes more.
    let (a6, b6) = (
        "2001:db8::1".parse().unwrap(),
        "2001:db8::2".parse().unwrap(),
    );
    let per_record = time_wait_bytes_per_record(a6, b6);
    assert!(
        per_record <= 144,
        "{per_record} bytes per IPv6 TIME-WAIT record"
    );
}

fn time_wait_bytes_per_record(client: IpAddr, server: IpAddr) -> usize {
    let (mut a, mut b) = (endpoint(client), endpoint(server));
    let now = Instant::ZERO;
    let l = b.listen(SocketAddr::new(server, 80), 2048).unwrap();
    let conns: Vec<_> = (0..1000)
        .map(|_| {
            a.connect(now, SocketAddr::new(client, 0), SocketAddr::new(server, 80))
                .unwrap()
        })
        .collect();
    pump(&mut a, &mut b, now);
    let mut accepted = Vec::new();
    while let Ok(c) = b.accept(l) {
        accepted.push(c);
    }
    let full = a.memory_usage();
    for c in conns {
        a.close(now, c).unwrap();
    }
    pump(&mut a, &mut b, now);
    for c in accepted {
        b.close(now, c).unwrap();
    }
    pump(&mut a, &mut b, now);
    let m = a.memory_usage();
    assert_eq!(m.connections, 1000, "{m:?}");
    assert_eq!(m.time_wait, 1000, "all in TIME-WAIT, compact: {m:?}");
    assert_eq!(a.count_in_state(synack_core::State::TimeWait), 1000);
    assert_eq!(b.connection_count(), 0);
    let per_record = m.time_wait_bytes / 1000;
    let per_slot = full.slots / 1000;
    eprintln!("{client}: TIME-WAIT record {per_record} bytes, connection slot {per_slot} bytes");
    assert!(per_record * 3 < per_slot, "{per_record} vs {per_slot}");
    per_record
}
