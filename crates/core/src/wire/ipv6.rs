//! The IPv6 header (RFC 8200 section 3) and the walk over extension headers
//! (RFC 8200 section 4) to the upper-layer header.

use super::WireError;
use core::net::Ipv6Addr;

/// Fixed IPv6 header length.
pub const HEADER_LEN: usize = 40;

/// Next-header values this module knows about (IANA "Protocol Numbers").
pub mod next_header {
    /// Hop-by-Hop Options header (RFC 8200 4.3).
    pub const HOP_BY_HOP: u8 = 0;
    /// TCP.
    pub const TCP: u8 = 6;
    /// Routing header (RFC 8200 4.4).
    pub const ROUTING: u8 = 43;
    /// Fragment header (RFC 8200 4.5).
    pub const FRAGMENT: u8 = 44;
    /// Destination Options header (RFC 8200 4.6).
    pub const DEST_OPTIONS: u8 = 60;
}

mod field {
    use core::ops::Range;
    pub const VER_TC_FLOW: Range<usize> = 0..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: Range<usize> = 8..24;
    pub const DST: Range<usize> = 24..40;
}

/// A view of an IPv6 packet. Created with [`Ipv6Packet::new_checked`] no
/// read accessor can panic.
#[derive(Debug, Clone)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Wraps `buffer` without any check; accessors panic if it is too short.
    /// Meant for emission into a buffer whose size the caller has checked.
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv6Packet { buffer }
    }

    /// Wraps `buffer` after checking that: it holds the 40-byte header
    /// ([`WireError::Truncated`]); the version is 6 ([`WireError::BadVersion`]);
    /// the payload length fits in the buffer ([`WireError::BadLength`]).
    /// Bytes past the payload length are ignored. Jumbograms (RFC 2675) are
    /// not supported: a zero payload length means an empty payload.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let bytes = buffer.as_ref();
        if bytes.len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        if bytes[0] >> 4 != 6 {
            return Err(WireError::BadVersion);
        }
        let len = usize::from(u16::from_be_bytes([bytes[4], bytes[5]]));
        if HEADER_LEN + len > bytes.len() {
            return Err(WireError::BadLength);
        }
        Ok(Ipv6Packet { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn ver_tc_flow(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::VER_TC_FLOW];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Version field (6 after `new_checked`).
    pub fn version(&self) -> u8 {
        (self.ver_tc_flow() >> 28) as u8
    }

    /// Traffic class (DSCP + ECN).
    pub fn traffic_class(&self) -> u8 {
        (self.ver_tc_flow() >> 20) as u8
    }

    /// Flow label (20 bits).
    pub fn flow_label(&self) -> u32 {
        self.ver_tc_flow() & 0x000f_ffff
    }

    /// Payload length (extension headers included).
    pub fn payload_len(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// Next header of the fixed header.
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NXT_HDR]
    }

    /// Hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv6Addr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[field::SRC]);
        Ipv6Addr::from(a)
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv6Addr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[field::DST]);
        Ipv6Addr::from(a)
    }

    /// The payload (extension headers included), up to the payload length.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..HEADER_LEN + usize::from(self.payload_len())]
    }

    /// The first non-extension next header and the bytes after it; see
    /// [`walk_extensions`].
    pub fn upper_layer(&self) -> Result<(u8, &[u8]), WireError> {
        walk_extensions(self.next_header(), self.payload())
    }
}

impl<'a> Ipv6Packet<&'a [u8]> {
    /// The payload with the lifetime of the underlying buffer.
    pub fn into_payload(self) -> &'a [u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        &self.buffer[HEADER_LEN..end]
    }
}

/// Walks the Hop-by-Hop, Routing and Destination Options headers at the start
/// of `payload` (the first one named by `next`), each `(Hdr Ext Len + 1) * 8`
/// bytes long (RFC 8200 4.3, 4.4, 4.6), and returns the first other
/// next-header value with the bytes after it.
///
/// A Fragment header gives [`WireError::Fragment`] (no reassembly); an
/// extension header running past the payload gives [`WireError::Truncated`].
pub fn walk_extensions(mut next: u8, payload: &[u8]) -> Result<(u8, &[u8]), WireError> {
    let mut rest = payload;
    loop {
        match next {
            next_header::HOP_BY_HOP | next_header::ROUTING | next_header::DEST_OPTIONS => {
                let &[nh, len, ..] = rest else {
                    return Err(WireError::Truncated);
                };
                let ext_len = (usize::from(len) + 1) * 8;
                if ext_len > rest.len() {
                    return Err(WireError::Truncated);
                }
                next = nh;
                rest = &rest[ext_len..];
            }
            next_header::FRAGMENT => return Err(WireError::Fragment),
            _ => return Ok((next, rest)),
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    /// Writes version 6 with the given traffic class and flow label.
    pub fn set_version_tc_flow(&mut self, traffic_class: u8, flow_label: u32) {
        let v = 6u32 << 28 | u32::from(traffic_class) << 20 | (flow_label & 0x000f_ffff);
        self.buffer.as_mut()[field::VER_TC_FLOW].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the payload length.
    pub fn set_payload_len(&mut self, v: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the next header.
    pub fn set_next_header(&mut self, v: u8) {
        self.buffer.as_mut()[field::NXT_HDR] = v;
    }

    /// Sets the hop limit.
    pub fn set_hop_limit(&mut self, v: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = v;
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, a: Ipv6Addr) {
        self.buffer.as_mut()[field::SRC].copy_from_slice(&a.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, a: Ipv6Addr) {
        self.buffer.as_mut()[field::DST].copy_from_slice(&a.octets());
    }

    /// The payload, mutable, up to the payload length.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(next: u8, payload: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; HEADER_LEN + payload.len()];
        let mut p = Ipv6Packet::new_unchecked(&mut b[..]);
        p.set_version_tc_flow(0xab, 0x12345);
        p.set_payload_len(payload.len() as u16);
        p.set_next_header(next);
        p.set_hop_limit(9);
        p.set_src_addr("2001:db8::1".parse().unwrap());
        p.set_dst_addr("2001:db8::2".parse().unwrap());
        p.payload_mut().copy_from_slice(payload);
        b
    }

    #[test]
    fn reads_fields() {
        let mut b = packet(6, &[1, 2, 3]);
        b.extend_from_slice(&[0xee; 5]); // trailing bytes ignored
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!((p.traffic_class(), p.flow_label()), (0xab, 0x12345));
        assert_eq!((p.payload_len(), p.next_header(), p.hop_limit()), (3, 6, 9));
        assert_eq!(p.src_addr(), "2001:db8::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(p.dst_addr(), "2001:db8::2".parse::<Ipv6Addr>().unwrap());
        assert_eq!(p.payload(), &[1, 2, 3]);
        assert_eq!(p.upper_layer(), Ok((6, &[1u8, 2, 3][..])));
    }

    #[test]
    fn rejects_bad_headers() {
        let check = |b: &[u8]| Ipv6Packet::new_checked(b).map(|_| ());
        let mut b = packet(6, &[0; 4]);
        assert_eq!(check(&b[..39]), Err(WireError::Truncated));
        assert_eq!(check(&b[..43]), Err(WireError::BadLength));
        b[0] = 0x45;
        assert_eq!(check(&b), Err(WireError::BadVersion));
    }

    #[test]
    fn walks_extension_headers() {
        // Hop-by-hop (8 bytes) -> destination options (16 bytes) -> routing (8) -> TCP.
        let mut pl = vec![60, 0, 1, 4, 0, 0, 0, 0];
        pl.extend_from_slice(&[43, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        pl.extend_from_slice(&[6, 0, 0, 0, 0, 0, 0, 0]);
        pl.extend_from_slice(b"tcp!");
        let b = packet(0, &pl);
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.upper_layer(), Ok((6, &b"tcp!"[..])));

        let b = packet(0, &[44, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.upper_layer(), Err(WireError::Fragment));

        let b = packet(60, &[6, 1, 0, 0, 0, 0, 0, 0]); // claims 16 bytes, has 8
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.upper_layer(), Err(WireError::Truncated));

        let b = packet(43, &[6]);
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.upper_layer(), Err(WireError::Truncated));

        let b = packet(60, &[17, 0, 0, 0, 0, 0, 0, 0]);
        let p = Ipv6Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.upper_layer(), Ok((17, &[][..])));
    }
}
