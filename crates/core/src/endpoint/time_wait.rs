//! Compact TIME-WAIT at the endpoint: a released connection that reaches
//! TIME-WAIT with nothing to send leaves its slot for a small record
//! (`conn/time_wait.rs`), indexed under the same 4-tuple; a segment for
//! the tuple brings the connection back into a slot for the ordinary rules;
//! the record's 2 x MSL expiry runs from a heap of its own.

use super::ConnId;
use super::api::Endpoint;
use super::table::Found;
use crate::conn::{Cause, State};
use crate::time::Instant;
use crate::trace::TraceKind;

impl Endpoint {
    /// Makes the connection in slot `index` small if it may be.
    pub(super) fn compact_time_wait(&mut self, index: u32) {
        let Some(conn) = self.conns.slots[index as usize].conn.as_ref() else {
            return;
        };
        let Some(record) = conn.to_time_wait(|l, r| self.isn.ts_offset(l, r)) else {
            return;
        };
        self.release_slot(index);
        self.conns.tw_insert(record);
    }

    /// The slot of the connection for `found`, bringing a TIME-WAIT record
    /// back into one.
    pub(super) fn hydrate(&mut self, found: Found) -> Option<u32> {
        match found {
            Found::Conn(i) => Some(i),
            Found::TimeWait(t) => {
                let record = self.conns.tw_remove(t)?;
                let (index, generation) = self.conns.reserve();
                let ts_offset = self.isn.ts_offset(record.local(), record.remote());
                let conn = record.into_connection(ConnId { index, generation }, ts_offset);
                let deadline = conn.poll_timeout();
                self.install(index, conn);
                self.timers.set(index, deadline);
                Some(index)
            }
        }
    }

    /// Ends the TIME-WAIT records whose 2 x MSL has run out.
    pub(super) fn expire_time_wait(&mut self, now: Instant) {
        while let Some(r) = self.conns.tw_pop_expired(now) {
            let kind = TraceKind::StateChange {
                from: State::TimeWait,
                to: State::Closed,
                cause: Cause::TimeWaitExpired,
            };
            self.tracer.record(now, r.local(), r.remote(), kind);
        }
    }
}
