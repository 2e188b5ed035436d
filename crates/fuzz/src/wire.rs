//! The wire target: any bytes into the parser; whatever parses must emit
//! and parse back to the same thing.

use synack_core::wire::{emit_packet, parse_packet, parse_packet_checksum_trusted};

/// Runs the wire target on `data`; panics on a broken invariant.
pub fn run(data: &[u8]) {
    let trusted = parse_packet_checksum_trusted(data);
    let Ok(p) = parse_packet(data) else {
        return;
    };
    // Checksums only add a reason to refuse.
    assert_eq!(trusted.ok(), Some(p), "checksum-trusted parse disagrees");
    assert!(p.payload.len() <= data.len());
    let mut buf = vec![0u8; data.len() + 128];
    let n = emit_packet(&p.ip, &p.tcp, p.payload, &mut buf)
        .unwrap_or_else(|e| panic!("a parsed packet must emit: {e:?} {p:?}"));
    let again = parse_packet(&buf[..n])
        .unwrap_or_else(|e| panic!("an emitted packet must parse: {e:?} {p:?}"));
    assert_eq!(again.ip, p.ip);
    assert_eq!(again.payload, p.payload);
    // Options are normalized on the way out (unknown kinds dropped,
    // canonical order), so compare the TCP header after one round trip.
    let mut buf2 = vec![0u8; n + 128];
    let m = emit_packet(&again.ip, &again.tcp, again.payload, &mut buf2).expect("emit twice");
    assert_eq!(
        &buf2[..m],
        &buf[..n],
        "emit is not stable after one round trip"
    );
    assert_eq!(again.tcp.seq, p.tcp.seq);
    assert_eq!(again.tcp.ack, p.tcp.ack);
    assert_eq!(again.tcp.flags, p.tcp.flags);
    assert_eq!(again.tcp.window, p.tcp.window);
}
