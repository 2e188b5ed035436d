//! The device side of the stack: the device, its buffers, the fault
//! injector and the observer. It lives under the stack's lock beside the
//! endpoint, so whoever holds the lock can move packets: the driver task
//! reads (it alone polls the device for input), and an application call
//! that leaves output (a write, a read that opens the window) writes it to
//! the device at once, on its own thread, as the blocking driver does,
//! instead of waking the driver for it.

use crate::device::{Capabilities, Device};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use synack_core::{Endpoint, Instant};
use synack_tun::{Direction, DriverStats, Observer, SplitMix64, vnet};

/// Largest IP packet.
const MAX_PACKET: usize = 65536;

/// Packets read before the endpoint's answers go out, at most (as the
/// blocking driver: a GRO-like bound that keeps the sender's ACK clock;
/// an ACK for out-of-order data or a gap fill goes out at once,
/// `Endpoint::answer_due`).
const ANSWER_PACKETS: usize = 16;

/// Bytes read before the answers go out, at most.
const ANSWER_BYTES: usize = 32 * 1024;

/// The device and what goes with it.
pub(crate) struct Io {
    dev: Box<dyn Device>,
    caps: Capabilities,
    rx: Box<[u8]>,
    tx: Box<[u8]>,
    loss: f64,
    rng: SplitMix64,
    observer: Option<Box<dyn Observer + Send>>,
    wall_start: Duration,
    /// The device's counters.
    pub(crate) stats: DriverStats,
}

impl std::fmt::Debug for Io {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Io")
            .field("caps", &self.caps)
            .field("loss", &self.loss)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Io {
    pub(crate) fn new(
        mut dev: Box<dyn Device>,
        loss: f64,
        seed: u64,
        observer: Option<Box<dyn Observer + Send>>,
    ) -> Io {
        let caps = dev.capabilities();
        dev.set_complete_checksums(observer.is_some());
        Io {
            dev,
            caps,
            rx: vec![0; caps.headroom + MAX_PACKET].into_boxed_slice(),
            tx: vec![0; caps.headroom + MAX_PACKET].into_boxed_slice(),
            loss,
            rng: SplitMix64::new(seed),
            observer,
            stats: DriverStats::default(),
            wall_start: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
        }
    }

    fn wall(&self, t: Instant) -> Duration {
        self.wall_start + Duration::from_micros(t.as_micros())
    }

    /// Whether the device is still there ([`Device::check`]).
    pub(crate) fn check(&mut self) -> Result<(), String> {
        self.dev
            .check()
            .map_err(|e| format!("the device failed: {e}"))
    }

    /// Hands the endpoint's trace events to the observer.
    pub(crate) fn drain_trace(&mut self, ep: &mut Endpoint) {
        if let Some(o) = self.observer.as_mut() {
            while let Some(ev) = ep.poll_trace() {
                o.trace(&ev);
            }
        }
    }

    /// Every waiting packet (up to `max`) to the endpoint, answering after
    /// every few. Returns the number read, or why the device failed.
    pub(crate) fn receive(
        &mut self,
        ep: &mut Endpoint,
        cx: &mut Context<'_>,
        now: Instant,
        max: usize,
    ) -> Result<usize, String> {
        let (mut packets, mut bytes, mut reads) = (0, 0, 0);
        while reads < max {
            let r = match self.dev.poll_recv(cx, &mut self.rx) {
                Poll::Pending => break,
                Poll::Ready(Err(e)) => return Err(format!("the device failed: {e}")),
                Poll::Ready(Ok(r)) => r,
            };
            reads += 1;
            self.stats.rx_packets += 1;
            let Some(packet) = self.rx.get(r.start..r.end) else {
                continue;
            };
            if packet.len() > self.caps.mtu {
                self.stats.rx_super_packets += 1;
            }
            let dropped = self.loss > 0.0 && self.rng.next_f64() < self.loss;
            let wall = self.wall_start + Duration::from_micros(now.as_micros());
            if let Some(o) = self.observer.as_mut() {
                o.packet(now, wall, Direction::In, dropped, packet);
            }
            if dropped {
                self.stats.rx_injected_drops += 1;
                continue;
            }
            ep.handle_offloaded_packet(now, packet, r.checksum_trusted, r.segment_size);
            self.drain_trace(ep);
            packets += 1;
            bytes += r.end - r.start;
            if ep.answer_due() || packets >= ANSWER_PACKETS || bytes >= ANSWER_BYTES {
                self.transmit(ep, now);
                (packets, bytes) = (0, 0);
            }
        }
        Ok(reads)
    }

    /// Everything the endpoint has to send, to the device.
    pub(crate) fn transmit(&mut self, ep: &mut Endpoint, now: Instant) {
        let start = self.caps.headroom;
        while let Some(n) = ep.poll_transmit(now, &mut self.tx[start..]) {
            self.drain_trace(ep);
            let end = start + n;
            let dropped = self.loss > 0.0 && self.rng.next_f64() < self.loss;
            let wall = self.wall(now);
            if let Some(o) = self.observer.as_mut() {
                o.packet(now, wall, Direction::Out, dropped, &self.tx[start..end]);
            }
            if dropped {
                self.stats.tx_injected_drops += 1;
                continue;
            }
            // A segment larger than the MSS (Config::tso_segments) is cut
            // by the device: it needs the connection's segment size.
            let layout = vnet::TcpLayout::of(&self.tx[start..end]).filter(|l| l.payload > 0);
            let segment_size = match layout {
                Some(l) if self.caps.tso => {
                    let (src, dst) = l.addrs(&self.tx[start..end]);
                    ep.tso_segment_size(src, dst)
                }
                _ => None,
            };
            if layout.zip(segment_size).is_some_and(|(l, s)| l.payload > s) {
                self.stats.tx_super_packets += 1;
            }
            match self.dev.send(&mut self.tx[..end], segment_size) {
                Ok(()) => self.stats.tx_packets += 1,
                Err(_) => {
                    // It never left this host: new data is retried later
                    // (local congestion), anything else counts as lost.
                    self.stats.tx_errors += 1;
                    ep.transmit_failed(now, &self.tx[start..end]);
                }
            }
        }
    }
}
