//! The HTML page (`demo --html`, the same code as `analyze --html`) in a
//! real browser: headless Chromium loads it, runs its script, and the test
//! reads the DOM the script left: one arrow per segment the demo sent, the
//! states it went through, the notes, the language switch, the detail panel
//! of a linked segment, and no console message. A screenshot of each page
//! is kept under the target directory (`html-screenshots/`).
//!
//! Without Chromium (`scripts/test` installs Debian's `chromium`) this
//! test fails with 'SKIPPED: ...' unless SYNACK_ALLOW_SKIP=1: a skipped
//! test never counts as passed.

mod common;

use common::{SCENARIOS, json_lines, wire_segments};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The browser's program, if one is installed.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// What the browser made of a page.
struct Loaded {
    /// The DOM after the page's script ran.
    dom: String,
    /// Messages the page wrote to the console (errors included).
    console: Vec<String>,
}

/// Runs headless Chromium on `url` with `action` (`--dump-dom` or
/// `--screenshot=FILE`), bounded in time.
fn browse(browser: &str, action: &str, url: &str) -> Loaded {
    let profile = tempdir("profile");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            // CI runs as root, where Chromium's sandbox cannot start.
            "--no-sandbox",
            "--disable-gpu",
            // A small /dev/shm (containers) must not crash the renderer.
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1400,1800",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(action)
        .arg(url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start chromium");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait for chromium").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 60 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("chromium output");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(out.status.success(), "chromium failed on {url}");
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    Loaded {
        dom: String::from_utf8(out.stdout).expect("utf-8 DOM"),
        console,
    }
}

/// A fresh scratch directory of this test process.
fn tempdir(what: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("synack-browser-{}-{what}-{n}", std::process::id()));
    std::fs::create_dir_all(&d).expect("scratch directory");
    d
}

fn url(page: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", page.display())
}

/// How many times `needle` occurs in `hay`.
fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// The `data-state` values of one side's state changes, in page order.
fn states(dom: &str, side: &str) -> Vec<String> {
    let key = format!("class=\"state {side}\" data-state=\"");
    dom.match_indices(&key)
        .map(|(i, _)| {
            let rest = &dom[i + key.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The detail panel's text.
fn panel(dom: &str) -> &str {
    let i = dom.find("id=\"panel\"").expect("a panel");
    let rest = &dom[i..];
    let start = rest.find('>').unwrap() + 1;
    &rest[start..rest.find("</aside>").unwrap()]
}

fn require_browser() -> Option<&'static str> {
    let b = chromium();
    if b.is_none() {
        eprintln!("SKIPPED: chromium not installed");
        if std::env::var("SYNACK_ALLOW_SKIP").as_deref() == Ok("1") {
            return None;
        }
        panic!("SKIPPED: chromium not installed (set SYNACK_ALLOW_SKIP=1 to allow skipping)");
    }
    b
}

#[test]
fn the_console_check_catches_a_script_error() {
    // The check below is only worth something if it can fail.
    let Some(browser) = require_browser() else {
        return;
    };
    let dir = tempdir("bad");
    let page = dir.join("bad.html");
    std::fs::write(
        &page,
        "<html><body><script>undefinedFunction();</script></body></html>",
    )
    .unwrap();
    let loaded = browse(browser, "--dump-dom", &url(&page, ""));
    assert!(
        loaded
            .console
            .iter()
            .any(|l| l.contains("undefinedFunction")),
        "a script error was not seen: {:?}",
        loaded.console
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_scenario_page_shows_the_whole_connection_in_chromium() {
    let Some(browser) = require_browser() else {
        return;
    };
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let dir = tempdir("pages");
    for sc in SCENARIOS {
        let page = dir.join(format!("{sc}.html"));
        let events = json_lines(&["demo", "--scenario", sc, "--html", page.to_str().unwrap()]);
        let sent = wire_segments(&events).len();
        // English first, as the page opens.
        let en = browse(browser, "--dump-dom", &url(&page, ""));
        assert!(en.console.is_empty(), "{sc}: console: {:?}", en.console);
        assert!(en.dom.contains("<html lang=\"en\">"), "{sc}");
        assert_eq!(
            count(&en.dom, "<g class=\"seg "),
            sent,
            "{sc}: one arrow per segment the demo put on the wire"
        );
        assert!(count(&en.dom, "class=\"note\"") > 0, "{sc}: notes");
        assert!(
            count(&en.dom, "class=\"beside\"") > 0,
            "{sc}: notes beside their segments"
        );
        assert!(en.dom.contains("class=\"sum\""), "{sc}: a summary");
        assert!(!states(&en.dom, "client").is_empty(), "{sc}: client states");
        // The Chinese page with the second segment's panel open, from a link.
        let zh = browse(browser, "--dump-dom", &url(&page, "#lang=zh&seg=c1s2"));
        assert!(zh.console.is_empty(), "{sc}: console: {:?}", zh.console);
        assert!(zh.dom.contains("<html lang=\"zh\">"), "{sc}");
        let p = panel(&zh.dom);
        if sent >= 2 {
            assert!(p.contains("flags "), "{sc}: the panel shows fields: {p}");
        }
        let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let first_note = zh.dom.find("class=\"note\"").unwrap();
        assert!(
            cjk(&zh.dom[first_note..].chars().take(300).collect::<String>()),
            "{sc}: notes switched to Chinese"
        );
        let shot = shots.join(format!("{sc}.png"));
        let _ = std::fs::remove_file(&shot);
        let s = browse(
            browser,
            &format!("--screenshot={}", shot.display()),
            &url(&page, ""),
        );
        assert!(s.console.is_empty(), "{sc}: console: {:?}", s.console);
        let png = std::fs::read(&shot).expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{sc}");
        eprintln!("{sc}: {sent} segments; screenshot {}", shot.display());
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_page_tells_the_states_the_demo_went_through() {
    let Some(browser) = require_browser() else {
        return;
    };
    let dir = tempdir("states");
    let page = dir.join("normal.html");
    let events = json_lines(&["demo", "--html", page.to_str().unwrap()]);
    let demo = |host: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["kind"] == "state" && e["host"] == host)
            .map(|e| e["to"].as_str().unwrap().to_owned())
            .collect()
    };
    let dom = browse(browser, "--dump-dom", &url(&page, "")).dom;
    // The capture ends with the last ACK: TIME-WAIT's end (2×MSL later,
    // no packet) is not in it.
    let mut client = demo("client");
    assert_eq!(client.pop().as_deref(), Some("CLOSED"));
    assert_eq!(states(&dom, "client"), client);
    assert_eq!(states(&dom, "server"), demo("server"));
    assert_eq!(
        client,
        [
            "SYN-SENT",
            "ESTABLISHED",
            "FIN-WAIT-1",
            "FIN-WAIT-2",
            "TIME-WAIT"
        ]
    );
    let _ = std::fs::remove_dir_all(dir);
}
