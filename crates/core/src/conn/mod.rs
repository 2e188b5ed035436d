//! One TCP connection: the RFC 9293 state machine.
//!
//! Each concern lives in its own file:
//! - `state`: the eleven states and the causes of transitions;
//! - `open`: active/passive open, SYN-SENT processing, SYN options;
//! - `input`: the RFC 9293 3.10.7.4 checks for synchronized states
//!   (sequence, RST, SYN, ACK, text, FIN);
//! - `ack`: the send side's reaction to ACKs (RTT, congestion, fast
//!   retransmit, window updates);
//! - `output`: deciding what to send and building segments (Nagle, SWS,
//!   persist probes, delayed ACKs);
//! - `app`: the application's calls (send, recv, shutdown, close, abort);
//! - `push`: where PSH goes under `PushPolicy::WriteBoundary`;
//! - `timer_events`: what each timer does when it fires;
//! - `refused`: packets the device refused (local congestion);
//! - `keepalive`: RFC 1122 keep-alive probes;
//! - `timestamps`: RFC 7323 TSval/TSecr, RTTM and PAWS;
//! - `sack`: RFC 2018 SACK blocks for the out-of-order data we hold;
//! - `scoreboard`, `recovery`, `prr`: the sender's RFC 6675 SACK-based
//!   loss recovery paced by RFC 6937 PRR;
//! - `sentlog`, `rack`, `tlp`: RFC 8985 RACK-TLP over per-segment
//!   transmit times;
//! - `cubic`: RFC 9438 CUBIC behind `congestion`'s trait;
//! - `ring`, `assembler`, `rtt`, `congestion`, `timers`: building blocks.
//!
//! The endpoint owns connections and calls them with a `Ctx` that carries
//! the time and the sinks for events, traces and counters.

mod ack;
mod app;
pub mod assembler;
pub mod chrono;
pub mod congestion;
pub mod controller;
mod cookie;
pub mod cubic;
mod ecn;
mod hold;
pub mod hystart;
mod icmp;
mod input;
mod keepalive;
mod open;
mod output;
pub mod prr;
mod push;
mod rack;
mod recovery;
mod refused;
pub mod ring;
pub mod rtt;
mod sack;
pub mod scoreboard;
pub mod sentlog;
mod state;
pub(crate) mod time_wait;
mod timer_events;
pub mod timers;
mod timestamps;
mod tlp;

pub use recovery::{LossStats, SendQueueCounts};
pub use state::{Cause, State};

use crate::config::Config;
use crate::endpoint::{ConnId, Event, EventKind, ListenerId, Stats};
use crate::error::Error;
use crate::seq::SeqNum;
use crate::time::Instant;
use crate::trace::{TraceEvent, TraceKind};
use assembler::Assembler;
use congestion::CongestionControl;
use core::net::SocketAddr;
use core::time::Duration;
use prr::Prr;
use recovery::Undo;
use ring::RingBuffer;
use rtt::RttEstimator;
use scoreboard::Scoreboard;
use std::collections::VecDeque;
use std::sync::Arc;
use timers::{Timer, Timers};

/// Trace sink: records only when enabled, so tracing costs one branch when off.
#[derive(Debug, Default)]
pub(crate) struct Tracer {
    pub enabled: bool,
    pub queue: VecDeque<TraceEvent>,
}

impl Tracer {
    #[inline]
    pub fn record(&mut self, now: Instant, local: SocketAddr, remote: SocketAddr, kind: TraceKind) {
        if self.enabled {
            self.queue.push_back(TraceEvent {
                time: now,
                local,
                remote,
                kind,
            });
        }
    }
}

/// What a connection needs from its endpoint while it processes an input.
pub(crate) struct Ctx<'a> {
    pub now: Instant,
    pub events: &'a mut VecDeque<Event>,
    pub trace: &'a mut Tracer,
    pub stats: &'a mut Stats,
}

/// What a new connection is born with: its handle, its addresses, its
/// initial sequence number and its settings.
pub(crate) struct ConnParams<'a> {
    pub id: ConnId,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub iss: SeqNum,
    /// Offset of this connection's timestamp clock (RFC 7323 5.4).
    pub ts_offset: u32,
    pub ttl: u8,
    /// The settings, shared by the endpoint's connections (see
    /// [`Connection::shared_config`]).
    pub cfg: &'a Arc<Config>,
}

/// IPv4 and TCP headers without options (RFC 9293 3.7.1).
const IPV4_TCP_HEADERS: usize = 40;
/// IPv6 and TCP headers without options.
const IPV6_TCP_HEADERS: usize = 60;
/// Default send MSS when the peer announces none (RFC 9293 MUST-15).
const DEFAULT_MSS_V4: usize = 536;
/// Same for IPv6 (RFC 8200 minimum MTU 1280 - 60).
const DEFAULT_MSS_V6: usize = 1220;
/// Largest window scale shift (RFC 7323 2.3).
const MAX_WSCALE: u8 = 14;
/// Largest window, 2^30 bytes (RFC 7323 2.3).
const MAX_WINDOW: usize = 1 << 30;
/// The delayed-ACK timeout may not exceed 0.5 s (RFC 9293 MUST-40).
const MAX_DELAYED_ACK: Duration = Duration::from_millis(500);

/// One connection's transmission control block (RFC 9293 3.3.1).
#[derive(Debug)]
pub struct Connection {
    pub(crate) id: ConnId,
    pub(crate) local: SocketAddr,
    pub(crate) remote: SocketAddr,
    state: State,
    /// The endpoint's settings, shared; what the application may change
    /// per connection is in `nagle` and `keepalive`.
    cfg: Arc<Config>,
    /// Nagle's algorithm on (RFC 9293 3.7.4; `Config::nagle` at first).
    nagle: bool,
    /// TCP_CORK: short segments wait (`Endpoint::set_cork`).
    cork: bool,
    /// The last write said more follows at once (`MSG_MORE`): short
    /// segments wait until the next write, segment received or persist
    /// timeout.
    more_coming: bool,
    /// Data queued up to here goes even if corked (`set_nodelay`).
    push_through: Option<SeqNum>,
    /// Keep-alives on (RFC 1122 4.2.3.6; `Config::keepalive` at first).
    keepalive: bool,
    ttl: u8,
    /// The DS field's codepoint on everything sent (`Endpoint::set_tos`).
    dscp: u8,
    /// Path MTU discovery (RFC 1191): DF set and ICMP "fragmentation
    /// needed" taken (`Endpoint::set_path_mtu_discovery`).
    pmtu_discovery: bool,
    /// The IPv4 identification of the next packet sent without DF (RFC
    /// 6864 4.1: unique per source, destination and protocol).
    ip_ident: u16,
    /// Opened by a listener (passive open); `Some` until accepted.
    pub(crate) listener: Option<ListenerId>,
    /// The application holds a handle to this connection.
    pub(crate) app_owned: bool,
    /// Set when the handshake completes; the endpoint consumes it.
    pub(crate) newly_established: bool,
    /// Listed in one of its listener's queues (accept, held SYNs).
    pub(crate) queued_for_accept: bool,
    /// A held SYN: nothing sent until the application decides (`hold.rs`).
    held: bool,

    // Send sequence space (RFC 9293 3.3.1, figure 3).
    iss: SeqNum,
    snd_una: SeqNum,
    snd_nxt: SeqNum,
    /// Highest sequence number sent so far (snd_nxt goes back after an RTO).
    snd_max: SeqNum,
    snd_wnd: usize,
    snd_wl1: SeqNum,
    snd_wl2: SeqNum,
    max_snd_wnd: usize,
    snd_mss: usize,
    snd_wscale: u8,
    /// Both SYNs carried window scale (RFC 7323 2.2).
    wscale_ok: bool,
    /// Both SYNs carried SACK-permitted (RFC 2018 section 2).
    sack_ok: bool,
    /// The most recent out-of-order segment, for the first SACK block.
    sack_latest: Option<(SeqNum, SeqNum)>,
    /// Highest sequence number the peer has SACKed (for RFC 6675 DupAcks).
    sack_high: SeqNum,
    /// Both SYNs carried timestamps (RFC 7323 3.2).
    ts_ok: bool,
    /// ECN negotiation and echo state (RFC 3168).
    ecn: ecn::EcnState,
    /// Offset of our TSval clock.
    ts_offset: u32,
    /// TS.Recent and when it was recorded (RFC 7323 4.3, 5.5).
    ts_recent: u32,
    ts_recent_at: Instant,
    /// Last.ACK.sent: the ACK number of our latest segment (RFC 7323 4.3).
    last_ack_sent: SeqNum,
    /// TSval of our latest retransmission: an echo older than it may
    /// answer the original transmission (Karn's ambiguity again).
    last_rexmit_tsval: Option<u32>,
    /// The last soft ICMP error (RFC 1122 4.2.3.9).
    soft_error: Option<Error>,

    // Receive sequence space.
    irs: SeqNum,
    rcv_nxt: SeqNum,
    /// Right edge of the window we last advertised.
    rcv_adv: SeqNum,
    rcv_wscale: u8,
    /// MSS we announced: "full-sized" for delayed-ACK counting.
    rcv_mss: usize,

    send_buf: RingBuffer,
    /// Sequence number of `send_buf`'s first byte.
    send_buf_seq: SeqNum,
    recv_buf: RingBuffer,
    assembler: Assembler,
    /// Application asked to send FIN after the queued data.
    fin_queued: bool,
    /// The peer's FIN has been received (in order).
    fin_received: bool,
    /// Our FIN first went out in a segment of its own (no data): under
    /// `PushPolicy::WriteBoundary` a tail-loss probe resends it alone, as
    /// Linux's probe resends its last skb, the FIN's own.
    fin_sent_alone: bool,
    /// An out-of-order FIN's sequence number, processed once the gap fills.
    ooo_fin: Option<SeqNum>,

    timers: Timers,
    rtt: RttEstimator,
    /// Segment end being timed for an RTT sample, and when it was sent.
    rtt_timing: Option<(SeqNum, Instant)>,
    /// Consecutive retransmission timeouts.
    retries: u32,
    persist_backoff: u32,
    /// Zero-window probes (or refused retries, `refused`) since the last ACK.
    unanswered_probes: u32,
    refusal: refused::Refusal,
    /// Keep-alive probes sent since the peer was last heard.
    keepalive_probes_sent: u32,
    /// Send a keep-alive probe at the next transmit.
    keepalive_probe_pending: bool,
    /// Send one byte past a zero window at the next transmit.
    force_probe: bool,

    cc: controller::Controller,
    dupacks: u32,
    /// Segments RFC 3042 lets out beyond cwnd (0, 1 or 2).
    limited_transmit: u32,
    in_recovery: bool,
    /// RFC 6582 `recover`.
    recover: SeqNum,
    fast_rexmit_pending: bool,
    /// The sender's SACK scoreboard (RFC 6675 section 4).
    scoreboard: Scoreboard,
    /// The current recovery is RFC 6675's (else RFC 6582's).
    sack_recovery: bool,
    /// What started the current (or last) recovery.
    recovery_cause: crate::trace::RecoveryCause,
    /// RFC 6675 HighRxt: one past the highest octet retransmitted by
    /// NextSeg rules (1) and (3).
    high_rxt: SeqNum,
    /// RFC 6675 RescueRxt.
    rescue_rxt: Option<SeqNum>,
    /// RFC 6675 `pipe`: recomputed per ACK, raised per transmission (C.4).
    pipe: usize,
    /// cwnd during SACK recovery: pipe + PRR's sndcnt (RFC 6937 section 3).
    recovery_cwnd: usize,
    /// PRR's state for the current episode.
    prr: Prr,
    /// What undoes the last episode if it proves spurious (RFC 2883 5).
    undo: Option<Undo>,
    /// Loss-recovery counters.
    /// Loss counters by `recovery::Counter` (u32 each: every connection
    /// has them; saturating).
    loss: [u32; recovery::COUNTERS],
    /// When data was last sent (RFC 5681 4.1 restart after idle).
    last_data_sent: Option<Instant>,
    /// When data last arrived (or the handshake completed).
    last_data_recv: Option<Instant>,
    /// Write ends that put PSH on segments (`Config::push`).
    push_points: push::PushPoints,
    /// The window was full when data was last sent (`Config::slow_start`,
    /// Linux's `is_cwnd_limited`).
    cwnd_limited: bool,
    /// Largest flight in bytes since `cwnd_usage_seq` was sent (Linux's
    /// `max_packets_out`).
    max_flight: usize,
    /// SND.NXT when `max_flight` was last reset (Linux's `cwnd_usage_seq`).
    cwnd_usage_seq: SeqNum,
    /// Per-segment transmit times (RFC 8985 5.1), grown on demand.
    sent: sentlog::SentLog,
    /// RACK's state (RFC 8985 6.1).
    rack: rack::Rack,
    /// HyStart's rounds and RTT samples (`Config::hystart`).
    hystart: hystart::HyStartRound,
    /// The largest reordering seen, in segments (Linux's `tp->reordering`,
    /// from `tcp_reordering` = 3): reported, not used as a threshold.
    reordering: u16,
    /// How many ACKs showed reordering (Linux's `reord_seen`).
    reord_seen: u32,
    /// Busy and receive-window-limited time (`chrono`).
    chrono: chrono::Chronographs,
    /// The PTO fired: a probe goes at the next transmit (RFC 8985 7.3).
    tlp_pending: bool,
    /// The probe is new data, sent past cwnd.
    tlp_new_data: bool,
    /// RTT samples taken when the last probe went out (RFC 8985 7.3: no
    /// new probe before a new sample).
    tlp_rtt_samples: u64,
    /// RFC 8985 `TLP.end_seq`: a probe is outstanding until it is acked.
    tlp_end: Option<SeqNum>,
    /// That probe resent data (`TLP.is_retrans`).
    tlp_rexmit: bool,

    /// SYN or SYN-ACK must be (re)sent.
    syn_pending: bool,
    syn_retransmitted: bool,
    /// An ACK must go out at the next transmit.
    ack_now: bool,
    /// That ACK is for out-of-order data or a gap fill: a driver that
    /// batches its answers sends it at once (`Endpoint::answer_due`).
    ack_at_once: bool,
    /// That ACK answers a suspicious segment (challenge ACK): a bare ACK,
    /// never carrying a resent FIN (`Config::fin_with_every_ack`).
    pure_ack: bool,
    /// Duplicate ACKs owed: one per out-of-order segment (RFC 5681 4.2),
    /// sent as separate pure ACKs even when many arrive in one batch, so
    /// the sender can count three and fast-retransmit.
    dup_acks_owed: u32,
    /// In-order bytes received since our last ACK.
    unacked_bytes: usize,
    /// In-order segments still to be acknowledged at once
    /// (`Config::quick_acks`).
    quick_acks_left: u8,
    /// Largest segment the peer has sent: our estimate of its MSS, what
    /// "full-sized" means for delayed ACKs.
    peer_seg_max: usize,
    /// The current segment is a GRO super-packet of segments this size
    /// (`Endpoint::handle_offloaded_packet`).
    rx_segment_size: Option<u16>,
    /// Send RST (abort).
    rst_pending: bool,
    /// A reply RST `<SEQ=x><CTL=RST>` for an unacceptable segment.
    reply_rst: Option<SeqNum>,
    challenge_window: Instant,
    challenge_count: u32,
    /// When we last answered an out-of-window pure ACK.
    last_oow_ack: Option<Instant>,
    /// RFC 5482's user timeout (`Config::user_timeout`, or set for this
    /// connection).
    user_timeout: Option<Duration>,
    /// Since when the retransmission (or persist) timer has been running
    /// out with nothing acknowledged: from when the first such timer was
    /// armed. `None` once an ACK makes progress.
    stalled_since: Option<Instant>,

    /// The connection's fate, reported by send/recv.
    error: Option<Error>,
    readable_notified: bool,
    want_writable: bool,
}

impl Connection {
    fn new(p: ConnParams<'_>, state: State) -> Self {
        let ConnParams {
            id,
            local,
            remote,
            iss,
            ts_offset,
            ttl,
            cfg,
        } = p;
        let headers = if local.is_ipv4() {
            IPV4_TCP_HEADERS
        } else {
            IPV6_TCP_HEADERS
        };
        let rcv_mss = cfg.mtu.saturating_sub(headers).clamp(64, 65495);
        let default_mss = if local.is_ipv4() {
            DEFAULT_MSS_V4
        } else {
            DEFAULT_MSS_V6
        };
        let cfg = Arc::clone(cfg);
        Connection {
            nagle: cfg.nagle,
            cork: false,
            more_coming: false,
            push_through: None,
            keepalive: cfg.keepalive,
            id,
            local,
            remote,
            state,
            ttl,
            dscp: cfg.dscp & 0x3f,
            pmtu_discovery: cfg.path_mtu_discovery,
            ip_ident: 0,
            listener: None,
            app_owned: false,
            newly_established: false,
            queued_for_accept: false,
            held: false,
            iss,
            snd_una: iss,
            snd_nxt: iss,
            snd_max: iss,
            snd_wnd: 0,
            snd_wl1: SeqNum(0),
            snd_wl2: SeqNum(0),
            max_snd_wnd: 0,
            snd_mss: default_mss.min(rcv_mss),
            snd_wscale: 0,
            wscale_ok: false,
            sack_ok: false,
            sack_latest: None,
            sack_high: iss,
            ts_ok: false,
            ecn: ecn::EcnState::default(),
            ts_offset,
            ts_recent: 0,
            ts_recent_at: Instant::ZERO,
            last_ack_sent: SeqNum(0),
            last_rexmit_tsval: None,
            soft_error: None,
            irs: SeqNum(0),
            rcv_nxt: SeqNum(0),
            rcv_adv: SeqNum(0),
            rcv_wscale: 0,
            rcv_mss,
            send_buf: RingBuffer::new(cfg.send_buffer),
            send_buf_seq: iss + 1,
            recv_buf: RingBuffer::new(cfg.recv_buffer),
            assembler: Assembler::new(),
            fin_queued: false,
            fin_received: false,
            fin_sent_alone: false,
            ooo_fin: None,
            timers: Timers::default(),
            rtt: RttEstimator::new(cfg.initial_rto, cfg.min_rto, cfg.max_rto)
                .with_granularity(cfg.rto_granularity),
            rtt_timing: None,
            retries: 0,
            persist_backoff: 0,
            unanswered_probes: 0,
            refusal: refused::Refusal::default(),
            keepalive_probes_sent: 0,
            keepalive_probe_pending: false,
            force_probe: false,
            cc: controller::Controller::new(cfg.congestion, default_mss.min(rcv_mss)),
            dupacks: 0,
            limited_transmit: 0,
            in_recovery: false,
            recover: iss,
            fast_rexmit_pending: false,
            scoreboard: Scoreboard::default(),
            sack_recovery: false,
            recovery_cause: crate::trace::RecoveryCause::DupAcks,
            high_rxt: iss,
            rescue_rxt: None,
            pipe: 0,
            recovery_cwnd: 0,
            prr: Prr::default(),
            undo: None,
            loss: [0; recovery::COUNTERS],
            last_data_sent: None,
            last_data_recv: None,
            push_points: push::PushPoints::new(iss + 1),
            cwnd_limited: false,
            max_flight: 0,
            cwnd_usage_seq: iss,
            sent: sentlog::SentLog::default(),
            rack: rack::Rack::default(),
            hystart: hystart::HyStartRound::default(),
            reordering: 3,
            reord_seen: 0,
            chrono: chrono::Chronographs::default(),
            tlp_pending: false,
            tlp_rtt_samples: 0,
            tlp_new_data: false,
            tlp_end: None,
            tlp_rexmit: false,
            syn_pending: false,
            syn_retransmitted: false,
            ack_now: false,
            ack_at_once: false,
            pure_ack: false,
            dup_acks_owed: 0,
            unacked_bytes: 0,
            quick_acks_left: cfg.quick_acks,
            peer_seg_max: 0,
            rx_segment_size: None,
            rst_pending: false,
            reply_rst: None,
            challenge_window: Instant::ZERO,
            challenge_count: 0,
            last_oow_ack: None,
            user_timeout: cfg.user_timeout,
            stalled_since: None,
            error: None,
            readable_notified: false,
            want_writable: false,
            cfg,
        }
    }

    /// The copy of `cfg` an endpoint's connections share, with the
    /// delayed-ACK timeout capped (RFC 9293 3.8.6.3: under 0.5 s).
    pub(crate) fn shared_config(cfg: &Config) -> Arc<Config> {
        let mut cfg = cfg.clone();
        cfg.delayed_ack = cfg.delayed_ack.min(MAX_DELAYED_ACK);
        Arc::new(cfg)
    }

    /// Heap bytes this connection holds: (send and receive buffers, the
    /// rest: sent-segment log, scoreboard, reassembly list).
    pub fn heap_bytes(&self) -> (usize, usize) {
        let buffers = self.send_buf.allocated() + self.recv_buf.allocated();
        let other =
            self.sent.heap_bytes() + self.scoreboard.heap_bytes() + self.assembler.heap_bytes();
        (buffers, other)
    }

    /// Our SYN is not acknowledged yet (SND.UNA is still the ISS).
    pub(crate) fn syn_unacked(&self) -> bool {
        self.snd_una == self.iss
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The connection's handle.
    pub fn id(&self) -> ConnId {
        self.id
    }

    /// Local address and port.
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// Remote address and port.
    pub fn remote(&self) -> SocketAddr {
        self.remote
    }

    /// The error that ended the connection, if any (what SO_ERROR reports).
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// Our initial send sequence number.
    pub fn iss(&self) -> SeqNum {
        self.iss
    }

    /// The peer's initial sequence number (valid once a SYN was received).
    pub fn irs(&self) -> SeqNum {
        self.irs
    }

    /// When the connection next needs `handle_timeout`.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// Highest sequence number sent so far.
    pub fn snd_max_seq(&self) -> SeqNum {
        self.snd_max
    }

    /// Bytes buffered for reading.
    pub fn recv_queue(&self) -> usize {
        self.recv_buf.len()
    }

    /// Bytes queued for sending, unacknowledged ones included.
    pub fn send_queue(&self) -> usize {
        self.send_buf.len()
    }

    /// The MSS we announced in our SYN (Linux's `tcpi_advmss`).
    pub fn advertised_mss(&self) -> usize {
        self.rcv_mss
    }

    /// When data last arrived, or the connection was established if none
    /// has (Linux's `lrcvtime`, behind `tcpi_last_data_recv`).
    pub fn last_data_received(&self) -> Option<Instant> {
        self.last_data_recv
    }

    /// Effective send MSS.
    pub fn mss(&self) -> usize {
        self.snd_mss
    }

    /// Payload of a full-sized segment: the MSS less the options every
    /// segment carries (RFC 6691: the MSS counts no options; timestamps
    /// take 12 bytes). What a TSO device cuts by.
    pub fn payload_mss(&self) -> usize {
        let ts = if self.ts_ok { 12 } else { 0 };
        self.snd_mss.saturating_sub(ts).max(1)
    }

    /// The congestion window (during SACK recovery, PRR's: pipe + sndcnt).
    pub fn cwnd(&self) -> usize {
        if self.in_sack_recovery() {
            self.recovery_cwnd
        } else {
            self.cc.window()
        }
    }

    /// Loss-recovery counters: retransmissions by cause, recoveries,
    /// D-SACKs, undos.
    pub fn loss_stats(&self) -> LossStats {
        self.loss_counters()
    }

    /// Is the sender in loss recovery (fast recovery or RFC 6675)?
    pub fn in_recovery(&self) -> bool {
        self.in_recovery
    }

    /// The slow-start threshold in bytes.
    pub fn ssthresh(&self) -> usize {
        self.cc.ssthresh()
    }

    /// The sender's loss-recovery state as Linux's `tcpi_ca_state`
    /// numbers it: 0 open, 1 disorder (duplicate ACKs or SACKed data
    /// outstanding), 3 recovery (fast recovery), 4 loss (after a
    /// retransmission timeout, until the data outstanding then is resent).
    pub fn ca_state(&self) -> u8 {
        if self.in_recovery {
            3
        } else if self.retries > 0 || self.snd_nxt.lt(self.snd_max) {
            4
        } else if self.dupacks > 0 || !self.scoreboard.ranges().is_empty() {
            1
        } else if self.ecn_window_reduced() {
            // Congestion window reduced for an ECN-Echo (TCP_CA_CWR).
            2
        } else {
            0
        }
    }

    /// Smoothed RTT, once measured.
    pub fn srtt(&self) -> Option<Duration> {
        self.rtt.srtt()
    }

    /// Sequence number of the first byte in the send buffer (one past the
    /// SYN at first; advanced as data is acknowledged).
    fn send_data_seq(&self) -> SeqNum {
        self.send_buf_seq
    }

    /// Sequence number right after the last queued byte (the FIN's number
    /// when a FIN is queued).
    fn send_data_end(&self) -> SeqNum {
        self.send_data_seq() + self.send_buf.len()
    }

    /// Data or our FIN still waits to be sent (from SND.NXT on).
    fn has_unsent(&self) -> bool {
        let end = self.send_data_end();
        end.since(self.snd_nxt) > 0 || (self.fin_queued && self.snd_nxt.le(end))
    }

    /// Our FIN has been sent and acknowledged.
    fn fin_acked(&self) -> bool {
        self.fin_queued && self.snd_una.gt(self.send_data_end())
    }

    /// The receive window: what we last advertised beyond RCV.NXT.
    fn rcv_wnd(&self) -> usize {
        self.rcv_adv.since(self.rcv_nxt)
    }

    /// RCV.WND for the acceptability test (RFC 9293 3.10.7.4) and for
    /// taking data: what we advertised; and when the window field was too
    /// narrow to say all the room we have (65535 without scaling, with a
    /// bigger buffer), that room. Never more otherwise: a peer that sent
    /// beyond the edge it knows (a zero-window probe, a FIN) must get its
    /// answer from our ACK, or each end could take the other's probes
    /// while dropping the other's ACKs as out of window. An embryonic
    /// passive connection has promised only what its SYN-ACK advertised.
    fn acceptance_window(&self) -> usize {
        let adv = self.rcv_wnd();
        let field_max = 65535usize << self.rcv_wscale;
        let capped = adv + (1usize << self.rcv_wscale) > field_max;
        if capped && !(self.state == State::SynReceived && self.listener.is_some()) {
            // At most one segment beyond the advertised edge (keeps RFC
            // 5961's blind-injection odds where they were) and never past
            // RFC 7323's largest window, 2^30 (sequence arithmetic).
            let room = self.recv_buf.free().min(adv + self.rcv_mss);
            adv.max(room).min(MAX_WINDOW)
        } else {
            adv
        }
    }

    /// The BSDs' rounding of the receive buffer to whole segments once the
    /// MSS is known (see `Config::round_recv_buffer_to_mss`).
    fn round_recv_buffer(&mut self) {
        if self.cfg.round_recv_buffer_to_mss {
            let mss = self.snd_mss.max(1);
            let cap = self.recv_buf.capacity();
            if cap > mss
                && let Some(rounded) = cap.div_ceil(mss).checked_mul(mss)
            {
                self.recv_buf.set_capacity(rounded);
            }
        }
    }

    /// Receive buffer size (what SO_RCVBUF reports).
    pub fn recv_buffer_size(&self) -> usize {
        self.recv_buf.capacity()
    }

    /// Send buffer size (what SO_SNDBUF reports).
    pub fn send_buffer_size(&self) -> usize {
        self.send_buf.capacity()
    }

    /// Bytes received in order and not yet read (Linux's `SIOCINQ`).
    pub fn recv_buffered(&self) -> usize {
        self.recv_buf.len()
    }

    /// Bytes in the send buffer: queued or sent and not yet acknowledged
    /// (Linux's `SIOCOUTQ`).
    pub fn send_buffered(&self) -> usize {
        self.send_buf.len()
    }

    /// Timestamps in use on this connection (RFC 7323)?
    pub fn timestamps_enabled(&self) -> bool {
        self.ts_ok
    }

    /// SACK in use on this connection (RFC 2018)?
    pub fn sack_enabled(&self) -> bool {
        self.sack_ok
    }

    /// Window scaling in use on this connection (RFC 7323 2)?
    pub fn window_scaling_enabled(&self) -> bool {
        self.wscale_ok
    }

    /// ECN agreed in the handshake (RFC 3168 6.1.1)?
    pub fn ecn_enabled(&self) -> bool {
        self.ecn.ok
    }

    fn set_state(&mut self, ctx: &mut Ctx<'_>, to: State, cause: Cause) {
        let from = self.state;
        if from == to {
            return;
        }
        self.state = to;
        ctx.trace.record(
            ctx.now,
            self.local,
            self.remote,
            TraceKind::StateChange { from, to, cause },
        );
        match to {
            State::Established => {
                self.peer_heard(ctx.now);
                if matches!(from, State::SynSent | State::SynReceived) {
                    self.newly_established = true;
                    self.last_data_recv = Some(ctx.now);
                    self.emit_event(ctx, EventKind::Connected);
                    if self.syn_retransmitted {
                        self.rtt.syn_was_retransmitted();
                    }
                }
            }
            State::TimeWait => {
                self.timers.clear_all();
                self.timers.set(Timer::TimeWait, ctx.now + self.cfg.msl * 2);
                // Nothing more will be sent or received: keep only unread data.
                self.send_buf.release();
                self.assembler.clear();
                if self.recv_buf.is_empty() {
                    self.recv_buf.release();
                }
            }
            State::Closed => {
                self.timers.clear_all();
                self.send_buf.release();
                self.syn_pending = false;
                self.fast_rexmit_pending = false;
                self.force_probe = false;
                self.ack_now = false;
                self.assembler.clear();
                if self.error.is_none() && matches!(cause, Cause::TimeWaitExpired | Cause::RecvAck)
                {
                    self.emit_event(ctx, EventKind::Closed);
                }
            }
            _ => {}
        }
    }

    pub(crate) fn emit_event(&mut self, ctx: &mut Ctx<'_>, kind: EventKind) {
        if self.app_owned {
            ctx.events.push_back(Event::Conn(self.id, kind));
        }
    }

    /// Ends the connection with an error reported to the application.
    fn fail(&mut self, ctx: &mut Ctx<'_>, error: Error, cause: Cause) {
        // A timeout after a soft ICMP error reports that error (as
        // Linux: "host unreachable" says more than "timed out").
        self.error = Some(match (error, self.soft_error) {
            (Error::TimedOut, Some(soft)) => soft,
            _ => error,
        });
        let kind = match error {
            Error::ConnectionRefused => EventKind::Refused,
            Error::TimedOut => EventKind::TimedOut,
            _ => EventKind::Reset,
        };
        self.set_state(ctx, State::Closed, cause);
        self.recv_buf.release();
        self.emit_event(ctx, kind);
    }

    /// RFC 5961 section 7: challenge ACKs are rate limited.
    fn challenge_ack(&mut self, ctx: &mut Ctx<'_>) {
        if ctx.now.saturating_since(self.challenge_window) >= Duration::from_secs(1) {
            self.challenge_window = ctx.now;
            self.challenge_count = 0;
        }
        if self.challenge_count < self.cfg.challenge_ack_limit {
            self.challenge_count += 1;
            self.ack_now = true;
            self.pure_ack = true;
            ctx.stats.challenge_acks += 1;
        }
    }

    /// Window scale shift we offer: the smallest that covers the receive
    /// buffer (RFC 7323 2.3).
    fn wanted_rcv_wscale(&self) -> u8 {
        let too_small = |shift: u8| match self.cfg.window_scale_buffer {
            // FreeBSD's `while (wscale < TCP_MAX_WINSHIFT && (TCP_MAXWIN
            // << wscale) < sb_max)`.
            Some(size) => (65535usize << shift) < size,
            None => (self.cfg.recv_buffer >> shift) > 65535,
        };
        let mut shift = 0u8;
        while shift < MAX_WSCALE && too_small(shift) {
            shift += 1;
        }
        shift
    }
}
