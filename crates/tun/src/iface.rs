//! Interface configuration: the address synack owns, the kernel side's
//! address, and the `ip` commands (iproute2) that bring a created device up.
//!
//! `--addr ADDR/PREFIX` names the address synack owns. When synack creates
//! the device it gives the *kernel* side the first usable address of the
//! prefix that is not ADDR, so the kernel routes the whole prefix into the
//! device:
//!
//! | `--addr` | kernel side |
//! |---|---|
//! | `198.18.0.2/24` | `198.18.0.1/24` |
//! | `198.18.0.1/24` | `198.18.0.2/24` |
//! | `198.18.0.1/31` | `198.18.0.0/31` (RFC 3021: both addresses usable) |
//! | `2001:db8::2/64` | `2001:db8::1/64` |
//! | `2001:db8::1/64` | `2001:db8::2/64` |
//!
//! For IPv4 the network and broadcast addresses are not usable (except in a
//! /31), for IPv6 the subnet-router anycast address (all host bits zero) is
//! not (except in a /127). A /32 or /128 leaves no address for the kernel.

use crate::error::Error;
use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::str::FromStr;
use std::io;
use std::process::Command;

/// An address with a prefix length, as in `198.18.0.2/24`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrPrefix {
    /// The address.
    pub addr: IpAddr,
    /// The prefix length (0 to 32 for IPv4, 0 to 128 for IPv6).
    pub prefix: u8,
}

impl FromStr for AddrPrefix {
    type Err = String;

    /// Parses `ADDR/PREFIX` (a unicast address; whether the prefix leaves
    /// room for the kernel side is [`AddrPrefix::kernel_side`]'s question).
    fn from_str(s: &str) -> Result<Self, String> {
        let (a, p) = s
            .trim()
            .split_once('/')
            .ok_or("expected ADDR/PREFIX, e.g. 198.18.0.2/24")?;
        let addr: IpAddr = a
            .parse()
            .map_err(|_| format!("'{a}' is not an IPv4 or IPv6 address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => {
                return Err(format!(
                    "prefix length must be a whole number from 0 to {max}"
                ));
            }
        };
        let unicast = match addr {
            IpAddr::V4(a) => !(a.is_unspecified() || a.is_multicast() || a.is_broadcast()),
            IpAddr::V6(a) => !(a.is_unspecified() || a.is_multicast()),
        };
        if !unicast {
            return Err(format!("{addr} is not a unicast address"));
        }
        Ok(AddrPrefix { addr, prefix })
    }
}

impl fmt::Display for AddrPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl AddrPrefix {
    /// The address the kernel side of a device synack creates gets: the
    /// first usable address of the prefix that is not ours (see the module
    /// documentation). Fails for prefixes with no room or unusable addresses.
    pub fn kernel_side(&self) -> Result<IpAddr, String> {
        match self.addr {
            IpAddr::V4(a) => {
                if a.is_unspecified() || a.is_multicast() || a.is_broadcast() {
                    return Err(format!("{a} is not a unicast address"));
                }
                kernel_side_bits(u32::from(a).into(), self.prefix, 32)
                    .map(|v| IpAddr::V4(Ipv4Addr::from(v as u32)))
                    .map_err(|e| format!("{self}: {e}"))
            }
            IpAddr::V6(a) => {
                if a.is_unspecified() || a.is_multicast() || a.is_loopback() {
                    return Err(format!("{a} is not a unicast address"));
                }
                kernel_side_bits(u128::from(a), self.prefix, 128)
                    .map(|v| IpAddr::V6(Ipv6Addr::from(v)))
                    .map_err(|e| format!("{self}: {e}"))
            }
        }
    }
}

/// The kernel side's address as a number, for an address `a` of `bits` bits.
fn kernel_side_bits(a: u128, prefix: u8, bits: u8) -> Result<u128, &'static str> {
    let host_bits = bits - prefix;
    if host_bits == 0 {
        return Err("the prefix leaves no address for the kernel side");
    }
    if host_bits == 1 {
        // A point-to-point pair (/31 RFC 3021, /127 RFC 6164).
        return Ok(a ^ 1);
    }
    let host_mask = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let network = a & !host_mask;
    if a == network {
        return Err("the address is the prefix's network address");
    }
    if bits == 32 && a == network | host_mask {
        return Err("the address is the prefix's broadcast address");
    }
    let first = network + 1;
    Ok(if first == a { first + 1 } else { first })
}

/// Transmit queue length of a created device (the kernel's default for
/// TUN is 500 packets): the packets the kernel queues for synack to read.
/// 100 connections sending at once without offloads overflowed 500 (about
/// 4,000 drops in the lossy echo test, 800 with 4096); with offloads their
/// super-packets fit either way.
pub const TXQUEUELEN: usize = 4096;

/// Brings a device synack created up: sets its MTU and [`TXQUEUELEN`], gives the kernel side
/// `kernel`/`prefix` (which also routes the prefix into the device) and sets
/// the link up, with `ip` (iproute2).
pub fn configure_created(name: &str, mtu: usize, kernel: IpAddr, prefix: u8) -> Result<(), Error> {
    let mtu = mtu.to_string();
    let qlen = TXQUEUELEN.to_string();
    ip(
        name,
        &["link", "set", "dev", name, "mtu", &mtu, "txqueuelen", &qlen],
    )?;
    let addr = format!("{kernel}/{prefix}");
    if kernel.is_ipv4() {
        ip(name, &["-4", "addr", "add", &addr, "dev", name])?;
    } else {
        // No duplicate address detection: nobody else is on this link, and
        // DAD would hold the address back for a second or more.
        ip(name, &["-6", "addr", "add", &addr, "dev", name, "nodad"])?;
    }
    ip(name, &["link", "set", "dev", name, "up"])
}

/// Runs `ip ARGS`, turning failures into one-line errors.
fn ip(name: &str, args: &[&str]) -> Result<(), Error> {
    let fail = |why: String| Error::Setup(format!("cannot configure {name}: {why}"));
    let out = Command::new("ip").args(args).output().map_err(|e| {
        fail(match e.kind() {
            io::ErrorKind::NotFound => {
                "the 'ip' command (iproute2) is not installed or not on PATH".into()
            }
            _ => format!("cannot run 'ip': {e}"),
        })
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr.lines().map(str::trim).find(|l| !l.is_empty());
    Err(fail(format!(
        "'ip {}' failed: {}",
        args.join(" "),
        first.unwrap_or("no message")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kernel(s: &str) -> Result<String, String> {
        s.parse::<AddrPrefix>()?
            .kernel_side()
            .map(|a| a.to_string())
    }

    #[test]
    fn first_usable_address_that_is_not_ours() {
        assert_eq!(kernel("198.18.0.2/24").unwrap(), "198.18.0.1");
        assert_eq!(kernel("198.18.0.1/24").unwrap(), "198.18.0.2");
        assert_eq!(kernel("198.18.0.200/24").unwrap(), "198.18.0.1");
        assert_eq!(kernel("198.18.0.6/30").unwrap(), "198.18.0.5");
        assert_eq!(kernel("198.18.0.5/30").unwrap(), "198.18.0.6");
        assert_eq!(kernel("198.18.0.1/31").unwrap(), "198.18.0.0");
        assert_eq!(kernel("198.18.0.0/31").unwrap(), "198.18.0.1");
        assert_eq!(kernel("198.19.1.2/15").unwrap(), "198.18.0.1");
        assert_eq!(kernel("2001:db8::2/64").unwrap(), "2001:db8::1");
        assert_eq!(kernel("2001:db8::1/64").unwrap(), "2001:db8::2");
        assert_eq!(kernel("2001:db8::1/127").unwrap(), "2001:db8::");
        assert_eq!(kernel("2001:db8:0:1::abcd/48").unwrap(), "2001:db8::1");
        assert_eq!(kernel("2001:db8::5/0").unwrap(), "::1");
    }

    #[test]
    fn prefixes_without_room_or_bad_addresses_are_refused() {
        assert!(kernel("198.18.0.2/32").unwrap_err().contains("no address"));
        assert!(kernel("2001:db8::2/128").is_err());
        assert!(
            kernel("198.18.0.0/24")
                .unwrap_err()
                .contains("network address")
        );
        assert!(kernel("198.18.0.255/24").unwrap_err().contains("broadcast"));
        assert!(kernel("2001:db8::/64").is_err());
        assert!(kernel("0.0.0.0/8").is_err());
        assert!(kernel("224.0.0.1/24").is_err());
        assert!(kernel("198.18.0.2/33").unwrap_err().contains("0 to 32"));
        assert!(kernel("198.18.0.2").unwrap_err().contains("ADDR/PREFIX"));
        assert!(kernel("host/24").unwrap_err().contains("not an IPv4"));
        assert!(kernel("2001:db8::2/129").unwrap_err().contains("0 to 128"));
    }

    #[test]
    fn display_round_trips() {
        let a: AddrPrefix = "198.18.0.2/24".parse().unwrap();
        assert_eq!(a.to_string(), "198.18.0.2/24");
    }
}
