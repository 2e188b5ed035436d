//! Backtick commands: the FreeBSD suite's `sysctl -w`, `sockstat` and
//! `tcpdrop`, mapped onto synack's configuration and connection table.
//! Anything else makes the script a skip, never a pass.

use super::syscalls::Kind;
use super::{Runner, SCRIPT_PORT, Step, Stop};
use core::time::Duration;
use synack_core::State;

/// FreeBSD's name for a state, as `sockstat` prints it.
fn bsd_name(s: State) -> &'static str {
    match s {
        State::Closed => "CLOSED",
        State::Listen => "LISTEN",
        State::SynSent => "SYN_SENT",
        State::SynReceived => "SYN_RCVD",
        State::Established => "ESTABLISHED",
        State::FinWait1 => "FIN_WAIT_1",
        State::FinWait2 => "FIN_WAIT_2",
        State::CloseWait => "CLOSE_WAIT",
        State::Closing => "CLOSING",
        State::LastAck => "LAST_ACK",
        State::TimeWait => "TIME_WAIT",
    }
}

impl Runner {
    pub(super) fn command(&mut self, cmd: &str) -> Step {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        match words.first().copied() {
            Some("sysctl") => self.sysctl(cmd, &words),
            Some("sockstat") => self.sockstat(cmd),
            Some("tcpdrop") => self.tcpdrop(cmd, &words),
            // The Linux tests' commands within a script (`tc qdisc ...`).
            _ if self.linux() => self.linux_shell(cmd),
            _ => Err(Stop::skip(self.line, format!("command `{cmd}`"))),
        }
    }

    /// `sysctl -w name=value`.
    fn sysctl(&mut self, cmd: &str, words: &[&str]) -> Step {
        let unsupported = || Stop::skip(self.line, format!("command `{cmd}`"));
        let [_, "-w", setting] = words else {
            return Err(unsupported());
        };
        let Some((name, value)) = setting.split_once('=') else {
            return Err(unsupported());
        };
        let Ok(v) = value.parse::<u64>() else {
            return Err(unsupported());
        };
        // Sizes up to 1 GiB (RFC 7323's largest window), times up to a day
        // (milliseconds), counts up to a million: beyond, a skip.
        let limit = match name {
            "net.inet.tcp.recvspace" | "net.inet.tcp.sendspace" | "kern.ipc.maxsockbuf" => 1 << 30,
            "net.inet.tcp.keepcnt" | "net.inet.tcp.syncache.rexmtlimit" => 1_000_000,
            _ => 86_400_000,
        };
        if v > limit {
            return Err(Stop::skip(
                self.line,
                format!("value out of range in `{cmd}`"),
            ));
        }
        let on = v != 0;
        let c = &mut self.cfg;
        match name {
            // RFC 1323/7323: window scaling and timestamps together.
            "net.inet.tcp.rfc1323" => {
                c.window_scaling = on;
                c.timestamps = on;
            }
            "net.inet.tcp.sack.enable" => c.sack = on,
            "net.inet.tcp.insecure_rst" => c.rst_challenge = !on,
            "net.inet.tcp.insecure_syn" => c.syn_challenge = !on,
            "net.inet.tcp.drop_synfin" => c.drop_syn_fin = on,
            "net.inet.tcp.recvspace" => c.recv_buffer = v as usize,
            "net.inet.tcp.sendspace" => c.send_buffer = v as usize,
            "net.inet.tcp.rexmit_initial" => c.initial_rto = Duration::from_millis(v),
            "net.inet.tcp.keepidle" => c.keepalive_idle = Duration::from_millis(v),
            "net.inet.tcp.keepintvl" => c.keepalive_interval = Duration::from_millis(v),
            "net.inet.tcp.keepcnt" => c.keepalive_probes = v as u32,
            // The connection establishment timer (tcp_timer_keep in
            // SYN-SENT), and the syncache's SYN-ACK retransmissions.
            "net.inet.tcp.keepinit" => c.connect_timeout = Some(Duration::from_millis(v)),
            "net.inet.tcp.syncache.rexmtlimit" => c.synack_retries = Some(v as u32),
            // Delayed ACKs: the timeout (FreeBSD's TCPTV_DELACK, 40 ms),
            // and off (ACK at once) or on.
            "net.inet.tcp.delacktime" => c.delayed_ack = Duration::from_millis(v),
            "net.inet.tcp.delayed_ack" if !on => c.delayed_ack = Duration::ZERO,
            "net.inet.tcp.delayed_ack" => {
                if c.delayed_ack.is_zero() {
                    c.delayed_ack = Duration::from_millis(40);
                }
            }
            // TIME-WAIT lasts 2 x msl.
            "net.inet.tcp.msl" => c.msl = Duration::from_millis(v),
            // RFC 6928's initial window in segments (0: RFC 3390's).
            "net.inet.tcp.initcwnd_segments" => c.initial_window = v as usize,
            // Behaviours synack always has: RFC 3390's initial window,
            // RFC 3042's limited transmit, path MTU discovery (DF set).
            "net.inet.tcp.rfc3390" | "net.inet.tcp.rfc3042" | "net.inet.tcp.path_mtu_discovery"
                if on => {}
            // The ICMP rules synack follows are these defaults'
            // (`IcmpRules::FreeBsd`); other values are skips.
            "net.inet.tcp.icmp_may_rst" if v == 1 => {}
            "net.inet.tcp.minmss" if v == 216 => {}
            // FreeBSD's floor on the RTO is rexmit_min plus this slop.
            "net.inet.tcp.rexmit_slop" => c.min_rto = Duration::from_millis(v),
            // RFC 3168 ECN: off (0), asked for and answered (1), answered
            // only (2). 3 and 4 are Accurate ECN, which synack lacks.
            "net.inet.tcp.ecn.enable" if v <= 2 => c.ecn = ecn_mode(v),
            // SYN retransmissions that still ask for ECN.
            "net.inet.tcp.ecn.maxretries" => c.ecn_syn_retries = v as u32,
            // synack always answers segments for closed ports (no blackhole).
            "net.inet.tcp.blackhole" if v == 0 => {}
            // From the third SYN retransmission, only the MSS.
            "net.inet.tcp.rexmit_drop_options" => {
                c.syn_drop_options_after = on.then_some(3);
            }
            // The largest buffer auto-tuning may reach; synack's buffers are
            // fixed, so only the window-scale shift follows it.
            "kern.ipc.maxsockbuf" => c.window_scale_buffer = Some(v as usize),
            // synack keeps no host cache.
            "net.inet.tcp.hostcache.purgenow" => {}
            _ => return Err(unsupported()),
        }
        self.reconfigure();
        Ok(())
    }

    /// `sockstat [-4|-6] -P tcp [-p PORT] -s | [grep packetdril |] grep -c STATE | grep N`:
    /// counts synack's sockets in STATE and checks the count as `grep N` would.
    fn sockstat(&mut self, cmd: &str) -> Step {
        let unsupported = || Stop::skip(self.line, format!("command `{cmd}`"));
        let stages: Vec<Vec<&str>> = cmd
            .split('|')
            .map(|s| s.split_whitespace().collect())
            .collect();
        let (first, rest) = stages.split_first().ok_or_else(unsupported)?;
        let mut family = None;
        let mut port = None;
        let mut i = 1;
        while i < first.len() {
            match first[i] {
                "-4" => family = Some(false),
                "-6" => family = Some(true),
                "-P" if first.get(i + 1) == Some(&"tcp") => i += 1,
                "-p" => {
                    port = Some(
                        first
                            .get(i + 1)
                            .and_then(|p| p.parse::<u16>().ok())
                            .ok_or_else(unsupported)?,
                    );
                    i += 1;
                }
                "-s" => {}
                _ => return Err(unsupported()),
            }
            i += 1;
        }
        let mut state = None;
        let mut expect = None;
        for stage in rest {
            match stage.as_slice() {
                ["grep", "packetdril"] => {}
                ["grep", "-c", s] => state = Some(s.to_string()),
                ["grep", n] if state.is_some() => expect = Some(n.to_string()),
                _ => return Err(unsupported()),
            }
        }
        let (Some(state), Some(expect)) = (state, expect) else {
            return Err(unsupported());
        };
        let count = self.count_sockets(family, port, &state);
        // `grep N` succeeds when the count's line contains N.
        if count.to_string().contains(&expect) {
            Ok(())
        } else {
            Err(Stop::fail(
                self.line,
                format!("{expect} socket(s) in {state} (`{cmd}`)"),
                format!("{count} in {state}"),
            ))
        }
    }

    /// Lines of `sockstat -s` output that would contain `state`: listeners,
    /// connections (released ones included, as the kernel keeps them), and
    /// sockets that are neither (CLOSED).
    fn count_sockets(&self, family: Option<bool>, port: Option<u16>, state: &str) -> usize {
        let v6_ok = |v6: bool| family.is_none_or(|f| f == v6);
        let mut count = 0;
        if let Some(ep) = &self.ep {
            let held = ep.connections().map(|c| (c.local(), c.remote(), c.state()));
            let compact = ep
                .time_wait_records()
                .map(|(l, r)| (l, r, synack_core::State::TimeWait));
            for (l, r, st) in held.chain(compact) {
                let port_ok = port.is_none_or(|p| l.port() == p || r.port() == p);
                if v6_ok(l.is_ipv6()) && port_ok && bsd_name(st).contains(state) {
                    count += 1;
                }
            }
        }
        for sock in self.fds.values() {
            let (name, bound) = match sock.kind {
                Kind::Listener(_) => ("LISTEN", true),
                Kind::Fresh { bound } => ("CLOSED", bound),
                Kind::Conn(_) => continue,
            };
            let port_ok = port.is_none_or(|p| bound && p == SCRIPT_PORT);
            if v6_ok(self.v6) && port_ok && name.contains(state) {
                count += 1;
            }
        }
        count
    }

    /// `tcpdrop -s STATE`: drops every connection in STATE.
    fn tcpdrop(&mut self, cmd: &str, words: &[&str]) -> Step {
        let ["tcpdrop", "-s", state] = words else {
            return Err(Stop::skip(self.line, format!("command `{cmd}`")));
        };
        let now = self.now;
        let Some(ep) = self.ep.as_mut() else {
            return Ok(());
        };
        let tuples: Vec<_> = ep
            .connection_table()
            .filter(|&(_, _, st)| bsd_name(st) == *state)
            .map(|(l, r, _)| (l, r))
            .collect();
        for (l, r) in tuples {
            let _ = ep.drop_connection_at(now, l, r);
        }
        Ok(())
    }
}

/// The ECN mode of an `ecn.enable` (FreeBSD) or `tcp_ecn` (Linux) value:
/// both number RFC 3168 ECN 0 off, 1 asked for and answered, 2 answered
/// only.
pub(super) fn ecn_mode(v: u64) -> synack_core::Ecn {
    match v {
        0 => synack_core::Ecn::Off,
        1 => synack_core::Ecn::On,
        _ => synack_core::Ecn::Passive,
    }
}
