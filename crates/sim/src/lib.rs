//! Placeholder: the simulator.
