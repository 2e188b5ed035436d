//! What the simulator drives: anything that consumes and emits IP packets and
//! keeps timers.

use core::fmt;
use synack_core::{Endpoint, Instant};

/// Index of a host in a [`Sim`](crate::Sim), in the order hosts were added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostId(pub usize);

impl fmt::Display for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host{}", self.0)
    }
}

/// A sans-I/O network host as seen by the simulator.
///
/// The same four calls a real driver makes: feed received packets, drain
/// outgoing packets, and run timers when they are due.
pub trait Host {
    /// Hands the host one received IP packet (raw IPv4 or IPv6, no link header).
    fn receive(&mut self, now: Instant, packet: &[u8]);
    /// Writes the next packet to send into `buf`, returning its length, or
    /// `None` when there is nothing to send.
    fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize>;
    /// When [`Host::handle_timeout`] must next be called, if ever.
    fn poll_timeout(&self) -> Option<Instant>;
    /// Runs the timers due at `now`.
    fn handle_timeout(&mut self, now: Instant);
}

impl Host for Endpoint {
    fn receive(&mut self, now: Instant, packet: &[u8]) {
        self.handle_packet(now, packet);
    }

    fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        self.poll_transmit(now, buf)
    }

    fn poll_timeout(&self) -> Option<Instant> {
        Endpoint::poll_timeout(self)
    }

    fn handle_timeout(&mut self, now: Instant) {
        Endpoint::handle_timeout(self, now);
    }
}

impl<H: Host + ?Sized> Host for Box<H> {
    fn receive(&mut self, now: Instant, packet: &[u8]) {
        (**self).receive(now, packet);
    }

    fn transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        (**self).transmit(now, buf)
    }

    fn poll_timeout(&self) -> Option<Instant> {
        (**self).poll_timeout()
    }

    fn handle_timeout(&mut self, now: Instant) {
        (**self).handle_timeout(now);
    }
}
