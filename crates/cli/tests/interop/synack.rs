//! Starting synack in a namespace.

use crate::netns::{Netns, Proc, SYNACK_ADDR, TUN};
use std::time::Duration;

/// `synack serve --tun synack0 --addr 198.18.0.2/24 --port PORT --mode MODE
/// extra...`, once the TUN device is ready.
pub fn serve(ns: &mut Netns, port: u16, mode: &str, extra: &[&str]) -> Proc {
    let port = port.to_string();
    let mut args = vec![
        "serve",
        "--tun",
        TUN,
        "--addr",
        SYNACK_ADDR,
        "--port",
        &port,
        "--mode",
        mode,
    ];
    args.extend_from_slice(extra);
    let p = ns.synack("serve", &args);
    ns.wait_tun(p);
    // synack says so once it listens ("synack: serving MODE on ADDR:PORT").
    ns.poll_until(
        "synack's 'serving' line",
        Duration::from_secs(10),
        Some(p),
        |ns| ns.stderr(p).contains("serving"),
    );
    p
}

/// `synack connect|get --tun synack0 --addr 198.18.0.2/24 rest...`.
pub fn client(ns: &mut Netns, label: &str, cmd: &str, rest: &[&str]) -> Proc {
    let mut args = vec![cmd, "--tun", TUN, "--addr", SYNACK_ADDR];
    args.extend_from_slice(rest);
    ns.synack(label, &args)
}

/// Stops a `synack serve` with SIGINT and expects a clean exit (status 0)
/// within 10 s; returns its stdout.
pub fn stop(ns: &mut Netns, p: Proc) -> String {
    ns.signal(p, "INT");
    ns.wait_ok(p, Duration::from_secs(10));
    ns.stdout(p)
}

/// The connection table `synack serve` prints on stderr at exit: (local,
/// remote, state) per line; `None` if there is no table.
pub fn exit_table(stderr: &str) -> Option<Vec<(String, String, String)>> {
    let mut lines = stderr
        .lines()
        .skip_while(|l| !l.contains("connection table at exit"));
    let head = lines.next()?;
    if head.ends_with("empty") {
        return Some(Vec::new());
    }
    let n: usize = head.rsplit(' ').next()?.parse().ok()?;
    let rows = lines
        .skip(1)
        .take(n)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| (f[0].to_string(), f[1].to_string(), f[2].to_string()))
        })
        .collect::<Vec<_>>();
    (rows.len() == n).then_some(rows)
}

/// synack's connections at the end of a run, from its `--trace` ladder:
/// the last state of each connection (`#N`), taken from the state change
/// lines (`│ FIN-WAIT-2 → TIME-WAIT (received FIN) │ #1`). Unlike the
/// table printed at exit ([`exit_table`]), this includes the connections
/// that reached CLOSED.
pub fn final_states(trace: &str) -> std::collections::BTreeMap<u32, String> {
    let mut states = std::collections::BTreeMap::new();
    for line in trace.lines() {
        let cols: Vec<&str> = line.split('│').map(str::trim).collect();
        if cols.len() < 3 {
            continue;
        }
        let (middle, id) = (cols[1], cols[cols.len() - 1]);
        let Some(n) = id
            .strip_prefix('#')
            .and_then(|n| n.split_whitespace().next())
        else {
            continue;
        };
        let Ok(n) = n.parse::<u32>() else { continue };
        let Some((from, rest)) = middle.split_once(" → ") else {
            continue;
        };
        let is_state = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        };
        let to = rest.split(" (").next().unwrap_or("").trim();
        if is_state(from.trim()) && is_state(to) {
            states.insert(n, to.to_string());
        }
    }
    states
}
