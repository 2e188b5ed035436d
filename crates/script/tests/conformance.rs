//! The FreeBSD TCP test suite in CI: every script under
//! `../shared/conformance/freebsd-tcp-testsuite/{state-event-engine,socket-api}`
//! runs, and each verdict must equal the one recorded in
//! `tests/conformance/freebsd-expected.txt`. A regression (a recorded pass
//! that no longer passes) fails, and so does an unrecorded change the other
//! way, so the file always tells the truth: after an improvement, rerun
//! with `SYNACK_BLESS=1` to record it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use synack_script::{Outcome, RunOptions, run_text};

fn suite_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/freebsd-tcp-testsuite")
}

fn expected_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/freebsd-expected.txt")
}

fn scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e} (is ../shared beside the clone?)", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            scripts(&p, out);
        } else if p.extension().is_some_and(|e| e == "pkt") {
            out.push(p);
        }
    }
}

/// (relative path, verdict) for every script of the two directories.
fn run_suite() -> BTreeMap<String, &'static str> {
    let root = suite_root();
    let mut files = Vec::new();
    for sub in ["state-event-engine", "socket-api"] {
        scripts(&root.join(sub), &mut files);
    }
    assert_eq!(files.len(), 614 + 22, "the suite's script count changed");
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let outcome = run_text(&text, &["STANDARD"], &RunOptions::default());
            let rel = f.strip_prefix(&root).unwrap().display().to_string();
            (rel, outcome.label())
        })
        .collect()
}

fn parse_expected(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (v, path) = l.split_once(' ').expect("`verdict path` lines");
            (path.trim().to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn verdicts_match_the_recorded_results() {
    let got = run_suite();
    if std::env::var_os("SYNACK_BLESS").is_some() {
        let mut text = String::from(
            "# Verdicts of the FreeBSD TCP test suite under `synack script` (default mode,\n\
             # -D STANDARD). Checked by tests/conformance.rs; see docs/conformance.md.\n",
        );
        for (path, v) in &got {
            text.push_str(&format!("{v} {path}\n"));
        }
        std::fs::write(expected_file(), text).unwrap();
    }
    let expected = parse_expected(&std::fs::read_to_string(expected_file()).unwrap());
    let mut regressions = Vec::new();
    let mut changes = Vec::new();
    for (path, v) in &got {
        match expected.get(path).map(String::as_str) {
            Some(e) if e == *v => {}
            Some("pass") => regressions.push(format!("{path}: was pass, now {v}")),
            Some(e) => changes.push(format!("{path}: was {e}, now {v}")),
            None => changes.push(format!("{path}: not recorded, now {v}")),
        }
    }
    for path in expected.keys() {
        if !got.contains_key(path) {
            changes.push(format!("{path}: recorded but no longer in the suite"));
        }
    }
    assert!(
        regressions.is_empty(),
        "{} regression(s):\n{}",
        regressions.len(),
        regressions.join("\n")
    );
    assert!(
        changes.is_empty(),
        "verdicts changed (record them with SYNACK_BLESS=1):\n{}",
        changes.join("\n")
    );
}

#[test]
fn state_event_engine_passes_at_least_99_percent_in_each_family() {
    let got = run_suite();
    for family in ["ipv4", "ipv6"] {
        let mine: Vec<_> = got
            .iter()
            .filter(|(p, _)| {
                p.starts_with("state-event-engine/") && p.ends_with(&format!("-{family}.pkt"))
            })
            .collect();
        let passed = mine.iter().filter(|(_, v)| **v == "pass").count();
        assert_eq!(mine.len(), 307, "{family} scripts");
        assert!(
            passed * 100 >= mine.len() * 99,
            "{family}: {passed} of {} pass",
            mine.len()
        );
    }
}

#[test]
fn no_script_passes_by_being_skipped() {
    // A skip is its own verdict: count them so a runner change that turns
    // failures into skips shows up here and in the recorded file.
    let got = run_suite();
    let skipped: Vec<_> = got
        .iter()
        .filter(|(_, v)| **v == "skip")
        .map(|(p, _)| p)
        .collect();
    assert!(
        skipped.iter().all(|p| p.starts_with("socket-api/")),
        "state-event-engine scripts skipped: {skipped:?}"
    );
    let outcome = run_text(
        "--ip_version=ipv4\n0 `echo hi`\n",
        &[],
        &RunOptions::default(),
    );
    assert!(matches!(outcome, Outcome::Skip { .. }), "{outcome:?}");
}
