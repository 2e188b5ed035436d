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
            };
            (ip, p.into_payload())
        }
        6 => {
            let p = Ipv6Packet::new_checked(bytes)?;
            let ip = IpRepr {
                src: IpAddr::V6(p.src_addr()),
                dst: IpAddr::V6(p.dst_addr()),
                ttl: p.hop_limit(),
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
    if !tcp.verify_checksum(ip.pseudo_header(segment.len())?) {
        return Err(WireError::BadChecksum);
    }
    Ok(Packet {
        ip,
        tcp: TcpRepr::parse(&tcp)?,
        payload: tcp.into_payload(),
    })
}

/// Length of the IP + TCP headers that [`emit_headers`] writes:
/// (20 for IPv4 | 40 for IPv6) + 20 + the padded options.
pub fn header_len(ip: &IpRepr, options: &TcpOptions) -> usize {
    ip.header_len() + tcp::HEADER_LEN + options.wire_len()
}

/// Writes the IP and TCP headers into `buf[..header_len(ip, &tcp.options)]`
/// for a payload of `payload_len` bytes that the caller has already placed
/// right after them, and fills in both checksums. Returns the packet length.
///
/// IPv4: DF set, identification 0, no options. IPv6: traffic class and flow
/// label 0, no extension headers. TTL / hop limit from `ip.ttl`. The TCP
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
            p.set_tos(0);
            p.set_total_len(total16);
            p.set_ident(0);
            p.set_fragmentation(true, false, 0);
            p.set_ttl(ip.ttl);
            p.set_protocol(ipv4::PROTOCOL_TCP);
            p.set_src_addr(src);
            p.set_dst_addr(dst);
            p.fill_checksum();
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            let len16 = u16::try_from(tcp_len).map_err(|_| WireError::BadLength)?;
            let mut p = Ipv6Packet::new_unchecked(&mut buf[..ip_len]);
            p.set_version_tc_flow(0, 0);
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
