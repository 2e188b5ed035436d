//! The eleven connection states (RFC 9293 section 3.3.2) and the causes of
//! transitions between them.

use core::fmt;

/// A TCP connection state, printed as RFC 9293 writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// No connection.
    Closed,
    /// Waiting for a connection request (listeners only).
    Listen,
    /// SYN sent, waiting for a matching SYN.
    SynSent,
    /// SYN received and SYN sent, waiting for the acknowledgment of our SYN.
    SynReceived,
    /// Open; data flows both ways.
    Established,
    /// We sent FIN; waiting for its ACK or the peer's FIN.
    FinWait1,
    /// Our FIN is acknowledged; waiting for the peer's FIN.
    FinWait2,
    /// The peer sent FIN; waiting for our application to close.
    CloseWait,
    /// Both sent FIN at once; waiting for the ACK of ours.
    Closing,
    /// We sent FIN after the peer's; waiting for its ACK.
    LastAck,
    /// Waiting 2 x MSL so the final ACK can be resent and old segments die.
    TimeWait,
}

impl State {
    /// The RFC 9293 name, e.g. `SYN-SENT`.
    pub const fn name(self) -> &'static str {
        match self {
            State::Closed => "CLOSED",
            State::Listen => "LISTEN",
            State::SynSent => "SYN-SENT",
            State::SynReceived => "SYN-RECEIVED",
            State::Established => "ESTABLISHED",
            State::FinWait1 => "FIN-WAIT-1",
            State::FinWait2 => "FIN-WAIT-2",
            State::CloseWait => "CLOSE-WAIT",
            State::Closing => "CLOSING",
            State::LastAck => "LAST-ACK",
            State::TimeWait => "TIME-WAIT",
        }
    }

    /// All states, in RFC order.
    pub const ALL: [State; 11] = [
        State::Closed,
        State::Listen,
        State::SynSent,
        State::SynReceived,
        State::Established,
        State::FinWait1,
        State::FinWait2,
        State::CloseWait,
        State::Closing,
        State::LastAck,
        State::TimeWait,
    ];

    /// Synchronized states (RFC 9293 3.5.2 group 3): ESTABLISHED onward.
    pub const fn is_synchronized(self) -> bool {
        !matches!(
            self,
            State::Closed | State::Listen | State::SynSent | State::SynReceived
        )
    }

    /// States in which we may still send data.
    pub const fn can_send(self) -> bool {
        matches!(self, State::Established | State::CloseWait)
    }

    /// States in which the peer may still send data.
    pub const fn can_receive(self) -> bool {
        matches!(self, State::Established | State::FinWait1 | State::FinWait2)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a state changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// The application called `connect` (active open).
    AppConnect,
    /// A SYN arrived at a listener (passive open).
    RecvSyn,
    /// An ACK returned a valid SYN cookie to a listener (RFC 4987 3.6).
    SynCookie,
    /// A SYN-ACK arrived in SYN-SENT.
    RecvSynAck,
    /// A SYN without ACK arrived in SYN-SENT (simultaneous open).
    SimultaneousOpen,
    /// An ACK acknowledged our SYN or our FIN.
    RecvAck,
    /// The peer's FIN arrived.
    RecvFin,
    /// A FIN that also acknowledged our FIN arrived.
    RecvFinAck,
    /// The application closed (or shut down) its sending side.
    AppClose,
    /// The application aborted the connection.
    AppAbort,
    /// An acceptable RST arrived.
    RecvRst,
    /// Retransmissions reached their limit.
    Timeout,
    /// TIME-WAIT's 2 x MSL ran out.
    TimeWaitExpired,
    /// The listener's queue was full or the listener closed.
    ListenerGone,
    /// The application refused a held SYN (RST).
    AppRefuse,
    /// Nobody decided on a held SYN in time.
    HoldExpired,
    /// A hard ICMP error (port or protocol unreachable, prohibited).
    IcmpError,
}

impl Cause {
    /// A short description, e.g. `received SYN+ACK`.
    pub const fn describe(self) -> &'static str {
        match self {
            Cause::AppConnect => "application called connect",
            Cause::RecvSyn => "received SYN",
            Cause::SynCookie => "received ACK with a valid SYN cookie",
            Cause::RecvSynAck => "received SYN+ACK",
            Cause::SimultaneousOpen => "received SYN in SYN-SENT",
            Cause::RecvAck => "received ACK",
            Cause::RecvFin => "received FIN",
            Cause::RecvFinAck => "received FIN+ACK of our FIN",
            Cause::AppClose => "application closed",
            Cause::AppAbort => "application aborted",
            Cause::RecvRst => "received RST",
            Cause::Timeout => "retransmission limit reached",
            Cause::TimeWaitExpired => "2xMSL elapsed",
            Cause::ListenerGone => "listener queue full or closed",
            Cause::AppRefuse => "application refused the SYN",
            Cause::HoldExpired => "held SYN not answered in time",
            Cause::IcmpError => "received an ICMP error",
        }
    }
}
