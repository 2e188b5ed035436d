//! SEGMENT ARRIVES for SYN-RECEIVED and the synchronized states
//! (RFC 9293 3.10.7.4), with RFC 5961's defences and RFC 1337's TIME-WAIT
//! rule. The checks run in the RFC's order: sequence number, RST, SYN, ACK,
//! segment text, FIN.

use super::timestamps::TsVerdict;
use super::{Cause, Connection, Ctx, State, timers::Timer};
use crate::config::TimeWaitRules;
use crate::endpoint::EventKind;
use crate::error::Error;
use crate::seq::SeqNum;
use crate::trace::{DropReason, TraceKind};
use crate::wire::{TcpFlags, TcpRepr};

/// Smallest "full-sized" segment assumed for delayed ACKs (the IPv4 default
/// MSS), so a trickle of tiny segments is still acknowledged by the timer,
/// not every few bytes.
const MIN_FULL_SEGMENT: usize = 536;

/// Most duplicate ACKs owed at once (one per out-of-order segment).
const MAX_DUP_ACKS_OWED: u32 = 64;

impl Connection {
    /// The largest segment the peer has sent (a GRO super-packet counting
    /// by the segments it joined), at most the MSS we announced: our
    /// estimate of the peer's MSS (Linux's `tcpi_rcv_mss`); `None` before
    /// data arrived.
    pub fn peer_segment_size(&self) -> Option<usize> {
        (self.peer_seg_max > 0).then_some(self.peer_seg_max)
    }

    /// An ACK that must not wait for the rest of a batch is pending: a
    /// duplicate ACK for out-of-order data, or the ACK of a gap fill (RFC
    /// 5681 4.2: both "SHOULD" go out immediately).
    pub(crate) fn owes_ack_at_once(&self) -> bool {
        self.dup_acks_owed > 0 || (self.ack_now && self.ack_at_once)
    }

    /// Entry point for a segment matched to this connection.
    /// `ecn` is the IP header's ECN codepoint; `segment_size` the size of
    /// the segments a GRO super-packet joined.
    pub(crate) fn on_segment(
        &mut self,
        ctx: &mut Ctx<'_>,
        seg: &TcpRepr,
        payload: &[u8],
        ecn: u8,
        segment_size: Option<u16>,
    ) {
        self.ecn.incoming = ecn;
        self.rx_segment_size = segment_size;
        ctx.trace.record(
            ctx.now,
            self.local,
            self.remote,
            TraceKind::SegmentIn {
                tcp: *seg,
                len: payload.len(),
            },
        );
        match self.state {
            State::Closed | State::Listen => {}
            _ if self.held => self.on_segment_held(ctx, seg),
            State::SynSent => self.on_segment_syn_sent(ctx, seg, payload),
            _ => self.on_segment_synchronized(ctx, seg, payload),
        }
    }

    pub(super) fn drop_segment(&mut self, ctx: &mut Ctx<'_>, seg: &TcpRepr, reason: DropReason) {
        ctx.stats.rx_dropped += 1;
        ctx.trace.record(
            ctx.now,
            self.local,
            self.remote,
            TraceKind::Dropped { tcp: *seg, reason },
        );
    }

    /// Answer an unacceptable segment with an ACK? Always for segments that
    /// occupy sequence space; for pure ACKs at most once per
    /// `oow_ack_interval`, or two desynchronized ends would ACK each other
    /// forever.
    fn may_answer_out_of_window(&mut self, ctx: &mut Ctx<'_>, seg_len: usize) -> bool {
        if seg_len > 0 {
            return true;
        }
        if self
            .last_oow_ack
            .is_some_and(|t| ctx.now.saturating_since(t) < self.cfg.oow_ack_interval)
        {
            return false;
        }
        self.last_oow_ack = Some(ctx.now);
        true
    }

    /// RFC 9293 3.10.7.4 first check: is the segment acceptable? A pure
    /// ACK exactly at the right edge is taken too (`pure_ack`): that is
    /// where Linux puts the sequence number of its ACKs when it has sent
    /// beyond our window (tcp_acceptable_seq), and Linux and the BSDs both
    /// accept it; dropping it can leave both ends dropping each other's
    /// ACKs for ever.
    fn acceptable(&self, seq: SeqNum, seg_len: usize, pure_ack: bool) -> bool {
        let wnd = self.acceptance_window();
        let nxt = self.rcv_nxt;
        match (seg_len, wnd) {
            (0, 0) => seq == nxt,
            (0, _) if pure_ack => seq.in_range(nxt, nxt + wnd + 1),
            (0, _) => seq.in_range(nxt, nxt + wnd),
            (_, 0) => false,
            (_, _) => {
                seq.in_range(nxt, nxt + wnd) || (seq + (seg_len - 1)).in_range(nxt, nxt + wnd)
            }
        }
    }

    fn on_segment_synchronized(&mut self, ctx: &mut Ctx<'_>, seg: &TcpRepr, payload: &[u8]) {
        let f = seg.flags;
        // A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost; resend it.
        if self.state == State::SynReceived && f.syn() && !f.ack() && seg.seq == self.irs {
            self.syn_pending = true;
            return;
        }
        // Simultaneous open, RFC 9293 figure 7: the peer's SYN-ACK crossed
        // ours. It repeats the SYN we already have (SEG.SEQ+1 = RCV.NXT) and
        // acknowledges ours exactly: the handshake is complete (as Linux
        // does; the literal sequence check would drop it).
        if self.state == State::SynReceived
            && self.listener.is_none()
            && f.syn()
            && f.ack()
            && !f.rst()
            && seg.seq + 1 == self.rcv_nxt
            && seg.ack == self.snd_max
            && self.snd_max == self.iss + 1
        {
            self.syn_pending = false;
            self.on_ack_advance(ctx, seg.ack);
            self.update_window_from_syn(seg);
            if let Some(ts) = seg.options.timestamps
                && self.ts_ok
            {
                self.ts_recent = ts.tsval;
                self.ts_recent_at = ctx.now;
            }
            self.set_state(ctx, State::Established, Cause::RecvSynAck);
            self.take_queued_syn_text(ctx);
            return;
        }
        if self.state == State::TimeWait
            && self.cfg.time_wait_rules == TimeWaitRules::FreeBsd
            && !f.rst()
            && !f.syn()
        {
            // FreeBSD's tcp_twcheck (tcp_timewait.c), before any window
            // check: "Drop the segment if it does not contain an ACK".
            if !f.ack() {
                self.drop_segment(ctx, seg, DropReason::BadAck);
                return;
            }
            // "Acknowledge the segment if it has data or is not a
            // duplicate ACK".
            if f != TcpFlags::ACK
                || !payload.is_empty()
                || seg.seq != self.rcv_nxt
                || seg.ack != self.snd_nxt
            {
                self.ack_now = true;
            }
        }
        let seg_len = payload.len() + usize::from(f.syn()) + usize::from(f.fin());

        // RFC 7323 5.3 R1 (PAWS) comes before the sequence-number check.
        if let TsVerdict::Drop { reply } = self.check_timestamps(ctx, seg) {
            if reply && self.may_answer_out_of_window(ctx, seg_len) {
                self.ack_now = true;
            }
            return;
        }

        // First: sequence number.
        let pure_ack = f.ack() && !f.rst() && !f.syn() && !f.fin();
        if !self.acceptable(seg.seq, seg_len, pure_ack) {
            if !f.rst() && self.may_answer_out_of_window(ctx, seg_len) {
                // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. In TIME-WAIT this is
                // how a retransmitted FIN gets its ACK; restart 2 MSL.
                self.ack_now = true;
                // A SYN outside the window is answered as RFC 5961 4.2's
                // challenge: a bare ACK.
                self.pure_ack |= f.syn();
                if self.state == State::TimeWait && f.fin() {
                    self.timers.set(Timer::TimeWait, ctx.now + self.cfg.msl * 2);
                }
            }
            self.drop_segment(ctx, seg, DropReason::OutOfWindow);
            // RCV.WND = 0: "special allowance should be made to accept valid
            // ACKs" -- trim the segment to the (empty) window and go on.
            if self.rcv_wnd() == 0 && seg.seq == self.rcv_nxt && f.ack() && !f.rst() && !f.syn() {
                let bare = TcpRepr {
                    flags: f.without(TcpFlags::FIN),
                    ..*seg
                };
                self.on_segment_synchronized(ctx, &bare, &[]);
            } else if self.old_segment_acks_new_data(seg, seg_len) {
                // A segment entirely left of the window (an old duplicate)
                // whose ACK field acknowledges new data: take the ACK, as
                // the BSDs do ("keep on processing for RST or ACK"). When
                // both ends have taken the other's zero-window probe, each
                // one's ACKs carry a sequence number just below the
                // other's RCV.NXT; dropping them whole left both waiting.
                let bare = TcpRepr {
                    flags: f.without(TcpFlags::FIN).without(TcpFlags::PSH),
                    ..*seg
                };
                if self.process_ack(ctx, &bare, 0) {
                    self.after_ack_transitions(ctx);
                }
            }
            return;
        }

        // The peer is alive (keep-alive's idle period restarts).
        self.peer_heard(ctx.now);

        // Second: RST (RFC 5961 3.2: reset only on an exact RCV.NXT match;
        // otherwise an in-window RST draws a challenge ACK). With
        // `rst_challenge` off, RFC 793's rule: any in-window RST resets.
        if f.rst() {
            if seg.seq != self.rcv_nxt && self.cfg.rst_challenge {
                self.challenge_ack(ctx);
                self.drop_segment(ctx, seg, DropReason::RstNotExact);
                return;
            }
            match self.state {
                State::SynReceived if self.listener.is_some() => {
                    // Passive open: return to LISTEN, i.e. forget this
                    // embryonic connection.
                    self.set_state(ctx, State::Closed, Cause::RecvRst);
                }
                State::SynReceived => self.fail(ctx, Error::ConnectionRefused, Cause::RecvRst),
                // RFC 1337: an RST must not cut TIME-WAIT short.
                State::TimeWait => self.drop_segment(ctx, seg, DropReason::Duplicate),
                // Also in CLOSING / LAST-ACK: an application still holding
                // the connection (after shutdown) hears of the reset.
                _ => self.fail(ctx, Error::ConnectionReset, Cause::RecvRst),
            }
            return;
        }

        // Fourth: SYN. RFC 5961 4.2: in a synchronized state (and SYN-RECEIVED
        // once the seq check passed) answer with a challenge ACK, whatever
        // the sequence number.
        if f.syn() {
            if self.state == State::SynReceived && self.listener.is_some() {
                self.set_state(ctx, State::Closed, Cause::RecvSyn);
                return;
            }
            let syn_in_window = seg
                .seq
                .in_range(self.rcv_nxt, self.rcv_nxt + self.acceptance_window());
            if !self.cfg.syn_challenge && syn_in_window {
                // RFC 793 (before RFC 5961): a SYN in the window is an
                // error; send a reset and close, reporting "reset".
                self.rst_pending = true;
                self.fail(ctx, Error::ConnectionReset, Cause::RecvSyn);
                return;
            }
            self.challenge_ack(ctx);
            self.drop_segment(ctx, seg, DropReason::Duplicate);
            return;
        }

        // RFC 3168 6.1.2-6.1.3: ECE, CWR and a CE mark, before the ACK.
        self.ecn_on_segment(ctx, seg);

        // Fifth: ACK.
        if !f.ack() {
            self.drop_segment(ctx, seg, DropReason::BadAck);
            return;
        }
        if self.state == State::SynReceived {
            if self.snd_una.lt(seg.ack) && seg.ack.le(self.snd_max) {
                self.syn_pending = false;
                if self.listener.is_some() {
                    // Passive open: the connection is now real (BSD
                    // rounds its buffer here).
                    self.round_recv_buffer();
                }
                self.take_queued_syn_text(ctx);
                self.set_state(ctx, State::Established, Cause::RecvAck);
                self.snd_wnd = usize::from(seg.window) << self.snd_wscale;
                self.max_snd_wnd = self.max_snd_wnd.max(self.snd_wnd);
                self.snd_wl1 = seg.seq;
                self.snd_wl2 = seg.ack;
            } else {
                // <SEQ=SEG.ACK><CTL=RST>
                self.reply_rst = Some(seg.ack);
                self.drop_segment(ctx, seg, DropReason::BadAck);
                return;
            }
        }
        if !self.process_ack(ctx, seg, payload.len()) {
            return;
        }
        // RFC 7323 5.3 R3: keep the TSval of an acceptable segment -- only
        // once its ACK passed too, so a segment dropped for its ACK, an RST
        // (5.2: "MUST NOT be used to update connection state") or a
        // challenged SYN cannot move TS.Recent and have PAWS drop the real
        // peer's segments (Linux fixed the same hole in bd090dfc634d).
        self.update_ts_recent(ctx.now, seg);
        self.after_ack_transitions(ctx);
        if self.state == State::Closed {
            return;
        }

        // Sixth and seventh: segment text, URG ignored, then FIN; only data
        // the peer may still send is taken.
        let mut seq = seg.seq;
        let mut data = payload;
        // Trim what we already have (RFC 9293 3.10.7.4: "only the new parts
        // are processed").
        let old = self.rcv_nxt.since(seq).min(data.len());
        if seq.lt(self.rcv_nxt) {
            data = &data[old..];
            seq += old;
        }
        let fin = f.fin();
        if data.is_empty() && !fin {
            return;
        }
        if !self.state.can_receive() {
            // The peer already sent FIN: nothing more may arrive. A
            // retransmitted FIN is re-acknowledged.
            if fin {
                self.ack_now = true;
                if self.state == State::TimeWait {
                    self.timers.set(Timer::TimeWait, ctx.now + self.cfg.msl * 2);
                }
            }
            return;
        }
        if !self.app_owned && !data.is_empty() && self.listener.is_none() {
            // RFC 1122 4.2.2.13: data after the application closed is lost;
            // say so with RST. It is <SEQ=SEG.ACK><CTL=RST>, the peer's
            // RCV.NXT exactly, so RFC 5961 3.2 takes it even if our FIN was
            // not received (SND.NXT would be one past and draw a challenge
            // ACK); FreeBSD (`tcp_input`'s `rcvafterclose`, `dropwithreset`)
            // and Linux (`tcp_rcv_state_process`, then `tcp_v4_send_reset`)
            // answer so.
            self.reply_rst = Some(seg.ack);
            self.fail(ctx, Error::ConnectionReset, Cause::AppClose);
            return;
        }
        self.process_text_and_fin(ctx, seq, data, fin);
    }

    /// What an acceptable ACK moves on: our FIN acknowledged in FIN-WAIT-1,
    /// CLOSING or LAST-ACK (RFC 9293 3.10.7.4, fifth check).
    fn after_ack_transitions(&mut self, ctx: &mut Ctx<'_>) {
        match self.state {
            State::FinWait1 if self.fin_acked() => {
                self.set_state(ctx, State::FinWait2, Cause::RecvAck);
                if !self.app_owned {
                    self.timers.set(Timer::FinWait2, ctx.now + self.cfg.msl * 2);
                }
                self.emit_event(ctx, EventKind::SendClosed);
            }
            State::Closing if self.fin_acked() => {
                self.set_state(ctx, State::TimeWait, Cause::RecvAck);
                self.emit_event(ctx, EventKind::SendClosed);
            }
            State::LastAck if self.fin_acked() => {
                self.set_state(ctx, State::Closed, Cause::RecvAck);
            }
            _ => {}
        }
    }

    /// An old duplicate (it ends at or before RCV.NXT, starts at most one
    /// window back and not before SND.WL1) that acknowledges data we sent
    /// and not yet saw acknowledged.
    fn old_segment_acks_new_data(&self, seg: &TcpRepr, seg_len: usize) -> bool {
        let f = seg.flags;
        let back = self.acceptance_window().max(self.rcv_mss);
        f.ack()
            && !f.rst()
            && !f.syn()
            && matches!(
                self.state,
                State::Established
                    | State::FinWait1
                    | State::FinWait2
                    | State::CloseWait
                    | State::Closing
                    | State::LastAck
            )
            && (seg.seq + seg_len).le(self.rcv_nxt)
            && seg.seq.ge(self.rcv_nxt - back)
            // No older than the segment we last took a window from, so it
            // can update the window no more than an in-window one could.
            && seg.seq.ge(self.snd_wl1)
            && seg.ack.gt(self.snd_una)
            && seg.ack.le(self.snd_max)
    }

    /// Places in-window payload into the receive buffer, reassembling
    /// out-of-order data, and processes a FIN once everything before it has
    /// arrived. `seq` is the payload's first sequence number (>= RCV.NXT).
    pub(super) fn process_text_and_fin(
        &mut self,
        ctx: &mut Ctx<'_>,
        seq: SeqNum,
        payload: &[u8],
        fin: bool,
    ) {
        let offset = seq.since(self.rcv_nxt);
        // Accept up to the advertised edge, never past the buffer's room.
        let wnd = self.acceptance_window().min(self.recv_buf.free());
        let room = wnd.saturating_sub(offset);
        let data = &payload[..payload.len().min(room)];
        // A FIN beyond the window's edge is cut off with the data.
        let fin = fin && data.len() == payload.len();
        let had_gap = !self.assembler.is_empty();
        let before = self.rcv_nxt;

        if !data.is_empty() {
            self.last_data_recv = Some(ctx.now);
            let base = self.recv_buf.len();
            if offset == 0 {
                self.recv_buf.write_at(base, data);
                self.recv_buf.commit(data.len());
                self.rcv_nxt += data.len();
                if let Some(end) = self.assembler.advance(self.rcv_nxt) {
                    self.recv_buf.commit(end.since(self.rcv_nxt));
                    self.rcv_nxt = end;
                }
            } else if self.assembler.insert(seq, seq + data.len()) {
                self.recv_buf.write_at(base + offset, data);
                self.note_out_of_order(seq, seq + data.len());
            }
        }
        if fin {
            self.ooo_fin = Some(seq + data.len());
        }
        if let Some(fin_seq) = self.ooo_fin
            && fin_seq == self.rcv_nxt
        {
            self.ooo_fin = None;
            self.receive_fin(ctx);
        }

        let advanced = self.rcv_nxt.since(before);
        if advanced > 0 && !self.readable_notified && !self.recv_buf.is_empty() {
            self.readable_notified = true;
            self.emit_event(ctx, EventKind::Readable);
        }
        // ACK policy (RFC 9293 3.8.6.3, RFC 5681 4.2): out-of-order data and
        // gap fills are acknowledged at once; in-order data at least every
        // second full-sized segment, otherwise after the delayed-ACK timer.
        if offset > 0 && !data.is_empty() {
            // Out of order: an immediate duplicate ACK for each such segment
            // (RFC 5681 4.2), bounded per batch.
            self.dup_acks_owed = (self.dup_acks_owed + 1).min(MAX_DUP_ACKS_OWED);
        } else if advanced > 0 {
            // RCV.NXT moved: owed duplicates would now be spurious ones.
            self.dup_acks_owed = 0;
        }
        if offset > 0 || had_gap {
            // What Linux's quick-ack does while its out-of-order queue is
            // non-empty: every such ACK goes out at once, even from a
            // driver that batches its answers (GRO flushes on a gap too).
            self.ack_at_once = true;
        }
        if offset > 0 || had_gap || self.fin_received || self.cfg.delayed_ack.is_zero() {
            self.ack_now = true;
        } else if advanced > 0 {
            // RFC 9293 SHLD-19: ACK at least every second full-sized segment
            // or 2*RMSS bytes, "full-sized" being the peer's segment size,
            // which may be below the MSS we announced (PPPoE, VPNs, clamping).
            // A GRO super-packet counts by the segments it joined.
            let seg_len = self
                .rx_segment_size
                .map_or(data.len(), |s| usize::from(s).min(data.len()));
            self.peer_seg_max = self.peer_seg_max.max(seg_len).min(self.rcv_mss);
            self.unacked_bytes += data.len();
            let full = self.peer_seg_max.max(MIN_FULL_SEGMENT.min(self.rcv_mss));
            if self.quick_acks_left > 0 {
                // Quick-ack mode at the start of the connection.
                self.quick_acks_left -= 1;
                self.ack_now = true;
            } else if self.unacked_bytes >= 2 * full {
                self.ack_now = true;
            } else if !self.timers.is_set(Timer::DelayedAck) {
                self.timers
                    .set(Timer::DelayedAck, ctx.now + self.cfg.delayed_ack);
            }
        }
    }

    /// The peer's FIN, in order (RFC 9293 3.10.7.4 eighth check).
    fn receive_fin(&mut self, ctx: &mut Ctx<'_>) {
        // The FIN takes a sequence number but no buffer space: the window's
        // right edge moves with it, so the window offered stays the same.
        if self.rcv_adv.ge(self.rcv_nxt) {
            self.rcv_adv += 1;
        }
        self.rcv_nxt += 1;
        self.fin_received = true;
        self.ack_now = true;
        match self.state {
            State::SynReceived | State::Established => {
                self.set_state(ctx, State::CloseWait, Cause::RecvFin)
            }
            State::FinWait1 if self.fin_acked() => {
                self.set_state(ctx, State::TimeWait, Cause::RecvFinAck)
            }
            State::FinWait1 => self.set_state(ctx, State::Closing, Cause::RecvFin),
            State::FinWait2 => self.set_state(ctx, State::TimeWait, Cause::RecvFin),
            _ => {}
        }
        self.emit_event(ctx, EventKind::PeerClosed);
    }
}
