//! Wire formats: zero-copy checked views over untrusted bytes, high-level
//! representations, and emission into caller-provided buffers.
//!
//! Layout follows smoltcp: `XxxPacket<T: AsRef<[u8]>>` is a view whose
//! `new_checked` validates lengths so that no accessor can panic afterwards;
//! `XxxRepr` is the decoded, owned form used by the rest of the core.
//!
//! The entry points for the endpoint are [`parse_packet`] (bytes in, checksums
//! verified) and [`emit_headers`] (headers written around a payload the caller
//! already placed in the output buffer, so payload is copied exactly once).

pub mod checksum;
pub mod icmp;
pub mod ipv4;
pub mod ipv6;
pub mod options;
mod packet;
pub mod tcp;
#[cfg(test)]
mod testing;

pub use options::{SackBlocks, TcpOptions, Timestamps};
pub use packet::{
    IpRepr, Packet, ecn, emit_headers, emit_packet, header_len, parse_packet,
    parse_packet_checksum_trusted, peek_addresses, set_ipv4_ident,
};
pub use tcp::{TcpFlags, TcpRepr};

use core::fmt;

/// Why a packet could not be parsed or emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireError {
    /// Fewer bytes than the headers or length fields require.
    Truncated,
    /// IP version is neither 4 nor 6.
    BadVersion,
    /// A header length field is out of range (IHL < 5, data offset < 5, ...).
    BadHeaderLength,
    /// The IP total/payload length disagrees with the buffer.
    BadLength,
    /// The packet does not carry TCP.
    NotTcp,
    /// An IPv4 fragment or IPv6 fragment header: synack does not reassemble.
    Fragment,
    /// IPv4 header checksum or TCP checksum mismatch (RFC 9293 MUST-2/3).
    BadChecksum,
    /// A TCP option whose length field is malformed (RFC 9293 MUST-7).
    BadOption,
    /// The output buffer is too small.
    BufferTooSmall,
    /// Source and destination addresses are of different families.
    MixedFamilies,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            WireError::Truncated => "truncated packet",
            WireError::BadVersion => "unknown IP version",
            WireError::BadHeaderLength => "bad header length",
            WireError::BadLength => "length field disagrees with packet size",
            WireError::NotTcp => "not a TCP packet",
            WireError::Fragment => "IP fragment (not reassembled)",
            WireError::BadChecksum => "bad checksum",
            WireError::BadOption => "malformed TCP option",
            WireError::BufferTooSmall => "output buffer too small",
            WireError::MixedFamilies => "IPv4 and IPv6 addresses mixed",
        };
        f.write_str(s)
    }
}

impl std::error::Error for WireError {}
