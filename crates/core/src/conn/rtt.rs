//! The retransmission timeout estimator (RFC 6298).

use core::time::Duration;

/// SRTT / RTTVAR / RTO per RFC 6298 section 2, with exponential backoff
/// (section 5.5) and Karn's rule applied by the caller (RFC 9293 MUST-18:
/// no samples from retransmitted segments).
#[derive(Debug, Clone)]
pub struct RttEstimator {
    /// SRTT in microseconds, [`NONE`] before the first sample.
    srtt: u32,
    rttvar: u32,
    rto: u32,
    backoff: u32,
    min_rto: u32,
    max_rto: u32,
    samples: u64,
    /// RFC 6298's clock granularity G, in microseconds.
    granularity: u32,
}

/// No SRTT yet.
const NONE: u32 = u32::MAX;

/// Clock granularity G of RFC 6298, in microseconds (our clock counts
/// microseconds; we use 1 ms like Linux's jiffies-free clock).
const GRANULARITY: u32 = 1000;

/// A duration in microseconds, saturated below [`NONE`] (every connection
/// keeps these, so 4 bytes each rather than a 16-byte `Duration`).
fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros())
        .unwrap_or(NONE - 1)
        .min(NONE - 1)
}

fn duration(us: u32) -> Duration {
    Duration::from_micros(u64::from(us))
}

impl RttEstimator {
    /// Before any sample the RTO is `initial` (RFC 6298 2.1).
    pub fn new(initial: Duration, min_rto: Duration, max_rto: Duration) -> Self {
        // A configuration with the bounds crossed keeps the upper one.
        let max_rto = micros(max_rto);
        let min_rto = micros(min_rto).min(max_rto);
        RttEstimator {
            srtt: NONE,
            rttvar: 0,
            rto: micros(initial).clamp(min_rto, max_rto),
            backoff: 0,
            min_rto,
            max_rto,
            samples: 0,
            granularity: GRANULARITY,
        }
    }

    /// Uses `g` as RFC 6298's G in RTO = SRTT + max(G, 4 * RTTVAR)
    /// (`Config::rto_granularity`).
    pub fn with_granularity(mut self, g: Duration) -> Self {
        self.granularity = micros(g).max(1);
        self
    }

    /// Feeds one RTT measurement (RFC 6298 2.2 and 2.3) and clears backoff.
    pub fn sample(&mut self, rtt: Duration) {
        let r = u64::from(micros(rtt));
        let (srtt, rttvar) = if self.srtt == NONE {
            (r, r / 2)
        } else {
            // RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|; SRTT <- 7/8 SRTT + 1/8 R'
            let srtt = u64::from(self.srtt);
            let delta = srtt.abs_diff(r);
            ((srtt * 7 + r) / 8, (u64::from(self.rttvar) * 3 + delta) / 4)
        };
        let fit = |v: u64| u32::try_from(v).unwrap_or(NONE - 1).min(NONE - 1);
        self.srtt = fit(srtt);
        self.rttvar = fit(rttvar);
        // RTO <- SRTT + max(G, K*RTTVAR), K = 4, then clamp (2.4, 2.5).
        let rto = srtt + (rttvar * 4).max(u64::from(self.granularity));
        self.rto = fit(rto).clamp(self.min_rto, self.max_rto);
        self.backoff = 0;
        self.samples += 1;
    }

    /// How many samples were taken so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Doubles the timeout after an expiry (RFC 6298 5.5).
    pub fn back_off(&mut self) {
        self.backoff = self.backoff.saturating_add(1);
    }

    /// Doublings since the last sample (RFC 6298 5.5).
    pub fn backoff(&self) -> u32 {
        self.backoff
    }

    /// The current timeout, backoff included.
    pub fn rto(&self) -> Duration {
        let factor = 1u64 << self.backoff.min(16);
        duration(self.rto)
            .saturating_mul(factor as u32)
            .min(duration(self.max_rto))
    }

    /// Smoothed RTT, if measured.
    pub fn srtt(&self) -> Option<Duration> {
        (self.srtt != NONE).then(|| duration(self.srtt))
    }

    /// After a SYN had to be retransmitted and no sample exists, RFC 6298
    /// 5.7 sets the RTO back to 3 s once data transfer begins.
    pub fn syn_was_retransmitted(&mut self) {
        if self.srtt == NONE {
            self.rto = micros(Duration::from_secs(3)).clamp(self.min_rto, self.max_rto);
        }
        self.backoff = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est() -> RttEstimator {
        RttEstimator::new(
            Duration::from_secs(1),
            Duration::from_millis(200),
            Duration::from_secs(60),
        )
    }

    #[test]
    fn first_sample_and_smoothing() {
        let mut e = est();
        assert_eq!(e.rto(), Duration::from_secs(1));
        e.sample(Duration::from_millis(100));
        // SRTT 100, RTTVAR 50, RTO = 100 + 200 = 300 ms
        assert_eq!(e.rto(), Duration::from_millis(300));
        e.sample(Duration::from_millis(100));
        // RTTVAR = (150 + 0)/4 = 37.5; RTO = 100 + 150 = 250 ms
        assert_eq!(e.rto(), Duration::from_millis(250));
        assert_eq!(e.srtt(), Some(Duration::from_millis(100)));
    }

    #[test]
    fn min_and_backoff() {
        let mut e = est();
        e.sample(Duration::from_millis(1));
        assert_eq!(e.rto(), Duration::from_millis(200));
        e.back_off();
        e.back_off();
        assert_eq!(e.rto(), Duration::from_millis(800));
        for _ in 0..40 {
            e.back_off();
        }
        assert_eq!(e.rto(), Duration::from_secs(60));
        e.sample(Duration::from_millis(1));
        assert!(e.rto() < Duration::from_secs(1));
    }

    #[test]
    fn granularity_is_the_floor_of_the_variance_term() {
        // RFC 6298 2.3 with G = 200 ms (Linux's rttvar_us >= rto_min):
        // RTO = SRTT + max(G, 4 * RTTVAR).
        let mut r = est().with_granularity(Duration::from_millis(200));
        r.sample(Duration::from_millis(100));
        assert_eq!(r.rto(), Duration::from_millis(300));
        r.sample(Duration::from_millis(100));
        // RTTVAR 37.5 ms: 4 * RTTVAR = 150 ms < G.
        assert_eq!(r.rto(), Duration::from_millis(300));
        // With the default 1 ms, the same samples give 250 ms.
        let mut r = est();
        r.sample(Duration::from_millis(100));
        r.sample(Duration::from_millis(100));
        assert_eq!(r.rto(), Duration::from_millis(250));
    }
}
