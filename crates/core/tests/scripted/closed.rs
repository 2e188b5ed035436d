//! SEGMENT ARRIVES in CLOSED (RFC 9293 3.10.7.1): no TCB, no listener.

use crate::harness::*;
use synack_core::SeqNum;
use synack_core::wire::{TcpFlags, TcpOptions, TcpRepr};

fn raw(flags: TcpFlags, seq: u32, ack: u32) -> TcpRepr {
    TcpRepr {
        src_port: PEER_PORT,
        dst_port: SERVER_PORT,
        seq: SeqNum(seq),
        ack: SeqNum(ack),
        flags,
        window: 1000,
        urgent: 0,
        options: TcpOptions::default(),
    }
}

fn reply(flags: TcpFlags, seq: u32, ack: u32) -> TcpRepr {
    TcpRepr {
        src_port: SERVER_PORT,
        dst_port: PEER_PORT,
        seq: SeqNum(seq),
        ack: SeqNum(ack),
        flags,
        window: 0,
        urgent: 0,
        options: TcpOptions::default(),
    }
}

#[test]
fn syn_without_ack_draws_rst_ack_with_seq_zero() {
    let mut h = Harness::new();
    let mut syn = raw(TcpFlags::SYN, 5000, 0);
    syn.options = mss(1460);
    h.send_raw(syn, &[]);
    // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
    assert_eq!(
        h.recv_raw(),
        vec![(reply(TcpFlags::RST | TcpFlags::ACK, 0, 5001), vec![])]
    );
    assert_eq!(h.ep.stats().rx_no_connection, 1);
    h.assert_no_connection();
}

#[test]
fn data_and_fin_without_ack_draw_rst_ack_covering_them() {
    let mut h = Harness::new();
    h.send_raw(raw(TcpFlags::FIN | TcpFlags::PSH, 7000, 0), b"hello");
    // SEG.LEN counts the 5 bytes and the FIN.
    assert_eq!(
        h.recv_raw(),
        vec![(reply(TcpFlags::RST | TcpFlags::ACK, 0, 7006), vec![])]
    );
}

#[test]
fn segment_without_any_control_bit_draws_rst_ack() {
    let mut h = Harness::new();
    h.send_raw(raw(TcpFlags::empty(), 0xffff_fffe, 0), b"abcd");
    // The ACK field wraps around the sequence space.
    assert_eq!(
        h.recv_raw(),
        vec![(reply(TcpFlags::RST | TcpFlags::ACK, 0, 2), vec![])]
    );
}

#[test]
fn ack_draws_rst_at_seg_ack() {
    let mut h = Harness::new();
    h.send_raw(raw(TcpFlags::ACK, 5000, 123_456), &[]);
    // <SEQ=SEG.ACK><CTL=RST>
    assert_eq!(
        h.recv_raw(),
        vec![(reply(TcpFlags::RST, 123_456, 0), vec![])]
    );
}

#[test]
fn ack_with_data_and_fin_draws_rst_at_seg_ack() {
    let mut h = Harness::new();
    h.send_raw(raw(TcpFlags::ACK | TcpFlags::FIN, 5000, 99), b"data");
    assert_eq!(h.recv_raw(), vec![(reply(TcpFlags::RST, 99, 0), vec![])]);
}

#[test]
fn syn_ack_draws_rst_at_seg_ack() {
    let mut h = Harness::new();
    h.send_raw(raw(TcpFlags::SYN | TcpFlags::ACK, 5000, 77), &[]);
    assert_eq!(h.recv_raw(), vec![(reply(TcpFlags::RST, 77, 0), vec![])]);
}

#[test]
fn rst_draws_nothing() {
    let mut h = Harness::new();
    h.send_raw(raw(TcpFlags::RST, 5000, 0), &[]);
    h.send_raw(raw(TcpFlags::RST | TcpFlags::ACK, 5000, 10), &[]);
    assert_eq!(h.recv_raw(), vec![]);
    assert_eq!(h.ep.stats().tx_rst, 0);
    h.assert_no_connection();
}

#[test]
fn segment_to_an_address_not_ours_is_dropped_silently() {
    let mut h = Harness::new();
    let tcp = raw(TcpFlags::SYN, 5000, 0);
    let bytes = h.packet(PEER_V4.into(), "198.18.0.99".parse().unwrap(), &tcp, &[]);
    h.send_bytes(&bytes);
    assert_eq!(h.recv_raw(), vec![]);
    assert_eq!(h.ep.stats().rx_not_ours, 1);
}

#[test]
fn segment_for_a_deleted_tcb_draws_rst() {
    // LAST-ACK -> CLOSED deletes the TCB; then the port is simply closed.
    let mut h = Harness::new();
    h.last_ack();
    h.ep.close(h.now, h.conn()).unwrap();
    h.send(Seg::ack_at(2, 2));
    h.expect_nothing();
    h.assert_no_connection();
    // Without the listener the port is CLOSED: a late segment of the old
    // connection draws an RST.
    let l = h.listener.unwrap();
    h.ep.close_listener(h.now, l).unwrap();
    h.send(Seg::data(2, 2, b"late"));
    // <SEQ=SEG.ACK><CTL=RST>
    h.expect(&[Seg::rst(2).win(0)]);
}
