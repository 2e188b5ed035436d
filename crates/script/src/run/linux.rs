//! The Linux personality (`--personality linux`), for Google's packetdrill
//! tests (`gtests/net/tcp/`): Linux's TCP defaults as synack's [`Config`],
//! the tests' set-up commands (`defaults.sh`, `set_sysctls.py`, `sysctl`)
//! mapped onto it, and the Linux-only features they exercise named as
//! skips before the script runs.
//!
//! The values come from Linux's `include/net/tcp.h` (TCP_INIT_CWND,
//! TCP_TIMEOUT_INIT, TCP_RTO_MIN/MAX, TCP_DELACK_MIN, TCP_TIMEWAIT_LEN) and
//! `Documentation/networking/ip-sysctl.rst` (the `net.ipv4.tcp_*`
//! defaults); docs/conformance.md lists them with what synack lacks.

use super::{Runner, Step, Stop};
use crate::ast::{EventKind, Expr, Script, TcpOptionSpec};
use core::time::Duration;
use synack_core::Config;
use synack_core::config::{
    Congestion, GsoAutosize, HyStart, PushPolicy, SlowStart, ZeroWindowProbe,
};

/// Linux's defaults mapped onto synack's configuration.
pub fn linux_config() -> Config {
    Config {
        // packetdrill's tun0 has a 1500-byte MTU.
        mtu: 1500,
        // tcp_rmem[1] = 131072, of which tcp_adv_win_scale = 1 offers half
        // as window; tcp_wmem[1] = 16384.
        recv_buffer: 131_072 / 2,
        send_buffer: 16_384,
        // TCP_INIT_CWND (RFC 6928).
        initial_window: 10,
        // TCP_TIMEOUT_INIT, TCP_RTO_MIN, TCP_RTO_MAX.
        initial_rto: Duration::from_secs(1),
        min_rto: Duration::from_millis(200),
        max_rto: Duration::from_secs(120),
        // tcp_rtt_estimator keeps rttvar_us >= tcp_rto_min: RFC 6298's G.
        rto_granularity: Duration::from_millis(200),
        // TCP_DELACK_MIN (ato starts there), after TCP_MAX_QUICKACKS
        // segments acknowledged at once (quick-ack mode).
        delayed_ack: Duration::from_millis(40),
        quick_acks: 16,
        // tcp_syn_retries, tcp_retries2, tcp_orphan_retries (0 means 8).
        syn_retries: 6,
        max_retries: 15,
        orphan_retries: 8,
        // TCP_TIMEWAIT_LEN is 60 s = 2 MSL.
        msl: Duration::from_secs(30),
        window_scaling: true,
        sack: true,
        sack_recovery: true,
        // tcp_xmit_retransmit_queue resends only what is marked lost (no
        // forward retransmission in current kernels).
        sack_forward_retransmit: false,
        // tcp_cwnd_reduction: sndcnt++ only when SND.UNA advanced.
        prr_safe_ack: true,
        // tcp_sacktag_walk tags whole skbs (or MSS-aligned parts).
        sack_whole_segments: true,
        timestamps: true,
        // tcp_recovery = 1 (RACK), tcp_early_retrans = 3 (TLP).
        rack: true,
        tlp: true,
        congestion: Congestion::Cubic,
        // RFC 5961 is always on in Linux.
        rst_challenge: true,
        syn_challenge: true,
        drop_syn_fin: false,
        // tcp_ack(): "If the ack includes data we haven't sent yet,
        // discard this segment" (no ACK).
        ack_unsent_draws_ack: false,
        fin_with_every_ack: false,
        round_recv_buffer_to_mss: false,
        // tcp_invalid_ratelimit = 500 ms.
        oow_ack_interval: Duration::from_millis(500),
        // tcp_keepalive_time, _intvl, _probes.
        keepalive_idle: Duration::from_secs(7200),
        keepalive_interval: Duration::from_secs(75),
        keepalive_probes: 9,
        // tcp_slow_start_after_idle = 1.
        restart_after_idle: true,
        // The tun device takes GSO packets up to 64 KiB (the core caps a
        // segment at 65,535 bytes).
        tso_segments: 64,
        gso_autosize: Some(GsoAutosize::LINUX),
        zero_window_probe: ZeroWindowProbe::OldSequence,
        pto_padding: Some(Duration::from_millis(2)),
        // tcp_push marks the skb ending each write (and forced_push one
        // past half the peer's largest window).
        push: PushPolicy::WriteBoundary,
        // tcp_slow_start: every segment acked counts, while
        // tcp_is_cwnd_limited.
        slow_start: SlowStart::Abc,
        // tcp_cubic's hystart = 1, hystart_detect = 3.
        hystart: Some(HyStart::LINUX),
        // tcp_chrono_start / tcp_chrono_stop (tcpi_busy_time...).
        chronographs: true,
        // tcp_cwnd_test: "Don't be strict about the congestion window for
        // the final FIN."
        fin_ignores_cwnd: true,
        ..Config::default()
    }
}

/// `tcp_cubic`'s module parameter for HyStart's detectors.
const HYSTART_DETECT: &str = "/sys/module/tcp_cubic/parameters/hystart_detect";

/// The settings of the tests' `common/defaults.sh`, in its order.
const DEFAULTS_SH: &[(&str, &str)] = &[
    ("net.ipv4.tcp_rmem", "4096 540000 15728640"),
    ("net.ipv4.tcp_wmem", "4096 262144 4194304"),
    ("net.ipv4.tcp_timestamps", "1"),
    ("net.ipv4.tcp_syn_retries", "5"),
    ("net.ipv4.tcp_synack_retries", "5"),
    ("net.ipv4.tcp_frto", "2"),
    ("net.ipv4.tcp_sack", "1"),
    ("net.ipv4.tcp_dsack", "1"),
    ("net.ipv4.tcp_fack", "0"),
    ("net.ipv4.tcp_reordering", "3"),
    ("net.ipv4.tcp_congestion_control", "cubic"),
    ("net.ipv4.tcp_slow_start_after_idle", "0"),
    ("net.ipv4.tcp_early_retrans", "4"),
    ("net.ipv4.tcp_recovery", "1"),
    ("net.ipv4.tcp_tso_win_divisor", "3"),
    ("net.ipv4.tcp_ecn", "0"),
    ("net.ipv4.tcp_ecn_option", "2"),
    ("net.ipv4.tcp_pacing_ss_ratio", "200"),
    ("net.ipv4.tcp_pacing_ca_ratio", "120"),
    ("net.ipv4.tcp_notsent_lowat", "4294967295"),
    ("net.ipv4.tcp_fastopen", "0x70403"),
    (
        "net.ipv4.tcp_fastopen_key",
        "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4",
    ),
    ("net.ipv4.tcp_syncookies", "1"),
];

/// A feature of Linux's that synack does not have, named by the first
/// event that uses it.
fn linux_only(kind: &EventKind) -> Option<&'static str> {
    const IDENTS: &[(&str, &str)] = &[
        ("MSG_FASTOPEN", "TCP Fast Open (MSG_FASTOPEN)"),
        ("TCP_FASTOPEN", "TCP Fast Open (TCP_FASTOPEN)"),
        (
            "TCP_FASTOPEN_CONNECT",
            "TCP Fast Open (TCP_FASTOPEN_CONNECT)",
        ),
        ("TCP_FASTOPEN_KEY", "TCP Fast Open (TCP_FASTOPEN_KEY)"),
        ("MSG_ZEROCOPY", "zerocopy send (MSG_ZEROCOPY)"),
        ("SO_ZEROCOPY", "zerocopy send (SO_ZEROCOPY)"),
        ("MSG_ERRQUEUE", "the socket error queue (MSG_ERRQUEUE)"),
        ("SO_TIMESTAMPING", "SO_TIMESTAMPING"),
        ("TCP_MD5SIG", "TCP-MD5 (TCP_MD5SIG)"),
        ("TCP_INQ", "TCP_INQ"),
        ("TCP_CM_INQ", "TCP_INQ (TCP_CM_INQ)"),
        ("TCP_NOTSENT_LOWAT", "TCP_NOTSENT_LOWAT"),
        ("MSG_EOR", "MSG_EOR record boundaries"),
        ("TCP_ZEROCOPY_RECEIVE", "zerocopy receive"),
    ];
    const CALLS: &[(&str, &str)] = &[
        ("epoll_create", "epoll"),
        ("epoll_ctl", "epoll"),
        ("epoll_wait", "epoll"),
        ("splice", "splice()"),
        ("pipe", "splice() (pipe)"),
        ("sendfile", "sendfile()"),
    ];
    match kind {
        EventKind::Syscall(s) => {
            if let Some((_, what)) = CALLS.iter().find(|(c, _)| *c == s.name) {
                return Some(what);
            }
            s.args.iter().find_map(|a| {
                let mut found = None;
                visit(a, &mut |name| {
                    if found.is_none() {
                        found = IDENTS.iter().find(|(i, _)| *i == name).map(|(_, w)| *w);
                    }
                });
                found
            })
        }
        EventKind::Packet(p) => p.options.iter().flatten().find_map(|o| match o {
            TcpOptionSpec::Other(t) if t.starts_with("FO") => Some("TCP Fast Open (FO option)"),
            TcpOptionSpec::Other(t) if t.starts_with("md5") => Some("TCP-MD5 (md5 option)"),
            _ => None,
        }),
        EventKind::Command(c) if c.contains("tcp_fastopen") => {
            Some("TCP Fast Open (net.ipv4.tcp_fastopen)")
        }
        _ => None,
    }
}

/// Calls `f` with every identifier in `e`.
fn visit(e: &Expr, f: &mut dyn FnMut(&str)) {
    match e {
        Expr::Ident(n) => f(n),
        Expr::BitOr(v) | Expr::List(v) => v.iter().for_each(|x| visit(x, f)),
        Expr::Struct(fields) => fields.iter().for_each(|(_, x)| visit(x, f)),
        Expr::Ellipsis | Expr::Int(_) | Expr::Str(_) => {}
    }
}

/// Joins `\`-continued lines and drops comments and redirections of the
/// output.
fn shell_lines(cmd: &str) -> Vec<String> {
    cmd.replace("\\\n", " ")
        .lines()
        .flat_map(commands)
        .map(|l| {
            without_comment(l)
                .replace("> /dev/null 2>&1", "")
                .replace(">/dev/null 2>&1", "")
                .replace("2>/dev/null", "")
                .trim()
                .to_string()
        })
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The commands of one line: split at each `;` outside quotes (and
/// before a comment).
fn commands(l: &str) -> Vec<&str> {
    let l = without_comment(l);
    let mut quoted = None;
    let mut out = Vec::new();
    let mut start = 0;
    for (i, ch) in l.char_indices() {
        match (ch, quoted) {
            ('"' | '\'', None) => quoted = Some(ch),
            (c, Some(q)) if c == q => quoted = None,
            (';', None) => {
                out.push(&l[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&l[start..]);
    out
}

/// `l` up to a shell comment: a `#` that starts a word, outside quotes.
fn without_comment(l: &str) -> &str {
    let mut quoted = false;
    let mut prev = ' ';
    for (i, ch) in l.char_indices() {
        match ch {
            '"' | '\'' => quoted = !quoted,
            '#' if !quoted && prev.is_whitespace() => return &l[..i],
            _ => {}
        }
        prev = ch;
    }
    l
}

/// `a=b c="d e"` into pairs (quotes removed).
fn assignments(words: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = words.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=')?;
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"')?;
            (&q[..end], &q[end + 1..])
        } else {
            after.split_once(char::is_whitespace).unwrap_or((after, ""))
        };
        out.push((name.trim().to_string(), value.to_string()));
        rest = next.trim_start();
    }
    Some(out)
}

/// `$((15*1024*1024))` and plain numbers.
fn shell_number(s: &str) -> Option<u64> {
    if let Some(inner) = s.strip_prefix("$((").and_then(|x| x.strip_suffix("))")) {
        return inner
            .split('*')
            .try_fold(1u64, |acc, f| acc.checked_mul(f.trim().parse().ok()?));
    }
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

impl Runner {
    /// Skips a script that uses a Linux-only feature, at its first use.
    pub(super) fn linux_prescan(&self, script: &Script) -> Step {
        for ev in &script.events {
            if let Some(what) = linux_only(&ev.kind) {
                return Err(Stop::skip(ev.line, format!("Linux-only feature: {what}")));
            }
        }
        Ok(())
    }

    /// The tests' init and cleanup commands.
    pub(super) fn linux_shell(&mut self, cmd: &str) -> Step {
        for line in shell_lines(cmd) {
            let at = self.line;
            let unsupported = || Stop::skip(at, format!("command `{line}`"));
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [path] if path.ends_with("common/defaults.sh") => {
                    for (name, value) in DEFAULTS_SH {
                        self.linux_sysctl(name, value)?;
                    }
                    // `tc qdisc add dev tun0 root pfifo`: no pacing.
                }
                [path, ..] if path.ends_with("set_sysctls.py") => {
                    let rest = line.split_once(char::is_whitespace).map_or("", |x| x.1);
                    for (file, value) in assignments(rest).ok_or_else(unsupported)? {
                        let name = file
                            .strip_prefix("/proc/sys/")
                            .ok_or_else(unsupported)?
                            .replace('/', ".");
                        self.linux_sysctl(&name, &value)?;
                    }
                }
                ["sysctl", flags @ .., _] if flags.iter().all(|f| f.starts_with('-')) => {
                    let rest: Vec<&str> = words[1..]
                        .iter()
                        .copied()
                        .skip_while(|w| w.starts_with('-'))
                        .collect();
                    for (name, value) in assignments(&rest.join(" ")).ok_or_else(unsupported)? {
                        self.linux_sysctl(&name, &value)?;
                    }
                }
                // Restoring the sysctls at the end: each script starts
                // from the defaults here anyway.
                [path] if path.starts_with("/tmp/sysctl_restore_") => {}
                // synack keeps no per-destination metrics.
                ["ip", "tcp_metrics", "flush", "all"] => {}
                // A FIFO qdisc does not pace; one of no room refuses every
                // packet (local congestion, `Endpoint::transmit_failed`).
                [
                    "tc",
                    "qdisc",
                    "add" | "replace",
                    "dev",
                    "tun0",
                    "root",
                    "pfifo",
                    rest @ ..,
                ] => {
                    self.device_refuses = match rest {
                        [] => false,
                        ["limit", n] => n.parse::<u32>().map_err(|_| unsupported())? == 0,
                        _ => return Err(unsupported()),
                    };
                }
                ["tc", "qdisc", "delete" | "del", "dev", "tun0", "root"] => {
                    self.device_refuses = false;
                }
                // tcp_cubic's `hystart_detect`: HyStart's detectors, a bit
                // mask (1 the ACK train, 2 the delay).
                ["echo", n, ">", param] if *param == HYSTART_DETECT => {
                    let n: u8 = n.parse().ok().filter(|n| *n <= 3).ok_or_else(unsupported)?;
                    self.cfg.hystart = Some(HyStart {
                        ack_train: n & 1 != 0,
                        delay: n & 2 != 0,
                    });
                }
                ["ethtool", "-K", "tun0", rest @ ..]
                    if rest.chunks(2).all(|c| matches!(c, ["gso" | "tso", "off"])) =>
                {
                    // Linux's TCP still builds GSO packets; the device
                    // layer cuts them before the packet socket sees them.
                    self.software_gso = true;
                }
                _ => return Err(unsupported()),
            }
        }
        Ok(())
    }

    /// One `net.*` sysctl of Linux's.
    fn linux_sysctl(&mut self, name: &str, value: &str) -> Step {
        let at = self.line;
        let unsupported = || Stop::skip(at, format!("sysctl {name}={value}"));
        let num = || shell_number(value).ok_or_else(unsupported);
        let c = &mut self.cfg;
        let key = name.strip_prefix("net.ipv4.").unwrap_or(name);
        match key {
            "tcp_rmem" | "tcp_wmem" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                let default = parts
                    .get(1)
                    .and_then(|v| shell_number(v))
                    .filter(|v| *v <= 1 << 30)
                    .ok_or_else(unsupported)? as usize;
                if name.ends_with("rmem") {
                    // tcp_adv_win_scale = 1: half the buffer is window.
                    c.recv_buffer = default / 2;
                } else {
                    c.send_buffer = default;
                }
            }
            "tcp_timestamps" => c.timestamps = num()? != 0,
            "tcp_sack" => c.sack = num()? != 0,
            "tcp_window_scaling" => c.window_scaling = num()? != 0,
            "tcp_syn_retries" => c.syn_retries = num()?.min(255) as u32,
            // synack has one count for SYN and SYN-ACK retransmissions.
            "tcp_synack_retries" if u64::from(c.syn_retries) == num()? => {}
            "tcp_congestion_control" => {
                c.congestion = match value {
                    "cubic" => Congestion::Cubic,
                    "reno" => Congestion::NewReno,
                    _ => return Err(unsupported()),
                }
            }
            "tcp_slow_start_after_idle" => c.restart_after_idle = num()? != 0,
            "tcp_recovery" => c.rack = num()? & 1 != 0,
            // 0 and 1 have no TLP; 3 and 4 have it (2 is TLP-only on
            // Linux before RACK, the same for synack).
            "tcp_early_retrans" => c.tlp = num()? >= 2,
            "tcp_reordering" if num()? == 3 => {}
            // Settings with no effect on synack as the scripts run it:
            // synack's D-SACK and FACK handling are fixed, it does not
            // pace, keeps
            // no Fast Open state (the TFO constructs are skips of their
            // own) and sends SYN cookies only under a SYN flood.
            // Linux's GSO packet size (`tcp_tso_autosize`).
            "tcp_min_tso_segs" | "tcp_pacing_ss_ratio" | "tcp_pacing_ca_ratio" => {
                let n = u32::try_from(num()?).map_err(|_| unsupported())?;
                let a = c.gso_autosize.get_or_insert(GsoAutosize::LINUX);
                match key {
                    "tcp_min_tso_segs" => a.min_segs = n,
                    "tcp_pacing_ss_ratio" => a.ss_ratio = n,
                    _ => a.ca_ratio = n,
                }
            }
            "tcp_dsack"
            | "tcp_fack"
            | "tcp_tso_win_divisor"
            | "tcp_fastopen"
            | "tcp_fastopen_key"
            | "tcp_syncookies" => {}
            "tcp_notsent_lowat" if num()? >= u64::from(u32::MAX) => {}
            // RFC 3168 ECN: 0 off, 1 ask and answer, 2 answer only. Linux
            // resends a lost SYN without ECE and CWR
            // (tcp_ecn_fallback, `ecn_syn_retries` 0).
            "tcp_ecn" if num()? <= 2 => {
                c.ecn = super::commands::ecn_mode(num()?);
                c.ecn_syn_retries = 0;
            }
            "tcp_ecn_option" => {}
            // F-RTO (RFC 5682) is not implemented in synack; the setting is
            // accepted because every test's defaults.sh sets it, and
            // docs/conformance.md lists the scripts that depend on it.
            "tcp_frto" => {}
            _ => return Err(unsupported()),
        }
        self.reconfigure();
        Ok(())
    }
}
