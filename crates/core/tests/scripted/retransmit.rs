//! The send side in ESTABLISHED: retransmission timeout with backoff
//! (RFC 6298 5.4-5.7), giving up (RFC 9293 R2), fast retransmit
//! (RFC 5681 3.2), zero-window probing (RFC 9293 3.8.6.1) and Nagle
//! (RFC 9293 3.7.4).
//!
//! The handshakes here complete at once, so the first RTT sample is 0 and
//! the RTO is clamped to `min_rto` (200 ms by default).

use crate::harness::*;
use core::time::Duration;
use synack_core::{Error, EventKind, State};

fn min_rto(h: &Harness) -> Duration {
    h.ep.config().tcp.min_rto
}

#[test]
fn rto_retransmits_with_exponential_backoff() {
    let mut h = Harness::new();
    h.established();
    let rto = min_rto(&h);
    let t0 = h.now;
    h.app_send(b"hello");
    h.expect(&[Seg::data(1, 1, b"hello")]);
    h.advance(rto * 7 - Duration::from_micros(1));
    let seg = Seg::data(1, 1, b"hello").win(65535);
    assert_eq!(
        h.recv_timed(),
        vec![(t0 + rto, seg.clone()), (t0 + rto * 3, seg.clone())]
    );
    h.advance(Duration::from_micros(1));
    assert_eq!(h.recv_timed(), vec![(t0 + rto * 7, seg)]);
    assert_eq!(h.ep.stats().retransmissions, 3);
    // The ACK stops the timer.
    h.send(Seg::ack_at(1, 6));
    h.advance(Duration::from_secs(30));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn retransmission_limit_times_out_without_rst() {
    let mut h = Harness::with_config(false, |c| c.tcp.max_retries = 3);
    h.established();
    let rto = min_rto(&h);
    let t0 = h.now;
    h.app_send(b"x");
    h.advance(Duration::from_secs(60));
    let times: Vec<Duration> = h.recv_timed().into_iter().map(|(t, _)| t - t0).collect();
    assert_eq!(times, vec![Duration::ZERO, rto, rto * 3, rto * 7]);
    // After the third retransmission's timeout (at 15 x RTO): closed.
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::TimedOut]);
    assert_eq!(h.app_recv(10), Err(Error::TimedOut));
    assert_eq!(h.ep.send(h.now, h.conn(), b"y"), Err(Error::TimedOut));
}

#[test]
fn three_duplicate_acks_trigger_fast_retransmit() {
    let mut h = Harness::new();
    h.established();
    h.app_send(&bytes(0, 2 * MSS_V4));
    let m = MSS_V4 as u32;
    h.expect(&[
        Seg::data(1, 1, &bytes(0, MSS_V4)),
        Seg::data(1 + m, 1, &bytes(MSS_V4, MSS_V4)),
    ]);
    // The first segment is lost; the peer acknowledges the second with
    // duplicate ACKs.
    h.send(Seg::ack_at(1, 1));
    h.send(Seg::ack_at(1, 1));
    h.expect_nothing();
    h.send(Seg::ack_at(1, 1));
    h.expect(&[Seg::data(1, 1, &bytes(0, MSS_V4))]);
    // Long before the RTO.
    h.send(Seg::ack_at(1, 1 + 2 * m));
    h.advance(Duration::from_secs(5));
    h.expect_nothing();
}

#[test]
fn acks_that_update_the_window_are_not_duplicates() {
    // RFC 5681 section 2: a duplicate ACK does not change the window.
    let mut h = Harness::new();
    h.established();
    h.app_send(&bytes(0, 2 * MSS_V4));
    assert_eq!(h.recv().len(), 2);
    h.send(Seg::ack_at(1, 1).win(60000));
    h.send(Seg::ack_at(1, 1).win(50000));
    h.send(Seg::ack_at(1, 1).win(40000));
    h.expect_nothing();
}

/// ESTABLISHED, the peer's window closed, "blocked" written: when it
/// closed, and the RTO.
fn blocked_behind_a_zero_window(h: &mut Harness) -> (synack_core::Instant, Duration) {
    h.established();
    let rto = min_rto(h);
    h.send(Seg::ack_at(1, 1).win(0));
    let t0 = h.now;
    h.app_send(b"blocked");
    h.expect_nothing();
    (t0, rto)
}

#[test]
fn zero_window_is_probed_with_backoff() {
    let mut h = Harness::new();
    let (t0, rto) = blocked_behind_a_zero_window(&mut h);
    // Persist timer: a one-byte probe past the zero window, backing off.
    h.advance(rto * 7);
    let probe = Seg::data(1, 1, b"b").win(65535);
    assert_eq!(
        h.recv_timed(),
        vec![
            (t0 + rto, probe.clone()),
            (t0 + rto * 3, probe.clone()),
            (t0 + rto * 7, probe)
        ]
    );
    // The window opens: the data flows.
    h.send(Seg::ack_at(1, 1).win(1000));
    h.expect(&[Seg::data(1, 1, b"blocked")]);
}

#[test]
fn zero_window_probes_may_be_empty_acks_below_the_window_as_linux_sends() {
    let mut h = Harness::with_config(false, |c| {
        c.tcp.zero_window_probe = synack_core::ZeroWindowProbe::OldSequence;
    });
    let (t0, rto) = blocked_behind_a_zero_window(&mut h);
    // <SEQ=SND.UNA-1><ACK>, no data, on the same backoff.
    h.advance(rto * 3);
    let probe = Seg::ack_at(0, 1).win(65535);
    assert_eq!(
        h.recv_timed(),
        vec![(t0 + rto, probe.clone()), (t0 + rto * 3, probe)]
    );
    // The peer answers with its window closed: probing goes on; then it
    // opens, and the data flows.
    h.send(Seg::ack_at(1, 1).win(0));
    h.expect_nothing();
    h.send(Seg::ack_at(1, 1).win(1000));
    h.expect(&[Seg::data(1, 1, b"blocked")]);
}

#[test]
fn zero_window_after_data_in_flight_is_probed() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"abc");
    h.expect(&[Seg::data(1, 1, b"abc")]);
    // Everything acknowledged, but the window is now closed.
    h.send(Seg::ack_at(1, 4).win(0));
    h.app_send(b"def");
    h.expect_nothing();
    h.advance(Duration::from_secs(1));
    let out = h.recv();
    assert!(!out.is_empty(), "no zero-window probe within 1 s");
    assert_eq!(out[0], Seg::data(4, 1, b"d").win(65535));
    // The peer takes the probe byte and opens the window.
    h.send(Seg::ack_at(1, 5).win(1000));
    h.expect(&[Seg::data(5, 1, b"ef")]);
}

#[test]
fn nagle_holds_a_small_segment_until_the_ack() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"a");
    h.expect(&[Seg::data(1, 1, b"a")]);
    h.app_send(b"b");
    h.app_send(b"c");
    h.expect_nothing();
    h.send(Seg::ack_at(1, 2));
    h.expect(&[Seg::data(2, 1, b"bc")]);
}

#[test]
fn nagle_does_not_hold_full_sized_segments() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"a");
    h.expect(&[Seg::data(1, 1, b"a")]);
    h.app_send(&bytes(0, MSS_V4 + 10));
    // One full-sized segment goes; the 10-byte tail waits.
    h.expect(&[Seg::data(2, 1, &bytes(0, MSS_V4))]);
    h.send(Seg::ack_at(1, 2 + MSS_V4 as u32));
    h.expect(&[Seg::data(2 + MSS_V4 as u32, 1, &bytes(MSS_V4, 10))]);
}

#[test]
fn nodelay_sends_small_segments_at_once() {
    let mut h = Harness::new();
    h.established();
    h.ep.set_nodelay(h.conn(), true).unwrap();
    h.app_send(b"a");
    h.app_send(b"b");
    h.expect(&[Seg::data(1, 1, b"a"), Seg::data(2, 1, b"b")]);
}

#[test]
fn setting_nodelay_releases_a_held_segment() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"a");
    h.app_send(b"b");
    h.expect(&[Seg::data(1, 1, b"a")]);
    h.ep.set_nodelay(h.conn(), true).unwrap();
    h.advance(Duration::ZERO);
    h.expect(&[Seg::data(2, 1, b"b")]);
}

#[test]
fn fin_is_retransmitted_on_timeout() {
    let mut h = Harness::new();
    h.fin_wait_1();
    let rto = min_rto(&h);
    let t = h.now;
    h.advance(rto * 3);
    let fin = Seg::fin(1, 1).win(65535);
    assert_eq!(
        h.recv_timed(),
        vec![(t + rto, fin.clone()), (t + rto * 3, fin)]
    );
    h.assert_state(State::FinWait1);
}

#[test]
fn retransmission_carries_the_current_ack() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"req");
    h.expect(&[Seg::data(1, 1, b"req")]);
    h.send(Seg::data(1, 1, b"xyz"));
    let rto = min_rto(&h);
    h.advance(rto);
    let out = h.recv();
    // The delayed ACK (40 ms) and then the retransmission with ACK=4.
    assert_eq!(
        out.last(),
        Some(&Seg::data(1, 4, b"req").win(65535)),
        "{out:?}"
    );
}

#[test]
fn partial_ack_retransmits_from_snd_una() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"0123456789");
    h.expect(&[Seg::data(1, 1, b"0123456789")]);
    h.send(Seg::ack_at(1, 5));
    h.advance(Duration::from_secs(1));
    let out = h.recv();
    assert_eq!(
        out.first(),
        Some(&Seg::data(5, 1, b"456789").win(65535)),
        "{out:?}"
    );
}

#[test]
fn rto_resends_only_the_first_segment_then_slow_starts() {
    // RFC 5681 3.1: after an RTO the window is one segment; RFC 6298 5.4:
    // retransmit the earliest unacknowledged segment.
    let mut h = Harness::new();
    h.established();
    let m = MSS_V4 as u32;
    h.app_send(&bytes(0, 2 * MSS_V4));
    assert_eq!(h.recv().len(), 2);
    h.advance(min_rto(&h));
    h.expect(&[Seg::data(1, 1, &bytes(0, MSS_V4))]);
    // Its ACK lets the second one go.
    h.send(Seg::ack_at(1, 1 + m));
    h.expect(&[Seg::data(1 + m, 1, &bytes(MSS_V4, MSS_V4))]);
    h.send(Seg::ack_at(1, 1 + 2 * m));
    h.advance(Duration::from_secs(5));
    h.expect_nothing();
}

#[test]
fn writable_event_when_the_send_buffer_drains() {
    let mut h = Harness::with_config(false, |c| c.tcp.send_buffer = 100);
    h.established();
    h.ep.set_nodelay(h.conn(), true).unwrap();
    assert_eq!(h.ep.send(h.now, h.conn(), &[7; 150]), Ok(100));
    h.expect(&[Seg::data(1, 1, &[7; 100])]);
    h.conn_events();
    h.send(Seg::ack_at(1, 101));
    assert_eq!(h.conn_events(), vec![EventKind::Writable]);
    assert_eq!(h.ep.send(h.now, h.conn(), &[8; 50]), Ok(50));
}
