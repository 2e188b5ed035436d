//! TCP options (RFC 9293 3.1, 3.2; RFC 7323; RFC 2018).
//!
//! Parsing is tolerant as RFC 9293 requires: any option may appear in any
//! order and alignment (MUST-4), unknown options are skipped by their length
//! (MUST-6), and an option whose length is impossible makes the segment
//! malformed (MUST-7).

use super::WireError;
use crate::seq::SeqNum;

/// Option kinds.
pub mod kind {
    /// End of option list.
    pub const EOL: u8 = 0;
    /// No-operation.
    pub const NOP: u8 = 1;
    /// Maximum segment size.
    pub const MSS: u8 = 2;
    /// Window scale (RFC 7323).
    pub const WINDOW_SCALE: u8 = 3;
    /// SACK permitted (RFC 2018).
    pub const SACK_PERMITTED: u8 = 4;
    /// SACK blocks (RFC 2018).
    pub const SACK: u8 = 5;
    /// Timestamps (RFC 7323).
    pub const TIMESTAMPS: u8 = 8;
}

/// TSval / TSecr pair (RFC 7323 section 3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timestamps {
    /// Sender's timestamp value.
    pub tsval: u32,
    /// Echo of the peer's most recent timestamp.
    pub tsecr: u32,
}

/// Up to four SACK blocks, each `[left, right)` (RFC 2018 section 3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SackBlocks {
    len: u8,
    blocks: [(SeqNum, SeqNum); 4],
}

impl SackBlocks {
    /// Maximum number of blocks that fit in the option space.
    pub const MAX: usize = 4;

    /// Appends a block; returns false (and drops it) when full.
    pub fn push(&mut self, left: SeqNum, right: SeqNum) -> bool {
        if (self.len as usize) < Self::MAX {
            self.blocks[self.len as usize] = (left, right);
            self.len += 1;
            true
        } else {
            false
        }
    }

    /// The blocks present.
    pub fn as_slice(&self) -> &[(SeqNum, SeqNum)] {
        &self.blocks[..self.len as usize]
    }

    /// Number of blocks.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// No blocks?
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The options synack understands; others are skipped when parsing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    /// Maximum segment size (SYN only).
    pub mss: Option<u16>,
    /// Window scale shift count (SYN only; RFC 7323 2.2).
    pub window_scale: Option<u8>,
    /// SACK-permitted (SYN only).
    pub sack_permitted: bool,
    /// SACK blocks.
    pub sack_blocks: SackBlocks,
    /// Timestamps.
    pub timestamps: Option<Timestamps>,
}

/// Most option bytes a TCP header can carry (data offset 15 words).
pub const MAX_LEN: usize = 40;

/// Largest window-scale shift count (RFC 7323 section 2.3).
pub const MAX_WINDOW_SCALE: u8 = 14;

impl TcpOptions {
    /// Parses the option area of a TCP header.
    ///
    /// Options may come in any order and alignment (RFC 9293 MUST-4, MUST-5);
    /// EOL ends the list; NOP is skipped; unknown kinds are skipped by their
    /// length (MUST-6). A length byte missing, below 2 or running past the
    /// area, or a known option with a length other than its own, gives
    /// [`WireError::BadOption`] (MUST-7). A window scale above 14 is stored
    /// as 14 (RFC 7323 2.3); SACK blocks beyond four are dropped. When an
    /// option repeats, the last one wins.
    pub fn parse(bytes: &[u8]) -> Result<TcpOptions, WireError> {
        let mut opts = TcpOptions::default();
        let mut rest = bytes;
        while let [kind, tail @ ..] = rest {
            match *kind {
                kind::EOL => break,
                kind::NOP => {
                    rest = tail;
                    continue;
                }
                _ => {}
            }
            let len = usize::from(*tail.first().ok_or(WireError::BadOption)?);
            if len < 2 || len > rest.len() {
                return Err(WireError::BadOption);
            }
            opts.apply(*kind, &rest[2..len])?;
            rest = &rest[len..];
        }
        Ok(opts)
    }

    /// Records one option with kind `kind` and value bytes `body` (the bytes
    /// after kind and length).
    fn apply(&mut self, kind: u8, body: &[u8]) -> Result<(), WireError> {
        match (kind, body) {
            (kind::MSS, &[a, b]) => self.mss = Some(u16::from_be_bytes([a, b])),
            (kind::WINDOW_SCALE, &[shift]) => {
                self.window_scale = Some(shift.min(MAX_WINDOW_SCALE));
            }
            (kind::SACK_PERMITTED, &[]) => self.sack_permitted = true,
            (kind::SACK, _) if !body.is_empty() && body.len() & 7 == 0 => {
                self.sack_blocks = SackBlocks::default();
                for b in body.chunks_exact(8).take(SackBlocks::MAX) {
                    let left = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
                    let right = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
                    self.sack_blocks.push(SeqNum(left), SeqNum(right));
                }
            }
            (kind::TIMESTAMPS, &[a, b, c, d, e, f, g, h]) => {
                self.timestamps = Some(Timestamps {
                    tsval: u32::from_be_bytes([a, b, c, d]),
                    tsecr: u32::from_be_bytes([e, f, g, h]),
                });
            }
            (kind::MSS | kind::WINDOW_SCALE | kind::SACK_PERMITTED, _) => {
                return Err(WireError::BadOption);
            }
            (kind::SACK | kind::TIMESTAMPS, _) => return Err(WireError::BadOption),
            _ => {} // Unknown kind: skipped (RFC 9293 MUST-6).
        }
        Ok(())
    }

    /// Bytes taken by everything but the SACK blocks, in the emitted layout.
    fn base_len(&self) -> usize {
        let mut len = 0;
        if self.mss.is_some() {
            len += 4;
        }
        if self.timestamps.is_some() {
            len += 12; // SACKOK+TS, or NOP,NOP,TS
        } else if self.sack_permitted {
            len += 4; // NOP,NOP,SACKOK
        }
        if self.window_scale.is_some() {
            len += 4; // NOP,WS
        }
        len
    }

    /// How many SACK blocks [`TcpOptions::emit`] can fit beside the other
    /// options in the 40-byte option space (at most 3 with timestamps, 4
    /// without). Blocks past this many are dropped when emitting.
    pub fn sack_capacity(&self) -> usize {
        let room = MAX_LEN - self.base_len();
        if room < 12 {
            0
        } else {
            ((room - 4) / 8).min(SackBlocks::MAX)
        }
    }

    fn emitted_sack_blocks(&self) -> &[(SeqNum, SeqNum)] {
        let blocks = self.sack_blocks.as_slice();
        &blocks[..blocks.len().min(self.sack_capacity())]
    }

    /// Length of the emitted options, padded to a multiple of 4 (at most 40).
    pub fn wire_len(&self) -> usize {
        let n = self.emitted_sack_blocks().len();
        let sack = if n > 0 { 4 + 8 * n } else { 0 };
        (self.base_len() + sack + 3) & !3
    }

    /// Writes the options in Linux's order and alignment and returns
    /// [`TcpOptions::wire_len`]: MSS; SACKOK+TS (or NOP,NOP,TS or
    /// NOP,NOP,SACKOK); NOP,WS; NOP,NOP,SACK; EOL padding. SACK blocks that do
    /// not fit are dropped (see [`TcpOptions::sack_capacity`]). The window
    /// scale and MSS are written as given.
    ///
    /// # Panics
    /// If `buf` is shorter than [`TcpOptions::wire_len`].
    pub fn emit(&self, buf: &mut [u8]) -> usize {
        let len = self.wire_len();
        assert!(buf.len() >= len, "option buffer too small");
        let mut w = Writer { buf, pos: 0 };
        if let Some(mss) = self.mss {
            let [a, b] = mss.to_be_bytes();
            w.put(&[kind::MSS, 4, a, b]);
        }
        match (self.timestamps, self.sack_permitted) {
            (Some(ts), sack_ok) => {
                if sack_ok {
                    w.put(&[kind::SACK_PERMITTED, 2]);
                } else {
                    w.put(&[kind::NOP, kind::NOP]);
                }
                w.put(&[kind::TIMESTAMPS, 10]);
                w.put(&ts.tsval.to_be_bytes());
                w.put(&ts.tsecr.to_be_bytes());
            }
            (None, true) => w.put(&[kind::NOP, kind::NOP, kind::SACK_PERMITTED, 2]),
            (None, false) => {}
        }
        if let Some(shift) = self.window_scale {
            w.put(&[kind::NOP, kind::WINDOW_SCALE, 3, shift]);
        }
        let blocks = self.emitted_sack_blocks();
        if !blocks.is_empty() {
            w.put(&[
                kind::NOP,
                kind::NOP,
                kind::SACK,
                (2 + 8 * blocks.len()) as u8,
            ]);
            for (left, right) in blocks {
                w.put(&left.0.to_be_bytes());
                w.put(&right.0.to_be_bytes());
            }
        }
        let pad = len - w.pos;
        w.put(&[kind::EOL; 3][..pad]);
        len
    }
}

/// A cursor over an output slice already checked to be large enough.
struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.pos..self.pos + bytes.len()].copy_from_slice(bytes);
        self.pos += bytes.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testing;

    fn emit_vec(o: &TcpOptions) -> Vec<u8> {
        let mut buf = [0xaa; MAX_LEN];
        let n = o.emit(&mut buf);
        assert_eq!(n, o.wire_len());
        buf[..n].to_vec()
    }

    fn blocks(n: u32) -> SackBlocks {
        let mut b = SackBlocks::default();
        for i in 0..n {
            b.push(SeqNum(100 * i), SeqNum(100 * i + 50));
        }
        b
    }

    #[test]
    fn linux_syn_layout() {
        let o = TcpOptions {
            mss: Some(1460),
            window_scale: Some(7),
            sack_permitted: true,
            timestamps: Some(Timestamps { tsval: 1, tsecr: 0 }),
            ..Default::default()
        };
        #[rustfmt::skip]
        let expected = [
            2, 4, 0x05, 0xb4,
            4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
            1, 3, 3, 7,
        ];
        assert_eq!(emit_vec(&o), expected);
        assert_eq!(TcpOptions::parse(&expected), Ok(o));
    }

    #[test]
    fn nop_aligned_layouts() {
        let ts = Timestamps {
            tsval: 0x01020304,
            tsecr: 0x05060708,
        };
        let o = TcpOptions {
            timestamps: Some(ts),
            ..Default::default()
        };
        assert_eq!(emit_vec(&o), [1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8]);
        let o = TcpOptions {
            sack_permitted: true,
            ..Default::default()
        };
        assert_eq!(emit_vec(&o), [1, 1, 4, 2]);
        let o = TcpOptions {
            sack_blocks: blocks(1),
            ..Default::default()
        };
        assert_eq!(emit_vec(&o), [1, 1, 5, 10, 0, 0, 0, 0, 0, 0, 0, 50]);
        assert_eq!(emit_vec(&TcpOptions::default()), [0u8; 0]);
    }

    #[test]
    fn sack_blocks_capped_to_space() {
        let ts = Some(Timestamps::default());
        let o = TcpOptions {
            sack_blocks: blocks(4),
            ..Default::default()
        };
        assert_eq!((o.sack_capacity(), o.wire_len()), (4, 36));
        let o = TcpOptions {
            sack_blocks: blocks(4),
            timestamps: ts,
            ..Default::default()
        };
        assert_eq!((o.sack_capacity(), o.wire_len()), (3, 40));
        let parsed = TcpOptions::parse(&emit_vec(&o)).unwrap();
        assert_eq!(parsed.sack_blocks, blocks(3));
        let o = TcpOptions {
            mss: Some(1),
            window_scale: Some(1),
            sack_blocks: blocks(4),
            timestamps: ts,
            sack_permitted: true,
        };
        assert_eq!((o.sack_capacity(), o.wire_len()), (2, 40));
    }

    #[test]
    fn parses_odd_alignment_and_unknown_kinds() {
        #[rustfmt::skip]
        let bytes = [
            3, 3, 9,                    // WS at offset 0
            254, 6, 1, 2, 3, 4,         // unknown experimental option
            2, 4, 0x12, 0x34,           // MSS at odd offset
            1,                          // NOP
            8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
            4, 2,
            5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
            0, 2, 1,                    // EOL: the rest is ignored
        ];
        let o = TcpOptions::parse(&bytes).unwrap();
        assert_eq!(o.window_scale, Some(9));
        assert_eq!(o.mss, Some(0x1234));
        assert_eq!(o.timestamps, Some(Timestamps { tsval: 7, tsecr: 9 }));
        assert!(o.sack_permitted);
        assert_eq!(
            o.sack_blocks.as_slice(),
            &[(SeqNum(1), SeqNum(2)), (SeqNum(3), SeqNum(4))]
        );
    }

    #[test]
    fn malformed_lengths_are_rejected() {
        let bad: &[&[u8]] = &[
            &[2],           // no length byte
            &[1, 1, 99],    // no length byte after NOPs
            &[2, 0, 0, 0],  // length < 2
            &[99, 1],       // length < 2, unknown kind
            &[99, 5, 0, 0], // runs past the area
            &[2, 3, 0],     // MSS len 3
            &[3, 4, 1, 0],  // WS len 4
            &[4, 3, 0],     // SACK-permitted len 3
            &[5, 2],        // SACK with no block
            &[5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[8, 8, 0, 0, 0, 0, 0, 0], // timestamps len 8
        ];
        for b in bad {
            assert_eq!(TcpOptions::parse(b), Err(WireError::BadOption), "{b:?}");
        }
    }

    #[test]
    fn window_scale_clamped_and_last_option_wins() {
        assert_eq!(
            TcpOptions::parse(&[3, 3, 15]).unwrap().window_scale,
            Some(14)
        );
        assert_eq!(
            TcpOptions::parse(&[3, 3, 255]).unwrap().window_scale,
            Some(14)
        );
        let o = TcpOptions::parse(&[2, 4, 0, 1, 2, 4, 0, 2]).unwrap();
        assert_eq!(o.mss, Some(2));
    }

    #[test]
    fn more_than_four_sack_blocks_keep_the_first_four() {
        let mut bytes = vec![5, 42];
        for i in 0u32..10 {
            bytes.extend_from_slice(&i.to_be_bytes());
        }
        let o = TcpOptions::parse(&bytes).unwrap();
        let expected: Vec<_> = (0..4).map(|i| (SeqNum(2 * i), SeqNum(2 * i + 1))).collect();
        assert_eq!(o.sack_blocks.as_slice(), &expected[..]);
    }

    proptest::proptest! {
        #[test]
        fn emit_parse_round_trip(o in testing::options()) {
            let bytes = emit_vec(&o);
            proptest::prop_assert!(bytes.len() <= MAX_LEN && bytes.len() & 3 == 0);
            proptest::prop_assert_eq!(TcpOptions::parse(&bytes), Ok(testing::after_round_trip(&o)));
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            if let Ok(o) = TcpOptions::parse(&bytes) {
                proptest::prop_assert!(o.window_scale.is_none_or(|s| s <= 14));
                proptest::prop_assert!(o.sack_blocks.len() <= SackBlocks::MAX);
            }
        }
    }
}
