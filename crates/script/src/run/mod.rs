//! The runner: plays a parsed script against a synack [`Endpoint`] in
//! virtual time.
//!
//! The script's clock is the endpoint's clock (script time 0 is
//! [`Instant::ZERO`]). Events run in order: for a `<` packet, a system call
//! or a command, time first advances to the event's time (timers fire on
//! the way, and what the stack sends is queued); a `>` packet takes the
//! oldest queued segment, advancing time up to the event's time plus the
//! tolerance if nothing is queued yet, and compares it. As in packetdrill,
//! segments sent after the last `>` line are not examined.
//!
//! Sequence numbers: the script's peer uses ISN 0 (its numbers go on the
//! wire as written); synack's ISN is learnt from its first SYN or SYN-ACK,
//! and its numbers are shown and compared relative to it. What each mode
//! compares is in `run/packets.rs` (and docs/conformance.md).

mod blocking;
mod commands;
mod gso;
mod linux;
mod packets;
mod python;
mod sockopt;
mod syscalls;
mod tcp_info;

pub use linux::linux_config;

use crate::ast::{Event, EventKind, Script, TimeSpec};
use crate::verdict::{Failure, Outcome};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::collections::{BTreeMap, VecDeque};
use synack_core::{Config, Endpoint, EndpointConfig, Instant};

/// synack's address (IPv4).
pub const LOCAL_V4: Ipv4Addr = Ipv4Addr::new(192, 168, 0, 1);
/// The script's peer (IPv4).
pub const REMOTE_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// synack's address (IPv6).
pub const LOCAL_V6: Ipv6Addr = Ipv6Addr::new(0xfd3d, 0xfa7b, 0xd17d, 0, 0, 0, 0, 1);
/// The script's peer (IPv6).
pub const REMOTE_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
/// The port `bind` gives and `connect` aims at (the suite's `-p 8080`).
pub const SCRIPT_PORT: u16 = 8080;
/// The peer's port when it connects to synack.
pub const REMOTE_PORT: u16 = 40_000;

/// Default tolerance on outbound timing (packetdrill's default).
const DEFAULT_TOLERANCE_US: i64 = 4_000;
/// Largest tolerance accepted (an hour); beyond, the header is a skip.
const MAX_TOLERANCE_US: i64 = 3_600_000_000;

/// Most timer firings or transmissions one event may cause.
const MAX_STEPS: usize = 100_000;

/// Which operating system's TCP the scripts were written against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Personality {
    /// The FreeBSD TCP test suite: [`script_config`], FreeBSD's `sysctl
    /// -w`, `sockstat` and `tcpdrop`, FreeBSD's constants.
    #[default]
    FreeBsd,
    /// Google's packetdrill tests for Linux: [`linux_config`], the tests'
    /// `defaults.sh` / `set_sysctls.py` / `sysctl` set-up, Linux's
    /// constants, Linux-only features named as skips.
    Linux,
}

/// How to run scripts.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Compare every field of outbound segments (the table in docs/conformance.md).
    pub strict: bool,
    /// Start from synack's own defaults instead of the personality's
    /// (the scripts' sysctls still apply).
    pub native: bool,
    /// The operating system the scripts expect.
    pub personality: Personality,
}

/// Why running stopped early (or, for `Block`, why a call must wait).
pub(crate) enum Stop {
    Fail(Failure),
    Skip {
        line: usize,
        construct: String,
    },
    /// A blocking call cannot complete yet (handled by the runner).
    Block(blocking::Wait),
}

impl Stop {
    pub(crate) fn fail(
        line: usize,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Stop {
        Stop::Fail(Failure {
            line,
            expected: expected.into(),
            actual: actual.into(),
        })
    }

    pub(crate) fn skip(line: usize, construct: impl Into<String>) -> Stop {
        Stop::Skip {
            line,
            construct: construct.into(),
        }
    }
}

pub(crate) type Step = Result<(), Stop>;

/// The configuration synack starts a script with: FreeBSD's defaults for
/// what the suite's sysctls set (buffers, RTO, delayed ACK), and synack's
/// BSD-compatible switches (receive buffer rounded to whole segments, FIN
/// resent with every ACK, no rate limit on ACKs to out-of-window
/// segments), so windows and timers are comparable; the sysctls then
/// adjust it. `RunOptions::native` starts from `Config::default()`.
pub fn script_config() -> Config {
    Config {
        mtu: 1500,
        recv_buffer: 65536,
        send_buffer: 32768,
        round_recv_buffer_to_mss: true,
        // FreeBSD's tcp_output rounds the window up to the scale's unit,
        // and offers the shift kern.ipc.maxsockbuf (2 MiB) needs: 6.
        window_rule: synack_core::WindowRule::FreeBsd,
        // FreeBSD's tcp_twcheck() in TIME-WAIT.
        time_wait_rules: synack_core::TimeWaitRules::FreeBsd,
        window_scale_buffer: Some(2 * 1024 * 1024),
        fin_with_every_ack: true,
        // FreeBSD does not rate-limit ACKs to out-of-window segments.
        oow_ack_interval: core::time::Duration::ZERO,
        initial_rto: core::time::Duration::from_secs(1),
        // FreeBSD's keepcnt (its keepidle and keepintvl are synack's).
        keepalive_probes: 8,
        delayed_ack: core::time::Duration::from_millis(40),
        // FreeBSD's default stack runs NewReno (CUBIC is synack's default).
        congestion: synack_core::config::Congestion::NewReno,
        // FreeBSD's default stack has no RACK and no TLP (those are its
        // separate RACK stack's).
        rack: false,
        tlp: false,
        // FreeBSD's tcp_ctlinput, not RFC 5927's recommendations.
        icmp: synack_core::IcmpRules::FreeBsd,
        // FreeBSD's SYN schedule (tcp_syn_backoff), its connection
        // establishment timer (keepinit, 75 s) with TCP_MAXRXTSHIFT (12)
        // as the retransmission bound behind it, and the syncache's
        // rexmtlimit (3) for SYN-ACKs.
        syn_backoff: synack_core::SynBackoff::FreeBsd,
        connect_timeout: Some(core::time::Duration::from_secs(75)),
        syn_retries: 12,
        synack_retries: Some(3),
        // FreeBSD's net.inet.tcp.ecn.enable default (2): an ECN-setup SYN
        // is answered, ours do not ask.
        ecn: synack_core::Ecn::Passive,
        ..Config::default()
    }
}

/// One script's run.
pub(crate) struct Runner {
    pub opts: RunOptions,
    pub cfg: Config,
    pub ep: Option<Endpoint>,
    pub v6: bool,
    pub tolerance: i64,
    /// Each `>` line is one segment, never joined from several
    /// (`--strict_segments`).
    pub strict_segments: bool,
    /// Inbound data longer than this arrives as a GRO super-packet of
    /// segments this size (`--mss`, as packetdrill writes it with
    /// virtio-net's `gso_size`).
    pub gro_mss: Option<u16>,
    /// The device cuts TSO segments into MSS-sized ones, as Linux's
    /// software GSO does for a device without TSO and GSO (`ethtool -K
    /// tun0 tso off gso off` in the Linux personality).
    pub software_gso: bool,
    /// The device refuses every packet (`tc qdisc ... pfifo limit 0`): what
    /// the stack sends is handed back through `Endpoint::transmit_failed`.
    pub device_refuses: bool,
    /// Errors of system calls do not end the run (`--non_fatal=syscall`).
    pub syscalls_non_fatal: bool,
    /// Virtual now.
    pub now: Instant,
    /// Script time of the previous event, microseconds.
    pub last_time: i64,
    /// Script time of the event before the current one.
    pub prev_time: i64,
    /// Segments synack sent, not yet compared, with when they left.
    pub sent: VecDeque<(Instant, Vec<u8>)>,
    pub fds: BTreeMap<i32, syscalls::Socket>,
    /// (synack's end, the script's end) of the connection under test.
    pub flow: Option<(SocketAddr, SocketAddr)>,
    /// synack's ISN, once seen.
    pub local_isn: Option<u32>,
    /// synack's TSval minus the script's, once seen.
    pub ts_shift: Option<u32>,
    pub line: usize,
    /// The blocking call in progress, if any.
    pub blocked: Option<blocking::Blocked>,
    /// The current event's time was relative (`+t`): so is a `...t2`.
    pub relative_event: bool,
    /// `--local_ip` / `--remote_ip`, if given.
    pub local_addr: Option<IpAddr>,
    pub remote_addr: Option<IpAddr>,
    /// The `%{ }%` blocks' Python variables.
    pub py_vars: BTreeMap<String, i64>,
}

impl Runner {
    pub(crate) fn new(opts: RunOptions) -> Self {
        Runner {
            cfg: match (opts.native, opts.personality) {
                (true, _) => Config::default(),
                (false, Personality::FreeBsd) => script_config(),
                (false, Personality::Linux) => linux_config(),
            },
            opts,
            ep: None,
            v6: false,
            tolerance: DEFAULT_TOLERANCE_US,
            strict_segments: false,
            gro_mss: None,
            software_gso: false,
            device_refuses: false,
            syscalls_non_fatal: false,
            now: Instant::ZERO,
            last_time: 0,
            prev_time: 0,
            sent: VecDeque::new(),
            fds: BTreeMap::new(),
            flow: None,
            local_isn: None,
            ts_shift: None,
            line: 0,
            blocked: None,
            relative_event: false,
            local_addr: None,
            remote_addr: None,
            py_vars: BTreeMap::new(),
        }
    }

    pub(crate) fn linux(&self) -> bool {
        self.opts.personality == Personality::Linux
    }

    pub(crate) fn local_ip(&self) -> IpAddr {
        if let Some(a) = self.local_addr {
            return a;
        }
        if self.v6 {
            LOCAL_V6.into()
        } else {
            LOCAL_V4.into()
        }
    }

    pub(crate) fn remote_ip(&self) -> IpAddr {
        if let Some(a) = self.remote_addr {
            return a;
        }
        if self.v6 {
            REMOTE_V6.into()
        } else {
            REMOTE_V4.into()
        }
    }

    /// The endpoint, created with the configuration of the moment.
    pub(crate) fn ep(&mut self) -> &mut Endpoint {
        if self.ep.is_none() {
            let config = EndpointConfig {
                tcp: self.cfg.clone(),
                addresses: vec![LOCAL_V4.into(), LOCAL_V6.into(), self.local_ip()],
                secret: *b"synack-script-01",
                ..EndpointConfig::default()
            };
            self.ep = Some(Endpoint::new(config));
        }
        self.ep.as_mut().expect("just created")
    }

    /// Applies a configuration change to connections opened from now on.
    pub(crate) fn reconfigure(&mut self) {
        let cfg = self.cfg.clone();
        if let Some(ep) = self.ep.as_mut() {
            ep.set_tcp_config(cfg);
        }
    }

    /// Queues everything the stack sends now.
    pub(crate) fn drain(&mut self) -> Step {
        let now = self.now;
        let Some(ep) = self.ep.as_mut() else {
            return Ok(());
        };
        let mut buf = [0u8; 70_000];
        let mut steps = 0;
        while let Some(n) = ep.poll_transmit(now, &mut buf) {
            let packet = &buf[..n];
            if self.device_refuses {
                ep.transmit_failed(now, packet);
            } else {
                match self.software_gso.then(|| gso_size(ep, packet)).flatten() {
                    Some(mss) => self
                        .sent
                        .extend(gso::segment(packet, mss).into_iter().map(|p| (now, p))),
                    None => self.sent.push_back((now, packet.to_vec())),
                }
            }
            steps += 1;
            if steps > MAX_STEPS {
                return Err(Stop::fail(
                    self.line,
                    "the stack to settle",
                    "it keeps sending",
                ));
            }
        }
        Ok(())
    }

    /// Runs timers up to `t` (inclusive) and moves the clock there.
    pub(crate) fn advance_to(&mut self, t: Instant) -> Step {
        self.run_timers(t, false).map(|_| ())
    }

    /// Like `advance_to`, but stops at the first timer that makes the
    /// stack send. Returns whether something was sent.
    pub(crate) fn advance_until_sent(&mut self, limit: Instant) -> Result<bool, Stop> {
        self.run_timers(limit, true)
    }

    /// Fires the endpoint's timers due up to `limit`, queueing what it
    /// sends and retrying a blocked call after each; with `stop_when_sent`,
    /// returns as soon as something is queued. Otherwise (or if nothing
    /// was sent by `limit`) moves the clock to `limit`.
    fn run_timers(&mut self, limit: Instant, stop_when_sent: bool) -> Result<bool, Stop> {
        self.drain()?;
        for _ in 0..MAX_STEPS {
            if stop_when_sent && !self.sent.is_empty() {
                return Ok(true);
            }
            let next = self.ep.as_ref().and_then(Endpoint::poll_timeout);
            match next {
                Some(d) if d <= limit => {
                    self.now = self.now.max(d);
                    let now = self.now;
                    self.ep().handle_timeout(now);
                    self.drain()?;
                    self.poll_blocked()?;
                }
                _ => {
                    self.now = self.now.max(limit);
                    return Ok(stop_when_sent && !self.sent.is_empty());
                }
            }
        }
        Err(Stop::fail(
            self.line,
            "the stack to settle",
            "its timers keep firing",
        ))
    }

    /// The event's time window `[start, end]` in script microseconds;
    /// `None` for `*`.
    fn window(&self, t: TimeSpec) -> Option<(i64, i64)> {
        match t {
            TimeSpec::Any => None,
            TimeSpec::At { relative, micros } => {
                let at = if relative {
                    self.last_time.saturating_add(micros)
                } else {
                    micros
                };
                Some((at, at))
            }
            TimeSpec::Range {
                relative,
                start,
                end,
            } => {
                let base = if relative { self.last_time } else { 0 };
                Some((base.saturating_add(start), base.saturating_add(end)))
            }
        }
    }

    fn run_event(&mut self, ev: &Event) -> Step {
        self.line = ev.line;
        self.prev_time = self.last_time;
        self.relative_event = matches!(
            ev.time,
            TimeSpec::At { relative: true, .. } | TimeSpec::Range { relative: true, .. }
        );
        let window = self.window(ev.time);
        match &ev.kind {
            EventKind::Icmp(i) if i.direction == crate::ast::Direction::Outbound => Err(
                Stop::skip(self.line, format!("ICMP packet `> icmp {}`", i.icmp_type)),
            ),
            EventKind::Packet(p) if p.direction == crate::ast::Direction::Outbound => {
                let t = self.expect_outbound(p, window)?;
                self.last_time = window.map_or(t, |(s, _)| s);
                Ok(())
            }
            kind => {
                let at = window.map_or(self.last_time, |(s, _)| s);
                self.advance_to(instant(at))?;
                self.last_time = at;
                match kind {
                    EventKind::Packet(p) => self.inject(p),
                    EventKind::Syscall(s) => {
                        let r = self.syscall(s);
                        match r {
                            Err(Stop::Fail(_)) if self.syscalls_non_fatal => Ok(()),
                            r => r,
                        }
                    }
                    EventKind::Command(c) => self.command(c),
                    EventKind::Code(c) => self.code(c),
                    EventKind::Icmp(i) => self.inject_icmp(i),
                }?;
                self.drain()?;
                self.poll_blocked()
            }
        }
    }

    /// `%{ ... }%`: `assert tcpi_state == TCPI_X` (FreeBSD's names) checks
    /// the state of the connection under test; other blocks go to the
    /// small Python evaluator (`run/python.rs`), `tcpi_*` read from that
    /// connection.
    fn code(&mut self, code: &str) -> Step {
        let words: Vec<&str> = code.split_whitespace().collect();
        let ["assert", "tcpi_state", "==", want] = words.as_slice() else {
            return self.python(code);
        };
        let Some(want) = want.strip_prefix("TCPI_") else {
            return self.python(code);
        };
        let got = self
            .flow
            .and_then(|(l, r)| {
                let ep = self.ep.as_ref()?;
                ep.connection_table()
                    .find(|&(cl, cr, _)| cl == l && cr == r)
                    .map(|(_, _, st)| st)
            })
            .map_or("CLOSED", tcpi_name);
        if got == want {
            Ok(())
        } else {
            Err(Stop::fail(
                self.line,
                format!("tcpi_state {want}"),
                format!("state {got}"),
            ))
        }
    }

    fn header(&mut self, script: &Script) -> Step {
        for o in &script.options {
            self.line = o.line;
            let v = o.value.as_deref().unwrap_or("");
            match o.name.as_str() {
                "ip_version" => match v {
                    "ipv4" => self.v6 = false,
                    "ipv6" => self.v6 = true,
                    _ => return Err(Stop::skip(o.line, format!("--ip_version={v}"))),
                },
                "tolerance_usecs" => {
                    self.tolerance = v
                        .parse()
                        .ok()
                        .filter(|t| (0..=MAX_TOLERANCE_US).contains(t))
                        .ok_or_else(|| Stop::skip(o.line, format!("--tolerance_usecs={v}")))?;
                }
                "non_fatal" if v == "syscall" => self.syscalls_non_fatal = true,
                "strict_segments" if o.value.is_none() => self.strict_segments = true,
                "local_ip" | "remote_ip" => {
                    let addr: IpAddr = v
                        .parse()
                        .map_err(|_| Stop::skip(o.line, format!("--{}={v}", o.name)))?;
                    self.v6 = addr.is_ipv6();
                    if o.name == "local_ip" {
                        self.local_addr = Some(addr);
                    } else {
                        self.remote_addr = Some(addr);
                    }
                }
                // The MTU of packetdrill's tun device: the MSS synack
                // offers is derived from it (FreeBSD's tcp_mss: MTU minus
                // the IP and TCP headers).
                "mtu" => {
                    let mtu: usize = v
                        .parse()
                        .ok()
                        .filter(|m| (576..=65_535).contains(m))
                        .ok_or_else(|| Stop::skip(o.line, format!("--mtu={v}")))?;
                    self.cfg.mtu = mtu;
                    self.reconfigure();
                }
                "mss" => {
                    let mss: u16 = v
                        .parse()
                        .ok()
                        .filter(|m| *m > 0)
                        .ok_or_else(|| Stop::skip(o.line, format!("--mss={v}")))?;
                    self.gro_mss = Some(mss);
                }
                // synack's TSval clock ticks once a millisecond.
                "tcp_ts_tick_usecs" if v == "1000" => {}
                _ => {
                    let text = match &o.value {
                        Some(v) => format!("--{}={v}", o.name),
                        None => format!("--{}", o.name),
                    };
                    return Err(Stop::skip(o.line, format!("option {text}")));
                }
            }
        }
        if self.linux() {
            self.linux_prescan(script)?;
            if let Some(c) = &script.init_command {
                self.line = 0;
                return self.linux_shell(c);
            }
        }
        if let Some(c) = &script.init_command {
            return Err(Stop::skip(0, format!("init command `{c}`")));
        }
        Ok(())
    }
}

/// FreeBSD's `tcp_info` name of a state (the scripts' `TCPI_` names).
fn tcpi_name(s: synack_core::State) -> &'static str {
    use synack_core::State::*;
    match s {
        Closed => "CLOSED",
        Listen => "LISTEN",
        SynSent => "SYN_SENT",
        SynReceived => "SYN_RECEIVED",
        Established => "ESTABLISHED",
        FinWait1 => "FIN_WAIT_1",
        FinWait2 => "FIN_WAIT_2",
        CloseWait => "CLOSE_WAIT",
        Closing => "CLOSING",
        LastAck => "LAST_ACK",
        TimeWait => "TIME_WAIT",
    }
}

/// Script microseconds to the endpoint's clock (negative clamps to 0).
pub(crate) fn instant(us: i64) -> Instant {
    Instant::from_micros(us.max(0) as u64)
}

/// Script microseconds of an instant.
pub(crate) fn micros(t: Instant) -> i64 {
    t.as_micros() as i64
}

/// Runs a parsed script.
pub fn run(script: &Script, opts: &RunOptions) -> Outcome {
    let mut r = Runner::new(opts.clone());
    let result = r
        .header(script)
        .and_then(|()| script.events.iter().try_for_each(|ev| r.run_event(ev)))
        .and_then(|()| r.finish_blocked());
    let result = match (result, &script.cleanup_command) {
        (Ok(()), Some(c)) if r.linux() => r.linux_shell(c),
        (result, _) => result,
    };
    match result {
        Ok(()) if r.linux() => Outcome::Pass,
        Ok(()) => match &script.cleanup_command {
            Some(c) => Outcome::Skip {
                line: 0,
                construct: format!("cleanup command `{c}`"),
            },
            None => Outcome::Pass,
        },
        Err(Stop::Fail(f)) => Outcome::Fail(f),
        Err(Stop::Skip { line, construct }) => Outcome::Skip { line, construct },
        Err(Stop::Block(_)) => unreachable!("blocking calls are caught by Runner::syscall"),
    }
}

/// The segment size the device cuts `packet` into: its connection's.
fn gso_size(ep: &Endpoint, packet: &[u8]) -> Option<usize> {
    let p = synack_core::wire::parse_packet(packet).ok()?;
    let local = SocketAddr::new(p.ip.src, p.tcp.src_port);
    let remote = SocketAddr::new(p.ip.dst, p.tcp.dst_port);
    ep.tso_segment_size(local, remote)
}
