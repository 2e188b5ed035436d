//! Options of `synack serve`, `synack connect` and `synack get`.

use crate::args::{parse_loss, parse_mtu, parse_seed};
use clap::Args;
use core::net::SocketAddr;
use core::str::FromStr;
use std::path::PathBuf;
use synack_core::Ecn;
use synack_core::config::SynCookies;
use synack_tun::iface::AddrPrefix;

/// The options every command on a TUN device shares.
#[derive(Debug, Args)]
pub struct TunOpts {
    /// TUN device to use. If no interface of that name exists, synack
    /// creates it, brings it up and gives the kernel side the first other
    /// usable address of --addr's prefix; the device is removed on exit. An
    /// existing device is used as configured.
    #[arg(long, value_name = "NAME", value_parser = parse_ifname)]
    pub tun: String,
    /// The address synack owns on the device, with the prefix length, e.g.
    /// 198.18.0.2/24 (the kernel side of a created device then gets
    /// 198.18.0.1/24).
    #[arg(long, value_name = "ADDR/PREFIX", value_parser = parse_addr)]
    pub addr: AddrPrefix,
    /// Also write every packet that crosses the device, both ways, to FILE
    /// as a pcap (LINKTYPE_RAW, real timestamps).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Draw a live ladder diagram of every segment and state change on
    /// stderr.
    #[arg(long)]
    pub trace: bool,
    /// Drop this share of packets in each direction, in [0, 1) (a fault
    /// injector between the device and synack).
    #[arg(long, value_name = "P", default_value = "0", value_parser = parse_loss)]
    pub loss: f64,
    /// Seed of the fault injector (default: random; printed with --trace).
    #[arg(long, value_name = "N", value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Link MTU in bytes, 128 to 65535 (default 1500; for an existing
    /// device, its MTU).
    #[arg(long, value_name = "N", value_parser = parse_mtu)]
    pub mtu: Option<usize>,
    /// Turn the TUN offloads off (virtio-net header, checksum offload,
    /// TSO/GSO super-packets): every packet is then one wire-sized segment.
    /// --loss turns them off too, so that it drops wire-sized packets.
    #[arg(long)]
    pub no_offload: bool,
    /// Busy-poll the device for up to US microseconds after traffic before
    /// sleeping: fewer wake-ups for a sending kernel, one core spinning
    /// while traffic flows. Off by default.
    #[arg(long, value_name = "US", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub busy_poll: Option<u64>,
    /// Explicit Congestion Notification (RFC 3168): off, passive (answer
    /// a peer that asks, as Linux and FreeBSD do by default) or on (ask
    /// too).
    #[arg(long, value_name = "MODE", default_value = "off", value_parser = parse_ecn)]
    pub ecn: Ecn,
    /// RFC 5482's user timeout in seconds: a connection whose data stays
    /// unacknowledged this long (a silent peer) is aborted, whatever the
    /// retransmission count. Off by default.
    #[arg(long, value_name = "SECS", value_parser = parse_user_timeout)]
    pub user_timeout: Option<std::time::Duration>,
}

fn parse_user_timeout(s: &str) -> Result<std::time::Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 86_400.0 => Ok(std::time::Duration::from_secs_f64(v)),
        _ => Err("expected seconds, above 0 and at most 86400".into()),
    }
}

fn parse_ecn(s: &str) -> Result<Ecn, String> {
    match s {
        "off" => Ok(Ecn::Off),
        "passive" => Ok(Ecn::Passive),
        "on" => Ok(Ecn::On),
        _ => Err("expected off, passive or on".into()),
    }
}

/// Options of `synack serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The device and the common options.
    #[command(flatten)]
    pub tun: TunOpts,
    /// TCP port to listen on.
    #[arg(long, value_name = "P", value_parser = parse_port)]
    pub port: u16,
    /// What to do with each connection: echo (send everything back),
    /// discard (read everything; print peer, bytes and SHA-256 on stdout),
    /// source:BYTES (send BYTES bytes, then close), http:DIR (HTTP/1.1 GET
    /// and HEAD server for the files in DIR).
    #[arg(long, value_name = "MODE", value_parser = parse_mode)]
    pub mode: Mode,
    /// Exit (code 0) after N connections have completed; stop accepting
    /// after N.
    #[arg(long, value_name = "N", value_parser = parse_max_conns)]
    pub max_conns: Option<u64>,
    /// Room for N connections in the SYN and accept queues together.
    #[arg(long, value_name = "N", default_value = "1024", value_parser = clap::value_parser!(u16).range(1..))]
    pub backlog: u16,
    /// When to answer SYNs with SYN cookies (RFC 4987): off, when-needed
    /// (the embryonic connections fill the backlog), always.
    #[arg(long, value_name = "WHEN", default_value = "when-needed", value_parser = parse_syn_cookies)]
    pub syn_cookies: SynCookies,
}

fn parse_syn_cookies(s: &str) -> Result<SynCookies, String> {
    match s {
        "off" => Ok(SynCookies::Off),
        "when-needed" => Ok(SynCookies::WhenNeeded),
        "always" => Ok(SynCookies::Always),
        _ => Err("expected off, when-needed or always".into()),
    }
}

/// What `synack serve` does with a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Send every byte back.
    Echo,
    /// Read everything; report its length and SHA-256.
    Discard,
    /// Send this many bytes, then close.
    Source(u64),
    /// Serve the files under this directory over HTTP/1.1.
    Http(PathBuf),
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "echo" => return Ok(Mode::Echo),
            "discard" => return Ok(Mode::Discard),
            _ => {}
        }
        if let Some(n) = s.strip_prefix("source:") {
            return match n.trim().parse::<u64>() {
                Ok(n) => Ok(Mode::Source(n)),
                Err(_) => Err("source:BYTES needs a whole number of bytes".into()),
            };
        }
        if let Some(dir) = s.strip_prefix("http:") {
            if dir.is_empty() {
                return Err("http:DIR needs a directory".into());
            }
            return Ok(Mode::Http(PathBuf::from(dir)));
        }
        Err("expected echo, discard, source:BYTES or http:DIR".into())
    }
}

/// Options of `synack connect`.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The device and the common options.
    #[command(flatten)]
    pub tun: TunOpts,
    /// Where to connect: an IP address and a port (IPv6 in brackets:
    /// `[2001:db8::1]:80`).
    #[arg(value_name = "HOST:PORT", value_parser = parse_socket_addr)]
    pub remote: SocketAddr,
    /// Send the contents of FILE ('-': standard input), then half-close.
    /// Without it nothing is sent and the connection is half-closed at once.
    #[arg(long, value_name = "FILE")]
    pub send: Option<PathBuf>,
    /// Write the bytes received to FILE (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub recv: Option<PathBuf>,
}

/// Options of `synack get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The device and the common options.
    #[command(flatten)]
    pub tun: TunOpts,
    /// What to fetch: `http://HOST[:PORT]/PATH` with HOST an IP address
    /// (IPv6 in brackets).
    #[arg(value_name = "URL")]
    pub url: String,
    /// Write the body to FILE (default: standard output).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Options of `synack relay`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("upstream").required(true).args(["direct", "socks5"])))]
pub struct RelayArgs {
    /// The device and the common options.
    #[command(flatten)]
    pub tun: TunOpts,
    /// Relay connections to this prefix (repeatable; default: every
    /// destination). A device synack creates gets a route for each into it.
    #[arg(long, value_name = "PREFIX", value_parser = parse_prefix)]
    pub route: Vec<synack_core::Prefix>,
    /// Connect to each original destination directly, with a kernel socket
    /// bound to --bind-device (so the relay's own traffic does not loop
    /// back into the TUN device).
    #[arg(long, requires = "bind_device")]
    pub direct: bool,
    /// The interface the direct connections leave by (SO_BINDTODEVICE).
    #[arg(long, value_name = "IFACE", value_parser = parse_ifname)]
    pub bind_device: Option<String>,
    /// Connect through this SOCKS5 proxy (RFC 1928 CONNECT, no
    /// authentication).
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_socket_addr)]
    pub socks5: Option<SocketAddr>,
    /// Give up on an upstream that has not answered after this many
    /// seconds: the client's SYN then stays unanswered, as behind a dead
    /// network.
    #[arg(long, value_name = "S", default_value = "10", value_parser = parse_seconds)]
    pub connect_timeout: u64,
    /// No line per connection on stderr.
    #[arg(long)]
    pub quiet: bool,
}

fn parse_prefix(s: &str) -> Result<synack_core::Prefix, String> {
    s.parse()
        .map_err(|e: synack_core::endpoint::filter::PrefixParseError| e.to_string())
}

fn parse_seconds(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (1..=3600).contains(&n) => Ok(n),
        _ => Err("must be a whole number of seconds from 1 to 3600".into()),
    }
}

fn parse_ifname(s: &str) -> Result<String, String> {
    synack_tun::check_name(s).map_err(|why| format!("not an interface name: {why}"))?;
    Ok(s.to_string())
}

fn parse_addr(s: &str) -> Result<AddrPrefix, String> {
    s.parse()
}

fn parse_port(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err("must be a port number from 1 to 65535".into()),
    }
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
}

fn parse_max_conns(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("must be a whole number from 1".into()),
    }
}

fn parse_socket_addr(s: &str) -> Result<SocketAddr, String> {
    let addr: SocketAddr = s.trim().parse().map_err(|_| {
        "expected IP:PORT, e.g. 198.18.0.1:80 or [2001:db8::1]:80 (no host names: synack does no DNS)"
            .to_string()
    })?;
    if addr.port() == 0 {
        return Err("the port must be from 1 to 65535".into());
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!("echo".parse::<Mode>(), Ok(Mode::Echo));
        assert_eq!("discard".parse::<Mode>(), Ok(Mode::Discard));
        assert_eq!("source:1000".parse::<Mode>(), Ok(Mode::Source(1000)));
        assert_eq!(
            "http:/srv/www".parse::<Mode>(),
            Ok(Mode::Http(PathBuf::from("/srv/www")))
        );
        assert!("source:x".parse::<Mode>().is_err());
        assert!("http:".parse::<Mode>().is_err());
        assert!("chargen".parse::<Mode>().is_err());
    }

    #[test]
    fn addresses() {
        assert!(parse_socket_addr("198.18.0.1:80").is_ok());
        assert!(parse_socket_addr("[2001:db8::1]:80").is_ok());
        assert!(parse_socket_addr("example.com:80").is_err());
        assert!(parse_socket_addr("198.18.0.1:0").is_err());
        assert!(parse_port("0").is_err());
        assert!(parse_ifname("tun0").is_ok());
        assert!(parse_ifname("way-too-long-name0").is_err());
    }
}
