//! The event queue: packets in flight, ordered by delivery time then by the
//! order in which they were scheduled.

use crate::host::HostId;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use synack_core::Instant;

/// A packet copy on its way to a host.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) at: Instant,
    pub(crate) seq: u64,
    pub(crate) to: HostId,
    pub(crate) data: Vec<u8>,
}

impl PartialEq for InFlight {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for InFlight {}

impl PartialOrd for InFlight {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for InFlight {
    /// Reversed, so the max-heap pops the earliest `(at, seq)` first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Min-queue of in-flight packets with FIFO tie-breaking.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    heap: BinaryHeap<InFlight>,
    next_seq: u64,
}

impl EventQueue {
    /// Schedules `data` for delivery to `to` at `at`.
    pub(crate) fn push(&mut self, at: Instant, to: HostId, data: Vec<u8>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(InFlight { at, seq, to, data });
    }

    /// Delivery time of the earliest packet.
    pub(crate) fn peek_time(&self) -> Option<Instant> {
        self.heap.peek().map(|p| p.at)
    }

    /// Removes the earliest packet.
    pub(crate) fn pop(&mut self) -> Option<InFlight> {
        self.heap.pop()
    }

    /// Number of packet copies in flight.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_fifo() {
        let mut q = EventQueue::default();
        q.push(Instant::from_micros(5), HostId(0), vec![1]);
        q.push(Instant::from_micros(3), HostId(0), vec![2]);
        q.push(Instant::from_micros(5), HostId(0), vec![3]);
        q.push(Instant::from_micros(3), HostId(0), vec![4]);
        let order: Vec<u8> = std::iter::from_fn(|| q.pop()).map(|p| p.data[0]).collect();
        assert_eq!(order, [2, 4, 1, 3]);
    }
}
