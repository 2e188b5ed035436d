//! The per-connection timers: one small fixed table, `next()` is its minimum.

use crate::time::Instant;

/// The timers a connection runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Retransmission of SYN, SYN-ACK, data or FIN (RFC 6298).
    Retransmit = 0,
    /// Zero-window probing (RFC 9293 3.8.6.1, MUST-35..37).
    Persist = 1,
    /// Delayed acknowledgment (RFC 9293 3.8.6.3, MUST-40).
    DelayedAck = 2,
    /// TIME-WAIT's 2 x MSL (RFC 9293 3.6).
    TimeWait = 3,
    /// Limit on FIN-WAIT-2 for connections the application has released
    /// (Linux's tcp_fin_timeout), so an unresponsive peer cannot pin memory.
    FinWait2 = 4,
    /// Keep-alive: idle time, then probes (RFC 9293 3.8.4, RFC 1122
    /// 4.2.3.6).
    KeepAlive = 5,
    /// RACK's reorder timer (RFC 8985 6.2 step 5).
    RackReorder = 6,
    /// Tail Loss Probe timeout, PTO (RFC 8985 7.2).
    Tlp = 7,
}

/// Number of timers.
const COUNT: usize = 8;

impl Timer {
    /// The order in which timers due at the same time fire: a tail loss
    /// probe before the RTO it was brought forward to (RFC 8985 7.2).
    const ALL: [Timer; COUNT] = [
        Timer::Tlp,
        Timer::Retransmit,
        Timer::Persist,
        Timer::DelayedAck,
        Timer::TimeWait,
        Timer::FinWait2,
        Timer::KeepAlive,
        Timer::RackReorder,
    ];
}

/// Deadlines indexed by [`Timer`], in microseconds; `UNSET` (`u64::MAX`) when
/// disarmed (half the size of `Option<Instant>`s: every connection has
/// them).
#[derive(Clone, Copy, Debug)]
pub struct Timers {
    deadlines: [u64; COUNT],
}

/// A disarmed timer (no clock reading is that late).
const UNSET: u64 = u64::MAX;

impl Default for Timers {
    fn default() -> Self {
        Timers {
            deadlines: [UNSET; COUNT],
        }
    }
}

impl Timers {
    /// Arms `t` at `at` (replacing any earlier deadline).
    pub fn set(&mut self, t: Timer, at: Instant) {
        self.deadlines[t as usize] = at.as_micros().min(UNSET - 1);
    }

    /// Disarms `t`.
    pub fn clear(&mut self, t: Timer) {
        self.deadlines[t as usize] = UNSET;
    }

    /// Disarms every timer.
    pub fn clear_all(&mut self) {
        self.deadlines = [UNSET; COUNT];
    }

    /// `t`'s deadline.
    pub fn get(&self, t: Timer) -> Option<Instant> {
        let at = self.deadlines[t as usize];
        (at != UNSET).then(|| Instant::from_micros(at))
    }

    /// Is `t` armed?
    pub fn is_set(&self, t: Timer) -> bool {
        self.deadlines[t as usize] != UNSET
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<Instant> {
        let at = self.deadlines.iter().copied().min().unwrap_or(UNSET);
        (at != UNSET).then(|| Instant::from_micros(at))
    }

    /// Disarms and returns the first timer due at `now`.
    pub fn take_due(&mut self, now: Instant) -> Option<Timer> {
        for t in Timer::ALL {
            let at = self.deadlines[t as usize];
            if at != UNSET && at <= now.as_micros() {
                self.deadlines[t as usize] = UNSET;
                return Some(t);
            }
        }
        None
    }
}
