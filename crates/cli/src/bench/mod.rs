//! `synack bench`: workloads that other stacks run the same way, so their
//! figures can be compared side by side. `bulk` and `churn` use the real
//! clock and two endpoints in one process joined by an in-memory link (no
//! loss, no delay); `lossy` runs two hosts in the simulator over a lossy
//! link in virtual time; `tun` measures synack against the Linux kernel
//! over a TUN device in a private network namespace.

pub mod bulk;
pub mod churn;
pub mod lossy;
mod netns;
mod pair;
pub mod relay;
pub mod scale;
mod smol;
pub mod synflood;
pub mod tun;

/// Formats a figure for JSON: finite, with a sensible number of digits.
fn round(x: f64, digits: i32) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    let p = 10f64.powi(digits);
    (x * p).round() / p
}
