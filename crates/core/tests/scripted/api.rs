//! The application's calls used the wrong way: typed errors, no panics.

use crate::harness::*;
use core::net::SocketAddr;
use synack_core::{Error, State};

#[test]
fn stale_handle_is_invalid() {
    let mut h = Harness::new();
    h.established();
    let c = h.conn();
    h.app_abort();
    h.recv();
    let mut buf = [0u8; 4];
    assert_eq!(h.ep.send(h.now, c, b"x"), Err(Error::InvalidHandle));
    assert_eq!(h.ep.recv(h.now, c, &mut buf), Err(Error::InvalidHandle));
    assert_eq!(h.ep.shutdown(h.now, c), Err(Error::InvalidHandle));
    assert_eq!(h.ep.close(h.now, c), Err(Error::InvalidHandle));
    assert_eq!(h.ep.abort(h.now, c), Err(Error::InvalidHandle));
    assert_eq!(h.ep.set_nodelay(c, true), Err(Error::InvalidHandle));
    assert_eq!(h.ep.state(c), Err(Error::InvalidHandle));
    assert_eq!(h.ep.addrs(c).map(|_| ()), Err(Error::InvalidHandle));
}

#[test]
fn stale_handle_stays_invalid_after_slot_reuse() {
    let mut h = Harness::new();
    h.syn_sent();
    let old = h.conn();
    h.app_abort();
    // A new connection may reuse the slot; the old handle must not reach it.
    let new =
        h.ep.connect(
            h.now,
            "0.0.0.0:0".parse().unwrap(),
            "198.18.0.1:81".parse().unwrap(),
        )
        .unwrap();
    assert_ne!(old, new);
    assert_eq!(h.ep.state(old), Err(Error::InvalidHandle));
    assert_eq!(h.ep.send(h.now, old, b"x"), Err(Error::InvalidHandle));
    assert_eq!(h.ep.state(new), Ok(State::SynSent));
}

#[test]
fn handle_released_by_close_is_invalid() {
    let mut h = Harness::new();
    h.established();
    h.app_close();
    assert_eq!(h.ep.send(h.now, h.conn(), b"x"), Err(Error::InvalidHandle));
    assert_eq!(h.ep.close(h.now, h.conn()), Err(Error::InvalidHandle));
}

#[test]
fn send_after_shutdown_is_closed() {
    let mut h = Harness::new();
    h.established();
    h.app_shutdown();
    assert_eq!(h.ep.send(h.now, h.conn(), b"x"), Err(Error::Closed));
    // Shutting down twice is harmless and sends no second FIN.
    assert_eq!(h.ep.shutdown(h.now, h.conn()), Ok(()));
    h.expect(&[Seg::fin(1, 1)]);
}

#[test]
fn recv_after_reset_is_connection_reset() {
    let mut h = Harness::new();
    h.established();
    h.send(Seg::rst(1));
    assert_eq!(h.app_recv(10), Err(Error::ConnectionReset));
    assert_eq!(h.ep.shutdown(h.now, h.conn()), Err(Error::ConnectionReset));
    // The handle can still be closed (released).
    assert_eq!(h.ep.close(h.now, h.conn()), Ok(()));
    h.expect_nothing();
    h.assert_no_connection();
}

#[test]
fn data_received_before_reset_is_discarded() {
    // "any outstanding RECEIVEs and SEND should receive reset responses.
    // All segment queues should be flushed."
    let mut h = Harness::new();
    h.established();
    h.send(Seg::data(1, 1, b"pending"));
    h.send(Seg::rst(8));
    assert_eq!(h.app_recv(100), Err(Error::ConnectionReset));
}

#[test]
fn recv_with_nothing_is_would_block() {
    let mut h = Harness::new();
    h.established();
    assert_eq!(h.app_recv(10), Err(Error::WouldBlock));
}

#[test]
fn recv_in_syn_sent_is_would_block() {
    let mut h = Harness::new();
    h.syn_sent();
    assert_eq!(h.app_recv(10), Err(Error::WouldBlock));
}

#[test]
fn send_buffer_full_is_would_block() {
    let mut h = Harness::with_config(false, |c| c.tcp.send_buffer = 100);
    h.syn_sent();
    assert_eq!(h.ep.send(h.now, h.conn(), &[1; 150]), Ok(100));
    assert_eq!(h.ep.send(h.now, h.conn(), &[1; 10]), Err(Error::WouldBlock));
}

#[test]
fn listen_on_a_used_port_is_addr_in_use() {
    let mut h = Harness::new();
    h.listen(4);
    let again = h.ep.listen(SocketAddr::new(h.local.ip(), SERVER_PORT), 4);
    assert_eq!(again, Err(Error::AddrInUse));
}

#[test]
fn listen_with_bad_arguments() {
    let mut h = Harness::new();
    assert_eq!(
        h.ep.listen("198.18.0.2:0".parse().unwrap(), 4),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        h.ep.listen("192.0.2.9:80".parse().unwrap(), 4),
        Err(Error::AddrNotAvailable)
    );
}

#[test]
fn connect_with_bad_arguments() {
    let mut h = Harness::new();
    let any4: SocketAddr = "0.0.0.0:0".parse().unwrap();
    assert_eq!(
        h.ep.connect(h.now, any4, "198.18.0.1:0".parse().unwrap()),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        h.ep.connect(h.now, any4, "[2001:db8::1]:80".parse().unwrap()),
        Err(Error::InvalidArgument)
    );
    assert_eq!(
        h.ep.connect(
            h.now,
            "192.0.2.9:0".parse().unwrap(),
            "198.18.0.1:80".parse().unwrap()
        ),
        Err(Error::AddrNotAvailable)
    );
    h.expect_nothing();
    assert_eq!(h.ep.connection_count(), 0);
}

#[test]
fn connect_to_a_tuple_in_use_is_addr_in_use() {
    let mut h = Harness::new();
    let local: SocketAddr = "198.18.0.2:5000".parse().unwrap();
    let remote: SocketAddr = "198.18.0.1:80".parse().unwrap();
    h.ep.connect(h.now, local, remote).unwrap();
    assert_eq!(h.ep.connect(h.now, local, remote), Err(Error::AddrInUse));
}

#[test]
fn accept_on_closed_listener_is_invalid() {
    let mut h = Harness::new();
    let l = h.listen(4);
    h.ep.close_listener(h.now, l).unwrap();
    assert_eq!(h.ep.accept(l), Err(Error::InvalidHandle));
    assert_eq!(h.ep.close_listener(h.now, l), Err(Error::InvalidHandle));
    // The port is free again.
    assert!(
        h.ep.listen(SocketAddr::new(h.local.ip(), SERVER_PORT), 4)
            .is_ok()
    );
}
