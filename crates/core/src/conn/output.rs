//! Deciding what to send and building the segment straight into the
//! driver's buffer: RST, SYN / SYN-ACK, retransmissions, new data (Nagle
//! and sender SWS avoidance), FIN, zero-window probes and ACKs.

use super::congestion::CongestionControl;
use super::recovery::{Counter, Send};
use super::{Connection, Ctx, State, timers::Timer};
use crate::config::{GsoAutosize, PushPolicy, SlowStart, WindowRule, ZeroWindowProbe};
use crate::seq::SeqNum;
use crate::trace::TraceKind;
use crate::wire::{self, IpRepr, TcpFlags, TcpOptions, TcpRepr};
use core::time::Duration;

/// Largest IP + TCP headers: IPv6 (40) and TCP with 40 bytes of options.
const MAX_HEADERS: usize = 40 + 60;

/// Largest payload of a TSO segment: the IPv4 total length field's limit
/// less the largest headers (`Config::tso_segments`).
const MAX_TSO_PAYLOAD: usize = 65535 - MAX_HEADERS;

/// Floor of the persist interval.
const MIN_PERSIST: Duration = Duration::from_millis(200);

/// A segment about to be built.
#[derive(Clone, Copy, Debug)]
struct Plan {
    seq: SeqNum,
    flags: TcpFlags,
    /// Payload length, read from the send buffer at `seq`.
    len: usize,
    options: TcpOptions,
    /// Sequence number after this segment (SYN and FIN count one).
    advance_to: SeqNum,
    retransmission: bool,
    /// Zero-window probe: does not move SND.NXT.
    probe: bool,
    /// Why data goes out (loss-recovery bookkeeping and counters).
    send: Send,
}

impl Connection {
    /// Is there something to send right now (without considering timers)?
    pub(crate) fn has_output(&self) -> bool {
        self.rst_pending
            || self.reply_rst.is_some()
            || self.syn_pending
            || self.ack_now
            || self.dup_acks_owed > 0
            || self.fast_rexmit_pending
            || self.tlp_pending
            || self.force_probe
            || self.keepalive_probe_pending
            || (self.state.is_synchronized() && self.next_data_segment().is_some())
            || (self.in_sack_recovery()
                && self.state.is_synchronized()
                && matches!(self.next_seg(), Some(super::recovery::NextSeg::Rexmit(..))))
    }

    /// Writes the next segment (a whole IP packet) into `buf`. A buffer
    /// that cannot hold a full-sized segment gets nothing, and nothing
    /// pending is consumed.
    pub(crate) fn poll_transmit(&mut self, ctx: &mut Ctx<'_>, buf: &mut [u8]) -> Option<usize> {
        if buf.len() < self.max_packet() {
            return None;
        }
        let plan = self.plan(ctx)?;
        self.emit(ctx, buf, plan)
    }

    /// Largest packet this connection may emit: a full data segment with
    /// the largest headers, which without TSO never exceeds the MTU (the
    /// payload is the MSS less the options, RFC 6691), so a buffer of the
    /// MTU is always enough, as `Endpoint::poll_transmit` promises.
    fn max_packet(&self) -> usize {
        let full = MAX_HEADERS + self.max_payload();
        if self.cfg.tso_segments <= 1 {
            full.min(self.cfg.mtu.max(MAX_HEADERS + 64))
        } else {
            full
        }
    }

    /// Largest payload of one data segment: the MSS less the options every
    /// segment carries, or with TSO (`Config::tso_segments` > 1) as many
    /// such whole pieces as fit in [`MAX_TSO_PAYLOAD`].
    pub(super) fn max_payload(&self) -> usize {
        let mss = self.payload_mss();
        if self.cfg.tso_segments <= 1 {
            return mss;
        }
        let pieces = self.cfg.tso_segments.min(MAX_TSO_PAYLOAD / mss).max(1);
        pieces * mss
    }

    /// Size of the buffers a write is cut into under
    /// `PushPolicy::WriteBoundary` (Linux's `tcp_xmit_size_goal`): one MSS
    /// without TSO; with TSO the largest TSO payload, bounded by half the
    /// peer's largest window (`tcp_bound_to_half_wnd`), in whole MSS.
    pub(super) fn size_goal(&self) -> usize {
        let mss = self.payload_mss();
        if self.cfg.tso_segments <= 1 {
            return mss;
        }
        let mut goal = self.max_payload();
        let w = self.max_snd_wnd;
        let cutoff = if w > 536 { w / 2 } else { w };
        if cutoff > 0 && goal > cutoff {
            goal = cutoff;
        }
        (goal - goal % mss).max(mss)
    }

    /// PSH for data `[seq, seq + len)`: under `PushPolicy::WriteBoundary`
    /// when a write end falls within it (RFC 9293 3.9.1.2 with the PUSH
    /// flag on every SEND: "the PSH bit will be set in the last TCP segment
    /// created from the buffer"), else `queue_rule`, the default policy's
    /// answer at the call site (MUST-61: "the last buffered segment").
    /// Under `WriteBoundary` every segment of more than one MSS, new or
    /// resent, has it too, as Linux's `__tcp_transmit_skb` forces PSH on
    /// every GSO packet (`tcp_skb_pcount(skb) > 1`, to flush the
    /// receiver's GRO). Linux 6.18 driven through a TUN device as
    /// packetdrill drives it (`scripts/linux-push-probe`) showed it: every
    /// GSO packet cut from the middle of a write carried PSH, a
    /// one-segment piece did not.
    pub(super) fn push_flag(&self, seq: SeqNum, len: usize, queue_rule: bool) -> bool {
        match self.cfg.push {
            PushPolicy::WriteBoundary => {
                len > self.payload_mss() || self.push_points.any_in(seq, seq + len)
            }
            _ => queue_rule,
        }
    }

    /// Largest payload of a segment of new data: [`Self::max_payload`],
    /// or with `Config::gso_autosize` Linux's GSO packet size in whole MSS.
    fn new_data_burst(&self) -> usize {
        let mss = self.payload_mss();
        match self.cfg.gso_autosize {
            Some(a) if self.cfg.tso_segments > 1 => {
                let segs = self.linux_gso_segs(a, mss);
                segs.min(self.cfg.tso_segments).max(1) * mss
            }
            _ => self.max_payload(),
        }
    }

    /// Linux's `tcp_update_pacing_rate`, bytes per second: cwnd (or the
    /// flight, if larger) x MSS / SRTT, times `ss_ratio` percent while
    /// cwnd is below half of ssthresh, else `ca_ratio`; before an SRTT,
    /// as good as unbounded.
    pub(super) fn pacing_rate(&self, a: GsoAutosize, mss: usize) -> u64 {
        let mss64 = mss.max(1) as u64;
        let cwnd = (self.cc.window() / mss.max(1)) as u64;
        let ssthresh = (self.cc.ssthresh() / mss.max(1)) as u64;
        let packets_out = (self.snd_nxt.since(self.snd_una) / mss.max(1)) as u64;
        let ratio = u64::from(if cwnd < ssthresh / 2 {
            a.ss_ratio
        } else {
            a.ca_ratio
        });
        match self.rtt.srtt().map(|d| d.as_micros() as u64) {
            Some(srtt_us) if srtt_us > 0 => {
                (mss64 * 10_000 * ratio).saturating_mul(cwnd.max(packets_out)) / srtt_us
            }
            _ => u64::MAX,
        }
    }

    /// Linux's `hystart_ack_delay`: HyStart's allowance for GSO
    /// aggregation, the time four 64 KiB packets take at the pacing rate,
    /// at most 1 ms.
    pub(super) fn hystart_ack_delay(&self) -> Duration {
        let a = self.cfg.gso_autosize.unwrap_or(GsoAutosize::LINUX);
        let rate = self.pacing_rate(a, self.payload_mss()).max(1);
        Duration::from_micros((65_536 * 4 * 1_000_000 / rate).min(1000))
    }

    /// Linux's `tcp_tso_autosize` bounded by `tcp_cwnd_test`'s half of
    /// cwnd, in MSS-sized pieces (see [`GsoAutosize`]).
    fn linux_gso_segs(&self, a: GsoAutosize, mss: usize) -> usize {
        const GSO_MAX: u64 = 65_536;
        let mss64 = mss.max(1) as u64;
        let cwnd = (self.cc.window() / mss.max(1)) as u64;
        let mut bytes = self.pacing_rate(a, mss) >> 10;
        if let Some(min_rtt) = self.rack.min_rtt() {
            let r = (min_rtt.as_micros() as u64) >> 9;
            if r < 32 {
                bytes = bytes.saturating_add(GSO_MAX >> r);
            }
        }
        let segs = (bytes.min(GSO_MAX) / mss64).max(u64::from(a.min_segs));
        let half_cwnd = (cwnd / 2).max(1);
        segs.min(half_cwnd) as usize
    }

    /// PSH for a segment of `next_data_segment`: `push_flag`, FreeBSD's
    /// rule being the segment that empties the queue.
    fn new_data_push_flag(&self, seq: SeqNum, len: usize) -> bool {
        self.push_flag(seq, len, seq + len == self.send_data_end())
    }

    /// The next data / FIN segment the rules allow, if any.
    pub(super) fn next_data_segment(&self) -> Option<(SeqNum, usize, bool)> {
        if !matches!(
            self.state,
            State::Established
                | State::CloseWait
                | State::FinWait1
                | State::Closing
                | State::LastAck
        ) {
            return None;
        }
        // RFC 9293 3.10.2/3.10.4: data waits for the SYN's acknowledgment
        // (a CLOSE in SYN-RECEIVED moved us to FIN-WAIT-1 before it).
        if self.syn_unacked() {
            return None;
        }
        // New data waits for a refused packet's retry (`refused`).
        if self.refusal.held && self.snd_nxt == self.snd_max {
            return None;
        }
        let data_start = self.send_data_seq();
        let data_end = self.send_data_end();
        let nxt = self.snd_nxt;
        let unsent = data_end.since(nxt);
        let in_flight = nxt.since(self.snd_una);
        let cwnd = self.cc.window() + self.limited_transmit as usize * self.payload_mss();
        let wnd = self.snd_wnd.min(cwnd);
        let usable = if self.in_sack_recovery() {
            // RFC 6675 (C): cwnd - pipe, PRR's cwnd (RFC 6937 section 3).
            let budget = self.recovery_cwnd.saturating_sub(self.pipe);
            self.snd_wnd.saturating_sub(in_flight).min(budget)
        } else {
            wnd.saturating_sub(in_flight)
        };
        let mss = self.payload_mss();
        let usable = if self.tlp_new_data {
            // RFC 8985 7.3: the probe may go past cwnd (not the window).
            usable.max(
                self.snd_wnd
                    .saturating_sub(in_flight)
                    .min(self.payload_mss()),
            )
        } else {
            usable
        };
        let mut len = unsent.min(usable).min(self.new_data_burst());
        if nxt.lt(self.snd_max)
            && self.sack_mode()
            && let Some(&(l, _)) = self.scoreboard.ranges().iter().find(|&&(l, _)| l.gt(nxt))
        {
            // Going back after an RTO: stop at data the peer SACKed since
            // (RFC 6675 5.1: use the SACK information of the recovery).
            len = len.min(l.since(nxt));
        }
        let mut at_point = false;
        if len > mss
            && self.cfg.push == PushPolicy::WriteBoundary
            && let Some(p) = self.push_points.first_inside(nxt, nxt + len)
            && p.since(nxt) >= mss
        {
            // A TSO segment ends at a write end, as Linux's never spans
            // two skbs.
            len = p.since(nxt);
            at_point = true;
        }
        if len > mss && len < unsent && !at_point {
            // TSO: whole MSS-sized pieces unless this empties the queue
            // (as Linux's tcp_mss_split_point), so the device does not cut
            // a runt out of the middle of the stream.
            len -= len % mss;
        }
        if self.force_probe && len == 0 && unsent > 0 {
            // Zero-window probe: one byte past the window.
            len = 1;
        }
        if (self.cork || self.more_coming)
            && !self.force_probe
            && !(self.fin_queued && nxt + len == data_end)
            && nxt.ge(self.snd_max)
            && len % mss != 0
            && self.corked(nxt + len)
        {
            // Corked (TCP_CORK, MSG_MORE): only whole segments go, as
            // Linux's tcp_mss_split_point and tcp_nagle_check hold a short
            // tail; a FIN passes (tcp_nagle_test).
            len -= len % mss;
            if len == 0 {
                return None;
            }
        }
        // The FIN takes a sequence number, so it needs room in the window
        // too; behind a zero window it goes as the persist probe.
        let mut fin = self.fin_queued
            && nxt.le(data_end)
            && nxt + len == data_end
            && (usable > len || self.force_probe);
        if !fin
            && self.cfg.fin_ignores_cwnd
            && self.fin_queued
            && unsent == 0
            && nxt == data_end
            && self.snd_wnd > in_flight
        {
            // Config::fin_ignores_cwnd: the final FIN alone passes a full
            // cwnd (Linux's tcp_cwnd_test), not the peer's window.
            fin = true;
        }
        if len == 0 && !fin {
            return None;
        }
        let retransmit = nxt.lt(self.snd_max);
        if len > 0 && len < mss && !retransmit && !fin && !self.force_probe {
            // Sender SWS avoidance (RFC 9293 3.8.6.2.1, MUST-38) with Nagle
            // (3.7.4, SHLD-7): a short segment goes out only if it empties
            // the queue and nothing is in flight (or Nagle is off), or if it
            // is at least half the largest window the peer offered.
            let empties_queue = nxt + len == data_end;
            let ok = (empties_queue && (!self.nagle || in_flight == 0))
                || (self.max_snd_wnd > 0 && len >= self.max_snd_wnd / 2);
            if !ok {
                return None;
            }
        }
        debug_assert!(nxt.ge(data_start));
        Some((nxt, len, fin))
    }

    /// Sequence number for segments that carry no data (pure ACK, RST):
    /// RFC 9293's SND.NXT, which never moves back (our `snd_max`, since
    /// `snd_nxt` rewinds to resend after a timeout), kept inside the peer's
    /// window so the segment stays acceptable (as Linux's
    /// tcp_acceptable_seq). A rewound SND.NXT here would make both sides
    /// drop each other's ACKs as out-of-window after simultaneous timeouts.
    fn control_seq(&self) -> SeqNum {
        let wnd_end = self.snd_una + self.snd_wnd;
        if wnd_end.ge(self.snd_max) {
            self.snd_max
        } else {
            wnd_end.max(self.snd_nxt)
        }
    }

    fn plan(&mut self, ctx: &mut Ctx<'_>) -> Option<Plan> {
        let now = ctx.now;
        let control_seq = self.control_seq();
        let base = Plan {
            seq: control_seq,
            flags: TcpFlags::ACK,
            len: 0,
            options: TcpOptions::default(),
            advance_to: control_seq,
            retransmission: false,
            probe: false,
            send: Send::Normal,
        };
        if let Some(seq) = self.reply_rst.take() {
            return Some(Plan {
                seq,
                flags: TcpFlags::RST,
                advance_to: seq,
                ..base
            });
        }
        if self.rst_pending {
            self.rst_pending = false;
            return Some(Plan {
                flags: TcpFlags::RST | TcpFlags::ACK,
                ..base
            });
        }
        if self.syn_pending {
            self.syn_pending = false;
            let flags = match self.state {
                State::SynSent => TcpFlags::SYN | self.ecn_syn_flags(),
                State::SynReceived | State::FinWait1 => {
                    TcpFlags::SYN | TcpFlags::ACK | self.ecn_syn_ack_flags()
                }
                _ => return self.plan(ctx),
            };
            return Some(Plan {
                seq: self.iss,
                flags,
                options: self.syn_options(now),
                advance_to: self.iss + 1,
                retransmission: self.snd_max.gt(self.iss),
                ..base
            });
        }
        if !self.state.is_synchronized() && self.state != State::SynReceived {
            return None;
        }
        if self.fast_rexmit_pending && self.state.is_synchronized() {
            self.fast_rexmit_pending = false;
            let data_end = self.send_data_end();
            let mut len = data_end.since(self.snd_una).min(self.payload_mss());
            if self.sack_mode() {
                len = len.min(self.first_hole_len());
            }
            if self.in_sack_recovery() {
                // RFC 6675 5 (4.3): RescueRxt = the segment's highest octet
                // (HighRxt follows when it is sent).
                self.rescue_rxt = Some(self.snd_una + len);
            }
            let fin =
                self.fin_queued && self.snd_una + len == data_end && self.snd_max.gt(data_end);
            if len > 0 || fin {
                return Some(Plan {
                    seq: self.snd_una,
                    flags: data_flags(len, fin, self.push_flag(self.snd_una, len, true)),
                    len,
                    advance_to: self.snd_una + len + usize::from(fin),
                    retransmission: true,
                    probe: false,
                    send: if self.in_sack_recovery()
                        && self.recovery_cause == crate::trace::RecoveryCause::Rack
                    {
                        Send::Rack
                    } else {
                        Send::Fast
                    },
                    ..base
                });
            }
        }
        if self.tlp_pending && self.state.is_synchronized() {
            // RFC 8985 7.3: new data if possible, else the last segment.
            self.tlp_pending = false;
            self.tlp_new_data = self.tlp_can_send_new();
            if !self.tlp_new_data || self.next_data_segment().is_none() {
                self.tlp_new_data = false;
                let (seq, len, fin) = self.tlp_last_segment();
                if len > 0 || fin {
                    return Some(Plan {
                        seq,
                        flags: data_flags(len, fin, self.push_flag(seq, len, true)),
                        len,
                        advance_to: seq + len + usize::from(fin),
                        retransmission: true,
                        send: Send::Tlp,
                        ..base
                    });
                }
            }
        }
        if self.in_sack_recovery()
            && self.state.is_synchronized()
            && let Some((seq, len, send)) = self.take_next_seg(ctx)
        {
            // RFC 6675 (C.1): NextSeg's retransmission.
            return Some(Plan {
                seq,
                flags: data_flags(len, false, self.push_flag(seq, len, true)),
                len,
                advance_to: seq + len,
                retransmission: true,
                send,
                ..base
            });
        }
        if self.sack_mode() && self.snd_nxt.lt(self.snd_max) && !self.in_recovery {
            // Going back after an RTO: skip what the peer has SACKed.
            while let Some(&(_, r)) = self
                .scoreboard
                .ranges()
                .iter()
                .find(|&&(l, r)| self.snd_nxt.ge(l) && self.snd_nxt.lt(r))
            {
                self.snd_nxt = r.min(self.snd_max);
            }
        }
        if self.force_probe
            && self.snd_wnd == 0
            && self.cfg.zero_window_probe == ZeroWindowProbe::OldSequence
            && self.state.is_synchronized()
        {
            // Linux's tcp_xmit_probe_skb: an old sequence number, no data;
            // the peer answers with its window. No data goes, so this is
            // no restart after idle either.
            self.force_probe = false;
            let seq = self.snd_una - 1;
            return Some(Plan {
                seq,
                advance_to: seq,
                probe: true,
                ..base
            });
        }
        if self.cfg.restart_after_idle
            && self.snd_una == self.snd_max
            && self.state.is_synchronized()
            && self
                .last_data_sent
                .is_some_and(|t| now.saturating_since(t) > self.rtt.rto())
        {
            // RFC 5681 4.1: idle for more than an RTO, restart from
            // min(cwnd, IW) rather than burst a stale window.
            let mss = self.payload_mss();
            self.cc.on_idle_restart(super::congestion::initial_window(
                mss,
                self.cfg.initial_window,
            ));
            self.last_data_sent = None;
        }
        if let Some((seq, len, fin)) = self.next_data_segment() {
            let probe = self.force_probe && self.snd_wnd == 0;
            // Data the persist timer let out of an open window (held by
            // SWS avoidance or a cork) has PSH under Linux's rules, as
            // tcp_write_wakeup sets it.
            let woken = self.force_probe && !probe && self.cfg.push == PushPolicy::WriteBoundary;
            self.force_probe = false;
            let end = seq + len + usize::from(fin);
            return Some(Plan {
                seq,
                flags: data_flags(len, fin, woken || self.new_data_push_flag(seq, len)),
                len,
                advance_to: end,
                retransmission: seq.lt(self.snd_max),
                probe,
                ..base
            });
        }
        self.force_probe = false;
        if self.keepalive_probe_pending {
            // <SEQ=SND.UNA-1><ACK=RCV.NXT><CTL=ACK>: outside the peer's
            // window, so it must answer (RFC 1122 4.2.3.6).
            self.keepalive_probe_pending = false;
            let seq = self.snd_una - 1;
            return Some(Plan {
                seq,
                advance_to: seq,
                ..base
            });
        }
        if self.ack_now || self.dup_acks_owed > 0 {
            self.dup_acks_owed = self.dup_acks_owed.saturating_sub(1);
            let fin_seq = self.send_data_end();
            if self.cfg.fin_with_every_ack
                && !self.pure_ack
                && self.fin_queued
                && self.snd_una == fin_seq
                && self.snd_max == fin_seq + 1
            {
                // Resend the FIN with the ACK (Config::fin_with_every_ack).
                return Some(Plan {
                    seq: fin_seq,
                    flags: TcpFlags::FIN | TcpFlags::ACK,
                    advance_to: fin_seq + 1,
                    retransmission: true,
                    ..base
                });
            }
            return Some(base);
        }
        None
    }

    fn emit(&mut self, ctx: &mut Ctx<'_>, buf: &mut [u8], mut plan: Plan) -> Option<usize> {
        if !plan.flags.syn() {
            // RFC 7323 3.2: once agreed, TSopt "MUST be sent in every
            // non-<RST> segment ... and SHOULD be sent in an <RST>
            // segment"; RFC 2018: SACK blocks on every ACK while holes
            // remain (not on an RST).
            plan.options.timestamps = self.ts_option(ctx.now);
            if plan.flags.ack() && !plan.flags.rst() {
                plan.options.sack_blocks = self.sack_blocks();
                // The blocks share the MSS with the payload: trim the
                // payload so the packet stays within the MTU (RFC 6691).
                // A FIN that no longer ends the segment goes later.
                let ts_len = if self.ts_ok { 12 } else { 0 };
                let extra = plan.options.wire_len().saturating_sub(ts_len);
                // (A TSO segment with SACK blocks goes as one wire segment:
                // the device copies the options into every piece.)
                let room = self.payload_mss().saturating_sub(extra).max(1);
                if extra > 0 && plan.len > room {
                    plan.len = room;
                    plan.flags = data_flags(room, false, self.push_flag(plan.seq, room, false));
                    plan.advance_to = plan.seq + room;
                }
            }
        }
        let ecn = self.ecn_output(&mut plan.flags, plan.len, plan.retransmission, plan.probe);
        let ip = IpRepr {
            src: self.local.ip(),
            dst: self.remote.ip(),
            ttl: self.ttl,
            ecn,
            dscp: self.dscp,
            dont_fragment: self.pmtu_discovery,
        };
        let tcp = TcpRepr {
            src_port: self.local.port(),
            dst_port: self.remote.port(),
            seq: plan.seq,
            ack: if plan.flags.ack() {
                self.rcv_nxt
            } else {
                SeqNum(0)
            },
            flags: plan.flags,
            window: if plan.flags.rst() {
                0
            } else {
                self.window_to_advertise(plan.flags.syn())
            },
            urgent: 0,
            options: plan.options,
        };
        let header_len = wire::header_len(&ip, &tcp.options);
        let total = header_len + plan.len;
        if buf.len() < total {
            return None;
        }
        if plan.len > 0 {
            let offset = plan.seq.since(self.send_data_seq());
            let copied = self.send_buf.read_at(offset, &mut buf[header_len..total]);
            debug_assert_eq!(copied, plan.len);
        }
        let n = wire::emit_headers(&ip, &tcp, plan.len, buf).ok()?;
        if !ip.dont_fragment && self.local.is_ipv4() {
            // A packet routers may fragment needs an identification of its
            // own (RFC 6864 4.1; DF packets keep 0, 4.2).
            self.ip_ident = self.ip_ident.wrapping_add(1);
            wire::set_ipv4_ident(&mut buf[..n], self.ip_ident);
        }

        // Bookkeeping after the segment is committed.
        ctx.stats.tx_packets += 1;
        if plan.flags.rst() {
            ctx.stats.tx_rst += 1;
        }
        if plan.advance_to.gt(plan.seq) && !plan.flags.syn() {
            self.after_data_sent(ctx, &plan);
        }
        if plan.retransmission {
            ctx.stats.retransmissions += 1;
            self.rtt_timing = None;
            if let Some(ts) = tcp.options.timestamps {
                self.last_rexmit_tsval = Some(ts.tsval);
            }
        }
        if plan.flags.ack() {
            self.last_ack_sent = self.rcv_nxt;
            self.ack_now = false;
            self.ack_at_once = false;
            self.pure_ack = false;
            self.unacked_bytes = 0;
            self.timers.clear(Timer::DelayedAck);
            let right = self.rcv_nxt
                + (usize::from(tcp.window) << if plan.flags.syn() { 0 } else { self.rcv_wscale });
            if right.gt(self.rcv_adv) {
                self.rcv_adv = right;
            }
        }
        let consumes = plan.advance_to.gt(plan.seq);
        if consumes {
            // What a refusal could take back (`refused`).
            let new_tail = !plan.retransmission
                && !plan.probe
                && !plan.flags.syn()
                && plan.send == Send::Normal
                && !self.in_sack_recovery();
            self.refusal.note_sent(plan.seq, plan.advance_to, new_tail);
            if !plan.retransmission && self.rtt_timing.is_none() {
                self.rtt_timing = Some((plan.advance_to, ctx.now));
            }
            if plan.advance_to.gt(self.snd_max) {
                self.snd_max = plan.advance_to;
            }
            if !plan.probe {
                if plan.advance_to.gt(self.snd_nxt) || plan.flags.syn() {
                    self.snd_nxt = plan.advance_to;
                }
                // RFC 6298 5.1: start the timer if it is not running.
                if !self.timers.is_set(Timer::Retransmit) {
                    let rto = self.retransmit_timeout(plan.flags.syn());
                    let at = self.within_user_timeout(ctx.now + rto);
                    self.timers.set(Timer::Retransmit, at);
                }
                if !plan.retransmission && !plan.flags.syn() {
                    // RFC 8985 7.2: (re)start the PTO after new data.
                    self.arm_tlp(ctx.now);
                }
            }
        }
        if plan.flags.fin() && plan.len == 0 && !plan.retransmission {
            self.fin_sent_alone = true;
        }
        if consumes && !plan.flags.syn() && self.cfg.slow_start == SlowStart::Abc {
            self.note_cwnd_use();
        }
        ctx.trace.record(
            ctx.now,
            self.local,
            self.remote,
            TraceKind::SegmentOut {
                tcp,
                len: plan.len,
                retransmission: plan.retransmission,
            },
        );
        Some(n)
    }

    /// Loss-recovery bookkeeping for a data / FIN segment just committed.
    fn after_data_sent(&mut self, ctx: &mut Ctx<'_>, plan: &Plan) {
        let sent = plan.advance_to.since(plan.seq);
        self.last_data_sent = Some(ctx.now);
        if self.in_sack_recovery() {
            // RFC 6675 (C.4) pipe grows; RFC 6937 prr_out grows.
            self.pipe += sent;
            self.prr.on_send(sent);
            if matches!(plan.send, Send::Fast | Send::Rack) && plan.advance_to.gt(self.high_rxt) {
                // (C.2) HighRxt: not for rule (4)'s rescue.
                self.high_rxt = plan.advance_to;
            }
        }
        if self.sack_mode() && !plan.probe {
            // RFC 8985 5.1: the segment's transmit time, one record per
            // MSS-sized piece: a TSO segment reaches the peer as such
            // pieces, which it SACKs one by one.
            let mss = self.payload_mss();
            let mut start = plan.seq;
            while start.lt(plan.advance_to) {
                let end = (start + mss).min(plan.advance_to);
                self.sent.on_send(start, end, ctx.now, start == plan.seq);
                start = end;
            }
        }
        if plan.send == Send::Tlp {
            self.on_tlp_sent(ctx, plan.seq, plan.len, false);
        } else if self.tlp_new_data && !plan.retransmission {
            self.tlp_new_data = false;
            self.on_tlp_sent(ctx, plan.seq, plan.len, true);
        }
        if !plan.retransmission {
            return;
        }
        if self.in_recovery {
            self.note_episode_rexmit();
        }
        match plan.send {
            Send::Fast | Send::Rescue => self.count(ctx, Counter::Fast),
            Send::Rack => self.count(ctx, Counter::Rack),
            Send::Tlp => {}
            Send::Normal if !plan.probe && plan.len > 0 => self.count(ctx, Counter::Rto),
            Send::Normal => {}
        }
    }

    /// Arms the persist timer when queued data cannot go out and nothing is
    /// in flight, so no ACK will come to unblock it: behind a zero window
    /// (RFC 9293 3.8.6.1, MUST-35), or held back by sender SWS avoidance
    /// with a window too small to use (3.8.6.2.1's override timeout; BSD
    /// uses its persist timer for both). Disarms it otherwise. Called
    /// after every call into the connection, it also keeps the
    /// chronographs (`chrono`) when `Config::chronographs` asks.
    pub(crate) fn update_persist(&mut self, ctx: &mut Ctx<'_>) {
        if self.cfg.chronographs {
            self.update_chrono(ctx.now);
        }
        let stuck = self.state.is_synchronized()
            && self.snd_nxt == self.snd_una
            && self.has_unsent()
            && self.next_data_segment().is_none();
        if !stuck {
            self.timers.clear(Timer::Persist);
        } else if !self.timers.is_set(Timer::Persist) {
            let interval = if self.refusal.held {
                self.resource_probe_interval()
            } else {
                self.persist_interval()
            };
            let at = self.within_user_timeout(ctx.now + interval);
            self.timers.set(Timer::Persist, at);
        }
    }

    /// The next zero-window probe's interval: the RTO, at least
    /// `MIN_PERSIST`, doubled per probe, at most `Config::max_persist`.
    pub(super) fn persist_interval(&self) -> Duration {
        (self.rtt.rto().max(MIN_PERSIST) * (1u32 << self.persist_backoff.min(10)))
            .min(self.cfg.max_persist)
    }

    /// The window field: free receive-buffer space, advanced only in steps
    /// of at least min(buffer/2, MSS) (receiver SWS avoidance, RFC 9293
    /// 3.8.6.2.2, MUST-39) and never shrinking the right edge (SHLD-14).
    pub(super) fn window_to_advertise(&self, syn: bool) -> u16 {
        let free = self.recv_buf.free();
        if syn {
            return free.min(65535) as u16;
        }
        let current = self.rcv_adv.since(self.rcv_nxt);
        let unit = 1usize << self.rcv_wscale;
        let wnd = match self.cfg.window_rule {
            WindowRule::HoldBack => {
                let step = (self.recv_buf.capacity() / 2).min(self.rcv_mss);
                let wnd = if free >= current + step {
                    free
                } else {
                    current
                };
                wnd >> self.rcv_wscale
            }
            WindowRule::FreeBsd => {
                let mut wnd = free.min(65535 << self.rcv_wscale);
                if wnd < self.recv_buf.capacity() / 4 && wnd < self.snd_mss {
                    wnd = 0;
                }
                wnd.max(current).div_ceil(unit)
            }
        };
        wnd.min(65535) as u16
    }

    /// Would reading have opened the window enough to tell the peer?
    pub(super) fn window_update_due(&self) -> bool {
        if !self.state.can_receive() {
            return false;
        }
        // Only what the window field can carry counts (RFC 9293 3.8.6.2.2:
        // no small advances of the right edge).
        let free = self.recv_buf.free().min(65535 << self.rcv_wscale);
        let current = self.rcv_adv.since(self.rcv_nxt);
        let step = (self.recv_buf.capacity() / 2).min(self.rcv_mss);
        // Tell the peer when the window grew by two segments or half the
        // buffer, or reopened from (nearly) zero.
        free >= current + (2 * self.rcv_mss).min(self.recv_buf.capacity() / 2)
            || (current < step && free >= current + step)
    }
}

fn data_flags(len: usize, fin: bool, push: bool) -> TcpFlags {
    let mut f = TcpFlags::ACK;
    if len > 0 && push {
        f |= TcpFlags::PSH;
    }
    if fin {
        f |= TcpFlags::FIN;
    }
    f
}

/// FreeBSD's `tcp_syn_backoff` (`tcp_timer.c`).
const FREEBSD_SYN_BACKOFF: [u32; 13] = [1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64, 64, 64];

impl Connection {
    /// The retransmission timeout to arm after sending a segment (`syn`: a
    /// SYN or SYN-ACK): RFC 6298's backed-off RTO, or for a SYN under
    /// [`crate::config::SynBackoff::FreeBsd`] the initial RTO times
    /// FreeBSD's factor for the retransmissions so far (at most the
    /// maximum RTO).
    fn retransmit_timeout(&self, syn: bool) -> core::time::Duration {
        if syn && self.cfg.syn_backoff == crate::config::SynBackoff::FreeBsd {
            let shift = (self.retries as usize).min(FREEBSD_SYN_BACKOFF.len() - 1);
            return self
                .cfg
                .initial_rto
                .saturating_mul(FREEBSD_SYN_BACKOFF[shift])
                .min(self.cfg.max_rto);
        }
        self.rtt.rto()
    }
}
