//! Proptest strategies and helpers shared by the wire unit tests.

use super::{IpRepr, SackBlocks, TcpFlags, TcpOptions, TcpRepr, Timestamps};
use super::{ipv4::Ipv4Packet, ipv6::Ipv6Packet, tcp::TcpPacket};
use crate::seq::SeqNum;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;

/// Any representable option set (window scale within 0..=14).
pub fn options() -> impl Strategy<Value = TcpOptions> {
    (
        of(any::<u16>()),
        of(0u8..=14),
        any::<bool>(),
        vec(any::<(u32, u32)>(), 0..=4),
        of(any::<(u32, u32)>()),
    )
        .prop_map(|(mss, window_scale, sack_permitted, blocks, ts)| {
            let mut sack_blocks = SackBlocks::default();
            for (l, r) in blocks {
                sack_blocks.push(SeqNum(l), SeqNum(r));
            }
            TcpOptions {
                mss,
                window_scale,
                sack_permitted,
                sack_blocks,
                timestamps: ts.map(|(tsval, tsecr)| Timestamps { tsval, tsecr }),
            }
        })
}

/// What parsing emitted `o` gives back: the SACK blocks that fit.
pub fn after_round_trip(o: &TcpOptions) -> TcpOptions {
    let mut out = *o;
    out.sack_blocks = SackBlocks::default();
    for &(l, r) in o.sack_blocks.as_slice().iter().take(o.sack_capacity()) {
        out.sack_blocks.push(l, r);
    }
    out
}

/// Any TCP header.
pub fn tcp_repr() -> impl Strategy<Value = TcpRepr> {
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

/// An IPv4 or IPv6 address pair with a TTL.
pub fn ip_repr() -> impl Strategy<Value = IpRepr> {
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

/// Recomputes the IPv4 header checksum and the TCP checksum of a packet
/// without IPv6 extension headers, so a mutated packet reaches the deeper
/// checks. Leaves packets it cannot make sense of alone.
pub fn fix_checksums(buf: &mut [u8]) {
    use super::checksum::{pseudo_header_v4, pseudo_header_v6};
    match buf.first().map(|b| b >> 4) {
        Some(4) => {
            let Ok(p) = Ipv4Packet::new_checked(&mut *buf) else {
                return;
            };
            let (src, dst, hl, total) = (
                p.src_addr(),
                p.dst_addr(),
                p.header_len(),
                usize::from(p.total_len()),
            );
            Ipv4Packet::new_unchecked(&mut *buf).fill_checksum();
            let seg = &mut buf[hl..total];
            if TcpPacket::new_checked(&*seg).is_ok() {
                let ph = pseudo_header_v4(&src, &dst, 6, seg.len() as u16);
                TcpPacket::new_unchecked(seg).fill_checksum(ph);
            }
        }
        Some(6) => {
            let Ok(p) = Ipv6Packet::new_checked(&mut *buf) else {
                return;
            };
            let (src, dst, len) = (p.src_addr(), p.dst_addr(), usize::from(p.payload_len()));
            let seg = &mut buf[40..40 + len];
            if TcpPacket::new_checked(&*seg).is_ok() {
                let ph = pseudo_header_v6(&src, &dst, 6, seg.len() as u32);
                TcpPacket::new_unchecked(seg).fill_checksum(ph);
            }
        }
        _ => {}
    }
}
