//! `--pcap FILE`: every packet that crosses the device, as a pcap file
//! (LINKTYPE_RAW: raw IPv4/IPv6 packets; microsecond wall-clock timestamps).

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, PcapError, TsResolution};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

/// A pcap file being written. The first write error is kept (and reported
/// by [`Capture::finish`]); later packets are not written.
pub struct Capture {
    writer: Option<PcapWriter<BufWriter<File>>>,
    error: Option<io::Error>,
}

impl Capture {
    /// Creates `path` and writes the file header.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = BufWriter::with_capacity(256 * 1024, File::create(path)?);
        let header = PcapHeader {
            datalink: DataLink::RAW,
            ts_resolution: TsResolution::MicroSecond,
            snaplen: 65535,
            ..PcapHeader::default()
        };
        let writer = PcapWriter::with_header(file, header).map_err(to_io)?;
        Ok(Capture {
            writer: Some(writer),
            error: None,
        })
    }

    /// Records `packet`, seen at `wall` (since the Unix epoch).
    pub fn write(&mut self, wall: Duration, packet: &[u8]) {
        let Some(w) = self.writer.as_mut() else {
            return;
        };
        let len = u32::try_from(packet.len()).unwrap_or(u32::MAX);
        if let Err(e) = w.write_packet(&PcapPacket::new(wall, len, packet)) {
            self.error = Some(to_io(e));
            self.writer = None;
        }
    }

    /// Flushes the file; reports the first error.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(w) = self.writer.take() {
            w.into_writer().flush()?;
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for Capture {
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
