//! Selective acknowledgements, receiver side (RFC 2018): the SACK blocks
//! our ACKs carry while out-of-order data is held.

use super::Connection;
use crate::seq::SeqNum;
use crate::wire::SackBlocks;

impl Connection {
    /// Records the range of an out-of-order segment just stored: the first
    /// SACK block must report the block that holds it (RFC 2018 section 4).
    pub(super) fn note_out_of_order(&mut self, start: SeqNum, end: SeqNum) {
        if self.sack_ok {
            self.sack_latest = Some((start, end));
        }
    }

    /// The SACK blocks for an ACK sent now (RFC 2018 section 4): the block
    /// holding the most recently received segment first, then the other
    /// blocks from the highest down (the most recently filled ones, when
    /// data arrives in order with holes behind). Empty unless SACK was
    /// negotiated and out-of-order data is held. The emitter keeps as many
    /// as fit beside the other options.
    pub(super) fn sack_blocks(&self) -> SackBlocks {
        let mut blocks = SackBlocks::default();
        if !self.sack_ok || self.assembler.is_empty() {
            return blocks;
        }
        let ranges = self.assembler.ranges();
        let first = self
            .sack_latest
            .and_then(|(start, _)| ranges.iter().position(|&(s, e)| start.ge(s) && start.lt(e)));
        if let Some(i) = first {
            blocks.push(ranges[i].0, ranges[i].1);
        }
        for (i, &(s, e)) in ranges.iter().enumerate().rev() {
            if Some(i) != first && !blocks.push(s, e) {
                break;
            }
        }
        blocks
    }
}
