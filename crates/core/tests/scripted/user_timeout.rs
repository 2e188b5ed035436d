//! RFC 5482's user timeout (RFC 9293 3.8.3's R2 as a time; Linux's
//! `TCP_USER_TIMEOUT`): data unacknowledged, or zero-window probes
//! unanswered, for that long abort the connection, whatever the
//! retransmission count; ACKs that make progress start the count again.

use crate::harness::*;
use core::time::Duration;
use synack_core::{Error, EventKind, State};

const UT: Duration = Duration::from_secs(3);

fn with_user_timeout() -> Harness {
    let mut h = Harness::new();
    h.established();
    h.ep.set_user_timeout(h.conn(), Some(UT)).unwrap();
    assert_eq!(h.ep.connection(h.conn()).unwrap().user_timeout(), Some(UT));
    h
}

#[test]
fn unacknowledged_data_aborts_at_the_user_timeout() {
    let mut h = with_user_timeout();
    let t0 = h.now;
    h.app_send(b"x");
    h.advance(UT - Duration::from_micros(1));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    // Retransmissions at 0.2, 0.6, 1.4 s; the next would be at 3.0 s.
    let times: Vec<Duration> = h.recv_timed().into_iter().map(|(t, _)| t - t0).collect();
    assert_eq!(times.len(), 4, "{times:?}");
    h.advance(Duration::from_micros(1));
    // The timer was brought forward to the user timeout: aborted at
    // exactly 3 s after the data was sent, without an RST.
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::TimedOut]);
    h.expect_nothing();
    assert_eq!(h.app_recv(10), Err(Error::TimedOut));
}

#[test]
fn without_a_user_timeout_the_retransmission_count_decides() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"x");
    h.advance(UT * 10);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn progress_starts_the_count_again() {
    let mut h = with_user_timeout();
    // Each second a byte is acknowledged after its first retransmission:
    // ten seconds of a slow peer, never 3 s without progress.
    for i in 0..10u32 {
        h.app_send(b"y");
        h.advance(Duration::from_millis(300));
        h.send(Seg::ack_at(1, 2 + i));
        h.advance(Duration::from_millis(700));
        let _ = h.recv();
    }
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    // Then silence: aborted within the user timeout of the last data.
    h.app_send(b"z");
    let t = h.now;
    h.advance(UT);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert!(h.now - t <= UT);
}

#[test]
fn unanswered_zero_window_probes_abort_at_the_user_timeout() {
    let mut h = with_user_timeout();
    h.send(Seg::ack_at(1, 1).win(0));
    h.app_send(b"blocked");
    h.advance(UT - Duration::from_micros(1));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    h.advance(Duration::from_micros(1));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::TimedOut]);
}

/// Answered probes do not end the stall: the data still waits behind the
/// closed window, which is what the application timed (Linux since
/// 9d9b1ee0b2d1, "tcp: fix TCP_USER_TIMEOUT with zero window"). Without a
/// user timeout such probing goes on (MUST-36).
#[test]
fn answered_zero_window_probes_still_abort_at_the_user_timeout() {
    for ut in [Some(UT), None] {
        let mut h = Harness::new();
        h.established();
        h.ep.set_user_timeout(h.conn(), ut).unwrap();
        h.send(Seg::ack_at(1, 1).win(0));
        h.app_send(b"blocked");
        let t0 = h.now;
        let mut probes = 0;
        while h.now - t0 < UT * 4 && h.ep.state(h.conn()) == Ok(State::Established) {
            h.advance(Duration::from_millis(100));
            if !h.recv().is_empty() {
                probes += 1;
                h.send(Seg::ack_at(1, 1).win(0));
            }
        }
        assert!(probes >= 3, "{probes} probes");
        if ut.is_some() {
            assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
            assert!(
                h.now - t0 <= UT + Duration::from_millis(100),
                "{:?}",
                h.now - t0
            );
        } else {
            assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
        }
    }
}

/// An opened window ends a zero-window stall: the data then sent has a
/// full user timeout of its own.
#[test]
fn an_opened_window_ends_the_stall() {
    let mut h = with_user_timeout();
    h.send(Seg::ack_at(1, 1).win(0));
    h.app_send(b"blocked");
    h.advance(Duration::from_millis(2500));
    let _ = h.recv();
    h.send(Seg::ack_at(1, 1).win(1000));
    let _ = h.recv();
    // 2.5 s of probing plus 2.9 s of unacknowledged data: alive.
    h.advance(UT - Duration::from_millis(100));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    h.advance(Duration::from_millis(200));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
}
