//! Explicit Congestion Notification (RFC 3168), when `Config::ecn` allows
//! it: negotiated in the handshake (6.1.1), then data segments go out
//! ECN-capable (ECT(0)), a router's Congestion Experienced mark on what
//! arrives is echoed with ECE until the peer answers CWR (6.1.3), and an
//! ECE that arrives halves the congestion window at most once per window
//! of data (6.1.2), announced with CWR (6.1.4).
//!
//! The details follow FreeBSD's `tcp_ecn.c` (the RFC 3168 part):
//! `tcp_ecn_output_syn_sent` (which SYNs ask), `tcp_ecn_syncache_add` /
//! `tcp_ecn_syncache_respond` (the SYN-ACK's answer),
//! `tcp_ecn_input_syn_sent`, `tcp_ecn_input_segment` and
//! `tcp_ecn_output_established`; the window reduction is
//! `cc_cong_signal(CC_ECN)` with NewReno's halving.

use super::congestion::CongestionControl;
use super::{Connection, Ctx, State};
use crate::config::Ecn;
use crate::seq::SeqNum;
use crate::wire::{TcpFlags, TcpRepr, ecn};

/// ECN's part of a connection.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct EcnState {
    /// Both ends agreed on ECN in the handshake.
    pub ok: bool,
    /// A SYN of ours asked for it.
    syn_asked: bool,
    /// A CE mark arrived: set ECE on every segment until CWR comes.
    send_ece: bool,
    /// The window was reduced for an ECE: set CWR on the next new data.
    send_cwr: bool,
    /// While SND.UNA is below this, the window stays reduced and a further
    /// ECE is ignored (FreeBSD's TF_CONGRECOVERY up to `snd_recover`).
    reduced_until: Option<SeqNum>,
    /// The ECN codepoint of the segment being processed.
    pub incoming: u8,
}

impl Connection {
    /// ECE and CWR on our SYN (RFC 3168 6.1.1: an "ECN-setup SYN"), on the
    /// first one and the first `ecn_syn_retries` retransmissions
    /// (6.1.1.1: later ones go without, in case a middlebox drops them).
    pub(super) fn ecn_syn_flags(&mut self) -> TcpFlags {
        if self.cfg.ecn == Ecn::On && self.retries <= self.cfg.ecn_syn_retries {
            self.ecn.syn_asked = true;
            TcpFlags::ECE | TcpFlags::CWR
        } else {
            TcpFlags::default()
        }
    }

    /// ECE on our SYN-ACK when the peer's SYN asked (6.1.1: an
    /// "ECN-setup SYN-ACK" has ECE and not CWR).
    pub(super) fn ecn_syn_ack_flags(&self) -> TcpFlags {
        if self.ecn.ok {
            TcpFlags::ECE
        } else {
            TcpFlags::default()
        }
    }

    /// The peer's SYN: ECE and CWR both set ask for ECN (6.1.1), which we
    /// grant unless ECN is off.
    pub(super) fn ecn_on_syn(&mut self, ctx: &mut Ctx<'_>, syn: &TcpRepr) {
        if syn.flags.ece() && syn.flags.cwr() && self.cfg.ecn != Ecn::Off {
            self.ecn_agree(ctx);
        }
    }

    /// The SYN-ACK answering ours: ECE without CWR agrees (6.1.1), if we
    /// asked.
    pub(super) fn ecn_on_syn_ack(&mut self, ctx: &mut Ctx<'_>, seg: &TcpRepr) {
        if self.ecn.syn_asked && seg.flags.ece() && !seg.flags.cwr() {
            self.ecn_agree(ctx);
        }
    }

    fn ecn_agree(&mut self, ctx: &mut Ctx<'_>) {
        if !self.ecn.ok {
            self.ecn.ok = true;
            ctx.stats.ecn_connections += 1;
        }
    }

    /// ECN's reading of an acceptable segment in a synchronized state (or
    /// SYN-RECEIVED), before its ACK is processed.
    pub(super) fn ecn_on_segment(&mut self, ctx: &mut Ctx<'_>, seg: &TcpRepr) {
        if !self.ecn.ok {
            return;
        }
        let f = seg.flags;
        // 6.1.2: an ECE (not on a SYN) is the peer's echo of congestion.
        if f.ece() && !f.syn() {
            self.ecn_reduce(ctx, seg.ack);
        }
        // 6.1.3: CWR says the sender reacted; stop echoing (FreeBSD
        // acknowledges it at once).
        if f.cwr() {
            self.ecn.send_ece = false;
            self.ack_now = true;
        }
        // 6.1.3: a CE mark is echoed from now on (after the CWR above, so
        // a CE-marked CWR segment keeps ECE on).
        if self.ecn.incoming == ecn::CE {
            ctx.stats.ecn_ce_received += 1;
            self.ecn.send_ece = true;
        }
    }

    /// 6.1.2: halve the window for an ECE "at most once per window of
    /// data", not during loss recovery (which already reduced it), and say
    /// so with CWR on the next new data.
    fn ecn_reduce(&mut self, ctx: &mut Ctx<'_>, ack: SeqNum) {
        if self.in_recovery || self.in_sack_recovery() {
            return;
        }
        if self.ecn.reduced_until.is_some_and(|r| ack.lt(r)) {
            return;
        }
        let mss = self.payload_mss();
        // FreeBSD's newreno_cong_signal(CC_ECN): cwnd = ssthresh = half
        // the window (at least two segments).
        let window = self.cc.window();
        self.cc.on_congestion_event(window, mss);
        self.cc.on_sack_recovery_end();
        self.ecn.reduced_until = Some(self.snd_max + 1);
        self.ecn.send_cwr = true;
        ctx.stats.ecn_reductions += 1;
    }

    /// Whether the window stays as the last ECE left it, SND.UNA just
    /// advanced: no growth until the data sent before the reduction is
    /// acknowledged (FreeBSD grows no window in TF_CONGRECOVERY). Once it
    /// is, the mark is dropped (a stale one would compare wrongly after
    /// the sequence space wraps).
    pub(super) fn ecn_holds_window(&mut self) -> bool {
        let held = self.ecn_window_reduced();
        if !held {
            self.ecn.reduced_until = None;
        }
        held
    }

    /// Is the window reduced for an ECE, the data sent before it not yet
    /// all acknowledged?
    pub(super) fn ecn_window_reduced(&self) -> bool {
        self.ecn.reduced_until.is_some_and(|r| self.snd_una.lt(r))
    }

    /// The IP ECN codepoint of an outgoing segment, adding CWR and ECE to
    /// `flags` as due (6.1.2, 6.1.4, 6.1.5): ECT(0) only on new data, not
    /// on pure ACKs, retransmissions or window probes; CWR on the first
    /// new data after a reduction; ECE on every segment while a CE mark
    /// is unanswered.
    pub(super) fn ecn_output(
        &mut self,
        flags: &mut TcpFlags,
        len: usize,
        retransmission: bool,
        probe: bool,
    ) -> u8 {
        if !self.ecn.ok || flags.syn() || flags.rst() || self.state == State::SynSent {
            return ecn::NOT_ECT;
        }
        let new_data = len > 0 && !retransmission && !probe;
        if new_data && self.ecn.send_cwr {
            *flags |= TcpFlags::CWR;
            self.ecn.send_cwr = false;
        }
        if self.ecn.send_ece {
            *flags |= TcpFlags::ECE;
        }
        if new_data { ecn::ECT0 } else { ecn::NOT_ECT }
    }
}
