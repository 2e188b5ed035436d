//! What the driver task and the handles share: the endpoint behind one
//! mutex, the wakers of the tasks waiting on it, and the driver's own
//! waker. A handle locks once per call (a read or a write of a whole
//! buffer), never per byte; the driver locks once per turn.

use crate::error;
use crate::io::Io;
use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::Duration;
use synack_core::{ConnId, Endpoint, Event, EventKind, Instant, ListenerId, State};

/// The shared state, behind an `Arc`.
#[derive(Debug)]
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    /// Told when the driver has stopped.
    pub(crate) done: tokio::sync::Notify,
}

/// Wakers of the tasks waiting on one connection.
#[derive(Debug, Default)]
struct ConnWakers {
    read: Option<Waker>,
    write: Option<Waker>,
}

/// Everything under the lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) ep: Endpoint,
    /// The stack's epoch: core instants are microseconds since it.
    pub(crate) base: tokio::time::Instant,
    conns: HashMap<ConnId, ConnWakers>,
    listeners: HashMap<ListenerId, Vec<Waker>>,
    driver: Option<Waker>,
    /// The deadline the driver sleeps until (`None`: none).
    pub(crate) armed: Option<Instant>,
    /// Why the stack stopped, once it has.
    pub(crate) stopped: Option<String>,
    /// Asked to shut down: connections close gracefully until this
    /// instant, then what is left is reset and the driver stops.
    pub(crate) shutdown: Option<Instant>,
    /// The device, its buffers and observer.
    pub(crate) io: Io,
}

impl Shared {
    pub(crate) fn new(ep: Endpoint, io: Io) -> Arc<Shared> {
        Arc::new(Shared {
            inner: Mutex::new(Inner {
                ep,
                base: tokio::time::Instant::now(),
                conns: HashMap::new(),
                listeners: HashMap::new(),
                driver: None,
                armed: None,
                stopped: None,
                shutdown: None,
                io,
            }),
            done: tokio::sync::Notify::new(),
        })
    }

    /// The lock (a panic elsewhere does not make the stack unusable: the
    /// endpoint never panics mid-update on its own).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs an application call: fails once the stack has stopped;
    /// afterwards wakes whoever the call concerns and the driver if there
    /// is something for it to do.
    pub(crate) fn call<R>(
        &self,
        f: impl FnOnce(&mut Inner, Instant) -> io::Result<R>,
    ) -> io::Result<R> {
        let mut g = self.lock();
        if let Some(why) = &g.stopped {
            return Err(error::stopped(why));
        }
        let now = g.now();
        let r = f(&mut g, now);
        g.after_call();
        r
    }
}

impl Inner {
    /// The current time as the core counts it.
    pub(crate) fn now(&self) -> Instant {
        let us = self.base.elapsed().as_micros();
        Instant::from_micros(u64::try_from(us).unwrap_or(u64::MAX))
    }

    /// The tokio instant of a core instant.
    pub(crate) fn at(&self, t: Instant) -> tokio::time::Instant {
        self.base + Duration::from_micros(t.as_micros())
    }

    /// Starts tracking a connection a handle now owns.
    pub(crate) fn track(&mut self, id: ConnId) {
        self.conns.insert(id, ConnWakers::default());
    }

    /// Stops tracking it (the handle is gone).
    pub(crate) fn untrack(&mut self, id: ConnId) {
        self.conns.remove(&id);
    }

    /// The connections handles own.
    pub(crate) fn tracked(&self) -> Vec<ConnId> {
        self.conns.keys().copied().collect()
    }

    /// The task to wake when `id` becomes readable (or fails).
    pub(crate) fn wait_read(&mut self, id: ConnId, w: &Waker) {
        if let Some(c) = self.conns.get_mut(&id) {
            set_waker(&mut c.read, w);
        }
    }

    /// The task to wake when `id` becomes writable, connects (or fails).
    pub(crate) fn wait_write(&mut self, id: ConnId, w: &Waker) {
        if let Some(c) = self.conns.get_mut(&id) {
            set_waker(&mut c.write, w);
        }
    }

    /// A task to wake when `l` has a connection (or a held SYN).
    pub(crate) fn wait_listener(&mut self, l: ListenerId, w: &Waker) {
        let ws = self.listeners.entry(l).or_default();
        if !ws.iter().any(|x| x.will_wake(w)) {
            ws.push(w.clone());
        }
    }

    /// The listener is gone.
    pub(crate) fn forget_listener(&mut self, l: ListenerId) {
        self.listeners.remove(&l);
    }

    /// The driver's waker, refreshed each turn.
    pub(crate) fn set_driver(&mut self, w: &Waker) {
        set_waker(&mut self.driver, w);
    }

    /// Writes everything the endpoint has to send to the device (and the
    /// trace to the observer).
    pub(crate) fn flush(&mut self, now: Instant) {
        let Inner { ep, io, .. } = self;
        if ep.has_pending_transmit() {
            io.transmit(ep, now);
        }
        io.drain_trace(ep);
    }

    /// After an application call: send what it left to send, wake the
    /// tasks its events concern, and the driver if its deadline moved
    /// earlier than the one the driver sleeps until.
    pub(crate) fn after_call(&mut self) {
        if self.stopped.is_none() {
            let now = self.now();
            self.flush(now);
        }
        self.dispatch();
        let earlier = match (self.ep.poll_timeout(), self.armed) {
            (Some(t), Some(armed)) => t < armed,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if earlier && let Some(d) = &self.driver {
            d.wake_by_ref();
        }
    }

    /// Wakes the driver (a shutdown request, a handle going away).
    pub(crate) fn kick(&self) {
        if let Some(d) = &self.driver {
            d.wake_by_ref();
        }
    }

    /// Hands the endpoint's events to the tasks waiting for them.
    pub(crate) fn dispatch(&mut self) {
        while let Some(ev) = self.ep.poll_event() {
            match ev {
                Event::Incoming(l) | Event::Syn(l) => {
                    if let Some(ws) = self.listeners.get_mut(&l) {
                        ws.drain(..).for_each(Waker::wake);
                    }
                }
                Event::Conn(id, kind) => {
                    let Some(c) = self.conns.get_mut(&id) else {
                        continue;
                    };
                    let (read, write) = match kind {
                        EventKind::Readable | EventKind::PeerClosed => (true, false),
                        EventKind::Writable | EventKind::SendClosed => (false, true),
                        _ => (true, true),
                    };
                    if read && let Some(w) = c.read.take() {
                        w.wake();
                    }
                    if write && let Some(w) = c.write.take() {
                        w.wake();
                    }
                }
                _ => {}
            }
        }
    }

    /// The stack stops: every waiting task wakes to find out.
    pub(crate) fn stop(&mut self, why: String) {
        self.stopped.get_or_insert(why);
        for c in self.conns.values_mut() {
            c.read
                .take()
                .into_iter()
                .chain(c.write.take())
                .for_each(Waker::wake);
        }
        for ws in self.listeners.values_mut() {
            ws.drain(..).for_each(Waker::wake);
        }
    }

    /// No connection in a state where the peer may still wait for us.
    pub(crate) fn settled(&self) -> bool {
        self.ep
            .connections()
            .all(|c| matches!(c.state(), State::TimeWait | State::Closed))
    }
}

fn set_waker(slot: &mut Option<Waker>, w: &Waker) {
    match slot {
        Some(old) if old.will_wake(w) => {}
        _ => *slot = Some(w.clone()),
    }
}
