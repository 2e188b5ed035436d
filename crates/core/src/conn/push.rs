//! Where PSH goes under [`PushPolicy::WriteBoundary`]: the sequence
//! numbers that end the application's writes ("push points"), kept the
//! way Linux keeps PSH on its send-queue buffers (skbs).
//!
//! RFC 9293 3.9.1.2 gives two placements. Without PUSH flags on SEND the
//! sender "MUST set the PSH bit in the last buffered segment (i.e., when
//! there is no more queued data to be sent)" (MUST-61): the default,
//! [`PushPolicy::QueueEmpty`], also FreeBSD's `tcp_output`. With the PUSH
//! flag on every SEND, as Linux treats each `write()` (`tcp_push` →
//! `tcp_mark_push`), "the PSH bit will be set in the last TCP segment
//! created from the buffer", and "the transmitter SHOULD collapse
//! successive bits when it packetizes data" (SHLD-27). Linux also marks
//! an skb filled in the middle of a write once the write has gone past
//! half the peer's largest window since the last mark (`forced_push`); a
//! write that appends to the unsent last skb first clears that skb's mark
//! (the collapse); when an skb is cut (`tcp_fragment`, `tso_fragment`)
//! only the last piece keeps it, and a retransmission carries its piece's
//! flag. Here an skb's mark is its end sequence number, and a segment
//! (new or resent) carries PSH when a push point falls within it:
//! `seq < p <= seq + len`.
//!
//! [`PushPolicy::QueueEmpty`]: crate::config::PushPolicy::QueueEmpty
//! [`PushPolicy::WriteBoundary`]: crate::config::PushPolicy::WriteBoundary

use crate::seq::SeqNum;

/// Push points kept at most: a fixed array, so queuing data never
/// allocates. When full, a new point replaces the newest one (the two
/// latest writes are collapsed, as if written at once, which SHLD-27
/// allows): the points still to be sent or resent soonest stay exact.
pub(crate) const PUSH_POINTS: usize = 16;

/// The push points in increasing sequence order, and the skb bookkeeping
/// Linux's `tcp_sendmsg` does.
#[derive(Clone, Debug)]
pub(crate) struct PushPoints {
    points: [SeqNum; PUSH_POINTS],
    len: usize,
    /// Start of the last skb of the send queue (Linux's
    /// `tcp_write_queue_tail`): new data is appended to it while it is
    /// unsent and shorter than the size goal.
    tail_start: SeqNum,
    /// Linux's `pushed_seq`: where the last push mark was set.
    pushed_seq: SeqNum,
}

impl PushPoints {
    /// No points; data will start at `start` (ISS + 1).
    pub(crate) fn new(start: SeqNum) -> Self {
        PushPoints {
            points: [start; PUSH_POINTS],
            len: 0,
            tail_start: start,
            pushed_seq: start,
        }
    }

    /// The points, lowest first.
    pub(crate) fn as_slice(&self) -> &[SeqNum] {
        &self.points[..self.len]
    }

    /// A point within `(start, end]`?
    pub(crate) fn any_in(&self, start: SeqNum, end: SeqNum) -> bool {
        self.as_slice().iter().any(|&p| p.gt(start) && p.le(end))
    }

    /// The lowest point within `(start, end)`, if any.
    pub(crate) fn first_inside(&self, start: SeqNum, end: SeqNum) -> Option<SeqNum> {
        self.as_slice()
            .iter()
            .copied()
            .find(|&p| p.gt(start) && p.lt(end))
    }

    /// Forgets the points at or below `una` (acknowledged data).
    pub(crate) fn acked(&mut self, una: SeqNum) {
        let keep = self.as_slice().iter().filter(|&&p| p.gt(una)).count();
        let drop = self.len - keep;
        if drop > 0 {
            self.points.copy_within(drop..self.len, 0);
            self.len = keep;
        }
    }

    fn mark(&mut self, p: SeqNum) {
        self.pushed_seq = p;
        if self.len > 0 && self.points[self.len - 1].ge(p) {
            return;
        }
        if self.len == PUSH_POINTS {
            self.points[PUSH_POINTS - 1] = p;
        } else {
            self.points[self.len] = p;
            self.len += 1;
        }
    }

    fn unmark(&mut self, p: SeqNum) {
        if self.len > 0 && self.points[self.len - 1] == p {
            self.len -= 1;
        }
    }

    /// A write queued the bytes `[old_end, new_end)`. `unsent` is the
    /// first byte never sent, `size_goal` the skb size (Linux's
    /// `tcp_xmit_size_goal`), `max_window` the largest window the peer
    /// offered. Follows `tcp_sendmsg_locked`: fill the unsent tail skb
    /// (clearing its mark), then new skbs of `size_goal`; a full skb with
    /// more to come is marked when the write has passed half of
    /// `max_window` since the last mark; the last skb is marked, unless
    /// more is to come (`MSG_MORE`, `push_end` false) and the write has
    /// not passed half of `max_window` since the last mark (`tcp_push`).
    pub(crate) fn on_write(
        &mut self,
        old_end: SeqNum,
        new_end: SeqNum,
        unsent: SeqNum,
        size_goal: usize,
        max_window: usize,
        push_end: bool,
    ) {
        if new_end.le(old_end) {
            return;
        }
        let size_goal = size_goal.max(1);
        let mut seq = old_end;
        let tail = self.tail_start.max(unsent);
        if old_end.gt(unsent) && old_end.since(tail) < size_goal {
            // The unsent tail skb takes the first bytes; its mark goes.
            self.tail_start = tail;
            self.unmark(old_end);
        } else {
            self.tail_start = old_end;
        }
        loop {
            let room = size_goal - seq.since(self.tail_start).min(size_goal);
            let take = room.min(new_end.since(seq));
            seq += take;
            if seq == new_end {
                break;
            }
            // The skb is full and the write goes on (`forced_push`).
            if seq.since(self.pushed_seq) > max_window / 2 {
                self.mark(seq);
            }
            self.tail_start = seq;
        }
        if push_end || new_end.since(self.pushed_seq) > max_window / 2 {
            self.mark(new_end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u32) -> SeqNum {
        SeqNum(n)
    }

    #[test]
    fn each_write_end_is_a_point_until_acked() {
        let mut p = PushPoints::new(s(1));
        p.on_write(s(1), s(101), s(1), 1000, 65535, true);
        // Sent, then a second write starts a new skb.
        p.on_write(s(101), s(201), s(101), 1000, 65535, true);
        assert_eq!(p.as_slice(), &[s(101), s(201)]);
        assert!(p.any_in(s(1), s(101)));
        assert!(!p.any_in(s(101), s(150)));
        p.acked(s(101));
        assert_eq!(p.as_slice(), &[s(201)]);
    }

    #[test]
    fn appending_to_the_unsent_tail_moves_its_point() {
        let mut p = PushPoints::new(s(1));
        p.on_write(s(1), s(101), s(1), 1000, 65535, true);
        // Nothing sent yet: the second write joins the same skb.
        p.on_write(s(101), s(201), s(1), 1000, 65535, true);
        assert_eq!(p.as_slice(), &[s(201)]);
        // A full tail skb keeps its mark.
        let mut q = PushPoints::new(s(1));
        q.on_write(s(1), s(1001), s(1), 1000, 65535, true);
        q.on_write(s(1001), s(1101), s(1), 1000, 65535, true);
        assert_eq!(q.as_slice(), &[s(1001), s(1101)]);
    }

    #[test]
    fn a_long_write_is_pushed_past_half_the_window() {
        let mut p = PushPoints::new(s(1));
        // 10-byte skbs, window 40: marks once 20 bytes pass the last mark,
        // at skb ends only.
        p.on_write(s(1), s(61), s(1), 10, 40, true);
        assert_eq!(p.as_slice(), &[s(31), s(61)]);
    }

    #[test]
    fn a_full_ring_coalesces_the_newest() {
        let mut p = PushPoints::new(s(0));
        for i in 0..(PUSH_POINTS as u32 + 3) {
            p.on_write(s(i * 10), s(i * 10 + 10), s(i * 10), 1000, 65535, true);
        }
        assert_eq!(p.as_slice().len(), PUSH_POINTS);
        assert_eq!(p.as_slice()[0], s(10));
        assert_eq!(
            *p.as_slice().last().unwrap(),
            s((PUSH_POINTS as u32 + 3) * 10)
        );
    }
}
