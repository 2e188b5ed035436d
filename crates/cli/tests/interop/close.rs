//! Test 6: closing in both orders leaves nothing half-closed.
//!
//! After each exchange, the kernel's sockets in the namespace (`ss -tan`)
//! must settle within a few seconds to TIME-WAIT or nothing: none stuck in
//! CLOSE-WAIT, FIN-WAIT-2 or LAST-ACK (a lost final ACK or FIN would leave
//! them there for a minute or more). With `--max-conns 1` synack exits by
//! itself, which also shows that it does not leave before its side of the
//! close is done.
//!
//! synack's own table: the CLI prints none at exit, so the tests read the
//! state changes of its `--trace` ladder (stderr) and require every
//! connection's last state to be TIME-WAIT or CLOSED.

use crate::netns::Proc;
use crate::netns::{Netns, SYNACK_IP};
use crate::synack::{exit_table, final_states, serve, stop};
use crate::util::{client_py, last_json};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);
const STUCK: [&str; 3] = ["CLOSE-WAIT", "FIN-WAIT-2", "LAST-ACK"];
/// How long the kernel may take to finish its closing handshake.
const SETTLE: Duration = Duration::from_secs(5);

/// Waits until no kernel socket is in a state other than TIME-WAIT; panics
/// naming the stuck ones.
fn kernel_settles(ns: &mut Netns, test: &str) -> Vec<String> {
    let deadline = std::time::Instant::now() + SETTLE;
    loop {
        let socks = ns.kernel_sockets();
        let unsettled: Vec<&String> = socks
            .iter()
            .filter(|s| !s.starts_with("TIME-WAIT"))
            .collect();
        if unsettled.is_empty() {
            return socks;
        }
        if std::time::Instant::now() >= deadline {
            let stuck: Vec<&&String> = unsettled
                .iter()
                .filter(|s| STUCK.iter().any(|st| s.starts_with(st)))
                .collect();
            panic!(
                "[{test}] kernel sockets after {} s: stuck {stuck:?}; all: {socks:?}",
                SETTLE.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// synack's side, from its trace: every connection ended in one of
/// `allowed`; and the connection table synack prints at exit has exactly
/// the connections the trace left in TIME-WAIT (CLOSED ones have left it).
fn synack_settled(ns: &Netns, serve: Proc, conns: usize, allowed: &[&str]) {
    let stderr = ns.stderr(serve);
    let table = exit_table(&stderr).expect("serve prints its connection table at exit");
    let states = final_states(&stderr);
    let time_wait = states.values().filter(|s| *s == "TIME-WAIT").count();
    assert!(
        table.iter().all(|(_, _, s)| s == "TIME-WAIT") && table.len() == time_wait,
        "synack's table at exit: {table:?}; trace: {states:?}"
    );
    assert_eq!(
        states.len(),
        conns,
        "connections in synack's trace: {states:?}"
    );
    let bad: Vec<_> = states
        .iter()
        .filter(|(_, s)| !allowed.contains(&s.as_str()))
        .collect();
    assert!(
        bad.is_empty(),
        "synack's connections at exit not in {allowed:?}: {bad:?}"
    );
}

/// Linux closes first: the client sends, reads the echo, closes; synack's
/// echo closes in turn. The kernel ends in TIME-WAIT, synack's side in
/// CLOSED (after LAST-ACK).
#[test]
fn linux_closes_first() {
    let test = "linux_closes_first";
    let Some(mut ns) = Netns::new(test, LIMIT, &["python3"]) else {
        return;
    };
    let s = serve(&mut ns, 7007, "echo", &["--trace"]);
    let py = client_py(&ns);
    let c = ns.spawn(
        "echo",
        "python3",
        &[&py, "echo", SYNACK_IP, "7007", "3", "200000", "9"],
    );
    ns.wait_ok(c, Duration::from_secs(30));
    let r = last_json(&ns.stdout(c));
    assert_eq!(r["ok"], 3, "{r}");
    let socks = kernel_settles(&mut ns, test);
    assert_eq!(
        socks.iter().filter(|s| s.starts_with("TIME-WAIT")).count(),
        3,
        "the kernel closed first, so each of its sockets waits in TIME-WAIT: {socks:?}"
    );
    stop(&mut ns, s);
    // synack closed second: LAST-ACK, then CLOSED once the kernel's ACK
    // of its FIN arrived.
    synack_settled(&ns, s, 3, &["CLOSED"]);
}

/// synack closes first: `--mode source:N` sends N bytes and closes; the
/// Linux client reads to EOF and closes. The kernel goes CLOSE-WAIT,
/// LAST-ACK, CLOSED; synack ends in TIME-WAIT. With `--max-conns 1` synack
/// exits by itself: it must still have acknowledged the kernel's FIN (or
/// the kernel would be stuck in LAST-ACK).
#[test]
fn synack_closes_first() {
    let test = "synack_closes_first";
    let Some(mut ns) = Netns::new(test, LIMIT, &["python3"]) else {
        return;
    };
    let s = serve(
        &mut ns,
        7008,
        "source:300000",
        &["--max-conns", "1", "--trace"],
    );
    let py = client_py(&ns);
    let c = ns.spawn("read", "python3", &[&py, "read", SYNACK_IP, "7008"]);
    ns.wait_ok(c, Duration::from_secs(30));
    let r = last_json(&ns.stdout(c));
    assert_eq!(r["received"], 300000, "{r}");
    ns.wait_ok(s, Duration::from_secs(15));
    let socks = kernel_settles(&mut ns, test);
    assert!(
        socks.is_empty(),
        "the kernel closed second: nothing should remain, not even TIME-WAIT: {socks:?}"
    );
    // synack closed first: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT.
    synack_settled(&ns, s, 1, &["TIME-WAIT"]);
}

/// SIGTERM after a finished exchange: the clean shutdown exits 0.
#[test]
fn sigterm_exits_cleanly() {
    let test = "sigterm_exits_cleanly";
    let Some(mut ns) = Netns::new(test, LIMIT, &["python3"]) else {
        return;
    };
    let s = serve(&mut ns, 7009, "source:1000", &[]);
    let py = client_py(&ns);
    let c = ns.spawn("read", "python3", &[&py, "read", SYNACK_IP, "7009"]);
    ns.wait_ok(c, Duration::from_secs(30));
    ns.signal(s, "TERM");
    ns.wait_ok(s, Duration::from_secs(10));
}
