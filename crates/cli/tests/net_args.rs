//! `serve`, `connect`, `get`: options that cannot work are refused in one
//! line with exit code 2 before any device is touched, and a missing
//! privilege is explained in one line. None of these tests needs root or
//! creates an interface.

mod common;

use common::synack;
use std::process::{Command, Output};

fn assert_one_line_exit_2(args: &[&str], out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout not empty");
    let line = err.strip_suffix('\n').unwrap_or(&err).to_string();
    assert!(
        !line.is_empty() && !line.contains('\n'),
        "{args:?}: not one line: {err:?}"
    );
    assert!(line.starts_with("synack: "), "{args:?}: {line}");
    line
}

const TUN: [&str; 4] = ["--tun", "synack-nope0", "--addr", "198.18.0.2/24"];

fn with_tun(cmd: &str, rest: &[&str]) -> Vec<String> {
    let mut v = vec![cmd.to_string()];
    v.extend(TUN.iter().map(|s| s.to_string()));
    v.extend(rest.iter().map(|s| s.to_string()));
    v
}

#[test]
fn bad_options_exit_2_with_one_line() {
    let cases: Vec<(Vec<String>, &str)> = vec![
        (with_tun("serve", &["--port", "7"]), "--mode"),
        (
            with_tun("serve", &["--port", "0", "--mode", "echo"]),
            "--port",
        ),
        (
            with_tun("serve", &["--port", "7", "--mode", "chargen"]),
            "--mode",
        ),
        (
            with_tun("serve", &["--port", "7", "--mode", "source:x"]),
            "--mode",
        ),
        (
            with_tun(
                "serve",
                &["--port", "7", "--mode", "echo", "--max-conns", "0"],
            ),
            "--max-conns",
        ),
        (
            with_tun("serve", &["--port", "7", "--mode", "echo", "--loss", "1"]),
            "--loss",
        ),
        (
            with_tun("serve", &["--port", "7", "--mode", "echo", "--mtu", "20"]),
            "--mtu",
        ),
        (
            with_tun("serve", &["--port", "7", "--mode", "http:/nonexistent/dir"]),
            "not a directory",
        ),
        (
            with_tun(
                "serve",
                &["--port", "7", "--mode", "echo", "--busy-poll", "0"],
            ),
            "--busy-poll",
        ),
        (
            with_tun("connect", &["198.18.0.1:80", "--busy-poll", "2000000"]),
            "--busy-poll",
        ),
        (
            with_tun(
                "serve",
                &[
                    "--port",
                    "7",
                    "--mode",
                    "echo",
                    "--pcap",
                    "/nonexistent/x.pcap",
                ],
            ),
            "pcap",
        ),
        (
            vec![
                "serve".into(),
                "--tun".into(),
                "a/b".into(),
                "--addr".into(),
                "198.18.0.2/24".into(),
                "--port".into(),
                "7".into(),
                "--mode".into(),
                "echo".into(),
            ],
            "--tun",
        ),
        (
            vec![
                "serve".into(),
                "--tun".into(),
                "tun0".into(),
                "--addr".into(),
                "198.18.0.2".into(),
                "--port".into(),
                "7".into(),
                "--mode".into(),
                "echo".into(),
            ],
            "ADDR/PREFIX",
        ),
        (with_tun("connect", &["example.com:80"]), "DNS"),
        (with_tun("connect", &["[2001:db8::1]:80"]), "IPv6"),
        (
            with_tun("connect", &["198.18.0.1:80", "--recv", "/nonexistent/out"]),
            "cannot create",
        ),
        (with_tun("get", &["https://198.18.0.1/"]), "https"),
        (with_tun("get", &["http://example.com/"]), "DNS"),
        (with_tun("get", &["http://[2001:db8::1]/"]), "IPv6"),
        (
            with_tun("get", &["http://198.18.0.1/", "-o", "/nonexistent/out"]),
            "cannot create",
        ),
    ];
    for (args, expect) in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = synack(&a);
        let line = assert_one_line_exit_2(&a, &out);
        assert!(line.contains(expect), "{a:?}: {line}");
    }
}

/// The effective user id, from /proc (no libc in the tests).
fn uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

#[test]
fn without_privileges_one_line_and_exit_2() {
    let args = [
        "serve",
        "--tun",
        "synack-np0",
        "--addr",
        "198.18.0.2/24",
        "--port",
        "7",
        "--mode",
        "echo",
    ];
    let out = match uid() {
        Some(0) => {
            // As root, drop to nobody if setpriv is there; else skip.
            let Ok(out) = Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(env!("CARGO_BIN_EXE_synack"))
                .args(args)
                .output()
            else {
                eprintln!("setpriv not available: skipped");
                return;
            };
            if out.status.code() == Some(127) || out.status.code() == Some(126) {
                eprintln!("setpriv failed: skipped");
                return;
            }
            out
        }
        _ => synack(&args),
    };
    let line = assert_one_line_exit_2(&args, &out);
    assert!(
        line.starts_with("synack: cannot open TUN device synack-np0: ")
            && (line.contains("permission denied (needs root or CAP_NET_ADMIN)")
                || line.contains("does not exist")),
        "{line}"
    );
}
