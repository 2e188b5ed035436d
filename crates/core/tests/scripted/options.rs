//! SACK (RFC 2018), timestamps (RFC 7323) and the switches between
//! RFC 793's and RFC 5961's rules, each on its own (the harness keeps SACK
//! and timestamps off for the base-protocol tests).

use crate::harness::*;
use synack_core::wire::{SackBlocks, TcpFlags, TcpOptions, Timestamps};
use synack_core::{EventKind, SeqNum, State};

fn with_sack_ts(sack: bool, ts: bool) -> Harness {
    Harness::with_config(false, |c| {
        c.tcp.sack = sack;
        c.tcp.timestamps = ts;
    })
}

fn syn_opts(sack: bool, ts: Option<(u32, u32)>) -> TcpOptions {
    TcpOptions {
        mss: Some(PEER_MSS),
        sack_permitted: sack,
        timestamps: ts.map(|(tsval, tsecr)| Timestamps { tsval, tsecr }),
        ..TcpOptions::default()
    }
}

fn ts(tsval: u32, tsecr: u32) -> TcpOptions {
    TcpOptions {
        timestamps: Some(Timestamps { tsval, tsecr }),
        ..TcpOptions::default()
    }
}

/// Passive open where the peer offers SACK and timestamps (TSval 1000).
fn established_with_options(h: &mut Harness) -> Timestamps {
    h.listen(8);
    h.send(Seg::syn(0).opts(syn_opts(true, Some((1000, 0)))).no_ack());
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(
        out[0].options.sack_permitted,
        "SYN-ACK offers SACK: {out:?}"
    );
    let our = out[0].options.timestamps.expect("SYN-ACK carries TSopt");
    assert_eq!(our.tsecr, 1000, "TSecr echoes the SYN's TSval");
    h.send(Seg::ack_at(1, 1).opts(ts(1001, our.tsval)));
    h.expect_nothing();
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).unwrap());
    h.events();
    let c = h.ep.connection(h.conn()).unwrap();
    assert!(c.sack_enabled() && c.timestamps_enabled());
    our
}

#[test]
fn syn_offers_sack_permitted_and_timestamps() {
    let mut h = with_sack_ts(true, true);
    h.syn_sent();
    // syn_sent() consumed the SYN; look at it again through a retransmission.
    let rto = h.ep.config().tcp.initial_rto;
    h.advance(rto);
    let out = h.recv();
    assert_eq!(out.len(), 1);
    let o = out[0].options;
    assert!(o.sack_permitted);
    let t = o.timestamps.expect("TSopt on the SYN");
    assert_eq!(t.tsecr, 0, "nothing to echo on a SYN (RFC 7323 3.2)");
    assert_eq!(o.window_scale, Some(3));
}

#[test]
fn syn_ack_offers_only_what_the_peer_offered() {
    let mut h = with_sack_ts(true, true);
    h.listen(8);
    h.send(Seg::syn(0).opts(syn_opts(false, None)).no_ack());
    let out = h.recv();
    assert_eq!(out.len(), 1);
    assert!(!out[0].options.sack_permitted);
    assert_eq!(out[0].options.timestamps, None);
}

#[test]
fn nothing_offered_when_switched_off() {
    let mut h = with_sack_ts(false, false);
    h.listen(8);
    h.send(Seg::syn(0).opts(syn_opts(true, Some((5, 0)))).no_ack());
    let out = h.recv();
    assert!(!out[0].options.sack_permitted);
    assert_eq!(out[0].options.timestamps, None);
}

#[test]
fn out_of_order_data_is_reported_in_sack_blocks_latest_first() {
    let mut h = with_sack_ts(true, false);
    h.listen(8);
    h.send(Seg::syn(0).opts(syn_opts(true, None)).no_ack());
    h.recv();
    h.send(Seg::ack_at(1, 1));
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).unwrap());
    // Holes at 1..101 and 201..301; segments at 101..201 then 301..401.
    h.send(Seg::data(101, 1, &bytes(100, 100)));
    let out = h.recv();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].ack, Some(1));
    let peer = SeqNum(PEER_ISS);
    assert_eq!(
        out[0].options.sack_blocks.as_slice(),
        &[(peer + 101, peer + 201)]
    );
    h.send(Seg::data(301, 1, &bytes(300, 100)));
    let out = h.recv();
    assert_eq!(
        out[0].options.sack_blocks.as_slice(),
        &[(peer + 301, peer + 401), (peer + 101, peer + 201)],
        "the block of the latest segment comes first (RFC 2018 section 4)"
    );
    // Filling the first hole merges 1..201; the latest block leads.
    h.send(Seg::data(1, 1, &bytes(0, 100)));
    let out = h.recv();
    assert_eq!(out.last().unwrap().ack, Some(201));
    assert_eq!(
        out.last().unwrap().options.sack_blocks.as_slice(),
        &[(peer + 301, peer + 401)]
    );
    // The last hole: no more blocks.
    h.send(Seg::data(201, 1, &bytes(200, 100)));
    let out = h.recv();
    assert_eq!(out.last().unwrap().ack, Some(401));
    assert!(out.last().unwrap().options.sack_blocks.is_empty());
    assert_eq!(h.app_recv(1000), Ok(bytes(0, 400)));
}

#[test]
fn no_sack_blocks_without_negotiation() {
    let mut h = with_sack_ts(true, false);
    h.established(); // the peer's SYN has no SACK-permitted
    h.send(Seg::data(101, 1, &bytes(100, 100)));
    let out = h.recv();
    assert_eq!(out.len(), 1);
    assert!(out[0].options.sack_blocks.is_empty());
}

#[test]
fn peer_sack_blocks_are_harmless() {
    let mut h = with_sack_ts(true, false);
    h.established();
    h.app_send(&bytes(0, 3000));
    let out = h.recv();
    assert!(!out.is_empty());
    let mut blocks = SackBlocks::default();
    let iss = h.iss();
    // Nonsense blocks: beyond what was sent, inverted, before SND.UNA.
    blocks.push(iss + 100_000, iss + 200_000);
    blocks.push(iss + 50, iss + 10);
    blocks.push(iss - 1000, iss - 10);
    let o = TcpOptions {
        sack_blocks: blocks,
        ..TcpOptions::default()
    };
    h.send(Seg::ack_at(1, 1461).opts(o));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
    assert_eq!(h.ep.connection(h.conn()).unwrap().send_queue(), 3000 - 1460);
}

#[test]
fn every_segment_carries_timestamps_echoing_ts_recent() {
    let mut h = with_sack_ts(true, true);
    established_with_options(&mut h);
    h.send(Seg::data(1, 1, b"hello").opts(ts(2000, 0)));
    h.advance(ms(500)); // delayed ACK
    let out = h.recv();
    assert_eq!(out.len(), 1);
    let t = out[0].options.timestamps.expect("TSopt on the ACK");
    assert_eq!(t.tsecr, 2000, "TS.Recent updated from the in-order segment");
}

#[test]
fn an_abort_rst_carries_timestamps_when_agreed() {
    // RFC 7323 3.2: TSopt "SHOULD be sent in an <RST> segment".
    let mut h = with_sack_ts(true, true);
    established_with_options(&mut h);
    h.send(Seg::data(1, 1, b"hello").opts(ts(2000, 0)));
    h.app_abort();
    let out = h.recv();
    let rst = out.iter().find(|s| s.ctl.rst()).expect("an RST");
    let t = rst.options.timestamps.expect("TSopt on the RST");
    assert_eq!(t.tsecr, 2000);
    assert!(rst.options.sack_blocks.is_empty());
}

#[test]
fn data_segments_leave_room_for_the_timestamp_option() {
    let mut h = with_sack_ts(true, true);
    established_with_options(&mut h);
    h.app_send(&bytes(0, 3000));
    let out = h.recv();
    assert!(!out.is_empty());
    assert_eq!(
        out[0].data.len(),
        MSS_V4 - 12,
        "RFC 6691: the MSS counts no options, so 12 bytes go to TSopt"
    );
}

#[test]
fn paws_drops_an_old_timestamp_with_an_ack() {
    let mut h = with_sack_ts(true, true);
    established_with_options(&mut h);
    h.send(Seg::data(1, 1, b"new").opts(ts(5000, 0)));
    h.advance(ms(500));
    h.recv();
    // Older TSval than TS.Recent (5000): unacceptable (RFC 7323 5.3 R1).
    h.send(Seg::data(4, 1, b"old").opts(ts(4000, 0)));
    let out = h.recv();
    assert_eq!(out.len(), 1, "an ACK answers the PAWS drop: {out:?}");
    assert_eq!(out[0].ack, Some(4), "the data was not taken");
    assert_eq!(h.ep.stats().paws_drops, 1);
    assert_eq!(h.app_recv(100), Ok(b"new".to_vec()));
}

#[test]
fn segment_without_timestamp_is_dropped_when_agreed() {
    let mut h = with_sack_ts(true, true);
    established_with_options(&mut h);
    h.send(Seg::data(1, 1, b"bare"));
    h.advance(ms(500));
    h.expect_nothing();
    assert_eq!(h.app_recv(100), Err(synack_core::Error::WouldBlock));
    // An RST needs no timestamp (RFC 7323 3.2).
    h.send(Seg::rst(1));
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
}

#[test]
fn rtt_is_measured_from_echoed_timestamps_even_after_a_retransmission() {
    let mut h = with_sack_ts(true, true);
    established_with_options(&mut h);
    // The handshake gave a 0 ms sample.
    let srtt0 = h.ep.connection(h.conn()).unwrap().srtt().unwrap();
    assert_eq!(srtt0.as_millis(), 0);
    h.app_send(b"x");
    assert_eq!(h.recv().len(), 1);
    // The RTO fires; the retransmission carries a newer TSval.
    let t = h.next_timeout().unwrap();
    h.advance_to(t);
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    let resent = out[0].options.timestamps.unwrap();
    // Karn's rule forbids timing a retransmitted segment, but the echo
    // says which transmission the ACK answers (RFC 7323 4.1): 80 ms.
    h.advance(ms(80));
    h.send(Seg::ack_at(1, 2).opts(ts(3000, resent.tsval)));
    let srtt = h.ep.connection(h.conn()).unwrap().srtt().unwrap();
    assert_eq!(srtt.as_millis(), 10, "7/8 * 0 + 1/8 * 80 ms");
}

#[test]
fn rfc793_rst_rule_resets_on_any_in_window_rst() {
    let mut h = Harness::with_config(false, |c| c.tcp.rst_challenge = false);
    h.established();
    h.send(Seg::rst(1000));
    h.expect_nothing();
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    assert!(h.conn_events().contains(&EventKind::Reset));
}

#[test]
fn rfc793_syn_rule_answers_an_in_window_syn_with_rst() {
    let mut h = Harness::with_config(false, |c| c.tcp.syn_challenge = false);
    h.established();
    h.send(Seg::syn(1).no_ack());
    h.expect(&[Seg::rst_ack(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Closed));
    // Outside the window: the first check's ACK, as always.
    let mut h = Harness::with_config(false, |c| c.tcp.syn_challenge = false);
    h.established();
    h.send(Seg::syn(400_000).no_ack());
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn syn_fin_drop_guards_only_what_could_open_a_connection() {
    // SYN-SENT: dropped.
    let mut h = Harness::with_config(false, |c| c.tcp.drop_syn_fin = true);
    h.syn_sent();
    h.send(Seg::syn(0).with(TcpFlags::FIN).no_ack());
    h.expect_nothing();
    h.assert_state(State::SynSent);
    // ESTABLISHED: the SYN rules answer it (RFC 5961 4.2 challenge ACK).
    let mut h = Harness::with_config(false, |c| c.tcp.drop_syn_fin = true);
    h.established();
    h.send(Seg::syn(1).with(TcpFlags::FIN).no_ack());
    h.expect(&[Seg::ack_at(1, 1)]);
    assert_eq!(h.ep.state(h.conn()), Ok(State::Established));
}

#[test]
fn fin_rides_every_ack_when_configured_but_not_challenge_acks() {
    let mut h = Harness::with_config(false, |c| c.tcp.fin_with_every_ack = true);
    h.fin_wait_1();
    // The peer's FIN crosses ours (simultaneous close): our ACK of it
    // carries our FIN again, at its own sequence number.
    h.send(Seg::fin(1, 1));
    h.expect(&[Seg::fin(1, 2)]);
    h.assert_state(State::Closing);
    // An in-window RST draws a challenge ACK: a bare ACK.
    h.send(Seg::rst(100));
    h.expect(&[Seg::ack_at(2, 2)]);
    // Without the switch, the ACK is bare.
    let mut h = Harness::new();
    h.fin_wait_1();
    h.send(Seg::fin(1, 1));
    h.expect(&[Seg::ack_at(2, 2)]);
}

#[test]
fn a_fin_does_not_shrink_the_offered_window() {
    let mut h = Harness::with_config(false, |c| c.tcp.recv_buffer = 65536);
    h.established();
    h.send(Seg::fin(1, 1));
    let out = h.recv();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].window, Some(65535), "{out:?}");
}

#[test]
fn text_on_a_simultaneous_open_syn_waits_for_established() {
    // The peer's SYN (no ACK) carries data: SYN-RECEIVED, the SYN-ACK
    // acknowledges the SYN only (RFC 9293 3.10.7.3 fourth check).
    let mut h = Harness::new();
    h.syn_sent();
    let mut syn = Seg::syn(0).no_ack();
    syn.data = b"abc".to_vec();
    h.send(syn);
    let out = h.recv();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].ack, Some(1), "the SYN-ACK acknowledges the SYN only");
    h.assert_state(State::SynReceived);
    assert_eq!(h.app_recv(10), Err(synack_core::Error::WouldBlock));
    // The ACK of our SYN: ESTABLISHED, and the queued text is readable.
    h.send(Seg::ack_at(4, 1));
    h.assert_state(State::Established);
    assert_eq!(h.app_recv(10), Ok(b"abc".to_vec()));
}

#[test]
fn receive_buffer_rounds_up_to_whole_segments() {
    let mut h = Harness::with_config(false, |c| {
        c.tcp.recv_buffer = 65536;
        c.tcp.round_recv_buffer_to_mss = true;
    });
    h.syn_sent();
    h.send(Seg::syn_ack(0, 1).opts(mss(1460)));
    h.recv();
    let c = h.ep.connection(h.conn()).unwrap();
    assert_eq!(c.recv_buffer_size(), 45 * 1460);
    // Without the switch the buffer stays as configured.
    let mut h = Harness::with_config(false, |c| c.tcp.recv_buffer = 65536);
    h.syn_sent();
    h.send(Seg::syn_ack(0, 1).opts(mss(1460)));
    assert_eq!(h.ep.connection(h.conn()).unwrap().recv_buffer_size(), 65536);
}

#[test]
fn an_echo_of_the_original_transmission_is_no_rtt_sample() {
    let mut h = with_sack_ts(true, true);
    established_with_options(&mut h);
    let srtt0 = h.ep.connection(h.conn()).unwrap().srtt().unwrap();
    h.app_send(b"x");
    let first = h.recv()[0].options.timestamps.unwrap();
    let t = h.next_timeout().unwrap();
    h.advance_to(t);
    assert_eq!(h.recv().len(), 1, "the retransmission");
    // The original arrived long ago and its ACK was lost; the receiver
    // answers the duplicate echoing the original's TSval (RFC 7323 4.2).
    // Taking "now - original" as an RTT would inflate the RTO (Karn).
    h.advance(ms(30));
    h.send(Seg::ack_at(1, 2).opts(ts(3000, first.tsval)));
    assert_eq!(h.ep.connection(h.conn()).unwrap().send_queue(), 0);
    assert_eq!(h.ep.connection(h.conn()).unwrap().srtt(), Some(srtt0));
}

/// Sends `forged` (TSval far ahead of TS.Recent), which must be dropped
/// without moving TS.Recent, then the peer's genuine data, which must not
/// fall to PAWS.
fn forged_segment_leaves_ts_recent(forged: Seg) {
    let mut h = with_sack_ts(true, true);
    let our = established_with_options(&mut h);
    h.send(forged.opts(ts(1001 + 0x7000_0000, 0)));
    h.advance(ms(500));
    h.recv();
    h.send(Seg::data(1, 1, b"hello").opts(ts(1002, our.tsval)));
    h.advance(ms(500));
    h.recv();
    assert_eq!(h.ep.stats().paws_drops, 0, "genuine segment PAWS-dropped");
    assert_eq!(h.app_recv(100), Ok(b"hello".to_vec()));
}

/// A segment dropped for its ACK (far beyond SND.MAX) must not move
/// TS.Recent (RFC 7323 5.3 R3 comes after the ACK checks; Linux
/// bd090dfc634d): otherwise one forged segment with a far-future TSval
/// makes every later genuine segment fail PAWS.
#[test]
fn a_segment_dropped_for_its_ack_does_not_move_ts_recent() {
    forged_segment_leaves_ts_recent(Seg::data(1, 1_000_000, b"evil"));
}

/// Same with a SYN at RCV.NXT (challenge ACK, RFC 5961 4.2).
#[test]
fn a_challenged_syn_does_not_move_ts_recent() {
    forged_segment_leaves_ts_recent(Seg::syn(1).no_ack());
}

/// Same with a segment lacking the ACK bit (fifth check drops it).
#[test]
fn a_segment_without_ack_does_not_move_ts_recent() {
    forged_segment_leaves_ts_recent(Seg::data(1, 1, b"evil").no_ack());
}

/// A receive buffer over 2 GiB: the acceptance window (the buffer's free
/// room once the scaled field is capped) no longer fits sequence space.
#[test]
fn a_receive_buffer_over_2_gib_keeps_accepting_data() {
    let mut h = Harness::with_config(false, |c| c.tcp.recv_buffer = 3 << 30);
    h.listen(8);
    h.send(Seg::syn(0).opts(mss_ws(PEER_MSS, 7)).no_ack());
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    h.send(Seg::ack_at(1, 1));
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).unwrap());
    h.send(Seg::data(1, 1, b"a"));
    h.advance(ms(500));
    let out = h.recv();
    assert!(!out.is_empty(), "delayed ACK: {out:?}");
    h.send(Seg::data(2, 1, b"b"));
    h.advance(ms(500));
    h.recv();
    assert_eq!(h.app_recv(100), Ok(b"ab".to_vec()));
}

/// A passive open where the peer offers SACK only, with MSS 536 (so the
/// initial window is four segments, RFC 5681 3.1).
fn established_with_sack(h: &mut Harness) {
    h.listen(8);
    let mut o = syn_opts(true, None);
    o.mss = Some(536);
    h.send(Seg::syn(0).opts(o).no_ack());
    assert_eq!(h.recv().len(), 1);
    h.send(Seg::ack_at(1, 1));
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).unwrap());
}

fn sack(left: u32, right: u32, iss: SeqNum) -> TcpOptions {
    let mut blocks = SackBlocks::default();
    blocks.push(iss + left as usize, iss + right as usize);
    TcpOptions {
        sack_blocks: blocks,
        ..TcpOptions::default()
    }
}

#[test]
fn duplicate_acks_with_new_sack_blocks_count_even_if_the_window_moves() {
    // RFC 6675 2: an ACK that SACKs new data is a DupAck; Linux's window
    // grows while it sends them (autotuning), which RFC 5681's "window
    // unchanged" test alone would not count.
    let mut h = with_sack_ts(true, false);
    established_with_sack(&mut h);
    h.ep.set_nodelay(h.conn(), true).unwrap();
    let mss = 536u32;
    h.app_send(&bytes(0, 4 * 536));
    assert_eq!(h.recv().len(), 4);
    let iss = h.iss();
    // Segment 1 lost; 2, 3 and 4 arrive: three ACKs of 1, each SACKing more.
    for (k, win) in [(2u32, 30000u16), (3, 31000), (4, 32000)] {
        h.send(
            Seg::ack_at(1, 1)
                .win(win)
                .opts(sack(1 + mss, 1 + k * mss, iss)),
        );
    }
    let out = h.recv();
    assert_eq!(out.len(), 1, "fast retransmit after the third: {out:?}");
    assert_eq!((out[0].seq, out[0].data.len()), (1, 536));
    // The same with moving windows and no SACK information: not
    // duplicates (RFC 5681), no fast retransmit.
    let mut h = with_sack_ts(true, false);
    established_with_sack(&mut h);
    h.ep.set_nodelay(h.conn(), true).unwrap();
    h.app_send(&bytes(0, 4 * 536));
    assert_eq!(h.recv().len(), 4);
    for win in [30000u16, 31000, 32000] {
        h.send(Seg::ack_at(1, 1).win(win));
    }
    h.expect_nothing();
}

#[test]
fn limited_transmit_sends_a_new_segment_on_each_of_the_first_two_dupacks() {
    // RFC 3042: with four segments in flight and the first lost, the first
    // two duplicate ACKs each let one new segment out (cwnd unchanged), so
    // enough duplicates come back for fast retransmit.
    let mut h = with_sack_ts(false, false);
    established_with_sack(&mut h);
    h.ep.set_nodelay(h.conn(), true).unwrap();
    let cwnd = h.ep.connection(h.conn()).unwrap().cwnd();
    h.app_send(&bytes(0, 8 * 536));
    assert_eq!(h.recv().len(), 4, "initial window");
    h.send(Seg::ack_at(1, 1));
    let out = h.recv();
    assert_eq!(out.len(), 1, "first dupack: {out:?}");
    assert_eq!(out[0].seq, 1 + 4 * 536);
    h.send(Seg::ack_at(1, 1));
    let out = h.recv();
    assert_eq!(out.len(), 1, "second dupack: {out:?}");
    assert_eq!(out[0].seq, 1 + 5 * 536);
    assert_eq!(
        h.ep.connection(h.conn()).unwrap().cwnd(),
        cwnd,
        "cwnd unchanged"
    );
    // The third: fast retransmit of the first segment.
    h.send(Seg::ack_at(1, 1));
    let out = h.recv();
    assert_eq!(out[0].seq, 1, "{out:?}");
}
