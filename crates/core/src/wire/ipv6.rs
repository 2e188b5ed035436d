//! Placeholder: ipv6 (filled in by the wire-format work).
