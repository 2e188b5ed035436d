//! Running the built `synack` binary.

#![allow(dead_code)]

use std::process::{Command, Output};

/// All scenarios.
pub const SCENARIOS: [&str; 9] = [
    "normal",
    "lossy",
    "simultaneous-open",
    "simultaneous-close",
    "half-close",
    "reset",
    "refused",
    "syn-timeout",
    "delayed-duplicate-syn",
];

/// Runs `synack args...` with stdout and stderr captured (so not a terminal).
pub fn synack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synack"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run synack")
}

/// Runs and expects success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = synack(args);
    assert!(
        out.status.success(),
        "synack {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The JSON lines of a `--json` run.
pub fn json_lines(args: &[&str]) -> Vec<serde_json::Value> {
    let mut a = args.to_vec();
    a.push("--json");
    ok(&a)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// Segments on the wire in a JSON trace (sent or injected).
pub fn wire_segments(events: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    events
        .iter()
        .filter(|e| matches!(e["kind"].as_str(), Some("segment_out" | "injected")))
        .collect()
}

/// Ladder lines that draw a segment.
pub fn arrow_lines(ladder: &str) -> Vec<&str> {
    ladder
        .lines()
        .filter(|l| l.contains(" seq=") && (l.contains('─') || l.contains('┈')))
        .collect()
}
