//! Reading a capture file, pcap or pcapng, one frame at a time.
//!
//! The file format is `pcap-file`'s job; this module turns its records into
//! [`Frame`]s (time in microseconds, link type, bytes) and its errors into
//! one-line messages. Memory stays bounded: `pcap-file` reads through a
//! fixed 8 MB buffer, and a frame is handed out before the next is read.

use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::PcapNgReader;
use pcap_file::pcapng::blocks::Block;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::{PcapError, TsResolution};
use std::io::Read;

/// One captured frame.
#[derive(Debug)]
pub struct Frame<'a> {
    /// Capture time in microseconds since the Unix epoch.
    pub time_us: u64,
    /// The link type of the interface it was captured on (LINKTYPE_*).
    pub link: u32,
    /// The bytes captured (possibly fewer than were on the wire).
    pub data: &'a [u8],
    /// Bytes the frame had on the wire.
    pub orig_len: u32,
}

/// An interface of a pcapng file: its link type and its time unit.
#[derive(Clone, Copy, Debug)]
struct Interface {
    link: u32,
    /// Timestamp units per second.
    units_per_sec: u64,
}

enum Inner<R: Read> {
    Pcap {
        reader: PcapReader<R>,
        link: u32,
        nanos: bool,
    },
    PcapNg {
        reader: PcapNgReader<R>,
        interfaces: Vec<Interface>,
    },
}

/// A capture being read.
pub struct Capture<R: Read> {
    inner: Inner<R>,
    buf: Vec<u8>,
    /// Frames handed out so far.
    pub frames: u64,
}

/// The magic numbers at the start of the formats.
const PCAP_MAGICS: [[u8; 4]; 4] = [
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
];
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// A one-line description of a `pcap-file` error.
fn describe(e: &PcapError) -> String {
    match e {
        PcapError::IncompleteBuffer => "the file ends inside a record (truncated)".into(),
        PcapError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file ends inside a record (truncated)".into()
        }
        PcapError::IoError(io) => format!("read error: {io}"),
        PcapError::InvalidField(f) => format!("damaged record ({f})"),
        PcapError::InvalidInterfaceId(id) => {
            format!("a packet names interface {id}, which the file never described")
        }
        other => format!("damaged record ({other})"),
    }
}

/// The input of a capture opened by [`open`]: the four bytes read to
/// identify the format, then the rest.
pub type Input<R> = std::io::Chain<std::io::Cursor<[u8; 4]>, R>;

/// Opens a capture from its first bytes: pcap (either byte order, micro-
/// or nanosecond timestamps) or pcapng. `head` is what was read of the
/// file already to identify it, `rest` the remainder.
pub fn open<R: Read>(head: [u8; 4], rest: R) -> Result<Capture<Input<R>>, String> {
    let input = std::io::Cursor::new(head).chain(rest);
    let inner = if PCAP_MAGICS.contains(&head) {
        let reader = PcapReader::new(input)
            .map_err(|e| format!("not a readable pcap file: {}", describe(&e)))?;
        let h = reader.header();
        let link = u32::from(h.datalink);
        Inner::Pcap {
            nanos: h.ts_resolution == TsResolution::NanoSecond,
            reader,
            link,
        }
    } else if head == PCAPNG_MAGIC {
        let reader = PcapNgReader::new(input)
            .map_err(|e| format!("not a readable pcapng file: {}", describe(&e)))?;
        Inner::PcapNg {
            reader,
            interfaces: Vec::new(),
        }
    } else {
        return Err("not a pcap or pcapng file (unknown magic number)".into());
    };
    Ok(Capture {
        inner,
        buf: Vec::new(),
        frames: 0,
    })
}

impl<R: Read> Capture<R> {
    /// The next frame, `None` at the end of the file, or the reason the
    /// file cannot be read further (one line).
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, String>> {
        let (time_us, link, orig_len) = match &mut self.inner {
            Inner::Pcap {
                reader,
                link,
                nanos,
            } => {
                let p = match reader.next_raw_packet()? {
                    Ok(p) => p,
                    Err(e) => return Some(Err(describe(&e))),
                };
                let frac = if *nanos {
                    u64::from(p.ts_frac) / 1000
                } else {
                    u64::from(p.ts_frac)
                };
                self.buf.clear();
                self.buf.extend_from_slice(&p.data);
                (u64::from(p.ts_sec) * 1_000_000 + frac, *link, p.orig_len)
            }
            Inner::PcapNg { reader, interfaces } => loop {
                let block = match reader.next_block()? {
                    Ok(b) => b,
                    Err(e) => return Some(Err(describe(&e))),
                };
                match block {
                    Block::SectionHeader(_) => interfaces.clear(),
                    Block::InterfaceDescription(idb) => {
                        let mut units_per_sec = 1_000_000u64;
                        for o in &idb.options {
                            if let InterfaceDescriptionOption::IfTsResol(r) = o {
                                units_per_sec = ts_units(*r);
                            }
                        }
                        interfaces.push(Interface {
                            link: u32::from(idb.linktype),
                            units_per_sec,
                        });
                    }
                    Block::EnhancedPacket(epb) => {
                        let Some(ifc) = interfaces.get(epb.interface_id as usize).copied() else {
                            return Some(Err(format!(
                                "a packet names interface {}, which the file never described",
                                epb.interface_id
                            )));
                        };
                        // pcap-file hands the raw count of units as nanoseconds.
                        let units = epb.timestamp.as_nanos();
                        let us = units.saturating_mul(1_000_000) / u128::from(ifc.units_per_sec);
                        self.buf.clear();
                        self.buf.extend_from_slice(&epb.data);
                        break (
                            u64::try_from(us).unwrap_or(u64::MAX),
                            ifc.link,
                            epb.original_len,
                        );
                    }
                    Block::SimplePacket(spb) => {
                        let Some(ifc) = interfaces.first().copied() else {
                            return Some(Err("a packet before any interface description".into()));
                        };
                        self.buf.clear();
                        self.buf.extend_from_slice(&spb.data);
                        break (0, ifc.link, spb.original_len);
                    }
                    Block::Packet(pb) => {
                        let Some(ifc) = interfaces.get(usize::from(pb.interface_id)).copied()
                        else {
                            return Some(Err(format!(
                                "a packet names interface {}, which the file never described",
                                pb.interface_id
                            )));
                        };
                        let units = u128::from(pb.timestamp);
                        let us = units.saturating_mul(1_000_000) / u128::from(ifc.units_per_sec);
                        self.buf.clear();
                        self.buf.extend_from_slice(&pb.data);
                        break (
                            u64::try_from(us).unwrap_or(u64::MAX),
                            ifc.link,
                            pb.original_len,
                        );
                    }
                    _ => {}
                }
            },
        };
        self.frames += 1;
        Some(Ok(Frame {
            time_us,
            link,
            data: &self.buf,
            orig_len,
        }))
    }
}

/// Timestamp units per second for a pcapng `if_tsresol` value: a power of
/// ten, or of two with the top bit set (capped so nothing overflows).
fn ts_units(r: u8) -> u64 {
    let exp = u32::from(r & 0x7f);
    if r & 0x80 != 0 {
        1u64 << exp.min(63)
    } else {
        10u64.saturating_pow(exp.min(19))
    }
}

#[cfg(test)]
mod tests {
    use super::ts_units;

    #[test]
    fn resolutions() {
        assert_eq!(ts_units(6), 1_000_000);
        assert_eq!(ts_units(9), 1_000_000_000);
        assert_eq!(ts_units(0x80 | 10), 1024);
        assert!(ts_units(0xff) > 0);
        assert!(ts_units(127) > 0);
    }
}
