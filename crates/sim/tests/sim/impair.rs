//! Impairments: loss, duplication, corruption, jitter and reordering.

use crate::common::*;
use core::time::Duration;
use synack_core::Instant;
use synack_sim::{Fate, LinkConfig};

const N: usize = 10_000;

#[test]
fn loss_rate_is_roughly_as_configured() {
    let (mut sim, a, b) = pair(11, LinkConfig::default().loss(0.1), 40);
    sim.host_mut(a).queue(N);
    sim.run_until(ms(10));
    let lost = sim.stats().lost;
    assert!((800..1200).contains(&lost), "lost {lost}");
    let events = drain(&mut sim);
    assert_eq!(
        events.iter().filter(|e| e.fate == Fate::Lost).count() as u64,
        lost
    );
    let got = sim.host(b).received_numbers();
    assert_eq!(got.len() as u64, N as u64 - lost);
    assert!(got.windows(2).all(|w| w[0] < w[1]));
    let delivered: Vec<u32> = events
        .iter()
        .filter(|e| e.fate != Fate::Lost)
        .map(|e| e.id as u32)
        .collect();
    assert_eq!(got, delivered);
}

#[test]
fn duplicate_rate_is_roughly_as_configured() {
    let (mut sim, a, b) = pair(12, LinkConfig::default().duplicate(0.1), 40);
    sim.host_mut(a).queue(N);
    sim.run_until(ms(10));
    let dups = sim.stats().duplicated;
    assert!((800..1200).contains(&dups), "duplicated {dups}");
    let got = sim.host(b).received_numbers();
    assert_eq!(got.len() as u64, N as u64 + dups);
    assert_eq!(sim.stats().delivered, got.len() as u64);
    let mut expected = Vec::new();
    for e in drain(&mut sim) {
        expected.push(e.id as u32);
        if let Fate::Duplicated { at, again } = e.fate {
            assert_eq!((at, again), (ms(1), ms(1)));
            expected.push(e.id as u32);
        }
    }
    assert_eq!(got, expected);
}

#[test]
fn corruption_flips_exactly_one_bit() {
    let (mut sim, a, b) = pair(13, LinkConfig::default().corrupt(0.1), 100);
    sim.host_mut(a).queue(N);
    sim.run_until(ms(10));
    let corrupted = sim.stats().corrupted;
    assert!((800..1200).contains(&corrupted), "corrupted {corrupted}");
    let events = drain(&mut sim);
    let (sent, got) = (&sim.host(a).sent, &sim.host(b).received);
    assert_eq!(got.len(), N);
    for (e, ((_, s), (_, r))) in events.iter().zip(sent.iter().zip(got)) {
        let flipped: u32 = s.iter().zip(r).map(|(x, y)| (x ^ y).count_ones()).sum();
        match e.fate {
            Fate::Corrupted { .. } => {
                assert_eq!(flipped, 1);
                assert_eq!(s[0], r[0], "version/IHL byte is never flipped");
            }
            Fate::Delivered { .. } => assert_eq!(flipped, 0),
            other => panic!("unexpected fate {other:?}"),
        }
    }
}

#[test]
fn fates_account_for_every_packet() {
    let cfg = LinkConfig::default()
        .loss(0.05)
        .duplicate(0.05)
        .corrupt(0.05)
        .reorder(0.05, Duration::from_millis(2));
    let (mut sim, a, b) = pair(14, cfg, 60);
    sim.host_mut(a).queue(N);
    sim.run_until(ms(10));
    let s = *sim.stats();
    assert_eq!(s.sent, N as u64);
    let arrived = s.sent - s.lost;
    assert_eq!(s.delivered, arrived + s.duplicated);
    assert_eq!(sim.host(b).received.len() as u64, s.delivered);
    for (n, lo, hi) in [(s.lost, 400, 600), (s.duplicated, 350, 600)] {
        assert!((lo..hi).contains(&n), "{n} not in {lo}..{hi}");
    }
    assert!((350..600).contains(&s.corrupted), "{}", s.corrupted);
    assert!((350..600).contains(&s.reordered), "{}", s.reordered);
}

#[test]
fn jitter_keeps_fifo() {
    let cfg = LinkConfig::default().jitter(Duration::from_millis(5));
    let (mut sim, a, b) = pair(15, cfg, 40);
    sim.host_mut(a)
        .every(Instant::ZERO, Duration::from_micros(100), 2000);
    sim.run_until(ms(1000));
    let host = sim.host(b);
    assert_eq!(host.received_numbers(), (0..2000).collect::<Vec<_>>());
    let mut delays = std::collections::BTreeSet::new();
    for ((sent, _), (got, _)) in sim.host(a).sent.iter().zip(&host.received) {
        let d = *got - *sent;
        assert!(
            d >= Duration::from_millis(1) && d <= Duration::from_millis(6),
            "{d:?}"
        );
        delays.insert(d);
    }
    assert!(
        delays.len() > 100,
        "jitter had little effect: {}",
        delays.len()
    );
    assert_eq!(sim.stats().reordered, 0);
}

#[test]
fn reordering_happens_only_when_enabled() {
    let cfg = LinkConfig::default().reorder(0.1, Duration::from_millis(3));
    let (mut sim, a, b) = pair(16, cfg, 40);
    sim.host_mut(a)
        .every(Instant::ZERO, Duration::from_micros(100), 2000);
    sim.run_until(ms(1000));
    let got = sim.host(b).received_numbers();
    let inversions = got.windows(2).filter(|w| w[0] > w[1]).count();
    assert!(inversions > 50, "only {inversions} inversions");
    let mut sorted = got.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..2000).collect::<Vec<_>>());
    let held = drain(&mut sim)
        .iter()
        .filter(|e| e.fate.delivery_time().unwrap() - e.time == Duration::from_millis(4))
        .count() as u64;
    let reordered = sim.stats().reordered;
    assert_eq!(held, reordered);
    assert!((100..300).contains(&reordered), "reordered {reordered}");
}
