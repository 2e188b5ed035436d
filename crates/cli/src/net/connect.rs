//! `synack connect`: one connection to HOST:PORT over the TUN device. Sends
//! `--send FILE` (or nothing), half-closes, writes what arrives to `--recv
//! FILE` (or stdout), and exits 0 once both directions are closed and our
//! FIN is acknowledged.

use super::args::ConnectArgs;
use super::stream::{Next, Source, open_sink};
use super::{Failure, SCRATCH, Session, finish};
use core::net::SocketAddr;
use std::io::Write;
use std::process::ExitCode;
use synack_core::{ConnId, Endpoint, Error, Event, EventKind, Instant, State};
use synack_tun::App;

/// Runs `synack connect`.
pub fn run(a: &ConnectArgs) -> Result<ExitCode, String> {
    finish(run_inner(a))
}

fn run_inner(a: &ConnectArgs) -> Result<ExitCode, Failure> {
    check_family(a.tun.addr.addr, a.remote)?;
    let sink = open_sink(a.recv.as_deref()).map_err(|e| {
        Failure::Setup(format!(
            "cannot create '{}': {e}",
            a.recv.as_deref().unwrap_or("-".as_ref()).display()
        ))
    })?;
    let mut session = Session::open(&a.tun, "connect")?;
    let source = match &a.send {
        Some(path) => Some(
            Source::open(path, session.driver.waker())
                .map_err(|e| Failure::Setup(format!("cannot open '{}': {e}", path.display())))?,
        ),
        None => None,
    };
    let now = session.driver.now();
    let local = SocketAddr::new(session.ours.addr, 0);
    let conn = session
        .driver
        .endpoint()
        .connect(now, local, a.remote)
        .map_err(|e| Failure::Setup(format!("cannot connect to {}: {e}", a.remote)))?;
    let mut app = Stream::new(conn, source, sink);
    let ending = session.driver.run(&mut app)?;
    session.close(ending)?;
    if let Some(msg) = app.failure {
        return Err(Failure::Run(msg));
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses to mix families: an IPv6 peer needs an IPv6 --addr.
pub fn check_family(ours: core::net::IpAddr, remote: SocketAddr) -> Result<(), Failure> {
    if ours.is_ipv4() != remote.is_ipv4() {
        return Err(Failure::Setup(format!(
            "{} is {} but --addr is {}",
            remote.ip(),
            if remote.is_ipv4() { "IPv4" } else { "IPv6" },
            if ours.is_ipv4() { "IPv4" } else { "IPv6" },
        )));
    }
    Ok(())
}

/// One client connection moving a byte stream each way.
struct Stream {
    conn: Option<ConnId>,
    connected: bool,
    source: Option<Source>,
    sink: Box<dyn Write>,
    buf: Box<[u8]>,
    fin_sent: bool,
    eof: bool,
    /// Why the run failed (printed by `main`, exit code 1).
    failure: Option<String>,
    done: bool,
}

impl Stream {
    fn new(conn: ConnId, source: Option<Source>, sink: Box<dyn Write>) -> Self {
        Stream {
            conn: Some(conn),
            connected: false,
            source,
            sink,
            buf: vec![0; SCRATCH].into_boxed_slice(),
            fin_sent: false,
            eof: false,
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
        // Receive everything waiting; flush it (someone may be watching).
        let mut wrote = false;
        while !self.eof {
            match ep.recv(now, c, &mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    if let Err(e) = self.sink.flush() {
                        return self.fail(ep, now, format!("cannot write output: {e}"));
                    }
                }
                Ok(n) => {
                    wrote = true;
                    if let Err(e) = self.sink.write_all(&self.buf[..n]) {
                        return self.fail(ep, now, format!("cannot write output: {e}"));
                    }
                }
                Err(Error::WouldBlock) => break,
                Err(e) => return self.fail(ep, now, e.to_string()),
            }
        }
        if wrote && let Err(e) = self.sink.flush() {
            return self.fail(ep, now, format!("cannot write output: {e}"));
        }
        // Send what the input has, then FIN.
        while !self.fin_sent {
            let next = match self.source.as_mut().map(Source::next) {
                None => Next::End,
                Some(Ok(n)) => n,
                Some(Err(e)) => return self.fail(ep, now, format!("cannot read input: {e}")),
            };
            match next {
                Next::Data(data) => match ep.send(now, c, data) {
                    Ok(n) => {
                        let all = n == data.len();
                        if let Some(s) = self.source.as_mut() {
                            s.consume(n);
                        }
                        if !all {
                            break; // Writable will follow
                        }
                    }
                    Err(Error::WouldBlock) => break,
                    Err(e) => return self.fail(ep, now, e.to_string()),
                },
                Next::Pending => break,
                Next::End => {
                    self.fin_sent = true;
                    if let Err(e) = ep.shutdown(now, c) {
                        return self.fail(ep, now, e.to_string());
                    }
                }
            }
        }
        self.check_done(ep, now);
    }

    /// Both directions closed and our FIN acknowledged: release the handle.
    fn check_done(&mut self, ep: &mut Endpoint, now: Instant) {
        let Some(c) = self.conn else { return };
        if self.fin_sent && self.eof && matches!(ep.state(c), Ok(State::TimeWait | State::Closed)) {
            let _ = ep.close(now, c);
            self.conn = None;
            self.done = true;
        }
    }
}

impl App for Stream {
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
        // Stop sending; FIN after what is queued; keep receiving.
        self.source = None;
        if let Some(c) = self.conn
            && !self.fin_sent
        {
            self.fin_sent = true;
            if !self.connected {
                let _ = ep.abort(now, c);
                self.conn = None;
                self.done = true;
                return;
            }
            let _ = ep.shutdown(now, c);
        }
    }

    fn abort(&mut self, ep: &mut Endpoint, now: Instant) {
        if let Some(c) = self.conn.take() {
            let _ = ep.abort(now, c);
        }
        let _ = self.sink.flush();
        self.done = true;
    }
}
