//! Observability: what happened to each packet, and counters.

use crate::host::HostId;
use synack_core::Instant;

/// The fate of one emitted packet, decided when it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fate {
    /// Delivered intact at `at`.
    Delivered {
        /// Delivery time.
        at: Instant,
    },
    /// Lost on the link (after using its share of the link's rate).
    Lost,
    /// Delivered at `at` with one bit flipped.
    Corrupted {
        /// Delivery time.
        at: Instant,
    },
    /// Delivered intact twice: at `at`, then a copy at `again`.
    Duplicated {
        /// Delivery time of the first copy.
        at: Instant,
        /// Delivery time of the second copy (delivered after the first).
        again: Instant,
    },
    /// Tail-dropped: the link's queue was full.
    QueueFull,
    /// Dropped: longer than the link's MTU.
    TooBig,
    /// Dropped: no host owns the destination address, no link leads to it,
    /// or the packet is not IPv4/IPv6.
    NoRoute,
}

impl Fate {
    /// When the (first) copy reaches the receiver, if it does.
    pub fn delivery_time(&self) -> Option<Instant> {
        match *self {
            Fate::Delivered { at } | Fate::Corrupted { at } | Fate::Duplicated { at, .. } => {
                Some(at)
            }
            _ => None,
        }
    }
}

/// One packet emitted by a host, with its fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WireEvent {
    /// Packet number: emitted packets are numbered from 0 in emission order.
    pub id: u64,
    /// Send time.
    pub time: Instant,
    /// Sender.
    pub from: HostId,
    /// Receiver, when the destination address belongs to a host.
    pub to: Option<HostId>,
    /// Packet length in bytes.
    pub len: usize,
    /// What happened to it.
    pub fate: Fate,
}

/// Counters over the whole simulation.
///
/// Fates are counted when packets are sent; `delivered` when copies actually
/// reach a host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Packets emitted by hosts.
    pub sent: u64,
    /// Copies handed to a receiving host (duplicates and corrupted copies included).
    pub delivered: u64,
    /// Packets lost on a link.
    pub lost: u64,
    /// Packets delivered with a flipped bit.
    pub corrupted: u64,
    /// Packets delivered marked Congestion Experienced (`LinkConfig::ce_mark`).
    pub ce_marked: u64,
    /// Packets delivered twice.
    pub duplicated: u64,
    /// Packets held back by `reorder_delay` (they may or may not get overtaken).
    pub reordered: u64,
    /// Packets tail-dropped by a full queue.
    pub queue_drops: u64,
    /// Packets dropped for exceeding the MTU.
    pub too_big: u64,
    /// Packets dropped for lack of a route.
    pub no_route: u64,
}
