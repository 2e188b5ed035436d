//! Property tests (seeded random runs).
