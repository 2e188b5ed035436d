//! SEGMENT ARRIVES in LISTEN (RFC 9293 3.10.7.2).

use crate::harness::*;
use synack_core::State;
use synack_core::config::SynCookies;
use synack_core::wire::{TcpFlags, TcpRepr};

#[test]
fn rst_is_ignored() {
    let mut h = Harness::new();
    h.listen(8);
    h.send(Seg::rst(0));
    h.send(Seg::rst_ack(0, 5));
    h.expect_nothing();
    h.assert_no_connection();
}

#[test]
fn ack_draws_rst_at_seg_ack() {
    let mut h = Harness::new();
    h.listen(8);
    // The stack has no ISS yet: the ack field is absolute here.
    let mut tcp = h.to_wire(&Seg::ack_at(0, 0));
    tcp.ack = synack_core::SeqNum(0x4242);
    h.send_raw(tcp, b"x");
    let out = h.recv_raw();
    assert_eq!(out.len(), 1, "{out:?}");
    let (rst, payload) = &out[0];
    // <SEQ=SEG.ACK><CTL=RST>
    assert_eq!(rst.flags, TcpFlags::RST);
    assert_eq!(rst.seq.0, 0x4242);
    assert!(payload.is_empty());
    assert_eq!((rst.src_port, rst.dst_port), (SERVER_PORT, PEER_PORT));
    h.assert_no_connection();
}

#[test]
fn syn_ack_draws_rst_at_seg_ack() {
    let mut h = Harness::new();
    h.listen(8);
    let mut tcp = h.to_wire(&Seg::syn_ack(0, 0));
    tcp.ack = synack_core::SeqNum(777);
    h.send_raw(tcp, &[]);
    let out = h.recv_raw();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].0.flags, TcpFlags::RST);
    assert_eq!(out[0].0.seq.0, 777);
    h.assert_no_connection();
}

#[test]
fn syn_draws_syn_ack_with_mss_and_enters_syn_received() {
    let mut h = Harness::new();
    let l = h.listen(8);
    h.send(Seg::syn(0));
    // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, MSS announced, no window scale
    // since the peer offered none (RFC 7323 2.2); the SYN-ACK's window is
    // never scaled.
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535)]);
    h.assert_state(State::SynReceived);
    assert_eq!(h.ep.stats().passive_opens, 1);
    // Not yet accepted: the handshake is not complete.
    assert_eq!(h.ep.accept(l), Err(synack_core::Error::WouldBlock));
}

#[test]
fn syn_offering_window_scale_draws_window_scale() {
    let mut h = Harness::new();
    h.listen(8);
    h.send(Seg::syn(0).opts(mss_ws(1460, 7)));
    // Default receive buffer 256 KiB: the smallest shift covering it is 3.
    h.expect(&[Seg::syn_ack(0, 1).opts(mss_ws(MSS_V4 as u16, 3)).win(65535)]);
    h.assert_state(State::SynReceived);
}

#[test]
fn syn_with_window_scale_when_scaling_disabled_draws_no_window_scale() {
    let mut h = Harness::with_config(false, |c| c.tcp.window_scaling = false);
    h.listen(8);
    h.send(Seg::syn(0).opts(mss_ws(1460, 7)));
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535)]);
}

#[test]
fn bare_segment_without_syn_ack_or_rst_is_dropped() {
    // "Fourth, other data or control: ... Drop the segment and return."
    let mut h = Harness::new();
    h.listen(8);
    h.send(Seg::data(0, 0, b"hello").no_ack());
    h.send(Seg::fin(0, 0).no_ack());
    h.expect_nothing();
    h.assert_no_connection();
}

/// With SYN cookies off (syn_cookies.rs has them on).
#[test]
fn backlog_full_drops_syn_and_counts_it() {
    let mut h = Harness::with_config(false, |c| c.syn_cookies = SynCookies::Off);
    h.listen(1);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    // A second client (another port) while the only slot is taken.
    let mut syn = h.to_wire(&Seg::syn(0));
    syn.src_port = PEER_PORT + 1;
    h.send_raw(syn, &[]);
    assert_eq!(h.recv_raw(), Vec::<(TcpRepr, Vec<u8>)>::new());
    assert_eq!(h.ep.stats().backlog_drops, 1);
    assert_eq!(h.ep.connection_count(), 1);
}

#[test]
fn listen_on_unspecified_address_accepts() {
    let mut h = Harness::new();
    let any = core::net::SocketAddr::new(core::net::Ipv4Addr::UNSPECIFIED.into(), SERVER_PORT);
    h.listener = Some(h.ep.listen(any, 4).unwrap());
    h.send(Seg::syn(0));
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535)]);
    h.send(Seg::ack_at(1, 1));
    h.expect_nothing();
    let c = h.ep.accept(h.listener.unwrap()).unwrap();
    assert_eq!(h.ep.addrs(c).unwrap(), (h.local, h.remote));
}

/// A listener's own settings pass to the connections it opens (as a
/// listening socket's options do), SYN cookies' included; the endpoint's
/// settings stay for everything else.
#[test]
fn a_listener_config_is_what_its_connections_start_with() {
    for cookies in [SynCookies::Off, SynCookies::Always] {
        let mut h = Harness::with_config(false, |c| c.syn_cookies = cookies);
        let l = h.listen(8);
        let mut small = h.ep.config().tcp.clone();
        small.mtu = 1100 + 40;
        h.ep.set_listener_config(l, small).unwrap();
        h.send(Seg::syn(0).no_ack());
        let out = h.recv();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].options.mss, Some(1100), "{cookies:?}: {out:?}");
        h.send(Seg::ack_at(1, 1));
        let c = h.ep.accept(l).unwrap();
        let conn = h.ep.connection(c).unwrap();
        assert_eq!(conn.advertised_mss(), 1100, "{cookies:?}");
    }
    // A stale listener handle is refused.
    let mut h = Harness::new();
    let l = h.listen(8);
    h.ep.close_listener(h.now, l).unwrap();
    let cfg = h.ep.config().tcp.clone();
    assert!(h.ep.set_listener_config(l, cfg).is_err());
}
