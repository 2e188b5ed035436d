//! `bench bulk`: one connection moves N bytes client → server.
//!
//! The workload, to be reproduced exactly by other stacks: the client
//! application writes N bytes copied from a 64 KiB buffer, the server
//! application reads them into a 64 KiB buffer; socket buffers are B bytes
//! each way, the link MTU is M. The clock runs from just after the connection
//! is established until the server application has read all N bytes.

use super::pair::{Clock, Pair};
use super::round;
use crate::args::BulkArgs;
use core::net::SocketAddr;
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;
use synack_core::{Config, Error, Instant};

/// Size of the application buffers.
const APP_BUF: usize = 64 * 1024;
/// Give up when nothing moves for this long.
const STALL: Duration = Duration::from_secs(10);

/// What a run measured.
struct Result {
    seconds: f64,
    received: u64,
    verified: bool,
    segments: u64,
    retransmissions: u64,
}

/// Runs the benchmark and prints its figures.
pub fn run(a: &BulkArgs) -> std::result::Result<ExitCode, String> {
    let r = measure(a.bytes, a.mtu, a.buffer)?;
    let gbit = r.received as f64 * 8.0 / r.seconds.max(1e-9) / 1e9;
    if a.json {
        let v = json!({
            "bench": "bulk",
            "stack": "synack",
            "bytes": a.bytes,
            "mtu": a.mtu,
            "buffer": a.buffer,
            "seconds": round(r.seconds, 6),
            "gbit_per_s": round(gbit, 3),
            "segments": r.segments,
            "retransmissions": r.retransmissions,
            "verified": r.verified,
        });
        println!("{v}");
    } else {
        println!(
            "bulk: {} bytes, MTU {}, buffers {} B: {:.6} s, {:.3} Gbit/s ({} segments, {} \
             retransmissions, data {})",
            a.bytes,
            a.mtu,
            a.buffer,
            r.seconds,
            gbit,
            r.segments,
            r.retransmissions,
            if r.verified { "verified" } else { "CORRUPT" }
        );
    }
    if a.compare {
        let (secs, ok) = super::smol::bulk(a.bytes, a.mtu, a.buffer, &source())?;
        let sgbit = a.bytes as f64 * 8.0 / secs.max(1e-9) / 1e9;
        if a.json {
            let v = json!({
                "bench": "bulk", "stack": "smoltcp", "bytes": a.bytes, "mtu": a.mtu,
                "buffer": a.buffer, "seconds": round(secs, 6), "gbit_per_s": round(sgbit, 3),
                "verified": ok,
            });
            println!("{v}");
            println!(
                "{}",
                json!({"bench": "bulk", "ratio_synack_to_smoltcp": round(gbit / sgbit.max(1e-9), 3)})
            );
        } else {
            println!(
                "bulk: smoltcp 0.14 on the same workload: {secs:.6} s, {sgbit:.3} Gbit/s (data {}); synack / smoltcp = {:.2}",
                if ok { "verified" } else { "CORRUPT" },
                gbit / sgbit.max(1e-9)
            );
        }
    }
    if r.verified {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("synack: bench bulk: the bytes read differ from the bytes written");
        Ok(ExitCode::FAILURE)
    }
}

/// The byte at stream offset `i` (the 64 KiB source buffer, repeated).
fn source() -> Vec<u8> {
    (0..APP_BUF)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ (i as u8))
        .collect()
}

fn measure(bytes: u64, mtu: usize, buffer: usize) -> std::result::Result<Result, String> {
    let tcp = Config {
        mtu,
        send_buffer: buffer,
        recv_buffer: buffer,
        ..Config::default()
    };
    let mut p = Pair::new(tcp, &[]);
    let clock = Clock::start();
    let listener = p
        .server
        .listen(Pair::server_addr(), 16)
        .map_err(|e| format!("listen: {e}"))?;
    let any: SocketAddr = "0.0.0.0:0".parse().map_err(|_| "address")?;
    let c = p
        .client
        .connect(clock.now(), any, Pair::server_addr())
        .map_err(|e| format!("connect: {e}"))?;
    let s = loop {
        let now = clock.now();
        p.timers(now);
        p.pump(now);
        p.drop_events();
        match p.server.accept(listener) {
            Ok(s) => break s,
            Err(Error::WouldBlock) if clock.now() < Instant::ZERO + STALL => {}
            Err(e) => return Err(format!("handshake did not complete: {e}")),
        }
    };
    let src = source();
    let mut dst = vec![0u8; APP_BUF];
    let (mut sent, mut received) = (0u64, 0u64);
    let mut verified = true;
    let start = std::time::Instant::now();
    let mut last_progress = start;
    while received < bytes {
        let now = clock.now();
        p.timers(now);
        // The client application writes as much as the send buffer takes.
        while sent < bytes {
            let off = (sent % APP_BUF as u64) as usize;
            let len = (APP_BUF - off).min((bytes - sent) as usize);
            match p.client.send(now, c, &src[off..off + len]) {
                Ok(n) => {
                    sent += n as u64;
                    if n < len {
                        break;
                    }
                }
                Err(Error::WouldBlock) => break,
                Err(e) => return Err(format!("send: {e}")),
            }
        }
        let moved = p.client_to_server(now);
        // The server application reads everything there is.
        let before = received;
        loop {
            match p.server.recv(now, s, &mut dst) {
                Ok(0) => return Err("unexpected end of stream".into()),
                Ok(n) => {
                    let off = (received % APP_BUF as u64) as usize;
                    let first = n.min(APP_BUF - off);
                    verified &= dst[..first] == src[off..off + first];
                    verified &= dst[first..n] == src[..n - first];
                    received += n as u64;
                }
                Err(Error::WouldBlock) => break,
                Err(e) => return Err(format!("recv: {e}")),
            }
        }
        let moved = moved + p.server_to_client(now);
        p.drop_events();
        if moved > 0 || received > before {
            last_progress = std::time::Instant::now();
        } else if last_progress.elapsed() > STALL {
            return Err(format!(
                "stalled after {received} of {bytes} bytes (nothing moved for {} s)",
                STALL.as_secs()
            ));
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let stats = *p.client.stats();
    Ok(Result {
        seconds,
        received,
        verified: verified && received == bytes,
        segments: stats.tx_packets,
        retransmissions: stats.retransmissions,
    })
}
