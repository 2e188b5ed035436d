//! The TCP header (RFC 9293 section 3.1): a checked view and a representation.

use super::{TcpOptions, WireError};
use crate::seq::SeqNum;
use core::fmt;

/// TCP control bits.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// No more data from sender.
    pub const FIN: TcpFlags = TcpFlags(0x01);
    /// Synchronize sequence numbers.
    pub const SYN: TcpFlags = TcpFlags(0x02);
    /// Reset the connection.
    pub const RST: TcpFlags = TcpFlags(0x04);
    /// Push function.
    pub const PSH: TcpFlags = TcpFlags(0x08);
    /// Acknowledgment field is significant.
    pub const ACK: TcpFlags = TcpFlags(0x10);
    /// Urgent pointer field is significant.
    pub const URG: TcpFlags = TcpFlags(0x20);
    /// ECN-Echo (RFC 3168).
    pub const ECE: TcpFlags = TcpFlags(0x40);
    /// Congestion Window Reduced (RFC 3168).
    pub const CWR: TcpFlags = TcpFlags(0x80);

    /// No flags.
    pub const fn empty() -> Self {
        TcpFlags(0)
    }
    /// True if every bit of `other` is set.
    pub const fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }
    /// True if any bit of `other` is set.
    pub const fn intersects(self, other: TcpFlags) -> bool {
        self.0 & other.0 != 0
    }
    /// Union.
    pub const fn with(self, other: TcpFlags) -> Self {
        TcpFlags(self.0 | other.0)
    }
    /// `self` without the bits of `other`.
    pub const fn without(self, other: TcpFlags) -> Self {
        TcpFlags(self.0 & !other.0)
    }
    /// SYN set?
    pub const fn syn(self) -> bool {
        self.contains(Self::SYN)
    }
    /// ACK set?
    pub const fn ack(self) -> bool {
        self.contains(Self::ACK)
    }
    /// FIN set?
    pub const fn fin(self) -> bool {
        self.contains(Self::FIN)
    }
    /// RST set?
    pub const fn rst(self) -> bool {
        self.contains(Self::RST)
    }
    /// PSH set?
    pub const fn psh(self) -> bool {
        self.contains(Self::PSH)
    }
}

impl core::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        self.with(rhs)
    }
}

impl fmt::Display for TcpFlags {
    /// Names joined by `+`, in the order SYN FIN RST PSH ACK URG ECE CWR
    /// (e.g. `SYN+ACK`); `none` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(TcpFlags, &str); 8] = [
            (TcpFlags::SYN, "SYN"),
            (TcpFlags::FIN, "FIN"),
            (TcpFlags::RST, "RST"),
            (TcpFlags::PSH, "PSH"),
            (TcpFlags::ACK, "ACK"),
            (TcpFlags::URG, "URG"),
            (TcpFlags::ECE, "ECE"),
            (TcpFlags::CWR, "CWR"),
        ];
        let mut first = true;
        for (flag, name) in NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str("+")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A decoded TCP header (payload kept apart, see [`super::Packet`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: SeqNum,
    /// Acknowledgment number (meaningful only with ACK).
    pub ack: SeqNum,
    /// Control bits.
    pub flags: TcpFlags,
    /// Window field as on the wire (unscaled).
    pub window: u16,
    /// Urgent pointer.
    pub urgent: u16,
    /// Options.
    pub options: TcpOptions,
}

/// Fixed TCP header length (no options).
pub const HEADER_LEN: usize = 20;

/// A checked read-only or read-write view of a TCP segment (header and payload).
#[derive(Debug, Clone)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    /// Wraps `buffer` after checking that the fixed header and the data
    /// offset fit. After this no accessor panics.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        todo_wire(buffer)
    }
}

#[allow(clippy::extra_unused_type_parameters)]
fn todo_wire<T: AsRef<[u8]>, R>(_buffer: T) -> Result<R, WireError> {
    // Placeholder: filled in by the wire-format work.
    Err(WireError::Truncated)
}
