//! The retransmission queue's per-segment record (RFC 8985 section 5.1):
//! each sent range between SND.UNA and SND.MAX with its latest transmit
//! time, whether it was retransmitted, SACKed or deemed lost by RACK. A
//! ring grown on demand up to a fixed capacity (an idle connection holds
//! none; a busy one stops allocating once its flight stops growing). When
//! full, a new segment is merged into the last record (which then carries
//! the later time: loss is detected later for it, never too early).

use crate::seq::SeqNum;
use crate::time::Instant;
use std::collections::VecDeque;

/// Records kept.
pub const CAPACITY: usize = 256;

/// One sent range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentSeg {
    /// First sequence number.
    pub start: SeqNum,
    /// One past the last.
    pub end: SeqNum,
    /// Latest transmission (RFC 8985 `Segment.xmit_ts`).
    pub xmit: Instant,
    /// Sent more than once (`Segment.retransmitted`).
    pub rexmit: bool,
    /// Covered by SACK blocks.
    pub sacked: bool,
    /// RACK deemed it lost; cleared when it is resent.
    pub lost: bool,
    /// Deemed lost (by RACK or a timeout) and not SACKed since, resent or
    /// not: Linux's `TCPCB_LOST`, what `tcpi_lost` counts.
    pub lost_out: bool,
    /// The first piece of a (TSO) segment as last sent: a resend stops
    /// before it, as Linux resends skb by skb.
    pub packet_start: bool,
}

const EMPTY: SentSeg = SentSeg {
    start: SeqNum(0),
    end: SeqNum(0),
    xmit: Instant::ZERO,
    rexmit: false,
    sacked: false,
    lost: false,
    lost_out: false,
    packet_start: true,
};

/// The sent segments, lowest first.
/// The log: a ring of records in sequence order, allocated on the first
/// send and grown by doubling up to [`CAPACITY`], never shrunk (so a busy
/// connection stops allocating once its flight stops growing, and an idle
/// one holds nothing).
#[derive(Clone, Debug, Default)]
pub struct SentLog {
    segs: VecDeque<SentSeg>,
}

impl SentLog {
    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.segs.capacity() * core::mem::size_of::<SentSeg>()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.segs.len()
    }

    /// No record.
    pub fn is_empty(&self) -> bool {
        self.segs.is_empty()
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.segs.clear();
    }

    /// The `i`-th record from the lowest.
    pub fn get(&self, i: usize) -> &SentSeg {
        &self.segs[i]
    }

    /// The `i`-th record, mutably.
    pub fn get_mut(&mut self, i: usize) -> &mut SentSeg {
        &mut self.segs[i]
    }

    /// The highest record.
    pub fn last(&self) -> Option<&SentSeg> {
        self.segs.back()
    }

    /// Forgets what was recorded from `seq` on (a segment the device
    /// refused, `Connection::on_transmit_failed`).
    pub fn forget_from(&mut self, seq: SeqNum) {
        while let Some(last) = self.segs.back_mut() {
            if last.start.ge(seq) {
                self.segs.pop_back();
            } else {
                if last.end.gt(seq) {
                    last.end = seq;
                }
                return;
            }
        }
    }

    /// Records `[start, end)` sent at `now` (`packet_start`: the first
    /// piece of its segment): new data is appended, a retransmission
    /// refreshes the records it overlaps.
    pub fn on_send(&mut self, start: SeqNum, end: SeqNum, now: Instant, packet_start: bool) {
        let top = self.last().map(|s| s.end);
        if let Some(top) = top
            && start.lt(top)
        {
            for s in self.segs.iter_mut() {
                if s.start.lt(end) && s.end.gt(start) {
                    s.xmit = now;
                    s.rexmit = true;
                    s.lost = false;
                    s.packet_start = packet_start;
                }
            }
            if end.le(top) {
                return;
            }
        }
        let start = top.map_or(start, |t| start.max(t));
        let seg = SentSeg {
            start,
            end,
            xmit: now,
            packet_start,
            ..EMPTY
        };
        if self.segs.len() == CAPACITY
            && let Some(last) = self.segs.back_mut()
        {
            last.end = end;
            last.xmit = now;
            last.sacked = false;
            last.lost_out = false;
            return;
        }
        if self.segs.len() == self.segs.capacity() {
            // Doubling, from a few records, up to the cap.
            let more = self.segs.capacity().clamp(16, CAPACITY - self.segs.len());
            self.segs.reserve_exact(more);
        }
        self.segs.push_back(seg);
    }

    /// When the newest not-yet-SACKed record that the cumulative ACK
    /// `ack` covers in full was sent, and whether any record it covers was
    /// resent (Linux's `last_ackt` and `FLAG_RETRANS_DATA_ACKED`).
    pub fn newest_acked(&self, ack: SeqNum) -> (Option<Instant>, bool) {
        let mut newest = None;
        let mut resent = false;
        for s in self.segs.iter().take_while(|s| s.end.le(ack)) {
            resent |= s.rexmit;
            if !s.sacked {
                newest = Some(s.xmit);
            }
        }
        (newest, resent)
    }

    /// Where the first segment sent after `seq` began: a resend from
    /// `seq` ends there.
    pub fn next_packet_start(&self, seq: SeqNum) -> Option<SeqNum> {
        self.segs
            .iter()
            .find(|s| s.start.gt(seq) && s.packet_start)
            .map(|s| s.start)
    }

    /// Drops what the cumulative ACK `una` covers, passing each record
    /// newly acknowledged in full (and not SACKed before) to `delivered`.
    pub fn advance(&mut self, una: SeqNum, mut delivered: impl FnMut(&SentSeg)) {
        while let Some(&s) = self.segs.front() {
            if s.end.gt(una) {
                if s.start.lt(una) {
                    self.get_mut(0).start = una;
                }
                return;
            }
            if !s.sacked {
                delivered(&s);
            }
            self.segs.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_refresh_advance_and_merge() {
        let mut log = SentLog::default();
        let t = Instant::from_millis;
        log.on_send(SeqNum(0), SeqNum(100), t(1), true);
        log.on_send(SeqNum(100), SeqNum(200), t(2), true);
        log.on_send(SeqNum(0), SeqNum(100), t(3), true);
        assert_eq!(log.len(), 2);
        assert!(log.get(0).rexmit && log.get(0).xmit == t(3));
        let mut got = Vec::new();
        log.advance(SeqNum(150), |s| got.push(s.start));
        assert_eq!(got, [SeqNum(0)]);
        assert_eq!(log.get(0).start, SeqNum(150));
        for i in 0..CAPACITY as u32 + 10 {
            log.on_send(SeqNum(200 + i * 10), SeqNum(210 + i * 10), t(5), true);
        }
        assert_eq!(log.len(), CAPACITY);
        assert_eq!(
            log.last().unwrap().end,
            SeqNum(210 + (CAPACITY as u32 + 9) * 10)
        );
    }

    #[test]
    fn a_resend_ends_where_the_next_segment_as_last_sent_began() {
        let mut log = SentLog::default();
        let t = Instant::from_millis(1);
        // Two TSO segments of two pieces each, then one of one piece.
        for (start, first) in [
            (0, true),
            (100, false),
            (200, true),
            (300, false),
            (400, true),
        ] {
            log.on_send(SeqNum(start), SeqNum(start + 100), t, first);
        }
        assert_eq!(log.next_packet_start(SeqNum(0)), Some(SeqNum(200)));
        assert_eq!(log.next_packet_start(SeqNum(100)), Some(SeqNum(200)));
        assert_eq!(log.next_packet_start(SeqNum(200)), Some(SeqNum(400)));
        assert_eq!(log.next_packet_start(SeqNum(400)), None);
        // Resent alone, the second piece starts a segment of its own.
        log.on_send(SeqNum(300), SeqNum(400), t, true);
        assert_eq!(log.next_packet_start(SeqNum(200)), Some(SeqNum(300)));
    }
}
