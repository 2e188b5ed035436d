//! HyStart (Ha and Rhee, "Taming the elephants", 2011), as Linux's CUBIC
//! runs it by default (`net/ipv4/tcp_cubic.c`, `hystart_update`): slow
//! start ends (ssthresh = cwnd) before the first loss when, within one
//! round trip,
//! - the ACKs keep coming at most 2 ms apart for longer than half the
//!   minimum RTT (the ACK train: the pipe is full), or
//! - the smallest of the round's first eight RTT samples, and every one
//!   after them, is more than an eighth of the minimum RTT (clamped to
//!   4..16 ms) above it (the delay increase: a queue is building).
//!
//! A round starts when the cumulative ACK passes the SND.NXT of the last
//! start. Nothing is checked below a cwnd of 16 segments
//! (`hystart_low_window`). The RFC's own slow start exit, RFC 9406's
//! HyStart++, is a different algorithm (it goes on in a Conservative Slow
//! Start rather than stopping); this is what Linux does.

use crate::config::HyStart;
use crate::seq::SeqNum;
use crate::time::Instant;
use core::time::Duration;

/// `hystart_low_window`: no detection below this cwnd (segments).
pub const LOW_WINDOW: usize = 16;
/// `HYSTART_MIN_SAMPLES`: RTT samples of a round before the delay check.
pub const MIN_SAMPLES: u8 = 8;
/// `hystart_ack_delta_us`: the largest gap within an ACK train.
pub const ACK_DELTA: Duration = Duration::from_millis(2);
/// `HYSTART_DELAY_MIN` and `HYSTART_DELAY_MAX`: the delay threshold's
/// clamp.
pub const DELAY_THRESH: (Duration, Duration) =
    (Duration::from_millis(4), Duration::from_millis(16));

/// One connection's HyStart state (`struct bictcp`'s HyStart fields).
#[derive(Clone, Copy, Debug, Default)]
pub struct HyStartRound {
    /// The round ends when SND.UNA passes this (`end_seq`); `None` before
    /// the first sample, which starts one (Linux starts one when the
    /// connection opens, with SND.NXT at the first data).
    end_seq: Option<SeqNum>,
    /// When the round began (`round_start`).
    round_start: Instant,
    /// The last ACK of the current train (`last_ack`).
    last_ack: Instant,
    /// The smallest RTT sample of this round (`curr_rtt`).
    curr_rtt: Option<Duration>,
    /// Samples this round, up to [`MIN_SAMPLES`] (`sample_cnt`).
    samples: u8,
    /// The smallest RTT sample of the connection (`delay_min`).
    delay_min: Option<Duration>,
    /// Slow start was ended by HyStart (`found`).
    found: bool,
}

/// What one RTT sample tells the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Slow start goes on.
    Continue,
    /// The ACK train was long enough: ssthresh = cwnd.
    AckTrain,
    /// The round's RTT rose: ssthresh = cwnd.
    Delay,
}

impl HyStartRound {
    /// `bictcp_hystart_reset`: a new round from `now`, ending when
    /// `snd_nxt` is acknowledged.
    pub fn start_round(&mut self, now: Instant, snd_nxt: SeqNum) {
        self.round_start = now;
        self.last_ack = now;
        self.end_seq = Some(snd_nxt);
        self.curr_rtt = None;
        self.samples = 0;
    }

    /// After a retransmission timeout (`cubictcp_state` on `TCP_CA_Loss`:
    /// `bictcp_reset` then `bictcp_hystart_reset`): the minimum RTT is
    /// forgotten and slow start may be ended again.
    pub fn restart(&mut self, now: Instant, snd_nxt: SeqNum) {
        self.delay_min = None;
        self.found = false;
        self.start_round(now, snd_nxt);
    }

    /// The smallest RTT sample so far.
    pub fn delay_min(&self) -> Option<Duration> {
        self.delay_min
    }

    /// `cubictcp_acked` then `hystart_update` for one ACK's RTT sample
    /// `rtt` (the newest segment it acknowledges, never a resent one):
    /// `slow_start` is whether cwnd < ssthresh, `cwnd` in segments,
    /// `ack_delay` the allowance for GSO aggregation
    /// (`hystart_ack_delay`).
    #[allow(clippy::too_many_arguments)]
    pub fn on_rtt_sample(
        &mut self,
        cfg: HyStart,
        now: Instant,
        rtt: Duration,
        snd_una: SeqNum,
        snd_nxt: SeqNum,
        slow_start: bool,
        cwnd: usize,
        ack_delay: Duration,
    ) -> Verdict {
        let rtt = rtt.max(Duration::from_micros(1));
        let delay_min = *self
            .delay_min
            .insert(self.delay_min.map_or(rtt, |d| d.min(rtt)));
        if self.found || !slow_start {
            return Verdict::Continue;
        }
        if self.end_seq.is_none_or(|end| snd_una.gt(end)) {
            self.start_round(now, snd_nxt);
        }
        if cwnd < LOW_WINDOW {
            return Verdict::Continue;
        }
        if cfg.ack_train && now.saturating_since(self.last_ack) <= ACK_DELTA {
            self.last_ack = now;
            // Without pacing, the train must pass half the minimum RTT.
            let threshold = (delay_min + ack_delay) / 2;
            if now.saturating_since(self.round_start) > threshold {
                self.found = true;
                return Verdict::AckTrain;
            }
        }
        if cfg.delay {
            let curr = *self
                .curr_rtt
                .insert(self.curr_rtt.map_or(rtt, |c| c.min(rtt)));
            if self.samples < MIN_SAMPLES {
                self.samples += 1;
            } else if curr > delay_min + (delay_min / 8).clamp(DELAY_THRESH.0, DELAY_THRESH.1) {
                self.found = true;
                return Verdict::Delay;
            }
        }
        Verdict::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: HyStart = HyStart::LINUX;
    const DELAY_ONLY: HyStart = HyStart {
        ack_train: false,
        delay: true,
    };

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A first round's ACK at `rtt_ms` (below the low window: it only sets
    /// the minimum RTT and starts a round at SND.NXT 10001), and its verdict.
    fn primed(rtt_ms: u64) -> (HyStartRound, Verdict) {
        let mut h = HyStartRound::default();
        h.start_round(Instant::ZERO, SeqNum(1));
        let una = SeqNum(10_001);
        let now = Instant::from_millis(rtt_ms);
        let v = h.on_rtt_sample(BOTH, now, ms(rtt_ms), una, una, true, 10, Duration::ZERO);
        (h, v)
    }

    /// A round of ACKs 1 ms apart, each RTT `rtt(i)`; the verdicts.
    fn round(
        h: &mut HyStartRound,
        cfg: HyStart,
        t0: u64,
        n: u32,
        rtt: impl Fn(u32) -> u64,
    ) -> Vec<Verdict> {
        (0..n)
            .map(|i| {
                let now = Instant::from_millis(t0 + u64::from(i));
                let una = SeqNum(10_011 + 10 * i);
                h.on_rtt_sample(
                    cfg,
                    now,
                    ms(rtt(i)),
                    una,
                    SeqNum(100_000),
                    true,
                    20,
                    Duration::ZERO,
                )
            })
            .collect()
    }

    #[test]
    fn a_round_whose_rtt_rose_by_an_eighth_ends_slow_start_at_the_ninth_sample() {
        let mut h = HyStartRound::default();
        h.start_round(Instant::ZERO, SeqNum(1));
        // The first round: 200 ms, below the low window, sets delay_min.
        let v = h.on_rtt_sample(
            BOTH,
            Instant::from_millis(200),
            ms(200),
            SeqNum(10_001),
            SeqNum(10_001),
            true,
            10,
            Duration::ZERO,
        );
        assert_eq!(v, Verdict::Continue);
        // Next round: 240 ms each (above 200 + 16).
        let v = round(&mut h, DELAY_ONLY, 440, 9, |_| 240);
        assert!(v[..8].iter().all(|&v| v == Verdict::Continue), "{v:?}");
        assert_eq!(v[8], Verdict::Delay);
    }

    #[test]
    fn a_rise_below_the_threshold_or_a_new_minimum_does_not() {
        let (mut h, _) = primed(200);
        // 200..215 ms: never past 216.
        let v = round(&mut h, DELAY_ONLY, 400, 16, |i| 200 + u64::from(i));
        assert!(v.iter().all(|&v| v == Verdict::Continue), "{v:?}");
        // Linux b344579ca847: a sample that lowers the minimum lowers the
        // round's too, so no spurious exit.
        let (mut h, _) = primed(200);
        let v = round(&mut h, DELAY_ONLY, 400, 10, |i| {
            if i < 9 { 200 + u64::from(i) } else { 29 }
        });
        assert!(v.iter().all(|&v| v == Verdict::Continue), "{v:?}");
        assert_eq!(h.delay_min(), Some(ms(29)));
    }

    #[test]
    fn a_long_ack_train_ends_slow_start() {
        let (mut h, _) = primed(100);
        // ACKs 1 ms apart from 200 ms on: past 50 ms (half of 100) at the
        // 52nd.
        let v = round(&mut h, BOTH, 200, 60, |_| 100);
        let first = v.iter().position(|&v| v != Verdict::Continue);
        assert_eq!(first, Some(51));
        assert_eq!(v[51], Verdict::AckTrain);
        // Found: no more verdicts until a timeout restarts it.
        assert!(v[52..].iter().all(|&v| v == Verdict::Continue));
        h.restart(Instant::from_millis(300), SeqNum(200_000));
        assert_eq!(h.delay_min(), None);
    }

    #[test]
    fn a_gap_breaks_the_train_and_nothing_below_the_low_window() {
        let (mut h, _) = primed(100);
        // ACKs 3 ms apart: no train, and equal RTTs: no delay exit.
        let v: Vec<_> = (0..40)
            .map(|i| {
                let now = Instant::from_millis(200 + 3 * i);
                h.on_rtt_sample(
                    BOTH,
                    now,
                    ms(100),
                    SeqNum(11_000 + i as u32),
                    SeqNum(100_000),
                    true,
                    20,
                    Duration::ZERO,
                )
            })
            .collect();
        assert!(v.iter().all(|&v| v == Verdict::Continue));
        // A rising RTT below 16 segments of cwnd is not looked at.
        let mut h = HyStartRound::default();
        h.on_rtt_sample(
            BOTH,
            Instant::from_millis(100),
            ms(100),
            SeqNum(2),
            SeqNum(30_001),
            true,
            10,
            Duration::ZERO,
        );
        for i in 0..20 {
            let now = Instant::from_millis(400 + 3 * i);
            let v = h.on_rtt_sample(
                BOTH,
                now,
                ms(300),
                SeqNum(31_000 + i as u32),
                SeqNum(100_000),
                true,
                15,
                Duration::ZERO,
            );
            assert_eq!(v, Verdict::Continue);
        }
    }
}
