//! From an IP packet to the TCP segment the analysis works on.

use core::net::SocketAddr;
use synack_core::wire::{self, TcpRepr, WireError};

/// A TCP segment seen in the capture.
#[derive(Clone, Copy, Debug)]
pub struct Segment {
    /// Capture time, microseconds since the epoch.
    pub time_us: u64,
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Its header (absolute numbers, unscaled window).
    pub tcp: TcpRepr,
    /// Payload length.
    pub len: usize,
}

/// Why an IP packet gave no segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Not TCP (UDP, ICMP...) or a fragment: not ours, not damaged.
    NotTcp,
    /// Damaged or cut short: reported.
    Damaged(WireError),
}

/// Decodes the TCP segment in `ip`. TCP checksums are not verified: a
/// capture on the sending host holds segments whose checksum the network
/// card fills in later (checksum offload), which tshark too leaves
/// unchecked by default. The IPv4 header checksum is verified.
pub fn segment(time_us: u64, ip: &[u8]) -> Result<Segment, Skip> {
    match wire::parse_packet_checksum_trusted(ip) {
        Ok(p) => Ok(Segment {
            time_us,
            src: SocketAddr::new(p.ip.src, p.tcp.src_port),
            dst: SocketAddr::new(p.ip.dst, p.tcp.dst_port),
            tcp: p.tcp,
            len: p.payload.len(),
        }),
        Err(WireError::NotTcp | WireError::Fragment) => Err(Skip::NotTcp),
        Err(e) => Err(Skip::Damaged(e)),
    }
}
