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

    /// Does this ACK SACK data above SND.UNA that no earlier ACK did
    /// (RFC 6675's DupAck condition)? Here "new" means beyond the highest
    /// SACKed sequence number seen so far, which is what each segment
    /// arriving after a loss reports (the scoreboard of `scoreboard.rs`
    /// gives the exact count for RFC 6675 recovery). D-SACK blocks (at or
    /// below SND.UNA, RFC 2883) and blocks past SND.MAX count for nothing.
    pub(super) fn sack_reports_new_data(&mut self, seg: &crate::wire::TcpRepr) -> bool {
        if !self.sack_ok {
            return false;
        }
        // Keep the mark within reach of the wrapping comparisons.
        if self.sack_high.lt(self.snd_una) {
            self.sack_high = self.snd_una;
        }
        let mut new = false;
        for &(left, right) in seg.options.sack_blocks.as_slice() {
            if left.gt(self.snd_una)
                && left.lt(right)
                && right.le(self.snd_max)
                && right.gt(self.sack_high)
            {
                self.sack_high = right;
                new = true;
            }
        }
        new
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
