//! IPv6 with the TUN offloads: the kernel's TSO6 super-packets to synack
//! and synack's GSO TCPV6 writes to the kernel, SHA-256 equal both ways,
//! and a capture tshark reads without a bad checksum or a malformed frame.
//!
//! Addresses from the IPv6 benchmarking prefix 2001:2::/48 (RFC 5180, the
//! counterpart of 198.18.0.0/15): synack 2001:2::2/64, the kernel 2001:2::1.

use crate::netns::{Netns, Proc, TUN};
use crate::pcap::{PORT, tshark};
use crate::util::{MIB, client_py, digests, last_json, random_file, sha256};
use sha2::{Digest, Sha256};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);
const SYNACK6: &str = "2001:2::2";
const KERNEL6: &str = "2001:2::1";
/// IPv6 MSS at MTU 1500.
const MSS6: u64 = 1440;
/// Bytes of the timestamp option on every segment (RFC 7323; the kernel
/// and synack both use it): a GSO piece carries MSS6 less these.
const TIMESTAMP_OPTION: u64 = 12;

/// `synack serve` on 2001:2::2/64 with a capture, once it serves.
fn serve6(ns: &mut Netns, mode: &str, pcap: &str) -> Proc {
    let port = PORT.to_string();
    let args = [
        "serve",
        "--tun",
        TUN,
        "--addr",
        "2001:2::2/64",
        "--port",
        &port,
        "--mode",
        mode,
        "--max-conns",
        "1",
        "--pcap",
        pcap,
    ];
    let p = ns.synack("serve6", &args);
    ns.poll_until(
        "synack's 'serving' line and the kernel's IPv6 address",
        Duration::from_secs(10),
        Some(p),
        |ns| {
            let addr = ns
                .command("ip", &["-o", "-6", "addr", "show", "dev", TUN])
                .output();
            ns.stderr(p).contains("serving")
                && addr.is_ok_and(|a| String::from_utf8_lossy(&a.stdout).contains(KERNEL6))
        },
    );
    p
}

/// tshark's view: frames that are malformed or whose TCP checksum is not
/// verified good, and the largest TCP payload of one frame.
fn check_capture(test: &str, pcap: &std::path::Path) -> u64 {
    let bad = tshark(
        pcap,
        &[
            "-Y",
            "tcp && (tcp.checksum.status != 1 || _ws.malformed || _ws.expert.severity == error)",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ],
    );
    assert!(
        bad.trim().is_empty(),
        "[{test}] frames with a bad checksum or malformed: {bad}"
    );
    let lens = tshark(pcap, &["-Y", "tcp", "-T", "fields", "-e", "tcp.len"]);
    lens.lines()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

#[test]
fn ipv6_upload_and_download_with_offloads() {
    let test = "ipv6_upload_and_download_with_offloads";
    let Some(mut ns) = Netns::new(test, LIMIT, &["python3", "tshark"]) else {
        return;
    };
    let py = client_py(&ns);
    let bytes = 16 * MIB;

    // The kernel uploads to `discard`.
    let data = ns.path("upload.bin");
    random_file(&data, bytes, 6);
    let want = sha256(&data);
    let pcap = ns.path("up.pcap");
    let s = serve6(&mut ns, "discard", pcap.to_str().unwrap());
    let port = PORT.to_string();
    let c = ns.spawn(
        "upload6",
        "python3",
        &[&py, "upload", SYNACK6, &port, data.to_str().unwrap()],
    );
    ns.wait_ok(c, ns.remaining());
    assert_eq!(last_json(&ns.stdout(c))["sha256"], want.as_str());
    ns.wait_ok(s, Duration::from_secs(15));
    let report = ns.stdout(s);
    assert!(
        digests(&report).contains(&want) && report.contains(KERNEL6),
        "synack's report: {report}"
    );
    let largest = check_capture(test, &pcap);
    assert!(
        largest > MSS6,
        "[{test}] the kernel sent no TSO6 super-packet (largest {largest})"
    );

    // synack sends (`source`), the kernel reads.
    let pcap = ns.path("down.pcap");
    let s = serve6(&mut ns, &format!("source:{bytes}"), pcap.to_str().unwrap());
    let c = ns.spawn("read6", "python3", &[&py, "read", SYNACK6, &port]);
    ns.wait_ok(c, ns.remaining());
    let r = last_json(&ns.stdout(c));
    assert_eq!(r["received"], bytes, "{r}");
    // `source`: byte i of the stream is i mod 256.
    let pattern: Vec<u8> = (0..=255u8).collect();
    let mut h = Sha256::new();
    for _ in 0..bytes / 256 {
        h.update(&pattern);
    }
    let want: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(r["sha256"], want.as_str(), "{r}");
    ns.wait_ok(s, Duration::from_secs(15));
    let largest = check_capture(test, &pcap);
    assert!(
        largest > MSS6 && largest.is_multiple_of(MSS6 - TIMESTAMP_OPTION),
        "[{test}] synack sent no GSO TCPV6 super-packet of whole segments (largest {largest})"
    );
}
