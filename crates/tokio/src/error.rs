//! synack's errors as the `std::io::Error` kinds tokio users expect.

use std::io;
use synack_core::Error;

/// Maps a core error to an I/O error of the kind a tokio `TcpStream`
/// would report for the same fate.
pub(crate) fn to_io(e: Error) -> io::Error {
    let kind = match e {
        Error::ConnectionReset => io::ErrorKind::ConnectionReset,
        Error::ConnectionRefused => io::ErrorKind::ConnectionRefused,
        Error::TimedOut => io::ErrorKind::TimedOut,
        Error::AddrInUse => io::ErrorKind::AddrInUse,
        Error::AddrNotAvailable | Error::NoPortsAvailable => io::ErrorKind::AddrNotAvailable,
        Error::Closed => io::ErrorKind::BrokenPipe,
        Error::InvalidArgument => io::ErrorKind::InvalidInput,
        Error::InvalidState | Error::InvalidHandle => io::ErrorKind::NotConnected,
        Error::WouldBlock => io::ErrorKind::WouldBlock,
        Error::OutOfResources => io::ErrorKind::OutOfMemory,
        Error::HostUnreachable => io::ErrorKind::HostUnreachable,
        Error::NetworkUnreachable => io::ErrorKind::NetworkUnreachable,
        Error::Prohibited => io::ErrorKind::PermissionDenied,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e)
}

/// The error every call returns once the stack has stopped (its device
/// failed or went away, or it was shut down).
pub(crate) fn stopped(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        format!("synack stack stopped: {why}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_match_tokio() {
        assert_eq!(
            to_io(Error::ConnectionRefused).kind(),
            io::ErrorKind::ConnectionRefused
        );
        assert_eq!(
            to_io(Error::ConnectionReset).kind(),
            io::ErrorKind::ConnectionReset
        );
        assert_eq!(to_io(Error::TimedOut).kind(), io::ErrorKind::TimedOut);
        assert_eq!(to_io(Error::Closed).kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(to_io(Error::AddrInUse).kind(), io::ErrorKind::AddrInUse);
        assert_eq!(
            to_io(Error::AddrNotAvailable).kind(),
            io::ErrorKind::AddrNotAvailable
        );
        assert_eq!(
            to_io(Error::NoPortsAvailable).kind(),
            io::ErrorKind::AddrNotAvailable
        );
        assert_eq!(to_io(Error::TimedOut).to_string(), "connection timed out");
    }
}
