//! Whole IP packets carrying TCP: parse with checksum verification, emit
//! around a payload already in place.

use super::ipv4::{self, Ipv4Packet};
use super::ipv6::{self, Ipv6Packet};
use super::tcp::{self, TcpPacket};
use super::{TcpOptions, TcpRepr, WireError, checksum};
use core::net::IpAddr;

/// The IP-level facts about a TCP segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRepr {
    /// Source address.
    pub src: IpAddr,
    /// Destination address (same family as `src`).
    pub dst: IpAddr,
    /// TTL / hop limit.
    pub ttl: u8,
    /// The ECN field (RFC 3168 section 5): the low two bits of the IPv4
    /// TOS / IPv6 traffic class. 0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE.
    pub ecn: u8,
    /// The Differentiated Services codepoint (RFC 2474): the upper six
    /// bits of the TOS / traffic class (0, best effort, unless the
    /// application set one: `Endpoint::set_tos`).
    pub dscp: u8,
    /// IPv4's Don't Fragment bit: set on everything synack sends unless
    /// path MTU discovery is off for the connection (RFC 1191;
    /// `Endpoint::set_path_mtu_discovery`). IPv6 routers never fragment,
    /// so it has no field there (always true when parsed).
    pub dont_fragment: bool,
}

/// ECN codepoints of [`IpRepr::ecn`] (RFC 3168 section 5).
pub mod ecn {
    /// Not ECN-capable transport.
    pub const NOT_ECT: u8 = 0;
    /// ECN-capable transport, ECT(1).
    pub const ECT1: u8 = 1;
    /// ECN-capable transport, ECT(0): what a sender sets (RFC 3168 6.1.2).
    pub const ECT0: u8 = 2;
    /// Congestion experienced, set by a router.
    pub const CE: u8 = 3;
}

/// A parsed TCP/IP packet borrowing its payload from the input buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    /// IP header facts.
    pub ip: IpRepr,
    /// TCP header.
    pub tcp: TcpRepr,
    /// TCP payload.
    pub payload: &'a [u8],
    /// For a GRO super-packet, the size of the segments the device joined
    /// (virtio-net's `gso_size`); `None` for a packet as it was on the
    /// wire. Parsing never sets it ([`crate::Endpoint::handle_offloaded_packet`]
    /// does).
    pub segment_size: Option<u16>,
}

impl IpRepr {
    /// Length of the IP header [`emit_headers`] writes: 20 for IPv4, 40 for
    /// IPv6 (decided by the source address).
    pub fn header_len(&self) -> usize {
        match self.src {
            IpAddr::V4(_) => ipv4::HEADER_LEN,
            IpAddr::V6(_) => ipv6::HEADER_LEN,
        }
    }

    /// Sum of the TCP pseudo-header for a segment of `tcp_len` bytes, or
    /// [`WireError::MixedFamilies`].
    fn pseudo_header(&self, tcp_len: usize) -> Result<u16, WireError> {
        match (self.src, self.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let len = u16::try_from(tcp_len).map_err(|_| WireError::BadLength)?;
                Ok(checksum::pseudo_header_v4(&s, &d, ipv4::PROTOCOL_TCP, len))
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                let len = u32::try_from(tcp_len).map_err(|_| WireError::BadLength)?;
                Ok(checksum::pseudo_header_v6(
                    &s,
                    &d,
                    ipv6::next_header::TCP,
                    len,
                ))
            }
            _ => Err(WireError::MixedFamilies),
        }
    }
}

/// Parses an IPv4 or IPv6 packet carrying TCP, verifying the IPv4 header
/// checksum and the TCP checksum with its pseudo-header.
///
/// IPv4 options are skipped; IPv6 Hop-by-Hop, Routing and Destination
/// Options headers are walked over. Fragments give [`WireError::Fragment`],
/// another protocol [`WireError::NotTcp`], a checksum mismatch
/// [`WireError::BadChecksum`] (RFC 9293 MUST-2/3), malformed options
/// [`WireError::BadOption`] (MUST-7). The IPv6 pseudo-header uses the
/// destination in the fixed header, which is the final one at the receiver.
pub fn parse_packet(bytes: &[u8]) -> Result<Packet<'_>, WireError> {
    parse(bytes, true)
}

/// [`parse_packet`] without verifying the TCP checksum, for a driver whose
/// device has already validated it or knows it to be correct (a TUN device
/// with a virtio-net header hands over locally generated packets whose TCP
/// checksum is only partial, flagged `VIRTIO_NET_HDR_F_NEEDS_CSUM`). The
/// IPv4 header checksum is still verified.
pub fn parse_packet_checksum_trusted(bytes: &[u8]) -> Result<Packet<'_>, WireError> {
    parse(bytes, false)
}

fn parse(bytes: &[u8], verify_tcp: bool) -> Result<Packet<'_>, WireError> {
    let Some(first) = bytes.first() else {
        return Err(WireError::Truncated);
    };
    let (ip, segment) = match first >> 4 {
        4 => {
            let p = Ipv4Packet::new_checked(bytes)?;
            if !p.verify_checksum() {
                return Err(WireError::BadChecksum);
            }
            if p.is_fragment() {
                return Err(WireError::Fragment);
            }
            if p.protocol() != ipv4::PROTOCOL_TCP {
                return Err(WireError::NotTcp);
            }
            let ip = IpRepr {
                src: IpAddr::V4(p.src_addr()),
                dst: IpAddr::V4(p.dst_addr()),
                ttl: p.ttl(),
                ecn: p.tos() & 3,
                dscp: p.tos() >> 2,
                dont_fragment: p.dont_fragment(),
            };
            (ip, p.into_payload())
        }
        6 => {
            let p = Ipv6Packet::new_checked(bytes)?;
            let ip = IpRepr {
                src: IpAddr::V6(p.src_addr()),
                dst: IpAddr::V6(p.dst_addr()),
                ttl: p.hop_limit(),
                ecn: p.traffic_class() & 3,
                dscp: p.traffic_class() >> 2,
                dont_fragment: true,
            };
            let (next, segment) = ipv6::walk_extensions(p.next_header(), p.into_payload())?;
            if next != ipv6::next_header::TCP {
                return Err(WireError::NotTcp);
            }
            (ip, segment)
        }
        _ => return Err(WireError::BadVersion),
    };
    let tcp = TcpPacket::new_checked(segment)?;
    if verify_tcp && !tcp.verify_checksum(ip.pseudo_header(segment.len())?) {
        return Err(WireError::BadChecksum);
    }
    Ok(Packet {
        ip,
        tcp: TcpRepr::parse(&tcp)?,
        payload: tcp.into_payload(),
        segment_size: None,
    })
}

/// The source and destination addresses of an IP packet whose header can
/// be read, even if the rest of it is unusable (for reporting a dropped
/// packet); `None` if not even the IP header is there.
pub fn peek_addresses(bytes: &[u8]) -> Option<(IpAddr, IpAddr)> {
    // Only the fixed header is read: a truncated packet still names its
    // sender.
    match bytes.first()? >> 4 {
        4 => {
            let a: [u8; 4] = bytes.get(12..16)?.try_into().ok()?;
            let b: [u8; 4] = bytes.get(16..20)?.try_into().ok()?;
            Some((IpAddr::from(a), IpAddr::from(b)))
        }
        6 => {
            let a: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
            let b: [u8; 16] = bytes.get(24..40)?.try_into().ok()?;
            Some((IpAddr::from(a), IpAddr::from(b)))
        }
        _ => None,
    }
}

/// Length of the IP + TCP headers that [`emit_headers`] writes:
/// (20 for IPv4 | 40 for IPv6) + 20 + the padded options.
pub fn header_len(ip: &IpRepr, options: &TcpOptions) -> usize {
    ip.header_len() + tcp::HEADER_LEN + options.wire_len()
}

/// Sets the identification of the IPv4 packet in `buf` (written by
/// [`emit_headers`]) and refills its header checksum; an IPv6 or short
/// buffer is left alone.
pub fn set_ipv4_ident(buf: &mut [u8], ident: u16) {
    if buf.len() >= 20 && buf[0] >> 4 == 4 {
        let mut p = Ipv4Packet::new_unchecked(&mut buf[..20]);
        p.set_ident(ident);
        p.fill_checksum();
    }
}

/// Writes the IP and TCP headers into `buf[..header_len(ip, &tcp.options)]`
/// for a payload of `payload_len` bytes that the caller has already placed
/// right after them, and fills in both checksums. Returns the packet length.
///
/// IPv4: DF as `ip.dont_fragment`, identification 0, no options, the TOS
/// byte holding `ip.dscp` and `ip.ecn`. IPv6: the traffic class holding
/// `ip.dscp` and `ip.ecn`, flow label 0,
/// no extension headers. TTL / hop limit from `ip.ttl`. The TCP
/// fields are written as given (the ack field even without ACK). Errors:
/// [`WireError::MixedFamilies`], [`WireError::BufferTooSmall`], and
/// [`WireError::BadLength`] if the packet overflows the IP length field.
pub fn emit_headers(
    ip: &IpRepr,
    tcp: &TcpRepr,
    payload_len: usize,
    buf: &mut [u8],
) -> Result<usize, WireError> {
    let ip_len = ip.header_len();
    let tcp_len = tcp.header_len() + payload_len;
    let total = ip_len + tcp_len;
    let pseudo = ip.pseudo_header(tcp_len)?;
    if buf.len() < total {
        return Err(WireError::BufferTooSmall);
    }
    let buf = &mut buf[..total];
    match (ip.src, ip.dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let total16 = u16::try_from(total).map_err(|_| WireError::BadLength)?;
            let mut p = Ipv4Packet::new_unchecked(&mut buf[..ip_len]);
            p.set_version_and_header_len(ip_len);
            p.set_tos(ip.dscp << 2 | ip.ecn & 3);
            p.set_total_len(total16);
            p.set_ident(0);
            p.set_fragmentation(ip.dont_fragment, false, 0);
            p.set_ttl(ip.ttl);
            p.set_protocol(ipv4::PROTOCOL_TCP);
            p.set_src_addr(src);
            p.set_dst_addr(dst);
            p.fill_checksum();
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            let len16 = u16::try_from(tcp_len).map_err(|_| WireError::BadLength)?;
            let mut p = Ipv6Packet::new_unchecked(&mut buf[..ip_len]);
            p.set_version_tc_flow(ip.dscp << 2 | ip.ecn & 3, 0);
            p.set_payload_len(len16);
            p.set_next_header(ipv6::next_header::TCP);
            p.set_hop_limit(ip.ttl);
            p.set_src_addr(src);
            p.set_dst_addr(dst);
        }
        _ => return Err(WireError::MixedFamilies),
    }
    let mut segment = TcpPacket::new_unchecked(&mut buf[ip_len..]);
    tcp.emit(&mut segment);
    segment.fill_checksum(pseudo);
    Ok(total)
}

/// Convenience: copies `payload` into place and calls [`emit_headers`].
pub fn emit_packet(
    ip: &IpRepr,
    tcp: &TcpRepr,
    payload: &[u8],
    buf: &mut [u8],
) -> Result<usize, WireError> {
    let hl = header_len(ip, &tcp.options);
    let total = hl + payload.len();
    if buf.len() < total {
        return Err(WireError::BufferTooSmall);
    }
    buf[hl..total].copy_from_slice(payload);
    emit_headers(ip, tcp, payload.len(), buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq::SeqNum;
    use crate::wire::testing::{self, fix_checksums};
    use crate::wire::{TcpFlags, Timestamps};
    use core::net::Ipv4Addr;
    use proptest::prelude::*;

    fn v4() -> IpRepr {
        IpRepr {
            src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        }
    }

    fn v6() -> IpRepr {
        IpRepr {
            src: IpAddr::V6("2001:db8::1".parse().unwrap()),
            dst: IpAddr::V6("2001:db8::2".parse().unwrap()),
            ttl: 7,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        }
    }

    fn syn_ack() -> TcpRepr {
        TcpRepr {
            src_port: 443,
            dst_port: 50000,
            seq: SeqNum(1000),
            ack: SeqNum(2000),
            flags: TcpFlags::SYN | TcpFlags::ACK,
            window: 65535,
            urgent: 0,
            options: TcpOptions {
                mss: Some(1460),
                window_scale: Some(7),
                sack_permitted: true,
                timestamps: Some(Timestamps { tsval: 5, tsecr: 6 }),
                ..Default::default()
            },
        }
    }

    fn emit(ip: &IpRepr, tcp: &TcpRepr, payload: &[u8]) -> Vec<u8> {
        let mut buf = vec![0u8; 128 + payload.len()];
        let n = emit_packet(ip, tcp, payload, &mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn emits_around_payload_in_place() {
        let (ip, tcp) = (v4(), syn_ack());
        let hl = header_len(&ip, &tcp.options);
        assert_eq!(hl, 20 + 20 + 20);
        assert_eq!(header_len(&v6(), &TcpOptions::default()), 60);
        let mut buf = [0xeeu8; 100];
        buf[hl..hl + 3].copy_from_slice(b"abc");
        assert_eq!(emit_headers(&ip, &tcp, 3, &mut buf), Ok(hl + 3));
        assert_eq!(buf[hl + 3], 0xee, "nothing written past the packet");
        let p = parse_packet(&buf[..hl + 3]).unwrap();
        assert_eq!((p.ip, p.tcp, p.payload), (ip, tcp, &b"abc"[..]));
    }

    #[test]
    fn ip_header_fields() {
        let b = emit(&v4(), &syn_ack(), b"xy");
        let p = ipv4::Ipv4Packet::new_checked(&b[..]).unwrap();
        assert!(p.dont_fragment() && !p.is_fragment());
        assert_eq!((p.ident(), p.tos(), p.ihl(), p.ttl()), (0, 0, 5, 64));
        assert_eq!(usize::from(p.total_len()), b.len());
        let b = emit(&v6(), &syn_ack(), b"xy");
        let p = ipv6::Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(
            (p.traffic_class(), p.flow_label(), p.next_header()),
            (0, 0, 6)
        );
        assert_eq!(
            (usize::from(p.payload_len()), p.hop_limit()),
            (b.len() - 40, 7)
        );
    }

    #[test]
    fn ecn_field_round_trips_in_both_families() {
        for point in [ecn::NOT_ECT, ecn::ECT1, ecn::ECT0, ecn::CE] {
            let ip4 = IpRepr { ecn: point, ..v4() };
            let b = emit(&ip4, &syn_ack(), b"xy");
            assert_eq!(ipv4::Ipv4Packet::new_checked(&b[..]).unwrap().tos(), point);
            assert_eq!(parse_packet(&b).unwrap().ip.ecn, point);
            let ip6 = IpRepr { ecn: point, ..v6() };
            let b = emit(&ip6, &syn_ack(), b"xy");
            let p = ipv6::Ipv6Packet::new_checked(&b[..]).unwrap();
            assert_eq!(p.traffic_class(), point);
            assert_eq!(parse_packet(&b).unwrap().ip.ecn, point);
        }
    }

    #[test]
    fn emit_errors() {
        let (ip, tcp) = (v4(), syn_ack());
        let mut buf = [0u8; 62];
        assert_eq!(
            emit_headers(&ip, &tcp, 3, &mut buf),
            Err(WireError::BufferTooSmall)
        );
        let mixed = IpRepr {
            dst: v6().dst,
            ..ip
        };
        assert_eq!(
            emit_headers(&mixed, &tcp, 0, &mut buf),
            Err(WireError::MixedFamilies)
        );
        let mixed = IpRepr {
            dst: ip.dst,
            ..v6()
        };
        assert_eq!(
            emit_headers(&mixed, &tcp, 0, &mut buf),
            Err(WireError::MixedFamilies)
        );
        let mut big = vec![0u8; 70_000];
        assert_eq!(
            emit_headers(&ip, &tcp, 65_500, &mut big),
            Err(WireError::BadLength)
        );
        assert_eq!(
            emit_headers(&v6(), &tcp, 65_500, &mut big),
            Err(WireError::BadLength)
        );
        assert!(emit_headers(&v6(), &tcp, 65_000, &mut big).is_ok());
    }

    #[test]
    fn parse_errors() {
        assert_eq!(parse_packet(&[]), Err(WireError::Truncated));
        assert_eq!(parse_packet(&[0x55; 60]), Err(WireError::BadVersion));

        let good = emit(&v4(), &syn_ack(), b"data");
        let mut b = good.clone();
        b[8] ^= 1; // TTL changed: IP header checksum fails
        assert_eq!(parse_packet(&b), Err(WireError::BadChecksum));
        let mut b = good.clone();
        *b.last_mut().unwrap() ^= 0x80;
        assert_eq!(parse_packet(&b), Err(WireError::BadChecksum));

        for (flags_off, err) in [
            (0x2000u16, WireError::Fragment),
            (0x0001, WireError::Fragment),
        ] {
            let mut b = good.clone();
            b[6..8].copy_from_slice(&flags_off.to_be_bytes());
            fix_checksums(&mut b);
            assert_eq!(parse_packet(&b), Err(err));
        }
        let mut b = good.clone();
        b[9] = 17;
        fix_checksums(&mut b);
        assert_eq!(parse_packet(&b), Err(WireError::NotTcp));

        let mut b = good.clone();
        b[40] = 2; // first option: MSS with length 1
        b[41] = 1;
        fix_checksums(&mut b);
        assert_eq!(parse_packet(&b), Err(WireError::BadOption));

        let mut b = emit(&v6(), &syn_ack(), b"data");
        b[6] = 17;
        assert_eq!(parse_packet(&b), Err(WireError::NotTcp));
        let mut b = emit(&v6(), &syn_ack(), b"data");
        *b.last_mut().unwrap() ^= 1;
        assert_eq!(parse_packet(&b), Err(WireError::BadChecksum));
        b[40 + 12] = 0x40; // data offset 4
        assert_eq!(parse_packet(&b), Err(WireError::BadHeaderLength));
    }

    /// Inserts IPv6 extension headers (chained to TCP by the caller's bytes).
    fn with_v6_ext(packet: &[u8], first: u8, ext: &[u8]) -> Vec<u8> {
        let mut b = packet[..40].to_vec();
        b[6] = first;
        let len = (packet.len() - 40 + ext.len()) as u16;
        b[4..6].copy_from_slice(&len.to_be_bytes());
        b.extend_from_slice(ext);
        b.extend_from_slice(&packet[40..]);
        b
    }

    #[test]
    fn ipv6_extension_headers() {
        let good = emit(&v6(), &syn_ack(), b"data");
        let expected = parse_packet(&good).unwrap();
        #[rustfmt::skip]
        let ext = [
            60, 0, 1, 4, 0, 0, 0, 0,                          // hop-by-hop -> dest opts
            43, 1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // dest opts (16) -> routing
            6, 0, 0, 0, 0, 0, 0, 0,                           // routing -> TCP
        ];
        let b = with_v6_ext(&good, 0, &ext);
        assert_eq!(parse_packet(&b), Ok(expected));
        let b = with_v6_ext(&good, 44, &[6, 0, 0, 1, 0, 0, 0, 1]);
        assert_eq!(parse_packet(&b), Err(WireError::Fragment));
        let b = with_v6_ext(&good, 60, &[17, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(parse_packet(&b), Err(WireError::NotTcp));
    }

    #[test]
    fn ipv4_options_and_padding_are_skipped() {
        let good = emit(&v4(), &syn_ack(), b"data");
        let expected = parse_packet(&good).unwrap();
        let mut b = good[..20].to_vec();
        b.extend_from_slice(&[1, 1, 1, 0]); // NOP NOP NOP EOL
        b.extend_from_slice(&good[20..]);
        b[0] = 0x46;
        b[2..4].copy_from_slice(&(good.len() as u16 + 4).to_be_bytes());
        b.extend_from_slice(&[0; 6]); // link-layer padding past the total length
        fix_checksums(&mut b);
        assert_eq!(parse_packet(&b), Ok(expected));
    }

    fn valid_packet() -> impl Strategy<Value = Vec<u8>> {
        (
            testing::ip_repr(),
            testing::tcp_repr(),
            proptest::collection::vec(any::<u8>(), 0..64),
        )
            .prop_map(|(ip, tcp, payload)| emit(&ip, &tcp, &payload))
    }

    proptest! {
        #[test]
        fn round_trip(
            ip in testing::ip_repr(),
            tcp in testing::tcp_repr(),
            payload in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let b = emit(&ip, &tcp, &payload);
            prop_assert_eq!(b.len(), header_len(&ip, &tcp.options) + payload.len());
            let p = parse_packet(&b).unwrap();
            let expected = TcpRepr { options: testing::after_round_trip(&tcp.options), ..tcp };
            prop_assert_eq!(p.ip, ip);
            prop_assert_eq!(p.tcp, expected);
            prop_assert_eq!(p.payload, &payload[..]);
        }

        #[test]
        fn garbage_never_panics(mut bytes in proptest::collection::vec(any::<u8>(), 0..120), v6: bool) {
            let _ = parse_packet(&bytes);
            if let Some(b) = bytes.first_mut() {
                *b = if v6 { 0x60 | (*b & 0x0f) } else { 0x45 };
            }
            let _ = parse_packet(&bytes);
            fix_checksums(&mut bytes);
            let _ = parse_packet(&bytes);
        }

        #[test]
        fn mutations_never_panic(
            mut b in valid_packet(),
            flips in proptest::collection::vec((any::<usize>(), 0u8..8), 1..4),
            cut in any::<usize>(),
            fix: bool,
        ) {
            for (i, bit) in flips {
                let n = b.len();
                b[i % n] ^= 1 << bit;
            }
            if fix {
                fix_checksums(&mut b);
            }
            let _ = parse_packet(&b);
            let _ = parse_packet(&b[..cut % (b.len() + 1)]);
        }

        #[test]
        fn random_options_never_panic(
            b in valid_packet(),
            opts in proptest::collection::vec(any::<u8>(), 0..=40),
        ) {
            // Replace the option area with random bytes, keeping checksums valid
            // so that option parsing is reached.
            let ip_len = if b[0] >> 4 == 4 { 20 } else { 40 };
            let tcp_hl = usize::from(b[ip_len + 12] >> 4) * 4;
            let words = opts.len() / 4;
            let mut p = b[..ip_len + 20].to_vec();
            p.extend_from_slice(&opts[..words * 4]);
            p.extend_from_slice(&b[ip_len + tcp_hl..]);
            p[ip_len + 12] = ((5 + words) as u8) << 4;
            let new_len = p.len() as u16;
            if ip_len == 20 {
                p[2..4].copy_from_slice(&new_len.to_be_bytes());
            } else {
                p[4..6].copy_from_slice(&(new_len - 40).to_be_bytes());
            }
            fix_checksums(&mut p);
            match parse_packet(&p) {
                Ok(pkt) => prop_assert_eq!(Ok(pkt.tcp.options), TcpOptions::parse(&opts[..words * 4])),
                Err(e) => prop_assert_eq!(e, WireError::BadOption),
            }
        }
    }
}
