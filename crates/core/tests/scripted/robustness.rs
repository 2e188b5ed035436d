//! Defects a review found, each pinned by a test: zero-window and FIN
//! handling, RTO backoff under Karn's rule, delayed ACKs for small peer
//! segments, listener bookkeeping, stale handles, API misuse, and output
//! buffers too small for a segment.

use super::harness::*;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use synack_core::wire::TcpFlags;
use synack_core::{Error, Event, EventKind, State};

/// The peer closes its window completely.
fn shut_window(h: &mut Harness) {
    h.send(Seg::ack_at(1, 1).win(0));
    h.expect_nothing();
}

#[test]
fn released_connection_stops_probing_a_window_that_never_opens() {
    let mut h = Harness::new();
    h.established();
    shut_window(&mut h);
    h.app_send(b"0123456789");
    h.app_close();
    let limit = h.ep.config().tcp.orphan_retries as usize;
    let mut probes = 0;
    // The peer answers every probe, keeping its window shut.
    for _ in 0..200 {
        h.advance(ms(60_000));
        for seg in h.recv() {
            if seg.ctl.contains(TcpFlags::RST) {
                assert_eq!(probes, limit, "RST after orphan_retries probes");
                assert_eq!(h.ep.connection_count(), 0, "released");
                return;
            }
            probes += 1;
            h.send(Seg::ack_at(1, 1).win(0));
        }
    }
    panic!("still probing after {probes} probes");
}

#[test]
fn held_connection_probes_as_long_as_the_peer_answers() {
    // MUST-36/37: a zero window acknowledged indefinitely keeps the
    // connection open while the application holds it.
    let mut h = Harness::new();
    h.established();
    shut_window(&mut h);
    h.app_send(b"0123456789");
    for _ in 0..100 {
        h.advance(ms(60_000));
        for _ in h.recv() {
            h.send(Seg::ack_at(1, 1).win(0));
        }
    }
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    // The window opens: the data flows.
    h.send(Seg::ack_at(1, 1).win(1000));
    let out = h.recv();
    assert!(out.iter().any(|s| s.data == b"0123456789"), "{out:?}");
}

#[test]
fn silent_peer_behind_zero_window_times_out() {
    let mut h = Harness::new();
    h.established();
    shut_window(&mut h);
    h.app_send(b"x");
    for _ in 0..100 {
        h.advance(ms(60_000));
        h.recv();
    }
    assert!(h.conn_events().contains(&EventKind::TimedOut));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
}

#[test]
fn fin_waits_for_window_room_and_rides_the_probe() {
    let mut h = Harness::new();
    h.established();
    shut_window(&mut h);
    h.app_shutdown();
    // No FIN into a zero window.
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::FinWait1));
    // The persist timer sends it as the probe; the peer keeps answering
    // with window 0 for a long time: no timeout (MUST-36/37).
    let mut fins = 0;
    for _ in 0..40 {
        h.advance(ms(60_000));
        for seg in h.recv() {
            assert!(seg.matches(&Seg::fin(1, 1)), "{seg:?}");
            fins += 1;
            h.send(Seg::ack_at(1, 1).win(0));
        }
    }
    assert!(fins >= 20, "{fins} probes");
    assert_eq!(h.ep.state(h.conn()), Ok(State::FinWait1));
    // The peer takes the FIN.
    h.send(Seg::ack_at(1, 2).win(1000));
    assert_eq!(h.ep.state(h.conn()), Ok(State::FinWait2));
}

#[test]
fn ack_of_a_retransmission_keeps_the_backoff() {
    // Karn / RFC 6298 5: only a valid RTT sample collapses the backed-off
    // RTO. Handshake sample 0 -> RTO = min_rto (200 ms).
    let mut h = Harness::new();
    h.established();
    let start = h.now;
    h.app_send(b"a");
    h.expect(&[Seg::data(1, 1, b"a")]);
    h.advance(ms(200));
    h.expect(&[Seg::data(1, 1, b"a")]); // retransmission; RTO now 400 ms
    h.advance(ms(100));
    h.send(Seg::ack_at(1, 2)); // acks the retransmission: no sample
    h.app_send(b"b");
    h.expect(&[Seg::data(2, 1, b"b")]);
    let sent_b = h.now;
    assert_eq!(sent_b - start, ms(300));
    h.advance(ms(399));
    h.expect_nothing();
    h.advance(ms(1));
    h.expect(&[Seg::data(2, 1, b"b")]);
}

#[test]
fn ack_every_second_segment_of_a_smaller_peer_mss() {
    // A peer sending 1000-byte segments (below our 1460 MSS) still gets an
    // ACK every second segment (SHLD-19: "or 2*RMSS bytes").
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, &bytes(0, 1000)));
    h.expect_nothing();
    h.send(Seg::data(1001, 1, &bytes(1000, 1000)));
    h.expect(&[Seg::ack_at(1, 2001)]);
    h.send(Seg::data(2001, 1, &bytes(2000, 1000)));
    h.expect_nothing();
    h.send(Seg::data(3001, 1, &bytes(3000, 1000)));
    h.expect(&[Seg::ack_at(1, 4001)]);
}

#[test]
fn rst_in_last_ack_is_reported_to_a_holding_application() {
    let mut h = Harness::new();
    h.last_ack();
    h.send(Seg::rst(2));
    let ev = h.conn_events();
    assert!(
        ev.contains(&EventKind::Reset),
        "{ev:?} {:?} {:?}",
        h.ep.state(h.conn()),
        h.recv()
    );
    assert_eq!(
        h.ep.send(h.now, h.conn(), b"x"),
        Err(Error::ConnectionReset)
    );
}

#[test]
fn accept_queue_never_outgrows_the_backlog() {
    let mut h = Harness::new();
    let l = h.listen(1);
    let mut incoming = 0;
    for round in 0..20u16 {
        // Each round: a handshake from a new port, then the peer resets.
        h.remote = SocketAddr::new(h.remote.ip(), 20_000 + round);
        h.send(Seg::syn(0));
        let out = h.recv();
        if out.is_empty() {
            continue; // backlog full: SYN dropped
        }
        h.send(Seg::ack_at(1, 1));
        h.send(Seg::rst(1));
        incoming += h
            .events()
            .iter()
            .filter(|e| matches!(e, Event::Incoming(_)))
            .count();
    }
    assert_eq!(incoming, 1, "the dead entry holds the only backlog place");
    // accept pops the stale entry: nothing to accept, the place is free.
    assert_eq!(h.ep.accept(l), Err(Error::WouldBlock));
    h.remote = SocketAddr::new(h.remote.ip(), 30_000);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1, "a new SYN is admitted again");
}

#[test]
fn stale_listener_handles_are_detected() {
    let mut h = Harness::new();
    let old = h.listen(4);
    h.ep.close_listener(h.now, old).unwrap();
    let new = h.ep.listen(SocketAddr::new(h.local.ip(), 81), 4).unwrap();
    assert_ne!(old, new);
    assert_eq!(h.ep.accept(old), Err(Error::InvalidHandle));
    assert_eq!(h.ep.listener_addr(old), Err(Error::InvalidHandle));
    assert_eq!(h.ep.close_listener(h.now, old), Err(Error::InvalidHandle));
    assert_eq!(h.ep.listener_addr(new).map(|a| a.port()), Ok(81));
}

#[test]
fn connect_refuses_broadcast_and_multicast() {
    let mut h = Harness::new();
    let any = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
    for dst in [Ipv4Addr::BROADCAST, Ipv4Addr::new(224, 0, 0, 1)] {
        let r =
            h.ep.connect(h.now, any, SocketAddr::new(IpAddr::V4(dst), 80));
        assert_eq!(r, Err(Error::InvalidArgument), "{dst}");
    }
}

#[test]
fn too_small_an_output_buffer_gets_nothing_and_loses_nothing() {
    let mut h = Harness::new();
    h.established();
    h.app_send(&bytes(0, 1000));
    let mut small = [0u8; 500];
    assert_eq!(h.ep.poll_transmit(h.now, &mut small), None);
    // With a proper buffer the segment is still there.
    h.expect(&[Seg::data(1, 1, &bytes(0, 1000))]);
}

#[test]
fn one_duplicate_ack_per_out_of_order_segment_in_a_batch() {
    // RFC 5681 4.2: an immediate duplicate ACK per out-of-order segment,
    // even when several arrive before the stack transmits (a TUN driver
    // reads packets in batches), so the sender can count three.
    let mut h = Harness::new();
    h.established();
    h.send_batch(&[
        Seg::data(1001, 1, &bytes(1000, 1000)),
        Seg::data(2001, 1, &bytes(2000, 1000)),
        Seg::data(3001, 1, &bytes(3000, 1000)),
    ]);
    h.expect(&[Seg::ack_at(1, 1), Seg::ack_at(1, 1), Seg::ack_at(1, 1)]);
    // The gap fills: one ACK for everything.
    h.send(Seg::data(1, 1, &bytes(0, 1000)));
    h.expect(&[Seg::ack_at(1, 4001)]);
}

#[test]
fn owed_duplicates_are_dropped_once_the_gap_fills_in_the_same_batch() {
    let mut h = Harness::new();
    h.established();
    h.send_batch(&[
        Seg::data(1001, 1, &bytes(1000, 1000)),
        Seg::data(1, 1, &bytes(0, 1000)),
    ]);
    // No stale duplicate of ACK 1, no repeated ACK 2001.
    h.expect(&[Seg::ack_at(1, 2001)]);
}

#[test]
fn abort_all_resets_released_connections_too() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"pending");
    h.recv();
    h.app_close(); // released, FIN queued behind unacknowledged data
    h.recv();
    h.ep.abort_all(h.now);
    let out = h.recv();
    assert!(out.iter().any(|s| s.ctl.contains(TcpFlags::RST)), "{out:?}");
    assert_eq!(h.ep.connection_count(), 0);
}

#[test]
fn ephemeral_ports_start_where_the_secret_says() {
    let first_port = |secret: [u8; 16]| {
        let mut h = Harness::with_config(false, |c| c.secret = secret);
        h.syn_sent();
        h.local.port()
    };
    let (lo, hi) = synack_core::EndpointConfig::default().ephemeral_ports;
    let ports: Vec<u16> = (0u8..8).map(|i| first_port([i; 16])).collect();
    assert!(ports.iter().all(|p| (lo..=hi).contains(p)), "{ports:?}");
    let distinct: std::collections::HashSet<_> = ports.iter().collect();
    assert!(
        distinct.len() >= 6,
        "RFC 6056: starts should differ: {ports:?}"
    );
    assert_eq!(first_port([3; 16]), ports[3], "deterministic for a secret");
}
