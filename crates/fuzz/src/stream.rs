//! The byte streams the endpoint harness sends and expects: each byte is
//! a function of its offset in the stream, so any byte read or sent can
//! be checked without remembering what was written.
//!
//! A byte is `table[offset % PERIOD]`, from a table built once per
//! process. Runs of bytes are then copied and compared with `memcpy` and
//! `memcmp`, which the coverage instrumentation leaves alone; a loop per
//! byte called the coverage hook for every byte and took about half of
//! the fuzzer's time. `PERIOD` is prime, so no power-of-two shift (a
//! window-scale mistake, a wrapped sequence number) maps a byte onto one
//! equal to it by construction.

use std::sync::OnceLock;

/// Bytes before a stream repeats.
const PERIOD: usize = 65_521;
/// The longest run copied or compared at once (a run is split at the
/// 2^32 wrap of the offset, and longer runs in pieces of this size).
const RUN: usize = 65_536;

/// Which stream.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    /// What the harness's peers send.
    Peer,
    /// What the harness's application writes.
    App,
}

fn table(stream: Stream) -> &'static [u8] {
    static PEER: OnceLock<Vec<u8>> = OnceLock::new();
    static APP: OnceLock<Vec<u8>> = OnceLock::new();
    let (cell, mix): (_, fn(u32) -> u8) = match stream {
        Stream::Peer => (&PEER, |i| (i.wrapping_mul(0x9E37_79B1) >> 24) as u8),
        Stream::App => (&APP, |i| {
            ((i ^ 0x5A5A_5A5A).wrapping_mul(0x85EB_CA6B) >> 24) as u8
        }),
    };
    // The table is PERIOD + RUN long, so any run starting inside the
    // period is one contiguous slice.
    cell.get_or_init(|| {
        (0..PERIOD + RUN)
            .map(|i| mix((i % PERIOD) as u32))
            .collect()
    })
}

/// The pieces of `len` bytes from offset `start`: (position in the run,
/// slice of the table).
fn pieces(stream: Stream, start: u32, len: usize) -> impl Iterator<Item = (usize, &'static [u8])> {
    let t = table(stream);
    let mut done = 0;
    core::iter::from_fn(move || {
        if done == len {
            return None;
        }
        let off = start.wrapping_add(done as u32);
        // Up to the offset's 2^32 wrap, where `off % PERIOD` jumps.
        let to_wrap = (1u64 << 32) - u64::from(off);
        let n = (len - done)
            .min(RUN)
            .min(usize::try_from(to_wrap).unwrap_or(RUN));
        let at = off as usize % PERIOD;
        let piece = (done, &t[at..at + n]);
        done += n;
        Some(piece)
    })
}

/// Writes the stream's bytes from offset `start` into `out`.
pub fn fill(stream: Stream, start: u32, out: &mut [u8]) {
    let len = out.len();
    for (at, piece) in pieces(stream, start, len) {
        out[at..at + piece.len()].copy_from_slice(piece);
    }
}

/// The offset of the first byte of `bytes` that is not the stream's byte
/// there, if any (`bytes` stands at offset `start`).
pub fn mismatch(stream: Stream, start: u32, bytes: &[u8]) -> Option<u32> {
    for (at, piece) in pieces(stream, start, bytes.len()) {
        let got = &bytes[at..at + piece.len()];
        if got != piece {
            let k = got.iter().zip(piece).position(|(a, b)| a != b).unwrap_or(0);
            return Some(start.wrapping_add((at + k) as u32));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn byte(stream: Stream, off: u32) -> u8 {
        let mut b = [0];
        fill(stream, off, &mut b);
        b[0]
    }

    #[test]
    fn runs_agree_with_single_bytes_across_the_wrap_and_the_period() {
        for start in [0, 7, PERIOD as u32 - 3, u32::MAX - 5, u32::MAX] {
            let mut run = vec![0; 200_000];
            fill(Stream::App, start, &mut run);
            for (k, &b) in run
                .iter()
                .enumerate()
                .step_by(997)
                .chain(run.iter().enumerate().take(20))
            {
                assert_eq!(b, byte(Stream::App, start.wrapping_add(k as u32)));
            }
            assert_eq!(mismatch(Stream::App, start, &run), None);
            run[150_001] ^= 1;
            assert_eq!(
                mismatch(Stream::App, start, &run),
                Some(start.wrapping_add(150_001))
            );
        }
    }

    #[test]
    fn the_streams_differ_and_do_not_repeat_before_the_period() {
        let mut peer = vec![0; PERIOD];
        let mut app = vec![0; PERIOD];
        fill(Stream::Peer, 0, &mut peer);
        fill(Stream::App, 0, &mut app);
        assert_ne!(peer, app);
        // A stream shifted by a power of two is not itself.
        for shift in [1u32 << 10, 1 << 14, 1 << 16] {
            assert!(mismatch(Stream::Peer, shift, &peer).is_some());
        }
    }
}
