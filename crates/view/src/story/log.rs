//! The raw record of a run: both hosts' trace events in causal order, plus
//! what the driver of the run itself did to the network.

use core::net::SocketAddr;
use std::cell::RefCell;
use std::rc::Rc;
use synack_core::Instant;
use synack_core::trace::TraceEvent;
use synack_core::wire::TcpRepr;

use crate::Side;

/// What a host was reacting to when it produced trace events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// An arriving packet.
    Packet,
    /// A timer.
    Timer,
    /// An application call.
    App,
}

/// One record.
#[derive(Clone, Copy, Debug)]
pub enum Entry {
    /// A trace event of one host's endpoint.
    Trace {
        /// Whose.
        side: Side,
        /// The event.
        ev: TraceEvent,
        /// What the host was reacting to.
        trigger: Trigger,
    },
    /// A crafted packet the driver put on the wire, claiming to come from `src`.
    Injected {
        /// When.
        time: Instant,
        /// Claimed sender.
        src: SocketAddr,
        /// Receiver.
        dst: SocketAddr,
        /// Its TCP header.
        tcp: TcpRepr,
    },
    /// A packet a silent host dropped unseen.
    Swallowed {
        /// When it arrived.
        time: Instant,
        /// The silent host.
        side: Side,
    },
}

/// The log's contents.
#[derive(Debug)]
pub struct LogData {
    /// Records in causal order.
    pub entries: Vec<Entry>,
    triggers: [Trigger; 2],
}

/// The log shared by the run's hosts and driver.
pub type Log = Rc<RefCell<LogData>>;

/// An empty log.
pub fn new_log() -> Log {
    Rc::new(RefCell::new(LogData {
        entries: Vec::new(),
        triggers: [Trigger::App; 2],
    }))
}

impl LogData {
    /// Appends a record.
    pub fn push(&mut self, e: Entry) {
        self.entries.push(e);
    }

    /// Appends a trace event of `side`, tagged with its current trigger.
    pub fn push_trace(&mut self, side: Side, ev: TraceEvent) {
        let trigger = self.triggers[side.index()];
        self.entries.push(Entry::Trace { side, ev, trigger });
    }

    /// Sets what `side` is reacting to from now on.
    pub fn set_trigger(&mut self, side: Side, t: Trigger) {
        self.triggers[side.index()] = t;
    }
}
