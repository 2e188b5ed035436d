//! `bench tun`: one connection each way between a Linux kernel socket and
//! synack over a TUN device, in a private network namespace.
//!
//! The workload, to be reproduced exactly by other stacks: a fresh network
//! namespace; synack creates the TUN device `synack0` (MTU 1500) and owns
//! 198.18.0.2/24, the kernel side gets 198.18.0.1/24 (as `synack serve`
//! does). Socket buffers are synack's defaults and the kernel's defaults
//! (autotuning); applications read and write 64 KiB at a time.
//!
//! - `linux_to_synack`: a kernel socket connects to synack's port 5001 and
//!   writes N bytes; synack reads them. The clock runs from synack's accept
//!   until synack has read all N bytes.
//! - `synack_to_linux`: synack connects to a kernel listener on
//!   198.18.0.1:5002 and writes N bytes; the kernel socket reads them. The
//!   clock runs from the kernel's accept until it has read all N bytes.
//!
//! Both sides check every byte (byte i of a stream is `i % 251`).
//!
//! The command needs root and /dev/net/tun. It creates the namespace
//! `synack-bench-<pid>`, runs itself inside it (`ip netns exec`) with the
//! hidden option `--inside`, and deletes the namespace afterwards. The
//! kernel side runs on a thread of that inner process, so both share the
//! machine's cores like any client and server on one host.

use super::netns::{Netns, check_privileges};
use super::round;
use crate::args::TunArgs;
use crate::net::Session;
use crate::net::args::TunOpts;
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use serde_json::json;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant as StdInstant};
use synack_core::{ConnId, Endpoint, Error, Event, EventKind, Instant, ListenerId, State};
use synack_tun::{App, Waker};

/// synack's address.
const SYNACK: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// The kernel side's address.
const KERNEL: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// synack's listening port (`linux_to_synack`).
const SYNACK_PORT: u16 = 5001;
/// The kernel's listening port (`synack_to_linux`).
const KERNEL_PORT: u16 = 5002;
/// Application buffers.
const APP_BUF: usize = 64 * 1024;
/// Pattern period (prime, so it does not line up with buffer sizes).
const PERIOD: usize = 251;
/// Give up when a direction makes no progress for this long.
const STALL: Duration = Duration::from_secs(20);

/// One direction's figures.
struct Measured {
    direction: &'static str,
    bytes: u64,
    seconds: f64,
}

/// Runs the benchmark: outside the namespace, sets it up and runs the
/// inner part in it; inside, measures.
pub fn run(a: &TunArgs) -> Result<ExitCode, String> {
    if a.inside {
        return inside(a);
    }
    if let Err(msg) = check_privileges() {
        eprintln!("synack: {msg}");
        return Ok(ExitCode::from(2));
    }
    let mut ns = Netns::create()?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find synack itself: {e}"))?;
    let bytes = a.bytes.to_string();
    let mut args = vec!["bench", "tun", "--bytes", bytes.as_str(), "--inside"];
    if a.json {
        args.push("--json");
    }
    if a.no_offload {
        args.push("--no-offload");
    }
    // Generous: setup, then both directions at 10 MB/s or better.
    let limit = Duration::from_secs(60 + 2 * a.bytes / 10_000_000);
    let status = ns.run(&exe, &args, limit)?;
    drop(ns);
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

fn pattern() -> Vec<u8> {
    (0..APP_BUF + PERIOD).map(|i| (i % PERIOD) as u8).collect()
}

fn print(a: &TunArgs, m: &Measured) {
    let gbit = m.bytes as f64 * 8.0 / m.seconds.max(1e-9) / 1e9;
    if a.json {
        let v = json!({
            "bench": "tun",
            "stack": "synack",
            "direction": m.direction,
            "bytes": m.bytes,
            "mtu": 1500,
            "offloads": !a.no_offload,
            "seconds": round(m.seconds, 6),
            "gbit_per_s": round(gbit, 3),
        });
        println!("{v}");
    } else {
        println!(
            "tun {}: {} bytes, MTU 1500: {:.6} s, {:.3} Gbit/s",
            m.direction, m.bytes, m.seconds, gbit
        );
    }
}

/// The part inside the namespace.
fn inside(a: &TunArgs) -> Result<ExitCode, String> {
    let opts = TunOpts {
        tun: "synack0".into(),
        addr: format!("{SYNACK}/24")
            .parse()
            .map_err(|e: String| e.to_string())?,
        pcap: None,
        trace: false,
        loss: 0.0,
        seed: None,
        mtu: Some(1500),
        no_offload: a.no_offload,
    };
    let mut session = match Session::open(&opts, "bench tun") {
        Ok(s) => s,
        Err(crate::net::Failure::Setup(m) | crate::net::Failure::Run(m)) => return Err(m),
    };
    let m = linux_to_synack(&mut session, a.bytes)?;
    print(a, &m);
    let m = synack_to_linux(&mut session, a.bytes)?;
    print(a, &m);
    drop(session);
    Ok(ExitCode::SUCCESS)
}

/// Checks `data`, the stream's bytes from offset `off`, against the
/// pattern `pat` (from [`pattern`]): every byte is compared, a slice at a
/// time (a division per byte made the check itself the bottleneck).
fn matches(pat: &[u8], data: &[u8], off: u64) -> bool {
    let mut off = off;
    data.chunks(APP_BUF).all(|chunk| {
        let start = (off % PERIOD as u64) as usize;
        off += chunk.len() as u64;
        chunk == &pat[start..start + chunk.len()]
    })
}

fn linux_to_synack(session: &mut Session, bytes: u64) -> Result<Measured, String> {
    let addr = SocketAddr::new(IpAddr::V4(SYNACK), SYNACK_PORT);
    let listener = session
        .driver
        .endpoint()
        .listen(addr, 16)
        .map_err(|e| format!("listen on {addr}: {e}"))?;
    let (tx, rx) = mpsc::channel();
    let waker = session.driver.waker();
    let writer = thread::spawn(move || {
        let r = (|| -> std::io::Result<()> {
            let mut s = TcpStream::connect_timeout(&addr, STALL)?;
            s.set_write_timeout(Some(STALL))?;
            s.set_read_timeout(Some(STALL))?;
            let src = pattern();
            let mut sent = 0u64;
            while sent < bytes {
                let off = (sent % PERIOD as u64) as usize;
                let len = (bytes - sent).min(APP_BUF as u64) as usize;
                s.write_all(&src[off..off + len])?;
                sent += len as u64;
            }
            s.shutdown(Shutdown::Write)?;
            // Wait for synack's FIN.
            let mut sink = [0u8; 1024];
            while s.read(&mut sink)? > 0 {}
            Ok(())
        })();
        let _ = tx.send(r.map_err(|e| format!("kernel socket (writer): {e}")));
        waker.wake();
    });
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
        buf: vec![0; APP_BUF].into_boxed_slice(),
        pat: pattern(),
        writer: rx,
        writer_done: false,
        last_progress: StdInstant::now(),
    };
    session
        .driver
        .run(&mut app)
        .map_err(|e| format!("driver: {e}"))?;
    let _ = writer.join();
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
        direction: "linux_to_synack",
        bytes,
        seconds: end.duration_since(start).as_secs_f64(),
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
    buf: Box<[u8]>,
    pat: Vec<u8>,
    writer: mpsc::Receiver<Result<(), String>>,
    writer_done: bool,
    last_progress: StdInstant,
}

impl Reader {
    fn pump(&mut self, ep: &mut Endpoint, now: Instant) {
        let Some(c) = self.conn else { return };
        while !self.eof {
            match ep.recv(now, c, &mut self.buf) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.verified &= matches(&self.pat, &self.buf[..n], self.got);
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

fn synack_to_linux(session: &mut Session, bytes: u64) -> Result<Measured, String> {
    let addr = SocketAddr::new(IpAddr::V4(KERNEL), KERNEL_PORT);
    let listener = TcpListener::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
    let (tx, rx) = mpsc::channel();
    let waker: Waker = session.driver.waker();
    let reader = thread::spawn(move || {
        let r = (|| -> std::io::Result<(u64, f64, bool)> {
            let (mut s, _) = listener.accept()?;
            let start = StdInstant::now();
            s.set_read_timeout(Some(STALL))?;
            let mut buf = vec![0u8; APP_BUF];
            let pat = pattern();
            let (mut got, mut ok, mut secs) = (0u64, true, 0.0);
            loop {
                let n = s.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                ok &= matches(&pat, &buf[..n], got);
                got += n as u64;
                if got >= bytes && secs == 0.0 {
                    secs = start.elapsed().as_secs_f64();
                }
            }
            Ok((got, secs, ok))
        })();
        let _ = tx.send(r.map_err(|e| format!("kernel socket (reader): {e}")));
        waker.wake();
    });
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
    session
        .driver
        .run(&mut app)
        .map_err(|e| format!("driver: {e}"))?;
    let _ = reader.join();
    if let Some(f) = app.failure {
        return Err(format!("synack_to_linux: {f}"));
    }
    match app.result {
        Some(Ok((got, secs, ok))) if got == bytes && ok => Ok(Measured {
            direction: "synack_to_linux",
            bytes,
            seconds: secs,
        }),
        Some(Ok((got, _, ok))) => Err(format!(
            "synack_to_linux: the kernel read {got} of {bytes} bytes{}",
            if ok { "" } else { ", corrupted" }
        )),
        Some(Err(e)) => Err(format!("synack_to_linux: {e}")),
        None => Err("synack_to_linux: interrupted".into()),
    }
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
    reader: mpsc::Receiver<Result<(u64, f64, bool), String>>,
    result: Option<Result<(u64, f64, bool), String>>,
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
