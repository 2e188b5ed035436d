//! Connection storage: a slab of slots with generations (stale handles are
//! detected) and the 4-tuple table, hashed with SipHash-1-3 keyed by the
//! endpoint's secret so remote peers cannot aim at hash collisions.

use crate::conn::Connection;
use crate::conn::time_wait::{RecordIp, TimeWait, TimeWaitRecord};
use crate::seq::SeqNum;
use crate::time::Instant;
use core::cell::Cell;
use core::cmp::Reverse;
use core::hash::{BuildHasher, Hasher};
use core::net::SocketAddr;
use hashbrown::HashTable;
use siphasher::sip::SipHasher13;
use std::collections::BinaryHeap;

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

impl KeyedHash {
    /// The hash of a 4-tuple: its addresses and ports packed into one
    /// buffer and hashed in one call (the derived `Hash` of two
    /// `SocketAddr`s feeds SipHash a dozen small writes: a tenth of a
    /// connection's cost in `bench churn`). Equal tuples pack equally
    /// (IPv6 flow labels and scope ids, which equality also compares, are
    /// left out: a hash may ignore fields, never invent differences).
    pub fn tuple(&self, (local, remote): &FourTuple) -> u64 {
        let mut buf = [0u8; 2 * 18];
        let mut n = 0;
        for a in [local, remote] {
            match a {
                SocketAddr::V4(v4) => {
                    buf[n..n + 4].copy_from_slice(&v4.ip().octets());
                    n += 4;
                }
                SocketAddr::V6(v6) => {
                    buf[n..n + 16].copy_from_slice(&v6.ip().octets());
                    n += 16;
                }
            }
            buf[n..n + 2].copy_from_slice(&a.port().to_le_bytes());
            n += 2;
        }
        let mut h = self.build_hasher();
        h.write(&buf[..n]);
        h.finish()
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

/// TIME-WAIT records of one address family, each in a place (an index
/// into `records`). An expiry entry names a place and a deadline; it
/// applies to the record there only if that record expires then (a later
/// record at the place has its own entry, and one that expires at the same
/// moment is due anyway).
#[derive(Debug)]
pub(crate) struct TwStore<Ip> {
    records: Vec<Option<TimeWait<Ip>>>,
    free: Vec<u32>,
}

impl<Ip: RecordIp> TwStore<Ip> {
    fn new() -> Self {
        TwStore {
            records: Vec::new(),
            free: Vec::new(),
        }
    }

    fn get(&self, place: u32) -> Option<&TimeWait<Ip>> {
        self.records.get(place as usize)?.as_ref()
    }

    fn put(&mut self, record: TimeWait<Ip>) -> u32 {
        if let Some(place) = self.free.pop() {
            self.records[place as usize] = Some(record);
            place
        } else {
            self.records.push(Some(record));
            (self.records.len() - 1) as u32
        }
    }

    fn take(&mut self, place: u32) -> Option<TimeWait<Ip>> {
        let record = self.records.get_mut(place as usize)?.take()?;
        self.free.push(place);
        Some(record)
    }

    fn bytes(&self) -> usize {
        self.records.capacity() * core::mem::size_of::<Option<TimeWait<Ip>>>()
            + self.free.capacity() * 4
    }
}

/// What the 4-tuple index found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// A connection in this slot.
    Conn(u32),
    /// A compact TIME-WAIT record at this place (`TW_V6` set for the
    /// IPv6 records' store).
    TimeWait(u32),
}

/// Index entries for TIME-WAIT records carry this bit.
const TW_TAG: u32 = 1 << 31;
/// A TIME-WAIT place in the IPv6 store.
const TW_V6: u32 = 1 << 30;

/// Slab of connections plus the 4-tuple index.
#[derive(Debug)]
pub(crate) struct ConnTable {
    pub slots: Vec<Slot>,
    free: Vec<u32>,
    /// Compact TIME-WAIT records ([`TimeWait`]), indexed like
    /// connections: IPv4 and IPv6 apart, each at its own size.
    tw4: TwStore<[u8; 4]>,
    tw6: TwStore<[u8; 16]>,
    /// TIME-WAIT records held.
    pub tw_live: usize,
    /// When each record expires: (deadline, place), earliest first;
    /// entries of records gone are skipped.
    tw_expiry: BinaryHeap<Reverse<(Instant, u32)>>,
    /// The 4-tuple index: each entry is a slot number and the key's hash
    /// (16 bytes, not the 68 of a tuple and a slot number); the tuple
    /// itself is read from the slot.
    index: HashTable<IndexEntry>,
    hasher: KeyedHash,
    /// The last tuple found and its entry: consecutive segments mostly
    /// belong to one connection, and comparing a tuple costs less than
    /// hashing it. Cleared whenever an entry leaves the index, so it never
    /// names an entry the index does not hold.
    last: Cell<Option<(FourTuple, u32)>>,
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
            tw4: TwStore::new(),
            tw6: TwStore::new(),
            tw_live: 0,
            tw_expiry: BinaryHeap::new(),
            index: HashTable::new(),
            hasher: KeyedHash::new(secret),
            last: Cell::new(None),
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

    /// The connection or TIME-WAIT record with this 4-tuple, if indexed.
    pub fn find(&self, key: &FourTuple) -> Option<Found> {
        if let Some((k, entry)) = self.last.get()
            && k == *key
            && self.tuple_of(entry) == Some(k)
        {
            return Some(found(entry));
        }
        let hash = self.hasher.tuple(key);
        let entry = self
            .index
            .find(hash, |e| {
                e.hash == hash && self.tuple_of(e.slot) == Some(*key)
            })?
            .slot;
        self.last.set(Some((*key, entry)));
        Some(found(entry))
    }

    /// The slot of the connection with this 4-tuple, if indexed (not a
    /// TIME-WAIT record).
    pub fn lookup(&self, key: &FourTuple) -> Option<u32> {
        match self.find(key)? {
            Found::Conn(i) => Some(i),
            Found::TimeWait(_) => None,
        }
    }

    fn tuple_of(&self, entry: u32) -> Option<FourTuple> {
        match found(entry) {
            Found::Conn(i) => self.slots[i as usize]
                .conn
                .as_ref()
                .map(|c| (c.local, c.remote)),
            Found::TimeWait(t) => self.tw_tuple(t),
        }
    }

    /// The 4-tuple of the TIME-WAIT record at `t`.
    pub fn tw_tuple(&self, t: u32) -> Option<FourTuple> {
        if t & TW_V6 != 0 {
            self.tw6.get(t & !TW_V6).map(|r| (r.local(), r.remote()))
        } else {
            self.tw4.get(t).map(|r| (r.local(), r.remote()))
        }
    }

    /// Every TIME-WAIT record's 4-tuple.
    pub fn tw_tuples(&self) -> impl Iterator<Item = FourTuple> + '_ {
        let v4 = self
            .tw4
            .records
            .iter()
            .flatten()
            .map(|r| (r.local(), r.remote()));
        let v6 = self
            .tw6
            .records
            .iter()
            .flatten()
            .map(|r| (r.local(), r.remote()));
        v4.chain(v6)
    }

    /// The highest sequence number the record at `t` sent.
    pub fn tw_snd_max(&self, t: u32) -> Option<SeqNum> {
        if t & TW_V6 != 0 {
            self.tw6.get(t & !TW_V6).map(TimeWait::snd_max)
        } else {
            self.tw4.get(t).map(TimeWait::snd_max)
        }
    }

    fn tw_expires(&self, t: u32) -> Option<Instant> {
        if t & TW_V6 != 0 {
            self.tw6.get(t & !TW_V6).map(|r| r.expires)
        } else {
            self.tw4.get(t).map(|r| r.expires)
        }
    }

    /// Everything indexed, in no particular order.
    pub fn indexed(&self) -> impl Iterator<Item = Found> + '_ {
        self.index.iter().map(|e| found(e.slot))
    }

    /// Keeps `record` in a place of its own, indexed under its tuple.
    pub fn tw_insert(&mut self, record: TimeWaitRecord) {
        let key = (record.local(), record.remote());
        let expires = record.expires();
        let t = match record {
            TimeWaitRecord::V4(r) => self.tw4.put(r),
            TimeWaitRecord::V6(r) => self.tw6.put(r) | TW_V6,
        };
        self.tw_expiry.push(Reverse((expires, t)));
        let hash = self.hasher.tuple(&key);
        let entry = IndexEntry {
            hash,
            slot: t | TW_TAG,
        };
        self.index.insert_unique(hash, entry, |e| e.hash);
        self.tw_live += 1;
        self.live += 1;
    }

    /// Takes the record at `t` out (unindexed, its place freed).
    pub fn tw_remove(&mut self, t: u32) -> Option<TimeWaitRecord> {
        let record = if t & TW_V6 != 0 {
            TimeWaitRecord::V6(self.tw6.take(t & !TW_V6)?)
        } else {
            TimeWaitRecord::V4(self.tw4.take(t)?)
        };
        let hash = self.hasher.tuple(&(record.local(), record.remote()));
        if let Ok(entry) = self.index.find_entry(hash, |e| e.slot == t | TW_TAG) {
            entry.remove();
        }
        self.last.set(None);
        self.tw_live -= 1;
        self.live -= 1;
        Some(record)
    }

    /// The earliest TIME-WAIT expiry (maybe of a record gone: then an
    /// early wake-up that finds nothing).
    pub fn tw_next_expiry(&self) -> Option<Instant> {
        self.tw_expiry.peek().map(|Reverse((t, _))| *t)
    }

    /// Takes the next record whose 2 x MSL has run out by `now`.
    pub fn tw_pop_expired(&mut self, now: Instant) -> Option<TimeWaitRecord> {
        while let Some(&Reverse((at, t))) = self.tw_expiry.peek() {
            if at > now {
                return None;
            }
            self.tw_expiry.pop();
            if self.tw_expires(t) == Some(at) {
                return self.tw_remove(t);
            }
        }
        None
    }

    /// Bytes of the TIME-WAIT records and their expiry queue.
    pub fn tw_bytes(&self) -> usize {
        self.tw4.bytes()
            + self.tw6.bytes()
            + self.tw_expiry.capacity() * core::mem::size_of::<Reverse<(Instant, u32)>>()
    }

    /// Indexes `slot` under `key` (its connection's tuple).
    pub fn index_insert(&mut self, key: &FourTuple, slot: u32) {
        let hash = self.hasher.tuple(key);
        self.index
            .insert_unique(hash, IndexEntry { hash, slot }, |e| e.hash);
    }

    /// Removes `slot`'s entry, indexed under `key`.
    pub fn index_remove(&mut self, key: &FourTuple, slot: u32) {
        let hash = self.hasher.tuple(key);
        if let Ok(entry) = self.index.find_entry(hash, |e| e.slot == slot) {
            entry.remove();
        }
        self.last.set(None);
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

    /// Forgets every TIME-WAIT record.
    pub fn tw_clear(&mut self) {
        for t in 0..self.tw4.records.len() as u32 {
            self.tw_remove(t);
        }
        for t in 0..self.tw6.records.len() as u32 {
            self.tw_remove(t | TW_V6);
        }
        self.tw_expiry.clear();
    }

    pub fn get(&self, index: u32, generation: u32) -> Option<&Connection> {
        let s = self.slots.get(index as usize)?;
        if s.generation != generation {
            return None;
        }
        s.conn.as_ref()
    }
}

fn found(entry: u32) -> Found {
    if entry & TW_TAG != 0 {
        Found::TimeWait(entry & !TW_TAG)
    } else {
        Found::Conn(entry)
    }
}
