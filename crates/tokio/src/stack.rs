//! The stack: an endpoint, a device and the driver task that joins them.

use crate::device::Device;
use crate::driver::Driver;
use crate::io::Io;
use crate::shared::Shared;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use synack_core::{Endpoint, EndpointConfig, Stats};
use synack_tun::{DriverStats, Observer};

/// How a [`Stack`] is made.
pub struct StackConfig {
    /// The endpoint: the addresses the stack owns (connections are opened
    /// from them and listeners bind to them; a catch-all listener takes
    /// others too), TCP settings, limits. A secret left at its default is
    /// replaced by one from the OS's random source. The MTU is taken from
    /// the device, and TSO segments are used when the device cuts them.
    pub endpoint: EndpointConfig,
    /// Share of packets dropped in each direction between the device and
    /// the endpoint, in [0, 1) (a fault injector for tests).
    pub loss: f64,
    /// Seed of the fault injector.
    pub seed: u64,
    /// How long connections get to close gracefully when the stack shuts
    /// down, or when every handle to it is gone, before they are reset.
    pub grace: Duration,
    /// Sees every packet and, if it asks, every trace event (a pcap file,
    /// a live ladder).
    pub observer: Option<Box<dyn Observer + Send>>,
}

impl StackConfig {
    /// A stack owning `addresses`, with synack's default settings.
    pub fn new(addresses: Vec<std::net::IpAddr>) -> Self {
        StackConfig {
            endpoint: EndpointConfig {
                addresses,
                ..EndpointConfig::default()
            },
            ..StackConfig::default()
        }
    }
}

impl Default for StackConfig {
    fn default() -> Self {
        StackConfig {
            endpoint: EndpointConfig::default(),
            loss: 0.0,
            seed: 0,
            grace: Duration::from_secs(1),
            observer: None,
        }
    }
}

impl fmt::Debug for StackConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StackConfig")
            .field("endpoint", &self.endpoint)
            .field("loss", &self.loss)
            .field("seed", &self.seed)
            .field("grace", &self.grace)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

/// A synack TCP/IP stack on a packet device, driven by one tokio task.
/// Cheap to clone (every clone is the same stack). The driver runs until
/// [`Stack::shutdown`], until the device fails, or until every handle
/// (stacks, listeners, streams) is gone and the connections have closed.
#[derive(Clone, Debug)]
pub struct Stack {
    pub(crate) shared: Arc<Shared>,
}

/// The stack's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackStats {
    /// The endpoint's (packets, drops by reason, retransmissions, opens).
    pub endpoint: Stats,
    /// The device's (packets each way, super-packets, injected drops,
    /// packets the device refused).
    pub device: DriverStats,
    /// Connections the endpoint holds (TIME-WAIT included).
    pub connections: usize,
}

impl Stack {
    /// A stack on `device`, its driver spawned on the current tokio
    /// runtime (call it inside one). Errors: a loss outside [0, 1).
    pub fn new(device: impl Device, mut config: StackConfig) -> io::Result<Stack> {
        if !(0.0..1.0).contains(&config.loss) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "loss must be in [0, 1)",
            ));
        }
        let caps = device.capabilities();
        let ep_config = &mut config.endpoint;
        if ep_config.secret == EndpointConfig::default().secret {
            ep_config.secret = synack_tun::os_random();
        }
        ep_config.tcp.mtu = caps.mtu;
        ep_config.tcp.tso_segments = if caps.tso { 64 } else { 1 };
        ep_config.trace = config.observer.as_ref().is_some_and(|o| o.wants_trace());
        let io = Io::new(Box::new(device), config.loss, config.seed, config.observer);
        let shared = Shared::new(Endpoint::new(config.endpoint), io);
        tokio::spawn(Driver::new(shared.clone(), config.grace));
        Ok(Stack { shared })
    }

    /// The counters so far.
    pub fn stats(&self) -> StackStats {
        let g = self.shared.lock();
        StackStats {
            endpoint: *g.ep.stats(),
            device: g.io.stats,
            connections: g.ep.connection_count(),
        }
    }

    /// Why the stack stopped, if it has.
    pub fn stopped(&self) -> Option<String> {
        self.shared.lock().stopped.clone()
    }

    /// Closes every connection gracefully (FIN after the data queued),
    /// waits up to `grace` for them to close, resets what is left, and
    /// stops the driver. Every handle's calls fail afterwards.
    pub async fn shutdown(&self, grace: Duration) {
        let done = self.shared.done.notified();
        tokio::pin!(done);
        done.as_mut().enable();
        {
            let mut g = self.shared.lock();
            if g.stopped.is_some() {
                return;
            }
            let now = g.now();
            for id in g.tracked() {
                let _ = g.ep.shutdown(now, id);
            }
            g.shutdown = Some(now + grace);
            g.after_call();
            g.kick();
        }
        done.await;
    }

    /// Waits until the driver has stopped (shutdown, or the device
    /// failed) and says why.
    pub async fn wait_stopped(&self) -> String {
        let done = self.shared.done.notified();
        tokio::pin!(done);
        done.as_mut().enable();
        if let Some(why) = self.stopped() {
            return why;
        }
        done.await;
        self.stopped().unwrap_or_default()
    }

    /// The endpoint, for what the tokio API does not cover (inspection,
    /// settings). Holding the guard stops the stack: keep it short.
    pub fn with_endpoint<R>(&self, f: impl FnOnce(&mut Endpoint) -> R) -> R {
        let mut g = self.shared.lock();
        let r = f(&mut g.ep);
        g.after_call();
        r
    }
}
