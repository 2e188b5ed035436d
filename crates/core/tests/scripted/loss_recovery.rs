//! Sender-side loss recovery against a scripted peer: RFC 6675 SACK
//! recovery (several holes per RTT), RFC 8985 RACK's time-based loss
//! detection and the Tail Loss Probe's timing.

use crate::harness::*;
use core::time::Duration;
use synack_core::conn::LossStats;
use synack_core::trace::{RecoveryCause, TraceKind};
use synack_core::wire::{SackBlocks, TcpOptions};

pub(crate) const MSS: u32 = 536;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A passive open with SACK, MSS 536, Nagle off; `n` segments sent.
pub(crate) fn sending(n: u32, tweak: impl FnOnce(&mut synack_core::Config)) -> Harness {
    let mut h = Harness::with_config(false, |c| {
        c.tcp.sack = true;
        c.tcp.timestamps = false;
        c.tcp.send_buffer = 64 * 1024;
        tweak(&mut c.tcp);
    });
    h.listen(8);
    let o = TcpOptions {
        mss: Some(MSS as u16),
        sack_permitted: true,
        ..TcpOptions::default()
    };
    h.send(Seg::syn(0).opts(o).no_ack());
    assert_eq!(h.recv().len(), 1);
    // A 50 ms handshake: SRTT 50 ms, RTO 200 ms (the floor).
    h.advance(ms(50));
    h.send(Seg::ack_at(1, 1).win(65535));
    let l = h.listener.unwrap();
    h.conn = Some(h.ep.accept(l).unwrap());
    h.ep.set_nodelay(h.conn(), true).unwrap();
    h.app_send(&bytes(0, (n * MSS) as usize));
    h
}

pub(crate) fn sack(h: &Harness, blocks: &[(u32, u32)]) -> TcpOptions {
    let iss = h.iss();
    let mut b = SackBlocks::default();
    for &(l, r) in blocks {
        b.push(iss + l as usize, iss + r as usize);
    }
    TcpOptions {
        sack_blocks: b,
        ..TcpOptions::default()
    }
}

pub(crate) fn seg_start(k: u32) -> u32 {
    1 + k * MSS
}

fn traces(h: &mut Harness) -> Vec<TraceKind> {
    std::iter::from_fn(|| h.ep.poll_trace())
        .map(|t| t.kind)
        .collect()
}

fn stats(h: &Harness) -> LossStats {
    h.ep.connection(h.conn()).unwrap().loss_stats()
}

#[test]
fn sack_recovery_repairs_two_holes_in_one_round_trip() {
    // RACK off: RFC 6675's IsLost alone decides; NewReno's halving.
    let mut h = sending(10, |c| {
        c.rack = false;
        c.congestion = synack_core::config::Congestion::NewReno;
    });
    assert_eq!(h.recv().len(), 4, "initial window");
    h.advance(ms(50));
    let w = 65535;
    h.send(Seg::ack_at(1, seg_start(1)).win(w));
    h.send(Seg::ack_at(1, seg_start(2)).win(w));
    let out = h.recv();
    assert_eq!(out.len(), 4, "slow start: segments 4 to 7: {out:?}");
    // Segments 2 and 4 lost; 3, 5, 6 and 7 SACKed one by one.
    let blocks = |hi: u32| {
        if hi == 3 {
            vec![(seg_start(3), seg_start(4))]
        } else {
            vec![
                (seg_start(5), seg_start(hi + 1)),
                (seg_start(3), seg_start(4)),
            ]
        }
    };
    let dup = |h: &mut Harness, hi: u32| {
        let o = sack(h, &blocks(hi));
        h.send(Seg::ack_at(1, seg_start(2)).win(w).opts(o));
        h.recv()
    };
    // RFC 3042 limited transmit: each of the first two DupAcks lets one
    // new segment out; no retransmission yet.
    let out = dup(&mut h, 3);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].seq, seg_start(8), "one SACKed segment is no loss");
    let out = dup(&mut h, 5);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].seq, seg_start(9));
    // Third DupAck (and IsLost(2): 3 segments SACKed above): recovery,
    // the first hole goes (RFC 6675 5 step 4.3).
    let out = dup(&mut h, 6);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(
        (out[0].seq, out[0].data.len()),
        (seg_start(2), MSS as usize)
    );
    // Segment 7 SACKed: IsLost(4) now (3 SMSS above it): NextSeg rule (1)
    // repairs the second hole in the same round trip.
    let out: Vec<_> = dup(&mut h, 7).into_iter().map(|s| s.seq).collect();
    assert!(out.contains(&seg_start(4)), "second hole repaired: {out:?}");
    assert!(
        !out.contains(&seg_start(2)),
        "first hole not resent twice: {out:?}"
    );
    let c = h.ep.connection(h.conn()).unwrap();
    assert!(c.in_recovery());
    // PRR-SSRB: cwnd = pipe + sndcnt, at most ssthresh (FlightSize 8 / 2).
    assert!(c.cwnd() <= 4 * MSS as usize, "cwnd {}", c.cwnd());
    let s = stats(&h);
    assert_eq!((s.recoveries, s.fast_retransmits, s.rto_events), (1, 2, 0));
    // The cumulative ACK of everything ends recovery at RecoveryPoint.
    h.send(Seg::ack_at(1, seg_start(10)).win(w));
    h.recv();
    assert!(!h.ep.connection(h.conn()).unwrap().in_recovery());
}

#[test]
fn rack_marks_a_loss_by_time_before_three_duplicates() {
    let mut h = sending(4, |_| {});
    assert_eq!(h.recv().len(), 4);
    h.advance(ms(50));
    // Only segment 2 arrives: one DupAck. RACK.rtt = 50 ms, min_RTT / 4 =
    // 12.5 ms: segment 1, sent with it, is lost 62.5 ms after sending.
    h.send(
        Seg::ack_at(1, 1)
            .win(65535)
            .opts(sack(&h, &[(seg_start(1), seg_start(2))])),
    );
    assert!(h.recv().is_empty());
    h.advance(ms(12));
    assert!(h.recv().is_empty(), "inside the reordering window");
    h.advance(ms(1));
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!((out[0].seq, out[0].data.len()), (1, MSS as usize));
    let s = stats(&h);
    assert_eq!((s.recoveries, s.rack_retransmits, s.rto_events), (1, 1, 0));
}

#[test]
fn rack_tracks_each_mss_piece_of_a_tso_segment() {
    // Four MSS in one TSO segment; the peer SACKs the second piece as the
    // device delivered it. RACK must see the first piece as sent before
    // the delivered one and mark it lost after the reordering window.
    let mut h = sending(4, |c| c.tso_segments = 4);
    let out = h.recv();
    assert_eq!(out.len(), 1, "one TSO segment");
    assert_eq!(out[0].data.len(), 4 * MSS as usize);
    h.advance(ms(50));
    h.send(
        Seg::ack_at(1, 1)
            .win(65535)
            .opts(sack(&h, &[(seg_start(1), seg_start(2))])),
    );
    assert!(h.recv().is_empty());
    h.advance(ms(13));
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!((out[0].seq, out[0].data.len()), (1, MSS as usize));
    assert_eq!(stats(&h).rack_retransmits, 1);
}

#[test]
fn tail_loss_probe_after_two_srtt_instead_of_an_rto() {
    let mut h = sending(4, |_| {});
    assert_eq!(h.recv().len(), 4);
    h.advance(ms(50));
    // Two segments acked (SRTT 50 ms); the last two are lost.
    h.send(Seg::ack_at(1, seg_start(2)).win(65535));
    assert!(h.recv().is_empty());
    let acked_at = h.now;
    h.advance(ms(99));
    assert!(h.recv().is_empty(), "PTO is 2 * SRTT");
    h.advance(ms(2));
    let out = h.recv_timed();
    assert_eq!(out.len(), 1, "{out:?}");
    let (at, probe) = &out[0];
    assert_eq!(*at - acked_at, ms(100));
    // No new data: the last segment again.
    assert_eq!((probe.seq, probe.data.len()), (seg_start(3), MSS as usize));
    assert_eq!(stats(&h).tlp_probes, 1);
    // Its ACK, one RTT later, SACKs it: RACK finds segment 2 lost (sent
    // long before the probe), no RTO.
    h.advance(ms(50));
    h.send(
        Seg::ack_at(1, seg_start(2))
            .win(65535)
            .opts(sack(&h, &[(seg_start(3), seg_start(4))])),
    );
    let out = h.recv();
    assert!(out.iter().any(|s| s.seq == seg_start(2)), "{out:?}");
    h.send(Seg::ack_at(1, seg_start(4)).win(65535));
    h.advance(ms(2000));
    let s = stats(&h);
    assert_eq!((s.rto_events, s.rack_retransmits, s.recoveries), (0, 1, 1));
    // Every step is in the trace.
    let t = traces(&mut h);
    let at = |f: &dyn Fn(&TraceKind) -> bool| t.iter().position(f);
    let probe = at(&|k| {
        matches!(k, TraceKind::TlpSent { seq, len: 536, new_data: false }
            if *seq == h.iss() + seg_start(3) as usize)
    });
    let lost = at(&|k| {
        matches!(k, TraceKind::SegmentLost { seq, cause: RecoveryCause::Rack, .. }
            if *seq == h.iss() + seg_start(2) as usize)
    });
    let entered = at(&|k| {
        matches!(
            k,
            TraceKind::RecoveryEntered {
                cause: RecoveryCause::Rack,
                ..
            }
        )
    });
    let left = at(&|k| matches!(k, TraceKind::RecoveryLeft { timeout: false, .. }));
    assert!(
        probe < lost && lost < entered && entered < left && probe.is_some(),
        "{probe:?} {lost:?} {entered:?} {left:?}: {t:?}"
    );
}

#[test]
fn pto_padding_is_added_as_linux_adds_tcp_timeout_min() {
    // As above (SRTT 50 ms, two segments left in flight), with Linux's
    // padding: PTO = 2 x SRTT + 2 ms.
    let mut h = sending(4, |c| c.pto_padding = Some(ms(2)));
    assert_eq!(h.recv().len(), 4);
    h.advance(ms(50));
    h.send(Seg::ack_at(1, seg_start(2)).win(65535));
    let acked_at = h.now;
    h.advance(ms(101));
    assert!(h.recv().is_empty(), "PTO is 2 * SRTT + 2 ms");
    h.advance(ms(1));
    let out = h.recv_timed();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].0 - acked_at, ms(102));
}

#[test]
fn probe_for_a_single_segment_waits_for_the_ack_delay_capped_by_the_rto() {
    let mut h = sending(4, |_| {});
    assert_eq!(h.recv().len(), 4);
    h.advance(ms(50));
    // One segment left in flight: PTO = 2 * SRTT + 200 ms = 300 ms, past
    // the RTO (200 ms, the floor): RFC 8985 7.2 sends the probe at the
    // RTO's time instead, and re-arms the RTO (7.3).
    h.send(Seg::ack_at(1, seg_start(3)).win(65535));
    h.advance(ms(150));
    assert!(
        h.recv().is_empty(),
        "nothing before the RTO's time (200 ms)"
    );
    h.advance(ms(100));
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].seq, seg_start(3));
    let s = stats(&h);
    assert_eq!((s.tlp_probes, s.rto_events), (1, 0), "a probe, not an RTO");
    // Unanswered, the probe leaves the RTO as the last resort, re-armed
    // when the probe went out (200 ms after the ACK): 400 ms after it.
    h.advance(ms(100));
    let early = h.recv();
    assert!(
        early.is_empty(),
        "no second probe: {early:?} {:?}",
        stats(&h)
    );
    h.advance(ms(100));
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].seq, seg_start(3));
    let s = stats(&h);
    assert_eq!((s.tlp_probes, s.rto_events), (1, 1));
}

#[test]
fn tlp_off_means_an_rto() {
    let mut h = sending(4, |c| c.tlp = false);
    assert_eq!(h.recv().len(), 4);
    h.advance(ms(50));
    h.send(Seg::ack_at(1, seg_start(2)).win(65535));
    h.advance(ms(150));
    assert!(h.recv().is_empty(), "no probe");
    h.advance(ms(100));
    assert_eq!(h.recv().len(), 1);
    assert_eq!(stats(&h).rto_events, 1);
}

#[test]
fn dsack_of_every_retransmission_undoes_a_spurious_recovery() {
    let mut h = sending(4, |_| {});
    assert_eq!(h.recv().len(), 4);
    let cwnd = h.ep.connection(h.conn()).unwrap().cwnd();
    h.advance(ms(50));
    // Segment 0 is only delayed: 1, 2 and 3 are SACKed first (three
    // DupAcks), so it is retransmitted and the window cut.
    let w = 65535;
    for hi in 2..=4 {
        let o = sack(&h, &[(seg_start(1), seg_start(hi))]);
        h.send(Seg::ack_at(1, 1).win(w).opts(o));
    }
    let out = h.recv();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].seq, 1);
    assert!(h.ep.connection(h.conn()).unwrap().in_recovery());
    // The original arrives: everything acked, recovery over.
    h.send(Seg::ack_at(1, seg_start(4)).win(w));
    assert!(!h.ep.connection(h.conn()).unwrap().in_recovery());
    assert!(h.ep.connection(h.conn()).unwrap().cwnd() < cwnd);
    // Then the retransmission: a D-SACK below SND.UNA (RFC 2883 4.1).
    let o = sack(&h, &[(1, seg_start(1))]);
    h.send(Seg::ack_at(1, seg_start(4)).win(w).opts(o));
    let s = stats(&h);
    assert_eq!((s.recoveries, s.dsacks, s.spurious_undos), (1, 1, 1));
    let t = traces(&mut h);
    assert!(
        t.iter()
            .any(|k| matches!(k, TraceKind::DsackReceived { .. }))
    );
    assert!(
        t.iter()
            .any(|k| matches!(k, TraceKind::SpuriousRecoveryUndone { .. }))
    );
    assert!(h.ep.connection(h.conn()).unwrap().cwnd() >= cwnd);
}

#[test]
fn restart_after_idle_sends_no_more_than_the_initial_window() {
    let mut h = sending(4, |_| {});
    assert_eq!(h.recv().len(), 4);
    h.advance(ms(50));
    // Slow start (one ACK, RFC 5681 eq. 2): 5 segments.
    h.send(Seg::ack_at(1, seg_start(4)).win(65535));
    let cwnd = h.ep.connection(h.conn()).unwrap().cwnd();
    assert_eq!(cwnd, 5 * MSS as usize);
    // Idle for longer than the RTO (RFC 5681 4.1): IW again.
    h.advance(ms(1000));
    h.app_send(&bytes(0, 10 * MSS as usize));
    assert_eq!(h.recv().len(), 4, "restart window = IW");
    // Not after a short pause.
    let mut h = sending(4, |_| {});
    h.recv();
    h.advance(ms(50));
    h.send(Seg::ack_at(1, seg_start(4)).win(65535));
    h.advance(ms(100));
    h.app_send(&bytes(0, 10 * MSS as usize));
    assert_eq!(h.recv().len(), 5);
}

#[test]
fn initial_window_of_ten_segments_and_no_restart_after_idle() {
    // RFC 6928 IW10 (Linux's TCP_INIT_CWND): ten segments at once.
    let mut h = sending(20, |c| c.initial_window = 10);
    assert_eq!(h.recv().len(), 10);
    assert_eq!(h.ep.connection(h.conn()).unwrap().cwnd(), 10 * MSS as usize);
    // The restart window is IW10 too.
    let mut h = sending(10, |c| c.initial_window = 10);
    assert_eq!(h.recv().len(), 10);
    h.advance(ms(50));
    h.send(Seg::ack_at(1, seg_start(10)).win(65535));
    h.advance(ms(1000));
    h.app_send(&bytes(0, 30 * MSS as usize));
    assert_eq!(h.recv().len(), 10, "restart window = IW10");
    // Without the restart (Linux's tcp_slow_start_after_idle=0) the
    // window grown by slow start survives the pause: 10 + 1 segments.
    let mut h = sending(10, |c| {
        c.initial_window = 10;
        c.restart_after_idle = false;
    });
    assert_eq!(h.recv().len(), 10);
    h.advance(ms(50));
    h.send(Seg::ack_at(1, seg_start(10)).win(65535));
    h.advance(ms(1000));
    h.app_send(&bytes(0, 30 * MSS as usize));
    assert_eq!(h.recv().len(), 11);
}

/// The data segments sent since the last call: (relative seq, length,
/// PSH), the PSH bit kept (`Harness::recv` drops it).
pub(crate) fn sent(h: &mut Harness) -> Vec<(u32, usize, bool)> {
    let iss = h.iss();
    h.recv_raw()
        .into_iter()
        .filter(|(_, p)| !p.is_empty())
        .map(|(t, p)| (t.seq.0.wrapping_sub(iss.0), p.len(), t.flags.psh()))
        .collect()
}

fn pushed(segs: &[(u32, usize, bool)]) -> Vec<bool> {
    segs.iter().map(|s| s.2).collect()
}

#[test]
fn write_boundary_push_marks_each_write_end_and_resends_keep_it() {
    use synack_core::PushPolicy;
    // IW 4 segments: a write of 6 sends 4; a write of 2 more waits; an
    // ACK of the 4 lets the other 4 go.
    let two_writes = |policy| {
        let mut h = sending(0, |c| {
            c.push = policy;
            c.tlp = false;
        });
        h.app_send(&bytes(0, 6 * MSS as usize));
        assert_eq!(pushed(&sent(&mut h)), [false; 4]);
        h.app_send(&bytes(0, 2 * MSS as usize));
        h.advance(ms(50));
        h.send(Seg::ack_at(1, seg_start(4)).win(65535));
        h
    };
    // The default (FreeBSD's rule): PSH where the queue empties only.
    let mut h = two_writes(PushPolicy::QueueEmpty);
    assert_eq!(pushed(&sent(&mut h)), [false, false, false, true]);
    // A timeout's resends follow the same rule: the sixth has no PSH.
    h.advance(ms(250));
    assert_eq!(sent(&mut h), [(seg_start(4), MSS as usize, false)]);
    h.send(Seg::ack_at(1, seg_start(5)).win(65535));
    assert_eq!(sent(&mut h)[0], (seg_start(5), MSS as usize, false));
    // Linux's: PSH on the segment ending each write.
    let mut h = two_writes(PushPolicy::WriteBoundary);
    assert_eq!(pushed(&sent(&mut h)), [false, true, false, true]);
    // A timeout resends the fifth segment without PSH (its piece had
    // none), then the sixth with it.
    h.advance(ms(250));
    assert_eq!(sent(&mut h), [(seg_start(4), MSS as usize, false)]);
    h.send(Seg::ack_at(1, seg_start(5)).win(65535));
    let out = sent(&mut h);
    assert_eq!(out[0], (seg_start(5), MSS as usize, true));
    assert!(
        out[1..].iter().all(|s| s.2 == (s.0 == seg_start(7))),
        "{out:?}"
    );
}

#[test]
fn abc_slow_start_counts_every_segment_while_cwnd_limited() {
    use synack_core::SlowStart;
    // cwnd-limited (20 segments queued, IW10): one ACK of 2 segments.
    let grow = |rule, queued| {
        let mut h = sending(queued, |c| {
            c.initial_window = 10;
            c.slow_start = rule;
        });
        h.recv();
        h.advance(ms(50));
        h.send(Seg::ack_at(1, seg_start(2)).win(65535));
        h.ep.connection(h.conn()).unwrap().cwnd() / MSS as usize
    };
    // RFC 5681 3.1: at most one SMSS per ACK.
    assert_eq!(grow(SlowStart::Rfc5681, 20), 11);
    // RFC 3465 with L unbounded: both segments count.
    assert_eq!(grow(SlowStart::Abc, 20), 12);
    // Application-limited at 5 segments: cwnd 10 is already twice the
    // flight (RFC 7661; Linux's tcp_is_cwnd_limited), no growth...
    assert_eq!(grow(SlowStart::Abc, 5), 10);
    // ...which RFC 5681 does not ask.
    assert_eq!(grow(SlowStart::Rfc5681, 5), 11);
    // At 6 segments the window grows, to twice the flight at most.
    assert_eq!(grow(SlowStart::Abc, 6), 12);
}

#[test]
fn abc_slow_start_counts_what_an_ack_delivers() {
    use synack_core::SlowStart;
    // IW10, 20 queued; the first segment is late: two duplicate ACKs
    // (SACKing 2 and 3 with SACK), then the ACK of all three.
    let cwnd_after = |with_sack: bool| {
        let mut h = sending(20, |c| {
            c.initial_window = 10;
            c.slow_start = SlowStart::Abc;
            c.sack = with_sack;
            c.tlp = false;
        });
        h.recv();
        h.advance(ms(50));
        for k in 2..=3 {
            let mut dup = Seg::ack_at(1, seg_start(0)).win(65535);
            if with_sack {
                dup = dup.opts(sack(&h, &[(seg_start(1), seg_start(k))]));
            }
            h.send(dup);
        }
        h.send(Seg::ack_at(1, seg_start(3)).win(65535));
        h.ep.connection(h.conn()).unwrap().cwnd() / MSS as usize
    };
    // Duplicate ACKs do not grow cwnd; the ACK of three segments
    // delivers one (the other two were delivered when SACKed, or ate a
    // duplicate ACK each without SACK), so cwnd grows by one, as Linux's
    // tcp_cong_control is given tp->delivered's growth.
    assert_eq!(cwnd_after(true), 11);
    assert_eq!(cwnd_after(false), 11);
}

#[test]
fn the_final_fin_may_pass_a_full_cwnd() {
    let close_full = |ignore| {
        let mut h = sending(10, |c| {
            c.initial_window = 10;
            c.fin_ignores_cwnd = ignore;
        });
        assert_eq!(h.recv().len(), 10);
        h.app_shutdown();
        h.recv()
    };
    assert!(close_full(false).is_empty(), "the FIN waits for cwnd");
    let out = close_full(true);
    assert_eq!(out.len(), 1);
    assert!(out[0].ctl.fin() && out[0].data.is_empty());
    assert_eq!(out[0].seq, seg_start(10));
}

#[test]
fn a_fin_sent_alone_is_probed_alone_under_write_boundary_push() {
    use synack_core::PushPolicy;
    let probe = |policy| {
        let mut h = sending(10, |c| {
            c.initial_window = 10;
            c.fin_ignores_cwnd = true;
            c.push = policy;
        });
        assert_eq!(h.recv().len(), 10);
        h.app_shutdown();
        assert_eq!(h.recv().len(), 1, "the FIN");
        // No ACK: the tail-loss probe (RFC 8985 7.3) fires before the RTO.
        h.advance(ms(200));
        sent_any(&mut h)
    };
    // Linux's probe resends its last skb: the FIN's own.
    assert_eq!(
        probe(PushPolicy::WriteBoundary)[0],
        (seg_start(10), 0, true)
    );
    // The default resends the last segment with the FIN.
    assert_eq!(
        probe(PushPolicy::QueueEmpty)[0],
        (seg_start(9), MSS as usize, true)
    );
}

/// Every segment sent since the last call: (relative seq, length, FIN).
fn sent_any(h: &mut Harness) -> Vec<(u32, usize, bool)> {
    let iss = h.iss();
    h.recv_raw()
        .into_iter()
        .map(|(t, p)| (t.seq.0.wrapping_sub(iss.0), p.len(), t.flags.fin()))
        .collect()
}

#[test]
fn abc_reduces_from_cwnd_when_the_flight_is_smaller() {
    use synack_core::SlowStart;
    // IW10, one segment in flight, then a timeout: CUBIC's ssthresh is
    // 0.7 x the base (RFC 9438 4.6/4.8).
    let ssthresh = |rule| {
        let mut h = sending(1, |c| {
            c.initial_window = 10;
            c.slow_start = rule;
            c.tlp = false;
        });
        assert_eq!(h.recv().len(), 1);
        h.advance(ms(250));
        assert_eq!(h.recv().len(), 1, "the timeout's retransmission");
        // (Rounded: 0.7 x 10 x 536 bytes is 7 segments less a rounding.)
        (h.ep.connection(h.conn()).unwrap().ssthresh() + MSS as usize / 2) / MSS as usize
    };
    // RFC 5681's FlightSize: 1 segment, floored at 2.
    assert_eq!(ssthresh(SlowStart::Rfc5681), 2);
    // cwnd (10 segments), as Linux's cubic ssthresh().
    assert_eq!(ssthresh(SlowStart::Abc), 7);
}

/// Ten segments sent (IW10, no RACK/TLP), then one ACK SACKing segments
/// 1-3 and 9: segment 0 is lost (RFC 6675 IsLost), 4-8 are holes below
/// the highest SACK not deemed lost. Returns what goes out on that ACK
/// and the next one (SACKing segment 8 as well).
fn forward_case(tweak: impl Fn(&mut synack_core::Config)) -> Vec<Vec<(u32, usize, bool)>> {
    let mut h = sending(10, |c| {
        c.initial_window = 10;
        c.rack = false;
        c.tlp = false;
        tweak(c);
    });
    assert_eq!(h.recv().len(), 10);
    h.advance(ms(50));
    let mut out = Vec::new();
    let o = sack(
        &h,
        &[(seg_start(1), seg_start(4)), (seg_start(9), seg_start(10))],
    );
    h.send(Seg::ack_at(1, 1).win(65535).opts(o));
    out.push(sent(&mut h));
    let o = sack(
        &h,
        &[(seg_start(1), seg_start(4)), (seg_start(8), seg_start(10))],
    );
    h.send(Seg::ack_at(1, 1).win(65535).opts(o));
    out.push(sent(&mut h));
    out
}

#[test]
fn without_forward_retransmission_only_lost_data_is_resent() {
    let rfc = forward_case(|_| {});
    let linux = forward_case(|c| c.sack_forward_retransmit = false);
    // Both resend segment 0 first.
    assert_eq!(rfc[0][0].0, 1);
    assert_eq!(linux[0][0].0, 1);
    let resent = |v: &Vec<Vec<(u32, usize, bool)>>| -> Vec<u32> {
        v.iter()
            .flatten()
            .map(|s| s.0)
            .filter(|&s| s != 1)
            .collect()
    };
    // RFC 6675 rule (3) resends holes not deemed lost (segment 4 on).
    assert!(resent(&rfc).contains(&seg_start(4)), "{rfc:?}");
    // Without it, segments 4-8 wait (for RACK, a timeout or the SACKs).
    assert!(resent(&linux).is_empty(), "{linux:?}");
}

#[test]
fn with_tso_a_lost_range_is_resent_in_one_segment() {
    let resend = |tso| {
        let mut h = sending(10, |c| {
            c.initial_window = 10;
            c.tso_segments = tso;
            c.tlp = false;
            c.sack_forward_retransmit = false;
        });
        h.recv();
        h.advance(ms(50));
        // The last five pieces arrive: RACK deems the first five lost
        // (sent no later than the delivered ones) once the reordering
        // window has passed.
        let o = sack(&h, &[(seg_start(5), seg_start(10))]);
        h.send(Seg::ack_at(1, 1).win(65535).opts(o));
        let mut out = sent(&mut h);
        h.advance(ms(30));
        out.extend(sent(&mut h));
        out
    };
    let one_mss = resend(1);
    assert!(one_mss.iter().all(|s| s.1 <= MSS as usize), "{one_mss:?}");
    let tso = resend(64);
    assert!(tso.iter().any(|s| s.1 > MSS as usize), "{tso:?}");
}

#[test]
fn sack_of_part_of_a_segment_leaves_it_whole_when_configured() {
    // Four segments; the peer SACKs the last byte of the fourth only.
    // After a timeout and the ACK of the first three, the fourth is
    // resent: to the SACKed byte (RFC 2018 blocks to the byte), or whole
    // (Config::sack_whole_segments, as Linux tags whole skbs).
    let last = |whole| {
        let mut h = sending(4, |c| {
            c.tlp = false;
            c.sack_whole_segments = whole;
        });
        assert_eq!(h.recv().len(), 4);
        h.advance(ms(50));
        let o = sack(&h, &[(seg_start(4) - 1, seg_start(4))]);
        h.send(Seg::ack_at(1, 1).win(65535).opts(o));
        h.recv();
        h.advance(ms(250));
        h.recv();
        let o = sack(&h, &[(seg_start(4) - 1, seg_start(4))]);
        h.send(Seg::ack_at(1, seg_start(3)).win(65535).opts(o));
        sent(&mut h)
    };
    assert_eq!(last(false)[0], (seg_start(3), MSS as usize - 1, false));
    assert_eq!(last(true)[0], (seg_start(3), MSS as usize, true));
}

#[test]
fn linux_gso_packets_of_new_data_carry_psh_and_are_sized_as_linux_sizes_them() {
    use synack_core::{GsoAutosize, PushPolicy};
    let linux = |min_segs| {
        move |c: &mut synack_core::Config| {
            c.push = PushPolicy::WriteBoundary;
            c.tso_segments = 64;
            c.gso_autosize = Some(GsoAutosize {
                min_segs,
                ..GsoAutosize::LINUX
            });
            c.initial_window = 10;
            c.tlp = false;
        }
    };
    let mss = MSS as usize;
    let mut h = sending(20, linux(2));
    // IW10, SRTT 50 ms: a millisecond of the pacing rate (2 x 10 x 536
    // bytes / 50 ms) is less than an MSS, so packets of tcp_min_tso_segs
    // (2) pieces; each carries PSH, as Linux forces it on GSO packets.
    let burst: Vec<_> = (0..5).map(|k| (seg_start(2 * k), 2 * mss, true)).collect();
    assert_eq!(sent(&mut h), burst);
    // The peer's window leaves room for one more MSS: a one-piece segment
    // from the middle of the write, without PSH.
    h.send(Seg::ack_at(1, seg_start(1)).win(10 * MSS as u16));
    assert_eq!(sent(&mut h), [(seg_start(10), mss, false)]);
    // An RTO resends one segment; its ACK lets two more go: resends,
    // which get no forced PSH.
    h.advance(ms(400));
    assert_eq!(sent(&mut h), [(seg_start(1), mss, false)]);
    h.send(Seg::ack_at(1, seg_start(2)).win(65535));
    let out = sent(&mut h);
    assert_eq!(
        out,
        [(seg_start(2), mss, false), (seg_start(3), mss, false)]
    );
    // With a larger tcp_min_tso_segs, half of cwnd bounds a packet
    // (tcp_cwnd_test keeps two GSO packets in flight): 5 + 5.
    let mut h = sending(20, linux(8));
    let burst: Vec<_> = (0..2).map(|k| (seg_start(5 * k), 5 * mss, true)).collect();
    assert_eq!(sent(&mut h), burst);
}
