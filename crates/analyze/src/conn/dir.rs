//! What the analysis knows about one direction of a connection: the
//! sender's sequence space as the capture saw it, and its counters.

use std::collections::VecDeque;
use synack_core::State;

/// `a - b` in sequence space (RFC 9293 3.4): positive when `a` is later.
pub fn diff(a: u32, b: u32) -> i64 {
    i64::from(a.wrapping_sub(b) as i32)
}

/// Most holes remembered per direction.
const MAX_HOLES: usize = 16;
/// Most segments in flight remembered for RTT samples.
const MAX_PENDING: usize = 1024;
/// Most RTT samples kept; beyond, every second one is dropped.
const MAX_SAMPLES: usize = 8192;
/// Data segment sizes listed in the FIN note.
pub const MAX_SIZES: usize = 8;

/// Per-direction counters (the summary and the JSON).
#[derive(Clone, Debug, Default)]
pub struct Counters {
    /// Segments sent.
    pub segments: u64,
    /// Payload bytes, retransmissions included.
    pub payload_bytes: u64,
    /// Retransmitted segments (SYN and FIN included).
    pub retransmissions: u64,
    /// Payload bytes in them.
    pub retransmitted_bytes: u64,
    /// Of those: fast retransmits.
    pub fast: u64,
    /// Of those: after a timeout.
    pub timeout: u64,
    /// Of those: after a short silence (probe).
    pub probe: u64,
    /// Of those: of bytes already acknowledged.
    pub spurious: u64,
    /// Segments that filled a gap soon after later bytes.
    pub out_of_order: u64,
    /// Duplicate ACKs sent.
    pub dup_acks: u64,
    /// Times a zero window was advertised.
    pub zero_windows: u64,
    /// Zero-window probes sent.
    pub window_probes: u64,
    /// Keep-alives sent.
    pub keep_alives: u64,
    /// Bytes never seen by the capture (gaps in the sequence space).
    pub unseen_bytes: u64,
    /// Segments with SYN, ACK, FIN, RST, PSH set.
    pub flags: [u64; 5],
}

/// One direction, named by its sender.
#[derive(Clone, Debug)]
pub struct Dir {
    /// The sender's ISN, if its SYN was seen.
    pub isn: Option<u32>,
    /// The number relative numbers are taken from: the ISN, or one less
    /// than the first number seen.
    pub base: Option<u32>,
    /// Window scale in the sender's SYN.
    pub ws: Option<u8>,
    /// The sender's SYN carried options (MSS, SACK-permitted...).
    pub syn_options: bool,
    /// SYNs sent.
    pub syns: u32,
    /// One past the highest sequence number sent (SND.MAX as seen).
    pub next: Option<u32>,
    /// Time of the segment that moved `next`.
    pub next_time: u64,
    /// Time of the sender's previous segment.
    pub last_time: Option<u64>,
    /// Sequence number of the sender's FIN.
    pub fin: Option<u32>,
    /// Its FIN was acknowledged.
    pub fin_acked: bool,
    /// The peer's FIN passed, but this side has not shown yet that it
    /// received it (no ACK of it): its state changes when it does.
    pub pending_fin: bool,
    /// Highest ACK the sender sent (in the peer's space).
    pub max_ack: Option<u32>,
    /// The previous segment's ACK number and window field.
    pub last_ack: Option<(u32, u16)>,
    /// Duplicate ACKs in a row.
    pub dup_run: u32,
    /// The sender's previous segment carried SACK blocks above this.
    pub sack_above: Option<u32>,
    /// The sender's window was zero last time it spoke.
    pub zero: bool,
    /// Its segments carry ECE (an echo of congestion, RFC 3168 6.1.3).
    pub ece: bool,
    /// The sender's state, as inferred.
    pub state: State,
    /// Holes: ranges before `next` the capture never saw.
    pub holes: Vec<(u32, u32)>,
    /// Data segments in flight: (end, time sent), for RTT samples.
    pub pending: VecDeque<(u32, u64)>,
    /// RTT samples, microseconds (capture point to the ACK).
    pub rtt: Vec<u64>,
    /// Keep every `rtt_step`-th sample (grows when `rtt` is full).
    rtt_step: u64,
    rtt_seen: u64,
    /// Sizes of the first data segments (not retransmitted).
    pub sizes: Vec<u32>,
    /// More data segments than `sizes` holds.
    pub more_sizes: bool,
    /// Notes said once.
    pub said_first_data: bool,
    /// The first ACK of data was explained.
    pub said_ack: bool,
    /// SACK explained in this episode (until the next new ACK).
    pub said_sack: bool,
    /// Data after the peer's FIN explained.
    pub said_half_close: bool,
    /// Counters.
    pub c: Counters,
}

impl Dir {
    /// A direction nothing is known about, its sender in `state`.
    pub fn new(state: State) -> Dir {
        Dir {
            isn: None,
            base: None,
            ws: None,
            syn_options: false,
            syns: 0,
            next: None,
            next_time: 0,
            last_time: None,
            fin: None,
            fin_acked: false,
            pending_fin: false,
            max_ack: None,
            last_ack: None,
            dup_run: 0,
            sack_above: None,
            zero: false,
            ece: false,
            state,
            holes: Vec::new(),
            pending: VecDeque::new(),
            rtt: Vec::new(),
            rtt_step: 1,
            rtt_seen: 0,
            sizes: Vec::new(),
            more_sizes: false,
            said_first_data: false,
            said_ack: false,
            said_sack: false,
            said_half_close: false,
            c: Counters::default(),
        }
    }

    /// `n` relative to the base, if there is one.
    pub fn rel(&self, n: u32) -> Option<i64> {
        self.base.map(|b| diff(n, b))
    }

    /// Sets the base from a number seen first (`first` is then 1).
    pub fn base_from(&mut self, first: u32) {
        if self.base.is_none() {
            self.base = Some(first.wrapping_sub(1));
        }
    }

    /// Bytes of data sent (not counting SYN and FIN), from the base to
    /// the highest number seen.
    pub fn stream_bytes(&self) -> u64 {
        let (Some(base), Some(next)) = (self.base, self.next) else {
            return 0;
        };
        let mut n = diff(next, base).max(1) - 1;
        if self.fin.is_some() {
            n -= 1;
        }
        n.max(0) as u64
    }

    /// Records a hole `[from, to)`; the oldest is forgotten past the limit.
    pub fn add_hole(&mut self, from: u32, to: u32) {
        if self.holes.len() == MAX_HOLES {
            self.holes.remove(0);
        }
        self.holes.push((from, to));
    }

    /// Takes `[seq, end)` out of the holes; true if it filled any of one.
    pub fn fill(&mut self, seq: u32, end: u32) -> bool {
        let mut filled = false;
        let mut out = Vec::with_capacity(self.holes.len() + 1);
        for &(a, b) in &self.holes {
            if diff(end, a) <= 0 || diff(seq, b) >= 0 {
                out.push((a, b));
                continue;
            }
            filled = true;
            if diff(seq, a) > 0 {
                out.push((a, seq));
            }
            if diff(b, end) > 0 {
                out.push((end, b));
            }
        }
        out.truncate(MAX_HOLES);
        self.holes = out;
        filled
    }

    /// Remembers a data segment ending at `end` sent at `time`.
    pub fn sent(&mut self, end: u32, time: u64) {
        if self.pending.len() == MAX_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back((end, time));
    }

    /// Karn's rule: no sample from anything at or after `seq` (resent).
    pub fn forget_from(&mut self, seq: u32) {
        self.pending.retain(|&(end, _)| diff(end, seq) <= 0);
    }

    /// An ACK up to `ack` arrived at `time`: one RTT sample from the
    /// newest segment it covers, if any.
    pub fn acked(&mut self, ack: u32, time: u64) -> Option<u64> {
        let mut newest = None;
        while let Some(&(end, t)) = self.pending.front() {
            if diff(end, ack) > 0 {
                break;
            }
            newest = Some(t);
            self.pending.pop_front();
        }
        let sample = time.saturating_sub(newest?);
        self.rtt_seen += 1;
        if self.rtt_seen.is_multiple_of(self.rtt_step) {
            if self.rtt.len() == MAX_SAMPLES {
                // Halve: keep every second sample, and take half as many.
                let kept: Vec<u64> = self.rtt.iter().copied().step_by(2).collect();
                self.rtt = kept;
                self.rtt_step *= 2;
            }
            self.rtt.push(sample);
        }
        Some(sample)
    }

    /// The smallest RTT sample, microseconds.
    pub fn min_rtt(&self) -> Option<u64> {
        self.rtt.iter().copied().min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_fill() {
        let mut d = Dir::new(State::Established);
        d.add_hole(100, 200);
        assert!(!d.fill(200, 300));
        assert!(d.fill(120, 150));
        assert_eq!(d.holes, vec![(100, 120), (150, 200)]);
        assert!(d.fill(u32::MAX - 5, 500));
        assert!(d.holes.is_empty());
        assert_eq!(diff(1, u32::MAX), 2);
    }

    #[test]
    fn rtt_samples_bounded() {
        let mut d = Dir::new(State::Established);
        for i in 0..100_000u32 {
            d.sent(i * 10 + 10, u64::from(i));
            assert_eq!(d.acked(i * 10 + 10, u64::from(i) + 5), Some(5));
        }
        assert!(d.rtt.len() <= MAX_SAMPLES);
        assert_eq!(d.min_rtt(), Some(5));
    }
}
