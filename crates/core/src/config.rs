//! Configuration: per-connection TCP tunables and endpoint-wide settings.

use core::net::IpAddr;
use core::time::Duration;

/// Per-connection TCP tunables. `Config::default()` follows the RFCs'
/// recommendations and Linux where the RFCs leave a choice.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Link MTU, used to derive the MSS we announce (MTU - IP - TCP headers).
    pub mtu: usize,
    /// Send buffer size in bytes.
    pub send_buffer: usize,
    /// Receive buffer size in bytes (the largest window we advertise).
    pub recv_buffer: usize,
    /// Nagle's algorithm (RFC 9293 3.7.4, SHLD-7); `false` is TCP_NODELAY.
    pub nagle: bool,
    /// Delayed-ACK timeout; at most 500 ms (RFC 9293 MUST-40). Zero disables
    /// delayed ACKs.
    pub delayed_ack: Duration,
    /// RTO before any RTT sample (RFC 6298 2.1: 1 s).
    pub initial_rto: Duration,
    /// Lower bound on the RTO (RFC 6298 2.4 says 1 s; Linux uses 200 ms).
    pub min_rto: Duration,
    /// Upper bound on the RTO (RFC 6298 2.5: at least 60 s).
    pub max_rto: Duration,
    /// RFC 6298's clock granularity G in RTO = SRTT + max(G, 4 * RTTVAR)
    /// (2.2, 2.3): 1 ms by default. Linux's estimator amounts to G =
    /// TCP_RTO_MIN (its `rttvar_us` is never below 200 ms), so an RTO of
    /// at least SRTT + 200 ms.
    pub rto_granularity: Duration,
    /// SYN / SYN-ACK retransmissions before giving up (RFC 9293 R2 for SYN:
    /// at least 3 minutes of trying is recommended; Linux uses 6).
    pub syn_retries: u32,
    /// SYN-ACK retransmissions of a passive open before the embryonic
    /// connection is dropped; `None` (the default): `syn_retries`.
    /// FreeBSD's `net.inet.tcp.syncache.rexmtlimit` is 3.
    pub synack_retries: Option<u32>,
    /// Data retransmissions before giving up (R2; Linux uses 15); also the
    /// limit on consecutive zero-window probes that draw no ACK at all.
    pub max_retries: u32,
    /// RFC 5482's user timeout (RFC 9293 3.8.3's R2 given as a time, as
    /// Linux's `TCP_USER_TIMEOUT`): a connection whose data or FIN stays
    /// unacknowledged, or whose zero-window probes go unanswered, this
    /// long is aborted with [`crate::Error::TimedOut`], however many
    /// retransmissions that is. `None` (the default): only `max_retries`
    /// and `syn_retries` count. Per connection: `Endpoint::set_user_timeout`.
    pub user_timeout: Option<Duration>,
    /// Zero-window probes in a row allowed for a connection the application
    /// has closed (Linux's tcp_orphan_retries): a peer that keeps its window
    /// shut cannot pin released connections' buffers for ever.
    pub orphan_retries: u32,
    /// Maximum segment lifetime; TIME_WAIT lasts 2 x MSL (RFC 9293 3.4.2).
    pub msl: Duration,
    /// Offer and accept window scaling (RFC 7323 section 2).
    pub window_scaling: bool,
    /// Offer and accept SACK (RFC 2018): SACK-permitted on SYNs, and SACK
    /// blocks on ACKs while out-of-order data is held. The blocks the peer
    /// sends feed the sender's scoreboard (see `sack_recovery`).
    pub sack: bool,
    /// SACK-based loss recovery for the sender when SACK was agreed: RFC
    /// 6675's scoreboard (`IsLost`, `NextSeg`, `pipe`), many holes repaired
    /// per RTT, paced by RFC 6937 PRR-SSRB; D-SACKs (RFC 2883) counted and
    /// used to undo spurious recoveries. `false` keeps RFC 6582 NewReno
    /// recovery (one hole per RTT) even with SACK.
    pub sack_recovery: bool,
    /// RFC 6675 NextSeg rules (3) and (4) in SACK recovery: resend unSACKed
    /// data not deemed lost, and one rescue retransmission, when no new
    /// data can go. `false` resends only what is deemed lost (RFC 6675
    /// IsLost or RACK), as Linux since it dropped "forward retransmission"
    /// (TLP covers the tail instead).
    pub sack_forward_retransmit: bool,
    /// PRR-SSRB (RFC 6937 3) grants its extra MSS per ACK only on ACKs
    /// that advance SND.UNA (draft-ietf-tcpm-prr-rfc6937bis's SafeACK, as
    /// current Linux). `false` (the default) is RFC 6937's rule: every
    /// ACK.
    pub prr_safe_ack: bool,
    /// A SACK block counts only for the sent segments (MSS pieces of
    /// them with TSO) it covers whole, as Linux's SACK tagging marks
    /// whole skbs or MSS-aligned parts (`tcp_match_skb_to_sack`): a
    /// block covering part of one piece leaves the piece unSACKed, and it
    /// is resent whole. `false` (the default) takes blocks to the byte
    /// (RFC 2018).
    pub sack_whole_segments: bool,
    /// RACK (RFC 8985 section 6) with SACK recovery: segments are deemed
    /// lost by their transmit times (lost retransmissions and tail losses
    /// included), with a reordering window of min_RTT / 4 widened by
    /// D-SACKs, and a reorder timer.
    pub rack: bool,
    /// Tail Loss Probe (RFC 8985 section 7) with SACK: when the ACKs stop,
    /// after PTO = 2 * SRTT (+ 200 ms for a single segment in flight,
    /// never past the RTO) one probe goes out, new data or the last
    /// segment, so a tail loss is repaired without a timeout.
    pub tlp: bool,
    /// Added to the PTO's 2 x SRTT when more than one segment is in
    /// flight, as Linux's `tcp_schedule_loss_probe` adds
    /// `TCP_TIMEOUT_MIN_US` (2 ms). `None` (the default): 2 x SRTT with a
    /// floor of 10 ms (RFC 8985 7.2 sets none; the floor is synack's, for
    /// a zero SRTT on a local path).
    pub pto_padding: Option<Duration>,
    /// Offer and accept timestamps (RFC 7323 sections 3-5): TSval/TSecr on
    /// every segment, RTT samples from echoes, PAWS.
    pub timestamps: bool,
    /// RFC 5961 section 3: only an RST at exactly RCV.NXT resets; any other
    /// in-window RST draws a challenge ACK. `false` restores RFC 793's rule
    /// (any in-window RST resets), FreeBSD's `insecure_rst`.
    pub rst_challenge: bool,
    /// RFC 5961 section 4: a SYN in a synchronized state draws a challenge
    /// ACK. `false` restores RFC 793's rule (an in-window SYN resets the
    /// connection and is answered with RST), FreeBSD's `insecure_syn`.
    pub syn_challenge: bool,
    /// A segment acknowledging data never sent (SEG.ACK > SND.NXT) draws an
    /// ACK before it is dropped, as RFC 9293 3.10.7.4 says (the default).
    /// `false` drops it silently, as Linux's `tcp_ack()` does.
    pub ack_unsent_draws_ack: bool,
    /// Drop segments carrying both SYN and FIN (FreeBSD's `drop_synfin`;
    /// RFC 9293 allows them, so off by default).
    pub drop_syn_fin: bool,
    /// While our FIN is the only thing unacknowledged, every ACK we send
    /// carries it again (as the BSDs do): a lost FIN is repaired at the
    /// next exchange instead of the next timeout. Off: pure ACKs.
    pub fin_with_every_ack: bool,
    /// Keep-alives (RFC 9293 3.8.4, RFC 1122 4.2.3.6): off by default as
    /// the RFCs require; `Endpoint::set_keepalive` turns them on or off
    /// per connection.
    pub keepalive: bool,
    /// Silence from the peer before the first keep-alive probe (RFC 1122:
    /// configurable, at least two hours by default).
    pub keepalive_idle: Duration,
    /// Between unanswered probes.
    pub keepalive_interval: Duration,
    /// Unanswered probes before the connection is declared dead (one lost
    /// probe must never be enough, RFC 1122 4.2.3.6).
    pub keepalive_probes: u32,
    /// Round the receive buffer up to a whole number of segments once the
    /// MSS is known, as the BSDs do, so the window never ends in a runt.
    pub round_recv_buffer_to_mss: bool,
    /// How the window we advertise follows the free buffer space.
    pub window_rule: WindowRule,
    /// How a segment reaching TIME-WAIT is answered.
    pub time_wait_rules: TimeWaitRules,
    /// The buffer size the window-scale shift we offer is derived from:
    /// the least shift that lets the window field cover it (RFC 7323
    /// 2.3). `None`: the receive buffer. FreeBSD derives it from the
    /// largest buffer auto-tuning may reach, `kern.ipc.maxsockbuf`.
    pub window_scale_buffer: Option<usize>,
    /// Challenge ACKs allowed per second (RFC 5961 section 7).
    pub challenge_ack_limit: u32,
    /// Minimum gap between ACKs sent in reply to out-of-window pure ACKs,
    /// which breaks ACK wars between two desynchronized ends (Linux's
    /// tcp_invalid_ratelimit). Data, SYN and FIN segments are always answered.
    pub oow_ack_interval: Duration,
    /// In-order data segments acknowledged at once at the start of a
    /// connection, before delayed ACKs begin (Linux's quick-ack mode, up
    /// to TCP_MAX_QUICKACKS = 16): the sender's slow start is not held
    /// back by the delayed-ACK timer. 0 (the default) delays from the
    /// first segment (RFC 9293 3.8.6.3, RFC 5681 4.2 allow either).
    pub quick_acks: u8,
    /// Congestion control algorithm.
    pub congestion: Congestion,
    /// Initial congestion window in segments: 0 (the default) is RFC 5681
    /// 3.1's min(4*SMSS, max(2*SMSS, 4380)); 10 is RFC 6928's IW10
    /// (Linux's TCP_INIT_CWND). It is also the restart window.
    pub initial_window: usize,
    /// RFC 5681 4.1 restart window: after more than an RTO without
    /// sending, cwnd = min(cwnd, IW) (the default; Linux's
    /// `tcp_slow_start_after_idle`). `false` keeps the window.
    pub restart_after_idle: bool,
    /// Upper bound on persist-timer probe interval.
    pub max_persist: Duration,
    /// TCP segmentation offload (TSO): one data segment may carry up to
    /// this many MSS-sized pieces (whole pieces, at most 64 KiB with the
    /// headers), for a driver whose device cuts it into segments of one MSS
    /// (a TUN device with a virtio-net header, a NIC with TSO). 1, the
    /// default, keeps every segment within one MSS. With more than 1 the
    /// driver's transmit buffer must hold 65,535 bytes, or nothing is sent.
    pub tso_segments: usize,
    /// How many pieces a TSO segment of new data carries, within
    /// `tso_segments`: `None` (the default) as many as the window allows;
    /// `Some` Linux's sizing ([`GsoAutosize`]), for a stack that is to
    /// look like Linux on the wire.
    pub gso_autosize: Option<GsoAutosize>,
    /// What a zero-window probe is (RFC 9293 3.8.6.1): one octet of new
    /// data (the default, as FreeBSD), or an empty ACK at SND.UNA - 1, as
    /// Linux's `tcp_xmit_probe_skb`.
    pub zero_window_probe: ZeroWindowProbe,
    /// Which data segments carry PSH (RFC 9293 3.9.1.2): the one that
    /// empties the send queue (the default, MUST-61, as FreeBSD), or those
    /// that end an application write, as if every SEND set PUSH (Linux).
    pub push: PushPolicy,
    /// The Differentiated Services codepoint (RFC 2474, six bits) of
    /// everything a connection sends, 0 (best effort) by default; per
    /// connection `Endpoint::set_tos`.
    pub dscp: u8,
    /// Path MTU discovery (RFC 1191): IPv4 packets carry DF and ICMP
    /// "fragmentation needed" lowers the MSS (the default); off, routers
    /// may fragment and those reports are ignored. Per connection
    /// `Endpoint::set_path_mtu_discovery`.
    pub path_mtu_discovery: bool,
    /// How slow start grows the congestion window on an ACK.
    pub slow_start: SlowStart,
    /// Keep Linux's chronographs (`Connection::chrono_times`: time busy
    /// sending, and held back by the peer's receive window): a few compares
    /// after every call into a connection, so off by default.
    pub chronographs: bool,
    /// Ends slow start before the first loss on an ACK train or a rise in
    /// RTT, as Linux's CUBIC does by default (HyStart, [`HyStart`]).
    /// `None` (the default): slow start lasts until a loss or ssthresh
    /// (RFC 5681 3.1).
    pub hystart: Option<HyStart>,
    /// A FIN with no data left to send goes out even when cwnd is full
    /// (the peer's window must still have room), as Linux's
    /// `tcp_cwnd_test` lets "the final FIN" pass. Off by default: the FIN
    /// takes its turn in the window like data (RFC 5681 counts it).
    pub fin_ignores_cwnd: bool,
    /// What an ICMP error quoting one of the connection's segments does.
    pub icmp: IcmpRules,
    /// How the SYN and SYN-ACK retransmission timeout grows.
    pub syn_backoff: SynBackoff,
    /// An active open still not established after this long is given up
    /// (`TimedOut`), whatever `syn_retries` allows: FreeBSD's connection
    /// establishment timer (`net.inet.tcp.keepinit`, `TCP_KEEPINIT`, 75 s
    /// by default there). `None` (the default): only `syn_retries`
    /// bounds the handshake.
    pub connect_timeout: Option<Duration>,
    /// From this SYN retransmission on, an active open's SYN carries only
    /// the MSS (no window scale, timestamps or SACK-permitted), and the
    /// SYN-ACK's are then not taken up: FreeBSD's
    /// `net.inet.tcp.rexmit_drop_options=1` (`tcp_timer_rexmt`, from the
    /// third), for middleboxes that drop segments with unknown options.
    /// `None` (the default): the options stay.
    pub syn_drop_options_after: Option<u32>,
    /// Explicit Congestion Notification (RFC 3168): off (the default),
    /// answered when a peer asks, or also asked for on our SYNs.
    pub ecn: Ecn,
    /// With [`Ecn::On`]: how many SYN retransmissions still ask for ECN
    /// (RFC 3168 6.1.1.1: a SYN lost to an ECN-hostile middlebox is resent
    /// without it). FreeBSD's `net.inet.tcp.ecn.maxretries`, 1.
    pub ecn_syn_retries: u32,
}

/// How the advertised window follows the free buffer space (see
/// [`Config::window_rule`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WindowRule {
    /// RFC 9293 3.8.6.2.2 receiver SWS avoidance: the right edge moves
    /// only by at least min(half the buffer, one MSS); the window field is
    /// the space rounded down to the scale's unit.
    #[default]
    HoldBack,
    /// FreeBSD's `tcp_output`: all the free space, 0 below both a quarter
    /// of the buffer and one MSS, never shrinking what was offered, and
    /// rounded up to the scale's unit ("avoid shrinking window with window
    /// scaling"), so up to 2^shift - 1 bytes beyond the buffer may be
    /// offered; what does not fit is not acknowledged.
    FreeBsd,
}

/// How TIME-WAIT answers segments (see [`Config::time_wait_rules`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TimeWaitRules {
    /// RFC 9293 3.10.7.4: an unacceptable segment draws an ACK, an
    /// acceptable pure ACK none, a retransmitted FIN its ACK (and 2 x MSL
    /// again); RFC 1337: RSTs are ignored.
    #[default]
    Rfc9293,
    /// FreeBSD's `tcp_twcheck()`: a segment without ACK is dropped before
    /// any window check, and every segment that carries data, another flag
    /// or numbers other than RCV.NXT / SND.NXT is acknowledged ("Acknowledge
    /// the segment if it has data or is not a duplicate ACK"). RSTs and
    /// SYNs as in `Rfc9293`.
    FreeBsd,
}

/// Whether connections use ECN (see [`Config::ecn`]). The modes are
/// FreeBSD's `net.inet.tcp.ecn.enable` 0, 2 and 1 and Linux's `tcp_ecn`
/// 0, 2 and 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Ecn {
    /// No ECN: SYNs do not ask, a peer's request is not answered.
    #[default]
    Off,
    /// An ECN-setup SYN (ECE and CWR) is answered with an ECN-setup
    /// SYN-ACK (ECE), but our own SYNs do not ask (FreeBSD's and Linux's
    /// default).
    Passive,
    /// As `Passive`, and our SYNs ask too.
    On,
}

/// The SYN retransmission schedule (see [`Config::syn_backoff`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SynBackoff {
    /// RFC 6298 5.5: the timeout doubles after each expiry.
    #[default]
    Exponential,
    /// FreeBSD's `tcp_syn_backoff` (`tcp_timer.c`): the initial RTO
    /// times 1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64, 64, 64 for the first,
    /// second... retransmission timeout, as `tcp_timer_rexmt` (SYN-SENT)
    /// and the syncache (SYN-ACKs) use it.
    FreeBsd,
}

/// How ICMP errors act on a connection (see [`Config::icmp`]). In both,
/// only a quote of a sequence number in flight counts (RFC 5927 4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum IcmpRules {
    /// RFC 1122 4.2.3.9 and RFC 5927 5.2: a hard error (protocol or port
    /// unreachable, administratively prohibited) aborts a connection in
    /// SYN-SENT (and an embryonic passive one); every other error, and a
    /// hard one in a synchronized state, is a soft error told to the
    /// application. Path MTUs below 576 (IPv4) or 1280 (IPv6) are raised
    /// to them.
    #[default]
    Rfc5927,
    /// FreeBSD's `tcp_ctlinput` (`tcp_subr.c`) with its defaults
    /// (`net.inet.tcp.icmp_may_rst=1`, `net.inet.tcp.minmss=216`):
    /// through `icmp_errmap`, protocol/port unreachable and the
    /// prohibited codes (ECONNREFUSED) and time exceeded in transit drop
    /// a connection in SYN-SENT (`tcp_drop_syn_sent`) and do nothing in
    /// any other state; the other unreachable codes (EHOSTUNREACH) go to
    /// `tcp_notify`, which ignores them in ESTABLISHED, drops a connection
    /// not yet established that has retransmitted more than 3 times and
    /// already had a soft error, and otherwise records a soft error (told
    /// when the connection times out). A Packet Too Big takes the path MTU
    /// down to 256 (minmss + 40), 1280 for IPv6.
    FreeBsd,
}

/// Where PSH goes on data segments (see [`Config::push`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PushPolicy {
    /// PSH on the segment that empties the send queue, and on every
    /// retransmission (FreeBSD's `tcp_output`: `off + len == sbused`).
    #[default]
    QueueEmpty,
    /// PSH on the segment holding the end of an application write, as
    /// Linux's `tcp_push` marks the buffer ending each `write()`: the
    /// connection remembers write ends in a small fixed ring (the two
    /// newest coalesce when it is full), also marks a point inside a
    /// write that goes past half the peer's largest window (Linux's
    /// `forced_push`), and a segment, new or resent, carries PSH when a
    /// point falls within it. A TSO segment ends at a point. And a TSO
    /// segment of more than one MSS, sent in order, carries PSH wherever
    /// it ends, as Linux's `__tcp_transmit_skb` forces it on every GSO
    /// packet (to flush the receiver's GRO; seen on Linux 6.18 through a
    /// TUN device by `scripts/linux-push-probe`).
    WriteBoundary,
}

/// The form of a zero-window probe (see [`Config::zero_window_probe`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ZeroWindowProbe {
    /// One octet of new data past the window ("the sending TCP must
    /// regularly transmit at least one octet of new data", RFC 9293
    /// 3.8.6.1; FreeBSD's `tcp_output` under `t_force`). A receiver that
    /// has room again takes it.
    #[default]
    NewData,
    /// `<SEQ=SND.UNA-1><ACK=RCV.NXT><CTL=ACK>` without data: outside the
    /// receiver's window, so answered with an ACK that carries its window
    /// (RFC 9293 3.10.7.4), as Linux's `tcp_write_wakeup` sends through
    /// `tcp_xmit_probe_skb` when nothing fits in the window ("use a
    /// previous sequence. This should cause the other end to send an
    /// ack").
    OldSequence,
}

/// Linux's size for a TSO/GSO packet of new data (see
/// [`Config::gso_autosize`]): `tcp_tso_autosize`, about a millisecond of
/// the pacing rate (`sk_pacing_rate >> sk_pacing_shift`, shift 10; the
/// rate is cwnd x MSS / SRTT times `ss_ratio` percent while cwnd is below
/// half of ssthresh, else `ca_ratio`), plus 64 KiB >> (min RTT in us >> 9),
/// at most 64 KiB, at least `min_segs` pieces; and no more than half of
/// cwnd, as `tcp_cwnd_test` keeps "at least 2 GSO packets in flight".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GsoAutosize {
    /// `net.ipv4.tcp_min_tso_segs` (2 on Linux).
    pub min_segs: u32,
    /// `net.ipv4.tcp_pacing_ss_ratio` (200 on Linux).
    pub ss_ratio: u32,
    /// `net.ipv4.tcp_pacing_ca_ratio` (120 on Linux).
    pub ca_ratio: u32,
}

impl GsoAutosize {
    /// Linux's defaults.
    pub const LINUX: GsoAutosize = GsoAutosize {
        min_segs: 2,
        ss_ratio: 200,
        ca_ratio: 120,
    };
}

/// Which of HyStart's two detectors run ([`Config::hystart`]; Linux's
/// `tcp_cubic` module parameter `hystart_detect`, 3 by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HyStart {
    /// `HYSTART_ACK_TRAIN` (1): ACKs at most 2 ms apart for more than half
    /// the minimum RTT.
    pub ack_train: bool,
    /// `HYSTART_DELAY` (2): a round's RTT an eighth (4 to 16 ms) above the
    /// minimum.
    pub delay: bool,
}

impl HyStart {
    /// Linux's default: both.
    pub const LINUX: HyStart = HyStart {
        ack_train: true,
        delay: true,
    };
}

/// How slow start grows cwnd (see [`Config::slow_start`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SlowStart {
    /// RFC 5681 3.1: cwnd += min(N, SMSS) per ACK, whether or not the
    /// sender used its window.
    #[default]
    Rfc5681,
    /// RFC 3465 byte counting with an unbounded limit L: cwnd grows by
    /// every byte an ACK covers (Linux's `tcp_slow_start` counts every
    /// segment), and, as RFC 7661 asks, only while the sender is
    /// cwnd-limited (Linux's `tcp_is_cwnd_limited`: the window was full
    /// when last sent, or, in slow start, cwnd is below twice the largest
    /// flight of the last round trip). The cwnd-limited rule also holds
    /// back congestion avoidance.
    Abc,
}

/// Congestion control choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Congestion {
    /// RFC 5681 slow start / congestion avoidance with RFC 6582 NewReno recovery.
    NewReno,
    /// No congestion control: the window is limited by flow control only.
    None,
    /// RFC 9438 CUBIC (the default), with RFC 6582 or RFC 6675 / 6937
    /// recovery as for NewReno.
    Cubic,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mtu: 1500,
            send_buffer: 256 * 1024,
            recv_buffer: 256 * 1024,
            nagle: true,
            delayed_ack: Duration::from_millis(40),
            initial_rto: Duration::from_secs(1),
            min_rto: Duration::from_millis(200),
            max_rto: Duration::from_secs(60),
            rto_granularity: Duration::from_millis(1),
            syn_retries: 6,
            synack_retries: None,
            max_retries: 15,
            user_timeout: None,
            orphan_retries: 8,
            msl: Duration::from_secs(30),
            window_scaling: true,
            sack: true,
            sack_recovery: true,
            sack_forward_retransmit: true,
            prr_safe_ack: false,
            sack_whole_segments: false,
            rack: true,
            tlp: true,
            pto_padding: None,
            timestamps: true,
            rst_challenge: true,
            syn_challenge: true,
            drop_syn_fin: false,
            ack_unsent_draws_ack: true,
            round_recv_buffer_to_mss: false,
            keepalive: false,
            keepalive_idle: Duration::from_secs(2 * 3600),
            keepalive_interval: Duration::from_secs(75),
            keepalive_probes: 9,
            fin_with_every_ack: false,
            challenge_ack_limit: 1000,
            oow_ack_interval: Duration::from_millis(500),
            congestion: Congestion::Cubic,
            quick_acks: 0,
            initial_window: 0,
            restart_after_idle: true,
            max_persist: Duration::from_secs(60),
            tso_segments: 1,
            gso_autosize: None,
            zero_window_probe: ZeroWindowProbe::NewData,
            push: PushPolicy::QueueEmpty,
            dscp: 0,
            path_mtu_discovery: true,
            slow_start: SlowStart::Rfc5681,
            hystart: None,
            chronographs: false,
            fin_ignores_cwnd: false,
            icmp: IcmpRules::Rfc5927,
            syn_backoff: SynBackoff::Exponential,
            connect_timeout: None,
            syn_drop_options_after: None,
            ecn: Ecn::Off,
            ecn_syn_retries: 1,
            window_rule: WindowRule::HoldBack,
            time_wait_rules: TimeWaitRules::Rfc9293,
            window_scale_buffer: None,
        }
    }
}

/// Endpoint-wide settings.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointConfig {
    /// Defaults for every connection of this endpoint.
    pub tcp: Config,
    /// This host's addresses; segments to other addresses are dropped.
    pub addresses: Vec<IpAddr>,
    /// Secret key for ISNs (RFC 6528) and for the connection-table hash.
    /// A real driver fills it from the OS's random source; the simulator
    /// derives it from its seed.
    pub secret: [u8; 16],
    /// Range of ephemeral ports for `connect` (inclusive).
    pub ephemeral_ports: (u16, u16),
    /// Upper bound on connections (including TIME_WAIT); beyond it new
    /// connections are refused with [`crate::Error::OutOfResources`].
    pub max_connections: usize,
    /// TTL / hop limit of outgoing packets.
    pub ttl: u8,
    /// Record trace events (see [`crate::Endpoint::poll_trace`]).
    pub trace: bool,
    /// When listeners answer SYNs with SYN cookies (RFC 4987 3.6).
    pub syn_cookies: SynCookies,
}

/// When a listener answers a SYN with a SYN cookie instead of keeping an
/// embryonic connection (RFC 4987 3.6): the connection's state goes out
/// in the SYN-ACK's sequence number (and timestamp) and comes back in the
/// ACK, so a flood of spoofed SYNs costs no memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SynCookies {
    /// Never: a SYN beyond the backlog is dropped.
    Off,
    /// When the embryonic connections fill a listener's backlog (as
    /// Linux's `tcp_syncookies=1` and FreeBSD's default). A full accept
    /// queue still drops SYNs: cookies do not make the application accept
    /// faster.
    #[default]
    WhenNeeded,
    /// For every SYN: no embryonic connection is ever kept (Linux's
    /// `tcp_syncookies=2`). Costs what a cookie cannot carry (see
    /// [`crate::Endpoint`]'s listener docs).
    Always,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        EndpointConfig {
            tcp: Config::default(),
            addresses: Vec::new(),
            secret: [0x5a; 16],
            ephemeral_ports: (32768, 60999),
            max_connections: 1 << 20,
            ttl: 64,
            trace: false,
            syn_cookies: SynCookies::WhenNeeded,
        }
    }
}
