//! Corking: `Endpoint::set_cork` (Linux's TCP_CORK) and
//! `Endpoint::send_more` (MSG_MORE) hold short segments; full ones go.

use crate::harness::*;
use crate::loss_recovery::{MSS, seg_start, sending, sent};
use synack_core::PushPolicy;

const M: usize = MSS as usize;

#[test]
fn a_cork_holds_the_short_tail_until_uncorked() {
    let mut h = sending(0, |_| {});
    h.ep.set_cork(h.conn(), true).unwrap();
    h.app_send(&bytes(0, 100));
    assert_eq!(sent(&mut h), []);
    // Enough for two whole segments: they go, the rest waits.
    h.app_send(&bytes(100, 2 * M));
    let out = sent(&mut h);
    assert_eq!(out.iter().map(|s| s.1).collect::<Vec<_>>(), [M, M]);
    h.ep.set_cork(h.conn(), false).unwrap();
    let out = sent(&mut h);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].0, out[0].1), (seg_start(2), 100));
}

#[test]
fn with_nothing_in_flight_the_persist_timer_lets_corked_data_out() {
    let mut h = sending(0, |c| c.push = PushPolicy::WriteBoundary);
    h.ep.set_cork(h.conn(), true).unwrap();
    h.ep.set_nodelay(h.conn(), false).unwrap();
    h.app_send(&bytes(0, 40));
    h.advance(ms(150));
    assert_eq!(sent(&mut h), []);
    // About an RTO (200 ms at least) later, with PSH (tcp_write_wakeup).
    h.advance(ms(100));
    assert_eq!(sent(&mut h), [(seg_start(0), 40, true)]);
}

#[test]
fn nodelay_sends_what_is_queued_even_when_corked() {
    let mut h = sending(0, |_| {});
    h.ep.set_nodelay(h.conn(), false).unwrap();
    h.ep.set_cork(h.conn(), true).unwrap();
    h.app_send(&bytes(0, 80));
    assert_eq!(sent(&mut h), []);
    h.ep.set_nodelay(h.conn(), true).unwrap();
    let out = sent(&mut h);
    assert_eq!((out.len(), out[0].1), (1, 80));
    // Still corked for what comes after.
    h.send(Seg::ack_at(1, seg_start(0) + 80).win(65535));
    h.app_send(&bytes(80, 40));
    assert_eq!(sent(&mut h), []);
}

#[test]
fn more_to_come_holds_the_tail_until_the_next_write_or_segment() {
    let mut h = sending(0, |c| c.push = PushPolicy::WriteBoundary);
    let conn = h.conn();
    let now = h.now;
    // A short write with more to come waits; the next plain write sends
    // both, pushed.
    h.ep.send_more(now, conn, &bytes(0, 100)).unwrap();
    assert_eq!(sent(&mut h), []);
    h.app_send(&bytes(100, 50));
    assert_eq!(sent(&mut h), [(seg_start(0), 150, true)]);
    h.send(Seg::ack_at(1, seg_start(0) + 150).win(65535));
    // Whole segments go at once, without PSH (no push at the write's
    // end); the tail goes with the next segment received.
    let base = seg_start(0) + 150;
    h.ep.send_more(h.now, conn, &bytes(0, 2 * M + 30)).unwrap();
    assert_eq!(sent(&mut h), [(base, M, false), (base + MSS, M, false)]);
    h.send(Seg::ack_at(1, base + MSS).win(65535));
    assert_eq!(sent(&mut h), [(base + 2 * MSS, 30, false)]);
}
