//! RACK (RFC 8985 section 6): time-based loss detection over the
//! per-segment transmit times of `sentlog.rs`, its reordering window and
//! reorder timer (the Tail Loss Probe is `tlp.rs`). Used with SACK (`Connection::sack_mode`)
//! when `Config::rack` / `Config::tlp` are on; losses RACK finds feed the
//! RFC 6675 recovery of `recovery.rs`.

use super::recovery::{NextSeg, Send};
use super::sentlog::SentSeg;
use super::{Connection, Ctx, timers::Timer};
use crate::seq::SeqNum;
use crate::time::Instant;
use crate::trace::{RecoveryCause, TraceKind};
use core::time::Duration;

/// RFC 8985 6.2 step 4: rounds a widened window persists.
const REO_WND_PERSIST: u32 = 16;

/// RACK's per-connection state (RFC 8985 section 6.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rack {
    /// `RACK.xmit_ts`: latest transmit time of a delivered segment.
    pub xmit_ts: Option<Instant>,
    /// `RACK.end_seq`: that segment's end.
    pub end_seq: SeqNum,
    /// `RACK.rtt`: the RTT measured from it, in microseconds.
    rtt_us: u32,
    /// `RACK.fack`: highest end of a delivered segment.
    pub fack: SeqNum,
    /// `RACK.min_RTT` in microseconds, 0 before a sample (the lifetime
    /// minimum; RFC 8985 allows any windowed-min filter).
    min_rtt_us: u32,
    /// `RACK.reordering_seen`.
    pub reordering_seen: bool,
    /// `RACK.reo_wnd_mult`.
    pub reo_wnd_mult: u32,
    /// `RACK.reo_wnd_persist`.
    pub reo_wnd_persist: u32,
    /// `RACK.dsack_round`.
    pub dsack_round: Option<SeqNum>,
}

/// A duration in microseconds, at least 1 (0 means "no sample").
fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX).max(1)
}

impl Rack {
    /// `RACK.rtt`.
    pub fn rtt(&self) -> Duration {
        Duration::from_micros(u64::from(self.rtt_us))
    }

    /// `RACK.min_RTT`, once measured.
    pub fn min_rtt(&self) -> Option<Duration> {
        (self.min_rtt_us > 0).then(|| Duration::from_micros(u64::from(self.min_rtt_us)))
    }

    /// RFC 8985 6.2 steps 2 and 3 for one newly delivered segment.
    pub fn on_delivered(&mut self, s: &SentSeg, now: Instant) {
        let rtt = micros(now.saturating_since(s.xmit));
        // Step 2: a retransmission whose sample is below min_RTT may be the
        // original's ACK: ignore it (no TSecr check here).
        if s.rexmit && self.min_rtt_us > 0 && rtt < self.min_rtt_us {
            return;
        }
        self.rtt_us = rtt;
        self.min_rtt_us = if self.min_rtt_us == 0 {
            rtt
        } else {
            self.min_rtt_us.min(rtt)
        };
        let newer = match self.xmit_ts {
            None => true,
            Some(t) => s.xmit > t || (s.xmit == t && s.end.gt(self.end_seq)),
        };
        if newer {
            self.xmit_ts = Some(s.xmit);
            self.end_seq = s.end;
        }
        // Step 3: RACK_detect_reordering.
        if s.end.gt(self.fack) {
            self.fack = s.end;
        } else if s.end.lt(self.fack) && !s.rexmit {
            self.reordering_seen = true;
        }
    }

    /// RFC 8985 6.2 step 4 `RACK_update_reo_wnd()` (the D-SACK part is in
    /// [`Rack::on_dsack`]): zero while no reordering was seen and the
    /// sender is in recovery or has DupThresh duplicates, else
    /// min(reo_wnd_mult * min_RTT / 4, SRTT).
    pub fn reo_wnd(&self, in_recovery: bool, dupacks: u32, srtt: Option<Duration>) -> Duration {
        if !self.reordering_seen && (in_recovery || dupacks >= 3) {
            return Duration::ZERO;
        }
        let base = self.min_rtt().unwrap_or_default() / 4 * self.reo_wnd_mult.max(1);
        srtt.map_or(base, |s| base.min(s))
    }

    /// RFC 8985 6.2 step 4: a D-SACK widens the window once per round.
    pub fn on_dsack(&mut self, una: SeqNum, nxt: SeqNum) {
        if self.dsack_round.is_some_and(|r| una.ge(r)) {
            self.dsack_round = None;
        }
        if self.dsack_round.is_none() {
            self.dsack_round = Some(nxt);
            self.reo_wnd_mult = self.reo_wnd_mult.max(1) + 1;
            self.reo_wnd_persist = REO_WND_PERSIST;
        }
    }

    /// RFC 8985 6.2 step 4: leaving recovery counts down the widening.
    pub fn on_recovery_exit(&mut self) {
        if self.reo_wnd_persist > 0 {
            self.reo_wnd_persist -= 1;
            if self.reo_wnd_persist == 0 {
                self.reo_wnd_mult = 1;
            }
        }
    }
}

impl Connection {
    /// RACK is in use on this connection.
    pub(super) fn rack_on(&self) -> bool {
        self.cfg.rack && self.sack_mode()
    }

    /// RFC 8985 6.2 for one ACK (after the scoreboard's update): RACK's
    /// state from the segments it delivers, then loss detection.
    /// `prior_fack` is one past the highest octet SACKed before this ACK.
    pub(super) fn rack_on_ack(
        &mut self,
        ctx: &mut Ctx<'_>,
        ack: SeqNum,
        dsack: bool,
        prior_fack: Option<SeqNum>,
    ) {
        if !self.rack_on() {
            return;
        }
        let now = ctx.now;
        let rack = &mut self.rack;
        // Linux's reordering metric (`tcp_check_sack_reordering`): the
        // lowest never-resent segment delivered below what was SACKed
        // before this ACK, cumulatively or by SACK.
        // Nothing SACKed before: nothing was delivered out of order.
        let mut reordered: Option<SeqNum> = None;
        match prior_fack {
            None => self
                .sent
                .advance(self.snd_una, |s| rack.on_delivered(s, now)),
            Some(fack) => self.sent.advance(self.snd_una, |s| {
                in_hole(&mut reordered, s, fack);
                rack.on_delivered(s, now);
            }),
        }
        if self.scoreboard.is_empty() && !self.in_recovery && !dsack {
            // Nothing SACKed: every record left is above the cumulative ACK
            // and undelivered, and (outside recovery) none was resent after
            // one delivered: nothing to mark. Saves the walk per ACK.
            if let Some(low) = reordered {
                self.note_reordering(low);
            }
            self.timers.clear(Timer::RackReorder);
            return;
        }
        for i in 0..self.sent.len() {
            let s = self.sent.get_mut(i);
            if !s.sacked && self.scoreboard.covers(s.start, s.end) {
                s.sacked = true;
                s.lost = false;
                s.lost_out = false;
                let s = *s;
                if let Some(fack) = prior_fack {
                    in_hole(&mut reordered, &s, fack);
                }
                rack.on_delivered(&s, now);
            }
        }
        if let Some(low) = reordered {
            self.note_reordering(low);
        }
        if dsack {
            let nxt = self.snd_max;
            self.rack.on_dsack(ack.max(self.snd_una), nxt);
        }
        self.rack_detect_loss(ctx);
    }

    /// The send queue by segments of the send MSS, as Linux's `TCP_INFO`
    /// counts it (`tcpi_unacked`, `tcpi_sacked`, `tcpi_lost`,
    /// `tcpi_retrans`) and the reordering degree seen. The per-segment
    /// marks exist with SACK and RACK only ([`super::SendQueueCounts`]).
    pub fn send_queue_counts(&self) -> super::SendQueueCounts {
        let mss = self.payload_mss();
        let segs = |n: usize| n.div_ceil(mss);
        let flight = self.snd_max.since(self.snd_una);
        let mut counts = super::SendQueueCounts {
            unacked: segs(flight),
            sacked: None,
            lost: None,
            retrans: None,
            reordering: None,
            reord_seen: None,
        };
        if self.rack_on() {
            let (mut sacked, mut lost, mut retrans) = (0, 0, 0);
            for i in 0..self.sent.len() {
                let s = self.sent.get(i);
                let n = segs(s.end.since(s.start));
                if s.sacked {
                    sacked += n;
                    continue;
                }
                if s.lost_out {
                    lost += n;
                }
                if s.rexmit && !s.lost {
                    retrans += n;
                }
            }
            counts.sacked = Some(sacked);
            counts.lost = Some(lost);
            counts.retrans = Some(retrans);
            counts.reordering = Some(usize::from(self.reordering));
            counts.reord_seen = Some(self.reord_seen);
        }
        counts
    }

    /// Linux's `tcp_check_sack_reordering`: a never-resent segment from
    /// `low` was delivered after data above it; the reordering degree is
    /// the distance to the highest SACKed octet (or SND.UNA), in segments,
    /// if more than seen before (at most `tcp_max_reordering`, 300); each
    /// such delivery is counted (`reord_seen`).
    fn note_reordering(&mut self, low: SeqNum) {
        let fack = self.scoreboard.high_sacked().unwrap_or(self.snd_una);
        if !low.lt(fack) {
            return;
        }
        self.reord_seen = self.reord_seen.saturating_add(1);
        let mss = self.payload_mss();
        let metric = fack.since(low);
        if metric > usize::from(self.reordering) * mss {
            self.reordering = metric.div_ceil(mss).min(300) as u16;
        }
    }

    /// RFC 8985 6.2 step 5 `RACK_detect_loss_and_arm_timer()`: marks lost
    /// every unSACKed segment sent before the latest delivered one by more
    /// than RACK.rtt + reo_wnd, arms the reorder timer for the others.
    pub(super) fn rack_detect_loss(&mut self, ctx: &mut Ctx<'_>) {
        let Some(rack_ts) = self.rack.xmit_ts else {
            return;
        };
        let now = ctx.now;
        let reo_wnd = self
            .rack
            .reo_wnd(self.in_recovery, self.dupacks, self.rtt.srtt());
        let mut timeout = Duration::ZERO;
        let mut first_lost = None;
        for i in 0..self.sent.len() {
            let s = *self.sent.get(i);
            if s.sacked || s.lost {
                continue;
            }
            // RACK_sent_after (6.2): by time, ties by sequence; a
            // retransmission made at the same instant counts as later.
            let before =
                s.xmit < rack_ts || (s.xmit == rack_ts && !s.rexmit && s.end.le(self.rack.end_seq));
            if !before {
                continue;
            }
            let due = s.xmit + self.rack.rtt() + reo_wnd;
            if due <= now {
                let seg = self.sent.get_mut(i);
                seg.lost = true;
                seg.lost_out = true;
                first_lost.get_or_insert(s);
                let kind = TraceKind::SegmentLost {
                    seq: s.start,
                    len: s.end.since(s.start),
                    cause: RecoveryCause::Rack,
                };
                ctx.trace.record(now, self.local, self.remote, kind);
            } else {
                timeout = timeout.max(due.saturating_since(now));
            }
        }
        if timeout > Duration::ZERO {
            self.timers.set(Timer::RackReorder, now + timeout);
        } else {
            self.timers.clear(Timer::RackReorder);
        }
        if first_lost.is_some()
            && !self.in_recovery
            && !self.snd_una.lt(self.recover)
            && self.snd_una != self.snd_max
        {
            self.enter_sack_recovery(ctx, RecoveryCause::Rack);
        }
    }

    /// RFC 8985 6.3: the reorder timer fired; RACK re-detects, and what it
    /// marks lost may go out at once (one segment beyond pipe if needed).
    pub(super) fn on_rack_reorder_timeout(&mut self, ctx: &mut Ctx<'_>) {
        if !self.rack_on() {
            return;
        }
        self.rack_detect_loss(ctx);
        if self.in_sack_recovery() {
            self.update_pipe();
            let floor = self.pipe + self.payload_mss();
            self.recovery_cwnd = self.recovery_cwnd.max(floor);
        }
    }

    /// Octets RACK marked lost that RFC 6675's `IsLost` does not count as
    /// lost: `SetPipe` subtracts them (RFC 8985 uses RACK's marks).
    pub(super) fn rack_lost_in_pipe(&self) -> usize {
        let mss = self.payload_mss();
        (0..self.sent.len())
            .map(|i| self.sent.get(i))
            .filter(|s| s.lost && !s.sacked && !self.scoreboard.is_lost(s.start, mss))
            .map(|s| s.end.since(s.start.max(self.snd_una)))
            .sum()
    }

    /// NextSeg's first choice with RACK: the lowest segment RACK marked lost.
    pub(super) fn rack_next_seg(&self, budget: usize) -> Option<NextSeg> {
        if !self.rack_on() {
            return None;
        }
        let data_end = self.send_data_end();
        let i = (0..self.sent.len()).find(|&i| {
            let s = self.sent.get(i);
            s.lost && !s.sacked
        })?;
        let s = self.sent.get(i);
        let start = s.start.max(self.snd_una);
        let mss = self.payload_mss();
        let mut len = s.end.min(data_end).since(start).min(mss);
        if self.cfg.tso_segments > 1 && len == mss {
            // With TSO a retransmission takes the lost pieces that follow
            // too, as far as the budget and one TSO segment go (as Linux
            // resends a lost skb whole, cwnd permitting).
            let max = self.max_payload().min(budget);
            for j in i + 1..self.sent.len() {
                let n = self.sent.get(j);
                let piece = n.end.min(data_end).since(n.start);
                // Not past the next segment as last sent (Linux resends
                // skb by skb).
                if !n.lost || n.sacked || n.packet_start || n.start != start + len || piece != mss {
                    break;
                }
                if len + piece > max {
                    break;
                }
                len += piece;
            }
        }
        (len > 0 && budget >= len).then_some(NextSeg::Rexmit(start, len, Send::Rack))
    }
}

/// Lowers `low` to `s`'s start if `s`, never resent, was delivered below
/// `prior_fack` (data above it had arrived first).
fn in_hole(low: &mut Option<SeqNum>, s: &SentSeg, prior_fack: SeqNum) {
    if !s.rexmit && s.start.lt(prior_fack) && !low.is_some_and(|l| l.le(s.start)) {
        *low = Some(s.start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: u32, end: u32, ms: u64, rexmit: bool) -> SentSeg {
        SentSeg {
            start: SeqNum(start),
            end: SeqNum(end),
            xmit: Instant::from_millis(ms),
            rexmit,
            sacked: false,
            lost: false,
            lost_out: false,
            packet_start: true,
        }
    }

    #[test]
    fn latest_delivered_and_reordering() {
        let mut r = Rack::default();
        let now = Instant::from_millis(100);
        r.on_delivered(&seg(100, 200, 20, false), now);
        assert_eq!(
            (r.xmit_ts, r.end_seq),
            (Some(Instant::from_millis(20)), SeqNum(200))
        );
        assert_eq!(r.rtt(), Duration::from_millis(80));
        // An older segment delivered later: reordering, RACK.xmit_ts stays.
        r.on_delivered(&seg(0, 100, 10, false), now);
        assert!(r.reordering_seen);
        assert_eq!(r.xmit_ts, Some(Instant::from_millis(20)));
        assert_eq!(r.min_rtt(), Some(Duration::from_millis(80)));
        // A retransmission answering too fast (below min_RTT) is ignored.
        r.on_delivered(&seg(200, 300, 95, true), now);
        assert_eq!(r.end_seq, SeqNum(200));
    }

    #[test]
    fn reordering_window() {
        let mut r = Rack {
            min_rtt_us: 40_000,
            ..Rack::default()
        };
        let srtt = Some(Duration::from_millis(50));
        // min_RTT / 4 outside recovery with few duplicates.
        assert_eq!(r.reo_wnd(false, 0, srtt), Duration::from_millis(10));
        // Zero in recovery or at DupThresh while no reordering was seen.
        assert_eq!(r.reo_wnd(true, 0, srtt), Duration::ZERO);
        assert_eq!(r.reo_wnd(false, 3, srtt), Duration::ZERO);
        r.reordering_seen = true;
        assert_eq!(r.reo_wnd(true, 0, srtt), Duration::from_millis(10));
        // A D-SACK widens it once per round, capped by SRTT.
        r.on_dsack(SeqNum(0), SeqNum(1000));
        assert_eq!(r.reo_wnd(true, 0, srtt), Duration::from_millis(20));
        r.on_dsack(SeqNum(500), SeqNum(1000));
        assert_eq!(r.reo_wnd_mult, 2, "same round");
        r.on_dsack(SeqNum(1000), SeqNum(2000));
        r.on_dsack(SeqNum(2000), SeqNum(3000));
        r.on_dsack(SeqNum(3000), SeqNum(4000));
        assert_eq!(r.reo_wnd(true, 0, srtt), Duration::from_millis(50));
        // Sixteen recoveries later it is back to one quarter.
        for _ in 0..REO_WND_PERSIST {
            r.on_recovery_exit();
        }
        assert_eq!(r.reo_wnd(true, 0, srtt), Duration::from_millis(10));
    }
}
