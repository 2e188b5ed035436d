//! CLOSE (RFC 9293 3.10.4) and SEGMENT ARRIVES in FIN-WAIT-1, FIN-WAIT-2,
//! CLOSE-WAIT, CLOSING and LAST-ACK (3.10.7.4).

use crate::harness::*;
use core::time::Duration;
use synack_core::wire::TcpFlags;
use synack_core::{Error, EventKind, State};

// ----- FIN-WAIT-1 ---------------------------------------------------------

#[test]
fn shutdown_sends_fin_and_enters_fin_wait_1() {
    let mut h = Harness::new();
    h.established();
    h.app_shutdown();
    h.expect(&[Seg::fin(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::FinWait1));
}

#[test]
fn fin_follows_queued_data() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"bye");
    h.expect(&[Seg::data(1, 1, b"bye")]);
    h.app_send(b"!");
    h.app_shutdown();
    // Nagle holds "!" until "bye" is acknowledged; then data and FIN.
    h.send(Seg::ack_at(1, 4));
    let out = h.recv();
    let fin_seq = 5;
    let fin_with_data = vec![Seg::data(4, 1, b"!").with(TcpFlags::FIN).win(65535)];
    let fin_after_data = vec![
        Seg::data(4, 1, b"!").win(65535),
        Seg::fin(fin_seq, 1).win(65535),
    ];
    assert!(out == fin_with_data || out == fin_after_data, "{out:?}");
    h.assert_state(State::FinWait1);
    // The ACK of the data alone does not acknowledge the FIN.
    h.send(Seg::ack_at(1, 5));
    h.assert_state(State::FinWait1);
    h.send(Seg::ack_at(1, 6));
    h.assert_state(State::FinWait2);
}

#[test]
fn fin_wait_1_ack_of_fin_enters_fin_wait_2() {
    let mut h = Harness::new();
    h.fin_wait_1();
    h.send(Seg::ack_at(1, 2));
    h.expect_nothing();
    h.assert_state(State::FinWait2);
    // No more retransmissions.
    h.advance(Duration::from_secs(10));
    h.expect_nothing();
}

#[test]
fn fin_wait_1_ack_not_covering_fin_stays() {
    let mut h = Harness::new();
    h.fin_wait_1();
    h.send(Seg::ack_at(1, 1));
    h.expect_nothing();
    h.assert_state(State::FinWait1);
}

#[test]
fn fin_wait_1_fin_without_ack_of_ours_enters_closing() {
    let mut h = Harness::new();
    h.fin_wait_1();
    h.send(Seg::fin(1, 1));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.assert_state(State::Closing);
    assert_eq!(h.conn_events(), vec![EventKind::PeerClosed]);
}

#[test]
fn fin_wait_1_fin_with_ack_of_ours_enters_time_wait() {
    let mut h = Harness::new();
    h.fin_wait_1();
    h.send(Seg::fin(1, 2));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.assert_state(State::TimeWait);
}

#[test]
fn fin_wait_1_still_accepts_data() {
    let mut h = Harness::new();
    h.fin_wait_1();
    h.send(Seg::data(1, 1, b"more"));
    assert_eq!(h.app_recv(100), Ok(b"more".to_vec()));
    h.advance(ms(40));
    h.expect(&[Seg::ack_at(2, 5)]);
    h.assert_state(State::FinWait1);
}

#[test]
fn fin_wait_1_rst_resets() {
    let mut h = Harness::new();
    h.fin_wait_1();
    h.send(Seg::rst(1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Reset]);
}

#[test]
fn send_after_shutdown_is_an_error() {
    let mut h = Harness::new();
    h.fin_wait_1();
    assert_eq!(h.ep.send(h.now, h.conn(), b"x"), Err(Error::Closed));
}

// ----- FIN-WAIT-2 ---------------------------------------------------------

#[test]
fn fin_wait_2_fin_enters_time_wait_with_ack() {
    let mut h = Harness::new();
    h.fin_wait_2();
    h.send(Seg::fin(1, 2));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.assert_state(State::TimeWait);
    assert_eq!(h.conn_events(), vec![EventKind::PeerClosed]);
    assert_eq!(h.app_recv(10), Ok(vec![]));
}

#[test]
fn fin_wait_2_still_accepts_data() {
    let mut h = Harness::new();
    h.fin_wait_2();
    h.send(Seg::data(1, 2, b"tail"));
    h.advance(ms(40));
    h.expect(&[Seg::ack_at(2, 5)]);
    assert_eq!(h.app_recv(100), Ok(b"tail".to_vec()));
    h.send(Seg::fin(5, 2));
    h.expect(&[Seg::ack_at(2, 6)]);
    h.assert_state(State::TimeWait);
}

#[test]
fn fin_wait_2_out_of_order_fin_waits_for_the_gap() {
    let mut h = Harness::new();
    h.fin_wait_2();
    h.send(Seg::fin(4, 2));
    h.expect(&[Seg::ack_at(2, 1)]);
    h.assert_state(State::FinWait2);
    h.send(Seg::data(1, 2, b"abc"));
    h.expect(&[Seg::ack_at(2, 5)]);
    h.assert_state(State::TimeWait);
}

#[test]
fn fin_wait_2_lasts_while_the_application_holds_the_handle() {
    let mut h = Harness::new();
    h.fin_wait_2();
    h.advance(Duration::from_secs(600));
    h.expect_nothing();
    h.assert_state(State::FinWait2);
}

// ----- CLOSE-WAIT / LAST-ACK ----------------------------------------------

#[test]
fn close_wait_shutdown_sends_fin_and_enters_last_ack() {
    let mut h = Harness::new();
    h.close_wait();
    h.app_shutdown();
    h.expect(&[Seg::fin(1, 2)]);
    h.assert_state(State::LastAck);
}

#[test]
fn close_wait_close_sends_fin_and_enters_last_ack() {
    let mut h = Harness::new();
    h.close_wait();
    h.app_close();
    h.expect(&[Seg::fin(1, 2)]);
    h.assert_state(State::LastAck);
}

#[test]
fn last_ack_ack_of_fin_closes_and_frees_the_connection() {
    let mut h = Harness::new();
    h.close_wait();
    h.app_close();
    h.expect(&[Seg::fin(1, 2)]);
    h.send(Seg::ack_at(2, 2));
    h.expect_nothing();
    h.assert_no_connection();
    assert_eq!(h.ep.state(h.conn()), Err(Error::InvalidHandle));
}

#[test]
fn last_ack_ack_of_fin_reports_closed_to_a_holding_application() {
    let mut h = Harness::new();
    h.last_ack();
    h.send(Seg::ack_at(2, 2));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Closed]);
    // No TIME-WAIT on this side: nothing more happens.
    h.advance(Duration::from_secs(600));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![]);
}

#[test]
fn last_ack_ack_not_covering_fin_stays() {
    let mut h = Harness::new();
    h.last_ack();
    h.send(Seg::ack_at(2, 1));
    h.expect_nothing();
    h.assert_state(State::LastAck);
}

#[test]
fn last_ack_fin_is_retransmitted() {
    let mut h = Harness::new();
    h.last_ack();
    h.advance(ms(200));
    h.expect(&[Seg::fin(1, 2)]);
    h.assert_state(State::LastAck);
}

#[test]
fn last_ack_retransmitted_peer_fin_is_acked() {
    let mut h = Harness::new();
    h.last_ack();
    h.send(Seg::fin(1, 1));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.assert_state(State::LastAck);
}

#[test]
fn last_ack_rst_closes() {
    let mut h = Harness::new();
    h.last_ack();
    h.send(Seg::rst(2));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
}

// ----- CLOSING ------------------------------------------------------------

#[test]
fn closing_ack_of_fin_enters_time_wait() {
    let mut h = Harness::new();
    h.closing();
    h.send(Seg::ack_at(2, 2));
    h.expect_nothing();
    h.assert_state(State::TimeWait);
}

#[test]
fn closing_ack_not_covering_fin_stays() {
    let mut h = Harness::new();
    h.closing();
    h.send(Seg::ack_at(2, 1));
    h.expect_nothing();
    h.assert_state(State::Closing);
}

#[test]
fn closing_fin_is_retransmitted_then_acked() {
    let mut h = Harness::new();
    h.closing();
    h.advance(ms(200));
    h.expect(&[Seg::fin(1, 2)]);
    h.send(Seg::ack_at(2, 2));
    h.assert_state(State::TimeWait);
}

#[test]
fn closing_rst_closes() {
    let mut h = Harness::new();
    h.closing();
    h.send(Seg::rst(2));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
}

// ----- CLOSE with the handle released -------------------------------------

#[test]
fn close_in_established_runs_the_close_to_the_end_alone() {
    let mut h = Harness::new();
    h.established();
    h.app_close();
    h.expect(&[Seg::fin(1, 1)]);
    assert_eq!(h.ep.send(h.now, h.conn(), b"x"), Err(Error::InvalidHandle));
    h.send(Seg::ack_at(1, 2));
    h.assert_state(State::FinWait2);
    h.send(Seg::fin(1, 2));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.assert_state(State::TimeWait);
    h.advance(h.ep.config().tcp.msl * 2);
    h.assert_no_connection();
}

#[test]
fn close_with_unread_data_sends_rst() {
    // RFC 1122 4.2.2.13: closing with unread data resets.
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"unread"));
    h.app_close();
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].ctl.rst(), "{out:?}");
    assert_eq!(out[0].seq, 1);
    // If the RST carries an ACK, it is RCV.NXT.
    assert!(out[0].ack.is_none() || out[0].ack == Some(7), "{out:?}");
    h.assert_no_connection();
}

#[test]
fn data_after_close_draws_rst() {
    // RFC 1122 4.2.2.13 / 9293 3.10.4: data arriving after the application
    // closed cannot be delivered.
    let mut h = Harness::new();
    h.fin_wait_1();
    h.ep.close(h.now, h.conn()).unwrap();
    h.send(Seg::ack_at(1, 2));
    h.assert_state(State::FinWait2);
    h.send(Seg::data(1, 2, b"nobody reads this"));
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].ctl.rst(), "{out:?}");
    assert_eq!(out[0].seq, 2);
    h.assert_no_connection();
}

/// The RST for data after close is <SEQ=SEG.ACK><CTL=RST>: with our FIN
/// not yet acknowledged (FIN-WAIT-1), SEG.ACK is one below SND.NXT, and
/// only that sequence number is the peer's RCV.NXT, which RFC 5961 3.2
/// accepts without a challenge.
#[test]
fn data_after_close_in_fin_wait_1_resets_at_the_peers_rcv_nxt() {
    let mut h = Harness::new();
    h.fin_wait_1();
    h.ep.close(h.now, h.conn()).unwrap();
    // Data that does not acknowledge our FIN (SND.NXT is 2).
    h.send(Seg::data(1, 1, b"nobody reads this"));
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].ctl.rst(), "{out:?}");
    assert_eq!((out[0].seq, out[0].ack), (1, None), "{out:?}");
    h.assert_no_connection();
}

#[test]
fn closing_retransmitted_fin_is_acked() {
    let mut h = Harness::new();
    h.closing();
    h.send(Seg::fin(1, 1));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.assert_state(State::Closing);
}

#[test]
fn fin_wait_2_rst_resets() {
    let mut h = Harness::new();
    h.fin_wait_2();
    h.send(Seg::rst(1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Reset]);
}

#[test]
fn fin_wait_2_in_window_rst_draws_challenge_ack() {
    let mut h = Harness::new();
    h.fin_wait_2();
    h.send(Seg::rst(10));
    h.expect(&[Seg::ack_at(2, 1)]);
    h.assert_state(State::FinWait2);
}

#[test]
fn the_ack_of_our_fin_is_an_event_in_closing_too() {
    let mut h = Harness::new();
    h.closing();
    h.send(Seg::ack_at(2, 2));
    h.assert_state(State::TimeWait);
    assert_eq!(h.conn_events(), vec![EventKind::SendClosed]);
}
