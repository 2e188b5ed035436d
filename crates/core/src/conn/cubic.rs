//! CUBIC congestion control (RFC 9438) behind [`CongestionControl`]:
//! the window grows along W_cubic(t) = C * (t - K)^3 + W_max (section
//! 4.2), never slower than the Reno-friendly estimate W_est (4.3), and is
//! cut to beta_cubic = 0.7 of the flight on a congestion event (4.6), with
//! fast convergence (4.7). Slow start is RFC 5681's, ended early by
//! `hystart` when configured; the application-limited rule of 5.8 is not
//! implemented.
//! Windows are bytes outside, segments in the equations.

use super::congestion::CongestionControl;
use crate::time::Instant;
use core::time::Duration;

/// RFC 9438 section 5.1: C = 0.4 (segments / s^3).
pub const C: f64 = 0.4;
/// RFC 9438 section 4.6: beta_cubic = 0.7.
pub const BETA: f64 = 0.7;
/// RFC 9438 section 4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta).
pub const ALPHA: f64 = 3.0 * (1.0 - BETA) / (1.0 + BETA);

/// RFC 9438 figure 1: W_cubic(t) = C * (t - K)^3 + W_max (segments).
pub fn w_cubic(t: f64, k: f64, w_max: f64) -> f64 {
    C * (t - k).powi(3) + w_max
}

/// RFC 9438 figure 2: K = cbrt((W_max - cwnd_epoch) / C) (seconds).
pub fn k(w_max: f64, cwnd_epoch: f64) -> f64 {
    ((w_max - cwnd_epoch).max(0.0) / C).cbrt()
}

/// CUBIC's state.
#[derive(Debug, Clone)]
pub struct Cubic {
    cwnd: usize,
    ssthresh: usize,
    mss: usize,
    /// Fraction of a byte of growth not yet applied.
    frac: f64,
    /// W_max, segments.
    w_max: f64,
    /// cwnd_prior, segments.
    cwnd_prior: f64,
    /// K, seconds.
    k: f64,
    /// t_epoch: start of the current congestion avoidance stage.
    epoch: Option<Instant>,
    /// cwnd_epoch, segments.
    cwnd_epoch: f64,
    /// W_est, segments.
    w_est: f64,
    /// The stage follows a timeout: K = 0, W_max = cwnd_epoch (4.8).
    after_timeout: bool,
    /// W_max and cwnd_prior before the last reduction (undo, 4.9).
    undo_w_max: f64,
    undo_cwnd_prior: f64,
}

impl Cubic {
    /// RFC 5681 3.1's initial window (as NewReno), ssthresh arbitrarily high.
    pub fn new(mss: usize) -> Self {
        Cubic {
            cwnd: (4 * mss).min((2 * mss).max(4380)),
            ssthresh: usize::MAX,
            mss,
            frac: 0.0,
            w_max: 0.0,
            cwnd_prior: 0.0,
            k: 0.0,
            epoch: None,
            cwnd_epoch: 0.0,
            w_est: 0.0,
            after_timeout: false,
            undo_w_max: 0.0,
            undo_cwnd_prior: 0.0,
        }
    }

    /// W_max in segments (for tests and traces).
    pub fn w_max(&self) -> f64 {
        self.w_max
    }

    /// K in seconds.
    pub fn k(&self) -> f64 {
        self.k
    }

    /// W_est in segments.
    pub fn w_est(&self) -> f64 {
        self.w_est
    }

    fn segs(&self, bytes: usize) -> f64 {
        bytes as f64 / self.mss.max(1) as f64
    }

    /// RFC 9438 4.6 and 4.7: W_max, cwnd_prior, ssthresh for a loss.
    fn reduce(&mut self, flight: usize, mss: usize) {
        self.mss = mss;
        self.undo_w_max = self.w_max;
        self.undo_cwnd_prior = self.cwnd_prior;
        let cwnd = self.segs(self.cwnd);
        // 4.7 fast convergence: a flow below its last W_max releases more.
        self.w_max = if cwnd < self.w_max {
            cwnd * (1.0 + BETA) / 2.0
        } else {
            cwnd
        };
        self.cwnd_prior = cwnd;
        // Figure 5: ssthresh = flight_size * beta_cubic, at least 2 SMSS.
        self.ssthresh = ((flight as f64 * BETA) as usize).max(2 * mss);
        self.epoch = None;
        self.frac = 0.0;
    }
}

impl CongestionControl for Cubic {
    fn name(&self) -> &'static str {
        "cubic"
    }
    fn window(&self) -> usize {
        self.cwnd
    }
    fn ssthresh(&self) -> usize {
        self.ssthresh
    }
    fn on_ack(&mut self, acked: usize, mss: usize, now: Instant, rtt: Option<Duration>) {
        self.mss = mss;
        if self.cwnd < self.ssthresh {
            // RFC 9438 4.10: slow start as RFC 5681 eq. 2.
            self.cwnd += acked.min(mss);
            return;
        }
        let cwnd = self.segs(self.cwnd);
        let epoch = *self.epoch.get_or_insert_with(|| {
            // 4.2: a new congestion avoidance stage.
            self.cwnd_epoch = cwnd;
            self.w_est = cwnd;
            if self.after_timeout || self.w_max < cwnd {
                // 4.8 (and no W_max to return to): K = 0, W_max = cwnd_epoch.
                self.k = 0.0;
                self.w_max = cwnd;
            } else {
                self.k = k(self.w_max, cwnd);
            }
            self.after_timeout = false;
            now
        });
        let t = now.saturating_since(epoch).as_secs_f64();
        let rtt = rtt.unwrap_or_default().as_secs_f64();
        let acked_segs = self.segs(acked);
        // 4.3 figure 4: W_est += alpha * segments_acked / cwnd; alpha = 1
        // once W_est reached cwnd_prior.
        let alpha = if self.w_est >= self.cwnd_prior {
            1.0
        } else {
            ALPHA
        };
        self.w_est += alpha * acked_segs / cwnd;
        let grow = if w_cubic(t, self.k, self.w_max) < self.w_est {
            // Reno-friendly region: cwnd = W_est.
            (self.w_est - cwnd).max(0.0) * mss as f64
        } else {
            // 4.4 / 4.5: target = W_cubic(t + RTT) within [cwnd, 1.5 cwnd];
            // cwnd += (target - cwnd) / cwnd per segment acked.
            let target = w_cubic(t + rtt, self.k, self.w_max).clamp(cwnd, 1.5 * cwnd);
            (target - cwnd) / cwnd * acked as f64
        };
        self.frac += grow;
        let whole = self.frac.floor();
        self.frac -= whole;
        self.cwnd += whole as usize;
    }
    fn on_fast_retransmit(&mut self, flight: usize, mss: usize) {
        // RFC 6582 recovery (no SACK) with CUBIC's reduction.
        self.reduce(flight, mss);
        self.cwnd = self.ssthresh + 3 * mss;
    }
    fn on_recovery_dupack(&mut self, mss: usize) {
        self.cwnd += mss;
    }
    fn on_partial_ack(&mut self, acked: usize, mss: usize) {
        self.cwnd = self.cwnd.saturating_sub(acked);
        if acked >= mss {
            self.cwnd += mss;
        }
        self.cwnd = self.cwnd.max(mss);
    }
    fn on_recovery_exit(&mut self, flight: usize, mss: usize) {
        self.cwnd = self.ssthresh.min(flight.max(mss) + mss);
    }
    fn on_timeout(&mut self, flight: usize, mss: usize) {
        // 4.8: ssthresh by beta_cubic, cwnd as Reno (1 SMSS).
        self.reduce(flight, mss);
        self.cwnd = mss;
        self.after_timeout = true;
    }
    fn reset(&mut self, mss: usize, iw: usize) {
        *self = Cubic::new(mss);
        self.cwnd = iw.max(mss);
    }
    fn on_congestion_event(&mut self, flight: usize, mss: usize) -> usize {
        self.reduce(flight, mss);
        self.ssthresh
    }
    fn on_sack_recovery_end(&mut self) {
        // cwnd = max(ssthresh, 2) (figure 5), set at the end of PRR.
        self.cwnd = self.ssthresh.max(2 * self.mss);
    }
    fn undo(&mut self, cwnd: usize, ssthresh: usize) {
        // 4.9: restore cwnd, ssthresh, W_max and cwnd_prior.
        self.cwnd = self.cwnd.max(cwnd);
        self.ssthresh = ssthresh;
        self.w_max = self.undo_w_max;
        self.cwnd_prior = self.undo_cwnd_prior;
        self.epoch = None;
    }
    fn on_idle_restart(&mut self, iw: usize) {
        // RFC 5681 4.1's restart window; RFC 9438 5.8: the idle period is
        // not part of t, so a new congestion avoidance stage begins.
        self.cwnd = self.cwnd.min(iw);
        self.epoch = None;
    }
    fn end_slow_start(&mut self) {
        // The next ACK begins congestion avoidance: with no W_max yet,
        // K = 0 and W_max = cwnd (as Linux's bictcp_update with
        // last_max_cwnd 0).
        self.ssthresh = self.cwnd;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: usize = 1000;

    #[test]
    fn equations() {
        // K = cbrt((100 - 70) / 0.4) = cbrt(75).
        let kk = k(100.0, 70.0);
        assert!((kk - 75f64.cbrt()).abs() < 1e-9);
        assert!((w_cubic(0.0, kk, 100.0) - 70.0).abs() < 1e-9);
        assert!((w_cubic(kk, kk, 100.0) - 100.0).abs() < 1e-9);
        // Convex beyond K: 0.4 * 2^3 above W_max two seconds later.
        assert!((w_cubic(kk + 2.0, kk, 100.0) - 103.2).abs() < 1e-9);
        assert!((ALPHA - 0.9 / 1.7).abs() < 1e-12);
    }

    /// After a loss at 100 segments: ssthresh 70, then the window follows
    /// W_cubic(t + RTT), plateaus at W_max near K and grows convex after.
    #[test]
    fn window_follows_the_cubic_curve() {
        let mut c = Cubic::new(MSS);
        c.cwnd = 100 * MSS;
        c.ssthresh = 50 * MSS;
        let s = c.on_congestion_event(100 * MSS, MSS);
        assert_eq!(s, 70 * MSS);
        assert_eq!(c.w_max(), 100.0);
        c.on_sack_recovery_end();
        assert_eq!(c.window(), 70 * MSS);
        let rtt = Duration::from_millis(100);
        let t0 = Instant::from_millis(10_000);
        // Ten ACKs per RTT of one window's worth each round.
        let mut now = t0;
        let mut at = Vec::new();
        for round in 0..80 {
            let per_ack = c.window() / 10;
            for i in 0..10 {
                now = t0 + rtt * round + rtt / 10 * i;
                c.on_ack(per_ack, MSS, now, Some(rtt));
            }
            at.push((now, c.window()));
        }
        let kk = c.k();
        assert!((kk - 75f64.cbrt()).abs() < 1e-9, "K {kk}");
        for &(when, w) in &at {
            let t = when.saturating_since(t0).as_secs_f64();
            let expect = w_cubic(t + 0.1, kk, 100.0).max(w_cubic(t, kk, 100.0));
            let got = w as f64 / MSS as f64;
            // Within 1.5 segments of W_cubic(t + RTT) (the per-ACK steps
            // lag slightly), unless the Reno-friendly estimate is above.
            if c.w_est() < expect {
                assert!(
                    got <= expect + 1.5 && got >= w_cubic(t, kk, 100.0) - 1.5,
                    "t {t}: cwnd {got} vs W_cubic {expect}"
                );
            }
        }
        // Near K the window is at the plateau W_max.
        let near_k = at
            .iter()
            .find(|(w, _)| w.saturating_since(t0).as_secs_f64() >= kk)
            .unwrap();
        assert!((near_k.1 as f64 / MSS as f64 - 100.0).abs() < 2.0);
        // Eight seconds in: convex growth past W_max.
        assert!(at.last().unwrap().1 > 110 * MSS);
    }

    /// Reno-friendly region: with a small W_max and a long time scale, W_est
    /// (alpha_cubic per RTT) is above W_cubic, and cwnd follows it.
    #[test]
    fn reno_friendly_estimate() {
        let mut c = Cubic::new(MSS);
        c.cwnd = 10 * MSS;
        c.on_congestion_event(10 * MSS, MSS);
        c.on_sack_recovery_end();
        assert_eq!(c.window(), 7 * MSS);
        let t0 = Instant::from_millis(1000);
        // One window acked, one RTT of 1 s: W_est grows by alpha_cubic.
        c.on_ack(7 * MSS, MSS, t0, Some(Duration::from_secs(1)));
        assert!((c.w_est() - (7.0 + ALPHA)).abs() < 1e-9);
        // W_cubic(0) = 7 < W_est: cwnd = W_est.
        assert_eq!(c.window(), ((7.0 + ALPHA) * MSS as f64) as usize);
    }

    #[test]
    fn timeout_and_fast_convergence() {
        let mut c = Cubic::new(MSS);
        c.cwnd = 100 * MSS;
        c.on_congestion_event(100 * MSS, MSS);
        c.on_sack_recovery_end();
        // A second loss below W_max: fast convergence, W_max = 70 * 1.7 / 2.
        c.on_congestion_event(70 * MSS, MSS);
        assert!((c.w_max() - 59.5).abs() < 1e-9);
        c.on_timeout(40 * MSS, MSS);
        assert_eq!((c.window(), c.ssthresh()), (MSS, 28 * MSS));
    }
}
