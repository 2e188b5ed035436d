//! smoltcp 0.14 on `bench bulk` and `bench churn`'s workloads, in the same
//! process and run (`--compare`): two smoltcp interfaces joined by an
//! in-memory link like synack's pair (packets handed from one interface's
//! transmit to the other's receive; buffers pooled, so neither side
//! allocates per packet in steady state). smoltcp keeps its defaults
//! (delayed ACKs, congestion control off, Nagle on), as the projects that
//! embed it do; the same addresses, buffer sizes, MTU and application
//! reads and writes as synack's runs.

use super::pair::{CLIENT, PORT, SERVER};
use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::socket::tcp;
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr, Ipv4Address};
use std::cell::RefCell;
use std::collections::VecDeque;

/// One side's device: packets in, packets out, spare buffers.
struct QueueDevice {
    rx: VecDeque<Vec<u8>>,
    tx: VecDeque<Vec<u8>>,
    pool: RefCell<Vec<Vec<u8>>>,
    mtu: usize,
}

struct RxTok<'a> {
    packet: Vec<u8>,
    pool: &'a RefCell<Vec<Vec<u8>>>,
}

struct TxTok<'a> {
    tx: &'a mut VecDeque<Vec<u8>>,
    pool: &'a RefCell<Vec<Vec<u8>>>,
}

impl phy::RxToken for RxTok<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        let r = f(&self.packet);
        self.pool.borrow_mut().push(self.packet);
        r
    }
}

impl phy::TxToken for TxTok<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut b = self.pool.borrow_mut().pop().unwrap_or_default();
        b.resize(len, 0);
        let r = f(&mut b);
        self.tx.push_back(b);
        r
    }
}

impl Device for QueueDevice {
    type RxToken<'a> = RxTok<'a>;
    type TxToken<'a> = TxTok<'a>;

    fn receive(&mut self, _: Instant) -> Option<(RxTok<'_>, TxTok<'_>)> {
        let packet = self.rx.pop_front()?;
        Some((
            RxTok {
                packet,
                pool: &self.pool,
            },
            TxTok {
                tx: &mut self.tx,
                pool: &self.pool,
            },
        ))
    }

    fn transmit(&mut self, _: Instant) -> Option<TxTok<'_>> {
        Some(TxTok {
            tx: &mut self.tx,
            pool: &self.pool,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ip;
        c.max_transmission_unit = self.mtu;
        c
    }
}

/// The real clock as smoltcp's instant.
fn now(start: std::time::Instant) -> Instant {
    Instant::from_micros(i64::try_from(start.elapsed().as_micros()).unwrap_or(i64::MAX))
}

/// Two smoltcp interfaces (198.18.0.1 and 198.18.0.2) on an in-memory link.
struct SmolPair {
    client: (Interface, QueueDevice, SocketSet<'static>),
    server: (Interface, QueueDevice, SocketSet<'static>),
    start: std::time::Instant,
}

fn side(addr: Ipv4Address, mtu: usize, seed: u64) -> (Interface, QueueDevice, SocketSet<'static>) {
    let mut dev = QueueDevice {
        rx: VecDeque::new(),
        tx: VecDeque::new(),
        pool: RefCell::new(Vec::new()),
        mtu,
    };
    let mut config = Config::new(HardwareAddress::Ip);
    config.random_seed = seed;
    let mut iface = Interface::new(config, &mut dev, Instant::from_millis(0));
    iface.update_ip_addrs(|a| {
        let _ = a.push(IpCidr::new(IpAddress::Ipv4(addr), 24));
    });
    (iface, dev, SocketSet::new(Vec::new()))
}

impl SmolPair {
    fn new(mtu: usize) -> Self {
        SmolPair {
            client: side(CLIENT, mtu, 1),
            server: side(SERVER, mtu, 2),
            start: std::time::Instant::now(),
        }
    }

    /// Polls both sides and moves packets until nothing moves.
    fn pump(&mut self) {
        loop {
            let t = now(self.start);
            let (ci, cd, cs) = &mut self.client;
            ci.poll(t, cd, cs);
            let (si, sd, ss) = &mut self.server;
            let from_client = cd.tx.len();
            sd.rx.extend(cd.tx.drain(..));
            si.poll(t, sd, ss);
            let from_server = sd.tx.len();
            cd.rx.extend(sd.tx.drain(..));
            if from_client == 0 && from_server == 0 {
                return;
            }
        }
    }
}

fn socket(buffer: usize) -> tcp::Socket<'static> {
    tcp::Socket::new(
        tcp::SocketBuffer::new(vec![0; buffer]),
        tcp::SocketBuffer::new(vec![0; buffer]),
    )
}

/// `bench bulk`'s workload on smoltcp: seconds from establishment to the
/// last byte read, and whether every byte read was the byte written.
pub fn bulk(bytes: u64, mtu: usize, buffer: usize, src: &[u8]) -> Result<(f64, bool), String> {
    let app = src.len();
    let mut p = SmolPair::new(mtu);
    let sh = p.server.2.add(socket(buffer));
    let ch = p.client.2.add(socket(buffer));
    p.server
        .2
        .get_mut::<tcp::Socket>(sh)
        .listen(PORT)
        .map_err(|e| format!("smoltcp listen: {e}"))?;
    let (ci, _, cs) = &mut p.client;
    cs.get_mut::<tcp::Socket>(ch)
        .connect(ci.context(), (IpAddress::Ipv4(SERVER), PORT), 49152)
        .map_err(|e| format!("smoltcp connect: {e}"))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while p.server.2.get::<tcp::Socket>(sh).state() != tcp::State::Established {
        p.pump();
        if std::time::Instant::now() > deadline {
            return Err("smoltcp: handshake did not complete".into());
        }
    }
    let mut dst = vec![0u8; app];
    let (mut sent, mut received, mut ok) = (0u64, 0u64, true);
    let start = std::time::Instant::now();
    let mut last = start;
    while received < bytes {
        let c = p.client.2.get_mut::<tcp::Socket>(ch);
        while sent < bytes && c.can_send() {
            let off = (sent % app as u64) as usize;
            let len = (app - off).min((bytes - sent) as usize);
            let n = c
                .send_slice(&src[off..off + len])
                .map_err(|e| format!("smoltcp send: {e}"))?;
            if n == 0 {
                break;
            }
            sent += n as u64;
        }
        p.pump();
        let before = received;
        let s = p.server.2.get_mut::<tcp::Socket>(sh);
        while s.can_recv() {
            let n = s
                .recv_slice(&mut dst)
                .map_err(|e| format!("smoltcp recv: {e}"))?;
            if n == 0 {
                break;
            }
            let off = (received % app as u64) as usize;
            let first = n.min(app - off);
            ok &= dst[..first] == src[off..off + first];
            ok &= dst[first..n] == src[..n - first];
            received += n as u64;
        }
        if received > before {
            last = std::time::Instant::now();
        } else if last.elapsed() > std::time::Duration::from_secs(10) {
            return Err(format!(
                "smoltcp: stalled after {received} of {bytes} bytes"
            ));
        }
    }
    Ok((start.elapsed().as_secs_f64(), ok && received == bytes))
}

/// `bench churn`'s workload on smoltcp: `idle` connections held open, then
/// `n` short ones one after another (handshake, a byte each way, the
/// client closes, the server closes); the seconds the `n` took. smoltcp
/// has no listen backlog: a listening socket becomes the connection, so
/// the server adds a fresh listening socket for each one; the client's
/// socket in TIME-WAIT is aborted and removed once the close is done
/// (smoltcp holds TIME-WAIT for 10 s on the socket itself).
pub fn churn(n: u64, idle: u64) -> Result<f64, String> {
    let mut p = SmolPair::new(1500);
    let mut port: u16 = 1024;
    let mut next_port = || {
        port = if port == 65535 { 1024 } else { port + 1 };
        port
    };
    // The idle ones.
    let mut held = Vec::new();
    for _ in 0..idle {
        let lh = p.server.2.add(socket(4096));
        p.server
            .2
            .get_mut::<tcp::Socket>(lh)
            .listen(PORT)
            .map_err(|e| format!("smoltcp listen: {e}"))?;
        let ch = p.client.2.add(socket(4096));
        let (ci, _, cs) = &mut p.client;
        cs.get_mut::<tcp::Socket>(ch)
            .connect(ci.context(), (IpAddress::Ipv4(SERVER), PORT), next_port())
            .map_err(|e| format!("smoltcp connect: {e}"))?;
        p.pump();
        held.push((ch, lh));
    }
    let start = std::time::Instant::now();
    for i in 0..n {
        let lh = p.server.2.add(socket(4096));
        p.server
            .2
            .get_mut::<tcp::Socket>(lh)
            .listen(PORT)
            .map_err(|e| format!("smoltcp listen: {e}"))?;
        let ch = p.client.2.add(socket(4096));
        let (ci, _, cs) = &mut p.client;
        cs.get_mut::<tcp::Socket>(ch)
            .connect(ci.context(), (IpAddress::Ipv4(SERVER), PORT), next_port())
            .map_err(|e| format!("smoltcp connect: {e}"))?;
        p.pump();
        let step = |what: &str| format!("smoltcp connection {i}: {what}");
        let c = p.client.2.get_mut::<tcp::Socket>(ch);
        c.send_slice(b"q").map_err(|_| step("client send"))?;
        p.pump();
        let mut b = [0u8; 1];
        let s = p.server.2.get_mut::<tcp::Socket>(lh);
        if s.recv_slice(&mut b) != Ok(1) {
            return Err(step("server recv"));
        }
        s.send_slice(b"a").map_err(|_| step("server send"))?;
        p.pump();
        let c = p.client.2.get_mut::<tcp::Socket>(ch);
        if c.recv_slice(&mut b) != Ok(1) {
            return Err(step("client recv"));
        }
        c.close();
        p.pump();
        p.server.2.get_mut::<tcp::Socket>(lh).close();
        p.pump();
        let c = p.client.2.get_mut::<tcp::Socket>(ch);
        if c.state() != tcp::State::TimeWait {
            return Err(step(&format!("client in {} after the close", c.state())));
        }
        c.abort();
        p.client.2.remove(ch);
        if p.server.2.get::<tcp::Socket>(lh).state() != tcp::State::Closed {
            return Err(step("server not closed"));
        }
        p.server.2.remove(lh);
    }
    let secs = start.elapsed().as_secs_f64();
    drop(held);
    Ok(secs)
}
