//! Differential tests: synack's wire parser and emitter against `etherparse`.
//!
//! Over packets built by our emitter, by etherparse's `PacketBuilder`, by
//! hand (odd option layouts, unknown and malformed options, IPv4 options,
//! IPv6 extension headers) and by mutation, both parsers must agree on every
//! field they both decode and on checksum validity.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use etherparse::{
    NetSlice, PacketBuilder, SlicedPacket, TcpHeader, TcpOptionElement, TcpOptionReadError,
    TcpSlice, TransportSlice,
};
use proptest::collection::vec;
use proptest::prelude::*;
use synack_core::SeqNum;
use synack_core::wire::ipv4::Ipv4Packet;
use synack_core::wire::ipv6::{self, Ipv6Packet};
use synack_core::wire::tcp::TcpPacket;
use synack_core::wire::{
    IpRepr, SackBlocks, TcpFlags, TcpOptions, TcpRepr, Timestamps, WireError, checksum,
    emit_packet, parse_packet,
};

// ---------------------------------------------------------------- etherparse side

/// What etherparse makes of a packet that it slices down to TCP.
struct Theirs<'a> {
    ip: IpRepr,
    ip_checksum_ok: bool,
    tcp: TcpSlice<'a>,
    tcp_checksum_ok: bool,
    fragmented: bool,
}

fn theirs(bytes: &[u8]) -> Option<Theirs<'_>> {
    let sliced = SlicedPacket::from_ip(bytes).ok()?;
    let Some(TransportSlice::Tcp(tcp)) = sliced.transport else {
        return None;
    };
    match sliced.net? {
        NetSlice::Ipv4(v4) => {
            let h = v4.header();
            let ip = IpRepr {
                src: IpAddr::V4(h.source_addr()),
                dst: IpAddr::V4(h.destination_addr()),
                ttl: h.ttl(),
                ecn: 0,
                dscp: 0,
                dont_fragment: true,
            };
            let tcp_sum = tcp.calc_checksum_ipv4(h.source(), h.destination()).ok()?;
            Some(Theirs {
                ip,
                ip_checksum_ok: h.to_header().calc_header_checksum() == h.header_checksum(),
                tcp_checksum_ok: tcp_sum == tcp.checksum(),
                tcp,
                fragmented: v4.is_payload_fragmented(),
            })
        }
        NetSlice::Ipv6(v6) => {
            let h = v6.header();
            let ip = IpRepr {
                src: IpAddr::V6(h.source_addr()),
                dst: IpAddr::V6(h.destination_addr()),
                ttl: h.hop_limit(),
                ecn: 0,
                dscp: 0,
                dont_fragment: true,
            };
            let tcp_sum = tcp.calc_checksum_ipv6(h.source(), h.destination()).ok()?;
            Some(Theirs {
                ip,
                ip_checksum_ok: true,
                tcp_checksum_ok: tcp_sum == tcp.checksum(),
                tcp,
                fragmented: v6.is_payload_fragmented(),
            })
        }
        NetSlice::Arp(_) => None,
    }
}

/// etherparse's reading of an option area, folded into our representation.
#[derive(Debug)]
enum TheirOptions {
    /// Every option decoded.
    Parsed(TcpOptions),
    /// etherparse stopped at an unknown kind at byte `at` (we skip those).
    Unknown { at: usize, parsed: TcpOptions },
    /// A known option with a bad length.
    Malformed,
}

fn their_options(raw: &[u8]) -> TheirOptions {
    let mut o = TcpOptions::default();
    let mut it = etherparse::TcpOptionsIterator::from_slice(raw);
    loop {
        let at = raw.len() - it.rest().len();
        let Some(item) = it.next() else {
            return TheirOptions::Parsed(o);
        };
        match item {
            Ok(TcpOptionElement::Noop) => {}
            Ok(TcpOptionElement::MaximumSegmentSize(m)) => o.mss = Some(m),
            Ok(TcpOptionElement::WindowScale(s)) => o.window_scale = Some(s.min(14)),
            Ok(TcpOptionElement::SelectiveAcknowledgementPermitted) => o.sack_permitted = true,
            Ok(TcpOptionElement::SelectiveAcknowledgement(first, rest)) => {
                o.sack_blocks = SackBlocks::default();
                for (l, r) in core::iter::once(first).chain(rest.into_iter().flatten()) {
                    o.sack_blocks.push(SeqNum(l), SeqNum(r));
                }
            }
            Ok(TcpOptionElement::Timestamp(tsval, tsecr)) => {
                o.timestamps = Some(Timestamps { tsval, tsecr });
            }
            Err(TcpOptionReadError::UnknownId(_)) => {
                return TheirOptions::Unknown { at, parsed: o };
            }
            Err(_) => return TheirOptions::Malformed,
        }
    }
}

fn their_flags(t: &TcpSlice<'_>) -> TcpFlags {
    let bits = [
        (t.fin(), TcpFlags::FIN),
        (t.syn(), TcpFlags::SYN),
        (t.rst(), TcpFlags::RST),
        (t.psh(), TcpFlags::PSH),
        (t.ack(), TcpFlags::ACK),
        (t.urg(), TcpFlags::URG),
        (t.ece(), TcpFlags::ECE),
        (t.cwr(), TcpFlags::CWR),
    ];
    bits.into_iter()
        .filter(|(on, _)| *on)
        .fold(TcpFlags::empty(), |acc, (_, f)| acc | f)
}

// ---------------------------------------------------------------- our side

/// The TCP segment of a packet, located with our views only.
fn our_segment(bytes: &[u8]) -> Option<&[u8]> {
    match bytes.first()? >> 4 {
        4 => Some(Ipv4Packet::new_checked(bytes).ok()?.into_payload()),
        6 => {
            let p = Ipv6Packet::new_checked(bytes).ok()?;
            let (next, seg) = ipv6::walk_extensions(p.next_header(), p.into_payload()).ok()?;
            (next == 6).then_some(seg)
        }
        _ => None,
    }
}

/// Recomputes both checksums with our views (no IPv6 extension headers).
fn fix_checksums(b: &mut [u8]) {
    let (src, dst, start, end) = match b.first().map(|v| v >> 4) {
        Some(4) => {
            let Ok(p) = Ipv4Packet::new_checked(&*b) else {
                return;
            };
            let r = (
                p.src_addr(),
                p.dst_addr(),
                p.header_len(),
                usize::from(p.total_len()),
            );
            Ipv4Packet::new_unchecked(&mut *b).fill_checksum();
            (IpAddr::V4(r.0), IpAddr::V4(r.1), r.2, r.3)
        }
        Some(6) => {
            let Ok(p) = Ipv6Packet::new_checked(&*b) else {
                return;
            };
            let end = 40 + usize::from(p.payload_len());
            (IpAddr::V6(p.src_addr()), IpAddr::V6(p.dst_addr()), 40, end)
        }
        _ => return,
    };
    let seg = &mut b[start..end];
    if seg.len() < 20 {
        return;
    }
    let pseudo = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => checksum::pseudo_header_v4(&s, &d, 6, seg.len() as u16),
        (IpAddr::V6(s), IpAddr::V6(d)) => checksum::pseudo_header_v6(&s, &d, 6, seg.len() as u32),
        _ => unreachable!(),
    };
    TcpPacket::new_unchecked(seg).fill_checksum(pseudo);
}

// ---------------------------------------------------------------- the oracle

/// Parses `bytes` with both libraries and checks that they agree. Returns our
/// result for further checks.
fn agree(bytes: &[u8]) -> Result<synack_core::wire::Packet<'_>, WireError> {
    let ours = parse_packet(bytes);
    let t = theirs(bytes);
    match (&ours, &t) {
        (Ok(p), Some(t)) => {
            assert!(!t.fragmented);
            assert!(
                t.ip_checksum_ok && t.tcp_checksum_ok,
                "etherparse: bad checksum"
            );
            assert_eq!(p.ip, t.ip);
            let tt = &t.tcp;
            assert_eq!(
                (p.tcp.src_port, p.tcp.dst_port),
                (tt.source_port(), tt.destination_port())
            );
            assert_eq!(p.tcp.seq, SeqNum(tt.sequence_number()));
            assert_eq!(p.tcp.ack, SeqNum(tt.acknowledgment_number()));
            assert_eq!(p.tcp.flags, their_flags(tt));
            assert_eq!(p.tcp.window, tt.window_size());
            assert_eq!(p.tcp.urgent, tt.urgent_pointer());
            assert_eq!(p.payload, tt.payload());
            let ours_seg = TcpPacket::new_checked(our_segment(bytes).unwrap()).unwrap();
            assert_eq!(ours_seg.checksum(), tt.checksum());
            assert_eq!(ours_seg.options(), tt.options());
            match their_options(tt.options()) {
                TheirOptions::Parsed(o) => assert_eq!(p.tcp.options, o),
                TheirOptions::Unknown { at, parsed } => {
                    assert_eq!(TcpOptions::parse(&tt.options()[..at]), Ok(parsed));
                }
                TheirOptions::Malformed => panic!("we accepted options etherparse rejects"),
            }
        }
        (Ok(_), None) => panic!("etherparse rejects a packet we accept: {bytes:02x?}"),
        (Err(WireError::BadChecksum), Some(t)) => {
            assert!(
                !(t.ip_checksum_ok && t.tcp_checksum_ok),
                "etherparse: checksums fine"
            );
        }
        (Err(WireError::BadOption), Some(t)) => {
            assert!(t.ip_checksum_ok && t.tcp_checksum_ok);
            match their_options(t.tcp.options()) {
                TheirOptions::Malformed => {}
                TheirOptions::Unknown { at, parsed } => {
                    assert_eq!(TcpOptions::parse(&t.tcp.options()[..at]), Ok(parsed));
                }
                TheirOptions::Parsed(o) => panic!("etherparse accepted options {o:?}"),
            }
        }
        (Err(e), Some(t)) => {
            // Anything etherparse fully accepts, we accept too.
            let clean = !t.fragmented && t.ip_checksum_ok && t.tcp_checksum_ok;
            let parsed = matches!(their_options(t.tcp.options()), TheirOptions::Parsed(_));
            assert!(
                !(clean && parsed),
                "we reject ({e:?}) what etherparse accepts"
            );
        }
        (Err(_), None) => {}
    }
    ours
}

// ---------------------------------------------------------------- generators

fn ip_repr() -> impl Strategy<Value = IpRepr> {
    let v4 = any::<(u32, u32, u8)>().prop_map(|(s, d, ttl)| IpRepr {
        src: IpAddr::V4(Ipv4Addr::from(s)),
        dst: IpAddr::V4(Ipv4Addr::from(d)),
        ttl,
        ecn: 0,
        dscp: 0,
        dont_fragment: true,
    });
    let v6 = any::<(u128, u128, u8)>().prop_map(|(s, d, ttl)| IpRepr {
        src: IpAddr::V6(Ipv6Addr::from(s)),
        dst: IpAddr::V6(Ipv6Addr::from(d)),
        ttl,
        ecn: 0,
        dscp: 0,
        dont_fragment: true,
    });
    prop_oneof![v4, v6]
}

fn options() -> impl Strategy<Value = TcpOptions> {
    let ts = proptest::option::of(any::<(u32, u32)>());
    let blocks = vec(any::<(u32, u32)>(), 0..=4);
    let fields = any::<(Option<u16>, bool)>();
    (fields, proptest::option::of(0u8..=14), blocks, ts).prop_map(|((mss, sp), ws, b, ts)| {
        let mut sack_blocks = SackBlocks::default();
        for (l, r) in b {
            sack_blocks.push(SeqNum(l), SeqNum(r));
        }
        TcpOptions {
            mss,
            window_scale: ws,
            sack_permitted: sp,
            sack_blocks,
            timestamps: ts.map(|(tsval, tsecr)| Timestamps { tsval, tsecr }),
        }
    })
}

fn tcp_repr() -> impl Strategy<Value = TcpRepr> {
    (any::<(u16, u16, u32, u32, u8, u16, u16)>(), options()).prop_map(
        |((src_port, dst_port, seq, ack, flags, window, urgent), options)| TcpRepr {
            src_port,
            dst_port,
            seq: SeqNum(seq),
            ack: SeqNum(ack),
            flags: TcpFlags(flags),
            window,
            urgent,
            options,
        },
    )
}

fn emit(ip: &IpRepr, tcp: &TcpRepr, payload: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; 100 + payload.len()];
    let n = emit_packet(ip, tcp, payload, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn element() -> impl Strategy<Value = TcpOptionElement> {
    use TcpOptionElement::*;
    prop_oneof![
        Just(Noop),
        any::<u16>().prop_map(MaximumSegmentSize),
        any::<u8>().prop_map(WindowScale),
        Just(SelectiveAcknowledgementPermitted),
        (any::<(u32, u32)>(), vec(any::<(u32, u32)>(), 0..=3)).prop_map(|(first, more)| {
            let mut rest = [None; 3];
            for (slot, b) in rest.iter_mut().zip(more) {
                *slot = Some(b);
            }
            SelectiveAcknowledgement(first, rest)
        }),
        any::<(u32, u32)>().prop_map(|(a, b)| Timestamp(a, b)),
    ]
}

fn element_len(e: &TcpOptionElement) -> usize {
    use TcpOptionElement::*;
    match e {
        Noop => 1,
        MaximumSegmentSize(_) => 4,
        WindowScale(_) => 3,
        SelectiveAcknowledgementPermitted => 2,
        SelectiveAcknowledgement(_, rest) => 10 + 8 * rest.iter().flatten().count(),
        Timestamp(..) => 10,
    }
}

/// Builds a packet with etherparse's `PacketBuilder`.
fn etherparse_packet(
    ip: &IpRepr,
    fields: (u16, u16, u32, u32, u8, bool, u16, u16),
    elements: &[TcpOptionElement],
    payload: &[u8],
) -> Vec<u8> {
    let (sp, dp, seq, ack, flags, ns, window, urgent) = fields;
    let mut h = TcpHeader::new(sp, dp, seq, window);
    h.acknowledgment_number = ack;
    let f = TcpFlags(flags);
    (h.fin, h.syn, h.rst, h.psh) = (f.fin(), f.syn(), f.rst(), f.psh());
    h.ack = f.ack();
    h.urg = f.contains(TcpFlags::URG);
    h.ece = f.contains(TcpFlags::ECE);
    h.cwr = f.contains(TcpFlags::CWR);
    h.ns = ns;
    h.urgent_pointer = urgent;
    h.set_options(elements).unwrap();
    let builder = match (ip.src, ip.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), ip.ttl),
        (IpAddr::V6(s), IpAddr::V6(d)) => PacketBuilder::ipv6(s.octets(), d.octets(), ip.ttl),
        _ => unreachable!(),
    }
    .tcp_header(h);
    let mut out = Vec::with_capacity(builder.size(payload.len()));
    builder.write(&mut out, payload).unwrap();
    out
}

/// A hand-made packet: our emitter for everything but the option bytes.
fn with_raw_options(ip: &IpRepr, raw: &[u8], payload: &[u8]) -> Vec<u8> {
    assert!(raw.len() <= 40 && raw.len() & 3 == 0);
    let base = TcpRepr {
        src_port: 4321,
        dst_port: 80,
        seq: SeqNum(7),
        ack: SeqNum(9),
        flags: TcpFlags::ACK | TcpFlags::PSH,
        window: 1000,
        ..Default::default()
    };
    let plain = emit(ip, &base, payload);
    let ip_len = if ip.src.is_ipv4() { 20 } else { 40 };
    let mut b = plain[..ip_len + 20].to_vec();
    b.extend_from_slice(raw);
    b.extend_from_slice(&plain[ip_len + 20..]);
    b[ip_len + 12] = (((20 + raw.len()) / 4) << 4) as u8;
    let len = b.len() as u16;
    if ip_len == 20 {
        b[2..4].copy_from_slice(&len.to_be_bytes());
    } else {
        b[4..6].copy_from_slice(&(len - 40).to_be_bytes());
    }
    fix_checksums(&mut b);
    b
}

fn v4() -> IpRepr {
    IpRepr {
        src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        dst: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)),
        ttl: 64,
        ecn: 0,
        dscp: 0,
        dont_fragment: true,
    }
}

fn v6() -> IpRepr {
    IpRepr {
        src: IpAddr::V6("2001:db8::a".parse().unwrap()),
        dst: IpAddr::V6("2001:db8:1::b".parse().unwrap()),
        ttl: 255,
        ecn: 0,
        dscp: 0,
        dont_fragment: true,
    }
}

// ---------------------------------------------------------------- tests

#[rustfmt::skip]
const EDGE_OPTIONS: &[&[u8]] = &[
    // Odd alignment, no NOPs.
    &[3, 3, 7, 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0],
    // Window scale above 14 (clamped by us).
    &[1, 3, 3, 200],
    // EOL in the middle, garbage after it.
    &[2, 4, 1, 0, 0, 0x55, 0x55, 0x55],
    // Unknown options (MPTCP, TFO cookie, experimental) around known ones.
    &[30, 4, 0, 0, 2, 4, 0x05, 0x8c, 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 253, 2, 3, 3, 2, 0],
    // 40 bytes: NOP NOP TS + SACK with 3 blocks.
    &[1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 5, 26,
      0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6],
    // 40 bytes: MSS + SACK with 4 blocks + NOP NOP.
    &[2, 4, 1, 0, 5, 34, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
      0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8, 1, 1],
    // 40 bytes of NOPs.
    &[1; 40],
    // Repeated options: the last one wins.
    &[2, 4, 0, 1, 2, 4, 0, 2, 3, 3, 1, 3, 3, 2, 1, 1],
    // Malformed: MSS with length 3.
    &[2, 3, 0, 0],
    // Malformed: timestamps running past the end.
    &[1, 1, 8, 10, 0, 0, 0, 0],
    // Malformed: SACK of 9 bytes.
    &[5, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    // Unknown kind with length 1: malformed for us, unknown for etherparse.
    &[99, 1, 0, 0],
    // Unknown kind running past the end.
    &[2, 4, 0, 1, 77, 9, 0, 0],
    // Kind without a length byte at the very end.
    &[1, 1, 1, 2],
];

#[test]
fn edge_case_options_agree() {
    for raw in EDGE_OPTIONS {
        for ip in [v4(), v6()] {
            for payload in [&b""[..], b"hello"] {
                let b = with_raw_options(&ip, raw, payload);
                let ours = agree(&b);
                // etherparse's own builder with the same raw options.
                let mut h = TcpHeader::new(4321, 80, 7, 1000);
                (h.ack, h.psh, h.acknowledgment_number) = (true, true, 9);
                h.set_options_raw(raw).unwrap();
                let builder = match (ip.src, ip.dst) {
                    (IpAddr::V4(s), IpAddr::V4(d)) => {
                        PacketBuilder::ipv4(s.octets(), d.octets(), 64)
                    }
                    (IpAddr::V6(s), IpAddr::V6(d)) => {
                        PacketBuilder::ipv6(s.octets(), d.octets(), 255)
                    }
                    _ => unreachable!(),
                }
                .tcp_header(h);
                let mut theirs_bytes = Vec::new();
                builder.write(&mut theirs_bytes, payload).unwrap();
                let from_theirs = agree(&theirs_bytes);
                assert_eq!(ours.map(|p| p.tcp), from_theirs.map(|p| p.tcp), "{raw:?}");
            }
        }
    }
}

#[test]
fn edge_case_option_values() {
    let parse =
        |raw: &[u8]| parse_packet(&with_raw_options(&v4(), raw, b"")).map(|p| p.tcp.options);
    let o = parse(EDGE_OPTIONS[0]).unwrap();
    assert_eq!(
        (o.mss, o.window_scale, o.sack_permitted),
        (Some(1460), Some(7), true)
    );
    assert_eq!(parse(EDGE_OPTIONS[1]).unwrap().window_scale, Some(14));
    assert_eq!(parse(EDGE_OPTIONS[2]).unwrap().mss, Some(256));
    assert_eq!(parse(EDGE_OPTIONS[3]).unwrap().mss, Some(1420));
    assert_eq!(parse(EDGE_OPTIONS[3]).unwrap().window_scale, Some(2));
    assert_eq!(parse(EDGE_OPTIONS[4]).unwrap().sack_blocks.len(), 3);
    assert_eq!(parse(EDGE_OPTIONS[5]).unwrap().sack_blocks.len(), 4);
    assert_eq!(parse(EDGE_OPTIONS[6]), Ok(TcpOptions::default()));
    let o = parse(EDGE_OPTIONS[7]).unwrap();
    assert_eq!((o.mss, o.window_scale), (Some(2), Some(2)));
    for raw in &EDGE_OPTIONS[8..] {
        assert_eq!(parse(raw), Err(WireError::BadOption), "{raw:?}");
    }
}

#[test]
fn ipv6_extension_headers_agree() {
    let tcp = TcpRepr {
        flags: TcpFlags::SYN,
        options: TcpOptions {
            mss: Some(1440),
            ..Default::default()
        },
        ..Default::default()
    };
    let plain = emit(&v6(), &tcp, b"payload");
    #[rustfmt::skip]
    let ext = [
        60, 0, 1, 4, 0, 0, 0, 0,                          // hop-by-hop -> dest opts
        43, 1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // dest opts (16 bytes) -> routing
        6, 0, 0, 0, 0, 0, 0, 0,                           // routing (type 0, segments left 0) -> TCP
    ];
    let mut b = plain[..40].to_vec();
    b[6] = 0;
    b[4..6].copy_from_slice(&((plain.len() - 40 + ext.len()) as u16).to_be_bytes());
    b.extend_from_slice(&ext);
    b.extend_from_slice(&plain[40..]);
    let p = agree(&b).unwrap();
    assert_eq!(p.tcp, tcp);
    assert_eq!(p.payload, b"payload");
}

#[test]
fn ipv4_options_and_trailing_bytes_agree() {
    let tcp = TcpRepr {
        flags: TcpFlags::ACK,
        ..Default::default()
    };
    let plain = emit(&v4(), &tcp, b"xyz");
    let mut b = plain[..20].to_vec();
    b.extend_from_slice(&[1, 1, 1, 0, 7, 7, 7, 7]); // options area of 8 bytes
    b.extend_from_slice(&plain[20..]);
    b[0] = 0x47;
    b[2..4].copy_from_slice(&((plain.len() + 8) as u16).to_be_bytes());
    b.extend_from_slice(&[0; 10]); // Ethernet minimum-frame padding
    fix_checksums(&mut b);
    let p = agree(&b).unwrap();
    assert_eq!((p.tcp, p.payload), (tcp, &b"xyz"[..]));
}

proptest! {
    #[test]
    fn our_packets_parse_identically(
        ip in ip_repr(),
        tcp in tcp_repr(),
        payload in vec(any::<u8>(), 0..200),
    ) {
        let b = emit(&ip, &tcp, &payload);
        let p = agree(&b).unwrap();
        let t = theirs(&b).unwrap();
        // etherparse reads back exactly what we meant to send.
        prop_assert_eq!(p.ip, ip);
        prop_assert_eq!(tcp.flags, their_flags(&t.tcp));
        prop_assert_eq!(t.tcp.sequence_number(), tcp.seq.0);
        prop_assert_eq!(t.tcp.acknowledgment_number(), tcp.ack.0);
        prop_assert_eq!(t.tcp.payload(), &payload[..]);
        if let TheirOptions::Parsed(o) = their_options(t.tcp.options()) {
            prop_assert_eq!(o.mss, tcp.options.mss);
            prop_assert_eq!(o.window_scale, tcp.options.window_scale);
            prop_assert_eq!(o.timestamps, tcp.options.timestamps);
            prop_assert_eq!(o.sack_permitted, tcp.options.sack_permitted);
            let n = tcp.options.sack_capacity().min(tcp.options.sack_blocks.len());
            prop_assert_eq!(o.sack_blocks.as_slice(), &tcp.options.sack_blocks.as_slice()[..n]);
        } else {
            prop_assert!(false, "etherparse could not read our options");
        }
    }

    #[test]
    fn etherparse_packets_parse_identically(
        ip in ip_repr(),
        fields in any::<(u16, u16, u32, u32, u8, bool, u16, u16)>(),
        elements in vec(element(), 0..10),
        payload in vec(any::<u8>(), 0..200),
    ) {
        // Keep the leading elements that fit the 40-byte option space.
        let mut used = 0;
        let elements: Vec<_> = elements
            .into_iter()
            .take_while(|e| {
                used += element_len(e);
                used <= 40
            })
            .collect();
        let b = etherparse_packet(&ip, fields, &elements, &payload);
        let p = agree(&b).unwrap();
        let (sp, dp, seq, ack, flags, _ns, window, urgent) = fields;
        prop_assert_eq!(p.ip, ip);
        prop_assert_eq!((p.tcp.src_port, p.tcp.dst_port), (sp, dp));
        prop_assert_eq!((p.tcp.seq, p.tcp.ack), (SeqNum(seq), SeqNum(ack)));
        prop_assert_eq!(p.tcp.flags, TcpFlags(flags));
        prop_assert_eq!((p.tcp.window, p.tcp.urgent), (window, urgent));
        prop_assert_eq!(p.payload, &payload[..]);
    }

    #[test]
    fn single_bit_flips_agree_on_checksums(
        ip in ip_repr(),
        tcp in tcp_repr(),
        payload in vec(any::<u8>(), 0..100),
        pos in any::<usize>(),
        bit in 0u8..8,
    ) {
        let mut b = emit(&ip, &tcp, &payload);
        let ip_len = if ip.src.is_ipv4() { 20 } else { 40 };
        // Checksummed bytes whose change keeps the packet a whole TCP packet:
        // IPv4 ident, header checksum and addresses (not fragmentation or
        // protocol), IPv6 addresses, the TCP segment but its data offset.
        let candidates: Vec<usize> = (if ip_len == 20 { 4..20 } else { 8..40 })
            .chain(ip_len..b.len())
            .filter(|&i| i != ip_len + 12 && !(ip_len == 20 && (6..10).contains(&i)))
            .collect();
        let i = candidates[pos % candidates.len()];
        b[i] ^= 1 << bit;
        let ours = agree(&b);
        prop_assert_eq!(ours, Err(WireError::BadChecksum));
        let t = theirs(&b).unwrap();
        prop_assert!(!(t.ip_checksum_ok && t.tcp_checksum_ok));
    }

    #[test]
    fn mutated_headers_agree(
        ip in ip_repr(),
        tcp in tcp_repr(),
        payload in vec(any::<u8>(), 0..40),
        flips in vec((any::<usize>(), any::<u8>()), 1..6),
        fix in any::<bool>(),
    ) {
        // Random bytes written into the TCP header and options, checksums
        // optionally recomputed so that option parsing is reached.
        let mut b = emit(&ip, &tcp, &payload);
        let ip_len = if ip.src.is_ipv4() { 20 } else { 40 };
        let hl = usize::from(b[ip_len + 12] >> 4) * 4;
        for (pos, val) in flips {
            b[ip_len + pos % hl] = val;
        }
        if fix {
            fix_checksums(&mut b);
        }
        let _ = agree(&b);
    }

    #[test]
    fn random_option_bytes_agree(
        ip in ip_repr(),
        raw in vec(any::<u8>(), 0..=10usize).prop_map(|v| v.into_iter().flat_map(|x| [x % 12, x]).collect::<Vec<u8>>()),
    ) {
        // Option-like bytes (small kinds, arbitrary lengths) in odd layouts.
        let n = raw.len() / 4 * 4;
        let b = with_raw_options(&ip, &raw[..n], b"p");
        let _ = agree(&b);
    }
}
