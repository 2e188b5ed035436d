//! The pieces of synack's ladder diagrams shared by `synack demo`, the live
//! `--trace` of the network commands and `synack analyze`: the two sides,
//! the framed columns and arrows, segment labels, the display width of
//! text (CJK characters take two columns) and wrapping that respects it,
//! and the languages the explanations come in.

#![forbid(unsafe_code)]

pub mod draw;
pub mod lang;
pub mod segment;
pub mod side;
pub mod width;

pub use draw::{INNER, MAX_W, Style, TIME_W};
pub use lang::Lang;
pub use segment::{Seg, label};
pub use side::Side;
