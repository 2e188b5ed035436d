//! Connection deadlines: an indexed binary min-heap with at most one entry
//! per connection slot. Setting a slot's deadline moves its entry (O(log n),
//! O(1) when unchanged); nothing goes stale and nothing a peer does can make
//! the heap hold more entries than there are connections.

use crate::time::Instant;

const ABSENT: u32 = u32::MAX;

/// Deadlines keyed by slot index.
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    /// (deadline, slot), a min-heap on deadline.
    heap: Vec<(Instant, u32)>,
    /// Position of each slot's entry in `heap`, or `ABSENT`.
    pos: Vec<u32>,
}

impl TimerQueue {
    /// Sets (or with `None` removes) the deadline of `slot`.
    pub fn set(&mut self, slot: u32, at: Option<Instant>) {
        let s = slot as usize;
        if self.pos.len() <= s {
            self.pos.resize(s + 1, ABSENT);
        }
        let p = self.pos[s];
        match (p, at) {
            (ABSENT, None) => {}
            (ABSENT, Some(t)) => {
                self.heap.push((t, slot));
                let i = self.heap.len() - 1;
                self.pos[s] = i as u32;
                self.sift_up(i);
            }
            (p, None) => self.remove_at(p as usize),
            (p, Some(t)) => {
                let i = p as usize;
                let old = self.heap[i].0;
                if t == old {
                    return;
                }
                self.heap[i].0 = t;
                if t < old {
                    self.sift_up(i);
                } else {
                    self.sift_down(i);
                }
            }
        }
    }

    /// The earliest deadline.
    /// Bytes held (the heap and the position table).
    pub fn bytes(&self) -> usize {
        self.heap.capacity() * core::mem::size_of::<(Instant, u32)>() + self.pos.capacity() * 4
    }

    pub fn peek(&self) -> Option<Instant> {
        self.heap.first().map(|&(t, _)| t)
    }

    /// Removes and returns the slot of the earliest deadline if it is due.
    pub fn pop_due(&mut self, now: Instant) -> Option<u32> {
        let &(t, slot) = self.heap.first()?;
        if t > now {
            return None;
        }
        self.remove_at(0);
        Some(slot)
    }

    /// Number of slots with a deadline.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    fn remove_at(&mut self, i: usize) {
        let last = self.heap.len() - 1;
        self.swap(i, last);
        let (_, slot) = self.heap.pop().expect("non-empty");
        self.pos[slot as usize] = ABSENT;
        if i < self.heap.len() {
            self.sift_down(i);
            self.sift_up(i);
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.pos[self.heap[a].1 as usize] = a as u32;
        self.pos[self.heap[b].1 as usize] = b as u32;
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[parent].0 <= self.heap[i].0 {
                break;
            }
            self.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut smallest = i;
            if l < self.heap.len() && self.heap[l].0 < self.heap[smallest].0 {
                smallest = l;
            }
            if r < self.heap.len() && self.heap[r].0 < self.heap[smallest].0 {
                smallest = r;
            }
            if smallest == i {
                return;
            }
            self.swap(i, smallest);
            i = smallest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        /// Behaves like a map slot -> deadline whose minimum is popped.
        #[test]
        fn matches_a_map_model(ops in proptest::collection::vec((0u32..20, proptest::option::of(0u64..100), any::<bool>()), 1..300)) {
            let mut q = TimerQueue::default();
            let mut model: BTreeMap<u32, u64> = BTreeMap::new();
            for (slot, at, pop) in ops {
                if pop {
                    let now = at.unwrap_or(50);
                    let expect_due = model.values().min().is_some_and(|&m| m <= now);
                    match q.pop_due(Instant::from_micros(now)) {
                        Some(s) => {
                            prop_assert!(expect_due);
                            let t = model.remove(&s).unwrap();
                            prop_assert_eq!(Some(t), model.values().copied().chain([t]).min());
                        }
                        None => prop_assert!(!expect_due),
                    }
                } else {
                    q.set(slot, at.map(Instant::from_micros));
                    match at {
                        Some(t) => { model.insert(slot, t); }
                        None => { model.remove(&slot); }
                    }
                }
                prop_assert_eq!(q.len(), model.len());
                prop_assert_eq!(q.peek().map(Instant::as_micros), model.values().min().copied());
            }
        }
    }
}
