//! SEGMENT ARRIVES in SYN-RECEIVED (RFC 9293 3.10.7.4 for a passive open),
//! SYN-ACK retransmission.

use crate::harness::*;
use core::time::Duration;
use synack_core::{Error, Event, EventKind, State};

#[test]
fn ack_establishes_and_accept_returns_the_connection() {
    let mut h = Harness::new();
    h.syn_received();
    let l = h.listener.unwrap();
    assert_eq!(h.ep.accept(l), Err(Error::WouldBlock));
    h.send(Seg::ack_at(1, 1));
    h.expect_nothing();
    h.assert_state(State::Established);
    assert_eq!(h.events(), vec![Event::Incoming(l)]);
    let c = h.ep.accept(l).unwrap();
    assert_eq!(h.ep.state(c), Ok(State::Established));
    assert_eq!(h.ep.addrs(c), Ok((h.local, h.remote)));
    assert_eq!(h.ep.accept(l), Err(Error::WouldBlock));
}

#[test]
fn ack_acking_iss_draws_rst() {
    let mut h = Harness::new();
    h.syn_received();
    // SND.UNA < SEG.ACK fails: <SEQ=SEG.ACK><CTL=RST>.
    h.send(Seg::ack_at(1, 0));
    h.expect(&[Seg::rst(0).win(0)]);
    h.assert_state(State::SynReceived);
}

#[test]
fn ack_beyond_snd_nxt_draws_rst() {
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::ack_at(1, 10));
    h.expect(&[Seg::rst(10).win(0)]);
    h.assert_state(State::SynReceived);
    // The right ACK still completes the handshake.
    h.send(Seg::ack_at(1, 1));
    h.expect_nothing();
    h.assert_state(State::Established);
}

#[test]
fn retransmitted_syn_draws_the_syn_ack_again() {
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::syn(0));
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535)]);
    h.assert_state(State::SynReceived);
    assert_eq!(h.ep.connection_count(), 1);
}

#[test]
fn rst_returns_to_listen_and_the_listener_still_works() {
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::rst(1));
    h.expect_nothing();
    // The embryonic connection is gone; the user need not be informed.
    h.assert_no_connection();
    assert_eq!(h.events(), vec![]);
    // The listener answers a new SYN (here from the same peer and port).
    h.iss = None;
    h.advance(Duration::from_millis(10));
    h.send(Seg::syn(0));
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535)]);
    h.send(Seg::ack_at(1, 1));
    assert!(h.ep.accept(h.listener.unwrap()).is_ok());
}

#[test]
fn rst_frees_its_backlog_slot() {
    let mut h = Harness::new();
    h.listen(1);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::rst(1));
    h.assert_no_connection();
    h.iss = None;
    h.send(Seg::syn(100));
    assert_eq!(h.recv().len(), 1);
    assert_eq!(h.ep.stats().backlog_drops, 0);
}

#[test]
fn rst_in_window_not_exact_draws_challenge_ack() {
    // RFC 5961 3.2 applies in SYN-RECEIVED too.
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::rst(500));
    h.expect(&[Seg::ack_at(1, 1)]);
    h.assert_state(State::SynReceived);
    assert_eq!(h.ep.stats().challenge_acks, 1);
}

#[test]
fn rst_out_of_window_is_dropped_silently() {
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::rst(0));
    h.send(Seg::rst(1 + 70_000));
    h.expect_nothing();
    h.assert_state(State::SynReceived);
}

#[test]
fn new_syn_in_window_returns_to_listen() {
    // Fourth check, SYN-RECEIVED from a passive OPEN: "return this
    // connection to the LISTEN state and return".
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::syn(10));
    h.expect_nothing();
    h.assert_no_connection();
}

#[test]
fn segment_without_ack_is_dropped() {
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::data(1, 0, b"hello").no_ack());
    h.expect_nothing();
    h.assert_state(State::SynReceived);
    // The data was not taken: after the handshake nothing is readable.
    h.send(Seg::ack_at(1, 1));
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    assert_eq!(h.app_recv(10), Err(Error::WouldBlock));
}

#[test]
fn unacceptable_sequence_number_draws_ack() {
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::data(100_000, 1, b"far away"));
    // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
    h.expect(&[Seg::ack_at(1, 1)]);
    h.assert_state(State::SynReceived);
}

#[test]
fn ack_with_data_establishes_and_delivers_it() {
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::data(1, 1, b"GET /"));
    h.assert_state(State::Established);
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    assert_eq!(h.app_recv(100), Ok(b"GET /".to_vec()));
}

#[test]
fn ack_with_fin_establishes_then_close_wait() {
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::fin(1, 1));
    h.expect(&[Seg::ack_at(1, 2)]);
    h.assert_state(State::CloseWait);
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    assert_eq!(h.app_recv(10), Ok(vec![]));
}

#[test]
fn syn_ack_is_retransmitted_on_timeout_with_backoff() {
    let mut h = Harness::new();
    let start = h.now;
    h.syn_received();
    h.advance(Duration::from_millis(999));
    h.expect_nothing();
    h.advance(Duration::from_millis(1));
    let syn_ack = Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535);
    h.expect(std::slice::from_ref(&syn_ack));
    h.advance(Duration::from_millis(1999));
    h.expect_nothing();
    h.advance(Duration::from_millis(1));
    h.expect(&[syn_ack]);
    assert_eq!(h.now - start, Duration::from_secs(3));
    h.assert_state(State::SynReceived);
    // The ACK of the retransmitted SYN-ACK completes the handshake.
    h.send(Seg::ack_at(1, 1));
    h.assert_state(State::Established);
}

#[test]
fn unanswered_syn_ack_gives_up_silently_and_frees_the_slot() {
    let mut h = Harness::with_config(false, |c| c.tcp.syn_retries = 2);
    h.listen(1);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.advance(Duration::from_secs(60));
    // Two retransmissions, then the embryonic connection is dropped: no RST,
    // no event (the application never saw it).
    let out = h.recv();
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out.iter().all(|s| s.ctl.syn()));
    h.assert_no_connection();
    assert_eq!(h.events(), vec![]);
    // The backlog slot is free again.
    h.iss = None;
    h.send(Seg::syn(5000));
    assert_eq!(h.recv().len(), 1);
}

#[test]
fn accepted_connection_sends_at_once() {
    let mut h = Harness::new();
    h.established_passive();
    h.app_send(b"hi");
    h.expect(&[Seg::data(1, 1, b"hi")]);
    assert_eq!(h.conn_events(), Vec::<EventKind>::new());
}

#[test]
fn syn_window_is_not_scaled_but_later_windows_are() {
    // RFC 7323 2.2: the SYN's window is never scaled; after the handshake
    // SND.WND = SEG.WND << Snd.Wind.Shift.
    let mut h = Harness::new();
    h.listen(8);
    h.send(Seg::syn(0).opts(mss_ws(1460, 2)).win(1000));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::ack_at(1, 1).win(250));
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    h.app_send(&bytes(0, 3000));
    // 250 << 2 = 1000 bytes may be sent.
    h.expect(&[Seg::data(1, 1, &bytes(0, 1000))]);
}

#[test]
fn synack_retries_bounds_a_passive_open_apart_from_syn_retries() {
    // FreeBSD's syncache.rexmtlimit: 3 SYN-ACK retransmissions although an
    // active open may retransmit its SYN 12 times.
    let mut h = Harness::with_config(false, |c| {
        c.tcp.syn_retries = 12;
        c.tcp.synack_retries = Some(3);
    });
    h.listen(1);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.advance(Duration::from_secs(600));
    let out = h.recv();
    assert_eq!(out.len(), 3, "{out:?}");
    h.assert_no_connection();
}
