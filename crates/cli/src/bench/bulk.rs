//! bulk
use crate::args::BulkArgs;
use std::process::ExitCode;
/// Runs it.
pub fn run(_a: &BulkArgs) -> Result<ExitCode, String> {
    todo!()
}
