//! The sender's SACK scoreboard (RFC 6675 section 4): which octets between
//! SND.UNA (HighACK) and SND.MAX (HighData) the peer has selectively
//! acknowledged, as sorted, disjoint ranges in a fixed-capacity array, so
//! updating it never allocates. D-SACK blocks (RFC 2883) are recognised
//! and reported, never recorded.
//!
//! Since no SACKed octet lies inside a hole, every octet of one hole has
//! the same SACKed data above it: `IsLost` is decided per hole, and
//! `SetPipe` walks holes, not octets.

use crate::seq::SeqNum;

/// Ranges kept. Beyond it the highest range is forgotten: its data then
/// counts as unSACKed, which can only cause a needless retransmission.
pub const CAPACITY: usize = 32;

/// RFC 6675 section 2: DupThresh, 3 as in RFC 5681.
pub const DUP_THRESH: usize = 3;

/// What one ACK's SACK blocks told the scoreboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SackUpdate {
    /// Octets newly SACKed (RFC 6937's part of DeliveredData).
    pub newly_sacked: usize,
    /// The first block was a D-SACK (RFC 2883 section 4): below SND.UNA or
    /// inside the second block.
    pub dsack: Option<(SeqNum, SeqNum)>,
}

/// The SACKed ranges above SND.UNA: room for [`CAPACITY`] of them is
/// allocated at the first SACK block (a connection that never sees one
/// holds nothing), and never again.
#[derive(Clone, Debug, Default)]
pub struct Scoreboard {
    ranges: Vec<(SeqNum, SeqNum)>,
}

impl Scoreboard {
    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.ranges.capacity() * core::mem::size_of::<(SeqNum, SeqNum)>()
    }

    /// The SACKed ranges, lowest first.
    pub fn ranges(&self) -> &[(SeqNum, SeqNum)] {
        &self.ranges
    }

    /// Nothing is SACKed.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Forgets everything (RFC 2018's advice after an RTO, RFC 6675 5.1).
    pub fn clear(&mut self) {
        self.ranges.clear();
    }

    /// Total SACKed octets.
    pub fn sacked_bytes(&self) -> usize {
        self.ranges().iter().map(|&(l, r)| r.since(l)).sum()
    }

    /// SACKed octets within `[lo, hi)`.
    pub fn sacked_between(&self, lo: SeqNum, hi: SeqNum) -> usize {
        self.ranges()
            .iter()
            .map(|&(l, r)| {
                let (l, r) = (l.max(lo), r.min(hi));
                if r.gt(l) { r.since(l) } else { 0 }
            })
            .sum()
    }

    /// One past the highest SACKed octet, if any (RFC 6675 1.b's bound).
    pub fn high_sacked(&self) -> Option<SeqNum> {
        self.ranges().last().map(|&(_, r)| r)
    }

    /// Is all of `[start, end)` SACKed?
    pub fn covers(&self, start: SeqNum, end: SeqNum) -> bool {
        self.ranges().iter().any(|&(l, r)| start.ge(l) && end.le(r))
    }

    /// Is `seq` SACKed?
    pub fn is_sacked(&self, seq: SeqNum) -> bool {
        self.ranges().iter().any(|&(l, r)| seq.ge(l) && seq.lt(r))
    }

    /// RFC 6675 section 4 `Update()`: records `blocks` from an ACK whose
    /// cumulative point is `una` (already applied), for data below `max`.
    pub fn update(&mut self, blocks: &[(SeqNum, SeqNum)], una: SeqNum, max: SeqNum) -> SackUpdate {
        let mut out = SackUpdate::default();
        // RFC 2883 section 4: the first block is a D-SACK if it lies at or
        // below the cumulative ACK, or within the second block.
        if let Some(&(l, r)) = blocks.first()
            && l.lt(r)
        {
            let below = r.le(una);
            let inside = blocks
                .get(1)
                .is_some_and(|&(l2, r2)| l.ge(l2) && r.le(r2) && (l, r) != (l2, r2));
            if below || inside {
                out.dsack = Some((l, r));
            }
        }
        let before = self.sacked_bytes();
        for &(l, r) in blocks {
            // Only what lies above SND.UNA and below SND.MAX (RFC 2018 4:
            // anything else is not for data we have outstanding).
            let l = l.max(una);
            let r = r.min(max);
            if l.lt(r) {
                self.insert(l, r);
            }
        }
        out.newly_sacked = self.sacked_bytes().saturating_sub(before);
        out
    }

    /// Drops what the cumulative ACK `una` now covers.
    pub fn advance(&mut self, una: SeqNum) {
        self.ranges.retain_mut(|(l, r)| {
            *l = l.max(una);
            r.gt(una)
        });
    }

    /// Merges `[l, r)` into the sorted, disjoint ranges.
    fn insert(&mut self, mut l: SeqNum, mut r: SeqNum) {
        // Absorb every range that touches [l, r).
        if self.ranges.capacity() == 0 {
            self.ranges.reserve_exact(CAPACITY);
        }
        let mut w = 0;
        let mut at = None;
        for i in 0..self.ranges.len() {
            let (a, b) = self.ranges[i];
            if b.lt(l) || a.gt(r) {
                if at.is_none() && a.gt(r) {
                    at = Some(w);
                }
                self.ranges[w] = (a, b);
                w += 1;
            } else {
                l = l.min(a);
                r = r.max(b);
            }
        }
        self.ranges.truncate(w);
        let at = at.unwrap_or(w);
        if self.ranges.len() == CAPACITY {
            if at == CAPACITY {
                return; // the new range is the highest: forget it
            }
            self.ranges.pop(); // forget the highest range
        }
        self.ranges.insert(at, (l, r));
    }

    /// SACKed (octets, ranges) above `seq` (for a `seq` in no range).
    fn sacked_above(&self, seq: SeqNum) -> (usize, usize) {
        self.ranges()
            .iter()
            .filter(|&&(l, _)| l.gt(seq))
            .fold((0, 0), |(b, n), &(l, r)| (b + r.since(l), n + 1))
    }

    /// RFC 6675 section 4 `IsLost(SeqNum)`: DupThresh discontiguous SACKed
    /// sequences above it, or more than (DupThresh - 1) * SMSS SACKed
    /// octets above it.
    pub fn is_lost(&self, seq: SeqNum, mss: usize) -> bool {
        if self.is_sacked(seq) {
            return false;
        }
        let (bytes, ranges) = self.sacked_above(seq);
        ranges >= DUP_THRESH || bytes > (DUP_THRESH - 1) * mss
    }

    /// The unSACKed holes between `una` and `max`, lowest first, the part
    /// above the highest SACKed octet included.
    pub fn holes(&self, una: SeqNum, max: SeqNum) -> impl Iterator<Item = (SeqNum, SeqNum)> + '_ {
        let mut from = una;
        let mut i = 0;
        core::iter::from_fn(move || {
            while i <= self.ranges.len() {
                let (next_l, next_r) = if i < self.ranges.len() {
                    self.ranges[i]
                } else {
                    (max, max)
                };
                i += 1;
                let hole = (from, next_l.min(max));
                from = from.max(next_r);
                if hole.0.lt(hole.1) {
                    return Some(hole);
                }
            }
            None
        })
    }

    /// RFC 6675 section 4 `SetPipe()`: octets between `una` and `max` not
    /// SACKed, counted once if not lost (a) and once more if at or below
    /// `high_rxt`, i.e. retransmitted (b).
    pub fn pipe(&self, una: SeqNum, max: SeqNum, high_rxt: SeqNum, mss: usize) -> usize {
        let mut pipe = 0;
        for (l, r) in self.holes(una, max) {
            let len = r.since(l);
            if !self.is_lost(l, mss) {
                pipe += len; // (a)
            }
            if l.lt(high_rxt) {
                pipe += high_rxt.min(r).since(l); // (b)
            }
        }
        pipe
    }

    /// RFC 6675 NextSeg rule (1): the first unSACKed octet above
    /// `high_rxt` (1.a), below the highest SACKed octet (1.b), and lost
    /// (1.c, when `need_lost`; rule (3) drops it). Returns the hole part
    /// `[start, end)` from that octet on.
    pub fn next_hole(
        &self,
        una: SeqNum,
        high_rxt: SeqNum,
        mss: usize,
        need_lost: bool,
    ) -> Option<(SeqNum, SeqNum)> {
        let high = self.high_sacked()?;
        self.holes(una, high)
            .map(|(l, r)| (l.max(high_rxt), r))
            .find(|&(l, r)| l.lt(r) && (!need_lost || self.is_lost(l, mss)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u32) -> SeqNum {
        SeqNum(n)
    }

    #[test]
    fn merges_and_advances() {
        let mut sb = Scoreboard::default();
        let u = sb.update(&[(s(300), s(400)), (s(100), s(200))], s(0), s(1000));
        assert_eq!(u.newly_sacked, 200);
        assert_eq!(u.dsack, None);
        sb.update(&[(s(200), s(300))], s(0), s(1000));
        assert_eq!(sb.ranges(), &[(s(100), s(400))]);
        sb.update(&[(s(600), s(700))], s(0), s(1000));
        sb.advance(s(150));
        assert_eq!(sb.ranges(), &[(s(150), s(400)), (s(600), s(700))]);
        sb.advance(s(500));
        assert_eq!(sb.ranges(), &[(s(600), s(700))]);
        // Blocks beyond SND.MAX are clipped.
        sb.update(&[(s(900), s(1200))], s(500), s(1000));
        assert_eq!(sb.high_sacked(), Some(s(1000)));
    }

    #[test]
    fn dsack_below_una_and_inside_second_block() {
        let mut sb = Scoreboard::default();
        let u = sb.update(&[(s(100), s(200))], s(500), s(1000));
        assert_eq!(u.dsack, Some((s(100), s(200))));
        assert_eq!(u.newly_sacked, 0);
        let u = sb.update(&[(s(700), s(800)), (s(600), s(900))], s(500), s(1000));
        assert_eq!(u.dsack, Some((s(700), s(800))));
        assert_eq!(u.newly_sacked, 300);
    }

    #[test]
    fn full_board_forgets_the_highest() {
        let mut sb = Scoreboard::default();
        for i in 0..CAPACITY as u32 + 4 {
            sb.update(&[(s(i * 20 + 10), s(i * 20 + 20))], s(0), s(100_000));
        }
        assert_eq!(sb.ranges().len(), CAPACITY);
        // A lower one still gets in, pushing the highest out.
        sb.update(&[(s(0), s(5))], s(0), s(100_000));
        assert_eq!(sb.ranges()[0], (s(0), s(5)));
        assert_eq!(sb.ranges().len(), CAPACITY);
    }

    /// RFC 6675 section 5 step by step, with SMSS 100: segments 0..9 of
    /// 100 octets sent, the first two lost, the others SACKed one by one.
    #[test]
    fn is_lost_next_seg_and_pipe() {
        let mss = 100;
        let mut sb = Scoreboard::default();
        let una = s(0);
        let max = s(1000);
        // Segment 2 SACKed: one range, 100 octets above 0: not lost.
        sb.update(&[(s(200), s(300))], una, max);
        assert!(!sb.is_lost(s(0), mss));
        assert_eq!(sb.pipe(una, max, una, mss), 900);
        assert_eq!(sb.next_hole(una, una, mss, true), None);
        // Rule (3) would offer the hole.
        assert_eq!(sb.next_hole(una, una, mss, false), Some((s(0), s(200))));
        // Segments 3 and 4: 300 octets > (DupThresh-1)*SMSS above: lost.
        sb.update(&[(s(200), s(400))], una, max);
        assert!(!sb.is_lost(s(0), mss));
        sb.update(&[(s(200), s(500))], una, max);
        assert!(sb.is_lost(s(0), mss));
        assert!(sb.is_lost(s(199), mss));
        assert!(!sb.is_sacked(s(199)) && sb.is_sacked(s(200)));
        assert!(!sb.is_lost(s(500), mss)); // nothing SACKed above
        // pipe: the lost hole 0..200 counts nothing, 500..1000 counts 500.
        assert_eq!(sb.pipe(una, max, una, mss), 500);
        // NextSeg rule (1): the hole from HighACK.
        assert_eq!(sb.next_hole(una, una, mss, true), Some((s(0), s(200))));
        // After retransmitting 0..100 (HighRxt = 100), pipe counts it (b).
        assert_eq!(sb.pipe(una, max, s(100), mss), 600);
        assert_eq!(sb.next_hole(una, s(100), mss, true), Some((s(100), s(200))));
        assert_eq!(sb.next_hole(una, s(200), mss, true), None);
        // Three discontiguous small ranges also make a loss.
        let mut sb = Scoreboard::default();
        sb.update(&[(s(10), s(11)), (s(20), s(21)), (s(30), s(31))], una, max);
        assert!(sb.is_lost(s(0), mss));
        assert!(!sb.is_lost(s(15), mss));
        let holes: Vec<_> = sb.holes(una, s(40)).collect();
        assert_eq!(
            holes,
            [
                (s(0), s(10)),
                (s(11), s(20)),
                (s(21), s(30)),
                (s(31), s(40))
            ]
        );
    }
}
