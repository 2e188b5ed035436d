//! Listeners (RFC 9293 3.10.7.2, passive open): a SYN queue of embryonic
//! connections in SYN-RECEIVED and an accept queue of established ones,
//! bounded together by the backlog so one port serves many clients at once.

use super::ConnId;
use core::net::SocketAddr;
use std::collections::VecDeque;

/// A listening socket.
#[derive(Debug)]
pub(crate) struct Listener {
    pub local: SocketAddr,
    pub backlog: usize,
    /// Connections in the SYN queue plus entries in the accept queue. An
    /// entry counts until `accept` pops it, even if its connection died
    /// meanwhile, so the queue never outgrows the backlog.
    pub pending: usize,
    /// Established, not yet accepted (may hold stale ids of connections
    /// that died meanwhile; `accept` skips them).
    pub accept_queue: VecDeque<ConnId>,
}

/// A listener table slot; the generation makes stale handles detectable.
#[derive(Debug, Default)]
pub(crate) struct ListenerSlot {
    pub generation: u32,
    pub listener: Option<Listener>,
}

impl Listener {
    pub fn new(local: SocketAddr, backlog: usize) -> Self {
        Listener {
            local,
            backlog: backlog.max(1),
            pending: 0,
            accept_queue: VecDeque::new(),
        }
    }

    /// Room for one more embryonic connection?
    pub fn has_room(&self) -> bool {
        self.pending < self.backlog
    }
}
