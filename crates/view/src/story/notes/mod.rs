//! The plain-language explanations: which step of the story each line is,
//! decided from the timeline alone (the words live in `i18n`). This file
//! names the explanations; `annotate` decides where they go.

mod annotate;

use crate::Side;
use synack_core::trace::RecoveryCause;

pub use annotate::annotate;

/// One explanation, independent of the language.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Note {
    /// A SYN opens a connection.
    Syn {
        /// Sender.
        side: Side,
        /// The peer's SYN is already out (simultaneous open).
        simultaneous: bool,
        /// The demo holds this SYN back in the network.
        delayed: bool,
    },
    /// A SYN+ACK accepts one.
    SynAck {
        /// Sender.
        side: Side,
        /// Both sides opened at once.
        simultaneous: bool,
        /// It acknowledges an old, stale SYN.
        stale: bool,
    },
    /// The third message of the handshake.
    HandshakeAck(Side),
    /// SYN-SENT → SYN-RECEIVED.
    SimultaneousOpen(Side),
    /// The first data segment of the run.
    FirstData(Side),
    /// Data after the peer's FIN.
    HalfCloseData(Side),
    /// A FIN.
    Fin {
        /// Sender.
        side: Side,
        /// The peer has not sent its FIN.
        first: bool,
        /// The peer's FIN is on its way at the same time.
        crossing: bool,
    },
    /// FIN-WAIT-1 → FIN-WAIT-2.
    FinAcked(Side),
    /// ESTABLISHED → CLOSE-WAIT.
    CloseWait(Side),
    /// FIN-WAIT-1 → CLOSING.
    Closing(Side),
    /// → TIME-WAIT, lasting `secs`.
    TimeWait {
        /// Who waits.
        side: Side,
        /// 2 × MSL in seconds.
        secs: u64,
    },
    /// TIME-WAIT → CLOSED.
    TimeWaitEnd(Side),
    /// LAST-ACK → CLOSED.
    LastAckDone(Side),
    /// SYN-SENT → CLOSED by RST.
    Refused {
        /// Who was refused.
        side: Side,
        /// The port nobody listens on.
        port: u16,
    },
    /// Gave up after `syns` tries over `secs` seconds.
    TimedOut {
        /// Who gave up.
        side: Side,
        /// SYNs sent.
        syns: usize,
        /// Seconds since the first.
        secs: f64,
    },
    /// A synchronized connection got an RST.
    ResetByPeer(Side),
    /// The application aborted.
    Aborted(Side),
    /// A passive half-open connection died of an RST: back to LISTEN.
    BackToListen(Side),
    /// RST+ACK in answer to a SYN for a port nobody listens on.
    RstRefuse {
        /// Sender.
        side: Side,
        /// The port.
        port: u16,
    },
    /// RST in answer to an unacceptable ACK in SYN-SENT.
    RstBadAck(Side),
    /// The RST of an abort.
    RstAbort(Side),
    /// RST for a segment that matches no connection.
    RstNoConnection(Side),
    /// SYN or SYN+ACK resent after `waited_ms` without an answer.
    RetransmitSyn {
        /// Sender.
        side: Side,
        /// Milliseconds since the previous copy.
        waited_ms: u64,
        /// It is a SYN+ACK.
        syn_ack: bool,
    },
    /// Data resent after the retransmission timeout.
    RetransmitRto(Side),
    /// Data resent after duplicate ACKs.
    RetransmitFast(Side),
    /// Data resent when an ACK moves forward but leaves a gap (after a
    /// timeout or during fast recovery).
    RetransmitNext(Side),
    /// Data resent because RACK judged it lost by time.
    RetransmitRack(Side),
    /// Loss recovery began, for this reason.
    RecoveryEntered {
        /// The sender.
        side: Side,
        /// What detected the loss.
        cause: RecoveryCause,
    },
    /// Loss recovery ended.
    RecoveryLeft {
        /// The sender.
        side: Side,
        /// A retransmission timeout ended it.
        timeout: bool,
    },
    /// A tail loss probe.
    Probe(Side),
    /// A D-SACK reached the sender.
    Dsack(Side),
    /// A spurious recovery was undone.
    Undone(Side),
    /// In SYN-RECEIVED, the peer's SYN+ACK repeats an already received SYN:
    /// dropped, but answered with an ACK.
    SimultaneousSynAckDropped(Side),
    /// The first segment the link loses.
    FirstLoss,
    /// The first SYN's options, explained once.
    SynOptions,
    /// The first segment carrying SACK blocks.
    FirstSack(Side),
    /// The injected old duplicate SYN.
    Injected,
    /// The first packet a silent host swallows.
    Swallowed(Side),
}
