//! smoltcp 0.14 on the same workload, in the same run: the stack the issue
//! names as the one to beat, measured here rather than quoted.
//!
//! smoltcp gets a TUN device of its own, `smol0` (MTU 1500, no offloads:
//! smoltcp has no virtio-net header support), owns 198.18.2.2/24 and the
//! kernel side gets 198.18.2.1/24, configured exactly like synack's device.
//! Its socket buffers are 1 MiB each way ([`SOCKET_BUFFER`]); everything
//! else is smoltcp's default (delayed ACKs on, congestion control off).
//! The loop is the one smoltcp's own examples use: `poll`, serve the
//! socket, sleep in `phy::wait` until a packet or `poll_at`. The
//! application reads and writes 64 KiB at a time and checks every byte, as
//! synack's does. Under `--loss` the device is wrapped in smoltcp's own
//! `FaultInjector`, which drops that share of packets both ways (in whole
//! percents).

use super::kernel;
use super::{APP_BUF, Measured, PERIOD, STALL, matches, pattern};
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{FaultInjector, Medium, TunTapInterface, wait as phy_wait};
use smoltcp::socket::tcp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr};
use std::net::TcpListener;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Instant as StdInstant;

/// smoltcp's device.
const DEVICE: &str = "smol0";
/// smoltcp's address.
const SMOLTCP: Ipv4Addr = Ipv4Addr::new(198, 18, 2, 2);
/// The kernel side's address.
const KERNEL: Ipv4Addr = Ipv4Addr::new(198, 18, 2, 1);
/// smoltcp's listening port (`linux_to_smoltcp`).
const SMOLTCP_PORT: u16 = 5001;
/// The kernel's listening port (`smoltcp_to_linux`).
const KERNEL_PORT: u16 = 5002;
/// smoltcp's local port when it connects.
const LOCAL_PORT: u16 = 49152;
/// Socket buffers, each way: 1 MiB, four times synack's default. Of 64 KiB,
/// 256 KiB, 1 MiB, 2 MiB and 4 MiB, 1 MiB gave smoltcp its best figures
/// here (the differences are within the noise of a shared 2-core machine,
/// but the comparison should not be made against a starved smoltcp).
const SOCKET_BUFFER: usize = 1024 * 1024;
/// Longest sleep, so a finished kernel thread is noticed.
const MAX_SLEEP: Duration = Duration::from_millis(10);

/// smoltcp on its device, with one TCP socket.
struct Smol {
    dev: FaultInjector<TunTapInterface>,
    /// The device's descriptor, for `phy::wait`.
    fd: RawFd,
    iface: Interface,
    sockets: SocketSet<'static>,
    handle: SocketHandle,
}

impl Smol {
    fn open(drop_pct: u8) -> Result<Smol, String> {
        let tun = TunTapInterface::new(DEVICE, Medium::Ip)
            .map_err(|e| format!("smoltcp: cannot create {DEVICE}: {e}"))?;
        let fd = tun.as_raw_fd();
        let mut dev = FaultInjector::new(tun, u32::from_le_bytes([1, 2, 3, 4]));
        dev.set_drop_chance(drop_pct);
        synack_tun::iface::configure_created(DEVICE, 1500, IpAddr::V4(KERNEL), 24)
            .map_err(|e| format!("smoltcp: {e}"))?;
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = u64::from_le_bytes(synack_tun::os_random());
        let mut iface = Interface::new(config, &mut dev, Instant::now());
        iface.update_ip_addrs(|a| {
            let _ = a.push(IpCidr::new(IpAddress::Ipv4(SMOLTCP), 24));
        });
        let mut sockets = SocketSet::new(Vec::new());
        let socket = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; SOCKET_BUFFER]),
            tcp::SocketBuffer::new(vec![0; SOCKET_BUFFER]),
        );
        let handle = sockets.add(socket);
        Ok(Smol {
            dev,
            fd,
            iface,
            sockets,
            handle,
        })
    }

    fn poll(&mut self) -> Instant {
        let now = Instant::now();
        self.iface.poll(now, &mut self.dev, &mut self.sockets);
        now
    }

    fn socket(&mut self) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut::<tcp::Socket>(self.handle)
    }

    /// Sleeps until a packet arrives or smoltcp's next deadline.
    fn wait(&mut self, now: Instant) -> Result<(), String> {
        let sleep = match self.iface.poll_at(now, &self.sockets) {
            Some(t) if t <= now => return Ok(()),
            Some(t) => (t - now).min(MAX_SLEEP),
            None => MAX_SLEEP,
        };
        phy_wait(self.fd, Some(sleep)).map_err(|e| format!("smoltcp: wait: {e}"))
    }
}

/// `--loss` as the whole percent smoltcp's fault injector takes, if it is
/// one.
pub fn drop_percent(loss: f64) -> Option<u8> {
    let pct = (loss * 100.0).round();
    ((loss * 100.0 - pct).abs() < 1e-9 && pct < 100.0).then_some(pct as u8)
}

/// `linux_to_smoltcp`: a kernel socket writes, smoltcp reads. The clock
/// runs from the connection's establishment until smoltcp has read all.
pub fn linux_to_smoltcp(bytes: u64, drop_pct: u8) -> Result<Measured, String> {
    const DIRECTION: &str = "linux_to_smoltcp";
    let mut s = Smol::open(drop_pct)?;
    s.socket()
        .listen(SMOLTCP_PORT)
        .map_err(|e| format!("{DIRECTION}: listen: {e}"))?;
    let writer = kernel::spawn_writer(
        SocketAddr::new(IpAddr::V4(SMOLTCP), SMOLTCP_PORT),
        bytes,
        || {},
    );
    let pat = pattern();
    let (mut got, mut ok) = (0u64, true);
    let (mut start, mut end) = (None, None);
    let mut last_progress = StdInstant::now();
    loop {
        let now = s.poll();
        let sock = s.socket();
        if start.is_none() && sock.state() == tcp::State::Established {
            start = Some(StdInstant::now());
        }
        while sock.can_recv() {
            // In place, with smoltcp's own zero-copy read.
            let n = sock
                .recv(|data| {
                    ok &= matches(&pat, data, got);
                    (data.len(), data.len())
                })
                .map_err(|e| format!("{DIRECTION}: recv: {e}"))?;
            got += n as u64;
            last_progress = StdInstant::now();
            if got >= bytes && end.is_none() {
                end = Some(StdInstant::now());
            }
        }
        if sock.state() == tcp::State::CloseWait {
            sock.close();
        }
        if let Ok(r) = writer.try_recv() {
            r.map_err(|e| format!("{DIRECTION}: {e}"))?;
            break;
        }
        if last_progress.elapsed() > STALL {
            return Err(format!("{DIRECTION}: stalled after {got} bytes"));
        }
        s.wait(now)?;
    }
    match (start, end) {
        (Some(start), Some(end)) if ok && got == bytes => Ok(Measured {
            stack: "smoltcp",
            direction: DIRECTION,
            bytes,
            seconds: end.duration_since(start).as_secs_f64(),
            offloads: false,
            busy_poll_hits: None,
        }),
        _ => Err(format!(
            "{DIRECTION}: smoltcp read {got} of {bytes} bytes{}",
            if ok { "" } else { ", corrupted" }
        )),
    }
}

/// `smoltcp_to_linux`: smoltcp connects and writes, a kernel socket reads.
/// The clock runs from the kernel's accept until it has read all.
pub fn smoltcp_to_linux(bytes: u64, drop_pct: u8) -> Result<Measured, String> {
    const DIRECTION: &str = "smoltcp_to_linux";
    let mut s = Smol::open(drop_pct)?;
    let addr = SocketAddr::new(IpAddr::V4(KERNEL), KERNEL_PORT);
    let listener = TcpListener::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
    let reader = kernel::spawn_reader(listener, bytes, || {});
    let Smol {
        iface,
        sockets,
        handle,
        ..
    } = &mut s;
    sockets
        .get_mut::<tcp::Socket>(*handle)
        .connect(
            iface.context(),
            (IpAddress::Ipv4(KERNEL), KERNEL_PORT),
            LOCAL_PORT,
        )
        .map_err(|e| format!("{DIRECTION}: connect: {e}"))?;
    let src = pattern();
    let (mut sent, mut closed) = (0u64, false);
    let mut last_progress = StdInstant::now();
    let result = loop {
        let now = s.poll();
        let sock = s.socket();
        while sock.can_send() && sent < bytes {
            let off = (sent % PERIOD as u64) as usize;
            let len = (bytes - sent).min(APP_BUF as u64) as usize;
            let n = sock
                .send_slice(&src[off..off + len])
                .map_err(|e| format!("{DIRECTION}: send: {e}"))?;
            if n == 0 {
                break;
            }
            sent += n as u64;
            last_progress = StdInstant::now();
        }
        if sent == bytes && !closed && sock.may_send() {
            sock.close();
            closed = true;
        }
        if let Ok(r) = reader.try_recv() {
            break r;
        }
        if last_progress.elapsed() > STALL && !closed {
            return Err(format!("{DIRECTION}: stalled after {sent} bytes sent"));
        }
        s.wait(now)?;
    };
    kernel::measured("smoltcp", DIRECTION, bytes, Some(result))
}
