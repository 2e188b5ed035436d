//! Tiny test hosts: raw numbered IPv4/IPv6 packets and scheduled sends.

use core::net::{IpAddr, Ipv4Addr};
use std::collections::VecDeque;
use std::io::{self, Write};
use synack_core::Instant;
use synack_sim::{Host, HostId, LinkConfig, Sim};

pub const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
pub const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

pub fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

pub fn us(n: u64) -> Instant {
    Instant::from_micros(n)
}

/// A raw IPv4 packet of `len` bytes (>= 24) from `src` to `dst` carrying `num`.
pub fn ipv4(src: IpAddr, dst: IpAddr, num: u32, len: usize) -> Vec<u8> {
    let (IpAddr::V4(src), IpAddr::V4(dst)) = (src, dst) else {
        panic!("ipv4 wants IPv4 addresses");
    };
    let len = len.max(24);
    let mut p = vec![0u8; len];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&(len as u16).to_be_bytes());
    p[8] = 64;
    p[9] = 253;
    p[12..16].copy_from_slice(&src.octets());
    p[16..20].copy_from_slice(&dst.octets());
    p[20..24].copy_from_slice(&num.to_be_bytes());
    p
}

/// A raw IPv6 packet of `len` bytes (>= 44) carrying `num`.
pub fn ipv6(src: IpAddr, dst: IpAddr, num: u32, len: usize) -> Vec<u8> {
    let (IpAddr::V6(src), IpAddr::V6(dst)) = (src, dst) else {
        panic!("ipv6 wants IPv6 addresses");
    };
    let len = len.max(44);
    let mut p = vec![0u8; len];
    p[0] = 0x60;
    p[4..6].copy_from_slice(&((len - 40) as u16).to_be_bytes());
    p[6] = 253;
    p[7] = 64;
    p[8..24].copy_from_slice(&src.octets());
    p[24..40].copy_from_slice(&dst.octets());
    p[40..44].copy_from_slice(&num.to_be_bytes());
    p
}

/// The number carried by a packet built by [`ipv4`] or [`ipv6`].
pub fn number(p: &[u8]) -> u32 {
    let at = if p[0] >> 4 == 6 { 40 } else { 20 };
    u32::from_be_bytes(p[at..at + 4].try_into().unwrap())
}

/// Sends queued and scheduled numbered packets; records what it receives.
#[derive(Debug)]
pub struct TestHost {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub len: usize,
    pub outbox: VecDeque<Vec<u8>>,
    /// Times at which to send one numbered packet each (sorted).
    pub schedule: VecDeque<Instant>,
    pub sent: Vec<(Instant, Vec<u8>)>,
    pub received: Vec<(Instant, Vec<u8>)>,
    pub timer_calls: Vec<Instant>,
    /// Receives ('r') and timer calls ('t') in the order they happened.
    pub log: Vec<(Instant, char)>,
    next_num: u32,
}

impl TestHost {
    pub fn new(src: impl Into<IpAddr>, dst: impl Into<IpAddr>, len: usize) -> Self {
        TestHost {
            src: src.into(),
            dst: dst.into(),
            len,
            outbox: VecDeque::new(),
            schedule: VecDeque::new(),
            sent: Vec::new(),
            received: Vec::new(),
            timer_calls: Vec::new(),
            log: Vec::new(),
            next_num: 0,
        }
    }

    /// Queues `n` numbered packets for the next flush.
    pub fn queue(&mut self, n: usize) {
        for _ in 0..n {
            let num = self.next_num;
            self.next_num += 1;
            let p = match self.src {
                IpAddr::V4(_) => ipv4(self.src, self.dst, num, self.len),
                IpAddr::V6(_) => ipv6(self.src, self.dst, num, self.len),
            };
            self.outbox.push_back(p);
        }
    }

    /// Schedules `count` sends, one every `every` starting at `start`.
    pub fn every(&mut self, start: Instant, every: core::time::Duration, count: usize) {
        let mut t = start;
        for _ in 0..count {
            self.schedule.push_back(t);
            t += every;
        }
    }

    pub fn received_numbers(&self) -> Vec<u32> {
        self.received.iter().map(|(_, p)| number(p)).collect()
    }
}

impl Host for TestHost {
    fn receive(&mut self, now: Instant, packet: &[u8]) {
        self.received.push((now, packet.to_vec()));
        self.log.push((now, 'r'));
    }

    fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        let p = self.outbox.pop_front()?;
        buf[..p.len()].copy_from_slice(&p);
        self.sent.push((now, p.clone()));
        Some(p.len())
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.schedule.front().copied()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.timer_calls.push(now);
        self.log.push((now, 't'));
        while self.schedule.front().is_some_and(|&t| t <= now) {
            self.schedule.pop_front();
            self.queue(1);
        }
    }
}

/// Two test hosts A (10.0.0.1) → B (10.0.0.2) joined by `a_to_b` (and a
/// default reverse direction). Packets are `len` bytes.
pub fn pair(seed: u64, a_to_b: LinkConfig, len: usize) -> (Sim<TestHost>, HostId, HostId) {
    let mut sim = Sim::new(seed);
    let a = sim.add_host(TestHost::new(A, B, len), &[A.into()]);
    let b = sim.add_host(TestHost::new(B, A, len), &[B.into()]);
    sim.link(a, b, a_to_b, LinkConfig::default());
    (sim, a, b)
}

/// Drains the wire-event log.
pub fn drain(sim: &mut Sim<TestHost>) -> Vec<synack_sim::WireEvent> {
    std::iter::from_fn(|| sim.poll_wire_event()).collect()
}

/// A `Write` whose bytes stay readable after the simulator took ownership.
#[derive(Clone, Default)]
pub struct SharedBuf(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
