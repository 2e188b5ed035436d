//! Whole-connection scenarios, one per demo scenario and more.

use super::harness::*;
use std::time::Duration;
use synack_core::{Error, State};
use synack_sim::LinkConfig;

fn link(ms: u64) -> LinkConfig {
    LinkConfig::default().latency(Duration::from_millis(ms))
}

#[test]
fn handshake_transfer_and_four_way_close() {
    let mut p = Pair::new(1, link(10));
    let (c, s) = p.establish();
    let up = pattern(100_000, 1);
    let down = pattern(70_000, 2);
    let (mut sent_up, mut sent_down) = (0, 0);
    let (mut got_up, mut got_down) = (Vec::new(), Vec::new());
    let ok = p.run_until(Duration::from_secs(60), |p| {
        let now = p.now();
        if sent_up < up.len() {
            sent_up += p.c().send(now, c, &up[sent_up..]).unwrap_or(0);
        }
        if sent_down < down.len() {
            sent_down += p.s().send(now, s, &down[sent_down..]).unwrap_or(0);
        }
        read_all(p.s(), now, s, &mut got_up).unwrap();
        read_all(p.c(), now, c, &mut got_down).unwrap();
        got_up.len() == up.len() && got_down.len() == down.len()
    });
    assert!(
        ok,
        "transfer stalled: up {} down {}",
        got_up.len(),
        got_down.len()
    );
    assert_eq!(got_up, up);
    assert_eq!(got_down, down);

    // Client closes first: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT; server
    // CLOSE-WAIT -> LAST-ACK -> CLOSED.
    let now = p.now();
    p.drain_traces();
    p.c().shutdown(now, c).unwrap();
    assert_eq!(p.c().state(c), Ok(State::FinWait1));
    let ok = p.run_until(Duration::from_secs(5), |p| {
        p.s().state(s) == Ok(State::CloseWait) && p.c().state(c) == Ok(State::FinWait2)
    });
    if !ok {
        for t in p.drain_traces() {
            eprintln!("{t:?}");
        }
    }
    assert!(ok);
    let mut eof = Vec::new();
    let now = p.now();
    assert_eq!(read_all(p.s(), now, s, &mut eof), Ok(true));
    p.s().close(now, s).unwrap();
    assert!(p.run_until(Duration::from_secs(5), |p| p.c().state(c)
        == Ok(State::TimeWait)));
    let tw_start = p.now();
    assert!(
        p.run_until(Duration::from_secs(5), |p| p.s().connection_count() == 0),
        "server frees the connection after LAST-ACK"
    );
    assert!(p.run_until(Duration::from_secs(120), |p| p.c().state(c)
        == Ok(State::Closed)));
    let waited = p.now() - tw_start;
    assert!(
        waited >= Duration::from_secs(60) && waited < Duration::from_secs(61),
        "TIME-WAIT lasted {waited:?}"
    );
    let now = p.now();
    p.c().close(now, c).unwrap();
    assert_eq!(p.c().connection_count(), 0);
}

#[test]
fn refused_connection_reports_refused() {
    let mut p = Pair::new(2, link(5));
    let c = p.connect(); // nobody listens
    let mut refused = false;
    assert!(p.run_until(Duration::from_secs(5), |p| {
        while let Some(e) = p.c().poll_event() {
            if e == synack_core::Event::Conn(c, synack_core::EventKind::Refused) {
                refused = true;
            }
        }
        refused
    }));
    let now = p.now();
    assert_eq!(p.c().send(now, c, b"x"), Err(Error::ConnectionRefused));
    assert_eq!(p.s().stats().tx_rst, 1);
}
