//! Tail Loss Probe (RFC 8985 section 7): when the ACKs stop with data in
//! flight, one probe after PTO (before the RTO) draws the ACK that lets
//! RACK or SACK recovery repair a tail loss.

use super::congestion::CongestionControl;
use super::recovery::Counter;
use super::{Connection, Ctx, timers::Timer};
use crate::config::PushPolicy;
use crate::seq::SeqNum;
use crate::time::Instant;
use crate::trace::TraceKind;
use core::time::Duration;

/// RFC 8985 7.2: the peer's worst-case delayed-ACK timer, added to the
/// PTO when one segment is in flight (WCDelAckT, RECOMMENDED 200 ms).
pub const MAX_ACK_DELAY: Duration = Duration::from_millis(200);

/// RFC 8985 7.2: PTO before any RTT sample.
const INITIAL_PTO: Duration = Duration::from_secs(1);

/// Floor of 2 * SRTT, against a zero SRTT on a local path (a local
/// choice: RFC 8985 sets none).
const MIN_PTO: Duration = Duration::from_millis(10);

impl Connection {
    /// RFC 8985 7.2: arms the PTO after new data went out or an ACK came,
    /// when TLP is on, no probe is outstanding and not in recovery.
    pub(super) fn arm_tlp(&mut self, now: Instant) {
        let ok = self.cfg.tlp
            && self.sack_mode()
            && self.state.is_synchronized()
            && !self.in_recovery
            && self.tlp_end.is_none()
            && self.snd_nxt == self.snd_max
            && self.snd_max.gt(self.snd_una);
        if !ok {
            self.timers.clear(Timer::Tlp);
            return;
        }
        let one_segment = self.snd_max.since(self.snd_una) <= self.payload_mss();
        let mut pto = match (self.rtt.srtt(), self.cfg.pto_padding) {
            (None, _) => INITIAL_PTO,
            (Some(s), None) => (s * 2).max(MIN_PTO),
            (Some(s), Some(_)) if one_segment => s * 2,
            (Some(s), Some(padding)) => s * 2 + padding,
        };
        if one_segment {
            pto += MAX_ACK_DELAY;
        }
        // RFC 8985 7.2: an RTO due sooner brings the probe forward to the
        // RTO's time; the probe then goes first (timers fire TLP before the
        // RTO) and re-arms the RTO (7.3), so the tail costs a probe, not a
        // retransmission timeout and its collapse of the window.
        let at = match self.timers.get(Timer::Retransmit) {
            Some(rto) => rto.min(now + pto),
            None => now + pto,
        };
        self.timers.set(Timer::Tlp, at);
    }

    /// RFC 8985 7.3: the PTO fired; one probe goes out at the next
    /// transmit, and the RTO restarts.
    pub(super) fn on_tlp_timeout(&mut self, ctx: &mut Ctx<'_>) {
        if !self.cfg.tlp || self.in_recovery || self.snd_una == self.snd_max {
            return;
        }
        // RFC 8985 7.3 condition 2: an RTT sample since the last probe (or
        // the start of the connection), so probes cannot hide a longer RTT.
        if self.rtt.samples() <= self.tlp_rtt_samples {
            return;
        }
        self.tlp_pending = true;
        self.timers.set(Timer::Retransmit, ctx.now + self.rtt.rto());
    }

    /// RFC 8985 7.3: new data may be the probe (the receiver's window
    /// allows it).
    pub(super) fn tlp_can_send_new(&self) -> bool {
        self.has_unsent() && self.snd_wnd > self.snd_nxt.since(self.snd_una)
    }

    /// RFC 8985 7.3: else the probe resends the last segment.
    pub(super) fn tlp_last_segment(&self) -> (SeqNum, usize, bool) {
        let data_end = self.send_data_end();
        let fin = self.fin_queued && self.snd_max.gt(data_end);
        if fin && self.fin_sent_alone && self.cfg.push == PushPolicy::WriteBoundary {
            // The last buffer Linux would resend is the FIN's own.
            return (data_end, 0, true);
        }
        let end = if fin {
            data_end
        } else {
            self.snd_max.min(data_end)
        };
        let start = if end.since(self.snd_una) > self.payload_mss() {
            end - self.payload_mss()
        } else {
            self.snd_una
        };
        let len = if end.gt(start) { end.since(start) } else { 0 };
        (start, len, fin)
    }

    /// Bookkeeping for a probe just sent (RFC 8985 7.3: TLP.end_seq).
    pub(super) fn on_tlp_sent(
        &mut self,
        ctx: &mut Ctx<'_>,
        seq: SeqNum,
        len: usize,
        new_data: bool,
    ) {
        self.tlp_end = Some(self.snd_max);
        self.tlp_rexmit = !new_data;
        self.tlp_rtt_samples = self.rtt.samples();
        self.count(ctx, Counter::Tlp);
        let kind = TraceKind::TlpSent { seq, len, new_data };
        ctx.trace.record(ctx.now, self.local, self.remote, kind);
    }

    /// RFC 8985 7.4: once the ACK covers TLP.end_seq the episode ends; a
    /// retransmitted probe that was not D-SACKed repaired a loss, which
    /// calls for the congestion response.
    pub(super) fn tlp_on_ack(&mut self, ack: SeqNum, dsack: Option<(SeqNum, SeqNum)>) {
        let Some(end) = self.tlp_end else {
            return;
        };
        if let Some((_, r)) = dsack
            && r.le(end)
            && self.tlp_rexmit
        {
            // The probe was a duplicate: no loss.
            self.tlp_rexmit = false;
            self.tlp_end = None;
            return;
        }
        if ack.ge(end) {
            if self.tlp_rexmit && !self.in_recovery {
                let cwnd = self.cc.window();
                self.cc.on_congestion_event(cwnd, self.payload_mss());
                self.cc.on_sack_recovery_end();
            }
            self.tlp_end = None;
            self.tlp_rexmit = false;
        }
    }
}
