//! A connection in TIME-WAIT, kept small (RFC 9293 3.10.7.4, RFC 1337):
//! once the application has let go and nothing is left to send, what the
//! TIME-WAIT rules read goes into a [`TimeWait`] record of 96 bytes (120
//! with IPv6 addresses) instead of the ~900-byte connection. A segment for the tuple brings the
//! connection back from the record, the ordinary rules process it (an ACK
//! for a retransmitted FIN, a challenge ACK for a SYN, PAWS, a new
//! incarnation), and it is made small again once idle. So every TIME-WAIT
//! rule is the one code path, not a copy of it.
//!
//! The record is exact: a connection becomes one only when the fields it
//! leaves out are implied by those it keeps (everything sent is
//! acknowledged, the last ACK sent is for RCV.NXT, no out-of-order data,
//! no IPv6 flow label or scope id, the endpoint's timestamp offset for the
//! tuple), and its clock readings are kept as microseconds before the
//! expiry only when that loses nothing the rules compare (see [`Age`]).
//! Otherwise the connection stays whole.

use super::timers::Timer;
use super::{ConnParams, Connection, State};
use crate::config::Config;
use crate::endpoint::{ConnId, ListenerId};
use crate::seq::SeqNum;
use crate::time::Instant;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use core::time::Duration;
use std::sync::Arc;

/// What TIME-WAIT needs of a connection, for addresses of one family:
/// `Ip` is `[u8; 4]` or `[u8; 16]` ([`RecordIp`]), so an IPv4 record is
/// 96 bytes and an IPv6 one 120.
#[derive(Clone, Debug)]
pub(crate) struct TimeWait<Ip> {
    /// When 2 x MSL runs out.
    pub expires: Instant,
    cfg: Arc<Config>,
    /// The listener's handle while the connection waits in its accept
    /// queue ([`ListenerRef`]).
    listener: ListenerRef,
    /// When TS.Recent was last set. RFC 7323 5.5 compares it with the
    /// present against 24 days, so it is kept only if exact (it is: the
    /// peer's last segment set it, within 2 x MSL of the expiry).
    ts_recent_at: Age,
    /// The start of the challenge-ACK second (RFC 5961 7).
    challenge_window: Age,
    /// The last out-of-window ACK (`None` as [`Age::LONG_AGO`]).
    last_oow_ack: Age,
    local_ip: Ip,
    remote_ip: Ip,
    local_port: u16,
    remote_port: u16,
    iss: SeqNum,
    irs: SeqNum,
    /// SND.UNA = SND.NXT = SND.MAX: everything, our FIN included, is
    /// acknowledged.
    snd_max: SeqNum,
    /// RCV.NXT, also the last acknowledgment sent.
    rcv_nxt: SeqNum,
    rcv_adv: SeqNum,
    snd_wnd: u32,
    max_snd_wnd: u32,
    recv_capacity: u32,
    ts_recent: u32,
    challenge_count: u32,
    snd_mss: u16,
    rcv_mss: u16,
    ttl: u8,
    snd_wscale: u8,
    rcv_wscale: u8,
    flags: u8,
}

/// A TIME-WAIT record of either family.
#[derive(Clone, Debug)]
pub(crate) enum TimeWaitRecord {
    /// IPv4 addresses.
    V4(TimeWait<[u8; 4]>),
    /// IPv6 addresses (IPv4-mapped ones included: they stay IPv6).
    V6(TimeWait<[u8; 16]>),
}

/// A record's address: how it is kept and given back.
pub(crate) trait RecordIp: Copy + core::fmt::Debug {
    /// `addr`'s address, if it is of this family and the record can keep
    /// all of it (an IPv6 flow label or scope id it cannot).
    fn of(addr: SocketAddr) -> Option<Self>;
    /// The socket address of this address and `port`.
    fn with_port(self, port: u16) -> SocketAddr;
}

impl RecordIp for [u8; 4] {
    fn of(addr: SocketAddr) -> Option<Self> {
        match addr {
            SocketAddr::V4(a) => Some(a.ip().octets()),
            SocketAddr::V6(_) => None,
        }
    }
    fn with_port(self, port: u16) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::from(self)), port)
    }
}

impl RecordIp for [u8; 16] {
    fn of(addr: SocketAddr) -> Option<Self> {
        match addr {
            SocketAddr::V6(a) if a.flowinfo() == 0 && a.scope_id() == 0 => Some(a.ip().octets()),
            _ => None,
        }
    }
    fn with_port(self, port: u16) -> SocketAddr {
        SocketAddr::new(IpAddr::V6(Ipv6Addr::from(self)), port)
    }
}

const TS_OK: u8 = 1;
const WSCALE_OK: u8 = 2;
const SACK_OK: u8 = 4;
const QUEUED: u8 = 8;
const ECN_OK: u8 = 16;

/// An `Option<ListenerId>` in 8 bytes, not 12: no listener has index
/// `u32::MAX` (a record is not made for one that would).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ListenerRef(ListenerId);

impl ListenerRef {
    const NONE: ListenerRef = ListenerRef(ListenerId {
        index: u32::MAX,
        generation: 0,
    });

    fn of(listener: Option<ListenerId>) -> Option<ListenerRef> {
        match listener {
            None => Some(ListenerRef::NONE),
            Some(l) if l.index == u32::MAX => None,
            Some(l) => Some(ListenerRef(l)),
        }
    }

    fn get(self) -> Option<ListenerId> {
        (self != ListenerRef::NONE).then_some(self.0)
    }
}

/// A clock reading as microseconds before the record's expiry, or
/// [`Age::LONG_AGO`] when it is further back than a `u32` holds (71
/// minutes). The challenge-ACK second and the last out-of-window ACK are
/// only compared with the present against 1 s and the out-of-window ACK
/// interval, and the record is made only when 2 x MSL plus those
/// intervals is under 71 minutes ([`Age::FITS`]); so "long ago" answers
/// every comparison as the exact reading would. TS.Recent's time is kept
/// only when it fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Age(u32);

impl Age {
    const LONG_AGO: Age = Age(u32::MAX);
    /// How far back an age reaches.
    const FITS: Duration = Duration::from_micros(u32::MAX as u64);

    /// `at` as an age; `at` must not be after `expires`.
    fn before(expires: Instant, at: Option<Instant>) -> Age {
        at.and_then(|at| u32::try_from(expires.saturating_since(at).as_micros()).ok())
            .filter(|&us| us != u32::MAX)
            .map_or(Age::LONG_AGO, Age)
    }

    fn at(self, expires: Instant) -> Option<Instant> {
        (self != Age::LONG_AGO)
            .then(|| Instant::from_micros(expires.as_micros().saturating_sub(u64::from(self.0))))
    }
}

impl Connection {
    /// The record of this connection if it may be kept as one: TIME-WAIT,
    /// released by the application, nothing to send or read, its timer
    /// running, every field the record leaves out implied by the others
    /// (module docs), and its timestamp offset the one `ts_offset` gives
    /// for its tuple (the record does not keep it; asked last, as it costs
    /// a hash).
    pub(crate) fn to_time_wait(
        &self,
        ts_offset: impl FnOnce(SocketAddr, SocketAddr) -> u32,
    ) -> Option<TimeWaitRecord> {
        match self.local {
            SocketAddr::V4(_) => self.record().map(TimeWaitRecord::V4),
            SocketAddr::V6(_) => self.record().map(TimeWaitRecord::V6),
        }
        .filter(|_| self.ts_offset == ts_offset(self.local, self.remote))
    }

    fn record<Ip: RecordIp>(&self) -> Option<TimeWait<Ip>> {
        if self.state != State::TimeWait
            || self.app_owned
            || self.has_output()
            || !self.recv_buf.is_empty()
            || !self.assembler.is_empty()
        {
            return None;
        }
        let expires = self.timers.get(Timer::TimeWait)?;
        let implied = self.snd_una == self.snd_max
            && self.snd_nxt == self.snd_max
            && self.send_buf_seq + 1 == self.snd_max
            && self.sack_high.le(self.snd_una)
            && self.last_ack_sent == self.rcv_nxt;
        let reach = self.cfg.msl * 2 + self.cfg.oow_ack_interval.max(Duration::from_secs(1));
        let ts_recent_at = Age::before(expires, Some(self.ts_recent_at));
        let clocks_fit = reach < Age::FITS
            && self.challenge_window <= expires
            && self.last_oow_ack.is_none_or(|t| t <= expires)
            && (!self.ts_ok || (self.ts_recent_at <= expires && ts_recent_at != Age::LONG_AGO));
        if !implied || !clocks_fit {
            return None;
        }
        let small = |n: usize| u32::try_from(n).ok();
        let mut flags = 0;
        for (on, bit) in [
            (self.ts_ok, TS_OK),
            (self.wscale_ok, WSCALE_OK),
            (self.sack_ok, SACK_OK),
            (self.queued_for_accept, QUEUED),
            (self.ecn.ok, ECN_OK),
        ] {
            if on {
                flags |= bit;
            }
        }
        Some(TimeWait {
            expires,
            cfg: Arc::clone(&self.cfg),
            listener: ListenerRef::of(self.listener)?,
            ts_recent_at: if self.ts_ok {
                ts_recent_at
            } else {
                Age::LONG_AGO
            },
            challenge_window: Age::before(expires, Some(self.challenge_window)),
            last_oow_ack: Age::before(expires, self.last_oow_ack),
            local_ip: Ip::of(self.local)?,
            remote_ip: Ip::of(self.remote)?,
            local_port: self.local.port(),
            remote_port: self.remote.port(),
            iss: self.iss,
            irs: self.irs,
            snd_max: self.snd_max,
            rcv_nxt: self.rcv_nxt,
            rcv_adv: self.rcv_adv,
            snd_wnd: small(self.snd_wnd)?,
            max_snd_wnd: small(self.max_snd_wnd)?,
            recv_capacity: small(self.recv_buf.capacity())?,
            ts_recent: self.ts_recent,
            challenge_count: self.challenge_count,
            snd_mss: u16::try_from(self.snd_mss).ok()?,
            rcv_mss: u16::try_from(self.rcv_mss).ok()?,
            ttl: self.ttl,
            snd_wscale: self.snd_wscale,
            rcv_wscale: self.rcv_wscale,
            flags,
        })
    }

    /// The connection `tw` stands for, with handle `id` and the timestamp
    /// offset it had (`ts_offset`), back in TIME-WAIT with its 2 x MSL
    /// timer.
    fn from_time_wait<Ip: RecordIp>(tw: &TimeWait<Ip>, id: ConnId, ts_offset: u32) -> Self {
        let p = ConnParams {
            id,
            local: tw.local(),
            remote: tw.remote(),
            iss: tw.iss,
            ts_offset,
            ttl: tw.ttl,
            cfg: &tw.cfg,
        };
        let mut c = Connection::new(p, State::TimeWait);
        let big = |n: u32| n as usize;
        c.listener = tw.listener.get();
        c.queued_for_accept = tw.flags & QUEUED != 0;
        c.irs = tw.irs;
        c.snd_una = tw.snd_max;
        c.snd_nxt = tw.snd_max;
        c.snd_max = tw.snd_max;
        c.send_buf_seq = tw.snd_max - 1;
        // At or below SND.UNA, SACK processing reads it as SND.UNA.
        c.sack_high = tw.snd_max;
        c.sack_latest = None;
        c.fin_queued = true;
        c.rcv_nxt = tw.rcv_nxt;
        c.rcv_adv = tw.rcv_adv;
        c.last_ack_sent = tw.rcv_nxt;
        c.snd_wnd = big(tw.snd_wnd);
        c.max_snd_wnd = big(tw.max_snd_wnd);
        c.snd_mss = usize::from(tw.snd_mss);
        c.rcv_mss = usize::from(tw.rcv_mss);
        // As TIME-WAIT left them: the send ring released, the receive ring
        // empty (released too, unless the application once read from it).
        c.send_buf.release();
        c.recv_buf.release();
        c.recv_buf.set_capacity(big(tw.recv_capacity));
        c.ts_ok = tw.flags & TS_OK != 0;
        c.wscale_ok = tw.flags & WSCALE_OK != 0;
        c.sack_ok = tw.flags & SACK_OK != 0;
        // ECN's agreement stays (a pending CE echo does not: a TIME-WAIT
        // ACK carries no data to mark).
        c.ecn.ok = tw.flags & ECN_OK != 0;
        c.ts_recent = tw.ts_recent;
        // Without timestamps it is never read.
        c.ts_recent_at = tw.ts_recent_at.at(tw.expires).unwrap_or(Instant::ZERO);
        c.challenge_count = tw.challenge_count;
        c.challenge_window = tw.challenge_window.at(tw.expires).unwrap_or(Instant::ZERO);
        c.last_oow_ack = tw.last_oow_ack.at(tw.expires);
        c.snd_wscale = tw.snd_wscale;
        c.rcv_wscale = tw.rcv_wscale;
        c.fin_received = true;
        c.timers.set(Timer::TimeWait, tw.expires);
        c
    }
}

impl<Ip: RecordIp> TimeWait<Ip> {
    /// The local address and port.
    pub fn local(&self) -> SocketAddr {
        self.local_ip.with_port(self.local_port)
    }

    /// The remote address and port.
    pub fn remote(&self) -> SocketAddr {
        self.remote_ip.with_port(self.remote_port)
    }

    /// The highest sequence number the incarnation sent (RFC 6191's
    /// reuse condition compares a new ISN with it).
    pub fn snd_max(&self) -> SeqNum {
        self.snd_max
    }
}

impl TimeWaitRecord {
    /// The local address and port.
    pub fn local(&self) -> SocketAddr {
        match self {
            TimeWaitRecord::V4(r) => r.local(),
            TimeWaitRecord::V6(r) => r.local(),
        }
    }

    /// The remote address and port.
    pub fn remote(&self) -> SocketAddr {
        match self {
            TimeWaitRecord::V4(r) => r.remote(),
            TimeWaitRecord::V6(r) => r.remote(),
        }
    }

    /// When 2 x MSL runs out.
    pub fn expires(&self) -> Instant {
        match self {
            TimeWaitRecord::V4(r) => r.expires,
            TimeWaitRecord::V6(r) => r.expires,
        }
    }

    /// The connection this record stands for, with handle `id` and
    /// timestamp offset `ts_offset` (the one `to_time_wait` was given).
    pub fn into_connection(self, id: ConnId, ts_offset: u32) -> Connection {
        match self {
            TimeWaitRecord::V4(r) => Connection::from_time_wait(&r, id, ts_offset),
            TimeWaitRecord::V6(r) => Connection::from_time_wait(&r, id, ts_offset),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_is_small() {
        use core::mem::size_of;
        assert!(
            size_of::<TimeWait<[u8; 4]>>() <= 96,
            "{}",
            size_of::<TimeWait<[u8; 4]>>()
        );
        assert!(
            size_of::<TimeWait<[u8; 16]>>() <= 120,
            "{}",
            size_of::<TimeWait<[u8; 16]>>()
        );
        // The Arc's niche: a place's Option costs nothing.
        assert_eq!(
            size_of::<Option<TimeWait<[u8; 4]>>>(),
            size_of::<TimeWait<[u8; 4]>>()
        );
    }

    #[test]
    fn ages_answer_as_the_exact_clock_would() {
        let expires = Instant::from_micros(10_000_000_000);
        for at in [
            expires,
            Instant::from_micros(9_999_000_000),
            Instant::from_micros(1),
        ] {
            let age = Age::before(expires, Some(at));
            match age.at(expires) {
                Some(back) => assert_eq!(back, at),
                None => assert!(expires.saturating_since(at) >= Age::FITS),
            }
        }
        assert_eq!(Age::before(expires, None), Age::LONG_AGO);
        assert_eq!(Age::LONG_AGO.at(expires), None);
    }

    #[test]
    fn addresses_come_back_as_they_went() {
        let v4: SocketAddr = "198.18.0.1:80".parse().unwrap();
        assert_eq!(<[u8; 4]>::of(v4).map(|ip| ip.with_port(80)), Some(v4));
        assert_eq!(<[u8; 16]>::of(v4), None);
        for a in ["[2001:db8::1]:443", "[::ffff:198.18.0.1]:8"] {
            let a: SocketAddr = a.parse().unwrap();
            assert_eq!(<[u8; 4]>::of(a), None);
            assert_eq!(<[u8; 16]>::of(a).map(|ip| ip.with_port(a.port())), Some(a));
        }
        let scoped = SocketAddr::V6(core::net::SocketAddrV6::new(Ipv6Addr::LOCALHOST, 1, 0, 3));
        assert_eq!(<[u8; 16]>::of(scoped), None);
    }

    #[test]
    fn a_listener_handle_fits_in_eight_bytes() {
        let l = ListenerId {
            index: 7,
            generation: 3,
        };
        assert_eq!(ListenerRef::of(Some(l)).and_then(ListenerRef::get), Some(l));
        assert_eq!(ListenerRef::of(None).map(ListenerRef::get), Some(None));
        let last = ListenerId {
            index: u32::MAX,
            generation: 0,
        };
        assert_eq!(ListenerRef::of(Some(last)), None);
    }
}
