//! The harness itself, with Linux alone: a namespace, a Python server and
//! curl inside it, and the cleanup on drop (processes killed, namespace and
//! scratch directory gone), also after a panic.

use crate::netns::Netns;
use crate::util::{MIB, file_len, random_file, sha256};
use std::process::Command;
use std::time::Duration;

fn namespace_exists(name: &str) -> bool {
    let out = Command::new("ip").args(["netns", "list"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.split_whitespace().next() == Some(name))
}

#[test]
fn harness_runs_linux_alone_and_cleans_up() {
    let test = "harness_runs_linux_alone_and_cleans_up";
    let Some(mut ns) = Netns::new(test, Duration::from_secs(60), &["python3", "curl"]) else {
        return;
    };
    let www = ns.path("www");
    std::fs::create_dir_all(&www).unwrap();
    random_file(&www.join("f"), 8 * MIB, 42);
    let srv = ns.spawn(
        "http.server",
        "python3",
        &[
            "-m",
            "http.server",
            "8000",
            "--bind",
            "127.0.0.1",
            "--directory",
            www.to_str().unwrap(),
        ],
    );
    ns.wait_listen(8000, srv);
    let dl = ns.path("dl");
    let c = ns.spawn(
        "curl",
        "curl",
        &[
            "-sS",
            "--fail",
            "--max-time",
            "30",
            "-o",
            dl.to_str().unwrap(),
            "http://127.0.0.1:8000/f",
        ],
    );
    ns.wait_ok(c, Duration::from_secs(40));
    assert_eq!(file_len(&dl), 8 * MIB);
    assert_eq!(sha256(&dl), sha256(&www.join("f")));
    // A stray grandchild, not recorded: found by `ip netns pids`.
    let sh = ns.spawn("sh", "sh", &["-c", "sleep 300 & sleep 300"]);
    let (name, dir, pid) = (ns.name.clone(), ns.dir.clone(), ns.pid(sh));
    assert!(namespace_exists(&name));
    // Dropped by a panic, as a failing test would.
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _ns = ns;
        panic!("deliberate");
    }));
    assert!(r.is_err());
    assert!(!namespace_exists(&name), "namespace {name} deleted");
    if std::env::var("SYNACK_KEEP_SCRATCH").as_deref() != Ok("1") {
        assert!(!dir.exists(), "scratch directory removed");
    }
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "child {pid} killed"
    );
}

/// A bounded wait that expires fails the test and still cleans up.
#[test]
fn harness_bounds_waits() {
    let test = "harness_bounds_waits";
    let Some(mut ns) = Netns::new(test, Duration::from_secs(30), &[]) else {
        return;
    };
    let p = ns.spawn("sleep", "sleep", &["300"]);
    let name = ns.name.clone();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        ns.wait(p, Duration::from_millis(300));
    }));
    let msg = r.unwrap_err();
    let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("still running"), "{msg}");
    assert!(!namespace_exists(&name));
}
