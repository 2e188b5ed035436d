//! The chunked transfer coding (RFC 9112 7.1), decoded incrementally.

use super::trim;

/// Where the chunked decoder is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkState {
    Size,
    Data(u64),
    DataEnd,
    Trailer,
    Done,
}

/// An incremental decoder of the chunked transfer coding (RFC 9112 7.1).
#[derive(Debug)]
pub struct Chunked {
    state: ChunkState,
    line: Vec<u8>,
}

impl Default for Chunked {
    fn default() -> Self {
        Self::new()
    }
}

impl Chunked {
    /// A decoder at the start of a body.
    pub fn new() -> Self {
        Chunked {
            state: ChunkState::Size,
            line: Vec::new(),
        }
    }

    /// The last chunk and the trailer section have been read.
    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }

    /// Decodes `input`, handing data to `out`; returns the bytes consumed
    /// (less than `input.len()` only once done).
    pub fn feed(
        &mut self,
        input: &[u8],
        out: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<usize, String> {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                ChunkState::Done => break,
                ChunkState::Data(n) => {
                    let take = (input.len() - i).min(usize::try_from(n).unwrap_or(usize::MAX));
                    out(&input[i..i + take])?;
                    i += take;
                    let left = n - take as u64;
                    self.state = if left == 0 {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(left)
                    };
                }
                ChunkState::Size | ChunkState::DataEnd | ChunkState::Trailer => {
                    let b = input[i];
                    i += 1;
                    if b != b'\n' {
                        if self.line.len() >= 4096 {
                            return Err("chunk line too long".into());
                        }
                        self.line.push(b);
                        continue;
                    }
                    let line = std::mem::take(&mut self.line);
                    let line = line.strip_suffix(b"\r").unwrap_or(&line);
                    self.state = match self.state {
                        ChunkState::Size => {
                            let hex = trim(line.split(|&b| b == b';').next().unwrap_or(b""));
                            let size = std::str::from_utf8(hex)
                                .ok()
                                .filter(|h| !h.is_empty() && h.len() <= 15)
                                .and_then(|h| u64::from_str_radix(h, 16).ok())
                                .ok_or_else(|| {
                                    format!("bad chunk size: {}", String::from_utf8_lossy(line))
                                })?;
                            if size == 0 {
                                ChunkState::Trailer
                            } else {
                                ChunkState::Data(size)
                            }
                        }
                        ChunkState::DataEnd if line.is_empty() => ChunkState::Size,
                        ChunkState::DataEnd => return Err("chunk data longer than its size".into()),
                        _ if line.is_empty() => ChunkState::Done,
                        _ => ChunkState::Trailer,
                    };
                    self.line.clear();
                }
            }
        }
        Ok(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_in_any_pieces() {
        let body =
            b"4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\nEXTRA";
        for split in 1..body.len() {
            let mut d = Chunked::new();
            let mut out = Vec::new();
            let mut used = 0;
            for piece in body.chunks(split) {
                used += d
                    .feed(piece, &mut |b| {
                        out.extend_from_slice(b);
                        Ok(())
                    })
                    .unwrap();
                if d.is_done() {
                    break;
                }
            }
            assert!(d.is_done());
            assert_eq!(out, b"Wikipedia in\r\n\r\nchunks.");
            assert_eq!(used, body.len() - 5, "split {split}");
        }
        let mut d = Chunked::new();
        assert!(d.feed(b"zz\r\n", &mut |_| Ok(())).is_err());
        let mut d = Chunked::new();
        assert!(d.feed(b"1\r\nab\r\n", &mut |_| Ok(())).is_err());
    }
}
