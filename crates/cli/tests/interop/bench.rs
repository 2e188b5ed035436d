//! `synack bench tun`: two JSON lines, and no namespace left behind.

use crate::netns::{SYNACK, alone, skip};
use std::process::Command;

#[test]
fn bench_tun_json() {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(str::to_string))
        });
    if uid.as_deref() != Some("0") || std::fs::metadata("/dev/net/tun").is_err() {
        skip("bench_tun_json: needs root and /dev/net/tun");
        return;
    }
    let _alone = alone();
    let child = Command::new(SYNACK)
        .args(["bench", "tun", "--bytes", "20000000", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run synack");
    let name = format!("synack-bench-{}", child.id());
    // bench tun bounds its own run (60 s plus the transfer at 10 MB/s).
    let out = child.wait_with_output().expect("wait for synack");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench tun failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for (v, dir) in lines.iter().zip(["linux_to_synack", "synack_to_linux"]) {
        assert_eq!(v["bench"], "tun");
        assert_eq!(v["direction"], dir);
        assert_eq!(v["bytes"], 20000000);
        assert!(v["seconds"].as_f64().unwrap() > 0.0, "{v}");
        assert!(v["gbit_per_s"].as_f64().unwrap() > 0.0, "{v}");
    }
    let ns = Command::new("ip").args(["netns", "list"]).output().unwrap();
    let ns = String::from_utf8_lossy(&ns.stdout);
    assert!(
        !ns.lines()
            .any(|l| l.split_whitespace().next() == Some(name.as_str())),
        "namespace {name} was left behind"
    );
}
