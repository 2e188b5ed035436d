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
        self.on_ack_with(delivered, pipe, mss, true)
    }

    /// [`Prr::on_ack`], with PRR-SSRB's extra MSS only when `safe_ack`
    /// (draft-ietf-tcpm-prr-rfc6937bis's SafeACK: the ACK advanced
    /// SND.UNA; as Linux's `tcp_cwnd_reduction` does); an ACK without
    /// it still lets one MSS out while nothing was sent yet, so recovery
    /// starts with a retransmission.
    pub fn on_ack_with(
        &mut self,
        delivered: usize,
        pipe: usize,
        mss: usize,
        safe_ack: bool,
    ) -> usize {
        self.delivered += delivered;
        if pipe > self.ssthresh {
            // Proportional Rate Reduction:
            // CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out.
            let num = self.delivered as u128 * self.ssthresh as u128;
            let target = num.div_ceil(self.recover_fs as u128) as usize;
            // Whole segments, rounded up (as Linux's PRR counts in
            // segments): a share below one MSS still lets one out.
            target.saturating_sub(self.out).next_multiple_of(mss.max(1))
        } else {
            // PRR-SSRB: limit = MAX(prr_delivered - prr_out, DeliveredData) + MSS.
            let extra = if safe_ack { mss } else { 0 };
            let limit = self.delivered.saturating_sub(self.out).max(delivered) + extra;
            let sndcnt = (self.ssthresh - pipe).min(limit);
            if self.out == 0 && !safe_ack {
                sndcnt.max(mss)
            } else {
                sndcnt
            }
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

    /// RFC 6937 3.1, single loss: cwnd = FlightSize = 20 segments, ssthresh
    /// 10, segment 0 lost; recovery begins at ACK 3 with pipe 18 (20 less
    /// one delivered, less the lost one). Each ACK delivers one segment and
    /// pipe is taken after the ACK, before sending. PRR sends on every
    /// other ACK from the first (the retransmission) instead of RFC 6675's
    /// half window of silence, and pipe ends at ssthresh.
    #[test]
    fn single_loss_example() {
        let mut prr = Prr::start(10 * MSS, 20 * MSS);
        let mut pipe = 19 * MSS;
        let mut sent_on = Vec::new();
        for ack in 3..=19 {
            pipe -= MSS; // this ACK's segment left the network
            if ack == 3 {
                pipe -= MSS; // segment 0 deemed lost
            }
            let n = prr.on_ack(MSS, pipe, MSS) / MSS;
            prr.on_send(n * MSS);
            pipe += n * MSS;
            if n > 0 {
                sent_on.push((ack, n));
            }
        }
        // The figure's "sent" row: R on ACK 3, N on 5, 7, ..., 15, then N N
        // on 18 and 19 from ssthresh - pipe ("s").
        let mut expect: Vec<_> = (3..=15).step_by(2).map(|a| (a, 1)).collect();
        expect.extend([(18, 1), (19, 1)]);
        assert_eq!(sent_on, expect);
        assert_eq!(pipe, 10 * MSS, "pipe ends at ssthresh");
        // The same total as RFC 6675 sends: R and eight new segments.
        assert_eq!(prr.out, 9 * MSS);
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

    #[test]
    fn safe_ack_withholds_the_extra_mss() {
        // pipe 4 below ssthresh 7 (slow-start reduction bound); one
        // segment delivered, one sent already.
        let mut rfc = Prr::start(7 * MSS, 10 * MSS);
        rfc.on_send(MSS);
        let mut safe = rfc;
        // RFC 6937: MAX(prr_delivered - prr_out, DeliveredData) + MSS.
        assert_eq!(rfc.on_ack(MSS, 4 * MSS, MSS), 2 * MSS);
        // SafeACK (SND.UNA did not move): without the extra MSS.
        assert_eq!(safe.on_ack_with(MSS, 4 * MSS, MSS, false), MSS);
        // Before anything was sent, one MSS starts recovery.
        let mut first = Prr::start(7 * MSS, 10 * MSS);
        assert_eq!(first.on_ack_with(0, 4 * MSS, MSS, false), MSS);
    }
}
