//! The connection's side of SYN cookies (RFC 4987 3.6): the SYN-ACK a
//! listener sends without keeping state, and the connection rebuilt from
//! the cookie when the handshake's ACK returns it. The endpoint encodes
//! and checks the cookie itself (`endpoint/cookies.rs`).

use super::{Cause, ConnParams, Connection, Ctx, State};
use crate::time::Instant;
use crate::wire::{TcpFlags, TcpRepr};

impl Connection {
    /// The SYN-ACK for `syn` with ISS = `p.iss` (the cookie), built by the
    /// rules a kept connection would follow (options offered only if the
    /// peer offered them, the SYN's unscaled window), so the connection
    /// rebuilt later advertises the same. Nothing is kept or traced.
    pub(crate) fn cookie_syn_ack(p: ConnParams<'_>, syn: &TcpRepr, now: Instant) -> TcpRepr {
        let (local, remote) = (p.local, p.remote);
        let mut c = Connection::new(p, State::SynReceived);
        c.irs = syn.seq;
        c.rcv_nxt = syn.seq + 1;
        c.take_syn_timestamp(syn.options.timestamps, now);
        c.take_syn_options(&syn.options);
        TcpRepr {
            src_port: local.port(),
            dst_port: remote.port(),
            seq: c.iss,
            ack: c.rcv_nxt,
            flags: TcpFlags::SYN | TcpFlags::ACK,
            window: c.window_to_advertise(true),
            urgent: 0,
            options: c.syn_options(now),
        }
    }

    /// The connection a valid cookie stands for: SYN-RECEIVED with its
    /// SYN-ACK sent (SND.NXT = ISS+1, the advertised window's edge in
    /// RCV.ADV), from `syn`, the peer's SYN as the cookie and the ACK
    /// recall it (SEQ = SEG.SEQ-1, the MSS, window scale and SACK-permitted
    /// the cookie carried, the ACK's timestamps). The caller feeds the ACK
    /// next, which makes it ESTABLISHED by the usual rules.
    pub(crate) fn from_cookie(ctx: &mut Ctx<'_>, p: ConnParams<'_>, syn: &TcpRepr) -> Self {
        let mut c = Connection::passive_open(ctx, p, syn, Cause::SynCookie);
        c.syn_pending = false;
        c.snd_nxt = c.iss + 1;
        c.snd_max = c.iss + 1;
        c.rcv_adv = c.rcv_nxt + usize::from(c.window_to_advertise(true));
        c.last_ack_sent = c.rcv_nxt;
        // The echo of the cookie's TSval is no RTT sample: the cookie
        // moved it back by up to 63 ms (Karn's rule, as for a
        // retransmission).
        if let Some(ts) = syn.options.timestamps {
            c.last_rexmit_tsval = Some(ts.tsecr.wrapping_add(1));
        }
        c
    }

    /// For a cookie connection whose ACK found the accept queue full: wait
    /// in SYN-RECEIVED as if that ACK had been lost, the SYN-ACK to be sent
    /// again at the retransmission timeout (the peer's answer then
    /// completes the handshake, if there is room by then).
    pub(crate) fn wait_for_accept_room(&mut self, now: Instant) {
        self.timers
            .set(super::timers::Timer::Retransmit, now + self.rtt.rto());
    }
}
