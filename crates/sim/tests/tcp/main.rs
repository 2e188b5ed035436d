//! Pair tests: two synack endpoints joined by simulated links, whole
//! scenarios from handshake to close, and seeded property runs.

mod ecn;
mod harness;
mod properties;
mod scenarios;
