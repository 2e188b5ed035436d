//! TIME-WAIT (RFC 9293 3.10.7.4 and 3.10.8, RFC 1337).

use crate::harness::*;
use core::time::Duration;
use synack_core::{Error, EventKind, State};

fn two_msl(h: &Harness) -> Duration {
    h.ep.config().tcp.msl * 2
}

#[test]
fn expires_after_exactly_two_msl() {
    let mut h = Harness::new();
    h.time_wait();
    let d = two_msl(&h);
    h.advance(d - Duration::from_micros(1));
    h.assert_state(State::TimeWait);
    h.advance(Duration::from_micros(1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Closed]);
}

#[test]
fn released_connection_is_freed_when_time_wait_expires() {
    let mut h = Harness::new();
    h.time_wait();
    h.app_close();
    h.assert_state(State::TimeWait);
    h.advance(two_msl(&h));
    h.assert_no_connection();
    assert_eq!(h.ep.state(h.conn()), Err(Error::InvalidHandle));
}

#[test]
fn retransmitted_fin_is_acked_and_restarts_two_msl() {
    let mut h = Harness::new();
    h.time_wait();
    let d = two_msl(&h);
    h.advance(Duration::from_secs(10));
    // Our last ACK was lost: the peer resends its FIN.
    h.send(Seg::fin(1, 2));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.assert_state(State::TimeWait);
    let restarted = h.now;
    // The old deadline passes; TIME-WAIT goes on until 2 MSL after the FIN.
    h.advance_to(restarted + (d - Duration::from_micros(1)));
    h.assert_state(State::TimeWait);
    h.advance(Duration::from_micros(1));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
}

#[test]
fn rst_is_ignored() {
    // RFC 1337: TIME-WAIT assassination hazards; the RST is dropped.
    let mut h = Harness::new();
    h.time_wait();
    h.send(Seg::rst(2));
    h.send(Seg::rst_ack(2, 2));
    h.expect_nothing();
    h.assert_state(State::TimeWait);
    h.advance(Duration::from_secs(1));
    h.assert_state(State::TimeWait);
}

#[test]
fn out_of_window_segment_draws_ack() {
    let mut h = Harness::new();
    h.time_wait();
    h.send(Seg::data(100_000, 2, b"stray"));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.send(Seg::ack_at(0, 2));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.assert_state(State::TimeWait);
}

#[test]
fn new_data_is_not_delivered() {
    let mut h = Harness::new();
    h.time_wait();
    h.send(Seg::data(2, 2, b"after fin"));
    assert_eq!(h.app_recv(100), Ok(vec![]));
    h.assert_state(State::TimeWait);
}

#[test]
fn syn_draws_challenge_ack() {
    // RFC 9293 fourth check / RFC 5961 4.2 (no timestamps, so no RFC 6191).
    let mut h = Harness::new();
    h.time_wait();
    h.send(Seg::syn(10));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.assert_state(State::TimeWait);
}

#[test]
fn time_wait_via_closing() {
    let mut h = Harness::new();
    h.closing();
    h.send(Seg::ack_at(2, 2));
    h.assert_state(State::TimeWait);
    let d = two_msl(&h);
    h.advance(d);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
}

#[test]
fn send_in_time_wait_is_an_error() {
    let mut h = Harness::new();
    h.time_wait();
    assert_eq!(h.ep.send(h.now, h.conn(), b"x"), Err(Error::Closed));
}

#[test]
fn duplicate_ack_draws_nothing() {
    // Only a retransmitted FIN is acknowledged; an in-window ACK is not.
    let mut h = Harness::new();
    h.time_wait();
    h.send(Seg::ack_at(2, 2));
    h.expect_nothing();
    h.assert_state(State::TimeWait);
}
