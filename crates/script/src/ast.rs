//! The parsed form of a packetdrill script.
//!
//! A script is a list of header options (`--ip_version=ipv4`) and events.
//! Every event carries its time specification and the line it came from, so
//! verdicts can point at the script.

/// A whole script.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// `--name=value` lines, in order.
    pub options: Vec<HeaderOption>,
    /// Events in script order.
    pub events: Vec<Event>,
    /// An untimed backtick command before the first event (packetdrill's
    /// init command), without the backticks.
    pub init_command: Option<String>,
    /// An untimed backtick command after the last event (packetdrill's
    /// cleanup command), without the backticks.
    pub cleanup_command: Option<String>,
}

/// A `--name=value` (or bare `--name`) header line.
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderOption {
    /// 1-based line number.
    pub line: usize,
    /// The name without the leading dashes.
    pub name: String,
    /// The value after `=`, if any.
    pub value: Option<String>,
}

/// One timed line of the script.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// 1-based line number where the event starts.
    pub line: usize,
    /// When it happens.
    pub time: TimeSpec,
    /// What happens.
    pub kind: EventKind,
}

/// An event's time. Times are in microseconds; relative times are
/// relative to the previous event's (script) time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSpec {
    /// `*`: any time after the previous event.
    Any,
    /// `0.100` or `+0.100`.
    At {
        /// Written with a leading `+`.
        relative: bool,
        /// Microseconds.
        micros: i64,
    },
    /// `0.1~0.2` or `+0.1~+0.2`: the event happens somewhere in the range.
    Range {
        /// Written with a leading `+`.
        relative: bool,
        /// Start, microseconds.
        start: i64,
        /// End, microseconds (same base as `start`).
        end: i64,
    },
}

/// What an event does.
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// `<` or `>` TCP segment.
    Packet(PacketSpec),
    /// A system call with its expected result.
    Syscall(SyscallSpec),
    /// A backtick shell command, without the backticks.
    Command(String),
    /// A `%{ ... }%` Python block, without the delimiters.
    Code(String),
    /// `<` or `>` ICMP message (`< icmp unreachable frag_needed mtu 800`).
    Icmp(IcmpSpec),
}

/// An ICMP packet line: `< icmp TYPE [CODE] [mtu N] [[start:end(len)]]`;
/// the bracketed range describes the TCP segment the message quotes.
#[derive(Clone, Debug, PartialEq)]
pub struct IcmpSpec {
    /// `<` or `>`.
    pub direction: Direction,
    /// `unreachable`, `packet_too_big`, `time_exceeded`, ...
    pub icmp_type: String,
    /// `frag_needed`, `host_unreachable`, ..., if written.
    pub code: Option<String>,
    /// `mtu N`, if written.
    pub mtu: Option<u32>,
    /// The quoted TCP segment's sequence range, if written.
    pub quoted: Option<SeqSpec>,
}

/// Direction of a packet line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `<`: injected into the stack under test.
    Inbound,
    /// `>`: expected from the stack under test.
    Outbound,
}

/// TCP flags as written (`S.`, `F.`, `R`, `P.`, `SEW`...). `.` is ACK.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlagSpec {
    /// `S`
    pub syn: bool,
    /// `F`
    pub fin: bool,
    /// `R`
    pub rst: bool,
    /// `P`
    pub psh: bool,
    /// `.`
    pub ack: bool,
    /// `U`
    pub urg: bool,
    /// `E`
    pub ece: bool,
    /// `W`
    pub cwr: bool,
}

/// `start:end(len)`; `...(len)` leaves the sequence number open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeqSpec {
    /// Relative start sequence number; `None` for `...`.
    pub start: Option<u32>,
    /// Relative end sequence number; `None` for `...`.
    pub end: Option<u32>,
    /// Payload length in bytes.
    pub len: u32,
    /// Written with a trailing `!` (`0:0(0)!`): `start`/`end` are absolute
    /// sequence numbers, not relative to the ISN.
    pub absolute: bool,
}

/// One packet line.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketSpec {
    /// `<` or `>`.
    pub direction: Direction,
    /// `(tos 0x20)`, `(ttl 4)`... after the direction; all `None` if absent.
    pub ip: IpSpec,
    /// The flags.
    pub flags: FlagSpec,
    /// Sequence numbers and payload length.
    pub seq: SeqSpec,
    /// `ack N` (relative), if written.
    pub ack: Option<u32>,
    /// `win N` (the raw header field), if written.
    pub win: Option<u32>,
    /// `urg N`, if written.
    pub urg: Option<u32>,
    /// `<...>` option list, if written (`Some(vec![])` for `<>`).
    pub options: Option<Vec<TcpOptionSpec>>,
    /// `/udp(src > dst)`: the segment is UDP-encapsulated (RFC 8899 style).
    pub udp_encap: Option<UdpEncap>,
}

/// IP header fields of a packet line: `(tos 0x20)`, `(class 0x28)`,
/// `(ttl 3)`, `(hlim 4)`, `(flowlabel 0x12345)`, comma-separated, and the
/// ECN codepoints `[ect0]`, `[ect1]`, `[ce]`, `[noecn]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IpSpec {
    /// `tos N` (IPv4) or `class N` (IPv6): the whole traffic-class byte.
    pub tos: Option<u8>,
    /// `ttl N` (IPv4) or `hlim N` (IPv6).
    pub ttl: Option<u8>,
    /// `flowlabel N` (IPv6, 20 bits).
    pub flow_label: Option<u32>,
    /// `[noecn]`, `[ect1]`, `[ect0]`, `[ce]`: the ECN codepoint (0 to 3).
    pub ecn: Option<u8>,
}

/// `/udp(src > dst)` after a packet line: UDP encapsulation ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpEncap {
    /// UDP source port.
    pub src_port: u16,
    /// UDP destination port.
    pub dst_port: u16,
}

/// One TCP option of a packet line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpOptionSpec {
    /// `nop`
    Nop,
    /// `eol`
    Eol,
    /// `mss N`
    Mss(u16),
    /// `wscale N`
    WindowScale(u8),
    /// `sackOK`
    SackPermitted,
    /// `sack a:b c:d ...` (relative to the sender's ISN... as written).
    Sack(Vec<(u32, u32)>),
    /// `TS val N ecr N`
    Timestamp {
        /// TSval as written.
        val: u32,
        /// TSecr as written.
        ecr: u32,
    },
    /// `...` (`<...>`): any options, not checked.
    Any,
    /// Anything else (`FO ...`, `md5 ...`, ...), kept verbatim.
    Other(String),
}

/// A system call line: `name(args) = ret [ERRNO (text)]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SyscallSpec {
    /// `socket`, `connect`, ...
    pub name: String,
    /// Arguments.
    pub args: Vec<Expr>,
    /// Expected return value.
    pub ret: i64,
    /// Expected errno name (`EINPROGRESS`), if any.
    pub errno: Option<String>,
    /// The parenthesised note after the result, if any.
    pub note: Option<String>,
    /// For `t1...t2 call()`: when a blocking call is expected to return.
    pub end_time: Option<TimeSpec>,
}

/// A system call argument.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `...`: whatever the runner supplies (addresses, lengths).
    Ellipsis,
    /// An integer (decimal, hex or negative).
    Int(i64),
    /// A symbol: `SOCK_STREAM`, `SO_ERROR`, `ECONNRESET`...
    Ident(String),
    /// `A | B | 4`.
    BitOr(Vec<Expr>),
    /// `[ ... ]`.
    List(Vec<Expr>),
    /// `{ name=value, ... }` (struct initialisers, e.g. `linger`). A field
    /// written with an argument (`msg_iov(1)=[...]`) keeps it in its name;
    /// a positional field (`{..., 0}`, an iovec) is named by its index.
    Struct(Vec<(String, Expr)>),
    /// `"..."`.
    Str(String),
}

/// A script that could not be parsed: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

impl core::fmt::Display for ParseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}
