//! churn
use crate::args::ChurnArgs;
use std::process::ExitCode;
/// Runs it.
pub fn run(_a: &ChurnArgs) -> Result<ExitCode, String> {
    todo!()
}
