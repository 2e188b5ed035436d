//! OPEN (active) and SEGMENT ARRIVES in SYN-SENT (RFC 9293 3.10.1,
//! 3.10.7.3), SYN retransmission (RFC 6298 5.5, RFC 9293 R2).

use crate::harness::*;
use core::time::Duration;
use synack_core::wire::TcpFlags;
use synack_core::{Error, EventKind, State};

#[test]
fn connect_sends_syn_with_mss_and_window_scale() {
    let mut h = Harness::new();
    let c =
        h.ep.connect(
            h.now,
            "0.0.0.0:0".parse().unwrap(),
            "198.18.0.1:80".parse().unwrap(),
        )
        .unwrap();
    h.conn = Some(c);
    h.local = h.ep.addrs(c).unwrap().0;
    h.remote = "198.18.0.1:80".parse().unwrap();
    // <SEQ=ISS><CTL=SYN>, no ACK; MSS and the window scale we offer.
    h.expect(&[Seg::syn(0).opts(mss_ws(MSS_V4 as u16, 3)).win(65535)]);
    assert_eq!(h.ep.state(c), Ok(State::SynSent));
    assert_eq!(h.local.ip(), core::net::IpAddr::from(STACK_V4));
    assert_eq!(h.ep.stats().active_opens, 1);
}

#[test]
fn syn_ack_with_acceptable_ack_establishes_and_acks() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::syn_ack(0, 1));
    // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; no scaling (the peer offered none).
    h.expect(&[Seg::ack_at(1, 1).win(65535)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(h.conn_events(), vec![EventKind::Connected]);
}

#[test]
fn syn_ack_with_window_scale_scales_later_windows() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::syn_ack(0, 1).opts(mss_ws(1460, 2)));
    // 256 KiB receive buffer >> 3.
    h.expect(&[Seg::ack_at(1, 1).win(32768)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn syn_ack_acking_iss_draws_rst() {
    let mut h = Harness::new();
    h.syn_sent();
    // SEG.ACK =< ISS: <SEQ=SEG.ACK><CTL=RST>, segment discarded.
    h.send(Seg::syn_ack(0, 0));
    h.expect(&[Seg::rst(0).win(0)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
    assert_eq!(h.conn_events(), vec![]);
}

#[test]
fn syn_ack_acking_beyond_snd_nxt_draws_rst() {
    let mut h = Harness::new();
    h.syn_sent();
    // SEG.ACK > SND.NXT.
    h.send(Seg::syn_ack(0, 2));
    h.expect(&[Seg::rst(2).win(0)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
    // The real SYN-ACK still completes the handshake.
    h.send(Seg::syn_ack(0, 1));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn bare_ack_with_bad_ack_draws_rst() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::ack_at(0, 1000));
    h.expect(&[Seg::rst(1000).win(0)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
}

#[test]
fn rst_with_acceptable_ack_refuses_the_connection() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::rst_ack(0, 1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Refused]);
    assert_eq!(h.app_recv(10), Err(Error::ConnectionRefused));
    assert_eq!(
        h.ep.send(h.now, h.conn(), b"x"),
        Err(Error::ConnectionRefused)
    );
    // No retransmission follows.
    h.advance(Duration::from_secs(120));
    h.expect_nothing();
}

#[test]
fn rst_without_ack_is_ignored() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::rst(0));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
    assert_eq!(h.conn_events(), vec![]);
}

#[test]
fn rst_with_unacceptable_ack_is_dropped_without_reply() {
    let mut h = Harness::new();
    h.syn_sent();
    // "send a reset (unless the RST bit is set, if so drop the segment)".
    h.send(Seg::rst_ack(0, 5));
    h.send(Seg::rst_ack(0, 0));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
}

#[test]
fn ack_without_syn_or_rst_is_dropped() {
    // Fifth: "if neither of the SYN or RST bits is set, then drop".
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::ack_at(0, 1));
    h.send(Seg::data(0, 1, b"junk"));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
}

#[test]
fn syn_alone_is_simultaneous_open() {
    let mut h = Harness::new();
    h.syn_sent();
    // The peer's SYN crosses ours: SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
    h.send(Seg::syn(0));
    h.expect(&[Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynReceived));
    // The peer's ACK of our SYN completes it.
    h.send(Seg::ack_at(1, 1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(h.conn_events(), vec![EventKind::Connected]);
}

/// RFC 9293 figure 7: both SYNs cross, then both SYN-ACKs cross. The
/// peer's SYN-ACK (SEG.SEQ+1 = RCV.NXT, SEG.ACK = SND.NXT) acknowledges our
/// SYN: ESTABLISHED at once, nothing more to send (Linux does the same;
/// read literally, the sequence check would drop it and cost a round trip).
#[test]
fn simultaneous_open_with_crossing_syn_acks() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::syn_ack(0, 1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(h.conn_events(), vec![EventKind::Connected]);
}

/// A SYN-ACK in simultaneous SYN-RECEIVED that does not acknowledge our SYN
/// exactly is treated by the normal rules: unacceptable, answered by ACK.
#[test]
fn simultaneous_open_syn_ack_with_wrong_ack_is_not_taken() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::syn_ack(0, 7));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynReceived));
}

/// RFC 9293 3.10.2 / 3.10.4: after a simultaneous open, data written and
/// a CLOSE in SYN-RECEIVED wait for the SYN's acknowledgment; an old ACK
/// with SACK blocks before it cannot make the sender "retransmit" data at
/// the ISS (a fuzzer finding: a segment at SEQ=ISS carrying data).
#[test]
fn close_in_simultaneous_syn_received_sends_no_data_before_the_syn_is_acked() {
    let mut h = Harness::with_config(false, |c| c.tcp.sack = true);
    h.syn_sent();
    let o = synack_core::wire::TcpOptions {
        sack_permitted: true,
        ..mss(536)
    };
    h.send(Seg::syn(0).opts(o));
    assert_eq!(h.recv().len(), 1, "our SYN-ACK");
    assert_eq!(h.ep.send(h.now, h.conn(), &bytes(0, 2000)), Ok(2000));
    h.app_shutdown();
    for seg in h.recv() {
        assert!(seg.data.is_empty(), "data before the SYN is acked: {seg:?}");
    }
    // An old ACK (before our ISS) SACKing "our data".
    let iss = h.iss();
    let mut blocks = synack_core::wire::SackBlocks::default();
    blocks.push(iss + 20, iss + 600);
    let old = synack_core::wire::TcpOptions {
        sack_blocks: blocks,
        ..Default::default()
    };
    h.send(Seg::ack_at(1, 0).opts(old));
    for seg in h.recv() {
        assert!(seg.data.is_empty() && seg.seq != 0, "{seg:?}");
    }
    // The peer acknowledges the SYN: the data, then the FIN, go out.
    h.send(Seg::ack_at(1, 1).win(65535));
    h.advance(Duration::from_millis(10));
    let out = h.recv();
    let data: usize = out.iter().map(|s| s.data.len()).sum();
    assert!(data > 0 && out[0].seq == 1, "{out:?}");
    assert_eq!(out[0].data, bytes(0, out[0].data.len()));
}

#[test]
fn data_sent_in_syn_sent_is_queued_until_established() {
    let mut h = Harness::new();
    h.syn_sent();
    assert_eq!(h.ep.send(h.now, h.conn(), b"early"), Ok(5));
    h.expect_nothing();
    h.send(Seg::syn_ack(0, 1));
    // The queued data goes out with the handshake's ACK.
    h.expect(&[Seg::data(1, 1, b"early")]);
}

#[test]
fn syn_ack_carrying_data_delivers_it() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg {
        data: b"hello".to_vec(),
        ..Seg::syn_ack(0, 1)
    });
    let out = h.recv();
    // The data is acknowledged (at once or after the delayed-ACK timer).
    h.advance(Duration::from_millis(500));
    let mut all = out;
    all.extend(h.recv());
    assert_eq!(all.last(), Some(&Seg::ack_at(1, 6).win(65535)), "{all:?}");
    assert_eq!(h.app_recv(100), Ok(b"hello".to_vec()));
}

#[test]
fn syn_is_retransmitted_with_exponential_backoff_then_times_out() {
    let mut h = Harness::new();
    let start = h.now;
    h.syn_sent();
    let cfg = h.ep.config().tcp.clone();
    let mut t = start;
    for k in 0..cfg.syn_retries {
        let rto = (cfg.initial_rto * (1 << k)).min(cfg.max_rto);
        t += rto;
        assert_eq!(h.next_timeout(), Some(t), "retransmission {}", k + 1);
        h.advance_to(t);
        let out = h.recv_timed();
        assert_eq!(out.len(), 1, "retransmission {}: {out:?}", k + 1);
        assert_eq!(out[0].0, t);
        assert_eq!(
            out[0].1,
            Seg::syn(0).opts(mss_ws(MSS_V4 as u16, 3)).win(65535)
        );
        assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
    }
    assert_eq!(h.ep.stats().retransmissions, u64::from(cfg.syn_retries));
    // After the last retransmission, one more backed-off RTO and it gives up.
    let rto = (cfg.initial_rto * (1 << cfg.syn_retries)).min(cfg.max_rto);
    h.advance_to(t + (rto - Duration::from_micros(1)));
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
    h.advance(Duration::from_micros(1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::TimedOut]);
    assert_eq!(h.app_recv(1), Err(Error::TimedOut));
}

#[test]
fn syn_retries_limit_is_configurable() {
    let mut h = Harness::with_config(false, |c| c.tcp.syn_retries = 2);
    let start = h.now;
    h.syn_sent();
    // 1 s, then 2 s: two retransmissions; gives up 4 s later.
    h.advance(Duration::from_secs(60));
    let times: Vec<_> = h
        .recv_timed()
        .into_iter()
        .map(|(t, s)| {
            assert_eq!(s.ctl, TcpFlags::SYN);
            t - start
        })
        .collect();
    assert_eq!(times, vec![Duration::from_secs(1), Duration::from_secs(3)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    let ev = h.conn_events();
    assert_eq!(ev, vec![EventKind::TimedOut]);
}

#[test]
fn syn_ack_after_retransmission_still_establishes() {
    let mut h = Harness::new();
    h.syn_sent();
    h.advance(Duration::from_secs(1));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::syn_ack(0, 1));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    // No further SYN.
    h.advance(Duration::from_secs(10));
    h.expect_nothing();
}

#[test]
fn simultaneous_open_rst_refuses() {
    // SYN-RECEIVED from an active OPEN: "the connection was refused".
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::rst(1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::Refused]);
    assert_eq!(h.app_recv(1), Err(Error::ConnectionRefused));
}

#[test]
fn simultaneous_open_new_syn_draws_challenge_ack() {
    // SYN-RECEIVED from an active OPEN: a SYN is handled as in the
    // synchronized states (RFC 5961 4.2 challenge ACK).
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::syn(100));
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynReceived));
}

#[test]
fn simultaneous_open_syn_ack_is_retransmitted() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::syn(0));
    let syn_ack = Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535);
    h.expect(std::slice::from_ref(&syn_ack));
    h.advance(Duration::from_secs(1));
    let out = h.recv();
    assert_eq!(out, vec![syn_ack], "SYN-ACK retransmission expected");
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynReceived));
}

#[test]
fn close_in_simultaneous_syn_received_keeps_retransmitting_the_syn() {
    // CLOSE in SYN-RECEIVED (RFC 9293 3.10.4): send FIN and enter
    // FIN-WAIT-1, or queue the FIN until ESTABLISHED. Either way our SYN is
    // still unacknowledged and must keep being retransmitted.
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::syn(0));
    assert_eq!(h.recv().len(), 1);
    h.app_shutdown();
    let mut out = h.recv();
    let st = h.ep.state(h.conn()).unwrap();
    assert!(matches!(st, State::FinWait1 | State::SynReceived), "{st}");
    h.advance(Duration::from_secs(1));
    let rexmit = h.recv();
    assert!(
        rexmit.contains(&Seg::syn_ack(0, 1).opts(mss(MSS_V4 as u16)).win(65535)),
        "no SYN-ACK retransmission: {rexmit:?}"
    );
    out.extend(rexmit);
    // The peer's ACK of our SYN; our FIN goes out (if it had not).
    h.send(Seg::ack_at(1, 1));
    out.extend(h.recv());
    assert_eq!(h.ep.state(h.conn()), Ok(State::FinWait1));
    assert!(out.contains(&Seg::fin(1, 1).win(65535)), "no FIN: {out:?}");
    h.send(Seg::ack_at(1, 2));
    assert_eq!(h.ep.state(h.conn()), Ok(State::FinWait2));
}

#[test]
fn close_in_syn_sent_deletes_the_tcb() {
    // CLOSE in SYN-SENT: "Delete the TCB"; nothing is sent.
    let mut h = Harness::new();
    h.syn_sent();
    h.app_shutdown();
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    h.advance(Duration::from_secs(10));
    h.expect_nothing();
    // The peer's late SYN-ACK finds no TCB: <SEQ=SEG.ACK><CTL=RST>.
    h.send(Seg::syn_ack(0, 1));
    h.expect(&[Seg::rst(1).win(0)]);
}

#[test]
fn fin_without_syn_is_dropped() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::fin(0, 1));
    h.send(Seg::fin(0, 1).no_ack());
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
}

#[test]
fn syn_ack_window_is_not_scaled() {
    // RFC 7323 2.2: the window field of a SYN-ACK is never scaled.
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::syn_ack(0, 1).opts(mss_ws(1460, 2)).win(1000));
    h.expect(&[Seg::ack_at(1, 1)]);
    h.ep.set_nodelay(h.conn(), true).unwrap();
    h.app_send(&bytes(0, 3000));
    h.expect(&[Seg::data(1, 1, &bytes(0, 1000))]);
    // Later windows are scaled: 500 << 2 = 2000.
    h.send(Seg::ack_at(1, 1001).win(500));
    h.expect(&[
        Seg::data(1001, 1, &bytes(1000, 1460)),
        Seg::data(2461, 1, &bytes(2460, 540)),
    ]);
}

#[test]
fn syn_ack_carrying_fin_enters_close_wait() {
    let mut h = Harness::new();
    h.syn_sent();
    h.send(Seg::syn_ack(0, 1).with(TcpFlags::FIN));
    h.expect(&[Seg::ack_at(1, 2)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::CloseWait));
    assert_eq!(
        h.conn_events(),
        vec![EventKind::Connected, EventKind::PeerClosed]
    );
}

#[test]
fn freebsd_syn_backoff_and_connection_establishment_timer() {
    // tcp_syn_backoff: 1, 1, 1, 1, 1, 2, 4, 8, 16, 32 s after the initial
    // 1 s RTO; keepinit (75 s) ends the attempt before the 11th.
    let mut h = Harness::with_config(false, |c| {
        c.tcp.initial_rto = Duration::from_secs(1);
        c.tcp.syn_backoff = synack_core::SynBackoff::FreeBsd;
        c.tcp.connect_timeout = Some(Duration::from_secs(75));
        c.tcp.syn_retries = 12;
    });
    let start = h.now;
    h.syn_sent();
    h.advance(Duration::from_secs(74));
    let times: Vec<u64> = h
        .recv_timed()
        .into_iter()
        .map(|(t, s)| {
            assert_eq!(s.ctl, TcpFlags::SYN);
            (t - start).as_secs()
        })
        .collect();
    assert_eq!(times, [1, 2, 3, 4, 5, 7, 11, 19, 35, 67]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::SynSent));
    h.advance(Duration::from_secs(1));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert_eq!(h.conn_events(), vec![EventKind::TimedOut]);
}
