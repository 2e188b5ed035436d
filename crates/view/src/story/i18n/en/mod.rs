//! English.

mod notes;

use super::{Header, Summary, Texts, isn_list, percent, rel};
use crate::Side;
use crate::story::notes::Note;
use crate::story::timeline::Recovery;
use synack_core::Error;
use synack_core::conn::Cause;
use synack_core::trace::{DropReason, RecoveryCause};

/// English texts.
pub struct En;

fn side(s: Side) -> &'static str {
    match s {
        Side::Client => "client",
        Side::Server => "server",
    }
}

impl Texts for En {
    fn side(&self, s: Side) -> &'static str {
        side(s)
    }

    fn header(&self, h: &Header<'_>) -> Vec<String> {
        vec![
            format!("synack demo · scenario: {}", h.scenario),
            format!(
                "client {} ⇄ server {} · RTT {} ms · loss {}% · seed {}",
                h.client,
                h.server,
                h.rtt_ms,
                percent(h.loss),
                h.seed
            ),
            format!(
                "ISN: client {} · server {}",
                isn_list(&h.client_isns, "none", ", then "),
                isn_list(&h.server_isns, "none", ", then ")
            ),
            "seq/ack below are relative to each side's ISN".to_string(),
        ]
    }

    fn time_heading(&self) -> &'static str {
        "time (s)"
    }

    fn retransmission(&self) -> &'static str {
        "↻ retransmission"
    }

    fn lost(&self) -> &'static str {
        "✗ lost"
    }

    fn injected(&self) -> &'static str {
        "injected old duplicate"
    }

    fn cause(&self, c: Cause) -> String {
        match c {
            Cause::TimeWaitExpired => "2×MSL elapsed".into(),
            other => other.describe().into(),
        }
    }

    fn drop_reason(&self, r: DropReason) -> String {
        r.describe().into()
    }

    fn error(&self, e: Error) -> String {
        e.to_string()
    }

    fn dropped_line(&self, s: Side, flags: &str, reason: DropReason) -> String {
        format!("{}: dropped {flags} ({})", side(s), reason.describe())
    }

    fn swallowed_line(&self, s: Side) -> String {
        format!("{}: packet silently dropped", side(s))
    }

    fn recovery_line(&self, s: Side, r: &Recovery) -> String {
        let who = side(s);
        match *r {
            Recovery::Entered {
                cause,
                until,
                ssthresh,
            } => format!(
                "{who}: loss recovery begins ({}), until ack={}; ssthresh {ssthresh}",
                cause_name(cause),
                rel(until)
            ),
            Recovery::Left { timeout: false } => {
                format!("{who}: loss recovery ends (all of it acknowledged)")
            }
            Recovery::Left { timeout: true } => {
                format!("{who}: loss recovery ends (retransmission timeout)")
            }
            Recovery::Lost { seq, len, cause } => format!(
                "{who}: seq={} len={len} marked lost ({})",
                rel(seq),
                cause_name(cause)
            ),
            Recovery::Probe { seq, len, new_data } => format!(
                "{who}: tail loss probe seq={} len={len} ({})",
                rel(seq),
                if new_data {
                    "new data"
                } else {
                    "last segment again"
                }
            ),
            Recovery::Dsack { left, right } => format!(
                "{who}: D-SACK {}-{}: the {} got these bytes twice",
                rel(left),
                rel(right),
                side(s.peer())
            ),
            Recovery::Undone { cwnd } => {
                format!("{who}: recovery was spurious; window back to {cwnd} bytes")
            }
        }
    }

    fn note(&self, n: &Note) -> String {
        notes::note(n)
    }

    fn arrives(&self, at: &str) -> String {
        format!("arrives at {at}")
    }

    fn later(&self, secs: f64) -> String {
        format!("⋮ {secs:.3} s later")
    }

    fn summary(&self, s: &Summary) -> Vec<String> {
        let mut v = vec!["summary".to_string()];
        for f in &s.flows {
            let check = if f.received == 0 {
                String::new()
            } else if f.corrupt == 0 {
                ", verified identical".into()
            } else {
                format!(", {} bytes DIFFER", f.corrupt)
            };
            v.push(format!(
                "  {} → {}: {} bytes sent, {} received{check}",
                side(f.from),
                side(f.from.peer()),
                f.sent,
                f.received
            ));
        }
        v.push(format!(
            "  segments: client sent {}, server sent {} ({} resent, {} lost on the link)",
            s.segments[0], s.segments[1], s.retransmissions, s.lost
        ));
        v.push(format!(
            "  final states: client {}, server {}",
            s.final_states[0], s.final_states[1]
        ));
        for (i, e) in s.errors.iter().enumerate() {
            if let Some(e) = e {
                v.push(format!("  {}: {}", side(Side::BOTH[i]), self.error(*e)));
            }
        }
        if let Some(limit) = s.hit_limit {
            v.push(format!(
                "  stopped at the virtual-time limit ({limit} s): the run did not finish"
            ));
        }
        v.push(format!("  virtual time: {:.3} s", s.end_secs));
        v
    }
}

fn cause_name(c: RecoveryCause) -> &'static str {
    match c {
        RecoveryCause::DupAcks => "3 duplicate ACKs",
        RecoveryCause::Sack => "SACK",
        RecoveryCause::Rack => "RACK",
        _ => "TLP",
    }
}
