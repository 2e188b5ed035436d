//! Routing by destination address, IPv6, the timer spin guard, and endpoints.

use crate::common::*;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use synack_core::{Endpoint, EndpointConfig, Instant};
use synack_sim::{Fate, Host, LinkConfig, Sim, TIMER_SPIN_LIMIT};

#[test]
fn unroutable_packets_are_dropped_and_recorded() {
    let (mut sim, a, b) = pair(31, LinkConfig::default(), 40);
    let c_addr = Ipv4Addr::new(10, 0, 0, 3);
    let c = sim.add_host(TestHost::new(c_addr, A, 40), &[c_addr.into()]);
    sim.host_mut(a).dst = Ipv4Addr::new(192, 0, 2, 9).into();
    sim.host_mut(a).queue(1);
    sim.host_mut(a).dst = c_addr.into();
    sim.host_mut(a).queue(1);
    sim.host_mut(a).outbox.push_back(vec![0x50; 40]);
    sim.run_until(ms(5));
    let routes: Vec<_> = drain(&mut sim).iter().map(|e| (e.to, e.fate)).collect();
    assert_eq!(
        routes,
        [
            (None, Fate::NoRoute),
            (Some(c), Fate::NoRoute),
            (None, Fate::NoRoute)
        ]
    );
    assert_eq!(sim.stats().no_route, 3);
    assert!(sim.host(b).received.is_empty() && sim.host(c).received.is_empty());
    assert_eq!(sim.owner(c_addr.into()), Some(c));
}

#[test]
fn ipv6_is_routed_by_its_destination() {
    let a6: IpAddr = "fd00::1".parse().unwrap();
    let b6: IpAddr = "fd00::2".parse().unwrap();
    let mut sim = Sim::new(32);
    let a = sim.add_host(TestHost::new(a6, b6, 100), &[a6, A.into()]);
    let b = sim.add_host(TestHost::new(b6, a6, 100), &[b6, B.into()]);
    sim.link(a, b, LinkConfig::default(), LinkConfig::default());
    sim.host_mut(a).queue(2);
    sim.host_mut(b).queue(1);
    sim.run_until(ms(5));
    assert_eq!(sim.host(b).received_numbers(), [0, 1]);
    assert_eq!(sim.host(a).received_numbers(), [0]);
    assert_eq!(sim.owner(IpAddr::V6(Ipv6Addr::LOCALHOST)), None);
    assert_eq!(sim.link_config(a, b), Some(&LinkConfig::default()));
}

#[test]
#[should_panic(expected = "already belongs")]
fn addresses_are_unique() {
    let mut sim = Sim::new(0);
    sim.add_host(TestHost::new(A, B, 40), &[A.into()]);
    sim.add_host(TestHost::new(A, B, 40), &[A.into()]);
}

/// A host whose deadline never clears.
struct Stuck {
    calls: u32,
}

impl Host for Stuck {
    fn receive(&mut self, _: Instant, _: &[u8]) {}
    fn transmit(&mut self, _: Instant, _: &mut [u8]) -> Option<usize> {
        None
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Some(Instant::ZERO)
    }
    fn handle_timeout(&mut self, _: Instant) {
        self.calls += 1;
    }
}

#[test]
fn a_stuck_timer_cannot_stall_the_simulation() {
    let mut sim = Sim::new(33);
    let h = sim.add_host(Stuck { calls: 0 }, &[]);
    sim.run_until(ms(10));
    assert_eq!(sim.host(h).calls, TIMER_SPIN_LIMIT);
    assert_eq!(sim.now(), ms(10));
    // Once time has moved, the deadline is due again (for another round).
    assert_eq!(sim.next_event_time(), Some(ms(10)));
    assert!(!sim.run_while(ms(20), |_| true));
    assert_eq!(sim.host(h).calls, 2 * TIMER_SPIN_LIMIT);
    assert_eq!(sim.next_event_time(), None);
    assert!(!sim.step());
}

#[test]
fn endpoints_are_hosts() {
    let mut sim: Sim<Endpoint> = Sim::new(34);
    let a = sim.add_host(Endpoint::new(EndpointConfig::default()), &[A.into()]);
    let b = sim.add_host(Endpoint::new(EndpointConfig::default()), &[B.into()]);
    sim.link(a, b, LinkConfig::default(), LinkConfig::default());
    sim.run_until(ms(10));
    assert_eq!(sim.stats().sent, 0);

    let mut boxed: Sim<Box<dyn Host>> = Sim::new(35);
    boxed.add_host(Box::new(TestHost::new(A, B, 40)), &[A.into()]);
    boxed.add_host(Box::new(Stuck { calls: 0 }), &[B.into()]);
    boxed.run_until(ms(1));
}
