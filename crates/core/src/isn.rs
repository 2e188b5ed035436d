//! Initial sequence numbers (RFC 6528, RFC 9293 3.4.1):
//! `ISN = M + F(localip, localport, remoteip, remoteport, secretkey)`, where
//! M is a 4-microsecond clock (MUST-8) and F a keyed pseudorandom function
//! (SHLD-1, MUST-9). F is SipHash-2-4 keyed with the endpoint's secret.
//! Given the same secret and clock the result is deterministic.

use crate::seq::SeqNum;
use crate::time::Instant;
use core::hash::Hasher;
use core::net::{IpAddr, SocketAddr};
use siphasher::sip::SipHasher24;

/// Keyed ISN generator.
#[derive(Clone, Debug)]
pub struct IsnGenerator {
    key: [u8; 16],
}

impl IsnGenerator {
    /// A generator keyed with `secret`.
    pub fn new(secret: [u8; 16]) -> Self {
        IsnGenerator { key: secret }
    }

    /// The ISN for a connection between `local` and `remote` at `now`.
    pub fn isn(&self, now: Instant, local: SocketAddr, remote: SocketAddr) -> SeqNum {
        let mut h = SipHasher24::new_with_key(&self.key);
        write_addr(&mut h, local);
        write_addr(&mut h, remote);
        let f = h.finish() as u32;
        // M: the clock ticks every 4 microseconds (RFC 9293 3.4.1).
        let m = (now.as_micros() / 4) as u32;
        SeqNum(m.wrapping_add(f))
    }

    /// The per-connection offset of the timestamp clock (RFC 7323 5.4 and
    /// 7.1: a random offset per connection, so TSvals do not reveal the
    /// host's uptime or link connections): the same keyed function over
    /// the 4-tuple, domain-separated from the ISN's.
    pub fn ts_offset(&self, local: SocketAddr, remote: SocketAddr) -> u32 {
        let mut h = SipHasher24::new_with_key(&self.key);
        h.write(b"tsval");
        write_addr(&mut h, local);
        write_addr(&mut h, remote);
        h.finish() as u32
    }
}

fn write_addr(h: &mut SipHasher24, a: SocketAddr) {
    match a.ip() {
        IpAddr::V4(ip) => h.write(&ip.octets()),
        IpAddr::V6(ip) => h.write(&ip.octets()),
    }
    h.write_u16(a.port());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn keyed_per_tuple_and_clocked() {
        let g = IsnGenerator::new([1; 16]);
        let (l, r) = (sa("198.18.0.1:80"), sa("198.18.0.2:40000"));
        let a = g.isn(Instant::ZERO, l, r);
        assert_eq!(a, g.isn(Instant::ZERO, l, r), "deterministic");
        // 4 microseconds later the clock has moved by one.
        assert_eq!(g.isn(Instant::from_micros(4), l, r), a + 1);
        assert_ne!(a, g.isn(Instant::ZERO, l, sa("198.18.0.2:40001")));
        assert_ne!(a, IsnGenerator::new([2; 16]).isn(Instant::ZERO, l, r));
    }
}
