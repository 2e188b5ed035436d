//! The story's words in English and Chinese. Protocol terms (SYN, ACK, FIN,
//! RST, ISN, RTO, MSL and the RFC 9293 state names) stay as they are in both.

mod en;
mod zh;

use super::notes::Note;
use super::timeline::Recovery;
use crate::Side;
use synack_core::Error;
use synack_core::conn::Cause;
use synack_core::trace::DropReason;

pub use crate::Lang;

/// What the header says.
pub struct Header<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Client address.
    pub client: String,
    /// Server address.
    pub server: String,
    /// Round-trip time.
    pub rtt_ms: u64,
    /// Loss probability.
    pub loss: f64,
    /// Seed.
    pub seed: u64,
    /// The client's ISNs (one per connection attempt).
    pub client_isns: Vec<u32>,
    /// The server's ISNs.
    pub server_isns: Vec<u32>,
}

/// One direction's data.
pub struct Flow {
    /// Sender.
    pub from: Side,
    /// Bytes its application queued.
    pub sent: usize,
    /// Bytes the peer's application read.
    pub received: usize,
    /// Of those, bytes that differ from what was sent.
    pub corrupt: usize,
}

/// What the summary says.
pub struct Summary {
    /// Both directions.
    pub flows: [Flow; 2],
    /// Segments sent by client, server.
    pub segments: [usize; 2],
    /// Retransmitted segments.
    pub retransmissions: usize,
    /// Segments the link lost.
    pub lost: usize,
    /// Final state (RFC name) of client, server.
    pub final_states: [String; 2],
    /// How each side's connection failed, if it did.
    pub errors: [Option<Error>; 2],
    /// The run hit the virtual-time limit.
    pub hit_limit: Option<u64>,
    /// Virtual time at the end, in seconds.
    pub end_secs: f64,
}

/// Everything the story says, in one language (the scenario's intro
/// comes with the [`Run`](super::Run)).
pub trait Texts {
    /// `client` / `server`.
    fn side(&self, s: Side) -> &'static str;
    /// The header lines.
    fn header(&self, h: &Header<'_>) -> Vec<String>;
    /// Column heading of the times.
    fn time_heading(&self) -> &'static str;
    /// Mark of a retransmitted segment.
    fn retransmission(&self) -> &'static str;
    /// Mark of a segment the link lost.
    fn lost(&self) -> &'static str;
    /// Mark of the injected segment.
    fn injected(&self) -> &'static str;
    /// Why a state changed.
    fn cause(&self, c: Cause) -> String;
    /// Why a segment was dropped.
    fn drop_reason(&self, r: DropReason) -> String;
    /// A connection's failure as the application sees it.
    fn error(&self, e: Error) -> String;
    /// `client: A → B (cause)`.
    fn state_line(&self, side: Side, from: &str, to: &str, cause: Cause) -> String {
        format!("{}: {from} → {to} ({})", self.side(side), self.cause(cause))
    }
    /// `client: dropped SYN+ACK (reason)`.
    fn dropped_line(&self, side: Side, flags: &str, reason: DropReason) -> String;
    /// A silent host drops a packet.
    fn swallowed_line(&self, side: Side) -> String;
    /// A step of the sender's loss recovery, on its side.
    fn recovery_line(&self, side: Side, r: &Recovery) -> String;
    /// One explanation.
    fn note(&self, n: &Note) -> String;
    /// Time passing without events.
    fn later(&self, secs: f64) -> String;
    /// Mark of a segment the network holds back: it arrives at `at` (s.mmm).
    fn arrives(&self, at: &str) -> String;
    /// The summary lines.
    fn summary(&self, s: &Summary) -> Vec<String>;
}

/// The texts of `lang`.
pub fn texts(lang: Lang) -> &'static dyn Texts {
    match lang {
        Lang::En => &en::En,
        Lang::Zh => &zh::Zh,
    }
}

/// Loss as a percentage without needless decimals.
pub fn percent(p: f64) -> String {
    let v = p * 100.0;
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}").trim_end_matches('0').to_string()
    }
}

/// A list of ISNs.
pub(crate) fn isn_list(v: &[u32], none: &str, then: &str) -> String {
    if v.is_empty() {
        return none.to_string();
    }
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(then)
}

/// A relative sequence number, or `?` before the ISN is known.
pub(crate) fn rel(n: Option<i64>) -> String {
    n.map_or_else(|| "?".to_string(), |v| v.to_string())
}
