//! Listeners (RFC 9293 3.10.7.2, passive open): a SYN queue of embryonic
//! connections in SYN-RECEIVED and an accept queue of established ones,
//! bounded together by the backlog so one port serves many clients at once.
//!
//! A listener may also hold SYNs ([`ListenOptions::hold_syns`]): the
//! embryonic connection answers nothing until the application admits it
//! (SYN-ACK), refuses it (RST) or lets it go (silence), which is how a
//! relay learns whether the upstream takes the connection before the
//! client sees it accepted.

use super::ConnId;
use super::filter::ListenFilter;
use crate::config::Config;
use crate::time::Instant;
use core::net::SocketAddr;
use core::time::Duration;
use std::collections::VecDeque;
use std::sync::Arc;

/// How a listener takes connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListenOptions {
    /// Room for this many connections in the SYN, hold and accept queues
    /// together (at least 1).
    pub backlog: usize,
    /// Hold each SYN without answering until the application decides:
    /// [`Event::Syn`](super::Event::Syn), then
    /// [`Endpoint::take_syn`](super::Endpoint::take_syn) and
    /// [`admit`](super::Endpoint::admit) / [`refuse`](super::Endpoint::refuse)
    /// / [`abort`](super::Endpoint::abort) (silence). The client's
    /// retransmitted SYNs are absorbed meanwhile.
    pub hold_syns: bool,
    /// A held SYN nobody decided on is dropped silently after this long
    /// (the client then times out, or retries with a new SYN).
    pub hold_timeout: Duration,
}

impl ListenOptions {
    /// A plain listener with room for `backlog` connections.
    pub fn backlog(backlog: usize) -> Self {
        ListenOptions {
            backlog,
            hold_syns: false,
            hold_timeout: Duration::from_secs(75),
        }
    }
}

/// A listening socket.
#[derive(Debug)]
pub(crate) struct Listener {
    /// The address listened on (unspecified with port 0 for a catch-all).
    pub local: SocketAddr,
    /// A catch-all listener's destinations (`None`: exactly `local`).
    pub filter: Option<ListenFilter>,
    pub options: ListenOptions,
    pub backlog: usize,
    /// Connections in the SYN queue plus entries in the accept queue. An
    /// entry counts until `accept` pops it, even if its connection died
    /// meanwhile, so the queue never outgrows the backlog.
    pub pending: usize,
    /// Established, not yet accepted (may hold stale ids of connections
    /// that died meanwhile; `accept` skips them).
    pub accept_queue: VecDeque<ConnId>,
    /// Held SYNs not yet taken by the application (stale ids skipped too).
    pub held_queue: VecDeque<ConnId>,
    /// When this listener last answered a SYN with a cookie: ACKs are
    /// checked for cookies only while one may be out (RFC 4987 3.6; as
    /// Linux's `tcp_synq_no_recent_overflow`), so a blind ACK cannot open
    /// a connection on a listener that never sent one.
    pub cookie_sent_at: Option<Instant>,
    /// The settings of the connections it opens (`None`: the endpoint's),
    /// set by [`Endpoint::set_listener_config`](super::Endpoint::set_listener_config).
    pub config: Option<Arc<Config>>,
}

/// A listener table slot; the generation makes stale handles detectable.
#[derive(Debug, Default)]
pub(crate) struct ListenerSlot {
    pub generation: u32,
    pub listener: Option<Listener>,
}

impl Listener {
    pub fn new(local: SocketAddr, filter: Option<ListenFilter>, options: ListenOptions) -> Self {
        Listener {
            local,
            filter,
            options,
            backlog: options.backlog.max(1),
            pending: 0,
            accept_queue: VecDeque::new(),
            held_queue: VecDeque::new(),
            cookie_sent_at: None,
            config: None,
        }
    }

    /// Room for one more embryonic connection?
    pub fn has_room(&self) -> bool {
        self.pending < self.backlog
    }

    /// Room for one more established connection (the accept queue alone
    /// below the backlog), the test for a connection made from a cookie.
    pub fn accept_queue_has_room(&self) -> bool {
        self.accept_queue.len() < self.backlog
    }
}
