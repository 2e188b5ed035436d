//! # synack-core
//!
//! The sans-I/O heart of synack: wire formats, sequence numbers, the RFC 9293
//! connection state machine and the endpoint that demultiplexes segments to
//! connections. No sockets, no threads, no clock: every input carries `now`.
//!
//! A driver (the simulator, a TUN device) uses an [`Endpoint`] like this:
//! 1. hand it each received IP packet with [`Endpoint::handle_packet`];
//! 2. call [`Endpoint::handle_timeout`] when [`Endpoint::poll_timeout`] is due;
//! 3. drain [`Endpoint::poll_transmit`] into the network until it returns `None`;
//! 4. drain [`Endpoint::poll_event`] for the application, and optionally
//!    [`Endpoint::poll_trace`] for a trace of every segment and state change.
//!
//! Applications act through [`ConnId`] / [`ListenerId`] handles:
//! `connect`, `listen`, `accept`, `send`, `recv`, `shutdown`, `close`, `abort`.

#![forbid(unsafe_code)]

pub mod config;
pub mod conn;
pub mod endpoint;
pub mod error;
pub mod isn;
pub mod seq;
pub mod time;
pub mod trace;
pub mod wire;

pub use config::{
    Config, Ecn, EndpointConfig, GsoAutosize, HyStart, IcmpRules, PushPolicy, SlowStart,
    SynBackoff, TimeWaitRules, WindowRule, ZeroWindowProbe,
};
pub use conn::State;
pub use endpoint::{
    ConnId, Endpoint, Event, EventKind, ListenFilter, ListenOptions, ListenerId, Prefix, Stats,
};
pub use error::Error;
pub use seq::SeqNum;
pub use time::Instant;
