//! `synack bench`: workloads that other stacks run the same way, so their
//! figures can be compared side by side. Both use the real clock and two
//! endpoints in one process joined by an in-memory link (no loss, no delay).

pub mod bulk;
pub mod churn;
mod pair;

/// Formats a figure for JSON: finite, with a sensible number of digits.
fn round(x: f64, digits: i32) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    let p = 10f64.powi(digits);
    (x * p).round() / p
}
