//! A Linux TUN device under tokio, with the offloads.

use super::{Capabilities, Device, Received};
use std::io;
use std::task::{Context, Poll, ready};
use synack_tun::{TunDevice, vnet};
use tokio::io::unix::AsyncFd;

/// A TUN device ([`synack_tun::TunDevice`]) read and written through
/// tokio's reactor. With the offloads on
/// ([`TunDevice::open_offloaded`]) every packet carries a virtio-net
/// header: the kernel hands over TCP super-packets of up to 64 KiB with
/// partial checksums (trusted: they never crossed a wire) and takes the
/// same (cut into MSS-sized segments by the kernel, or delivered whole to
/// its own sockets), as the blocking driver does (see ARCHITECTURE.md).
#[derive(Debug)]
pub struct Tun {
    fd: AsyncFd<TunDevice>,
    mtu: usize,
    complete_checksums: bool,
}

impl Tun {
    /// Wraps an open device (non-blocking, as [`TunDevice`] opens it).
    /// Must be called inside a tokio runtime.
    pub fn new(device: TunDevice) -> io::Result<Tun> {
        let mtu = device.mtu()?;
        // SAFETY: `TunDevice` owns its descriptor (a `File`): it stays open,
        // and `as_raw_fd` returns that same descriptor, until the device is
        // dropped, which only happens when the `AsyncFd` that owns it is.
        let fd = unsafe { AsyncFd::register(device)? };
        Ok(Tun {
            fd,
            mtu,
            complete_checksums: false,
        })
    }

    /// Opens the TUN device `name` with the offloads, creating it if it
    /// does not exist. `addr` (`ADDR/PREFIX`, e.g. `198.18.0.2/24`) is the
    /// address the stack will own: a device created here gets MTU 1500 and
    /// the kernel side gets the first other usable address of the prefix
    /// (198.18.0.1/24), which routes the prefix into the device; it goes
    /// away when the stack stops. An existing device is used as it is
    /// configured. Needs root or `CAP_NET_ADMIN`, and `ip` (iproute2) to
    /// configure a created device.
    pub fn open(name: &str, addr: &str) -> io::Result<Tun> {
        let ours: synack_tun::iface::AddrPrefix = addr.parse().map_err(io::Error::other)?;
        let device = TunDevice::open_offloaded(name).map_err(io::Error::other)?;
        if device.created() {
            let kernel = ours.kernel_side().map_err(io::Error::other)?;
            synack_tun::iface::configure_created(device.name(), 1500, kernel, ours.prefix)
                .map_err(io::Error::other)?;
        }
        Tun::new(device)
    }

    /// The device.
    pub fn device(&self) -> &TunDevice {
        self.fd.get_ref()
    }
}

impl Device for Tun {
    fn poll_recv(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<Received>> {
        loop {
            let mut guard = ready!(self.fd.poll_read_ready_mut(cx))?;
            let n = match guard.get_inner_mut().recv(buf) {
                Ok(Some(n)) => n,
                Ok(None) => {
                    guard.clear_ready();
                    continue;
                }
                Err(e) => return Poll::Ready(Err(e)),
            };
            if !self.fd.get_ref().offloads() {
                return Poll::Ready(Ok(Received {
                    start: 0,
                    end: n,
                    checksum_trusted: false,
                    segment_size: None,
                }));
            }
            let Some(h) = vnet::VnetHdr::parse(&buf[..n]) else {
                continue;
            };
            let partial = h.flags & vnet::NEEDS_CSUM != 0;
            if partial && self.complete_checksums {
                vnet::complete_checksum(&mut buf[vnet::LEN..n], h.csum_start, h.csum_offset);
            }
            return Poll::Ready(Ok(Received {
                start: vnet::LEN,
                end: n,
                checksum_trusted: partial || h.flags & vnet::DATA_VALID != 0,
                segment_size: (h.gso_type != vnet::GSO_NONE).then_some(h.gso_size),
            }));
        }
    }

    fn send(&mut self, buf: &mut [u8], segment_size: Option<usize>) -> io::Result<()> {
        if self.fd.get_ref().offloads() {
            // Checksum offload: the kernel trusts a partial checksum; a
            // segment longer than the MSS goes as one GSO packet.
            let packet = &mut buf[vnet::LEN..];
            let hdr = match vnet::TcpLayout::of(packet) {
                Some(l) => vnet::offload_tx(packet, &l, segment_size),
                None => vnet::VnetHdr::default(),
            };
            hdr.write(&mut buf[..vnet::LEN]);
        }
        self.fd.get_mut().send(buf)
    }

    fn capabilities(&self) -> Capabilities {
        let offloads = self.fd.get_ref().offloads();
        Capabilities {
            headroom: if offloads { vnet::LEN } else { 0 },
            mtu: self.mtu,
            tso: offloads,
        }
    }

    fn check(&mut self) -> io::Result<()> {
        // SIOCGIFFLAGS by name: ENODEV once the interface is deleted.
        self.fd.get_ref().is_up().map(|_| ())
    }

    fn set_complete_checksums(&mut self, on: bool) {
        self.complete_checksums = on;
    }
}
