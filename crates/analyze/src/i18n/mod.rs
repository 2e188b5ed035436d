//! The words of `synack analyze` in English and Chinese. Protocol terms
//! (SYN, ACK, FIN, RST, ISN, RTT, SACK and the RFC 9293 state names) stay
//! as they are in both.

mod en;
mod zh;

use crate::conn::Ending;
use crate::conn::infer::Why;
use crate::notes::{Mark, Note, RstWhy};
use crate::summary::{Opening, Summary};
use synack_view::{Lang, Side};

/// What a connection's header says.
pub struct Header {
    /// Its number.
    pub id: u64,
    /// `ip:port` of client and server.
    pub addrs: [String; 2],
    /// Segments in it.
    pub segments: u64,
    /// Seconds into the capture of its first packet.
    pub start_s: f64,
    /// ISNs of client and server, if their SYNs were captured.
    pub isns: [Option<u32>; 2],
    /// The capture began after the handshake.
    pub mid_start: bool,
    /// Windows are shown scaled (both SYNs seen with window scale).
    pub scaled: bool,
    /// Numbers are absolute (`--absolute`).
    pub absolute: bool,
}

/// The capture as a whole.
pub struct Totals {
    /// Frames read.
    pub frames: u64,
    /// TCP segments among them.
    pub segments: u64,
    /// Connections.
    pub connections: u64,
    /// Damaged packets skipped.
    pub damaged: u64,
    /// Frames that were not TCP (ARP, UDP...).
    pub other: u64,
}

/// Everything `analyze` says, in one language.
pub trait Texts {
    /// `client` / `server`.
    fn side(&self, s: Side) -> &'static str;
    /// The header lines of a connection.
    fn header(&self, h: &Header) -> Vec<String>;
    /// Column heading of the times.
    fn time_heading(&self) -> &'static str;
    /// One explanation.
    fn note(&self, n: &Note) -> String;
    /// A mark beside an arrow.
    fn mark(&self, m: Mark) -> String;
    /// Why an inferred state changed.
    fn why(&self, w: Why) -> &'static str;
    /// `≈ client: A → B (why)`.
    fn state_line(&self, side: Side, from: &str, to: &str, why: Why) -> String {
        format!("≈ {}: {from} → {to} ({})", self.side(side), self.why(why))
    }
    /// Segments left out of the ladder.
    fn elided(&self, n: u64) -> String;
    /// Time passing without packets.
    fn later(&self, secs: f64) -> String;
    /// How a connection opened.
    fn opening(&self, o: Opening) -> &'static str;
    /// Why a RST was sent, short.
    fn rst_why(&self, w: RstWhy) -> &'static str;
    /// How a connection ended.
    fn ending(&self, e: Ending) -> String {
        match e {
            Ending::Fin => self.ending_fin().to_string(),
            Ending::Rst(side, why) => self.ending_rst(side, why),
            Ending::Open => self.ending_open().to_string(),
        }
    }
    /// Closed by FIN both ways.
    fn ending_fin(&self) -> &'static str;
    /// Closed by a RST.
    fn ending_rst(&self, side: Side, why: RstWhy) -> String;
    /// Open at the end of the capture.
    fn ending_open(&self) -> &'static str;
    /// The summary lines of a connection.
    fn summary(&self, s: &Summary) -> Vec<String>;
    /// The last line: the whole capture.
    fn totals(&self, t: &Totals) -> String;
}

/// The texts of `lang`.
pub fn texts(lang: Lang) -> &'static dyn Texts {
    match lang {
        Lang::En => &en::En,
        Lang::Zh => &zh::Zh,
    }
}

/// Microseconds as milliseconds with three decimals.
pub(crate) fn ms(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// `9+9+28+11`, with `+…` when there were more.
pub(crate) fn sizes(v: &[u32], more: bool) -> String {
    let mut s = v.iter().map(u32::to_string).collect::<Vec<_>>().join("+");
    if more {
        s.push_str("+…");
    }
    s
}

/// SACK blocks as `a-b, c-d`.
pub(crate) fn blocks(b: &[(i64, i64)]) -> String {
    b.iter()
        .map(|(l, r)| format!("{l}-{r}"))
        .collect::<Vec<_>>()
        .join(", ")
}
