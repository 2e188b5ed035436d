//! Trace events: every segment in and out with its decoded fields and every
//! state change with its cause. Recorded only when
//! [`crate::EndpointConfig::trace`] is set; the demo, tests and tools drain
//! them with [`crate::Endpoint::poll_trace`].

use crate::conn::{Cause, State};
use crate::time::Instant;
use crate::wire::{TcpRepr, WireError};
use core::net::SocketAddr;

/// One trace record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// When it happened.
    pub time: Instant,
    /// Our side's address.
    pub local: SocketAddr,
    /// The peer's address.
    pub remote: SocketAddr,
    /// What happened.
    pub kind: TraceKind,
}

/// What a trace record says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceKind {
    /// A segment left this endpoint.
    SegmentOut {
        /// Its header.
        tcp: TcpRepr,
        /// Payload length.
        len: usize,
        /// True if it resends data, SYN or FIN sent before.
        retransmission: bool,
    },
    /// A segment arrived and was matched to a connection, listener or nothing.
    SegmentIn {
        /// Its header.
        tcp: TcpRepr,
        /// Payload length.
        len: usize,
    },
    /// A connection changed state.
    StateChange {
        /// Previous state.
        from: State,
        /// New state.
        to: State,
        /// Why.
        cause: Cause,
    },
    /// An arriving segment was dropped without effect (with the reason).
    Dropped {
        /// Its header.
        tcp: TcpRepr,
        /// Why it was dropped.
        reason: DropReason,
    },
    /// An arriving packet was dropped before a TCP header could be decoded
    /// from it (truncated, not TCP, a fragment, a bad IPv4 header checksum,
    /// a malformed option). `local`/`remote` are the packet's addresses
    /// when its IP header could be read (ports 0), else unspecified.
    Undecodable {
        /// What was wrong with it.
        error: WireError,
        /// The packet's length in bytes.
        len: usize,
    },
    /// The sender entered loss recovery.
    RecoveryEntered {
        /// What detected the loss.
        cause: RecoveryCause,
        /// RecoveryPoint: recovery ends when the peer acknowledges it.
        recovery_point: crate::seq::SeqNum,
        /// The slow-start threshold the congestion controller chose.
        ssthresh: usize,
    },
    /// The sender left loss recovery (its RecoveryPoint was acknowledged,
    /// or a retransmission timeout ended it).
    RecoveryLeft {
        /// What had started it.
        cause: RecoveryCause,
        /// Ended by a retransmission timeout rather than a full ACK.
        timeout: bool,
    },
    /// A range of sent data was deemed lost and queued for retransmission.
    SegmentLost {
        /// First sequence number.
        seq: crate::seq::SeqNum,
        /// Length in sequence numbers.
        len: usize,
        /// The rule that decided it.
        cause: RecoveryCause,
    },
    /// A Tail Loss Probe went out (RFC 8985 section 7).
    TlpSent {
        /// First sequence number of the probe.
        seq: crate::seq::SeqNum,
        /// Its payload length.
        len: usize,
        /// New data (true) or the last segment again (false).
        new_data: bool,
    },
    /// A D-SACK block arrived (RFC 2883): the peer got something twice.
    DsackReceived {
        /// Left edge of the duplicate range.
        left: crate::seq::SeqNum,
        /// Right edge (exclusive).
        right: crate::seq::SeqNum,
    },
    /// Every retransmission of a recovery episode was D-SACKed: the
    /// congestion window reduction was undone (RFC 2883 section 5).
    SpuriousRecoveryUndone {
        /// The window restored.
        cwnd: usize,
    },
    /// An ICMP error about one of our segments arrived.
    Icmp {
        /// What it said.
        kind: crate::wire::icmp::IcmpKind,
        /// Who sent it.
        from: core::net::IpAddr,
        /// The quoted sequence number.
        seq: crate::seq::SeqNum,
        /// What TCP did about it.
        outcome: IcmpOutcome,
    },
}

/// What TCP did with an ICMP error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IcmpOutcome {
    /// Nothing: no such connection, or the quoted sequence number is not
    /// in flight (RFC 5927 4.1: a blind attacker's guess).
    Ignored,
    /// A hard error ended a connection still opening.
    Aborted,
    /// A soft error, reported to the application.
    SoftError,
    /// The path MTU fell: the send MSS is now this (and what was too big
    /// goes again).
    MssLowered {
        /// The new send MSS.
        mss: u16,
    },
    /// A Packet Too Big that does not lower the MSS (at or above it, or
    /// below the floor already reached).
    MssUnchanged,
}

impl IcmpOutcome {
    /// A short description, e.g. `ignored (not in flight)`.
    pub fn describe(self) -> String {
        match self {
            IcmpOutcome::Ignored => "ignored: names nothing in flight".into(),
            IcmpOutcome::Aborted => "connection aborted".into(),
            IcmpOutcome::SoftError => "reported, connection goes on".into(),
            IcmpOutcome::MssLowered { mss } => format!("MSS lowered to {mss}, resending"),
            IcmpOutcome::MssUnchanged => "MSS unchanged".into(),
        }
    }
}

/// What detected a loss or started a recovery episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecoveryCause {
    /// DupThresh duplicate ACKs (RFC 5681 3.2, RFC 6582 NewReno, or RFC
    /// 6675 5 step 1).
    DupAcks,
    /// The SACK scoreboard's `IsLost` (RFC 6675 section 4).
    Sack,
    /// RACK's time-based loss detection (RFC 8985 section 6.2).
    Rack,
    /// A Tail Loss Probe's answer revealed the loss (RFC 8985 section 7.4).
    Tlp,
}

impl RecoveryCause {
    /// A short name.
    pub const fn describe(self) -> &'static str {
        match self {
            RecoveryCause::DupAcks => "dupacks",
            RecoveryCause::Sack => "sack",
            RecoveryCause::Rack => "rack",
            RecoveryCause::Tlp => "tlp",
        }
    }
}

/// Why an arriving segment was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// Outside the receive window (RFC 9293 3.10.7.4 first check).
    OutOfWindow,
    /// ACK of something not yet sent (RFC 5961 section 5).
    BadAck,
    /// RST not exactly at RCV.NXT (RFC 5961 section 3).
    RstNotExact,
    /// Nothing listens on the port and the segment was an RST.
    NoListener,
    /// The listener's SYN queue is full.
    BacklogFull,
    /// An old duplicate (already received).
    Duplicate,
    /// TSval older than TS.Recent (RFC 7323 5.3, PAWS).
    Paws,
    /// No timestamp although both sides agreed to send them (RFC 7323 3.2).
    MissingTimestamp,
    /// SYN and FIN together, dropped by configuration.
    SynFin,
    /// The TCP checksum does not match (RFC 9293 MUST-2/3): corrupted on
    /// the way, or a device that left it partial (checksum offload).
    BadChecksum,
    /// Addressed to an IP address this endpoint does not own (and no
    /// catch-all listener takes).
    NotOurs,
    /// From or to a broadcast, multicast or unspecified address (RFC 1122
    /// 4.2.3.10: TCP is unicast only).
    NotUnicast,
    /// For a held SYN the application has not decided on yet (a
    /// retransmitted SYN, absorbed).
    Held,
}

impl DropReason {
    /// A short description.
    pub const fn describe(self) -> &'static str {
        match self {
            DropReason::OutOfWindow => "outside the receive window",
            DropReason::BadAck => "acknowledges data never sent",
            DropReason::RstNotExact => "RST not at RCV.NXT",
            DropReason::NoListener => "RST for no connection",
            DropReason::BacklogFull => "listen backlog full",
            DropReason::Duplicate => "old duplicate",
            DropReason::Paws => "timestamp older than TS.Recent (PAWS)",
            DropReason::MissingTimestamp => "timestamp option missing",
            DropReason::SynFin => "SYN and FIN together",
            DropReason::BadChecksum => "bad TCP checksum",
            DropReason::NotOurs => "not addressed to us",
            DropReason::NotUnicast => "not unicast",
            DropReason::Held => "SYN held for the application",
        }
    }
}
