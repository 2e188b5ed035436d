//! ECN (RFC 3168) between two synack endpoints, over a link whose queue
//! marks ECN-capable packets Congestion Experienced instead of dropping
//! them (`LinkConfig::ce_mark`).

use crate::harness::{Pair, pattern, read_all};
use std::time::Duration;
use synack_core::{Ecn, Stats};
use synack_sim::LinkConfig;

/// 1 MiB client to server with `ecn` on both ends and 2% of ECN-capable
/// packets marked; the client's and the server's counters, and how many
/// packets the link marked.
fn marked_bulk(seed: u64, ecn: Ecn) -> (Stats, Stats, u64, bool, bool) {
    let link = LinkConfig::default()
        .latency(Duration::from_millis(5))
        .ce_mark(0.02);
    let mut pair = Pair::with_config(seed, link.clone(), link, |c| {
        c.tcp.ecn = ecn;
        c.trace = false;
    });
    let (c, s) = pair.establish();
    let up = pattern(1 << 20, 3);
    let (mut sent, mut got) = (0, Vec::new());
    let ok = pair.run_until(Duration::from_secs(120), |p| {
        let now = p.now();
        if sent < up.len() {
            sent += p.c().send(now, c, &up[sent..]).unwrap_or(0);
        }
        read_all(p.s(), now, s, &mut got).unwrap();
        got.len() == up.len()
    });
    assert!(ok, "stalled at {} of {}", got.len(), up.len());
    assert!(got == up, "the stream arrived altered");
    let c_ecn = pair.c().connection(c).unwrap().ecn_enabled();
    let s_ecn = pair.s().connection(s).unwrap().ecn_enabled();
    let marked = pair.sim.stats().ce_marked;
    (*pair.c().stats(), *pair.s().stats(), marked, c_ecn, s_ecn)
}

/// Marks instead of losses: the sender slows down for the echoes (once
/// per window), never retransmits, and every byte arrives once.
#[test]
fn ce_marks_slow_the_sender_without_a_retransmission() {
    for seed in 0..3 {
        let (c, s, marked, c_ecn, s_ecn) = marked_bulk(seed, Ecn::On);
        eprintln!(
            "seed {seed}: marked {marked}, CE seen {}, reductions {}",
            s.ecn_ce_received, c.ecn_reductions
        );
        assert!(c_ecn && s_ecn, "ECN agreed on both ends");
        assert!(marked > 0, "the link marked packets");
        assert_eq!(s.ecn_ce_received, marked, "each mark seen by the receiver");
        assert!(c.ecn_reductions > 0, "the sender reacted");
        // At most one reduction per mark, fewer when marks fall in one
        // window of data.
        assert!(c.ecn_reductions <= marked, "{c:?}");
        assert_eq!(c.retransmissions, 0, "no loss, so nothing resent");
    }
}

/// A passive end answers an active one; ECN off on the asking side
/// leaves every packet Not-ECT, so the link marks nothing.
#[test]
fn without_agreement_nothing_is_ect_and_nothing_is_marked() {
    let (c, s, marked, c_ecn, s_ecn) = marked_bulk(1, Ecn::Passive);
    assert!(!c_ecn && !s_ecn, "neither side asked");
    assert_eq!(marked, 0);
    assert_eq!(s.ecn_ce_received + c.ecn_reductions, 0);
}
