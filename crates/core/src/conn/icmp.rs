//! ICMP errors about a connection's segments (RFC 1122 4.2.3.9, RFC 5927)
//! and path-MTU discovery (RFC 1191 for IPv4, RFC 8201 for IPv6).

use super::{Cause, Connection, Ctx, State};
use crate::config::IcmpRules;
use crate::endpoint::EventKind;
use crate::error::Error;
use crate::seq::SeqNum;
use crate::trace::{IcmpOutcome, TraceKind};
use crate::wire::icmp::IcmpKind;

/// The smallest path MTU synack takes from a Packet Too Big: IPv4's 576
/// (every host must accept it, RFC 1122 3.3.3; RFC 1191 allows less, but a
/// forged message must not shrink segments to nothing) and IPv6's 1280
/// (RFC 8201 section 4: MUST NOT go below the IPv6 minimum link MTU).
const MIN_PMTU_V4: usize = 576;
const MIN_PMTU_V6: usize = 1280;

/// RFC 1191 section 7's plateau table, for a router that reports no MTU.
const PLATEAUS: [usize; 10] = [32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68];
/// FreeBSD's `mtutab` (`ip_icmp.c`, `ip_next_mtu`).
const FREEBSD_PLATEAUS: [usize; 11] = [
    32000, 17914, 8166, 4352, 2002, 1492, 1280, 1006, 508, 296, 68,
];
/// FreeBSD's floor for an IPv4 path MTU: `net.inet.tcp.minmss` (216) plus
/// the 40 bytes of IP and TCP headers.
const FREEBSD_MIN_PMTU_V4: usize = 256;
/// What FreeBSD's `tcp6_ctlinput` takes for a Packet Too Big below the
/// IPv6 minimum (`IPV6_MMTU - 8`).
const FREEBSD_MIN_PMTU_V6: usize = 1272;

impl Connection {
    /// An ICMP error quoting one of this connection's segments, with
    /// sequence number `seq`; `quoted_len` is the quoted packet's length
    /// (IPv4). Returns what was done.
    pub(crate) fn on_icmp(
        &mut self,
        ctx: &mut Ctx<'_>,
        kind: IcmpKind,
        seq: SeqNum,
        quoted_len: u16,
    ) -> IcmpOutcome {
        // RFC 5927 4.1: only a quote of a sequence number in flight,
        // SND.UNA <= seq < SND.NXT, can be real; anything else is a blind
        // guess (or too late) and is ignored.
        if !(self.snd_una.le(seq) && seq.lt(self.snd_max)) {
            return IcmpOutcome::Ignored;
        }
        if let IcmpKind::PacketTooBig { mtu } = kind {
            if !self.pmtu_discovery && self.local.is_ipv4() {
                // Without path MTU discovery (DF clear) IPv4 routers
                // fragment; as Linux's IP_PMTUDISC_DONT, the report changes
                // nothing.
                return IcmpOutcome::Ignored;
            }
            return self.on_packet_too_big(ctx, mtu, quoted_len);
        }
        if self.cfg.icmp == IcmpRules::FreeBsd {
            return self.on_icmp_freebsd(ctx, kind);
        }
        let error = error_of(kind);
        match self.state {
            // RFC 1122 4.2.3.9 and RFC 5927 5.2: a hard error aborts a
            // connection still opening; in a synchronized state it is soft.
            State::SynSent if kind.is_hard() => {
                self.fail(ctx, error, Cause::IcmpError);
                ctx.stats.icmp_aborts += 1;
                IcmpOutcome::Aborted
            }
            // An embryonic passive connection goes silently (as Linux
            // drops the request).
            State::SynReceived if kind.is_hard() && self.listener.is_some() => {
                self.set_state(ctx, State::Closed, Cause::IcmpError);
                ctx.stats.icmp_aborts += 1;
                IcmpOutcome::Aborted
            }
            _ => {
                // Soft: told to the application; a later timeout reports
                // it instead of a bare "timed out" (as Linux's sk_err_soft).
                self.soft_error = Some(error);
                self.emit_event(ctx, EventKind::SoftError);
                IcmpOutcome::SoftError
            }
        }
    }

    /// FreeBSD's `tcp_ctlinput` after its sequence check (see
    /// [`IcmpRules::FreeBsd`]).
    fn on_icmp_freebsd(&mut self, ctx: &mut Ctx<'_>, kind: IcmpKind) -> IcmpOutcome {
        let opening = matches!(self.state, State::SynSent | State::SynReceived);
        match kind {
            // icmp_errmap: ECONNREFUSED, and EHOSTUNREACH from
            // ICMP_TIMXCEED; with icmp_may_rst both go to
            // tcp_drop_syn_sent, which drops only a connection in SYN-SENT.
            IcmpKind::PortUnreachable
            | IcmpKind::ProtocolUnreachable
            | IcmpKind::Prohibited
            | IcmpKind::TimeExceeded => {
                if self.state == State::SynSent {
                    let error = match kind {
                        IcmpKind::TimeExceeded => Error::HostUnreachable,
                        _ => Error::ConnectionRefused,
                    };
                    self.fail(ctx, error, Cause::IcmpError);
                    ctx.stats.icmp_aborts += 1;
                    IcmpOutcome::Aborted
                } else {
                    IcmpOutcome::Ignored
                }
            }
            // tcp_notify: "Ignore some errors if we are hooked up"
            // (ESTABLISHED and EHOSTUNREACH); a connection not yet
            // established that "has retransmitted several times, and
            // receives a second error" is given up (t_rxtshift > 3 and
            // t_softerror set; syncache_unreach's rule for an embryonic
            // passive one is the same); otherwise the error is kept for
            // the timeout to report.
            _ => {
                if self.state == State::Established {
                    return IcmpOutcome::Ignored;
                }
                if opening && self.retries > 3 && self.soft_error.is_some() {
                    if self.state == State::SynReceived && self.listener.is_some() {
                        self.set_state(ctx, State::Closed, Cause::IcmpError);
                    } else {
                        self.fail(ctx, Error::HostUnreachable, Cause::IcmpError);
                    }
                    ctx.stats.icmp_aborts += 1;
                    return IcmpOutcome::Aborted;
                }
                self.soft_error = Some(Error::HostUnreachable);
                self.emit_event(ctx, EventKind::SoftError);
                IcmpOutcome::SoftError
            }
        }
    }

    /// Fragmentation needed / Packet Too Big: lower the send MSS to fit the
    /// reported MTU (never below the floor, never up: RFC 1191 6.3's
    /// probing upwards is not done) and resend what was in flight at the
    /// new size (RFC 1191 6.5).
    fn on_packet_too_big(&mut self, ctx: &mut Ctx<'_>, mtu: u32, quoted_len: u16) -> IcmpOutcome {
        let v4 = self.local.is_ipv4();
        let freebsd = self.cfg.icmp == IcmpRules::FreeBsd;
        let (headers, floor) = match (v4, freebsd) {
            (true, false) => (super::IPV4_TCP_HEADERS, MIN_PMTU_V4),
            (false, false) => (super::IPV6_TCP_HEADERS, MIN_PMTU_V6),
            // tcp_ctlinput: at least V_tcp_minmss + sizeof(struct
            // tcpiphdr); tcp6_ctlinput: below IPV6_MMTU, IPV6_MMTU - 8.
            (true, true) => (super::IPV4_TCP_HEADERS, FREEBSD_MIN_PMTU_V4),
            (false, true) => (super::IPV6_TCP_HEADERS, FREEBSD_MIN_PMTU_V6),
        };
        let mut mtu = usize::try_from(mtu).unwrap_or(usize::MAX);
        if mtu == 0 && v4 {
            // A router that predates RFC 1191: the next plateau below the
            // size of the packet it could not forward (section 7;
            // FreeBSD's ip_next_mtu has 1280 among them).
            let sent = usize::from(quoted_len);
            let table: &[usize] = if freebsd {
                &FREEBSD_PLATEAUS
            } else {
                &PLATEAUS
            };
            mtu = table.iter().copied().find(|&p| p < sent).unwrap_or(68);
        }
        if freebsd && !v4 && mtu < MIN_PMTU_V6 {
            mtu = FREEBSD_MIN_PMTU_V6;
        }
        let mss = mtu.max(floor) - headers;
        if mss >= self.snd_mss {
            return IcmpOutcome::MssUnchanged;
        }
        self.snd_mss = mss;
        ctx.stats.pmtu_reductions += 1;
        if self.state.is_synchronized() && self.snd_max.gt(self.snd_una) && !self.syn_unacked() {
            self.go_back(ctx, false);
        }
        IcmpOutcome::MssLowered {
            mss: u16::try_from(mss).unwrap_or(u16::MAX),
        }
    }

    /// The last soft error an ICMP message reported (RFC 1122 4.2.3.9:
    /// "MUST be reported to the application"), if any.
    pub fn soft_error(&self) -> Option<Error> {
        self.soft_error
    }
}

/// The error an application sees for an ICMP error (as Linux's
/// icmp_err_convert: port unreachable is a refusal).
fn error_of(kind: IcmpKind) -> Error {
    match kind {
        IcmpKind::NetUnreachable => Error::NetworkUnreachable,
        IcmpKind::PortUnreachable => Error::ConnectionRefused,
        IcmpKind::ProtocolUnreachable => Error::ProtocolUnreachable,
        IcmpKind::Prohibited => Error::Prohibited,
        _ => Error::HostUnreachable,
    }
}

impl Connection {
    /// Records an ICMP error in the trace.
    pub(crate) fn trace_icmp(
        &self,
        ctx: &mut Ctx<'_>,
        kind: IcmpKind,
        from: core::net::IpAddr,
        seq: SeqNum,
        outcome: IcmpOutcome,
    ) {
        let ev = TraceKind::Icmp {
            kind,
            from,
            seq,
            outcome,
        };
        ctx.trace.record(ctx.now, self.local, self.remote, ev);
    }
}
