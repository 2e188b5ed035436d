//! ICMP errors about our segments (RFC 1122 4.2.3.9, RFC 5927) and
//! path-MTU discovery (RFC 1191, RFC 8201).

use crate::harness::*;
use std::net::IpAddr;
use synack_core::wire::icmp::emit_icmp_error;
use synack_core::wire::{TcpFlags, TcpOptions, TcpRepr};
use synack_core::{Error, EventKind, SeqNum, State};

/// A router between the stack and the peer.
fn router(h: &Harness) -> IpAddr {
    if h.is_v6() {
        "2001:db8::99".parse().unwrap()
    } else {
        "198.18.9.9".parse().unwrap()
    }
}

/// The ICMP error (`ty`, `code`, `word`) a router sends about a segment of
/// the stack's with sequence number `seq` (relative to its ISS) and
/// `len` bytes of payload.
fn icmp(h: &Harness, ty: u8, code: u8, word: u32, seq: u32, len: usize) -> Vec<u8> {
    let tcp = TcpRepr {
        src_port: h.local.port(),
        dst_port: h.remote.port(),
        seq: SeqNum(h.iss().0.wrapping_add(seq)),
        ack: SeqNum(0),
        flags: TcpFlags::ACK,
        window: 0,
        urgent: 0,
        options: TcpOptions::default(),
    };
    let quoted = h.packet(h.local.ip(), h.remote.ip(), &tcp, &vec![0u8; len]);
    let mut buf = vec![0u8; 2000];
    let n = emit_icmp_error(router(h), h.local.ip(), ty, code, word, &quoted, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Port unreachable (v4 type 3 code 3; v6 type 1 code 4).
fn port_unreachable(h: &Harness, seq: u32) -> Vec<u8> {
    if h.is_v6() {
        icmp(h, 1, 4, 0, seq, 0)
    } else {
        icmp(h, 3, 3, 0, seq, 0)
    }
}

#[test]
fn port_unreachable_for_our_syn_aborts_the_connect() {
    for v6 in [false, true] {
        let mut h = Harness::with_config(v6, |_| {});
        h.syn_sent();
        let p = port_unreachable(&h, 0);
        h.send_bytes(&p);
        assert_eq!(h.conn_events(), vec![EventKind::Refused], "v6 {v6}");
        assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
        assert_eq!(
            h.ep.connection(h.conn()).unwrap().error(),
            Some(Error::ConnectionRefused)
        );
        assert_eq!(h.ep.stats().icmp_aborts, 1);
        h.expect_nothing();
    }
}

#[test]
fn an_error_quoting_a_sequence_number_not_in_flight_is_ignored() {
    let mut h = Harness::new();
    h.syn_sent();
    // SND.UNA = ISS, SND.NXT = ISS+1: only ISS itself is in flight.
    for seq in [1, 2, 0x8000_0000, u32::MAX] {
        let p = port_unreachable(&h, seq);
        h.send_bytes(&p);
    }
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
    assert_eq!(h.ep.stats().icmp_ignored, 4);
    assert_eq!(h.conn_events(), vec![]);
}

#[test]
fn a_soft_error_is_reported_and_a_later_timeout_says_which() {
    let mut h = Harness::new();
    h.syn_sent();
    let p = icmp(&h, 3, 1, 0, 0, 0); // host unreachable
    h.send_bytes(&p);
    assert_eq!(h.conn_events(), vec![EventKind::SoftError]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent), "soft: goes on");
    let c = h.ep.connection(h.conn()).unwrap();
    assert_eq!(c.soft_error(), Some(Error::HostUnreachable));
    // The SYN retries run out: the error is the ICMP's, not "timed out".
    for _ in 0..10 {
        h.advance(ms(200_000));
    }
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(
        h.ep.connection(h.conn()).unwrap().error(),
        Some(Error::HostUnreachable)
    );
    assert!(h.conn_events().contains(&EventKind::TimedOut));
}

#[test]
fn hard_errors_are_soft_once_synchronized() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"hello");
    h.recv();
    let p = port_unreachable(&h, 1);
    h.send_bytes(&p);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(h.conn_events(), vec![EventKind::SoftError]);
}

#[test]
fn an_embryonic_passive_connection_goes_on_a_hard_error() {
    let mut h = Harness::new();
    h.syn_received();
    let p = icmp(&h, 3, 13, 0, 0, 0); // administratively prohibited
    h.send_bytes(&p);
    h.assert_no_connection();
    h.expect_nothing();
}

#[test]
fn an_error_for_no_connection_is_counted_and_answered_by_nothing() {
    let mut h = Harness::new();
    h.listen(8);
    h.iss = Some(SeqNum(1000));
    let p = port_unreachable(&h, 0);
    h.send_bytes(&p);
    h.expect_nothing();
    assert_eq!(h.ep.stats().icmp_errors, 1);
    assert_eq!(h.ep.stats().icmp_ignored, 1);
    // A damaged ICMP message is a bad checksum, not an error report.
    let mut bad = p.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    h.send_bytes(&bad);
    assert_eq!(h.ep.stats().rx_bad_checksum, 1);
    assert_eq!(h.ep.stats().icmp_errors, 1);
}

/// Fragmentation needed (RFC 1191): the MSS falls to fit, and what was in
/// flight goes again at the new size, without a congestion response.
#[test]
fn fragmentation_needed_lowers_the_mss_and_resends_at_the_new_size() {
    let mut h = Harness::new();
    h.established();
    let cwnd = h.ep.connection(h.conn()).unwrap().cwnd();
    h.app_send(&bytes(0, 3 * 1460));
    let first = h.recv();
    assert_eq!(first.len(), 3);
    assert!(first.iter().all(|s| s.data.len() == 1460));
    let p = icmp(&h, 3, 4, 1300, 1, 1460);
    h.send_bytes(&p);
    let c = h.ep.connection(h.conn()).unwrap();
    assert_eq!(c.mss(), 1300 - 40);
    assert_eq!(c.cwnd(), cwnd, "no congestion response");
    assert_eq!(h.ep.stats().pmtu_reductions, 1);
    let again = h.recv();
    assert!(!again.is_empty(), "resent at once");
    assert_eq!(again[0].seq, 1);
    assert!(again.iter().all(|s| s.data.len() <= 1260), "{again:?}");
    // The peer acknowledges everything: all 4380 bytes arrived once.
    let total: usize = again.iter().map(|s| s.data.len()).sum();
    assert!(total <= 3 * 1460);
    h.send(Seg::ack_at(1, 1 + 3 * 1460));
    assert_eq!(h.ep.connection(h.conn()).unwrap().send_queue(), 0);
}

#[test]
fn a_flood_of_packet_too_big_cannot_shrink_the_mss_below_the_floor() {
    for v6 in [false, true] {
        let mut h = Harness::with_config(v6, |_| {});
        h.established();
        h.app_send(&bytes(0, 1000));
        h.recv();
        for mtu in [1200u32, 900, 500, 100, 68, 1, 0] {
            let p = if v6 {
                icmp(&h, 2, 0, mtu, 1, 1000)
            } else {
                icmp(&h, 3, 4, mtu, 1, 1000)
            };
            h.send_bytes(&p);
        }
        let floor = if v6 { 1280 - 60 } else { 576 - 40 };
        assert_eq!(h.ep.connection(h.conn()).unwrap().mss(), floor, "v6 {v6}");
    }
}

/// A router that reports no MTU (before RFC 1191): the next plateau below
/// the size of the quoted packet (section 7).
#[test]
fn fragmentation_needed_without_an_mtu_takes_the_next_plateau() {
    let mut h = Harness::new();
    h.established();
    h.app_send(&bytes(0, 1460));
    h.recv();
    let p = icmp(&h, 3, 4, 0, 1, 1460); // quotes a 1500-byte packet
    h.send_bytes(&p);
    assert_eq!(h.ep.connection(h.conn()).unwrap().mss(), 1492 - 40);
}

#[test]
fn packet_too_big_never_raises_the_mss() {
    let mut h = Harness::new();
    h.established();
    h.app_send(&bytes(0, 1460));
    h.recv();
    let p = icmp(&h, 3, 4, 9000, 1, 1460);
    h.send_bytes(&p);
    assert_eq!(h.ep.connection(h.conn()).unwrap().mss(), 1460);
    assert_eq!(h.ep.stats().pmtu_reductions, 0);
}

/// With path MTU discovery off (Linux's IP_PMTUDISC_DONT), IPv4 segments
/// go without DF, each with an identification of its own (RFC 6864), and
/// "fragmentation needed" changes nothing; on IPv6 it still counts.
#[test]
fn without_path_mtu_discovery_ipv4_routers_fragment_and_reports_are_ignored() {
    use synack_core::wire::ipv4::Ipv4Packet;
    for v6 in [false, true] {
        let mut h = Harness::with_config(v6, |_| {});
        h.established();
        h.ep.set_path_mtu_discovery(h.conn(), false).unwrap();
        h.ep.set_nodelay(h.conn(), true).unwrap();
        if !v6 {
            let mut idents = Vec::new();
            for k in 0..2 {
                h.ep.send(h.now, h.conn(), &bytes(k * 100, 100)).unwrap();
                let mut buf = vec![0u8; 2000];
                let n = h.ep.poll_transmit(h.now, &mut buf).unwrap();
                let p = Ipv4Packet::new_checked(&buf[..n]).unwrap();
                assert!(!p.dont_fragment() && p.verify_checksum());
                idents.push(p.ident());
            }
            assert_ne!(idents[0], idents[1]);
        } else {
            h.app_send(&bytes(0, 200));
            h.recv();
        }
        let p = if v6 {
            icmp(&h, 2, 0, 1280, 1, 100)
        } else {
            icmp(&h, 3, 4, 1000, 1, 100)
        };
        h.send_bytes(&p);
        let mss = h.ep.connection(h.conn()).unwrap().mss();
        assert_eq!(mss == h.mss(), !v6, "v6 {v6}: mss {mss}");
    }
}
