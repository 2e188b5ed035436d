//! `bench relay`: the tun2socks path, a kernel client → TUN device → a
//! relay → a kernel server in another namespace, 1 GiB (or `--bytes`) each
//! way, and in the same run the same traffic through ipstack (the stack
//! tun2proxy and friends relay on, [`ipstack`]) and through the kernel
//! alone (client to server over the veth pair, no relay).
//!
//! The workload: namespace `synack-bench-<pid>` holds the client, the TUN
//! device and the relay; `synack-bench-<pid>-peer` the servers on
//! 198.19.9.9 (on its loopback), joined by a veth pair (198.18.1.1 ↔
//! 198.18.1.2). For a relay run, 198.19.9.0/24 is routed into its TUN
//! device; its upstream sockets are bound to the veth end
//! (`SO_BINDTODEVICE`) and take the route via 198.18.1.2 (metric 100),
//! which is also the kernel-only path. `up`: the client writes N bytes to
//! the sink (port 5001), which checks every byte and answers one byte;
//! timed from connect to that answer (the client's FIN comes after). `down`: the source (port 5002)
//! writes N bytes the client reads and checks; timed from connect to the
//! last byte (the source's FIN is not waited for). Applications move 64 KiB at a time.

mod ipstack;
mod peers;

use super::netns::{Netns, check_privileges, ip};
use super::round;
use crate::args::RelayBenchArgs;
use crate::net::args::TunOpts;
use crate::net::relay::upstream::Upstream;
use crate::net::relay::{Totals, accept_loop};
use crate::net::{Failure, open_device};
use serde_json::json;
use std::net::Ipv4Addr;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::Duration;
use synack_tokio::device::Tun;
use synack_tokio::{ListenFilter, Stack, StackConfig, SynListener};

/// The servers' address.
pub const SERVER: Ipv4Addr = Ipv4Addr::new(198, 19, 9, 9);
/// The relayed prefix.
const ROUTE: &str = "198.19.9.0/24";
const VETH_HERE: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 1);
const VETH_THERE: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 2);
/// The veth end in the client's namespace ([`Netns::veth_to`]'s name).
const VETH_DEV: &str = "veth-bench";

/// One figure.
pub struct Figure {
    stack: &'static str,
    direction: &'static str,
    bytes: u64,
    seconds: f64,
}

impl Figure {
    fn gbit_per_s(&self) -> f64 {
        self.bytes as f64 * 8.0 / self.seconds.max(1e-9) / 1e9
    }
}

/// Runs the benchmark (outside: sets up, re-runs itself inside).
pub fn run(a: &RelayBenchArgs) -> Result<ExitCode, String> {
    if a.servers {
        peers::servers(a.bytes)?;
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
    let peer = Netns::create("-peer")?;
    ns.veth_to(&peer, VETH_HERE, VETH_THERE, 24)?;
    ip(&[
        "-n",
        peer.name(),
        "addr",
        "add",
        &format!("{SERVER}/32"),
        "dev",
        "lo",
    ])?;
    ip(&[
        "-n",
        ns.name(),
        "route",
        "add",
        ROUTE,
        "via",
        &VETH_THERE.to_string(),
        "dev",
        VETH_DEV,
        "metric",
        "100",
    ])?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find synack itself: {e}"))?;
    let n = a.bytes.to_string();
    let mut servers = Command::new("ip")
        .args(["netns", "exec", peer.name()])
        .arg(&exe)
        .args(["bench", "relay", "--bytes", &n, "--servers"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run ip netns exec: {e}"))?;
    let mut args = vec!["bench", "relay", "--bytes", n.as_str(), "--inside"];
    if a.json {
        args.push("--json");
    }
    // Setup, then eight transfers at 10 MB/s or better.
    let limit = Duration::from_secs(60 + 8 * a.bytes / 10_000_000);
    let status = ns.run(&exe, &args, limit);
    let _ = servers.kill();
    let _ = servers.wait();
    drop(ns);
    drop(peer);
    Ok(match status?.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

/// Inside the client's namespace: the three paths one after another.
fn inside(a: &RelayBenchArgs) -> Result<ExitCode, String> {
    peers::wait_for_servers()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let mut all = Vec::new();
    for f in peers::both_ways("linux", a.bytes)? {
        print(a, &f);
        all.push(f);
    }
    for offloads in [true, false] {
        let run = synack_relay(a.bytes, offloads);
        for f in rt.block_on(async { tokio::spawn(run).await.map_err(|e| e.to_string())? })? {
            print(a, &f);
            all.push(f);
        }
    }
    for f in rt.block_on(async {
        tokio::spawn(ipstack::relay(a.bytes))
            .await
            .map_err(|e| e.to_string())?
    })? {
        print(a, &f);
        all.push(f);
    }
    print_ratios(a, &all);
    Ok(ExitCode::SUCCESS)
}

/// synack's relay (`synack relay --direct --bind-device`) on its own TUN
/// device for the two transfers.
async fn synack_relay(bytes: u64, offloads: bool) -> Result<Vec<Figure>, String> {
    let opts = TunOpts {
        // A device of its own per run: the last run's may still be closing.
        tun: if offloads { "synack0" } else { "synack1" }.into(),
        addr: "198.18.0.2/24".parse().map_err(|e: String| e)?,
        pcap: None,
        trace: false,
        loss: 0.0,
        seed: None,
        mtu: Some(1500),
        no_offload: !offloads,
        busy_poll: None,
        ecn: synack_core::Ecn::Off,
        user_timeout: None,
    };
    let o = open_device(&opts, "bench relay").map_err(|e| match e {
        Failure::Setup(m) | Failure::Run(m) => m,
    })?;
    ip(&["route", "add", ROUTE, "dev", o.dev.name()])?;
    let tun = Tun::new(o.dev).map_err(|e| e.to_string())?;
    let stack = Stack::new(
        tun,
        StackConfig {
            endpoint: o.ep_config,
            ..StackConfig::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let syns = SynListener::catch_all(
        &stack,
        ListenFilter {
            prefixes: vec![ROUTE.parse().map_err(|_| "bad prefix")?],
            ports: Vec::new(),
        },
        1024,
        Duration::from_secs(15),
    )
    .map_err(|e| e.to_string())?;
    let upstream = Arc::new(Upstream::Direct {
        device: VETH_DEV.into(),
    });
    let relay = tokio::spawn(async move {
        accept_loop(
            &syns,
            upstream,
            Duration::from_secs(10),
            true,
            Arc::new(Totals::default()),
        )
        .await
    });
    let name = if offloads {
        "synack"
    } else {
        "synack-no-offload"
    };
    let figures = tokio::task::spawn_blocking(move || peers::both_ways(name, bytes))
        .await
        .map_err(|e| e.to_string())?;
    relay.abort();
    stack.shutdown(Duration::from_secs(1)).await;
    figures
}

fn print(a: &RelayBenchArgs, f: &Figure) {
    if a.json {
        let v = json!({
            "bench": "relay",
            "stack": f.stack,
            "direction": f.direction,
            "bytes": f.bytes,
            "seconds": round(f.seconds, 6),
            "gbit_per_s": round(f.gbit_per_s(), 3),
        });
        println!("{v}");
    } else {
        println!(
            "relay {} {}: {} bytes: {:.6} s, {:.3} Gbit/s",
            f.stack,
            f.direction,
            f.bytes,
            f.seconds,
            f.gbit_per_s()
        );
    }
}

/// synack (with and without the offloads) over ipstack and over the
/// kernel alone, per direction.
fn print_ratios(a: &RelayBenchArgs, all: &[Figure]) {
    let gbit = |stack: &str, dir: &str| {
        all.iter()
            .find(|f| f.stack == stack && f.direction == dir)
            .map_or(0.0, Figure::gbit_per_s)
    };
    let mut rows = Vec::new();
    for dir in ["up", "down"] {
        for ours in ["synack", "synack-no-offload"] {
            for other in ["ipstack", "linux"] {
                let y = gbit(other, dir);
                let r = if y > 0.0 {
                    round(gbit(ours, dir) / y, 2)
                } else {
                    0.0
                };
                rows.push((format!("{}_over_{other}_{dir}", ours.replace('-', "_")), r));
            }
        }
    }
    if a.json {
        let mut v = json!({ "bench": "relay", "ratios": {} });
        for (k, r) in rows {
            v["ratios"][k] = json!(r);
        }
        println!("{v}");
    } else {
        println!("ratios:");
        for (k, r) in rows {
            println!("  {k}: {r:.2}");
        }
    }
}
