//! A connection in TIME-WAIT, kept small (RFC 9293 3.10.7.4, RFC 1337):
//! once the application has let go and nothing is left to send, what the
//! TIME-WAIT rules read goes into a [`TimeWait`] record of 136 bytes
//! instead of the ~900-byte connection. A segment for the tuple brings the
//! connection back from the record, the ordinary rules process it (an ACK
//! for a retransmitted FIN, a challenge ACK for a SYN, PAWS, a new
//! incarnation), and it is made small again once idle. So every TIME-WAIT
//! rule is the one code path, not a copy of it.
//!
//! The record is exact: a connection becomes one only when the fields it
//! leaves out are implied by those it keeps (everything sent is
//! acknowledged, the last ACK sent is for RCV.NXT, no out-of-order data,
//! no IPv6 flow label or scope id), and its clock readings are kept as
//! microseconds before the expiry only when that loses nothing the rules
//! compare (see [`Age`]). Otherwise the connection stays whole.

use super::timers::Timer;
use super::{ConnParams, Connection, State};
use crate::config::Config;
use crate::endpoint::{ConnId, ListenerId};
use crate::seq::SeqNum;
use crate::time::Instant;
use core::net::{IpAddr, Ipv6Addr, SocketAddr};
use core::time::Duration;
use std::sync::Arc;

/// What TIME-WAIT needs of a connection.
#[derive(Clone, Debug)]
pub(crate) struct TimeWait {
    /// When 2 x MSL runs out.
    pub expires: Instant,
    cfg: Arc<Config>,
    /// When TS.Recent was last set (RFC 7323 5.5's 24 days need the full
    /// clock).
    ts_recent_at: Instant,
    /// Both addresses, IPv4 ones as IPv4-mapped IPv6 (flag `V4`).
    local_ip: [u8; 16],
    remote_ip: [u8; 16],
    local_port: u16,
    remote_port: u16,
    listener: Option<ListenerId>,
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
    ts_offset: u32,
    ts_recent: u32,
    challenge_count: u32,
    /// The start of the challenge-ACK second (RFC 5961 7).
    challenge_window: Age,
    /// The last out-of-window ACK (`None` as [`Age::LONG_AGO`]).
    last_oow_ack: Age,
    snd_mss: u16,
    rcv_mss: u16,
    ttl: u8,
    snd_wscale: u8,
    rcv_wscale: u8,
    flags: u8,
}

const TS_OK: u8 = 1;
const WSCALE_OK: u8 = 2;
const SACK_OK: u8 = 4;
const QUEUED: u8 = 8;
const ECN_OK: u8 = 16;
const V4: u8 = 32;

/// A clock reading as microseconds before the record's expiry, or
/// [`Age::LONG_AGO`] when it is further back than a `u32` holds (71
/// minutes). The two readings kept this way are only compared with the
/// present against 1 s (the challenge-ACK second) and the out-of-window
/// ACK interval, and the record is made only when 2 x MSL plus those
/// intervals is under 71 minutes ([`Age::FITS`]); so "long ago" answers
/// every comparison as the exact reading would.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Age(u32);

impl Age {
    const LONG_AGO: Age = Age(u32::MAX);
    /// How far back an age reaches.
    const FITS: Duration = Duration::from_micros(u32::MAX as u64);

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
    /// running, and every field the record leaves out implied by the
    /// others (module docs).
    pub(crate) fn to_time_wait(&self) -> Option<TimeWait> {
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
        let clocks_fit = reach < Age::FITS
            && self.challenge_window <= expires
            && self.last_oow_ack.is_none_or(|t| t <= expires);
        let (local_ip, local_v4) = compact_ip(self.local)?;
        let (remote_ip, remote_v4) = compact_ip(self.remote)?;
        if !implied || !clocks_fit || local_v4 != remote_v4 {
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
            (local_v4, V4),
        ] {
            if on {
                flags |= bit;
            }
        }
        Some(TimeWait {
            expires,
            cfg: Arc::clone(&self.cfg),
            ts_recent_at: self.ts_recent_at,
            local_ip,
            remote_ip,
            local_port: self.local.port(),
            remote_port: self.remote.port(),
            listener: self.listener,
            iss: self.iss,
            irs: self.irs,
            snd_max: self.snd_max,
            rcv_nxt: self.rcv_nxt,
            rcv_adv: self.rcv_adv,
            snd_wnd: small(self.snd_wnd)?,
            max_snd_wnd: small(self.max_snd_wnd)?,
            recv_capacity: small(self.recv_buf.capacity())?,
            ts_offset: self.ts_offset,
            ts_recent: self.ts_recent,
            challenge_count: self.challenge_count,
            challenge_window: Age::before(expires, Some(self.challenge_window)),
            last_oow_ack: Age::before(expires, self.last_oow_ack),
            snd_mss: u16::try_from(self.snd_mss).ok()?,
            rcv_mss: u16::try_from(self.rcv_mss).ok()?,
            ttl: self.ttl,
            snd_wscale: self.snd_wscale,
            rcv_wscale: self.rcv_wscale,
            flags,
        })
    }

    /// The connection `tw` stands for, with handle `id`, back in
    /// TIME-WAIT with its 2 x MSL timer.
    pub(crate) fn from_time_wait(tw: &TimeWait, id: ConnId) -> Self {
        let p = ConnParams {
            id,
            local: tw.local(),
            remote: tw.remote(),
            iss: tw.iss,
            ts_offset: tw.ts_offset,
            ttl: tw.ttl,
            cfg: &tw.cfg,
        };
        let mut c = Connection::new(p, State::TimeWait);
        let big = |n: u32| n as usize;
        c.listener = tw.listener;
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
        c.ts_recent_at = tw.ts_recent_at;
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

/// `addr`'s address as 16 bytes and whether it is IPv4; `None` for an IPv6
/// address with a flow label or scope id (the record does not keep them).
fn compact_ip(addr: SocketAddr) -> Option<([u8; 16], bool)> {
    match addr {
        SocketAddr::V4(a) => Some((a.ip().to_ipv6_mapped().octets(), true)),
        SocketAddr::V6(a) if a.flowinfo() == 0 && a.scope_id() == 0 => {
            Some((a.ip().octets(), false))
        }
        SocketAddr::V6(_) => None,
    }
}

fn socket_addr(ip: [u8; 16], port: u16, v4: bool) -> SocketAddr {
    let ip = Ipv6Addr::from(ip);
    match ip.to_ipv4_mapped() {
        Some(v4_ip) if v4 => SocketAddr::new(IpAddr::V4(v4_ip), port),
        _ => SocketAddr::new(IpAddr::V6(ip), port),
    }
}

impl TimeWait {
    /// The local address and port.
    pub fn local(&self) -> SocketAddr {
        socket_addr(self.local_ip, self.local_port, self.flags & V4 != 0)
    }

    /// The remote address and port.
    pub fn remote(&self) -> SocketAddr {
        socket_addr(self.remote_ip, self.remote_port, self.flags & V4 != 0)
    }

    /// The highest sequence number the incarnation sent (RFC 6191's
    /// reuse condition compares a new ISN with it).
    pub fn snd_max(&self) -> SeqNum {
        self.snd_max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_is_small() {
        assert!(
            core::mem::size_of::<TimeWait>() <= 136,
            "{}",
            core::mem::size_of::<TimeWait>()
        );
        // The Arc's niche: a slot's Option costs nothing.
        assert_eq!(
            core::mem::size_of::<Option<TimeWait>>(),
            core::mem::size_of::<TimeWait>()
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
        for a in [
            "198.18.0.1:80",
            "[2001:db8::1]:443",
            "[::ffff:198.18.0.1]:8",
        ] {
            let a: SocketAddr = a.parse().unwrap();
            let (ip, v4) = compact_ip(a).unwrap();
            assert_eq!(socket_addr(ip, a.port(), v4), a);
        }
        let scoped = SocketAddr::V6(core::net::SocketAddrV6::new(Ipv6Addr::LOCALHOST, 1, 0, 3));
        assert_eq!(compact_ip(scoped), None);
    }
}
