//! The demo's simulated host: an [`Endpoint`] that copies its trace into a
//! shared log right after every call, so the log of both hosts is in causal
//! order, and that can play a host that silently drops everything.

use synack_core::{Endpoint, Instant};
use synack_sim::Host;
use synack_view::Side;
use synack_view::story::log::{Entry, Log, Trigger};

/// One demo host.
pub struct DemoHost {
    /// The TCP endpoint.
    pub ep: Endpoint,
    side: Side,
    /// Drop every arriving packet unseen (a firewall that never answers).
    pub silent: bool,
    log: Log,
}

impl DemoHost {
    /// A host for `side` writing to `log`.
    pub fn new(ep: Endpoint, side: Side, log: Log) -> Self {
        DemoHost {
            ep,
            side,
            silent: false,
            log,
        }
    }

    /// Notes what the host is reacting to, then moves the endpoint's trace
    /// events into the log.
    pub fn drain_after(&mut self, trigger: Trigger) {
        self.log.borrow_mut().set_trigger(self.side, trigger);
        self.drain();
    }

    /// Moves the endpoint's trace events into the log.
    fn drain(&mut self) {
        let mut log = self.log.borrow_mut();
        while let Some(ev) = self.ep.poll_trace() {
            log.push_trace(self.side, ev);
        }
    }
}

impl Host for DemoHost {
    fn receive(&mut self, now: Instant, packet: &[u8]) {
        if self.silent {
            self.log.borrow_mut().push(Entry::Swallowed {
                time: now,
                side: self.side,
            });
            return;
        }
        self.ep.handle_packet(now, packet);
        self.drain_after(Trigger::Packet);
    }

    fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        let n = self.ep.poll_transmit(now, buf);
        // A segment's cause is what the host last reacted to.
        self.drain();
        n
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.ep.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.ep.handle_timeout(now);
        self.drain_after(Trigger::Timer);
    }
}
