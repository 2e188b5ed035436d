//! `TcpStream`: one connection as tokio's `AsyncRead` + `AsyncWrite`.

use crate::error::to_io;
use crate::shared::Shared;
use crate::stack::Stack;
use std::future::poll_fn;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use synack_core::{ConnId, Error, State};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What every handle to one connection shares; the last one to go closes
/// it.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) shared: Arc<Shared>,
    pub(crate) id: ConnId,
    local: SocketAddr,
    peer: SocketAddr,
    /// `poll_shutdown` (or a dropped write half) sent our FIN.
    write_shut: AtomicBool,
    /// Aborted: nothing to close on drop.
    aborted: AtomicBool,
}

impl Conn {
    /// Takes over a connection a handle now owns (the caller holds the
    /// lock and has tracked it).
    pub(crate) fn new(
        shared: Arc<Shared>,
        id: ConnId,
        local: SocketAddr,
        peer: SocketAddr,
    ) -> Conn {
        Conn {
            shared,
            id,
            local,
            peer,
            write_shut: AtomicBool::new(false),
            aborted: AtomicBool::new(false),
        }
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local
    }

    pub(crate) fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// Refuses a held SYN (RST); the handle is released with it.
    pub(crate) fn refuse(self) {
        self.aborted.store(true, Ordering::Release);
        let _ = self.shared.call(|g, now| {
            g.untrack(self.id);
            g.ep.refuse(now, self.id).map_err(to_io)
        });
    }

    /// Ready once the handshake has completed; the connection's error if
    /// it failed.
    pub(crate) fn poll_established(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = self.shared.call(|g, _| {
            let c = g.ep.connection(self.id).map_err(to_io)?;
            if let Some(e) = c.error() {
                return Err(to_io(e));
            }
            match c.state() {
                State::SynSent | State::SynReceived => {
                    g.wait_write(self.id, cx.waker());
                    Ok(false)
                }
                State::Closed => Err(to_io(Error::ConnectionReset)),
                _ => Ok(true),
            }
        });
        match r {
            Ok(true) => Poll::Ready(Ok(())),
            Ok(false) => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let r = self.shared.call(|g, now| {
            let dst = buf.initialize_unfilled();
            match g.ep.recv(now, self.id, dst) {
                Ok(n) => Ok(Some(n)),
                Err(Error::WouldBlock) => {
                    g.wait_read(self.id, cx.waker());
                    Ok(None)
                }
                // After our own close or abort: nothing more to read.
                Err(Error::Closed) => Ok(Some(0)),
                Err(e) => Err(to_io(e)),
            }
        });
        match r {
            Ok(Some(n)) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Ok(None) => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_write(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let r = self
            .shared
            .call(|g, now| match g.ep.send(now, self.id, data) {
                Ok(n) => Ok(Some(n)),
                Err(Error::WouldBlock) => {
                    g.wait_write(self.id, cx.waker());
                    Ok(None)
                }
                Err(e) => Err(to_io(e)),
            });
        match r {
            Ok(Some(n)) => Poll::Ready(Ok(n)),
            Ok(None) => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// Sends FIN after the queued data (half-close: reading goes on).
    fn shutdown_write(&self) -> io::Result<()> {
        if self.write_shut.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.shared
            .call(|g, now| g.ep.shutdown(now, self.id).map_err(to_io))
    }

    fn abort(&self) -> io::Result<()> {
        self.aborted.store(true, Ordering::Release);
        self.shared.call(|g, now| {
            let r = g.ep.abort(now, self.id).map_err(to_io);
            g.untrack(self.id);
            r
        })
    }

    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.shared
            .call(|g, _| g.ep.set_nodelay(self.id, nodelay).map_err(to_io))
    }

    fn set_cork(&self, cork: bool) -> io::Result<()> {
        self.shared
            .call(|g, _| g.ep.set_cork(self.id, cork).map_err(to_io))
    }

    fn set_user_timeout(&self, timeout: Option<std::time::Duration>) -> io::Result<()> {
        self.shared
            .call(|g, _| g.ep.set_user_timeout(self.id, timeout).map_err(to_io))
    }
}

impl Drop for Conn {
    /// The last handle is gone: close (the stack finishes the close on its
    /// own; unread data makes it an abort with RST, RFC 1122 4.2.2.13).
    fn drop(&mut self) {
        let mut g = self.shared.lock();
        g.untrack(self.id);
        if !self.aborted.load(Ordering::Acquire) && g.stopped.is_none() {
            let now = g.now();
            let _ = g.ep.close(now, self.id);
        }
        g.after_call();
        g.kick();
    }
}

/// A TCP connection of a synack [`Stack`]: tokio's `AsyncRead` and
/// `AsyncWrite`, so `tokio::io::copy`, hyper and the rest run on it
/// unchanged.
///
/// - `poll_shutdown` sends FIN after the queued data; reading goes on
///   (half-close), and the peer may keep sending.
/// - A read returns 0 at the peer's FIN (end of stream).
/// - Dropping the stream closes it gracefully; with unread data it resets
///   it instead (RFC 1122 4.2.2.13), as Linux does. [`TcpStream::abort`]
///   resets it at once.
/// - Errors: `ConnectionRefused`, `ConnectionReset`, `TimedOut` (the
///   connection's fate), `BrokenPipe` (writing after shutdown),
///   `NotConnected` once the stack has stopped.
/// - Timeouts: `tokio::time::timeout` around any call.
#[derive(Debug)]
pub struct TcpStream {
    pub(crate) conn: Arc<Conn>,
}

impl TcpStream {
    /// Opens a connection to `peer` from the stack's first address of the
    /// same family and an ephemeral port, and waits for the handshake.
    pub async fn connect(stack: &Stack, peer: SocketAddr) -> io::Result<TcpStream> {
        let any: IpAddr = if peer.is_ipv4() {
            Ipv4Addr::UNSPECIFIED.into()
        } else {
            Ipv6Addr::UNSPECIFIED.into()
        };
        Self::connect_from(stack, SocketAddr::new(any, 0), peer).await
    }

    /// [`TcpStream::connect`] from `local` (an address the stack owns or
    /// unspecified; port 0 for an ephemeral one).
    pub async fn connect_from(
        stack: &Stack,
        local: SocketAddr,
        peer: SocketAddr,
    ) -> io::Result<TcpStream> {
        let shared = stack.shared.clone();
        let conn = shared.call(|g, now| {
            let id = g.ep.connect(now, local, peer).map_err(to_io)?;
            g.track(id);
            let (l, r) = g.ep.addrs(id).map_err(to_io)?;
            Ok(Conn::new(shared.clone(), id, l, r))
        })?;
        // If this future is dropped before the handshake completes, the
        // connection is closed with it.
        poll_fn(|cx| conn.poll_established(cx)).await?;
        Ok(TcpStream {
            conn: Arc::new(conn),
        })
    }

    /// Our side's address. For a connection a catch-all listener accepted,
    /// the destination the client dialled.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.conn.local)
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.conn.peer)
    }

    /// Turns Nagle's algorithm off (`true`: small writes go out at once).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.conn.set_nodelay(nodelay)
    }

    /// Corks the stream (Linux's `TCP_CORK`): while corked, writes are
    /// sent only in whole segments, so a header and a body written
    /// separately share packets; uncorking sends the rest. With nothing
    /// in flight a corked tail still goes after about an RTO.
    pub fn set_cork(&self, cork: bool) -> io::Result<()> {
        self.conn.set_cork(cork)
    }

    /// RFC 5482's user timeout, as Linux's `TCP_USER_TIMEOUT`: data left
    /// unacknowledged (or stuck behind a closed window) this long ends the
    /// connection with `TimedOut`, so a dead peer is noticed in bounded
    /// time. `None` (the default): only the retransmission count decides.
    pub fn set_user_timeout(&self, timeout: Option<std::time::Duration>) -> io::Result<()> {
        self.conn.set_user_timeout(timeout)
    }

    /// Resets the connection (RST) and drops both buffers.
    pub fn abort(self) -> io::Result<()> {
        self.conn.abort()
    }

    /// Splits into a read half and a write half that borrow the stream.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf(&self.conn), WriteHalf(&self.conn))
    }

    /// Splits into halves that own the stream, for two tasks. Dropping the
    /// write half sends FIN (as tokio's does); the connection closes when
    /// both are gone.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        (
            OwnedReadHalf(self.conn.clone()),
            OwnedWriteHalf {
                conn: self.conn,
                fin_on_drop: true,
            },
        )
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.conn.poll_read(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.conn.poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.conn.shutdown_write())
    }
}

/// The read half of [`TcpStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a Conn);

/// The write half of [`TcpStream::split`].
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a Conn);

/// The read half of [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf(Arc<Conn>);

/// The write half of [`TcpStream::into_split`]; dropping it sends FIN.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    conn: Arc<Conn>,
    fin_on_drop: bool,
}

impl OwnedReadHalf {
    /// Joins the halves again; gives them back if they are of different
    /// streams.
    pub fn reunite(self, w: OwnedWriteHalf) -> Result<TcpStream, (OwnedReadHalf, OwnedWriteHalf)> {
        if !Arc::ptr_eq(&self.0, &w.conn) {
            return Err((self, w));
        }
        let mut w = w;
        w.fin_on_drop = false;
        let conn = self.0.clone();
        drop((self, w));
        Ok(TcpStream { conn })
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.0.peer)
    }

    /// Our side's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.0.local)
    }
}

impl OwnedWriteHalf {
    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.conn.peer)
    }

    /// Our side's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.conn.local)
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.fin_on_drop {
            let _ = self.conn.shutdown_write();
        }
    }
}

macro_rules! read_half {
    ($t:ty) => {
        impl AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                self.0.poll_read(cx, buf)
            }
        }
    };
}

macro_rules! write_half {
    ($t:ty) => {
        impl AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                data: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.0.poll_write(cx, data)
            }

            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.0.shutdown_write())
            }
        }
    };
}

read_half!(ReadHalf<'_>);
read_half!(OwnedReadHalf);
write_half!(WriteHalf<'_>);

impl AsyncWrite for OwnedWriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.conn.poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.conn.shutdown_write())
    }
}
