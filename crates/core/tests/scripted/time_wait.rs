//! TIME-WAIT (RFC 9293 3.10.7.4 and 3.10.8, RFC 1337).

use crate::harness::*;
use core::time::Duration;
use synack_core::wire::{TcpFlags, TcpOptions, Timestamps};
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

/// Once the application has let go, TIME-WAIT is kept as a compact record
/// (a couple of hundred bytes instead of a connection slot), still listed
/// and counted, and it ends at 2 x MSL as before.
#[test]
fn a_released_connection_in_time_wait_is_kept_compact() {
    let mut h = Harness::new();
    h.time_wait();
    h.app_close();
    let m = h.ep.memory_usage();
    assert_eq!(m.time_wait, 1, "kept as a record");
    assert_eq!(h.ep.connections().count(), 0, "no slot holds it");
    assert_eq!(h.ep.connection_count(), 1);
    h.assert_state(State::TimeWait);
    let table: Vec<_> = h.ep.connection_table().collect();
    assert_eq!(table, vec![(h.local, h.remote, State::TimeWait)]);
    h.advance(two_msl(&h));
    h.assert_no_connection();
    assert_eq!(h.ep.memory_usage().time_wait, 0);
}

/// The compact record follows every TIME-WAIT rule exactly as the full
/// connection does: the same segments thrown at a connection the
/// application still holds (shut down) and at a released one (compact)
/// draw the same answers, and both leave TIME-WAIT at the same moment.
/// (Clock steps from 0 to 30 s cross the out-of-window ACK interval and the
/// challenge-ACK second the record keeps as ages.)
#[test]
fn the_compact_record_answers_exactly_as_the_connection_would() {
    for seed in 1..=40u64 {
        // IPv4 and IPv6 (the record keeps addresses its own way).
        let v6 = seed % 2 == 0;
        differential(seed, || {
            let mut h = Harness::with_config(v6, |_| {});
            h.time_wait();
            h
        });
    }
}

/// The same with timestamps (RFC 7323): PAWS, TS.Recent's updates and the
/// time it was set, which the record keeps as an age.
#[test]
fn the_compact_record_answers_with_timestamps_as_the_connection_would() {
    for seed in 41..=80u64 {
        differential(seed, || time_wait_with_timestamps(seed % 2 == 0));
    }
}

fn ts_opts(tsval: u32, tsecr: u32) -> TcpOptions {
    TcpOptions {
        timestamps: Some(Timestamps { tsval, tsecr }),
        ..TcpOptions::default()
    }
}

/// TIME-WAIT on a connection that agreed on timestamps; the peer's last
/// TSval is 1003.
fn time_wait_with_timestamps(v6: bool) -> Harness {
    let mut h = Harness::with_config(v6, |c| c.tcp.timestamps = true);
    h.listen(8);
    let syn = TcpOptions {
        mss: Some(PEER_MSS),
        ..ts_opts(1000, 0)
    };
    h.send(Seg::syn(0).opts(syn).no_ack());
    let ours = h.recv()[0].options.timestamps.expect("SYN-ACK with TSopt");
    h.send(Seg::ack_at(1, 1).opts(ts_opts(1001, ours.tsval)));
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    h.events();
    h.app_shutdown();
    let fin = h.recv();
    assert!(
        fin.len() == 1 && fin[0].ctl.contains(TcpFlags::FIN),
        "{fin:?}"
    );
    h.send(Seg::ack_at(1, 2).opts(ts_opts(1002, ours.tsval)));
    h.send(Seg::fin(1, 2).opts(ts_opts(1003, ours.tsval)));
    assert_eq!(h.recv().len(), 1, "the ACK of the peer's FIN");
    h.assert_state(State::TimeWait);
    h.events();
    h
}

/// Random segments and clock steps at two harnesses from `make`, one
/// held by the application, one released (so compact): the same answers.
fn differential(seed: u64, make: impl Fn() -> Harness) {
    let mut held = make();
    let mut compact = make();
    compact.app_close();
    assert_eq!(compact.ep.memory_usage().time_wait, 1, "seed {seed}");
    let with_ts = held
        .ep
        .connection(held.conn())
        .is_ok_and(|c| c.timestamps_enabled());
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut compacted = 0;
    for step in 0..200 {
        let ctl = [
            TcpFlags::empty(),
            TcpFlags::FIN,
            TcpFlags::RST,
            TcpFlags::SYN,
            TcpFlags::SYN | TcpFlags::FIN,
        ][next(5) as usize];
        // Around the window: RCV.NXT is 2 here.
        let seq = match next(4) {
            0 => 2,
            1 => 1,
            2 => 2 + next(70_000) as u32,
            _ => next(1 << 32) as u32,
        };
        let ack = match next(4) {
            0 => Some(2),
            1 => None,
            2 => Some(next(4) as u32),
            _ => Some(next(1 << 32) as u32),
        };
        let data = if next(3) == 0 {
            bytes(0, next(100) as usize)
        } else {
            Vec::new()
        };
        // Around TS.Recent (1003 and up), older (PAWS), or none.
        let options = match (with_ts, next(4)) {
            (false, _) | (true, 0) => TcpOptions::default(),
            (true, 1) => ts_opts(1003 + next(50) as u32, next(1 << 32) as u32),
            (true, 2) => ts_opts(1003 - next(3) as u32, 0),
            (true, _) => ts_opts(next(1 << 32) as u32, 0),
        };
        let seg = Seg {
            ctl,
            seq,
            ack,
            data,
            options,
            ..Seg::default()
        };
        held.send(seg.clone());
        compact.send(seg.clone());
        let (a, b) = (held.recv(), compact.recv());
        assert!(a == b, "seed {seed} step {step} {seg:?}: {a:?} vs {b:?}");
        if next(4) == 0 {
            let d = Duration::from_millis(next(30_000));
            held.advance(d);
            compact.advance(d);
        }
        let tw = |h: &Harness| h.ep.count_in_state(State::TimeWait);
        assert_eq!(tw(&held), tw(&compact), "seed {seed} step {step}");
        compacted += compact.ep.memory_usage().time_wait;
    }
    // Made small again after the segments that brought it back.
    assert!(
        compacted > 0,
        "seed {seed}: never compact after the first segment"
    );
}

fn freebsd_time_wait() -> Harness {
    let mut h = Harness::with_config(false, |c| {
        c.tcp.time_wait_rules = synack_core::TimeWaitRules::FreeBsd;
    });
    h.time_wait();
    h
}

#[test]
fn freebsd_rules_drop_a_segment_without_ack_before_the_window_check() {
    // RFC 9293: an unacceptable segment (here a FIN without ACK far
    // outside the window) draws an ACK.
    let mut h = Harness::new();
    h.time_wait();
    let stray_fin = Seg {
        ctl: TcpFlags::FIN,
        seq: 100_000,
        ack: None,
        ..Seg::default()
    };
    h.send(stray_fin.clone());
    h.expect(&[Seg::ack_at(2, 2)]);
    // FreeBSD's tcp_twcheck drops it silently: no ACK bit.
    let mut h = freebsd_time_wait();
    h.send(stray_fin);
    h.expect_nothing();
    h.assert_state(State::TimeWait);
}

#[test]
fn freebsd_rules_answer_an_acceptable_ack_that_is_not_a_duplicate() {
    // In the window but not at RCV.NXT: RFC 9293 has nothing to say.
    let mut h = Harness::new();
    h.time_wait();
    h.send(Seg::ack_at(5, 2));
    h.expect_nothing();
    // FreeBSD acknowledges it ("not a duplicate ACK"); the exact
    // duplicate (seq RCV.NXT, ack SND.NXT, no data) stays unanswered.
    let mut h = freebsd_time_wait();
    h.send(Seg::ack_at(5, 2));
    h.expect(&[Seg::ack_at(2, 2)]);
    h.send(Seg::ack_at(2, 2));
    h.expect_nothing();
    h.assert_state(State::TimeWait);
}
