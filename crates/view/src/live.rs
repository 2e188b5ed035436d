//! The live ladder of `--trace` (serve, connect, get, relay): drawn as the
//! endpoint's trace events and the device's packets arrive, on stderr or any
//! writer, with the demo's primitives. synack is the left column, the peer (the kernel side of the
//! device) the right one; one line per segment or state change, tagged with
//! the connection's number (`#1`, with the peer's address the first time).
//! Sequence numbers are relative to each side's ISN, as in `synack demo`.

use crate::draw::{INNER, Style, TIME_W, arrow, format_time, side_text, state_code};
use crate::width::{pad, wrap};
use crate::{Seg, Side, label};
use core::net::SocketAddr;
use std::collections::HashMap;
use std::io::{Stderr, Write};
use synack_core::trace::{TraceEvent, TraceKind};
use synack_core::wire::{self, TcpRepr};
use synack_core::{Instant, SeqNum, State};

/// Which way a packet crossed the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the peer to synack.
    In,
    /// From synack to the peer.
    Out,
}

/// Synack's side (left).
const US: Side = Side::Client;
/// The peer's side (right).
const PEER: Side = Side::Server;

/// What the ladder remembers about a connection.
struct View {
    tag: u64,
    /// ISNs: ours, the peer's.
    isn: [Option<SeqNum>; 2],
    /// Window scale announced in the SYNs: ours, the peer's.
    ws: [Option<u8>; 2],
    named: bool,
    /// The connection reached CLOSED; a new SYN starts a new view.
    closed: bool,
}

/// Closed connections remembered (for the RST or ACK that may follow)
/// before they are forgotten.
const KEEP_CLOSED: usize = 4096;

/// The live ladder, writing to `W` (stderr unless made [`with_writer`](Self::with_writer)).
pub struct LiveLadder<W: Write = Stderr> {
    st: Style,
    views: HashMap<(SocketAddr, SocketAddr), View>,
    next_tag: u64,
    closed: usize,
    /// A segment the endpoint sent, waiting for the driver to say whether
    /// the fault injector dropped it.
    pending_out: Option<(TraceEvent, TcpRepr, usize, bool)>,
    out: W,
}

impl LiveLadder {
    /// A ladder writing to stderr, in colour if `color`.
    pub fn new(color: bool) -> Self {
        Self::with_writer(std::io::stderr(), color)
    }
}

impl<W: Write> LiveLadder<W> {
    /// A ladder writing to `out`, in colour if `color`.
    pub fn with_writer(out: W, color: bool) -> Self {
        LiveLadder {
            st: Style { on: color },
            views: HashMap::new(),
            next_tag: 1,
            closed: 0,
            pending_out: None,
            out,
        }
    }

    /// Prints the header lines and the column titles.
    pub fn header(&mut self, title: &[String]) {
        let mut lines: Vec<String> = title
            .iter()
            .flat_map(|t| wrap(t, TIME_W + INNER + 2))
            .map(|l| self.st.paint("1", &l))
            .collect();
        let (left, right) = ("synack", "peer (kernel)");
        let gap = (INNER + 1).saturating_sub(left.len() + right.len());
        lines.push(format!(
            "{}{}{}{}",
            pad("time (s)", TIME_W + 1),
            self.st.side(US, left),
            " ".repeat(gap),
            self.st.side(PEER, right)
        ));
        self.emit(&lines);
    }

    /// A packet crossed the device; `dropped` if the fault injector dropped
    /// it. A leaving packet completes the segment of the last trace event.
    pub fn packet(&mut self, now: Instant, dir: Direction, dropped: bool, packet: &[u8]) {
        match dir {
            Direction::Out => {
                if let Some((ev, tcp, len, rexmit)) = self.pending_out.take() {
                    self.draw_segment(ev.time, ev.local, ev.remote, US, &tcp, len, rexmit, dropped);
                }
            }
            Direction::In if dropped => {
                if let Ok(p) = wire::parse_packet(packet) {
                    let local = SocketAddr::new(p.ip.dst, p.tcp.dst_port);
                    let remote = SocketAddr::new(p.ip.src, p.tcp.src_port);
                    let tcp = p.tcp;
                    self.draw_segment(now, local, remote, PEER, &tcp, p.payload.len(), false, true);
                }
            }
            Direction::In => {}
        }
    }

    /// An endpoint trace event.
    pub fn trace(&mut self, ev: &TraceEvent) {
        match ev.kind {
            TraceKind::SegmentOut {
                tcp,
                len,
                retransmission,
            } => {
                if let Some((p, tcp, len, r)) = self.pending_out.take() {
                    self.draw_segment(p.time, p.local, p.remote, US, &tcp, len, r, false);
                }
                self.pending_out = Some((*ev, tcp, len, retransmission));
            }
            TraceKind::SegmentIn { tcp, len } => {
                self.draw_segment(ev.time, ev.local, ev.remote, PEER, &tcp, len, false, false);
            }
            TraceKind::StateChange { from, to, cause } => {
                let text = format!("{} → {} ({})", from.name(), to.name(), cause.describe());
                let code = state_code(US);
                let mut lines = side_text(US, &text, &self.st, Some(code));
                let marks = self.marks(ev.local, ev.remote);
                if let Some(first) = lines.first_mut() {
                    first.push(' ');
                    first.push_str(&marks);
                }
                self.stamp(ev.time, &mut lines);
                self.emit(&lines);
                if to == State::Closed {
                    self.view(ev.local, ev.remote).closed = true;
                    self.closed += 1;
                    if self.closed > KEEP_CLOSED {
                        self.views.retain(|_, v| !v.closed);
                        self.closed = 0;
                    }
                }
            }
            TraceKind::Dropped { tcp, reason } => {
                let text = format!("dropped {} ({})", tcp.flags, reason.describe());
                self.warn(ev, &text, true);
            }
            TraceKind::Undecodable { error, len } => {
                let from = if ev.remote.ip().is_unspecified() {
                    String::new()
                } else {
                    format!(" from {}", ev.remote.ip())
                };
                let text = format!("dropped a packet of {len} bytes{from} ({error})");
                self.warn(ev, &text, false);
            }
            TraceKind::Icmp {
                kind,
                from,
                outcome,
                ..
            } => {
                let text = format!(
                    "ICMP {} from {from}: {}",
                    kind.describe(),
                    outcome.describe()
                );
                self.warn(ev, &text, true);
            }
            _ => {}
        }
    }

    /// A line in warning colour on synack's side (a drop, an ICMP error),
    /// tagged with the connection's marks when it has one.
    fn warn(&mut self, ev: &TraceEvent, text: &str, tagged: bool) {
        let mut lines = side_text(US, text, &self.st, Some("33"));
        if tagged {
            let marks = self.marks(ev.local, ev.remote);
            if let Some(first) = lines.first_mut() {
                first.push(' ');
                first.push_str(&marks);
            }
        }
        self.stamp(ev.time, &mut lines);
        self.emit(&lines);
    }

    /// `#N`, with the peer's address the first time.
    fn marks(&mut self, local: SocketAddr, remote: SocketAddr) -> String {
        let view = self.view(local, remote);
        let s = if view.named {
            format!("#{}", view.tag)
        } else {
            view.named = true;
            format!("#{} {remote}", view.tag)
        };
        self.st.paint("2", &s)
    }

    fn view(&mut self, local: SocketAddr, remote: SocketAddr) -> &mut View {
        let next = &mut self.next_tag;
        self.views.entry((local, remote)).or_insert_with(|| {
            let tag = *next;
            *next += 1;
            View {
                tag,
                isn: [None, None],
                ws: [None, None],
                named: false,
                closed: false,
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_segment(
        &mut self,
        time: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        from: Side,
        tcp: &TcpRepr,
        len: usize,
        retransmission: bool,
        lost: bool,
    ) {
        let (me, peer) = (from.index(), from.peer().index());
        if tcp.flags.syn()
            && !tcp.flags.ack()
            && self.views.get(&(local, remote)).is_some_and(|v| v.closed)
        {
            // A new connection on the same addresses and ports.
            self.views.remove(&(local, remote));
        }
        let view = self.view(local, remote);
        if tcp.flags.syn() && !tcp.flags.rst() {
            view.isn[me] = Some(tcp.seq);
            view.ws[me] = tcp.options.window_scale;
        }
        let rel = |n: SeqNum, base: Option<SeqNum>| base.map(|b| i64::from(n.diff(b)));
        let wnd = match (view.ws[me], view.ws[peer]) {
            (Some(shift), Some(_)) if !tcp.flags.syn() => usize::from(tcp.window) << shift.min(14),
            _ => usize::from(tcp.window),
        };
        let seg = Seg {
            tcp: *tcp,
            len,
            wnd,
            rel_seq: rel(tcp.seq, view.isn[me]),
            rel_ack: if tcp.flags.ack() {
                rel(tcp.ack, view.isn[peer])
            } else {
                None
            },
        };
        let mut marks = vec![self.marks(local, remote)];
        if retransmission {
            marks.push(self.st.paint("33", "retransmission"));
        }
        if lost {
            marks.push(self.st.paint("31;1", "dropped by --loss"));
        }
        let line = arrow(from, &label(&seg), lost, false, &marks.join(" "), &self.st);
        let mut lines = vec![line];
        self.stamp(time, &mut lines);
        self.emit(&lines);
    }

    /// Puts the time in front of the first line and indents the others.
    fn stamp(&self, time: Instant, lines: &mut [String]) {
        let t = format_time(time);
        for (k, line) in lines.iter_mut().enumerate() {
            let stamp = if k == 0 { t.as_str() } else { "" };
            *line = format!("{}{line}", self.st.paint("2", &pad(stamp, TIME_W)));
        }
    }

    /// Writes `lines` at once (a failed write is not worth reporting).
    fn emit(&mut self, lines: &[String]) {
        let mut text = String::new();
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
        let _ = self.out.write_all(text.as_bytes());
    }
}

impl<W: Write> Drop for LiveLadder<W> {
    fn drop(&mut self) {
        if let Some((ev, tcp, len, r)) = self.pending_out.take() {
            self.draw_segment(ev.time, ev.local, ev.remote, US, &tcp, len, r, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synack_core::wire::{IpRepr, TcpFlags};

    fn ev(ms: u64, kind: TraceKind) -> TraceEvent {
        TraceEvent {
            time: Instant::from_millis(ms),
            local: "10.0.0.2:80".parse().unwrap(),
            remote: "10.0.0.1:5000".parse().unwrap(),
            kind,
        }
    }

    fn tcp(flags: TcpFlags, seq: u32, ack: u32) -> TcpRepr {
        TcpRepr {
            src_port: 5000,
            dst_port: 80,
            seq: SeqNum(seq),
            ack: SeqNum(ack),
            flags,
            window: 1000,
            ..TcpRepr::default()
        }
    }

    #[test]
    fn draws_segments_states_and_drops_with_relative_numbers() {
        let mut out = Vec::new();
        let mut l = LiveLadder::with_writer(&mut out, false);
        let syn = tcp(TcpFlags::SYN, 7000, 0);
        l.trace(&ev(0, TraceKind::SegmentIn { tcp: syn, len: 0 }));
        l.trace(&ev(
            0,
            TraceKind::StateChange {
                from: State::Listen,
                to: State::SynReceived,
                cause: synack_core::conn::Cause::RecvSyn,
            },
        ));
        let mut syn_ack = tcp(TcpFlags::SYN | TcpFlags::ACK, 300, 7001);
        (syn_ack.src_port, syn_ack.dst_port) = (80, 5000);
        let out_ev = TraceKind::SegmentOut {
            tcp: syn_ack,
            len: 0,
            retransmission: false,
        };
        l.trace(&ev(1, out_ev));
        l.packet(Instant::from_millis(1), Direction::Out, true, &[]);
        // An arriving packet the fault injector drops.
        let ack = tcp(TcpFlags::ACK, 7001, 301);
        let ip = IpRepr {
            src: "10.0.0.1".parse().unwrap(),
            dst: "10.0.0.2".parse().unwrap(),
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let mut buf = [0u8; 64];
        let n = wire::emit_packet(&ip, &ack, &[], &mut buf).unwrap();
        l.packet(Instant::from_millis(2), Direction::In, true, &buf[..n]);
        drop(l);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].contains("◀") && lines[0].contains("SYN seq=0 len=0"));
        assert!(lines[0].ends_with("#1 10.0.0.1:5000"), "{}", lines[0]);
        assert!(lines[1].contains("LISTEN → SYN-RECEIVED (received SYN)"));
        assert!(lines[1].ends_with("#1"));
        assert!(lines[2].contains("SYN+ACK seq=0 ack=1"), "{}", lines[2]);
        assert!(lines[2].ends_with("#1 dropped by --loss"));
        assert!(lines[3].contains("✗") && lines[3].contains("ACK seq=1 ack=1 len=0"));
        assert!(lines[0].starts_with("  0.000 │"), "{}", lines[0]);
    }
}
