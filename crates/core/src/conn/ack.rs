//! The send side's reaction to an acceptable ACK (RFC 9293 3.10.7.4 fifth
//! check): RFC 5961 5.2 validation, RTT sampling (RFC 6298, Karn), fast
//! retransmit and NewReno recovery (RFC 5681 3.2, RFC 6582), window update.
//! With SACK, `recovery.rs` (RFC 6675 / 6937) and `rack.rs` (RFC 8985)
//! take over loss detection and recovery.

use super::congestion::CongestionControl;
use super::{Connection, Ctx, hystart, timers::Timer};
use crate::config::{HyStart, SlowStart};
use crate::endpoint::EventKind;
use crate::seq::SeqNum;
use crate::time::Instant;
use crate::trace::DropReason;
use crate::wire::TcpRepr;
use core::time::Duration;

/// Duplicate ACKs that trigger fast retransmit (RFC 5681 3.2).
const DUPACK_THRESHOLD: u32 = 3;

impl Connection {
    /// Processes the ACK field. Returns false if the segment must be dropped.
    pub(super) fn process_ack(
        &mut self,
        ctx: &mut Ctx<'_>,
        seg: &TcpRepr,
        payload_len: usize,
    ) -> bool {
        let ack = seg.ack;
        // What a write with more to come held goes now, as Linux's
        // tcp_data_snd_check pushes with the socket's own Nagle setting.
        self.more_coming = false;
        // RFC 9293: an ACK for something not yet sent draws an ACK and is
        // dropped (silently with Config::ack_unsent_draws_ack off).
        if ack.gt(self.snd_max) {
            if self.cfg.ack_unsent_draws_ack {
                self.ack_now = true;
            }
            self.drop_segment(ctx, seg, DropReason::BadAck);
            return false;
        }
        // RFC 5961 5.2: too old an ACK (before SND.UNA - MAX.SND.WND) is
        // discarded with a (challenge) ACK.
        if ack.lt(self.snd_una - self.max_snd_wnd.max(1)) && ack != self.snd_una {
            self.challenge_ack(ctx);
            self.drop_segment(ctx, seg, DropReason::BadAck);
            return false;
        }
        // Our SYN unacknowledged and still not by this ACK (FIN-WAIT-1
        // after a CLOSE in SYN-RECEIVED): no data is in flight, so there is
        // nothing to SACK, count duplicates of or judge lost; the SYN's own
        // retransmission timer covers it.
        if self.syn_unacked() && ack.le(self.iss) {
            return true;
        }
        let window = usize::from(seg.window) << self.snd_wscale;
        let new_sack = self.sack_reports_new_data(seg);
        // What the cumulative ACK covers that was delivered before
        // (`SlowStart::Abc` counts delivered data): SACKed by earlier ACKs;
        // without SACK, a segment per duplicate ACK, less the hole this ACK
        // fills (Linux's `tcp_remove_reno_sacks`: "one ACK acked hole, the
        // rest eat duplicate ACKs").
        let sacked_before = if !ack.gt(self.snd_una) || ack.gt(self.snd_max) {
            0
        } else if self.sack_mode() {
            self.scoreboard.sacked_between(self.snd_una, ack)
        } else {
            let mss = self.payload_mss();
            (self.dupacks as usize * mss).min(ack.since(self.snd_una).saturating_sub(mss))
        };
        // RFC 6675 section 5: Update() the scoreboard with every ACK.
        let prior_fack = self.scoreboard.high_sacked();
        let sack = self.sack_update(ctx, seg);
        let mut acked = 0;
        let mut dupack = false;
        // The peer answers: probing may go on as long as it does (MUST-36).
        self.unanswered_probes = 0;
        self.refusal.on_ack();
        if ack.gt(self.snd_una) {
            acked = ack.since(self.snd_una);
            // A timed, never-retransmitted segment gives the exact RTT
            // (Karn); without one (after a retransmission) the echoed
            // timestamp does (RFC 7323 4.1), conservatively when the echo
            // is of an older segment (4.2). Linux chooses the same way.
            if self.rtt_timing.is_none() {
                self.rtt_from_echo(ctx.now, seg, ack);
            }
            self.on_ack_advance_delivering(ctx, ack, sack.newly_sacked, sacked_before);
        } else if ack == self.snd_una
            && payload_len == 0
            && !seg.flags.syn()
            && !seg.flags.fin()
            // RFC 5681 2: the window is unchanged; or RFC 6675 2 (DupAck):
            // it SACKs data not SACKed before -- a receiver whose window
            // moves (Linux's autotuning does) still sends duplicates.
            && (window == self.snd_wnd || new_sack)
            && self.snd_nxt.gt(self.snd_una)
        {
            dupack = true;
            self.on_duplicate_ack(ctx);
        }
        // RFC 8985: RACK's loss detection, then the TLP episode's end.
        self.rack_on_ack(ctx, ack, sack.dsack.is_some(), prior_fack);
        if acked == 0 {
            self.grow_on_sack_only(ctx.now, sack.newly_sacked);
        }
        self.tlp_on_ack(ack, sack.dsack);
        self.sack_after_ack(ctx, acked, sack, dupack);
        if acked > 0 {
            // RFC 8985 7.2: restart the PTO on an ACK of new data.
            self.arm_tlp(ctx.now);
        }
        // Window update (RFC 9293 3.10.7.4): only from a newer segment.
        if self.snd_wl1.lt(seg.seq) || (self.snd_wl1 == seg.seq && self.snd_wl2.le(ack)) {
            self.snd_wnd = window;
            self.snd_wl1 = seg.seq;
            self.snd_wl2 = ack;
            self.max_snd_wnd = self.max_snd_wnd.max(window);
            if window > 0 {
                if self.persist_backoff > 0 {
                    // A zero-window stall is over: the user timeout counts
                    // afresh (answered probes do not end it, as in Linux
                    // since 9d9b1ee0b2d1: data stuck behind a closed
                    // window is what the application timed).
                    self.stalled_since = None;
                }
                self.timers.clear(Timer::Persist);
                self.persist_backoff = 0;
            }
        }
        true
    }

    /// HyStart's look at an ACK of new data up to `ack` (before SND.UNA
    /// moves and cwnd grows, as Linux's `pkts_acked` hook runs before
    /// `cong_avoid`). The sample is Linux's `ca_rtt_us`: the time since
    /// the newest segment acknowledged was sent, none if any of them was
    /// resent; without SACK's per-segment times, the timed segment's RTT
    /// (`timed`) if this ACK covers it.
    fn hystart_on_ack(&mut self, now: Instant, cfg: HyStart, ack: SeqNum, timed: Option<Duration>) {
        let sample = match self.sent.newest_acked(ack) {
            (Some(_), true) => None,
            (Some(t), false) => Some(now.saturating_since(t)),
            (None, _) => timed,
        };
        let Some(rtt) = sample else {
            return;
        };
        let mss = self.payload_mss().max(1);
        let cwnd = self.cc.window();
        let slow_start = cwnd < self.cc.ssthresh();
        let verdict = self.hystart.on_rtt_sample(
            cfg,
            now,
            rtt,
            ack,
            self.snd_nxt,
            slow_start,
            cwnd / mss,
            self.hystart_ack_delay(),
        );
        if verdict != hystart::Verdict::Continue {
            self.cc.end_slow_start();
        }
    }

    /// `SlowStart::Abc`'s growth for `delivered` bytes, while cwnd-limited:
    /// RFC 3465 with L unbounded, so in slow start every SMSS counts (one
    /// call each, the algorithm's per-ACK cap of one SMSS being per
    /// segment), as Linux's `tcp_slow_start`.
    fn grow_by_delivered(&mut self, now: Instant, delivered: usize) {
        if !self.is_cwnd_limited() {
            return;
        }
        let srtt = self.rtt.srtt();
        let mss = self.payload_mss();
        let mut left = delivered;
        while left > 0 && self.cc.window() < self.cc.ssthresh() {
            let n = left.min(mss);
            self.cc.on_ack(n, mss, now, srtt);
            left -= n;
        }
        if left > 0 {
            self.cc.on_ack(left, mss, now, srtt);
        }
    }

    /// An ACK that only SACKs new data grows cwnd under `SlowStart::Abc`
    /// once reordering has been seen, as Linux's `tcp_may_raise_cwnd`:
    /// with `tp->reordering` above `tcp_reordering` (3) any forward
    /// progress counts, SACKs included; before, only data cumulatively
    /// acknowledged does. Not in recovery or while ECN holds the window.
    fn grow_on_sack_only(&mut self, now: Instant, newly_sacked: usize) {
        if self.cfg.slow_start == SlowStart::Abc
            && newly_sacked > 0
            && self.reordering > 3
            && !self.in_recovery
            && !self.ecn_holds_window()
        {
            self.grow_by_delivered(now, newly_sacked);
        }
    }

    /// SND.UNA < ack <= SND.MAX: new data (or our SYN / FIN) acknowledged.
    /// RFC 7661's rule as Linux's `tcp_is_cwnd_limited`: the window was
    /// full when data was last sent, or in slow start cwnd is below twice
    /// the largest flight since then (`Config::slow_start`).
    fn is_cwnd_limited(&self) -> bool {
        if self.cwnd_limited {
            return true;
        }
        let cwnd = self.cc.window();
        cwnd < self.cc.ssthresh() && cwnd < 2 * self.max_flight
    }

    /// What a congestion response reduces from (RFC 5681's FlightSize):
    /// under `SlowStart::Abc` the larger of cwnd and the flight, as Linux's
    /// `ssthresh()` hooks use cwnd; RFC 9438 4.6 allows cwnd where, as
    /// with `Abc`'s cwnd-limited rule, cwnd cannot grow past what is used.
    pub(super) fn reduction_base(&self, flight: usize) -> usize {
        if self.cfg.slow_start == SlowStart::Abc {
            self.cc.window().max(flight)
        } else {
            flight
        }
    }

    /// After data went out: the flight and whether cwnd held more back
    /// (Linux's `tcp_cwnd_validate`), for [`Self::is_cwnd_limited`].
    pub(super) fn note_cwnd_use(&mut self) {
        let flight = self.snd_max.since(self.snd_una);
        let limited = self.has_unsent() && flight + self.payload_mss() > self.cc.window();
        if self.snd_una.ge(self.cwnd_usage_seq)
            || limited
            || (!self.cwnd_limited && flight > self.max_flight)
        {
            self.cwnd_limited = limited;
            self.max_flight = flight;
            self.cwnd_usage_seq = self.snd_nxt;
        }
    }

    pub(super) fn on_ack_advance(&mut self, ctx: &mut Ctx<'_>, ack: SeqNum) {
        self.on_ack_advance_delivering(ctx, ack, 0, 0);
    }

    /// SND.UNA advances to `ack`; the same ACK newly SACKed `newly_sacked`
    /// bytes above it, and `sacked_before` bytes of what it acknowledges
    /// had been SACKed by earlier ACKs.
    fn on_ack_advance_delivering(
        &mut self,
        ctx: &mut Ctx<'_>,
        ack: SeqNum,
        newly_sacked: usize,
        sacked_before: usize,
    ) {
        let old_una = self.snd_una;
        let acked = ack.since(old_una);
        let mut timed = None;
        // RTT sample, unless the timed segment was retransmitted (Karn).
        if let Some((end, sent_at)) = self.rtt_timing
            && ack.ge(end)
        {
            let rtt = ctx.now.saturating_since(sent_at);
            self.rtt.sample(rtt);
            self.rtt_timing = None;
            timed = Some(rtt);
        }
        // Data bytes acknowledged: minus our SYN and FIN.
        let data_start = self.send_data_seq();
        let data_end = data_start + self.send_buf.len();
        let data_acked = ack.min(data_end).since(data_start);
        if let Some(cfg) = self.cfg.hystart
            && data_acked > 0
        {
            // Only data's RTT (Linux's CUBIC starts afresh when the
            // connection opens).
            self.hystart_on_ack(ctx.now, cfg, ack, timed);
        }
        self.send_buf.discard(data_acked);
        self.send_buf_seq += data_acked;
        self.snd_una = ack;
        self.push_points.acked(ack);
        if self.snd_nxt.lt(ack) {
            self.snd_nxt = ack;
        }
        self.retries = 0;
        self.stalled_since = None;
        // The RTO backoff is cleared only by a valid RTT sample (RFC 6298 5;
        // `RttEstimator::sample`), never by the ACK of a retransmission:
        // otherwise an RTT above the RTO would never be learnt.

        if self.in_sack_recovery() {
            // RFC 6675 (A): a cumulative ACK covering RecoveryPoint ends it;
            // a partial one is handled by `sack_after_ack` (B, C).
            if ack.ge(self.recover) {
                self.leave_sack_recovery(ctx, false);
            }
        } else if self.in_recovery {
            if ack.ge(self.recover) {
                // Full ACK: leave recovery (RFC 6582 3.2 step 6).
                self.in_recovery = false;
                let kind = crate::trace::TraceKind::RecoveryLeft {
                    cause: self.recovery_cause,
                    timeout: false,
                };
                ctx.trace.record(ctx.now, self.local, self.remote, kind);
                let flight = self.snd_nxt.since(self.snd_una);
                self.cc.on_recovery_exit(flight, self.payload_mss());
            } else {
                // Partial ACK: retransmit the next hole at once, deflate
                // (RFC 6582 3.2 step 5), restart the timer below.
                self.cc.on_partial_ack(acked, self.payload_mss());
                self.fast_rexmit_pending = true;
            }
        } else if self.ecn_holds_window() {
            // RFC 3168 6.1.2: reduced for an ECE; no growth this window.
        } else {
            // Only data counts toward window growth, not SYN or FIN.
            let srtt = self.rtt.srtt();
            let mss = self.payload_mss();
            match self.cfg.slow_start {
                SlowStart::Abc => {
                    // What counts is what this ACK delivered, as Linux's
                    // `tcp_cong_control` is given (tp->delivered's
                    // growth): newly SACKed data too, and not what an
                    // earlier ACK SACKed, so a reordering episode grows
                    // cwnd once per segment.
                    let delivered = data_acked.saturating_sub(sacked_before) + newly_sacked;
                    self.grow_by_delivered(ctx.now, delivered);
                }
                _ => self.cc.on_ack(data_acked, mss, ctx.now, srtt),
            }
            // Keep `recover` trailing SND.UNA once passed, or after 2^31
            // bytes without loss the wrapping comparison would disable fast
            // retransmit (RFC 6582 3.2, note on wraparound).
            if self.recover.lt(ack - 1) {
                self.recover = ack - 1;
            }
        }
        self.dupacks = 0;
        self.limited_transmit = 0;

        if self.snd_una == self.snd_max {
            // Nothing retransmitted is outstanding: no echo can be of it.
            self.last_rexmit_tsval = None;
        }
        // RFC 6298 5.2 / 5.3: stop the timer when all is acked, else restart.
        if self.snd_una == self.snd_max || self.snd_nxt == self.snd_una {
            self.timers.clear(Timer::Retransmit);
        } else {
            self.timers.set(Timer::Retransmit, ctx.now + self.rtt.rto());
        }
        if self.want_writable && self.send_buf.free() > 0 && self.state.can_send() {
            self.want_writable = false;
            self.emit_event(ctx, EventKind::Writable);
        }
    }

    fn on_duplicate_ack(&mut self, ctx: &mut Ctx<'_>) {
        self.dupacks += 1;
        let flight = self.snd_nxt.since(self.snd_una);
        // RFC 3042 Limited Transmit: each of the first two duplicate ACKs
        // lets one new segment out beyond cwnd (cwnd itself unchanged), so
        // a small window still produces the third duplicate.
        self.limited_transmit = if !self.in_recovery && self.dupacks < DUPACK_THRESHOLD {
            self.dupacks
        } else {
            0
        };
        if self.sack_mode() {
            // RFC 6675 section 5 decides in `sack_after_ack`.
        } else if self.in_recovery {
            self.cc.on_recovery_dupack(self.payload_mss());
        } else if self.dupacks == DUPACK_THRESHOLD && self.snd_una.gt(self.recover) {
            // RFC 6582 3.2 step 2: enter fast recovery only if the ACK covers
            // more than `recover` (avoids multiple reductions per window).
            self.in_recovery = true;
            self.recover = self.snd_max;
            let base = self.reduction_base(flight);
            self.cc.on_fast_retransmit(base, self.payload_mss());
            self.fast_rexmit_pending = true;
            self.rtt_timing = None;
            self.recovery_cause = crate::trace::RecoveryCause::DupAcks;
            self.count(ctx, super::recovery::Counter::Recovery);
            let kind = crate::trace::TraceKind::RecoveryEntered {
                cause: self.recovery_cause,
                recovery_point: self.recover,
                ssthresh: self.cc.ssthresh(),
            };
            ctx.trace.record(ctx.now, self.local, self.remote, kind);
        }
    }
}
