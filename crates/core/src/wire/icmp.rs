//! ICMP errors about TCP segments (RFC 792 and RFC 4443, as TCP reads them:
//! RFC 1122 4.2.3.9, RFC 5927): which error, who sent it, and the TCP
//! segment it quotes (the original IP header and at least the first 8
//! bytes of TCP: ports and sequence number).
//!
//! The quoted IP header is read leniently (its length fields describe the
//! original packet, not the quote); everything else is checked: the outer
//! IP header, the ICMP checksum, and that the quote holds a whole IP header
//! and 8 bytes of TCP. synack never sends ICMP.

use super::WireError;
use super::checksum;
use super::ipv4::{self, Ipv4Packet};
use super::ipv6::{self, Ipv6Packet};
use crate::seq::SeqNum;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// IPv4 protocol number of ICMP.
pub const PROTOCOL_ICMP: u8 = 1;
/// IPv6 next-header value of ICMPv6.
pub const NEXT_HEADER_ICMPV6: u8 = 58;

/// What an ICMP error says about the path to the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IcmpKind {
    /// No route to the network (v4 unreachable codes 0, 6, 11; v6 code 0).
    NetUnreachable,
    /// The host is unreachable (v4 codes 1, 7, 8, 12, 14, 15; v6 code 3),
    /// or time exceeded in transit.
    HostUnreachable,
    /// The peer has no TCP (v4 code 2; v6 parameter problem code 1).
    ProtocolUnreachable,
    /// No process on the peer's port (v4 code 3; v6 code 4).
    PortUnreachable,
    /// Communication administratively prohibited (v4 codes 9, 10, 13;
    /// v6 codes 1, 5, 6).
    Prohibited,
    /// Fragmentation needed with DF set (v4 code 4, RFC 1191) or Packet
    /// Too Big (v6, RFC 8201): the next hop's MTU, 0 if the router did not
    /// say (pre-RFC 1191 routers).
    PacketTooBig {
        /// The next-hop MTU the router reported.
        mtu: u32,
    },
    /// Time exceeded (TTL / hop limit, or reassembly).
    TimeExceeded,
    /// Any other error (source route failed, parameter problem, ...).
    Other,
}

impl IcmpKind {
    /// A hard error: one that says the connection cannot work (RFC 1122
    /// 4.2.3.9: protocol and port unreachable; administratively prohibited
    /// as Linux treats it). TCP aborts a connection still in SYN-SENT on
    /// one; every other error is soft (RFC 5927 section 5.2).
    pub fn is_hard(self) -> bool {
        matches!(
            self,
            IcmpKind::ProtocolUnreachable | IcmpKind::PortUnreachable | IcmpKind::Prohibited
        )
    }
}

impl IcmpKind {
    /// A short description, e.g. `port unreachable`.
    pub fn describe(self) -> String {
        match self {
            IcmpKind::NetUnreachable => "network unreachable".into(),
            IcmpKind::HostUnreachable => "host unreachable".into(),
            IcmpKind::ProtocolUnreachable => "protocol unreachable".into(),
            IcmpKind::PortUnreachable => "port unreachable".into(),
            IcmpKind::Prohibited => "administratively prohibited".into(),
            IcmpKind::PacketTooBig { mtu } => format!("packet too big (MTU {mtu})"),
            IcmpKind::TimeExceeded => "time exceeded".into(),
            IcmpKind::Other => "other error".into(),
        }
    }
}

/// An ICMP error that quotes a TCP segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcmpError {
    /// What went wrong.
    pub kind: IcmpKind,
    /// Who says so (a router, or the peer).
    pub from: IpAddr,
    /// The quoted segment's source: this host's side of the connection.
    pub local: SocketAddr,
    /// The quoted segment's destination: the peer.
    pub remote: SocketAddr,
    /// The quoted segment's sequence number.
    pub seq: SeqNum,
    /// The quoted IP packet's total length (IPv4; 0 for IPv6), for
    /// guessing a path MTU when the router reports none (RFC 1191 7).
    pub quoted_len: u16,
}

/// Parses an IP packet carrying an ICMP or ICMPv6 error about a TCP
/// segment. [`WireError::NotTcp`] for anything else (other protocols,
/// ICMP informational messages, errors quoting UDP, source quench, which
/// RFC 6633 says to ignore); [`WireError::BadChecksum`] for a damaged
/// message; [`WireError::Truncated`] for a quote too short to name a
/// connection.
pub fn parse_icmp_error(bytes: &[u8]) -> Result<IcmpError, WireError> {
    match bytes.first().map(|b| b >> 4) {
        Some(4) => parse_v4(bytes),
        Some(6) => parse_v6(bytes),
        Some(_) => Err(WireError::BadVersion),
        None => Err(WireError::Truncated),
    }
}

fn parse_v4(bytes: &[u8]) -> Result<IcmpError, WireError> {
    let p = Ipv4Packet::new_checked(bytes)?;
    if !p.verify_checksum() {
        return Err(WireError::BadChecksum);
    }
    if p.is_fragment() {
        return Err(WireError::Fragment);
    }
    if p.protocol() != PROTOCOL_ICMP {
        return Err(WireError::NotTcp);
    }
    let from = IpAddr::V4(p.src_addr());
    let icmp = p.into_payload();
    if icmp.len() < 8 {
        return Err(WireError::Truncated);
    }
    if checksum::data(icmp) != 0xffff {
        return Err(WireError::BadChecksum);
    }
    let (ty, code) = (icmp[0], icmp[1]);
    let kind = match (ty, code) {
        (3, 0 | 6 | 11) => IcmpKind::NetUnreachable,
        (3, 1 | 7 | 8 | 12 | 14 | 15) => IcmpKind::HostUnreachable,
        (3, 2) => IcmpKind::ProtocolUnreachable,
        (3, 3) => IcmpKind::PortUnreachable,
        (3, 4) => IcmpKind::PacketTooBig {
            mtu: u32::from(u16::from_be_bytes([icmp[6], icmp[7]])),
        },
        (3, 9 | 10 | 13) => IcmpKind::Prohibited,
        (3, _) | (12, _) => IcmpKind::Other,
        (11, _) => IcmpKind::TimeExceeded,
        _ => return Err(WireError::NotTcp),
    };
    let quote = &icmp[8..];
    let Some(&ver_ihl) = quote.first() else {
        return Err(WireError::Truncated);
    };
    if ver_ihl >> 4 != 4 {
        return Err(WireError::NotTcp);
    }
    let ihl = usize::from(ver_ihl & 0xf) * 4;
    if ihl < ipv4::HEADER_LEN {
        return Err(WireError::BadHeaderLength);
    }
    if quote.len() < ihl + 8 {
        return Err(WireError::Truncated);
    }
    if quote[9] != ipv4::PROTOCOL_TCP {
        return Err(WireError::NotTcp);
    }
    let src = Ipv4Addr::new(quote[12], quote[13], quote[14], quote[15]);
    let dst = Ipv4Addr::new(quote[16], quote[17], quote[18], quote[19]);
    let (local, remote, seq) = quoted_tcp(src.into(), dst.into(), &quote[ihl..]);
    Ok(IcmpError {
        kind,
        from,
        local,
        remote,
        seq,
        quoted_len: u16::from_be_bytes([quote[2], quote[3]]),
    })
}

fn parse_v6(bytes: &[u8]) -> Result<IcmpError, WireError> {
    let p = Ipv6Packet::new_checked(bytes)?;
    let (src, dst) = (p.src_addr(), p.dst_addr());
    let (next, icmp) = ipv6::walk_extensions(p.next_header(), p.into_payload())?;
    if next != NEXT_HEADER_ICMPV6 {
        return Err(WireError::NotTcp);
    }
    if icmp.len() < 8 {
        return Err(WireError::Truncated);
    }
    let len = u32::try_from(icmp.len()).map_err(|_| WireError::BadLength)?;
    let pseudo = checksum::pseudo_header_v6(&src, &dst, NEXT_HEADER_ICMPV6, len);
    if checksum::combine(&[pseudo, checksum::data(icmp)]) != 0xffff {
        return Err(WireError::BadChecksum);
    }
    let (ty, code) = (icmp[0], icmp[1]);
    let kind = match (ty, code) {
        (1, 0) => IcmpKind::NetUnreachable,
        (1, 1 | 5 | 6) => IcmpKind::Prohibited,
        (1, 3) => IcmpKind::HostUnreachable,
        (1, 4) => IcmpKind::PortUnreachable,
        (1, _) => IcmpKind::Other,
        (2, _) => IcmpKind::PacketTooBig {
            mtu: u32::from_be_bytes([icmp[4], icmp[5], icmp[6], icmp[7]]),
        },
        (3, _) => IcmpKind::TimeExceeded,
        (4, 1) => IcmpKind::ProtocolUnreachable,
        (4, _) => IcmpKind::Other,
        _ => return Err(WireError::NotTcp),
    };
    let quote = &icmp[8..];
    if quote.len() < ipv6::HEADER_LEN {
        return Err(WireError::Truncated);
    }
    if quote[0] >> 4 != 6 {
        return Err(WireError::NotTcp);
    }
    let mut a = [0u8; 16];
    a.copy_from_slice(&quote[8..24]);
    let qsrc = Ipv6Addr::from(a);
    a.copy_from_slice(&quote[24..40]);
    let qdst = Ipv6Addr::from(a);
    let (next, tcp) = ipv6::walk_extensions(quote[6], &quote[ipv6::HEADER_LEN..])?;
    if next != ipv6::next_header::TCP {
        return Err(WireError::NotTcp);
    }
    if tcp.len() < 8 {
        return Err(WireError::Truncated);
    }
    let (local, remote, seq) = quoted_tcp(qsrc.into(), qdst.into(), tcp);
    Ok(IcmpError {
        kind,
        from: IpAddr::V6(src),
        local,
        remote,
        seq,
        quoted_len: 0,
    })
}

/// Ports and sequence number from the first 8 bytes of a quoted TCP header
/// (the caller checked there are 8).
fn quoted_tcp(src: IpAddr, dst: IpAddr, tcp: &[u8]) -> (SocketAddr, SocketAddr, SeqNum) {
    let sport = u16::from_be_bytes([tcp[0], tcp[1]]);
    let dport = u16::from_be_bytes([tcp[2], tcp[3]]);
    let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
    (
        SocketAddr::new(src, sport),
        SocketAddr::new(dst, dport),
        SeqNum(seq),
    )
}

/// Builds an ICMP error from `from` to `to` quoting `quoted` (an IP packet
/// this host sent, of which the first bytes are kept, as a router would):
/// for tests, fuzzing and scripts. Returns the packet's length in `buf`.
pub fn emit_icmp_error(
    from: IpAddr,
    to: IpAddr,
    ty: u8,
    code: u8,
    word: u32,
    quoted: &[u8],
    buf: &mut [u8],
) -> Result<usize, WireError> {
    match (from, to) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let q = &quoted[..quoted.len().min(548)];
            let icmp_len = 8 + q.len();
            let total = ipv4::HEADER_LEN + icmp_len;
            if buf.len() < total {
                return Err(WireError::BufferTooSmall);
            }
            let buf = &mut buf[..total];
            buf.fill(0);
            let mut ip = Ipv4Packet::new_unchecked(&mut buf[..]);
            ip.set_version_and_header_len(ipv4::HEADER_LEN);
            ip.set_total_len(total as u16);
            ip.set_ttl(64);
            ip.set_protocol(PROTOCOL_ICMP);
            ip.set_src_addr(s);
            ip.set_dst_addr(d);
            ip.fill_checksum();
            let icmp = &mut buf[ipv4::HEADER_LEN..];
            icmp[0] = ty;
            icmp[1] = code;
            icmp[4..8].copy_from_slice(&word.to_be_bytes());
            icmp[8..].copy_from_slice(q);
            let c = !checksum::data(icmp);
            icmp[2..4].copy_from_slice(&c.to_be_bytes());
            Ok(total)
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let q = &quoted[..quoted.len().min(1232)];
            let icmp_len = 8 + q.len();
            let total = ipv6::HEADER_LEN + icmp_len;
            if buf.len() < total {
                return Err(WireError::BufferTooSmall);
            }
            let buf = &mut buf[..total];
            buf.fill(0);
            let mut ip = Ipv6Packet::new_unchecked(&mut buf[..]);
            ip.set_version_tc_flow(0, 0);
            ip.set_payload_len(icmp_len as u16);
            ip.set_next_header(NEXT_HEADER_ICMPV6);
            ip.set_hop_limit(64);
            ip.set_src_addr(s);
            ip.set_dst_addr(d);
            let icmp = &mut buf[ipv6::HEADER_LEN..];
            icmp[0] = ty;
            icmp[1] = code;
            icmp[4..8].copy_from_slice(&word.to_be_bytes());
            icmp[8..].copy_from_slice(q);
            let pseudo = checksum::pseudo_header_v6(&s, &d, NEXT_HEADER_ICMPV6, icmp_len as u32);
            let c = !checksum::combine(&[pseudo, checksum::data(icmp)]);
            icmp[2..4].copy_from_slice(&c.to_be_bytes());
            Ok(total)
        }
        _ => Err(WireError::MixedFamilies),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{IpRepr, TcpFlags, TcpOptions, TcpRepr, emit_packet};

    fn segment(src: IpAddr, dst: IpAddr) -> Vec<u8> {
        let tcp = TcpRepr {
            src_port: 40000,
            dst_port: 80,
            seq: SeqNum(0x1234_5678),
            ack: SeqNum(0),
            flags: TcpFlags::SYN,
            window: 1000,
            urgent: 0,
            options: TcpOptions::default(),
        };
        let mut b = vec![0u8; 100];
        let n = emit_packet(
            &IpRepr {
                src,
                dst,
                ttl: 64,
                ecn: 0,
                dscp: 0,
                dont_fragment: true,
            },
            &tcp,
            &[],
            &mut b,
        )
        .unwrap();
        b.truncate(n);
        b
    }

    #[test]
    fn v4_errors_round_trip_with_their_quote() {
        let (me, peer, router): (IpAddr, IpAddr, IpAddr) = (
            "198.18.0.2".parse().unwrap(),
            "198.18.0.1".parse().unwrap(),
            "198.18.9.9".parse().unwrap(),
        );
        let seg = segment(me, peer);
        for (ty, code, word, kind) in [
            (3, 3, 0, IcmpKind::PortUnreachable),
            (3, 2, 0, IcmpKind::ProtocolUnreachable),
            (3, 1, 0, IcmpKind::HostUnreachable),
            (3, 13, 0, IcmpKind::Prohibited),
            (3, 4, 1400, IcmpKind::PacketTooBig { mtu: 1400 }),
            (11, 0, 0, IcmpKind::TimeExceeded),
        ] {
            let mut b = [0u8; 200];
            // Only the IP header and 8 bytes of TCP, as RFC 792 routers quote.
            let n = emit_icmp_error(router, me, ty, code, word, &seg[..28], &mut b).unwrap();
            let e = parse_icmp_error(&b[..n]).unwrap();
            assert_eq!(e.kind, kind);
            assert_eq!(e.from, router);
            assert_eq!(e.local, SocketAddr::new(me, 40000));
            assert_eq!(e.remote, SocketAddr::new(peer, 80));
            assert_eq!(e.seq, SeqNum(0x1234_5678));
            assert_eq!(usize::from(e.quoted_len), seg.len());
            // A flipped bit anywhere in the ICMP message: bad checksum.
            let mut bad = b;
            bad[30] ^= 1;
            assert_eq!(parse_icmp_error(&bad[..n]), Err(WireError::BadChecksum));
            // Too short a quote to name the connection.
            let n = emit_icmp_error(router, me, ty, code, word, &seg[..24], &mut b).unwrap();
            assert_eq!(parse_icmp_error(&b[..n]), Err(WireError::Truncated));
        }
    }

    #[test]
    fn v6_errors_round_trip_with_their_quote() {
        let (me, peer, router): (IpAddr, IpAddr, IpAddr) = (
            "2001:db8::2".parse().unwrap(),
            "2001:db8::1".parse().unwrap(),
            "2001:db8::99".parse().unwrap(),
        );
        let seg = segment(me, peer);
        for (ty, code, word, kind) in [
            (1, 4, 0, IcmpKind::PortUnreachable),
            (1, 1, 0, IcmpKind::Prohibited),
            (1, 0, 0, IcmpKind::NetUnreachable),
            (2, 0, 1280, IcmpKind::PacketTooBig { mtu: 1280 }),
            (3, 0, 0, IcmpKind::TimeExceeded),
            (4, 1, 40, IcmpKind::ProtocolUnreachable),
        ] {
            let mut b = [0u8; 300];
            let n = emit_icmp_error(router, me, ty, code, word, &seg, &mut b).unwrap();
            let e = parse_icmp_error(&b[..n]).unwrap();
            assert_eq!(e.kind, kind);
            assert_eq!((e.local.port(), e.remote.port()), (40000, 80));
            assert_eq!(e.seq, SeqNum(0x1234_5678));
            let mut bad = b;
            bad[50] ^= 0x80;
            assert_eq!(parse_icmp_error(&bad[..n]), Err(WireError::BadChecksum));
        }
    }

    #[test]
    fn informational_messages_and_other_protocols_are_not_for_tcp() {
        let me: IpAddr = "198.18.0.2".parse().unwrap();
        let peer: IpAddr = "198.18.0.1".parse().unwrap();
        let seg = segment(me, peer);
        let mut b = [0u8; 200];
        // Echo request (type 8), source quench (type 4, RFC 6633).
        for ty in [8, 0, 4] {
            let n = emit_icmp_error(peer, me, ty, 0, 0, &seg, &mut b).unwrap();
            assert_eq!(parse_icmp_error(&b[..n]), Err(WireError::NotTcp));
        }
        // A TCP segment itself is not ICMP.
        assert_eq!(parse_icmp_error(&seg), Err(WireError::NotTcp));
        // Garbage never panics.
        for n in 0..b.len() {
            let _ = parse_icmp_error(&b[..n]);
        }
    }
}
