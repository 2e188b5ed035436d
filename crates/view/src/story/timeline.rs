//! From the raw log to a timeline: every record with its segment's fate on
//! the link and sequence numbers relative to each side's ISN.

use super::log::{Entry, Trigger};
use super::wire::{Fate, WireRecord};
pub use crate::Seg;
use crate::Side;
use core::net::SocketAddr;
use synack_core::conn::{Cause, State};
use synack_core::trace::{DropReason, RecoveryCause, TraceKind};
use synack_core::wire::TcpRepr;
use synack_core::{Instant, SeqNum};

/// What happened.
#[derive(Clone, Copy, Debug)]
pub enum What {
    /// A segment left the host.
    Out {
        /// The segment.
        seg: Seg,
        /// It resends something sent before.
        retransmission: bool,
        /// What the link did with it.
        fate: Option<Fate>,
        /// What made the host send it.
        trigger: Trigger,
    },
    /// A segment arrived.
    In {
        /// The segment.
        seg: Seg,
    },
    /// The connection changed state.
    State {
        /// Old state.
        from: State,
        /// New state.
        to: State,
        /// Why.
        cause: Cause,
    },
    /// An arriving segment was dropped.
    Dropped {
        /// The segment.
        seg: Seg,
        /// Why.
        reason: DropReason,
    },
    /// The driver injected a crafted segment claiming to come from `side`.
    Injected {
        /// The segment.
        seg: Seg,
    },
    /// A silent host swallowed a packet.
    Swallowed,
    /// The sender's loss recovery did something.
    Recovery(Recovery),
}

/// A step of loss recovery (RFC 6675, RFC 8985), with sequence numbers
/// relative to the sender's ISN.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Recovery {
    /// Recovery began.
    Entered {
        /// What detected the loss.
        cause: RecoveryCause,
        /// Recovery ends when the peer acknowledges this.
        until: Option<i64>,
        /// The new slow-start threshold, in bytes.
        ssthresh: usize,
    },
    /// Recovery ended.
    Left {
        /// Ended by a retransmission timeout rather than a full ACK.
        timeout: bool,
    },
    /// Sent data deemed lost.
    Lost {
        /// First byte.
        seq: Option<i64>,
        /// Length.
        len: usize,
        /// The rule that decided it.
        cause: RecoveryCause,
    },
    /// A tail loss probe went out.
    Probe {
        /// First byte of the probe.
        seq: Option<i64>,
        /// Its length.
        len: usize,
        /// New data rather than the last segment again.
        new_data: bool,
    },
    /// The peer reported a duplicate (D-SACK).
    Dsack {
        /// Left edge.
        left: Option<i64>,
        /// Right edge.
        right: Option<i64>,
    },
    /// A spurious recovery was undone.
    Undone {
        /// The congestion window restored, in bytes.
        cwnd: usize,
    },
}

/// One line of the story.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    /// When.
    pub time: Instant,
    /// The host it happened at (for injected segments: the claimed sender).
    pub side: Side,
    /// That host's address, if known.
    pub local: Option<SocketAddr>,
    /// The peer's address, if known.
    pub remote: Option<SocketAddr>,
    /// What.
    pub what: What,
}

/// Builds the timeline from the log and the wire's records (both hold
/// each host's packets in send order, so the n-th segment a host sent is
/// its n-th wire record).
pub fn build(entries: &[Entry], wire: &[WireRecord]) -> Vec<Item> {
    let mut fates: [std::collections::VecDeque<Fate>; 2] = Default::default();
    for w in wire {
        fates[w.from.index()].push_back(w.fate);
    }
    let mut isn: [Option<SeqNum>; 2] = [None, None];
    // Window scale each side announced in its SYN.
    let mut ws: [Option<u8>; 2] = [None, None];
    let rel = |n: SeqNum, base: Option<SeqNum>| base.map(|b| i64::from(n.diff(b)));
    let mut items = Vec::with_capacity(entries.len());
    for e in entries {
        let item = match *e {
            Entry::Trace { side, ev, trigger } => {
                let (me, peer) = (side.index(), side.peer().index());
                let what = match ev.kind {
                    TraceKind::SegmentOut {
                        tcp,
                        len,
                        retransmission,
                    } => {
                        if tcp.flags.syn() {
                            isn[me] = Some(tcp.seq);
                            ws[me] = tcp.options.window_scale;
                        }
                        let seg = Seg {
                            tcp,
                            len,
                            wnd: scaled(&tcp, ws[me], ws[peer]),
                            rel_seq: rel(tcp.seq, isn[me]),
                            rel_ack: if tcp.flags.ack() {
                                rel(tcp.ack, isn[peer])
                            } else {
                                None
                            },
                        };
                        What::Out {
                            seg,
                            retransmission,
                            fate: fates[me].pop_front(),
                            trigger,
                        }
                    }
                    TraceKind::SegmentIn { tcp, len } => What::In {
                        seg: received(tcp, len, isn[peer], isn[me], scaled(&tcp, ws[peer], ws[me])),
                    },
                    TraceKind::Dropped { tcp, reason } => What::Dropped {
                        seg: received(tcp, 0, isn[peer], isn[me], scaled(&tcp, ws[peer], ws[me])),
                        reason,
                    },
                    TraceKind::StateChange { from, to, cause } => What::State { from, to, cause },
                    TraceKind::RecoveryEntered {
                        cause,
                        recovery_point,
                        ssthresh,
                    } => What::Recovery(Recovery::Entered {
                        cause,
                        until: rel(recovery_point, isn[me]),
                        ssthresh,
                    }),
                    TraceKind::RecoveryLeft { timeout, .. } => {
                        What::Recovery(Recovery::Left { timeout })
                    }
                    TraceKind::SegmentLost { seq, len, cause } => What::Recovery(Recovery::Lost {
                        seq: rel(seq, isn[me]),
                        len,
                        cause,
                    }),
                    TraceKind::TlpSent { seq, len, new_data } => What::Recovery(Recovery::Probe {
                        seq: rel(seq, isn[me]),
                        len,
                        new_data,
                    }),
                    TraceKind::DsackReceived { left, right } => What::Recovery(Recovery::Dsack {
                        left: rel(left, isn[me]),
                        right: rel(right, isn[me]),
                    }),
                    TraceKind::SpuriousRecoveryUndone { cwnd } => {
                        What::Recovery(Recovery::Undone { cwnd })
                    }
                    _ => continue,
                };
                Item {
                    time: ev.time,
                    side,
                    local: Some(ev.local),
                    remote: Some(ev.remote),
                    what,
                }
            }
            Entry::Injected {
                time,
                src,
                dst,
                tcp,
            } => Item {
                time,
                side: Side::Client,
                local: Some(src),
                remote: Some(dst),
                what: What::Injected {
                    seg: Seg {
                        tcp,
                        len: 0,
                        wnd: usize::from(tcp.window),
                        rel_seq: rel(tcp.seq, isn[Side::Client.index()]),
                        rel_ack: None,
                    },
                },
            },
            Entry::Swallowed { time, side } => Item {
                time,
                side,
                local: None,
                remote: None,
                what: What::Swallowed,
            },
        };
        items.push(item);
    }
    items
}

/// The window a segment offers: scaled only when both SYNs carried window
/// scale, and never on a SYN.
fn scaled(tcp: &TcpRepr, sender_ws: Option<u8>, receiver_ws: Option<u8>) -> usize {
    match (sender_ws, receiver_ws) {
        (Some(shift), Some(_)) if !tcp.flags.syn() => usize::from(tcp.window) << shift.min(14),
        _ => usize::from(tcp.window),
    }
}

/// A received segment: its seq relative to the sender's ISN, its ack to ours.
fn received(
    tcp: TcpRepr,
    len: usize,
    sender: Option<SeqNum>,
    me: Option<SeqNum>,
    wnd: usize,
) -> Seg {
    let rel = |n: SeqNum, base: Option<SeqNum>| base.map(|b| i64::from(n.diff(b)));
    Seg {
        tcp,
        len,
        wnd,
        rel_seq: rel(tcp.seq, sender),
        rel_ack: if tcp.flags.ack() {
            rel(tcp.ack, me)
        } else {
            None
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synack_core::trace::TraceEvent;
    use synack_core::wire::{TcpFlags, TcpOptions};

    fn out(side: Side, ms: u64, tcp: TcpRepr, len: usize) -> Entry {
        let (c, s): (SocketAddr, SocketAddr) = (
            "10.0.0.1:5000".parse().unwrap(),
            "10.0.0.2:80".parse().unwrap(),
        );
        let (local, remote) = match side {
            Side::Client => (c, s),
            Side::Server => (s, c),
        };
        Entry::Trace {
            side,
            ev: TraceEvent {
                time: Instant::from_millis(ms),
                local,
                remote,
                kind: TraceKind::SegmentOut {
                    tcp,
                    len,
                    retransmission: false,
                },
            },
            trigger: Trigger::App,
        }
    }

    fn tcp(flags: TcpFlags, seq: u32, ack: u32, window: u16, ws: Option<u8>) -> TcpRepr {
        TcpRepr {
            seq: SeqNum(seq),
            ack: SeqNum(ack),
            flags,
            window,
            options: TcpOptions {
                window_scale: ws,
                ..TcpOptions::default()
            },
            ..TcpRepr::default()
        }
    }

    /// A segment's relative seq and ack, window in bytes, fate.
    type Row = (Option<i64>, Option<i64>, usize, Option<Fate>);

    #[test]
    fn numbers_relative_to_each_isn_with_fates_in_send_order() {
        let at = |ms| Instant::from_millis(ms);
        let entries = [
            out(
                Side::Client,
                0,
                tcp(TcpFlags::SYN, 1000, 0, 100, Some(2)),
                0,
            ),
            out(
                Side::Server,
                10,
                tcp(TcpFlags::SYN | TcpFlags::ACK, 9000, 1001, 200, Some(3)),
                0,
            ),
            out(
                Side::Client,
                20,
                tcp(TcpFlags::ACK, 1001, 9001, 100, None),
                5,
            ),
        ];
        let wire = [
            WireRecord {
                from: Side::Server,
                fate: Fate::Lost,
            },
            WireRecord {
                from: Side::Client,
                fate: Fate::Delivered { at: at(10) },
            },
            WireRecord {
                from: Side::Client,
                fate: Fate::Delivered { at: at(30) },
            },
        ];
        let items = build(&entries, &wire);
        let segs: Vec<Row> = items
            .iter()
            .map(|i| match i.what {
                What::Out { seg, fate, .. } => (seg.rel_seq, seg.rel_ack, seg.wnd, fate),
                _ => panic!("not a segment"),
            })
            .collect();
        assert_eq!(
            segs,
            [
                (Some(0), None, 100, Some(Fate::Delivered { at: at(10) })),
                (Some(0), Some(1), 200, Some(Fate::Lost)),
                // Scaled by the client's shift once both SYNs carried one.
                (Some(1), Some(1), 400, Some(Fate::Delivered { at: at(30) })),
            ]
        );
        let json = super::super::json::render(&items);
        let first: serde_json::Value = serde_json::from_str(json.lines().nth(1).unwrap()).unwrap();
        assert_eq!(first["kind"], "segment_out");
        assert_eq!(first["host"], "server");
        assert_eq!(first["fate"], "lost");
        assert_eq!(first["lost"], true);
        assert_eq!(first["rel_ack"], 1);
    }
}
