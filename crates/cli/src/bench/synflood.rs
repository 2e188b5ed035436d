//! `bench synflood`: a SYN flood from spoofed sources against a listener
//! while legitimate clients connect, in virtual time, once per SYN cookie
//! mode (off, when needed, always).
//!
//! The workload: the server listens with a backlog of B; every virtual
//! millisecond the flood puts RATE/1000 SYNs from random 198.19.x.y
//! addresses and ports (never answered: the server's SYN-ACKs to them are
//! lost, as a spoofer's are); C clients connect at even intervals over the
//! run, each sends a byte and reads one back once the server accepts (the
//! server accepts every millisecond). A client that cannot connect within
//! its SYN retries fails. Figures: clients connected, their connect times
//! (virtual), the server's peak connection count and memory (its own
//! accounting), the SYNs the flood sent and the cookies the server sent.

use super::pair::{CLIENT, Pair};
use super::round;
use crate::args::SynFloodArgs;
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use core::time::Duration;
use serde_json::json;
use std::process::ExitCode;
use synack_core::config::SynCookies;
use synack_core::wire::{self, IpRepr, TcpFlags, TcpOptions, TcpRepr};
use synack_core::{Config, ConnId, Endpoint, EndpointConfig, Instant, SeqNum, State};

/// Runs the benchmark in each mode and prints a line (or JSON) per mode.
pub fn run(a: &SynFloodArgs) -> Result<ExitCode, String> {
    let mut ok = true;
    for mode in [SynCookies::Off, SynCookies::WhenNeeded, SynCookies::Always] {
        let r = measure(a, mode)?;
        ok &= mode == SynCookies::Off || r.connected == a.clients;
        if a.json {
            let v = json!({
                "bench": "synflood",
                "stack": "synack",
                "cookies": mode_name(mode),
                "backlog": a.backlog,
                "flood_syn_per_s": a.rate,
                "seconds": a.seconds,
                "flood_syns": r.flood_syns,
                "clients": a.clients,
                "clients_connected": r.connected,
                "connect_ms_median": round(r.connect_ms_median, 3),
                "connect_ms_max": round(r.connect_ms_max, 3),
                "server_peak_connections": r.peak_connections,
                "server_peak_bytes": r.peak_bytes,
                "server_end_bytes": r.end_bytes,
                "syn_cookies_sent": r.cookies_sent,
                "backlog_drops": r.backlog_drops,
                "wall_seconds": round(r.wall_seconds, 3),
                "flood_syn_per_wall_s": round(r.flood_syns as f64 / r.wall_seconds.max(1e-9), 0),
            });
            println!("{v}");
        } else {
            println!(
                "synflood, cookies {:<11} {} of {} clients connected (median {:.1} ms, max {:.1} ms) \
                 under {} spoofed SYNs; server peak {} connections, {} KiB; {} cookies sent",
                mode_name(mode),
                r.connected,
                a.clients,
                r.connect_ms_median,
                r.connect_ms_max,
                r.flood_syns,
                r.peak_connections,
                r.peak_bytes / 1024,
                r.cookies_sent,
            );
        }
    }
    // With cookies every client must get in; that is the benchmark's claim.
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn mode_name(m: SynCookies) -> &'static str {
    match m {
        SynCookies::Off => "off",
        SynCookies::WhenNeeded => "when-needed",
        SynCookies::Always => "always",
    }
}

/// What one run measured.
struct Outcome {
    flood_syns: u64,
    connected: u64,
    connect_ms_median: f64,
    connect_ms_max: f64,
    peak_connections: usize,
    peak_bytes: usize,
    end_bytes: usize,
    cookies_sent: u64,
    backlog_drops: u64,
    wall_seconds: f64,
}

/// A legitimate client's progress.
struct Client {
    id: ConnId,
    started: Instant,
    connected_at: Option<Instant>,
    done: bool,
}

fn measure(a: &SynFloodArgs, mode: SynCookies) -> Result<Outcome, String> {
    let wall = std::time::Instant::now();
    let mut p = Pair::new(Config::default(), &[]);
    p.server = Endpoint::new(EndpointConfig {
        addresses: vec![IpAddr::V4(super::pair::SERVER)],
        syn_cookies: mode,
        ..p.server.config().clone()
    });
    let l = p
        .server
        .listen(Pair::server_addr(), usize::from(a.backlog))
        .map_err(|e| format!("listen: {e}"))?;
    let tick = Duration::from_millis(1);
    let ticks = a.seconds * 1000;
    // Clients start in the first 80% of the run, so each has time to finish.
    let client_every = (ticks * 8 / 10 / a.clients.max(1)).max(1);
    let per_tick = a.rate / 1000;
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut clients: Vec<Client> = Vec::new();
    let mut accepted: Vec<ConnId> = Vec::new();
    let (mut flood_syns, mut peak_connections, mut peak_bytes) = (0u64, 0usize, 0usize);
    let mut buf = vec![0u8; 65536];
    // Run on after the flood until the last client is done (SYN retries
    // take up to a minute or two), bounded.
    let limit = ticks + 200_000;
    for t in 0..limit {
        let now = Instant::ZERO + tick * u32::try_from(t).unwrap_or(u32::MAX);
        if t < ticks {
            for _ in 0..per_tick {
                rng = xorshift(rng);
                flood_syn(&mut p.server, now, rng, &mut buf);
                flood_syns += 1;
            }
            if t % client_every == 0 && (clients.len() as u64) < a.clients {
                let id = p
                    .client
                    .connect(
                        now,
                        SocketAddr::new(IpAddr::V4(CLIENT), 0),
                        Pair::server_addr(),
                    )
                    .map_err(|e| format!("connect: {e}"))?;
                clients.push(Client {
                    id,
                    started: now,
                    connected_at: None,
                    done: false,
                });
            }
        }
        pump(&mut p, now, &mut buf);
        p.timers(now);
        pump(&mut p, now, &mut buf);
        while let Ok(s) = p.server.accept(l) {
            accepted.push(s);
        }
        serve(&mut p, now, &mut accepted);
        for c in clients.iter_mut().filter(|c| !c.done) {
            step_client(&mut p, now, c);
        }
        p.drop_events();
        if t % 100 == 0 {
            peak_connections = peak_connections.max(p.server.connection_count());
            peak_bytes = peak_bytes.max(p.server.memory_usage().total());
        }
        if t >= ticks && clients.iter().all(|c| c.done) {
            break;
        }
    }
    let mut times: Vec<f64> = clients
        .iter()
        .filter_map(|c| {
            c.connected_at
                .map(|t| t.saturating_since(c.started).as_secs_f64() * 1e3)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let s = *p.server.stats();
    Ok(Outcome {
        flood_syns,
        connected: times.len() as u64,
        connect_ms_median: times.get(times.len() / 2).copied().unwrap_or(0.0),
        connect_ms_max: times.last().copied().unwrap_or(0.0),
        peak_connections,
        peak_bytes,
        end_bytes: p.server.memory_usage().total(),
        cookies_sent: s.syn_cookies_sent,
        backlog_drops: s.backlog_drops,
        wall_seconds: wall.elapsed().as_secs_f64(),
    })
}

/// Client → server as is; server → client only what is for the client
/// (the SYN-ACKs to spoofed sources go nowhere).
fn pump(p: &mut Pair, now: Instant, buf: &mut [u8]) {
    loop {
        let mut moved = false;
        while let Some(n) = p.client.poll_transmit(now, buf) {
            p.server.handle_packet(now, &buf[..n]);
            moved = true;
        }
        while let Some(n) = p.server.poll_transmit(now, buf) {
            if wire::peek_addresses(&buf[..n]).is_some_and(|(_, dst)| dst == IpAddr::V4(CLIENT)) {
                p.client.handle_packet(now, &buf[..n]);
            }
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

/// The server echoes what it reads and closes on end of stream.
fn serve(p: &mut Pair, now: Instant, accepted: &mut Vec<ConnId>) {
    let mut b = [0u8; 16];
    accepted.retain(|&s| match p.server.recv(now, s, &mut b) {
        Ok(0) => {
            let _ = p.server.close(now, s);
            false
        }
        Ok(n) => {
            let _ = p.server.send(now, s, &b[..n]);
            true
        }
        Err(synack_core::Error::WouldBlock) => true,
        Err(_) => {
            let _ = p.server.close(now, s);
            false
        }
    });
}

/// A client sends one byte once connected, and closes when it is echoed.
fn step_client(p: &mut Pair, now: Instant, c: &mut Client) {
    match p.client.state(c.id) {
        Ok(State::Established) if c.connected_at.is_none() => {
            c.connected_at = Some(now);
            let _ = p.client.send(now, c.id, b"q");
        }
        Ok(State::Established) => {
            let mut b = [0u8; 1];
            if p.client.recv(now, c.id, &mut b) == Ok(1) {
                let _ = p.client.close(now, c.id);
                c.done = true;
            }
        }
        Ok(State::SynSent) => {}
        _ => c.done = true,
    }
}

/// One spoofed SYN from a source drawn from `r`.
fn flood_syn(server: &mut Endpoint, now: Instant, r: u64, buf: &mut [u8]) {
    let src = Ipv4Addr::new(198, 19, (r >> 8) as u8, (r >> 16) as u8);
    let tcp = TcpRepr {
        src_port: 1024 + (r >> 24) as u16 % 60000,
        dst_port: super::pair::PORT,
        seq: SeqNum((r >> 32) as u32),
        ack: SeqNum(0),
        flags: TcpFlags::SYN,
        window: 65535,
        urgent: 0,
        options: TcpOptions {
            mss: Some(1460),
            ..TcpOptions::default()
        },
    };
    let ip = IpRepr {
        src: IpAddr::V4(src),
        dst: IpAddr::V4(super::pair::SERVER),
        ttl: 64,
        ecn: 0,
        dscp: 0,
        dont_fragment: true,
    };
    if let Ok(n) = wire::emit_packet(&ip, &tcp, &[], buf) {
        server.handle_packet(now, &buf[..n]);
    }
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}
