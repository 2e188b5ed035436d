//! The endpoint: connection table, listeners, ephemeral ports, ISNs and RSTs
//! for segments that match nothing.
//!
//! Routing a packet (quinn-proto's shape, for TCP): a segment either belongs
//! to a connection (hash of the 4-tuple, O(1)), or is a new SYN for a
//! listener, or matches nothing and draws an RST (RFC 9293 3.10.7.1).
//! Connections with something to send wait in a ready queue; timers live in
//! a heap with lazy deletion, so nothing scans all connections.

mod api;
mod cookies;
mod dispatch;
pub mod filter;
mod icmp;
mod listener;
mod memory;
mod table;
mod time_wait;
mod timer_queue;

pub use api::Endpoint;
pub use filter::{ListenFilter, Prefix};
pub use listener::ListenOptions;
pub use memory::MemoryUsage;

/// Handle of a connection. Stale handles (to a freed slot) are detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

impl ConnId {
    /// Slot index (stable while the connection lives; for display).
    pub fn index(self) -> u32 {
        self.index
    }
}

/// Handle of a listening socket. Stale handles (to a closed listener whose
/// slot was reused) are detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListenerId {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

/// Something the application may want to act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A listener has a connection ready for [`Endpoint::accept`].
    Incoming(ListenerId),
    /// A listener that holds SYNs ([`ListenOptions::hold_syns`]) has one
    /// for [`Endpoint::take_syn`].
    Syn(ListenerId),
    /// Something happened on a connection.
    Conn(ConnId, EventKind),
}

/// What happened on a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// The three-way handshake completed.
    Connected,
    /// New data can be read.
    Readable,
    /// Send-buffer space became free.
    Writable,
    /// The peer sent FIN: no more data will arrive (end of stream).
    PeerClosed,
    /// Our FIN was acknowledged: the peer has everything we sent (after
    /// `shutdown`; FIN-WAIT-1 → FIN-WAIT-2, or CLOSING → TIME-WAIT).
    SendClosed,
    /// The peer reset the connection.
    Reset,
    /// The peer refused our connection attempt.
    Refused,
    /// Retransmissions reached their limit.
    TimedOut,
    /// An ICMP error about the path arrived; the connection goes on
    /// ([`crate::conn::Connection::soft_error`] says which; RFC 1122 4.2.3.9).
    SoftError,
    /// The connection reached CLOSED (after TIME-WAIT or LAST-ACK).
    Closed,
}

/// Counters of what the endpoint saw and did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets handed to `handle_packet`.
    pub rx_packets: u64,
    /// Dropped: malformed headers or options.
    pub rx_malformed: u64,
    /// Dropped: IP packets that carry no TCP (ICMP, UDP, IPv6 neighbour
    /// discovery a kernel sends into a TUN device, ...).
    pub rx_not_tcp: u64,
    /// Dropped: bad IPv4 header or TCP checksum.
    pub rx_bad_checksum: u64,
    /// Dropped: addressed to an address that is not ours.
    pub rx_not_ours: u64,
    /// Segments matched to a connection but dropped by its rules.
    pub rx_dropped: u64,
    /// Segments that matched no connection or listener.
    pub rx_no_connection: u64,
    /// Packets emitted.
    pub tx_packets: u64,
    /// RSTs emitted.
    pub tx_rst: u64,
    /// Packets the device refused (`Endpoint::transmit_failed`).
    pub tx_refused: u64,
    /// Retransmitted segments.
    pub retransmissions: u64,
    /// Of those: fast retransmissions, by duplicate ACKs or the SACK
    /// scoreboard during loss recovery (RFC 5681 3.2, RFC 6675).
    pub fast_retransmits: u64,
    /// Of those: segments RACK deemed lost by time (RFC 8985 6.2).
    pub rack_retransmits: u64,
    /// Tail Loss Probes sent, new data or not (RFC 8985 section 7).
    pub tlp_probes: u64,
    /// Of the retransmissions: those sent after a retransmission timeout.
    pub rto_retransmits: u64,
    /// Retransmission timeouts of data (SYNs not counted).
    pub rto_events: u64,
    /// Loss recovery episodes entered (fast recovery, RFC 6675 or RACK).
    pub recoveries: u64,
    /// D-SACK blocks received (RFC 2883).
    pub dsacks: u64,
    /// Recovery episodes undone as spurious (RFC 2883 section 5).
    pub spurious_undos: u64,
    /// Challenge ACKs sent (RFC 5961).
    pub challenge_acks: u64,
    /// Segments dropped by PAWS (RFC 7323 section 5).
    pub paws_drops: u64,
    /// SYNs dropped because a listener's backlog was full (with SYN
    /// cookies: its accept queue), and valid cookie ACKs dropped for the
    /// same reason.
    pub backlog_drops: u64,
    /// SYN-ACKs sent with a SYN cookie (RFC 4987 3.6).
    pub syn_cookies_sent: u64,
    /// Connections created from a valid cookie in an ACK.
    pub syn_cookies_accepted: u64,
    /// ACKs to a listener that had sent cookies lately whose cookie did
    /// not check (answered with RST, as any stray ACK).
    pub syn_cookies_rejected: u64,
    /// Held SYNs dropped because nobody decided on them in time.
    pub hold_timeouts: u64,
    /// ICMP errors that quote a TCP segment of ours (RFC 5927).
    pub icmp_errors: u64,
    /// Of those: ignored (no such connection, or the quoted sequence
    /// number is not in flight: RFC 5927 4.1).
    pub icmp_ignored: u64,
    /// Connections aborted by a hard ICMP error in SYN-SENT.
    pub icmp_aborts: u64,
    /// Path MTU reductions taken (RFC 1191, RFC 8201).
    pub pmtu_reductions: u64,
    /// Connections opened actively.
    pub active_opens: u64,
    /// Connections opened passively.
    pub passive_opens: u64,
    /// Connections that agreed on ECN in their handshake (RFC 3168 6.1.1).
    pub ecn_connections: u64,
    /// Segments received with the CE codepoint on an ECN connection.
    pub ecn_ce_received: u64,
    /// Congestion windows reduced for an ECN-Echo (RFC 3168 6.1.2).
    pub ecn_reductions: u64,
}
