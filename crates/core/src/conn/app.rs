//! The application's calls (RFC 9293 3.10.2 SEND, 3.10.3 RECEIVE,
//! 3.10.4 CLOSE, 3.10.5 ABORT).

use super::{Cause, Connection, Ctx, State};
use crate::config::PushPolicy;
use crate::error::Error;
use crate::seq::SeqNum;

impl Connection {
    /// SEND: queues data. Before the handshake completes the data waits in
    /// the buffer (RFC 9293 3.10.2, SYN-SENT / SYN-RECEIVED). `more`: the
    /// application has more to write at once (`Endpoint::send_more`).
    pub(crate) fn send(&mut self, data: &[u8], more: bool) -> Result<usize, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match self.state {
            State::SynSent | State::SynReceived | State::Established | State::CloseWait => {}
            State::Closed | State::Listen => return Err(Error::InvalidState),
            _ => return Err(Error::Closed),
        }
        if self.fin_queued {
            return Err(Error::Closed);
        }
        let old_end = self.send_data_end();
        let n = self.send_buf.enqueue(data);
        if n > 0 {
            self.more_coming = more;
        }
        if n > 0 && self.cfg.push == PushPolicy::WriteBoundary {
            let unsent = self.snd_max.max(self.send_data_seq());
            let goal = self.size_goal();
            let max_window = self.max_snd_wnd;
            self.push_points
                .on_write(old_end, old_end + n, unsent, goal, max_window, !more);
        }
        if n < data.len() {
            self.want_writable = true;
        }
        if n == 0 && !data.is_empty() {
            return Err(Error::WouldBlock);
        }
        Ok(n)
    }

    /// RECEIVE: `Ok(0)` for a non-empty buffer means end of stream.
    pub(crate) fn recv(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let n = self.recv_buf.dequeue(buf);
        if n > 0 {
            self.consumed();
            return Ok(n);
        }
        self.nothing_to_read(buf.is_empty())
    }

    /// RECEIVE without a copy: `f` sees the contiguous front of the
    /// received bytes (never empty) and returns how many it consumed:
    /// `Ok(Some(n))`. `Ok(None)` is the end of the stream (`f` not called).
    pub(crate) fn recv_with(
        &mut self,
        f: impl FnOnce(&[u8]) -> usize,
    ) -> Result<Option<usize>, Error> {
        if !self.recv_buf.is_empty() {
            let data = self.recv_buf.readable();
            let offered = data.len();
            let n = f(data).min(offered);
            self.recv_buf.discard(n);
            if n > 0 {
                self.consumed();
            }
            if n < offered {
                // The application left bytes it was shown (waiting for
                // more, say): announce the next arrival again.
                self.readable_notified = false;
            }
            return Ok(Some(n));
        }
        self.nothing_to_read(false).map(|_| None)
    }

    /// Bookkeeping after the application took bytes: readiness, storage
    /// freed when nothing can arrive any more, a window update if due.
    fn consumed(&mut self) {
        if self.recv_buf.is_empty() {
            self.readable_notified = false;
            if matches!(self.state, State::TimeWait | State::Closed) {
                // Nothing can arrive any more: free the storage.
                self.recv_buf.release();
            }
        }
        if self.window_update_due() {
            self.ack_now = true;
        }
    }

    /// What a read finds when no bytes are buffered: end of stream
    /// (`Ok(0)`), an error, or `WouldBlock`.
    fn nothing_to_read(&mut self, empty_buf: bool) -> Result<usize, Error> {
        self.readable_notified = false;
        if let Some(e) = self.error {
            return Err(e);
        }
        if empty_buf {
            return Ok(0);
        }
        if self.fin_received {
            // End of stream, also once a graceful close has reached CLOSED.
            return Ok(0);
        }
        match self.state {
            State::Listen | State::Closed => Err(Error::InvalidState),
            _ => Err(Error::WouldBlock),
        }
    }

    /// Queues our FIN after the data (RFC 9293 3.10.4): ESTABLISHED and
    /// SYN-RECEIVED go to FIN-WAIT-1, CLOSE-WAIT to LAST-ACK, SYN-SENT
    /// simply closes.
    pub(crate) fn shutdown(&mut self, ctx: &mut Ctx<'_>) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.fin_queued {
            return Ok(());
        }
        match self.state {
            State::SynSent => {
                self.set_state(ctx, State::Closed, Cause::AppClose);
                self.error = Some(Error::Closed);
            }
            State::SynReceived | State::Established => {
                self.fin_queued = true;
                self.set_state(ctx, State::FinWait1, Cause::AppClose);
            }
            State::CloseWait => {
                self.fin_queued = true;
                self.set_state(ctx, State::LastAck, Cause::AppClose);
            }
            State::Closed | State::Listen => return Err(Error::InvalidState),
            _ => {}
        }
        Ok(())
    }

    /// CLOSE: shutdown, and the application lets go of the connection.
    /// Unread data means data loss, which RFC 1122 4.2.2.13 says to signal
    /// with RST: then this aborts instead.
    pub(crate) fn close(&mut self, ctx: &mut Ctx<'_>) {
        if self.held {
            self.app_owned = false;
            self.let_go(ctx, Cause::AppClose);
            return;
        }
        if !self.recv_buf.is_empty() && self.state.is_synchronized() {
            self.abort(ctx);
            return;
        }
        let _ = self.shutdown(ctx);
        self.app_owned = false;
        if self.state == State::FinWait2 {
            self.timers
                .set(super::timers::Timer::FinWait2, ctx.now + self.cfg.msl * 2);
        }
    }

    /// ABORT (RFC 9293 3.10.5): RST in SYN-RECEIVED and the synchronized
    /// states before TIME-WAIT; everything is dropped.
    pub(crate) fn abort(&mut self, ctx: &mut Ctx<'_>) {
        self.app_owned = false;
        if self.held {
            // The client never heard from us: nothing to reset.
            self.let_go(ctx, Cause::AppAbort);
            return;
        }
        match self.state {
            State::SynReceived
            | State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait => self.rst_pending = true,
            _ => {}
        }
        self.error = Some(Error::Closed);
        self.set_state(ctx, State::Closed, Cause::AppAbort);
        self.recv_buf.release();
    }

    /// Turns Nagle's algorithm off (`true`) or on. Off, what is queued
    /// now goes even if corked (Linux's `TCP_NAGLE_PUSH`: "cork is
    /// overridden for already queued data").
    pub(crate) fn set_nodelay(&mut self, nodelay: bool) {
        self.nagle = !nodelay;
        if nodelay {
            self.more_coming = false;
            self.push_through = Some(self.send_data_end());
        }
    }

    /// The TOS / traffic class byte's DS field (IP_TOS; the ECN bits stay
    /// the stack's, as Linux keeps them).
    pub(crate) fn set_tos(&mut self, tos: u8) {
        self.dscp = tos >> 2;
    }

    /// The DS field's byte as IP_TOS reads it (ECN bits clear).
    pub fn tos(&self) -> u8 {
        self.dscp << 2
    }

    /// Path MTU discovery on (DF set, the default) or off (IP_MTU_DISCOVER).
    pub(crate) fn set_path_mtu_discovery(&mut self, on: bool) {
        self.pmtu_discovery = on;
    }

    /// Whether path MTU discovery is on.
    pub fn path_mtu_discovery(&self) -> bool {
        self.pmtu_discovery
    }

    /// TCP_CORK: short segments wait while corked (see
    /// `Endpoint::set_cork`).
    pub(crate) fn set_cork(&mut self, cork: bool) {
        self.cork = cork;
        if !cork {
            self.more_coming = false;
        }
    }

    /// Short segments wait (TCP_CORK, or a write with more to come), unless
    /// the segment ends at or before what `set_nodelay` pushed.
    pub(super) fn corked(&self, end: SeqNum) -> bool {
        (self.cork || self.more_coming) && !self.push_through.is_some_and(|p| end.le(p))
    }

    /// Sets RFC 5482's user timeout for this connection (`None`: only the
    /// retransmission counts). A stall already under way is measured
    /// against the new value from its start, as Linux does.
    pub(crate) fn set_user_timeout(&mut self, timeout: Option<core::time::Duration>) {
        self.user_timeout = timeout;
    }

    /// RFC 5482's user timeout in force.
    pub fn user_timeout(&self) -> Option<core::time::Duration> {
        self.user_timeout
    }
}
