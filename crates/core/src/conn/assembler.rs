//! Out-of-order reassembly bookkeeping (RFC 9293 3.10.7.4, "segment text":
//! segments inside the window but beyond RCV.NXT are kept, not dropped).
//!
//! The bytes themselves sit in the receive ring at their final place; this
//! only remembers which sequence ranges past RCV.NXT have arrived. Ranges
//! are absolute sequence numbers, kept sorted and disjoint, in a vector
//! allocated once.

use crate::seq::SeqNum;

/// Maximum number of disjoint out-of-order ranges kept; a segment that would
/// need more is dropped (the sender will resend it).
pub const MAX_RANGES: usize = 32;

/// Sorted, disjoint, non-adjacent `[start, end)` ranges beyond RCV.NXT.
#[derive(Debug, Clone, Default)]
pub struct Assembler {
    ranges: Vec<(SeqNum, SeqNum)>,
}

impl Assembler {
    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.ranges.capacity() * core::mem::size_of::<(SeqNum, SeqNum)>()
    }

    /// An empty assembler (storage is reserved at the first gap).
    pub fn new() -> Self {
        Assembler { ranges: Vec::new() }
    }

    /// No out-of-order data held?
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The ranges held, lowest first.
    pub fn ranges(&self) -> &[(SeqNum, SeqNum)] {
        &self.ranges
    }

    /// Records `[start, end)` as received. Returns false if it could not be
    /// recorded because too many disjoint ranges are held.
    pub fn insert(&mut self, start: SeqNum, end: SeqNum) -> bool {
        if !start.lt(end) {
            return true;
        }
        // First range whose end is >= start (could merge or follow).
        let i = self.ranges.partition_point(|&(_, e)| e.lt(start));
        // Ranges [i, j) overlap or touch [start, end).
        let mut j = i;
        let (mut s, mut e) = (start, end);
        while j < self.ranges.len() && self.ranges[j].0.le(e) {
            s = s.min(self.ranges[j].0);
            e = e.max(self.ranges[j].1);
            j += 1;
        }
        if i == j {
            if self.ranges.len() == MAX_RANGES {
                return false;
            }
            if self.ranges.capacity() == 0 {
                self.ranges.reserve_exact(MAX_RANGES);
            }
            self.ranges.insert(i, (s, e));
        } else {
            self.ranges[i] = (s, e);
            self.ranges.drain(i + 1..j);
        }
        true
    }

    /// If a range starts at or before `rcv_nxt`, removes it and returns its
    /// end: the new RCV.NXT. Ranges entirely before `rcv_nxt` are discarded.
    pub fn advance(&mut self, rcv_nxt: SeqNum) -> Option<SeqNum> {
        let mut new_nxt = None;
        while let Some(&(s, e)) = self.ranges.first() {
            if s.gt(new_nxt.unwrap_or(rcv_nxt)) {
                break;
            }
            self.ranges.remove(0);
            if e.gt(new_nxt.unwrap_or(rcv_nxt)) {
                new_nxt = Some(e);
            }
        }
        new_nxt
    }

    /// Forgets everything and frees the storage.
    pub fn clear(&mut self) {
        self.ranges = Vec::new();
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
        let mut a = Assembler::new();
        assert!(a.insert(s(20), s(30)));
        assert!(a.insert(s(40), s(50)));
        assert!(a.insert(s(25), s(42)));
        assert_eq!(a.ranges(), &[(s(20), s(50))]);
        assert_eq!(a.advance(s(10)), None);
        assert_eq!(a.advance(s(20)), Some(s(50)));
        assert!(a.is_empty());
    }

    #[test]
    fn works_across_the_wrap() {
        let mut a = Assembler::new();
        let base = s(u32::MAX - 5);
        assert!(a.insert(base + 10, base + 20));
        assert!(a.insert(base + 2, base + 8));
        assert_eq!(a.ranges()[0], (base + 2, base + 8));
        assert_eq!(a.advance(base + 3), Some(base + 8));
    }

    #[test]
    fn bounded() {
        let mut a = Assembler::new();
        for i in 0..MAX_RANGES as u32 {
            assert!(a.insert(s(i * 10), s(i * 10 + 5)));
        }
        assert!(!a.insert(s(1000), s(1001)));
        assert!(a.insert(s(5), s(10))); // merges, no new range
    }

    proptest::proptest! {
        #[test]
        fn matches_a_bitmap_model(segs in proptest::collection::vec((0u32..200, 1u32..30), 1..40)) {
            let mut a = Assembler::new();
            let mut model = [false; 256];
            for (start, len) in segs {
                if a.insert(s(start), s(start + len)) {
                    for b in start..start + len { model[b as usize] = true; }
                }
            }
            let mut covered = [false; 256];
            for w in a.ranges().windows(2) {
                proptest::prop_assert!(w[0].1.lt(w[1].0));
            }
            for &(st, e) in a.ranges() {
                for b in st.0..e.0 { covered[b as usize] = true; }
            }
            proptest::prop_assert_eq!(&covered[..], &model[..]);
        }
    }
}
