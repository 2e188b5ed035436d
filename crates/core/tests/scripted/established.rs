//! SEGMENT ARRIVES in ESTABLISHED (RFC 9293 3.10.7.4), with RFC 5961's
//! RST / SYN / ACK rules, delayed ACKs (3.8.6.3), reassembly and the FIN.

use crate::harness::*;
use core::time::Duration;
use synack_core::{Error, EventKind, State};

// ----- text -------------------------------------------------------------

#[test]
fn in_order_data_is_delivered_and_its_ack_delayed() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"hello"));
    h.expect_nothing();
    assert_eq!(h.conn_events(), vec![EventKind::Readable]);
    // No ACK before the delayed-ACK timer (40 ms by default)...
    h.advance(Duration::from_micros(39_999));
    h.expect_nothing();
    // ... and the ACK at the timer.
    h.advance(Duration::from_micros(1));
    h.expect(&[Seg::ack_at(1, 6)]);
    assert_eq!(h.app_recv(100), Ok(b"hello".to_vec()));
}

#[test]
fn quick_acks_acknowledge_the_first_segments_at_once() {
    // Linux's quick-ack mode (Config::quick_acks): the first two in-order
    // segments are acknowledged at once, the third waits for the timer.
    let mut h = Harness::with_config(false, |c| c.tcp.quick_acks = 2);
    h.established();
    h.send(Seg::data(1, 1, b"abc"));
    assert_eq!(h.recv().len(), 1, "first segment: an immediate ACK");
    h.send(Seg::data(4, 1, b"def"));
    assert_eq!(h.recv().len(), 1, "second segment: an immediate ACK");
    h.send(Seg::data(7, 1, b"ghi"));
    h.expect_nothing();
    h.advance(ms(40));
    assert_eq!(h.recv().len(), 1, "third: the delayed ACK");
}

#[test]
fn delayed_ack_timer_is_not_restarted_by_more_data() {
    let mut h = Harness::new();
    h.established();
    let t0 = h.now;
    h.send(Seg::data(1, 1, b"abc"));
    h.advance(ms(20));
    h.send(Seg::data(4, 1, b"def"));
    h.advance(ms(20));
    let out = h.recv_timed();
    assert_eq!(out, vec![(t0 + ms(40), Seg::ack_at(1, 7).win(65535))]);
}

#[test]
fn reading_a_little_sends_no_window_update() {
    // Receiver SWS avoidance (RFC 9293 3.8.6.2.2, MUST-39): reading 5 bytes
    // does not open the window by min(RCV.BUFF/2, MSS), so the delayed ACK
    // stays delayed.
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"hello"));
    assert_eq!(h.app_recv(100), Ok(b"hello".to_vec()));
    h.expect_nothing();
    h.advance(ms(40));
    h.expect(&[Seg::ack_at(1, 6).win(65535)]);
}

#[test]
fn second_full_sized_segment_is_acked_at_once() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, &bytes(0, MSS_V4)));
    h.expect_nothing();
    h.send(Seg::data(1 + MSS_V4 as u32, 1, &bytes(MSS_V4, MSS_V4)));
    h.expect(&[Seg::ack_at(1, 1 + 2 * MSS_V4 as u32)]);
    // Nothing left for the delayed-ACK timer.
    h.advance(ms(100));
    h.expect_nothing();
    assert_eq!(h.app_recv(4 * MSS_V4), Ok(bytes(0, 2 * MSS_V4)));
}

#[test]
fn out_of_order_data_draws_immediate_duplicate_ack_and_is_held() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(11, 1, &bytes(10, 10)));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.app_recv(100), Err(Error::WouldBlock));
    // The gap fill draws an immediate ACK covering everything.
    h.send(Seg::data(1, 1, &bytes(0, 10)));
    h.expect(&[Seg::ack_at(1, 21)]);
    assert_eq!(h.app_recv(100), Ok(bytes(0, 20)));
}

/// `Endpoint::answer_due`: a driver that batches its answers sends these
/// at once (RFC 5681 4.2), and only these.
#[test]
fn only_out_of_order_data_and_gap_fills_make_an_answer_due() {
    // Hands a segment in without transmitting what it draws.
    fn arrive(h: &mut Harness, seg: Seg) -> bool {
        let tcp = h.to_wire(&seg);
        let packet = h.packet(h.remote.ip(), h.local.ip(), &tcp, &seg.data);
        h.ep.handle_packet(h.now, &packet);
        h.ep.answer_due()
    }
    let mut h = Harness::new();
    h.established();
    // In-order data: its ACK may wait (here for the delayed-ACK timer).
    assert!(!arrive(&mut h, Seg::data(1, 1, &bytes(0, 10))));
    // Out of order: the duplicate ACK is due.
    assert!(arrive(&mut h, Seg::data(21, 1, &bytes(20, 10))));
    h.expect(&[Seg::ack_at(1, 11)]);
    assert!(!h.ep.answer_due(), "cleared once everything was sent");
    // The gap fill: its ACK is due too.
    assert!(arrive(&mut h, Seg::data(11, 1, &bytes(10, 10))));
    h.expect(&[Seg::ack_at(1, 31)]);
    assert!(!h.ep.answer_due());
    // In order again, with the queue empty: not due.
    assert!(!arrive(&mut h, Seg::data(31, 1, &bytes(30, 10))));
    assert_eq!(h.app_recv(100), Ok(bytes(0, 40)));
}

#[test]
fn several_holes_fill_in_any_order() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(21, 1, &bytes(20, 10)));
    h.expect(&[Seg::ack_at(1, 1)]);
    h.send(Seg::data(41, 1, &bytes(40, 10)));
    h.expect(&[Seg::ack_at(1, 1)]);
    h.send(Seg::data(1, 1, &bytes(0, 10)));
    h.expect(&[Seg::ack_at(1, 11)]);
    h.send(Seg::data(31, 1, &bytes(30, 10)));
    h.expect(&[Seg::ack_at(1, 11)]);
    h.send(Seg::data(11, 1, &bytes(10, 10)));
    h.expect(&[Seg::ack_at(1, 51)]);
    assert_eq!(h.app_recv(100), Ok(bytes(0, 50)));
}

#[test]
fn duplicate_data_is_acked_and_not_delivered_twice() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"once"));
    h.advance(ms(40));
    h.expect(&[Seg::ack_at(1, 5)]);
    // Entirely old: unacceptable, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> at once.
    h.send(Seg::data(1, 1, b"once"));
    h.expect(&[Seg::ack_at(1, 5)]);
    assert_eq!(h.app_recv(100), Ok(b"once".to_vec()));
    assert_eq!(h.app_recv(100), Err(Error::WouldBlock));
}

#[test]
fn partly_overlapping_data_keeps_only_the_new_part() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"abcdef"));
    h.send(Seg::data(4, 1, b"defghi"));
    h.advance(ms(40));
    h.expect(&[Seg::ack_at(1, 10)]);
    assert_eq!(h.app_recv(100), Ok(b"abcdefghi".to_vec()));
}

#[test]
fn overlapping_out_of_order_segments_are_merged() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(5, 1, b"efgh"));
    h.send(Seg::data(7, 1, b"ghij"));
    assert_eq!(h.recv().len(), 2);
    h.send(Seg::data(1, 1, b"abcde"));
    h.expect(&[Seg::ack_at(1, 11)]);
    assert_eq!(h.app_recv(100), Ok(b"abcdefghij".to_vec()));
}

#[test]
fn data_beyond_the_window_is_acked_and_dropped() {
    let mut h = Harness::new();
    h.established();
    // RCV.WND is 65535 (the SYN-ACK's window, unscaled): the first
    // sequence number past it is 1 + 65535.
    h.send(Seg::data(1 + 65535, 1, b"too far"));
    h.expect(&[Seg::ack_at(1, 1)]);
    h.send(Seg::data(1, 1, b"x"));
    h.advance(ms(40));
    h.expect(&[Seg::ack_at(1, 2)]);
    assert_eq!(h.app_recv(100), Ok(b"x".to_vec()));
}

#[test]
fn data_at_the_last_window_byte_is_held_out_of_order() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(65535, 1, b"z"));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.app_recv(100), Err(Error::WouldBlock));
}

#[test]
fn data_past_the_right_edge_is_trimmed() {
    let mut h = Harness::with_config(false, |c| c.tcp.recv_buffer = 1000);
    h.listen(8);
    h.send(Seg::syn(0));
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(1000)]);
    h.send(Seg::ack_at(1, 1));
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    // 1200 bytes into a 1000-byte window: the first 1000 are taken.
    h.send(Seg::data(1, 1, &bytes(0, 1200)));
    h.advance(ms(40));
    h.expect(&[Seg::ack_at(1, 1001).win(0)]);
    assert_eq!(h.app_recv(5000), Ok(bytes(0, 1000)));
}

#[test]
fn zero_window_accepts_only_exact_empty_segments() {
    let mut h = Harness::with_config(false, |c| c.tcp.recv_buffer = 1000);
    h.listen(8);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::ack_at(1, 1));
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    h.send(Seg::data(1, 1, &bytes(0, 1000)));
    h.advance(ms(40));
    h.expect(&[Seg::ack_at(1, 1001).win(0)]);
    // Zero window: any data is unacceptable and draws an ACK.
    h.send(Seg::data(1001, 1, b"x"));
    h.expect(&[Seg::ack_at(1, 1001).win(0)]);
    // An empty segment at RCV.NXT is acceptable (its ACK is processed,
    // nothing is sent in reply).
    h.send(Seg::ack_at(1001, 1));
    h.expect_nothing();
    assert_eq!(h.app_recv(5000), Ok(bytes(0, 1000)));
    // Reading everything reopens the window: a window update goes out.
    h.expect(&[Seg::ack_at(1, 1001).win(1000)]);
}

#[test]
fn segment_without_ack_bit_is_dropped() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 0, b"no ack").no_ack());
    h.advance(ms(100));
    h.expect_nothing();
    assert_eq!(h.app_recv(100), Err(Error::WouldBlock));
    h.assert_state(State::Established);
}

// ----- RST (RFC 5961 3.2) --------------------------------------------------

#[test]
fn rst_at_rcv_nxt_resets_the_connection() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::rst(1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Reset]);
    assert_eq!(h.app_recv(10), Err(Error::ConnectionReset));
    assert_eq!(
        h.ep.send(h.now, h.conn(), b"x"),
        Err(Error::ConnectionReset)
    );
}

#[test]
fn rst_ack_at_rcv_nxt_resets_the_connection() {
    let mut h = Harness::new();
    h.established_active();
    h.send(Seg::rst_ack(1, 1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Reset]);
}

#[test]
fn rst_in_window_but_not_exact_draws_challenge_ack() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::rst(2));
    // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
    h.expect(&[Seg::ack_at(1, 1)]);
    h.send(Seg::rst(30_000));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(h.ep.stats().challenge_acks, 2);
    assert_eq!(h.conn_events(), vec![]);
}

#[test]
fn rst_out_of_window_is_dropped_silently() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::rst(0)); // just before RCV.NXT
    // Without scaling the field says 65535 although the buffer holds more:
    // RCV.WND reaches one segment further, and no more.
    h.send(Seg::rst(1 + 65535 + MSS_V4 as u32)); // just past the window
    h.send(Seg::rst(0x8000_0000));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn rst_with_data_at_rcv_nxt_resets_and_discards_the_data() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"bye").with(synack_core::wire::TcpFlags::RST));
    h.expect_nothing();
    assert_eq!(h.app_recv(10), Err(Error::ConnectionReset));
}

#[test]
fn challenge_acks_are_rate_limited() {
    let mut h = Harness::with_config(false, |c| c.tcp.challenge_ack_limit = 2);
    h.established();
    for _ in 0..5 {
        h.send(Seg::rst(7));
    }
    h.expect(&[Seg::ack_at(1, 1), Seg::ack_at(1, 1)]);
    // A second later the budget is back.
    h.advance(Duration::from_secs(1));
    h.send(Seg::rst(7));
    h.expect(&[Seg::ack_at(1, 1)]);
}

// ----- SYN (RFC 5961 4.2) -------------------------------------------------

#[test]
fn syn_in_window_draws_challenge_ack() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::syn(100));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(h.ep.stats().challenge_acks, 1);
    assert_eq!(h.conn_events(), vec![]);
}

#[test]
fn syn_at_rcv_nxt_draws_challenge_ack() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::syn(1));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn old_syn_draws_ack() {
    // "irrespective of the sequence number": the original SYN again.
    let mut h = Harness::new();
    h.established();
    h.send(Seg::syn(0));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn syn_ack_draws_challenge_ack() {
    let mut h = Harness::new();
    h.established_active();
    h.send(Seg::syn_ack(50, 1));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn syn_with_data_is_not_delivered() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg {
        data: b"inject".to_vec(),
        ..Seg::syn(1)
    });
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.app_recv(100), Err(Error::WouldBlock));
}

// ----- ACK (RFC 9293 fifth check, RFC 5961 5.2) ---------------------------

#[test]
fn acceptable_ack_frees_the_send_buffer() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"0123456789");
    h.expect(&[Seg::data(1, 1, b"0123456789")]);
    assert_eq!(h.ep.connection(h.conn()).unwrap().send_queue(), 10);
    h.send(Seg::ack_at(1, 6));
    assert_eq!(h.ep.connection(h.conn()).unwrap().send_queue(), 5);
    h.send(Seg::ack_at(1, 11));
    h.expect_nothing();
    assert_eq!(h.ep.connection(h.conn()).unwrap().send_queue(), 0);
    // Everything acknowledged: no retransmission.
    h.advance(Duration::from_secs(10));
    h.expect_nothing();
}

#[test]
fn ack_of_unsent_data_draws_ack_and_is_dropped() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"abc");
    h.expect(&[Seg::data(1, 1, b"abc")]);
    // SEG.ACK > SND.NXT: "send an ACK, drop the segment, and return" --
    // its data is not taken.
    h.send(Seg::data(1, 100, b"data"));
    h.expect(&[Seg::ack_at(4, 1)]);
    assert_eq!(h.app_recv(100), Err(Error::WouldBlock));
    assert_eq!(h.ep.connection(h.conn()).unwrap().send_queue(), 3);
}

#[test]
fn ack_of_unsent_data_is_dropped_silently_when_configured() {
    // Config::ack_unsent_draws_ack off (Linux's tcp_ack()): no ACK.
    let mut h = Harness::with_config(false, |c| c.tcp.ack_unsent_draws_ack = false);
    h.established();
    h.app_send(b"abc");
    h.expect(&[Seg::data(1, 1, b"abc")]);
    h.send(Seg::data(1, 100, b"data"));
    h.expect_nothing();
    assert_eq!(h.app_recv(100), Err(Error::WouldBlock));
    // The next good segment is taken and acknowledged as usual.
    h.send(Seg::data(1, 4, b"data"));
    h.advance(core::time::Duration::from_millis(500));
    h.expect(&[Seg::ack_at(4, 5)]);
}

#[test]
fn too_old_ack_draws_challenge_ack_and_is_dropped() {
    let mut h = Harness::new();
    h.established();
    // MAX.SND.WND is 65535: SEG.ACK < SND.UNA - MAX.SND.WND is too old.
    let too_old = 1u32.wrapping_sub(65535 + 10);
    h.send(Seg::data(1, too_old, b"inject"));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.app_recv(100), Err(Error::WouldBlock));
    assert_eq!(h.ep.stats().challenge_acks, 1);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn old_ack_within_max_snd_wnd_is_accepted() {
    let mut h = Harness::new();
    h.established();
    h.app_send(b"0123456789");
    h.expect(&[Seg::data(1, 1, b"0123456789")]);
    h.send(Seg::ack_at(1, 11));
    // A duplicate (older) ACK "can be ignored"; its text is processed.
    h.send(Seg::data(1, 5, b"hey"));
    assert_eq!(h.app_recv(100), Ok(b"hey".to_vec()));
    h.advance(ms(40));
    h.expect(&[Seg::ack_at(11, 4)]);
}

#[test]
fn window_update_from_older_segment_is_ignored() {
    // SND.WL1 / SND.WL2 guard: a segment older than the last window update
    // (SEG.SEQ < SND.WL1) may not change SND.WND.
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"abc"));
    h.send(Seg::data(4, 1, b"def").win(1000));
    // A reordered older segment straddling RCV.NXT, with a zero window: its
    // new byte is taken, its window is not.
    h.send(Seg::data(1, 1, b"abcdefg").win(0));
    h.app_send(&bytes(0, 500));
    h.expect(&[Seg::data(1, 8, &bytes(0, 500))]);
    assert_eq!(h.app_recv(100), Ok(b"abcdefg".to_vec()));
}

// ----- FIN ----------------------------------------------------------------

#[test]
fn fin_enters_close_wait_acks_at_once_and_reads_eof() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::fin(1, 1));
    h.expect(&[Seg::ack_at(1, 2)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::CloseWait));
    assert_eq!(h.conn_events(), vec![EventKind::PeerClosed]);
    assert_eq!(h.app_recv(10), Ok(vec![]));
    assert_eq!(h.app_recv(10), Ok(vec![]));
}

#[test]
fn data_with_fin_is_delivered_then_eof() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"last words").with(synack_core::wire::TcpFlags::FIN));
    h.expect(&[Seg::ack_at(1, 12)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::CloseWait));
    assert_eq!(h.app_recv(100), Ok(b"last words".to_vec()));
    assert_eq!(h.app_recv(100), Ok(vec![]));
}

#[test]
fn out_of_order_fin_waits_for_the_gap() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::fin(11, 1));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(h.app_recv(10), Err(Error::WouldBlock));
    h.send(Seg::data(1, 1, &bytes(0, 10)));
    h.expect(&[Seg::ack_at(1, 12)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::CloseWait));
    assert_eq!(h.app_recv(100), Ok(bytes(0, 10)));
    assert_eq!(h.app_recv(100), Ok(vec![]));
}

#[test]
fn out_of_order_data_with_fin_waits_for_the_gap() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(6, 1, b"world").with(synack_core::wire::TcpFlags::FIN));
    h.expect(&[Seg::ack_at(1, 1)]);
    h.send(Seg::data(1, 1, b"hello"));
    h.expect(&[Seg::ack_at(1, 12)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::CloseWait));
    assert_eq!(h.app_recv(100), Ok(b"helloworld".to_vec()));
    assert_eq!(h.app_recv(100), Ok(vec![]));
}

#[test]
fn close_wait_app_can_still_send() {
    let mut h = Harness::new();
    h.close_wait();
    h.app_send(b"response");
    h.expect(&[Seg::data(1, 2, b"response")]);
    h.send(Seg::ack_at(2, 9));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::CloseWait));
}

#[test]
fn close_wait_ignores_more_data() {
    // Seventh check, CLOSE-WAIT: "Ignore the segment text".
    let mut h = Harness::new();
    h.close_wait();
    h.send(Seg::data(2, 1, b"after fin"));
    assert_eq!(h.app_recv(100), Ok(vec![]));
    assert_eq!(h.ep.state(h.conn()), Ok(State::CloseWait));
}

#[test]
fn close_wait_retransmitted_fin_is_acked_again() {
    let mut h = Harness::new();
    h.close_wait();
    h.send(Seg::fin(1, 1));
    h.expect(&[Seg::ack_at(1, 2)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::CloseWait));
}

#[test]
fn close_wait_rst_resets() {
    let mut h = Harness::new();
    h.close_wait();
    h.send(Seg::rst(2));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Reset]);
}

// ----- both opens ---------------------------------------------------------

#[test]
fn active_open_carries_data_both_ways() {
    let mut h = Harness::new();
    h.established_active();
    h.app_send(b"ping");
    h.expect(&[Seg::data(1, 1, b"ping")]);
    h.send(Seg::data(1, 5, b"pong"));
    assert_eq!(h.app_recv(10), Ok(b"pong".to_vec()));
    h.advance(ms(40));
    h.expect(&[Seg::ack_at(5, 5)]);
}

#[test]
fn peer_without_mss_option_gets_536_byte_segments() {
    // RFC 9293 MUST-15: absent an MSS option, assume 536 (IPv4).
    let mut h = Harness::new();
    h.listen(8);
    h.send(Seg::syn(0).opts(Default::default()));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::ack_at(1, 1));
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    h.ep.set_nodelay(h.conn(), true).unwrap();
    h.app_send(&bytes(0, 1000));
    h.expect(&[
        Seg::data(1, 1, &bytes(0, 536)),
        Seg::data(537, 1, &bytes(536, 464)),
    ]);
}

#[test]
fn peer_window_limits_what_is_sent() {
    let mut h = Harness::new();
    h.listen(8);
    h.send(Seg::syn(0).win(1000));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::ack_at(1, 1).win(1000));
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    h.app_send(&bytes(0, 3000));
    h.expect(&[Seg::data(1, 1, &bytes(0, 1000))]);
    h.send(Seg::ack_at(1, 1001).win(1000));
    h.expect(&[Seg::data(1001, 1, &bytes(1000, 1000))]);
}

// ----- sequence space wrap ------------------------------------------------

#[test]
fn sequence_numbers_wrap_around() {
    let mut h = Harness::new();
    // The peer's data crosses 2^32 a few bytes in.
    h.peer_iss = synack_core::SeqNum(u32::MAX - 4);
    h.established();
    h.send(Seg::data(11, 1, &bytes(10, 10)));
    h.expect(&[Seg::ack_at(1, 1)]);
    h.send(Seg::data(1, 1, &bytes(0, 10)));
    h.expect(&[Seg::ack_at(1, 21)]);
    // RST just before RCV.NXT (across the wrap) is out of window.
    h.send(Seg::rst(20));
    h.expect_nothing();
    assert_eq!(h.app_recv(100), Ok(bytes(0, 20)));
    h.send(Seg::rst(21));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
}

// ----- more ----------------------------------------------------------------

#[test]
fn unacceptable_segment_ack_field_is_ignored() {
    // First check fails: the segment is dropped after the ACK is sent, its
    // ACK field is not processed.
    let mut h = Harness::new();
    h.established();
    h.app_send(b"0123456789");
    h.expect(&[Seg::data(1, 1, b"0123456789")]);
    h.send(Seg::data(400_000, 11, b"stray"));
    h.expect(&[Seg::ack_at(11, 1)]);
    assert_eq!(h.ep.connection(h.conn()).unwrap().send_queue(), 10);
}

#[test]
fn out_of_window_fin_draws_ack_and_is_ignored() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::fin(100_000, 1));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn delayed_ack_rides_on_outgoing_data() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"request"));
    h.advance(ms(10));
    h.app_send(b"response");
    h.expect(&[Seg::data(1, 8, b"response")]);
    // No separate ACK at the timer.
    h.advance(ms(100));
    h.expect_nothing();
}

#[test]
fn zero_window_still_takes_acks_of_data_segments() {
    // "If the RCV.WND is zero, no segments will be acceptable, but special
    // allowance should be made to accept valid ACKs" -- a data segment at
    // RCV.NXT acknowledging our data frees our send buffer even though its
    // data is not taken.
    let mut h = Harness::with_config(false, |c| c.tcp.recv_buffer = 1000);
    h.listen(8);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::ack_at(1, 1));
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    h.send(Seg::data(1, 1, &bytes(0, 1000)));
    h.app_send(b"abc");
    h.expect(&[Seg::data(1, 1001, b"abc").win(0)]);
    h.send(Seg::data(1001, 4, b"more"));
    h.expect(&[Seg::ack_at(4, 1001).win(0)]);
    assert_eq!(h.ep.connection(h.conn()).unwrap().send_queue(), 0);
}

#[test]
fn retransmitted_syn_ack_draws_ack() {
    // Our handshake ACK was lost; the peer resends its SYN-ACK. It lies
    // before RCV.NXT, so it is unacceptable and draws an ACK.
    let mut h = Harness::new();
    h.established_active();
    h.send(Seg::syn_ack(0, 1));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(h.conn_events(), vec![]);
}

#[test]
fn reset_before_accept_is_not_accepted() {
    let mut h = Harness::new();
    h.syn_received();
    h.send(Seg::ack_at(1, 1));
    h.assert_state(State::Established);
    h.send(Seg::rst(1));
    h.expect_nothing();
    h.assert_no_connection();
    assert_eq!(h.ep.accept(h.listener.unwrap()), Err(Error::WouldBlock));
}

#[test]
fn peer_mss_limits_segment_size() {
    let mut h = Harness::new();
    h.listen(8);
    h.send(Seg::syn(0).opts(mss(100)));
    // We still announce our own MSS.
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535)]);
    h.send(Seg::ack_at(1, 1));
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    h.app_send(&bytes(0, 300));
    h.expect(&[
        Seg::data(1, 1, &bytes(0, 100)),
        Seg::data(101, 1, &bytes(100, 100)),
        Seg::data(201, 1, &bytes(200, 100)),
    ]);
}

#[test]
fn pure_ack_exactly_at_the_right_window_edge_is_taken() {
    // Linux puts a pure ACK's sequence number at our window's right edge
    // when it has sent beyond it (tcp_acceptable_seq); Linux and the BSDs
    // accept that, and so must we, or both ends drop each other's ACKs.
    let mut h = Harness::with_config(false, |c| c.tcp.recv_buffer = 2048);
    h.listen(8);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::ack_at(1, 1));
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).unwrap());
    h.app_send(b"0123456789");
    h.expect(&[Seg::data(1, 1, b"0123456789")]);
    // Our window is 2048 from RCV.NXT = 1: the edge is 2049.
    h.send(Seg::ack_at(2049, 11));
    h.expect_nothing();
    assert_eq!(
        h.ep.connection(h.conn()).unwrap().send_queue(),
        0,
        "the ACK was processed"
    );
    // One past the edge is still out of window, and answered.
    h.send(Seg::ack_at(2050, 11));
    h.expect(&[Seg::ack_at(11, 1)]);
    // Data or an RST at the edge are not acceptable (RFC 9293 3.10.7.4).
    h.send(Seg::rst(2049));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn an_old_duplicate_still_delivers_its_ack_of_new_data() {
    // Both ends took each other's zero-window probe: the peer's ACK of our
    // data carries a sequence number just below our RCV.NXT. It is an old
    // duplicate (answered with an ACK), but its ACK field is news (BSD:
    // "keep on processing for RST or ACK").
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"xy"));
    h.advance(ms(500));
    h.recv();
    h.app_send(b"abcd");
    h.expect(&[Seg::data(1, 3, b"abcd")]);
    // seq 2 < RCV.NXT = 3, ack 5: everything we sent.
    h.send(Seg::ack_at(2, 5));
    h.expect(&[Seg::ack_at(5, 3)]);
    assert_eq!(
        h.ep.connection(h.conn()).unwrap().send_queue(),
        0,
        "ACK taken"
    );
    // An old segment acknowledging nothing new changes nothing (answered
    // once the out-of-window ACK rate limit allows).
    h.advance(ms(600));
    h.send(Seg::ack_at(1, 5));
    h.expect(&[Seg::ack_at(5, 3)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn the_window_reaches_one_segment_past_a_capped_field() {
    // A 256 KiB buffer and a peer without window scaling: the field says
    // 65535; RCV.WND takes one more segment's worth (as the BSDs take the
    // buffer's room), not the whole buffer (RFC 5961's odds unchanged).
    let mut h = Harness::new();
    h.established();
    let edge = 1 + 65535 + MSS_V4 as u32;
    h.send(Seg::rst(edge - 1));
    h.expect(&[Seg::ack_at(1, 1)]); // in window: challenge ACK
    h.send(Seg::rst(edge));
    h.expect_nothing(); // outside: dropped silently
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn last_data_received_starts_at_the_handshake_and_follows_data() {
    let mut h = Harness::new();
    h.established();
    let at_open = h.now;
    let c = h.ep.connection(h.conn()).unwrap();
    assert_eq!(c.last_data_received(), Some(at_open));
    assert!(c.advertised_mss() > 0);
    h.advance(core::time::Duration::from_millis(300));
    // A pure ACK is not data.
    h.send(Seg::ack_at(1, 1));
    let c = h.ep.connection(h.conn()).unwrap();
    assert_eq!(c.last_data_received(), Some(at_open));
    h.send(Seg::data(1, 1, b"data"));
    let now = h.now;
    let c = h.ep.connection(h.conn()).unwrap();
    assert_eq!(c.last_data_received(), Some(now));
}

#[test]
fn a_gro_super_packet_counts_by_the_segments_it_joined() {
    // Without the device's segment size, a joined packet looks like one
    // segment as large as the MSS allows.
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, &bytes(0, 10_000)));
    let mss = h.mss();
    let peer = |h: &Harness| h.ep.connection(h.conn()).unwrap().peer_segment_size();
    assert_eq!(peer(&h), Some(mss.min(10_000)));
    // With it (virtio-net's gso_size), the peer's segments are known.
    let mut h = Harness::new();
    h.established();
    assert_eq!(peer(&h), None);
    let p = h.packet_for(&Seg::data(1, 1, &bytes(0, 10_000)));
    let now = h.now;
    h.ep.handle_offloaded_packet(now, &p, false, Some(1000));
    assert_eq!(peer(&h), Some(1000));
    assert_eq!(h.app_recv(20_000).map(|d| d.len()), Ok(10_000));
}

#[test]
fn the_ds_field_is_the_applications_and_the_ecn_bits_the_stacks() {
    // Config::dscp (here the listener's default): the SYN-ACK has it.
    let mut h = Harness::with_config(false, |c| c.tcp.dscp = 0x08);
    h.listen(1);
    h.send(Seg::syn(0));
    let tos = |h: &mut Harness| {
        let out = h.recv_packets();
        let p = out.last().expect("a packet");
        synack_core::wire::ipv4::Ipv4Packet::new_checked(&p[..])
            .unwrap()
            .tos()
    };
    assert_eq!(tos(&mut h), 0x20);
    // IP_TOS on the connection: its DS field; the ECN bits asked for are
    // ignored (Not-ECT here, ECN off).
    let mut h = Harness::new();
    h.established();
    h.ep.set_tos(h.conn(), 0xb8 | 3).unwrap();
    assert_eq!(h.ep.connection(h.conn()).unwrap().tos(), 0xb8);
    h.ep.send(h.now, h.conn(), b"x").unwrap();
    assert_eq!(tos(&mut h), 0xb8);
}
