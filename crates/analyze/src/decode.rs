//! From an IP packet to the TCP segment the analysis works on.

use core::net::SocketAddr;
use synack_core::wire::{self, TcpRepr, WireError};

/// A TCP segment seen in the capture.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    /// Capture time, microseconds since the epoch.
    pub time_us: u64,
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Its header (absolute numbers, unscaled window).
    pub tcp: TcpRepr,
    /// Payload length.
    pub len: usize,
    /// The IP header's ECN codepoint (RFC 3168 5; 3 is CE).
    pub ecn: u8,
}

/// Why an IP packet gave no segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Not TCP (UDP, ICMP...) or a fragment: not ours, not damaged.
    NotTcp,
    /// Damaged or cut short: reported.
    Damaged(WireError),
}

/// Decodes the TCP segment in `ip`. TCP checksums are not verified: a
/// capture on the sending host holds segments whose checksum the network
/// card fills in later (checksum offload), which tshark too leaves
/// unchecked by default. The IPv4 header checksum is verified.
///
/// `cut` says the capture kept only the start of the frame (a snap
/// length): the headers are read from what is there and the payload length
/// from the IP header.
pub fn segment(time_us: u64, ip: &[u8], cut: bool) -> Result<Segment, Skip> {
    let padded;
    let ip = match wire::parse_packet_checksum_trusted(ip) {
        Err(WireError::BadLength | WireError::Truncated) if cut => {
            padded = pad_to_ip_length(ip).ok_or(Skip::Damaged(WireError::Truncated))?;
            &padded[..]
        }
        _ => ip,
    };
    match wire::parse_packet_checksum_trusted(ip) {
        Ok(p) => Ok(Segment {
            time_us,
            src: SocketAddr::new(p.ip.src, p.tcp.src_port),
            dst: SocketAddr::new(p.ip.dst, p.tcp.dst_port),
            tcp: p.tcp,
            len: p.payload.len(),
            ecn: p.ip.ecn,
        }),
        Err(WireError::NotTcp | WireError::Fragment) => Err(Skip::NotTcp),
        Err(e) => Err(Skip::Damaged(e)),
    }
}

/// The packet with zeros in place of the payload the capture left out, up
/// to the length its IP header gives (`None` if that is not readable).
fn pad_to_ip_length(ip: &[u8]) -> Option<Vec<u8>> {
    let total = match ip.first()? >> 4 {
        4 => usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?])),
        6 => 40 + usize::from(u16::from_be_bytes([*ip.get(4)?, *ip.get(5)?])),
        _ => return None,
    };
    if total <= ip.len() {
        return None;
    }
    let mut v = ip.to_vec();
    v.resize(total, 0);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;
    use synack_core::wire::{IpRepr, TcpFlags};

    #[test]
    fn snapped_packets_keep_their_length() {
        let ip = IpRepr {
            src: Ipv4Addr::new(198, 18, 0, 1).into(),
            dst: Ipv4Addr::new(198, 18, 0, 2).into(),
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let tcp = TcpRepr {
            src_port: 1,
            dst_port: 2,
            flags: TcpFlags::ACK,
            ..TcpRepr::default()
        };
        let mut buf = vec![0u8; 2000];
        let n = wire::emit_packet(&ip, &tcp, &[7; 1000], &mut buf).unwrap();
        assert_eq!(segment(0, &buf[..n], false).unwrap().len, 1000);
        assert!(segment(0, &buf[..96], false).is_err());
        assert_eq!(segment(0, &buf[..96], true).unwrap().len, 1000);
        assert!(segment(0, &buf[..30], true).is_err());
    }
}
