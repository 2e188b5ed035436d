//! TCP options (RFC 9293 3.1, 3.2; RFC 7323; RFC 2018).
//!
//! Parsing is tolerant as RFC 9293 requires: any option may appear in any
//! order and alignment (MUST-4), unknown options are skipped by their length
//! (MUST-6), and an option whose length is impossible makes the segment
//! malformed (MUST-7).

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
