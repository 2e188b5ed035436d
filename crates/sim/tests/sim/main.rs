//! Integration tests of the simulator with tiny raw-packet test hosts.

mod capture;
mod common;
mod impair;
mod inject;
mod routing;
mod timing;
