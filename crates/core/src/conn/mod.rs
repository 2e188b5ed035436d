//! One TCP connection: the RFC 9293 state machine.

mod state;

pub use state::{Cause, State};
