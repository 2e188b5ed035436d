//! Listeners: `TcpListener` (an address, or a catch-all for every
//! destination a filter takes) and `SynListener` (a catch-all that hands
//! over each SYN before answering it, for relays).

use crate::error::to_io;
use crate::shared::Shared;
use crate::stack::Stack;
use crate::stream::{Conn, TcpStream};
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use synack_core::{ConnId, Error, ListenFilter, ListenOptions, ListenerId};

/// Default backlog (SYN queue and accept queue together).
pub const DEFAULT_BACKLOG: usize = 1024;

/// The listener handle both kinds share; dropping it stops listening
/// (connections not yet accepted are reset).
#[derive(Debug)]
struct Listening {
    shared: Arc<Shared>,
    id: ListenerId,
}

impl Listening {
    fn open(
        stack: &Stack,
        f: impl FnOnce(&mut synack_core::Endpoint) -> Result<ListenerId, Error>,
    ) -> io::Result<Listening> {
        let shared = stack.shared.clone();
        let id = shared.call(|g, _| f(&mut g.ep).map_err(to_io))?;
        Ok(Listening { shared, id })
    }

    /// Pops a connection with `take` (accept, or take a held SYN), or
    /// registers the waker.
    fn poll_take(
        &self,
        cx: &mut Context<'_>,
        take: fn(&mut synack_core::Endpoint, ListenerId) -> Result<ConnId, Error>,
    ) -> Poll<io::Result<Conn>> {
        let r = self.shared.call(|g, _| match take(&mut g.ep, self.id) {
            Ok(id) => {
                g.track(id);
                let (l, r) = g.ep.addrs(id).map_err(to_io)?;
                Ok(Some(Conn::new(self.shared.clone(), id, l, r)))
            }
            Err(Error::WouldBlock) => {
                g.wait_listener(self.id, cx.waker());
                Ok(None)
            }
            Err(e) => Err(to_io(e)),
        });
        match r {
            Ok(Some(c)) => Poll::Ready(Ok(c)),
            Ok(None) => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let mut g = self.shared.lock();
        g.forget_listener(self.id);
        if g.stopped.is_none() {
            let now = g.now();
            let _ = g.ep.close_listener(now, self.id);
        }
        g.after_call();
    }
}

/// A listening socket of a synack [`Stack`].
#[derive(Debug)]
pub struct TcpListener {
    l: Listening,
    local: SocketAddr,
}

impl TcpListener {
    /// Listens on `addr` (an address the stack owns, or unspecified for
    /// all of them) with the default backlog.
    pub async fn bind(stack: &Stack, addr: SocketAddr) -> io::Result<TcpListener> {
        Self::bind_with_backlog(stack, addr, DEFAULT_BACKLOG)
    }

    /// [`TcpListener::bind`] with room for `backlog` connections that are
    /// not yet accepted (SYN-RECEIVED and established together); SYNs
    /// beyond it are dropped (the client retries).
    pub fn bind_with_backlog(
        stack: &Stack,
        addr: SocketAddr,
        backlog: usize,
    ) -> io::Result<TcpListener> {
        let l = Listening::open(stack, |ep| {
            ep.listen_with(addr, ListenOptions::backlog(backlog))
        })?;
        Ok(TcpListener { l, local: addr })
    }

    /// A catch-all listener: it accepts connections to any destination
    /// `filter` takes, whether the stack owns the address or not (what a
    /// tun2socks relay does with every connection entering its device).
    /// Each stream's [`TcpStream::local_addr`] is the destination the
    /// client dialled. Listeners on exact addresses are tried first.
    pub fn catch_all(
        stack: &Stack,
        filter: ListenFilter,
        backlog: usize,
    ) -> io::Result<TcpListener> {
        let l = Listening::open(stack, |ep| {
            ep.listen_catch_all(filter, ListenOptions::backlog(backlog))
        })?;
        let local = SocketAddr::new(std::net::Ipv4Addr::UNSPECIFIED.into(), 0);
        Ok(TcpListener { l, local })
    }

    /// Waits for the next connection: the stream and the peer's address.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// The poll form of [`TcpListener::accept`].
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.l
            .poll_take(cx, synack_core::Endpoint::accept)
            .map_ok(|conn| {
                let stream = TcpStream {
                    conn: Arc::new(conn),
                };
                let peer = stream.peer_addr().unwrap_or(self.local);
                (stream, peer)
            })
    }

    /// The address listened on (unspecified with port 0 for a catch-all).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// A catch-all listener that hands over each SYN before answering it, so
/// the application can first find out whether the connection should exist
/// (a relay connects upstream): [`IncomingSyn::accept`] completes the
/// handshake, [`IncomingSyn::refuse`] answers as a closed port (the client
/// sees "connection refused"), [`IncomingSyn::ignore`] stays silent (the
/// client times out, unless it retries and is taken again). The client's
/// retransmitted SYNs are absorbed meanwhile; a SYN nobody decides on goes
/// silently after `hold_timeout`.
#[derive(Debug)]
pub struct SynListener {
    l: Listening,
}

impl SynListener {
    /// Holds SYNs to any destination `filter` takes; at most `backlog` wait
    /// to be taken.
    pub fn catch_all(
        stack: &Stack,
        filter: ListenFilter,
        backlog: usize,
        hold_timeout: std::time::Duration,
    ) -> io::Result<SynListener> {
        let options = ListenOptions {
            hold_syns: true,
            hold_timeout,
            ..ListenOptions::backlog(backlog)
        };
        let l = Listening::open(stack, |ep| ep.listen_catch_all(filter, options))?;
        Ok(SynListener { l })
    }

    /// Waits for the next SYN.
    pub async fn next(&self) -> io::Result<IncomingSyn> {
        poll_fn(|cx| self.poll_next(cx)).await
    }

    /// The poll form of [`SynListener::next`].
    pub fn poll_next(&self, cx: &mut Context<'_>) -> Poll<io::Result<IncomingSyn>> {
        self.l
            .poll_take(cx, synack_core::Endpoint::take_syn)
            .map_ok(|conn| IncomingSyn { conn: Some(conn) })
    }
}

/// A SYN waiting for the application's decision. Dropped undecided, it is
/// refused (RST).
#[derive(Debug)]
pub struct IncomingSyn {
    conn: Option<Conn>,
}

impl IncomingSyn {
    fn conn(&self) -> &Conn {
        self.conn
            .as_ref()
            .expect("an IncomingSyn holds its connection until decided")
    }

    /// The destination the client dialled.
    pub fn local_addr(&self) -> SocketAddr {
        self.conn().local_addr()
    }

    /// The client's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.conn().peer_addr()
    }

    /// Answers with SYN-ACK and waits for the handshake to complete.
    pub async fn accept(mut self) -> io::Result<TcpStream> {
        let conn = self.conn.take().expect("undecided");
        conn.shared
            .call(|g, now| g.ep.admit(now, conn.id).map_err(to_io))?;
        poll_fn(|cx| conn.poll_established(cx)).await?;
        Ok(TcpStream {
            conn: Arc::new(conn),
        })
    }

    /// Refuses with RST, as a closed port (the client: "connection
    /// refused").
    pub fn refuse(mut self) {
        if let Some(c) = self.conn.take() {
            c.refuse();
        }
    }

    /// Lets the SYN go without an answer (the client: a timeout).
    pub fn ignore(mut self) {
        drop(self.conn.take());
    }
}

impl Drop for IncomingSyn {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            c.refuse();
        }
    }
}
