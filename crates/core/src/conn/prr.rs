//! Proportional Rate Reduction (RFC 6937 section 3, PRR-SSRB): how much
//! may be sent on each ACK during SACK-based loss recovery, spreading the
//! congestion controller's window reduction over the recovery RTT instead
//! of a half window of silence, and slow-starting back towards ssthresh
//! when losses took pipe below it.

/// PRR's state for one recovery episode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prr {
    /// Target window after recovery (`ssthresh = CongCtrlAlg()`).
    pub ssthresh: usize,
    /// `prr_delivered`: octets delivered to the receiver during recovery.
    pub delivered: usize,
    /// `prr_out`: octets sent during recovery.
    pub out: usize,
    /// `RecoverFS`: FlightSize when recovery began.
    pub recover_fs: usize,
}

impl Prr {
    /// RFC 6937 section 3, at the beginning of recovery.
    pub fn start(ssthresh: usize, recover_fs: usize) -> Prr {
        Prr {
            ssthresh,
            delivered: 0,
            out: 0,
            recover_fs: recover_fs.max(1),
        }
    }

    /// RFC 6937 section 3, on every ACK during recovery: `delivered` is
    /// DeliveredData (change in SND.UNA plus change in SACKed octets),
    /// `pipe` RFC 6675's estimate. Returns `sndcnt`, the octets this ACK
    /// allows out (the connection sets cwnd = pipe + sndcnt).
    pub fn on_ack(&mut self, delivered: usize, pipe: usize, mss: usize) -> usize {
        self.delivered += delivered;
        if pipe > self.ssthresh {
            // Proportional Rate Reduction:
            // CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out.
            let num = self.delivered as u128 * self.ssthresh as u128;
            let target = num.div_ceil(self.recover_fs as u128) as usize;
            target.saturating_sub(self.out)
        } else {
            // PRR-SSRB: limit = MAX(prr_delivered - prr_out, DeliveredData) + MSS.
            let limit = self.delivered.saturating_sub(self.out).max(delivered) + mss;
            (self.ssthresh - pipe).min(limit)
        }
    }

    /// RFC 6937 section 3, on any data transmission or retransmission.
    pub fn on_send(&mut self, len: usize) {
        self.out += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: usize = 1000;

    /// RFC 6937 3.1, single loss: cwnd = FlightSize = pipe = 20 segments,
    /// ssthresh 10. After the fast retransmit (pipe back to 19 with the
    /// retransmission), each ACK delivers one segment; PRR sends one new
    /// segment on every other ACK, then tracks ssthresh ("s").
    #[test]
    fn single_loss_example() {
        let mut prr = Prr::start(10 * MSS, 20 * MSS);
        // ack#3 triggered the retransmission: delivered 1, sends R.
        let mut pipe = 19 * MSS; // 20 - lost 1 - delivered ... per the figure
        let mut sent = Vec::new();
        // Row "pipe" of the figure after ack#3 .. ack#19.
        for ack in 3..=19 {
            let sndcnt = prr.on_ack(MSS, pipe, MSS);
            pipe -= MSS; // this ACK's segment left the network
            let n = sndcnt / MSS;
            prr.on_send(n * MSS);
            pipe += n * MSS;
            sent.push((ack, n));
        }
        // Sends on every other ACK: 3 (R), 5, 7, ... as in the figure, one
        // segment each, about half the ACKs.
        let total: usize = sent.iter().map(|&(_, n)| n).sum();
        assert!(sent.iter().all(|&(_, n)| n <= 1));
        assert!((8..=10).contains(&total), "{sent:?}");
        // Never more than the proportional share of what was delivered.
        assert!(prr.out <= prr.delivered.div_ceil(2) + MSS);
    }

    /// RFC 6937 3.1, 15 losses: pipe 4 segments below ssthresh 10. SSRB
    /// sends DeliveredData + 1 MSS per ACK (2 segments for 1 delivered),
    /// CRB-style banking would allow only 1.
    #[test]
    fn burst_loss_slow_starts_back() {
        let mut prr = Prr::start(10 * MSS, 20 * MSS);
        // First ACK after entering recovery: pipe 4, one segment delivered.
        let sndcnt = prr.on_ack(MSS, 4 * MSS, MSS);
        assert_eq!(sndcnt, 2 * MSS); // "2R", bound b/d
        prr.on_send(2 * MSS);
        let sndcnt = prr.on_ack(MSS, 5 * MSS, MSS);
        assert_eq!(sndcnt, 2 * MSS); // "2R", bound d
        prr.on_send(2 * MSS);
        // Near ssthresh the bound is ssthresh - pipe ("s").
        let sndcnt = prr.on_ack(MSS, 9 * MSS, MSS);
        assert_eq!(sndcnt, MSS);
    }

    #[test]
    fn proportional_part_rounds_up() {
        let mut prr = Prr::start(7, 10);
        // ceil(3 * 7 / 10) = 3.
        assert_eq!(prr.on_ack(3, 100, 1), 3);
        prr.on_send(3);
        // ceil(4 * 7 / 10) - 3 = 0.
        assert_eq!(prr.on_ack(1, 100, 1), 0);
    }
}
