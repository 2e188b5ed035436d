//! Packets the device refused (`Endpoint::transmit_failed`): new data is
//! taken back and retried after the RTO, then every 500 ms, as Linux's
//! probe timer does under local congestion; nothing else changes.

use crate::harness::*;
use crate::loss_recovery::{MSS, seg_start, sending, sent};
use synack_core::{Error, State};

const M: usize = MSS as usize;

/// Hands every packet the stack sends now back as refused; returns how
/// many there were.
fn refuse_all(h: &mut Harness) -> usize {
    let packets = h.recv_packets();
    for p in &packets {
        h.ep.transmit_failed(h.now, p);
    }
    packets.len()
}

/// Segments in flight.
fn in_flight(h: &Harness) -> usize {
    let c = h.ep.connection(h.conn()).unwrap();
    c.send_queue_counts().unacked
}

#[test]
fn refused_new_data_is_taken_back_and_retried_by_the_probe_timer() {
    let mut h = sending(0, |_| {});
    h.app_send(&bytes(0, 100));
    assert_eq!(refuse_all(&mut h), 1);
    assert_eq!(h.ep.stats().tx_refused, 1);
    // Not in flight, so not retransmitted by the RTO, and not sent again
    // at once either.
    assert_eq!(in_flight(&h), 0);
    assert_eq!(sent(&mut h), []);
    // The first retry comes after the RTO (200 ms here), as new data.
    h.advance(ms(199));
    assert_eq!(sent(&mut h), []);
    h.advance(ms(1));
    assert_eq!(refuse_all(&mut h), 1);
    assert_eq!(h.ep.connection(h.conn()).unwrap().unanswered_probes(), 1);
    // Then every 500 ms, without backing off.
    h.advance(ms(499));
    assert_eq!(sent(&mut h), []);
    h.advance(ms(1));
    let out = sent(&mut h);
    assert_eq!(out, [(seg_start(0), 100, true)]);
    let s = *h.ep.stats();
    assert_eq!((s.retransmissions, s.rto_events), (0, 0));
    assert_eq!(h.ep.connection(h.conn()).unwrap().backoff(), 0);
    // Delivered once; the ACK ends the probing.
    h.send(Seg::ack_at(1, seg_start(0) + 100).win(65535));
    let c = h.ep.connection(h.conn()).unwrap();
    assert_eq!(
        (c.unanswered_probes(), c.send_queue_counts().unacked),
        (0, 0)
    );
    h.app_send(&bytes(100, 10));
    assert_eq!(sent(&mut h), [(seg_start(0) + 100, 10, true)]);
}

#[test]
fn a_refused_tail_behind_data_in_flight_waits_for_the_next_ack() {
    let mut h = sending(2, |c| c.tlp = false);
    // Two segments go; the second is refused.
    let packets = h.recv_packets();
    assert_eq!(packets.len(), 2);
    h.ep.transmit_failed(h.now, &packets[1]);
    assert_eq!(in_flight(&h), 1);
    assert_eq!(sent(&mut h), []);
    // The ACK of the first lets it go again, as new data.
    h.advance(ms(50));
    h.send(Seg::ack_at(1, seg_start(1)).win(65535));
    assert_eq!(sent(&mut h), [(seg_start(1), M, true)]);
    assert_eq!(h.ep.stats().retransmissions, 0);
}

#[test]
fn a_refused_retransmission_counts_as_lost_on_the_wire() {
    let mut h = sending(1, |c| c.tlp = false);
    assert_eq!(sent(&mut h).len(), 1);
    // The RTO's resend is refused: it is not taken back, the next RTO
    // (backed off) resends it.
    h.advance(ms(200));
    assert_eq!(refuse_all(&mut h), 1);
    assert_eq!(in_flight(&h), 1);
    h.advance(ms(400));
    assert_eq!(sent(&mut h), [(seg_start(0), M, true)]);
    assert_eq!(h.ep.stats().tx_refused, 1);
}

#[test]
fn the_user_timeout_counts_from_the_first_retry() {
    let mut h = sending(0, |c| c.user_timeout = Some(ms(3000)));
    h.app_send(&bytes(0, 24));
    assert_eq!(refuse_all(&mut h), 1);
    let start = h.now;
    // Retries at 200 ms, then every 500 ms; the stall dates from the
    // first retry, so the connection dies 3.2 s after the refusal.
    let mut retries = 0;
    while h.now < start + ms(3190) {
        h.advance(ms(10));
        retries += refuse_all(&mut h);
    }
    assert_eq!(retries, 6);
    assert_eq!(
        h.ep.connection(h.conn()).unwrap().state(),
        State::Established
    );
    h.advance(ms(20));
    assert_eq!(h.ep.send(h.now, h.conn(), b"x"), Err(Error::TimedOut));
    assert_eq!(h.ep.connection(h.conn()).unwrap().unanswered_probes(), 6);
}

#[test]
fn a_refused_packet_of_no_connection_is_counted() {
    let mut h = Harness::new();
    h.ep.transmit_failed(h.now, &[0x45, 0, 0]);
    assert_eq!(h.ep.stats().tx_refused, 1);
}

#[test]
fn a_stale_refusal_of_acknowledged_data_changes_nothing() {
    let mut h = sending(0, |_| {});
    h.app_send(&bytes(0, 100));
    let packets = h.recv_packets();
    h.send(Seg::ack_at(1, seg_start(0) + 100).win(65535));
    // The driver reports the packet late, after its ACK came.
    h.ep.transmit_failed(h.now, &packets[0]);
    assert_eq!(in_flight(&h), 0);
    h.app_send(&bytes(100, 10));
    assert_eq!(sent(&mut h), [(seg_start(0) + 100, 10, true)]);
}
