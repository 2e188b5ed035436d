//! A connection's figures, computed once for the text summary and the
//! JSON.

use crate::conn::{Conn, Counters, Ending};
use crate::notes::RstWhy;
use synack_core::State;
use synack_view::Side;

/// How a connection opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// SYN, SYN+ACK, ACK.
    Handshake,
    /// Both sides sent SYN.
    Simultaneous,
    /// The SYN drew a RST.
    Refused,
    /// The SYN was never answered.
    Unanswered,
    /// The handshake began but did not complete in the capture.
    Incomplete,
    /// Before the capture began.
    BeforeCapture,
}

impl Opening {
    /// The name in JSON.
    pub fn kind(self) -> &'static str {
        match self {
            Opening::Handshake => "three_way_handshake",
            Opening::Simultaneous => "simultaneous_open",
            Opening::Refused => "refused",
            Opening::Unanswered => "syn_unanswered",
            Opening::Incomplete => "handshake_incomplete",
            Opening::BeforeCapture => "before_capture",
        }
    }
}

/// One direction's figures.
#[derive(Clone, Debug)]
pub struct Flow {
    /// Sender.
    pub from: Side,
    /// Bytes of the stream (each byte once).
    pub bytes: u64,
    /// The counters.
    pub c: Counters,
    /// The receiver acknowledged every byte and the FIN if any.
    pub all_acked: bool,
}

/// A connection's figures.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Its number.
    pub id: u64,
    /// Seconds from the first to the last packet.
    pub duration_s: f64,
    /// Client to server, server to client.
    pub flows: [Flow; 2],
    /// RTT samples (capture point to ACK), microseconds, sorted.
    pub rtt_us: Vec<u64>,
    /// How it opened.
    pub opening: Opening,
    /// How it ended.
    pub ending: Ending,
    /// Inferred final states, client first.
    pub final_states: [State; 2],
}

impl Summary {
    /// The figures of `c`.
    pub fn of(c: &Conn) -> Summary {
        let flow = |side: Side| {
            let d = &c.dirs[side.index()];
            let p = &c.dirs[side.peer().index()];
            let nothing = d.stream_bytes() == 0 && d.fin.is_none();
            let all_acked = nothing
                || match (d.next, p.max_ack) {
                    (Some(n), Some(a)) => crate::conn::diff(a, n) >= 0,
                    (None, _) => true,
                    _ => false,
                };
            Flow {
                from: side,
                bytes: d.stream_bytes(),
                c: d.c.clone(),
                all_acked,
            }
        };
        let mut rtt: Vec<u64> = c.dirs.iter().flat_map(|d| d.rtt.iter().copied()).collect();
        rtt.sort_unstable();
        let [cl, sv] = &c.dirs;
        let opening = if c.mid_start {
            Opening::BeforeCapture
        } else if cl.syns > 0
            && sv.syns > 0
            && cl.c.flags[0] > 0
            && sv.c.flags[0] > 0
            && both_plain_syn(c)
        {
            Opening::Simultaneous
        } else if matches!(c.ending, Ending::Rst(Side::Server, RstWhy::Refused)) {
            Opening::Refused
        } else if sv.syns == 0 && cl.syns > 0 {
            Opening::Unanswered
        } else if sv.syns > 0
            && sv
                .isn
                .is_some_and(|i| cl.max_ack.is_some_and(|a| crate::conn::diff(a, i) >= 1))
        {
            Opening::Handshake
        } else {
            Opening::Incomplete
        };
        Summary {
            id: c.id,
            duration_s: c.last_us.saturating_sub(c.first_us) as f64 / 1e6,
            flows: [flow(Side::Client), flow(Side::Server)],
            rtt_us: rtt,
            opening,
            ending: c.ending,
            final_states: [cl.state, sv.state],
        }
    }

    /// The smallest RTT sample.
    pub fn rtt_min(&self) -> Option<u64> {
        self.rtt_us.first().copied()
    }

    /// The median RTT sample.
    pub fn rtt_median(&self) -> Option<u64> {
        let n = self.rtt_us.len();
        if n == 0 {
            return None;
        }
        Some(if n % 2 == 1 {
            self.rtt_us[n / 2]
        } else {
            (self.rtt_us[n / 2 - 1] + self.rtt_us[n / 2]) / 2
        })
    }
}

/// Both sides' first SYN came without ACK (simultaneous open): the server
/// side sent a SYN segment without ACK.
fn both_plain_syn(c: &Conn) -> bool {
    c.rows.iter().any(|r| {
        matches!(&r.kind, crate::conn::RowKind::Seg { from: Side::Server, seg, .. }
            if seg.tcp.flags.syn() && !seg.tcp.flags.ack())
    })
}
