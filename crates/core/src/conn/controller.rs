//! The configured congestion controller, held inline in the connection
//! (no allocation and no pointer chase per connection): an enum of the
//! algorithms, each behind [`CongestionControl`].

use super::congestion::{CongestionControl, NewReno, NoCongestionControl};
use super::cubic::Cubic;
use crate::config::Congestion;
use crate::time::Instant;
use core::time::Duration;

/// One of the algorithms.
#[derive(Debug, Clone)]
pub enum Controller {
    /// No congestion control (window fixed by the receiver).
    None(NoCongestionControl),
    /// RFC 5681 / RFC 6582.
    NewReno(NewReno),
    /// RFC 9438.
    Cubic(Cubic),
}

impl Controller {
    /// The configured algorithm for a send MSS of `mss`.
    pub fn new(kind: Congestion, mss: usize) -> Self {
        match kind {
            Congestion::None => Controller::None(NoCongestionControl),
            Congestion::Cubic => Controller::Cubic(Cubic::new(mss)),
            _ => Controller::NewReno(NewReno::new(mss)),
        }
    }

    fn get(&self) -> &dyn CongestionControl {
        match self {
            Controller::None(c) => c,
            Controller::NewReno(c) => c,
            Controller::Cubic(c) => c,
        }
    }

    fn get_mut(&mut self) -> &mut dyn CongestionControl {
        match self {
            Controller::None(c) => c,
            Controller::NewReno(c) => c,
            Controller::Cubic(c) => c,
        }
    }
}

impl CongestionControl for Controller {
    fn name(&self) -> &'static str {
        self.get().name()
    }
    fn window(&self) -> usize {
        self.get().window()
    }
    fn ssthresh(&self) -> usize {
        self.get().ssthresh()
    }
    fn on_ack(&mut self, acked: usize, mss: usize, now: Instant, rtt: Option<Duration>) {
        self.get_mut().on_ack(acked, mss, now, rtt);
    }
    fn on_fast_retransmit(&mut self, flight: usize, mss: usize) {
        self.get_mut().on_fast_retransmit(flight, mss);
    }
    fn on_recovery_dupack(&mut self, mss: usize) {
        self.get_mut().on_recovery_dupack(mss);
    }
    fn on_partial_ack(&mut self, acked: usize, mss: usize) {
        self.get_mut().on_partial_ack(acked, mss);
    }
    fn on_recovery_exit(&mut self, flight: usize, mss: usize) {
        self.get_mut().on_recovery_exit(flight, mss);
    }
    fn on_timeout(&mut self, flight: usize, mss: usize) {
        self.get_mut().on_timeout(flight, mss);
    }
    fn reset(&mut self, mss: usize, iw: usize) {
        self.get_mut().reset(mss, iw);
    }
    fn on_congestion_event(&mut self, flight: usize, mss: usize) -> usize {
        self.get_mut().on_congestion_event(flight, mss)
    }
    fn on_sack_recovery_end(&mut self) {
        self.get_mut().on_sack_recovery_end();
    }
    fn undo(&mut self, cwnd: usize, ssthresh: usize) {
        self.get_mut().undo(cwnd, ssthresh);
    }
    fn on_idle_restart(&mut self, iw: usize) {
        self.get_mut().on_idle_restart(iw);
    }
    fn end_slow_start(&mut self) {
        self.get_mut().end_slow_start();
    }
}
