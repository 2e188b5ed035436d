//! Runs packetdrill scripts against synack's sans-I/O core in virtual time.
//!
//! - [`ast`]: the parsed form of a script;
//! - [`parse`]: the parser (header options, `#ifdef` blocks, events);
//!
//! The scripts' language is Google's packetdrill; the FreeBSD TCP test
//! suite's state-event engine is the conformance target.

pub mod ast;
pub mod parse;

pub use ast::{ParseError, Script};
pub use parse::parse;
