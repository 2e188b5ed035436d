//! Held SYNs: a passive open that answers nothing until the application
//! decides ([`crate::endpoint::ListenOptions::hold_syns`]).
//!
//! RFC 9293 3.10.7.2 has a listener answer a SYN at once. A relay (tun2socks)
//! cannot: whether the connection exists is the upstream's to say. So the
//! connection waits in SYN-RECEIVED without having sent its SYN-ACK, the
//! client's retransmitted SYNs are absorbed, and the application admits it
//! (the SYN-ACK goes out: the handshake goes on as RFC 9293 describes),
//! refuses it (an RST acknowledging the SYN, which is what a closed port
//! sends: 3.10.7.1, so the client reports "connection refused"), or lets it
//! go silently (the client times out, as it would behind a dead network).
//! A held SYN nobody decides on is let go after the listener's hold
//! timeout, so held connections cannot pile up.

use super::{Cause, ConnParams, Connection, Ctx, State, timers::Timer};
use crate::error::Error;
use crate::trace::DropReason;
use crate::wire::TcpRepr;
use core::time::Duration;

impl Connection {
    /// Passive open of a held SYN: SYN-RECEIVED, nothing sent, the hold
    /// timeout armed (in the retransmission timer's slot: nothing is in
    /// flight to retransmit).
    pub(crate) fn hold_syn(
        ctx: &mut Ctx<'_>,
        p: ConnParams<'_>,
        syn: &TcpRepr,
        timeout: Duration,
    ) -> Self {
        let mut c = Connection::accept_syn(ctx, p, syn);
        c.syn_pending = false;
        c.held = true;
        c.timers.set(Timer::Retransmit, ctx.now + timeout);
        c
    }

    /// Whether the connection is a held SYN nobody has decided on.
    pub fn is_held(&self) -> bool {
        self.held
    }

    /// The application admits the held SYN: the SYN-ACK goes out now.
    pub(crate) fn admit(&mut self) -> Result<(), Error> {
        if !self.held {
            return Err(Error::InvalidState);
        }
        self.held = false;
        self.timers.clear(Timer::Retransmit);
        self.syn_pending = true;
        Ok(())
    }

    /// The application refuses the held SYN: `<SEQ=ISS><ACK=RCV.NXT>
    /// <CTL=RST,ACK>`, acceptable to the client in SYN-SENT because it
    /// acknowledges its SYN (RFC 9293 3.10.7.3). The handle is released.
    pub(crate) fn refuse(&mut self, ctx: &mut Ctx<'_>) -> Result<(), Error> {
        if !self.held {
            return Err(Error::InvalidState);
        }
        self.held = false;
        self.app_owned = false;
        self.rst_pending = true;
        self.error = Some(Error::Closed);
        self.set_state(ctx, State::Closed, Cause::AppRefuse);
        Ok(())
    }

    /// Lets a held SYN go without a word (abort of a held connection).
    pub(super) fn let_go(&mut self, ctx: &mut Ctx<'_>, cause: Cause) {
        self.held = false;
        self.error = Some(Error::Closed);
        self.set_state(ctx, State::Closed, cause);
    }

    /// A segment for a held connection: the client only knows its own SYN,
    /// so anything but an RST for it is a retransmitted SYN (or junk) and
    /// is absorbed. An RST at RCV.NXT (the client gave up) ends the
    /// connection quietly.
    pub(super) fn on_segment_held(&mut self, ctx: &mut Ctx<'_>, seg: &TcpRepr) {
        if seg.flags.rst() && seg.seq == self.rcv_nxt {
            self.let_go(ctx, Cause::RecvRst);
            self.error = Some(Error::ConnectionReset);
            self.emit_event(ctx, crate::endpoint::EventKind::Reset);
            return;
        }
        self.drop_segment(ctx, seg, DropReason::Held);
    }

    /// The hold timeout ran out with no decision.
    pub(super) fn on_hold_timeout(&mut self, ctx: &mut Ctx<'_>) {
        ctx.stats.hold_timeouts += 1;
        self.let_go(ctx, Cause::HoldExpired);
        self.error = Some(Error::TimedOut);
        self.emit_event(ctx, crate::endpoint::EventKind::TimedOut);
    }
}
