//! # synack-tokio
//!
//! synack's TCP for tokio applications: [`TcpListener`] and [`TcpStream`]
//! with `AsyncRead`/`AsyncWrite`, on a Linux TUN device or any device that
//! moves IP packets, so code written for `tokio::net` (hyper, axum,
//! `tokio::io::copy`) runs on synack unchanged. A catch-all listener
//! accepts every connection that enters the device whatever its
//! destination, the job of a tun2socks relay; a [`SynListener`] even lets
//! the application decide before the client's SYN is answered.
//!
//! A [`Stack`] owns the endpoint (the sans-I/O core) and spawns one driver
//! task that moves packets, runs the timers on tokio's clock and wakes the
//! tasks waiting on connections. Handles lock the endpoint once per call
//! (a whole buffer), never per byte; a slow reader stalls its sender
//! through the TCP window, so memory stays bounded by the socket buffers.
//!
//! An echo server on a TUN device (needs root or `CAP_NET_ADMIN`):
//!
//! ```no_run
//! use synack_tokio::{Stack, StackConfig, TcpListener, device::Tun};
//!
//! # async fn run() -> std::io::Result<()> {
//! // Made beforehand: ip tuntap add tun0 mode tun; ip addr add
//! // 198.18.0.1/24 dev tun0; ip link set tun0 up
//! let dev = synack_tun::TunDevice::open_offloaded("tun0").map_err(std::io::Error::other)?;
//! let stack = Stack::new(Tun::new(dev)?, StackConfig::new(vec!["198.18.0.2".parse().unwrap()]))?;
//! let listener = TcpListener::bind(&stack, "198.18.0.2:7".parse().unwrap()).await?;
//! loop {
//!     let (mut stream, _peer) = listener.accept().await?;
//!     tokio::spawn(async move {
//!         let (mut r, mut w) = stream.split();
//!         let _ = tokio::io::copy(&mut r, &mut w).await;
//!     });
//! }
//! # }
//! ```
//!
//! Two stacks joined by a channel pair, no device and no root (the same
//! code serves a WireGuard tunnel or a socket: move the packets of a
//! [`device::ChannelDevice`] with your own task):
//!
//! ```
//! use synack_tokio::{Stack, StackConfig, TcpListener, TcpStream, device::ChannelDevice};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let (a, b) = ChannelDevice::pair(1024, 1500);
//! let server = Stack::new(a, StackConfig::new(vec!["198.18.0.2".parse().unwrap()]))?;
//! let client = Stack::new(b, StackConfig::new(vec!["198.18.0.1".parse().unwrap()]))?;
//! let listener = TcpListener::bind(&server, "198.18.0.2:80".parse().unwrap()).await?;
//! tokio::spawn(async move {
//!     let (mut s, _) = listener.accept().await.unwrap();
//!     s.write_all(b"hello").await.unwrap();
//! });
//! let mut c = TcpStream::connect(&client, "198.18.0.2:80".parse().unwrap()).await?;
//! let mut got = String::new();
//! c.read_to_string(&mut got).await?;
//! assert_eq!(got, "hello");
//! # Ok(())
//! # }
//! ```

pub mod device;
mod driver;
mod error;
mod io;
mod listener;
mod shared;
mod stack;
mod stream;

pub use listener::{DEFAULT_BACKLOG, IncomingSyn, SynListener, TcpListener};
pub use stack::{Stack, StackConfig, StackStats};
pub use stream::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpStream, WriteHalf};
pub use synack_core::{ListenFilter, Prefix};
