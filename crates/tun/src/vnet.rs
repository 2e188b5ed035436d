//! The virtio-net header a TUN device opened with `IFF_VNET_HDR` puts in
//! front of every packet (`struct virtio_net_hdr`, 10 bytes, in the host's
//! byte order: the legacy layout the kernel uses unless told `TUNSETVNETLE`
//! or `TUNSETVNETBE`), and the checksum work around it.
//!
//! With `TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)` the kernel
//! hands over its own TCP packets with only a *partial* checksum
//! ([`NEEDS_CSUM`]: the field holds the pseudo-header sum, the rest is left
//! to "the hardware") and as GSO super-packets of up to 64 KiB. The other
//! way, synack writes one large TCP segment with [`GSO_TCPV4`] /
//! [`GSO_TCPV6`] and `gso_size` = MSS, and the kernel cuts it (or, as here
//! where the packet is for the kernel's own sockets, delivers it whole as a
//! GRO packet would be).

use synack_core::wire::checksum;

/// Size of `struct virtio_net_hdr`.
pub const LEN: usize = 10;

/// `VIRTIO_NET_HDR_F_NEEDS_CSUM`: the checksum at `csum_start +
/// csum_offset` is partial (pseudo-header only) and must be completed over
/// `csum_start..`.
pub const NEEDS_CSUM: u8 = 1;
/// `VIRTIO_NET_HDR_F_DATA_VALID`: the checksum was validated.
pub const DATA_VALID: u8 = 2;

/// `VIRTIO_NET_HDR_GSO_NONE`.
pub const GSO_NONE: u8 = 0;
/// `VIRTIO_NET_HDR_GSO_TCPV4`.
pub const GSO_TCPV4: u8 = 1;
/// `VIRTIO_NET_HDR_GSO_TCPV6`.
pub const GSO_TCPV6: u8 = 4;

/// Offset of the checksum in a TCP header.
const TCP_CHECKSUM: usize = 16;
/// IP protocol / next header number of TCP.
const TCP: u8 = 6;

/// `struct virtio_net_hdr`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VnetHdr {
    /// `NEEDS_CSUM`, `DATA_VALID`.
    pub flags: u8,
    /// `GSO_*`, possibly with the ECN bit (0x80).
    pub gso_type: u8,
    /// Length of the headers (IP + TCP) of a GSO packet.
    pub hdr_len: u16,
    /// Payload bytes per segment of a GSO packet.
    pub gso_size: u16,
    /// Where the checksummed range starts (the TCP header).
    pub csum_start: u16,
    /// Where the checksum lies, from `csum_start`.
    pub csum_offset: u16,
}

impl VnetHdr {
    /// Reads the header at the start of `buf` (`None` if shorter than
    /// [`LEN`]).
    pub fn parse(buf: &[u8]) -> Option<VnetHdr> {
        let b = buf.get(..LEN)?;
        let u16_at = |i: usize| u16::from_ne_bytes([b[i], b[i + 1]]);
        Some(VnetHdr {
            flags: b[0],
            gso_type: b[1],
            hdr_len: u16_at(2),
            gso_size: u16_at(4),
            csum_start: u16_at(6),
            csum_offset: u16_at(8),
        })
    }

    /// Writes the header into `buf[..LEN]`.
    pub fn write(&self, buf: &mut [u8]) {
        buf[0] = self.flags;
        buf[1] = self.gso_type;
        buf[2..4].copy_from_slice(&self.hdr_len.to_ne_bytes());
        buf[4..6].copy_from_slice(&self.gso_size.to_ne_bytes());
        buf[6..8].copy_from_slice(&self.csum_start.to_ne_bytes());
        buf[8..10].copy_from_slice(&self.csum_offset.to_ne_bytes());
    }
}

/// Completes a partial checksum ([`NEEDS_CSUM`]) in `packet`: the sum over
/// `csum_start..` (the field holds the pseudo-header sum already) goes,
/// complemented, into the field. Returns false if the offsets do not fit
/// the packet (it is then left alone).
pub fn complete_checksum(packet: &mut [u8], csum_start: u16, csum_offset: u16) -> bool {
    let start = usize::from(csum_start);
    let at = start + usize::from(csum_offset);
    if at + 2 > packet.len() {
        return false;
    }
    let sum = checksum::data(&packet[start..]);
    // A computed checksum of 0 is sent as 0xffff (both mean zero in one's
    // complement; RFC 768's rule, which Linux's csum_fold follows too).
    let mut c = !sum;
    if c == 0 {
        c = 0xffff;
    }
    packet[at..at + 2].copy_from_slice(&c.to_be_bytes());
    true
}

/// The layout of a TCP/IP packet as synack's core emits it (IPv4 without
/// options, or IPv6 without extension headers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpLayout {
    /// IPv6 (else IPv4).
    pub v6: bool,
    /// IP header length.
    pub ip_len: usize,
    /// TCP header length (with options).
    pub tcp_len: usize,
    /// Payload length.
    pub payload: usize,
}

impl TcpLayout {
    /// Reads the layout of `packet`, or `None` if it is not such a packet.
    pub fn of(packet: &[u8]) -> Option<TcpLayout> {
        let (v6, ip_len) = match packet.first()? >> 4 {
            4 => {
                let ihl = usize::from(packet[0] & 0x0f) * 4;
                (packet.get(9) == Some(&TCP)).then_some((false, ihl))?
            }
            6 => (packet.get(6) == Some(&TCP)).then_some((true, 40))?,
            _ => return None,
        };
        let tcp_len = usize::from(packet.get(ip_len + 12)? >> 4) * 4;
        let payload = packet.len().checked_sub(ip_len + tcp_len)?;
        Some(TcpLayout {
            v6,
            ip_len,
            tcp_len,
            payload,
        })
    }

    /// The source and destination addresses and ports of `packet`.
    pub fn addrs(&self, packet: &[u8]) -> (core::net::SocketAddr, core::net::SocketAddr) {
        use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
        let (src, dst) = if self.v6 {
            let a: [u8; 16] = packet[8..24].try_into().unwrap_or_default();
            let b: [u8; 16] = packet[24..40].try_into().unwrap_or_default();
            (IpAddr::V6(Ipv6Addr::from(a)), IpAddr::V6(Ipv6Addr::from(b)))
        } else {
            let a: [u8; 4] = packet[12..16].try_into().unwrap_or_default();
            let b: [u8; 4] = packet[16..20].try_into().unwrap_or_default();
            (IpAddr::V4(Ipv4Addr::from(a)), IpAddr::V4(Ipv4Addr::from(b)))
        };
        let t = &packet[self.ip_len..];
        (
            SocketAddr::new(src, u16::from_be_bytes([t[0], t[1]])),
            SocketAddr::new(dst, u16::from_be_bytes([t[2], t[3]])),
        )
    }
}

/// Turns the complete TCP checksum of `packet` (laid out as `l`) into a
/// partial one, the pseudo-header sum, and returns the header that tells
/// the kernel so ([`NEEDS_CSUM`]): the kernel then trusts the packet
/// instead of summing it again, and completes the checksum itself if the
/// packet ever leaves the machine. With `gso_size` (the MSS) and a payload
/// larger than it, the header also marks a GSO packet to be cut into
/// segments of `gso_size`.
pub fn offload_tx(packet: &mut [u8], l: &TcpLayout, gso_size: Option<usize>) -> VnetHdr {
    let tcp_total = l.tcp_len + l.payload;
    let pseudo = if l.v6 {
        let mut acc = u32::from(checksum::data(&packet[8..40]));
        acc += (tcp_total >> 16) as u32 + (tcp_total & 0xffff) as u32 + u32::from(TCP);
        fold(acc)
    } else {
        let mut acc = u32::from(checksum::data(&packet[12..20]));
        acc += u32::from(TCP) + tcp_total as u32;
        fold(acc)
    };
    let at = l.ip_len + TCP_CHECKSUM;
    packet[at..at + 2].copy_from_slice(&pseudo.to_be_bytes());
    let mut h = VnetHdr {
        flags: NEEDS_CSUM,
        gso_type: GSO_NONE,
        hdr_len: (l.ip_len + l.tcp_len) as u16,
        gso_size: 0,
        csum_start: l.ip_len as u16,
        csum_offset: TCP_CHECKSUM as u16,
    };
    if let Some(mss) = gso_size
        && mss > 0
        && l.payload > mss
    {
        h.gso_type = if l.v6 { GSO_TCPV6 } else { GSO_TCPV4 };
        h.gso_size = mss.min(usize::from(u16::MAX)) as u16;
    }
    h
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use synack_core::SeqNum;
    use synack_core::wire::{self, IpRepr, TcpFlags, TcpOptions, TcpRepr};

    fn packet(src: IpAddr, dst: IpAddr, payload: &[u8]) -> Vec<u8> {
        let ip = IpRepr {
            src,
            dst,
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let tcp = TcpRepr {
            src_port: 5001,
            dst_port: 40000,
            seq: SeqNum(7),
            ack: SeqNum(9),
            flags: TcpFlags::ACK,
            window: 100,
            urgent: 0,
            options: TcpOptions::default(),
        };
        let mut buf = vec![0u8; 100 + payload.len()];
        let n = wire::emit_packet(&ip, &tcp, payload, &mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    fn v4() -> (IpAddr, IpAddr) {
        (
            IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2)),
            IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)),
        )
    }

    fn v6() -> (IpAddr, IpAddr) {
        (
            IpAddr::V6("2001:db8::2".parse::<Ipv6Addr>().unwrap()),
            IpAddr::V6("2001:db8::1".parse::<Ipv6Addr>().unwrap()),
        )
    }

    #[test]
    fn header_round_trip() {
        let h = VnetHdr {
            flags: NEEDS_CSUM,
            gso_type: GSO_TCPV6,
            hdr_len: 60,
            gso_size: 1440,
            csum_start: 40,
            csum_offset: 16,
        };
        let mut b = [0u8; LEN];
        h.write(&mut b);
        assert_eq!(VnetHdr::parse(&b), Some(h));
        assert_eq!(VnetHdr::parse(&b[..9]), None);
    }

    #[test]
    fn partial_checksums_complete_to_the_original() {
        for (src, dst) in [v4(), v6()] {
            for len in [0usize, 1, 1000, 5000] {
                let payload: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let full = packet(src, dst, &payload);
                let mut p = full.clone();
                let l = TcpLayout::of(&p).unwrap();
                assert_eq!(l.payload, len);
                assert_eq!(l.v6, src.is_ipv6());
                let h = offload_tx(&mut p, &l, Some(1460));
                assert_eq!(h.flags, NEEDS_CSUM);
                assert_eq!(usize::from(h.csum_start), l.ip_len);
                assert_eq!(h.hdr_len as usize, l.ip_len + 20);
                if len > 1460 {
                    let t = if src.is_ipv6() { GSO_TCPV6 } else { GSO_TCPV4 };
                    assert_eq!((h.gso_type, h.gso_size), (t, 1460));
                } else {
                    assert_eq!((h.gso_type, h.gso_size), (GSO_NONE, 0));
                }
                assert!(complete_checksum(&mut p, h.csum_start, h.csum_offset));
                assert_eq!(p, full, "completing gives the checksum back");
            }
        }
    }

    #[test]
    fn layout_and_addresses() {
        let (src, dst) = v4();
        let p = packet(src, dst, b"hello");
        let l = TcpLayout::of(&p).unwrap();
        assert_eq!((l.ip_len, l.tcp_len, l.payload), (20, 20, 5));
        let (a, b) = l.addrs(&p);
        assert_eq!(
            (a.ip(), a.port(), b.ip(), b.port()),
            (src, 5001, dst, 40000)
        );
        let (src, dst) = v6();
        let p = packet(src, dst, b"");
        let l = TcpLayout::of(&p).unwrap();
        assert_eq!((l.ip_len, l.payload), (40, 0));
        assert_eq!(l.addrs(&p).1.ip(), dst);
        assert_eq!(TcpLayout::of(&[0x45, 0]), None);
        assert!(!complete_checksum(&mut [0u8; 10], 4, 16));
    }
}
