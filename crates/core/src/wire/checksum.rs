//! Placeholder: checksum (filled in by the wire-format work).
