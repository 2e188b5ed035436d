//! The plain-language explanations: which step of the story each line is,
//! decided from the timeline alone (the words live in `i18n`).

use super::log::Trigger;
use super::timeline::{Item, Recovery, What};
use crate::Side;
use synack_core::conn::{Cause, State};
use synack_core::trace::RecoveryCause;
use synack_core::{Instant, SeqNum};

/// One explanation, independent of the language.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Note {
    /// A SYN opens a connection.
    Syn {
        /// Sender.
        side: Side,
        /// The peer's SYN is already out (simultaneous open).
        simultaneous: bool,
        /// The demo holds this SYN back in the network.
        delayed: bool,
    },
    /// A SYN+ACK accepts one.
    SynAck {
        /// Sender.
        side: Side,
        /// Both sides opened at once.
        simultaneous: bool,
        /// It acknowledges an old, stale SYN.
        stale: bool,
    },
    /// The third message of the handshake.
    HandshakeAck(Side),
    /// SYN-SENT → SYN-RECEIVED.
    SimultaneousOpen(Side),
    /// The first data segment of the run.
    FirstData(Side),
    /// Data after the peer's FIN.
    HalfCloseData(Side),
    /// A FIN.
    Fin {
        /// Sender.
        side: Side,
        /// The peer has not sent its FIN.
        first: bool,
        /// The peer's FIN is on its way at the same time.
        crossing: bool,
    },
    /// FIN-WAIT-1 → FIN-WAIT-2.
    FinAcked(Side),
    /// ESTABLISHED → CLOSE-WAIT.
    CloseWait(Side),
    /// FIN-WAIT-1 → CLOSING.
    Closing(Side),
    /// → TIME-WAIT, lasting `secs`.
    TimeWait {
        /// Who waits.
        side: Side,
        /// 2 × MSL in seconds.
        secs: u64,
    },
    /// TIME-WAIT → CLOSED.
    TimeWaitEnd(Side),
    /// LAST-ACK → CLOSED.
    LastAckDone(Side),
    /// SYN-SENT → CLOSED by RST.
    Refused {
        /// Who was refused.
        side: Side,
        /// The port nobody listens on.
        port: u16,
    },
    /// Gave up after `syns` tries over `secs` seconds.
    TimedOut {
        /// Who gave up.
        side: Side,
        /// SYNs sent.
        syns: usize,
        /// Seconds since the first.
        secs: f64,
    },
    /// A synchronized connection got an RST.
    ResetByPeer(Side),
    /// The application aborted.
    Aborted(Side),
    /// A passive half-open connection died of an RST: back to LISTEN.
    BackToListen(Side),
    /// RST+ACK in answer to a SYN for a port nobody listens on.
    RstRefuse {
        /// Sender.
        side: Side,
        /// The port.
        port: u16,
    },
    /// RST in answer to an unacceptable ACK in SYN-SENT.
    RstBadAck(Side),
    /// The RST of an abort.
    RstAbort(Side),
    /// RST for a segment that matches no connection.
    RstNoConnection(Side),
    /// SYN or SYN+ACK resent after `waited_ms` without an answer.
    RetransmitSyn {
        /// Sender.
        side: Side,
        /// Milliseconds since the previous copy.
        waited_ms: u64,
        /// It is a SYN+ACK.
        syn_ack: bool,
    },
    /// Data resent after the retransmission timeout.
    RetransmitRto(Side),
    /// Data resent after duplicate ACKs.
    RetransmitFast(Side),
    /// Data resent when an ACK moves forward but leaves a gap (after a
    /// timeout or during fast recovery).
    RetransmitNext(Side),
    /// Data resent because RACK judged it lost by time.
    RetransmitRack(Side),
    /// Loss recovery began, for this reason.
    RecoveryEntered {
        /// The sender.
        side: Side,
        /// What detected the loss.
        cause: RecoveryCause,
    },
    /// Loss recovery ended.
    RecoveryLeft {
        /// The sender.
        side: Side,
        /// A retransmission timeout ended it.
        timeout: bool,
    },
    /// A tail loss probe.
    Probe(Side),
    /// A D-SACK reached the sender.
    Dsack(Side),
    /// A spurious recovery was undone.
    Undone(Side),
    /// In SYN-RECEIVED, the peer's SYN+ACK repeats an already received SYN:
    /// dropped, but answered with an ACK.
    SimultaneousSynAckDropped(Side),
    /// The first segment the link loses.
    FirstLoss,
    /// The first SYN's options, explained once.
    SynOptions,
    /// The first segment carrying SACK blocks.
    FirstSack(Side),
    /// The injected old duplicate SYN.
    Injected,
    /// The first packet a silent host swallows.
    Swallowed(Side),
}

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
                if super::wire::is_lost(fate) && !first_loss {
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
