//! Keep-alives (RFC 9293 3.8.4, RFC 1122 4.2.3.6).

use crate::harness::*;
use synack_core::{EventKind, State};

fn keepalive_harness() -> Harness {
    Harness::with_config(false, |c| {
        c.tcp.keepalive_idle = ms(10_000);
        c.tcp.keepalive_interval = ms(2_000);
        c.tcp.keepalive_probes = 3;
    })
}

#[test]
fn off_unless_asked_for() {
    let mut h = Harness::new();
    h.established();
    h.advance(ms(3 * 3600 * 1000));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(
        h.ep.config().tcp.keepalive_idle.as_secs(),
        7200,
        "at least 2 h"
    );
}

#[test]
fn probes_after_the_idle_time_and_an_answer_restarts_it() {
    let mut h = keepalive_harness();
    h.established();
    let now = h.now;
    h.ep.set_keepalive(now, h.conn(), true).unwrap();
    h.advance(ms(9_999));
    h.expect_nothing();
    h.advance(ms(1));
    // <SEQ=SND.UNA-1><ACK=RCV.NXT>: outside the peer's window.
    h.expect(&[Seg::ack_at(0, 1)]);
    // The peer answers: alive, the idle period starts again.
    h.send(Seg::ack_at(1, 1));
    h.advance(ms(9_999));
    h.expect_nothing();
    h.advance(ms(1));
    h.expect(&[Seg::ack_at(0, 1)]);
}

#[test]
fn unanswered_probes_end_the_connection() {
    let mut h = keepalive_harness();
    h.established();
    let now = h.now;
    h.ep.set_keepalive(now, h.conn(), true).unwrap();
    h.advance(ms(10_000));
    h.expect(&[Seg::ack_at(0, 1)]);
    // One lost probe is never enough (RFC 1122): three, 2 s apart.
    h.advance(ms(2_000));
    h.expect(&[Seg::ack_at(0, 1)]);
    h.advance(ms(2_000));
    h.expect(&[Seg::ack_at(0, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    h.advance(ms(2_000));
    h.expect(&[Seg::rst_ack(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert!(h.conn_events().contains(&EventKind::TimedOut));
}

#[test]
fn no_probe_while_data_is_in_flight_or_after_turning_off() {
    let mut h = keepalive_harness();
    h.established();
    let now = h.now;
    h.ep.set_keepalive(now, h.conn(), true).unwrap();
    h.app_send(b"hello");
    h.expect(&[Seg::data(1, 1, b"hello")]);
    // Only retransmissions while the data is unacknowledged.
    h.advance(ms(10_000));
    assert!(h.recv().iter().all(|s| s.data == b"hello"));
    let mut h = keepalive_harness();
    h.established();
    let now = h.now;
    h.ep.set_keepalive(now, h.conn(), true).unwrap();
    h.ep.set_keepalive(now, h.conn(), false).unwrap();
    h.advance(ms(60_000));
    h.expect_nothing();
}
