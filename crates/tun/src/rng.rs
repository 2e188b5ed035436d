//! A small seeded random number generator for the fault injector
//! (SplitMix64: one `u64` of state, good enough to decide packet drops), and
//! seeds from the OS.

use std::fs::File;
use std::io::Read;

/// SplitMix64 (Steele, Lea, Flood 2014).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// `N` bytes from the OS's random source (`/dev/urandom`), falling back to
/// the standard library's per-process hash keys if it cannot be read.
pub fn os_random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut out))
        .is_ok()
    {
        return out;
    }
    use std::hash::{BuildHasher, RandomState};
    let s = RandomState::new();
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let v = s.hash_one(i).to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_uniform_enough() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        assert_eq!(a.next_u64(), b.next_u64());
        let mut r = SplitMix64::new(1);
        let hits = (0..100_000).filter(|_| r.next_f64() < 0.25).count();
        assert!((23_000..27_000).contains(&hits), "{hits}");
        assert_ne!(os_random::<16>(), [0u8; 16]);
    }
}
