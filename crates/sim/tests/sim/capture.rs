//! Pcap capture and determinism.

use crate::common::*;
use core::net::Ipv4Addr;
use core::time::Duration;
use pcap_file::pcap::PcapReader;
use pcap_file::{DataLink, TsResolution};
use synack_core::Instant;
use synack_sim::{LinkConfig, Sim, WireEvent};

#[test]
fn pcap_is_well_formed() {
    let (mut sim, a, _) = pair(21, LinkConfig::default().loss(0.3).corrupt(0.3), 80);
    let out = SharedBuf::default();
    sim.set_pcap(Box::new(out.clone())).unwrap();
    sim.host_mut(a)
        .every(us(1500), Duration::from_millis(1), 50);
    sim.run_until(ms(30));
    // Unroutable packets are captured too.
    sim.host_mut(a).dst = Ipv4Addr::new(192, 0, 2, 1).into();
    sim.run_until(ms(100));
    sim.finish_pcap().unwrap();
    assert_eq!(sim.stats().sent, 50);
    assert!(sim.stats().no_route > 0 && sim.stats().lost > 0);

    let bytes = out.0.lock().unwrap().clone();
    let mut reader = PcapReader::new(&bytes[..]).unwrap();
    let header = reader.header();
    assert_eq!(header.datalink, DataLink::RAW);
    assert_eq!(header.ts_resolution, TsResolution::MicroSecond);
    let mut count = 0;
    let sent = &sim.host(a).sent;
    while let Some(packet) = reader.next_packet() {
        let packet = packet.unwrap();
        let (time, data) = &sent[count];
        assert_eq!(packet.timestamp, Duration::from_micros(time.as_micros()));
        assert_eq!(packet.orig_len as usize, data.len());
        assert_eq!(
            &packet.data[..],
            &data[..],
            "captured as sent, before corruption"
        );
        count += 1;
    }
    assert_eq!(count, 50);
}

#[test]
fn pcap_without_packets_is_just_a_header() {
    let mut sim: Sim<TestHost> = Sim::new(0);
    let out = SharedBuf::default();
    sim.set_pcap(Box::new(out.clone())).unwrap();
    sim.run_until(ms(5));
    drop(sim);
    let bytes = out.0.lock().unwrap().clone();
    assert_eq!(bytes.len(), 24);
    let mut reader = PcapReader::new(&bytes[..]).unwrap();
    assert!(reader.next_packet().is_none());
}

type Run = (Vec<WireEvent>, Vec<u8>, Vec<(Instant, Vec<u8>)>, u64);

fn noisy_run(seed: u64) -> Run {
    let cfg = LinkConfig::default()
        .latency(Duration::from_millis(3))
        .jitter(Duration::from_millis(2))
        .rate_bps(2_000_000)
        .queue_limit(20)
        .loss(0.1)
        .duplicate(0.05)
        .corrupt(0.05)
        .reorder(0.1, Duration::from_millis(4));
    let mut sim = Sim::new(seed);
    let a = sim.add_host(TestHost::new(A, B, 300), &[A.into()]);
    let b = sim.add_host(TestHost::new(B, A, 120), &[B.into()]);
    sim.link(a, b, cfg.clone(), cfg.loss(0.2));
    let out = SharedBuf::default();
    sim.set_pcap(Box::new(out.clone())).unwrap();
    sim.host_mut(a)
        .every(Instant::ZERO, Duration::from_micros(700), 2000);
    sim.host_mut(b)
        .every(us(350), Duration::from_micros(900), 1500);
    sim.run_until(ms(5000));
    sim.finish_pcap().unwrap();
    let secret = sim.random_u64();
    let events = std::iter::from_fn(|| sim.poll_wire_event()).collect();
    let received = sim.host(b).received.clone();
    let pcap = out.0.lock().unwrap().clone();
    (events, pcap, received, secret)
}

#[test]
fn same_seed_same_run() {
    let first = noisy_run(7);
    assert_eq!(first.0.len(), 3500);
    assert_eq!(first, noisy_run(7));
    let other = noisy_run(8);
    assert_ne!(first.0, other.0);
    assert_ne!(first.3, other.3);
}
