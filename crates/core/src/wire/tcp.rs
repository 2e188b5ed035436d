//! The TCP header (RFC 9293 section 3.1): a checked view and a representation.

use super::{TcpOptions, WireError, checksum};
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
    /// ECE (ECN-Echo, RFC 3168 6.1) set?
    pub const fn ece(self) -> bool {
        self.contains(Self::ECE)
    }
    /// CWR (Congestion Window Reduced, RFC 3168 6.1) set?
    pub const fn cwr(self) -> bool {
        self.contains(Self::CWR)
    }
}

impl core::ops::BitOrAssign for TcpFlags {
    fn bitor_assign(&mut self, rhs: TcpFlags) {
        *self = self.with(rhs);
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

mod field {
    use core::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ_NUM: Range<usize> = 4..8;
    pub const ACK_NUM: Range<usize> = 8..12;
    pub const DATA_OFF: usize = 12;
    pub const FLAGS: usize = 13;
    pub const WINDOW: Range<usize> = 14..16;
    pub const CHECKSUM: Range<usize> = 16..18;
    pub const URGENT: Range<usize> = 18..20;
}

/// A checked read-only or read-write view of a TCP segment (header and payload).
#[derive(Debug, Clone)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    /// Wraps `buffer` without any check; accessors panic if it is too short.
    /// Meant for emission into a buffer whose size the caller has checked.
    pub const fn new_unchecked(buffer: T) -> Self {
        TcpPacket { buffer }
    }

    /// Wraps `buffer` after checking that the fixed header
    /// ([`WireError::Truncated`]) and the data offset fit: data offset >= 5
    /// ([`WireError::BadHeaderLength`], RFC 9293 3.1) and the header with its
    /// options within the buffer ([`WireError::Truncated`]). After this no
    /// accessor panics. The whole buffer is the segment: the payload runs to
    /// its end.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let bytes = buffer.as_ref();
        if bytes.len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let header_len = usize::from(bytes[field::DATA_OFF] >> 4) * 4;
        if header_len < HEADER_LEN {
            return Err(WireError::BadHeaderLength);
        }
        if header_len > bytes.len() {
            return Err(WireError::Truncated);
        }
        Ok(TcpPacket { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn u16_at(&self, r: core::ops::Range<usize>) -> u16 {
        let b = &self.buffer.as_ref()[r];
        u16::from_be_bytes([b[0], b[1]])
    }

    fn u32_at(&self, r: core::ops::Range<usize>) -> u32 {
        let b = &self.buffer.as_ref()[r];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        self.u16_at(field::SRC_PORT)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        self.u16_at(field::DST_PORT)
    }

    /// Sequence number.
    pub fn seq_number(&self) -> SeqNum {
        SeqNum(self.u32_at(field::SEQ_NUM))
    }

    /// Acknowledgment number (as on the wire, whether or not ACK is set).
    pub fn ack_number(&self) -> SeqNum {
        SeqNum(self.u32_at(field::ACK_NUM))
    }

    /// Data offset in 32-bit words.
    pub fn data_offset(&self) -> u8 {
        self.buffer.as_ref()[field::DATA_OFF] >> 4
    }

    /// Header length in bytes (options included).
    pub fn header_len(&self) -> usize {
        usize::from(self.data_offset()) * 4
    }

    /// The eight control bits CWR..FIN (the reserved bits and the historic NS
    /// bit of byte 12 are not reported).
    pub fn flags(&self) -> TcpFlags {
        TcpFlags(self.buffer.as_ref()[field::FLAGS])
    }

    /// Window field (unscaled).
    pub fn window_len(&self) -> u16 {
        self.u16_at(field::WINDOW)
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        self.u16_at(field::CHECKSUM)
    }

    /// Urgent pointer.
    pub fn urgent_at(&self) -> u16 {
        self.u16_at(field::URGENT)
    }

    /// Option bytes (between the fixed header and the data offset).
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.header_len()]
    }

    /// Payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }

    /// Segment length (header + payload) in bytes.
    pub fn segment_len(&self) -> usize {
        self.buffer.as_ref().len()
    }

    /// Does the checksum verify, given the pseudo-header sum `pseudo` from
    /// [`checksum::pseudo_header_v4`] / [`checksum::pseudo_header_v6`]
    /// (RFC 9293 3.1, MUST-2/3)?
    pub fn verify_checksum(&self, pseudo: u16) -> bool {
        checksum::combine(&[pseudo, checksum::data(self.buffer.as_ref())]) == 0xffff
    }
}

impl<'a> TcpPacket<&'a [u8]> {
    /// The payload with the lifetime of the underlying buffer.
    pub fn into_payload(self) -> &'a [u8] {
        let hl = self.header_len();
        &self.buffer[hl..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
    fn set_u16(&mut self, r: core::ops::Range<usize>, v: u16) {
        self.buffer.as_mut()[r].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the source port.
    pub fn set_src_port(&mut self, v: u16) {
        self.set_u16(field::SRC_PORT, v);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, v: u16) {
        self.set_u16(field::DST_PORT, v);
    }

    /// Sets the sequence number.
    pub fn set_seq_number(&mut self, v: SeqNum) {
        self.buffer.as_mut()[field::SEQ_NUM].copy_from_slice(&v.0.to_be_bytes());
    }

    /// Sets the acknowledgment number.
    pub fn set_ack_number(&mut self, v: SeqNum) {
        self.buffer.as_mut()[field::ACK_NUM].copy_from_slice(&v.0.to_be_bytes());
    }

    /// Sets the header length in bytes (a multiple of 4, 20..=60); the
    /// reserved bits are cleared.
    pub fn set_header_len(&mut self, header_len: usize) {
        debug_assert!(header_len & 3 == 0 && (HEADER_LEN..=60).contains(&header_len));
        self.buffer.as_mut()[field::DATA_OFF] = ((header_len / 4) as u8) << 4;
    }

    /// Sets the control bits.
    pub fn set_flags(&mut self, flags: TcpFlags) {
        self.buffer.as_mut()[field::FLAGS] = flags.0;
    }

    /// Sets the window field.
    pub fn set_window_len(&mut self, v: u16) {
        self.set_u16(field::WINDOW, v);
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        self.set_u16(field::CHECKSUM, v);
    }

    /// Sets the urgent pointer.
    pub fn set_urgent_at(&mut self, v: u16) {
        self.set_u16(field::URGENT, v);
    }

    /// Option bytes, mutable (the header length must be set).
    pub fn options_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        &mut self.buffer.as_mut()[HEADER_LEN..hl]
    }

    /// Payload bytes, mutable (the header length must be set).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        &mut self.buffer.as_mut()[hl..]
    }

    /// Computes and stores the checksum over the pseudo-header sum `pseudo`
    /// and the whole buffer (header and payload).
    pub fn fill_checksum(&mut self, pseudo: u16) {
        self.set_checksum(0);
        let sum = checksum::combine(&[pseudo, checksum::data(self.buffer.as_ref())]);
        self.set_checksum(!sum);
    }
}

impl TcpRepr {
    /// Decodes the header of a checked segment, options included
    /// ([`WireError::BadOption`] if they are malformed). The checksum is not
    /// verified here: it needs the pseudo-header (see [`super::parse_packet`]).
    pub fn parse<T: AsRef<[u8]>>(packet: &TcpPacket<T>) -> Result<TcpRepr, WireError> {
        Ok(TcpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            seq: packet.seq_number(),
            ack: packet.ack_number(),
            flags: packet.flags(),
            window: packet.window_len(),
            urgent: packet.urgent_at(),
            options: TcpOptions::parse(packet.options())?,
        })
    }

    /// Header length that [`TcpRepr::emit`] writes (20 + padded options).
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.options.wire_len()
    }

    /// Writes the header (options included, checksum zeroed) into the start
    /// of `packet`, whose buffer must hold at least [`TcpRepr::header_len`]
    /// bytes (panics otherwise). The ack field is written even without ACK.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut TcpPacket<T>) {
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_seq_number(self.seq);
        packet.set_ack_number(self.ack);
        packet.set_header_len(self.header_len());
        packet.set_flags(self.flags);
        packet.set_window_len(self.window);
        packet.set_checksum(0);
        packet.set_urgent_at(self.urgent);
        self.options.emit(packet.options_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Timestamps;

    /// A SYN from 1000 to 80, seq 0x01020304, window 0xffff, MSS 1460 plus
    /// one byte of payload.
    #[rustfmt::skip]
    const SEG: [u8; 25] = [
        0x03, 0xe8, 0x00, 0x50,
        0x01, 0x02, 0x03, 0x04,
        0x0a, 0x0b, 0x0c, 0x0d,
        0x61, 0x02, 0xff, 0xff,   // data offset 6, NS bit set; SYN
        0x12, 0x34, 0x00, 0x07,
        0x02, 0x04, 0x05, 0xb4,
        0xaa,
    ];

    #[test]
    fn reads_fields() {
        let p = TcpPacket::new_checked(&SEG[..]).unwrap();
        assert_eq!((p.src_port(), p.dst_port()), (1000, 80));
        assert_eq!(p.seq_number(), SeqNum(0x01020304));
        assert_eq!(p.ack_number(), SeqNum(0x0a0b0c0d));
        assert_eq!((p.data_offset(), p.header_len()), (6, 24));
        assert_eq!(p.flags(), TcpFlags::SYN);
        assert_eq!(
            (p.window_len(), p.checksum(), p.urgent_at()),
            (0xffff, 0x1234, 7)
        );
        assert_eq!(p.options(), &[2, 4, 5, 0xb4]);
        assert_eq!(p.payload(), &[0xaa]);
        assert_eq!(p.segment_len(), 25);
        let r = TcpRepr::parse(&p).unwrap();
        assert_eq!(r.options.mss, Some(1460));
        assert_eq!(r.header_len(), 24);
    }

    #[test]
    fn rejects_bad_offsets() {
        let check = |b: &[u8]| TcpPacket::new_checked(b).map(|_| ());
        assert_eq!(check(&SEG[..19]), Err(WireError::Truncated));
        assert_eq!(check(&SEG[..23]), Err(WireError::Truncated));
        let mut b = SEG;
        b[12] = 0x40;
        assert_eq!(check(&b), Err(WireError::BadHeaderLength));
        b[12] = 0xf0;
        assert_eq!(check(&b), Err(WireError::Truncated));
        b[12] = 0x50;
        assert!(check(&b[..20]).is_ok());
        b[20] = 5; // SACK option with length 4: malformed
        b[12] = 0x60;
        let p = TcpPacket::new_checked(&b[..]).unwrap();
        assert_eq!(TcpRepr::parse(&p), Err(WireError::BadOption));
    }

    #[test]
    fn emit_then_parse() {
        let repr = TcpRepr {
            src_port: 1,
            dst_port: 2,
            seq: SeqNum(3),
            ack: SeqNum(4), // written although ACK is not set
            flags: TcpFlags::FIN | TcpFlags::PSH | TcpFlags::CWR,
            window: 5,
            urgent: 6,
            options: TcpOptions {
                timestamps: Some(Timestamps { tsval: 7, tsecr: 8 }),
                ..Default::default()
            },
        };
        let mut buf = [0xffu8; 40];
        let mut p = TcpPacket::new_unchecked(&mut buf[..]);
        repr.emit(&mut p);
        p.payload_mut().copy_from_slice(&[9; 8]);
        p.fill_checksum(0x1111);
        let p = TcpPacket::new_checked(&buf[..]).unwrap();
        assert_eq!(buf[12], 0x80, "reserved bits cleared");
        assert_eq!(TcpRepr::parse(&p), Ok(repr));
        assert_eq!(p.payload(), &[9; 8]);
        assert!(p.verify_checksum(0x1111));
        assert!(!p.verify_checksum(0x1112));
    }
}
