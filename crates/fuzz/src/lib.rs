//! Fuzz targets of synack.
//!
//! Each target is a plain function of the input bytes that panics when an
//! invariant breaks, so the same code runs under AFL++ (the `afl` feature's
//! binaries, coverage-guided) and in the test suite (the committed corpus
//! and a bounded mutation run, `tests/corpus.rs`).
//!
//! - [`wire::run`]: the packet parser, and emit → parse round trips.
//! - [`endpoint::run`]: one endpoint driven by a scripted peer: crafted and
//!   raw packets, API calls and clock steps decoded from the input, with
//!   the endpoint's invariants checked after every step.

pub mod endpoint;
pub mod input;
pub mod mutate;
pub mod seeds;
pub mod stream;
pub mod wire;
