//! `synack analyze` on captures that no one here wrote: the Linux kernel's
//! own TCP, over a veth pair between two private namespaces (198.18.0.1 the
//! client side, 198.18.0.2 the server side), captured by tshark (dumpcap)
//! on the client's end, offloads off so that packets are wire-sized.
//!
//! One capture holds six connections: curl fetching a file from python's
//! `http.server`, curl to a port nobody listens on (refused), a Python
//! client that half-closes and then reads the answer the server writes
//! after the client's FIN, a reader that stops for two seconds with a small
//! receive buffer (zero window, probes, the window opening again; tshark's
//! zero-window frames and probes, which it calls `keep_alive` for Linux's
//! probe without data, are compared too), a server that aborts an
//! established connection (SO_LINGER 0: a RST), and curl downloading 2 MiB
//! while nftables drops
//! 4% of the segments arriving at the client (`numgen random`, nft's
//! `statistic`; the capture sees them before the drop, so each loss shows
//! as an original and its retransmission). `synack analyze --json` is then
//! compared with tshark's analysis of the same file field by field: the
//! connections, and per connection and direction the segments, payload
//! bytes, SYN/FIN/RST/PSH/ACK flags and retransmissions (tshark's
//! `retransmission`, `fast_retransmission`, `spurious_retransmission` and
//! `out_of_order` frames against analyze's retransmissions plus
//! out-of-order segments: on a link without reordering, tshark calls a
//! retransmission that follows the original within 3 ms "out of order").
//! The same file is written as pcapng (dumpcap's format) and converted to
//! pcap (LINKTYPE_ETHERNET) so both readers are covered.

use crate::netns::Netns;
use crate::util::random_file;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(150);
const CLIENT: &str = "198.18.0.1";
const SERVER: &str = "198.18.0.2";

/// The half-close peer (server side): reads until EOF, then answers.
const HALF_SERVER: &str = r#"
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
n = 0
while True:
    b = c.recv(65536)
    if not b:
        break
    n += len(b)
c.sendall(b"x" * 3000 + str(n).encode())
c.close()
"#;

/// The half-close client: sends, shuts down its sending side, reads all.
const HALF_CLIENT: &str = r#"
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
c.sendall(b"y" * 1000)
c.shutdown(socket.SHUT_WR)
got = b""
while True:
    b = c.recv(65536)
    if not b:
        break
    got += b
assert got.endswith(b"1000"), got[-10:]
c.close()
"#;

/// The zero-window peer (server side): writes 2 MiB as fast as it can.
const SOURCE_SERVER: &str = r#"
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
c, _ = s.accept()
c.sendall(b"z" * (2 << 20))
c.close()
"#;

/// The aborting peer (server side): reads a little, then closes with
/// SO_LINGER 0, which sends a RST instead of a FIN.
const RESET_SERVER: &str = r#"
import socket, struct, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
c, _ = s.accept()
c.recv(100)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
"#;

/// Its client: sends, then reads until the connection is reset.
const RESET_CLIENT: &str = r#"
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
c.sendall(b"hello")
try:
    while c.recv(100):
        pass
    sys.exit("closed without a reset")
except ConnectionResetError:
    pass
"#;

/// The reader that stops: a small receive buffer, two seconds without
/// reading (the window closes, the sender probes), then everything.
const SLOW_CLIENT: &str = r#"
import socket, sys, time
c = socket.socket()
c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
c.connect((sys.argv[1], int(sys.argv[2])))
time.sleep(2)
n = 0
while True:
    b = c.recv(65536)
    if not b:
        break
    n += len(b)
assert n == 2 << 20, n
c.close()
"#;

/// Per (stream, sender) figures from tshark.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Dir {
    segments: u64,
    payload: u64,
    syn: u64,
    ack: u64,
    fin: u64,
    rst: u64,
    psh: u64,
    repeats: u64,
    /// Frames with a zero window (tshark: every one; analyze: episodes,
    /// compared as present or not).
    zero_window: bool,
    /// Zero-window probes (tshark: `zero_window_probe`, or `keep_alive` for
    /// Linux's probe at SND.UNA - 1 without data).
    probes: u64,
}

fn tshark_dirs(file: &Path) -> BTreeMap<(u64, String), Dir> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(["-n", "-Y", "tcp", "-T", "fields", "-E", "separator=\t"])
        .args(["-e", "tcp.stream", "-e", "ip.src", "-e", "tcp.srcport"])
        .args(["-e", "tcp.len", "-e", "tcp.flags"])
        .args(["-e", "tcp.analysis.retransmission"])
        .args(["-e", "tcp.analysis.fast_retransmission"])
        .args(["-e", "tcp.analysis.spurious_retransmission"])
        .args(["-e", "tcp.analysis.out_of_order"])
        .args(["-e", "tcp.analysis.zero_window"])
        .args(["-e", "tcp.analysis.zero_window_probe"])
        .args(["-e", "tcp.analysis.keep_alive"])
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut m: BTreeMap<(u64, String), Dir> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let stream: u64 = f[0].parse().expect("stream");
        let d = m.entry((stream, format!("{}:{}", f[1], f[2]))).or_default();
        d.segments += 1;
        d.payload += f[3].parse::<u64>().unwrap_or(0);
        let flags = u32::from_str_radix(f[4].trim_start_matches("0x"), 16).expect("flags");
        d.fin += u64::from(flags & 1);
        d.syn += u64::from(flags >> 1 & 1);
        d.rst += u64::from(flags >> 2 & 1);
        d.psh += u64::from(flags >> 3 & 1);
        d.ack += u64::from(flags >> 4 & 1);
        if f[5..9].iter().any(|x| !x.is_empty()) {
            d.repeats += 1;
        }
        d.zero_window |= !f[9].is_empty();
        if !f[10].is_empty() || !f[11].is_empty() {
            d.probes += 1;
        }
    }
    m
}

fn analyze_json(file: &Path, lang: &str) -> Vec<serde_json::Value> {
    let out = Command::new(crate::netns::SYNACK)
        .arg("analyze")
        .arg(file)
        .args(["--json", "--lang", lang])
        .output()
        .expect("run synack analyze");
    assert!(
        out.status.success(),
        "synack analyze {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn notes_of(c: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["notes"].as_array().cloned().unwrap_or_default())
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect();
    for n in c["end_notes"].as_array().unwrap() {
        v.push(n["kind"].as_str().unwrap().to_string());
    }
    v
}

#[test]
fn analyze_agrees_with_tshark_on_kernel_captures() {
    let tools = ["python3", "curl", "tshark", "nft", "ethtool", "chromium"];
    let Some(mut ns) = Netns::new("analyze_kernel", LIMIT, &tools) else {
        return;
    };
    let peer = ns.add_peer(
        "srv",
        ("veth-c", &format!("{CLIENT}/24")),
        ("veth-s", &format!("{SERVER}/24")),
    );
    for (n, dev) in [(ns.name.clone(), "veth-c"), (peer.clone(), "veth-s")] {
        ns.run_in_ok(
            &n,
            "ethtool",
            &["-K", dev, "tso", "off", "gso", "off", "gro", "off"],
        );
    }
    let www = ns.path("www");
    std::fs::create_dir_all(&www).unwrap();
    random_file(&www.join("small.bin"), 5000, 1);
    random_file(&www.join("big.bin"), 2 << 20, 2);
    let half_server = ns.path("half_server.py");
    let half_client = ns.path("half_client.py");
    std::fs::write(&half_server, HALF_SERVER).unwrap();
    std::fs::write(&half_client, HALF_CLIENT).unwrap();
    let www_s = www.to_str().unwrap().to_string();
    let http = ns.spawn_in(
        &peer,
        "http",
        "python3",
        &[
            "-m",
            "http.server",
            "8000",
            "--bind",
            SERVER,
            "--directory",
            &www_s,
        ],
    );
    let half = ns.spawn_in(
        &peer,
        "half",
        "python3",
        &[half_server.to_str().unwrap(), SERVER, "8002"],
    );
    let source_server = ns.path("source_server.py");
    let slow_client = ns.path("slow_client.py");
    std::fs::write(&source_server, SOURCE_SERVER).unwrap();
    std::fs::write(&slow_client, SLOW_CLIENT).unwrap();
    let source = ns.spawn_in(
        &peer,
        "source",
        "python3",
        &[source_server.to_str().unwrap(), SERVER, "8003"],
    );
    let reset_server = ns.path("reset_server.py");
    let reset_client = ns.path("reset_client.py");
    std::fs::write(&reset_server, RESET_SERVER).unwrap();
    std::fs::write(&reset_client, RESET_CLIENT).unwrap();
    let reset = ns.spawn_in(
        &peer,
        "reset",
        "python3",
        &[reset_server.to_str().unwrap(), SERVER, "8004"],
    );
    let pcapng = ns.path("kernel.pcapng");
    let cap = ns.spawn(
        "tshark",
        "tshark",
        &[
            "-n",
            "-i",
            "veth-c",
            "-f",
            "tcp or udp port 9",
            "-w",
            pcapng.to_str().unwrap(),
        ],
    );
    ns.poll_until(
        "tshark capturing",
        Duration::from_secs(20),
        Some(cap),
        |ns| ns.stderr(cap).contains("Capturing on"),
    );
    // "Capturing on" comes before the capture really starts: a datagram to
    // the discard port, until one is in the file, proves it has (a missed
    // first SYN would make every figure of the first fetch differ). Not
    // TCP: neither tshark's streams nor analyze's connections count it.
    ns.poll_until(
        "the capture holding a first packet",
        Duration::from_secs(20),
        Some(cap),
        |ns| {
            ns.run_ok(
                "python3",
                &[
                    "-c",
                    &format!(
                        "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('{SERVER}', 9))"
                    ),
                ],
            );
            std::thread::sleep(Duration::from_millis(200));
            let seen = Command::new("tshark")
                .arg("-r")
                .arg(&pcapng)
                .args(["-n", "-Y", "udp.port == 9", "-T", "fields", "-e", "frame.number"])
                .output();
            seen.is_ok_and(|o| !o.stdout.is_empty())
        },
    );
    ns.poll_until(
        "servers listening",
        Duration::from_secs(10),
        Some(http),
        |ns| {
            let s = ns.run_in_ok(&peer, "ss", &["-ltnH"]);
            [":8000", ":8002", ":8003", ":8004"]
                .iter()
                .all(|p| s.contains(p))
        },
    );
    let url = |f: &str| format!("http://{SERVER}:8000/{f}");
    // 1. A normal fetch.
    ns.run_ok(
        "curl",
        &[
            "-sS",
            "--max-time",
            "20",
            "-o",
            "/dev/null",
            &url("small.bin"),
        ],
    );
    // 2. Refused: nothing listens on 8001.
    let refused = ns
        .command(
            "curl",
            &["-sS", "--max-time", "5", &format!("http://{SERVER}:8001/")],
        )
        .output()
        .unwrap();
    assert!(!refused.status.success(), "curl to a closed port succeeded");
    // 3. Half-close.
    ns.run_ok("python3", &[half_client.to_str().unwrap(), SERVER, "8002"]);
    ns.wait_ok(half, Duration::from_secs(10));
    // 4. A reader that stops: zero window, probes, the window opens.
    ns.run_ok("python3", &[slow_client.to_str().unwrap(), SERVER, "8003"]);
    ns.wait_ok(source, Duration::from_secs(10));
    // 5. A reset: the server aborts an established connection.
    ns.run_ok("python3", &[reset_client.to_str().unwrap(), SERVER, "8004"]);
    ns.wait_ok(reset, Duration::from_secs(10));
    // 6. A download under random loss at the client's input.
    ns.run_ok("nft", &["add", "table", "inet", "lossy"]);
    ns.run_ok(
        "nft",
        &[
            "add",
            "chain",
            "inet",
            "lossy",
            "in",
            "{ type filter hook input priority 0 ; }",
        ],
    );
    ns.run_ok(
        "nft",
        &[
            "add", "rule", "inet", "lossy", "in", "tcp", "sport", "8000", "numgen", "random",
            "mod", "100", "<", "4", "drop",
        ],
    );
    ns.run_ok(
        "curl",
        &[
            "-sS",
            "--max-time",
            "60",
            "-o",
            "/dev/null",
            &url("big.bin"),
        ],
    );
    ns.run_ok("nft", &["delete", "table", "inet", "lossy"]);
    // Let the last FINs and ACKs pass, then stop the capture.
    std::thread::sleep(Duration::from_millis(500));
    ns.signal(cap, "INT");
    ns.wait(cap, Duration::from_secs(10));
    ns.signal(http, "TERM");

    let pcap = ns.path("kernel.pcap");
    let conv = Command::new("editcap")
        .args(["-F", "pcap"])
        .arg(&pcapng)
        .arg(&pcap)
        .status();
    let files: Vec<&Path> = if conv.is_ok_and(|s| s.success()) {
        vec![pcapng.as_path(), pcap.as_path()]
    } else {
        vec![pcapng.as_path()]
    };
    let theirs = tshark_dirs(&pcapng);
    let streams: std::collections::BTreeSet<u64> = theirs.keys().map(|k| k.0).collect();
    for file in files {
        let lines = analyze_json(file, "en");
        let (conns, totals) = lines.split_at(lines.len() - 1);
        assert_eq!(
            totals[0]["capture"]["connections"].as_u64(),
            Some(streams.len() as u64),
            "{}: connection count (tshark streams {streams:?})",
            file.display()
        );
        assert_eq!(conns.len(), streams.len());
        assert_eq!(totals[0]["capture"]["damaged"].as_u64(), Some(0));
        // Connections in order of first packet, as tshark numbers streams.
        let mut total_repeats = 0;
        for (k, c) in conns.iter().enumerate() {
            let stream = k as u64;
            for d in c["directions"].as_array().unwrap() {
                let from = if d["from"] == "client" {
                    &c["client"]
                } else {
                    &c["server"]
                };
                let who = from.as_str().unwrap().to_string();
                let t = theirs
                    .get(&(stream, who.clone()))
                    .cloned()
                    .unwrap_or_default();
                let f = &d["flags"];
                let ours = Dir {
                    segments: d["segments"].as_u64().unwrap(),
                    payload: d["payload_bytes"].as_u64().unwrap(),
                    syn: f["SYN"].as_u64().unwrap(),
                    ack: f["ACK"].as_u64().unwrap(),
                    fin: f["FIN"].as_u64().unwrap(),
                    rst: f["RST"].as_u64().unwrap(),
                    psh: f["PSH"].as_u64().unwrap(),
                    repeats: d["retransmissions"].as_u64().unwrap()
                        + d["out_of_order"].as_u64().unwrap(),
                    zero_window: d["zero_windows"].as_u64().unwrap() > 0,
                    probes: d["window_probes"].as_u64().unwrap()
                        + d["keep_alives"].as_u64().unwrap(),
                };
                total_repeats += ours.repeats;
                assert_eq!(
                    ours,
                    t,
                    "{}: connection {} from {who}",
                    file.display(),
                    k + 1
                );
            }
        }
        assert!(
            total_repeats > 0,
            "the lossy download shows no retransmission"
        );
        // What each connection's story says.
        let by_port = |p: &str| {
            conns
                .iter()
                .find(|c| c["server"].as_str().unwrap().ends_with(p))
                .unwrap_or_else(|| panic!("no connection to {p}"))
        };
        let normal = &conns[0];
        let n = notes_of(normal);
        for kind in [
            "syn",
            "syn_options",
            "syn_ack",
            "handshake_done",
            "first_data",
            "ack_confirms",
            "fin",
            "fin_ack",
            "time_wait",
        ] {
            assert!(
                n.iter().any(|x| x == kind),
                "normal fetch lacks a {kind} note: {n:?}"
            );
        }
        assert_eq!(normal["open"], "three_way_handshake");
        assert_eq!(normal["close"], "fin");
        let r = by_port(":8001");
        assert_eq!(r["open"], "refused");
        assert_eq!(r["rst_why"], "refused");
        assert!(notes_of(r).iter().any(|x| x == "rst_refused"));
        let h = by_port(":8002");
        assert!(
            notes_of(h).iter().any(|x| x == "half_close"),
            "{:?}",
            notes_of(h)
        );
        assert_eq!(h["directions"][0]["bytes"], 1000);
        assert_eq!(h["directions"][1]["bytes"], 3004);
        let z = by_port(":8003");
        let zn = notes_of(z);
        for kind in ["zero_window", "window_probe", "window_open"] {
            assert!(
                zn.iter().any(|x| x == kind),
                "zero-window stall lacks {kind}: {zn:?}"
            );
        }
        assert_eq!(z["directions"][1]["bytes"], 2 << 20);
        let a = by_port(":8004");
        assert_eq!(a["close"], "rst", "{a}");
        assert_eq!(a["rst_from"], "server", "{a}");
        assert_eq!(a["rst_why"], "abort", "{a}");
        assert_eq!(a["directions"][0]["bytes"], 5, "{a}");
        assert!(notes_of(a).iter().any(|x| x == "rst_abort"), "{a}");
        let lossy = conns.last().unwrap();
        let down = &lossy["directions"][1];
        assert!(down["bytes"].as_u64().unwrap() > 2 << 20, "{down}");
        assert!(down["retransmissions"].as_u64().unwrap() > 0, "{down}");
        let ln = notes_of(lossy);
        assert!(
            ln.iter().any(|x| x.starts_with("retransmission_")),
            "{ln:?}"
        );
        assert!(ln.iter().any(|x| x == "sack" || x == "dup_ack"), "{ln:?}");
    }
    // The text in both languages: every line within 80 columns.
    html_in_chromium(&ns, &pcapng);
    for lang in ["en", "zh"] {
        let out = Command::new(crate::netns::SYNACK)
            .arg("analyze")
            .arg(&pcapng)
            .args(["--lang", lang])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            assert!(
                synack_width(line) <= 80,
                "{lang}: line wider than 80 columns: {line:?}"
            );
        }
    }
}

/// `analyze --html` of the kernel's capture in a real browser (headless
/// Chromium): every segment of the capture is drawn (no rows left out),
/// and the page's script runs without a console message.
fn html_in_chromium(ns: &Netns, capture: &Path) {
    let page = ns.path("kernel.html");
    let out = Command::new(crate::netns::SYNACK)
        .arg("analyze")
        .arg(capture)
        .args(["--rows", "10000000", "--html"])
        .arg(&page)
        .output()
        .expect("run synack analyze --html");
    assert!(
        out.status.success(),
        "analyze --html: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = analyze_json(capture, "en");
    let segments = lines.last().unwrap()["capture"]["segments"]
        .as_u64()
        .unwrap();
    let out = Command::new("timeout")
        .args([
            "60",
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
        ])
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("--user-data-dir={}", ns.path("chromium").display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed or timed out");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        dom.matches("<g class=\"seg ").count() as u64,
        segments,
        "one arrow per segment of the capture"
    );
    let console: Vec<_> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    assert!(console.is_empty(), "console: {console:?}");
}

/// Display width (CJK characters take two columns).
fn synack_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let wide = matches!(c, '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{303E}'
                | '\u{3041}'..='\u{33FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
                | '\u{AC00}'..='\u{D7A3}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FF60}'
                | '\u{FFE0}'..='\u{FFE6}');
            if wide { 2 } else { 1 }
        })
        .sum()
}
