//! What turns synack's trace events into pictures and words.
//!
//! The primitives shared by `synack demo`, the live `--trace` of the
//! network commands and `synack analyze`: the two sides, the framed columns
//! and arrows, segment labels, the display width of text (CJK characters
//! take two columns) and wrapping that respects it, and the languages the
//! explanations come in. On top of them, [`story`] tells a simulated run
//! (the demo's ladder with notes in English and Chinese, or JSON lines) and
//! [`live`] draws the ladder of a running endpoint as events arrive.
//!
//! The crate depends on `synack-core` only: callers convert their own
//! records (the simulator's wire events, the TUN driver's packets) into
//! the small types defined here.

#![forbid(unsafe_code)]

pub mod draw;
pub mod lang;
pub mod live;
pub mod segment;
pub mod side;
pub mod story;
pub mod width;

pub use draw::{INNER, MAX_W, Style, TIME_W};
pub use lang::Lang;
pub use segment::{Seg, label};
pub use side::Side;
