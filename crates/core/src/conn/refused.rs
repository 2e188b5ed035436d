//! Packets the device refused (`Endpoint::transmit_failed`): local
//! congestion, a full queue below the stack (ENOBUFS, a qdisc that drops).
//!
//! The network lost nothing, so this is no congestion signal and no loss
//! to recover: Linux's `tcp_write_xmit` leaves a segment that
//! `tcp_transmit_skb` could not hand down at the head of its send queue,
//! unsent, and tries again on the next ACK or, with nothing in flight, from
//! its probe timer (`tcp_check_probe_timer`, `tcp_send_probe0`): first
//! after the RTO (at least 200 ms), then every 500 ms
//! (`TCP_RESOURCE_PROBE_INTERVAL`) without backing off, each failed
//! attempt counted as a probe (`icsk_probes_out`); the user timeout counts
//! from the first attempt (`icsk_probes_tstamp`).
//!
//! synack takes back a refused segment of new data that it sent last (the
//! tail of what is in flight): SND.NXT and SND.MAX step back, its RACK
//! records, RTT timing and, with nothing else in flight, the retransmission
//! and TLP timers go, and new data waits as above. Any other refused
//! packet (a retransmission, an ACK, a SYN) is as if lost on the wire: the
//! retransmission timer, RACK or the peer recover it.

use super::{Cause, Connection, Ctx, timers::Timer};
use crate::error::Error;
use crate::seq::SeqNum;
use core::time::Duration;

/// Linux's `TCP_RESOURCE_PROBE_INTERVAL`: retries after a failed one.
const RESOURCE_PROBE_INTERVAL: Duration = Duration::from_millis(500);

/// What a connection knows about refused packets.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Refusal {
    /// The last segment sent, if it was new data at the tail that could be
    /// taken back: `[start, end)`.
    tail: Option<(SeqNum, SeqNum)>,
    /// New data waits: the device refused it (until the next ACK or the
    /// probe timer).
    pub(super) held: bool,
    /// The probe timer fired and let data go: its refusal is a probe.
    probing: bool,
}

impl Refusal {
    /// Notes a segment `[start, end)` just committed: `new_tail` if it is
    /// new data sent under no recovery or probe rule (it starts at
    /// SND.MAX).
    #[inline]
    pub(super) fn note_sent(&mut self, start: SeqNum, end: SeqNum, new_tail: bool) {
        self.tail = new_tail.then_some((start, end));
    }

    /// Forgets a refusal's hold and probe once the peer answers.
    pub(super) fn on_ack(&mut self) {
        self.held = false;
        self.probing = false;
    }
}

impl Connection {
    /// The device refused our segment `[seq, end)` (its sequence space,
    /// SYN and FIN included).
    pub(crate) fn on_transmit_failed(&mut self, seq: SeqNum, end: SeqNum) {
        // (A stale packet, already acknowledged, is taken back never.)
        let take_back = self.refusal.tail == Some((seq, end))
            && self.snd_una.le(seq)
            && self.snd_nxt == end
            && self.snd_max == end
            && end.gt(seq);
        if !take_back {
            return;
        }
        self.refusal.tail = None;
        self.snd_nxt = seq;
        self.snd_max = seq;
        self.sent.forget_from(seq);
        if self.rtt_timing.is_some_and(|(t, _)| t.gt(seq)) {
            self.rtt_timing = None;
        }
        if self.snd_una == seq {
            // Nothing in flight: no timer but the probe timer (armed by
            // `update_persist`).
            self.timers.clear(Timer::Retransmit);
            self.timers.clear(Timer::Tlp);
        }
        if self.refusal.probing {
            self.refusal.probing = false;
            self.unanswered_probes += 1;
        }
        self.refusal.held = true;
    }

    /// The probe timer fired while new data waits for a refused packet:
    /// let it go again (Linux's `tcp_probe_timer`), unless the user timeout
    /// or the retry limit has run out. The stall dates from the first
    /// firing, as `icsk_probes_tstamp` does.
    pub(super) fn on_resource_probe(&mut self, ctx: &mut Ctx<'_>) {
        let since = *self.stalled_since.get_or_insert(ctx.now);
        let timed_out = self
            .user_timeout
            .is_some_and(|limit| ctx.now.saturating_since(since) >= limit);
        if timed_out || self.unanswered_probes >= self.cfg.max_retries {
            self.fail(ctx, Error::TimedOut, Cause::Timeout);
            return;
        }
        self.refusal.held = false;
        self.refusal.probing = true;
    }

    /// The probe timer's interval while new data waits for a refused
    /// packet: the persist interval at first, then Linux's 500 ms.
    pub(super) fn resource_probe_interval(&self) -> Duration {
        if self.unanswered_probes > 0 {
            RESOURCE_PROBE_INTERVAL
        } else {
            self.persist_interval()
        }
    }

    /// Probes sent and unanswered: zero-window probes, or attempts the
    /// device refused (Linux's `icsk_probes_out`, `tcpi_probes`).
    pub fn unanswered_probes(&self) -> u32 {
        self.unanswered_probes
    }

    /// Timer backoff, as Linux's `icsk_backoff` (`tcpi_backoff`): the
    /// persist timer's doublings while it probes a zero window, else the
    /// retransmission timer's.
    pub fn backoff(&self) -> u32 {
        if self.persist_backoff > 0 {
            self.persist_backoff
        } else {
            self.rtt.backoff()
        }
    }
}
