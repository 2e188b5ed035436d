//! Malformed input (RFC 9293 MUST-2/3 checksum, MUST-7 options): dropped,
//! counted, no output, no panic, no change of state.

use crate::harness::*;
use synack_core::State;
use synack_core::wire::checksum;
use synack_core::wire::tcp::TcpPacket;

/// Recomputes the TCP checksum of an IPv4 packet after tampering.
fn fix_tcp_checksum_v4(bytes: &mut [u8]) {
    let tcp_len = bytes.len() - 20;
    let pseudo = checksum::pseudo_header_v4(&PEER_V4, &STACK_V4, 6, tcp_len as u16);
    TcpPacket::new_unchecked(&mut bytes[20..]).fill_checksum(pseudo);
}

#[test]
fn bad_tcp_checksum_is_dropped_and_counted() {
    let mut h = Harness::new();
    h.established();
    let mut p = h.packet_for(&Seg::data(1, 1, b"payload"));
    let last = p.len() - 1;
    p[last] ^= 0x40;
    h.send_bytes(&p);
    h.advance(ms(100));
    h.expect_nothing();
    assert_eq!(h.ep.stats().rx_bad_checksum, 1);
    assert_eq!(h.app_recv(100), Err(synack_core::Error::WouldBlock));
    h.assert_state(State::Established);
}

#[test]
fn bad_ip_header_checksum_is_dropped_and_counted() {
    let mut h = Harness::new();
    h.listen(4);
    let mut p = h.packet_for(&Seg::syn(0));
    p[8] ^= 1; // TTL, covered by the header checksum only
    h.send_bytes(&p);
    h.expect_nothing();
    assert_eq!(h.ep.stats().rx_bad_checksum, 1);
    h.assert_no_connection();
}

#[test]
fn bad_checksum_rst_does_not_reset() {
    let mut h = Harness::new();
    h.established();
    let mut p = h.packet_for(&Seg::rst(1));
    p[24] ^= 0xff; // sequence number, after the checksum was computed
    p[24] ^= 0xff;
    p[36] ^= 0x01; // checksum itself
    h.send_bytes(&p);
    h.expect_nothing();
    h.assert_state(State::Established);
    assert_eq!(h.ep.stats().rx_bad_checksum, 1);
}

#[test]
fn truncated_packets_are_dropped_and_counted() {
    let mut h = Harness::new();
    h.established();
    let p = h.packet_for(&Seg::data(1, 1, b"0123456789"));
    for cut in [0, 1, 10, 19, 20, 21, 39, p.len() - 1] {
        h.send_bytes(&p[..cut]);
    }
    h.advance(ms(100));
    h.expect_nothing();
    let s = *h.ep.stats();
    assert_eq!(s.rx_packets, 2 + 8);
    assert_eq!(s.rx_malformed + s.rx_bad_checksum, 8, "{s:?}");
    h.assert_state(State::Established);
    assert_eq!(h.app_recv(100), Err(synack_core::Error::WouldBlock));
}

#[test]
fn bad_option_length_is_dropped_and_counted() {
    let mut h = Harness::new();
    h.listen(4);
    // SYN with MSS option; then make its length byte 3 (MSS must be 4).
    let mut p = h.packet_for(&Seg::syn(0));
    assert_eq!(p[40], 2, "MSS kind");
    p[41] = 3;
    fix_tcp_checksum_v4(&mut p);
    h.send_bytes(&p);
    h.expect_nothing();
    assert_eq!(h.ep.stats().rx_malformed, 1);
    h.assert_no_connection();
}

#[test]
fn option_running_past_the_header_is_dropped() {
    let mut h = Harness::new();
    h.established();
    let mut p = h.packet_for(&Seg::data(1, 1, b"x").opts(mss(1000)));
    p[40] = 30; // unknown kind
    p[41] = 40; // longer than the 4-byte option area
    fix_tcp_checksum_v4(&mut p);
    h.send_bytes(&p);
    h.advance(ms(100));
    h.expect_nothing();
    assert_eq!(h.ep.stats().rx_malformed, 1);
    assert_eq!(h.app_recv(10), Err(synack_core::Error::WouldBlock));
}

#[test]
fn zero_option_length_is_dropped() {
    let mut h = Harness::new();
    h.listen(4);
    let mut p = h.packet_for(&Seg::syn(0));
    p[40] = 30;
    p[41] = 0;
    fix_tcp_checksum_v4(&mut p);
    h.send_bytes(&p);
    h.expect_nothing();
    assert_eq!(h.ep.stats().rx_malformed, 1);
}

#[test]
fn unknown_option_is_skipped() {
    // MUST-6: unknown options are ignored, the segment is processed.
    let mut h = Harness::new();
    h.listen(4);
    let mut p = h.packet_for(&Seg::syn(0).opts(mss_ws(1460, 2)));
    // Replace NOP,WS,3,2 (bytes 44..48) with kind 99, length 4, 2 bytes.
    assert_eq!(&p[44..48], &[1, 3, 3, 2]);
    p[44..48].copy_from_slice(&[99, 4, 0xab, 0xcd]);
    fix_tcp_checksum_v4(&mut p);
    h.send_bytes(&p);
    // Processed as a SYN without window scale.
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535)]);
}

#[test]
fn bad_data_offset_is_dropped() {
    let mut h = Harness::new();
    h.established();
    let mut p = h.packet_for(&Seg::data(1, 1, b"abc"));
    p[32] = (p[32] & 0x0f) | (4 << 4); // data offset 4 < 5
    fix_tcp_checksum_v4(&mut p);
    h.send_bytes(&p);
    let mut q = h.packet_for(&Seg::data(1, 1, b"abc"));
    q[32] = (q[32] & 0x0f) | (15 << 4); // 60-byte header > segment
    fix_tcp_checksum_v4(&mut q);
    h.send_bytes(&q);
    h.advance(ms(100));
    h.expect_nothing();
    assert_eq!(h.ep.stats().rx_malformed, 2);
}

#[test]
fn garbage_does_not_panic() {
    let mut h = Harness::new();
    h.established();
    let p = h.packet_for(&Seg::data(1, 1, b"0123456789"));
    let mut x: u32 = 12345;
    for i in 0..2000 {
        let mut q = p.clone();
        // Flip a few pseudo-random bits.
        for _ in 0..(1 + i % 4) {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let bit = (x >> 8) as usize % (q.len() * 8);
            q[bit / 8] ^= 1 << (bit % 8);
        }
        h.send_bytes(&q);
        h.send_bytes(&q[..(x as usize >> 4) % q.len()]);
    }
    h.send_bytes(&[]);
    h.send_bytes(&[0x45]);
    h.send_bytes(&[0x60; 10]);
    h.send_bytes(&[0xff; 100]);
    // Mutants that still parse may draw RSTs or ACKs, to any port.
    h.recv_raw();
    // Still able to talk.
    h.app_send(b"ok");
    let out = h.recv();
    assert!(out.iter().any(|s| s.data == b"ok"), "{out:?}");
}

#[test]
fn wrong_protocol_is_dropped() {
    let mut h = Harness::new();
    h.listen(4);
    let mut p = h.packet_for(&Seg::syn(0));
    p[9] = 17; // UDP
    // Fix the IPv4 header checksum.
    p[10] = 0;
    p[11] = 0;
    let c = !checksum::data(&p[..20]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    h.send_bytes(&p);
    h.expect_nothing();
    assert_eq!(h.ep.stats().rx_not_tcp, 1, "counted as not TCP");
    assert_eq!(h.ep.stats().rx_malformed, 0);
    h.assert_no_connection();
}

/// Every drop shows in the trace with its reason: a bad TCP checksum with
/// the segment's header (which connection lost it), a packet too short to
/// decode with its error and length, a packet for another address.
#[test]
fn drops_are_traced_with_their_reason() {
    use synack_core::trace::{DropReason, TraceKind};
    use synack_core::wire::WireError;
    let mut h = Harness::new();
    h.established();
    while h.ep.poll_trace().is_some() {}
    let mut p = h.packet_for(&Seg::data(1, 1, b"payload"));
    let last = p.len() - 1;
    p[last] ^= 0x40;
    h.send_bytes(&p);
    h.send_bytes(&p[..30]);
    let other: std::net::IpAddr = "198.18.9.9".parse().unwrap();
    let stray = h.packet(h.remote.ip(), other, &h.to_wire(&Seg::syn(0)), &[]);
    h.send_bytes(&stray);
    let kinds: Vec<_> = std::iter::from_fn(|| h.ep.poll_trace()).collect();
    assert!(
        matches!(
            kinds[0].kind,
            TraceKind::Dropped { tcp, reason: DropReason::BadChecksum } if tcp.seq == h.peer_iss + 1
        ),
        "{kinds:?}"
    );
    assert_eq!(kinds[0].remote, h.remote);
    assert!(
        matches!(
            kinds[1].kind,
            TraceKind::Undecodable {
                error: WireError::BadLength | WireError::Truncated,
                len: 30
            }
        ),
        "{kinds:?}"
    );
    assert_eq!(kinds[1].remote.ip(), h.remote.ip());
    assert!(
        matches!(
            kinds[2].kind,
            TraceKind::Dropped {
                reason: DropReason::NotOurs,
                ..
            }
        ),
        "{kinds:?}"
    );
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    h.expect_nothing();
}
