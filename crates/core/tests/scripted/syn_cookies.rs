//! SYN cookies (RFC 4987 3.6): a listener whose backlog the embryonic
//! connections fill answers with a cookie SYN-ACK and keeps nothing; the
//! ACK that returns the cookie creates the connection.

use crate::harness::*;
use std::net::SocketAddr;
use synack_core::config::SynCookies;
use synack_core::wire::{TcpFlags, TcpOptions, Timestamps};
use synack_core::{SeqNum, State};

/// Listens with a backlog of 1 and fills it with an embryonic connection
/// from another port of the peer; the test's own client comes next.
fn full_listener(h: &mut Harness) {
    h.listen(1);
    let me = h.remote;
    h.remote = SocketAddr::new(me.ip(), PEER_PORT - 1);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1, "the first client's SYN-ACK");
    h.remote = me;
    h.iss = None;
    assert_eq!(h.ep.connection_count(), 1);
}

#[test]
fn a_full_backlog_answers_with_a_cookie_and_the_ack_opens_the_connection() {
    let mut h = Harness::new();
    full_listener(&mut h);
    h.send(Seg::syn(0));
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(h.mss() as u16)).win(65535)]);
    assert_eq!(h.ep.connection_count(), 1, "nothing kept for the cookie");
    assert_eq!(h.ep.stats().syn_cookies_sent, 1);
    assert_eq!(h.ep.stats().backlog_drops, 0);
    // The ACK, with data: ESTABLISHED, accepted, the data readable.
    h.send(Seg::data(1, 1, b"hello"));
    assert_eq!(h.ep.stats().syn_cookies_accepted, 1);
    assert_eq!(h.ep.connection_count(), 2);
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).expect("the cookie connection is accepted"));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(h.app_recv(100).unwrap(), b"hello");
    // Data goes out after the cookie (SEQ = ISS+1), acknowledging ours.
    h.app_send(b"world");
    let out = h.recv();
    let data: Vec<_> = out.iter().filter(|s| !s.data.is_empty()).collect();
    assert_eq!(data.len(), 1, "{out:?}");
    assert_eq!((data[0].seq, data[0].ack), (1, Some(6)));
    assert_eq!(data[0].data, b"world");
}

#[test]
fn the_cookie_keeps_the_peers_mss_to_the_table_entry_below_it() {
    let mut h = Harness::new();
    full_listener(&mut h);
    h.send(Seg::syn(0).opts(mss(1000)));
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    h.send(Seg::ack_at(1, 1));
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).unwrap());
    // 536 is the table's largest entry not above 1000.
    assert_eq!(h.ep.connection(h.conn()).unwrap().mss(), 536);
    h.app_send(&bytes(0, 2000));
    let out = h.recv();
    assert!(!out.is_empty());
    assert!(out.iter().all(|s| s.data.len() <= 536), "{out:?}");
}

/// With timestamps the peer's window scale and SACK-permitted ride in the
/// TSval; the ACK's TSecr brings them back.
#[test]
fn window_scale_and_sack_come_back_in_the_timestamp_echo() {
    let mut h = Harness::with_config(false, |c| {
        c.tcp.sack = true;
        c.tcp.timestamps = true;
    });
    full_listener_with_ts(&mut h);
    let syn_opts = TcpOptions {
        mss: Some(PEER_MSS),
        window_scale: Some(7),
        sack_permitted: true,
        timestamps: Some(Timestamps {
            tsval: 5000,
            tsecr: 0,
        }),
        ..TcpOptions::default()
    };
    h.send(Seg::syn(0).opts(syn_opts));
    let out = h.recv_raw();
    assert_eq!(out.len(), 1);
    let synack = out[0].0;
    h.learn_iss(synack.seq);
    assert!(synack.options.sack_permitted);
    assert!(synack.options.window_scale.is_some());
    let ts = synack.options.timestamps.expect("timestamps offered");
    assert_eq!(ts.tsecr, 5000);
    assert_eq!(ts.tsval & 0xf, 7, "window scale in the TSval");
    assert_ne!(ts.tsval & 0x10, 0, "SACK-permitted in the TSval");
    // The ACK advertises 2 << 7 = 256 bytes.
    let ack_opts = TcpOptions {
        timestamps: Some(Timestamps {
            tsval: 5001,
            tsecr: ts.tsval,
        }),
        ..TcpOptions::default()
    };
    h.send(Seg::ack_at(1, 1).win(2).opts(ack_opts));
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).unwrap());
    let c = h.ep.connection(h.conn()).unwrap();
    assert!(c.sack_enabled() && c.timestamps_enabled());
    h.app_send(&bytes(0, 1000));
    let sent: usize = h.recv().iter().map(|s| s.data.len()).sum();
    assert_eq!(
        sent, 256,
        "the window is scaled by the shift the cookie kept"
    );
}

fn full_listener_with_ts(h: &mut Harness) {
    h.listen(1);
    let me = h.remote;
    h.remote = SocketAddr::new(me.ip(), PEER_PORT - 1);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.remote = me;
    h.iss = None;
}

/// Without timestamps there is nowhere to keep window scale and SACK:
/// neither is offered (the peer then uses neither, RFC 7323 2.2, RFC 2018).
#[test]
fn without_timestamps_the_cookie_offers_no_window_scale_nor_sack() {
    let mut h = Harness::with_config(false, |c| c.tcp.sack = true);
    full_listener(&mut h);
    let opts = TcpOptions {
        sack_permitted: true,
        ..mss_ws(PEER_MSS, 7)
    };
    h.send(Seg::syn(0).opts(opts));
    let out = h.recv_raw();
    assert_eq!(out.len(), 1);
    let o = out[0].0.options;
    assert_eq!(
        (o.window_scale, o.sack_permitted, o.timestamps),
        (None, false, None)
    );
    // A normal SYN-ACK would have offered both.
    let mut k = Harness::with_config(false, |c| c.tcp.sack = true);
    k.listen(8);
    k.send(Seg::syn(0).opts(opts));
    let o = k.recv_raw()[0].0.options;
    assert!(o.window_scale.is_some() && o.sack_permitted);
}

#[test]
fn an_ack_with_a_wrong_cookie_draws_rst_and_opens_nothing() {
    let mut h = Harness::new();
    full_listener(&mut h);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    // Off by one: <SEQ=SEG.ACK><CTL=RST>, as any stray ACK.
    h.send(Seg::ack_at(1, 2));
    let out = h.recv_raw();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].0.flags, TcpFlags::RST);
    assert_eq!(out[0].0.seq, h.iss() + 2);
    // The right cookie for another ISN (SEG.SEQ) is wrong too.
    h.send(Seg::ack_at(2, 1));
    assert_eq!(h.recv_raw()[0].0.flags, TcpFlags::RST);
    // And from another port.
    h.remote = SocketAddr::new(h.remote.ip(), PEER_PORT + 7);
    h.send(Seg::ack_at(1, 1));
    assert_eq!(h.recv_raw()[0].0.flags, TcpFlags::RST);
    assert_eq!(h.ep.stats().syn_cookies_rejected, 3);
    assert_eq!(h.ep.stats().syn_cookies_accepted, 0);
    assert_eq!(h.ep.connection_count(), 1);
}

#[test]
fn a_cookie_expires_after_two_periods() {
    let mut h = Harness::new();
    full_listener(&mut h);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.now += ms(130_000);
    h.send(Seg::ack_at(1, 1));
    let out = h.recv_raw();
    assert!(
        out.iter().any(|(t, _)| t.flags == TcpFlags::RST),
        "expired: {out:?}"
    );
    assert_eq!(h.ep.stats().syn_cookies_accepted, 0);
}

/// A listener that has not sent a cookie lately does not check ACKs for
/// one: a blind ACK has no 1-in-16-million chance to open a connection.
#[test]
fn a_listener_that_sent_no_cookie_does_not_look_for_one() {
    let mut h = Harness::new();
    h.listen(8);
    h.iss = Some(SeqNum(0x1234_5678));
    h.send(Seg::ack_at(1, 1));
    assert_eq!(h.recv_raw()[0].0.flags, TcpFlags::RST);
    assert_eq!(h.ep.stats().syn_cookies_rejected, 0, "not even checked");
}

#[test]
fn always_keeps_no_embryonic_connection() {
    let mut h = Harness::with_config(false, |c| c.syn_cookies = SynCookies::Always);
    h.listen(8);
    h.send(Seg::syn(0));
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(h.mss() as u16)).win(65535)]);
    h.assert_no_connection();
    h.send(Seg::ack_at(1, 1));
    h.assert_state(State::Established);
    let l = h.listener.unwrap();
    assert!(h.ep.accept(l).is_ok());
}

/// Cookies do not make the application accept faster: with the accept
/// queue full a SYN is dropped, cookie or not (as Linux and FreeBSD).
#[test]
fn a_full_accept_queue_still_drops_syns() {
    let mut h = Harness::new();
    h.listen(1);
    let me = h.remote;
    h.remote = SocketAddr::new(me.ip(), PEER_PORT - 1);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::ack_at(1, 1));
    h.remote = me;
    h.iss = None;
    h.send(Seg::syn(0));
    h.expect_nothing();
    assert_eq!(h.ep.stats().backlog_drops, 1);
    assert_eq!(h.ep.stats().syn_cookies_sent, 0);
}

#[test]
fn off_drops_the_syn() {
    let mut h = Harness::with_config(false, |c| c.syn_cookies = SynCookies::Off);
    full_listener(&mut h);
    h.send(Seg::syn(0));
    h.expect_nothing();
    assert_eq!(h.ep.stats().backlog_drops, 1);
}

#[test]
fn cookies_work_over_ipv6() {
    let mut h = Harness::with_config(true, |_| {});
    full_listener(&mut h);
    h.send(Seg::syn(0));
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(h.mss() as u16)).win(65535)]);
    h.send(Seg::ack_at(1, 1));
    assert_eq!(h.ep.stats().syn_cookies_accepted, 1);
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).unwrap());
    assert_eq!(h.ep.connection(h.conn()).unwrap().mss(), 1440);
}

/// A flood of spoofed SYNs (10 000 sources) against a backlog of 16, with
/// the legitimate client in the middle of it: the flood costs no more than
/// the backlog's 16 embryonic connections, and the client gets in.
#[test]
fn a_syn_flood_keeps_memory_bounded_and_lets_the_client_in() {
    let mut h = Harness::new();
    h.listen(16);
    let me = h.remote;
    let flood = |h: &mut Harness, from: u32, n: u32| {
        for i in from..from + n {
            h.remote = SocketAddr::new(
                std::net::Ipv4Addr::new(198, 19, (i >> 8) as u8, i as u8).into(),
                1024 + (i % 60000) as u16,
            );
            h.send(Seg::syn(i.wrapping_mul(2_654_435_761)));
            let _ = h.recv_raw();
        }
        h.remote = me;
        h.iss = None;
    };
    flood(&mut h, 0, 5000);
    let before = h.ep.memory_usage();
    flood(&mut h, 5000, 5000);
    assert!(h.ep.connection_count() <= 16);
    assert_eq!(h.ep.memory_usage(), before, "the flood grew no memory");
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1, "the client's cookie SYN-ACK");
    h.send(Seg::ack_at(1, 1));
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).unwrap());
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert!(h.ep.stats().syn_cookies_sent >= 9984);
}

/// A cookie's ACK that finds the accept queue full (the embryonic
/// connections completed first): the connection waits in SYN-RECEIVED as
/// if the ACK had been lost, sends its SYN-ACK again at the timeout, and
/// gets in once the application has accepted.
#[test]
fn a_cookie_ack_meeting_a_full_accept_queue_waits_for_room() {
    let mut h = Harness::new();
    h.listen(1);
    let me = h.remote;
    h.remote = SocketAddr::new(me.ip(), PEER_PORT - 1);
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    let first_iss = h.iss.take();
    h.remote = me;
    // The cookie goes out while the first connection is embryonic...
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    let cookie_iss = h.iss;
    // ... which then completes and fills the accept queue.
    h.remote = SocketAddr::new(me.ip(), PEER_PORT - 1);
    h.iss = first_iss;
    h.send(Seg::ack_at(1, 1));
    h.remote = me;
    h.iss = cookie_iss;
    h.send(Seg::ack_at(1, 1));
    h.expect_nothing();
    assert_eq!(h.ep.stats().backlog_drops, 1);
    assert_eq!(h.ep.count_in_state(State::SynReceived), 1, "waiting");
    // Its SYN-ACK again at the timeout; the ACK is dropped while full.
    h.advance(ms(1000));
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(h.mss() as u16)).win(65535)]);
    h.send(Seg::ack_at(1, 1));
    assert_eq!(h.ep.count_in_state(State::SynReceived), 1, "still full");
    // The application accepts the first; the next SYN-ACK's answer gets in.
    let l = h.listener.unwrap();
    h.ep.accept(l).unwrap();
    h.advance(ms(2000));
    assert_eq!(h.recv().len(), 1, "the SYN-ACK once more");
    h.send(Seg::ack_at(1, 1));
    h.conn = Some(h.ep.accept(l).expect("the cookie connection got in"));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(
        h.ep.connection(h.conn()).unwrap().iss(),
        cookie_iss.unwrap()
    );
}
