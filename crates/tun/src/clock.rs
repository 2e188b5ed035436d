//! The real clock as the core's [`Instant`]: microseconds since the driver
//! started, from the monotonic clock, plus the wall-clock time of that start
//! for packet captures.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use synack_core::Instant;

/// A monotonic clock started at a known wall-clock time.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: std::time::Instant,
    wall_start: Duration,
}

impl Clock {
    /// Starts the clock: [`Clock::now`] is zero now.
    pub fn start() -> Self {
        Clock {
            start: std::time::Instant::now(),
            wall_start: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
        }
    }

    /// Now, in microseconds since [`Clock::start`].
    pub fn now(&self) -> Instant {
        Instant::from_micros(u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX))
    }

    /// The wall-clock time of `t` (since the Unix epoch), for timestamps
    /// other tools read (pcap).
    pub fn wall(&self, t: Instant) -> Duration {
        self.wall_start + Duration::from_micros(t.as_micros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_and_anchored() {
        let c = Clock::start();
        let a = c.now();
        let b = c.now();
        assert!(b >= a);
        let w = c.wall(Instant::from_micros(1_500_000)) - c.wall(Instant::ZERO);
        assert_eq!(w, Duration::from_micros(1_500_000));
        assert!(c.wall(Instant::ZERO).as_secs() > 1_600_000_000);
    }
}
