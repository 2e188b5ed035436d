//! A SYN flood over the real device: spoofed SYNs from a raw socket in the
//! namespace (sources in 198.19.0.0/16, never answering) against
//! `synack serve` with a small backlog, while the kernel's own clients
//! connect one after another and echo a byte. With SYN cookies every one
//! of them gets in, the embryonic connections stay within the backlog
//! (with `always`: none), and synack's memory stays flat.

use crate::netns::{Netns, SYNACK_IP};
use crate::synack::{exit_table, serve, stop};
use crate::util::{client_py, last_json};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);
const PORT: &str = "7100";
const BACKLOG: usize = 16;
const CLIENTS: u64 = 40;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn flood_run(mode: &str) {
    let test = format!("synflood_{mode}");
    let Some(mut ns) = Netns::new(&test, LIMIT, &["python3"]) else {
        return;
    };
    let backlog = BACKLOG.to_string();
    let s = serve(
        &mut ns,
        PORT.parse().unwrap(),
        "echo",
        &["--backlog", &backlog, "--syn-cookies", mode],
    );
    let pid = ns.pid(s);
    let py = client_py(&ns);
    let rss_before = rss_kib(pid);
    let flood = ns.spawn("flood", "python3", &[&py, "synflood", SYNACK_IP, PORT, "8"]);
    std::thread::sleep(Duration::from_secs(1));
    let clients = CLIENTS.to_string();
    let c = ns.spawn(
        "clients",
        "python3",
        &[&py, "connects", SYNACK_IP, PORT, &clients],
    );
    ns.wait_ok(c, Duration::from_secs(60));
    let rss_during = rss_kib(pid);
    ns.wait_ok(flood, Duration::from_secs(30));
    let sent = last_json(&ns.stdout(flood))["sent"].as_u64().unwrap_or(0);
    let r = last_json(&ns.stdout(c));
    let err = stop(&mut ns, s);
    let err = format!("{err}{}", ns.stderr(s));
    eprintln!(
        "[{test}] {sent} spoofed SYNs; clients {r}; synack RSS {rss_before} KiB before, \
         {rss_during} KiB during"
    );
    assert!(
        sent > 20 * BACKLOG as u64,
        "the flood filled the backlog many times over: {sent}"
    );
    assert_eq!(
        r["ok"], CLIENTS,
        "every client connects and echoes: {r}\n{err}"
    );
    let cookies = err
        .lines()
        .find(|l| l.contains("SYN cookies:"))
        .unwrap_or_else(|| panic!("cookie counters at exit:\n{err}"));
    let n: u64 = cookies
        .split("SYN cookies: ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    assert!(n > sent / 2, "most flood SYNs drew a cookie: {cookies}");
    let table = exit_table(&err).unwrap_or_default();
    let embryonic = table
        .iter()
        .filter(|(_, _, st)| st == "SYN-RECEIVED")
        .count();
    let limit = if mode == "always" { 0 } else { BACKLOG };
    assert!(
        embryonic <= limit,
        "{embryonic} embryonic connections at exit (limit {limit})"
    );
    assert!(
        rss_during < rss_before + 16 * 1024,
        "memory stayed flat: {rss_before} -> {rss_during} KiB"
    );
}

#[test]
fn syn_flood_with_cookies_when_needed_lets_every_client_in() {
    flood_run("when-needed");
}

#[test]
fn syn_flood_with_cookies_always_keeps_no_embryonic_connection() {
    flood_run("always");
}
