//! TCP timestamps (RFC 7323 sections 3-5): the TSval clock, TS.Recent,
//! round-trip samples from echoed timestamps (RTTM) and protection
//! against wrapped sequence numbers (PAWS).

use super::{Connection, Ctx};
use crate::seq::SeqNum;
use crate::time::Instant;
use crate::trace::DropReason;
use crate::wire::{TcpRepr, Timestamps};
use core::time::Duration;

/// TS.Recent older than this is invalid for PAWS (RFC 7323 5.5: 24 days).
const TS_RECENT_MAX_AGE: Duration = Duration::from_secs(24 * 24 * 3600);

/// What the timestamp checks decided about an arriving segment.
pub(super) enum TsVerdict {
    /// Go on with the RFC 9293 checks.
    Accept,
    /// Drop it; `reply` says an ACK is owed (RFC 7323 5.3 R1).
    Drop { reply: bool },
}

impl Connection {
    /// Our timestamp clock: one tick per millisecond (RFC 7323 5.4 allows
    /// 1 ms to 1 s) plus the connection's random offset.
    pub(super) fn ts_val(&self, now: Instant) -> u32 {
        self.ts_offset.wrapping_add(now.as_millis() as u32)
    }

    /// The TSopt for a segment we send now, once timestamps are on
    /// (RFC 7323 3.2: on every non-RST segment; TSecr = TS.Recent).
    pub(super) fn ts_option(&self, now: Instant) -> Option<Timestamps> {
        self.ts_ok.then(|| Timestamps {
            tsval: self.ts_val(now),
            tsecr: self.ts_recent,
        })
    }

    /// Records the peer's SYN timestamp: turns timestamps on if both sides
    /// want them (RFC 7323 3.2) and seeds TS.Recent.
    pub(super) fn take_syn_timestamp(&mut self, ts: Option<Timestamps>, now: Instant) {
        match ts {
            Some(ts) if self.cfg.timestamps && !self.syn_options_dropped() => {
                self.ts_ok = true;
                self.ts_recent = ts.tsval;
                self.ts_recent_at = now;
            }
            _ => self.ts_ok = false,
        }
    }

    /// RFC 7323 3.2 and 5.3 R1, before the sequence-number check: a non-RST
    /// segment without TSopt is dropped silently (SHOULD), and one whose
    /// TSval is older than TS.Recent is unacceptable (PAWS), unless
    /// TS.Recent has gone stale (5.5).
    pub(super) fn check_timestamps(&mut self, ctx: &mut Ctx<'_>, seg: &TcpRepr) -> TsVerdict {
        if !self.ts_ok || seg.flags.rst() {
            return TsVerdict::Accept;
        }
        let Some(ts) = seg.options.timestamps else {
            // A SYN belongs to a new incarnation, not to this timestamp
            // stream: the SYN rules answer it (RFC 5961 4.2).
            if seg.flags.syn() {
                return TsVerdict::Accept;
            }
            self.drop_segment(ctx, seg, DropReason::MissingTimestamp);
            return TsVerdict::Drop { reply: false };
        };
        if (ts.tsval.wrapping_sub(self.ts_recent) as i32) < 0 {
            if ctx.now.saturating_since(self.ts_recent_at) > TS_RECENT_MAX_AGE {
                // 5.5: TS.Recent is too old to compare with; take the new one.
                self.ts_recent = ts.tsval;
                self.ts_recent_at = ctx.now;
                return TsVerdict::Accept;
            }
            ctx.stats.paws_drops += 1;
            self.drop_segment(ctx, seg, DropReason::Paws);
            return TsVerdict::Drop { reply: true };
        }
        TsVerdict::Accept
    }

    /// RFC 7323 5.3 R3: an acceptable segment with SEG.TSval >= TS.Recent
    /// and SEG.SEQ <= Last.ACK.sent updates TS.Recent.
    pub(super) fn update_ts_recent(&mut self, now: Instant, seg: &TcpRepr) {
        if !self.ts_ok {
            return;
        }
        if let Some(ts) = seg.options.timestamps
            && (ts.tsval.wrapping_sub(self.ts_recent) as i32) >= 0
            && seg.seq.le(self.last_ack_sent)
        {
            self.ts_recent = ts.tsval;
            self.ts_recent_at = now;
        }
    }

    /// RTTM (RFC 7323 4.1, 4.2): an ACK that acknowledges new data and
    /// echoes one of our timestamps gives a sample, retransmissions
    /// included (the echo says which transmission it answers). The caller
    /// uses it when no timed segment measures the RTT. Returns true if a
    /// sample was taken.
    pub(super) fn rtt_from_echo(&mut self, now: Instant, seg: &TcpRepr, ack: SeqNum) -> bool {
        if !self.ts_ok || !ack.gt(self.snd_una) {
            return false;
        }
        let Some(ts) = seg.options.timestamps else {
            return false;
        };
        let elapsed = self.ts_val(now).wrapping_sub(ts.tsecr);
        // An echo from the future or older than a minute is not ours.
        if ts.tsecr == 0 || elapsed > 60_000 {
            return false;
        }
        // An echo older than our latest retransmission may be of the
        // original transmission, received long ago while its ACK was lost:
        // the sample would be the time since then, not an RTT (Karn).
        if self
            .last_rexmit_tsval
            .is_some_and(|r| (ts.tsecr.wrapping_sub(r) as i32) < 0)
        {
            return false;
        }
        self.rtt.sample(Duration::from_millis(u64::from(elapsed)));
        true
    }
}
