//! The Internet checksum (RFC 1071) and the TCP pseudo-headers
//! (RFC 9293 3.1 for IPv4, RFC 8200 8.1 for IPv6).
//!
//! Sums are returned *folded but not complemented*, so they can be combined
//! with [`combine`]; the value written to a header is `!combine(..)`, and a
//! received header verifies when the sum over it (checksum field included)
//! is `0xffff`.

use core::net::{Ipv4Addr, Ipv6Addr};

/// Folds a wide one's-complement accumulator into 16 bits (end-around carry).
#[inline]
fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// The one's-complement sum of `bytes` taken as big-endian 16-bit words,
/// an odd final byte padded with zero on the right (RFC 1071 section 4.1).
///
/// Fast path: the sum does not depend on byte order (RFC 1071 section 2
/// (B)), so native-endian 32-bit words are added into a 64-bit accumulator
/// (a loop the compiler vectorises; no overflow below 16 GiB) and the
/// folded result is byte-swapped once on little-endian machines. Since
/// 2^16 = 1 modulo 2^16 - 1, folding equals the 16-bit sum (2 (C)).
pub fn data(bytes: &[u8]) -> u16 {
    let mut acc: u64 = 0;
    let mut chunks = bytes.chunks_exact(4);
    for c in &mut chunks {
        acc += u64::from(u32::from_ne_bytes([c[0], c[1], c[2], c[3]]));
    }
    // Up to three trailing bytes, zero-padded on the right as the RFC says.
    let rest = chunks.remainder();
    let mut tail = [0u8; 4];
    tail[..rest.len()].copy_from_slice(rest);
    acc += u64::from(u32::from_ne_bytes(tail));
    let sum = fold(acc);
    if cfg!(target_endian = "little") {
        sum.swap_bytes()
    } else {
        sum
    }
}

/// The one's-complement sum of several partial sums.
pub fn combine(sums: &[u16]) -> u16 {
    fold(sums.iter().map(|&s| u64::from(s)).sum())
}

/// Sum of the IPv4 pseudo-header: source, destination, zero, protocol and
/// the upper-layer length (RFC 9293 section 3.1, "checksum").
pub fn pseudo_header_v4(src: &Ipv4Addr, dst: &Ipv4Addr, protocol: u8, length: u16) -> u16 {
    let (s, d) = (src.octets(), dst.octets());
    let acc = u64::from(u32::from_be_bytes(s))
        + u64::from(u32::from_be_bytes(d))
        + u64::from(protocol)
        + u64::from(length);
    fold(acc)
}

/// Sum of the IPv6 pseudo-header: source, destination, 32-bit upper-layer
/// length, three zero bytes and the next header (RFC 8200 section 8.1).
pub fn pseudo_header_v6(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, length: u32) -> u16 {
    let acc = u64::from(data(&src.octets()))
        + u64::from(data(&dst.octets()))
        + u64::from(length >> 16)
        + u64::from(length & 0xffff)
        + u64::from(next_header);
    fold(acc)
}

/// Incrementally updates a header `checksum` (as stored on the wire) when one
/// 16-bit word changes from `old` to `new`: `HC' = ~(~HC + ~m + m')`
/// (RFC 1624 section 3, equation 3).
pub fn update(checksum: u16, old: u16, new: u16) -> u16 {
    !combine(&[!checksum, !old, new])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Straightforward RFC 1071 reference: 16-bit words, fold per step.
    fn reference(bytes: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        for pair in bytes.chunks(2) {
            let w = u32::from(pair[0]) << 8 | u32::from(*pair.get(1).unwrap_or(&0));
            sum += w;
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum as u16
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: the sum of these bytes is ddf2.
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(data(&bytes), 0xddf2);
        assert_eq!(!data(&bytes), 0x220d);
    }

    #[test]
    fn ipv4_header_vector() {
        // A well-known header whose checksum field is b861.
        let mut hdr = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(!data(&hdr), 0xb861);
        hdr[10] = 0xb8;
        hdr[11] = 0x61;
        assert_eq!(data(&hdr), 0xffff);
    }

    #[test]
    fn odd_lengths_and_empty() {
        assert_eq!(data(&[]), 0);
        assert_eq!(data(&[0xab]), 0xab00);
        assert_eq!(data(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
        assert_eq!(data(&[0xff; 9]), reference(&[0xff; 9]));
    }

    #[test]
    fn pseudo_headers_match_byte_layout() {
        let (s, d) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(192, 168, 7, 9));
        let mut ph = [0u8; 12];
        ph[0..4].copy_from_slice(&s.octets());
        ph[4..8].copy_from_slice(&d.octets());
        ph[9] = 6;
        ph[10..12].copy_from_slice(&1234u16.to_be_bytes());
        assert_eq!(pseudo_header_v4(&s, &d, 6, 1234), data(&ph));

        let s6: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let d6: Ipv6Addr = "fe80::ffff:1:2".parse().unwrap();
        let mut ph6 = [0u8; 40];
        ph6[0..16].copy_from_slice(&s6.octets());
        ph6[16..32].copy_from_slice(&d6.octets());
        ph6[32..36].copy_from_slice(&0x0001_2345u32.to_be_bytes());
        ph6[39] = 6;
        assert_eq!(pseudo_header_v6(&s6, &d6, 6, 0x0001_2345), data(&ph6));
    }

    proptest::proptest! {
        #[test]
        fn fast_sum_matches_reference(bytes in proptest::collection::vec(0u8.., 0..300)) {
            proptest::prop_assert_eq!(data(&bytes), reference(&bytes));
        }

        #[test]
        fn split_sums_combine(bytes in proptest::collection::vec(0u8.., 0..200), cut in 0usize..100) {
            // Splitting at an even offset keeps word alignment.
            let cut = (cut * 2).min(bytes.len() & !1);
            let (a, b) = bytes.split_at(cut);
            proptest::prop_assert_eq!(combine(&[data(a), data(b)]), data(&bytes));
        }

        #[test]
        fn incremental_update_verifies(
            mut words in proptest::collection::vec(0u16.., 2..40),
            idx in 0usize..40,
            new in 0u16..,
        ) {
            let idx = idx % (words.len() - 1);
            let last = words.len() - 1;
            words[last] = 0;
            let bytes = |w: &[u16]| w.iter().flat_map(|x| x.to_be_bytes()).collect::<Vec<_>>();
            words[last] = !data(&bytes(&words));
            let old = words[idx];
            words[idx] = new;
            words[last] = update(words[last], old, new);
            proptest::prop_assert_eq!(data(&bytes(&words)), 0xffff);
        }
    }
}
