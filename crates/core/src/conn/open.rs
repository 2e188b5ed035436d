//! Opening a connection: active open (RFC 9293 3.10.1), passive open from a
//! listener (3.10.7.2), and SEGMENT ARRIVES in SYN-SENT (3.10.7.3),
//! simultaneous open included (MUST-10).

use super::congestion::CongestionControl;
use super::{Cause, ConnParams, Connection, Ctx, State, timers::Timer};
use crate::error::Error;
use crate::time::Instant;
use crate::trace::DropReason;
use crate::wire::{TcpOptions, TcpRepr};

impl Connection {
    /// Active open: CLOSED -> SYN-SENT; the SYN goes out at the next transmit.
    pub(crate) fn connect(ctx: &mut Ctx<'_>, p: ConnParams<'_>) -> Self {
        let mut c = Connection::new(p, State::Closed);
        c.app_owned = true;
        c.syn_pending = true;
        c.set_state(ctx, State::SynSent, Cause::AppConnect);
        // FreeBSD's connection establishment timer rides on its keep
        // timer (`tcp_connect`: TT_KEEP with TP_KEEPINIT); so here.
        if let Some(t) = c.cfg.connect_timeout {
            c.timers.set(Timer::KeepAlive, ctx.now + t);
        }
        c
    }

    /// Passive open: a SYN reached a listener (RFC 9293 3.10.7.2):
    /// RCV.NXT = SEG.SEQ+1, IRS = SEG.SEQ, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
    pub(crate) fn accept_syn(ctx: &mut Ctx<'_>, p: ConnParams<'_>, syn: &TcpRepr) -> Self {
        Connection::passive_open(ctx, p, syn, Cause::RecvSyn)
    }

    /// LISTEN -> SYN-RECEIVED for `syn`, with `cause` on the trace.
    pub(super) fn passive_open(
        ctx: &mut Ctx<'_>,
        p: ConnParams<'_>,
        syn: &TcpRepr,
        cause: Cause,
    ) -> Self {
        let mut c = Connection::new(p, State::Listen);
        c.irs = syn.seq;
        c.rcv_nxt = syn.seq + 1;
        // Nothing advertised yet: the window's right edge starts at RCV.NXT
        // (the SYN-ACK moves it).
        c.rcv_adv = c.rcv_nxt;
        c.take_syn_timestamp(syn.options.timestamps, ctx.now);
        c.take_syn_options(&syn.options);
        c.ecn_on_syn(ctx, syn);
        // The SYN's window is never scaled (RFC 7323 2.2).
        c.update_window_from_syn(syn);
        c.syn_pending = true;
        c.set_state(ctx, State::SynReceived, cause);
        c
    }

    /// Options we put on our SYN or SYN-ACK. On a SYN-ACK, window scaling,
    /// SACK-permitted and timestamps are offered only if the peer offered
    /// them (RFC 7323 2.2 and 3.2, RFC 2018 section 2).
    pub(super) fn syn_options(&self, now: Instant) -> TcpOptions {
        let mut o = TcpOptions {
            mss: Some(self.rcv_mss.min(65535) as u16),
            ..TcpOptions::default()
        };
        let active = self.state == State::SynSent;
        let offer = !self.syn_options_dropped();
        if (active && offer && self.cfg.window_scaling) || (!active && self.wscale_ok) {
            o.window_scale = Some(self.wanted_rcv_wscale());
        }
        o.sack_permitted = (active && offer && self.cfg.sack) || (!active && self.sack_ok);
        if active && offer && self.cfg.timestamps {
            // Nothing to echo yet: TSecr is zero (RFC 7323 3.2).
            o.timestamps = Some(crate::wire::Timestamps {
                tsval: self.ts_val(now),
                tsecr: 0,
            });
        } else if !active {
            o.timestamps = self.ts_option(now);
        }
        o
    }

    /// Our SYN goes without window scale, timestamps and SACK-permitted
    /// now (`Config::syn_drop_options_after`), so a SYN-ACK's are not
    /// taken up either (FreeBSD clears TF_REQ_SCALE, TF_REQ_TSTMP and
    /// TF_SACK_PERMIT).
    pub(super) fn syn_options_dropped(&self) -> bool {
        self.state == State::SynSent
            && self
                .cfg
                .syn_drop_options_after
                .is_some_and(|n| self.retries >= n)
    }

    /// Reads the options of the peer's SYN: MSS (MUST-14..16) and window
    /// scale (RFC 7323 2.2: both sides must send it for either to use it).
    pub(super) fn take_syn_options(&mut self, o: &TcpOptions) {
        let default_mss = if self.local.is_ipv4() {
            super::DEFAULT_MSS_V4
        } else {
            super::DEFAULT_MSS_V6
        };
        let peer_mss = o.mss.map_or(default_mss, usize::from).max(64);
        self.snd_mss = peer_mss.min(self.rcv_mss);
        // Windows count payload: what a segment carries after the options
        // (the SYN's timestamp decision is taken first).
        let mss = self.payload_mss();
        self.cc.reset(
            mss,
            super::congestion::initial_window(mss, self.cfg.initial_window),
        );
        let offered = !self.syn_options_dropped();
        self.sack_ok = offered && self.cfg.sack && o.sack_permitted;
        match o.window_scale {
            Some(shift) if offered && self.cfg.window_scaling => {
                self.snd_wscale = shift.min(super::MAX_WSCALE);
                self.wscale_ok = true;
                self.rcv_wscale = self.wanted_rcv_wscale();
            }
            _ => {
                self.snd_wscale = 0;
                self.wscale_ok = false;
                self.rcv_wscale = 0;
            }
        }
    }

    pub(super) fn update_window_from_syn(&mut self, seg: &TcpRepr) {
        self.snd_wnd = usize::from(seg.window);
        self.max_snd_wnd = self.max_snd_wnd.max(self.snd_wnd);
        self.snd_wl1 = seg.seq;
        self.snd_wl2 = seg.ack;
    }

    /// At ESTABLISHED, the text queued from a simultaneous-open SYN becomes
    /// readable (RFC 9293 3.10.7.3: "queue them for processing after the
    /// ESTABLISHED state has been reached").
    pub(super) fn take_queued_syn_text(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(end) = self.assembler.advance(self.rcv_nxt) {
            let len = end.since(self.rcv_nxt);
            self.recv_buf.commit(len);
            self.rcv_nxt = end;
            self.unacked_bytes += len;
            if !self.timers.is_set(Timer::DelayedAck) {
                self.timers
                    .set(Timer::DelayedAck, ctx.now + self.cfg.delayed_ack);
            }
            if !self.readable_notified {
                self.readable_notified = true;
                self.emit_event(ctx, crate::endpoint::EventKind::Readable);
            }
        }
    }

    /// SEGMENT ARRIVES in SYN-SENT (RFC 9293 3.10.7.3).
    pub(super) fn on_segment_syn_sent(&mut self, ctx: &mut Ctx<'_>, seg: &TcpRepr, payload: &[u8]) {
        let f = seg.flags;
        // First: the ACK bit.
        if f.ack() && (seg.ack.le(self.iss) || seg.ack.gt(self.snd_max)) {
            if !f.rst() {
                self.reply_rst = Some(seg.ack);
            }
            self.drop_segment(ctx, seg, DropReason::BadAck);
            return;
        }
        let ack_ok = f.ack() && self.snd_una.lt(seg.ack) && seg.ack.le(self.snd_max);
        // Second: the RST bit. Acceptable only with an acceptable ACK.
        if f.rst() {
            if ack_ok {
                self.fail(ctx, Error::ConnectionRefused, Cause::RecvRst);
            } else {
                self.drop_segment(ctx, seg, DropReason::RstNotExact);
            }
            return;
        }
        // Fourth: the SYN bit.
        if !f.syn() {
            self.drop_segment(ctx, seg, DropReason::OutOfWindow);
            return;
        }
        self.irs = seg.seq;
        self.rcv_nxt = seg.seq + 1;
        self.take_syn_timestamp(seg.options.timestamps, ctx.now);
        self.take_syn_options(&seg.options);
        self.round_recv_buffer();
        self.rcv_adv = self.rcv_nxt + self.recv_buf.free().min(65535);
        if ack_ok {
            // Our SYN is acknowledged: ESTABLISHED.
            self.syn_pending = false;
            self.ecn_on_syn_ack(ctx, seg);
            self.on_ack_advance(ctx, seg.ack);
            self.update_window_from_syn(seg);
            self.ack_now = true;
            self.set_state(ctx, State::Established, Cause::RecvSynAck);
            // Data or FIN on the SYN-ACK are processed as in ESTABLISHED.
            if !payload.is_empty() || f.fin() {
                self.process_text_and_fin(ctx, seg.seq + 1, payload, f.fin());
            }
        } else {
            // Simultaneous open: SYN-RECEIVED, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
            // Text on the SYN is queued until ESTABLISHED (3.10.7.3, fourth
            // check); a FIN on it is not taken (the peer repeats it).
            if !payload.is_empty() {
                let len = payload.len().min(self.recv_buf.free());
                self.recv_buf.write_at(0, &payload[..len]);
                self.assembler.insert(self.rcv_nxt, self.rcv_nxt + len);
            }
            self.update_window_from_syn(seg);
            self.ecn_on_syn(ctx, seg);
            self.syn_pending = true;
            self.timers.clear(Timer::Retransmit);
            self.set_state(ctx, State::SynReceived, Cause::SimultaneousOpen);
        }
    }
}
