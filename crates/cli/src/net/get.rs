//! `synack get`: an HTTP/1.1 GET over the TUN device. The body (delimited by
//! Content-Length, the chunked coding or the end of the connection) goes to
//! `-o FILE` or stdout, with a progress bar when stderr is a terminal. A
//! status of 400 or more is reported in one line with exit code 1.

use super::args::GetArgs;
use super::connect::check_family;
use super::http::{self, Body, Chunked, Url};
use super::progress::Progress;
use super::stream::open_sink;
use super::{Failure, SCRATCH, Session, finish};
use core::net::SocketAddr;
use std::io::Write;
use std::process::ExitCode;
use synack_core::{ConnId, Endpoint, Error, Event, EventKind, Instant, State};
use synack_tun::App;

/// Runs `synack get`.
pub fn run(a: &GetArgs) -> Result<ExitCode, String> {
    finish(run_inner(a))
}

fn run_inner(a: &GetArgs) -> Result<ExitCode, Failure> {
    let url = http::parse_url(&a.url)
        .map_err(|e| Failure::Setup(format!("invalid URL '{}': {e}", a.url)))?;
    check_family(a.tun.addr.addr, url.addr)?;
    let sink = open_sink(a.output.as_deref()).map_err(|e| {
        Failure::Setup(format!(
            "cannot create '{}': {e}",
            a.output.as_deref().unwrap_or("-".as_ref()).display()
        ))
    })?;
    let mut session = Session::open(&a.tun, "get")?;
    let now = session.driver.now();
    let local = SocketAddr::new(session.ours.addr, 0);
    let conn = session
        .driver
        .endpoint()
        .connect(now, local, url.addr)
        .map_err(|e| Failure::Setup(format!("cannot connect to {}: {e}", url.addr)))?;
    let mut app = Get::new(conn, &url, sink);
    let ending = session.driver.run(&mut app);
    app.progress.finish();
    session.close(ending?)?;
    if let Some(msg) = app.failure {
        return Err(Failure::Run(msg));
    }
    match app.status {
        Some((status, reason)) if status >= 400 => {
            Err(Failure::Run(format!("HTTP {status} {reason}")))
        }
        Some(_) => Ok(ExitCode::SUCCESS),
        // Interrupted before the response.
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Where the response is.
enum Phase {
    /// Collecting the head.
    Head,
    /// Reading the body.
    Body(BodyState),
    /// The body is complete; the rest of the stream is discarded.
    Done,
}

enum BodyState {
    Length(u64),
    Chunked(Chunked),
    UntilClose,
}

/// The GET state machine on one connection.
struct Get {
    conn: Option<ConnId>,
    connected: bool,
    request: Vec<u8>,
    request_sent: usize,
    head: Vec<u8>,
    phase: Phase,
    sink: Box<dyn Write>,
    buf: Box<[u8]>,
    progress: Progress,
    fin_sent: bool,
    eof: bool,
    status: Option<(u16, String)>,
    failure: Option<String>,
    done: bool,
}

impl Get {
    fn new(conn: ConnId, url: &Url, sink: Box<dyn Write>) -> Self {
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: synack/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            url.path,
            url.authority,
            env!("CARGO_PKG_VERSION")
        )
        .into_bytes();
        Get {
            conn: Some(conn),
            connected: false,
            request,
            request_sent: 0,
            head: Vec::new(),
            phase: Phase::Head,
            sink,
            buf: vec![0; SCRATCH].into_boxed_slice(),
            progress: Progress::new(),
            fin_sent: false,
            eof: false,
            status: None,
            failure: None,
            done: false,
        }
    }

    fn fail(&mut self, ep: &mut Endpoint, now: Instant, msg: String) {
        if let Some(c) = self.conn.take() {
            let _ = ep.abort(now, c);
        }
        let _ = self.sink.flush();
        self.failure.get_or_insert(msg);
        self.done = true;
    }

    fn pump(&mut self, ep: &mut Endpoint, now: Instant) {
        let Some(c) = self.conn else { return };
        if !self.connected {
            return;
        }
        while self.request_sent < self.request.len() {
            match ep.send(now, c, &self.request[self.request_sent..]) {
                Ok(n) => self.request_sent += n,
                Err(Error::WouldBlock) => break,
                Err(e) => return self.fail(ep, now, e.to_string()),
            }
        }
        while !self.eof {
            let n = match ep.recv(now, c, &mut self.buf) {
                Ok(n) => n,
                Err(Error::WouldBlock) => break,
                Err(e) => return self.fail(ep, now, e.to_string()),
            };
            if n == 0 {
                self.eof = true;
                if let Err(msg) = self.end_of_stream() {
                    return self.fail(ep, now, msg);
                }
                break;
            }
            if let Err(msg) = self.take(n) {
                return self.fail(ep, now, msg);
            }
        }
        if matches!(self.phase, Phase::Done) && !self.fin_sent {
            self.fin_sent = true;
            if let Err(e) = self.sink.flush() {
                return self.fail(ep, now, format!("cannot write output: {e}"));
            }
            let _ = ep.shutdown(now, c);
        }
        if self.fin_sent && self.eof && matches!(ep.state(c), Ok(State::TimeWait | State::Closed)) {
            let _ = ep.close(now, c);
            self.conn = None;
            self.done = true;
        }
    }

    /// Handles `n` bytes that arrived in `self.buf`.
    fn take(&mut self, n: usize) -> Result<(), String> {
        let mut off = 0;
        while off < n {
            match &mut self.phase {
                Phase::Head => {
                    self.head.extend_from_slice(&self.buf[off..n]);
                    let Some(resp) = http::parse_response(&self.head)? else {
                        return Ok(());
                    };
                    // Body bytes that came with the head go back through
                    // the loop.
                    let extra = self.head.len() - resp.head_len;
                    off = n - extra;
                    self.head.clear();
                    if (100..200).contains(&resp.status) {
                        continue; // an interim response: the real one follows
                    }
                    self.status = Some((resp.status, resp.reason));
                    self.phase = match resp.body {
                        Body::Empty | Body::Length(0) => Phase::Done,
                        Body::Length(len) => {
                            self.progress.total = Some(len);
                            Phase::Body(BodyState::Length(len))
                        }
                        Body::Chunked => Phase::Body(BodyState::Chunked(Chunked::new())),
                        Body::UntilClose => Phase::Body(BodyState::UntilClose),
                    };
                }
                Phase::Body(BodyState::Length(left)) => {
                    let take = (n - off).min(usize::try_from(*left).unwrap_or(usize::MAX));
                    *left -= take as u64;
                    let finished = *left == 0;
                    self.write(off, off + take)?;
                    off += take;
                    if finished {
                        self.phase = Phase::Done;
                    }
                }
                Phase::Body(BodyState::UntilClose) => {
                    self.write(off, n)?;
                    off = n;
                }
                Phase::Body(BodyState::Chunked(dec)) => {
                    let sink = &mut self.sink;
                    let progress = &mut self.progress;
                    let used = dec.feed(&self.buf[off..n], &mut |data| {
                        progress.add(data.len());
                        sink.write_all(data)
                            .map_err(|e| format!("cannot write output: {e}"))
                    })?;
                    off += used;
                    if dec.is_done() {
                        self.phase = Phase::Done;
                    }
                }
                Phase::Done => return Ok(()), // anything after the body is ignored
            }
        }
        Ok(())
    }

    fn write(&mut self, from: usize, to: usize) -> Result<(), String> {
        self.progress.add(to - from);
        self.sink
            .write_all(&self.buf[from..to])
            .map_err(|e| format!("cannot write output: {e}"))
    }

    /// The server closed its side.
    fn end_of_stream(&mut self) -> Result<(), String> {
        match &self.phase {
            Phase::Head => Err("the server closed the connection without a response".into()),
            Phase::Body(BodyState::Length(left)) => Err(format!(
                "the server closed the connection {left} bytes before the end of the body"
            )),
            Phase::Body(BodyState::Chunked(_)) => {
                Err("the server closed the connection inside a chunked body".into())
            }
            Phase::Body(BodyState::UntilClose) | Phase::Done => {
                self.phase = Phase::Done;
                Ok(())
            }
        }
    }
}

impl App for Get {
    fn on_event(&mut self, ep: &mut Endpoint, now: Instant, event: Event) {
        let Event::Conn(c, kind) = event else { return };
        if Some(c) != self.conn {
            return;
        }
        match kind {
            EventKind::Connected => {
                self.connected = true;
                self.pump(ep, now);
            }
            EventKind::Refused => self.fail(ep, now, Error::ConnectionRefused.to_string()),
            EventKind::TimedOut => self.fail(ep, now, Error::TimedOut.to_string()),
            EventKind::Reset if matches!(self.phase, Phase::Done) => {
                // The whole body arrived; how the server ends the
                // connection afterwards does not matter.
                let _ = self.sink.flush();
                if let Some(c) = self.conn.take() {
                    let _ = ep.close(now, c);
                }
                self.done = true;
            }
            EventKind::Reset => self.fail(ep, now, Error::ConnectionReset.to_string()),
            _ => self.pump(ep, now),
        }
    }

    fn poll(&mut self, ep: &mut Endpoint, now: Instant) {
        self.pump(ep, now);
    }

    fn is_done(&self) -> bool {
        self.done
    }

    fn shutdown(&mut self, ep: &mut Endpoint, now: Instant) {
        if let Some(c) = self.conn {
            if !self.connected {
                let _ = ep.abort(now, c);
                self.conn = None;
                self.done = true;
                return;
            }
            if !self.fin_sent {
                self.fin_sent = true;
                let _ = ep.shutdown(now, c);
            }
        }
        let _ = self.sink.flush();
    }

    fn abort(&mut self, ep: &mut Endpoint, now: Instant) {
        if let Some(c) = self.conn.take() {
            let _ = ep.abort(now, c);
        }
        let _ = self.sink.flush();
        self.done = true;
    }
}
