//! What running a script concluded, and how it is printed.

use core::fmt;

/// The verdict on one script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every event happened as the script says.
    Pass,
    /// An event did not happen as the script says.
    Fail(Failure),
    /// The script uses something the runner does not support; `construct`
    /// names it. A skip is never counted as a pass.
    Skip {
        /// Script line of the construct (0 for the file as a whole).
        line: usize,
        /// The unsupported construct, exactly.
        construct: String,
    },
}

/// Where and how a script failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Script line of the event that failed (0: the file itself).
    pub line: usize,
    /// What the script expected at that line.
    pub expected: String,
    /// What synack actually did.
    pub actual: String,
}

impl Outcome {
    /// `pass`, `fail` or `skip`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::Skip { .. } => "skip",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Pass => write!(f, "pass"),
            Outcome::Fail(x) => write!(
                f,
                "fail at line {}: expected {}; synack: {}",
                x.line, x.expected, x.actual
            ),
            Outcome::Skip { line, construct } => {
                write!(f, "skip at line {line}: unsupported {construct}")
            }
        }
    }
}
