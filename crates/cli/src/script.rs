//! `synack script`: runs packetdrill scripts and prints a verdict for each.

use crate::args::ScriptArgs;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use synack_script::{Outcome, RunOptions, run_text};

/// Collects `.pkt` files: files as given, directories searched (sorted).
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| format!("{}: {e}", p.display()))?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "pkt") {
            out.push(p);
        }
    }
    Ok(())
}

/// Runs the command.
pub fn run(a: &ScriptArgs) -> Result<ExitCode, String> {
    let files = collect(&a.files)?;
    let defines: Vec<&str> = if a.defines.is_empty() {
        vec!["STANDARD"]
    } else {
        a.defines.iter().map(String::as_str).collect()
    };
    let opts = RunOptions {
        strict: a.strict,
        native: a.native,
        personality: a.personality,
    };
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for f in &files {
        let name = f.display().to_string();
        let outcome = match std::fs::read(f) {
            Ok(bytes) => run_text(&String::from_utf8_lossy(&bytes), &defines, &opts),
            Err(e) => return Err(format!("{name}: {e}")),
        };
        match &outcome {
            Outcome::Pass => passed += 1,
            Outcome::Fail(_) => failed += 1,
            Outcome::Skip { .. } => skipped += 1,
        }
        if a.json {
            let mut o = json!({ "script": name, "verdict": outcome.label() });
            match &outcome {
                Outcome::Pass => {}
                Outcome::Fail(x) => {
                    o["line"] = json!(x.line);
                    o["expected"] = json!(x.expected);
                    o["actual"] = json!(x.actual);
                }
                Outcome::Skip { line, construct } => {
                    o["line"] = json!(line);
                    o["unsupported"] = json!(construct);
                }
            }
            println!("{o}");
        } else {
            match &outcome {
                Outcome::Pass if !a.verbose => {}
                Outcome::Pass => println!("PASS {name}"),
                Outcome::Fail(x) => {
                    println!("FAIL {name}:{}", x.line);
                    println!("     expected {}", x.expected);
                    println!("     synack   {}", x.actual);
                }
                Outcome::Skip { line, construct } => {
                    println!("SKIP {name}:{line}: unsupported {construct}")
                }
            }
        }
    }
    let summary = format!("{passed} passed, {failed} failed, {skipped} skipped");
    if a.json {
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
