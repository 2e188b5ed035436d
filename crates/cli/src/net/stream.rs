//! Byte streams between files and connections: a reader thread that feeds a
//! file or stdin to the driver loop in reusable chunks (stdin may block; the
//! loop must not), and the output side.

use super::SCRATCH;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use synack_tun::Waker;

/// Chunks in flight between the reader thread and the loop.
const CHUNKS: usize = 4;

/// What [`Source::next`] found.
pub enum Next<'a> {
    /// Bytes to send (the unsent rest of the current chunk).
    Data(&'a [u8]),
    /// Nothing yet: the reader thread will wake the driver.
    Pending,
    /// End of the input.
    End,
}

/// Input read by a thread, in chunks that are recycled.
pub struct Source {
    chunks: Receiver<io::Result<Vec<u8>>>,
    recycle: SyncSender<Vec<u8>>,
    current: Option<(Vec<u8>, usize)>,
    ended: bool,
    /// Bytes handed to the connection so far.
    pub sent: u64,
}

impl Source {
    /// Opens `path` ('-' is standard input) and starts a thread reading it;
    /// the thread wakes the driver with `waker` after each chunk.
    pub fn open(path: &Path, waker: Waker) -> io::Result<Source> {
        let input: Box<dyn Read + Send> = if path.as_os_str() == "-" {
            Box::new(io::stdin())
        } else {
            Box::new(File::open(path)?)
        };
        let (tx, chunks) = mpsc::sync_channel(CHUNKS);
        let (recycle, spare) = mpsc::sync_channel::<Vec<u8>>(CHUNKS + 2);
        std::thread::Builder::new()
            .name("synack-input".into())
            .spawn(move || read_loop(input, tx, spare, waker))?;
        Ok(Source {
            chunks,
            recycle,
            current: None,
            ended: false,
            sent: 0,
        })
    }

    /// The bytes to send next.
    pub fn next(&mut self) -> io::Result<Next<'_>> {
        if self.current.is_none() && !self.ended {
            match self.chunks.try_recv() {
                Ok(Ok(chunk)) => self.current = Some((chunk, 0)),
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Err(TryRecvError::Empty) => return Ok(Next::Pending),
                Err(TryRecvError::Disconnected) => self.ended = true,
            }
        }
        match &self.current {
            Some((chunk, off)) => Ok(Next::Data(&chunk[*off..])),
            None => Ok(Next::End),
        }
    }

    /// `n` bytes of the current chunk were sent.
    pub fn consume(&mut self, n: usize) {
        self.sent += n as u64;
        if let Some((chunk, off)) = self.current.as_mut() {
            *off += n;
            if *off >= chunk.len()
                && let Some((chunk, _)) = self.current.take()
            {
                let _ = self.recycle.try_send(chunk);
            }
        }
    }
}

fn read_loop(
    mut input: Box<dyn Read + Send>,
    tx: SyncSender<io::Result<Vec<u8>>>,
    spare: Receiver<Vec<u8>>,
    waker: Waker,
) {
    loop {
        let mut buf = spare.try_recv().unwrap_or_default();
        buf.resize(SCRATCH, 0);
        let n = loop {
            match input.read(&mut buf) {
                Ok(n) => break Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(e),
            }
        };
        match n {
            Ok(0) => break,
            Ok(n) => {
                buf.truncate(n);
                if tx.send(Ok(buf)).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e));
                break;
            }
        }
        waker.wake();
    }
    drop(tx);
    waker.wake();
}

/// Where received bytes go: a file or standard output.
pub fn open_sink(path: Option<&Path>) -> io::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) if p.as_os_str() != "-" => {
            Box::new(io::BufWriter::with_capacity(SCRATCH, File::create(p)?))
        }
        _ => Box::new(io::BufWriter::with_capacity(SCRATCH, io::stdout())),
    })
}
