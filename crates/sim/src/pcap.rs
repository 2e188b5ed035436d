//! Packet capture: a pcap file of raw IP packets (LINKTYPE_RAW). The
//! simulator writes virtual timestamps; real drivers (the TUN commands)
//! write wall-clock ones with [`PcapSink::capture_at`].

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};
use std::io::{self, Write};
use synack_core::Instant;

/// A pcap writer (LINKTYPE_RAW, microsecond timestamps, little-endian so the
/// bytes are the same on every machine). The first write error is kept and
/// further packets are ignored; the writer is flushed on drop.
pub struct PcapSink {
    writer: Option<PcapWriter<Box<dyn Write + Send>>>,
    error: Option<io::Error>,
}

impl PcapSink {
    /// Writes the file header to `w`.
    pub fn new(w: Box<dyn Write + Send>) -> io::Result<Self> {
        let header = PcapHeader {
            datalink: DataLink::RAW,
            ts_resolution: TsResolution::MicroSecond,
            endianness: Endianness::Little,
            snaplen: 65535,
            ..PcapHeader::default()
        };
        let writer = PcapWriter::with_header(w, header).map_err(to_io)?;
        Ok(PcapSink {
            writer: Some(writer),
            error: None,
        })
    }

    /// Records one packet captured at `now` (virtual time).
    pub fn capture(&mut self, now: Instant, packet: &[u8]) {
        self.capture_at(core::time::Duration::from_micros(now.as_micros()), packet);
    }

    /// Records one packet with timestamp `ts` (e.g. since the Unix epoch).
    pub fn capture_at(&mut self, ts: core::time::Duration, packet: &[u8]) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        let len = u32::try_from(packet.len()).unwrap_or(u32::MAX);
        if let Err(e) = writer.write_packet(&PcapPacket::new(ts, len, packet)) {
            self.error = Some(to_io(e));
            self.writer = None;
        }
    }

    /// Flushes and closes the capture, reporting the first error if any.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(writer) = self.writer.take() {
            writer.into_writer().flush()?;
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for PcapSink {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

fn to_io(e: PcapError) -> io::Error {
    match e {
        PcapError::IoError(e) => e,
        other => io::Error::other(other),
    }
}
