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
const KERNEL: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// synack's listening port (`linux_to_synack`).
const SYNACK_PORT: u16 = 5001;
/// The kernel's listening port (`synack_to_linux`).
const KERNEL_PORT: u16 = 5002;

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
        conn: None,
        want: bytes,
        got: 0,
        verified: true,
        start: None,
        end: None,
        eof: false,
        closed: false,
        failure: None,
        pat: pattern(),
        writer: rx,
        writer_done: false,
        last_progress: StdInstant::now(),
    };
    let hits = session.driver.stats().busy_poll_hits;
    session
        .driver
        .run(&mut app)
        .map_err(|e| format!("driver: {e}"))?;
    if let Some(f) = app.failure {
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
        busy_poll_hits: Some(session.driver.stats().busy_poll_hits - hits),
    })
}

/// synack's side of `linux_to_synack`.
struct Reader {
    listener: Option<ListenerId>,
    conn: Option<ConnId>,
    want: u64,
    got: u64,
    verified: bool,
    start: Option<StdInstant>,
    end: Option<StdInstant>,
    eof: bool,
    closed: bool,
    failure: Option<String>,
    pat: Vec<u8>,
    writer: mpsc::Receiver<Result<(), String>>,
    writer_done: bool,
    last_progress: StdInstant,
}

impl Reader {
    fn pump(&mut self, ep: &mut Endpoint, now: Instant) {
        let Some(c) = self.conn else { return };
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
                    self.last_progress = StdInstant::now();
                    if self.got >= self.want && self.end.is_none() {
                        self.end = Some(StdInstant::now());
                    }
                }
                Err(Error::WouldBlock) => break,
                Err(e) => {
                    self.failure.get_or_insert(format!("recv: {e}"));
                    let _ = ep.abort(now, c);
                    self.closed = true;
                    return;
                }
            }
        }
        if self.eof && !self.closed {
            self.closed = true;
            if let Err(e) = ep.close(now, c) {
                self.failure.get_or_insert(format!("close: {e}"));
            }
        }
    }
}

impl App for Reader {
    fn on_event(&mut self, ep: &mut Endpoint, now: Instant, event: Event) {
        match event {
            Event::Incoming(l) => {
                if let Ok(c) = ep.accept(l) {
                    self.conn = Some(c);
                    self.start = Some(StdInstant::now());
                    self.last_progress = StdInstant::now();
                    let _ = ep.close_listener(now, l);
                    self.listener = None;
                }
            }
            Event::Conn(_, EventKind::Reset | EventKind::TimedOut | EventKind::Refused) => {
                self.failure.get_or_insert("connection failed".into());
                self.closed = true;
            }
            Event::Conn(..) => {}
        }
        self.pump(ep, now);
    }

    fn poll(&mut self, ep: &mut Endpoint, now: Instant) {
        self.pump(ep, now);
        if let Ok(r) = self.writer.try_recv() {
            self.writer_done = true;
            if let Err(e) = r {
                self.failure.get_or_insert(e);
                self.closed = true;
            }
        }
        if !self.closed && self.last_progress.elapsed() > STALL {
            self.failure
                .get_or_insert(format!("stalled after {} bytes", self.got));
            if let Some(c) = self.conn {
                let _ = ep.abort(now, c);
            }
            self.closed = true;
        }
    }

    fn is_done(&self) -> bool {
        self.closed && (self.writer_done || self.failure.is_some())
    }

    fn shutdown(&mut self, ep: &mut Endpoint, now: Instant) {
        if let Some(l) = self.listener.take() {
            let _ = ep.close_listener(now, l);
        }
        if let Some(c) = self.conn.take() {
            let _ = ep.close(now, c);
        }
        self.failure.get_or_insert("interrupted".into());
        self.closed = true;
    }

    fn abort(&mut self, ep: &mut Endpoint, now: Instant) {
        if let Some(c) = self.conn.take() {
            let _ = ep.abort(now, c);
        }
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
        conn: Some(conn),
        want: bytes,
        sent: 0,
        fin: false,
        eof: false,
        closed: false,
        failure: None,
        src: pattern(),
        buf: vec![0; APP_BUF].into_boxed_slice(),
        reader: rx,
        result: None,
        last_progress: StdInstant::now(),
    };
    let hits = session.driver.stats().busy_poll_hits;
    session
        .driver
        .run(&mut app)
        .map_err(|e| format!("driver: {e}"))?;
    if let Some(f) = app.failure {
        return Err(format!("synack_to_linux: {f}"));
    }
    let mut m = kernel::measured("synack", "synack_to_linux", bytes, app.result)?;
    m.busy_poll_hits = Some(session.driver.stats().busy_poll_hits - hits);
    Ok(m)
}

/// synack's side of `synack_to_linux`.
struct Writer {
    conn: Option<ConnId>,
    want: u64,
    sent: u64,
    fin: bool,
    eof: bool,
    closed: bool,
    failure: Option<String>,
    src: Vec<u8>,
    buf: Box<[u8]>,
    reader: mpsc::Receiver<Result<kernel::KernelRead, String>>,
    result: Option<Result<kernel::KernelRead, String>>,
    last_progress: StdInstant,
}

impl Writer {
    fn pump(&mut self, ep: &mut Endpoint, now: Instant) {
        let Some(c) = self.conn else { return };
        if !matches!(ep.state(c), Ok(State::Established | State::CloseWait)) && !self.fin {
            return;
        }
        while self.sent < self.want {
            let off = (self.sent % PERIOD as u64) as usize;
            let len = (self.want - self.sent).min(APP_BUF as u64) as usize;
            match ep.send(now, c, &self.src[off..off + len]) {
                Ok(n) => {
                    self.sent += n as u64;
                    self.last_progress = StdInstant::now();
                    if n < len {
                        break;
                    }
                }
                Err(Error::WouldBlock) => break,
                Err(e) => {
                    self.failure.get_or_insert(format!("send: {e}"));
                    let _ = ep.abort(now, c);
                    self.closed = true;
                    return;
                }
            }
        }
        if self.sent == self.want && !self.fin {
            self.fin = true;
            if let Err(e) = ep.shutdown(now, c) {
                self.failure.get_or_insert(format!("shutdown: {e}"));
            }
        }
        while !self.eof {
            match ep.recv(now, c, &mut self.buf) {
                Ok(0) => self.eof = true,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        if self.eof && self.fin && !self.closed {
            self.closed = true;
            let _ = ep.close(now, c);
        }
    }
}

impl App for Writer {
    fn on_event(&mut self, ep: &mut Endpoint, now: Instant, event: Event) {
        if let Event::Conn(_, EventKind::Reset | EventKind::TimedOut | EventKind::Refused) = event {
            self.failure.get_or_insert("connection failed".into());
            self.closed = true;
            return;
        }
        self.pump(ep, now);
    }

    fn poll(&mut self, ep: &mut Endpoint, now: Instant) {
        self.pump(ep, now);
        if let Ok(r) = self.reader.try_recv() {
            self.result = Some(r);
        }
        if !self.closed && self.last_progress.elapsed() > STALL {
            self.failure
                .get_or_insert(format!("stalled after {} bytes sent", self.sent));
            if let Some(c) = self.conn {
                let _ = ep.abort(now, c);
            }
            self.closed = true;
        }
    }

    fn is_done(&self) -> bool {
        (self.closed && self.result.is_some()) || self.failure.is_some()
    }

    fn shutdown(&mut self, ep: &mut Endpoint, now: Instant) {
        if let Some(c) = self.conn.take() {
            let _ = ep.close(now, c);
        }
        self.failure.get_or_insert("interrupted".into());
        self.closed = true;
    }

    fn abort(&mut self, ep: &mut Endpoint, now: Instant) {
        if let Some(c) = self.conn.take() {
            let _ = ep.abort(now, c);
        }
    }
}
