//! `synack serve`, `synack connect`, `synack get`: synack as a real host on
//! a Linux TUN device (driver: `synack-tun`), with per-connection
//! applications written as small state machines over the endpoint's events.
//!
//! Exit codes: 0 on success (also after Ctrl-C), 1 when the connection or
//! the transfer failed (refused, timed out, reset, HTTP status >= 400), 2
//! when the options do not work (bad values, no TUN device, no privileges).

pub mod args;
pub mod connect;
pub mod get;
mod http;
mod progress;
pub mod relay;
pub mod serve;
mod stream;

use args::TunOpts;
use core::net::IpAddr;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use synack_core::{Config, EndpointConfig};
use synack_sim::pcap::PcapSink as Capture;
use synack_tun::{Direction, Driver, DriverConfig, Ending, Observer, TunDevice, iface};
use synack_view::live::{self, LiveLadder};

/// Buffers every application uses for `recv` and `send`: big enough for
/// several segments per call, allocated once.
pub const SCRATCH: usize = 64 * 1024;

/// Why a command stopped early.
#[derive(Debug)]
pub enum Failure {
    /// The options do not work here (exit code 2).
    Setup(String),
    /// The run failed (exit code 1).
    Run(String),
}

impl From<synack_tun::Error> for Failure {
    fn from(e: synack_tun::Error) -> Self {
        match e {
            synack_tun::Error::Setup(s) => Failure::Setup(s),
            synack_tun::Error::Io(s) => Failure::Run(s),
        }
    }
}

/// Turns a command's outcome into what `main` expects: setup failures are
/// printed here with exit code 2, run failures go back as messages (exit 1).
pub fn finish(r: Result<ExitCode, Failure>) -> Result<ExitCode, String> {
    match r {
        Ok(code) => Ok(code),
        Err(Failure::Setup(msg)) => {
            eprintln!("synack: {msg}");
            Ok(ExitCode::from(2))
        }
        Err(Failure::Run(msg)) => Err(msg),
    }
}

/// An open, configured device and everything a driver needs around it:
/// what `Session` (the blocking driver) and `relay` (the tokio stack)
/// share.
pub struct Opened {
    /// The device.
    pub dev: TunDevice,
    /// What `--addr` said.
    pub ours: iface::AddrPrefix,
    /// The kernel side's address, if synack created the device.
    pub kernel: Option<IpAddr>,
    /// The endpoint's configuration (MTU, offloads, our address, a random
    /// secret).
    pub ep_config: EndpointConfig,
    /// The fault injector's seed.
    pub seed: u64,
    /// The pcap file and the live ladder, if asked for.
    pub observer: Option<Tee>,
    /// The pcap file (also in `observer`), to finish at the end.
    pub capture: Option<Arc<Mutex<Capture>>>,
}

/// Opens (or creates and configures) the device, and sets up the pcap file
/// and the live trace. `command` names the run in the trace header.
pub fn open_device(opts: &TunOpts, command: &str) -> Result<Opened, Failure> {
    let ours = opts.addr;
    if ours.addr.is_ipv6() && opts.mtu.is_some_and(|m| m < 1280) {
        return Err(Failure::Setup(
            "invalid value for --mtu: IPv6 needs an MTU of at least 1280".into(),
        ));
    }
    // Files first: a bad path must not leave a device half set up.
    let capture = match &opts.pcap {
        Some(path) => Some(Arc::new(Mutex::new(
            std::fs::File::create(path)
                .and_then(|f| {
                    Capture::new(Box::new(std::io::BufWriter::with_capacity(256 * 1024, f)))
                })
                .map_err(|e| {
                    Failure::Setup(format!("cannot create pcap file '{}': {e}", path.display()))
                })?,
        ))),
        None => None,
    };
    // Offloads (virtio-net header, checksum offload, TSO/GSO) unless
    // asked not to or the fault injector runs: it is to drop wire-sized
    // packets, not 64 KiB super-packets.
    let offloads = !opts.no_offload && opts.loss == 0.0;
    let dev = if offloads {
        TunDevice::open_offloaded(&opts.tun)?
    } else {
        TunDevice::open(&opts.tun)?
    };
    let (mtu, kernel) = if dev.created() {
        let mtu = opts.mtu.unwrap_or(1500);
        let kernel = ours.kernel_side().map_err(Failure::Setup)?;
        iface::configure_created(dev.name(), mtu, kernel, ours.prefix)?;
        (mtu, Some(kernel))
    } else {
        if dev.is_up().ok() == Some(false) {
            eprintln!(
                "synack: warning: {} is down; packets will not flow until it is up",
                dev.name()
            );
        }
        let mtu = match opts.mtu {
            Some(m) => m,
            None => dev.mtu().map_err(|e| {
                Failure::Setup(format!("cannot read the MTU of {}: {e}", dev.name()))
            })?,
        };
        (mtu.clamp(128, 65535), None)
    };
    if ours.addr.is_ipv6() && mtu < 1280 {
        return Err(Failure::Setup(format!(
            "{} has MTU {mtu}; IPv6 needs at least 1280",
            dev.name()
        )));
    }
    let seed = opts
        .seed
        .unwrap_or_else(|| u64::from_le_bytes(synack_tun::os_random()));
    // A random secret also gives each run its own ephemeral-port start
    // (RFC 6056), so one run's `connect` does not meet the previous
    // run's connection, still in TIME-WAIT at the kernel.
    let ep_config = EndpointConfig {
        tcp: Config {
            mtu,
            // The device cuts super-segments into MSS-sized ones.
            tso_segments: if offloads { 64 } else { 1 },
            ecn: opts.ecn,
            user_timeout: opts.user_timeout,
            ..Config::default()
        },
        addresses: vec![ours.addr],
        secret: synack_tun::os_random(),
        ..EndpointConfig::default()
    };
    let ladder = opts.trace.then(|| {
        let stderr = std::io::stderr();
        let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let mut l = LiveLadder::new(color);
        l.header(&[
            format!(
                "synack {command} on {} · synack {ours} · kernel side {}",
                dev.name(),
                kernel.map_or("as configured".to_string(), |k| k.to_string())
            ),
            format!("MTU {mtu} · loss {}% · seed {seed}", opts.loss * 100.0),
        ]);
        l
    });
    let observer = (capture.is_some() || ladder.is_some()).then(|| Tee {
        capture: capture.clone(),
        ladder,
    });
    Ok(Opened {
        dev,
        ours,
        kernel,
        ep_config,
        seed,
        observer,
        capture,
    })
}

impl Opened {
    /// Where the kernel side is, for messages.
    pub fn describe(&self) -> String {
        describe(self.dev.name(), self.kernel, self.ours)
    }
}

fn describe(name: &str, kernel: Option<IpAddr>, ours: iface::AddrPrefix) -> String {
    match kernel {
        Some(k) => format!("device {name}, kernel side {k}/{}", ours.prefix),
        None => format!("device {name} as configured"),
    }
}

/// Finishes a pcap file.
pub fn finish_capture(capture: Option<Arc<Mutex<Capture>>>) -> Result<(), Failure> {
    if let Some(c) = capture {
        c.lock()
            .unwrap_or_else(|e| e.into_inner())
            .finish()
            .map_err(|e| Failure::Run(format!("cannot write pcap file: {e}")))?;
    }
    Ok(())
}

/// An open, configured device with its driver.
pub struct Session {
    /// The driver (owns the device and the endpoint).
    pub driver: Driver,
    /// What `--addr` said.
    pub ours: iface::AddrPrefix,
    /// The kernel side's address, if synack created the device.
    pub kernel: Option<IpAddr>,
    capture: Option<Arc<Mutex<Capture>>>,
}

impl Session {
    /// Opens (or creates and configures) the device, and sets up the pcap
    /// file and the live trace. `command` names the run in the trace header.
    pub fn open(opts: &TunOpts, command: &str) -> Result<Session, Failure> {
        let o = open_device(opts, command)?;
        let mut driver = Driver::new(
            o.dev,
            o.ep_config,
            DriverConfig {
                loss: opts.loss,
                seed: o.seed,
                busy_poll: opts.busy_poll.map(core::time::Duration::from_micros),
                ..DriverConfig::default()
            },
        )?;
        if let Some(t) = o.observer {
            driver.set_observer(Box::new(t));
        }
        Ok(Session {
            driver,
            ours: o.ours,
            kernel: o.kernel,
            capture: o.capture,
        })
    }

    /// Where the kernel side is, for messages.
    pub fn describe(&self) -> String {
        describe(self.driver.device().name(), self.kernel, self.ours)
    }

    /// Ends the run: finishes the pcap file. The device goes when the
    /// session is dropped.
    pub fn close(mut self, ending: Ending) -> Result<(), Failure> {
        drop(self.driver.take_observer());
        finish_capture(self.capture.take())?;
        if matches!(
            ending,
            Ending::FinishedAborting | Ending::InterruptedAborting
        ) {
            eprintln!("synack: connections still open after the grace period were reset");
        }
        Ok(())
    }
}

/// The endpoint's and the driver's drop counters on stderr, one line:
/// every packet synack did not take, by reason (zeros left out).
pub fn print_drops(ep: &synack_core::Endpoint, driver: &synack_tun::DriverStats) {
    eprintln!("synack: {}", drop_summary(ep.stats(), driver));
}

/// The text of [`print_drops`].
fn drop_summary(s: &synack_core::Stats, d: &synack_tun::DriverStats) -> String {
    let counts = [
        ("bad checksum", s.rx_bad_checksum),
        ("malformed", s.rx_malformed),
        ("not TCP", s.rx_not_tcp),
        ("not for us", s.rx_not_ours),
        ("no connection", s.rx_no_connection),
        ("backlog full", s.backlog_drops),
        ("ICMP about nothing in flight", s.icmp_ignored),
        ("by connection rules", s.rx_dropped),
        ("by --loss in", d.rx_injected_drops),
        ("by --loss out", d.tx_injected_drops),
        ("refused by the device", d.tx_errors),
    ];
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|&(what, n)| match what {
            // PAWS drops are connection-rule drops too.
            "by connection rules" if s.paws_drops > 0 => {
                format!("{what} {n} (PAWS {})", s.paws_drops)
            }
            _ => format!("{what} {n}"),
        })
        .collect();
    let received = s.rx_packets;
    if parts.is_empty() {
        format!("dropped: none of {received} packets received")
    } else {
        format!(
            "dropped (of {received} packets received): {}",
            parts.join(", ")
        )
    }
}

/// Sends packets and trace events to the pcap file and the live ladder.
pub struct Tee {
    capture: Option<Arc<Mutex<Capture>>>,
    ladder: Option<LiveLadder>,
}

impl Observer for Tee {
    fn packet(
        &mut self,
        now: synack_core::Instant,
        wall: core::time::Duration,
        dir: Direction,
        dropped: bool,
        packet: &[u8],
    ) {
        // The capture point is the device: an arriving packet crossed it
        // even if the fault injector then drops it; a leaving one that the
        // injector drops never reached it.
        if let Some(c) = &self.capture
            && (dir == Direction::In || !dropped)
        {
            c.lock()
                .unwrap_or_else(|e| e.into_inner())
                .capture_at(wall, packet);
        }
        if let Some(l) = self.ladder.as_mut() {
            let dir = match dir {
                Direction::In => live::Direction::In,
                Direction::Out => live::Direction::Out,
            };
            l.packet(now, dir, dropped, packet);
        }
    }

    fn trace(&mut self, event: &synack_core::trace::TraceEvent) {
        if let Some(l) = self.ladder.as_mut() {
            l.trace(event);
        }
    }

    fn wants_trace(&self) -> bool {
        self.ladder.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_summary_names_every_nonzero_counter() {
        let mut s = synack_core::Stats {
            rx_packets: 10,
            ..Default::default()
        };
        let mut d = synack_tun::DriverStats::default();
        assert_eq!(drop_summary(&s, &d), "dropped: none of 10 packets received");
        s.rx_bad_checksum = 3;
        s.rx_dropped = 2;
        s.paws_drops = 1;
        d.rx_injected_drops = 4;
        assert_eq!(
            drop_summary(&s, &d),
            "dropped (of 10 packets received): bad checksum 3, by connection rules 2 (PAWS 1), by --loss in 4"
        );
    }
}
