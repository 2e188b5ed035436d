//! Catch-all listeners (any destination a filter takes, as a tun2socks
//! relay needs) and held SYNs (the application decides: admit, refuse, or
//! silence).

use crate::harness::*;
use core::time::Duration;
use std::net::{IpAddr, SocketAddr};
use synack_core::wire::TcpFlags;
use synack_core::{Event, EventKind, ListenFilter, ListenOptions, Prefix, State};

/// A destination that is not one of the stack's addresses.
const FOREIGN: &str = "203.0.113.7";

fn foreign(port: u16) -> SocketAddr {
    SocketAddr::new(FOREIGN.parse().unwrap(), port)
}

fn filter(prefix: &str, ports: &[(u16, u16)]) -> ListenFilter {
    ListenFilter {
        prefixes: vec![prefix.parse::<Prefix>().unwrap()],
        ports: ports.to_vec(),
    }
}

fn held(backlog: usize) -> ListenOptions {
    ListenOptions {
        hold_syns: true,
        hold_timeout: Duration::from_secs(30),
        ..ListenOptions::backlog(backlog)
    }
}

/// The peer's SYN went to `h.local` (any address): the stack answers from
/// that address, and the accepted connection's local address is it.
#[test]
fn accepts_any_destination_and_reports_it() {
    let mut h = Harness::new();
    let l =
        h.ep.listen_catch_all(ListenFilter::any(), ListenOptions::backlog(8))
            .unwrap();
    h.local = foreign(8443);
    h.send(Seg::syn(0));
    let out = h.recv_raw();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].0.flags, TcpFlags::SYN | TcpFlags::ACK);
    assert_eq!(out[0].0.src_port, 8443);
    h.learn_iss(out[0].0.seq);
    h.send(Seg::ack_at(1, 1));
    let id = h.ep.accept(l).expect("accept");
    assert_eq!(h.ep.addrs(id), Ok((foreign(8443), h.remote)));
    h.conn = Some(id);
    h.send(Seg::data(1, 1, b"hello"));
    assert_eq!(h.app_recv(100), Ok(b"hello".to_vec()));
    // A second connection to another destination, same listener.
    h.local = foreign(25);
    h.remote = SocketAddr::new(h.remote.ip(), PEER_PORT + 1);
    h.send(Seg::syn(0));
    assert_eq!(h.recv_raw()[0].0.src_port, 25);
    assert_eq!(h.ep.connection_count(), 2);
}

/// Outside the filter: dropped as not ours, no RST (the relay must not
/// answer for addresses it was not asked to take).
#[test]
fn filter_limits_destinations() {
    let mut h = Harness::new();
    h.ep.listen_catch_all(
        filter("203.0.113.0/24", &[(80, 80)]),
        ListenOptions::backlog(8),
    )
    .unwrap();
    h.local = foreign(81);
    h.send(Seg::syn(0));
    h.local = SocketAddr::new("192.0.2.1".parse().unwrap(), 80);
    h.send(Seg::syn(0));
    h.expect_nothing();
    assert_eq!(h.ep.stats().rx_not_ours, 2);
    h.local = foreign(80);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1, "inside the filter: a SYN-ACK");
}

/// An exact listener is tried before a catch-all; our own closed ports
/// still draw RSTs.
#[test]
fn exact_listener_wins_and_own_ports_still_reset() {
    let mut h = Harness::new();
    let any =
        h.ep.listen_catch_all(filter("203.0.113.0/24", &[]), ListenOptions::backlog(8))
            .unwrap();
    let exact = h.listen(8);
    h.send(Seg::syn(0));
    let iss = h.recv_raw()[0].0.seq;
    h.learn_iss(iss);
    h.send(Seg::ack_at(1, 1));
    assert!(h.ep.accept(exact).is_ok());
    assert!(h.ep.accept(any).is_err());
    h.local = SocketAddr::new(h.local.ip(), 9);
    h.send(Seg::syn(0));
    let out = h.recv_raw();
    assert_eq!(out[0].0.flags, TcpFlags::RST | TcpFlags::ACK, "{out:?}");
}

/// A held SYN draws nothing, its retransmission is absorbed; admitted, the
/// SYN-ACK goes out and the handshake completes with `Connected`.
#[test]
fn held_syn_waits_then_admit_completes_the_handshake() {
    let mut h = Harness::new();
    let l = h.ep.listen_catch_all(ListenFilter::any(), held(8)).unwrap();
    h.local = foreign(443);
    h.send(Seg::syn(0));
    h.expect_nothing();
    assert_eq!(h.events(), vec![Event::Syn(l)]);
    h.advance(Duration::from_secs(1));
    h.send(Seg::syn(0)); // the client's retransmission
    h.expect_nothing();
    let id = h.ep.take_syn(l).expect("take_syn");
    assert!(h.ep.take_syn(l).is_err(), "one held SYN, not two");
    assert_eq!(h.ep.addrs(id), Ok((foreign(443), h.remote)));
    assert!(h.ep.connection(id).unwrap().is_held());
    h.ep.admit(h.now, id).unwrap();
    assert_eq!(h.ep.admit(h.now, id), Err(synack_core::Error::InvalidState));
    let out = h.recv_raw();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].0.flags, TcpFlags::SYN | TcpFlags::ACK);
    h.learn_iss(out[0].0.seq);
    h.conn = Some(id);
    h.send(Seg::ack_at(1, 1));
    assert_eq!(h.ep.state(id), Ok(State::Established));
    assert!(h.conn_events().contains(&EventKind::Connected));
}

/// Refused: an RST that acknowledges the SYN, which a client in SYN-SENT
/// takes as "connection refused"; nothing is left.
#[test]
fn held_syn_refused_draws_rst_ack() {
    let mut h = Harness::new();
    let l = h.ep.listen_catch_all(ListenFilter::any(), held(8)).unwrap();
    h.local = foreign(443);
    h.send(Seg::syn(0));
    let id = h.ep.take_syn(l).unwrap();
    h.ep.refuse(h.now, id).unwrap();
    let out = h.recv_raw();
    assert_eq!(out.len(), 1, "{out:?}");
    let rst = out[0].0;
    assert_eq!(rst.flags, TcpFlags::RST | TcpFlags::ACK);
    assert_eq!(rst.ack, h.peer_iss + 1);
    assert_eq!(rst.src_port, 443);
    h.assert_no_connection();
    assert!(h.ep.connection(id).is_err(), "the handle is released");
}

/// Aborting (or closing) a held SYN is silence: the client never heard of
/// us; the next SYN is a new held SYN.
#[test]
fn held_syn_aborted_or_closed_is_silent() {
    let mut h = Harness::new();
    let l = h.ep.listen_catch_all(ListenFilter::any(), held(8)).unwrap();
    h.local = foreign(443);
    h.send(Seg::syn(0));
    let id = h.ep.take_syn(l).unwrap();
    h.ep.abort(h.now, id).unwrap();
    h.expect_nothing();
    h.assert_no_connection();
    h.send(Seg::syn(0));
    let id = h.ep.take_syn(l).unwrap();
    h.ep.close(h.now, id).unwrap();
    h.expect_nothing();
    h.assert_no_connection();
}

/// Nobody decides: the held SYN goes after the hold timeout, silently,
/// also when the application took it (it then hears `TimedOut`).
#[test]
fn held_syn_expires() {
    let mut h = Harness::new();
    let l = h.ep.listen_catch_all(ListenFilter::any(), held(8)).unwrap();
    h.local = foreign(443);
    h.send(Seg::syn(0));
    h.advance(Duration::from_secs(31));
    h.expect_nothing();
    h.assert_no_connection();
    assert_eq!(h.ep.stats().hold_timeouts, 1);
    assert!(h.ep.take_syn(l).is_err(), "the stale entry is skipped");
    h.send(Seg::syn(0));
    let id = h.ep.take_syn(l).unwrap();
    h.events();
    h.advance(Duration::from_secs(31));
    h.expect_nothing();
    assert_eq!(
        h.events(),
        vec![Event::Conn(id, EventKind::TimedOut)],
        "the application hears of it"
    );
    h.ep.close(h.now, id).unwrap();
    h.assert_no_connection();
}

/// The client's RST for its SYN (it gave up) ends a held connection.
#[test]
fn held_syn_ends_on_the_clients_rst() {
    let mut h = Harness::new();
    let l = h.ep.listen_catch_all(ListenFilter::any(), held(8)).unwrap();
    h.local = foreign(443);
    h.send(Seg::syn(0));
    let id = h.ep.take_syn(l).unwrap();
    h.events();
    h.send(Seg::rst(1));
    h.expect_nothing();
    assert_eq!(h.events(), vec![Event::Conn(id, EventKind::Reset)]);
    assert_eq!(h.ep.state(id), Ok(State::Closed));
}

/// Held SYNs count against the backlog until taken; a SYN beyond it is
/// dropped. Closing the listener lets untaken ones go silently.
#[test]
fn held_syns_are_bounded_by_the_backlog() {
    let mut h = Harness::new();
    let l = h.ep.listen_catch_all(ListenFilter::any(), held(2)).unwrap();
    for port in [1000, 1001, 1002] {
        h.local = foreign(port);
        h.send(Seg::syn(0));
    }
    h.expect_nothing();
    assert_eq!(h.ep.connection_count(), 2);
    assert_eq!(h.ep.stats().backlog_drops, 1);
    let taken = h.ep.take_syn(l).unwrap();
    h.local = foreign(1003);
    h.send(Seg::syn(0));
    assert_eq!(h.ep.connection_count(), 3, "taking one made room");
    h.ep.close_listener(h.now, l).unwrap();
    h.expect_nothing();
    assert_eq!(h.ep.connection_count(), 1, "only the taken one is left");
    assert!(h.ep.connection(taken).is_ok());
    let ip: IpAddr = FOREIGN.parse().unwrap();
    assert_eq!(h.ep.addrs(taken).unwrap().0.ip(), ip);
}
