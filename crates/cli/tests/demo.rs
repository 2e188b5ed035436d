//! `synack demo`: every scenario in both languages, its landmarks, JSON,
//! determinism.

mod common;

use common::*;

fn ladder(scenario: &str, lang: &str) -> String {
    ok(&["demo", "--scenario", scenario, "--lang", lang])
}

/// The output without frames, spaces and line breaks, to find phrases that
/// wrapping may have split.
fn flat(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}

fn count(s: &str, pat: &str) -> usize {
    s.matches(pat).count()
}

#[test]
fn every_scenario_runs_in_both_languages_without_colour() {
    for sc in SCENARIOS {
        for lang in ["en", "zh"] {
            let out = ladder(sc, lang);
            assert!(
                !out.contains('\x1b'),
                "{sc}/{lang}: ANSI escape in piped output"
            );
            assert!(out.contains(sc), "{sc}/{lang}: header names the scenario");
            assert!(out.contains("198.18.0.1") && out.contains("198.18.0.2"));
            assert!(out.contains("ISN"), "{sc}/{lang}: ISNs in the header");
            assert!(
                !arrow_lines(&out).is_empty(),
                "{sc}/{lang}: no segments drawn"
            );
            for line in out.lines() {
                let w: usize = line
                    .chars()
                    .map(|c| {
                        if ('\u{2E80}'..='\u{FFE6}').contains(&c)
                            && !('\u{FE00}'..='\u{FE0F}').contains(&c)
                        {
                            2
                        } else {
                            1
                        }
                    })
                    .sum();
                assert!(w <= 80, "{sc}/{lang}: line wider than 80 columns: {line}");
            }
        }
    }
}

#[test]
fn normal_shows_handshake_close_and_time_wait() {
    for lang in ["en", "zh"] {
        let out = ladder("normal", lang);
        for landmark in [
            "─ SYN seq=0",
            "SYN+ACK seq=0 ack=1",
            "FIN+ACK",
            "→ TIME-WAIT",
            "TIME-WAIT → CLOSED",
            "LAST-ACK → CLOSED",
            "SYN-SENT → ESTABLISHED",
        ] {
            assert!(
                out.contains(landmark),
                "normal/{lang}: missing {landmark:?}\n{out}"
            );
        }
    }
    let en = ladder("normal", "en");
    assert!(flat(&en).contains("initialsequencenumber(ISN)"));
    assert!(flat(&en).contains("threemessages"));
    assert!(en.contains("2×MSL"));
    assert!(en.contains("verified identical"));
    let zh = ladder("normal", "zh");
    assert!(flat(&zh).contains("初始序列号"));
    assert!(zh.contains("校验一致"));
}

#[test]
fn lossy_shows_a_data_retransmission_and_a_loss() {
    for lang in ["en", "zh"] {
        let out = ladder("lossy", lang);
        assert!(out.contains('✗'), "lossy/{lang}: no lost segment");
        let data_rexmit = arrow_lines(&out)
            .into_iter()
            .any(|l| l.contains('↻') && !l.contains("len=0"));
        assert!(data_rexmit, "lossy/{lang}: no data retransmission\n{out}");
    }
    assert!(ladder("lossy", "en").contains("loss 25%"));
}

#[test]
fn lossy_shows_loss_recovery_steps_and_explains_them_in_both_languages() {
    // (line on the sender's side, its note) per language.
    let landmarks = [
        (
            "en",
            [
                ("markedlost(RACK)", "deemsitlostbytime"),
                ("lossrecoverybegins(RACK)", "entersrecovery"),
                ("lossrecoveryends", "recoveryendsandtheclient"),
                ("taillossprobeseq=4345", "sendsoneprobe"),
            ],
        ),
        (
            "zh",
            [
                ("判定为丢失（RACK）", "按时间判定它丢失"),
                ("进入丢包恢复（RACK）", "并进入恢复"),
                ("丢包恢复结束", "恢复结束，客户端"),
                ("尾部丢失探测seq=4345", "发出一个探测报文"),
            ],
        ),
    ];
    for (lang, marks) in landmarks {
        let out = flat(&ladder("lossy", lang));
        for (line, note) in marks {
            assert!(out.contains(line), "lossy/{lang}: no '{line}'\n{out}");
            assert_eq!(count(&out, note), 1, "lossy/{lang}: '{note}' once\n{out}");
        }
    }
}

#[test]
fn lossy_json_has_recovery_records_before_the_retransmissions_they_cause() {
    let out = ok(&["demo", "--scenario", "lossy", "--json"]);
    let recs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let kind = |r: &serde_json::Value| r["kind"].as_str().unwrap_or("").to_string();
    for k in [
        "recovery_entered",
        "segment_lost",
        "recovery_left",
        "tlp_sent",
    ] {
        assert!(recs.iter().any(|r| kind(r) == k), "no {k} record\n{out}");
    }
    // Every data segment marked lost (or probed) is the next one resent,
    // and each data retransmission before the first RTO has such a cause.
    let mut pending: Option<i64> = None;
    let mut explained = 0;
    for r in &recs {
        match kind(r).as_str() {
            "segment_lost" | "tlp_sent" if r["host"] == "client" => {
                pending = r["rel_seq"].as_i64();
            }
            "segment_out"
                if r["host"] == "client"
                    && r["retransmission"] == true
                    && r["len"].as_u64() > Some(0) =>
            {
                if let Some(seq) = pending.take() {
                    assert_eq!(r["rel_seq"].as_i64(), Some(seq), "{r}");
                    explained += 1;
                }
            }
            _ => {}
        }
    }
    assert!(
        explained >= 3,
        "{explained} explained retransmissions\n{out}"
    );
}

#[test]
fn syn_options_and_sack_blocks_are_shown_and_explained() {
    let out = ladder("lossy", "en");
    let syn = arrow_lines(&out)
        .into_iter()
        .find(|l| l.contains("SYN seq=0"))
        .expect("a SYN line");
    assert!(syn.contains("SACK") && syn.contains("TS"), "{syn}");
    assert_eq!(
        count(&flat(&out), "options:mss="),
        1,
        "explained once\n{out}"
    );
    // The lost data segment leaves a gap: the receiver's ACK says what it
    // holds beyond it, in relative numbers, and the note explains it once.
    let sack = arrow_lines(&out)
        .into_iter()
        .find(|l| l.contains("sack="))
        .expect("an ACK with SACK blocks");
    assert!(sack.contains("sack=1449-2897"), "{sack}");
    assert_eq!(count(&flat(&out), "(SACK,RFC2018)"), 1, "{out}");
}

#[test]
fn refused_shows_rst_ack() {
    let en = ladder("refused", "en");
    assert!(en.contains("RST+ACK seq=0 ack=1"));
    assert!(en.contains("refused"));
    assert!(en.contains("SYN-SENT → CLOSED"));
    assert!(flat(&ladder("refused", "zh")).contains("拒绝"));
}

/// Times (seconds) of the client's SYN lines.
fn syn_times(out: &str) -> Vec<f64> {
    arrow_lines(out)
        .into_iter()
        .filter(|l| l.contains("─ SYN seq=0"))
        .map(|l| l.split('│').next().unwrap().trim().parse().unwrap())
        .collect()
}

#[test]
fn syn_timeout_backs_off_exponentially_then_gives_up() {
    for lang in ["en", "zh"] {
        let out = ladder("syn-timeout", lang);
        let t = syn_times(&out);
        assert!(t.len() >= 4, "syn-timeout/{lang}: {t:?}");
        let gaps: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
        for g in gaps.windows(2) {
            assert!(g[1] > g[0] * 1.5, "gaps do not grow: {gaps:?}");
        }
        assert!(out.contains("SYN-SENT → CLOSED"));
    }
    assert!(flat(&ladder("syn-timeout", "en")).contains("timedout"));
    assert!(flat(&ladder("syn-timeout", "zh")).contains("超时"));
}

#[test]
fn delayed_duplicate_syn_is_reset_then_the_real_handshake_completes() {
    for lang in ["en", "zh"] {
        let out = ladder("delayed-duplicate-syn", lang);
        let arrows = arrow_lines(&out);
        assert!(
            arrows.iter().any(|l| l.contains("┈ SYN seq=-")),
            "old SYN drawn"
        );
        assert!(
            arrows.iter().any(|l| l.contains("│─ RST seq=")),
            "client's RST\n{out}"
        );
        assert!(
            out.contains("SYN-RECEIVED → CLOSED"),
            "server drops the stale one"
        );
        assert_eq!(count(&out, "LISTEN → SYN-RECEIVED"), 2);
        assert!(out.contains("SYN-SENT → ESTABLISHED"));
        assert!(out.contains("SYN-RECEIVED → ESTABLISHED"));
    }
    assert!(flat(&ladder("delayed-duplicate-syn", "en")).contains("two-wayhandshake"));
    assert!(flat(&ladder("delayed-duplicate-syn", "zh")).contains("两次握手"));
}

#[test]
fn simultaneous_open_and_close_pass_through_both_sides() {
    for lang in ["en", "zh"] {
        let open = ladder("simultaneous-open", lang);
        assert_eq!(count(&open, "SYN-SENT → SYN-RECEIVED"), 2, "{open}");
        assert_eq!(count(&open, "SYN-RECEIVED → ESTABLISHED"), 2);
        let close = ladder("simultaneous-close", lang);
        assert_eq!(count(&close, "FIN-WAIT-1 → CLOSING"), 2, "{close}");
        assert_eq!(count(&close, "CLOSING → TIME-WAIT"), 2);
    }
}

#[test]
fn half_close_server_sends_after_the_clients_fin() {
    let events = json_lines(&["demo", "--scenario", "half-close"]);
    let segs = wire_segments(&events);
    let fin = segs
        .iter()
        .position(|e| e["host"] == "client" && e["flags"].as_str().unwrap().contains("FIN"))
        .expect("client FIN");
    let data_after = segs[fin..]
        .iter()
        .any(|e| e["host"] == "server" && e["len"].as_u64().unwrap() > 0);
    assert!(data_after, "no server data after the client's FIN");
    assert!(flat(&ladder("half-close", "en")).contains("foursegments"));
    assert!(flat(&ladder("half-close", "zh")).contains("四个报文段"));
    let en = ladder("half-close", "en");
    assert!(en.contains("CLOSE-WAIT → LAST-ACK") && en.contains("FIN-WAIT-2 → TIME-WAIT"));
}

#[test]
fn reset_aborts_with_rst() {
    let en = ladder("reset", "en");
    assert!(en.contains("RST+ACK"));
    assert!(flat(&en).contains("connectionreset"));
    assert!(en.contains("ESTABLISHED → CLOSED (received RST)"));
    assert!(flat(&ladder("reset", "zh")).contains("重置"));
}

#[test]
fn json_lines_parse_and_match_the_ladder() {
    for sc in SCENARIOS {
        let events = json_lines(&["demo", "--scenario", sc]);
        assert!(!events.is_empty());
        for e in &events {
            for key in ["time_us", "host", "local", "remote", "kind"] {
                assert!(e.get(key).is_some(), "{sc}: {key} missing in {e}");
            }
            assert!(matches!(e["host"].as_str(), Some("client" | "server")));
            match e["kind"].as_str().unwrap() {
                "segment_out" | "segment_in" | "injected" | "dropped" => {
                    for key in [
                        "flags", "seq", "ack", "rel_seq", "rel_ack", "len", "window", "options",
                    ] {
                        assert!(e.get(key).is_some(), "{sc}: {key} missing in {e}");
                    }
                    if e["kind"] == "segment_out" {
                        assert!(e["retransmission"].is_boolean() && e["lost"].is_boolean());
                    }
                }
                "state" => {
                    for key in ["from", "to", "cause"] {
                        assert!(e[key].is_string(), "{sc}: {key} missing in {e}");
                    }
                }
                "recovery_entered" => {
                    assert!(e["cause"].is_string() && e["ssthresh"].is_u64(), "{e}");
                }
                "recovery_left" => assert!(e["timeout"].is_boolean(), "{e}"),
                "segment_lost" | "tlp_sent" => {
                    assert!(e["rel_seq"].is_i64() && e["len"].is_u64(), "{e}");
                }
                "dsack_received" | "spurious_recovery_undone" => {}
                other => panic!("{sc}: unexpected kind {other}"),
            }
        }
        let ladder = ok(&["demo", "--scenario", sc]);
        let arrows = arrow_lines(&ladder);
        let segs = wire_segments(&events);
        assert_eq!(
            arrows.len(),
            segs.len(),
            "{sc}: ladder vs JSON segment count"
        );
        let lost = segs.iter().filter(|e| e["lost"] == true).count();
        assert_eq!(
            arrows.iter().filter(|l| l.contains('✗')).count(),
            lost,
            "{sc}"
        );
        let rexmit = segs.iter().filter(|e| e["retransmission"] == true).count();
        assert_eq!(
            arrows.iter().filter(|l| l.contains('↻')).count(),
            rexmit,
            "{sc}"
        );
    }
}

#[test]
fn same_seed_same_output() {
    for args in [
        &["demo", "--scenario", "lossy", "--seed", "7"][..],
        &[
            "demo",
            "--scenario",
            "normal",
            "--loss",
            "0.1",
            "--seed",
            "42",
            "--lang",
            "zh",
        ],
        &["demo", "--scenario", "lossy", "--json"],
    ] {
        assert_eq!(ok(args), ok(args), "{args:?}");
    }
    // A different seed picks different ISNs.
    assert_ne!(ok(&["demo", "--seed", "1"]), ok(&["demo", "--seed", "2"]));
}

#[test]
fn options_change_the_run() {
    let out = ok(&["demo", "--rtt", "100", "--bytes", "100"]);
    assert!(out.contains("RTT 100 ms"));
    assert!(out.contains("len=100"));
    // One-way latency is half the RTT: the SYN+ACK leaves at 0.050.
    assert!(
        arrow_lines(&out)
            .iter()
            .any(|l| l.trim_start().starts_with("0.050") && l.contains("SYN+ACK"))
    );
}

#[test]
fn pcap_is_written() {
    let path = std::env::temp_dir().join(format!("synack-demo-{}.pcap", std::process::id()));
    let p = path.to_str().unwrap();
    ok(&["demo", "--pcap", p]);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).ok();
    // Little-endian pcap magic, LINKTYPE_RAW (101).
    assert_eq!(&bytes[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    assert_eq!(u32::from_le_bytes(bytes[20..24].try_into().unwrap()), 101);
    assert!(bytes.len() > 24 + 15 * 16);
}
