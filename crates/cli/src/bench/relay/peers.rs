//! The kernel's ends of `bench relay`: the servers in the far namespace
//! and the client that times the transfers.

use super::{Figure, SERVER};
use crate::bench::tun::{APP_BUF, PERIOD, matches, pattern};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

const SINK_PORT: u16 = 5001;
const SOURCE_PORT: u16 = 5002;
/// A transfer that makes no progress for this long fails.
const STALL: Duration = Duration::from_secs(20);

fn addr(port: u16) -> SocketAddr {
    SocketAddr::new(SERVER.into(), port)
}

/// The servers (`--servers`, in the far namespace): the sink reads and
/// checks `bytes` bytes per connection and answers `k` (or `x` if a byte
/// was wrong); the source writes `bytes` bytes per connection. One
/// connection at a time each, until killed.
pub fn servers(bytes: u64) -> Result<(), String> {
    let sink = TcpListener::bind(addr(SINK_PORT)).map_err(|e| format!("bind sink: {e}"))?;
    let source = TcpListener::bind(addr(SOURCE_PORT)).map_err(|e| format!("bind source: {e}"))?;
    thread::spawn(move || {
        for s in sink.incoming().flatten() {
            let _ = sink_one(s, bytes);
        }
    });
    for s in source.incoming().flatten() {
        let _ = source_one(s, bytes);
    }
    Ok(())
}

fn sink_one(mut s: TcpStream, bytes: u64) -> std::io::Result<()> {
    s.set_read_timeout(Some(STALL))?;
    let pat = pattern();
    let mut buf = vec![0u8; APP_BUF];
    let (mut got, mut ok) = (0u64, true);
    while got < bytes {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        ok &= matches(&pat, &buf[..n], got);
        got += n as u64;
    }
    s.write_all(if ok && got == bytes { b"k" } else { b"x" })?;
    s.shutdown(Shutdown::Write)
}

fn source_one(mut s: TcpStream, bytes: u64) -> std::io::Result<()> {
    s.set_write_timeout(Some(STALL))?;
    write_pattern(&mut s, bytes)?;
    s.shutdown(Shutdown::Write)?;
    let mut rest = [0u8; 64];
    while s.read(&mut rest)? > 0 {}
    Ok(())
}

fn write_pattern(s: &mut TcpStream, bytes: u64) -> std::io::Result<()> {
    let src = pattern();
    let mut sent = 0u64;
    while sent < bytes {
        let off = (sent % PERIOD as u64) as usize;
        let len = (bytes - sent).min(APP_BUF as u64) as usize;
        s.write_all(&src[off..off + len])?;
        sent += len as u64;
    }
    Ok(())
}

/// Waits until the servers accept (at most 10 s).
pub fn wait_for_servers() -> Result<(), String> {
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if TcpStream::connect_timeout(&addr(SOURCE_PORT), Duration::from_secs(1)).is_ok() {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(20));
    }
    Err("the servers did not start".into())
}

/// `up` then `down` through whatever path the routes give now.
pub fn both_ways(stack: &'static str, bytes: u64) -> Result<Vec<Figure>, String> {
    let fail = |dir: &str, e: std::io::Error| format!("{stack} {dir}: {e}");
    let t0 = Instant::now();
    let mut s = TcpStream::connect_timeout(&addr(SINK_PORT), STALL).map_err(|e| fail("up", e))?;
    s.set_read_timeout(Some(STALL)).map_err(|e| fail("up", e))?;
    s.set_write_timeout(Some(STALL))
        .map_err(|e| fail("up", e))?;
    write_pattern(&mut s, bytes).map_err(|e| fail("up", e))?;
    // The sink answers after N bytes: no FIN on the timed path (ipstack
    // stalled when the last data came with the client's FIN).
    let mut verdict = [0u8; 1];
    s.read_exact(&mut verdict).map_err(|e| fail("up", e))?;
    let up = t0.elapsed().as_secs_f64();
    if verdict != *b"k" {
        return Err(format!("{stack} up: the sink saw other bytes"));
    }
    let _ = s.shutdown(Shutdown::Write);
    drop(s);
    let t0 = Instant::now();
    let mut s =
        TcpStream::connect_timeout(&addr(SOURCE_PORT), STALL).map_err(|e| fail("down", e))?;
    s.set_read_timeout(Some(STALL))
        .map_err(|e| fail("down", e))?;
    let pat = pattern();
    let mut buf = vec![0u8; APP_BUF];
    let (mut got, mut ok) = (0u64, true);
    // Up to N bytes: the source's FIN is not waited for (ipstack did not
    // pass it on).
    while got < bytes {
        let want = ((bytes - got) as usize).min(buf.len());
        let n = s.read(&mut buf[..want]).map_err(|e| fail("down", e))?;
        if n == 0 {
            break;
        }
        ok &= matches(&pat, &buf[..n], got);
        got += n as u64;
    }
    let down = t0.elapsed().as_secs_f64();
    if !ok || got != bytes {
        return Err(format!(
            "{stack} down: read {got} of {bytes} bytes, intact: {ok}"
        ));
    }
    drop(s);
    Ok(vec![
        Figure {
            stack,
            direction: "up",
            bytes,
            seconds: up,
        },
        Figure {
            stack,
            direction: "down",
            bytes,
            seconds: down,
        },
    ])
}
