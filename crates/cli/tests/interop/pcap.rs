//! Test 8: synack's `--pcap` of real transfers, read back by tshark with
//! checksum validation on.
//!
//! Every packet must dissect (no `_ws.malformed`; the random payload is
//! decoded as data so that tshark's heuristic dissectors do not mistake it
//! for Thrift and the like), and every IP and TCP checksum must verify as
//! good, with one exception: the kernel sometimes sends a TCP checksum of
//! 0xffff where 0x0000 is computed. Both encode zero in one's complement and
//! a receiver summing the whole segment accepts either (synack does); Linux
//! writes 0xffff on purpose when it finishes a checksum in software
//! (`skb_checksum_help`: `csum_fold(csum) ?: CSUM_MANGLED_0`), and tshark
//! marks it bad ("TCP Checksum 0xffff instead of 0x0000 (see RFC 1624)").
//! Such frames from the kernel are counted, not failed; from synack they
//! fail. Then tshark's sequence analysis
//! (`tcp.analysis.flags`) is read frame by frame, per sender. Its flags fall
//! in two groups:
//!
//! - trouble: `retransmission`, `fast_retransmission`,
//!   `spurious_retransmission`, `out_of_order`, `lost_segment` ("previous
//!   segment not captured"), `ack_lost_segment` ("ACKed segment that wasn't
//!   captured"), `duplicate_ack` (a pure ACK repeating the previous ACK
//!   number and window: what a receiver sends when a segment is missing),
//!   `keep_alive`, `keep_alive_ack`, `reused_ports`;
//! - flow control: `window_update` (a pure ACK whose only news is a
//!   different window: set whenever a receiver opens its window without
//!   acknowledging new data), `window_full` (a segment that fills the
//!   receiver's advertised window), `zero_window`, `zero_window_probe`,
//!   `zero_window_probe_ack`. These are normal TCP when the reading
//!   application is slower than the sender, and tshark sets
//!   `tcp.analysis.flags` for them too (Wireshark's "Bad TCP" colouring rule
//!   excludes `window_update` for that reason).
//!
//! One trouble flag has a flow-control reading: Linux probes a zero window
//! with a segment carrying SND.UNA - 1 and no data (`tcp_xmit_probe_skb`),
//! which tshark calls `keep_alive` (its `zero_window_probe` needs one byte
//! at the next sequence number). So `keep_alive` from the data sender counts
//! as flow control when the receiver advertised a zero window in the same
//! capture, and as trouble otherwise.
//!
//! A loss-free transfer must show no trouble flag at all. With `--loss`,
//! the trouble flags are accepted only where the loss explains them (see
//! [`lossy_capture_explains_every_flag`]).

use crate::netns::{KERNEL_IP, Netns, SYNACK_IP};
use crate::synack::serve;
use crate::util::{MIB, client_py, last_json, random_file};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);
/// synack's port in the captured transfers.
pub const PORT: u16 = 9100;

/// tshark's analysis flags, trouble group first.
pub const TROUBLE: [&str; 11] = [
    "retransmission",
    "fast_retransmission",
    "spurious_retransmission",
    "out_of_order",
    "lost_segment",
    "ack_lost_segment",
    "duplicate_ack",
    "keep_alive",
    "keep_alive_ack",
    "reused_ports",
    "tfo_ignored",
];
/// Our name for tshark's `retransmission` or `spurious_retransmission` on
/// a segment without payload: a retransmitted SYN or FIN.
pub const SYN_FIN_RETRANSMISSION: &str = "retransmission_of_syn_or_fin";
/// Flow-control flags.
pub const FLOW: [&str; 5] = [
    "window_update",
    "window_full",
    "zero_window",
    "zero_window_probe",
    "zero_window_probe_ack",
];

pub fn tshark(file: &Path, extra: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args([
            "-n",
            "-o",
            "tcp.check_checksum:TRUE",
            "-o",
            "ip.check_checksum:TRUE",
        ])
        // Random payload: decode it as data (see the module documentation).
        .args(["-d", &format!("tcp.port=={PORT},data")])
        .args(extra)
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark {extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The capture as tshark sees it.
#[derive(Debug, Default)]
pub struct Capture {
    /// TCP frames.
    pub frames: usize,
    /// Frames (of any protocol) that did not dissect.
    pub malformed: usize,
    /// Frames whose IP or TCP checksum is not verified good.
    pub bad_checksum: Vec<String>,
    /// Frames from the kernel with TCP checksum 0xffff for 0x0000.
    pub kernel_ffff: usize,
    /// (sender, flag) → frames.
    pub flags: BTreeMap<(String, String), usize>,
    /// Bytes of TCP payload per sender.
    pub payload: BTreeMap<String, u64>,
    /// Largest TCP payload of one frame per sender (above the MSS: a
    /// TSO/GRO super-packet, captured whole).
    pub largest: BTreeMap<String, u64>,
}

impl Capture {
    /// Frames with a trouble flag, per (sender, flag); `keep_alive` of a
    /// sender whose peer advertised a zero window is a zero-window probe and
    /// left out (see the module documentation).
    pub fn trouble(&self) -> BTreeMap<(String, String), usize> {
        let zero_window_from = |who: &str| {
            self.flags
                .iter()
                .any(|((w, f), _)| w != who && f == "zero_window")
        };
        self.flags
            .iter()
            .filter(|((_, f), _)| TROUBLE.contains(&f.as_str()) || f == SYN_FIN_RETRANSMISSION)
            .filter(|((who, f), _)| !(f == "keep_alive" && zero_window_from(who)))
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }
}

/// Reads a capture with tshark.
pub fn read_capture(file: &Path) -> Capture {
    let mut c = Capture::default();
    // TCP frames only: the kernel also sends IPv6 router solicitations and
    // the like into the device, which synack ignores.
    let mut args = vec![
        "-Y",
        "tcp",
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-e",
        "frame.number",
        "-e",
        "ip.src",
        "-e",
        "ip.checksum.status",
        "-e",
        "tcp.checksum.status",
        "-e",
        "tcp.checksum",
        "-e",
        "tcp.len",
        "-e",
        "_ws.malformed",
    ];
    let names: Vec<String> = TROUBLE
        .iter()
        .chain(FLOW.iter())
        .map(|f| format!("tcp.analysis.{f}"))
        .collect();
    for n in &names {
        args.extend(["-e", n.as_str()]);
    }
    let text = tshark(file, &args);
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        c.frames += 1;
        let src = f.get(1).copied().unwrap_or("").to_string();
        let ffff = f.get(3) == Some(&"0") && f.get(4) == Some(&"0xffff");
        if ffff && src == KERNEL_IP && f.get(2) == Some(&"1") {
            c.kernel_ffff += 1;
        } else if f.get(2) != Some(&"1") || f.get(3) != Some(&"1") {
            c.bad_checksum.push(line.to_string());
        }
        let len = f.get(5).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
        *c.payload.entry(src.clone()).or_default() += len;
        let largest = c.largest.entry(src.clone()).or_default();
        *largest = (*largest).max(len);
        if f.get(6).is_some_and(|x| !x.is_empty()) {
            c.malformed += 1;
        }
        let no_data = f.get(5) == Some(&"0");
        for (i, name) in TROUBLE.iter().chain(FLOW.iter()).enumerate() {
            if f.get(7 + i).is_some_and(|x| !x.is_empty()) {
                // A retransmitted SYN or FIN (no payload) is told apart from
                // retransmitted data.
                let retransmission = matches!(*name, "retransmission" | "spurious_retransmission");
                let name = if retransmission && no_data {
                    SYN_FIN_RETRANSMISSION
                } else {
                    name
                };
                *c.flags.entry((src.clone(), name.to_string())).or_default() += 1;
            }
        }
    }
    // Every frame, TCP or not: malformed ones also show as expert errors
    // (as does a bad checksum, counted above).
    let m = tshark(
        file,
        &[
            "-Y",
            "_ws.malformed || (_ws.expert.severity == error && !(tcp.checksum.status == 0))",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ],
    );
    c.malformed = c
        .malformed
        .max(m.lines().filter(|l| !l.trim().is_empty()).count());
    c
}

/// Runs a transfer with `--pcap`: synack sends `bytes` (`source`) when
/// `synack_sends`, else the kernel uploads to `discard`. Returns the capture
/// path (in the namespace's scratch directory) and the namespace.
fn captured_transfer(
    test: &str,
    synack_sends: bool,
    bytes: u64,
    extra: &[&str],
    kernel_sysctls: &[&str],
) -> Option<(Netns, std::path::PathBuf)> {
    let tools = ["python3", "tshark"];
    let mut ns = if extra.contains(&"--loss") {
        Netns::shared(test, LIMIT, &tools)?
    } else {
        Netns::new(test, LIMIT, &tools)?
    };
    for setting in kernel_sysctls {
        ns.run_ok("sysctl", &["-q", "-w", setting]);
    }
    let pcap = ns.path("capture.pcap");
    let pcap_s = pcap.to_str().unwrap().to_string();
    let mut args = vec!["--max-conns", "1", "--pcap", pcap_s.as_str()];
    args.extend_from_slice(extra);
    let py = client_py(&ns);
    let (mode, c) = if synack_sends {
        (format!("source:{bytes}"), None)
    } else {
        let data = ns.path("upload.bin");
        random_file(&data, bytes, 8);
        ("discard".to_string(), Some(data))
    };
    let s = serve(&mut ns, PORT, &mode, &args);
    let port = PORT.to_string();
    let c = match c {
        None => ns.spawn("read", "python3", &[&py, "read", SYNACK_IP, &port]),
        Some(data) => ns.spawn(
            "upload",
            "python3",
            &[&py, "upload", SYNACK_IP, &port, data.to_str().unwrap()],
        ),
    };
    ns.wait_ok(c, ns.remaining());
    let r = last_json(&ns.stdout(c));
    let moved = if synack_sends {
        &r["received"]
    } else {
        &r["sent"]
    };
    assert_eq!(*moved, bytes, "{r}");
    ns.wait_ok(s, Duration::from_secs(15));
    Some((ns, pcap))
}

fn check_clean(test: &str, cap: &Capture) {
    eprintln!(
        "[{test}] {} TCP frames ({} from the kernel with checksum 0xffff); flags (sender, \
         flag) → frames: {:?}",
        cap.frames, cap.kernel_ffff, cap.flags
    );
    assert!(cap.frames > 0, "empty capture");
    assert_eq!(cap.malformed, 0, "malformed frames");
    assert!(
        cap.bad_checksum.is_empty(),
        "{} frames whose checksum is not verified good, first: {:?}",
        cap.bad_checksum.len(),
        &cap.bad_checksum[..cap.bad_checksum.len().min(5)]
    );
}

/// A loss-free transfer each way: clean capture, no trouble flag at all.
#[test]
fn pcap_of_loss_free_transfers_is_clean() {
    let test = "pcap_of_loss_free_transfers_is_clean";
    for synack_sends in [true, false] {
        let Some((ns, pcap)) = captured_transfer(test, synack_sends, 16 * MIB, &[], &[]) else {
            return;
        };
        let cap = read_capture(&pcap);
        check_clean(test, &cap);
        let (sender, receiver) = if synack_sends {
            (SYNACK_IP, KERNEL_IP)
        } else {
            (KERNEL_IP, SYNACK_IP)
        };
        assert_eq!(
            cap.payload.get(sender).copied(),
            Some(16 * MIB),
            "payload by the sender {sender}"
        );
        assert_eq!(
            cap.payload.get(receiver).copied().unwrap_or(0),
            0,
            "payload by the receiver"
        );
        assert!(
            cap.trouble().is_empty(),
            "synack sends: {synack_sends}: trouble flags in a loss-free transfer: {:?}",
            cap.trouble()
        );
        // The TUN offloads are on without --loss: both stacks send TSO/GSO
        // super-packets through the device, and the capture holds them
        // whole, with valid checksums (checked above).
        assert!(
            cap.largest.get(sender).copied().unwrap_or(0) > 1460,
            "synack sends: {synack_sends}: no super-packet from {sender}: largest {:?}",
            cap.largest
        );
        drop(ns);
    }
}

/// With `--loss 0.02` (synack's fault injector drops 2% of the packets each
/// way): clean capture, and every trouble flag is one the loss explains, on
/// the side it explains. The capture point is the device: an arriving
/// packet the injector drops is in the capture (synack never saw it), a
/// leaving one it drops is not (the kernel never saw it). So:
///
/// - the data sender may show `retransmission`, `fast_retransmission`,
///   `spurious_retransmission` (the ACK that made it unnecessary was
///   captured but dropped before synack), `out_of_order` (a retransmission
///   filling a gap the capture never saw filled) and `lost_segment` (its own
///   dropped segment was never captured);
/// - either side may retransmit its SYN or FIN (tshark's `retransmission`
///   or `spurious_retransmission` on a segment without payload, counted as
///   `retransmission_of_syn_or_fin`): the injector dropped it on arrival
///   (so it is in the capture) or dropped the ACK of it;
/// - the data receiver may show `duplicate_ack`; `ack_lost_segment` is not
///   explained (a receiver cannot acknowledge a segment it never got, and
///   whatever reached the kernel was captured); both may show flow-control
///   flags.
///
/// Then, as a measure of recovery, the sender must recover mostly by fast
/// retransmit, which needs one duplicate ACK per out-of-order segment from
/// the receiver (RFC 5681 4.2; neither side uses SACK, synack offers none):
/// when synack sends, at least a fifth of its retransmitted frames are fast
/// retransmissions (tshark counts every frame of a go-back-N after a
/// timeout as a retransmission, hence the low bar); when the kernel sends,
/// its own counters in the namespace (`nstat`) must show at least twice as
/// many fast retransmits as timeouts (typically about 110 against 1 to 5
/// for 8 MiB; while the driver merged duplicate ACKs, a 16 MiB upload gave
/// about 1 against hundreds).
#[test]
fn lossy_capture_explains_every_flag() {
    let test = "lossy_capture_explains_every_flag";
    for synack_sends in [true, false] {
        let Some((ns, pcap)) = captured_transfer(
            test,
            synack_sends,
            8 * MIB,
            &["--loss", "0.02", "--seed", "11"],
            &[],
        ) else {
            return;
        };
        let cap = read_capture(&pcap);
        check_clean(test, &cap);
        let (sender, receiver) = if synack_sends {
            (SYNACK_IP, KERNEL_IP)
        } else {
            (KERNEL_IP, SYNACK_IP)
        };
        // --loss turns the offloads off: the injector drops wire-sized
        // packets, never a 64 KiB super-packet.
        assert!(
            cap.largest.values().all(|&l| l <= 1460),
            "super-packets with --loss: {:?}",
            cap.largest
        );
        let sender_may = [
            "retransmission",
            SYN_FIN_RETRANSMISSION,
            "fast_retransmission",
            "spurious_retransmission",
            "out_of_order",
            "lost_segment",
        ];
        // Either side retransmits its SYN or FIN when the injector drops it
        // (arriving: captured, then dropped) or drops the ACK of it.
        let receiver_may = ["duplicate_ack", SYN_FIN_RETRANSMISSION];
        // The sender answers each SYN or FIN the receiver sends again (its
        // ACK was dropped) with the same ACK: tshark's duplicate_ack, as
        // many as those retransmissions at most.
        let resent_by_receiver = cap
            .flags
            .get(&(receiver.to_string(), SYN_FIN_RETRANSMISSION.to_string()))
            .copied()
            .unwrap_or(0);
        let unexplained: Vec<_> = cap
            .trouble()
            .into_iter()
            .filter(|((who, f), n)| {
                if who == sender && f == "duplicate_ack" && *n <= resent_by_receiver {
                    return false;
                }
                let may: &[&str] = if who == sender {
                    &sender_may
                } else {
                    &receiver_may
                };
                !may.contains(&f.as_str()) || (who != sender && who != receiver)
            })
            .collect();
        assert!(
            unexplained.is_empty(),
            "synack sends: {synack_sends}: flags the loss does not explain: {unexplained:?}"
        );
        if synack_sends {
            let count = |f: &str| {
                cap.flags
                    .get(&(sender.to_string(), f.to_string()))
                    .copied()
                    .unwrap_or(0)
            };
            let (fast, other) = (count("fast_retransmission"), count("retransmission"));
            assert!(
                fast * 5 >= fast + other,
                "synack recovered by fast retransmit only {fast} times out of {} \
                 retransmitted frames: the kernel's duplicate ACKs did not work",
                fast + other
            );
        } else {
            // The kernel's own count, in this namespace only.
            let k = ns.kernel_counters();
            let (fast, timeouts) = (k["TcpExtTCPFastRetrans"], k["TcpExtTCPTimeouts"]);
            eprintln!("[{test}] kernel: {fast} fast retransmits, {timeouts} timeouts");
            assert!(
                fast >= 2 * timeouts,
                "the kernel recovered by timeout {timeouts} times and by fast retransmit only \
                 {fast} times: synack's duplicate ACKs are missing (one per out-of-order \
                 segment, RFC 5681 4.2)"
            );
            // SACK (RFC 2018) with a real peer: synack's ACKs carry blocks,
            // the kernel recovers with them, and never sees synack renege
            // (drop data it had reported as held).
            let sack_acks = tshark(
                &pcap,
                &[
                    "-Y",
                    &format!("ip.src=={SYNACK_IP} && tcp.options.sack_le"),
                    "-T",
                    "fields",
                    "-e",
                    "frame.number",
                ],
            )
            .lines()
            .count();
            let counter = |name: &str| k.get(name).copied().unwrap_or(0);
            eprintln!(
                "[{test}] synack ACKs with SACK blocks: {sack_acks}; kernel SACK recoveries: {}",
                counter("TcpExtTCPSackRecovery")
            );
            assert!(sack_acks > 0, "no ACK from synack carried SACK blocks");
            assert!(
                counter("TcpExtTCPSackRecovery") > 0,
                "the kernel never recovered with SACK: {k:?}"
            );
            assert_eq!(
                counter("TcpExtTCPSACKReneging"),
                0,
                "synack reneged on SACKed data"
            );
        }
        // Both SYNs offered SACK and timestamps (RFC 2018, RFC 7323), and
        // every later segment of both sides carries a timestamp.
        let syns = tshark(
            &pcap,
            &[
                "-Y",
                "tcp.flags.syn==1 && tcp.options.sack_perm && tcp.options.timestamp.tsval",
                "-T",
                "fields",
                "-e",
                "ip.src",
            ],
        );
        assert!(
            syns.lines().any(|l| l.trim() == SYNACK_IP)
                && syns.lines().any(|l| l.trim() == KERNEL_IP),
            "SYNs with SACK-permitted and timestamps from both sides: {syns}"
        );
        let without_ts = tshark(
            &pcap,
            &[
                "-Y",
                "tcp && !tcp.options.timestamp.tsval && tcp.flags.reset==0",
                "-T",
                "fields",
                "-e",
                "frame.number",
            ],
        );
        assert_eq!(
            without_ts.lines().count(),
            0,
            "segments without a timestamp: {without_ts}"
        );
        drop(ns);
    }
}

/// (sender, TCP flags, IP ECN codepoint, payload length, absolute
/// sequence number) of every TCP frame, as tshark dissects them.
fn ecn_fields(file: &Path) -> Vec<(String, u16, u8, u64, u32)> {
    let out = Command::new("tshark")
        .args(["-r", file.to_str().unwrap(), "-Y", "tcp", "-T", "fields"])
        .args(["-E", "separator=\t", "-e", "ip.src", "-e", "tcp.flags"])
        .args(["-e", "ip.dsfield.ecn", "-e", "tcp.len", "-e", "tcp.seq_raw"])
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let flags = u16::from_str_radix(f[1].trim_start_matches("0x"), 16).unwrap();
            (
                f[0].to_string(),
                flags,
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

/// ECN with the kernel (its `tcp_ecn=1` asks): `serve --ecn passive`
/// answers the ECN-setup SYN (ECE and CWR) with ECE, and then both ends
/// send their data ECT(0), pure ACKs Not-ECT (RFC 3168 6.1.1, 6.1.2), as
/// tshark reads the capture; with synack's default (`--ecn off`) the
/// SYN-ACK carries no ECE and nothing is ECN-capable.
#[test]
fn ecn_is_negotiated_with_the_kernel() {
    let test = "ecn_is_negotiated_with_the_kernel";
    const ECE: u16 = 0x40;
    const CWR: u16 = 0x80;
    const SYN: u16 = 0x02;
    const ACK: u16 = 0x10;
    for (synack_sends, mode) in [(true, "passive"), (false, "passive"), (true, "off")] {
        let on = mode == "passive";
        let Some((_ns, pcap)) = captured_transfer(
            test,
            synack_sends,
            4 * MIB,
            &["--ecn", mode],
            &["net.ipv4.tcp_ecn=1"],
        ) else {
            return;
        };
        let frames = ecn_fields(&pcap);
        let syn = frames
            .iter()
            .find(|f| f.1 & (SYN | ACK) == SYN)
            .expect("a SYN");
        assert_eq!(
            (syn.0.as_str(), syn.1 & (ECE | CWR)),
            (KERNEL_IP, ECE | CWR),
            "the kernel asks"
        );
        let syn_ack = frames
            .iter()
            .find(|f| f.1 & (SYN | ACK) == SYN | ACK)
            .expect("a SYN-ACK");
        assert_eq!(syn_ack.0, SYNACK_IP);
        assert_eq!(syn_ack.1 & (ECE | CWR), if on { ECE } else { 0 }, "{mode}");
        assert_eq!(syn_ack.2, 0, "a SYN-ACK is not ECN-capable");
        let sender = if synack_sends { SYNACK_IP } else { KERNEL_IP };
        // New data, and data sent again (a retransmission or a loss
        // probe, which RFC 3168 6.1.5 sends Not-ECT, as Linux does).
        let (mut new, mut resent) = (Vec::new(), Vec::new());
        let mut sent_to: Option<u32> = None;
        for f in frames.iter().filter(|f| f.0 == sender && f.3 > 0) {
            let end = f.4.wrapping_add(f.3 as u32);
            let before = |a: u32, b: u32| (a.wrapping_sub(b) as i32) < 0;
            match sent_to {
                Some(high) if !before(high, end) => resent.push(f),
                Some(high) if before(f.4, high) => {} // partly both
                _ => new.push(f),
            }
            if sent_to.is_none_or(|high| before(high, end)) {
                sent_to = Some(end);
            }
        }
        // (With the offloads a frame may be a TSO super-packet of 64 KiB.)
        assert!(new.len() > 10, "{} data frames", new.len());
        let want = if on { 2 } else { 0 };
        let odd: Vec<_> = new.iter().filter(|f| f.2 != want).collect();
        assert!(
            odd.is_empty(),
            "{mode}: new data not ECT {want}: {:?}",
            &odd[..odd.len().min(5)]
        );
        assert!(
            resent.iter().all(|f| f.2 == 0),
            "{mode}: data sent again is Not-ECT: {resent:?}"
        );
        let pure_acks = frames
            .iter()
            .filter(|f| f.0 != sender && f.3 == 0 && f.1 & SYN == 0);
        assert!(pure_acks.clone().count() > 0);
        assert!(pure_acks.clone().all(|f| f.2 == 0), "pure ACKs are Not-ECT");
    }
}
