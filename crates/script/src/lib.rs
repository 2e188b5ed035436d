//! Runs packetdrill scripts against synack's sans-I/O core in virtual time.
//!
//! - [`ast`]: the parsed form of a script;
//! - [`parse()`]: the parser (header options, `#ifdef` blocks, events);
//! - [`run()`]: plays a script against an endpoint (see [`mod@run`] for the
//!   model and `run::packets` for what is compared);
//! - [`verdict`]: pass, fail (line, expected, actual) or skip (the
//!   unsupported construct).
//!
//! The scripts' language is Google's packetdrill; the FreeBSD TCP test
//! suite's state-event engine is the conformance target.

pub mod ast;
pub mod parse;
pub mod run;
pub mod verdict;

pub use ast::{ParseError, Script};
pub use parse::parse;
pub use run::{Personality, RunOptions, run};
pub use verdict::{Failure, Outcome};

/// Parses and runs one script's text. `defines` select `#ifdef` blocks.
pub fn run_text(text: &str, defines: &[&str], opts: &RunOptions) -> Outcome {
    match parse(text, defines) {
        Ok(script) => run(&script, opts),
        Err(e) => Outcome::Fail(Failure {
            line: e.line,
            expected: "a well-formed script".into(),
            actual: format!("parse error: {}", e.message),
        }),
    }
}
