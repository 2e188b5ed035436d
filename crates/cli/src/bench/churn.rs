//! `bench churn`: N short connections, one after another, next to K idle
//! ones.
//!
//! The workload, to be reproduced exactly by other stacks: first K
//! connections are established and left open (idle), from 198.18.1.x client
//! addresses; then N connections from 198.18.0.1 one after another, each:
//! handshake, 1 byte client → server, 1 byte server → client, the client
//! closes, the server closes, the four-way close completes (the client stays
//! in TIME-WAIT; ports rotate, and TIME-WAIT tuples are reused when they run
//! out). The clock covers the N connections only.

use super::pair::{Clock, Pair};
use super::round;
use crate::args::ChurnArgs;
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use serde_json::json;
use std::process::ExitCode;
use synack_core::{Config, Error, ListenerId, State};

/// Idle connections per client address (below the 28232 ephemeral ports).
const IDLE_PER_ADDR: u64 = 25_000;
/// Idle connections opened between two pumps.
const IDLE_BATCH: u64 = 256;

/// Runs the benchmark and prints its figures.
pub fn run(a: &ChurnArgs) -> Result<ExitCode, String> {
    let seconds = measure(a.connections, a.idle)?;
    let rate = a.connections as f64 / seconds.max(1e-9);
    if a.json {
        let v = json!({
            "bench": "churn",
            "stack": "synack",
            "connections": a.connections,
            "idle": a.idle,
            "seconds": round(seconds, 6),
            "conn_per_s": round(rate, 1),
        });
        println!("{v}");
    } else {
        println!(
            "churn: {} connections next to {} idle ones: {:.6} s, {:.1} connections/s",
            a.connections, a.idle, seconds, rate
        );
    }
    if a.compare {
        let secs = super::smol::churn(a.connections, a.idle)?;
        let srate = a.connections as f64 / secs.max(1e-9);
        if a.json {
            let v = json!({
                "bench": "churn", "stack": "smoltcp", "connections": a.connections,
                "idle": a.idle, "seconds": round(secs, 6), "conn_per_s": round(srate, 1),
            });
            println!("{v}");
            println!(
                "{}",
                json!({"bench": "churn", "ratio_synack_to_smoltcp": round(rate / srate.max(1e-9), 3)})
            );
        } else {
            println!(
                "churn: smoltcp 0.14 on the same workload: {secs:.6} s, {srate:.1} connections/s; synack / smoltcp = {:.2}",
                rate / srate.max(1e-9)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn idle_addr(i: u64) -> IpAddr {
    let n = (i / IDLE_PER_ADDR) as u32 + 1;
    IpAddr::V4(Ipv4Addr::from(u32::from(Ipv4Addr::new(198, 18, 1, 0)) + n))
}

fn measure(n: u64, idle: u64) -> Result<f64, String> {
    let (mut p, clock, l) = setup(idle);
    open_idle(&mut p, &clock, l, idle)?;
    churn(&mut p, &clock, l, n, idle)
}

/// A pair whose client owns addresses for `idle` idle connections, and the
/// server's listener.
pub(super) fn setup(idle: u64) -> (Pair, Clock, ListenerId) {
    let idle_addrs: Vec<IpAddr> = (0..idle.div_ceil(IDLE_PER_ADDR))
        .map(|k| idle_addr(k * IDLE_PER_ADDR))
        .collect();
    let mut p = Pair::new(Config::default(), &idle_addrs);
    let clock = Clock::start();
    let backlog = usize::try_from(IDLE_BATCH * 2).unwrap_or(512);
    let l = p
        .server
        .listen(Pair::server_addr(), backlog)
        .expect("listening on a fresh endpoint");
    (p, clock, l)
}

/// `n` short connections one after another next to `idle` idle ones; the
/// seconds they took.
pub(super) fn churn(
    p: &mut Pair,
    clock: &Clock,
    l: ListenerId,
    n: u64,
    idle: u64,
) -> Result<f64, String> {
    let client_ip = SocketAddr::new(IpAddr::V4(super::pair::CLIENT), 0);
    let start = std::time::Instant::now();
    for i in 0..n {
        one(p, clock, l, client_ip, idle).map_err(|e| format!("connection {i}: {e}"))?;
    }
    Ok(start.elapsed().as_secs_f64())
}

/// Opens `k` connections and leaves them established.
pub(super) fn open_idle(p: &mut Pair, clock: &Clock, l: ListenerId, k: u64) -> Result<(), String> {
    let mut accepted = 0u64;
    let mut opened = 0u64;
    while opened < k {
        let batch = IDLE_BATCH.min(k - opened);
        let now = clock.now();
        for _ in 0..batch {
            let local = SocketAddr::new(idle_addr(opened), 0);
            p.client
                .connect(now, local, Pair::server_addr())
                .map_err(|e| format!("idle connection {opened}: {e}"))?;
            opened += 1;
        }
        p.pump(now);
        p.timers(now);
        p.drop_events();
        while p.server.accept(l).is_ok() {
            accepted += 1;
        }
    }
    if accepted != k {
        return Err(format!(
            "only {accepted} of {k} idle connections established"
        ));
    }
    Ok(())
}

/// One short connection, start to finish.
fn one(
    p: &mut Pair,
    clock: &Clock,
    l: ListenerId,
    local: SocketAddr,
    idle: u64,
) -> Result<(), String> {
    let e = |what: &str, err: Error| format!("{what}: {err}");
    let now = clock.now();
    p.timers(now);
    let c = p
        .client
        .connect(now, local, Pair::server_addr())
        .map_err(|x| e("connect", x))?;
    p.pump(now);
    let s = p.server.accept(l).map_err(|x| e("accept", x))?;
    let mut b = [0u8; 1];
    p.client
        .send(now, c, b"q")
        .map_err(|x| e("client send", x))?;
    p.pump(now);
    expect_byte(p.server.recv(now, s, &mut b), b"q", "server recv").map_err(|m| {
        let iss = p
            .client
            .connection(c)
            .map_or("?".to_string(), |x| x.iss().0.to_string());
        format!(
            "{m} (client ISN {iss}; segments the server dropped so far: {})",
            p.server.stats().rx_dropped
        )
    })?;
    p.server
        .send(now, s, b"a")
        .map_err(|x| e("server send", x))?;
    p.pump(now);
    expect_byte(p.client.recv(now, c, &mut b), b"a", "client recv")?;
    let tuple = p.client.addrs(c).map_err(|x| e("addrs", x))?;
    p.client.close(now, c).map_err(|x| e("client close", x))?;
    p.pump(now);
    match p.server.recv(now, s, &mut b) {
        Ok(0) => {}
        other => return Err(format!("server expected end of stream, got {other:?}")),
    }
    p.server.close(now, s).map_err(|x| e("server close", x))?;
    p.pump(now);
    p.drop_events();
    check_closed(p, tuple, idle)
}

fn expect_byte(r: Result<usize, Error>, want: &[u8; 1], what: &str) -> Result<(), String> {
    match r {
        Ok(1) => Ok(()),
        other => Err(format!("{what}: expected {want:?}, got {other:?}")),
    }
}

/// The four-way close completed: the client waits in TIME-WAIT (a compact
/// record once released) and the server let go of its side (only the
/// idle connections remain).
fn check_closed(
    p: &Pair,
    (local, remote): (SocketAddr, SocketAddr),
    idle: u64,
) -> Result<(), String> {
    match p.client.state_of(local, remote) {
        Some(State::TimeWait) => {}
        other => {
            return Err(format!(
                "client not in TIME-WAIT after the close: {other:?}"
            ));
        }
    }
    let left = p.server.connection_count() as u64;
    if left != idle {
        return Err(format!(
            "server still holds {} closed connections",
            left - idle
        ));
    }
    Ok(())
}
