//! What the analysis says about a segment or a connection, as data: the
//! words come from [`crate::i18n`] in the language asked for, the JSON
//! from [`Note::kind`].

use synack_view::Side;

/// How a retransmission was triggered, judged from what the capture saw
/// just before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetxKind {
    /// The peer's ACKs asked for it: duplicate ACKs or SACK blocks above
    /// the missing bytes (fast retransmit, RFC 5681 3.2 / RFC 6675).
    Fast {
        /// Duplicate ACKs seen for the missing bytes.
        dup_acks: u32,
        /// The peer's ACK carried SACK blocks above them.
        sack: bool,
    },
    /// The sender was silent for `quiet_ms` with no ACK asking for it: its
    /// retransmission timer expired (RFC 6298).
    Timeout {
        /// Milliseconds since the sender's previous segment.
        quiet_ms: u64,
    },
    /// A short silence and no duplicate ACKs: a tail loss probe or an
    /// early timer (RFC 8985).
    Probe {
        /// Milliseconds since the sender's previous segment.
        quiet_ms: u64,
    },
}

/// Why a RST was sent, as far as the capture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RstWhy {
    /// The answer to a SYN: nobody listens on that port.
    Refused,
    /// In the middle of an open connection: the application aborted it
    /// (closed with unread data, SO_LINGER 0, the process died).
    Abort,
    /// After this side had closed (sent FIN): data arrived it will never
    /// read, or it gave up waiting.
    AfterClose,
    /// Its sequence number lies outside what the receiver accepts: a real
    /// stack ignores it (or answers with a challenge ACK, RFC 5961).
    OutOfWindow,
    /// For a connection the capture never saw open (it may be old).
    Stray,
    /// The client's answer to a SYN+ACK for an old duplicate SYN.
    OldSyn,
}

/// One explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// `side` asks to open a connection and picks its ISN.
    Syn {
        /// Who.
        side: Side,
        /// Its initial sequence number.
        isn: u32,
    },
    /// What the SYN options mean (once per connection).
    SynOptions,
    /// The SYN+ACK acknowledges the ISN + 1.
    SynAck {
        /// The server's ISN.
        isn: u32,
        /// The client's ISN it acknowledges (plus one).
        peer_isn: u32,
    },
    /// The third segment of the handshake.
    HandshakeDone,
    /// A SYN with another, older ISN: a delayed duplicate.
    OldSyn,
    /// In a simultaneous open, `side` sends its SYN again with ACK.
    SimultaneousSynAck {
        /// Who.
        side: Side,
    },
    /// The SYN+ACK acknowledges the old duplicate SYN, not the client's.
    SynAckForOld,
    /// The capture starts after the handshake.
    MidStart,
    /// `side`'s first data.
    FirstData {
        /// Who sends.
        side: Side,
        /// Bytes in it.
        len: usize,
        /// Relative sequence number of its first byte.
        first: i64,
    },
    /// The first ACK that covers data: `side` has all bytes before `ack`.
    AckConfirms {
        /// Who acknowledges.
        side: Side,
        /// Bytes acknowledged so far.
        bytes: u64,
        /// The relative ACK number.
        ack: i64,
    },
    /// A retransmission of bytes already sent.
    Retransmission {
        /// Who resends.
        side: Side,
        /// Why.
        kind: RetxKind,
        /// The bytes were already acknowledged: it was unnecessary.
        spurious: bool,
        /// A SYN or FIN sent again, not data.
        control: bool,
    },
    /// Bytes arrive that the capture had not seen, after later ones.
    OutOfOrder {
        /// Milliseconds after the highest segment.
        after_ms: u64,
    },
    /// A segment starts after bytes the capture never saw.
    Gap {
        /// Bytes missing.
        bytes: u64,
    },
    /// Duplicate ACKs: the receiver still misses the same byte.
    DupAck {
        /// How many so far.
        count: u32,
        /// The relative ACK number repeated.
        ack: i64,
    },
    /// The ACK carries SACK blocks.
    Sack {
        /// The relative ACK number.
        ack: i64,
        /// Blocks (relative, left inclusive, right exclusive).
        blocks: Vec<(i64, i64)>,
    },
    /// `side`'s SYN asks for ECN (ECE and CWR, RFC 3168 6.1.1).
    EcnAsk {
        /// Who.
        side: Side,
    },
    /// `side`'s SYN+ACK agrees to ECN (ECE without CWR).
    EcnAgree {
        /// Who.
        side: Side,
    },
    /// `side`'s packet arrived marked Congestion Experienced by a router.
    CeMark {
        /// Whose packet.
        side: Side,
    },
    /// `side` starts echoing a congestion mark (ECE).
    EcnEcho {
        /// Who.
        side: Side,
    },
    /// `side` says it reduced its congestion window (CWR).
    Cwr {
        /// Who.
        side: Side,
    },
    /// `side` advertises a zero window: its receive buffer is full.
    ZeroWindow {
        /// Who.
        side: Side,
    },
    /// `side` probes a zero window.
    WindowProbe {
        /// Who.
        side: Side,
    },
    /// `side` opens its window again.
    WindowOpen {
        /// Who.
        side: Side,
        /// The window now, bytes.
        window: u64,
    },
    /// A keep-alive: one old byte or none, to see if the peer is there.
    KeepAlive,
    /// A RST.
    Rst {
        /// Who sends it.
        side: Side,
        /// Why.
        why: RstWhy,
    },
    /// `side` has sent everything: FIN.
    Fin {
        /// Who.
        side: Side,
        /// Bytes it sent in all.
        bytes: u64,
        /// The sizes of its first data segments (at most 8).
        sizes: Vec<u32>,
        /// More segments than `sizes` holds.
        more: bool,
    },
    /// The ACK of a FIN: FIN's number + 1.
    FinAck {
        /// Who acknowledges.
        side: Side,
        /// The relative ACK number.
        ack: i64,
    },
    /// `side` sends data after the peer's FIN.
    HalfClose {
        /// Who still sends.
        side: Side,
    },
    /// `side` enters TIME-WAIT.
    TimeWait {
        /// Who.
        side: Side,
    },
    /// The capture ends with the connection still open.
    EndsOpen,
    /// The SYN was never answered in the capture.
    SynUnanswered {
        /// How many times it was sent.
        sent: u32,
    },
}

impl Note {
    /// The note's kind, for JSON and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Note::Syn { .. } => "syn",
            Note::SynOptions => "syn_options",
            Note::SynAck { .. } => "syn_ack",
            Note::HandshakeDone => "handshake_done",
            Note::OldSyn => "old_syn",
            Note::SimultaneousSynAck { .. } => "simultaneous_syn_ack",
            Note::SynAckForOld => "syn_ack_for_old_syn",
            Note::MidStart => "mid_start",
            Note::FirstData { .. } => "first_data",
            Note::AckConfirms { .. } => "ack_confirms",
            Note::Retransmission { kind, .. } => match kind {
                RetxKind::Fast { .. } => "retransmission_fast",
                RetxKind::Timeout { .. } => "retransmission_timeout",
                RetxKind::Probe { .. } => "retransmission_probe",
            },
            Note::OutOfOrder { .. } => "out_of_order",
            Note::Gap { .. } => "gap",
            Note::DupAck { .. } => "dup_ack",
            Note::Sack { .. } => "sack",
            Note::EcnAsk { .. } => "ecn_ask",
            Note::EcnAgree { .. } => "ecn_agree",
            Note::CeMark { .. } => "ce_mark",
            Note::EcnEcho { .. } => "ecn_echo",
            Note::Cwr { .. } => "cwr",
            Note::ZeroWindow { .. } => "zero_window",
            Note::WindowProbe { .. } => "window_probe",
            Note::WindowOpen { .. } => "window_open",
            Note::KeepAlive => "keep_alive",
            Note::Rst { why, .. } => match why {
                RstWhy::Refused => "rst_refused",
                RstWhy::Abort => "rst_abort",
                RstWhy::AfterClose => "rst_after_close",
                RstWhy::OutOfWindow => "rst_out_of_window",
                RstWhy::Stray => "rst_stray",
                RstWhy::OldSyn => "rst_old_syn",
            },
            Note::Fin { .. } => "fin",
            Note::FinAck { .. } => "fin_ack",
            Note::HalfClose { .. } => "half_close",
            Note::TimeWait { .. } => "time_wait",
            Note::EndsOpen => "ends_open",
            Note::SynUnanswered { .. } => "syn_unanswered",
        }
    }
}

/// A short mark beside a segment's arrow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Retransmission (`↻`).
    Retransmission,
    /// Arrived after later bytes.
    OutOfOrder,
    /// Duplicate ACK number `n`.
    DupAck(u32),
    /// Zero window advertised.
    ZeroWindow,
    /// A zero-window probe.
    Probe,
    /// A keep-alive.
    KeepAlive,
}

impl Mark {
    /// The mark's name in JSON.
    pub fn kind(self) -> &'static str {
        match self {
            Mark::Retransmission => "retransmission",
            Mark::OutOfOrder => "out_of_order",
            Mark::DupAck(_) => "dup_ack",
            Mark::ZeroWindow => "zero_window",
            Mark::Probe => "window_probe",
            Mark::KeepAlive => "keep_alive",
        }
    }
}
