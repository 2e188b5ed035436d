//! `synack bench` with small sizes: valid JSON with the required keys.

mod common;

use common::ok;

fn one_json_line(args: &[&str]) -> serde_json::Value {
    let out = ok(args);
    assert_eq!(out.lines().count(), 1, "{out}");
    serde_json::from_str(out.trim()).unwrap()
}

#[test]
fn bulk_json() {
    let v = one_json_line(&[
        "bench", "bulk", "--bytes", "300000", "--mtu", "1500", "--json",
    ]);
    assert_eq!(v["bench"], "bulk");
    assert_eq!(v["bytes"], 300000);
    assert_eq!(v["mtu"], 1500);
    assert_eq!(v["buffer"], 262144);
    assert!(v["seconds"].as_f64().unwrap() > 0.0);
    assert!(v["gbit_per_s"].as_f64().unwrap() > 0.0);
    assert_eq!(v["verified"], true);
    let v = one_json_line(&[
        "bench", "bulk", "--bytes", "100000", "--mtu", "9000", "--buffer", "16384", "--json",
    ]);
    assert_eq!(v["buffer"], 16384);
    assert_eq!(v["mtu"], 9000);
}

#[test]
fn churn_json() {
    let v = one_json_line(&[
        "bench",
        "churn",
        "--connections",
        "30",
        "--idle",
        "5",
        "--json",
    ]);
    assert_eq!(v["bench"], "churn");
    assert_eq!(v["connections"], 30);
    assert_eq!(v["idle"], 5);
    assert!(v["seconds"].as_f64().unwrap() > 0.0);
    assert!(v["conn_per_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn readable_without_json() {
    let out = ok(&["bench", "churn", "--connections", "10"]);
    assert!(out.starts_with("churn: 10 connections"), "{out}");
    let out = ok(&["bench", "bulk", "--bytes", "10000", "--mtu", "1500"]);
    assert!(
        out.starts_with("bulk: 10000 bytes") && out.contains("Gbit/s"),
        "{out}"
    );
}

#[test]
fn lossy_json() {
    let v = one_json_line(&[
        "bench", "lossy", "--loss", "0.02", "--rtt", "10", "--bytes", "1000000", "--runs", "1",
        "--json",
    ]);
    assert_eq!(v["bench"], "lossy");
    assert_eq!(v["loss"], 0.02);
    assert_eq!(v["rtt_ms"], 10);
    assert_eq!(v["bytes"], 1000000);
    assert!(v["goodput_mbit"].as_f64().unwrap() > 0.0);
    // 1448*8/0.01 s * 1.2247/sqrt(0.02) = 10.03 Mbit/s.
    let mathis = v["mathis_mbit"].as_f64().unwrap();
    assert!((mathis - 10.03).abs() < 0.05, "{mathis}");
    assert!(v["retransmissions"].as_u64().unwrap() > 0, "2% loss: {v}");
    assert_eq!(v["congestion"], "cubic");
    assert_eq!(v["sack_recovery"], true);
    for k in [
        "fast_retransmits",
        "rack_retransmits",
        "tlp_probes",
        "rto_events",
        "recoveries",
    ] {
        assert!(v[k].is_u64(), "{k}: {v}");
    }
    assert!(v["recoveries"].as_u64().unwrap() > 0, "2% loss: {v}");
    let v = one_json_line(&[
        "bench",
        "lossy",
        "--loss",
        "0.02",
        "--rtt",
        "10",
        "--bytes",
        "300000",
        "--runs",
        "1",
        "--cc",
        "newreno",
        "--no-sack-recovery",
        "--json",
    ]);
    assert_eq!(v["congestion"], "newreno");
    assert_eq!(v["sack_recovery"], false);
    assert_eq!(v["rack_retransmits"], 0, "no RACK asked: {v}");
    assert_eq!(v["tlp_probes"], 0, "no TLP asked: {v}");
    // The sweep: 4 losses by 3 RTTs, one line each.
    let out = ok(&[
        "bench", "lossy", "--sweep", "--bytes", "200000", "--runs", "1", "--json",
    ]);
    assert_eq!(out.lines().count(), 12, "{out}");
}

/// The flood fills the backlog many times over: without cookies the
/// clients are shut out, with them every one connects, and "always" keeps
/// no embryonic connection at all.
#[test]
fn synflood_json_every_client_connects_with_cookies() {
    let out = ok(&[
        "bench",
        "synflood",
        "--rate",
        "20000",
        "--seconds",
        "2",
        "--clients",
        "20",
        "--backlog",
        "16",
        "--json",
    ]);
    let runs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(runs.len(), 3, "{out}");
    let by = |mode: &str| runs.iter().find(|v| v["cookies"] == mode).unwrap();
    for v in &runs {
        assert_eq!(v["bench"], "synflood");
        assert_eq!(v["flood_syns"], 40000);
        assert!(
            v["server_peak_connections"].as_u64().unwrap() <= 16 + 20,
            "{v}"
        );
    }
    let off = by("off");
    assert!(off["clients_connected"].as_u64().unwrap() < 20, "{off}");
    assert_eq!(off["syn_cookies_sent"], 0);
    let needed = by("when-needed");
    assert_eq!(needed["clients_connected"], 20, "{needed}");
    assert!(
        needed["syn_cookies_sent"].as_u64().unwrap() > 39000,
        "{needed}"
    );
    let always = by("always");
    assert_eq!(always["clients_connected"], 20, "{always}");
    assert!(
        always["server_peak_connections"].as_u64().unwrap() <= 20,
        "{always}"
    );
    assert!(
        always["server_peak_bytes"].as_u64().unwrap()
            < needed["server_peak_bytes"].as_u64().unwrap(),
        "{always} {needed}"
    );
}
