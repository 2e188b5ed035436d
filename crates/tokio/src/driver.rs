//! The driver task: the one task that reads the device, runs the
//! endpoint's timers on tokio's clock and wakes the tasks that wait on
//! connections.
//!
//! One turn (under the lock): read every packet the device has (at most
//! [`MAX_READS`]), answering after every few as the blocking driver does;
//! run the timers if due; write what is left to send; hand the events to
//! the waiting tasks; then sleep until the next packet, the endpoint's next
//! deadline, or a call that moved that deadline earlier; and about once
//! a second ask the device whether it is still there. Output that an
//! application call leaves is written by the call itself ([`crate::io`]).

use crate::shared::{Inner, Shared};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use synack_core::Instant;
use tokio::time::Sleep;

/// Packets read per turn at most; then the driver yields to other tasks.
const MAX_READS: usize = 256;

/// How often the driver asks the device whether it is still there.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The driver future.
pub(crate) struct Driver {
    shared: Arc<Shared>,
    sleep: Pin<Box<Sleep>>,
    grace: Duration,
    /// When to check the device next.
    next_check: Instant,
}

impl Driver {
    pub(crate) fn new(shared: Arc<Shared>, grace: Duration) -> Self {
        Driver {
            shared,
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
            grace,
            next_check: Instant::ZERO,
        }
    }

    /// Whether to stop now: a shutdown (asked for, or every handle gone)
    /// whose connections have settled or whose grace ran out.
    fn finishing(&self, g: &mut Inner, now: Instant) -> bool {
        // Only the driver (and this turn's clone) holds the stack: nobody
        // can use it any more.
        if Arc::strong_count(&self.shared) <= 2 && g.shutdown.is_none() {
            g.shutdown = Some(now + self.grace);
        }
        let Some(deadline) = g.shutdown else {
            return false;
        };
        if g.settled() {
            return true;
        }
        if now >= deadline {
            g.ep.abort_all(now);
            g.flush(now);
            return true;
        }
        false
    }

    fn stop(&self, g: &mut Inner, why: String) {
        let Inner { ep, io, .. } = g;
        io.drain_trace(ep);
        g.stop(why);
        self.shared.done.notify_waiters();
    }
}

impl Future for Driver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let shared = this.shared.clone();
        let mut g = shared.lock();
        g.set_driver(cx.waker());
        loop {
            let now = g.now();
            let Inner { ep, io, .. } = &mut *g;
            let reads = match io.receive(ep, cx, now, MAX_READS) {
                Ok(n) => n,
                Err(why) => {
                    this.stop(&mut g, why);
                    return Poll::Ready(());
                }
            };
            if ep.poll_timeout().is_some_and(|t| t <= now) {
                ep.handle_timeout(now);
            }
            if now >= this.next_check {
                this.next_check = now + CHECK_EVERY;
                if let Err(why) = io.check() {
                    this.stop(&mut g, why);
                    return Poll::Ready(());
                }
            }
            g.flush(now);
            g.dispatch();
            if this.finishing(&mut g, now) {
                this.stop(&mut g, "shut down".into());
                return Poll::Ready(());
            }
            if reads >= MAX_READS {
                // More is waiting: let other tasks run first.
                g.armed = Some(now);
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let deadline = [g.ep.poll_timeout(), g.shutdown]
                .into_iter()
                .flatten()
                .fold(this.next_check, Instant::min);
            // `armed` is the endpoint's own deadline: a call that moves it
            // earlier wakes the driver.
            g.armed = Some(deadline);
            let t = deadline;
            let at = g.at(t);
            if this.sleep.deadline() != at {
                this.sleep.as_mut().reset(at);
            }
            if this.sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // The deadline has come: another turn.
        }
    }
}
