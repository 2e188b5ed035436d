//! Connection storage: a slab of slots with generations (stale handles are
//! detected) and the 4-tuple table, hashed with SipHash-1-3 keyed by the
//! endpoint's secret so remote peers cannot aim at hash collisions.

use crate::conn::Connection;
use core::hash::BuildHasher;
use core::net::SocketAddr;
use hashbrown::HashTable;
use siphasher::sip::SipHasher13;

/// (local, remote): the key of a connection.
pub(crate) type FourTuple = (SocketAddr, SocketAddr);

/// SipHash-1-3 keyed from the endpoint secret.
#[derive(Clone, Debug)]
pub(crate) struct KeyedHash {
    k0: u64,
    k1: u64,
}

impl KeyedHash {
    pub fn new(secret: [u8; 16]) -> Self {
        let mut a = [0u8; 8];
        let mut b = [0u8; 8];
        a.copy_from_slice(&secret[..8]);
        b.copy_from_slice(&secret[8..]);
        // Differ from the ISN key so one cannot be learnt from the other.
        KeyedHash {
            k0: u64::from_le_bytes(a) ^ 0x7461_626c_6568_6173,
            k1: u64::from_le_bytes(b).rotate_left(17),
        }
    }
}

impl BuildHasher for KeyedHash {
    type Hasher = SipHasher13;
    fn build_hasher(&self) -> SipHasher13 {
        SipHasher13::new_with_keys(self.k0, self.k1)
    }
}

/// One slot of the slab.
#[derive(Debug)]
pub(crate) struct Slot {
    pub generation: u32,
    pub conn: Option<Connection>,
    /// In the transmit-ready queue.
    pub ready: bool,
    /// Listed in the 4-tuple table.
    pub in_table: bool,
}

/// Slab of connections plus the 4-tuple index.
#[derive(Debug)]
pub(crate) struct ConnTable {
    pub slots: Vec<Slot>,
    free: Vec<u32>,
    /// The 4-tuple index: each entry is a slot number and the key's hash
    /// (16 bytes, not the 68 of a tuple and a slot number); the tuple
    /// itself is read from the slot.
    index: HashTable<IndexEntry>,
    hasher: KeyedHash,
    pub live: usize,
}

#[derive(Clone, Copy, Debug)]
struct IndexEntry {
    hash: u64,
    slot: u32,
}

impl ConnTable {
    pub fn new(secret: [u8; 16]) -> Self {
        ConnTable {
            slots: Vec::new(),
            free: Vec::new(),
            index: HashTable::new(),
            hasher: KeyedHash::new(secret),
            live: 0,
        }
    }

    /// Bytes of the 4-tuple index: its buckets (entries and control
    /// bytes) at hashbrown's 7/8 load, rounded to a power of two.
    pub fn index_bytes(&self) -> usize {
        let cap = self.index.capacity();
        if cap == 0 {
            return 0;
        }
        let buckets = (cap * 8 / 7).next_power_of_two();
        buckets * (core::mem::size_of::<IndexEntry>() + 1)
    }

    /// The slot of the connection with this 4-tuple, if indexed.
    pub fn lookup(&self, key: &FourTuple) -> Option<u32> {
        let hash = self.hasher.hash_one(key);
        let slots = &self.slots;
        self.index
            .find(hash, |e| {
                e.hash == hash
                    && slots[e.slot as usize]
                        .conn
                        .as_ref()
                        .is_some_and(|c| (c.local, c.remote) == *key)
            })
            .map(|e| e.slot)
    }

    /// The indexed slots, in no particular order.
    pub fn indexed(&self) -> impl Iterator<Item = u32> + '_ {
        self.index.iter().map(|e| e.slot)
    }

    /// Indexes `slot` under `key` (its connection's tuple).
    pub fn index_insert(&mut self, key: &FourTuple, slot: u32) {
        let hash = self.hasher.hash_one(key);
        self.index
            .insert_unique(hash, IndexEntry { hash, slot }, |e| e.hash);
    }

    /// Removes `slot`'s entry, indexed under `key`.
    pub fn index_remove(&mut self, key: &FourTuple, slot: u32) {
        let hash = self.hasher.hash_one(key);
        if let Ok(entry) = self.index.find_entry(hash, |e| e.slot == slot) {
            entry.remove();
        }
    }

    /// Reserves a slot; returns (index, generation).
    pub fn reserve(&mut self) -> (u32, u32) {
        self.live += 1;
        if let Some(i) = self.free.pop() {
            let s = &mut self.slots[i as usize];
            (i, s.generation)
        } else {
            self.slots.push(Slot {
                generation: 0,
                conn: None,
                ready: false,
                in_table: false,
            });
            ((self.slots.len() - 1) as u32, 0)
        }
    }

    /// Frees a slot: its handles become stale.
    pub fn release(&mut self, index: u32) {
        let s = &mut self.slots[index as usize];
        if let Some(c) = s.conn.take() {
            let indexed = s.in_table;
            s.generation = s.generation.wrapping_add(1);
            s.in_table = false;
            s.ready = false;
            if indexed {
                self.index_remove(&(c.local, c.remote), index);
            }
            self.free.push(index);
            self.live -= 1;
        }
    }

    pub fn get(&self, index: u32, generation: u32) -> Option<&Connection> {
        let s = self.slots.get(index as usize)?;
        if s.generation != generation {
            return None;
        }
        s.conn.as_ref()
    }
}
