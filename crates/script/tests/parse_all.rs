//! Every script under `../shared/conformance` (the FreeBSD TCP test suite
//! and Google's packetdrill tests for Linux) parses: constructs the runner
//! cannot execute are named skips at run time, never parse errors.
//!
//! The scripts are not part of this repository; without `../shared` the
//! test says so and returns (there is nothing to check).

use std::path::{Path, PathBuf};
use synack_script::parse;

fn conformance_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
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

#[test]
fn every_conformance_script_parses() {
    let root = conformance_root();
    if !root.is_dir() {
        eprintln!(
            "SKIPPED: {} is absent (clone ../shared beside the repository to run this test)",
            root.display()
        );
        return;
    }
    let mut files = Vec::new();
    scripts(&root, &mut files);
    assert!(
        files.len() >= 790,
        "only {} scripts under {}",
        files.len(),
        root.display()
    );
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).expect("readable script");
            parse(&text, &["STANDARD"]).err().map(|e| {
                format!(
                    "{}:{}: {}",
                    f.strip_prefix(&root).unwrap_or(f).display(),
                    e.line,
                    e.message
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} scripts do not parse:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
