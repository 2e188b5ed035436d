//! Keep-alives (RFC 9293 3.8.4, RFC 1122 4.2.3.6): off unless asked for;
//! after `keepalive_idle` without a segment from the peer, a probe (an ACK
//! with SEG.SEQ = SND.UNA - 1, which the peer must answer) every
//! `keepalive_interval`; after `keepalive_probes` unanswered probes the
//! connection is dead (RST, `TimedOut`). Any segment from the peer proves
//! it alive.

use super::{Cause, Connection, Ctx, State, timers::Timer};
use crate::error::Error;
use crate::time::Instant;

impl Connection {
    /// Keep-alives run while the connection is synchronized and not yet
    /// in TIME-WAIT, if turned on.
    fn keepalive_applies(&self) -> bool {
        self.keepalive
            && matches!(
                self.state,
                State::Established
                    | State::CloseWait
                    | State::FinWait1
                    | State::FinWait2
                    | State::Closing
                    | State::LastAck
            )
    }

    /// A segment from the peer arrived: it is alive; the idle period
    /// starts again.
    pub(super) fn peer_heard(&mut self, now: Instant) {
        self.keepalive_probes_sent = 0;
        if self.keepalive_applies() {
            self.timers
                .set(Timer::KeepAlive, now + self.cfg.keepalive_idle);
        }
    }

    /// The keep-alive timer fired.
    pub(super) fn on_keepalive_timeout(&mut self, ctx: &mut Ctx<'_>) {
        // The connection establishment timer (`Config::connect_timeout`):
        // FreeBSD's tcp_timer_keep, "if (TCPS_HAVEESTABLISHED(tp->t_state)
        // == 0) goto dropit".
        if matches!(self.state, State::SynSent | State::SynReceived) {
            if self.cfg.connect_timeout.is_some() {
                self.fail(ctx, Error::TimedOut, Cause::Timeout);
            }
            return;
        }
        if !self.keepalive_applies() {
            return;
        }
        // Data in flight or waiting: the retransmission and persist timers
        // already watch the peer (RFC 1122: probes only on an idle
        // connection).
        if self.snd_max != self.snd_una || self.has_unsent() {
            self.timers
                .set(Timer::KeepAlive, ctx.now + self.cfg.keepalive_idle);
            return;
        }
        if self.keepalive_probes_sent >= self.cfg.keepalive_probes {
            self.rst_pending = true;
            self.fail(ctx, Error::TimedOut, Cause::Timeout);
            return;
        }
        self.keepalive_probes_sent += 1;
        self.keepalive_probe_pending = true;
        self.timers
            .set(Timer::KeepAlive, ctx.now + self.cfg.keepalive_interval);
    }

    /// Turns keep-alives on or off for this connection.
    pub(crate) fn set_keepalive(&mut self, now: Instant, on: bool) {
        self.keepalive = on;
        if on {
            self.peer_heard(now);
        } else {
            self.timers.clear(Timer::KeepAlive);
            self.keepalive_probe_pending = false;
        }
    }
}
