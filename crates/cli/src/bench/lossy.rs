//! `bench lossy`: loss recovery in virtual time.
//!
//! The workload: two synack hosts in the simulator joined by a link of a
//! given rate and RTT (half each way) that loses a share P of the packets
//! in each direction, independently. The client sends N bytes, the server
//! reads them; socket buffers are twice the bandwidth-delay product (at
//! least 64 KiB), and the link's queue holds one BDP, so the only losses
//! are the random ones. Goodput runs from establishment to the last byte
//! read, in virtual time, and is set against the Mathis bound
//! (Mathis et al. 1997): MSS/RTT * sqrt(3/2)/sqrt(p), about 1.22/sqrt(p),
//! the steady-state rate of a Reno sender that loses one segment in 1/p.
//! Every byte is checked.

use super::round;
use crate::args::LossyArgs;
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;
use synack_core::config::Congestion;
use synack_core::conn::LossStats;
use synack_core::{Config, ConnId, Endpoint, EndpointConfig, Error, State};
use synack_sim::{HostId, LinkConfig, Sim};

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
const SERVER: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
const PORT: u16 = 5001;
/// Application buffers.
const APP_BUF: usize = 64 * 1024;
/// Give up after this much virtual time without the transfer finishing.
const VIRTUAL_LIMIT: Duration = Duration::from_secs(24 * 3600);
/// IPv4 + TCP headers, and the timestamp option every segment carries.
const HEADERS: usize = 20 + 20 + 12;

/// The sweep in docs/benchmarks.md.
const SWEEP_LOSS: [f64; 4] = [0.001, 0.01, 0.05, 0.1];
const SWEEP_RTT: [u64; 3] = [1, 20, 100];

/// One configuration.
#[derive(Clone, Copy, Debug)]
struct Setup {
    loss: f64,
    rtt_ms: u64,
    bytes: u64,
    rate_mbit: u64,
    mtu: usize,
    congestion: Congestion,
    /// RFC 6675 recovery, RACK and TLP (off: NewReno's recovery only).
    sack_recovery: bool,
}

/// What one run measured.
#[derive(Clone, Copy, Debug)]
struct Run {
    seconds: f64,
    retransmissions: u64,
    segments: u64,
    /// The sender's loss counters.
    loss: LossStats,
}

/// Runs the benchmark and prints its figures.
pub fn run(a: &LossyArgs) -> Result<ExitCode, String> {
    let congestion = match a.cc.as_str() {
        "newreno" => Congestion::NewReno,
        _ => Congestion::Cubic,
    };
    let base = Setup {
        loss: a.loss,
        rtt_ms: a.rtt,
        bytes: a.bytes,
        rate_mbit: a.rate,
        mtu: a.mtu,
        congestion,
        sack_recovery: !a.no_sack_recovery,
    };
    let grid: Vec<Setup> = if a.sweep {
        SWEEP_LOSS
            .iter()
            .flat_map(|&loss| SWEEP_RTT.iter().map(move |&rtt_ms| (loss, rtt_ms)))
            .map(|(loss, rtt_ms)| Setup {
                loss,
                rtt_ms,
                ..base
            })
            .collect()
    } else {
        vec![base]
    };
    if !a.json {
        println!(
            "{:>6} {:>6} {:>12} {:>12} {:>7} {:>8} {:>5} {:>9}",
            "loss", "rtt_ms", "goodput_Mbit", "mathis_Mbit", "ratio", "retrans", "rtos", "seconds"
        );
    }
    for s in grid {
        let mut runs = Vec::new();
        for i in 0..a.runs {
            runs.push(measure(&s, a.seed.wrapping_add(i))?);
        }
        runs.sort_by(|x, y| x.seconds.total_cmp(&y.seconds));
        let median = runs[runs.len() / 2];
        report(&s, &median, a, runs.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// The Mathis bound in Mbit/s for this setup.
fn mathis_mbit(s: &Setup) -> f64 {
    let mss = (s.mtu - HEADERS) as f64;
    mss * 8.0 / (s.rtt_ms as f64 / 1000.0) * (1.5f64).sqrt() / s.loss.sqrt() / 1e6
}

fn report(s: &Setup, r: &Run, a: &LossyArgs, runs: usize) {
    let goodput = s.bytes as f64 * 8.0 / r.seconds.max(1e-9) / 1e6;
    let mathis = mathis_mbit(s);
    let ratio = goodput / mathis;
    if a.json {
        let v = json!({
            "bench": "lossy",
            "stack": "synack",
            "congestion": format!("{:?}", s.congestion).to_lowercase(),
            "sack_recovery": s.sack_recovery,
            "loss": s.loss,
            "rtt_ms": s.rtt_ms,
            "rate_mbit": s.rate_mbit,
            "mtu": s.mtu,
            "bytes": s.bytes,
            "runs": runs,
            "seconds": round(r.seconds, 3),
            "goodput_mbit": round(goodput, 3),
            "mathis_mbit": round(mathis, 3),
            "ratio_to_mathis": round(ratio, 3),
            "segments": r.segments,
            "retransmissions": r.retransmissions,
            "fast_retransmits": r.loss.fast_retransmits,
            "rack_retransmits": r.loss.rack_retransmits,
            "tlp_probes": r.loss.tlp_probes,
            "rto_events": r.loss.rto_events,
            "recoveries": r.loss.recoveries,
            "dsacks": r.loss.dsacks,
            "spurious_undos": r.loss.spurious_undos,
        });
        println!("{v}");
    } else {
        println!(
            "{:>6} {:>6} {:>12.3} {:>12.3} {:>7.2} {:>8} {:>5} {:>9.2}",
            format!("{}%", s.loss * 100.0),
            s.rtt_ms,
            goodput,
            mathis,
            ratio,
            r.retransmissions,
            r.loss.rto_events,
            r.seconds
        );
    }
}

/// The byte at stream offset `i`.
fn byte_at(i: u64) -> u8 {
    (i.wrapping_mul(2_654_435_761) >> 7) as u8 ^ (i as u8)
}

fn endpoint(sim: &mut Sim<Endpoint>, ip: IpAddr, tcp: Config) -> Endpoint {
    let mut secret = [0u8; 16];
    secret[..8].copy_from_slice(&sim.random_u64().to_le_bytes());
    secret[8..].copy_from_slice(&sim.random_u64().to_le_bytes());
    Endpoint::new(EndpointConfig {
        tcp,
        addresses: vec![ip],
        secret,
        ..EndpointConfig::default()
    })
}

/// One transfer with one seed.
fn measure(s: &Setup, seed: u64) -> Result<Run, String> {
    let rtt = Duration::from_millis(s.rtt_ms);
    let rate_bps = s.rate_mbit * 1_000_000;
    let bdp = (rate_bps as f64 / 8.0 * rtt.as_secs_f64()) as usize;
    let buffer = (2 * bdp).clamp(64 * 1024, 1 << 30);
    let tcp = Config {
        mtu: s.mtu,
        send_buffer: buffer,
        recv_buffer: buffer,
        congestion: s.congestion,
        sack_recovery: s.sack_recovery,
        rack: s.sack_recovery,
        tlp: s.sack_recovery,
        ..Config::default()
    };
    let link = LinkConfig::new()
        .latency(rtt / 2)
        .rate_bps(rate_bps)
        .queue_limit((bdp / s.mtu).max(64))
        .loss(s.loss)
        .mtu(s.mtu);
    let mut sim = Sim::new(seed);
    let (c_ep, s_ep) = (
        endpoint(&mut sim, CLIENT, tcp.clone()),
        endpoint(&mut sim, SERVER, tcp),
    );
    let client = sim.add_host(c_ep, &[CLIENT]);
    let server = sim.add_host(s_ep, &[SERVER]);
    sim.link(client, server, link.clone(), link);
    let l = sim
        .host_mut(server)
        .listen(SocketAddr::new(SERVER, PORT), 16)
        .map_err(|e| format!("listen: {e}"))?;
    let now = sim.now();
    let c = sim
        .host_mut(client)
        .connect(
            now,
            SocketAddr::new(CLIENT, 0),
            SocketAddr::new(SERVER, PORT),
        )
        .map_err(|e| format!("connect: {e}"))?;
    let deadline = sim.now() + VIRTUAL_LIMIT;
    // The handshake (its segments can be lost too).
    let conn = loop {
        drain_events(&mut sim, client, server);
        match sim.host_mut(server).accept(l) {
            Ok(conn) => break conn,
            Err(Error::WouldBlock) => {}
            Err(e) => return Err(format!("accept: {e}")),
        }
        if sim.host(client).state(c).is_err() || !sim.step() || sim.now() > deadline {
            return Err("the handshake did not complete".into());
        }
    };
    while sim.host(client).state(c) != Ok(State::Established) {
        if !sim.step() || sim.now() > deadline {
            return Err("the handshake did not complete".into());
        }
    }
    let start = sim.now();
    let src: Vec<u8> = (0..APP_BUF as u64).map(byte_at).collect();
    let mut dst = vec![0u8; APP_BUF];
    let (mut sent, mut received) = (0u64, 0u64);
    loop {
        let now = sim.now();
        write(&mut sim, client, c, now, &src, &mut sent, s.bytes)?;
        received += read(&mut sim, server, conn, now, &mut dst, received)?;
        drain_events(&mut sim, client, server);
        if received >= s.bytes {
            break;
        }
        if !sim.step() || sim.now() > deadline {
            return Err(format!(
                "stalled: {received} of {} bytes after {:.1} s of virtual time",
                s.bytes,
                (sim.now() - start).as_secs_f64()
            ));
        }
    }
    let seconds = (sim.now() - start).as_secs_f64();
    let ep = sim.host(client);
    let loss = ep
        .connection(c)
        .map(|conn| conn.loss_stats())
        .map_err(|e| format!("the sender's connection: {e}"))?;
    let stats = ep.stats();
    Ok(Run {
        seconds,
        retransmissions: stats.retransmissions,
        segments: stats.tx_packets,
        loss,
    })
}

/// The client application writes what the send buffer takes.
fn write(
    sim: &mut Sim<Endpoint>,
    host: HostId,
    c: ConnId,
    now: synack_core::Instant,
    src: &[u8],
    sent: &mut u64,
    total: u64,
) -> Result<(), String> {
    let ep = sim.host_mut(host);
    while *sent < total {
        let off = (*sent % APP_BUF as u64) as usize;
        let len = (APP_BUF - off).min((total - *sent) as usize);
        match ep.send(now, c, &src[off..off + len]) {
            Ok(0) | Err(Error::WouldBlock) => break,
            Ok(n) => *sent += n as u64,
            Err(e) => return Err(format!("send: {e}")),
        }
    }
    Ok(())
}

/// The server application reads everything there is and checks it.
fn read(
    sim: &mut Sim<Endpoint>,
    host: HostId,
    conn: ConnId,
    now: synack_core::Instant,
    dst: &mut [u8],
    mut at: u64,
) -> Result<u64, String> {
    let ep = sim.host_mut(host);
    let first = at;
    loop {
        match ep.recv(now, conn, dst) {
            Ok(0) | Err(Error::WouldBlock) => return Ok(at - first),
            Ok(n) => {
                if let Some(bad) = (0..n).find(|&k| dst[k] != byte_at(at + k as u64)) {
                    return Err(format!("byte {} differs", at + bad as u64));
                }
                at += n as u64;
            }
            Err(e) => return Err(format!("recv: {e}")),
        }
    }
}

fn drain_events(sim: &mut Sim<Endpoint>, a: HostId, b: HostId) {
    for h in [a, b] {
        while sim.host_mut(h).poll_event().is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mathis_bound_matches_the_formula() {
        // 1448-byte payloads, 100 ms, 1%: 1448*8/0.1 * 1.2247/0.1 = 1.4186 Mbit/s.
        let s = Setup {
            loss: 0.01,
            rtt_ms: 100,
            bytes: 1,
            rate_mbit: 1000,
            mtu: 1500,
            congestion: Congestion::NewReno,
            sack_recovery: true,
        };
        assert!(
            (mathis_mbit(&s) - 1.4186).abs() < 1e-3,
            "{}",
            mathis_mbit(&s)
        );
    }

    #[test]
    fn a_lossy_transfer_completes_and_is_checked() {
        let s = Setup {
            loss: 0.05,
            rtt_ms: 10,
            bytes: 1 << 20,
            rate_mbit: 100,
            mtu: 1500,
            congestion: Congestion::NewReno,
            sack_recovery: true,
        };
        let r = measure(&s, 7).unwrap();
        assert!(r.retransmissions > 0, "5% loss must cost retransmissions");
        assert!(r.seconds > 0.0);
    }
}
