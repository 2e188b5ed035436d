//! Packet devices: where a [`Stack`](crate::Stack) reads and writes IP
//! packets.
//!
//! - [`Tun`]: a Linux TUN device, with the kernel's offloads (virtio-net
//!   header, checksum offload, TSO/GSO super-packets) unless asked not to.
//! - [`ChannelDevice`]: a pair of tokio channels of packets, to put synack
//!   behind any transport (a WireGuard tunnel, a socket, a test link):
//!   the application's own task moves the packets. [`ChannelDevice::pair`]
//!   joins two stacks directly.
//! - Anything else: implement [`Device`].

mod channel;
// The one unsafe call of this crate: registering the TUN descriptor with
// tokio's reactor (`AsyncFd::register`), with its SAFETY comment.
#[allow(unsafe_code)]
mod tun;

pub use channel::ChannelDevice;
pub use tun::Tun;

use std::io;
use std::task::{Context, Poll};

/// What a device can do, fixed for its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Bytes the device needs in front of each packet it sends (the
    /// virtio-net header): the stack writes the packet after them.
    pub headroom: usize,
    /// The largest IP packet the device carries (the MTU without offloads).
    pub mtu: usize,
    /// The device cuts large TCP segments itself (TSO/GSO): the stack may
    /// hand it segments of up to 64 KiB and says the segment size.
    pub tso: bool,
}

/// One packet [`Device::poll_recv`] put into the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// Where the IP packet starts in the buffer.
    pub start: usize,
    /// Where it ends.
    pub end: usize,
    /// The device vouches for the TCP checksum (a packet the local kernel
    /// made with checksum offload never crossed a wire): it is not
    /// verified.
    pub checksum_trusted: bool,
    /// A GRO super-packet: the size of the segments the device joined
    /// (virtio-net's `gso_size`; `Endpoint::handle_offloaded_packet`).
    pub segment_size: Option<u16>,
}

/// A source and sink of IP packets (IPv4 or IPv6, no link header).
///
/// The stack's driver task is the only caller: it polls for packets and
/// writes packets without waiting. A device whose queue is full drops the
/// packet (return an error): TCP retransmits, as on a real link.
pub trait Device: Send + 'static {
    /// Receives one packet into `buf` (at least 64 KiB plus the headroom),
    /// or registers the waker. An error stops the stack (the device is
    /// gone).
    fn poll_recv(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<Received>>;

    /// Sends one packet without waiting: `buf[..headroom]` is room for the
    /// device's header, the IP packet follows. `segment_size`: with
    /// [`Capabilities::tso`], the payload size to cut a larger TCP segment
    /// into (`None` for packets that need no cutting).
    fn send(&mut self, buf: &mut [u8], segment_size: Option<usize>) -> io::Result<()>;

    /// What the device can do.
    fn capabilities(&self) -> Capabilities;

    /// Whether the device is still there. Called about once a second: a
    /// device that goes away without its descriptor saying so (a TUN
    /// interface deleted under the stack wakes no one) is found here. An
    /// error stops the stack.
    fn check(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Asks the device to hand over packets with complete checksums even
    /// where it could vouch for them (for a capture or a trace that shows
    /// the packets as they are). Off by default.
    fn set_complete_checksums(&mut self, on: bool) {
        let _ = on;
    }
}
