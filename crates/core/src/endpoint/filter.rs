//! What a catch-all listener takes: destinations by address prefix and
//! port range. A tun2socks-style application accepts every connection that
//! enters its device, whatever address and port the client dialled; the
//! accepted connection's local address is that original destination.

use core::fmt;
use core::net::IpAddr;
use core::str::FromStr;

/// An IP prefix such as `198.18.0.0/15` or `2001:db8::/32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prefix {
    addr: IpAddr,
    len: u8,
}

impl Prefix {
    /// The prefix of `len` bits of `addr` (bits past `len` are ignored).
    /// `None` if `len` is longer than the address (32 or 128).
    pub fn new(addr: IpAddr, len: u8) -> Option<Prefix> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (len <= max).then(|| Prefix {
            addr: mask(addr, len),
            len,
        })
    }

    /// The first address of the prefix.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// Whether `ip` lies in the prefix (never across families).
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.len) == self.addr
    }
}

fn mask(ip: IpAddr, len: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            IpAddr::V6((bits & m).into())
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// Why a prefix did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrefixParseError;

impl fmt::Display for PrefixParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected ADDR/LEN, e.g. 198.18.0.0/15 or 2001:db8::/32")
    }
}

impl std::error::Error for PrefixParseError {}

impl FromStr for Prefix {
    type Err = PrefixParseError;

    /// `ADDR/LEN`; a bare address is a host prefix (`/32` or `/128`).
    fn from_str(s: &str) -> Result<Prefix, PrefixParseError> {
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| PrefixParseError)?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match len {
            Some(l) => l.parse::<u8>().map_err(|_| PrefixParseError)?,
            None => max,
        };
        Prefix::new(addr, len).ok_or(PrefixParseError)
    }
}

/// The destinations a catch-all listener accepts: an address in one of
/// `prefixes` (none: every address) and a port in one of `ports` (none:
/// every port), both inclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListenFilter {
    /// Destination prefixes; empty means any address.
    pub prefixes: Vec<Prefix>,
    /// Destination port ranges (`first..=last`); empty means any port.
    pub ports: Vec<(u16, u16)>,
}

impl ListenFilter {
    /// A filter that takes every destination.
    pub fn any() -> Self {
        ListenFilter::default()
    }

    /// Whether a connection to `ip`:`port` is for this listener.
    pub fn matches(&self, ip: IpAddr, port: u16) -> bool {
        (self.prefixes.is_empty() || self.prefixes.iter().any(|p| p.contains(ip)))
            && (self.ports.is_empty() || self.ports.iter().any(|&(a, b)| (a..=b).contains(&port)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_parse_mask_and_match() {
        let p: Prefix = "198.18.7.9/15".parse().unwrap();
        assert_eq!(p.to_string(), "198.18.0.0/15");
        assert!(p.contains("198.19.255.255".parse().unwrap()));
        assert!(!p.contains("198.20.0.0".parse().unwrap()));
        assert!(!p.contains("::ffff:198.18.0.1".parse().unwrap()));
        let all: Prefix = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        let host: Prefix = "2001:db8::1".parse().unwrap();
        assert_eq!(host.prefix_len(), 128);
        assert!(host.contains("2001:db8::1".parse().unwrap()));
        assert!(!host.contains("2001:db8::2".parse().unwrap()));
        let v6: Prefix = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        for bad in ["1.2.3.4/33", "::/129", "x/8", "1.2.3.4/", "1.2.3.4/-1"] {
            assert!(bad.parse::<Prefix>().is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_combine_prefixes_and_ports() {
        let any = ListenFilter::any();
        assert!(any.matches("1.2.3.4".parse().unwrap(), 1));
        let f = ListenFilter {
            prefixes: vec!["198.18.0.0/15".parse().unwrap()],
            ports: vec![(80, 80), (8000, 8999)],
        };
        assert!(f.matches("198.18.0.1".parse().unwrap(), 80));
        assert!(f.matches("198.19.0.1".parse().unwrap(), 8999));
        assert!(!f.matches("198.19.0.1".parse().unwrap(), 9000));
        assert!(!f.matches("10.0.0.1".parse().unwrap(), 80));
    }
}
