//! A bounded byte ring buffer: the send and receive buffers.
//!
//! Storage grows on demand, doubling from a small start up to the
//! configured capacity, so an idle or short-lived connection does not pin
//! hundreds of kilobytes; once grown, no operation allocates (at most a
//! handful of reallocations per connection, none in steady state).
//! Besides the usual enqueue/dequeue it can
//! read at an offset (to build a segment straight from the send buffer) and
//! write beyond the readable end (to place out-of-order data where it will
//! eventually be read, so reassembly copies nothing twice).

/// First allocation size.
const INITIAL_STORAGE: usize = 4096;

/// A ring of bytes: `len` readable bytes starting at `head`, at most
/// `capacity` bytes in all.
///
/// `storage` is allocated `alloc` bytes at a time but initialised (its
/// `len()`) only as far as bytes were written: a connection that carries
/// one byte zeroes no kilobytes. Bytes between `storage.len()` and `alloc`
/// are never read: reads cover readable bytes only, which were written.
#[derive(Clone)]
pub struct RingBuffer {
    storage: Vec<u8>,
    /// The ring's size: offsets wrap at it.
    alloc: usize,
    head: usize,
    len: usize,
    capacity: usize,
}

impl core::fmt::Debug for RingBuffer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RingBuffer")
            .field("len", &self.len)
            .field("capacity", &self.capacity)
            .field("allocated", &self.alloc)
            .finish()
    }
}

impl RingBuffer {
    /// A ring that holds up to `capacity` bytes (nothing allocated yet).
    pub fn new(capacity: usize) -> Self {
        RingBuffer {
            storage: Vec::new(),
            alloc: 0,
            head: 0,
            len: 0,
            capacity,
        }
    }

    /// Total capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Raises the capacity to `capacity`; never lowers it, so bytes held
    /// stay valid.
    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = self.capacity.max(capacity);
    }

    /// Bytes of storage allocated so far.
    pub fn allocated(&self) -> usize {
        self.alloc
    }

    /// Makes sure offsets below `end` (relative to the head) have storage.
    fn reserve(&mut self, end: usize) {
        let end = end.min(self.capacity);
        let old = self.alloc;
        if end <= old {
            return;
        }
        let mut new_len = old.max(INITIAL_STORAGE.min(self.capacity));
        while new_len < end {
            new_len *= 2;
        }
        let new_len = new_len.min(self.capacity);
        // Unroll the old ring from the head so every offset keeps its
        // meaning (out-of-order bytes past `len` included). Only a ring
        // that wrapped has bytes below the head, and it was written (so
        // initialised) to its end; otherwise the initialised part from the
        // head is all there is.
        let mut storage = Vec::with_capacity(new_len);
        if self.head > 0 && self.storage.len() < old {
            self.storage.resize(old, 0);
        }
        storage.extend_from_slice(&self.storage[self.head..]);
        storage.extend_from_slice(&self.storage[..self.head.min(self.storage.len())]);
        self.storage = storage;
        self.alloc = new_len;
        self.head = 0;
    }

    /// Readable bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No readable bytes?
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Free space after the readable bytes.
    pub fn free(&self) -> usize {
        self.capacity - self.len
    }

    /// Releases the storage (used when a connection enters TIME-WAIT or
    /// CLOSED and will never carry data again).
    pub fn release(&mut self) {
        self.storage = Vec::new();
        self.alloc = 0;
        self.head = 0;
        self.len = 0;
        self.capacity = 0;
    }

    fn index(&self, offset: usize) -> usize {
        let cap = self.alloc;
        let i = self.head + offset;
        if i >= cap { i - cap } else { i }
    }

    /// Appends as much of `data` as fits; returns the count appended.
    pub fn enqueue(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.free());
        self.write_at(self.len, &data[..n]);
        self.len += n;
        n
    }

    /// Removes up to `buf.len()` bytes from the front into `buf`.
    pub fn dequeue(&mut self, buf: &mut [u8]) -> usize {
        let n = self.read_at(0, buf);
        self.discard(n);
        n
    }

    /// The readable bytes from the head up to the end of the storage or of
    /// the readable bytes, whichever comes first: all of them unless they
    /// wrap around (then [`RingBuffer::discard`] and call again for the rest).
    pub fn readable(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        let start = self.head;
        let n = self.len.min(self.alloc - start);
        &self.storage[start..start + n]
    }

    /// Drops `n` bytes (at most `len`) from the front.
    pub fn discard(&mut self, n: usize) {
        let n = n.min(self.len);
        if n == 0 {
            return;
        }
        // The head never jumps back when the ring empties: bytes written
        // past the readable end with `write_at` must stay where they are.
        self.head = self.index(n);
        self.len -= n;
    }

    /// Copies readable bytes starting at `offset` into `buf`; returns the count.
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> usize {
        if offset >= self.len {
            return 0;
        }
        let n = buf.len().min(self.len - offset);
        self.copy_out(offset, &mut buf[..n]);
        n
    }

    fn copy_out(&self, offset: usize, buf: &mut [u8]) {
        let start = self.index(offset);
        let first = buf.len().min(self.alloc - start);
        buf[..first].copy_from_slice(&self.storage[start..start + first]);
        let rest = buf.len() - first;
        buf[first..].copy_from_slice(&self.storage[..rest]);
    }

    /// Writes `data` at `offset` from the head without changing `len`.
    /// `offset + data.len()` must not exceed the capacity; bytes past it are
    /// ignored. Used for out-of-order data; [`RingBuffer::commit`] makes
    /// them readable once the gap before them is filled.
    pub fn write_at(&mut self, offset: usize, data: &[u8]) -> usize {
        if offset >= self.capacity {
            return 0;
        }
        let n = data.len().min(self.capacity - offset);
        self.reserve(offset + n);
        let cap = self.alloc;
        let start = self.index(offset);
        let first = n.min(cap - start);
        let init = self.storage.len();
        if start + first <= init {
            self.storage[start..start + first].copy_from_slice(&data[..first]);
        } else if start >= init {
            // First write this far: the gap before it (out-of-order data
            // lands ahead) is zeroed once; then the bytes are appended.
            self.storage.resize(start, 0);
            self.storage.extend_from_slice(&data[..first]);
        } else {
            let overlap = init - start;
            self.storage[start..init].copy_from_slice(&data[..overlap]);
            self.storage.extend_from_slice(&data[overlap..first]);
        }
        // A wrapped remainder lands below the head: `first` reached the
        // ring's end, so all of it is initialised by now.
        self.storage[..n - first].copy_from_slice(&data[first..n]);
        n
    }

    /// Makes `n` bytes written with `write_at` right after the readable end
    /// readable.
    pub fn commit(&mut self, n: usize) {
        self.len = (self.len + n).min(self.capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_is_the_contiguous_front() {
        let mut r = RingBuffer::new(8);
        assert_eq!(r.readable(), b"");
        r.enqueue(b"abcdef");
        assert_eq!(r.readable(), b"abcdef");
        r.discard(4);
        r.enqueue(b"ghijkl");
        // "efgh" up to the end of the storage, then "ijkl" from its start.
        assert_eq!(r.readable(), b"efgh");
        r.discard(4);
        assert_eq!(r.readable(), b"ijkl");
        r.discard(4);
        assert_eq!(r.readable(), b"");
    }

    #[test]
    fn wraps_around() {
        let mut r = RingBuffer::new(8);
        assert_eq!(r.enqueue(b"abcdef"), 6);
        let mut out = [0u8; 4];
        assert_eq!(r.dequeue(&mut out), 4);
        assert_eq!(&out, b"abcd");
        assert_eq!(r.enqueue(b"ghijklmn"), 6);
        assert_eq!(r.len(), 8);
        let mut all = [0u8; 8];
        assert_eq!(r.read_at(0, &mut all), 8);
        assert_eq!(&all, b"efghijkl");
        assert_eq!(r.read_at(6, &mut all), 2);
        assert_eq!(&all[..2], b"kl");
    }

    #[test]
    fn out_of_order_write_then_commit() {
        let mut r = RingBuffer::new(8);
        r.enqueue(b"ab");
        r.discard(2);
        r.enqueue(b"xy");
        assert_eq!(r.write_at(4, b"34"), 2);
        assert_eq!(r.write_at(2, b"12"), 2);
        r.commit(4);
        let mut out = [0u8; 8];
        assert_eq!(r.dequeue(&mut out), 6);
        assert_eq!(&out[..6], b"xy1234");
        assert_eq!(r.write_at(7, b"zz"), 1);
    }

    #[test]
    fn grows_on_demand_keeping_out_of_order_bytes() {
        let mut r = RingBuffer::new(20_000);
        assert_eq!(r.allocated(), 0);
        r.enqueue(&[1; 3000]);
        r.discard(2500);
        r.write_at(1000, &[9; 10]); // out of order, still inside 4 KiB
        assert_eq!(r.allocated(), 4096);
        r.enqueue(&[2; 5000]); // wraps, then grows
        assert_eq!(r.allocated(), 8192);
        let mut out = vec![0u8; 1500];
        assert_eq!(r.read_at(0, &mut out), 1500);
        assert_eq!(&out[..500], &[1; 500][..]);
        assert_eq!(&out[500..], &[2; 1000][..]);
        r.write_at(r.len() + 100, &[7; 10_000]); // needs 15600: doubles to 16 KiB
        assert_eq!(r.allocated(), 16_384);
        assert_eq!(r.write_at(19_999, &[1, 2]), 1); // capped at the capacity
        assert_eq!(r.allocated(), 20_000);
    }

    #[test]
    fn emptying_keeps_out_of_order_bytes_in_place() {
        let mut r = RingBuffer::new(8);
        r.enqueue(b"abc");
        r.write_at(4, b"XY"); // out of order, after a one-byte gap
        let mut out = [0u8; 3];
        assert_eq!(r.dequeue(&mut out), 3); // the ring is now empty
        r.write_at(0, b"-");
        r.commit(3);
        let mut all = [0u8; 3];
        assert_eq!(r.dequeue(&mut all), 3);
        assert_eq!(&all, b"-XY");
    }

    proptest::proptest! {
        #[test]
        fn behaves_like_a_vecdeque(ops in proptest::collection::vec((0u8..3, 0usize..20), 1..200)) {
            let mut ring = RingBuffer::new(16);
            let mut model = std::collections::VecDeque::new();
            let mut next = 0u8;
            for (op, n) in ops {
                match op {
                    0 => {
                        let data: Vec<u8> = (0..n).map(|_| { next = next.wrapping_add(1); next }).collect();
                        let k = ring.enqueue(&data);
                        proptest::prop_assert_eq!(k, n.min(16 - model.len()));
                        model.extend(&data[..k]);
                    }
                    1 => {
                        let mut buf = vec![0; n];
                        let k = ring.dequeue(&mut buf);
                        let expect: Vec<u8> = model.drain(..k.min(model.len())).collect();
                        proptest::prop_assert_eq!(&buf[..k], &expect[..]);
                    }
                    _ => {
                        let mut buf = vec![0; n];
                        let off = n / 2;
                        let k = ring.read_at(off, &mut buf);
                        let expect: Vec<u8> = model.iter().skip(off).take(n).copied().collect();
                        proptest::prop_assert_eq!(&buf[..k], &expect[..]);
                    }
                }
                proptest::prop_assert_eq!(ring.len(), model.len());
            }
        }

        /// Growth (4 KiB doubling to the capacity), wrap-around, bytes
        /// written ahead of the readable end and committed later, with
        /// storage initialised only as far as written: every read returns
        /// what was written at that offset.
        #[test]
        fn grows_and_writes_ahead_like_a_model(
            ops in proptest::collection::vec((0u8..4, 0usize..6000, 0usize..3000), 1..120)
        ) {
            const CAP: usize = 20_000;
            let mut ring = RingBuffer::new(CAP);
            // Offsets from the head: the readable bytes, then what was
            // written ahead (None: a gap).
            let mut model: std::collections::VecDeque<Option<u8>> = Default::default();
            let mut len = 0usize;
            let mut next = 0u8;
            let mut bytes = |n: usize| -> Vec<u8> {
                (0..n).map(|_| { next = next.wrapping_add(7); next }).collect()
            };
            for (op, a, b) in ops {
                match op {
                    0 => {
                        let data = bytes(a);
                        let k = ring.enqueue(&data);
                        proptest::prop_assert_eq!(k, a.min(CAP - len));
                        for (i, &x) in data[..k].iter().enumerate() {
                            if model.len() <= len + i { model.push_back(None); }
                            model[len + i] = Some(x);
                        }
                        len += k;
                    }
                    1 => {
                        let mut buf = vec![0; a];
                        let k = ring.dequeue(&mut buf);
                        proptest::prop_assert_eq!(k, a.min(len));
                        for &x in &buf[..k] {
                            proptest::prop_assert_eq!(model.pop_front(), Some(Some(x)));
                        }
                        len -= k;
                    }
                    2 => {
                        let off = len + b;
                        let data = bytes(a);
                        let k = ring.write_at(off, &data);
                        proptest::prop_assert_eq!(k, if off >= CAP { 0 } else { a.min(CAP - off) });
                        for (i, &x) in data[..k].iter().enumerate() {
                            while model.len() <= off + i { model.push_back(None); }
                            model[off + i] = Some(x);
                        }
                    }
                    _ => {
                        // Commit what was written right after the readable end.
                        let run = model.iter().skip(len).take_while(|x| x.is_some()).count();
                        let k = run.min(a);
                        ring.commit(k);
                        len += k;
                    }
                }
                proptest::prop_assert_eq!(ring.len(), len);
                let mut all = vec![0; len];
                proptest::prop_assert_eq!(ring.read_at(0, &mut all), len);
                for (i, &x) in all.iter().enumerate() {
                    proptest::prop_assert_eq!(model[i], Some(x));
                }
            }
        }
    }
}
