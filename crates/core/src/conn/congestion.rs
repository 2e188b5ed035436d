//! Congestion control behind a small trait (RFC 5681, RFC 6582).
//!
//! The connection detects loss (duplicate ACKs, RTO) and runs fast
//! retransmit / NewReno recovery bookkeeping; the algorithm only owns the
//! congestion window and slow-start threshold. CUBIC (RFC 9438,
//! `cubic.rs`) plugs in by implementing [`CongestionControl`].

use crate::time::Instant;
use core::time::Duration;

/// A congestion-window policy. All sizes are bytes; `mss` is SMSS.
pub trait CongestionControl: core::fmt::Debug + Send {
    /// Name for traces and statistics.
    fn name(&self) -> &'static str;
    /// The congestion window.
    fn window(&self) -> usize;
    /// Slow-start threshold (for display).
    fn ssthresh(&self) -> usize;
    /// `acked` new bytes were cumulatively acknowledged outside recovery,
    /// at `now`, with the smoothed RTT `rtt` once measured.
    fn on_ack(&mut self, acked: usize, mss: usize, now: Instant, rtt: Option<Duration>);
    /// Three duplicate ACKs: entering fast recovery with `flight` bytes
    /// outstanding (RFC 5681 3.2 steps 2-3).
    fn on_fast_retransmit(&mut self, flight: usize, mss: usize);
    /// A further duplicate ACK during recovery (RFC 5681 3.2 step 4).
    fn on_recovery_dupack(&mut self, mss: usize);
    /// A partial ACK of `acked` bytes during recovery (RFC 6582 3.2 step 5).
    fn on_partial_ack(&mut self, acked: usize, mss: usize);
    /// A full ACK ended recovery with `flight` bytes still outstanding
    /// (RFC 6582 3.2 step 6).
    fn on_recovery_exit(&mut self, flight: usize, mss: usize);
    /// The retransmission timer expired (RFC 5681 3.1 eq. 4).
    fn on_timeout(&mut self, flight: usize, mss: usize);
    /// Starts afresh for a send MSS learnt from the peer's SYN, with an
    /// initial window of `iw` bytes (see [`initial_window`]).
    fn reset(&mut self, mss: usize, iw: usize);
    /// SACK-based recovery begins (RFC 6675 5 step 4.2, RFC 6937 3's
    /// `ssthresh = CongCtrlAlg()`): reduce ssthresh for `flight` bytes
    /// outstanding and return it. PRR then paces sending; the window is
    /// set at the end with [`CongestionControl::on_sack_recovery_end`].
    fn on_congestion_event(&mut self, flight: usize, mss: usize) -> usize;
    /// SACK-based recovery ended: cwnd = ssthresh (RFC 6937 section 3).
    fn on_sack_recovery_end(&mut self);
    /// Undoes a reduction found spurious (RFC 2883 section 5 D-SACKs):
    /// restores a window and threshold saved with `window()`/`ssthresh()`.
    fn undo(&mut self, cwnd: usize, ssthresh: usize);
    /// Nothing was sent for more than an RTO: cwnd = min(cwnd, IW)
    /// (RFC 5681 4.1, restart window), `iw` in bytes.
    fn on_idle_restart(&mut self, iw: usize);
    /// Slow start ends here without a loss: ssthresh = cwnd (HyStart,
    /// `Config::hystart`).
    fn end_slow_start(&mut self);
}

/// The initial window in bytes: with `segments` 0, RFC 5681 3.1 eq. 1,
/// IW = min(4*SMSS, max(2*SMSS, 4380)); otherwise `segments` * SMSS
/// (RFC 6928's IW10 with 10, as Linux's TCP_INIT_CWND).
pub fn initial_window(mss: usize, segments: usize) -> usize {
    if segments == 0 {
        (4 * mss).min((2 * mss).max(4380))
    } else {
        segments.saturating_mul(mss)
    }
}

/// RFC 5681 slow start and congestion avoidance with RFC 6582 recovery.
#[derive(Debug, Clone)]
pub struct NewReno {
    cwnd: usize,
    ssthresh: usize,
    /// Bytes acked since cwnd last grew in congestion avoidance.
    bytes_acked: usize,
}

impl NewReno {
    /// Initial window per RFC 5681 3.1 eq. 1:
    /// min(4*SMSS, max(2*SMSS, 4380)); ssthresh starts "arbitrarily high".
    pub fn new(mss: usize) -> Self {
        NewReno {
            cwnd: (4 * mss).min((2 * mss).max(4380)),
            ssthresh: usize::MAX,
            bytes_acked: 0,
        }
    }

    fn halve(&mut self, flight: usize, mss: usize) {
        // ssthresh = max(FlightSize / 2, 2*SMSS) (RFC 5681 eq. 4).
        self.ssthresh = (flight / 2).max(2 * mss);
    }
}

impl CongestionControl for NewReno {
    fn name(&self) -> &'static str {
        "newreno"
    }
    fn window(&self) -> usize {
        self.cwnd
    }
    fn ssthresh(&self) -> usize {
        self.ssthresh
    }
    fn on_ack(&mut self, acked: usize, mss: usize, _: Instant, _: Option<Duration>) {
        if self.cwnd < self.ssthresh {
            // Slow start: cwnd += min(N, SMSS) (RFC 5681 eq. 2).
            self.cwnd += acked.min(mss);
        } else {
            // Congestion avoidance by byte counting (RFC 5681 3.1, eq. 3's
            // recommended alternative): +SMSS per cwnd of data acked.
            self.bytes_acked += acked;
            if self.bytes_acked >= self.cwnd {
                self.bytes_acked -= self.cwnd;
                self.cwnd += mss;
            }
        }
    }
    fn on_fast_retransmit(&mut self, flight: usize, mss: usize) {
        self.halve(flight, mss);
        self.cwnd = self.ssthresh + 3 * mss;
        self.bytes_acked = 0;
    }
    fn on_recovery_dupack(&mut self, mss: usize) {
        self.cwnd += mss;
    }
    fn on_partial_ack(&mut self, acked: usize, mss: usize) {
        // Deflate by the amount acked, add back one SMSS if >= SMSS acked.
        self.cwnd = self.cwnd.saturating_sub(acked);
        if acked >= mss {
            self.cwnd += mss;
        }
        self.cwnd = self.cwnd.max(mss);
    }
    fn on_recovery_exit(&mut self, flight: usize, mss: usize) {
        // RFC 6582 3.2 step 6, option 1: min(ssthresh, max(FlightSize, SMSS) + SMSS).
        self.cwnd = self.ssthresh.min(flight.max(mss) + mss);
    }
    fn reset(&mut self, mss: usize, iw: usize) {
        *self = NewReno::new(mss);
        self.cwnd = iw.max(mss);
    }
    fn on_timeout(&mut self, flight: usize, mss: usize) {
        self.halve(flight, mss);
        // Loss window LW = 1 SMSS (RFC 5681 3.1).
        self.cwnd = mss;
        self.bytes_acked = 0;
    }
    fn on_congestion_event(&mut self, flight: usize, mss: usize) -> usize {
        // RFC 6675 5 (4.2): ssthresh = cwnd = FlightSize / 2 (RFC 5681 eq. 4).
        self.halve(flight, mss);
        self.bytes_acked = 0;
        self.ssthresh
    }
    fn on_sack_recovery_end(&mut self) {
        self.cwnd = self.ssthresh;
    }
    fn undo(&mut self, cwnd: usize, ssthresh: usize) {
        self.cwnd = self.cwnd.max(cwnd);
        self.ssthresh = ssthresh;
    }
    fn on_idle_restart(&mut self, iw: usize) {
        self.cwnd = self.cwnd.min(iw);
    }
    fn end_slow_start(&mut self) {
        self.ssthresh = self.cwnd;
    }
}

/// No congestion control: only the peer's receive window limits sending.
#[derive(Debug, Clone, Copy)]
pub struct NoCongestionControl;

impl CongestionControl for NoCongestionControl {
    fn name(&self) -> &'static str {
        "none"
    }
    fn window(&self) -> usize {
        usize::MAX
    }
    fn ssthresh(&self) -> usize {
        usize::MAX
    }
    fn on_ack(&mut self, _: usize, _: usize, _: Instant, _: Option<Duration>) {}
    fn on_fast_retransmit(&mut self, _: usize, _: usize) {}
    fn on_recovery_dupack(&mut self, _: usize) {}
    fn on_partial_ack(&mut self, _: usize, _: usize) {}
    fn on_recovery_exit(&mut self, _: usize, _: usize) {}
    fn on_timeout(&mut self, _: usize, _: usize) {}
    fn reset(&mut self, _: usize, _: usize) {}
    fn on_congestion_event(&mut self, _: usize, _: usize) -> usize {
        usize::MAX
    }
    fn on_sack_recovery_end(&mut self) {}
    fn undo(&mut self, _: usize, _: usize) {}
    fn on_idle_restart(&mut self, _: usize) {}
    fn end_slow_start(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_start_then_avoidance() {
        let mss = 1000;
        let mut c = NewReno::new(mss);
        assert_eq!(c.window(), 4000);
        c.on_ack(1000, mss, Instant::ZERO, None);
        assert_eq!(c.window(), 5000);
        c.on_ack(5000, mss, Instant::ZERO, None); // capped at one SMSS per ACK
        assert_eq!(c.window(), 6000);
        c.on_fast_retransmit(10_000, mss);
        assert_eq!(c.ssthresh(), 5000);
        assert_eq!(c.window(), 8000);
        c.on_recovery_dupack(mss);
        assert_eq!(c.window(), 9000);
        c.on_partial_ack(2000, mss);
        assert_eq!(c.window(), 8000);
        c.on_recovery_exit(3000, mss);
        assert_eq!(c.window(), 4000);
        // Now below ssthresh: slow start again until 5000.
        c.on_ack(1000, mss, Instant::ZERO, None);
        assert_eq!(c.window(), 5000);
        // Congestion avoidance: +1 MSS per window acked.
        c.on_ack(2500, mss, Instant::ZERO, None);
        assert_eq!(c.window(), 5000);
        c.on_ack(2500, mss, Instant::ZERO, None);
        assert_eq!(c.window(), 6000);
        c.on_timeout(6000, mss);
        assert_eq!((c.window(), c.ssthresh()), (1000, 3000));
    }
}
