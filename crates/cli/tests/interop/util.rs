//! Test data and the Linux-side client (a Python script).

use crate::netns::Netns;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// One mebibyte.
pub const MIB: u64 = 1 << 20;

/// The Python client (`python3 client.py SUBCOMMAND ...`): see its
/// docstring.
pub const CLIENT_PY: &str = include_str!("client.py");

/// The relay tests' servers (`peer.py`).
pub const PEER_PY: &str = include_str!("peer.py");

/// Writes `len` pseudo-random bytes (xorshift64*, seeded) to `path`.
pub fn random_file(path: &Path, len: u64, seed: u64) {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut chunk = vec![0u8; 1 << 16];
    let mut left = len;
    while left > 0 {
        for w in chunk.chunks_exact_mut(8) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            w.copy_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
        }
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
    f.flush().unwrap();
}

/// SHA-256 of a file, in lowercase hex (`sha256sum`).
pub fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("run sha256sum");
    assert!(out.status.success(), "sha256sum {}", path.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = text.split_whitespace().next().unwrap_or("").to_string();
    assert_eq!(hex.len(), 64, "sha256sum output {text:?}");
    hex
}

/// Size of a file.
pub fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// 64-hex-digit words in a text (SHA-256 digests), in order.
pub fn digests(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() == 64)
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Writes the Python client into the namespace's scratch directory and
/// returns its path.
pub fn client_py(ns: &Netns) -> String {
    let path = ns.path("client.py");
    if !path.exists() {
        std::fs::write(&path, CLIENT_PY).unwrap();
    }
    path.to_str().unwrap().to_string()
}

/// Writes `peer.py` into the scratch directory; returns its path.
pub fn peer_py(ns: &Netns) -> String {
    let path = ns.path("peer.py");
    if !path.exists() {
        std::fs::write(&path, PEER_PY).unwrap();
    }
    path.to_str().unwrap().to_string()
}

/// Parses the last line of a Python client's stdout as JSON.
pub fn last_json(stdout: &str) -> serde_json::Value {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'));
    let line = line.unwrap_or_else(|| panic!("no JSON line in {stdout:?}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON {line:?}: {e}"))
}
