//! synack's two directions: the TUN driver with synack's endpoint, and a
//! kernel socket on a thread ([`super::kernel`]).

use super::kernel;
use super::{APP_BUF, Measured, PERIOD, STALL, matches, pattern};
use crate::net::Session;
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Instant as StdInstant;
use synack_core::{ConnId, Endpoint, Error, Event, EventKind, Instant, ListenerId, State};
use synack_tun::App;

/// synack's address.
pub const SYNACK: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// The kernel side's address.
pub const KERNEL: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// synack's listening port (`linux_to_synack`).
pub const SYNACK_PORT: u16 = 5001;
/// The kernel's listening port (`synack_to_linux`).
pub const KERNEL_PORT: u16 = 5002;

/// `linux_to_synack`: a kernel socket connects to synack and writes; the
/// clock runs from synack's accept until synack has read all.
pub fn linux_to_synack(session: &mut Session, bytes: u64) -> Result<Measured, String> {
    let addr = SocketAddr::new(IpAddr::V4(SYNACK), SYNACK_PORT);
    let listener = session
        .driver
        .endpoint()
        .listen(addr, 16)
        .map_err(|e| format!("listen on {addr}: {e}"))?;
    let waker = session.driver.waker();
    let rx = kernel::spawn_writer(addr, bytes, move || waker.wake());
    let mut app = Reader {
        listener: Some(listener),
        run: Run::new(None),
        want: bytes,
        got: 0,
        verified: true,
        start: None,
        end: None,
        eof: false,
        pat: pattern(),
        writer: rx,
        writer_done: false,
    };
    let hits = drive(session, &mut app)?;
    if let Some(f) = app.run.failure {
        return Err(format!("linux_to_synack: {f}"));
    }
    let (Some(start), Some(end)) = (app.start, app.end) else {
        return Err("linux_to_synack: interrupted".into());
    };
    if !app.verified || app.got != bytes {
        return Err(format!(
            "linux_to_synack: synack read {} of {bytes} bytes{}",
            app.got,
            if app.verified { "" } else { ", corrupted" }
        ));
    }
    Ok(Measured {
        stack: "synack",
        direction: "linux_to_synack",
        bytes,
        seconds: end.duration_since(start).as_secs_f64(),
        offloads: true,
        busy_poll_hits: Some(hits),
    })
}

/// Runs `app` on the session's driver to its end; returns the sleeps busy
/// polling avoided meanwhile.
fn drive(session: &mut Session, app: &mut dyn App) -> Result<u64, String> {
    let before = session.driver.stats().busy_poll_hits;
    session
        .driver
        .run(app)
        .map_err(|e| format!("driver: {e}"))?;
    Ok(session.driver.stats().busy_poll_hits - before)
}

/// synack's side of `linux_to_synack`.
struct Reader {
    listener: Option<ListenerId>,
    run: Run,
    want: u64,
    got: u64,
    verified: bool,
    start: Option<StdInstant>,
    end: Option<StdInstant>,
    eof: bool,
    pat: Vec<u8>,
    writer: mpsc::Receiver<Result<(), String>>,
    writer_done: bool,
}

/// What both applications keep of their one connection: the handle,
/// whether they are done with it, why it failed, and when it last moved.
struct Run {
    conn: Option<ConnId>,
    closed: bool,
    failure: Option<String>,
    last_progress: StdInstant,
}

impl Run {
    fn new(conn: Option<ConnId>) -> Self {
        Run {
            conn,
            closed: false,
            failure: None,
            last_progress: StdInstant::now(),
        }
    }

    /// Done, because of `why` (the first reason is kept).
    fn give_up(&mut self, why: String) {
        self.failure.get_or_insert(why);
        self.closed = true;
    }

    /// Done because of `why`, and the connection is reset.
    fn fail(&mut self, ep: &mut Endpoint, now: Instant, why: String) {
        if let Some(c) = self.conn {
            let _ = ep.abort(now, c);
        }
        self.give_up(why);
    }

    /// Fails the run if nothing moved for [`STALL`]; `what` says how far
    /// it got.
    fn check_stall(&mut self, ep: &mut Endpoint, now: Instant, what: impl FnOnce() -> String) {
        if !self.closed && self.last_progress.elapsed() > STALL {
            self.fail(ep, now, format!("stalled after {}", what()));
        }
    }

    /// A failure event of the endpoint ends the run.
    fn failed_event(&mut self, event: &Event) -> bool {
        let failed = matches!(
            event,
            Event::Conn(
                _,
                EventKind::Reset | EventKind::TimedOut | EventKind::Refused
            )
        );
        if failed {
            self.give_up("connection failed".into());
        }
        failed
    }

    /// [`App::shutdown`]: close gracefully, the run counts as interrupted.
    fn shutdown(&mut self, ep: &mut Endpoint, now: Instant) {
        if let Some(c) = self.conn.take() {
            let _ = ep.close(now, c);
        }
        self.give_up("interrupted".into());
    }

    /// [`App::abort`]: reset what is still held.
    fn abort(&mut self, ep: &mut Endpoint, now: Instant) {
        if let Some(c) = self.conn.take() {
            let _ = ep.abort(now, c);
        }
    }
}

impl Reader {
    fn pump(&mut self, ep: &mut Endpoint, now: Instant) {
        let Some(c) = self.run.conn else { return };
        while !self.eof {
            // In place (no copy out of the receive buffer), as an
            // application of a userspace stack would; smoltcp's side does
            // the same.
            let (pat, got, verified) = (&self.pat, self.got, &mut self.verified);
            let r = ep.recv_with(now, c, |data| {
                *verified &= matches(pat, data, got);
                data.len()
            });
            match r {
                Ok(None) => self.eof = true,
                Ok(Some(n)) => {
                    self.got += n as u64;
                    self.run.last_progress = StdInstant::now();
                    if self.got >= self.want && self.end.is_none() {
                        self.end = Some(StdInstant::now());
                    }
                }
                Err(Error::WouldBlock) => break,
                Err(e) => return self.run.fail(ep, now, format!("recv: {e}")),
            }
        }
        if self.eof && !self.run.closed {
            self.run.closed = true;
            if let Err(e) = ep.close(now, c) {
                self.run.failure.get_or_insert(format!("close: {e}"));
            }
        }
    }
}

impl App for Reader {
    fn on_event(&mut self, ep: &mut Endpoint, now: Instant, event: Event) {
        match event {
            Event::Incoming(l) => {
                if let Ok(c) = ep.accept(l) {
                    self.run.conn = Some(c);
                    self.run.last_progress = StdInstant::now();
                    self.start = Some(StdInstant::now());
                    let _ = ep.close_listener(now, l);
                    self.listener = None;
                }
            }
            e => {
                self.run.failed_event(&e);
            }
        }
        self.pump(ep, now);
    }

    fn poll(&mut self, ep: &mut Endpoint, now: Instant) {
        self.pump(ep, now);
        if let Ok(r) = self.writer.try_recv() {
            self.writer_done = true;
            if let Err(e) = r {
                self.run.give_up(e);
            }
        }
        let got = self.got;
        self.run.check_stall(ep, now, || format!("{got} bytes"));
    }

    fn is_done(&self) -> bool {
        self.run.closed && (self.writer_done || self.run.failure.is_some())
    }

    fn shutdown(&mut self, ep: &mut Endpoint, now: Instant) {
        if let Some(l) = self.listener.take() {
            let _ = ep.close_listener(now, l);
        }
        self.run.shutdown(ep, now);
    }

    fn abort(&mut self, ep: &mut Endpoint, now: Instant) {
        self.run.abort(ep, now);
    }
}

/// `synack_to_linux`: synack connects to a kernel listener and writes; the
/// clock runs from the kernel's accept until it has read all.
pub fn synack_to_linux(session: &mut Session, bytes: u64) -> Result<Measured, String> {
    let addr = SocketAddr::new(IpAddr::V4(KERNEL), KERNEL_PORT);
    let listener = TcpListener::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
    let waker = session.driver.waker();
    let rx = kernel::spawn_reader(listener, bytes, move || waker.wake());
    let now = session.driver.now();
    let conn = session
        .driver
        .endpoint()
        .connect(now, SocketAddr::new(IpAddr::V4(SYNACK), 0), addr)
        .map_err(|e| format!("connect to {addr}: {e}"))?;
    let mut app = Writer {
        run: Run::new(Some(conn)),
        want: bytes,
        sent: 0,
        fin: false,
        eof: false,
        src: pattern(),
        reader: rx,
        result: None,
    };
    let hits = drive(session, &mut app)?;
    if let Some(f) = app.run.failure {
        return Err(format!("synack_to_linux: {f}"));
    }
    let mut m = kernel::measured("synack", "synack_to_linux", bytes, app.result)?;
    m.busy_poll_hits = Some(hits);
    Ok(m)
}

/// synack's side of `synack_to_linux`.
struct Writer {
    run: Run,
    want: u64,
    sent: u64,
    fin: bool,
    eof: bool,
    src: Vec<u8>,
    reader: mpsc::Receiver<Result<kernel::KernelRead, String>>,
    result: Option<Result<kernel::KernelRead, String>>,
}

impl Writer {
    fn pump(&mut self, ep: &mut Endpoint, now: Instant) {
        let Some(c) = self.run.conn else { return };
        if !matches!(ep.state(c), Ok(State::Established | State::CloseWait)) && !self.fin {
            return;
        }
        while self.sent < self.want {
            let off = (self.sent % PERIOD as u64) as usize;
            let len = (self.want - self.sent).min(APP_BUF as u64) as usize;
            match ep.send(now, c, &self.src[off..off + len]) {
                Ok(n) => {
                    self.sent += n as u64;
                    self.run.last_progress = StdInstant::now();
                    if n < len {
                        break;
                    }
                }
                Err(Error::WouldBlock) => break,
                Err(e) => return self.run.fail(ep, now, format!("send: {e}")),
            }
        }
        if self.sent == self.want && !self.fin {
            self.fin = true;
            if let Err(e) = ep.shutdown(now, c) {
                self.run.failure.get_or_insert(format!("shutdown: {e}"));
            }
        }
        // The kernel sends nothing but its FIN; anything else is dropped.
        while !self.eof {
            match ep.recv_with(now, c, |data| data.len()) {
                Ok(None) => self.eof = true,
                Ok(Some(_)) => {}
                Err(_) => break,
            }
        }
        if self.eof && self.fin && !self.run.closed {
            self.run.closed = true;
            let _ = ep.close(now, c);
        }
    }
}

impl App for Writer {
    fn on_event(&mut self, ep: &mut Endpoint, now: Instant, event: Event) {
        if !self.run.failed_event(&event) {
            self.pump(ep, now);
        }
    }

    fn poll(&mut self, ep: &mut Endpoint, now: Instant) {
        self.pump(ep, now);
        if let Ok(r) = self.reader.try_recv() {
            self.result = Some(r);
        }
        let sent = self.sent;
        self.run
            .check_stall(ep, now, || format!("{sent} bytes sent"));
    }

    fn is_done(&self) -> bool {
        (self.run.closed && self.result.is_some()) || self.run.failure.is_some()
    }

    fn shutdown(&mut self, ep: &mut Endpoint, now: Instant) {
        self.run.shutdown(ep, now);
    }

    fn abort(&mut self, ep: &mut Endpoint, now: Instant) {
        self.run.abort(ep, now);
    }
}
