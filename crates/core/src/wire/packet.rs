//! Whole IP packets carrying TCP: parse with checksum verification, emit
//! around a payload already in place.

use super::{TcpOptions, TcpRepr, WireError};
use core::net::IpAddr;

/// The IP-level facts about a TCP segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRepr {
    /// Source address.
    pub src: IpAddr,
    /// Destination address (same family as `src`).
    pub dst: IpAddr,
    /// TTL / hop limit.
    pub ttl: u8,
}

/// A parsed TCP/IP packet borrowing its payload from the input buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<'a> {
    /// IP header facts.
    pub ip: IpRepr,
    /// TCP header.
    pub tcp: TcpRepr,
    /// TCP payload.
    pub payload: &'a [u8],
}

/// Parses an IPv4 or IPv6 packet carrying TCP, verifying the IPv4 header
/// checksum and the TCP checksum with its pseudo-header.
pub fn parse_packet(bytes: &[u8]) -> Result<Packet<'_>, WireError> {
    let _ = bytes;
    Err(WireError::Truncated)
}

/// Length of the IP + TCP headers that [`emit_headers`] writes.
pub fn header_len(ip: &IpRepr, options: &TcpOptions) -> usize {
    let _ = (ip, options);
    0
}

/// Writes the IP and TCP headers into `buf[..header_len(ip, &tcp.options)]`
/// for a payload of `payload_len` bytes that the caller has already placed
/// right after them, and fills in both checksums. Returns the packet length.
pub fn emit_headers(
    ip: &IpRepr,
    tcp: &TcpRepr,
    payload_len: usize,
    buf: &mut [u8],
) -> Result<usize, WireError> {
    let _ = (ip, tcp, payload_len, buf);
    Err(WireError::BufferTooSmall)
}

/// Convenience: copies `payload` into place and calls [`emit_headers`].
pub fn emit_packet(
    ip: &IpRepr,
    tcp: &TcpRepr,
    payload: &[u8],
    buf: &mut [u8],
) -> Result<usize, WireError> {
    let hl = header_len(ip, &tcp.options);
    let total = hl + payload.len();
    if buf.len() < total {
        return Err(WireError::BufferTooSmall);
    }
    buf[hl..total].copy_from_slice(payload);
    emit_headers(ip, tcp, payload.len(), buf)
}
