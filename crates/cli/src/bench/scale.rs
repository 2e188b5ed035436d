//! `bench scale`: N established idle connections in one endpoint pair (in
//! memory): what each costs in memory (the process's RSS growth and the
//! core's own accounting), how long establishing them takes, and what they
//! do to connection churn next to them.
//!
//! The workload is `bench churn`'s: the idle connections come from
//! 198.18.1.x client addresses, the churn from 198.18.0.1. Every
//! connection exists at both ends (the client's endpoint and the
//! server's), so the RSS growth is divided by 2N.

use super::churn;
use super::round;
use crate::args::ScaleArgs;
use serde_json::json;
use std::process::ExitCode;

/// Runs the benchmark and prints its figures.
pub fn run(a: &ScaleArgs) -> Result<ExitCode, String> {
    let n = a.connections;
    // Churn with nothing idle first, on a pair of its own.
    let alone = {
        let (mut p, clock, l) = churn::setup(0);
        churn::churn(&mut p, &clock, l, a.churn, 0)?
    };
    let (mut p, clock, l) = churn::setup(n);
    let rss_before = rss_bytes()?;
    let start = std::time::Instant::now();
    churn::open_idle(&mut p, &clock, l, n)?;
    let establish = start.elapsed().as_secs_f64();
    let rss_after = rss_bytes()?;
    let server = p.server.memory_usage();
    let client = p.client.memory_usage();
    let beside = churn::churn(&mut p, &clock, l, a.churn, n)?;
    let per_rss = rss_after.saturating_sub(rss_before) as f64 / (2 * n.max(1)) as f64;
    let rate = |secs: f64| a.churn as f64 / secs.max(1e-9);
    let ratio = rate(beside) / rate(alone);
    if a.json {
        let v = json!({
            "bench": "scale",
            "stack": "synack",
            "connections": n,
            "rss_before_bytes": rss_before,
            "rss_after_bytes": rss_after,
            "rss_bytes_per_connection": round(per_rss, 1),
            "core_bytes_per_connection": server.per_connection(),
            "core_server": {
                "slots": server.slots, "index": server.index, "timers": server.timers,
                "buffers": server.buffers, "other": server.other, "total": server.total(),
            },
            "core_client_total": client.total(),
            "establish_seconds": round(establish, 6),
            "establish_conn_per_s": round(n as f64 / establish.max(1e-9), 1),
            "churn_connections": a.churn,
            "churn_alone_conn_per_s": round(rate(alone), 1),
            "churn_beside_idle_conn_per_s": round(rate(beside), 1),
            "churn_ratio": round(ratio, 3),
        });
        println!("{v}");
    } else {
        println!(
            "scale: {n} idle connections: {:.0} bytes each by RSS, {} by the core's accounting",
            per_rss,
            server.per_connection()
        );
        println!(
            "  established in {establish:.3} s ({:.0} connections/s); RSS {} → {} MiB",
            n as f64 / establish.max(1e-9),
            rss_before >> 20,
            rss_after >> 20
        );
        println!(
            "  churn of {}: {:.0} connections/s alone, {:.0} beside the idle ones ({:.2}x)",
            a.churn,
            rate(alone),
            rate(beside),
            ratio
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The process's resident set, from /proc/self/status.
fn rss_bytes() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("reading /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| "no VmRSS in /proc/self/status".to_string())
}
