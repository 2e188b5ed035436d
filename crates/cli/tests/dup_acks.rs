//! Found by the interop tests (Linux uploading to synack with `--loss`):
//! a receiver must send one duplicate ACK per out-of-order segment (RFC 5681
//! 4.2: "A TCP receiver SHOULD send an immediate duplicate ACK when an
//! out-of-order segment arrives"), because a sender without SACK (synack
//! offers none) needs three of them to retransmit fast (RFC 5681 3.2).
//!
//! The endpoint keeps one "ACK now" flag per connection, so every
//! out-of-order segment handed to `handle_packet` before the next
//! `poll_transmit` yields a single ACK. The TUN driver used to read up to
//! 4096 packets per turn before it transmitted, so Linux saw one duplicate
//! ACK per burst instead of one per segment, never reached its threshold of
//! 3, and recovered every loss by retransmission timeout with exponential
//! backoff (no RTT sample without timestamps): an upload of 16 MiB with 2%
//! loss stalled for tens of seconds at a time. The driver now transmits
//! after each packet (tun branch, 732287a); the core still merges.
//!
//! The simulator hands packets over one at a time and polls in between,
//! which is why the simulated tests never showed it.

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use synack_core::{Config, Endpoint, EndpointConfig, Instant};

fn endpoint(addr: Ipv4Addr, secret: u8) -> Endpoint {
    Endpoint::new(EndpointConfig {
        tcp: Config {
            mtu: 1500,
            ..Config::default()
        },
        addresses: vec![IpAddr::V4(addr)],
        secret: [secret; 16],
        ..EndpointConfig::default()
    })
}

fn drain(ep: &mut Endpoint, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65536];
    while let Some(n) = ep.poll_transmit(now, &mut buf) {
        out.push(buf[..n].to_vec());
    }
    out
}

/// An established connection with an open congestion window; returns the
/// server and the client's next ten segments.
fn ten_segments() -> (Endpoint, Vec<Vec<u8>>) {
    let (c_ip, s_ip) = (Ipv4Addr::new(198, 18, 0, 1), Ipv4Addr::new(198, 18, 0, 2));
    let mut client = endpoint(c_ip, 1);
    let mut server = endpoint(s_ip, 2);
    let now = Instant::ZERO;
    let srv = SocketAddr::new(IpAddr::V4(s_ip), 9000);
    let l = server.listen(srv, 16).unwrap();
    let c = client
        .connect(now, SocketAddr::new(IpAddr::V4(c_ip), 0), srv)
        .unwrap();
    // Handshake, one packet at a time.
    for _ in 0..4 {
        for p in drain(&mut client, now) {
            server.handle_packet(now, &p);
        }
        for p in drain(&mut server, now) {
            client.handle_packet(now, &p);
        }
    }
    let s = server.accept(l).expect("established");
    while client.poll_event().is_some() {}
    while server.poll_event().is_some() {}

    // Open the congestion window: a few round trips of bulk data, one
    // packet at a time, the server reading everything.
    let mut sink = vec![0u8; 1 << 16];
    for _ in 0..8 {
        let _ = client.send(now, c, &[1u8; 32 * 1024]);
        loop {
            let up = drain(&mut client, now);
            for p in &up {
                server.handle_packet(now, p);
                for a in drain(&mut server, now) {
                    client.handle_packet(now, &a);
                }
            }
            while server.recv(now, s, &mut sink).is_ok_and(|n| n > 0) {}
            let down = drain(&mut server, now);
            for a in &down {
                client.handle_packet(now, a);
            }
            if up.is_empty() && down.is_empty() {
                break;
            }
        }
    }

    // Ten full segments from the client; the first is lost.
    let data = vec![7u8; 10 * 1460];
    assert_eq!(client.send(now, c, &data).unwrap(), data.len());
    let segs = drain(&mut client, now);
    assert!(segs.len() >= 5, "client sent {} segments", segs.len());

    (server, segs)
}

/// Nine out-of-order segments handed over together (one read burst of a
/// driver) draw nine duplicate ACKs: the core owes one per segment, so a
/// driver may batch as the documented calling order allows.
#[test]
fn one_duplicate_ack_per_out_of_order_segment_in_a_batch() {
    let now = Instant::ZERO;
    let (mut server, segs) = ten_segments();
    // The first is lost; the other nine arrive together (one read burst of
    // the TUN driver), then the server transmits.
    for p in &segs[1..] {
        server.handle_packet(now, p);
    }
    let acks = drain(&mut server, now);
    assert_eq!(
        acks.len(),
        segs.len() - 1,
        "one duplicate ACK per out-of-order segment (RFC 5681 4.2); got {} ACK(s) for {} \
         out-of-order segments",
        acks.len(),
        segs.len() - 1
    );
}

/// The control: handed over one at a time with a poll in between (as the
/// simulator does), each out-of-order segment draws its duplicate ACK.
#[test]
fn one_duplicate_ack_per_out_of_order_segment_one_at_a_time() {
    let now = Instant::ZERO;
    let (mut server, segs) = ten_segments();
    let mut acks = 0;
    for p in &segs[1..] {
        server.handle_packet(now, p);
        acks += drain(&mut server, now).len();
    }
    assert_eq!(acks, segs.len() - 1);
}
