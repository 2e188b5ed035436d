//! What an endpoint holds in memory, by its own accounting: the slot slab,
//! the 4-tuple index, the timer heap and each connection's heap storage
//! (buffers, logs). Allocator overhead is not included; `synack bench
//! scale` reports the process's RSS beside it.

use super::Endpoint;
use core::mem::size_of;

/// Bytes an endpoint holds, by part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryUsage {
    /// Live connections.
    pub connections: usize,
    /// The slot slab (a `Connection` inline in each slot, free ones too).
    pub slots: usize,
    /// The 4-tuple index (its buckets).
    pub index: usize,
    /// The timer heap and its position table.
    pub timers: usize,
    /// Send and receive buffers allocated.
    pub buffers: usize,
    /// Other per-connection heap storage: sent-segment logs, SACK
    /// scoreboards, reassembly lists.
    pub other: usize,
    /// Of `connections`: TIME-WAIT ones kept as compact records.
    pub time_wait: usize,
    /// The compact TIME-WAIT records and their expiry queue.
    pub time_wait_bytes: usize,
}

impl MemoryUsage {
    /// Everything.
    pub fn total(&self) -> usize {
        self.slots + self.index + self.timers + self.buffers + self.other + self.time_wait_bytes
    }

    /// The total over the live connections (0 with none).
    pub fn per_connection(&self) -> usize {
        self.total().checked_div(self.connections).unwrap_or(0)
    }
}

impl Endpoint {
    /// The endpoint's own accounting of its memory (a scan of every
    /// connection: for tools and benchmarks).
    pub fn memory_usage(&self) -> MemoryUsage {
        let mut m = MemoryUsage {
            connections: self.conns.live,
            slots: self.conns.slots.capacity() * size_of::<super::table::Slot>(),
            index: self.conns.index_bytes(),
            timers: self.timers.bytes(),
            time_wait: self.conns.tw_live,
            time_wait_bytes: self.conns.tw_bytes(),
            ..MemoryUsage::default()
        };
        for c in self.connections() {
            let (buffers, other) = c.heap_bytes();
            m.buffers += buffers;
            m.other += other;
        }
        m
    }
}
