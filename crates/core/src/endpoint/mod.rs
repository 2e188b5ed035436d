//! The endpoint: connection table, listeners, ephemeral ports, ISNs and RSTs
//! for segments that match nothing.

use crate::config::EndpointConfig;
use crate::conn::State;
use crate::error::Error;
use crate::time::Instant;
use crate::trace::TraceEvent;
use core::net::SocketAddr;

/// Handle of a connection. Stale handles (to a freed slot) are detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

impl ConnId {
    /// Slot index (stable while the connection lives; for display).
    pub fn index(self) -> u32 {
        self.index
    }
}

/// Handle of a listening socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListenerId(pub(crate) u32);

/// Something the application may want to act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A listener has a connection ready for [`Endpoint::accept`].
    Incoming(ListenerId),
    /// Something happened on a connection.
    Conn(ConnId, EventKind),
}

/// What happened on a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// The three-way handshake completed.
    Connected,
    /// New data can be read.
    Readable,
    /// Send-buffer space became free.
    Writable,
    /// The peer sent FIN: no more data will arrive (end of stream).
    PeerClosed,
    /// The peer reset the connection.
    Reset,
    /// The peer refused our connection attempt.
    Refused,
    /// Retransmissions reached their limit.
    TimedOut,
    /// The connection reached CLOSED (after TIME-WAIT or LAST-ACK).
    Closed,
}

/// Counters of what the endpoint saw and did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets handed to `handle_packet`.
    pub rx_packets: u64,
    /// Dropped: malformed headers or options.
    pub rx_malformed: u64,
    /// Dropped: bad IPv4 header or TCP checksum.
    pub rx_bad_checksum: u64,
    /// Dropped: addressed to an address that is not ours.
    pub rx_not_ours: u64,
    /// Segments matched to a connection but dropped by its rules.
    pub rx_dropped: u64,
    /// Segments that matched no connection or listener.
    pub rx_no_connection: u64,
    /// Packets emitted.
    pub tx_packets: u64,
    /// RSTs emitted.
    pub tx_rst: u64,
    /// Retransmitted segments.
    pub retransmissions: u64,
    /// Challenge ACKs sent (RFC 5961).
    pub challenge_acks: u64,
    /// SYNs dropped because a listener's backlog was full.
    pub backlog_drops: u64,
    /// Connections opened actively.
    pub active_opens: u64,
    /// Connections opened passively.
    pub passive_opens: u64,
}

/// A TCP endpoint: one host's TCP.
#[derive(Debug)]
pub struct Endpoint {
    config: EndpointConfig,
}

impl Endpoint {
    /// A new endpoint with no connections.
    pub fn new(config: EndpointConfig) -> Self {
        Endpoint { config }
    }

    /// The configuration.
    pub fn config(&self) -> &EndpointConfig {
        &self.config
    }

    /// Listens on `local` (port must be non-zero; address must be ours or
    /// unspecified) with room for `backlog` connections in the SYN and accept
    /// queues together.
    pub fn listen(&mut self, local: SocketAddr, backlog: usize) -> Result<ListenerId, Error> {
        let _ = (local, backlog);
        Err(Error::OutOfResources)
    }

    /// Takes the next established connection from a listener's accept queue.
    pub fn accept(&mut self, listener: ListenerId) -> Result<ConnId, Error> {
        let _ = listener;
        Err(Error::WouldBlock)
    }

    /// Stops listening; queued, unaccepted connections are reset.
    pub fn close_listener(&mut self, now: Instant, listener: ListenerId) -> Result<(), Error> {
        let _ = (now, listener);
        Err(Error::InvalidHandle)
    }

    /// Active open from `local` (port 0 picks an ephemeral port) to `remote`.
    pub fn connect(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Result<ConnId, Error> {
        let _ = (now, local, remote);
        Err(Error::OutOfResources)
    }

    /// Queues `data` for sending; returns how much fit in the send buffer.
    pub fn send(&mut self, now: Instant, conn: ConnId, data: &[u8]) -> Result<usize, Error> {
        let _ = (now, conn, data);
        Err(Error::InvalidHandle)
    }

    /// Reads received data; `Ok(0)` with a non-empty `buf` is end of stream.
    pub fn recv(&mut self, now: Instant, conn: ConnId, buf: &mut [u8]) -> Result<usize, Error> {
        let _ = (now, conn, buf);
        Err(Error::InvalidHandle)
    }

    /// Half-close: sends FIN after queued data; receiving continues.
    pub fn shutdown(&mut self, now: Instant, conn: ConnId) -> Result<(), Error> {
        let _ = (now, conn);
        Err(Error::InvalidHandle)
    }

    /// Full close: like `shutdown`, and the handle is released: the stack
    /// finishes the close on its own. Using the handle afterwards is an error.
    pub fn close(&mut self, now: Instant, conn: ConnId) -> Result<(), Error> {
        let _ = (now, conn);
        Err(Error::InvalidHandle)
    }

    /// Abort: sends RST, drops both buffers, releases the handle.
    pub fn abort(&mut self, now: Instant, conn: ConnId) -> Result<(), Error> {
        let _ = (now, conn);
        Err(Error::InvalidHandle)
    }

    /// The connection's state.
    pub fn state(&self, conn: ConnId) -> Result<State, Error> {
        let _ = conn;
        Err(Error::InvalidHandle)
    }

    /// Local and remote addresses of a connection.
    pub fn addrs(&self, conn: ConnId) -> Result<(SocketAddr, SocketAddr), Error> {
        let _ = conn;
        Err(Error::InvalidHandle)
    }

    /// Turns Nagle's algorithm off (`true`) or on (`false`).
    pub fn set_nodelay(&mut self, conn: ConnId, nodelay: bool) -> Result<(), Error> {
        let _ = (conn, nodelay);
        Err(Error::InvalidHandle)
    }

    /// Feeds one received IP packet. Malformed input is dropped and counted.
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) {
        let _ = (now, packet);
    }

    /// Writes the next packet to send into `buf` and returns its length.
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        let _ = (now, buf);
        None
    }

    /// When `handle_timeout` must next be called, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    /// Runs the timers that are due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let _ = now;
    }

    /// The next application event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        None
    }

    /// The next trace event (only when tracing is on).
    #[must_use]
    pub fn poll_trace(&mut self) -> Option<TraceEvent> {
        None
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        todo_stats()
    }

    /// Number of connections in the table (all states, TIME-WAIT included).
    pub fn connection_count(&self) -> usize {
        0
    }

    /// Number of connections in `state`.
    pub fn count_in_state(&self, state: State) -> usize {
        let _ = state;
        0
    }
}

fn todo_stats() -> &'static Stats {
    static S: Stats = Stats {
        rx_packets: 0,
        rx_malformed: 0,
        rx_bad_checksum: 0,
        rx_not_ours: 0,
        rx_dropped: 0,
        rx_no_connection: 0,
        tx_packets: 0,
        tx_rst: 0,
        retransmissions: 0,
        challenge_acks: 0,
        backlog_drops: 0,
        active_opens: 0,
        passive_opens: 0,
    };
    &S
}
