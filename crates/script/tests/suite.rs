//! Parses every script of the FreeBSD TCP test suite.

use std::path::{Path, PathBuf};

use synack_script::ast::{Direction, EventKind, IpSpec, Script, TcpOptionSpec};
use synack_script::parse;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/freebsd-tcp-testsuite")
}

/// All `.pkt` files two levels under `state-event-engine` and `socket-api`.
fn scripts() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for part in ["state-event-engine", "socket-api"] {
        let top = suite_dir().join(part);
        let dirs = std::fs::read_dir(&top).unwrap_or_else(|e| panic!("{}: {e}", top.display()));
        for dir in dirs {
            let dir = dir.expect("dir entry").path();
            if !dir.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&dir).expect("read_dir") {
                let path = file.expect("dir entry").path();
                if path.extension().is_some_and(|e| e == "pkt") {
                    let text = std::fs::read_to_string(&path).expect("read script");
                    out.push((path, text));
                }
            }
        }
    }
    out.sort();
    out
}

/// An independent, line-based oracle: `(line, first char of the action)`
/// for every line that starts with a time, in the blocks `defines` keeps.
/// Good enough for the suite's simple layout (one event per line,
/// directives in column 0, no block comments).
fn oracle_events(text: &str, defines: &[&str]) -> Vec<(usize, char)> {
    let mut keep = vec![true];
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        let mut words = t.split_whitespace();
        match words.next() {
            Some("#ifdef") => {
                let on = defines.contains(&words.next().unwrap_or(""));
                keep.push(*keep.last().unwrap() && on);
            }
            Some("#endif") => {
                keep.pop();
            }
            _ if *keep.last().unwrap()
                && t.starts_with(['+', '*', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) =>
            {
                let action = t
                    .trim_start_matches(|c: char| "+*.~0123456789".contains(c))
                    .trim_start();
                out.push((i + 1, action.chars().next().unwrap_or(' ')));
            }
            _ => {}
        }
    }
    out
}

fn parse_all(defines: &[&str]) -> Vec<(PathBuf, Script)> {
    let scripts = scripts();
    assert_eq!(
        scripts.len(),
        614 + 22,
        "number of .pkt files under {}",
        suite_dir().display()
    );
    let mut failures = Vec::new();
    let mut parsed = Vec::new();
    for (path, text) in scripts {
        match parse(&text, defines) {
            Ok(s) => {
                let got: Vec<(usize, char)> = s
                    .events
                    .iter()
                    .map(|e| {
                        let c = match &e.kind {
                            EventKind::Packet(p) if p.direction == Direction::Inbound => '<',
                            EventKind::Packet(_) => '>',
                            EventKind::Command(_) => '`',
                            EventKind::Code(_) => '%',
                            EventKind::Syscall(_) => 's',
                            EventKind::Icmp(_) => 'i',
                        };
                        (e.line, c)
                    })
                    .collect();
                let want: Vec<(usize, char)> = oracle_events(&text, defines)
                    .into_iter()
                    .map(|(l, c)| (l, if "<>`%".contains(c) { c } else { 's' }))
                    .collect();
                assert_eq!(
                    got,
                    want,
                    "{}: events differ from the line oracle",
                    path.display()
                );
                parsed.push((path, s));
            }
            Err(e) => failures.push(format!("{}:{e}", path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} scripts failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    parsed
}

#[test]
fn whole_suite_parses_with_standard() {
    let scripts = parse_all(&["STANDARD"]);
    check_aggregates(&scripts);
    assert_eq!(
        scripts.iter().map(|(_, s)| s.events.len()).sum::<usize>(),
        16158
    );
}

#[test]
fn whole_suite_parses_with_freebsd() {
    let scripts = parse_all(&["FreeBSD"]);
    check_aggregates(&scripts);
    assert_eq!(
        scripts.iter().map(|(_, s)| s.events.len()).sum::<usize>(),
        16222
    );
}

fn check_aggregates(scripts: &[(PathBuf, Script)]) {
    let mut timestamps = 0;
    let mut md5 = 0;
    // Only the socket-api getsockopt scripts run without any packet.
    let mut without_packets = 0;
    // Counted with grep over the suite (none of these sit in #ifdef blocks).
    let (mut absolute, mut udp, mut ip_info, mut code, mut errno) = (0, 0, 0, 0, 0);
    for (path, s) in scripts {
        let name = path.display();
        let ip = s.options.iter().find(|o| o.name == "ip_version");
        let ip = ip.and_then(|o| o.value.as_deref());
        assert!(
            matches!(ip, Some("ipv4" | "ipv6")),
            "{name}: ip_version {ip:?}"
        );
        let count = |f: fn(&EventKind) -> bool| s.events.iter().filter(|e| f(&e.kind)).count();
        let packets = count(|k| matches!(k, EventKind::Packet(_)));
        if path.to_string_lossy().contains("state-event-engine") {
            assert!(packets > 0, "{name}: no packets");
        } else {
            without_packets += usize::from(packets == 0);
        }
        assert!(
            count(|k| matches!(k, EventKind::Syscall(_))) > 0,
            "{name}: no syscalls"
        );
        assert!(
            s.events.windows(2).all(|w| w[0].line < w[1].line),
            "{name}: lines not increasing"
        );
        for e in &s.events {
            match &e.kind {
                EventKind::Code(_) => code += 1,
                EventKind::Syscall(c) => errno += usize::from(c.errno.is_some()),
                _ => {}
            }
            if let EventKind::Packet(p) = &e.kind {
                absolute += usize::from(p.seq.absolute);
                udp += usize::from(p.udp_encap.is_some());
                ip_info += usize::from(p.ip != IpSpec::default());
                for o in p.options.iter().flatten() {
                    match o {
                        TcpOptionSpec::Timestamp { .. } => timestamps += 1,
                        TcpOptionSpec::Other(t) if t == "md5 valid" => md5 += 1,
                        TcpOptionSpec::Other(t) => {
                            panic!("{name}:{}: unexpected option {t}", e.line)
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    assert_eq!(without_packets, 8, "socket-api scripts without packets");
    assert_eq!(
        (absolute, udp, ip_info, code, errno),
        (18, 48, 196, 18, 414)
    );
    let init = scripts
        .iter()
        .filter(|(_, s)| s.init_command.is_some())
        .count();
    let cleanup = scripts
        .iter()
        .filter(|(_, s)| s.cleanup_command.as_deref() == Some("setkey -F"))
        .count();
    assert_eq!(
        (init, cleanup),
        (4, 4),
        "md5 scripts' init and cleanup commands"
    );
    assert!(
        timestamps > 0 && md5 > 0,
        "timestamps {timestamps}, md5 {md5}"
    );
}
