//! Connection storage: a slab of slots with generations (stale handles are
//! detected) and the 4-tuple table, hashed with SipHash-1-3 keyed by the
//! endpoint's secret so remote peers cannot aim at hash collisions.

use crate::conn::Connection;
use core::hash::BuildHasher;
use core::net::SocketAddr;
use siphasher::sip::SipHasher13;
use std::collections::HashMap;

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
    pub map: HashMap<FourTuple, u32, KeyedHash>,
    pub live: usize,
}

impl ConnTable {
    pub fn new(secret: [u8; 16]) -> Self {
        ConnTable {
            slots: Vec::new(),
            free: Vec::new(),
            map: HashMap::with_hasher(KeyedHash::new(secret)),
            live: 0,
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
            if s.in_table {
                self.map.remove(&(c.local, c.remote));
            }
            s.generation = s.generation.wrapping_add(1);
            s.in_table = false;
            s.ready = false;
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
