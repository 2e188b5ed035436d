//! `synack relay`: the tun2socks job on the tokio API. Every TCP connection
//! that enters the TUN device (whatever its destination, within the
//! `--route` prefixes) is held at its SYN while the relay reaches the
//! original destination, directly or through SOCKS5; then the handshake
//! completes and the bytes are copied both ways, half-close included. An
//! upstream that refuses makes the client see an RST (connection
//! refused), one that does not answer leaves the client's SYN unanswered
//! (a timeout), as a real network would.

mod socks5;
pub mod upstream;

use super::args::RelayArgs;
use super::{Failure, finish, finish_capture, open_device, print_drops};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use synack_tokio::device::Tun;
use synack_tokio::{IncomingSyn, ListenFilter, Stack, StackConfig, SynListener};
use tokio::io::copy_bidirectional_with_sizes;
use upstream::{Outcome, Upstream};

/// Held SYNs waiting for an upstream at most (beyond it SYNs are dropped
/// and the clients retry).
const BACKLOG: usize = 4096;

/// Copy buffer per direction and connection.
const COPY_BUF: usize = 64 * 1024;

/// How long connections get to close at Ctrl-C before they are reset.
const GRACE: Duration = Duration::from_secs(2);

/// Runs `synack relay`.
pub fn run(a: &RelayArgs) -> Result<ExitCode, String> {
    finish(run_inner(a))
}

fn run_inner(a: &RelayArgs) -> Result<ExitCode, Failure> {
    let upstream = match (&a.socks5, &a.bind_device) {
        (Some(proxy), _) => Upstream::Socks5 { proxy: *proxy },
        (None, Some(device)) => Upstream::Direct {
            device: device.clone(),
        },
        (None, None) => return Err(Failure::Setup("--direct needs --bind-device IFACE".into())),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Setup(format!("cannot start the tokio runtime: {e}")))?;
    rt.block_on(relay(a, upstream))
}

/// What the relay counted.
#[derive(Debug, Default)]
pub struct Totals {
    relayed: AtomicU64,
    refused: AtomicU64,
    timed_out: AtomicU64,
    failed: AtomicU64,
    up: AtomicU64,
    down: AtomicU64,
}

async fn relay(a: &RelayArgs, upstream: Upstream) -> Result<ExitCode, Failure> {
    let opened = open_device(&a.tun, "relay")?;
    let name = opened.dev.name().to_string();
    if opened.dev.created() {
        for p in &a.route {
            add_route(&name, *p)?;
        }
    }
    let describe = opened.describe();
    let capture = opened.capture.clone();
    let tun = Tun::new(opened.dev)
        .map_err(|e| Failure::Setup(format!("cannot use TUN device {name}: {e}")))?;
    let stack = Stack::new(
        tun,
        StackConfig {
            endpoint: opened.ep_config,
            loss: a.tun.loss,
            seed: opened.seed,
            grace: GRACE,
            observer: opened
                .observer
                .map(|t| Box::new(t) as Box<dyn synack_tun::Observer + Send>),
        },
    )
    .map_err(|e| Failure::Setup(e.to_string()))?;
    let timeout = Duration::from_secs(a.connect_timeout);
    let filter = ListenFilter {
        prefixes: a.route.clone(),
        ports: Vec::new(),
    };
    // A held SYN outlives the attempt to reach the upstream a little.
    let syns = SynListener::catch_all(&stack, filter, BACKLOG, timeout + Duration::from_secs(5))
        .map_err(|e| Failure::Setup(format!("cannot listen: {e}")))?;
    let routes = if a.route.is_empty() {
        "every destination".to_string()
    } else {
        a.route
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!(
        "synack: relaying {routes} from {describe}, {}; Ctrl-C stops",
        upstream.describe()
    );
    let upstream = Arc::new(upstream);
    let totals = Arc::new(Totals::default());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Failure::Setup(format!("cannot catch SIGTERM: {e}")))?;
    let stopped = tokio::select! {
        why = accept_loop(&syns, upstream, timeout, a.quiet, totals.clone()) => {
            // The stack's own reason reads better than the error wrapping it.
            Some(stack.stopped().unwrap_or(why))
        }
        _ = tokio::signal::ctrl_c() => None,
        _ = term.recv() => None,
    };
    drop(syns);
    stack.shutdown(GRACE).await;
    let s = stack.stats();
    let t = &*totals;
    let relayed = t.relayed.load(Ordering::Relaxed);
    eprintln!(
        "synack: relayed {relayed} connection{} ({} bytes up, {} down), {} refused, {} timed out, {} failed",
        if relayed == 1 { "" } else { "s" },
        t.up.load(Ordering::Relaxed),
        t.down.load(Ordering::Relaxed),
        t.refused.load(Ordering::Relaxed),
        t.timed_out.load(Ordering::Relaxed),
        t.failed.load(Ordering::Relaxed),
    );
    print_drops_of(&stack, &s);
    finish_capture(capture)?;
    match stopped {
        Some(why) => Err(Failure::Run(format!("the stack stopped: {why}"))),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Takes every SYN the listener holds and relays its connection on a task
/// of its own, until the stack stops (then says why).
pub async fn accept_loop(
    syns: &SynListener,
    upstream: Arc<Upstream>,
    timeout: Duration,
    quiet: bool,
    totals: Arc<Totals>,
) -> String {
    loop {
        match syns.next().await {
            Ok(syn) => {
                let (up, totals) = (upstream.clone(), totals.clone());
                tokio::spawn(async move { handle(syn, &up, timeout, quiet, &totals).await });
            }
            Err(e) => return e.to_string(),
        }
    }
}

fn print_drops_of(stack: &Stack, s: &synack_tokio::StackStats) {
    stack.with_endpoint(|ep| print_drops(ep, &s.device));
}

/// One connection: reach the upstream, then decide the client's SYN, then
/// copy.
async fn handle(syn: IncomingSyn, up: &Upstream, timeout: Duration, quiet: bool, t: &Totals) {
    let (client, dst) = (syn.peer_addr(), syn.local_addr());
    let t0 = Instant::now();
    let line = match tokio::time::timeout(timeout, up.connect(dst)).await {
        Err(_) => {
            syn.ignore();
            t.timed_out.fetch_add(1, Ordering::Relaxed);
            format!(
                "no answer in {} s: the client's SYN stays unanswered",
                timeout.as_secs()
            )
        }
        Ok(Outcome::Refused(why)) => {
            syn.refuse();
            t.refused.fetch_add(1, Ordering::Relaxed);
            format!("refused ({why}): RST to the client")
        }
        Ok(Outcome::Connected(mut remote)) => match syn.accept().await {
            Err(e) => {
                t.failed.fetch_add(1, Ordering::Relaxed);
                format!("the client went away during the handshake: {e}")
            }
            Ok(mut local) => {
                let _ = local.set_nodelay(true);
                match copy_bidirectional_with_sizes(&mut local, &mut remote, COPY_BUF, COPY_BUF)
                    .await
                {
                    Ok((up_bytes, down_bytes)) => {
                        t.relayed.fetch_add(1, Ordering::Relaxed);
                        t.up.fetch_add(up_bytes, Ordering::Relaxed);
                        t.down.fetch_add(down_bytes, Ordering::Relaxed);
                        format!("{up_bytes} bytes up, {down_bytes} down, closed")
                    }
                    Err(e) => {
                        // One side failed: the other is reset too, so
                        // neither believes the stream ended cleanly.
                        let _ = remote.set_zero_linger();
                        let _ = local.abort();
                        t.failed.fetch_add(1, Ordering::Relaxed);
                        format!("reset ({e})")
                    }
                }
            }
        },
    };
    if !quiet {
        eprintln!(
            "relay: {client} → {dst}: {line} ({:.3} s)",
            t0.elapsed().as_secs_f64()
        );
    }
}

/// Routes `prefix` into the device synack created (it goes with it).
fn add_route(dev: &str, prefix: synack_core::Prefix) -> Result<(), Failure> {
    let p = prefix.to_string();
    let out = Command::new("ip")
        .args(["route", "add", &p, "dev", dev])
        .output()
        .map_err(|e| Failure::Setup(format!("cannot run ip: {e}")))?;
    if !out.status.success() {
        return Err(Failure::Setup(format!(
            "ip route add {p} dev {dev}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}
