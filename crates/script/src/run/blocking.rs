//! Blocking system calls in virtual time.
//!
//! On a socket without `O_NONBLOCK`, a call that cannot complete at once
//! (accept with no connection ready, read with nothing to read, write into
//! a full buffer, connect before the handshake) waits, as it would in a
//! thread of its own in packetdrill: the script's next events go on, and
//! after each of them (and after every timer that fires) the call is tried
//! again. When it returns, its result is compared with the script's, and
//! for `t1...t2 call()` the time it returned with `t2`. A second call
//! while one blocks, or a script that ends with one blocking, fails.

use super::syscalls::{Ret, errno_of};
use super::{Runner, Step, Stop, micros};
use crate::ast::{SyscallSpec, TimeSpec};
use synack_core::{ConnId, Error, State};

/// What a blocked call waits for.
pub(crate) enum Wait {
    /// Run the call again (accept, read): it has no effect until it can
    /// complete.
    Retry,
    /// connect(): the handshake's end.
    Connect(ConnId),
    /// write() of `n` bytes: room for the `left` not yet queued.
    Write { conn: ConnId, n: usize, left: usize },
}

/// A call in progress.
pub(crate) struct Blocked {
    pub spec: SyscallSpec,
    pub line: usize,
    /// Script time of the event before the call, microseconds: a
    /// relative call's end time counts from there (packetdrill adds the
    /// same offset to both ends).
    pub base: i64,
    /// The call's time was relative, so its end time is too.
    pub relative: bool,
    pub wait: Wait,
}

impl Runner {
    pub(super) fn block(&mut self, spec: &SyscallSpec, wait: Wait) {
        self.blocked = Some(Blocked {
            spec: spec.clone(),
            line: self.line,
            base: self.prev_time,
            relative: self.relative_event,
            wait,
        });
    }

    /// Tries the blocked call again; compares its result if it returned.
    pub(super) fn poll_blocked(&mut self) -> Step {
        let Some(b) = self.blocked.take() else {
            return Ok(());
        };
        let now = self.now;
        let result: Option<Ret> = match b.wait {
            Wait::Retry => {
                let line = self.line;
                self.line = b.line;
                let r = self.call(&b.spec);
                self.line = line;
                match r {
                    Ok(ret) => Some(ret),
                    Err(Stop::Block(_)) => None,
                    Err(e) => return Err(e),
                }
            }
            Wait::Connect(conn) => {
                let ep = self.ep.as_ref().expect("connect made the endpoint");
                match ep.connection(conn) {
                    Ok(c) if c.state() == State::SynSent || c.state() == State::SynReceived => None,
                    Ok(c) => match c.error() {
                        Some(e) => Some(Err(errno_of(e))),
                        None if c.state() == State::Closed => Some(Err("ECONNREFUSED")),
                        None => Some(Ok(0)),
                    },
                    Err(_) => Some(Err("ECONNREFUSED")),
                }
            }
            Wait::Write { conn, n, left } => {
                let ep = self.ep.as_mut().expect("write made the endpoint");
                // A write that blocked pushed what it had queued (Linux's
                // wait_for_space drops MSG_MORE).
                match super::syscalls::send_zeros(ep, now, conn, left, false) {
                    Ok(k) if k == left => Some(Ok(n as i64)),
                    Ok(k) => {
                        self.blocked = Some(Blocked {
                            wait: Wait::Write {
                                conn,
                                n,
                                left: left - k,
                            },
                            ..b
                        });
                        return Ok(());
                    }
                    Err(Error::WouldBlock) => None,
                    Err(e) => Some(Err(errno_of(e))),
                }
            }
        };
        let Some(ret) = result else {
            self.blocked = Some(b);
            return Ok(());
        };
        let line = self.line;
        self.line = b.line;
        let r = self
            .check_end_time_from(&b.spec, b.base, b.relative, micros(now))
            .and_then(|()| self.check_return(&b.spec, ret));
        self.line = line;
        self.drain()?;
        r
    }

    /// For a call that returned at once: `t1...t2` says it should block.
    pub(super) fn check_end_time(&self, spec: &SyscallSpec) -> Step {
        self.check_end_time_from(spec, self.prev_time, self.relative_event, self.last_time)
    }

    /// The return time of a `t1...t2` call must be `t2` within the
    /// tolerance. When the call's time is relative (`+t1...t2`), `t2`
    /// counts from the previous event, as packetdrill's
    /// `adjust_relative_event_times` adds the same offset to both ends.
    fn check_end_time_from(
        &self,
        spec: &SyscallSpec,
        started: i64,
        start_relative: bool,
        returned: i64,
    ) -> Step {
        let Some(end) = spec.end_time else {
            return Ok(());
        };
        let (lo, hi) = match end {
            TimeSpec::Any => return Ok(()),
            TimeSpec::At { relative, micros } => {
                let t = if relative || start_relative {
                    started.saturating_add(micros)
                } else {
                    micros
                };
                (t, t)
            }
            TimeSpec::Range {
                relative,
                start,
                end,
            } => {
                let base = if relative || start_relative {
                    started
                } else {
                    0
                };
                (base.saturating_add(start), base.saturating_add(end))
            }
        };
        if returned < lo.saturating_sub(self.tolerance)
            || returned > hi.saturating_add(self.tolerance)
        {
            return Err(Stop::fail(
                self.line,
                format!(
                    "{}() to return at {}",
                    spec.name,
                    super::packets::seconds(lo)
                ),
                format!("returned at {}", super::packets::seconds(returned)),
            ));
        }
        Ok(())
    }

    /// At the end of the script no call may still block.
    pub(super) fn finish_blocked(&mut self) -> Step {
        match &self.blocked {
            Some(b) => Err(Stop::fail(
                b.line,
                format!("{}() to return", b.spec.name),
                "it still blocks at the end of the script",
            )),
            None => Ok(()),
        }
    }
}
