//! The driver's errors: one line each, ready to print after `synack: `.

use core::fmt;

/// Something went wrong opening, configuring or running a TUN device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The device could not be opened or configured, or an option does not
    /// fit it (the `synack` command exits with code 2). Nothing was left
    /// behind: a device created so far is removed with its descriptor.
    Setup(String),
    /// The device failed while packets were moving.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Setup(s) | Error::Io(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for Error {}
