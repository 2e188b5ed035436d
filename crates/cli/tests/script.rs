//! `synack script`: verdict lines, summary, exit codes, JSON, directories.

mod common;

use common::synack;
use std::path::PathBuf;

const PASSING: &str = "\
--ip_version=ipv4
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
+0.1 < R. 0:0(0) ack 1 win 0
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
";

fn scratch(name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("synack-script-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

#[test]
fn verdicts_summary_and_exit_codes() {
    let failing = PASSING.replace("[ECONNREFUSED]", "[ECONNRESET]");
    let dir = scratch(
        "mixed",
        &[
            ("a-pass.pkt", PASSING.to_string()),
            ("b-fail.pkt", failing),
            ("c-skip.pkt", "--ip_version=ipv4\n0 `uname`\n".into()),
            ("not-a-script.txt", "ignored".into()),
        ],
    );
    // One passing file: exit 0.
    let out = synack(&["script", dir.join("a-pass.pkt").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.trim(), "1 passed, 0 failed, 0 skipped");
    // The directory: a failure makes the exit code 1 and names the line.
    let out = synack(&["script", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("b-fail.pkt:7"), "{text}");
    assert!(
        text.contains("expected getsockopt(SO_ERROR) = [ECONNRESET]"),
        "{text}"
    );
    assert!(text.contains("synack   [ECONNREFUSED]"), "{text}");
    assert!(
        text.contains("SKIP") && text.contains("command `uname`"),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with("1 passed, 1 failed, 1 skipped"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn json_gives_one_object_per_script() {
    let dir = scratch(
        "json",
        &[
            ("a.pkt", PASSING.into()),
            ("b.pkt", PASSING.replace("R.", "S.")),
        ],
    );
    let out = synack(&["script", "--json", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["verdict"], "pass");
    assert_eq!(lines[1]["verdict"], "fail");
    assert!(lines[1]["line"].as_u64().is_some());
    assert!(lines[1]["expected"].as_str().is_some());
    assert!(lines[1]["actual"].as_str().is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_file_is_a_one_line_error() {
    let out = synack(&["script", "/nonexistent/x.pkt"]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no such file"), "{err}");
}
