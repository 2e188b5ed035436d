//! `TCP_INFO` for the `%{ }%` blocks: the `tcpi_*` fields synack can
//! report for the connection under test, with Linux's meanings, and the
//! constants the blocks compare them with.

use super::python::{self, Info, PyError};
use super::{Runner, Step, Stop};
use synack_core::conn::Connection;
use synack_core::{Instant, State};

/// Linux's `TCP_*` state numbers (`include/net/tcp_states.h`).
fn linux_state(s: State) -> i64 {
    match s {
        State::Established => 1,
        State::SynSent => 2,
        State::SynReceived => 3,
        State::FinWait1 => 4,
        State::FinWait2 => 5,
        State::TimeWait => 6,
        State::Closed => 7,
        State::CloseWait => 8,
        State::LastAck => 9,
        State::Listen => 10,
        State::Closing => 11,
    }
}

/// The connection under test (or none: CLOSED).
struct ConnInfo<'a>(Option<&'a Connection>, Instant);

impl Info for ConnInfo<'_> {
    fn value(&self, name: &str) -> Option<i64> {
        let constant = match name {
            "TCP_ESTABLISHED" => Some(1),
            "TCP_SYN_SENT" => Some(2),
            "TCP_SYN_RECV" => Some(3),
            "TCP_FIN_WAIT1" => Some(4),
            "TCP_FIN_WAIT2" => Some(5),
            "TCP_TIME_WAIT" => Some(6),
            "TCP_CLOSE" => Some(7),
            "TCP_CLOSE_WAIT" => Some(8),
            "TCP_LAST_ACK" => Some(9),
            "TCP_LISTEN" => Some(10),
            "TCP_CLOSING" => Some(11),
            // include/uapi/linux/tcp.h, enum tcp_ca_state.
            "TCP_CA_Open" => Some(0),
            "TCP_CA_Disorder" => Some(1),
            "TCP_CA_CWR" => Some(2),
            "TCP_CA_Recovery" => Some(3),
            "TCP_CA_Loss" => Some(4),
            // tcpi_options bits (the same in FreeBSD's netinet/tcp.h and
            // Linux's uapi/linux/tcp.h).
            "TCPI_OPT_TIMESTAMPS" => Some(1),
            "TCPI_OPT_SACK" => Some(2),
            "TCPI_OPT_WSCALE" => Some(4),
            "TCPI_OPT_ECN" => Some(8),
            _ => None,
        };
        if constant.is_some() {
            return constant;
        }
        let c = self.0;
        match name {
            "tcpi_state" => Some(c.map_or(7, |c| linux_state(c.state()))),
            // Linux counts the window in segments of tcpi_snd_mss.
            "tcpi_snd_cwnd" => c.map(|c| (c.cwnd() / c.payload_mss().max(1)) as i64),
            "tcpi_snd_ssthresh" => c.map(|c| {
                // Linux reports "infinite" (TCP_INFINITE_SSTHRESH) as is.
                let t = c.ssthresh();
                if t >= 0x7fff_ffff {
                    0x7fff_ffff
                } else {
                    (t / c.payload_mss().max(1)) as i64
                }
            }),
            "tcpi_advmss" => c.map(|c| c.advertised_mss() as i64),
            // The peer's largest segment (GRO packets by their segments).
            "tcpi_rcv_mss" => c.and_then(|c| c.peer_segment_size()).map(|n| n as i64),
            // Milliseconds since data last arrived (or the handshake).
            "tcpi_last_data_recv" => c
                .and_then(|c| c.last_data_received())
                .map(|t| self.1.saturating_since(t).as_millis() as i64),
            "tcpi_ca_state" => c.map(|c| i64::from(c.ca_state())),
            "tcpi_snd_mss" => c.map(|c| c.payload_mss() as i64),
            "tcpi_options" => c.map(|c| {
                [
                    (c.timestamps_enabled(), 1),
                    (c.sack_enabled(), 2),
                    (c.window_scaling_enabled(), 4),
                    (c.ecn_enabled(), 8),
                ]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, bit)| bit)
                .sum()
            }),
            "tcpi_rtt" => c.and_then(|c| c.srtt()).map(|d| d.as_micros() as i64),
            // The retransmission queue, in segments (with SACK and RACK;
            // otherwise not reported).
            "tcpi_unacked" => c.map(|c| c.send_queue_counts().unacked as i64),
            "tcpi_sacked" => c
                .and_then(|c| c.send_queue_counts().sacked)
                .map(|n| n as i64),
            "tcpi_lost" => c.and_then(|c| c.send_queue_counts().lost).map(|n| n as i64),
            "tcpi_retrans" => c
                .and_then(|c| c.send_queue_counts().retrans)
                .map(|n| n as i64),
            "tcpi_reordering" => c
                .and_then(|c| c.send_queue_counts().reordering)
                .map(|n| n as i64),
            // The chronographs, in microseconds.
            "tcpi_probes" => c.map(|c| i64::from(c.unanswered_probes())),
            "tcpi_backoff" => c.map(|c| i64::from(c.backoff())),
            "tcpi_busy_time" => c.map(|c| c.chrono_times(self.1).busy.as_micros() as i64),
            "tcpi_rwnd_limited" => {
                c.map(|c| c.chrono_times(self.1).rwnd_limited.as_micros() as i64)
            }
            "tcpi_reord_seen" => c
                .and_then(|c| c.send_queue_counts().reord_seen)
                .map(i64::from),
            _ => None,
        }
    }
}

impl Runner {
    /// Runs a `%{ }%` block with the connection under test's `TCP_INFO`.
    pub(super) fn python(&mut self, code: &str) -> Step {
        let conn = self.flow.and_then(|(l, r)| {
            self.ep
                .as_ref()?
                .connections()
                .find(|c| c.local() == l && c.remote() == r)
        });
        let mut vars = core::mem::take(&mut self.py_vars);
        let result = python::exec(code, &mut vars, &ConnInfo(conn, self.now));
        self.py_vars = vars;
        match result {
            Ok(()) => Ok(()),
            Err(PyError::Unsupported(what)) => Err(Stop::skip(self.line, what)),
            Err(PyError::AssertFailed(stmt)) => Err(Stop::fail(
                self.line,
                format!("`{stmt}`"),
                self.tcp_info_text(),
            )),
        }
    }

    /// The reported fields, for a failed assertion's message.
    fn tcp_info_text(&self) -> String {
        let conn = self.flow.and_then(|(l, r)| {
            self.ep
                .as_ref()?
                .connections()
                .find(|c| c.local() == l && c.remote() == r)
        });
        let info = ConnInfo(conn, self.now);
        let fields: Vec<String> = [
            "tcpi_state",
            "tcpi_ca_state",
            "tcpi_snd_cwnd",
            "tcpi_snd_ssthresh",
            "tcpi_snd_mss",
            "tcpi_rtt",
            "tcpi_unacked",
            "tcpi_sacked",
            "tcpi_lost",
            "tcpi_retrans",
            "tcpi_reordering",
        ]
        .iter()
        .filter_map(|n| info.value(n).map(|v| format!("{n}={v}")))
        .collect();
        format!("it does not hold: {}", fields.join(" "))
    }
}
