//! Command-line arguments (clap derive) and their validation.
//!
//! Values are checked by small parsers that explain what is expected, and
//! clap's errors are folded into one line by [`one_line_error`].

use crate::demo::scenarios::Scenario;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use synack_view::Lang;

/// synack: a userspace TCP/IP stack in Rust.
#[derive(Debug, Parser)]
#[command(name = "synack", version, about, allow_negative_numbers = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a TCP connection's life in the simulator as a ladder diagram.
    Demo(DemoArgs),
    /// Measure throughput or connection churn (JSON figures).
    Bench {
        /// Which benchmark.
        #[command(subcommand)]
        which: BenchCommand,
    },
    /// Serve TCP on a TUN device (echo, discard, source, http) until Ctrl-C.
    Serve(crate::net::args::ServeArgs),
    /// Open one TCP connection over a TUN device: send a file, receive.
    Connect(crate::net::args::ConnectArgs),
    /// Fetch a URL with HTTP/1.1 GET over a TUN device.
    Get(crate::net::args::GetArgs),
    /// Relay every TCP connection entering a TUN device to its destination
    /// (direct or through SOCKS5), as tun2socks does.
    Relay(crate::net::args::RelayArgs),
    /// Run packetdrill scripts against synack in virtual time.
    Script(ScriptArgs),
    /// Explain the TCP connections in a pcap or pcapng capture.
    Analyze(AnalyzeArgs),
}

/// Options of `synack analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The capture (pcap or pcapng).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// One JSON object per connection (and one for the capture) instead of
    /// ladders.
    #[arg(long)]
    pub json: bool,
    /// Only connection N (numbered from 1 in order of first packet).
    #[arg(long, value_name = "N", value_parser = parse_conn)]
    pub conn: Option<u64>,
    /// Only the connections EXPR picks: terms that must all hold, `port N`,
    /// `host ADDR`, `rst`, `retransmissions`, `open`, each may follow
    /// `not` (e.g. "port 80 and not rst").
    #[arg(long, value_name = "EXPR", value_parser = parse_filter)]
    pub filter: Option<synack_analyze::Filter>,
    /// Language of the explanations: en or zh.
    #[arg(long, value_name = "LANG", default_value = "en", value_parser = parse_lang)]
    pub lang: Lang,
    /// Absolute sequence numbers on the ladder instead of relative ones.
    #[arg(long)]
    pub absolute: bool,
    /// Ordinary segments drawn per connection (segments with something to
    /// say get as many again); the summary counts all.
    #[arg(long, value_name = "N", default_value = "500", value_parser = parse_rows)]
    pub rows: usize,
    /// Write one self-contained HTML page to FILE (SVG ladders, notes and
    /// summaries in both languages) instead of the ladders.
    #[arg(long, value_name = "FILE", conflicts_with = "json")]
    pub html: Option<PathBuf>,
}

/// Options of `synack script`.
#[derive(Debug, Args)]
pub struct ScriptArgs {
    /// Scripts to run (`.pkt` files, or directories searched for them).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Compare every field of outbound segments (window-scale and TSval
    /// values, option layout, no unexpected options).
    #[arg(long)]
    pub strict: bool,
    /// One JSON object per script instead of text.
    #[arg(long)]
    pub json: bool,
    /// Run with synack's own default configuration instead of the
    /// personality's (the scripts' sysctls still apply).
    #[arg(long)]
    pub native: bool,
    /// The TCP the scripts were written against: `freebsd` (the FreeBSD
    /// TCP test suite, the default) or `linux` (Google's packetdrill
    /// tests: Linux's defaults, set-up commands and constants).
    #[arg(long, value_name = "OS", default_value = "freebsd", value_parser = parse_personality)]
    pub personality: synack_script::Personality,
    /// Keep `#ifdef NAME` blocks (repeatable; default STANDARD, the
    /// RFC-conformant alternative of the FreeBSD suite).
    #[arg(long = "define", value_name = "NAME")]
    pub defines: Vec<String>,
    /// Print passing scripts too (text output).
    #[arg(long, short)]
    pub verbose: bool,
}

/// Options of `synack demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Scenario: normal, lossy, simultaneous-open, simultaneous-close,
    /// half-close, reset, refused, syn-timeout, delayed-duplicate-syn.
    #[arg(long, value_name = "NAME", default_value = "normal", value_parser = parse_scenario)]
    pub scenario: Scenario,
    /// Probability that the link loses a packet, in [0, 1) (default 0; 0.25
    /// for the lossy scenario).
    #[arg(long, value_name = "P", value_parser = parse_loss)]
    pub loss: Option<f64>,
    /// Seed of the simulation's random numbers (default 1; the lossy
    /// scenario picks one that shows a data retransmission).
    #[arg(long, value_name = "N", value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Bytes of application data each way (default: about three segments).
    #[arg(long, value_name = "N", value_parser = parse_demo_bytes)]
    pub bytes: Option<usize>,
    /// Round-trip time in milliseconds (each direction takes half).
    #[arg(long, value_name = "MS", default_value = "20", value_parser = parse_rtt)]
    pub rtt: u64,
    /// Also write every packet to FILE as a pcap (LINKTYPE_RAW).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// Also write the run as one self-contained HTML page (the ladder as
    /// SVG, states, notes in both languages; what `analyze --html` makes
    /// of the run's packets).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Print the trace as JSON lines instead of the ladder diagram.
    #[arg(long)]
    pub json: bool,
    /// Language of the explanations: en or zh.
    #[arg(long, value_name = "LANG", default_value = "en", value_parser = parse_lang)]
    pub lang: Lang,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// One connection moving N bytes over an in-memory link.
    Bulk(BulkArgs),
    /// Many short connections, one after another.
    Churn(ChurnArgs),
    /// N established idle connections: memory per connection, time to
    /// establish them, churn beside them.
    Scale(ScaleArgs),
    /// A SYN flood from spoofed sources while clients connect, once per
    /// SYN cookie mode (in memory, virtual time).
    Synflood(SynFloodArgs),
    /// One connection each way between a Linux socket and synack over a TUN
    /// device in a private network namespace (needs root).
    Tun(TunArgs),
    /// The tun2socks path: a kernel client, a TUN device, a relay, a kernel
    /// server in another namespace; synack's relay, ipstack's and the kernel
    /// alone in one run (needs root).
    Relay(RelayBenchArgs),
    /// Two synack hosts in the simulator over a lossy link with a given
    /// RTT: goodput against the Mathis bound (MSS/RTT * 1.22/sqrt(p)).
    Lossy(LossyArgs),
}

/// Options of `synack bench bulk`.
#[derive(Debug, Args)]
pub struct BulkArgs {
    /// Bytes the client sends.
    #[arg(long, value_name = "N", value_parser = parse_bench_bytes)]
    pub bytes: u64,
    /// Link MTU in bytes (128 to 65535).
    #[arg(long, value_name = "M", value_parser = parse_mtu)]
    pub mtu: usize,
    /// Send and receive buffer size in bytes (1024 to 1073741824).
    #[arg(long, value_name = "B", default_value = "262144", value_parser = parse_buffer)]
    pub buffer: usize,
    /// Print one JSON line.
    #[arg(long)]
    pub json: bool,
    /// Also run smoltcp 0.14 on the same workload in the same run, and
    /// print the ratio.
    #[arg(long)]
    pub compare: bool,
}

/// Options of `synack bench churn`.
#[derive(Debug, Args)]
pub struct ChurnArgs {
    /// Connections to open, use and close one after another.
    #[arg(long, value_name = "N", value_parser = parse_connections)]
    pub connections: u64,
    /// Connections established first and left open while the others churn.
    #[arg(long, value_name = "K", default_value = "0", value_parser = parse_idle)]
    pub idle: u64,
    /// Print one JSON line.
    #[arg(long)]
    pub json: bool,
    /// Also run smoltcp 0.14 on the same workload in the same run, and
    /// print the ratio.
    #[arg(long)]
    pub compare: bool,
}

/// Options of `synack bench scale`.
#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// Idle connections to establish (1 to 1000000).
    #[arg(long, value_name = "N", value_parser = parse_scale)]
    pub connections: u64,
    /// Short connections to churn, alone and then beside the idle ones.
    #[arg(long, value_name = "M", default_value = "20000", value_parser = parse_connections)]
    pub churn: u64,
    /// Print one JSON line.
    #[arg(long)]
    pub json: bool,
}

/// Options of `synack bench synflood`.
#[derive(Debug, Args)]
pub struct SynFloodArgs {
    /// Spoofed SYNs per second of virtual time.
    #[arg(long, value_name = "N", default_value = "100000", value_parser = clap::value_parser!(u64).range(1000..=10_000_000))]
    pub rate: u64,
    /// Seconds of flood (virtual).
    #[arg(long, value_name = "S", default_value = "10", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub seconds: u64,
    /// Legitimate clients connecting during the flood.
    #[arg(long, value_name = "N", default_value = "100", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub clients: u64,
    /// The listener's backlog.
    #[arg(long, value_name = "N", default_value = "128", value_parser = clap::value_parser!(u16).range(1..))]
    pub backlog: u16,
    /// Print one JSON line per mode.
    #[arg(long)]
    pub json: bool,
}

/// Options of `synack bench tun`.
#[derive(Debug, Args)]
pub struct TunArgs {
    /// Bytes moved each way.
    #[arg(long, value_name = "N", value_parser = parse_bench_bytes)]
    pub bytes: u64,
    /// Print one JSON line per direction.
    #[arg(long)]
    pub json: bool,
    /// Measure without the TUN offloads (one wire-sized segment per
    /// packet).
    #[arg(long)]
    pub no_offload: bool,
    /// Busy-poll synack's TUN device for up to US microseconds after
    /// traffic before sleeping (see `serve --busy-poll`). Off by default.
    #[arg(long, value_name = "US", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub busy_poll: Option<u64>,
    /// Also measure smoltcp 0.14 on the same workload and the kernel to
    /// itself over a veth pair, in the same run, and print the ratios.
    #[arg(long)]
    pub compare: bool,
    /// The kernel's TCP congestion control in the bench namespaces (one of
    /// net.ipv4.tcp_allowed_congestion_control); default: the host's.
    #[arg(long, value_name = "NAME")]
    pub cc: Option<String>,
    /// Which synack API runs the workload: sync (the blocking TUN driver
    /// and the endpoint's own calls), async (the tokio API: TcpListener,
    /// TcpStream, one driver task), or both, one after the other, with the
    /// ratio.
    #[arg(long, value_name = "API", default_value = "sync", value_parser = ["sync", "async", "both"])]
    pub api: String,
    /// The tokio runtime of `--api async`: multi-thread (tokio's default,
    /// a worker per core) or current-thread (one thread for every task).
    #[arg(long, value_name = "FLAVOR", default_value = "multi-thread", value_parser = ["multi-thread", "current-thread"])]
    pub runtime: String,
    /// Drop this share of TCP packets in each direction, for every stack
    /// alike: an nftables rule in the bench namespace (`numgen random`), with
    /// segmentation offloads off on every device so each drop is one
    /// wire-sized segment (synack then runs without its TUN offloads).
    #[arg(long, value_name = "P", default_value = "0", value_parser = parse_loss)]
    pub loss: f64,
    /// Internal: the part that runs inside the namespace (set by the outer
    /// run, which re-executes synack with `ip netns exec`).
    #[arg(long, hide = true)]
    pub inside: bool,
    /// Internal: the namespace at the far end of the veth pair.
    #[arg(long, hide = true, value_name = "NS")]
    pub peer_ns: Option<String>,
    /// Internal: the kernel reader of the veth reference (runs in the far
    /// namespace).
    #[arg(long, hide = true)]
    pub kernel_sink: bool,
}

/// Options of `synack bench relay`.
#[derive(Debug, Args)]
pub struct RelayBenchArgs {
    /// Bytes moved each way.
    #[arg(long, value_name = "N", value_parser = parse_bench_bytes)]
    pub bytes: u64,
    /// Print one JSON line per figure.
    #[arg(long)]
    pub json: bool,
    /// Internal: the part that runs in the client's namespace.
    #[arg(long, hide = true)]
    pub inside: bool,
    /// Internal: the servers (in the far namespace).
    #[arg(long, hide = true)]
    pub servers: bool,
}

/// Options of `synack bench lossy`.
#[derive(Debug, Args)]
pub struct LossyArgs {
    /// Share of packets lost in each direction, in (0, 1).
    #[arg(long, value_name = "P", default_value = "0.01", value_parser = parse_loss)]
    pub loss: f64,
    /// Round-trip time of the link in milliseconds (half each way).
    #[arg(long, value_name = "MS", default_value = "20", value_parser = parse_rtt)]
    pub rtt: u64,
    /// Bytes the client sends.
    #[arg(long, value_name = "N", default_value = "67108864", value_parser = parse_bench_bytes)]
    pub bytes: u64,
    /// Link rate in Mbit/s, each direction; socket buffers are sized to
    /// twice the bandwidth-delay product.
    #[arg(long, value_name = "MBIT", default_value = "1000", value_parser = parse_rate)]
    pub rate: u64,
    /// Link MTU in bytes (128 to 65535).
    #[arg(long, value_name = "M", default_value = "1500", value_parser = parse_mtu)]
    pub mtu: usize,
    /// Congestion control of the sender.
    #[arg(long, value_name = "NAME", default_value = "cubic", value_parser = ["cubic", "newreno"])]
    pub cc: String,
    /// Loss recovery as before SACK was used: no RFC 6675 scoreboard, no
    /// RACK, no tail loss probes (NewReno's one hole per round trip), for
    /// comparison.
    #[arg(long)]
    pub no_sack_recovery: bool,
    /// Seed of the simulation's first run.
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_seed)]
    pub seed: u64,
    /// Runs with seeds SEED, SEED+1, ...; the median goodput is reported.
    #[arg(long, value_name = "K", default_value = "3", value_parser = parse_runs)]
    pub runs: u64,
    /// Run the documented sweep instead: loss 0.1%, 1%, 5%, 10% by RTT 1,
    /// 20, 100 ms (--loss and --rtt are then ignored).
    #[arg(long)]
    pub sweep: bool,
    /// Print one JSON line per configuration.
    #[arg(long)]
    pub json: bool,
}

fn parse_rate(s: &str) -> Result<u64, String> {
    parse_range(s, 1, 100_000, "a whole number of Mbit/s")
}

fn parse_runs(s: &str) -> Result<u64, String> {
    parse_range(s, 1, 100, "a whole number")
}

fn parse_scenario(s: &str) -> Result<Scenario, String> {
    s.parse()
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse()
}

fn parse_conn(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("must be a connection number, 1 or more".into()),
    }
}

fn parse_filter(s: &str) -> Result<synack_analyze::Filter, String> {
    synack_analyze::Filter::parse(s)
}

fn parse_rows(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n <= 10_000_000 => Ok(n),
        _ => Err("must be a number of rows up to 10000000".into()),
    }
}

pub(crate) fn parse_loss(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if (0.0..1.0).contains(&p) => Ok(p),
        _ => Err("must be a number in [0, 1)".into()),
    }
}

pub(crate) fn parse_seed(s: &str) -> Result<u64, String> {
    s.trim()
        .parse()
        .map_err(|_| "must be a whole number from 0 to 18446744073709551615".into())
}

fn parse_range(s: &str, lo: u64, hi: u64, what: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(format!("must be {what} from {lo} to {hi}")),
    }
}

fn parse_demo_bytes(s: &str) -> Result<usize, String> {
    // The demo draws every segment: keep it readable.
    parse_range(s, 1, 1_000_000, "a whole number of bytes").map(|n| n as usize)
}

fn parse_rtt(s: &str) -> Result<u64, String> {
    parse_range(s, 1, 60_000, "a whole number of milliseconds")
}

fn parse_bench_bytes(s: &str) -> Result<u64, String> {
    parse_range(s, 1, 1 << 50, "a whole number of bytes")
}

pub(crate) fn parse_mtu(s: &str) -> Result<usize, String> {
    parse_range(s, 128, 65535, "a whole number of bytes").map(|n| n as usize)
}

fn parse_buffer(s: &str) -> Result<usize, String> {
    parse_range(s, 1024, 1 << 30, "a whole number of bytes").map(|n| n as usize)
}

fn parse_connections(s: &str) -> Result<u64, String> {
    parse_range(s, 1, 100_000_000, "a whole number")
}

fn parse_scale(s: &str) -> Result<u64, String> {
    parse_range(s, 1, 1_000_000, "a whole number")
}

fn parse_idle(s: &str) -> Result<u64, String> {
    parse_range(s, 0, 1_000_000, "a whole number")
}

/// Renders a clap error as one line: `synack: <what went wrong>; try
/// 'synack --help'`, with clap's tip (a similar argument) folded in.
pub fn one_line_error(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("invalid arguments");
    let mut msg = first.strip_prefix("error: ").unwrap_or(first).to_string();
    // "the following required arguments were not provided:" lists them on
    // the next lines: fold the list in.
    let listing = msg.ends_with(':');
    let mut listed = Vec::new();
    for line in lines {
        if let Some(tip) = line.strip_prefix("tip: ") {
            msg.push_str(&format!(" ({tip})"));
        } else if listing && (line.starts_with('-') || line.starts_with('<')) {
            listed.push(line.to_string());
        }
    }
    if listing && !listed.is_empty() {
        msg = format!("{} {}", msg, listed.join(", "));
    }
    format!("synack: {}; try 'synack --help'", tidy_arg_names(&msg))
}

/// `'--loss <P>'` → `--loss`: the value name adds nothing on one line.
fn tidy_arg_names(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(start) = rest.find("'--") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('\'') {
            Some(end) => {
                let inner = &after[..end];
                let name = inner.split(' ').next().unwrap_or(inner);
                if inner.contains(" <") {
                    out.push_str(name);
                } else {
                    out.push('\'');
                    out.push_str(inner);
                    out.push('\'');
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `freebsd` or `linux`.
fn parse_personality(s: &str) -> Result<synack_script::Personality, String> {
    match s {
        "freebsd" => Ok(synack_script::Personality::FreeBsd),
        "linux" => Ok(synack_script::Personality::Linux),
        _ => Err(format!("unknown personality `{s}` (freebsd or linux)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_bounds() {
        assert_eq!(parse_loss("0"), Ok(0.0));
        assert_eq!(parse_loss("0.5"), Ok(0.5));
        assert!(parse_loss("1").is_err());
        assert!(parse_loss("-0.1").is_err());
        assert!(parse_loss("NaN").is_err());
        assert!(parse_loss("x").is_err());
    }

    #[test]
    fn errors_fit_on_one_line() {
        let err = Cli::try_parse_from(["synack", "demo", "--loss", "x"]).unwrap_err();
        let line = one_line_error(&err);
        assert_eq!(
            line,
            "synack: invalid value 'x' for --loss: must be a number in [0, 1); try 'synack --help'"
        );
        let err = Cli::try_parse_from(["synack", "bench", "bulk", "--bytes", "1"]).unwrap_err();
        let line = one_line_error(&err);
        assert!(line.contains("not provided: --mtu"), "{line}");
        let err = Cli::try_parse_from(["synack", "demo", "--los", "1"]).unwrap_err();
        let line = one_line_error(&err);
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("--los"), "{line}");
    }
}
