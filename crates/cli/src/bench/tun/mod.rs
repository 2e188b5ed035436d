//! `bench tun`: one connection each way between a Linux kernel socket and
//! synack over a TUN device, in a private network namespace; with
//! `--compare`, smoltcp and the kernel itself on the same workload in the
//! same run, and the ratios.
//!
//! The workload, to be reproduced exactly by other stacks: a fresh network
//! namespace; synack creates the TUN device `synack0` (MTU 1500) and owns
//! 198.18.0.2/24, the kernel side gets 198.18.0.1/24 (as `synack serve`
//! does). Socket buffers are synack's defaults and the kernel's defaults
//! (autotuning); the kernel's congestion control is the host's default
//! unless `--cc` names another (set in the namespace only). Applications
//! read and write 64 KiB at a time.
//!
//! - `linux_to_synack`: a kernel socket connects to synack's port 5001 and
//!   writes N bytes; synack reads them. The clock runs from synack's accept
//!   until synack has read all N bytes.
//! - `synack_to_linux`: synack connects to a kernel listener on
//!   198.18.0.1:5002 and writes N bytes; the kernel socket reads them. The
//!   clock runs from the kernel's accept until it has read all N bytes.
//! - with `--compare`: `linux_to_smoltcp` and `smoltcp_to_linux` the same
//!   way ([`smoltcp`]), and `linux_to_linux`, the kernel to itself over a
//!   veth pair into a second namespace ([`kernel`]).
//!
//! Every reader checks every byte (byte i of a stream is `i % 251`).
//!
//! The command needs root and /dev/net/tun. It creates the namespace
//! `synack-bench-<pid>` (and `synack-bench-<pid>-peer` for the veth
//! reference), runs itself inside it (`ip netns exec`) with the hidden
//! option `--inside`, and deletes the namespaces afterwards. The kernel
//! side runs on a thread of that inner process, so both share the
//! machine's cores like any client and server on one host.

mod kernel;
mod smoltcp;
mod synack;
mod tokio_api;

use super::netns::{Netns, check_privileges, drop_tcp_ingress, segment_in_kernel};
use super::round;
use crate::args::TunArgs;
use crate::net::Session;
use crate::net::args::TunOpts;
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;

/// Application buffers.
pub(crate) const APP_BUF: usize = 64 * 1024;
/// Pattern period (prime, so it does not line up with buffer sizes).
pub(crate) const PERIOD: usize = 251;
/// Give up when a direction makes no progress for this long.
const STALL: Duration = Duration::from_secs(20);

/// One direction's figures.
struct Measured {
    stack: &'static str,
    direction: &'static str,
    bytes: u64,
    seconds: f64,
    /// Whether the stack used the TUN offloads (smoltcp has none; the
    /// kernel over veth uses its usual ones).
    offloads: bool,
    /// synack only: sleeps its driver avoided by busy polling.
    busy_poll_hits: Option<u64>,
}

impl Measured {
    fn gbit_per_s(&self) -> f64 {
        self.bytes as f64 * 8.0 / self.seconds.max(1e-9) / 1e9
    }
}

/// Runs the benchmark: outside the namespace, sets it up and runs the
/// inner part in it; inside, measures.
pub fn run(a: &TunArgs) -> Result<ExitCode, String> {
    if a.kernel_sink {
        kernel::sink(a.bytes)?;
        return Ok(ExitCode::SUCCESS);
    }
    if a.inside {
        return inside(a);
    }
    if let Err(msg) = check_privileges() {
        eprintln!("synack: {msg}");
        return Ok(ExitCode::from(2));
    }
    Netns::remove_stale();
    let mut ns = Netns::create("")?;
    let peer = if a.compare {
        let peer = Netns::create("-peer")?;
        ns.veth_to(&peer, kernel::VETH_HERE, kernel::VETH_THERE, 24)?;
        Some(peer)
    } else {
        None
    };
    if a.loss > 0.0
        && let Some(p) = &peer
    {
        // The kernel to itself: each end's ingress drops a share of what
        // arrives, after the wire, where the sender cannot see it (a drop
        // on the sender's own output path is reported back to its TCP,
        // which then simply sends again). Wire-sized segments only.
        segment_in_kernel(Some(ns.name()), "veth-bench")?;
        segment_in_kernel(Some(p.name()), "veth-peer")?;
        drop_tcp_ingress(ns.name(), "veth-bench", a.loss)?;
        drop_tcp_ingress(p.name(), "veth-peer", a.loss)?;
    }
    if let Some(cc) = &a.cc {
        ns.set_congestion_control(cc)?;
        if let Some(p) = &peer {
            p.set_congestion_control(cc)?;
        }
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find synack itself: {e}"))?;
    let bytes = a.bytes.to_string();
    let loss = a.loss.to_string();
    let mut args = vec![
        "bench",
        "tun",
        "--bytes",
        bytes.as_str(),
        "--inside",
        "--loss",
        loss.as_str(),
    ];
    if a.json {
        args.push("--json");
    }
    if a.no_offload {
        args.push("--no-offload");
    }
    if let Some(p) = &peer {
        args.extend(["--compare", "--peer-ns", p.name()]);
    }
    args.extend(["--api", a.api.as_str(), "--runtime", a.runtime.as_str()]);
    let busy = a.busy_poll.map(|us| us.to_string());
    if let Some(us) = &busy {
        args.extend(["--busy-poll", us.as_str()]);
    }
    // Generous: setup, then every direction at 10 MB/s or better (with
    // --compare also smoltcp's two and the kernel's one).
    let apis = if a.api == "both" { 2 } else { 1 };
    let directions = 2 * apis * synack_modes(a).len() as u64 + if a.compare { 3 } else { 0 };
    // Under loss, at 1 MB/s or better.
    let rate = if a.loss > 0.0 { 1_000_000 } else { 10_000_000 };
    let limit = Duration::from_secs(60 + directions * a.bytes / rate);
    let status = ns.run(&exe, &args, limit)?;
    drop(ns);
    drop(peer);
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

/// Whether each of synack's runs uses the offloads: with `--compare` it
/// runs once more without them, the way smoltcp runs (unless
/// `--no-offload` or `--loss` already asked for that alone).
fn synack_modes(a: &TunArgs) -> &'static [bool] {
    match (a.no_offload || a.loss > 0.0, a.compare) {
        (true, _) => &[false],
        (false, true) => &[true, false],
        (false, false) => &[true],
    }
}

pub(crate) fn pattern() -> Vec<u8> {
    (0..APP_BUF + PERIOD).map(|i| (i % PERIOD) as u8).collect()
}

/// Checks `data`, the stream's bytes from offset `off`, against the
/// pattern `pat` (from [`pattern`]): every byte is compared, a slice at a
/// time (a division per byte made the check itself the bottleneck).
pub(crate) fn matches(pat: &[u8], data: &[u8], off: u64) -> bool {
    let mut off = off;
    data.chunks(APP_BUF).all(|chunk| {
        let start = (off % PERIOD as u64) as usize;
        off += chunk.len() as u64;
        chunk == &pat[start..start + chunk.len()]
    })
}

/// The kernel's congestion control in this namespace.
fn congestion_control() -> String {
    std::fs::read_to_string("/proc/sys/net/ipv4/tcp_congestion_control")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

fn print(a: &TunArgs, m: &Measured, cc: &str) {
    if a.json {
        let v = json!({
            "bench": "tun",
            "stack": m.stack,
            "direction": m.direction,
            "bytes": m.bytes,
            "mtu": 1500,
            "offloads": m.offloads,
            "loss": a.loss,
            "kernel_cc": cc,
            "busy_poll_us": if m.stack == "synack" { a.busy_poll } else { None },
            "busy_poll_hits": m.busy_poll_hits,
            "runtime": (m.stack == "synack-async").then_some(a.runtime.as_str()),
            "seconds": round(m.seconds, 6),
            "gbit_per_s": round(m.gbit_per_s(), 3),
        });
        println!("{v}");
    } else {
        println!(
            "tun {}{}{}: {} bytes, MTU 1500: {:.6} s, {:.3} Gbit/s",
            m.direction,
            if m.offloads { "" } else { " (no offloads)" },
            if a.loss > 0.0 {
                format!(" ({}% loss)", a.loss * 100.0)
            } else {
                String::new()
            },
            m.bytes,
            m.seconds,
            m.gbit_per_s()
        );
    }
}

/// A peer's direction that did not complete (under `--loss`).
fn print_failed(a: &TunArgs, direction: &str, why: &str) {
    if a.json {
        let v = json!({
            "bench": "tun",
            "stack": "smoltcp",
            "direction": direction,
            "loss": a.loss,
            "bytes": a.bytes,
            "failed": why,
        });
        println!("{v}");
    } else {
        println!("tun {direction} ({}% loss): failed: {why}", a.loss * 100.0);
    }
}

/// The ratios `--compare` reports: each synack figure (with and without
/// the offloads) over smoltcp's in the same direction and over the
/// kernel's own veth figure. Keys: `DIRECTION[_no_offload]_over_OTHER`.
fn ratios(all: &[Measured]) -> Vec<(String, f64)> {
    let gbit = |d: &str| {
        all.iter()
            .find(|m| m.direction == d)
            .map(Measured::gbit_per_s)
    };
    let mut rows = Vec::new();
    for m in all.iter().filter(|m| m.stack == "synack") {
        let smoltcp = match m.direction {
            "linux_to_synack" => "linux_to_smoltcp",
            _ => "smoltcp_to_linux",
        };
        let suffix = if m.offloads { "" } else { "_no_offload" };
        for other in [smoltcp, "linux_to_linux"] {
            // No figure for the other (it stalled): no ratio.
            if let Some(y) = gbit(other).filter(|&y| y > 0.0) {
                rows.push((
                    format!("{}{suffix}_over_{other}", m.direction),
                    round(m.gbit_per_s() / y, 2),
                ));
            }
        }
    }
    rows
}

fn print_ratios(a: &TunArgs, all: &[Measured], cc: &str) {
    let rows = ratios(all);
    if a.json {
        let mut v = json!({ "bench": "tun", "ratios": {}, "kernel_cc": cc });
        for (k, r) in rows {
            v["ratios"][k] = json!(r);
        }
        println!("{v}");
    } else {
        println!("ratios (kernel congestion control {cc}):");
        for (k, r) in rows {
            println!("  {k}: {r:.2}");
        }
    }
}

/// `--api both`: the tokio API's figure over the blocking driver's, per
/// direction and offload mode (`async_over_sync_DIRECTION[_no_offload]`).
fn print_api_ratios(a: &TunArgs, all: &[Measured]) {
    let mut rows = Vec::new();
    for m in all.iter().filter(|m| m.stack == "synack-async") {
        let Some(sync) = all.iter().find(|s| {
            s.stack == "synack" && s.direction == m.direction && s.offloads == m.offloads
        }) else {
            continue;
        };
        let suffix = if m.offloads { "" } else { "_no_offload" };
        let r = round(m.gbit_per_s() / sync.gbit_per_s().max(1e-9), 2);
        rows.push((format!("async_over_sync_{}{suffix}", m.direction), r));
    }
    if a.json {
        let mut v = json!({ "bench": "tun", "api_ratios": {} });
        for (k, r) in rows {
            v["api_ratios"][k] = json!(r);
        }
        println!("{v}");
    } else {
        println!("tokio API over the blocking driver:");
        for (k, r) in rows {
            println!("  {k}: {r:.2}");
        }
    }
}

/// The part inside the namespace.
fn inside(a: &TunArgs) -> Result<ExitCode, String> {
    let cc = congestion_control();
    let addr = format!("{}/24", synack::SYNACK)
        .parse()
        .map_err(|e: String| e.to_string())?;
    let mut all = Vec::new();
    for &offloads in synack_modes(a) {
        let opts = TunOpts {
            tun: "synack0".into(),
            addr,
            pcap: None,
            trace: false,
            // synack's own fault injector, between the device and the
            // endpoint: both directions, invisible to the kernel's sender.
            loss: a.loss,
            seed: None,
            mtu: Some(1500),
            no_offload: !offloads,
            busy_poll: a.busy_poll,
            ecn: synack_core::Ecn::Off,
            user_timeout: None,
        };
        if a.api != "async" {
            let mut session = match Session::open(&opts, "bench tun") {
                Ok(s) => s,
                Err(crate::net::Failure::Setup(m) | crate::net::Failure::Run(m)) => return Err(m),
            };
            for mut m in [
                synack::linux_to_synack(&mut session, a.bytes)?,
                synack::synack_to_linux(&mut session, a.bytes)?,
            ] {
                m.offloads = offloads;
                print(a, &m, &cc);
                all.push(m);
            }
        }
        if a.api != "sync" {
            for mut m in tokio_api::both(&opts, a.bytes, a.runtime == "current-thread")? {
                m.offloads = offloads;
                print(a, &m, &cc);
                all.push(m);
            }
        }
    }
    if a.api == "both" {
        print_api_ratios(a, &all);
    }
    if a.compare {
        let peer = a
            .peer_ns
            .as_deref()
            .ok_or("--compare needs the veth peer's namespace")?;
        let mut peers = Vec::new();
        match smoltcp::drop_percent(a.loss) {
            Some(pct) => {
                // Under loss a peer that stalls is a result, not a failure
                // of the run: it is reported and has no figure.
                for (direction, r) in [
                    ("linux_to_smoltcp", smoltcp::linux_to_smoltcp(a.bytes, pct)),
                    ("smoltcp_to_linux", smoltcp::smoltcp_to_linux(a.bytes, pct)),
                ] {
                    match r {
                        Ok(m) => peers.push(m),
                        Err(e) if a.loss > 0.0 => print_failed(a, direction, &e),
                        Err(e) => return Err(e),
                    }
                }
            }
            None => eprintln!(
                "synack: bench tun: smoltcp not measured: its fault injector takes whole \
                 percents, not --loss {}",
                a.loss
            ),
        }
        peers.push(kernel::linux_to_linux(peer, a.bytes)?);
        for m in peers {
            print(a, &m, &cc);
            all.push(m);
        }
        print_ratios(a, &all, &cc);
    }
    Ok(ExitCode::SUCCESS)
}
