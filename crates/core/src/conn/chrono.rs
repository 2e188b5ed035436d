//! How long the sender had data to send, and what held it back: Linux's
//! chronographs (`tcp_chrono_start` / `tcp_chrono_stop` in
//! `net/ipv4/tcp_output.c`), which `TCP_INFO` reports as `tcpi_busy_time`,
//! `tcpi_rwnd_limited` and `tcpi_sndbuf_limited`. One runs at a time:
//! busy while data is queued or in flight, and while busy, "limited by
//! the peer's receive window" when the next segment does not fit in it
//! (the most specific wins; when it stops, busy goes on).

use super::Connection;
use crate::time::Instant;
use core::time::Duration;

/// Which chronograph runs, least specific first (`enum tcp_chrono`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Chrono {
    /// Nothing queued or in flight (`TCP_CHRONO_UNSPEC`).
    #[default]
    Idle,
    /// Data to send or in flight (`TCP_CHRONO_BUSY`).
    Busy,
    /// Held back by the peer's receive window
    /// (`TCP_CHRONO_RWND_LIMITED`).
    RwndLimited,
}

/// The chronographs of one connection.
#[derive(Clone, Copy, Debug, Default)]
pub struct Chronographs {
    running: Chrono,
    since: Instant,
    /// Microseconds spent busy-only and receive-window-limited.
    spent_us: [u64; 2],
}

/// What the chronographs read ([`super::Connection::chrono_times`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChronoTimes {
    /// All the time with data to send or in flight, limited or not
    /// (`tcpi_busy_time`).
    pub busy: Duration,
    /// Of that, the time the peer's receive window held data back
    /// (`tcpi_rwnd_limited`).
    pub rwnd_limited: Duration,
}

impl Chronographs {
    /// `tcp_chrono_set`: stops the running one, starts `kind`.
    fn set(&mut self, now: Instant, kind: Chrono) {
        let i = match self.running {
            Chrono::Idle => None,
            Chrono::Busy => Some(0),
            Chrono::RwndLimited => Some(1),
        };
        if let Some(i) = i {
            self.spent_us[i] += now.saturating_since(self.since).as_micros() as u64;
        }
        self.since = now;
        self.running = kind;
    }

    /// `tcp_chrono_start`: `kind` runs unless a more specific one does.
    pub fn start(&mut self, now: Instant, kind: Chrono) {
        if kind > self.running {
            self.set(now, kind);
        }
    }

    /// `tcp_chrono_stop`: with nothing queued or in flight (`idle`) all
    /// stop; otherwise `kind`, if running, gives way to busy.
    pub fn stop(&mut self, now: Instant, kind: Chrono, idle: bool) {
        if idle {
            if self.running != Chrono::Idle {
                self.set(now, Chrono::Idle);
            }
        } else if kind == self.running {
            self.set(now, Chrono::Busy);
        }
    }

    /// The running one.
    pub fn running(&self) -> Chrono {
        self.running
    }

    /// The totals at `now` (`tcp_get_info_chrono_stats`).
    pub fn times(&self, now: Instant) -> ChronoTimes {
        let mut us = self.spent_us;
        let running = now.saturating_since(self.since).as_micros() as u64;
        match self.running {
            Chrono::Idle => {}
            Chrono::Busy => us[0] += running,
            Chrono::RwndLimited => us[1] += running,
        }
        ChronoTimes {
            busy: Duration::from_micros(us[0] + us[1]),
            rwnd_limited: Duration::from_micros(us[1]),
        }
    }
}

impl Connection {
    /// After each call into the connection: the chronographs follow what
    /// is queued and what holds it back. Receive-window-limited, as
    /// Linux's `tcp_write_xmit` judges it: data is left to send, cwnd has
    /// room, and the next segment does not fit in the peer's window.
    pub(crate) fn update_chrono(&mut self, now: Instant) {
        let queued = self.snd_max != self.snd_una || self.has_unsent();
        if !queued || !self.state.is_synchronized() {
            if self.chrono.running() != Chrono::Idle {
                self.chrono.stop(now, Chrono::Busy, true);
            }
            return;
        }
        self.chrono.start(now, Chrono::Busy);
        let in_flight = self.snd_nxt.since(self.snd_una);
        let unsent = self.send_data_end().since(self.snd_nxt);
        // The window test first: it is what usually fails.
        let rwnd_limited = unsent > 0
            && in_flight + unsent.min(self.payload_mss()) > self.snd_wnd
            && self.cwnd() > in_flight;
        if rwnd_limited {
            self.chrono.start(now, Chrono::RwndLimited);
        } else if self.chrono.running() == Chrono::RwndLimited {
            self.chrono.stop(now, Chrono::RwndLimited, false);
        }
    }

    /// The chronographs' totals at `now` (Linux's `tcpi_busy_time` and
    /// `tcpi_rwnd_limited`); zero unless `Config::chronographs` is on.
    pub fn chrono_times(&self, now: Instant) -> ChronoTimes {
        self.chrono.times(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_includes_limited_time_and_the_most_specific_runs() {
        let t = Instant::from_millis;
        let mut c = Chronographs::default();
        c.start(t(10), Chrono::Busy);
        c.start(t(10), Chrono::RwndLimited);
        // Busy does not displace the window limit.
        c.start(t(50), Chrono::Busy);
        assert_eq!(c.running(), Chrono::RwndLimited);
        assert_eq!(c.times(t(110)).rwnd_limited, Duration::from_millis(100));
        // The window opens: busy goes on.
        c.stop(t(210), Chrono::RwndLimited, false);
        assert_eq!(c.running(), Chrono::Busy);
        // Stopping what does not run changes nothing.
        c.stop(t(220), Chrono::RwndLimited, false);
        assert_eq!(c.running(), Chrono::Busy);
        // All acknowledged: idle; nothing counts until the next start.
        c.stop(t(240), Chrono::Busy, true);
        let idle = c.times(t(500));
        assert_eq!(idle.busy, Duration::from_millis(230));
        assert_eq!(idle.rwnd_limited, Duration::from_millis(200));
        c.start(t(500), Chrono::Busy);
        assert_eq!(c.times(t(520)).busy, Duration::from_millis(250));
    }
}
