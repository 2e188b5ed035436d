//! ABORT (RFC 9293 3.10.5).

use crate::harness::*;
use core::time::Duration;
use synack_core::{Error, State};

/// The abort RST: <SEQ=SND.NXT><CTL=RST>. An ACK bit is allowed (Linux
/// sets it); if present it must carry RCV.NXT.
#[track_caller]
fn expect_abort_rst(h: &mut Harness, snd_nxt: u32, rcv_nxt: u32) {
    let out = h.recv();
    assert_eq!(out.len(), 1, "one RST expected: {out:?}");
    let s = &out[0];
    assert!(s.ctl.rst() && !s.ctl.syn() && !s.ctl.fin(), "{out:?}");
    assert_eq!(s.seq, snd_nxt, "{out:?}");
    assert!(s.ack.is_none() || s.ack == Some(rcv_nxt), "{out:?}");
    assert!(s.data.is_empty());
}

#[test]
fn abort_in_established_sends_rst_and_frees() {
    let mut h = Harness::new();
    h.established();
    h.app_abort();
    expect_abort_rst(&mut h, 1, 1);
    h.assert_no_connection();
    assert_eq!(h.ep.state(h.conn()), Err(Error::InvalidHandle));
    h.advance(Duration::from_secs(10));
    h.expect_nothing();
}

#[test]
fn abort_with_unacked_data_sends_rst_at_snd_nxt() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"unacked");
    h.expect(&[Seg::data(1, 1, b"unacked")]);
    h.send(Seg::data(1, 1, b"abc"));
    h.app_abort();
    expect_abort_rst(&mut h, 8, 4);
    h.assert_no_connection();
    // No retransmission of the dropped data.
    h.advance(Duration::from_secs(10));
    h.expect_nothing();
}

#[test]
fn abort_in_syn_sent_sends_nothing() {
    let mut h = Harness::new();
    h.syn_sent();
    h.app_abort();
    h.expect_nothing();
    h.assert_no_connection();
    h.advance(Duration::from_secs(10));
    h.expect_nothing();
    // A late SYN-ACK finds no TCB: <SEQ=SEG.ACK><CTL=RST>.
    h.send(Seg::syn_ack(0, 1));
    h.expect(&[Seg::rst(1).win(0)]);
}

#[test]
fn abort_in_close_wait_sends_rst() {
    let mut h = Harness::new();
    h.close_wait();
    h.app_abort();
    expect_abort_rst(&mut h, 1, 2);
    h.assert_no_connection();
}

#[test]
fn abort_in_fin_wait_1_sends_rst() {
    let mut h = Harness::new();
    h.fin_wait_1();
    h.app_abort();
    expect_abort_rst(&mut h, 2, 1);
    h.assert_no_connection();
}

#[test]
fn abort_in_time_wait_sends_nothing() {
    // "CLOSING, LAST-ACK, TIME-WAIT STATES: Respond with "ok" and delete
    // the TCB" -- no RST.
    let mut h = Harness::new();
    h.time_wait();
    h.app_abort();
    h.expect_nothing();
    h.assert_no_connection();
}

#[test]
fn abort_in_last_ack_sends_nothing() {
    let mut h = Harness::new();
    h.last_ack();
    h.app_abort();
    h.expect_nothing();
    h.assert_no_connection();
}

#[test]
fn closing_the_listener_resets_embryonic_connections() {
    let mut h = Harness::new();
    h.syn_received();
    let l = h.listener.unwrap();
    h.ep.close_listener(h.now, l).unwrap();
    // SYN-RECEIVED abort: <SEQ=SND.NXT><CTL=RST>.
    expect_abort_rst(&mut h, 1, 1);
    h.assert_no_connection();
    assert_eq!(h.ep.accept(l), Err(Error::InvalidHandle));
}

#[test]
fn closing_the_listener_resets_unaccepted_connections() {
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::ack_at(1, 1));
    h.assert_state(State::Established);
    h.ep.close_listener(h.now, h.listener.unwrap()).unwrap();
    expect_abort_rst(&mut h, 1, 1);
    h.assert_no_connection();
}
