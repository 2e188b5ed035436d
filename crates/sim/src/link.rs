//! One direction of a link: its configuration and its queueing/impairment model.

use core::time::Duration;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;
use synack_core::Instant;

/// Configuration of one direction of a link.
///
/// The default is a perfect 1 ms link: no jitter, no rate limit, no
/// impairments, MTU 65535. Probabilities are in `0.0..=1.0`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    /// Propagation delay.
    pub latency: Duration,
    /// Extra delay drawn uniformly from `0..=jitter` per packet. Jitter never
    /// reorders packets: a delivery is never earlier than the previous one.
    pub jitter: Duration,
    /// Link rate in bits per second (serialization delay; packets queue behind
    /// each other). `None` (or `Some(0)`) means unlimited.
    pub rate_bps: Option<u64>,
    /// Maximum number of packets waiting for serialization; more are
    /// tail-dropped. Only meaningful with `rate_bps`. `None` means unbounded.
    pub queue_limit: Option<usize>,
    /// Probability that a packet is lost.
    pub loss: f64,
    /// Probability that a packet is delivered twice (the copy right after the
    /// original). Not applied to corrupted packets.
    pub duplicate: f64,
    /// Probability that a packet is held back by `reorder_delay`, letting later
    /// packets overtake it.
    pub reorder: f64,
    /// Extra delay of packets picked by `reorder`.
    pub reorder_delay: Duration,
    /// Probability that one bit of the delivered copy is flipped (always within
    /// bytes an IPv4 header or TCP/UDP checksum covers, so receivers can detect it).
    pub corrupt: f64,
    /// Probability that an ECN-capable packet (ECT(0) or ECT(1)) is marked
    /// Congestion Experienced instead of going through unmarked: a router
    /// with an ECN-marking queue (RFC 3168 section 5). Not-ECT packets pass
    /// untouched.
    pub ce_mark: f64,
    /// Largest packet the link carries; longer ones are dropped.
    pub mtu: usize,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            latency: Duration::from_millis(1),
            jitter: Duration::ZERO,
            rate_bps: None,
            queue_limit: None,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            reorder_delay: Duration::ZERO,
            corrupt: 0.0,
            ce_mark: 0.0,
            mtu: 65535,
        }
    }
}

impl LinkConfig {
    /// The default link (1 ms, perfect).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `latency`.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets `jitter`.
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets `rate_bps`.
    pub fn rate_bps(mut self, bps: u64) -> Self {
        self.rate_bps = Some(bps);
        self
    }

    /// Sets `queue_limit`.
    pub fn queue_limit(mut self, packets: usize) -> Self {
        self.queue_limit = Some(packets);
        self
    }

    /// Sets `loss`.
    pub fn loss(mut self, p: f64) -> Self {
        self.loss = p;
        self
    }

    /// Sets `duplicate`.
    pub fn duplicate(mut self, p: f64) -> Self {
        self.duplicate = p;
        self
    }

    /// Sets `reorder` and `reorder_delay`.
    pub fn reorder(mut self, p: f64, delay: Duration) -> Self {
        self.reorder = p;
        self.reorder_delay = delay;
        self
    }

    /// Sets `ce_mark`.
    pub fn ce_mark(mut self, p: f64) -> Self {
        self.ce_mark = p;
        self
    }

    /// Sets `corrupt`.
    pub fn corrupt(mut self, p: f64) -> Self {
        self.corrupt = p;
        self
    }

    /// Sets `mtu`.
    pub fn mtu(mut self, mtu: usize) -> Self {
        self.mtu = mtu;
        self
    }
}

/// What the link does with one packet.
#[derive(Debug)]
pub(crate) enum Transit {
    TooBig,
    QueueFull,
    Lost,
    Arrive {
        at: Instant,
        /// Delivery time of a duplicate copy.
        again: Option<Instant>,
        /// Bit index to flip in the delivered copy.
        flip: Option<usize>,
        reordered: bool,
        /// The delivered copy is marked CE (it was ECN-capable).
        ce: bool,
    },
}

/// One direction of a link: configuration plus queue state.
#[derive(Debug)]
pub(crate) struct LinkState {
    pub(crate) config: LinkConfig,
    /// When the transmitter finishes the last admitted packet.
    busy_until: Instant,
    /// Serialization start times of admitted packets (non-decreasing).
    starts: VecDeque<Instant>,
    /// Latest delivery time of a packet not picked for reordering (FIFO floor).
    last_delivery: Instant,
}

impl LinkState {
    pub(crate) fn new(config: LinkConfig) -> Self {
        LinkState {
            config,
            busy_until: Instant::ZERO,
            starts: VecDeque::new(),
            last_delivery: Instant::ZERO,
        }
    }

    /// Decides what happens to `packet` sent at `now`. Random draws happen in
    /// a fixed order (loss, corruption, duplication, jitter, reordering), each
    /// only when its parameter is enabled.
    pub(crate) fn transit(&mut self, now: Instant, packet: &[u8], rng: &mut ChaCha8Rng) -> Transit {
        let cfg = &self.config;
        if packet.len() > cfg.mtu {
            return Transit::TooBig;
        }
        let departure = match cfg.rate_bps.filter(|&r| r > 0) {
            None => now,
            Some(rate) => {
                while self.starts.front().is_some_and(|&s| s <= now) {
                    self.starts.pop_front();
                }
                let start = self.busy_until.max(now);
                if start > now {
                    if cfg.queue_limit.is_some_and(|l| self.starts.len() >= l) {
                        return Transit::QueueFull;
                    }
                    self.starts.push_back(start);
                }
                self.busy_until = start + serialization(packet.len(), rate);
                self.busy_until
            }
        };
        if chance(rng, cfg.loss) {
            return Transit::Lost;
        }
        let flip = if chance(rng, cfg.corrupt) {
            let (lo, hi) = protected_range(packet);
            Some(rng.random_range(lo * 8..hi * 8))
        } else {
            None
        };
        let ce = flip.is_none() && ecn_capable(packet) && chance(rng, cfg.ce_mark);
        let duplicated = flip.is_none() && chance(rng, cfg.duplicate);
        let jitter = micros(cfg.jitter);
        let extra = if jitter > 0 {
            rng.random_range(0..=jitter)
        } else {
            0
        };
        let mut at =
            (departure + cfg.latency + Duration::from_micros(extra)).max(self.last_delivery);
        let reordered = chance(rng, cfg.reorder);
        if reordered {
            at += cfg.reorder_delay;
        } else {
            self.last_delivery = at;
        }
        Transit::Arrive {
            at,
            again: duplicated.then_some(at),
            flip,
            reordered,
            ce,
        }
    }
}

/// Is `packet` an IP packet with an ECT codepoint (RFC 3168 section 5)?
fn ecn_capable(packet: &[u8]) -> bool {
    let ecn = match packet.first().map(|b| b >> 4) {
        Some(4) => packet.get(1).map(|b| b & 3),
        Some(6) => packet.get(1).map(|b| (b >> 4) & 3),
        _ => None,
    };
    matches!(ecn, Some(1 | 2))
}

/// Sets the CE codepoint in `packet` (ECN-capable, checked by
/// [`ecn_capable`]), keeping an IPv4 header checksum valid (RFC 1624
/// incremental update).
pub(crate) fn mark_ce(packet: &mut [u8]) {
    match packet.first().map(|b| b >> 4) {
        Some(4) if packet.len() >= 20 => {
            let old = u16::from_be_bytes([packet[0], packet[1]]);
            packet[1] |= 3;
            let new = u16::from_be_bytes([packet[0], packet[1]]);
            let sum = u16::from_be_bytes([packet[10], packet[11]]);
            let sum = synack_core::wire::checksum::update(sum, old, new);
            packet[10..12].copy_from_slice(&sum.to_be_bytes());
        }
        Some(6) if packet.len() >= 2 => packet[1] |= 3 << 4,
        _ => {}
    }
}

/// Whether an event of probability `p` happens; draws only for `0 < p < 1`.
fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    if p >= 1.0 {
        true
    } else if p > 0.0 {
        rng.random::<f64>() < p
    } else {
        false
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Time to clock `len` bytes out at `rate` bits/s, rounded up to a microsecond.
fn serialization(len: usize, rate: u64) -> Duration {
    let us = (len as u128 * 8 * 1_000_000).div_ceil(u128::from(rate));
    Duration::from_micros(u64::try_from(us).unwrap_or(u64::MAX))
}

/// Byte range `lo..hi` in which a flipped bit is caught by a checksum (or
/// makes the packet unparsable): IPv4 skips the version/IHL byte, IPv6 skips
/// version, traffic class, flow label, payload length, next header and hop
/// limit (not covered by any checksum). Unknown or tiny packets: everything.
fn protected_range(packet: &[u8]) -> (usize, usize) {
    let lo = match packet.first().map(|b| b >> 4) {
        Some(4) => 1,
        Some(6) => 8,
        _ => 0,
    };
    if lo < packet.len() {
        (lo, packet.len())
    } else {
        (0, packet.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn serialization_rounds_up() {
        assert_eq!(serialization(1000, 8_000_000), Duration::from_micros(1000));
        assert_eq!(serialization(1, 3_000_000), Duration::from_micros(3));
        assert_eq!(serialization(1, 1_000_000_000), Duration::from_micros(1));
    }

    #[test]
    fn protected_ranges() {
        let mut v4 = [0u8; 40];
        v4[0] = 0x45;
        assert_eq!(protected_range(&v4), (1, 40));
        let mut v6 = [0u8; 60];
        v6[0] = 0x60;
        assert_eq!(protected_range(&v6), (8, 60));
        assert_eq!(protected_range(&[0x60, 0, 0]), (0, 3));
        assert_eq!(protected_range(&[1, 2]), (0, 2));
    }

    #[test]
    fn corruption_stays_in_protected_bytes() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut link = LinkState::new(LinkConfig::default().corrupt(1.0));
        let mut v6 = [0u8; 48];
        v6[0] = 0x60;
        for _ in 0..1000 {
            let Transit::Arrive {
                flip: Some(bit), ..
            } = link.transit(Instant::ZERO, &v6, &mut rng)
            else {
                panic!("expected a corrupted arrival");
            };
            assert!((64..48 * 8).contains(&bit));
        }
    }

    #[test]
    fn ce_marks_only_ecn_capable_packets_and_keeps_the_checksum() {
        use synack_core::wire::{IpRepr, TcpRepr, ecn, emit_packet, parse_packet};
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut link = LinkState::new(LinkConfig::default().ce_mark(1.0));
        for point in [ecn::NOT_ECT, ecn::ECT1, ecn::ECT0] {
            let ip = IpRepr {
                src: "198.18.0.1".parse().unwrap(),
                dst: "198.18.0.2".parse().unwrap(),
                ttl: 64,
                ecn: point,
                dscp: 0,
                dont_fragment: true,
            };
            let mut buf = [0u8; 100];
            let n = emit_packet(&ip, &TcpRepr::default(), b"x", &mut buf).unwrap();
            let Transit::Arrive { ce, .. } = link.transit(Instant::ZERO, &buf[..n], &mut rng)
            else {
                panic!("delivered");
            };
            assert_eq!(ce, point != ecn::NOT_ECT);
            if ce {
                mark_ce(&mut buf[..n]);
                let p = parse_packet(&buf[..n]).expect("checksums still valid");
                assert_eq!(p.ip.ecn, ecn::CE);
            }
        }
    }

    #[test]
    fn disabled_impairments_draw_nothing() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut link = LinkState::new(LinkConfig::default());
        let _ = link.transit(Instant::ZERO, &[0x45; 20], &mut rng);
        assert_eq!(
            rng.random::<u64>(),
            ChaCha8Rng::seed_from_u64(1).random::<u64>()
        );
    }
}
