//! # synack-sim
//!
//! A deterministic network simulator for sans-I/O hosts such as
//! [`synack_core::Endpoint`]: virtual time, point-to-point links with latency,
//! jitter, rate limits, queues, loss, duplication, reordering, corruption and
//! ECN marking (CE on ECN-capable packets),
//! a per-packet log of what happened, and pcap capture.
//!
//! ```
//! use synack_sim::{Host, LinkConfig, Sim};
//! # use synack_core::Instant;
//! # struct Quiet;
//! # impl Host for Quiet {
//! #     fn receive(&mut self, _: Instant, _: &[u8]) {}
//! #     fn transmit(&mut self, _: Instant, _: &mut [u8]) -> Option<usize> { None }
//! #     fn poll_timeout(&self) -> Option<Instant> { None }
//! #     fn handle_timeout(&mut self, _: Instant) {}
//! # }
//! let mut sim = Sim::new(42);
//! let a = sim.add_host(Quiet, &["10.0.0.1".parse().unwrap()]);
//! let b = sim.add_host(Quiet, &["10.0.0.2".parse().unwrap()]);
//! sim.link(a, b, LinkConfig::default().loss(0.01), LinkConfig::default());
//! sim.run_until(Instant::from_millis(100));
//! assert_eq!(sim.now(), Instant::from_millis(100));
//! ```

#![forbid(unsafe_code)]

mod host;
mod link;
pub mod pcap;
mod queue;
pub mod route;
mod run;
mod sim;
mod wire;

pub use host::{Host, HostId};
pub use link::LinkConfig;
pub use run::TIMER_SPIN_LIMIT;
pub use sim::Sim;
pub use wire::{Fate, SimStats, WireEvent};
