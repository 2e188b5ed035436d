//! What each timer does when it fires.

use super::congestion::CongestionControl;
use super::{Cause, Connection, Ctx, State, timers::Timer};
use crate::error::Error;
use crate::time::Instant;
use core::time::Duration;

impl Connection {
    /// Runs every timer due at `ctx.now`.
    pub(crate) fn handle_timeout(&mut self, ctx: &mut Ctx<'_>) {
        while let Some(t) = self.timers.take_due(ctx.now) {
            match t {
                Timer::Retransmit if self.held => self.on_hold_timeout(ctx),
                Timer::Retransmit => self.on_retransmit_timeout(ctx),
                Timer::Persist if self.refusal.held => self.on_resource_probe(ctx),
                Timer::Persist => self.on_persist_timeout(ctx),
                Timer::DelayedAck => self.ack_now = true,
                Timer::TimeWait => self.set_state(ctx, State::Closed, Cause::TimeWaitExpired),
                Timer::KeepAlive => self.on_keepalive_timeout(ctx),
                Timer::RackReorder => self.on_rack_reorder_timeout(ctx),
                Timer::Tlp => self.on_tlp_timeout(ctx),
                Timer::FinWait2 => {
                    if self.state == State::FinWait2 && !self.app_owned {
                        self.set_state(ctx, State::Closed, Cause::Timeout);
                    }
                }
            }
        }
    }

    /// Send a probe past the zero (or too small) window and back off
    /// (MUST-35). Probing goes on as long as the peer answers (MUST-36/37),
    /// but not for a peer that stopped answering, nor for ever on a
    /// connection the application has released.
    fn on_persist_timeout(&mut self, ctx: &mut Ctx<'_>) {
        self.unanswered_probes += 1;
        let interval = self.persist_interval();
        if self.unanswered_probes > self.cfg.max_retries || self.user_timed_out(ctx.now, interval) {
            self.fail(ctx, Error::TimedOut, Cause::Timeout);
            return;
        }
        // `persist_backoff` counts probes since the window was last open.
        if !self.app_owned && self.persist_backoff >= self.cfg.orphan_retries {
            self.rst_pending = true;
            self.fail(ctx, Error::TimedOut, Cause::Timeout);
            return;
        }
        self.force_probe = true;
        // Linux's probe timer pushes what MSG_MORE held (the cork of
        // TCP_CORK stays).
        self.more_coming = false;
        self.persist_backoff = self.persist_backoff.saturating_add(1);
    }

    /// RFC 6298 5.4-5.6 and RFC 5681 3.1: retransmit the earliest
    /// unacknowledged segment, back off, shrink the window to one segment.
    /// After too many attempts give up (RFC 9293 R2, MUST-20..23).
    fn on_retransmit_timeout(&mut self, ctx: &mut Ctx<'_>) {
        if self.user_timed_out(ctx.now, self.rtt.rto()) {
            self.fail(ctx, Error::TimedOut, Cause::Timeout);
            return;
        }
        self.retries += 1;
        // Our SYN is unacknowledged (also after CLOSE in SYN-RECEIVED moved
        // us to FIN-WAIT-1, RFC 9293 3.10.4): resend it first.
        let handshake =
            matches!(self.state, State::SynSent | State::SynReceived) || self.syn_unacked();
        let passive = self.state == State::SynReceived && self.listener.is_some();
        let limit = if passive {
            self.cfg.synack_retries.unwrap_or(self.cfg.syn_retries)
        } else if handshake {
            self.cfg.syn_retries
        } else {
            self.cfg.max_retries
        };
        if self.retries > limit {
            if self.state == State::SynReceived && self.listener.is_some() {
                self.set_state(ctx, State::Closed, Cause::Timeout);
            } else {
                self.fail(ctx, Error::TimedOut, Cause::Timeout);
            }
            return;
        }
        self.rtt.back_off();
        self.rtt_timing = None;
        if handshake {
            self.syn_pending = true;
            self.syn_retransmitted = true;
            return;
        }
        if self.snd_una == self.snd_max {
            return;
        }
        self.count(ctx, super::recovery::Counter::RtoEvent);
        self.go_back(ctx, true);
    }

    /// Resends everything from SND.UNA: after a retransmission timeout
    /// (`timeout`: the congestion response of RFC 5681 3.1 too), or when
    /// the path MTU fell and what is in flight was too big for it (RFC
    /// 1191 6.5: no congestion response, the loss was not congestion).
    pub(super) fn go_back(&mut self, ctx: &mut Ctx<'_>, timeout: bool) {
        let flight = self.snd_max.since(self.snd_una);
        if self.in_recovery {
            if self.sack_recovery {
                self.leave_sack_recovery(ctx, timeout);
            } else {
                let kind = crate::trace::TraceKind::RecoveryLeft {
                    cause: self.recovery_cause,
                    timeout,
                };
                ctx.trace.record(ctx.now, self.local, self.remote, kind);
            }
        }
        // RFC 6675 5.1 (after RFC 2018): expunge the SACK information, as
        // the receiver may have reneged; the ACKs of the retransmissions
        // rebuild it. No undo across a timeout.
        self.scoreboard.clear();
        self.sack_recovery = false;
        self.high_rxt = self.snd_una;
        self.rescue_rxt = None;
        self.undo = None;
        // RFC 8985 6.3 / 7: the timeout supersedes RACK's and TLP's timers;
        // the go-back resends (and re-times) everything unSACKed.
        self.timers.clear(Timer::RackReorder);
        self.timers.clear(Timer::Tlp);
        self.tlp_pending = false;
        self.tlp_new_data = false;
        self.tlp_end = None;
        for i in 0..self.sent.len() {
            let s = self.sent.get_mut(i);
            s.lost = false;
            s.sacked = false;
            // Linux's tcp_timeout_mark_lost: all of it is lost now.
            s.lost_out = timeout;
        }
        if timeout {
            let base = self.reduction_base(flight);
            self.cc.on_timeout(base, self.payload_mss());
        }
        self.rtt_timing = None;
        // RFC 6582 section 4: remember the highest sequence sent.
        self.recover = self.snd_max;
        self.in_recovery = false;
        self.dupacks = 0;
        self.limited_transmit = 0;
        self.fast_rexmit_pending = false;
        // Go back: resend from SND.UNA as the window allows.
        self.snd_nxt = self.snd_una;
    }

    /// RFC 5482 (RFC 9293 3.8.3's R2 as a time): whether the user timeout
    /// has run out for a stall whose timer just fired after `interval`.
    /// The first timeout of a stall dates it from when that timer was
    /// armed, one interval back (Linux counts from the first transmission
    /// of the segment resent, `retrans_stamp`).
    fn user_timed_out(&mut self, now: Instant, interval: Duration) -> bool {
        let Some(limit) = self.user_timeout else {
            return false;
        };
        let back = u64::try_from(interval.as_micros()).unwrap_or(u64::MAX);
        let since = *self
            .stalled_since
            .get_or_insert(Instant::from_micros(now.as_micros().saturating_sub(back)));
        now.saturating_since(since) >= limit
    }

    /// `deadline` for a retransmission or probe, brought forward to when
    /// the user timeout of the current stall runs out (as Linux's
    /// `tcp_clamp_rto_to_user_timeout`), so the abort comes on time.
    pub(super) fn within_user_timeout(&self, deadline: Instant) -> Instant {
        match (self.user_timeout, self.stalled_since) {
            (Some(limit), Some(since)) => deadline.min(since + limit),
            _ => deadline,
        }
    }
}
