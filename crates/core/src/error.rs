//! Errors returned to the application (local API misuse, resources, and the
//! connection's fate). Malformed network input never becomes an `Error`: it
//! is dropped and counted in [`crate::Stats`].

use core::fmt;

/// An application-facing error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The handle does not name a live connection or listener.
    InvalidHandle,
    /// The operation cannot proceed now (buffer full / empty); try again
    /// after the matching event.
    WouldBlock,
    /// The operation is not valid in the connection's state (for example
    /// `send` after `shutdown`, `recv` before the connection is established).
    InvalidState,
    /// The peer reset the connection.
    ConnectionReset,
    /// The peer refused the connection (RST in answer to our SYN).
    ConnectionRefused,
    /// Retransmissions reached their limit (RFC 9293 R2).
    TimedOut,
    /// The address/port is already bound or in use.
    AddrInUse,
    /// No ephemeral port is free for this destination.
    NoPortsAvailable,
    /// The address is not one of this endpoint's.
    AddrNotAvailable,
    /// A limit (connections, listeners) was reached.
    OutOfResources,
    /// Invalid argument (port 0 for connect, address family mismatch, ...).
    InvalidArgument,
    /// The connection was closed by this side.
    Closed,
    /// An ICMP error said the network is unreachable.
    NetworkUnreachable,
    /// An ICMP error said the host is unreachable (or the packet's time to
    /// live ran out on the way).
    HostUnreachable,
    /// An ICMP error said the peer does not speak TCP.
    ProtocolUnreachable,
    /// An ICMP error said the path administratively prohibits the
    /// connection.
    Prohibited,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Error::InvalidHandle => "invalid connection or listener handle",
            Error::WouldBlock => "operation would block",
            Error::InvalidState => "operation not valid in this connection state",
            Error::ConnectionReset => "connection reset by peer",
            Error::ConnectionRefused => "connection refused",
            Error::TimedOut => "connection timed out",
            Error::AddrInUse => "address already in use",
            Error::NoPortsAvailable => "no ephemeral port available",
            Error::AddrNotAvailable => "address not available on this endpoint",
            Error::OutOfResources => "out of resources",
            Error::InvalidArgument => "invalid argument",
            Error::Closed => "connection closed",
            Error::NetworkUnreachable => "network unreachable",
            Error::HostUnreachable => "host unreachable",
            Error::ProtocolUnreachable => "protocol not available at the peer",
            Error::Prohibited => "communication administratively prohibited",
        };
        f.write_str(s)
    }
}

impl std::error::Error for Error {}
