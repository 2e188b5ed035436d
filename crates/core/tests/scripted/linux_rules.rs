//! Linux's rules that the packetdrill runner's Linux personality turns on
//! (HyStart, a SACK's growth once reordering is seen) and the measures
//! Linux's TCP_INFO reports (the send queue in segments, the
//! chronographs).

use crate::harness::*;
use crate::loss_recovery::{MSS, sack, seg_start, sending};

#[test]
fn hystart_ends_slow_start_when_a_round_is_slower() {
    use synack_core::{HyStart, SlowStart};
    // IW10 and 60 segments queued; the first round trip takes 100 ms,
    // the second `rtt2`, its ACKs 1 ms apart (two segments each): the
    // ssthresh after eleven of them.
    let ssthresh_after = |hystart: Option<HyStart>, rtt2: u64| {
        let mut h = sending(60, |c| {
            c.initial_window = 10;
            c.slow_start = SlowStart::Abc;
            c.hystart = hystart;
            c.tlp = false;
            c.send_buffer = 128 * 1024;
        });
        assert_eq!(h.recv().len(), 10);
        h.advance(ms(100));
        h.send(Seg::ack_at(1, seg_start(10)).win(65535));
        assert_eq!(h.recv().len(), 20);
        h.advance(ms(rtt2));
        for k in 1..=11 {
            h.send(Seg::ack_at(1, seg_start(10 + 2 * k)).win(65535));
            h.recv();
            h.advance(ms(1));
        }
        let c = h.ep.connection(h.conn()).unwrap();
        (c.ssthresh(), c.cwnd() / MSS as usize)
    };
    // 130 ms is more than 100 + 100/8: the ninth sample of the round
    // ends slow start at cwnd 20 + 2 x 8 = 36, and growth slows.
    let (ssthresh, cwnd) = ssthresh_after(Some(HyStart::LINUX), 130);
    assert_eq!(ssthresh, 36 * MSS as usize);
    assert!(cwnd < 38, "cwnd {cwnd}");
    // 110 ms is not; without HyStart neither ends it.
    assert_eq!(ssthresh_after(Some(HyStart::LINUX), 110).0, usize::MAX);
    assert_eq!(ssthresh_after(None, 130).0, usize::MAX);
    assert_eq!(ssthresh_after(None, 130).1, 42);
}

#[test]
fn the_send_queue_counts_lost_sacked_and_resent_segments_and_the_reordering() {
    use synack_core::conn::SendQueueCounts;
    let mut h = sending(10, |c| {
        c.initial_window = 10;
        c.rack = true;
        c.tlp = false;
    });
    assert_eq!(h.recv().len(), 10);
    let counts = |h: &Harness| h.ep.connection(h.conn()).unwrap().send_queue_counts();
    let fresh = counts(&h);
    assert_eq!(
        fresh,
        SendQueueCounts {
            unacked: 10,
            sacked: Some(0),
            lost: Some(0),
            retrans: Some(0),
            reordering: Some(3),
            reord_seen: Some(0),
        }
    );
    // Segments 2, 6 and 8 arrive (SACKed one by one): RACK, in recovery
    // with no reordering seen, deems the six below 8 lost at once.
    h.advance(ms(100));
    let mut blocks = Vec::new();
    for k in [2, 6, 8] {
        blocks.insert(0, (seg_start(k), seg_start(k + 1)));
        h.send(
            Seg::ack_at(1, seg_start(0))
                .win(65535)
                .opts(sack(&h, &blocks)),
        );
        h.advance(ms(1));
    }
    let resent = h.recv();
    assert!(
        !resent.is_empty() && resent[0].seq == seg_start(0),
        "{resent:?}"
    );
    let c = counts(&h);
    assert_eq!((c.sacked, c.lost), (Some(3), Some(6)), "{c:?}");
    // What was resent stays lost until delivered (Linux's TCPCB_LOST).
    assert_eq!(c.retrans, Some(resent.len()));
    // Segment 3, never resent, arrives after 8: reordering of 6
    // segments (9 - 3), and one fewer lost.
    let blocks = [
        (seg_start(8), seg_start(9)),
        (seg_start(6), seg_start(7)),
        (seg_start(2), seg_start(4)),
    ];
    h.send(
        Seg::ack_at(1, seg_start(0))
            .win(65535)
            .opts(sack(&h, &blocks)),
    );
    let c = counts(&h);
    assert_eq!(
        (c.sacked, c.lost, c.reordering, c.reord_seen),
        (Some(4), Some(5), Some(6), Some(1)),
        "{c:?}"
    );
    // All acknowledged: nothing left.
    h.advance(ms(100));
    h.recv();
    h.send(Seg::ack_at(1, seg_start(10)).win(65535));
    let c = counts(&h);
    assert_eq!(
        (c.unacked, c.sacked, c.lost, c.retrans),
        (0, Some(0), Some(0), Some(0)),
        "{c:?}"
    );
}

#[test]
fn once_reordering_is_seen_a_sack_alone_grows_cwnd_under_abc() {
    use synack_core::SlowStart;
    let mut h = sending(20, |c| {
        c.initial_window = 10;
        c.slow_start = SlowStart::Abc;
        c.rack = true;
        c.tlp = false;
    });
    assert_eq!(h.recv().len(), 10);
    let cwnd = |h: &Harness| h.ep.connection(h.conn()).unwrap().cwnd() / MSS as usize;
    h.advance(ms(20));
    // Segment 9 first: a SACK alone, no reordering known yet: no growth.
    let b9 = (seg_start(9), seg_start(10));
    h.send(
        Seg::ack_at(1, seg_start(0))
            .win(65535)
            .opts(sack(&h, &[b9])),
    );
    assert_eq!(cwnd(&h), 10);
    // Segment 3 after it: reordering of 7 segments; this SACK counts.
    let b3 = (seg_start(3), seg_start(4));
    h.send(
        Seg::ack_at(1, seg_start(0))
            .win(65535)
            .opts(sack(&h, &[b3, b9])),
    );
    assert_eq!(cwnd(&h), 11);
    // The ACK of all ten delivers the other eight (Linux: 10 + 1 + 8).
    h.send(Seg::ack_at(1, seg_start(10)).win(65535));
    assert_eq!(cwnd(&h), 19);
}

#[test]
fn the_chronographs_time_busy_and_receive_window_limited_sending() {
    let mut h = sending(0, |c| {
        c.tlp = false;
        c.chronographs = true;
    });
    let times = |h: &Harness| h.ep.connection(h.conn()).unwrap().chrono_times(h.now);
    // The peer closes its window; a write then waits behind it.
    h.send(Seg::ack_at(1, seg_start(0)).win(0));
    h.advance(ms(10));
    assert_eq!(times(&h).busy, ms(0));
    h.app_send(&bytes(0, MSS as usize));
    h.advance(ms(100));
    let t = times(&h);
    assert_eq!((t.busy, t.rwnd_limited), (ms(100), ms(100)));
    // The window opens: the segment goes, busy only.
    h.send(Seg::ack_at(1, seg_start(0)).win(65535));
    assert_eq!(h.recv().len(), 1);
    h.advance(ms(30));
    let t = times(&h);
    assert_eq!((t.busy, t.rwnd_limited), (ms(130), ms(100)));
    // Acknowledged: idle, the totals stay.
    h.send(Seg::ack_at(1, seg_start(1)).win(65535));
    h.advance(ms(500));
    let t = times(&h);
    assert_eq!((t.busy, t.rwnd_limited), (ms(130), ms(100)));
}
