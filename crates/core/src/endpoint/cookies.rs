//! SYN cookies (RFC 4987 3.6): a listener under a SYN flood answers with a
//! SYN-ACK whose ISS encodes what it would have kept, and keeps nothing;
//! the handshake's ACK returns the cookie (SEG.ACK - 1) and the peer's ISN
//! (SEG.SEQ - 1), from which the connection is rebuilt.
//!
//! The ISS (Bernstein's layout, as Linux's):
//!
//! ```text
//!  31      27 26  24 23                                      0
//! +----------+------+-----------------------------------------+
//! | t mod 32 | MSS  | H(key, addresses, ports, peer ISN, t, MSS) |
//! +----------+------+-----------------------------------------+
//! ```
//!
//! `t` counts 64-second periods; a cookie is good for the period it was
//! made in and the next (64 to 128 s). `MSS` indexes a table of common
//! sizes (the largest not above the peer's). H is SipHash-2-4 keyed by the
//! endpoint's secret, 24 bits: a blind attacker guesses one in 16 million,
//! and only while the listener has sent cookies lately.
//!
//! Window scale and SACK-permitted do not fit: like Linux, they ride in the
//! low 6 bits of the SYN-ACK's TSval, which the ACK echoes in TSecr. A peer
//! that sends no timestamps gets neither offered (its connection runs
//! with an unscaled 64 KiB window and without SACK).

use super::api::{Endpoint, MAX_QUEUED_CONTROL};
use super::{ConnId, ListenerId};
use crate::config::SynCookies;
use crate::conn::{ConnParams, Connection, State};
use crate::seq::SeqNum;
use crate::time::Instant;
use crate::trace::DropReason;
use crate::wire::{IpRepr, Packet, TcpFlags, TcpOptions, TcpRepr};
use core::hash::Hasher;
use core::net::{IpAddr, SocketAddr};
use core::time::Duration;
use siphasher::sip::SipHasher24;

/// Length of one cookie period.
const PERIOD_SECS: u64 = 64;
/// How long a listener keeps checking ACKs for cookies after it last sent
/// one: a cookie's whole life (two periods).
pub(super) const CHECK_WINDOW_SECS: u64 = 2 * PERIOD_SECS;

/// MSS values a cookie can carry, for IPv4 (64 is the least synack takes;
/// then the usual sizes: 536 default, tunnels, 1460 Ethernet, jumbo).
const MSS_V4: [u16; 8] = [64, 536, 1200, 1360, 1440, 1460, 4312, 8960];
/// The same for IPv6 (1220 default, 1440 Ethernet, jumbo).
const MSS_V6: [u16; 8] = [64, 1220, 1280, 1360, 1420, 1440, 4292, 8940];

/// The TSval bits that say "no window scaling".
const NO_WSCALE: u32 = 0xf;
/// TSval bit for SACK-permitted.
const SACK_BIT: u32 = 1 << 4;
/// The TSval bits a cookie uses.
const TS_BITS: u32 = 0x3f;

/// Makes and checks cookies with the endpoint's secret.
#[derive(Clone, Debug)]
pub(crate) struct CookieJar {
    key: [u8; 16],
}

/// What a valid cookie carried back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cookie {
    /// The MSS to use (the table's entry).
    pub mss: u16,
}

/// What a cookie's TSval carried back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CookieOptions {
    /// The peer's window scale, if it offered one.
    pub window_scale: Option<u8>,
    /// The peer offered SACK.
    pub sack_permitted: bool,
}

impl CookieJar {
    pub fn new(secret: [u8; 16]) -> Self {
        CookieJar { key: secret }
    }

    /// The ISS for a SYN from `remote` to `local` with ISN `irs` and MSS
    /// option `peer_mss` (default if absent: 536 / 1220), and the MSS the
    /// cookie stands for.
    pub fn make(
        &self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        irs: SeqNum,
        peer_mss: Option<u16>,
    ) -> (SeqNum, u16) {
        let table = table_for(local.ip());
        let mss = peer_mss.unwrap_or(table[1]);
        let index = table.iter().rposition(|&m| m <= mss).unwrap_or(0);
        let t = period(now);
        let iss = ((t as u32 & 31) << 27)
            | ((index as u32) << 24)
            | self.hash(local, remote, irs, t, index as u32);
        (SeqNum(iss), table[index])
    }

    /// Checks the cookie `iss` (SEG.ACK - 1 of an ACK) for the peer ISN
    /// `irs` (its SEG.SEQ - 1): made for these addresses and this ISN, in
    /// this period or the last.
    pub fn check(
        &self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        irs: SeqNum,
        iss: SeqNum,
    ) -> Option<Cookie> {
        let now_t = period(now);
        let t5 = u64::from(iss.0 >> 27);
        // The period the cookie names: this one or the one before.
        let t = [Some(now_t), now_t.checked_sub(1)]
            .into_iter()
            .flatten()
            .find(|t| t & 31 == t5)?;
        let index = (iss.0 >> 24) & 7;
        if iss.0 & 0xff_ffff != self.hash(local, remote, irs, t, index) {
            return None;
        }
        Some(Cookie {
            mss: table_for(local.ip())[index as usize],
        })
    }

    fn hash(&self, local: SocketAddr, remote: SocketAddr, irs: SeqNum, t: u64, mss: u32) -> u32 {
        let mut h = SipHasher24::new_with_key(&self.key);
        h.write(b"syncookie");
        for a in [local, remote] {
            match a.ip() {
                IpAddr::V4(ip) => h.write(&ip.octets()),
                IpAddr::V6(ip) => h.write(&ip.octets()),
            }
            h.write_u16(a.port());
        }
        h.write_u32(irs.0);
        h.write_u64(t);
        h.write_u32(mss);
        h.finish() as u32 & 0xff_ffff
    }
}

/// `tsval` with its low bits replaced by the peer's SYN options, never
/// above `tsval` (the connection's later TSvals must not go back).
pub(crate) fn encode_options(tsval: u32, window_scale: Option<u8>, sack_permitted: bool) -> u32 {
    let bits = u32::from(window_scale.map_or(NO_WSCALE as u8, |w| w.min(14)))
        | if sack_permitted { SACK_BIT } else { 0 };
    let encoded = (tsval & !TS_BITS) | bits;
    if (encoded.wrapping_sub(tsval) as i32) > 0 {
        encoded.wrapping_sub(TS_BITS + 1)
    } else {
        encoded
    }
}

/// The options [`encode_options`] put in a TSval, read from the ACK's
/// TSecr.
pub(crate) fn decode_options(tsecr: u32) -> CookieOptions {
    let w = tsecr & NO_WSCALE;
    CookieOptions {
        window_scale: (w <= 14).then_some(w as u8),
        sack_permitted: tsecr & SACK_BIT != 0,
    }
}

impl Endpoint {
    /// Answers `syn` with a cookie SYN-ACK and keeps nothing.
    pub(super) fn send_cookie(
        &mut self,
        now: Instant,
        lid: ListenerId,
        local: SocketAddr,
        remote: SocketAddr,
        syn: &TcpRepr,
    ) {
        if self.control_queue.len() >= MAX_QUEUED_CONTROL {
            self.stats.backlog_drops += 1;
            return self.trace_drop(now, local, remote, syn, DropReason::BacklogFull);
        }
        let (iss, mss) = self
            .cookies
            .make(now, local, remote, syn.seq, syn.options.mss);
        let mut syn = *syn;
        syn.options.mss = Some(mss);
        let cfg = self.listener_config(lid);
        let carried = syn.options.timestamps.is_some() && cfg.timestamps;
        if !carried {
            // Nowhere to keep them: offer neither.
            syn.options.window_scale = None;
            syn.options.sack_permitted = false;
        }
        let params = ConnParams {
            id: ConnId {
                index: u32::MAX,
                generation: 0,
            },
            local,
            remote,
            iss,
            ts_offset: self.isn.ts_offset(local, remote),
            ttl: self.config.ttl,
            cfg: &cfg,
        };
        let mut tcp = Connection::cookie_syn_ack(params, &syn, now);
        if let Some(ts) = tcp.options.timestamps.as_mut() {
            ts.tsval = encode_options(
                ts.tsval,
                syn.options.window_scale,
                syn.options.sack_permitted,
            );
        }
        let ip = IpRepr {
            src: local.ip(),
            dst: remote.ip(),
            ttl: self.config.ttl,
            ecn: 0,
            dscp: cfg.dscp & 0x3f,
            dont_fragment: cfg.path_mtu_discovery,
        };
        self.control_queue.push_back((ip, tcp));
        self.stats.syn_cookies_sent += 1;
        if let Some(l) = self.listener_mut(lid) {
            l.cookie_sent_at = Some(now);
        }
    }

    /// An ACK reached listener `lid`: if cookies may be out and this one
    /// checks, the connection it stands for is made ESTABLISHED by the ACK
    /// (true); with the accept queue full it waits in SYN-RECEIVED instead
    /// (true). False: not a cookie; the caller answers as for any stray
    /// ACK.
    pub(super) fn try_cookie_ack(
        &mut self,
        now: Instant,
        lid: ListenerId,
        local: SocketAddr,
        remote: SocketAddr,
        pkt: &Packet<'_>,
    ) -> bool {
        let Ok(l) = self.listener(lid) else {
            return false;
        };
        let lately = l
            .cookie_sent_at
            .is_some_and(|t| now.saturating_since(t) < Duration::from_secs(CHECK_WINDOW_SECS));
        let checking = !l.options.hold_syns
            && match self.config.syn_cookies {
                SynCookies::Off => false,
                SynCookies::WhenNeeded => lately,
                SynCookies::Always => true,
            };
        if !checking {
            return false;
        }
        let accept_room = l.accept_queue_has_room();
        let tcp = &pkt.tcp;
        let (irs, iss) = (tcp.seq - 1, tcp.ack - 1);
        let Some(cookie) = self.cookies.check(now, local, remote, irs, iss) else {
            self.stats.syn_cookies_rejected += 1;
            return false;
        };
        if self.conns.live >= self.config.max_connections {
            self.stats.backlog_drops += 1;
            self.trace_drop(now, local, remote, tcp, DropReason::BacklogFull);
            return true;
        }
        // The SYN as the cookie and the ACK recall it.
        let cfg = self.listener_config(lid);
        let timestamps = tcp.options.timestamps.filter(|_| cfg.timestamps);
        let carried = timestamps.map(|ts| decode_options(ts.tsecr));
        let syn = TcpRepr {
            src_port: tcp.src_port,
            dst_port: tcp.dst_port,
            seq: irs,
            ack: SeqNum(0),
            flags: TcpFlags::SYN,
            window: tcp.window,
            urgent: 0,
            options: TcpOptions {
                mss: Some(cookie.mss),
                window_scale: carried.and_then(|o| o.window_scale),
                sack_permitted: carried.is_some_and(|o| o.sack_permitted),
                timestamps,
                ..TcpOptions::default()
            },
        };
        if let Some(l) = self.listener_mut(lid) {
            l.pending += 1;
        }
        let id = self.open_connection(now, local, remote, Some(&cfg), |ctx, mut p| {
            p.iss = iss;
            let mut conn = Connection::from_cookie(ctx, p, &syn);
            conn.listener = Some(lid);
            conn
        });
        self.stats.passive_opens += 1;
        self.stats.syn_cookies_accepted += 1;
        if !accept_room {
            // A real peer (the cookie checks) but no room to accept it:
            // keep it as an embryonic connection whose ACK was dropped, as
            // Linux keeps a request whose ACK overflows the accept queue.
            // Only peers that completed a handshake get here, so a spoofed
            // flood cannot; the table's limit bounds them all.
            self.stats.backlog_drops += 1;
            self.trace_drop(now, local, remote, tcp, DropReason::BacklogFull);
            self.with_conn_index(now, id.index, |c, ctx| c.wait_for_accept_room(ctx.now));
            return true;
        }
        self.with_conn_index(now, id.index, |c, ctx| {
            c.on_segment(ctx, tcp, pkt.payload, pkt.ip.ecn, pkt.segment_size)
        });
        // The ACK made it ESTABLISHED unless the connection's own rules
        // dropped it (no timer runs for a SYN-ACK it never sent): then it
        // goes, as if the ACK had not come.
        if self
            .conns
            .get(id.index, id.generation)
            .is_some_and(|c| c.state() == State::SynReceived)
        {
            if let Some(l) = self.listener_mut(lid) {
                l.pending = l.pending.saturating_sub(1);
            }
            self.release_slot(id.index);
        }
        true
    }
}

fn period(now: Instant) -> u64 {
    now.as_micros() / 1_000_000 / PERIOD_SECS
}

fn table_for(ip: IpAddr) -> &'static [u16; 8] {
    if ip.is_ipv4() { &MSS_V4 } else { &MSS_V6 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    const L: &str = "198.18.0.1:80";
    const R: &str = "198.18.0.2:40000";

    #[test]
    fn a_cookie_checks_for_its_own_syn_only() {
        let jar = CookieJar::new([7; 16]);
        let now = Instant::from_micros(1_000_000_000);
        let (iss, mss) = jar.make(now, sa(L), sa(R), SeqNum(12345), Some(1460));
        assert_eq!(mss, 1460);
        assert_eq!(
            jar.check(now, sa(L), sa(R), SeqNum(12345), iss),
            Some(Cookie { mss: 1460 })
        );
        // Another ISN, port, address, key, or a flipped bit: rejected.
        assert_eq!(jar.check(now, sa(L), sa(R), SeqNum(12346), iss), None);
        assert_eq!(
            jar.check(now, sa(L), sa("198.18.0.2:40001"), SeqNum(12345), iss),
            None
        );
        assert_eq!(
            jar.check(now, sa("198.18.0.3:80"), sa(R), SeqNum(12345), iss),
            None
        );
        let other = CookieJar::new([8; 16]);
        assert_eq!(other.check(now, sa(L), sa(R), SeqNum(12345), iss), None);
        for bit in 0..32 {
            let flipped = SeqNum(iss.0 ^ (1 << bit));
            assert_eq!(
                jar.check(now, sa(L), sa(R), SeqNum(12345), flipped),
                None,
                "bit {bit}"
            );
        }
    }

    #[test]
    fn a_cookie_lives_one_to_two_periods() {
        let jar = CookieJar::new([7; 16]);
        let t0 = Instant::from_micros(64 * 1_000_000 * 1000); // a period start
        let (iss, _) = jar.make(t0, sa(L), sa(R), SeqNum(1), None);
        let at = |s: u64| t0 + core::time::Duration::from_secs(s);
        assert!(jar.check(at(0), sa(L), sa(R), SeqNum(1), iss).is_some());
        assert!(jar.check(at(127), sa(L), sa(R), SeqNum(1), iss).is_some());
        assert!(jar.check(at(128), sa(L), sa(R), SeqNum(1), iss).is_none());
        // 32 periods later the 5-bit counter matches again, the hash not.
        assert!(
            jar.check(at(32 * 64), sa(L), sa(R), SeqNum(1), iss)
                .is_none()
        );
        // The first period of the clock has no period before it.
        let (iss, _) = jar.make(Instant::ZERO, sa(L), sa(R), SeqNum(1), None);
        assert!(
            jar.check(Instant::ZERO, sa(L), sa(R), SeqNum(1), iss)
                .is_some()
        );
    }

    #[test]
    fn the_mss_is_the_largest_entry_not_above_the_peers() {
        let jar = CookieJar::new([1; 16]);
        let now = Instant::ZERO + core::time::Duration::from_secs(100);
        let mss = |m: Option<u16>, l: &str| jar.make(now, sa(l), sa(R), SeqNum(9), m).1;
        assert_eq!(mss(None, L), 536, "RFC 9293 default");
        assert_eq!(mss(Some(1460), L), 1460);
        assert_eq!(mss(Some(1459), L), 1440);
        assert_eq!(mss(Some(65535), L), 8960);
        assert_eq!(mss(Some(100), L), 64);
        assert_eq!(mss(None, "[2001:db8::1]:80"), 1220);
        assert_eq!(mss(Some(1440), "[2001:db8::1]:80"), 1440);
    }

    #[test]
    fn options_ride_in_the_low_bits_of_tsval_without_moving_it_forward() {
        for tsval in [0u32, 5, 63, 64, 1000, u32::MAX, 0x8000_0000] {
            for ws in [None, Some(0), Some(7), Some(14)] {
                for sack in [false, true] {
                    let e = encode_options(tsval, ws, sack);
                    assert!((tsval.wrapping_sub(e) as i32) >= 0, "{tsval} -> {e}");
                    assert!(tsval.wrapping_sub(e) < 64);
                    assert_eq!(
                        decode_options(e),
                        CookieOptions {
                            window_scale: ws,
                            sack_permitted: sack
                        }
                    );
                }
            }
        }
    }
}
