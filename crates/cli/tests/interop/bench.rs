//! `synack bench tun`: its JSON lines, `--compare` with smoltcp and the
//! kernel's own figure, `--cc`, and no namespace left behind.

use crate::netns::{SYNACK, alone, skip};
use std::process::{Command, Output};

/// Runs `synack ARGS` as `bench tun` does and returns its output and the
/// names of the namespaces it would have made; `None` (and a visible skip)
/// without root or /dev/net/tun.
fn bench(test: &str, args: &[&str]) -> Option<(Output, [String; 2])> {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(str::to_string))
        });
    if uid.as_deref() != Some("0") || std::fs::metadata("/dev/net/tun").is_err() {
        skip(&format!("{test}: needs root and /dev/net/tun"));
        return None;
    }
    let child = Command::new(SYNACK)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run synack");
    let name = format!("synack-bench-{}", child.id());
    // bench tun bounds its own run (60 s plus the transfers at 10 MB/s).
    let out = child.wait_with_output().expect("wait for synack");
    Some((out, [name.clone(), format!("{name}-peer")]))
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

/// Runs `bench tun --bytes 20000000 --json EXTRA...`, which must succeed
/// with `lines` JSON lines; returns them and the namespace names.
fn bench_json(
    test: &str,
    extra: &[&str],
    lines: usize,
) -> Option<(Vec<serde_json::Value>, [String; 2])> {
    let mut args = vec!["bench", "tun", "--bytes", "20000000", "--json"];
    args.extend_from_slice(extra);
    let (out, names) = bench(test, &args)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{test}: bench tun failed: {stderr}");
    let v = json_lines(&out);
    assert_eq!(v.len(), lines, "{test}: {v:?}");
    Some((v, names))
}

fn assert_gone(names: &[String]) {
    let ns = Command::new("ip").args(["netns", "list"]).output().unwrap();
    let ns = String::from_utf8_lossy(&ns.stdout);
    for name in names {
        assert!(
            !ns.lines()
                .any(|l| l.split_whitespace().next() == Some(name.as_str())),
            "namespace {name} was left behind"
        );
    }
}

#[test]
fn bench_tun_json() {
    let _alone = alone();
    let Some((lines, names)) = bench_json("bench_tun_json", &[], 2) else {
        return;
    };
    for (v, dir) in lines.iter().zip(["linux_to_synack", "synack_to_linux"]) {
        assert_eq!(v["bench"], "tun");
        assert_eq!(v["stack"], "synack");
        assert_eq!(v["direction"], dir);
        assert_eq!(v["bytes"], 20000000);
        assert!(v["seconds"].as_f64().unwrap() > 0.0, "{v}");
        assert!(v["gbit_per_s"].as_f64().unwrap() > 0.0, "{v}");
        assert!(
            v["kernel_cc"].as_str().is_some_and(|c| !c.is_empty()),
            "{v}"
        );
        assert_eq!(v["busy_poll_us"], serde_json::Value::Null, "{v}");
        assert_eq!(v["busy_poll_hits"], 0, "no busy polling asked: {v}");
    }
    assert_gone(&names);
}

/// `--busy-poll`: the transfers still complete and check out, and the
/// spin's count is reported. (That the spin stops at the endpoint's
/// deadline is a unit test of the driver.)
#[test]
fn bench_tun_busy_poll() {
    let _alone = alone();
    let Some((lines, names)) = bench_json("bench_tun_busy_poll", &["--busy-poll", "100"], 2) else {
        return;
    };
    for v in &lines {
        assert_eq!(v["busy_poll_us"], 100, "{v}");
        assert!(v["gbit_per_s"].as_f64().unwrap() > 0.0, "{v}");
    }
    // How many sleeps the spin saves depends on where the scheduler puts
    // the kernel's sender (on a loaded machine, often on synack's core,
    // where nothing arrives while synack spins): counted, not asserted.
    for v in &lines {
        assert!(v["busy_poll_hits"].is_u64(), "{v}");
    }
    assert_gone(&names);
}

/// `--compare --cc reno`: synack with and without the offloads, smoltcp
/// both ways and the kernel over veth, every byte checked by each reader
/// (a mismatch fails the run), then the ratios of the figures printed above
/// them.
#[test]
fn bench_tun_compare_json() {
    let _alone = alone();
    let extra = ["--compare", "--cc", "reno"];
    let Some((lines, names)) = bench_json("bench_tun_compare_json", &extra, 8) else {
        return;
    };
    let expected = [
        ("synack", "linux_to_synack", true),
        ("synack", "synack_to_linux", true),
        ("synack", "linux_to_synack", false),
        ("synack", "synack_to_linux", false),
        ("smoltcp", "linux_to_smoltcp", false),
        ("smoltcp", "smoltcp_to_linux", false),
        ("linux", "linux_to_linux", true),
    ];
    let mut g = std::collections::HashMap::new();
    for (v, (stack, dir, offloads)) in lines.iter().zip(expected) {
        assert_eq!(v["stack"], stack, "{v}");
        assert_eq!(v["direction"], dir, "{v}");
        assert_eq!(v["offloads"], offloads, "{v}");
        assert_eq!(v["bytes"], 20000000);
        assert_eq!(v["kernel_cc"], "reno", "{v}");
        let gbit = v["gbit_per_s"].as_f64().unwrap();
        assert!(gbit > 0.0, "{v}");
        let key = if stack == "synack" && !offloads {
            format!("{dir}_no_offload")
        } else {
            dir.to_string()
        };
        g.insert(key, gbit);
    }
    let ratios = lines[7]["ratios"].as_object().expect("ratios");
    assert_eq!(ratios.len(), 8, "{ratios:?}");
    for (name, r) in ratios {
        let (num, den) = name.split_once("_over_").expect(name);
        let expect = g[num] / g[den];
        let r = r.as_f64().unwrap();
        assert!(
            (r - expect).abs() <= 0.01 + 0.01 * expect,
            "{name}: {r} vs {expect}"
        );
    }
    assert_gone(&names);
}

/// `--loss 0.02 --compare`: every stack under the same loss (synack's and
/// smoltcp's own injectors, nftables at the veth's ingress for the
/// kernel), synack without offloads only, every byte checked; smoltcp may
/// stall under loss, which is then reported as such, not as a figure.
#[test]
fn bench_tun_lossy_compare() {
    let _alone = alone();
    let args = [
        "bench",
        "tun",
        "--bytes",
        "4000000",
        "--json",
        "--loss",
        "0.02",
        "--compare",
        "--cc",
        "reno",
    ];
    let Some((out, names)) = bench("bench_tun_lossy_compare", &args) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench tun --loss failed: {stderr}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 6, "{lines:?}");
    let figures: Vec<_> = lines
        .iter()
        .filter(|v| v.get("direction").is_some())
        .collect();
    assert_eq!(figures.len(), 5, "{lines:?}");
    for v in &figures {
        assert_eq!(v["loss"], 0.02, "{v}");
        if v["stack"] == "synack" {
            assert_eq!(v["offloads"], false, "loss runs without offloads: {v}");
        }
        let ok = v["gbit_per_s"].as_f64().is_some_and(|g| g > 0.0);
        let stalled = v["stack"] == "smoltcp" && v["failed"].is_string();
        assert!(ok || stalled, "{v}");
    }
    let dirs: Vec<_> = figures
        .iter()
        .map(|v| v["direction"].as_str().unwrap())
        .collect();
    for d in ["linux_to_synack", "synack_to_linux", "linux_to_linux"] {
        assert!(dirs.contains(&d), "{d} missing: {dirs:?}");
    }
    let ratios = lines[5]["ratios"].as_object().expect("ratios");
    assert!(
        ratios.contains_key("synack_to_linux_no_offload_over_linux_to_linux"),
        "{ratios:?}"
    );
    assert_gone(&names);
}

/// A congestion control the namespace may not use: one line naming the
/// allowed ones, a failure exit, nothing left behind.
#[test]
fn bench_tun_refuses_unknown_cc() {
    let _alone = alone();
    let args = ["bench", "tun", "--bytes", "1000", "--cc", "no-such-cc"];
    let Some((out, names)) = bench("bench_tun_refuses_unknown_cc", &args) else {
        return;
    };
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no-such-cc") && stderr.contains("allowed"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(out.stdout.is_empty());
    assert_gone(&names);
}

/// `--api both`: the blocking driver's two figures, the tokio API's two
/// (on the chosen runtime), and their ratios, which match the figures.
#[test]
fn bench_tun_api_both() {
    let _alone = alone();
    for runtime in ["multi-thread", "current-thread"] {
        let Some((v, names)) = bench_json(
            "bench_tun_api_both",
            &["--api", "both", "--runtime", runtime],
            5,
        ) else {
            return;
        };
        let stacks: Vec<&str> = v[..4]
            .iter()
            .map(|l| l["stack"].as_str().unwrap())
            .collect();
        assert_eq!(stacks, ["synack", "synack", "synack-async", "synack-async"]);
        assert_eq!(v[2]["runtime"], runtime);
        for (i, dir) in ["linux_to_synack", "synack_to_linux"].iter().enumerate() {
            let (sync, tokio) = (&v[i], &v[2 + i]);
            assert_eq!(tokio["direction"], *dir);
            assert!(tokio["gbit_per_s"].as_f64().unwrap() > 0.0);
            let r = v[4]["api_ratios"][format!("async_over_sync_{dir}")]
                .as_f64()
                .unwrap();
            let want = tokio["gbit_per_s"].as_f64().unwrap() / sync["gbit_per_s"].as_f64().unwrap();
            assert!(
                (r - want).abs() < 0.02 + 0.01 * want,
                "{dir}: ratio {r}, figures give {want}"
            );
        }
        assert_gone(&names);
    }
}

/// `bench relay`: the kernel alone, synack's relay with and without the
/// offloads, ipstack's, both ways, then the ratios; no namespace left.
#[test]
fn bench_relay_json() {
    let _alone = alone();
    let args = ["bench", "relay", "--bytes", "8000000", "--json"];
    let Some((out, names)) = bench("bench_relay_json", &args) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench relay failed: {stderr}");
    let v = json_lines(&out);
    assert_eq!(v.len(), 9, "{v:?}");
    let got: Vec<(String, String)> = v[..8]
        .iter()
        .map(|l| {
            (
                l["stack"].as_str().unwrap().into(),
                l["direction"].as_str().unwrap().into(),
            )
        })
        .collect();
    for stack in ["linux", "synack", "synack-no-offload", "ipstack"] {
        for dir in ["up", "down"] {
            assert!(
                got.contains(&(stack.into(), dir.into())),
                "{stack} {dir}: {got:?}"
            );
        }
    }
    assert!(
        v[..8]
            .iter()
            .all(|l| l["gbit_per_s"].as_f64().unwrap() > 0.0 && l["bytes"] == 8000000)
    );
    let r = &v[8]["ratios"];
    for key in [
        "synack_over_ipstack_up",
        "synack_over_linux_down",
        "synack_no_offload_over_ipstack_down",
    ] {
        assert!(r[key].as_f64().unwrap() > 0.0, "{key}: {r}");
    }
    assert_gone(&names);
}
