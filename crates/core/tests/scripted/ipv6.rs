//! The same rules over IPv6: handshakes, RST generation and RST handling.

use crate::harness::*;
use synack_core::wire::{TcpFlags, TcpRepr};
use synack_core::{Error, EventKind, SeqNum, State};

#[test]
fn passive_handshake() {
    let mut h = Harness::new_v6();
    h.listen(4);
    h.send(Seg::syn(0).opts(mss_ws(1440, 4)));
    // IPv6 MSS: 1500 - 40 - 20.
    h.expect(&[Seg::syn_ack(0, 1).opts(mss_ws(MSS_V6 as u16, 3)).win(65535)]);
    h.send(Seg::ack_at(1, 1));
    h.conn = Some(h.ep.accept(h.listener.unwrap()).unwrap());
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    h.send(Seg::data(1, 1, b"v6 data"));
    assert_eq!(h.app_recv(100), Ok(b"v6 data".to_vec()));
}

#[test]
fn active_handshake() {
    let mut h = Harness::new_v6();
    h.syn_sent();
    assert_eq!(h.local.ip(), core::net::IpAddr::from(STACK_V6));
    h.send(Seg::syn_ack(0, 1));
    h.expect(&[Seg::ack_at(1, 1).win(65535)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    h.app_send(b"hi");
    h.expect(&[Seg::data(1, 1, b"hi")]);
}

#[test]
fn active_syn_announces_ipv6_mss() {
    let mut h = Harness::new_v6();
    h.remote.set_port(SERVER_PORT);
    let c =
        h.ep.connect(h.now, "[::]:0".parse().unwrap(), h.remote)
            .unwrap();
    h.conn = Some(c);
    h.local = h.ep.addrs(c).unwrap().0;
    h.expect(&[Seg::syn(0).opts(mss_ws(MSS_V6 as u16, 3)).win(65535)]);
}

#[test]
fn closed_port_syn_draws_rst_ack() {
    let mut h = Harness::new_v6();
    let tcp = TcpRepr {
        src_port: PEER_PORT,
        dst_port: SERVER_PORT,
        seq: SeqNum(9000),
        flags: TcpFlags::SYN,
        window: 100,
        ..TcpRepr::default()
    };
    h.send_raw(tcp, &[]);
    let out = h.recv_raw();
    assert_eq!(out.len(), 1);
    let rst = out[0].0;
    assert_eq!(rst.flags, TcpFlags::RST | TcpFlags::ACK);
    assert_eq!((rst.seq, rst.ack), (SeqNum(0), SeqNum(9001)));
    assert_eq!((rst.src_port, rst.dst_port), (SERVER_PORT, PEER_PORT));
}

#[test]
fn closed_port_ack_draws_rst_at_seg_ack() {
    let mut h = Harness::new_v6();
    let tcp = TcpRepr {
        src_port: PEER_PORT,
        dst_port: SERVER_PORT,
        seq: SeqNum(9000),
        ack: SeqNum(31337),
        flags: TcpFlags::ACK,
        window: 100,
        ..TcpRepr::default()
    };
    h.send_raw(tcp, b"data");
    let out = h.recv_raw();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].0.flags, TcpFlags::RST);
    assert_eq!(out[0].0.seq, SeqNum(31337));
}

#[test]
fn exact_rst_resets() {
    let mut h = Harness::new_v6();
    h.established();
    h.send(Seg::rst(1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Reset]);
    assert_eq!(h.app_recv(1), Err(Error::ConnectionReset));
}

#[test]
fn in_window_rst_draws_challenge_ack() {
    let mut h = Harness::new_v6();
    h.established();
    h.send(Seg::rst(1000));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn out_of_window_rst_is_dropped() {
    let mut h = Harness::new_v6();
    h.established();
    h.send(Seg::rst(400_000));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn syn_sent_rst_refuses() {
    let mut h = Harness::new_v6();
    h.syn_sent();
    h.send(Seg::rst_ack(0, 1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Refused]);
}

#[test]
fn v4_listener_does_not_take_v6_syn() {
    let mut h = Harness::new_v6();
    let l =
        h.ep.listen(SocketAddr4::new(STACK_V4, SERVER_PORT).into(), 4)
            .unwrap();
    h.listener = Some(l);
    h.send(Seg::syn(0));
    let out = h.recv_raw();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].0.flags, TcpFlags::RST | TcpFlags::ACK);
    h.assert_no_connection();
}

use core::net::SocketAddrV4 as SocketAddr4;

#[test]
fn bad_checksum_is_dropped() {
    let mut h = Harness::new_v6();
    h.established();
    let mut p = h.packet_for(&Seg::rst(1));
    let n = p.len();
    p[n - 1] ^= 0x10; // urgent pointer, covered by the checksum only
    h.send_bytes(&p);
    h.expect_nothing();
    assert_eq!(h.ep.stats().rx_bad_checksum, 1);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn truncated_packet_is_dropped() {
    let mut h = Harness::new_v6();
    h.established();
    let p = h.packet_for(&Seg::data(1, 1, b"abcdef"));
    h.send_bytes(&p[..p.len() - 3]);
    h.send_bytes(&p[..50]);
    h.expect_nothing();
    assert_eq!(h.ep.stats().rx_malformed, 2);
    assert_eq!(h.app_recv(10), Err(Error::WouldBlock));
}
