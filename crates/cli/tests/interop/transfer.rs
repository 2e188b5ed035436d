//! Bulk transfers between the Linux kernel and synack, checked by SHA-256.
//! The lossy variants (`lossy.rs`) run the same code with `--loss`.

use crate::netns::{KERNEL_IP, Netns, SYNACK_IP, TUN};
use crate::synack::{client, serve, stop};
use crate::util::{MIB, client_py, digests, file_len, last_json, random_file, sha256};
use std::time::Duration;

/// Time bound of each test.
pub const LIMIT: Duration = Duration::from_secs(120);

/// The test's namespace: shared with other lossy tests when `extra` asks
/// for loss (see `netns`).
fn open(test: &str, tools: &[&str], extra: &[&str]) -> Option<Netns> {
    if extra.contains(&"--loss") {
        Netns::shared(test, LIMIT, tools)
    } else {
        Netns::new(test, LIMIT, tools)
    }
}

/// Test 1: curl downloads `bytes` of random data from `synack serve --mode
/// http:DIR`.
pub fn curl_from_serve_http(test: &str, bytes: u64, extra: &[&str]) {
    let Some(mut ns) = open(test, &["curl"], extra) else {
        return;
    };
    let www = ns.path("www");
    std::fs::create_dir_all(&www).unwrap();
    let blob = www.join("blob.bin");
    random_file(&blob, bytes, 1);
    let mode = format!("http:{}", www.display());
    let s = serve(&mut ns, 8080, &mode, extra);
    let dl = ns.path("download.bin");
    let url = format!("http://{SYNACK_IP}:8080/blob.bin");
    let max = ns
        .remaining()
        .as_secs()
        .saturating_sub(10)
        .max(1)
        .to_string();
    let c = ns.spawn(
        "curl",
        "curl",
        &[
            "-sS",
            "--fail",
            "--max-time",
            &max,
            "-o",
            dl.to_str().unwrap(),
            &url,
        ],
    );
    let t = std::time::Instant::now();
    ns.wait_ok(c, ns.remaining());
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(file_len(&dl), bytes, "downloaded length");
    assert_eq!(sha256(&dl), sha256(&blob), "SHA-256 of the download");
    eprintln!(
        "[{test}] curl: {bytes} bytes in {secs:.2} s ({:.3} Gbit/s)",
        bytes as f64 * 8.0 / secs / 1e9
    );
    stop(&mut ns, s);
}

/// Test 2: a Python client uploads `bytes` to `--mode discard`; synack's
/// report of the connection has the same byte count and SHA-256.
pub fn upload_to_serve_discard(test: &str, bytes: u64, extra: &[&str]) {
    let Some(mut ns) = open(test, &["python3"], extra) else {
        return;
    };
    let data = ns.path("upload.bin");
    random_file(&data, bytes, 2);
    let want = sha256(&data);
    let mut args = vec!["--max-conns", "1"];
    args.extend_from_slice(extra);
    let s = serve(&mut ns, 9000, "discard", &args);
    let py = client_py(&ns);
    let c = ns.spawn(
        "upload",
        "python3",
        &[&py, "upload", SYNACK_IP, "9000", data.to_str().unwrap()],
    );
    ns.wait_ok(c, ns.remaining());
    let up = last_json(&ns.stdout(c));
    assert_eq!(up["sent"], bytes, "{up}");
    assert_eq!(up["sha256"], want.as_str(), "{up}");
    // --max-conns 1: synack ends by itself once the connection is done.
    ns.wait_ok(s, Duration::from_secs(15));
    let report = ns.stdout(s);
    assert!(
        digests(&report).contains(&want),
        "synack's report lacks the SHA-256 {want} of the upload:\n{report}"
    );
    assert!(
        report.contains(&bytes.to_string()),
        "synack's report lacks the byte count {bytes}:\n{report}"
    );
    assert!(
        report.contains(KERNEL_IP),
        "synack's report lacks the peer {KERNEL_IP}:\n{report}"
    );
    eprintln!(
        "[{test}] upload: {bytes} bytes in {:.2} s",
        up["seconds"].as_f64().unwrap_or(0.0)
    );
}

/// Test 3: `synack get` downloads `bytes` from `python3 -m http.server` in
/// the namespace.
pub fn get_from_python_http(test: &str, bytes: u64, extra: &[&str]) {
    let Some(mut ns) = open(test, &["python3"], extra) else {
        return;
    };
    let www = ns.path("www");
    std::fs::create_dir_all(&www).unwrap();
    let blob = www.join("blob.bin");
    random_file(&blob, bytes, 3);
    let srv = ns.spawn(
        "http.server",
        "python3",
        &[
            "-m",
            "http.server",
            "8000",
            "--bind",
            "0.0.0.0",
            "--directory",
            www.to_str().unwrap(),
        ],
    );
    ns.wait_listen(8000, srv);
    let dl = ns.path("download.bin");
    let url = format!("http://{KERNEL_IP}:8000/blob.bin");
    let mut rest = vec![url.as_str(), "-o", dl.to_str().unwrap()];
    rest.extend_from_slice(extra);
    let t = std::time::Instant::now();
    let g = client(&mut ns, "get", "get", &rest);
    ns.wait_ok(g, ns.remaining());
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(file_len(&dl), bytes, "downloaded length");
    assert_eq!(sha256(&dl), sha256(&blob), "SHA-256 of the download");
    eprintln!("[{test}] synack get: {bytes} bytes in {secs:.2} s (including TUN setup)");
}

/// Test 4: `conns` concurrent Linux connections to `--mode echo`, each
/// sending `bytes` random bytes and reading them back.
pub fn concurrent_echo(test: &str, conns: u32, bytes: u64, extra: &[&str]) {
    let Some(mut ns) = open(test, &["python3"], extra) else {
        return;
    };
    let s = serve(&mut ns, 7007, "echo", extra);
    let py = client_py(&ns);
    let c = ns.spawn(
        "echo",
        "python3",
        &[
            &py,
            "echo",
            SYNACK_IP,
            "7007",
            &conns.to_string(),
            &bytes.to_string(),
            "4",
        ],
    );
    ns.wait_ok(c, ns.remaining());
    let r = last_json(&ns.stdout(c));
    assert_eq!(r["ok"], conns, "every connection echoed: {r}");
    eprintln!(
        "[{test}] echo: {conns} x {bytes} bytes in {:.2} s",
        r["seconds"].as_f64().unwrap_or(0.0)
    );
    // The device synack created has a transmit queue of 4096 packets (the
    // kernel's default for TUN is 500). With the offloads (no --loss) the
    // kernel sends super-packets and the connections' bursts fit: nothing
    // is dropped on the way to synack. Without them (--loss turns them
    // off), 100 receive windows of 256 KiB are about 17,000 wire-sized
    // packets, more than a sane queue holds: drops there are congestion,
    // which TCP handles like any other (the transfers are still checked;
    // measured in the lossy variant: about 4,000 drops with 500, 800 with
    // 4096).
    let link: serde_json::Value =
        serde_json::from_str(&ns.run_ok("ip", &["-s", "-j", "link", "show", "dev", TUN]))
            .expect("ip -j output");
    assert_eq!(link[0]["txqlen"], 4096, "txqueuelen of {TUN}: {link}");
    let dropped = &link[0]["stats64"]["tx"]["dropped"];
    eprintln!("[{test}] the kernel dropped {dropped} packets at {TUN}'s queue");
    if extra.is_empty() {
        assert_eq!(
            *dropped, 0,
            "packets the kernel dropped at {TUN}'s queue: {link}"
        );
    }
    stop(&mut ns, s);
}

#[test]
fn curl_downloads_64mib_from_serve_http() {
    curl_from_serve_http("curl_downloads_64mib_from_serve_http", 64 * MIB, &[]);
}

#[test]
fn python_uploads_64mib_to_serve_discard() {
    upload_to_serve_discard("python_uploads_64mib_to_serve_discard", 64 * MIB, &[]);
}

#[test]
fn synack_get_downloads_64mib_from_python_http_server() {
    get_from_python_http(
        "synack_get_downloads_64mib_from_python_http_server",
        64 * MIB,
        &[],
    );
}

#[test]
fn echo_100_concurrent_connections_1mib_each() {
    concurrent_echo("echo_100_concurrent_connections_1mib_each", 100, MIB, &[]);
}

/// `--busy-poll`: the spinning driver still serves many connections, checks
/// every byte, and stops at SIGTERM (the spin watches the signal pipe).
#[test]
fn busy_poll_echo_and_upload() {
    let extra = ["--busy-poll", "200"];
    concurrent_echo("busy_poll_echo_100_connections", 100, MIB, &extra);
    upload_to_serve_discard("busy_poll_upload_16mib", 16 * MIB, &extra);
}
