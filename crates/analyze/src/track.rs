//! Grouping segments into connections: a 4-tuple, and within it an
//! incarnation (a new SYN after the old connection ended, or with another
//! ISN). Memory is bounded: connections that ended are handed out a while
//! after their last packet, and past a limit of live connections the one
//! idle longest goes.

use crate::conn::Conn;
use crate::decode::Segment;
use core::net::SocketAddr;
use std::collections::{BTreeMap, HashMap};

/// A finished connection is kept this long after its last packet (for a
/// late ACK or RST).
const LINGER_US: u64 = 2_000_000;
/// A connection silent this long is handed out as it is.
const IDLE_US: u64 = 600_000_000;
/// Packets between sweeps of the table.
const SWEEP_EVERY: u64 = 4096;

type Key = (SocketAddr, SocketAddr);

fn key(a: SocketAddr, b: SocketAddr) -> Key {
    if a <= b { (a, b) } else { (b, a) }
}

/// The connection table.
pub struct Tracker {
    map: HashMap<Key, u64>,
    live: BTreeMap<u64, Conn>,
    next_id: u64,
    max_rows: usize,
    max_live: usize,
    packets: u64,
}

impl Tracker {
    /// A table keeping at most `max_live` connections, each drawing at
    /// most `max_rows` ordinary rows.
    pub fn new(max_rows: usize, max_live: usize) -> Tracker {
        Tracker {
            map: HashMap::new(),
            live: BTreeMap::new(),
            next_id: 1,
            max_rows,
            max_live: max_live.max(1),
            packets: 0,
        }
    }

    /// Connections seen so far.
    pub fn connections(&self) -> u64 {
        self.next_id - 1
    }

    /// Adds a segment; connections that are done go to `done`.
    pub fn push(&mut self, s: &Segment, done: &mut dyn FnMut(Conn)) {
        self.packets += 1;
        let k = key(s.src, s.dst);
        if let Some(&id) = self.map.get(&k)
            && let Some(c) = self.live.get_mut(&id)
        {
            let f = s.tcp.flags;
            let fresh = f.syn() && !f.ack() && {
                let side = c.side_of(s).map_or(0, |x| x.index());
                let isn = c.dirs[side].isn;
                // A later ISN starts a new connection; an earlier one is an
                // old duplicate of a previous one (RFC 9293 3.5).
                c.finished()
                    || isn.is_some_and(|i| crate::conn::diff(s.tcp.seq.0, i) > 0)
                    || (isn.is_none() && c.mid_start)
            };
            if !fresh {
                c.push(s);
                self.sweep(s.time_us, done);
                return;
            }
            self.hand_out(id, done);
        }
        let id = self.next_id;
        self.next_id += 1;
        let mut c = Conn::new(id, s, self.max_rows);
        c.push(s);
        self.map.insert(k, id);
        self.live.insert(id, c);
        if self.live.len() > self.max_live
            && let Some(oldest) = self.live.values().min_by_key(|c| c.last_us).map(|c| c.id)
        {
            self.hand_out(oldest, done);
        }
        self.sweep(s.time_us, done);
    }

    fn hand_out(&mut self, id: u64, done: &mut dyn FnMut(Conn)) {
        if let Some(mut c) = self.live.remove(&id) {
            let k = key(c.addrs[0], c.addrs[1]);
            if self.map.get(&k) == Some(&id) {
                self.map.remove(&k);
            }
            c.finish();
            done(c);
        }
    }

    fn sweep(&mut self, now: u64, done: &mut dyn FnMut(Conn)) {
        if !self.packets.is_multiple_of(SWEEP_EVERY) {
            return;
        }
        let old: Vec<u64> = self
            .live
            .values()
            .filter(|c| {
                let idle = now.saturating_sub(c.last_us);
                (c.finished() && idle > LINGER_US) || idle > IDLE_US
            })
            .map(|c| c.id)
            .collect();
        for id in old {
            self.hand_out(id, done);
        }
    }

    /// The end of the capture: every connection left, in order.
    pub fn finish(&mut self, done: &mut dyn FnMut(Conn)) {
        let ids: Vec<u64> = self.live.keys().copied().collect();
        for id in ids {
            self.hand_out(id, done);
        }
    }
}
