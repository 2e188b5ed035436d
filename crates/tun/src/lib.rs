//! # synack-tun
//!
//! A Linux TUN driver for [`synack_core::Endpoint`]: synack becomes a real
//! host that the kernel (and anything routed through it) talks TCP to.
//!
//! - [`TunDevice`] opens a TUN interface by name (`IFF_TUN | IFF_NO_PI`,
//!   non-blocking), creating it if it does not exist. A created interface is
//!   not persistent: it vanishes, with its addresses and routes, when the
//!   descriptor closes, so nothing is left behind even after a crash.
//!   [`TunDevice::open_offloaded`] adds the virtio-net header and the
//!   kernel's offloads ([`vnet`]): partial checksums, TSO/GSO super-packets.
//! - [`iface`] works out the kernel side's address (`--addr ADDR/PREFIX` is
//!   the address synack owns; the kernel gets the first other usable
//!   address of the prefix) and configures a created interface with `ip`.
//! - [`Driver`] runs the loop: it reads every waiting packet, runs the
//!   endpoint's timers, lets the [`App`] act on its events, writes every
//!   packet the endpoint has to send, and sleeps in `poll(2)` until the next
//!   packet, deadline, signal or [`Waker`]. SIGINT/SIGTERM close connections
//!   gracefully, then reset what is left after a grace period.
//!
//! ```no_run
//! use synack_core::{EndpointConfig, Event};
//! use synack_tun::{App, Driver, DriverConfig, TunDevice, iface};
//!
//! struct Idle;
//! impl App for Idle {
//!     fn on_event(&mut self, _: &mut synack_core::Endpoint, _: synack_core::Instant, _: Event) {}
//!     fn is_done(&self) -> bool { false }
//!     fn shutdown(&mut self, _: &mut synack_core::Endpoint, _: synack_core::Instant) {}
//!     fn abort(&mut self, _: &mut synack_core::Endpoint, _: synack_core::Instant) {}
//! }
//!
//! let ours: iface::AddrPrefix = "198.18.0.2/24".parse().unwrap();
//! let dev = TunDevice::open("synack0")?;
//! if dev.created() {
//!     iface::configure_created(dev.name(), 1500, ours.kernel_side().unwrap(), ours.prefix)?;
//! }
//! let config = EndpointConfig {
//!     addresses: vec![ours.addr],
//!     secret: synack_tun::os_random(),
//!     ..EndpointConfig::default()
//! };
//! let mut driver = Driver::new(dev, config, DriverConfig::default())?;
//! driver.run(&mut Idle)?; // until Ctrl-C
//! # Ok::<(), synack_tun::Error>(())
//! ```
//!
//! The only `unsafe` code is in the private `sys` module: `ioctl`s
//! (`TUNSETIFF`, `TUNSETVNETHDRSZ`, `TUNSETOFFLOAD`, `SIOCGIFMTU`,
//! `SIOCGIFFLAGS`), `if_nametoindex` and `poll`.

mod clock;
mod device;
mod driver;
mod error;
pub mod iface;
mod rng;
// The workspace denies unsafe code; this module is the one exception: the
// ioctls and poll(2) the standard library does not wrap. Each unsafe block
// there carries a SAFETY comment.
#[allow(unsafe_code)]
mod sys;
pub mod vnet;
mod wake;

pub use clock::Clock;
pub use device::{CLONE_DEVICE, TunDevice, check_name};
pub use driver::{App, Direction, Driver, DriverConfig, DriverStats, Ending, Observer};
pub use error::Error;
pub use rng::{SplitMix64, os_random};
pub use wake::Waker;
