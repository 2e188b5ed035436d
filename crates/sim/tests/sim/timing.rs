//! Exact timing: latency, serialization, queues, timers, run control.

use crate::common::*;
use core::time::Duration;
use synack_core::Instant;
use synack_sim::{Fate, HostId, LinkConfig, Sim};

#[test]
fn latency_is_exact() {
    let cfg = LinkConfig::default().latency(Duration::from_micros(2500));
    let (mut sim, a, b) = pair(1, cfg, 100);
    sim.host_mut(a).queue(3);
    sim.run_until(ms(10));
    let host = sim.host(b);
    assert_eq!(host.received_numbers(), [0, 1, 2]);
    assert!(host.received.iter().all(|(t, _)| *t == us(2500)));
    let events = drain(&mut sim);
    assert_eq!(events.len(), 3);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.id, i as u64);
        assert_eq!(e.time, Instant::ZERO);
        assert_eq!((e.from, e.to, e.len), (a, Some(b), 100));
        assert_eq!(e.fate, Fate::Delivered { at: us(2500) });
    }
    assert_eq!(sim.now(), ms(10));
    assert_eq!(sim.stats().sent, 3);
    assert_eq!(sim.stats().delivered, 3);
}

#[test]
fn default_link_is_one_millisecond() {
    let (mut sim, a, b) = pair(1, LinkConfig::default(), 40);
    sim.host_mut(a).queue(1);
    assert!(sim.step());
    assert_eq!(sim.now(), ms(1));
    assert_eq!(sim.host(b).received.len(), 1);
    assert!(!sim.step());
}

#[test]
fn rate_serializes_back_to_back() {
    // 1000 bytes at 8 Mbit/s take exactly 1 ms.
    let (mut sim, a, b) = pair(1, LinkConfig::default().rate_bps(8_000_000), 1000);
    sim.host_mut(a).queue(3);
    sim.run_until(ms(20));
    let times: Vec<_> = sim.host(b).received.iter().map(|r| r.0).collect();
    assert_eq!(times, [ms(2), ms(3), ms(4)]);
    // An idle link starts serializing at once; a 500-byte packet takes 0.5 ms.
    sim.host_mut(a).len = 500;
    sim.host_mut(a).queue(2);
    sim.run_until(ms(40));
    let times: Vec<_> = sim.host(b).received.iter().map(|r| r.0).collect();
    assert_eq!(times[3..], [us(21_500), ms(22)]);
}

#[test]
fn queue_limit_tail_drops() {
    let cfg = LinkConfig::default().rate_bps(8_000_000).queue_limit(3);
    let (mut sim, a, b) = pair(1, cfg, 1000);
    // One starts serializing at once, three wait, six are dropped.
    sim.host_mut(a).queue(10);
    sim.run_until(us(1500));
    // At 1.5 ms two are still waiting: room for exactly one more.
    sim.host_mut(a).queue(2);
    sim.run_until(ms(20));
    let fates: Vec<_> = drain(&mut sim).into_iter().map(|e| e.fate).collect();
    let mut expected: Vec<_> = (2..6).map(|t| Fate::Delivered { at: ms(t) }).collect();
    expected.extend([Fate::QueueFull; 6]);
    expected.push(Fate::Delivered { at: ms(6) });
    expected.push(Fate::QueueFull);
    assert_eq!(fates, expected);
    assert_eq!(sim.stats().queue_drops, 7);
    assert_eq!(sim.host(b).received_numbers(), [0, 1, 2, 3, 10]);
}

#[test]
fn oversized_packets_are_dropped() {
    let (mut sim, a, b) = pair(1, LinkConfig::default().mtu(100), 100);
    sim.host_mut(a).queue(1);
    sim.host_mut(a).len = 101;
    sim.host_mut(a).queue(1);
    sim.run_until(ms(5));
    let fates: Vec<_> = drain(&mut sim).into_iter().map(|e| e.fate).collect();
    assert_eq!(fates, [Fate::Delivered { at: ms(1) }, Fate::TooBig]);
    assert_eq!(sim.stats().too_big, 1);
    assert_eq!(sim.host(b).received_numbers(), [0]);
}

#[test]
fn host_timers_fire_exactly() {
    let (mut sim, a, b) = pair(1, LinkConfig::default(), 40);
    sim.host_mut(a).every(ms(10), Duration::from_millis(10), 3);
    assert_eq!(sim.next_event_time(), Some(ms(10)));
    sim.run_until(ms(100));
    assert_eq!(sim.host(a).timer_calls, [ms(10), ms(20), ms(30)]);
    let sent: Vec<_> = sim.host(a).sent.iter().map(|s| s.0).collect();
    assert_eq!(sent, [ms(10), ms(20), ms(30)]);
    let got: Vec<_> = sim.host(b).received.iter().map(|r| r.0).collect();
    assert_eq!(got, [ms(11), ms(21), ms(31)]);
    assert_eq!(sim.next_event_time(), None);
}

#[test]
fn deliveries_precede_timers_at_the_same_instant() {
    let (mut sim, a, b) = pair(1, LinkConfig::default(), 40);
    sim.host_mut(a).queue(1);
    sim.host_mut(b).every(ms(1), Duration::from_millis(1), 1);
    sim.run_until(ms(5));
    assert_eq!(sim.host(b).log, [(ms(1), 'r'), (ms(1), 't')]);
}

#[test]
fn run_while_respects_its_limit() {
    let (mut sim, a, b) = pair(1, LinkConfig::default(), 40);
    sim.host_mut(a)
        .every(Instant::ZERO, Duration::from_millis(10), 100);
    assert!(!sim.run_while(ms(95), |_| true));
    assert_eq!(sim.now(), ms(91));
    assert!(sim.next_event_time().unwrap() > ms(95));
    assert_eq!(sim.host(b).received.len(), 10);
    // Stops as soon as the condition is met.
    assert!(sim.run_while(ms(1000), |s| s.host(b).received.len() < 20));
    assert_eq!(sim.host(b).received.len(), 20);
    assert_eq!(sim.now(), ms(191));
    // Condition already false: no step at all.
    assert!(sim.run_while(ms(1000), |_| false));
    assert_eq!(sim.now(), ms(191));
}

#[test]
fn run_while_stops_when_idle() {
    let (mut sim, a, _) = pair(1, LinkConfig::default(), 40);
    sim.host_mut(a).queue(1);
    assert!(!sim.run_while(ms(1000), |_| true));
    assert_eq!(sim.now(), ms(1));
}

#[test]
fn run_until_never_goes_back() {
    let mut sim: Sim<TestHost> = Sim::new(0);
    assert!(!sim.step());
    assert_eq!(sim.next_event_time(), None);
    sim.run_until(ms(5));
    sim.run_until(ms(3));
    assert_eq!(sim.now(), ms(5));
    assert_eq!(sim.host_count(), 0);
    let _ = HostId(0);
}
