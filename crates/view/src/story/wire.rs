//! What the network did with each packet, as the story needs it: the
//! simulator's record of a packet, reduced to its sender and its fate
//! (the caller converts its own records into these).

use crate::Side;
use synack_core::Instant;

/// What the link did with a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Delivered intact at `at`.
    Delivered {
        /// Delivery time.
        at: Instant,
    },
    /// Lost on the link.
    Lost,
    /// Delivered at `at`, damaged.
    Corrupted {
        /// Delivery time.
        at: Instant,
    },
    /// Delivered twice, the first copy at `at`.
    Duplicated {
        /// Delivery time of the first copy.
        at: Instant,
    },
    /// Tail-dropped: the link's queue was full.
    QueueFull,
    /// Dropped: longer than the link's MTU.
    TooBig,
    /// Dropped: nothing leads to the destination.
    NoRoute,
}

impl Fate {
    /// When the (first) copy reaches the receiver, if it does.
    pub fn delivery_time(&self) -> Option<Instant> {
        match *self {
            Fate::Delivered { at } | Fate::Corrupted { at } | Fate::Duplicated { at } => Some(at),
            _ => None,
        }
    }

    /// The name in the JSON output.
    pub fn name(&self) -> &'static str {
        match self {
            Fate::Delivered { .. } => "delivered",
            Fate::Lost => "lost",
            Fate::Corrupted { .. } => "corrupted",
            Fate::Duplicated { .. } => "duplicated",
            Fate::QueueFull => "queue_full",
            Fate::TooBig => "too_big",
            Fate::NoRoute => "no_route",
        }
    }
}

/// One packet a side put on the wire, in the order that side sent them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireRecord {
    /// The sender.
    pub from: Side,
    /// What the link did with it.
    pub fate: Fate,
}

/// Did the link lose the packet (or drop it for another reason)?
pub fn is_lost(fate: Option<Fate>) -> bool {
    fate.is_some_and(|f| f.delivery_time().is_none())
}
