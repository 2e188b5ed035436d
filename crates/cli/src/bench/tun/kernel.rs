//! The Linux side of every `bench tun` measurement: a kernel socket on a
//! thread that writes the pattern or reads and checks it, and the kernel's
//! own reference, one kernel socket to another over a veth pair.
//!
//! The reference (`linux_to_linux`): the outer run creates a second
//! namespace joined to the bench namespace by a veth pair (MTU 1500,
//! 198.18.1.1/24 here, 198.18.1.2/24 there). The inner run starts synack a
//! third time in that namespace as a sink (hidden option `--kernel-sink`),
//! which reads and checks N bytes and prints its time; a writer thread here
//! sends them. Both ends are the kernel's TCP with its defaults, as the
//! kernel side is in the other measurements.

use super::{APP_BUF, Measured, STALL, matches, pattern};
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::io::{BufRead, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// This end of the veth pair (in the bench namespace).
pub const VETH_HERE: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 1);
/// The far end of the veth pair (in the sink's namespace).
pub const VETH_THERE: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 2);
/// The sink's port.
const SINK_PORT: u16 = 5003;

/// What a kernel reader saw: bytes read, seconds from its accept until the
/// last of the wanted bytes, and whether every byte matched the pattern.
#[derive(Clone, Copy, Debug)]
pub struct KernelRead {
    /// Bytes read.
    pub got: u64,
    /// Seconds from the accept until the last wanted byte.
    pub seconds: f64,
    /// Every byte matched the pattern.
    pub ok: bool,
}

impl KernelRead {
    /// `got seconds ok`: how the sink reports to the bench process.
    fn line(&self) -> String {
        format!("{} {} {}", self.got, self.seconds, self.ok)
    }

    /// The inverse of [`KernelRead::line`].
    fn parse(line: &str) -> Option<KernelRead> {
        let mut f = line.split_whitespace();
        Some(KernelRead {
            got: f.next()?.parse().ok()?,
            seconds: f.next()?.parse().ok()?,
            ok: f.next()?.parse().ok()?,
        })
    }
}

/// A thread that connects to `addr`, writes `bytes` bytes of the pattern
/// 64 KiB at a time, shuts its side down and waits for the peer's FIN;
/// `notify` runs when it ends. Connecting is retried for a second (the
/// peer may still be starting).
pub fn spawn_writer(
    addr: SocketAddr,
    bytes: u64,
    notify: impl FnOnce() + Send + 'static,
) -> mpsc::Receiver<Result<(), String>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let r = (|| -> std::io::Result<()> {
            let mut s = connect_retrying(addr)?;
            s.set_write_timeout(Some(STALL))?;
            s.set_read_timeout(Some(STALL))?;
            let src = pattern();
            let mut sent = 0u64;
            while sent < bytes {
                let off = (sent % super::PERIOD as u64) as usize;
                let len = (bytes - sent).min(APP_BUF as u64) as usize;
                s.write_all(&src[off..off + len])?;
                sent += len as u64;
            }
            s.shutdown(Shutdown::Write)?;
            let mut sink = [0u8; 1024];
            while s.read(&mut sink)? > 0 {}
            Ok(())
        })();
        let _ = tx.send(r.map_err(|e| format!("kernel socket (writer): {e}")));
        notify();
    });
    rx
}

fn connect_retrying(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let until = Instant::now() + Duration::from_secs(1);
    loop {
        match TcpStream::connect_timeout(&addr, STALL) {
            Err(e)
                if e.kind() == std::io::ErrorKind::ConnectionRefused && Instant::now() < until =>
            {
                thread::sleep(Duration::from_millis(10));
            }
            r => return r,
        }
    }
}

/// A thread that accepts one connection on `listener` and reads it to the
/// end, checking every byte; `notify` runs when it ends.
pub fn spawn_reader(
    listener: TcpListener,
    bytes: u64,
    notify: impl FnOnce() + Send + 'static,
) -> mpsc::Receiver<Result<KernelRead, String>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let r = listener.accept().and_then(|(s, _)| read_stream(s, bytes));
        let _ = tx.send(r.map_err(|e| format!("kernel socket (reader): {e}")));
        notify();
    });
    rx
}

/// Reads `s` to the end, checking every byte; the clock starts now.
fn read_stream(mut s: TcpStream, bytes: u64) -> std::io::Result<KernelRead> {
    let start = Instant::now();
    s.set_read_timeout(Some(STALL))?;
    let mut buf = vec![0u8; APP_BUF];
    let pat = pattern();
    let mut r = KernelRead {
        got: 0,
        seconds: 0.0,
        ok: true,
    };
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        r.ok &= matches(&pat, &buf[..n], r.got);
        r.got += n as u64;
        if r.got >= bytes && r.seconds == 0.0 {
            r.seconds = start.elapsed().as_secs_f64();
        }
    }
    Ok(r)
}

/// Turns a kernel reader's result into the figures of `direction`.
pub fn measured(
    stack: &'static str,
    direction: &'static str,
    bytes: u64,
    r: Option<Result<KernelRead, String>>,
) -> Result<Measured, String> {
    match r {
        Some(Ok(r)) if r.got == bytes && r.ok => Ok(Measured {
            stack,
            direction,
            bytes,
            seconds: r.seconds,
            offloads: stack != "smoltcp",
            busy_poll_hits: None,
        }),
        Some(Ok(r)) => Err(format!(
            "{direction}: the kernel read {} of {bytes} bytes{}",
            r.got,
            if r.ok { "" } else { ", corrupted" }
        )),
        Some(Err(e)) => Err(format!("{direction}: {e}")),
        None => Err(format!("{direction}: interrupted")),
    }
}

/// The sink (`--kernel-sink`, in the veth peer's namespace): listens,
/// says `ready`, reads and checks `bytes` bytes from one connection (giving
/// up if none comes within [`STALL`]) and prints `got seconds ok`.
pub fn sink(bytes: u64) -> Result<(), String> {
    let addr = SocketAddr::new(IpAddr::V4(VETH_THERE), SINK_PORT);
    let listener = TcpListener::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
    println!("ready");
    std::io::stdout()
        .flush()
        .map_err(|e| format!("kernel sink: {e}"))?;
    // A blocking accept on a thread, so the clock starts the moment the
    // connection does; the wait for it is bounded (this process then exits,
    // thread and all).
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(listener.accept().map(|(s, _)| s));
    });
    let stream = match rx.recv_timeout(STALL) {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(format!("kernel sink: accept: {e}")),
        Err(_) => {
            return Err(format!(
                "kernel sink: no connection within {} s",
                STALL.as_secs()
            ));
        }
    };
    let r = read_stream(stream, bytes).map_err(|e| format!("kernel sink: {e}"))?;
    println!("{}", r.line());
    Ok(())
}

/// `linux_to_linux`: the kernel to itself over the veth pair into `peer_ns`.
/// The writer starts once the sink says it listens; if the writer fails,
/// the sink is stopped rather than left waiting.
pub fn linux_to_linux(peer_ns: &str, bytes: u64) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find synack itself: {e}"))?;
    let n = bytes.to_string();
    let mut child = Command::new("ip")
        .args(["netns", "exec", peer_ns])
        .arg(exe)
        .args(["bench", "tun", "--bytes", &n, "--kernel-sink"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run ip netns exec: {e}"))?;
    let mut out = std::io::BufReader::new(child.stdout.take().ok_or("no pipe from the sink")?);
    let mut line = String::new();
    let ready = out.read_line(&mut line).is_ok() && line.trim() == "ready";
    let written = if ready {
        let addr = SocketAddr::new(IpAddr::V4(VETH_THERE), SINK_PORT);
        spawn_writer(addr, bytes, || {})
            .recv()
            .unwrap_or(Err("writer vanished".into()))
    } else {
        Err("the kernel sink did not start".into())
    };
    if written.is_err() {
        let _ = child.kill();
    }
    line.clear();
    let _ = out.read_to_string(&mut line);
    let status = child.wait().map_err(|e| format!("kernel sink: {e}"))?;
    written.map_err(|e| format!("linux_to_linux: {e}"))?;
    match KernelRead::parse(&line) {
        Some(r) if status.success() => measured("linux", "linux_to_linux", bytes, Some(Ok(r))),
        _ => Err(format!("linux_to_linux: the kernel sink failed ({status})")),
    }
}
