//! The driver task: the one task that moves packets between the device and
//! the endpoint, runs its timers on tokio's clock and wakes the tasks that
//! wait on connections.
//!
//! One turn (under the lock): read every packet the device has (at most
//! [`MAX_READS`]), answering after every few as the blocking driver does;
//! run the timers if due; write everything the endpoint has to send; hand
//! the events to the waiting tasks; then sleep until the next packet, the
//! endpoint's next deadline or a handle's call that left work (it wakes
//! the driver only then: output queued, or an earlier deadline).

use crate::device::{Capabilities, Device};
use crate::shared::{Inner, Shared};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use synack_core::Instant;
use synack_tun::{Direction, Observer, SplitMix64, vnet};
use tokio::time::Sleep;

/// Largest IP packet.
const MAX_PACKET: usize = 65536;

/// Packets read per turn at most; then the driver yields to other tasks.
const MAX_READS: usize = 256;

/// Packets read before the endpoint's answers go out, at most (as the
/// blocking driver: a GRO-like bound that keeps the sender's ACK clock).
const ANSWER_PACKETS: usize = 4;

/// Bytes read before the answers go out, at most.
const ANSWER_BYTES: usize = 8 * 1024;

/// The settings the driver itself needs.
pub(crate) struct DriverSettings {
    pub loss: f64,
    pub seed: u64,
    pub grace: Duration,
    pub observer: Option<Box<dyn Observer + Send>>,
}

/// The driver future.
pub(crate) struct Driver<D: Device> {
    shared: Arc<Shared>,
    dev: Box<D>,
    caps: Capabilities,
    rx: Box<[u8]>,
    tx: Box<[u8]>,
    sleep: Pin<Box<Sleep>>,
    loss: f64,
    rng: SplitMix64,
    grace: Duration,
    observer: Option<Box<dyn Observer + Send>>,
    wall_start: Duration,
}

impl<D: Device> Driver<D> {
    pub(crate) fn new(shared: Arc<Shared>, mut dev: D, s: DriverSettings) -> Self {
        let caps = dev.capabilities();
        dev.set_complete_checksums(s.observer.is_some());
        Driver {
            shared,
            dev: Box::new(dev),
            caps,
            rx: vec![0; caps.headroom + MAX_PACKET].into_boxed_slice(),
            tx: vec![0; caps.headroom + MAX_PACKET].into_boxed_slice(),
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
            loss: s.loss,
            rng: SplitMix64::new(s.seed),
            grace: s.grace,
            observer: s.observer,
            wall_start: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
        }
    }

    fn wall(&self, t: Instant) -> Duration {
        self.wall_start + Duration::from_micros(t.as_micros())
    }

    fn drain_trace(&mut self, g: &mut Inner) {
        if let Some(o) = self.observer.as_mut() {
            while let Some(ev) = g.ep.poll_trace() {
                o.trace(&ev);
            }
        }
    }

    /// Every waiting packet (up to [`MAX_READS`]) to the endpoint. Returns
    /// the number read, or the device's error.
    fn receive(
        &mut self,
        g: &mut Inner,
        cx: &mut Context<'_>,
        now: Instant,
    ) -> Result<usize, String> {
        let (mut packets, mut bytes, mut reads) = (0, 0, 0);
        while reads < MAX_READS {
            let r = match self.dev.poll_recv(cx, &mut self.rx) {
                Poll::Pending => break,
                Poll::Ready(Err(e)) => return Err(format!("the device failed: {e}")),
                Poll::Ready(Ok(r)) => r,
            };
            reads += 1;
            g.device_stats.rx_packets += 1;
            let Some(packet) = self.rx.get(r.start..r.end) else {
                continue;
            };
            if r.end - r.start > self.caps.mtu {
                g.device_stats.rx_super_packets += 1;
            }
            let dropped = self.loss > 0.0 && self.rng.next_f64() < self.loss;
            let wall = self.wall(now);
            if let Some(o) = self.observer.as_mut() {
                o.packet(now, wall, Direction::In, dropped, packet);
            }
            if dropped {
                g.device_stats.rx_injected_drops += 1;
                continue;
            }
            if r.checksum_trusted {
                g.ep.handle_packet_checksum_trusted(now, packet);
            } else {
                g.ep.handle_packet(now, packet);
            }
            self.drain_trace(g);
            packets += 1;
            bytes += r.end - r.start;
            if packets >= ANSWER_PACKETS || bytes >= ANSWER_BYTES {
                self.transmit(g, now);
                (packets, bytes) = (0, 0);
            }
        }
        Ok(reads)
    }

    /// Everything the endpoint has to send, to the device.
    fn transmit(&mut self, g: &mut Inner, now: Instant) {
        let start = self.caps.headroom;
        while let Some(n) = g.ep.poll_transmit(now, &mut self.tx[start..]) {
            self.drain_trace(g);
            let end = start + n;
            let dropped = self.loss > 0.0 && self.rng.next_f64() < self.loss;
            let wall = self.wall(now);
            if let Some(o) = self.observer.as_mut() {
                o.packet(now, wall, Direction::Out, dropped, &self.tx[start..end]);
            }
            if dropped {
                g.device_stats.tx_injected_drops += 1;
                continue;
            }
            // A segment larger than the MSS (Config::tso_segments) is cut
            // by the device: it needs the connection's segment size.
            let layout = vnet::TcpLayout::of(&self.tx[start..end]).filter(|l| l.payload > 0);
            let segment_size = match layout {
                Some(l) if self.caps.tso => {
                    let (src, dst) = l.addrs(&self.tx[start..end]);
                    g.ep.tso_segment_size(src, dst)
                }
                _ => None,
            };
            if layout.zip(segment_size).is_some_and(|(l, s)| l.payload > s) {
                g.device_stats.tx_super_packets += 1;
            }
            match self.dev.send(&mut self.tx[..end], segment_size) {
                Ok(()) => g.device_stats.tx_packets += 1,
                Err(_) => g.device_stats.tx_errors += 1,
            }
        }
    }

    /// Whether to stop now: a shutdown (asked for, or every handle gone)
    /// whose connections have settled or whose grace ran out.
    fn finishing(&mut self, g: &mut Inner, now: Instant) -> bool {
        // Only the driver (and this turn's clone) holds the stack: nobody
        // can use it any more.
        if Arc::strong_count(&self.shared) <= 2 && g.shutdown.is_none() {
            g.shutdown = Some(now + self.grace);
        }
        let Some(deadline) = g.shutdown else {
            return false;
        };
        if g.settled() {
            return true;
        }
        if now >= deadline {
            g.ep.abort_all(now);
            self.drain_trace(g);
            self.transmit(g, now);
            return true;
        }
        false
    }

    fn stop(&mut self, g: &mut Inner, why: String) {
        self.drain_trace(g);
        g.stop(why);
        self.shared.done.notify_waiters();
    }
}

impl<D: Device> Future for Driver<D> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let shared = this.shared.clone();
        let mut g = shared.lock();
        g.set_driver(cx.waker());
        loop {
            let now = g.now();
            let reads = match this.receive(&mut g, cx, now) {
                Ok(n) => n,
                Err(why) => {
                    this.stop(&mut g, why);
                    return Poll::Ready(());
                }
            };
            if g.ep.poll_timeout().is_some_and(|t| t <= now) {
                g.ep.handle_timeout(now);
                this.drain_trace(&mut g);
            }
            this.transmit(&mut g, now);
            g.dispatch();
            if this.finishing(&mut g, now) {
                this.stop(&mut g, "shut down".into());
                return Poll::Ready(());
            }
            if reads >= MAX_READS {
                // More is waiting: let other tasks run first.
                g.armed = Some(now);
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let deadline = match (g.ep.poll_timeout(), g.shutdown) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            g.armed = deadline;
            let Some(t) = deadline else {
                return Poll::Pending;
            };
            let at = g.at(t);
            if this.sleep.deadline() != at {
                this.sleep.as_mut().reset(at);
            }
            if this.sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // The deadline has come: another turn.
        }
    }
}
