//! A one-line progress bar on stderr, drawn only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Redraw at most this often.
const EVERY: Duration = Duration::from_millis(100);
/// Width of the bar itself.
const BAR: usize = 30;

/// Progress of a download.
pub struct Progress {
    enabled: bool,
    start: Instant,
    last: Option<Instant>,
    /// Bytes so far.
    pub done: u64,
    /// Bytes expected, if known.
    pub total: Option<u64>,
}

impl Progress {
    /// A progress bar, shown only if stderr is a terminal.
    pub fn new() -> Self {
        Progress {
            enabled: std::io::stderr().is_terminal(),
            start: Instant::now(),
            last: None,
            done: 0,
            total: None,
        }
    }

    /// `n` more bytes arrived.
    pub fn add(&mut self, n: usize) {
        self.done += n as u64;
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if self.last.is_some_and(|t| now - t < EVERY) {
            return;
        }
        self.last = Some(now);
        self.draw(now);
    }

    fn draw(&self, now: Instant) {
        let secs = (now - self.start).as_secs_f64().max(1e-3);
        let rate = format!("{}/s", human(self.done as f64 / secs));
        let line = match self.total {
            Some(total) if total > 0 => {
                let frac = (self.done as f64 / total as f64).min(1.0);
                let filled = (frac * BAR as f64).round() as usize;
                format!(
                    "[{}{}] {:>3}% {} / {}  {rate}",
                    "#".repeat(filled),
                    " ".repeat(BAR - filled),
                    (frac * 100.0).floor() as u32,
                    human(self.done as f64),
                    human(total as f64),
                )
            }
            _ => format!("{}  {rate}", human(self.done as f64)),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
    }

    /// Clears the line.
    pub fn finish(&mut self) {
        if self.enabled && self.last.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
        self.enabled = false;
    }
}

/// `1.5 MiB`.
pub fn human(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(human(512.0), "512 B");
        assert_eq!(human(1536.0), "1.5 KiB");
        assert_eq!(human(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GiB");
    }
}
