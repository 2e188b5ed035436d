//! Placeholder: ipv4 (filled in by the wire-format work).
