//! The simulator: hosts, links between them, virtual time and observability.

use crate::host::{Host, HostId};
use crate::link::{LinkConfig, LinkState};
use crate::pcap::PcapSink;
use crate::queue::EventQueue;
use crate::wire::{SimStats, WireEvent};
use core::net::IpAddr;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use synack_core::Instant;

/// Size of the reusable transmit buffer (the largest IP packet).
pub(crate) const TX_BUF_LEN: usize = 65535;

/// A host plus the bookkeeping of its timer spin guard.
pub(crate) struct Slot<H> {
    pub(crate) host: H,
    /// Instant of the current run of timer events without other progress.
    pub(crate) streak_at: Instant,
    /// Length of that run.
    pub(crate) streak: u32,
}

/// A deterministic network simulation of hosts joined by point-to-point links.
///
/// All randomness comes from one ChaCha8 generator seeded by [`Sim::new`]:
/// the same seed and the same host behaviour give the same run.
pub struct Sim<H: Host> {
    pub(crate) now: Instant,
    pub(crate) rng: ChaCha8Rng,
    pub(crate) hosts: Vec<Slot<H>>,
    pub(crate) owners: HashMap<IpAddr, HostId>,
    pub(crate) links: HashMap<(HostId, HostId), LinkState>,
    pub(crate) queue: EventQueue,
    pub(crate) next_packet: u64,
    pub(crate) buf: Vec<u8>,
    pub(crate) events: VecDeque<WireEvent>,
    pub(crate) record: bool,
    pub(crate) stats: SimStats,
    pub(crate) pcap: Option<PcapSink>,
}

impl<H: Host> Sim<H> {
    /// An empty network at time zero whose randomness is seeded by `seed`.
    pub fn new(seed: u64) -> Self {
        Sim {
            now: Instant::ZERO,
            rng: ChaCha8Rng::seed_from_u64(seed),
            hosts: Vec::new(),
            owners: HashMap::new(),
            links: HashMap::new(),
            queue: EventQueue::default(),
            next_packet: 0,
            buf: vec![0; TX_BUF_LEN],
            events: VecDeque::new(),
            record: true,
            stats: SimStats::default(),
            pcap: None,
        }
    }

    /// Adds a host owning `addrs`; packets to those addresses are routed to it.
    ///
    /// # Panics
    /// If an address already belongs to another host.
    pub fn add_host(&mut self, host: H, addrs: &[IpAddr]) -> HostId {
        let id = HostId(self.hosts.len());
        for &addr in addrs {
            let prev = self.owners.insert(addr, id);
            assert!(prev.is_none(), "address {addr} already belongs to a host");
        }
        self.hosts.push(Slot {
            host,
            streak_at: Instant::ZERO,
            streak: 0,
        });
        id
    }

    /// The host `id`.
    ///
    /// # Panics
    /// If `id` was not returned by [`Sim::add_host`].
    pub fn host(&self, id: HostId) -> &H {
        &self.hosts[id.0].host
    }

    /// The host `id`, mutably (for application calls between steps).
    ///
    /// # Panics
    /// If `id` was not returned by [`Sim::add_host`].
    pub fn host_mut(&mut self, id: HostId) -> &mut H {
        &mut self.hosts[id.0].host
    }

    /// Number of hosts.
    pub fn host_count(&self) -> usize {
        self.hosts.len()
    }

    /// The host owning `addr`, if any.
    pub fn owner(&self, addr: IpAddr) -> Option<HostId> {
        self.owners.get(&addr).copied()
    }

    /// Joins `a` and `b` with a link configured per direction. Linking them
    /// again replaces the configurations; packets in flight are unaffected.
    ///
    /// # Panics
    /// If `a == b` or either id is unknown.
    pub fn link(&mut self, a: HostId, b: HostId, a_to_b: LinkConfig, b_to_a: LinkConfig) {
        assert_ne!(a, b, "a host cannot be linked to itself");
        assert!(
            a.0 < self.hosts.len() && b.0 < self.hosts.len(),
            "unknown host"
        );
        for (key, config) in [((a, b), a_to_b), ((b, a), b_to_a)] {
            self.links
                .entry(key)
                .and_modify(|l| l.config = config.clone())
                .or_insert_with(|| LinkState::new(config));
        }
    }

    /// The configuration of the link direction `from` → `to`, if linked.
    pub fn link_config(&self, from: HostId, to: HostId) -> Option<&LinkConfig> {
        self.links.get(&(from, to)).map(|l| &l.config)
    }

    /// Current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// A random number from the simulation's generator (e.g. to seed endpoint
    /// secrets). Calling it changes later random decisions, deterministically.
    pub fn random_u64(&mut self) -> u64 {
        self.rng.random()
    }

    /// Captures every emitted packet to `w` as a pcap (LINKTYPE_RAW,
    /// microsecond virtual timestamps). Replaces (and finishes) any previous
    /// capture. Fails if the file header cannot be written.
    pub fn set_pcap(&mut self, w: Box<dyn Write + Send>) -> io::Result<()> {
        let old = self.pcap.replace(PcapSink::new(w)?);
        match old {
            Some(mut old) => old.finish(),
            None => Ok(()),
        }
    }

    /// Flushes and closes the capture, returning the first write error if any.
    /// Dropping the simulator also flushes, but cannot report errors.
    pub fn finish_pcap(&mut self) -> io::Result<()> {
        match self.pcap.take() {
            Some(mut sink) => sink.finish(),
            None => Ok(()),
        }
    }

    /// Turns the wire-event log on or off (default on). When on, callers
    /// should drain it with [`Sim::poll_wire_event`]: it grows without bound.
    pub fn set_record_wire_events(&mut self, on: bool) {
        self.record = on;
    }

    /// The oldest undrained wire event.
    pub fn poll_wire_event(&mut self) -> Option<WireEvent> {
        self.events.pop_front()
    }

    /// Counters.
    pub fn stats(&self) -> &SimStats {
        &self.stats
    }

    /// Number of packet copies in flight.
    pub fn in_flight(&self) -> usize {
        self.queue.len()
    }
}
