//! English.

use super::{Header, Texts, Totals, blocks, ms, sizes};
use crate::conn::infer::Why;
use crate::notes::{Mark, Note, RetxKind, RstWhy};
use crate::summary::{Flow, Opening, Summary};
use synack_view::Side;

/// English texts.
pub struct En;

fn flow_lines(t: &En, f: &Flow) -> Vec<String> {
    let c = &f.c;
    let mut v = vec![format!(
        "  {} → {}: {} bytes in {} segments{}",
        t.side(f.from),
        t.side(f.from.peer()),
        f.bytes,
        c.segments,
        if f.all_acked {
            ", all acknowledged"
        } else {
            ", not all acknowledged in the capture"
        }
    )];
    if c.retransmissions > 0 {
        v.push(format!(
            "    retransmitted: {} segments, {} bytes ({} fast, {} after a timeout, {} probes; {} spurious)",
            c.retransmissions, c.retransmitted_bytes, c.fast, c.timeout, c.probe, c.spurious
        ));
    }
    v
}

fn anomalies(s: &Summary) -> String {
    let mut v = Vec::new();
    for f in &s.flows {
        let c = &f.c;
        let who = match f.from {
            Side::Client => "client",
            Side::Server => "server",
        };
        let mut add = |n: u64, what: &str| {
            if n > 0 {
                v.push(format!("{n} {what} from the {who}"));
            }
        };
        add(c.retransmissions, "retransmissions");
        add(c.out_of_order, "out-of-order segments");
        add(c.dup_acks, "duplicate ACKs");
        add(c.zero_windows, "zero windows");
        add(c.window_probes, "window probes");
        add(c.keep_alives, "keep-alives");
        add(c.unseen_bytes, "bytes the capture never saw");
    }
    if v.is_empty() {
        "none".into()
    } else {
        v.join(" · ")
    }
}

impl Texts for En {
    fn side(&self, s: Side) -> &'static str {
        match s {
            Side::Client => "client",
            Side::Server => "server",
        }
    }

    fn header(&self, h: &Header) -> Vec<String> {
        let mut v = vec![
            format!(
                "connection #{} · client {} · server {}",
                h.id, h.addrs[0], h.addrs[1]
            ),
            format!(
                "{} segments from {:.3} s into the capture",
                h.segments, h.start_s
            ),
        ];
        let isn = |x: Option<u32>| x.map_or("not captured".to_string(), |n| n.to_string());
        v.push(format!(
            "ISN: client {} · server {}",
            isn(h.isns[0]),
            isn(h.isns[1])
        ));
        v.push(if h.absolute {
            "seq/ack below are absolute".into()
        } else if h.mid_start {
            "seq/ack below are relative to the first numbers seen".into()
        } else {
            "seq/ack below are relative to each side's ISN".into()
        });
        v.push(format!(
            "≈ marks states inferred from the segments; windows {}",
            if h.scaled {
                "scaled as the SYNs agreed"
            } else {
                "as on the wire (no scaling known)"
            }
        ));
        v
    }

    fn time_heading(&self) -> &'static str {
        "time (s)"
    }

    fn note(&self, n: &Note) -> String {
        match n {
            Note::Syn { side, isn } => format!(
                "SYN: the {} asks to open a connection; its initial sequence number (ISN) is {isn}, picked at random so that segments of an old connection cannot pass for this one's",
                self.side(*side)
            ),
            Note::SynOptions => "options: mss = the largest segment this side takes; ws = window scaling, for windows over 64 KiB; SACK = it can say which bytes arrived after a gap; TS = timestamps, to time round trips and reject old segments".into(),
            Note::SynAck { isn, peer_isn } => format!(
                "SYN+ACK: the server agrees and picks its own ISN, {isn}; ack = {peer_isn} + 1 = {}: a SYN takes up one sequence number, so the next byte the server expects is the client's ISN + 1 (relative ack=1)",
                peer_isn.wrapping_add(1)
            ),
            Note::HandshakeDone => "ACK: the client acknowledges the server's ISN + 1. Three segments, so each side knows the other heard its ISN: the connection is open".into(),
            Note::OldSyn => "a SYN with another, older ISN: an old duplicate from an earlier connection on the same ports, delayed in the network (RFC 9293 3.5)".into(),
            Note::SynAckForOld => "the server answers the old SYN: its ack is not the client's ISN + 1, so the client knows this SYN+ACK is not for its connection and resets it".into(),
            Note::SimultaneousSynAck { side } => format!(
                "simultaneous open: both sides sent a SYN, so the {} sends its SYN again (same ISN), now with the ACK of the peer's; each side answers the other's SYN",
                self.side(*side)
            ),
            Note::MidStart => "the capture starts in the middle of this connection: the handshake is missing, so numbers are relative to the first ones seen, windows are unscaled and both sides are assumed ESTABLISHED".into(),
            Note::FirstData { side, len, first } => format!(
                "the {} sends its first data: {len} bytes, bytes {first}–{} of its stream (seq is the number of the first byte)",
                self.side(*side),
                first + *len as i64 - 1
            ),
            Note::AckConfirms { side, bytes, ack } => format!(
                "ack={ack}: the {} has every byte before {ack} ({bytes} bytes); an ACK names the next byte expected, so it confirms everything before it at once",
                self.side(*side)
            ),
            Note::Retransmission { side, kind, spurious, control } => {
                let what = if *control { "the segment" } else { "these bytes" };
                let mut s = match kind {
                    RetxKind::Fast { dup_acks, sack } => format!(
                        "fast retransmit: the {} resends {what} at once because {} said they are missing, without waiting for its timer",
                        self.side(*side),
                        match (dup_acks, sack) {
                            (0, _) => "the peer's SACK blocks".to_string(),
                            (n, false) => format!("{n} duplicate ACKs"),
                            (n, true) => format!("{n} duplicate ACKs with SACK blocks"),
                        }
                    ),
                    RetxKind::Timeout { quiet_ms } => format!(
                        "retransmission after a timeout: no ACK for {what} came, the {}'s retransmission timer expired after {quiet_ms} ms of silence, and it resends them, doubling the timer",
                        self.side(*side)
                    ),
                    RetxKind::Probe { quiet_ms } => format!(
                        "retransmission after only {quiet_ms} ms and no duplicate ACKs: the {} probes the tail (RFC 8985) to draw an ACK showing what was lost",
                        self.side(*side)
                    ),
                };
                if *spurious {
                    s.push_str("; the peer had already acknowledged them, so this copy was not needed (spurious)");
                }
                s
            }
            Note::OutOfOrder { after_ms } => format!(
                "out of order: these bytes pass {after_ms} ms after later ones; the receiver keeps the later bytes until the gap is filled"
            ),
            Note::Gap { bytes } => format!(
                "{bytes} bytes before this segment never passed the capture point: lost on the way here, or missed by the capture"
            ),
            Note::DupAck { count: 1, ack } => format!(
                "duplicate ACK: the receiver repeats ack={ack}: a segment arrived, but byte {ack} is still missing"
            ),
            Note::DupAck { count, ack } => format!(
                "duplicate ACK #{count} for {ack}: three duplicates are the sender's signal to resend at once (fast retransmit)"
            ),
            Note::Sack { ack, blocks: b } => format!(
                "SACK: besides everything before {ack}, the receiver holds bytes {}; the sender needs to resend only the holes",
                blocks(b)
            ),
            Note::EcnAsk { side } => format!(
                "ECN-setup SYN: the {} sets ECE and CWR to ask for Explicit Congestion Notification (RFC 3168): routers may then mark packets instead of dropping them",
                self.side(*side)
            ),
            Note::EcnAgree { side } => format!(
                "ECN-setup SYN+ACK: the {} answers with ECE and no CWR, so both ends use ECN: their data packets go out ECN-capable (ECT)",
                self.side(*side)
            ),
            Note::CeMark { side } => format!(
                "CE mark: a router marked this packet of the {} Congestion Experienced instead of dropping it; the receiver echoes it with ECE",
                self.side(*side)
            ),
            Note::EcnEcho { side } => format!(
                "ECE: the {} echoes a congestion mark it received; the sender halves its window as for a loss, but nothing needs resending",
                self.side(*side)
            ),
            Note::Cwr { side } => format!(
                "CWR: the {} has reduced its congestion window; the receiver stops echoing ECE",
                self.side(*side)
            ),
            Note::ZeroWindow { side } => format!(
                "zero window: the {}'s receive buffer is full (its application is not reading); the peer must stop and probe now and then",
                self.side(*side)
            ),
            Note::WindowProbe { side } => format!(
                "window probe: the {} sends a byte (or none) into the zero window to learn when it opens",
                self.side(*side)
            ),
            Note::WindowOpen { side, window } => format!(
                "window update: the {} has room again ({window} bytes), so sending can resume",
                self.side(*side)
            ),
            Note::KeepAlive => "keep-alive: an old byte (or none) after a silence, to check that the peer is still there; it answers with an ACK".into(),
            Note::Rst { side, why } => match why {
                RstWhy::Refused => format!(
                    "RST: nothing listens on this port at the {}, so it refuses the SYN (connection refused); its ack is the client's ISN + 1, so the client knows the answer is for its SYN",
                    self.side(*side)
                ),
                RstWhy::Abort => format!(
                    "RST: the {} aborts the connection (its application closed with unread data, set SO_LINGER to 0, or died); unlike FIN, data still in flight is thrown away",
                    self.side(*side)
                ),
                RstWhy::AfterClose => format!(
                    "RST: the {} had already closed; data arrived that nobody will read, or it gave up waiting, so it resets",
                    self.side(*side)
                ),
                RstWhy::OutOfWindow => "RST outside the receiver's window: a real stack ignores it (or answers with a challenge ACK, RFC 5961), so the connection survives".into(),
                RstWhy::OldSyn => "RST: the client refuses the SYN+ACK that answered the old SYN; the server goes back to LISTEN, and the three-way handshake has kept the old SYN from opening a connection".into(),
                RstWhy::Stray => "RST for a connection the capture never saw open (an old one, or a port scan)".into(),
            },
            Note::Fin { side, bytes, sizes: sz, more } => {
                let parts = if sz.len() > 1 || *more {
                    format!(" ({})", sizes(sz, *more))
                } else {
                    String::new()
                };
                format!(
                    "FIN: the {} has nothing more to send; it sent {bytes} bytes in all{parts}, so its FIN takes sequence number {}",
                    self.side(*side),
                    bytes + 1
                )
            }
            Note::FinAck { side, ack } => format!(
                "ack={ack}: the {} acknowledges the FIN, which takes one sequence number, like a SYN",
                self.side(*side)
            ),
            Note::HalfClose { side } => format!(
                "half-close: the peer has sent its FIN, yet the {} still sends; a FIN closes one direction only",
                self.side(*side)
            ),
            Note::TimeWait { side } => format!(
                "TIME-WAIT: the {} closed first, so it waits 2×MSL (60 s on Linux) before forgetting the connection: a lost last ACK can be resent and old segments die out",
                self.side(*side)
            ),
            Note::EndsOpen => "the capture ends here with the connection still open".into(),
            Note::SynUnanswered { sent } => format!(
                "the SYN (sent {sent} times) was never answered in the capture: the host is down or a firewall drops it; the client waits longer before each try"
            ),
        }
    }

    fn mark(&self, m: Mark) -> String {
        match m {
            Mark::Retransmission => "↻ retransmission".into(),
            Mark::OutOfOrder => "out of order".into(),
            Mark::DupAck(n) => format!("dup ACK #{n}"),
            Mark::ZeroWindow => "zero window".into(),
            Mark::Probe => "window probe".into(),
            Mark::KeepAlive => "keep-alive".into(),
        }
    }

    fn why(&self, w: Why) -> &'static str {
        match w {
            Why::SentSyn => "sent SYN",
            Why::SentSynAck => "received SYN, sent SYN+ACK",
            Why::RecvSyn => "received SYN",
            Why::RecvSynAck => "received SYN+ACK",
            Why::SynAcked => "its SYN acknowledged",
            Why::SentFin => "sent FIN",
            Why::RecvFin => "received FIN",
            Why::FinAcked => "its FIN acknowledged",
            Why::SentRst => "sent RST",
            Why::RecvRst => "received RST",
        }
    }

    fn elided(&self, n: u64) -> String {
        format!("⋮ {n} ordinary segments not drawn (--rows)")
    }

    fn later(&self, secs: f64) -> String {
        format!("⋮ {secs:.3} s later")
    }

    fn opening(&self, o: Opening) -> &'static str {
        match o {
            Opening::Handshake => "three-way handshake",
            Opening::Simultaneous => "simultaneous open",
            Opening::Refused => "refused (RST)",
            Opening::Unanswered => "SYN never answered",
            Opening::Incomplete => "handshake not completed",
            Opening::BeforeCapture => "before the capture",
        }
    }

    fn rst_why(&self, w: RstWhy) -> &'static str {
        match w {
            RstWhy::Refused => "refused",
            RstWhy::Abort => "aborted",
            RstWhy::AfterClose => "after closing",
            RstWhy::OutOfWindow => "out of window",
            RstWhy::Stray => "stray",
            RstWhy::OldSyn => "old duplicate SYN",
        }
    }

    fn ending_fin(&self) -> &'static str {
        "FIN both ways"
    }

    fn ending_rst(&self, side: Side, why: RstWhy) -> String {
        format!("RST from the {} ({})", self.side(side), self.rst_why(why))
    }

    fn ending_open(&self) -> &'static str {
        "still open at the end of the capture"
    }

    fn summary(&self, s: &Summary) -> Vec<String> {
        let mut v = vec![format!(
            "summary #{}: {:.3} s · opened: {} · closed: {}",
            s.id,
            s.duration_s,
            self.opening(s.opening),
            self.ending(s.ending)
        )];
        for f in &s.flows {
            v.extend(flow_lines(self, f));
        }
        v.push(match (s.rtt_min(), s.rtt_median()) {
            (Some(min), Some(med)) => format!(
                "  RTT from the capture point: min {} ms · median {} ms · {} samples",
                ms(min),
                ms(med),
                s.rtt_us.len()
            ),
            _ => "  RTT: no samples (no data acknowledged)".into(),
        });
        v.push(format!(
            "  final states ≈ client {} · server {}",
            s.final_states[0].name(),
            s.final_states[1].name()
        ));
        v.push(format!("  anomalies: {}", anomalies(s)));
        v
    }

    fn totals(&self, t: &Totals) -> String {
        format!(
            "capture: {} frames · {} TCP segments · {} connections · {} damaged packets skipped · {} not TCP",
            t.frames, t.segments, t.connections, t.damaged, t.other
        )
    }
}
