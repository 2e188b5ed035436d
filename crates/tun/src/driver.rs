//! The driver loop: packets between a [`TunDevice`] and an [`Endpoint`], the
//! real clock, the application, a fault injector, and a clean shutdown.
//!
//! One turn of [`Driver::run`]:
//! 1. read every packet waiting on the device and hand each to the endpoint,
//!    writing what the endpoint answers (ACKs) after every few packets;
//! 2. run the endpoint's timers if they are due;
//! 3. give the application its events and a chance to act ([`App`]);
//! 4. write every packet the endpoint has to send;
//! 5. sleep in `poll(2)` until a packet arrives, the endpoint's next
//!    deadline, a signal, or a [`Waker`].
//!
//! SIGUSR1 asks the application for a status report ([`App::status`]).
//!
//! Shutdown: on SIGINT or SIGTERM the application closes its connections
//! gracefully ([`App::shutdown`]); the driver keeps running until every
//! connection has reached TIME-WAIT or CLOSED, for at most
//! [`DriverConfig::grace`], then aborts what is left ([`App::abort`]: RST)
//! and returns. A second signal aborts at once. The same grace applies when
//! the application finishes on its own ([`App::is_done`]).

use crate::clock::Clock;
use crate::device::TunDevice;
use crate::error::Error;
use crate::rng::SplitMix64;
use crate::sys;
use crate::vnet;
use crate::wake::{SelfPipe, Signals, Waker};
use core::time::Duration;
use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use synack_core::trace::TraceEvent;
use synack_core::{Endpoint, EndpointConfig, Event, Instant, State};

/// Largest IP packet (IPv4 total length; an IPv6 payload can be larger only
/// with jumbograms, which a TUN device never carries at these MTUs).
const MAX_PACKET: usize = 65536;

/// Packets read per turn at most, so timers and transmission keep running
/// under a flood; the rest are read at once in the next turn.
const MAX_READS_PER_TURN: usize = 4096;

/// Packets read before the endpoint's answers to them are written, at
/// most (see [`Driver::receive`]).
const ANSWER_PACKETS: usize = 16;

/// Bytes read before the endpoint's answers to them are written, at most.
const ANSWER_BYTES: usize = 32 * 1024;

/// States in which the peer may still be waiting for us.
const UNSETTLED: [State; 8] = [
    State::SynSent,
    State::SynReceived,
    State::Established,
    State::FinWait1,
    State::FinWait2,
    State::CloseWait,
    State::Closing,
    State::LastAck,
];

/// The application side of the endpoint: a small state machine per
/// connection, driven by events.
pub trait App {
    /// Handles one event of the endpoint.
    fn on_event(&mut self, ep: &mut Endpoint, now: Instant, event: Event);

    /// Called once per turn after the events: make progress on work that no
    /// event announces (data from another thread, states to check).
    fn poll(&mut self, ep: &mut Endpoint, now: Instant) {
        let _ = (ep, now);
    }

    /// The application has nothing left to do. The driver then waits for
    /// the connections to settle (at most [`DriverConfig::grace`]) and
    /// returns.
    fn is_done(&self) -> bool;

    /// SIGINT or SIGTERM: stop listening and close every connection
    /// gracefully (FIN). Keep the handles: [`App::abort`] may follow.
    fn shutdown(&mut self, ep: &mut Endpoint, now: Instant);

    /// The grace period ran out: abort (RST) every connection still held.
    fn abort(&mut self, ep: &mut Endpoint, now: Instant);

    /// SIGUSR1: report on the run so far (counters, connections), for
    /// example on stderr. Does nothing unless the application says how.
    fn status(&mut self, ep: &Endpoint, driver: &DriverStats) {
        let _ = (ep, driver);
    }
}

/// Which way a packet crossed the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the kernel to synack.
    In,
    /// From synack to the kernel.
    Out,
}

/// Watches packets and trace events (for a pcap file or a live trace).
///
/// Order: for a packet synack sends, the endpoint's trace events (among
/// them its `SegmentOut`) come first, then [`Observer::packet`]; for a packet
/// that arrives, [`Observer::packet`] comes first, then the trace events of
/// its processing.
pub trait Observer {
    /// A packet crossed the device at `now` (`wall`: since the Unix epoch).
    /// `dropped`: the fault injector dropped it on synack's side of the
    /// device (an arriving packet was not given to the endpoint; a leaving
    /// one was not written).
    fn packet(
        &mut self,
        now: Instant,
        wall: Duration,
        dir: Direction,
        dropped: bool,
        packet: &[u8],
    );

    /// An endpoint trace event (only if [`Observer::wants_trace`]).
    fn trace(&mut self, event: &TraceEvent) {
        let _ = event;
    }

    /// Whether to record and deliver trace events.
    fn wants_trace(&self) -> bool {
        false
    }
}

/// Settings of the driver itself.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverConfig {
    /// Share of packets dropped in each direction, in [0, 1). On a device
    /// with offloads ([`TunDevice::offloads`]) a packet may be a 64 KiB
    /// super-packet, so a drop is a burst of lost segments: the commands
    /// open the device without offloads when they inject loss.
    pub loss: f64,
    /// Seed of the fault injector's random numbers.
    pub seed: u64,
    /// How long connections get to close gracefully at shutdown before
    /// they are reset.
    pub grace: Duration,
    /// Busy polling: after a turn that read packets, check the device
    /// without sleeping for up to this long before sleeping in `poll(2)`.
    /// A sender then finds synack awake and skips waking it (in a VM each
    /// wake-up is an inter-processor interrupt), at the price of a core
    /// spinning while traffic flows. Off (`None`) by default.
    pub busy_poll: Option<Duration>,
}

impl Default for DriverConfig {
    fn default() -> Self {
        DriverConfig {
            loss: 0.0,
            seed: 0,
            grace: Duration::from_secs(1),
            busy_poll: None,
        }
    }
}

/// What the driver counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DriverStats {
    /// Packets read from the device.
    pub rx_packets: u64,
    /// Packets written to the device.
    pub tx_packets: u64,
    /// Arriving packets the fault injector dropped.
    pub rx_injected_drops: u64,
    /// Leaving packets the fault injector dropped.
    pub tx_injected_drops: u64,
    /// Packets the kernel refused to take (buffer full, device down, ...).
    pub tx_errors: u64,
    /// Packets read that were GSO super-packets (offloads on).
    pub rx_super_packets: u64,
    /// Packets written as GSO super-packets (offloads on).
    pub tx_super_packets: u64,
    /// Sleeps avoided by busy polling: the device (or a signal or wake-up)
    /// became ready while the driver spun ([`DriverConfig::busy_poll`]).
    pub busy_poll_hits: u64,
}

/// Why [`Driver::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The application finished and its connections settled.
    Finished,
    /// The application finished, but connections were still open after the
    /// grace period and were reset.
    FinishedAborting,
    /// A signal asked to stop; connections closed gracefully.
    Interrupted,
    /// A signal asked to stop; connections still open after the grace
    /// period (or at a second signal) were reset.
    InterruptedAborting,
}

/// Where the driver is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Running,
    /// Waiting for connections to settle until `deadline`.
    Closing {
        deadline: Instant,
        signalled: bool,
    },
}

/// A TUN device, an endpoint and the loop that joins them.
pub struct Driver {
    dev: TunDevice,
    ep: Endpoint,
    clock: Clock,
    config: DriverConfig,
    rng: SplitMix64,
    rx_buf: Box<[u8]>,
    tx_buf: Box<[u8]>,
    observer: Option<Box<dyn Observer>>,
    wake: SelfPipe,
    events: VecDeque<Event>,
    stats: DriverStats,
    first_tx_error: Option<io::Error>,
    /// When a turn last read a packet (for [`DriverConfig::busy_poll`]).
    last_rx: Option<Instant>,
}

impl core::fmt::Debug for Driver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Driver")
            .field("dev", &self.dev)
            .field("config", &self.config)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Driver {
    /// A driver for `dev` with a new endpoint configured by `ep_config`. The
    /// clock starts now.
    pub fn new(
        dev: TunDevice,
        ep_config: EndpointConfig,
        config: DriverConfig,
    ) -> Result<Self, Error> {
        if !(0.0..1.0).contains(&config.loss) {
            return Err(Error::Setup("loss must be in [0, 1)".into()));
        }
        let wake =
            SelfPipe::new().map_err(|e| Error::Setup(format!("cannot create a pipe: {e}")))?;
        Ok(Driver {
            dev,
            ep: Endpoint::new(ep_config),
            clock: Clock::start(),
            rng: SplitMix64::new(config.seed),
            config,
            rx_buf: vec![0; vnet::LEN + MAX_PACKET].into_boxed_slice(),
            tx_buf: vec![0; vnet::LEN + MAX_PACKET].into_boxed_slice(),
            observer: None,
            wake,
            events: VecDeque::with_capacity(1024),
            stats: DriverStats::default(),
            first_tx_error: None,
            last_rx: None,
        })
    }

    /// The endpoint (to listen or connect before [`Driver::run`]).
    pub fn endpoint(&mut self) -> &mut Endpoint {
        &mut self.ep
    }

    /// The device.
    pub fn device(&self) -> &TunDevice {
        &self.dev
    }

    /// The current time on the driver's clock.
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// The driver's clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// A handle other threads use to wake the driver.
    pub fn waker(&self) -> Waker {
        self.wake.waker()
    }

    /// Installs an observer of packets and trace events.
    pub fn set_observer(&mut self, observer: Box<dyn Observer>) {
        self.ep.set_trace(observer.wants_trace());
        self.observer = Some(observer);
    }

    /// Takes the observer back (to finish a capture file).
    pub fn take_observer(&mut self) -> Option<Box<dyn Observer>> {
        self.ep.set_trace(false);
        self.observer.take()
    }

    /// Counters.
    pub fn stats(&self) -> DriverStats {
        self.stats
    }

    /// The first error the kernel returned for a packet written, if any
    /// (such packets are dropped; TCP retransmits them).
    pub fn first_tx_error(&self) -> Option<&io::Error> {
        self.first_tx_error.as_ref()
    }

    /// Runs `app` until it is done or a signal stops it; see the module
    /// documentation. SIGINT and SIGTERM are caught only while this runs.
    pub fn run(&mut self, app: &mut dyn App) -> Result<Ending, Error> {
        let mut signals = Signals::install()
            .map_err(|e| Error::Setup(format!("cannot install signal handlers: {e}")))?;
        let mut phase = Phase::Running;
        loop {
            let now = self.clock.now();
            self.receive(now)?;
            if self.ep.poll_timeout().is_some_and(|t| t <= now) {
                self.ep.handle_timeout(now);
                self.drain_trace();
            }
            self.serve_app(app, now);
            if signals.take_status() > 0 {
                app.status(&self.ep, &self.stats);
            }

            if signals.take() > 0 {
                match phase {
                    Phase::Running => {
                        app.shutdown(&mut self.ep, now);
                        self.drain_trace();
                        self.serve_app(app, now);
                        phase = Phase::Closing {
                            deadline: now + self.config.grace,
                            signalled: true,
                        };
                    }
                    Phase::Closing { .. } => {
                        self.abort(app, now);
                        return Ok(Ending::InterruptedAborting);
                    }
                }
            }
            if phase == Phase::Running && app.is_done() {
                phase = Phase::Closing {
                    deadline: now + self.config.grace,
                    signalled: false,
                };
            }
            if let Phase::Closing {
                deadline,
                signalled,
            } = phase
            {
                if app.is_done() && self.settled() {
                    return Ok(if signalled {
                        Ending::Interrupted
                    } else {
                        Ending::Finished
                    });
                }
                if now >= deadline {
                    self.abort(app, now);
                    return Ok(if signalled {
                        Ending::InterruptedAborting
                    } else {
                        Ending::FinishedAborting
                    });
                }
            }

            let mut deadline = self.ep.poll_timeout();
            if let Phase::Closing { deadline: d, .. } = phase {
                deadline = Some(deadline.map_or(d, |t| t.min(d)));
            }
            if !self.events.is_empty() {
                deadline = Some(now);
            }
            self.wait(deadline, &signals)?;
        }
    }

    /// Step 1: every waiting packet (up to [`MAX_READS_PER_TURN`]) to the
    /// endpoint.
    fn receive(&mut self, now: Instant) -> Result<(), Error> {
        let (mut unanswered_packets, mut unanswered_bytes) = (0, 0);
        for _ in 0..MAX_READS_PER_TURN {
            let n = match self.dev.recv(&mut self.rx_buf) {
                Ok(Some(n)) => n,
                Ok(None) => break,
                Err(e) => {
                    return Err(Error::Io(format!(
                        "cannot read from TUN device {}: {e}",
                        self.dev.name()
                    )));
                }
            };
            self.stats.rx_packets += 1;
            self.last_rx = Some(now);
            // With offloads, a virtio-net header comes first. The kernel's
            // own packets then carry a partial TCP checksum (NEEDS_CSUM):
            // they never crossed a wire, so the endpoint trusts them instead
            // of summing 64 KiB again; for an observer (pcap, trace) the
            // driver completes the checksum first, so the capture holds
            // valid packets (super-packets stay whole, as on a host with
            // GRO).
            let (start, trusted, segment_size) = if self.dev.offloads() {
                let Some(h) = vnet::VnetHdr::parse(&self.rx_buf[..n]) else {
                    continue;
                };
                // A GRO super-packet says the size of the segments it
                // joined: the endpoint's estimate of the peer's MSS.
                let mut segment_size = None;
                if h.gso_type != vnet::GSO_NONE {
                    self.stats.rx_super_packets += 1;
                    segment_size = Some(h.gso_size);
                }
                let partial = h.flags & vnet::NEEDS_CSUM != 0;
                if partial && self.observer.is_some() {
                    vnet::complete_checksum(
                        &mut self.rx_buf[vnet::LEN..n],
                        h.csum_start,
                        h.csum_offset,
                    );
                }
                (
                    vnet::LEN,
                    partial || h.flags & vnet::DATA_VALID != 0,
                    segment_size,
                )
            } else {
                (0, false, None)
            };
            let packet = &self.rx_buf[start..n];
            let dropped = self.config.loss > 0.0 && self.rng.next_f64() < self.config.loss;
            if let Some(o) = self.observer.as_mut() {
                o.packet(now, self.clock.wall(now), Direction::In, dropped, packet);
            }
            if dropped {
                self.stats.rx_injected_drops += 1;
                continue;
            }
            self.ep
                .handle_offloaded_packet(now, packet, trusted, segment_size);
            self.drain_trace();
            // What the packets made the endpoint say (ACKs, and data the
            // ACKs let out) goes out after every few packets, as GRO
            // coalesces a few in-order segments before the stack sees them:
            // at most ANSWER_PACKETS packets or ANSWER_BYTES bytes pass
            // unanswered (one super-packet is answered at once), and an ACK
            // for out-of-order data or a gap fill goes out at once
            // (`Endpoint::answer_due`; GRO flushes on a gap too). Every ACK
            // written is processed by the kernel in this thread, and one
            // that opens the window makes it transmit here, so fewer ACKs
            // leave the kernel's sender more of the CPU: see
            // docs/benchmarks.md (2026-12-07, ACK policy). Unbounded
            // batching turned the ACKs for in-order data into one stretch
            // ACK per read burst (up to thousands of segments), starving the
            // sender's ACK clock: at 2% loss its recoveries went from ~110
            // fast retransmits per 1-5 timeouts to mostly timeouts.
            unanswered_packets += 1;
            unanswered_bytes += n;
            if self.ep.answer_due()
                || unanswered_packets >= ANSWER_PACKETS
                || unanswered_bytes >= ANSWER_BYTES
            {
                self.transmit(now);
                unanswered_packets = 0;
                unanswered_bytes = 0;
            }
        }
        self.transmit(now);
        Ok(())
    }

    /// Steps 3 and 4: events to the application, its turn, then every
    /// packet out. Events raised while transmitting wait for the next turn.
    fn serve_app(&mut self, app: &mut dyn App, now: Instant) {
        // Events that arrive while the application handles others are
        // handled in the same turn (bounded: a chatty application must not
        // starve the network).
        for _ in 0..8 {
            while let Some(ev) = self.ep.poll_event() {
                self.events.push_back(ev);
            }
            if self.events.is_empty() {
                break;
            }
            while let Some(ev) = self.events.pop_front() {
                app.on_event(&mut self.ep, now, ev);
            }
            self.drain_trace();
        }
        app.poll(&mut self.ep, now);
        self.drain_trace();
        self.transmit(now);
        while let Some(ev) = self.ep.poll_event() {
            self.events.push_back(ev);
        }
    }

    /// Step 4: everything the endpoint has to send, to the device.
    fn transmit(&mut self, now: Instant) {
        // With offloads the packet goes after room for the virtio-net
        // header, so header and packet leave in one write without a copy.
        let start = if self.dev.offloads() { vnet::LEN } else { 0 };
        while let Some(n) = self.ep.poll_transmit(now, &mut self.tx_buf[start..]) {
            self.drain_trace();
            let end = start + n;
            let dropped = self.config.loss > 0.0 && self.rng.next_f64() < self.config.loss;
            if let Some(o) = self.observer.as_mut() {
                // The packet as the endpoint wrote it, checksums complete.
                o.packet(
                    now,
                    self.clock.wall(now),
                    Direction::Out,
                    dropped,
                    &self.tx_buf[start..end],
                );
            }
            if dropped {
                self.stats.tx_injected_drops += 1;
                continue;
            }
            if start > 0 {
                // Checksum offload: the kernel trusts a partial checksum
                // (NEEDS_CSUM) and does not sum the packet again; a segment
                // longer than the MSS (Config::tso_segments) goes as one GSO
                // packet that the kernel cuts, or takes whole.
                let hdr = match vnet::TcpLayout::of(&self.tx_buf[start..end]) {
                    Some(l) => {
                        let gso = if l.payload > 0 {
                            let (src, dst) = l.addrs(&self.tx_buf[start..end]);
                            self.ep.tso_segment_size(src, dst)
                        } else {
                            None
                        };
                        let h = vnet::offload_tx(&mut self.tx_buf[start..end], &l, gso);
                        if h.gso_type != vnet::GSO_NONE {
                            self.stats.tx_super_packets += 1;
                        }
                        h
                    }
                    None => vnet::VnetHdr::default(),
                };
                hdr.write(&mut self.tx_buf[..vnet::LEN]);
            }
            match self.dev.send(&self.tx_buf[..end]) {
                Ok(()) => self.stats.tx_packets += 1,
                Err(e) => {
                    // A full queue or a device that is down: the packet
                    // never left this host. New data is retried later
                    // (local congestion); anything else is lost like on a
                    // real link, and TCP recovers.
                    self.stats.tx_errors += 1;
                    self.first_tx_error.get_or_insert(e);
                    self.ep.transmit_failed(now, &self.tx_buf[start..end]);
                }
            }
        }
    }

    fn drain_trace(&mut self) {
        let Some(o) = self.observer.as_mut() else {
            return;
        };
        while let Some(ev) = self.ep.poll_trace() {
            o.trace(&ev);
        }
    }

    /// The end of the grace period: the application resets what it holds,
    /// and the RSTs go out.
    fn abort(&mut self, app: &mut dyn App, now: Instant) {
        app.abort(&mut self.ep, now);
        self.drain_trace();
        while self.ep.poll_event().is_some() {}
        self.transmit(now);
    }

    /// No connection in a state where the peer may still wait for us.
    fn settled(&self) -> bool {
        self.ep.connection_count() == 0 || UNSETTLED.iter().all(|&s| self.ep.count_in_state(s) == 0)
    }

    /// Step 5: sleep until the device is readable, `deadline`, a signal or a
    /// wake-up.
    fn wait(&mut self, deadline: Option<Instant>, signals: &Signals) -> Result<(), Error> {
        let mut fds = [
            pollfd(self.dev.as_fd().as_raw_fd()),
            pollfd(signals.fd().as_raw_fd()),
            pollfd(self.wake.fd().as_raw_fd()),
            pollfd(signals.status_fd().as_raw_fd()),
        ];
        let poll_err = |e| Error::Io(format!("poll on TUN device {}: {e}", self.dev.name()));
        let mut ready = false;
        let spin = spin_until(
            self.config.busy_poll,
            self.last_rx,
            deadline,
            self.clock.now(),
        );
        if let Some(until) = spin {
            while !ready && self.clock.now() < until {
                ready = sys::poll(&mut fds, 0).map_err(poll_err)? > 0;
            }
            self.stats.busy_poll_hits += u64::from(ready);
        }
        if !ready {
            // Measured after the spin, which may have used up the time.
            let timeout_ms = poll_timeout_ms(deadline, self.clock.now());
            sys::poll(&mut fds, timeout_ms).map_err(poll_err)?;
        }
        if fds[0].revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
            return Err(Error::Io(format!(
                "TUN device {} reported an error (was it deleted?)",
                self.dev.name()
            )));
        }
        if fds[2].revents != 0 {
            self.wake.drain();
        }
        Ok(())
    }
}

/// `poll(2)`'s timeout for `deadline` seen at `now`: `-1` (none) without
/// a deadline, `0` once it has passed, else the milliseconds to it rounded
/// up (waking a little late is harmless, waking early would spin until the
/// deadline).
fn poll_timeout_ms(deadline: Option<Instant>, now: Instant) -> i32 {
    match deadline {
        None => -1,
        Some(t) if t <= now => 0,
        Some(t) => {
            let us = t.saturating_since(now).as_micros();
            i32::try_from(us.div_ceil(1000)).unwrap_or(i32::MAX)
        }
    }
}

/// Until when to busy-poll ([`DriverConfig::busy_poll`]): `spin` after the
/// last packet read, never past `deadline`; `None` when busy polling is
/// off, nothing was ever read, or that time has already come.
fn spin_until(
    spin: Option<Duration>,
    last_rx: Option<Instant>,
    deadline: Option<Instant>,
    now: Instant,
) -> Option<Instant> {
    let end = last_rx? + spin?;
    let until = deadline.map_or(end, |d| d.min(end));
    (until > now).then_some(until)
}

fn pollfd(fd: i32) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(us: u64) -> Instant {
        Instant::from_micros(us)
    }

    #[test]
    fn poll_timeout_rounds_up_and_never_sleeps_past_a_passed_deadline() {
        assert_eq!(poll_timeout_ms(None, at(5)), -1);
        assert_eq!(poll_timeout_ms(Some(at(5)), at(5)), 0);
        assert_eq!(poll_timeout_ms(Some(at(5)), at(9)), 0);
        assert_eq!(poll_timeout_ms(Some(at(1_500)), at(0)), 2);
        assert_eq!(poll_timeout_ms(Some(at(1_000)), at(0)), 1);
    }

    #[test]
    fn busy_poll_spins_only_after_traffic_and_stops_at_the_deadline() {
        let spin = Some(Duration::from_micros(200));
        // Off, or nothing read yet: no spin.
        assert_eq!(spin_until(None, Some(at(0)), None, at(0)), None);
        assert_eq!(spin_until(spin, None, None, at(0)), None);
        // 200 µs after the last packet.
        assert_eq!(
            spin_until(spin, Some(at(100)), None, at(150)),
            Some(at(300))
        );
        // That time has passed: sleep at once.
        assert_eq!(spin_until(spin, Some(at(100)), None, at(300)), None);
        // A timer due first ends the spin at its deadline, after which the
        // sleep's timeout is 0: the timer is not late by the spin.
        let deadline = Some(at(250));
        let until = spin_until(spin, Some(at(100)), deadline, at(150));
        assert_eq!(until, Some(at(250)));
        assert_eq!(poll_timeout_ms(deadline, until.unwrap()), 0);
        // A deadline already due (events pending): no spin.
        assert_eq!(
            spin_until(spin, Some(at(100)), Some(at(150)), at(150)),
            None
        );
    }
}
