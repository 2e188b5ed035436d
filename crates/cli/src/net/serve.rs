//! `synack serve`: a listener on the TUN device and one small state machine
//! per connection (echo, discard, source, http), until Ctrl-C or
//! `--max-conns` connections have completed.
//!
//! A connection is complete when both sides have closed and our FIN is
//! acknowledged (TIME-WAIT or CLOSED), or when it failed (reset, timed out).
//! Until then the application keeps its handle, so a shutdown can still
//! reset it; after that the stack finishes TIME-WAIT on its own.

use super::args::{Mode, ServeArgs};
use super::http::{self, Method, Parsed, Resolved};
use super::{Failure, SCRATCH, Session, finish, print_drops};
use core::net::SocketAddr;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use synack_core::{ConnId, Endpoint, Error, Event, EventKind, Instant, ListenerId, State};
use synack_tun::{App, DriverStats};

/// Runs `synack serve`.
pub fn run(a: &ServeArgs) -> Result<ExitCode, String> {
    finish(run_inner(a))
}

fn run_inner(a: &ServeArgs) -> Result<ExitCode, Failure> {
    let kind = match &a.mode {
        Mode::Echo => Kind::Echo,
        Mode::Discard => Kind::Discard,
        Mode::Source(n) => Kind::Source(*n),
        Mode::Http(dir) => {
            let root = std::fs::canonicalize(dir)
                .ok()
                .filter(|p| p.is_dir())
                .ok_or_else(|| {
                    Failure::Setup(format!(
                        "invalid value for --mode: '{}' is not a directory",
                        dir.display()
                    ))
                })?;
            Kind::Http(root)
        }
    };
    let mut session = Session::open(&a.tun, "serve")?;
    let local = SocketAddr::new(session.ours.addr, a.port);
    session.driver.endpoint().set_syn_cookies(a.syn_cookies);
    let listener = session
        .driver
        .endpoint()
        .listen(local, usize::from(a.backlog))
        .map_err(|e| Failure::Setup(format!("cannot listen on {local}: {e}")))?;
    eprintln!(
        "synack: serving {} on {local} ({}); Ctrl-C stops",
        mode_name(&a.mode),
        session.describe()
    );
    let mut app = Serve::new(kind, listener, a.max_conns);
    let ending = session.driver.run(&mut app)?;
    print_table(session.driver.endpoint());
    let stats = session.driver.stats();
    print_drops(session.driver.endpoint(), &stats);
    print_defences(session.driver.endpoint().stats());
    session.close(ending)?;
    Ok(ExitCode::SUCCESS)
}

/// What the defences did, at exit on stderr (lines only for those that
/// acted): RFC 5961's challenge ACKs, and SYN cookies.
fn print_defences(s: &synack_core::Stats) {
    if s.challenge_acks > 0 {
        eprintln!(
            "synack: challenge ACKs sent (RFC 5961): {}",
            s.challenge_acks
        );
    }
    if s.syn_cookies_sent > 0 {
        eprintln!(
            "synack: SYN cookies: {} sent, {} accepted, {} rejected; {} passive opens",
            s.syn_cookies_sent, s.syn_cookies_accepted, s.syn_cookies_rejected, s.passive_opens
        );
    }
}

/// synack's connection table at exit, on stderr: one line per connection
/// still known to the endpoint (after a clean run, only TIME-WAIT ones;
/// closed connections have left the table).
fn print_table(ep: &Endpoint) {
    let mut rows: Vec<_> = ep.connection_table().collect();
    rows.sort_by_key(|&(l, r, _)| (r, l));
    if rows.is_empty() {
        eprintln!("synack: connection table at exit: empty");
        return;
    }
    eprintln!("synack: connection table at exit: {}", rows.len());
    let w = rows
        .iter()
        .map(|(l, r, _)| l.to_string().len().max(r.to_string().len()))
        .max()
        .unwrap_or(0)
        .max(6);
    eprintln!("  {:w$}  {:w$}  state", "local", "remote");
    for (l, r, state) in rows {
        eprintln!("  {:w$}  {:w$}  {state}", l.to_string(), r.to_string());
    }
}

fn mode_name(m: &Mode) -> String {
    match m {
        Mode::Echo => "echo".into(),
        Mode::Discard => "discard".into(),
        Mode::Source(n) => format!("source:{n}"),
        Mode::Http(d) => format!("http:{}", d.display()),
    }
}

/// The mode, resolved.
enum Kind {
    Echo,
    Discard,
    Source(u64),
    Http(PathBuf),
}

/// One connection's application state.
struct Conn {
    peer: SocketAddr,
    /// The peer's FIN was read (end of stream).
    eof: bool,
    /// Our FIN is queued.
    fin_sent: bool,
    work: Work,
}

enum Work {
    Echo {
        /// Bytes read but not yet accepted by the send buffer.
        pending: Vec<u8>,
        off: usize,
    },
    Discard {
        hash: Sha256,
        bytes: u64,
    },
    Source {
        sent: u64,
    },
    Http(Box<HttpConn>),
}

/// The server side of HTTP/1.1 on one connection.
#[derive(Default)]
struct HttpConn {
    /// Request bytes not yet parsed.
    req: Vec<u8>,
    /// Request body bytes still to skip.
    skip: u64,
    /// A response is being sent.
    active: bool,
    head: Vec<u8>,
    head_off: usize,
    file: Option<File>,
    pos: u64,
    end: u64,
    /// Close after the current response.
    close_after: bool,
}

/// What a pump did.
enum Pumped {
    Ok,
    Failed(Error),
}

/// The server application.
struct Serve {
    kind: Kind,
    listener: Option<ListenerId>,
    conns: HashMap<ConnId, Conn>,
    /// Connections waiting for our FIN's ACK (no event announces it).
    watch: Vec<ConnId>,
    accepted: u64,
    max: Option<u64>,
    buf: Box<[u8]>,
    /// Source data: byte i of a stream is `i % 256`; sliced at any offset.
    pattern: Box<[u8]>,
    stopping: bool,
}

impl Serve {
    fn new(kind: Kind, listener: ListenerId, max: Option<u64>) -> Self {
        let pattern: Vec<u8> = match kind {
            Kind::Source(_) => (0..SCRATCH + 256).map(|i| i as u8).collect(),
            _ => Vec::new(),
        };
        Serve {
            kind,
            listener: Some(listener),
            conns: HashMap::new(),
            watch: Vec::new(),
            accepted: 0,
            max,
            buf: vec![0; SCRATCH].into_boxed_slice(),
            pattern: pattern.into_boxed_slice(),
            stopping: false,
        }
    }

    fn accept(&mut self, ep: &mut Endpoint, now: Instant, l: ListenerId) {
        while self.listener == Some(l) {
            let Ok(id) = ep.accept(l) else { return };
            self.accepted += 1;
            if self.max.is_some_and(|m| self.accepted >= m) {
                // Enough: later SYNs are refused.
                let _ = ep.close_listener(now, l);
                self.listener = None;
            }
            let peer = ep
                .addrs(id)
                .map_or(SocketAddr::from(([0, 0, 0, 0], 0)), |(_, r)| r);
            let work = match self.kind {
                Kind::Echo => Work::Echo {
                    pending: Vec::new(),
                    off: 0,
                },
                Kind::Discard => Work::Discard {
                    hash: Sha256::new(),
                    bytes: 0,
                },
                Kind::Source(_) => Work::Source { sent: 0 },
                Kind::Http(_) => Work::Http(Box::default()),
            };
            self.conns.insert(
                id,
                Conn {
                    peer,
                    eof: false,
                    fin_sent: false,
                    work,
                },
            );
            self.pump(ep, now, id);
        }
    }

    /// Moves data on connection `id` as far as it goes, then checks whether
    /// it is complete.
    fn pump(&mut self, ep: &mut Endpoint, now: Instant, id: ConnId) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        let Conn {
            peer,
            eof,
            fin_sent,
            work,
        } = conn;
        let r = match (work, &self.kind) {
            (Work::Echo { pending, off }, _) => {
                echo(ep, now, id, &mut self.buf, pending, off, eof, fin_sent)
            }
            (Work::Discard { hash, bytes }, _) => {
                let r = drain(ep, now, id, eof, &mut |d| {
                    hash.update(d);
                    *bytes += d.len() as u64;
                });
                if *eof && !*fin_sent {
                    let digest = hex(&hash.clone().finalize());
                    report(&format!("peer={peer} bytes={bytes} sha256={digest}"));
                }
                r
            }
            (Work::Source { sent }, Kind::Source(total)) => {
                source(ep, now, id, &self.pattern, (sent, *total), eof, fin_sent)
            }
            (Work::Http(h), Kind::Http(root)) => {
                serve_http(ep, now, id, &mut self.buf, root, h, eof, fin_sent)
            }
            _ => Pumped::Ok,
        };
        // Half-close once the peer has and our side has nothing more.
        if let Pumped::Failed(e) = r {
            return self.finish(ep, now, id, Some(e));
        }
        let conn = self.conns.get_mut(&id).expect("present");
        if conn.eof && !conn.fin_sent && pending_empty(&conn.work) {
            conn.fin_sent = true;
            if let Err(e) = ep.shutdown(now, id) {
                return self.finish(ep, now, id, Some(e));
            }
        }
        self.check(ep, now, id);
    }

    /// Releases the connection if it is complete; watches it otherwise.
    fn check(&mut self, ep: &mut Endpoint, now: Instant, id: ConnId) {
        let Some(conn) = self.conns.get(&id) else {
            return;
        };
        if !(conn.eof && conn.fin_sent) {
            return;
        }
        match ep.state(id) {
            Ok(State::TimeWait | State::Closed) => self.finish(ep, now, id, None),
            Ok(_) => {
                if !self.watch.contains(&id) {
                    self.watch.push(id);
                }
            }
            Err(_) => self.finish(ep, now, id, None),
        }
    }

    /// The connection is complete (or failed with `error`): release it.
    fn finish(&mut self, ep: &mut Endpoint, now: Instant, id: ConnId, error: Option<Error>) {
        let Some(conn) = self.conns.remove(&id) else {
            return;
        };
        if let Some(e) = error {
            if let Work::Discard { bytes, .. } = conn.work {
                report(&format!("peer={} bytes={bytes} error=\"{e}\"", conn.peer));
            }
            let _ = ep.abort(now, id);
        } else {
            let _ = ep.close(now, id);
        }
        self.watch.retain(|&w| w != id);
    }
}

impl App for Serve {
    fn on_event(&mut self, ep: &mut Endpoint, now: Instant, event: Event) {
        match event {
            Event::Incoming(l) => self.accept(ep, now, l),
            Event::Conn(id, kind) => match kind {
                EventKind::Reset => self.finish(ep, now, id, Some(Error::ConnectionReset)),
                EventKind::TimedOut => self.finish(ep, now, id, Some(Error::TimedOut)),
                EventKind::Refused => self.finish(ep, now, id, Some(Error::ConnectionRefused)),
                _ => self.pump(ep, now, id),
            },
            _ => {} // serve's listener holds no SYNs
        }
    }

    fn poll(&mut self, ep: &mut Endpoint, now: Instant) {
        let mut i = 0;
        while i < self.watch.len() {
            let id = self.watch[i];
            let before = self.watch.len();
            self.check(ep, now, id);
            if self.watch.len() == before {
                i += 1;
            }
        }
    }

    fn is_done(&self) -> bool {
        self.listener.is_none() && self.conns.is_empty()
    }

    fn shutdown(&mut self, ep: &mut Endpoint, now: Instant) {
        self.stopping = true;
        if let Some(l) = self.listener.take() {
            let _ = ep.close_listener(now, l);
        }
        let ids: Vec<ConnId> = self.conns.keys().copied().collect();
        for id in ids {
            let conn = self.conns.get_mut(&id).expect("present");
            if let Work::Echo { pending, off } = &mut conn.work {
                pending.clear();
                *off = 0;
            }
            if let Work::Http(h) = &mut conn.work {
                h.active = false;
                h.file = None;
            }
            if !conn.fin_sent {
                conn.fin_sent = true;
                if let Err(e) = ep.shutdown(now, id) {
                    self.finish(ep, now, id, Some(e));
                    continue;
                }
            }
            self.pump(ep, now, id);
        }
    }

    fn abort(&mut self, ep: &mut Endpoint, now: Instant) {
        for (id, _) in self.conns.drain() {
            let _ = ep.abort(now, id);
        }
        self.watch.clear();
    }

    fn status(&mut self, ep: &Endpoint, driver: &DriverStats) {
        eprintln!(
            "synack: status: {} connections accepted, {} open",
            self.accepted,
            self.conns.len()
        );
        print_drops(ep, driver);
    }
}

/// Echo has nothing waiting to be sent.
fn pending_empty(w: &Work) -> bool {
    match w {
        Work::Echo { pending, .. } => pending.is_empty(),
        Work::Http(h) => !h.active,
        _ => true,
    }
}

/// Reads everything waiting, handing it to `sink` in place (no copy out of
/// the receive buffer); sets `eof` at the end of the stream.
fn drain(
    ep: &mut Endpoint,
    now: Instant,
    id: ConnId,
    eof: &mut bool,
    sink: &mut dyn FnMut(&[u8]),
) -> Pumped {
    while !*eof {
        let r = ep.recv_with(now, id, |data| {
            sink(data);
            data.len()
        });
        match r {
            Ok(None) => *eof = true,
            Ok(Some(_)) => {}
            Err(Error::WouldBlock) => break,
            Err(e) => return Pumped::Failed(e),
        }
    }
    Pumped::Ok
}

/// Sends as much of `data` as fits; `Ok(n)` bytes went.
fn send_some(ep: &mut Endpoint, now: Instant, id: ConnId, data: &[u8]) -> Result<usize, Error> {
    match ep.send(now, id, data) {
        Ok(n) => Ok(n),
        Err(Error::WouldBlock) => Ok(0),
        Err(e) => Err(e),
    }
}

#[allow(clippy::too_many_arguments)]
fn echo(
    ep: &mut Endpoint,
    now: Instant,
    id: ConnId,
    buf: &mut [u8],
    pending: &mut Vec<u8>,
    off: &mut usize,
    eof: &mut bool,
    fin_sent: &mut bool,
) -> Pumped {
    if *fin_sent {
        return drain(ep, now, id, eof, &mut |_| {});
    }
    loop {
        if *off < pending.len() {
            match send_some(ep, now, id, &pending[*off..]) {
                Ok(n) => *off += n,
                Err(e) => return Pumped::Failed(e),
            }
            if *off < pending.len() {
                return Pumped::Ok; // Writable will follow
            }
            pending.clear();
            *off = 0;
        }
        if *eof {
            return Pumped::Ok;
        }
        match ep.recv(now, id, buf) {
            Ok(0) => *eof = true,
            Ok(n) => match send_some(ep, now, id, &buf[..n]) {
                Ok(m) if m < n => {
                    // The send buffer is full: keep the rest and stop
                    // reading (the receive window closes: backpressure).
                    pending.extend_from_slice(&buf[m..n]);
                    return Pumped::Ok;
                }
                Ok(_) => {}
                Err(e) => return Pumped::Failed(e),
            },
            Err(Error::WouldBlock) => return Pumped::Ok,
            Err(e) => return Pumped::Failed(e),
        }
    }
}

fn source(
    ep: &mut Endpoint,
    now: Instant,
    id: ConnId,
    pattern: &[u8],
    (sent, total): (&mut u64, u64),
    eof: &mut bool,
    fin_sent: &mut bool,
) -> Pumped {
    if !*fin_sent {
        while *sent < total {
            let start = (*sent % 256) as usize;
            let len = usize::try_from(total - *sent)
                .unwrap_or(usize::MAX)
                .min(SCRATCH);
            match send_some(ep, now, id, &pattern[start..start + len]) {
                Ok(n) => {
                    *sent += n as u64;
                    if n < len {
                        break; // Writable will follow
                    }
                }
                Err(e) => return Pumped::Failed(e),
            }
        }
        if *sent == total {
            *fin_sent = true;
            if let Err(e) = ep.shutdown(now, id) {
                return Pumped::Failed(e);
            }
        }
    }
    // Whatever the client sends is read and dropped.
    drain(ep, now, id, eof, &mut |_| {})
}

/// HTTP/1.1 on one connection: parse a request, send its response (head,
/// then the file in chunks read straight into the send buffer), repeat
/// while the connection is kept alive. Reading stops while a response is
/// being sent, so pipelined requests wait in the receive window.
#[allow(clippy::too_many_arguments)]
fn serve_http(
    ep: &mut Endpoint,
    now: Instant,
    id: ConnId,
    buf: &mut [u8],
    root: &Path,
    h: &mut HttpConn,
    eof: &mut bool,
    fin_sent: &mut bool,
) -> Pumped {
    loop {
        if h.active {
            while h.head_off < h.head.len() {
                match send_some(ep, now, id, &h.head[h.head_off..]) {
                    Ok(0) => return Pumped::Ok,
                    Ok(n) => h.head_off += n,
                    Err(e) => return Pumped::Failed(e),
                }
            }
            while h.pos < h.end {
                let Some(file) = h.file.as_ref() else { break };
                let want = usize::try_from(h.end - h.pos)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                let got = match file.read_at(&mut buf[..want], h.pos) {
                    Ok(0) | Err(_) => {
                        // The file shrank or failed under us: the promised
                        // length cannot be kept; end the connection.
                        return Pumped::Failed(Error::Closed);
                    }
                    Ok(k) => k,
                };
                match send_some(ep, now, id, &buf[..got]) {
                    Ok(n) => {
                        h.pos += n as u64;
                        if n < got {
                            return Pumped::Ok; // Writable will follow
                        }
                    }
                    Err(e) => return Pumped::Failed(e),
                }
            }
            h.active = false;
            h.file = None;
            if h.close_after {
                *fin_sent = true;
                if let Err(e) = ep.shutdown(now, id) {
                    return Pumped::Failed(e);
                }
            }
        }
        if *fin_sent {
            return drain(ep, now, id, eof, &mut |_| {});
        }
        let blank = http::skip_empty_lines(&h.req);
        h.req.drain(..blank);
        if !h.req.is_empty() {
            match http::parse_request(&h.req) {
                Parsed::Request(r) => {
                    h.req.drain(..r.head_len);
                    let k = usize::try_from(r.body)
                        .unwrap_or(usize::MAX)
                        .min(h.req.len());
                    h.req.drain(..k);
                    h.skip = r.body - k as u64;
                    respond(h, root, &r);
                    continue;
                }
                Parsed::Bad(status) => {
                    h.req.clear();
                    error_response(h, status, false, &[]);
                    continue;
                }
                Parsed::Incomplete => {}
            }
        }
        if *eof {
            // The client closed; an incomplete request gets no answer.
            *fin_sent = true;
            if let Err(e) = ep.shutdown(now, id) {
                return Pumped::Failed(e);
            }
            return Pumped::Ok;
        }
        let room = http::MAX_HEAD
            .saturating_sub(h.req.len())
            .clamp(1, buf.len());
        match ep.recv(now, id, &mut buf[..room]) {
            Ok(0) => *eof = true,
            Ok(n) => {
                let s = usize::try_from(h.skip).unwrap_or(usize::MAX).min(n);
                h.skip -= s as u64;
                h.req.extend_from_slice(&buf[s..n]);
            }
            Err(Error::WouldBlock) => return Pumped::Ok,
            Err(e) => return Pumped::Failed(e),
        }
    }
}

/// Prepares the response to a parsed request.
fn respond(h: &mut HttpConn, root: &Path, r: &http::Request) {
    if r.method == Method::Other {
        return error_response(h, 405, r.keep_alive, &[("Allow", "GET, HEAD")]);
    }
    let head_only = r.method == Method::Head;
    match http::resolve(root, &r.target) {
        Resolved::File(path) => {
            let opened = File::open(&path).and_then(|f| f.metadata().map(|m| (f, m.len())));
            let Ok((file, len)) = opened else {
                return error_response(h, 403, r.keep_alive, &[]);
            };
            http::response_head(
                &mut h.head,
                200,
                http::content_type(&path),
                len,
                r.keep_alive,
                &[],
            );
            h.file = (!head_only).then_some(file);
            h.pos = 0;
            h.end = if head_only { 0 } else { len };
        }
        Resolved::Redirect(location) => {
            let body = format!("301 Moved Permanently: {location}\n");
            http::response_head(
                &mut h.head,
                301,
                "text/plain; charset=utf-8",
                body.len() as u64,
                r.keep_alive,
                &[("Location", &location)],
            );
            if !head_only {
                h.head.extend_from_slice(body.as_bytes());
            }
            h.file = None;
            h.pos = 0;
            h.end = 0;
        }
        Resolved::Status(status) => {
            let keep = r.keep_alive && status != 400;
            error_response(h, status, keep, &[]);
            if head_only {
                // Keep the head, drop the body text.
                if let Some(end) = http::head_end(&h.head) {
                    h.head.truncate(end);
                }
            }
            return;
        }
    }
    h.head_off = 0;
    h.active = true;
    h.close_after = !r.keep_alive;
}

/// An error status with a one-line text body.
fn error_response(h: &mut HttpConn, status: u16, keep_alive: bool, extra: &[(&str, &str)]) {
    let body = format!("{status} {}\n", http::reason(status));
    http::response_head(
        &mut h.head,
        status,
        "text/plain; charset=utf-8",
        body.len() as u64,
        keep_alive,
        extra,
    );
    h.head.extend_from_slice(body.as_bytes());
    h.head_off = 0;
    h.file = None;
    h.pos = 0;
    h.end = 0;
    h.active = true;
    h.close_after = !keep_alive;
}

/// A line on stdout (one per connection for `discard`).
fn report(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
