//! Which explanations follow which line of the timeline: each side's
//! progress through the story, and what was already explained once.

use super::Note;
use crate::Side;
use crate::story::log::Trigger;
use crate::story::timeline::{Item, Recovery, What};
use synack_core::conn::{Cause, State};
use synack_core::trace::RecoveryCause;
use synack_core::{Instant, SeqNum};

/// Why the next retransmission goes out: data was marked lost, or it is
/// a tail loss probe (its record comes just before its segment).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    Lost(RecoveryCause),
    Probe,
}

fn cause_index(c: RecoveryCause) -> usize {
    match c {
        RecoveryCause::DupAcks => 0,
        RecoveryCause::Sack => 1,
        RecoveryCause::Rack => 2,
        _ => 3,
    }
}

#[derive(Clone, Copy, Default)]
struct SideState {
    state: Option<State>,
    sent_syn: bool,
    syns: usize,
    first_syn: Option<Instant>,
    last_syn: Option<Instant>,
    sent_fin: bool,
    handshake_ack_due: bool,
    abort_rst_due: bool,
    noted_no_conn_rst: bool,
    noted_rto: bool,
    noted_fast: bool,
    noted_next: bool,
    noted_rack: bool,
    noted_probe: bool,
    noted_left: bool,
    noted_dsack: bool,
    /// Recovery causes already explained (indexed by `cause_index`).
    noted_entered: [bool; 4],
    /// What the next retransmission repairs: set when data is marked lost
    /// or a probe goes out, taken by the retransmission.
    pending: Option<Pending>,
    /// Consecutive duplicate ACKs received, and the last ACK number.
    dupacks: u32,
    last_ack: Option<SeqNum>,
    swallowed: bool,
}

/// Notes to print after each item (same indices as `items`).
pub fn annotate(items: &[Item], msl_secs: u64, delayed_syn: bool) -> Vec<Vec<Note>> {
    let mut s = [SideState::default(); 2];
    let mut first_data = false;
    let mut options_noted = false;
    let mut sack_noted = false;
    let mut first_loss = false;
    let mut half_close_noted = false;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let mut notes = Vec::new();
        let side = item.side;
        let (me, peer) = (side.index(), side.peer().index());
        match item.what {
            What::Out {
                seg,
                retransmission,
                fate,
                trigger,
            } => {
                let f = seg.tcp.flags;
                if f.rst() {
                    let no_conn = matches!(s[me].state, None | Some(State::Closed));
                    if s[me].abort_rst_due {
                        s[me].abort_rst_due = false;
                        notes.push(Note::RstAbort(side));
                    } else if s[me].state == Some(State::SynSent) {
                        notes.push(Note::RstBadAck(side));
                    } else if no_conn && f.ack() && seg.tcp.seq == SeqNum(0) {
                        let port = item.local.map_or(0, |a| a.port());
                        notes.push(Note::RstRefuse { side, port });
                    } else if no_conn && !s[me].noted_no_conn_rst {
                        s[me].noted_no_conn_rst = true;
                        notes.push(Note::RstNoConnection(side));
                    }
                } else if f.syn() {
                    if retransmission && trigger == Trigger::Timer {
                        let waited = s[me]
                            .last_syn
                            .map_or(0, |t| item.time.saturating_since(t).as_millis() as u64);
                        notes.push(Note::RetransmitSyn {
                            side,
                            waited_ms: waited,
                            syn_ack: f.ack(),
                        });
                    } else if f.ack() {
                        notes.push(Note::SynAck {
                            side,
                            simultaneous: s[me].sent_syn,
                            stale: seg.rel_ack.is_some_and(|a| a <= 0),
                        });
                    } else {
                        notes.push(Note::Syn {
                            side,
                            simultaneous: s[peer].sent_syn,
                            delayed: delayed_syn && side == Side::Client,
                        });
                        let o = seg.tcp.options;
                        if !options_noted && (o.sack_permitted || o.timestamps.is_some()) {
                            options_noted = true;
                            notes.push(Note::SynOptions);
                        }
                    }
                    if !f.ack() {
                        s[me].sent_syn = true;
                    }
                    s[me].syns += 1;
                    s[me].first_syn.get_or_insert(item.time);
                    s[me].last_syn = Some(item.time);
                } else if retransmission {
                    let st = &mut s[me];
                    let (noted, note) = match (st.pending.take(), trigger) {
                        // The probe's record (just before) has its note.
                        (Some(Pending::Probe), _) => (&mut st.noted_probe, Note::Probe(side)),
                        (Some(Pending::Lost(RecoveryCause::Rack)), _) => {
                            (&mut st.noted_rack, Note::RetransmitRack(side))
                        }
                        (Some(Pending::Lost(_)), _) => {
                            (&mut st.noted_fast, Note::RetransmitFast(side))
                        }
                        (None, Trigger::Packet) if st.dupacks >= 3 => {
                            (&mut st.noted_fast, Note::RetransmitFast(side))
                        }
                        (None, Trigger::Packet) => (&mut st.noted_next, Note::RetransmitNext(side)),
                        (None, Trigger::Timer | Trigger::App) => {
                            (&mut st.noted_rto, Note::RetransmitRto(side))
                        }
                    };
                    if !*noted {
                        *noted = true;
                        notes.push(note);
                    }
                } else {
                    if s[me].handshake_ack_due && seg.len == 0 && !f.fin() {
                        notes.push(Note::HandshakeAck(side));
                    }
                    if seg.len > 0 && !first_data {
                        first_data = true;
                        notes.push(Note::FirstData(side));
                    }
                    if seg.len > 0 && s[me].state == Some(State::CloseWait) && !half_close_noted {
                        half_close_noted = true;
                        notes.push(Note::HalfCloseData(side));
                    }
                    if f.fin() {
                        notes.push(Note::Fin {
                            side,
                            first: !s[peer].sent_fin,
                            crossing: s[peer].sent_fin && s[me].state != Some(State::LastAck),
                        });
                        s[me].sent_fin = true;
                    }
                }
                if !sack_noted && !seg.tcp.options.sack_blocks.is_empty() {
                    sack_noted = true;
                    notes.push(Note::FirstSack(side));
                }
                s[me].handshake_ack_due = false;
                if f.fin() {
                    s[me].sent_fin = true;
                }
                if crate::story::wire::is_lost(fate) && !first_loss {
                    first_loss = true;
                    notes.push(Note::FirstLoss);
                }
            }
            What::State { from, to, cause } => {
                s[me].state = Some(to);
                let note = match (from, to, cause) {
                    (State::SynSent, State::SynReceived, _) => Some(Note::SimultaneousOpen(side)),
                    (State::SynSent, State::Established, _) => {
                        s[me].handshake_ack_due = true;
                        None
                    }
                    (State::FinWait1, State::FinWait2, _) => Some(Note::FinAcked(side)),
                    (State::Established, State::CloseWait, _) => Some(Note::CloseWait(side)),
                    (State::FinWait1, State::Closing, _) => Some(Note::Closing(side)),
                    (_, State::TimeWait, _) => Some(Note::TimeWait {
                        side,
                        secs: 2 * msl_secs,
                    }),
                    (State::TimeWait, State::Closed, _) => Some(Note::TimeWaitEnd(side)),
                    (State::LastAck, State::Closed, Cause::RecvAck) => {
                        Some(Note::LastAckDone(side))
                    }
                    (State::SynSent, State::Closed, Cause::RecvRst) => Some(Note::Refused {
                        side,
                        port: item.remote.map_or(0, |a| a.port()),
                    }),
                    (_, State::Closed, Cause::Timeout) => Some(Note::TimedOut {
                        side,
                        syns: s[me].syns,
                        secs: s[me]
                            .first_syn
                            .map_or(0.0, |t| item.time.saturating_since(t).as_secs_f64()),
                    }),
                    (State::SynReceived, State::Closed, Cause::RecvRst) => {
                        Some(Note::BackToListen(side))
                    }
                    (_, State::Closed, Cause::RecvRst) => Some(Note::ResetByPeer(side)),
                    (_, State::Closed, Cause::AppAbort) => {
                        s[me].abort_rst_due = from.is_synchronized() || from == State::SynReceived;
                        Some(Note::Aborted(side))
                    }
                    _ => None,
                };
                notes.extend(note);
            }
            What::In { seg } => {
                let f = seg.tcp.flags;
                let pure_ack = f.ack() && !f.syn() && !f.fin() && !f.rst() && seg.len == 0;
                if pure_ack && s[me].last_ack == Some(seg.tcp.ack) {
                    s[me].dupacks += 1;
                } else {
                    s[me].dupacks = 0;
                }
                if f.ack() {
                    s[me].last_ack = Some(seg.tcp.ack);
                }
            }
            What::Dropped { seg, .. }
                if s[me].state == Some(State::SynReceived)
                    && seg.tcp.flags.syn()
                    && seg.tcp.flags.ack() =>
            {
                notes.push(Note::SimultaneousSynAckDropped(side));
            }
            What::Recovery(r) => recovery_note(&mut s[me], side, r, &mut notes),
            What::Injected { .. } => notes.push(Note::Injected),
            What::Swallowed if !s[me].swallowed => {
                s[me].swallowed = true;
                notes.push(Note::Swallowed(side));
            }
            _ => {}
        }
        out.push(notes);
    }
    out
}

/// Notes on a step of loss recovery, each kind explained once per side.
fn recovery_note(st: &mut SideState, side: Side, r: Recovery, notes: &mut Vec<Note>) {
    let mut once = |noted: &mut bool, note: Note| {
        if !*noted {
            *noted = true;
            notes.push(note);
        }
    };
    match r {
        Recovery::Entered { cause, .. } => {
            let noted = &mut st.noted_entered[cause_index(cause)];
            once(noted, Note::RecoveryEntered { side, cause });
        }
        Recovery::Left { timeout } => {
            once(&mut st.noted_left, Note::RecoveryLeft { side, timeout })
        }
        Recovery::Lost { cause, .. } => st.pending = Some(Pending::Lost(cause)),
        Recovery::Probe { new_data, .. } => {
            once(&mut st.noted_probe, Note::Probe(side));
            if !new_data {
                st.pending = Some(Pending::Probe);
            }
        }
        Recovery::Dsack { .. } => once(&mut st.noted_dsack, Note::Dsack(side)),
        Recovery::Undone { .. } => notes.push(Note::Undone(side)),
    }
}
