//! The demo's applications: each side runs a short script of socket calls
//! (connect, send, receive, shutdown, close, abort) against its endpoint,
//! reacting to the endpoint's events between simulation steps.

use core::net::SocketAddr;
use std::collections::VecDeque;
use synack_core::{ConnId, Endpoint, Error, Event, EventKind, Instant, ListenerId};
use synack_view::Side;

/// One step of an application's script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Listen on a port of this host.
    Listen(u16),
    /// Wait for a connection and accept it.
    Accept,
    /// Open a connection from `local` (port 0: ephemeral) to `remote`.
    Connect {
        /// Our address.
        local: SocketAddr,
        /// The peer.
        remote: SocketAddr,
    },
    /// Wait until the handshake completes.
    WaitConnected,
    /// Send this many more bytes.
    Send(usize),
    /// Receive this many more bytes.
    Recv(usize),
    /// Receive until end of stream.
    RecvEof,
    /// Wait until the peer has acknowledged everything we sent.
    WaitAcked,
    /// Half-close: no more data from us.
    Shutdown,
    /// Close and let go of the connection.
    Close,
    /// Abort the connection (RST).
    Abort,
    /// Wait until the other side reaches its barrier too and no data is in
    /// flight; both then go on at the same instant.
    Barrier,
}

/// A byte of side `s`'s stream at offset `i`: the receiver checks it.
pub fn pattern(s: Side, i: usize) -> u8 {
    let salt = match s {
        Side::Client => 0x43,
        Side::Server => 0x53,
    };
    ((i % 251) as u8) ^ salt
}

/// One side's application.
#[derive(Debug)]
pub struct App {
    side: Side,
    steps: VecDeque<Step>,
    listener: Option<ListenerId>,
    /// The connection, while the application holds it.
    pub conn: Option<ConnId>,
    connected: bool,
    /// Bytes queued for sending so far.
    pub sent: usize,
    /// Bytes received so far.
    pub received: usize,
    /// Received bytes that differed from what the peer sent.
    pub corrupt: usize,
    /// End of stream seen.
    pub eof: bool,
    /// How the connection failed, if it did.
    pub error: Option<Error>,
}

impl App {
    /// An application for `side` running `steps`.
    pub fn new(side: Side, steps: Vec<Step>) -> Self {
        App {
            side,
            steps: steps.into(),
            listener: None,
            conn: None,
            connected: false,
            sent: 0,
            received: 0,
            corrupt: 0,
            eof: false,
            error: None,
        }
    }

    /// Is the script waiting at a barrier?
    pub fn at_barrier(&self) -> bool {
        self.steps.front() == Some(&Step::Barrier)
    }

    /// Passes the barrier.
    pub fn pass_barrier(&mut self) {
        if self.at_barrier() {
            self.steps.pop_front();
        }
    }

    /// Bytes this side has queued but the peer has not yet acknowledged.
    pub fn unacked(&self, ep: &Endpoint) -> usize {
        self.conn
            .and_then(|c| ep.connection(c).ok())
            .map_or(0, |c| c.send_queue())
    }

    /// Takes the endpoint's events, then runs the script as far as it can
    /// go without waiting.
    pub fn drive(&mut self, ep: &mut Endpoint, now: Instant) {
        while let Some(ev) = ep.poll_event() {
            if let Event::Conn(id, kind) = ev
                && Some(id) == self.conn
            {
                match kind {
                    EventKind::Connected => self.connected = true,
                    EventKind::Refused => self.fail(Error::ConnectionRefused),
                    EventKind::Reset => self.fail(Error::ConnectionReset),
                    EventKind::TimedOut => self.fail(Error::TimedOut),
                    _ => {}
                }
            }
        }
        while let Some(mut step) = self.steps.pop_front() {
            match self.try_step(ep, now, &mut step) {
                Ok(true) => {}
                Ok(false) => {
                    self.steps.push_front(step);
                    break;
                }
                Err(e) => {
                    self.fail(e);
                    break;
                }
            }
        }
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
        self.steps.clear();
    }

    /// Runs one step; `Ok(true)` when it is done.
    fn try_step(
        &mut self,
        ep: &mut Endpoint,
        now: Instant,
        step: &mut Step,
    ) -> Result<bool, Error> {
        match *step {
            Step::Listen(port) => {
                let ip = match self.side {
                    Side::Client => super::CLIENT_IP,
                    Side::Server => super::SERVER_IP,
                };
                self.listener = Some(ep.listen(SocketAddr::new(ip.into(), port), 16)?);
                Ok(true)
            }
            Step::Accept => {
                let l = self.listener.ok_or(Error::InvalidState)?;
                match ep.accept(l) {
                    Ok(c) => {
                        self.conn = Some(c);
                        self.connected = true;
                        Ok(true)
                    }
                    Err(Error::WouldBlock) => Ok(false),
                    Err(e) => Err(e),
                }
            }
            Step::Connect { local, remote } => {
                self.conn = Some(ep.connect(now, local, remote)?);
                Ok(true)
            }
            Step::WaitConnected => Ok(self.connected),
            Step::WaitAcked => Ok(self.unacked(ep) == 0),
            Step::Send(ref mut left) => {
                let c = self.conn.ok_or(Error::InvalidState)?;
                let mut chunk = [0u8; 4096];
                while *left > 0 {
                    let n = (*left).min(chunk.len());
                    for (k, b) in chunk[..n].iter_mut().enumerate() {
                        *b = pattern(self.side, self.sent + k);
                    }
                    match ep.send(now, c, &chunk[..n]) {
                        Ok(m) => {
                            self.sent += m;
                            *left -= m;
                            if m < n {
                                return Ok(false);
                            }
                        }
                        Err(Error::WouldBlock) => return Ok(false),
                        Err(e) => return Err(e),
                    }
                }
                Ok(true)
            }
            Step::Recv(ref mut left) => {
                while *left > 0 {
                    match self.read(ep, now, *left)? {
                        Some(0) => return Ok(true), // early end of stream
                        Some(n) => *left -= n,
                        None => return Ok(false),
                    }
                }
                Ok(true)
            }
            Step::RecvEof => loop {
                match self.read(ep, now, 4096)? {
                    Some(0) => return Ok(true),
                    Some(_) => {}
                    None => return Ok(false),
                }
            },
            Step::Shutdown => {
                ep.shutdown(now, self.conn.ok_or(Error::InvalidState)?)?;
                Ok(true)
            }
            Step::Close => {
                if let Some(c) = self.conn.take() {
                    ep.close(now, c)?;
                }
                Ok(true)
            }
            Step::Abort => {
                if let Some(c) = self.conn.take() {
                    ep.abort(now, c)?;
                }
                Ok(true)
            }
            Step::Barrier => Ok(false),
        }
    }

    /// Reads up to `max` bytes and checks them; `None` if nothing is there.
    fn read(
        &mut self,
        ep: &mut Endpoint,
        now: Instant,
        max: usize,
    ) -> Result<Option<usize>, Error> {
        let c = self.conn.ok_or(Error::InvalidState)?;
        let mut buf = [0u8; 4096];
        let want = max.min(buf.len());
        match ep.recv(now, c, &mut buf[..want]) {
            Ok(0) => {
                self.eof = true;
                Ok(Some(0))
            }
            Ok(n) => {
                let from = self.side.peer();
                for (k, &b) in buf[..n].iter().enumerate() {
                    if b != pattern(from, self.received + k) {
                        self.corrupt += 1;
                    }
                }
                self.received += n;
                Ok(Some(n))
            }
            Err(Error::WouldBlock) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
