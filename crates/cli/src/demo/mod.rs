//! `synack demo`: two hosts in the simulator play a scenario; the trace of
//! both endpoints becomes a ladder diagram with explanations (English or
//! Chinese), JSON lines, and optionally a pcap. The telling is
//! `synack_view::story`'s; this module runs the scenario and hands over
//! its records.

mod app;
mod host;
mod intro;
pub mod scenarios;

use crate::args::DemoArgs;
use app::App;
use core::net::{Ipv4Addr, SocketAddr};
use core::time::Duration;
use host::DemoHost;
use scenarios::{Action, Plan};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use synack_core::wire::{self, IpRepr, TcpFlags, TcpOptions, TcpRepr};
use synack_core::{Endpoint, EndpointConfig, Instant};
use synack_sim::{Fate, HostId, LinkConfig, Sim, WireEvent};
use synack_view::Side;
use synack_view::story::log::{self, Entry, Log, Trigger};
use synack_view::story::{Run, Tally, WireRecord, json, ladder, timeline};

/// The client's address (RFC 2544 benchmarking range).
pub const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// The server's address.
pub const SERVER_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// Virtual time after which a run is stopped as hung.
pub const TIME_LIMIT: Duration = Duration::from_secs(3600);
/// How far back the old duplicate SYN's sequence number lies.
const OLD_SYN_DISTANCE: u32 = 100_000;

/// Runs `synack demo`.
pub fn run(a: &DemoArgs) -> Result<ExitCode, String> {
    let plan = scenarios::plan(a.scenario, a.loss, a.seed, a.bytes, a.rtt);
    let log = log::new_log();
    let mut sim: Sim<DemoHost> = Sim::new(plan.seed);
    let msl = synack_core::Config::default().msl;
    let host = endpoint(&mut sim, Side::Client, &log);
    let client = sim.add_host(host, &[CLIENT_IP.into()]);
    let host = endpoint(&mut sim, Side::Server, &log);
    let server = sim.add_host(host, &[SERVER_IP.into()]);
    sim.host_mut(server).silent = plan.server_silent;
    let link = LinkConfig::default()
        .latency(Duration::from_micros(a.rtt * 500))
        .loss(plan.loss);
    sim.link(client, server, link.clone(), link.clone());
    if let Some(delay) = plan.delay_first_packet {
        sim.link(
            client,
            server,
            link.clone().reorder(1.0, delay),
            link.clone(),
        );
    }
    // The HTML page is made from the run's packets, held in memory (the
    // demo's size is bounded); a pcap alone streams to its file.
    let captured = SharedBuf::default();
    if a.html.is_some() {
        sim.set_pcap(Box::new(captured.clone()))
            .map_err(|e| format!("cannot capture the run: {e}"))?;
    } else if let Some(path) = &a.pcap {
        let f = File::create(path)
            .map_err(|e| format!("cannot create pcap file '{}': {e}", path.display()))?;
        sim.set_pcap(Box::new(BufWriter::new(f)))
            .map_err(|e| format!("cannot write pcap file '{}': {e}", path.display()))?;
    }
    let mut apps = [
        App::new(Side::Client, plan.client.clone()),
        App::new(Side::Server, plan.server.clone()),
    ];
    let hosts = [client, server];
    let mut actions = plan.actions.clone();
    actions.reverse();
    let limit = Instant::ZERO + TIME_LIMIT;
    let mut hit_limit = false;
    loop {
        drive_apps(&mut sim, &mut apps, hosts);
        sim.flush();
        let next = sim.next_event_time();
        if let Some(&(t, action)) = actions.last()
            && next.is_none_or(|n| t < n)
        {
            actions.pop();
            sim.run_until(t);
            act(&mut sim, action, &apps, hosts, &link, &log);
            continue;
        }
        match next {
            Some(t) if t <= limit => {
                sim.step();
            }
            Some(_) => {
                hit_limit = true;
                break;
            }
            None => break,
        }
    }
    if a.pcap.is_some() || a.html.is_some() {
        sim.finish_pcap()
            .map_err(|e| format!("cannot write pcap file: {e}"))?;
    }
    if let Some(page) = &a.html {
        let bytes = captured.take();
        if let Some(path) = &a.pcap {
            std::fs::write(path, &bytes)
                .map_err(|e| format!("cannot write pcap file '{}': {e}", path.display()))?;
        }
        write_html(a, page, &bytes)?;
    }
    let wire: Vec<WireRecord> = std::iter::from_fn(|| sim.poll_wire_event())
        .filter_map(|w| wire_record(&w, hosts))
        .collect();
    let entries = log.borrow().entries.clone();
    let items = timeline::build(&entries, &wire);
    let stdout = std::io::stdout();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = if a.json {
        json::render(&items)
    } else {
        let run = story_run(&plan, a, msl, &apps, hit_limit);
        ladder::render(&items, &run, a.lang, color)
    };
    let mut out = stdout.lock();
    // A closed pipe (e.g. `| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if hit_limit {
        eprintln!(
            "synack: the run did not finish within {} s of virtual time",
            TIME_LIMIT.as_secs()
        );
        return Ok(ExitCode::FAILURE);
    }
    if apps.iter().any(|a| a.corrupt > 0) {
        eprintln!("synack: received data differs from the data sent");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// What the story says about the run besides its timeline.
fn story_run<'a>(
    plan: &'a Plan,
    a: &DemoArgs,
    msl: Duration,
    apps: &[App; 2],
    hit_limit: bool,
) -> Run<'a> {
    let tally = |app: &App| Tally {
        sent: app.sent,
        received: app.received,
        corrupt: app.corrupt,
        error: app.error,
    };
    Run {
        scenario: plan.scenario.name(),
        intro: intro::intro(plan, a.lang),
        addrs: [CLIENT_IP.into(), SERVER_IP.into()],
        rtt_ms: a.rtt,
        loss: plan.loss,
        seed: plan.seed,
        msl_secs: msl.as_secs(),
        delayed_syn: plan.delay_first_packet.is_some(),
        server_listens: plan
            .server
            .contains(&app::Step::Listen(scenarios::SERVER_PORT)),
        apps: [tally(&apps[0]), tally(&apps[1])],
        hit_limit: hit_limit.then_some(TIME_LIMIT.as_secs()),
    }
}

/// The story's record of a packet one of the two hosts sent (the
/// simulator's own packets, e.g. injected ones, are not theirs).
fn wire_record(w: &WireEvent, hosts: [HostId; 2]) -> Option<WireRecord> {
    let from = match hosts.iter().position(|&h| h == w.from)? {
        0 => Side::Client,
        _ => Side::Server,
    };
    let fate = match w.fate {
        Fate::Delivered { at } => synack_view::story::Fate::Delivered { at },
        Fate::Lost => synack_view::story::Fate::Lost,
        Fate::Corrupted { at } => synack_view::story::Fate::Corrupted { at },
        Fate::Duplicated { at, .. } => synack_view::story::Fate::Duplicated { at },
        Fate::QueueFull => synack_view::story::Fate::QueueFull,
        Fate::TooBig => synack_view::story::Fate::TooBig,
        Fate::NoRoute => synack_view::story::Fate::NoRoute,
    };
    Some(WireRecord { from, fate })
}

/// The HTML page of the run: `synack-analyze` reading the run's capture.
fn write_html(a: &DemoArgs, page: &std::path::Path, pcap: &[u8]) -> Result<(), String> {
    let o = synack_analyze::Options {
        lang: a.lang,
        html: Some(page.to_path_buf()),
        title: Some(format!("synack demo: {}", a.scenario.name())),
        ..synack_analyze::Options::default()
    };
    let outcome = synack_analyze::analyze_reader(
        "the demo's capture",
        pcap,
        pcap.len() as u64,
        &o,
        &mut std::io::sink(),
        &mut std::io::stderr(),
    )?;
    match outcome.fatal {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A pcap writer into memory shared with the caller (the simulator wants
/// an owned, `Send` writer).
#[derive(Clone, Default)]
struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuf {
    /// What was written.
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A traced endpoint for `side`, its secret drawn from the simulation.
fn endpoint(sim: &mut Sim<DemoHost>, side: Side, log: &Log) -> DemoHost {
    let mut secret = [0u8; 16];
    secret[..8].copy_from_slice(&sim.random_u64().to_le_bytes());
    secret[8..].copy_from_slice(&sim.random_u64().to_le_bytes());
    let ip = match side {
        Side::Client => CLIENT_IP,
        Side::Server => SERVER_IP,
    };
    let config = EndpointConfig {
        addresses: vec![ip.into()],
        secret,
        trace: true,
        ..EndpointConfig::default()
    };
    DemoHost::new(Endpoint::new(config), side, log.clone())
}

/// Lets both applications act on their events; releases the barrier when
/// both wait at it with nothing in flight.
fn drive_apps(sim: &mut Sim<DemoHost>, apps: &mut [App; 2], hosts: [HostId; 2]) {
    for _ in 0..2 {
        let now = sim.now();
        for (app, &h) in apps.iter_mut().zip(&hosts) {
            let host = sim.host_mut(h);
            app.drive(&mut host.ep, now);
            host.drain_after(Trigger::App);
        }
        let quiet = apps
            .iter()
            .zip(&hosts)
            .all(|(app, &h)| app.at_barrier() && app.unacked(&sim.host(h).ep) == 0);
        if !quiet {
            break;
        }
        for app in apps.iter_mut() {
            app.pass_barrier();
        }
    }
}

/// Performs a timed intervention.
fn act(
    sim: &mut Sim<DemoHost>,
    action: Action,
    apps: &[App; 2],
    hosts: [HostId; 2],
    link: &LinkConfig,
    log: &Log,
) {
    let [client, server] = hosts;
    match action {
        Action::RestoreLink => sim.link(client, server, link.clone(), link.clone()),
        Action::InjectOldSyn => {
            let Some(conn) = apps[0].conn else { return };
            let ep = &sim.host(client).ep;
            let (Ok((local, remote)), Ok(c)) = (ep.addrs(conn), ep.connection(conn)) else {
                return;
            };
            let tcp = TcpRepr {
                src_port: local.port(),
                dst_port: remote.port(),
                seq: c.iss() - OLD_SYN_DISTANCE as usize,
                flags: TcpFlags::SYN,
                window: 65535,
                options: TcpOptions {
                    mss: Some(1460),
                    ..TcpOptions::default()
                },
                ..TcpRepr::default()
            };
            let ip = IpRepr {
                src: local.ip(),
                dst: remote.ip(),
                ttl: 64,
                ecn: 0,
                dscp: 0,
                dont_fragment: true,
            };
            let mut buf = [0u8; 128];
            if let Ok(n) = wire::emit_packet(&ip, &tcp, &[], &mut buf)
                && sim.inject(&buf[..n]).is_some()
            {
                log.borrow_mut().push(Entry::Injected {
                    time: sim.now(),
                    src: local,
                    dst: SocketAddr::new(remote.ip(), remote.port()),
                    tcp,
                });
            }
        }
    }
}
