//! One TCP connection as the capture saw it: each segment classified
//! (new data, retransmission, out of order, duplicate ACK, probe...), the
//! sides' states inferred, the notes chosen, the rows of its ladder kept.

mod dir;
pub mod infer;

pub use dir::{Counters, Dir, diff};

use crate::decode::Segment;
use crate::notes::{Mark, Note, RetxKind, RstWhy};
use core::net::SocketAddr;
use dir::MAX_SIZES;
use infer::Why;
use synack_core::State;
use synack_view::{Seg, Side};

/// A retransmission after this much silence is judged a timeout.
const TIMEOUT_US: u64 = 200_000;
/// A gap filled sooner than this after later bytes is reordering.
const REORDER_US: u64 = 3_000;

/// What a row of the ladder shows.
#[derive(Clone, Debug)]
pub enum RowKind {
    /// A segment from `from`.
    Seg {
        /// Sender.
        from: Side,
        /// The segment with relative numbers and scaled window.
        seg: Seg,
        /// Marks beside its arrow.
        marks: Vec<Mark>,
    },
    /// An inferred state change of `side`.
    State {
        /// Whose.
        side: Side,
        /// Before.
        from: State,
        /// After.
        to: State,
        /// Why.
        why: Why,
    },
    /// Ordinary segments left out of the ladder.
    Elided {
        /// How many.
        count: u64,
    },
}

/// A row of the ladder with its notes.
#[derive(Clone, Debug)]
pub struct Row {
    /// Capture time, microseconds since the epoch.
    pub time_us: u64,
    /// What it shows.
    pub kind: RowKind,
    /// Explanations under it.
    pub notes: Vec<Note>,
}

/// How a connection ended, as far as the capture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Both sides sent FIN and both were acknowledged.
    Fin,
    /// A RST from a side.
    Rst(Side, RstWhy),
    /// Still open when the capture ends.
    Open,
}

/// One connection (one incarnation of a 4-tuple).
#[derive(Clone, Debug)]
pub struct Conn {
    /// Its number in the capture, from 1, in order of first packet.
    pub id: u64,
    /// Client (the active opener, or the guess), server.
    pub addrs: [SocketAddr; 2],
    /// First and last packet, microseconds since the epoch.
    pub first_us: u64,
    /// Last packet.
    pub last_us: u64,
    /// Both directions, the client's first.
    pub dirs: [Dir; 2],
    /// The capture began after the handshake.
    pub mid_start: bool,
    /// It ended (both FINs acknowledged, or a RST).
    pub ending: Ending,
    /// Its ladder, bounded.
    pub rows: Vec<Row>,
    /// Notes about the whole connection (at the end of the capture).
    pub end_notes: Vec<Note>,
    /// Most rows of ordinary segments drawn; notable ones get as many again.
    max_rows: usize,
    drawn: usize,
    notable: usize,
    elided: u64,
    said_options: bool,
    said_handshake: bool,
    /// The ack of a SYN+ACK that answered an old duplicate SYN.
    old_ack: Option<u32>,
    /// Each side has sent a SYN+ACK.
    synack_sent: [bool; 2],
}

impl Conn {
    /// A connection whose first packet is `s`, drawing at most `max_rows`
    /// ordinary segment rows.
    pub fn new(id: u64, s: &Segment, max_rows: usize) -> Conn {
        let f = s.tcp.flags;
        let (client, server, mid) = if f.syn() && !f.ack() {
            (s.src, s.dst, false)
        } else if f.syn() {
            (s.dst, s.src, false)
        } else if s.src.port() >= s.dst.port() {
            (s.src, s.dst, true)
        } else {
            (s.dst, s.src, true)
        };
        let (cs, ss) = if mid {
            (State::Established, State::Established)
        } else {
            (State::Closed, State::Listen)
        };
        let mut c = Conn {
            id,
            addrs: [client, server],
            first_us: s.time_us,
            last_us: s.time_us,
            dirs: [Dir::new(cs), Dir::new(ss)],
            mid_start: mid,
            ending: Ending::Open,
            rows: Vec::new(),
            end_notes: Vec::new(),
            max_rows,
            drawn: 0,
            notable: 0,
            elided: 0,
            said_options: false,
            said_handshake: false,
            old_ack: None,
            synack_sent: [false; 2],
        };
        if f.syn() && f.ack() {
            // The client's SYN was not captured: it is SYN-SENT already.
            c.dirs[0].state = State::SynSent;
        }
        c
    }

    /// The side that sent `s`, if `s` belongs to this 4-tuple.
    pub fn side_of(&self, s: &Segment) -> Option<Side> {
        if s.src == self.addrs[0] && s.dst == self.addrs[1] {
            Some(Side::Client)
        } else if s.src == self.addrs[1] && s.dst == self.addrs[0] {
            Some(Side::Server)
        } else {
            None
        }
    }

    /// Whether both sides are done (FINs acknowledged both ways, or RST).
    pub fn finished(&self) -> bool {
        self.ending != Ending::Open
    }

    fn change(&mut self, rows: &mut Vec<Row>, time_us: u64, side: Side, to: State, why: Why) {
        let from = self.dirs[side.index()].state;
        if from == to {
            return;
        }
        self.dirs[side.index()].state = to;
        rows.push(Row {
            time_us,
            kind: RowKind::State {
                side,
                from,
                to,
                why,
            },
            notes: Vec::new(),
        });
    }

    /// Analyses one segment of this connection.
    pub fn push(&mut self, s: &Segment) {
        let Some(from) = self.side_of(s) else { return };
        let (d, p) = (from.index(), from.peer().index());
        let t = s.tcp;
        let f = t.flags;
        let now = s.time_us;
        self.last_us = self.last_us.max(now);
        let mut notes = Vec::new();
        let mut marks = Vec::new();
        let mut before: Vec<Row> = Vec::new();
        let mut after: Vec<Row> = Vec::new();
        let len = s.len;
        {
            let c = &mut self.dirs[d].c;
            c.segments += 1;
            c.payload_bytes += len as u64;
            for (i, on) in [f.syn(), f.ack(), f.fin(), f.rst(), f.psh()]
                .into_iter()
                .enumerate()
            {
                c.flags[i] += u64::from(on);
            }
        }
        let first_in_conn = self.dirs[0].c.segments + self.dirs[1].c.segments == 1;
        // An old duplicate SYN (another, earlier ISN), or the SYN+ACK that
        // answers one (its ack is not the client's ISN + 1).
        let old_syn = f.syn() && !f.ack() && self.dirs[d].isn.is_some_and(|i| i != t.seq.0);
        let old_answer = f.syn()
            && f.ack()
            && self.dirs[p]
                .isn
                .is_some_and(|i| i.wrapping_add(1) != t.ack.0);
        // Sequence bases.
        if old_syn || old_answer {
        } else if f.syn() && self.dirs[d].isn.is_none() {
            let dir = &mut self.dirs[d];
            dir.isn = Some(t.seq.0);
            dir.base = Some(t.seq.0);
            dir.ws = t.options.window_scale;
            dir.syn_options = t.options.mss.is_some()
                || t.options.window_scale.is_some()
                || t.options.sack_permitted
                || t.options.timestamps.is_some();
        } else if !f.syn() {
            self.dirs[d].base_from(t.seq.0);
        }
        if f.ack() {
            self.dirs[p].base_from(t.ack.0);
        }
        if f.syn() && !old_syn && !old_answer {
            self.dirs[d].syns += 1;
        }
        if self.mid_start && first_in_conn {
            notes.push(Note::MidStart);
        }
        let scaled = !f.syn() && self.dirs[0].ws.is_some() && self.dirs[1].ws.is_some();
        let shift = if scaled {
            self.dirs[d].ws.unwrap_or(0).min(14)
        } else {
            0
        };
        let wnd = u64::from(t.window) << shift;
        let seg_len = len as u32 + u32::from(f.syn()) + u32::from(f.fin());
        let end = t.seq.0.wrapping_add(seg_len);

        if f.rst() {
            self.rst(s, from, now, &mut notes, [&mut before, &mut after]);
        } else if old_syn {
            notes.push(Note::OldSyn);
        } else if old_answer {
            self.old_ack = Some(t.ack.0);
            if matches!(self.dirs[d].state, State::Listen | State::Closed) {
                self.change(&mut before, now, from, State::SynReceived, Why::SentSynAck);
            }
            notes.push(Note::SynAckForOld);
        } else {
            // A segment after the sender's FIN reaches the peer after it:
            // the peer has the FIN by now.
            if self.dirs[p].pending_fin {
                self.recv_fin(&mut before, &mut notes, now, from.peer());
            }
            // The sender shows it received the peer's FIN.
            if f.ack()
                && self.dirs[d].pending_fin
                && self.dirs[p].fin.is_some_and(|fin| diff(t.ack.0, fin) >= 1)
            {
                self.recv_fin(&mut before, &mut notes, now, from);
            }
            // The sender's sequence space.
            let mut new_data = false;
            let next = self.dirs[d].next;
            if seg_len > 0 {
                match next {
                    None => {
                        new_data = true;
                    }
                    Some(n) if diff(t.seq.0, n) >= 0 => {
                        new_data = true;
                        let gap = diff(t.seq.0, n) as u64;
                        if gap > 0 {
                            let dir = &mut self.dirs[d];
                            dir.add_hole(n, t.seq.0);
                            dir.c.unseen_bytes += gap;
                            notes.push(Note::Gap { bytes: gap });
                        }
                    }
                    Some(n) => {
                        if f.syn() && f.ack() && !self.synack_sent[d] && len == 0 {
                            // Simultaneous open: the SYN+ACK repeats the
                            // side's SYN to acknowledge the peer's (a
                            // retransmission of the SYN, with ACK).
                            self.dirs[d].c.retransmissions += 1;
                            marks.push(Mark::Retransmission);
                            notes.push(Note::SimultaneousSynAck { side: from });
                        } else if len <= 1 && !f.syn() && !f.fin() && diff(t.seq.0, n) == -1 {
                            self.keepalive_or_probe(d, p, &mut marks, &mut notes);
                        } else if self.dirs[d].fill(t.seq.0, end) {
                            let since = now.saturating_sub(self.dirs[d].next_time);
                            let reorder = REORDER_US.max(self.dirs[d].min_rtt().unwrap_or(0));
                            if since < reorder {
                                self.dirs[d].c.out_of_order += 1;
                                marks.push(Mark::OutOfOrder);
                                notes.push(Note::OutOfOrder {
                                    after_ms: since / 1000,
                                });
                            } else {
                                self.retransmission(s, from, end, &mut marks, &mut notes);
                            }
                        } else {
                            self.retransmission(s, from, end, &mut marks, &mut notes);
                        }
                        if diff(end, n) > 0 {
                            let dir = &mut self.dirs[d];
                            dir.next = Some(end);
                            dir.next_time = now;
                        }
                    }
                }
                if new_data {
                    let dir = &mut self.dirs[d];
                    dir.next = Some(end);
                    dir.next_time = now;
                }
            } else if let Some(n) = next
                && diff(t.seq.0, n) == -1
                && !f.syn()
            {
                self.keepalive_or_probe(d, p, &mut marks, &mut notes);
            }
            if new_data && len > 0 {
                let dir = &mut self.dirs[d];
                dir.sent(t.seq.0.wrapping_add(len as u32), now);
                if dir.sizes.len() < MAX_SIZES {
                    dir.sizes.push(len as u32);
                } else {
                    dir.more_sizes = true;
                }
                if !dir.said_first_data {
                    dir.said_first_data = true;
                    notes.push(Note::FirstData {
                        side: from,
                        len,
                        first: dir.rel(t.seq.0).unwrap_or(1),
                    });
                }
                if self.dirs[p].zero {
                    self.dirs[d].c.window_probes += 1;
                    marks.push(Mark::Probe);
                    notes.push(Note::WindowProbe { side: from });
                }
            }
            if len > 0
                && self.dirs[p].fin.is_some()
                && self.dirs[d].fin.is_none()
                && !self.dirs[d].said_half_close
            {
                self.dirs[d].said_half_close = true;
                notes.push(Note::HalfClose { side: from });
            }
            // Opening.
            if f.syn() && !f.ack() {
                if from == Side::Server && self.dirs[d].state == State::Listen {
                    // A "server" that sends a SYN was not listening:
                    // simultaneous open.
                    self.dirs[d].state = State::Closed;
                }
                match self.dirs[d].state {
                    State::Closed | State::Listen => {
                        self.change(&mut before, now, from, State::SynSent, Why::SentSyn);
                    }
                    _ => {}
                }
                if self.dirs[d].syns == 1 {
                    notes.push(Note::Syn {
                        side: from,
                        isn: t.seq.0,
                    });
                }
                if self.dirs[p].state == State::SynSent {
                    self.change(
                        &mut after,
                        now,
                        from.peer(),
                        State::SynReceived,
                        Why::RecvSyn,
                    );
                }
            } else if f.syn() {
                if matches!(self.dirs[d].state, State::Listen | State::Closed) {
                    self.change(&mut before, now, from, State::SynReceived, Why::SentSynAck);
                }
                if self.dirs[d].syns == 1 {
                    notes.push(Note::SynAck {
                        isn: t.seq.0,
                        peer_isn: t.ack.0.wrapping_sub(1),
                    });
                }
                if matches!(self.dirs[p].state, State::SynSent | State::SynReceived) {
                    self.change(
                        &mut after,
                        now,
                        from.peer(),
                        State::Established,
                        Why::RecvSynAck,
                    );
                }
            }
            if f.syn() && self.dirs[d].syn_options && !self.said_options {
                self.said_options = true;
                notes.push(Note::SynOptions);
            }
            // The sender's FIN.
            if f.fin() && self.dirs[d].fin.is_none() {
                let fin_seq = t.seq.0.wrapping_add(len as u32 + u32::from(f.syn()));
                self.dirs[d].fin = Some(fin_seq);
                // The receiver's state changes when it shows it got the FIN.
                self.dirs[p].pending_fin = true;
                let to = infer::on_send_fin(self.dirs[d].state);
                self.change(&mut before, now, from, to, Why::SentFin);
                let dir = &self.dirs[d];
                notes.push(Note::Fin {
                    side: from,
                    bytes: dir.stream_bytes(),
                    sizes: dir.sizes.clone(),
                    more: dir.more_sizes,
                });
            }
            // What the ACK says about the peer's data.
            if f.ack() {
                self.ack(s, from, &mut marks, &mut notes, &mut after);
            }
            // Windows.
            if !f.syn() {
                let dir = &mut self.dirs[d];
                if t.window == 0 {
                    if !dir.zero {
                        dir.zero = true;
                        dir.c.zero_windows += 1;
                        marks.push(Mark::ZeroWindow);
                        notes.push(Note::ZeroWindow { side: from });
                    }
                } else if dir.zero {
                    dir.zero = false;
                    notes.push(Note::WindowOpen {
                        side: from,
                        window: wnd,
                    });
                }
            }
            // ECN (RFC 3168): the setup, router marks, the echo, CWR.
            if f.syn() && f.ece() && f.cwr() && !f.ack() {
                notes.push(Note::EcnAsk { side: from });
            } else if f.syn() && f.ack() && f.ece() && !f.cwr() {
                notes.push(Note::EcnAgree { side: from });
            }
            if s.ecn == synack_core::wire::ecn::CE {
                notes.push(Note::CeMark { side: from });
            }
            if !f.syn() {
                let dir = &mut self.dirs[d];
                if f.ece() && !dir.ece {
                    notes.push(Note::EcnEcho { side: from });
                }
                dir.ece = f.ece();
                if f.cwr() {
                    notes.push(Note::Cwr { side: from });
                }
            }
            if self.dirs.iter().all(|x| x.fin_acked) {
                self.ending = Ending::Fin;
            }
        }
        self.dirs[d].last_time = Some(now);
        if f.syn() && f.ack() && !old_answer {
            self.synack_sent[d] = true;
        }
        let seg = Seg {
            tcp: t,
            len,
            wnd: usize::try_from(wnd).unwrap_or(usize::MAX),
            rel_seq: self.dirs[d].rel(t.seq.0),
            rel_ack: if f.ack() {
                self.dirs[p].rel(t.ack.0)
            } else {
                None
            },
        };
        let notable = !notes.is_empty()
            || !marks.is_empty()
            || !before.is_empty()
            || !after.is_empty()
            || f.syn()
            || f.fin()
            || f.rst();
        let draw = if notable {
            self.notable += 1;
            self.notable <= self.max_rows
        } else {
            self.drawn += 1;
            self.drawn <= self.max_rows
        };
        if !draw {
            self.elided += 1;
            return;
        }
        if self.elided > 0 {
            self.rows.push(Row {
                time_us: now,
                kind: RowKind::Elided { count: self.elided },
                notes: Vec::new(),
            });
            self.elided = 0;
        }
        self.rows.append(&mut before);
        self.rows.push(Row {
            time_us: now,
            kind: RowKind::Seg { from, seg, marks },
            notes,
        });
        self.rows.append(&mut after);
    }

    fn recv_fin(&mut self, rows: &mut Vec<Row>, notes: &mut Vec<Note>, now: u64, side: Side) {
        let i = side.index();
        self.dirs[i].pending_fin = false;
        let st = self.dirs[i].state;
        let to = infer::on_recv_fin(st, self.dirs[i].fin_acked);
        if to != st {
            self.change(rows, now, side, to, Why::RecvFin);
            if to == State::TimeWait {
                notes.push(Note::TimeWait { side });
            }
        }
    }

    fn keepalive_or_probe(
        &mut self,
        d: usize,
        p: usize,
        marks: &mut Vec<Mark>,
        notes: &mut Vec<Note>,
    ) {
        let side = if d == 0 { Side::Client } else { Side::Server };
        if self.dirs[p].zero {
            self.dirs[d].c.window_probes += 1;
            marks.push(Mark::Probe);
            notes.push(Note::WindowProbe { side });
        } else {
            self.dirs[d].c.keep_alives += 1;
            marks.push(Mark::KeepAlive);
            notes.push(Note::KeepAlive);
        }
    }

    fn retransmission(
        &mut self,
        s: &Segment,
        from: Side,
        end: u32,
        marks: &mut Vec<Mark>,
        notes: &mut Vec<Note>,
    ) {
        let (d, p) = (from.index(), from.peer().index());
        let seq = s.tcp.seq.0;
        let quiet = self.dirs[d]
            .last_time
            .map_or(0, |l| s.time_us.saturating_sub(l));
        let peer = &self.dirs[p];
        let dup_here = peer.dup_run > 0 && peer.max_ack == Some(seq);
        let sack = peer.sack_above.is_some_and(|a| diff(seq, a) >= 0);
        let kind = if dup_here || sack {
            RetxKind::Fast {
                dup_acks: if dup_here { peer.dup_run } else { 0 },
                sack,
            }
        } else if quiet >= TIMEOUT_US {
            RetxKind::Timeout {
                quiet_ms: quiet / 1000,
            }
        } else {
            RetxKind::Probe {
                quiet_ms: quiet / 1000,
            }
        };
        let spurious = peer.max_ack.is_some_and(|a| diff(a, end) >= 0);
        let dir = &mut self.dirs[d];
        dir.forget_from(seq);
        let c = &mut dir.c;
        c.retransmissions += 1;
        c.retransmitted_bytes += s.len as u64;
        match kind {
            RetxKind::Fast { .. } => c.fast += 1,
            RetxKind::Timeout { .. } => c.timeout += 1,
            RetxKind::Probe { .. } => c.probe += 1,
        }
        c.spurious += u64::from(spurious);
        marks.push(Mark::Retransmission);
        notes.push(Note::Retransmission {
            side: from,
            kind,
            spurious,
            control: s.len == 0,
        });
    }

    fn ack(
        &mut self,
        s: &Segment,
        from: Side,
        marks: &mut Vec<Mark>,
        notes: &mut Vec<Note>,
        after: &mut Vec<Row>,
    ) {
        let (d, p) = (from.index(), from.peer().index());
        let t = s.tcp;
        let ack = t.ack.0;
        let now = s.time_us;
        let advanced = self.dirs[d].max_ack.is_none_or(|m| diff(ack, m) > 0);
        if advanced {
            let _ = self.dirs[p].acked(ack, now);
            let dir = &mut self.dirs[d];
            dir.max_ack = Some(ack);
            dir.dup_run = 0;
            dir.said_sack = false;
            // The SYN acknowledged.
            if self.dirs[p].isn.is_some_and(|i| i.wrapping_add(1) == ack)
                && self.dirs[p].state == State::SynReceived
            {
                self.change(after, now, from.peer(), State::Established, Why::SynAcked);
                if !t.flags.syn() && !self.said_handshake {
                    self.said_handshake = true;
                    notes.push(Note::HandshakeDone);
                }
            }
            // Data acknowledged, the first time.
            let peer = &self.dirs[p];
            let rel = peer.rel(ack).unwrap_or(0);
            let fin_in = peer.fin.is_some_and(|f| diff(ack, f) > 0);
            let bytes = (rel - 1 - i64::from(fin_in)).max(0) as u64;
            if bytes > 0 && !self.dirs[d].said_ack {
                self.dirs[d].said_ack = true;
                notes.push(Note::AckConfirms {
                    side: from,
                    bytes,
                    ack: rel,
                });
            }
            // The peer's FIN acknowledged.
            if let Some(fin) = self.dirs[p].fin
                && !self.dirs[p].fin_acked
                && diff(ack, fin) >= 1
            {
                self.dirs[p].fin_acked = true;
                notes.push(Note::FinAck {
                    side: from,
                    ack: rel,
                });
                let to = infer::on_fin_acked(self.dirs[p].state);
                self.change(after, now, from.peer(), to, Why::FinAcked);
                if to == State::TimeWait {
                    notes.push(Note::TimeWait { side: from.peer() });
                }
            }
        } else if s.len == 0
            && !t.flags.syn()
            && !t.flags.fin()
            && self.dirs[d].last_ack == Some((ack, t.window))
            && self.dirs[p].next.is_some_and(|n| diff(n, ack) > 0)
        {
            let dir = &mut self.dirs[d];
            dir.dup_run += 1;
            dir.c.dup_acks += 1;
            let n = dir.dup_run;
            marks.push(Mark::DupAck(n));
            if n == 1 || n == 3 {
                notes.push(Note::DupAck {
                    count: n,
                    ack: self.dirs[p].rel(ack).unwrap_or(0),
                });
            }
        }
        let blocks = t.options.sack_blocks;
        let dir = &mut self.dirs[d];
        dir.last_ack = Some((ack, t.window));
        if blocks.as_slice().is_empty() {
            dir.sack_above = None;
        } else {
            dir.sack_above = Some(ack);
            if !dir.said_sack {
                dir.said_sack = true;
                let peer = &self.dirs[p];
                let rel = |n: u32| peer.rel(n).unwrap_or(0);
                notes.push(Note::Sack {
                    ack: rel(ack),
                    blocks: blocks
                        .as_slice()
                        .iter()
                        .map(|(l, r)| (rel(l.0), rel(r.0)))
                        .collect(),
                });
            }
        }
    }

    fn rst(
        &mut self,
        s: &Segment,
        from: Side,
        now: u64,
        notes: &mut Vec<Note>,
        [before, after]: [&mut Vec<Row>; 2],
    ) {
        let (d, p) = (from.index(), from.peer().index());
        let t = s.tcp;
        let seen_before = self.dirs[0].c.segments + self.dirs[1].c.segments > 1;
        if from == Side::Client
            && self.dirs[d].state == State::SynSent
            && self.old_ack == Some(t.seq.0)
        {
            notes.push(Note::Rst {
                side: from,
                why: RstWhy::OldSyn,
            });
            if self.dirs[p].state == State::SynReceived {
                self.change(after, now, from.peer(), State::Listen, Why::RecvRst);
            }
            return;
        }
        let why = if self.dirs[p].syns > 0
            && self.dirs[d].syns == 0
            && self.dirs[p].state == State::SynSent
        {
            RstWhy::Refused
        } else if !seen_before {
            RstWhy::Stray
        } else if let (Some(rcv_nxt), Some((_, w))) = (self.dirs[p].max_ack, self.dirs[p].last_ack)
            && {
                let scaled = self.dirs[0].ws.is_some() && self.dirs[1].ws.is_some();
                let wnd = i64::from(w)
                    << if scaled {
                        self.dirs[p].ws.unwrap_or(0).min(14)
                    } else {
                        0
                    };
                let off = diff(t.seq.0, rcv_nxt);
                off < 0 || off > wnd.max(1)
            }
        {
            RstWhy::OutOfWindow
        } else if self.dirs[d].fin.is_some() {
            RstWhy::AfterClose
        } else {
            RstWhy::Abort
        };
        notes.push(Note::Rst { side: from, why });
        if why == RstWhy::OutOfWindow {
            return;
        }
        if why == RstWhy::Refused {
            // Nobody was listening: the refusing side was CLOSED all along.
            self.dirs[d].state = State::Closed;
        }
        self.change(before, now, from, State::Closed, Why::SentRst);
        self.change(after, now, from.peer(), State::Closed, Why::RecvRst);
        if self.ending == Ending::Open {
            self.ending = Ending::Rst(from, why);
        }
    }

    /// Called once the capture is over for this connection: the notes on
    /// how it was left.
    pub fn finish(&mut self) {
        for side in Side::BOTH {
            if self.dirs[side.index()].pending_fin {
                let mut rows = Vec::new();
                let mut notes = Vec::new();
                self.recv_fin(&mut rows, &mut notes, self.last_us, side);
                if let Some(r) = rows.last_mut() {
                    r.notes = notes;
                }
                self.rows.append(&mut rows);
            }
        }
        if self.elided > 0 {
            self.rows.push(Row {
                time_us: self.last_us,
                kind: RowKind::Elided { count: self.elided },
                notes: Vec::new(),
            });
            self.elided = 0;
        }
        let c = &self.dirs[0];
        if c.syns > 0 && self.dirs[1].syns == 0 && !matches!(self.ending, Ending::Rst(..)) {
            self.end_notes.push(Note::SynUnanswered { sent: c.syns });
        } else if self.ending == Ending::Open {
            self.end_notes.push(Note::EndsOpen);
        }
    }
}
