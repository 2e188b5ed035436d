//! The story of a run in the simulator, as `synack demo` tells it: the raw
//! log of both endpoints' trace events ([`log`]) and the wire's record of
//! each packet ([`wire`]) become a timeline with relative sequence numbers
//! ([`timeline`]); the timeline is told as a ladder diagram with notes in
//! English or Chinese ([`ladder`], [`notes`], [`i18n`]) or as JSON lines
//! ([`json`]).

pub mod i18n;
pub mod json;
pub mod ladder;
pub mod log;
pub mod notes;
pub mod run;
pub mod timeline;
pub mod wire;

pub use run::{Run, Tally};
pub use wire::{Fate, WireRecord};
