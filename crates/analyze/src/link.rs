//! From a captured frame to the IP packet inside it, by link type.

/// LINKTYPE_NULL: BSD loopback, a 4-byte address family in the capturing
/// host's byte order.
pub const NULL: u32 = 0;
/// LINKTYPE_ETHERNET.
pub const ETHERNET: u32 = 1;
/// LINKTYPE_RAW: the frame is the IP packet.
pub const RAW: u32 = 101;
/// LINKTYPE_LOOP: OpenBSD loopback, the family in network byte order.
pub const LOOP: u32 = 108;
/// LINKTYPE_LINUX_SLL: Linux "cooked" capture, 16-byte header.
pub const LINUX_SLL: u32 = 113;
/// LINKTYPE_IPV4: raw IPv4.
pub const IPV4: u32 = 228;
/// LINKTYPE_IPV6: raw IPv6.
pub const IPV6: u32 = 229;
/// LINKTYPE_LINUX_SLL2: Linux cooked capture v2, 20-byte header.
pub const LINUX_SLL2: u32 = 276;
/// DLT_RAW as some systems number it in pcap headers (12 or 14).
const DLT_RAW_ALT: [u32; 2] = [12, 14];

/// Whether this module can read frames of link type `link`.
pub fn supported(link: u32) -> bool {
    matches!(
        link,
        NULL | ETHERNET | RAW | LOOP | LINUX_SLL | IPV4 | IPV6 | LINUX_SLL2
    ) || DLT_RAW_ALT.contains(&link)
}

/// A name for a link type in messages.
pub fn name(link: u32) -> String {
    let n = match link {
        NULL => "NULL",
        ETHERNET => "ETHERNET",
        RAW | 12 | 14 => "RAW",
        LOOP => "LOOP",
        LINUX_SLL => "LINUX_SLL",
        IPV4 => "IPV4",
        IPV6 => "IPV6",
        LINUX_SLL2 => "LINUX_SLL2",
        _ => return format!("{link}"),
    };
    format!("{link} ({n})")
}

/// Why a frame holds no IP packet for us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotIp {
    /// Another protocol (ARP, LLDP, ...): not damaged, just not ours.
    Other,
    /// Shorter than its link header.
    Truncated,
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: [u16; 3] = [0x8100, 0x88a8, 0x9100];

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn by_ethertype(t: u16, rest: &[u8]) -> Result<&[u8], NotIp> {
    match t {
        ETHERTYPE_IPV4 | ETHERTYPE_IPV6 => Ok(rest),
        _ => Err(NotIp::Other),
    }
}

/// The IP packet in `frame` of link type `link` (which [`supported`] must
/// accept).
pub fn ip_packet(link: u32, frame: &[u8]) -> Result<&[u8], NotIp> {
    match link {
        RAW | IPV4 | IPV6 | 12 | 14 => Ok(frame),
        ETHERNET => {
            let mut at = 12;
            let mut t = be16(frame, at).ok_or(NotIp::Truncated)?;
            // Up to two VLAN tags (802.1Q, QinQ).
            for _ in 0..2 {
                if !ETHERTYPE_VLAN.contains(&t) {
                    break;
                }
                at += 4;
                t = be16(frame, at).ok_or(NotIp::Truncated)?;
            }
            by_ethertype(t, frame.get(at + 2..).ok_or(NotIp::Truncated)?)
        }
        LINUX_SLL => {
            let t = be16(frame, 14).ok_or(NotIp::Truncated)?;
            by_ethertype(t, frame.get(16..).ok_or(NotIp::Truncated)?)
        }
        LINUX_SLL2 => {
            let t = be16(frame, 0).ok_or(NotIp::Truncated)?;
            by_ethertype(t, frame.get(20..).ok_or(NotIp::Truncated)?)
        }
        NULL | LOOP => {
            let f = frame.get(..4).ok_or(NotIp::Truncated)?;
            let family = if link == LOOP {
                u32::from_be_bytes([f[0], f[1], f[2], f[3]])
            } else {
                // The capturing host's order: whichever reading is small.
                let le = u32::from_le_bytes([f[0], f[1], f[2], f[3]]);
                let be = u32::from_be_bytes([f[0], f[1], f[2], f[3]]);
                le.min(be)
            };
            // AF_INET is 2 everywhere; AF_INET6 is 24, 28 or 30 by system.
            match family {
                2 | 24 | 28 | 30 => Ok(&frame[4..]),
                _ => Err(NotIp::Other),
            }
        }
        _ => Err(NotIp::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let ip = [0x45u8, 0, 0, 20];
        let mut eth = vec![0u8; 12];
        eth.extend_from_slice(&[0x08, 0x00]);
        eth.extend_from_slice(&ip);
        assert_eq!(ip_packet(ETHERNET, &eth), Ok(&ip[..]));
        let mut vlan = vec![0u8; 12];
        vlan.extend_from_slice(&[0x81, 0x00, 0, 1, 0x86, 0xdd]);
        vlan.extend_from_slice(&ip);
        assert_eq!(ip_packet(ETHERNET, &vlan), Ok(&ip[..]));
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&[0x08, 0x00]);
        sll.extend_from_slice(&ip);
        assert_eq!(ip_packet(LINUX_SLL, &sll), Ok(&ip[..]));
        let mut sll2 = vec![0x86, 0xdd];
        sll2.extend_from_slice(&[0u8; 18]);
        sll2.extend_from_slice(&ip);
        assert_eq!(ip_packet(LINUX_SLL2, &sll2), Ok(&ip[..]));
        let mut null = vec![2, 0, 0, 0];
        null.extend_from_slice(&ip);
        assert_eq!(ip_packet(NULL, &null), Ok(&ip[..]));
        let mut lo = vec![0, 0, 0, 30];
        lo.extend_from_slice(&ip);
        assert_eq!(ip_packet(LOOP, &lo), Ok(&ip[..]));
        let mut arp = vec![0u8; 12];
        arp.extend_from_slice(&[0x08, 0x06]);
        assert_eq!(ip_packet(ETHERNET, &arp), Err(NotIp::Other));
        assert_eq!(ip_packet(ETHERNET, &[0; 5]), Err(NotIp::Truncated));
        assert_eq!(ip_packet(LINUX_SLL2, &[]), Err(NotIp::Truncated));
        assert!(!supported(147));
    }
}
