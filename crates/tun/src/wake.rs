//! Wake-ups for the driver's `poll(2)`: a self-pipe written by the signal
//! handlers of SIGINT, SIGTERM and SIGUSR1 (so a signal can never slip in between a
//! check and the sleep), and another one for other threads ([`Waker`]).

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

/// A pair of connected non-blocking sockets: one end to poll, one to write.
#[derive(Debug)]
pub(crate) struct SelfPipe {
    rx: UnixStream,
    tx: Arc<UnixStream>,
}

impl SelfPipe {
    pub(crate) fn new() -> io::Result<Self> {
        let (rx, tx) = UnixStream::pair()?;
        rx.set_nonblocking(true)?;
        tx.set_nonblocking(true)?;
        Ok(SelfPipe {
            rx,
            tx: Arc::new(tx),
        })
    }

    /// Reads everything written so far; returns the number of bytes.
    pub(crate) fn drain(&mut self) -> usize {
        let mut buf = [0u8; 64];
        let mut total = 0;
        loop {
            match self.rx.read(&mut buf) {
                Ok(0) => return total,
                Ok(n) => total += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return total,
            }
        }
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.rx.as_fd()
    }

    pub(crate) fn waker(&self) -> Waker {
        Waker(self.tx.clone())
    }

    pub(crate) fn writer(&self) -> io::Result<UnixStream> {
        self.tx.try_clone()
    }
}

/// Wakes the driver from another thread (for example one reading stdin),
/// so the application's `poll` runs soon. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Waker(Arc<UnixStream>);

impl Waker {
    /// Wakes the driver. Never blocks: if wake-ups are already pending this
    /// one is merged with them.
    pub fn wake(&self) {
        let _ = (&*self.0).write(&[1]);
    }
}

/// SIGINT and SIGTERM write to a self-pipe while this value lives; SIGUSR1
/// (a request for a status report) to another.
#[derive(Debug)]
pub(crate) struct Signals {
    pipe: SelfPipe,
    status: SelfPipe,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    pub(crate) fn install() -> io::Result<Self> {
        let pipe = SelfPipe::new()?;
        let status = SelfPipe::new()?;
        let mut ids = Vec::new();
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            ids.push(signal_hook::low_level::pipe::register(sig, pipe.writer()?)?);
        }
        ids.push(signal_hook::low_level::pipe::register(
            signal_hook::consts::SIGUSR1,
            status.writer()?,
        )?);
        Ok(Signals { pipe, status, ids })
    }

    /// Stop signals (SIGINT, SIGTERM) received since the last call.
    pub(crate) fn take(&mut self) -> usize {
        self.pipe.drain()
    }

    /// Status requests (SIGUSR1) received since the last call.
    pub(crate) fn take_status(&mut self) -> usize {
        self.status.drain()
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.pipe.fd()
    }

    pub(crate) fn status_fd(&self) -> BorrowedFd<'_> {
        self.status.fd()
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_are_counted_and_drained() {
        let mut p = SelfPipe::new().unwrap();
        assert_eq!(p.drain(), 0);
        let w = p.waker();
        w.wake();
        w.clone().wake();
        assert_eq!(p.drain(), 2);
        assert_eq!(p.drain(), 0);
    }
}
