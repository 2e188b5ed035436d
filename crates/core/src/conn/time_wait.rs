//! A connection in TIME-WAIT, kept small (RFC 9293 3.10.7.4, RFC 1337):
//! once the application has let go and nothing is left to send, what the
//! TIME-WAIT rules read goes into a [`TimeWait`] record of about 150 bytes
//! instead of the ~900-byte connection. A segment for the tuple brings the
//! connection back from the record, the ordinary rules process it (an ACK
//! for a retransmitted FIN, a challenge ACK for a SYN, PAWS, a new
//! incarnation), and it is made small again once idle. So every TIME-WAIT
//! rule is the one code path, not a copy of it.

use super::timers::Timer;
use super::{ConnParams, Connection, State};
use crate::config::Config;
use crate::endpoint::{ConnId, ListenerId};
use crate::seq::SeqNum;
use crate::time::Instant;
use core::net::SocketAddr;
use std::sync::Arc;

/// What TIME-WAIT needs of a connection.
#[derive(Clone, Debug)]
pub(crate) struct TimeWait {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// When 2 x MSL runs out.
    pub expires: Instant,
    cfg: Arc<Config>,
    listener: Option<ListenerId>,
    iss: SeqNum,
    irs: SeqNum,
    snd_una: SeqNum,
    snd_nxt: SeqNum,
    snd_max: SeqNum,
    rcv_nxt: SeqNum,
    rcv_adv: SeqNum,
    last_ack_sent: SeqNum,
    send_buf_seq: SeqNum,
    sack_high: SeqNum,
    sack_latest: Option<(SeqNum, SeqNum)>,
    snd_wnd: u32,
    max_snd_wnd: u32,
    snd_mss: u32,
    rcv_mss: u32,
    recv_capacity: u32,
    ts_offset: u32,
    ts_recent: u32,
    challenge_count: u32,
    ts_recent_at: Instant,
    challenge_window: Instant,
    last_oow_ack: Option<Instant>,
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

impl Connection {
    /// The record of this connection if it may be kept as one: TIME-WAIT,
    /// released by the application, nothing to send or read, its timer
    /// running.
    pub(crate) fn to_time_wait(&self) -> Option<TimeWait> {
        if self.state != State::TimeWait
            || self.app_owned
            || self.has_output()
            || !self.recv_buf.is_empty()
        {
            return None;
        }
        let expires = self.timers.get(Timer::TimeWait)?;
        let small = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
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
            local: self.local,
            remote: self.remote,
            expires,
            cfg: Arc::clone(&self.cfg),
            listener: self.listener,
            iss: self.iss,
            irs: self.irs,
            snd_una: self.snd_una,
            snd_nxt: self.snd_nxt,
            snd_max: self.snd_max,
            rcv_nxt: self.rcv_nxt,
            rcv_adv: self.rcv_adv,
            last_ack_sent: self.last_ack_sent,
            send_buf_seq: self.send_buf_seq,
            sack_high: self.sack_high,
            sack_latest: self.sack_latest,
            snd_wnd: small(self.snd_wnd),
            max_snd_wnd: small(self.max_snd_wnd),
            snd_mss: small(self.snd_mss),
            rcv_mss: small(self.rcv_mss),
            recv_capacity: small(self.recv_buf.capacity()),
            ts_offset: self.ts_offset,
            ts_recent: self.ts_recent,
            challenge_count: self.challenge_count,
            ts_recent_at: self.ts_recent_at,
            challenge_window: self.challenge_window,
            last_oow_ack: self.last_oow_ack,
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
            local: tw.local,
            remote: tw.remote,
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
        c.snd_una = tw.snd_una;
        c.snd_nxt = tw.snd_nxt;
        c.snd_max = tw.snd_max;
        c.send_buf_seq = tw.send_buf_seq;
        c.sack_high = tw.sack_high;
        c.sack_latest = tw.sack_latest;
        c.fin_queued = true;
        c.rcv_nxt = tw.rcv_nxt;
        c.rcv_adv = tw.rcv_adv;
        c.last_ack_sent = tw.last_ack_sent;
        c.snd_wnd = big(tw.snd_wnd);
        c.max_snd_wnd = big(tw.max_snd_wnd);
        c.snd_mss = big(tw.snd_mss);
        c.rcv_mss = big(tw.rcv_mss);
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
        c.challenge_window = tw.challenge_window;
        c.last_oow_ack = tw.last_oow_ack;
        c.snd_wscale = tw.snd_wscale;
        c.rcv_wscale = tw.rcv_wscale;
        c.fin_received = true;
        c.timers.set(Timer::TimeWait, tw.expires);
        c
    }
}

impl TimeWait {
    /// The highest sequence number the incarnation sent (RFC 6191's
    /// reuse condition compares a new ISN with it).
    pub fn snd_max(&self) -> SeqNum {
        self.snd_max
    }
}
