//! `synack analyze`: the TCP connections in a capture (pcap or pcapng;
//! link types RAW, Ethernet, Linux SLL/SLL2, NULL/loopback; IPv4 and IPv6)
//! as ladder diagrams explained in English or Chinese, with each side's
//! state inferred from the segments, a summary per connection, and JSON.
//!
//! The capture is read once, frame by frame; a connection is written out
//! when it is over (or at the end of the file), so memory stays bounded
//! by the connections open at once and the rows each one draws.
//!
//! ```no_run
//! use synack_analyze::{Options, analyze};
//! let mut out = std::io::stdout();
//! let mut err = std::io::stderr();
//! let outcome = analyze("capture.pcap".as_ref(), &Options::default(), &mut out, &mut err);
//! ```

#![forbid(unsafe_code)]

pub mod capture;
pub mod conn;
pub mod decode;
pub mod filter;
pub mod html;
pub mod i18n;
pub mod json;
pub mod link;
pub mod notes;
pub mod render;
pub mod summary;
pub mod track;

use conn::Conn;
pub use filter::Filter;
use i18n::Totals;
use std::cell::Cell;
use std::io::{Read, Write};
use std::path::Path;
use std::rc::Rc;
use synack_view::{Lang, Style};

/// What to show.
#[derive(Clone, Debug)]
pub struct Options {
    /// The language of the notes.
    pub lang: Lang,
    /// JSON lines instead of ladders.
    pub json: bool,
    /// Only this connection (numbered from 1 in order of first packet).
    pub conn: Option<u64>,
    /// ANSI colours.
    pub color: bool,
    /// Absolute sequence numbers on the ladder.
    pub absolute: bool,
    /// Ordinary segments drawn per connection (notable ones: as many more).
    pub rows: usize,
    /// Connections tracked at once before the one idle longest is written
    /// out.
    pub max_live: usize,
    /// A progress line on the diagnostic stream.
    pub progress: bool,
    /// Write one self-contained HTML page here (SVG ladders, both
    /// languages) instead of the ladders on `out`.
    pub html: Option<std::path::PathBuf>,
    /// Only connections this filter picks (`--filter`).
    pub filter: Option<Filter>,
    /// The HTML page's title (default: `synack analyze: ` and the
    /// capture's name).
    pub title: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lang: Lang::En,
            json: false,
            conn: None,
            color: false,
            absolute: false,
            rows: 500,
            max_live: 100_000,
            progress: false,
            html: None,
            title: None,
            filter: None,
        }
    }
}

/// How a run went.
#[derive(Debug)]
pub struct Outcome {
    /// Counts over the whole capture.
    pub frames: u64,
    /// TCP segments.
    pub segments: u64,
    /// Connections.
    pub connections: u64,
    /// Damaged packets reported and skipped.
    pub damaged: u64,
    /// Bytes of the file read.
    pub bytes_read: u64,
    /// The file could not be read to its end: why (one line). What was
    /// read before is analysed and written.
    pub fatal: Option<String>,
}

/// Damaged packets reported one by one; beyond, only counted.
const REPORT_DAMAGED: u64 = 10;

struct Counting<R> {
    inner: R,
    n: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.set(self.n.get() + k as u64);
        Ok(k)
    }
}

/// Analyses the capture at `path`, writing ladders (or JSON lines) to
/// `out` and reports of damaged packets (and the progress line) to `diag`.
/// `Err` is a one-line reason the file cannot be analysed at all.
pub fn analyze(
    path: &Path,
    o: &Options,
    out: &mut dyn Write,
    diag: &mut dyn Write,
) -> Result<Outcome, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot open '{}': {e}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    analyze_reader(&path.display().to_string(), file, size, o, out, diag)
}

/// Analyses a capture read from `input` (`name` in messages and the HTML
/// page's title, `size` in bytes for the progress line, 0 if unknown): what
/// [`analyze`] does for a file, for a capture held anywhere (the demo's, in
/// memory).
pub fn analyze_reader(
    name: &str,
    input: impl Read,
    size: u64,
    o: &Options,
    out: &mut dyn Write,
    diag: &mut dyn Write,
) -> Result<Outcome, String> {
    let read = Rc::new(Cell::new(0u64));
    let mut input = std::io::BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: input,
            n: read.clone(),
        },
    );
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match input.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) => return Err(format!("cannot read '{name}': {e}")),
        }
    }
    if got == 0 {
        return Err(format!("'{name}' is empty"));
    }
    if got < 4 {
        return Err(format!("'{name}' is not a pcap or pcapng file (too short)"));
    }
    let mut cap = capture::open(head, input).map_err(|e| format!("'{name}': {e}"))?;
    let t = i18n::texts(o.lang);
    let mut tracker = track::Tracker::new(o.rows, o.max_live);
    let mut totals = Totals {
        frames: 0,
        segments: 0,
        connections: 0,
        damaged: 0,
        other: 0,
    };
    let mut start_us: Option<u64> = None;
    let mut fatal = None;
    let mut out_ok = true;
    let mut html = match &o.html {
        Some(p) => {
            let f = std::fs::File::create(p)
                .map_err(|e| format!("cannot create '{}': {e}", p.display()))?;
            let mut w = std::io::BufWriter::new(f);
            w.write_all(
                html::head(
                    &o.title
                        .clone()
                        .unwrap_or_else(|| format!("synack analyze: {name}")),
                )
                .as_bytes(),
            )
            .map_err(|e| format!("cannot write '{}': {e}", p.display()))?;
            Some(w)
        }
        None => None,
    };
    let mut html_err: Option<String> = None;
    let mut write = |c: Conn, start: u64, out: &mut dyn Write| {
        if o.conn.is_some_and(|n| n != c.id)
            || o.filter.as_ref().is_some_and(|f| !f.matches(&c))
            || !out_ok
        {
            return;
        }
        if let Some(w) = html.as_mut() {
            if let Err(e) = w.write_all(html::connection(&c, start).as_bytes()) {
                html_err.get_or_insert(format!("cannot write the HTML page: {e}"));
            }
            return;
        }
        let text = if o.json {
            json::connection(&c, t, start)
        } else {
            let view = render::View {
                t,
                st: Style { on: o.color },
                absolute: o.absolute,
                capture_start_us: start,
            };
            render::connection(&c, &view)
        };
        // A closed pipe (`| head`) ends the output, not the analysis.
        out_ok = out.write_all(text.as_bytes()).is_ok();
    };
    loop {
        let frame = match cap.next_frame() {
            None => break,
            Some(Err(e)) => {
                fatal = Some(format!("'{name}': after {} packets: {e}", totals.frames));
                break;
            }
            Some(Ok(f)) => f,
        };
        totals.frames += 1;
        let n = totals.frames;
        if !link::supported(frame.link) {
            fatal = Some(format!(
                "'{name}': packet {n}: unknown link type {}",
                link::name(frame.link)
            ));
            break;
        }
        let start = *start_us.get_or_insert(frame.time_us);
        let damaged = |what: String, totals: &mut Totals, diag: &mut dyn Write| {
            totals.damaged += 1;
            if totals.damaged <= REPORT_DAMAGED {
                let _ = writeln!(diag, "synack: packet {n} skipped: {what}");
            }
        };
        let ip = match link::ip_packet(frame.link, frame.data) {
            Ok(ip) => ip,
            Err(link::NotIp::Other) => {
                totals.other += 1;
                continue;
            }
            Err(link::NotIp::Truncated) => {
                damaged(
                    "shorter than its link-layer header".into(),
                    &mut totals,
                    diag,
                );
                continue;
            }
        };
        let cut = (frame.orig_len as usize) > frame.data.len();
        let seg = match decode::segment(frame.time_us, ip, cut) {
            Ok(s) => s,
            Err(decode::Skip::NotTcp) => {
                totals.other += 1;
                continue;
            }
            Err(decode::Skip::Damaged(e)) => {
                damaged(e.to_string(), &mut totals, diag);
                continue;
            }
        };
        totals.segments += 1;
        tracker.push(&seg, &mut |c| write(c, start, out));
        if o.progress && n.is_multiple_of(65536) && size > 0 {
            let _ = write!(
                diag,
                "\ranalyzing: {} of {} MB ({} %)",
                read.get() >> 20,
                size >> 20,
                read.get() * 100 / size
            );
        }
    }
    if o.progress && totals.frames >= 65536 {
        let _ = write!(diag, "\r\x1b[K");
    }
    let start = start_us.unwrap_or(0);
    tracker.finish(&mut |c| write(c, start, out));
    totals.connections = tracker.connections();
    if totals.damaged > REPORT_DAMAGED {
        let _ = writeln!(
            diag,
            "synack: {} more damaged packets skipped",
            totals.damaged - REPORT_DAMAGED
        );
    }
    let _ = write;
    if let Some(mut w) = html
        && let Err(e) = w
            .write_all(html::tail(&totals).as_bytes())
            .and_then(|()| w.flush())
    {
        html_err.get_or_insert(format!("cannot write the HTML page: {e}"));
    }
    if let Some(e) = html_err {
        fatal.get_or_insert(e);
    }
    {
        let text = if o.json {
            json::totals(&totals)
        } else {
            render::totals(t, &totals)
        };
        let _ = out.write_all(text.as_bytes());
    }
    let _ = out.flush();
    Ok(Outcome {
        frames: totals.frames,
        segments: totals.segments,
        connections: totals.connections,
        damaged: totals.damaged,
        bytes_read: read.get(),
        fatal,
    })
}
