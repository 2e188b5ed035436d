//! Driving the simulation: flushing transmissions, routing, and processing
//! events in time order.

use crate::host::{Host, HostId};
use crate::link::Transit;
use crate::route;
use crate::sim::Sim;
use crate::wire::{Fate, WireEvent};
use synack_core::Instant;

/// How many timer events one host may take in a row at a single instant
/// without any packet being delivered in between. Beyond that, its deadline
/// is ignored for the rest of that instant (it fires again once time moves),
/// so a host whose deadline never clears cannot stall the simulation.
pub const TIMER_SPIN_LIMIT: u32 = 1000;

/// The next thing to happen.
enum Next {
    Deliver,
    Timer(HostId),
}

impl<H: Host> Sim<H> {
    /// When the next event happens: the earliest packet delivery or host
    /// deadline (deadlines in the past count as now). Packets not yet drained
    /// from hosts are not considered; see [`Sim::flush`].
    pub fn next_event_time(&self) -> Option<Instant> {
        self.next_event().map(|(t, _)| t)
    }

    /// Drains every host's pending transmissions (hosts in id order) and routes
    /// them by destination address over the link from the sender.
    pub fn flush(&mut self) {
        let mut buf = std::mem::take(&mut self.buf);
        for i in 0..self.hosts.len() {
            while let Some(n) = self.hosts[i].host.transmit(self.now, &mut buf) {
                assert!(n <= buf.len(), "host {i} claims a {n}-byte packet");
                self.send(HostId(i), &buf[..n]);
            }
        }
        self.buf = buf;
    }

    /// Flushes transmissions, then handles the earliest event (advancing time
    /// to it) and flushes again. At equal times packets are delivered before
    /// timers fire, packets in the order they were scheduled, timers in host
    /// id order. Deadlines in the past fire now, subject to
    /// [`TIMER_SPIN_LIMIT`]. Returns `false` when there was nothing to do.
    pub fn step(&mut self) -> bool {
        self.flush();
        let Some((t, next)) = self.next_event() else {
            return false;
        };
        self.now = self.now.max(t);
        match next {
            Next::Deliver => {
                let Some(packet) = self.queue.pop() else {
                    unreachable!("next_event saw a packet");
                };
                for slot in &mut self.hosts {
                    slot.streak = 0;
                }
                self.stats.delivered += 1;
                self.hosts[packet.to.0].host.receive(self.now, &packet.data);
            }
            Next::Timer(id) => {
                let slot = &mut self.hosts[id.0];
                if slot.streak_at != self.now {
                    slot.streak_at = self.now;
                    slot.streak = 0;
                }
                slot.streak += 1;
                slot.host.handle_timeout(self.now);
            }
        }
        self.flush();
        true
    }

    /// Processes every event up to and including `t`, then sets the clock to
    /// `t` (time never goes backwards).
    pub fn run_until(&mut self, t: Instant) {
        loop {
            self.flush();
            match self.next_event_time() {
                Some(e) if e <= t => {
                    self.step();
                }
                _ => break,
            }
        }
        self.now = self.now.max(t);
    }

    /// Steps while `keep_going` returns `true` (checked before every step) and
    /// the next event is no later than `limit`. Returns `true` if it stopped
    /// because `keep_going` returned `false`, `false` if it hit the limit or
    /// ran out of events. The clock stays at the last event handled.
    pub fn run_while(
        &mut self,
        limit: Instant,
        mut keep_going: impl FnMut(&mut Self) -> bool,
    ) -> bool {
        loop {
            if !keep_going(self) {
                return true;
            }
            self.flush();
            match self.next_event_time() {
                Some(e) if e <= limit => {
                    self.step();
                }
                _ => return false,
            }
        }
    }

    /// Delivers a crafted packet straight to the host owning its destination
    /// address, as if it had just arrived from the network: it bypasses the
    /// links (no latency, loss or other impairment), is queued behind the
    /// packets already due at the current time, and is captured in the pcap
    /// (if any) at the current time. It draws no random numbers and records
    /// no [`WireEvent`] (it has no sending host). Returns the receiving host,
    /// or `None` (and drops the packet) if no host owns the destination.
    ///
    /// Tests and demos use it to replay old duplicates or forged segments.
    pub fn inject(&mut self, packet: &[u8]) -> Option<HostId> {
        let to = route::destination(packet).and_then(|a| self.owners.get(&a).copied())?;
        if let Some(pcap) = &mut self.pcap {
            pcap.capture(self.now, packet);
        }
        self.queue.push(self.now, to, packet.to_vec());
        Some(to)
    }

    fn next_event(&self) -> Option<(Instant, Next)> {
        match (self.queue.peek_time(), self.next_timer()) {
            (Some(p), Some((t, id))) if t < p => Some((t, Next::Timer(id))),
            (Some(p), _) => Some((p, Next::Deliver)),
            (None, Some((t, id))) => Some((t, Next::Timer(id))),
            (None, None) => None,
        }
    }

    /// Earliest host deadline (clamped to now), skipping spin-guarded hosts.
    fn next_timer(&self) -> Option<(Instant, HostId)> {
        let mut best: Option<(Instant, HostId)> = None;
        for (i, slot) in self.hosts.iter().enumerate() {
            let Some(deadline) = slot.host.poll_timeout() else {
                continue;
            };
            let due = deadline.max(self.now);
            let muted =
                due == self.now && slot.streak_at == self.now && slot.streak >= TIMER_SPIN_LIMIT;
            if !muted && best.is_none_or(|(b, _)| due < b) {
                best = Some((due, HostId(i)));
            }
        }
        best
    }

    /// Captures, routes and schedules one emitted packet, recording its fate.
    fn send(&mut self, from: HostId, packet: &[u8]) {
        let id = self.next_packet;
        self.next_packet += 1;
        self.stats.sent += 1;
        if let Some(pcap) = &mut self.pcap {
            pcap.capture(self.now, packet);
        }
        let to = route::destination(packet).and_then(|a| self.owners.get(&a).copied());
        let link = to.and_then(|to| self.links.get_mut(&(from, to)).map(|l| (to, l)));
        let fate = match link {
            None => {
                self.stats.no_route += 1;
                Fate::NoRoute
            }
            Some((dest, link)) => match link.transit(self.now, packet, &mut self.rng) {
                Transit::TooBig => {
                    self.stats.too_big += 1;
                    Fate::TooBig
                }
                Transit::QueueFull => {
                    self.stats.queue_drops += 1;
                    Fate::QueueFull
                }
                Transit::Lost => {
                    self.stats.lost += 1;
                    Fate::Lost
                }
                Transit::Arrive {
                    at,
                    again,
                    flip,
                    reordered,
                    ce,
                } => {
                    self.stats.reordered += u64::from(reordered);
                    let mut data = packet.to_vec();
                    if let Some(bit) = flip {
                        data[bit / 8] ^= 1 << (bit % 8);
                    }
                    if ce {
                        crate::link::mark_ce(&mut data);
                        self.stats.ce_marked += 1;
                    }
                    self.queue.push(at, dest, data);
                    match (flip, again) {
                        (Some(_), _) => {
                            self.stats.corrupted += 1;
                            Fate::Corrupted { at }
                        }
                        (None, Some(again)) => {
                            self.stats.duplicated += 1;
                            self.queue.push(again, dest, packet.to_vec());
                            Fate::Duplicated { at, again }
                        }
                        (None, None) => Fate::Delivered { at },
                    }
                }
            },
        };
        if self.record {
            self.events.push_back(WireEvent {
                id,
                time: self.now,
                from,
                to,
                len: packet.len(),
                fate,
            });
        }
    }
}
