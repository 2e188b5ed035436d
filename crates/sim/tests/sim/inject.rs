//! Injecting crafted packets.

use crate::common::*;
use synack_sim::LinkConfig;

#[test]
fn injected_packets_bypass_links_and_are_captured() {
    let (mut sim, a, b) = pair(41, LinkConfig::default().loss(1.0), 40);
    let capture = SharedBuf::default();
    sim.set_pcap(Box::new(capture.clone())).unwrap();
    sim.run_until(ms(3));
    // A lossy link in the way does not matter: injection skips links.
    let p = ipv4(A.into(), B.into(), 7, 40);
    assert_eq!(sim.inject(&p), Some(b));
    assert_eq!(sim.next_event_time(), Some(ms(3)));
    sim.run_until(ms(10));
    assert_eq!(sim.host(b).received, [(ms(3), p.clone())]);
    assert!(sim.host(a).received.is_empty());
    // No wire event (no sending host), but delivered and captured.
    assert!(drain(&mut sim).is_empty());
    assert_eq!(sim.stats().delivered, 1);
    sim.finish_pcap().unwrap();
    // 24-byte file header + 16-byte record header + the packet.
    assert_eq!(capture.0.lock().unwrap().len(), 24 + 16 + p.len());
    // Unroutable: dropped.
    let q = ipv4(A.into(), "192.0.2.1".parse().unwrap(), 8, 40);
    assert_eq!(sim.inject(&q), None);
    assert_eq!(sim.next_event_time(), None);
}
