//! Google's packetdrill tests for Linux
//! (`../shared/conformance/packetdrill-linux/gtests/net/tcp`) under
//! `--personality linux` in CI: every verdict must equal the one recorded
//! in `tests/conformance/linux-expected.txt` (a recorded pass that stops
//! passing fails, and so does any unrecorded change; `SYNACK_BLESS=1`
//! records an improvement), and the pass rate outside the Linux-only
//! groups must not fall below the recorded floor.
//!
//! Without `../shared` the tests say so and return.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use synack_script::{Outcome, Personality, RunOptions, run_text};

/// Groups that exercise features only Linux has (or that synack does not
/// build): their scripts are named skips, outside the pass rate.
const LINUX_ONLY: &[&str] = &[
    "eor",
    "epoll",
    "fastopen",
    "inq",
    "md5",
    "notsent_lowat",
    "sendfile",
    "splice",
    "timestamping",
    "zerocopy",
];

/// The pass rate (percent) outside the Linux-only groups must stay at or
/// above this.
const FLOOR_PERCENT: usize = 80;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/packetdrill-linux/gtests/net/tcp")
}

fn expected_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/linux-expected.txt")
}

fn scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
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

/// (path relative to `gtests/net/tcp`, outcome) for every script, or
/// `None` without `../shared`.
fn run_all() -> Option<BTreeMap<String, Outcome>> {
    let root = root();
    if !root.is_dir() {
        eprintln!(
            "SKIPPED: {} is absent (clone ../shared beside the repository to run this test)",
            root.display()
        );
        return None;
    }
    let mut files = Vec::new();
    scripts(&root, &mut files);
    let opts = RunOptions {
        personality: Personality::Linux,
        ..RunOptions::default()
    };
    Some(
        files
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(f).expect("readable script");
                let rel = f
                    .strip_prefix(&root)
                    .expect("under root")
                    .display()
                    .to_string();
                (rel, run_text(&text, &[], &opts))
            })
            .collect(),
    )
}

fn linux_only(path: &str) -> bool {
    LINUX_ONLY
        .iter()
        .any(|g| path.starts_with(&format!("{g}/")))
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
fn linux_verdicts_match_the_recorded_results() {
    let Some(got) = run_all() else {
        return;
    };
    if std::env::var_os("SYNACK_VERBOSE").is_some() {
        for (p, o) in &got {
            println!("{p}: {o}");
        }
    }
    if std::env::var_os("SYNACK_BLESS").is_some() {
        let mut text = String::from(
            "# Verdicts of Google's packetdrill tests (gtests/net/tcp) under `synack script\n\
             # --personality linux`. Checked by tests/linux.rs; see docs/conformance.md.\n",
        );
        for (path, o) in &got {
            text.push_str(&format!("{} {path}\n", o.label()));
        }
        std::fs::write(expected_file(), text).expect("write the recorded verdicts");
    }
    let expected = parse_expected(
        &std::fs::read_to_string(expected_file()).expect("tests/conformance/linux-expected.txt"),
    );
    let mut regressions = Vec::new();
    let mut changes = Vec::new();
    for (path, o) in &got {
        let v = o.label();
        match expected.get(path).map(String::as_str) {
            Some(e) if e == v => {}
            Some("pass") => regressions.push(format!("{path}: was pass, now {o}")),
            Some(e) => changes.push(format!("{path}: was {e}, now {o}")),
            None => changes.push(format!("{path}: not recorded, now {o}")),
        }
    }
    for path in expected.keys() {
        if !got.contains_key(path) {
            changes.push(format!("{path}: recorded but no longer present"));
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
fn linux_only_groups_are_named_skips_and_the_rest_meets_the_floor() {
    let Some(got) = run_all() else {
        return;
    };
    let mut counted = 0;
    let mut passed = 0;
    for (path, o) in &got {
        if linux_only(path) {
            // Never a pass, never a failure: a skip that names a construct.
            match o {
                Outcome::Skip { construct, .. } => assert!(!construct.is_empty(), "{path}"),
                other => panic!("{path} is in a Linux-only group but is {other}"),
            }
        } else {
            counted += 1;
            passed += usize::from(*o == Outcome::Pass);
        }
    }
    assert!(
        counted >= 50,
        "only {counted} scripts outside the Linux-only groups"
    );
    println!("{passed} of {counted} pass outside the Linux-only groups");
    assert!(
        passed * 100 >= counted * FLOOR_PERCENT,
        "{passed} of {counted} pass (floor {FLOOR_PERCENT}%)"
    );
}
