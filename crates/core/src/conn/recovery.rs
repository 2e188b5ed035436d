//! SACK-based loss recovery for the sender (RFC 6675 section 5), paced by
//! PRR (RFC 6937), with D-SACK (RFC 2883) counting and spurious-recovery
//! undo. The scoreboard itself is `scoreboard.rs`, PRR's arithmetic
//! `prr.rs`; this file holds the connection's side: when recovery begins
//! and ends, and which segment `NextSeg()` picks.
//!
//! Without SACK (or with `Config::sack_recovery` off) `ack.rs` runs RFC
//! 6582 NewReno instead.

use super::congestion::CongestionControl;
use super::prr::Prr;
use super::scoreboard::DUP_THRESH;
use super::{Connection, Ctx};
use crate::seq::SeqNum;
use crate::trace::{RecoveryCause, TraceKind};
use crate::wire::{SackBlocks, TcpRepr};

/// A connection's send queue in segments ([`Connection::send_queue_counts`]):
/// what Linux's `TCP_INFO` reports of its retransmission queue. The
/// `Option`s are `None` without SACK and RACK, whose per-segment records
/// they count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendQueueCounts {
    /// Sent and not cumulatively acknowledged (`tcpi_unacked`).
    pub unacked: usize,
    /// SACKed (`tcpi_sacked`).
    pub sacked: Option<usize>,
    /// Deemed lost, by RACK or a timeout, and not SACKed since, resent or
    /// not (`tcpi_lost`).
    pub lost: Option<usize>,
    /// Resent and neither SACKed nor deemed lost again (`tcpi_retrans`).
    pub retrans: Option<usize>,
    /// The largest reordering seen: how far, in segments, data was
    /// delivered ahead of a never-resent segment (`tcpi_reordering`,
    /// from 3). Reported only: loss detection takes reordering from
    /// RACK's window (RFC 8985 6.2), not from this.
    pub reordering: Option<usize>,
    /// How many ACKs showed such reordering (`tcpi_reord_seen`).
    pub reord_seen: Option<u32>,
}

/// Loss-recovery counters of one connection (the endpoint's
/// [`crate::Stats`] sums them under the same names).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LossStats {
    /// Fast retransmissions: by duplicate ACKs or the SACK scoreboard.
    pub fast_retransmits: u64,
    /// Retransmissions of segments RACK deemed lost (RFC 8985 6.2).
    pub rack_retransmits: u64,
    /// Tail Loss Probes sent (RFC 8985 section 7).
    pub tlp_probes: u64,
    /// Retransmissions after a retransmission timeout.
    pub rto_retransmits: u64,
    /// Retransmission timeouts of data.
    pub rto_events: u64,
    /// Loss recovery episodes entered.
    pub recoveries: u64,
    /// D-SACK blocks received (RFC 2883).
    pub dsacks: u64,
    /// Recovery episodes undone as spurious.
    pub spurious_undos: u64,
}

/// Which counter to bump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Counter {
    Fast = 0,
    Rack,
    Tlp,
    Rto,
    RtoEvent,
    Recovery,
    Dsack,
    Undo,
}

/// Number of [`Counter`]s.
pub(super) const COUNTERS: usize = 8;

/// Why a data segment goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Send {
    /// New data, or a go-back retransmission after an RTO.
    Normal,
    /// Fast retransmit / RFC 6675 NextSeg rules (1) and (3).
    Fast,
    /// RFC 6675 NextSeg rule (4): does not move HighRxt.
    Rescue,
    /// RACK marked it lost (RFC 8985 6.2).
    Rack,
    /// Tail Loss Probe (RFC 8985 7.3).
    Tlp,
}

/// What `NextSeg()` chose (RFC 6675 section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NextSeg {
    /// Retransmit `[seq, seq + len)`.
    Rexmit(SeqNum, usize, Send),
    /// Rule (2): send new data (the ordinary path, within PRR's budget).
    NewData,
}

/// What `Update()` learnt from one ACK.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct SackInfo {
    /// Octets newly SACKed.
    pub newly_sacked: usize,
    /// SACKed octets before the ACK (RFC 6937 DeliveredData).
    pub before: usize,
    /// SACKed octets after it.
    pub after: usize,
    /// The D-SACK block, if the ACK carried one.
    pub dsack: Option<(SeqNum, SeqNum)>,
}

/// What is needed to undo one recovery episode's reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Undo {
    cwnd: usize,
    ssthresh: usize,
    /// The episode's sequence range: D-SACKs inside it count.
    start: SeqNum,
    end: SeqNum,
    /// Retransmissions of the episode not yet D-SACKed.
    pending: u32,
    /// Retransmissions of the episode.
    sent: u32,
}

impl Connection {
    /// The sender uses RFC 6675 (SACK agreed and `Config::sack_recovery`).
    pub(super) fn sack_mode(&self) -> bool {
        self.sack_ok && self.cfg.sack_recovery
    }

    /// In an RFC 6675 recovery episode.
    pub(super) fn in_sack_recovery(&self) -> bool {
        self.in_recovery && self.sack_recovery
    }

    /// Bumps a loss counter of the connection and the endpoint.
    pub(super) fn count(&mut self, ctx: &mut Ctx<'_>, c: Counter) {
        let s = &mut *ctx.stats;
        let b = match c {
            Counter::Fast => &mut s.fast_retransmits,
            Counter::Rack => &mut s.rack_retransmits,
            Counter::Tlp => &mut s.tlp_probes,
            Counter::Rto => &mut s.rto_retransmits,
            Counter::RtoEvent => &mut s.rto_events,
            Counter::Recovery => &mut s.recoveries,
            Counter::Dsack => &mut s.dsacks,
            Counter::Undo => &mut s.spurious_undos,
        };
        *b += 1;
        let a = &mut self.loss[c as usize];
        *a = a.saturating_add(1);
    }

    /// The connection's loss counters as [`LossStats`].
    pub(super) fn loss_counters(&self) -> LossStats {
        let n = |c: Counter| u64::from(self.loss[c as usize]);
        LossStats {
            fast_retransmits: n(Counter::Fast),
            rack_retransmits: n(Counter::Rack),
            tlp_probes: n(Counter::Tlp),
            rto_retransmits: n(Counter::Rto),
            rto_events: n(Counter::RtoEvent),
            recoveries: n(Counter::Recovery),
            dsacks: n(Counter::Dsack),
            spurious_undos: n(Counter::Undo),
        }
    }

    /// `Config::sack_whole_segments`: each block above `una` shrunk to the
    /// sent pieces (one MSS each, `sentlog`) it covers whole; a block
    /// covering none is dropped. D-SACK blocks (below `una`) stay.
    fn whole_segment_blocks(&self, blocks: &SackBlocks, una: SeqNum) -> SackBlocks {
        let mut out = SackBlocks::default();
        for &(l, r) in blocks.as_slice() {
            if l.lt(una) || self.sent.is_empty() {
                out.push(l, r);
                continue;
            }
            let mut left = None;
            let mut right = None;
            for i in 0..self.sent.len() {
                let p = self.sent.get(i);
                if p.start.ge(l) && p.end.le(r) {
                    left.get_or_insert(p.start);
                    right = Some(p.end);
                }
            }
            if let (Some(a), Some(b)) = (left, right) {
                out.push(a, b);
            }
        }
        out
    }

    /// RFC 6675 section 5: `Update()` with the ACK's SACK blocks, after its
    /// cumulative point. Returns (octets newly SACKed, DeliveredData's
    /// SACK part as RFC 6937 counts it: SACKed after less SACKed before).
    pub(super) fn sack_update(&mut self, ctx: &mut Ctx<'_>, seg: &TcpRepr) -> SackInfo {
        if !self.sack_ok {
            return SackInfo::default();
        }
        let una = if seg.ack.gt(self.snd_una) && seg.ack.le(self.snd_max) {
            seg.ack
        } else {
            self.snd_una
        };
        let before = self.scoreboard.sacked_bytes();
        self.scoreboard.advance(una);
        let blocks = if self.cfg.sack_whole_segments {
            self.whole_segment_blocks(&seg.options.sack_blocks, una)
        } else {
            seg.options.sack_blocks
        };
        let upd = self.scoreboard.update(blocks.as_slice(), una, self.snd_max);
        if let Some((left, right)) = upd.dsack {
            self.count(ctx, Counter::Dsack);
            let kind = TraceKind::DsackReceived { left, right };
            ctx.trace.record(ctx.now, self.local, self.remote, kind);
            self.on_dsack(ctx, left, right);
        }
        SackInfo {
            newly_sacked: upd.newly_sacked,
            before,
            after: self.scoreboard.sacked_bytes(),
            dsack: upd.dsack,
        }
    }

    /// RFC 6675 section 5, after the ACK's cumulative part: count it as a
    /// DupAck if it SACKed new data (section 2), enter recovery on steps
    /// (1)/(2), and on every ACK in recovery recompute pipe (B.2) and PRR's
    /// sending allowance (RFC 6937 section 3).
    pub(super) fn sack_after_ack(
        &mut self,
        ctx: &mut Ctx<'_>,
        acked: usize,
        sack: SackInfo,
        dupack: bool,
    ) {
        if !self.sack_mode() {
            return;
        }
        let SackInfo {
            newly_sacked,
            before,
            after,
            ..
        } = sack;
        let mss = self.payload_mss();
        if !self.in_recovery {
            // A cumulative ACK that SACKs new data is a DupAck too ("regardless
            // of its status as a cumulative acknowledgment"); `ack.rs`
            // counted the others.
            if !dupack && newly_sacked > 0 {
                self.dupacks += 1;
            }
            let is_dupack = dupack || newly_sacked > 0;
            // Step (1) DupAcks >= DupThresh, step (2) IsLost(HighACK + 1);
            // 5.1: not before HighACK reached the RecoveryPoint of an RTO.
            let by_dupacks = self.dupacks as usize >= DUP_THRESH;
            let lost = self.scoreboard.is_lost(self.snd_una, mss);
            if !is_dupack
                || !(by_dupacks || lost)
                || self.snd_una.lt(self.recover)
                || self.snd_una == self.snd_max
            {
                return;
            }
            let cause = if lost {
                RecoveryCause::Sack
            } else {
                RecoveryCause::DupAcks
            };
            self.enter_sack_recovery(ctx, cause);
        }
        // RFC 6937: DeliveredData = change_in(snd.una) + change_in(SACKd).
        let delivered = (acked + after).saturating_sub(before);
        self.update_pipe();
        // Config::prr_safe_ack: PRR-SSRB's extra MSS only when SND.UNA moved.
        let safe_ack = !self.cfg.prr_safe_ack || acked > 0;
        let sndcnt = self.prr.on_ack_with(delivered, self.pipe, mss, safe_ack);
        self.recovery_cwnd = self.pipe.saturating_add(sndcnt);
    }

    /// RFC 6675 `SetPipe()`.
    pub(super) fn update_pipe(&mut self) {
        let high_rxt = self.high_rxt.max(self.snd_una);
        self.pipe = self
            .scoreboard
            .pipe(self.snd_una, self.snd_max, high_rxt, self.payload_mss());
        if self.rack_on() {
            // RFC 8985: segments RACK marked lost have left the pipe.
            self.pipe = self.pipe.saturating_sub(self.rack_lost_in_pipe());
        }
    }

    /// RFC 6675 section 5 step (4).
    pub(super) fn enter_sack_recovery(&mut self, ctx: &mut Ctx<'_>, cause: RecoveryCause) {
        let mss = self.payload_mss();
        let flight = self.snd_max.since(self.snd_una);
        let (cwnd, ssthresh) = (self.cc.window(), self.cc.ssthresh());
        // (4.1) RecoveryPoint = HighData.
        self.recover = self.snd_max;
        // (4.2) ssthresh = cwnd = FlightSize / 2 (or the controller's
        // choice), paced by PRR with RecoverFS = FlightSize (RFC 6937 3).
        let base = self.reduction_base(flight);
        let new_ssthresh = self.cc.on_congestion_event(base, mss);
        self.prr = Prr::start(new_ssthresh, flight);
        self.in_recovery = true;
        self.sack_recovery = true;
        self.recovery_cause = cause;
        // (4.3) retransmit HighACK + 1's segment; HighRxt and RescueRxt
        // are set when it goes out (`output.rs`).
        self.high_rxt = self.snd_una;
        self.rescue_rxt = None;
        self.fast_rexmit_pending = true;
        self.rtt_timing = None;
        self.undo = Some(Undo {
            cwnd,
            ssthresh,
            start: self.snd_una,
            end: self.snd_max,
            pending: 0,
            sent: 0,
        });
        self.count(ctx, Counter::Recovery);
        let kind = TraceKind::RecoveryEntered {
            cause,
            recovery_point: self.recover,
            ssthresh: new_ssthresh,
        };
        ctx.trace.record(ctx.now, self.local, self.remote, kind);
        if cause == RecoveryCause::Rack {
            // RACK traced each segment it marked lost already.
            return;
        }
        let len = self.first_hole_len().min(mss);
        let kind = TraceKind::SegmentLost {
            seq: self.snd_una,
            len,
            cause,
        };
        ctx.trace.record(ctx.now, self.local, self.remote, kind);
    }

    /// Octets from SND.UNA to the first SACKed range (or SND.MAX).
    pub(super) fn first_hole_len(&self) -> usize {
        let end = self
            .scoreboard
            .ranges()
            .first()
            .map_or(self.snd_max, |&(l, _)| l);
        end.since(self.snd_una)
    }

    /// RFC 6675 (A): the RecoveryPoint was acknowledged; cwnd = ssthresh
    /// (RFC 6937 section 3). The scoreboard above HighACK is kept.
    pub(super) fn leave_sack_recovery(&mut self, ctx: &mut Ctx<'_>, timeout: bool) {
        self.in_recovery = false;
        self.sack_recovery = false;
        self.rack.on_recovery_exit();
        if !timeout {
            self.cc.on_sack_recovery_end();
        }
        let kind = TraceKind::RecoveryLeft {
            cause: self.recovery_cause,
            timeout,
        };
        ctx.trace.record(ctx.now, self.local, self.remote, kind);
    }

    /// A retransmission of the current episode went out (for undo).
    pub(super) fn note_episode_rexmit(&mut self) {
        if let Some(u) = &mut self.undo {
            u.pending += 1;
            u.sent += 1;
        }
    }

    /// RFC 2883 section 5: a D-SACK for a retransmission of the episode
    /// means the original arrived too; once every one of them is D-SACKed
    /// the reduction was needless and is undone.
    fn on_dsack(&mut self, ctx: &mut Ctx<'_>, left: SeqNum, right: SeqNum) {
        let Some(u) = &mut self.undo else {
            return;
        };
        if !(left.ge(u.start) && right.le(u.end)) || u.pending == 0 {
            return;
        }
        u.pending -= 1;
        if u.pending > 0 || u.sent == 0 {
            return;
        }
        let u = *u;
        self.undo = None;
        if self.in_sack_recovery() {
            self.leave_sack_recovery(ctx, false);
        }
        self.cc.undo(u.cwnd, u.ssthresh);
        self.count(ctx, Counter::Undo);
        let kind = TraceKind::SpuriousRecoveryUndone {
            cwnd: self.cc.window(),
        };
        ctx.trace.record(ctx.now, self.local, self.remote, kind);
    }

    /// RFC 6675 section 4 `NextSeg()`, for the sending budget of step (C):
    /// cwnd - pipe, with cwnd from PRR.
    pub(super) fn next_seg(&self) -> Option<NextSeg> {
        let mss = self.payload_mss();
        let budget = self.recovery_cwnd.saturating_sub(self.pipe);
        let data_end = self.send_data_end();
        let high_rxt = self.high_rxt.max(self.snd_una);
        let clip = |(l, r): (SeqNum, SeqNum)| r.min(data_end).since(l).min(mss);
        // RFC 8985 6.2: what RACK marked lost goes first.
        if let Some(n) = self.rack_next_seg(budget) {
            return Some(n);
        }
        // (1) the first lost unSACKed octet above HighRxt.
        if let Some(h) = self.scoreboard.next_hole(self.snd_una, high_rxt, mss, true) {
            let mut len = clip(h);
            if self.cfg.tso_segments > 1 && len == mss {
                // With TSO the whole lost hole (everything SACKed lies
                // above all of it) in one segment, in whole MSS within
                // the budget, as Linux resends a lost skb whole.
                // ...as far as the segment it was last sent in went.
                let packet_end = self.sent.next_packet_start(h.0).unwrap_or(h.1);
                let hole = h.1.min(packet_end).min(data_end).since(h.0);
                let room = budget.min(self.max_payload()).min(hole);
                len = if room == hole {
                    hole
                } else {
                    (room - room % mss).max(mss)
                };
            }
            if len > 0 {
                return (budget >= len).then_some(NextSeg::Rexmit(h.0, len, Send::Fast));
            }
        }
        // (2) unsent data the receiver's window allows.
        if self.has_unsent() && self.snd_wnd > self.snd_nxt.since(self.snd_una) {
            return Some(NextSeg::NewData);
        }
        if !self.cfg.sack_forward_retransmit {
            return None;
        }
        // (3) any unSACKed octet above HighRxt below the highest SACK.
        if let Some(h) = self
            .scoreboard
            .next_hole(self.snd_una, high_rxt, mss, false)
        {
            let len = clip(h);
            if len > 0 {
                return (budget >= len).then_some(NextSeg::Rexmit(h.0, len, Send::Fast));
            }
        }
        // (4) one rescue retransmission per episode: the segment holding
        // the highest outstanding unSACKed octet.
        if self.rescue_rxt.is_none_or(|r| self.snd_una.gt(r))
            && let Some((l, r)) = self.scoreboard.holes(self.snd_una, self.snd_max).last()
        {
            let end = r.min(data_end);
            let start = if end.since(l) > mss { end - mss } else { l };
            let len = if end.gt(start) { end.since(start) } else { 0 };
            if len > 0 {
                return (budget >= len).then_some(NextSeg::Rexmit(start, len, Send::Rescue));
            }
        }
        None
    }

    /// Picks a retransmission during SACK recovery, or `None` to let new
    /// data (rule 2) or nothing go.
    pub(super) fn take_next_seg(&mut self, ctx: &mut Ctx<'_>) -> Option<(SeqNum, usize, Send)> {
        let NextSeg::Rexmit(seq, len, send) = self.next_seg()? else {
            return None;
        };
        if send == Send::Rescue {
            // Rule (4): RescueRxt = RecoveryPoint; HighRxt is not moved.
            self.rescue_rxt = Some(self.recover);
        } else if self.scoreboard.is_lost(seq, self.payload_mss()) {
            let kind = TraceKind::SegmentLost {
                seq,
                len,
                cause: RecoveryCause::Sack,
            };
            ctx.trace.record(ctx.now, self.local, self.remote, kind);
        }
        Some((seq, len, send))
    }
}
