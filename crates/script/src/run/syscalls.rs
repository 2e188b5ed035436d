//! System calls, mapped onto synack's API.
//!
//! Sockets are file descriptors from 3 up. A fresh socket holds its own
//! settings until `listen` or `connect` turns it into a listener or a
//! connection. Return values and errno names follow FreeBSD (the suite's
//! platform): `EWOULDBLOCK` and `EAGAIN` are the same error.

use super::blocking::Wait;
use super::{Runner, SCRIPT_PORT, Step, Stop};
use crate::ast::{Expr, SyscallSpec};
use core::net::SocketAddr;
use synack_core::{Config, ConnId, Error, ListenerId};

/// Largest buffer a read() allocates (more than any receive buffer holds
/// at once in a script).
const MAX_IO: usize = 1 << 20;

/// Queues `n` zero bytes on `conn` without allocating `n` bytes: what
/// fits, like `Endpoint::send` (an error only if nothing fit).
/// `more`: the write said more follows (`MSG_MORE`, `Endpoint::send_more`).
pub(super) fn send_zeros(
    ep: &mut synack_core::Endpoint,
    now: synack_core::Instant,
    conn: ConnId,
    n: usize,
    more: bool,
) -> Result<usize, Error> {
    static ZEROS: [u8; 65536] = [0; 65536];
    let mut sent = 0;
    while sent < n {
        let chunk = (n - sent).min(ZEROS.len());
        let queued = if more {
            ep.send_more(now, conn, &ZEROS[..chunk])
        } else {
            ep.send(now, conn, &ZEROS[..chunk])
        };
        match queued {
            Ok(k) => {
                sent += k;
                if k < chunk {
                    break;
                }
            }
            Err(e) if sent == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(sent)
}

/// FreeBSD's `O_RDWR`.
const O_RDWR: i64 = 0x2;
/// FreeBSD's `O_NONBLOCK`.
const O_NONBLOCK: i64 = 0x4;
/// Linux's `O_NONBLOCK`.
const O_NONBLOCK_LINUX: i64 = 0x800;

/// What a file descriptor is.
pub(crate) enum Kind {
    /// `socket()` done, neither `listen` nor `connect` yet.
    Fresh {
        bound: bool,
    },
    Listener(ListenerId),
    Conn(ConnId),
}

/// One socket of the script.
pub(crate) struct Socket {
    pub kind: Kind,
    pub nonblocking: bool,
    /// `SO_LINGER` with a zero timeout: `close` aborts.
    pub linger_zero: bool,
    pub nodelay: bool,
    /// `TCP_CORK`.
    pub cork: bool,

    /// SO_ERROR was read since the error happened (it reads once).
    pub error_taken: bool,
    /// `shutdown(SHUT_RD)`: reads return end of stream.
    pub read_shut: bool,
    /// `TCP_MAXSEG` set before listen/connect.
    pub user_mss: Option<i64>,
    /// Per-socket settings (buffer sizes) until listen/connect.
    pub cfg: Config,
}

/// A read or write's connection, non-blocking flag and length.
/// (connection, non-blocking, length, `MSG_MORE`).
type IoArgs = (ConnId, bool, usize, bool);

/// A call's result: a return value, or -1 with an errno name.
pub(super) type Ret = Result<i64, &'static str>;

pub(super) fn errno_of(e: Error) -> &'static str {
    match e {
        Error::WouldBlock => "EAGAIN",
        Error::ConnectionReset => "ECONNRESET",
        Error::ConnectionRefused => "ECONNREFUSED",
        Error::TimedOut => "ETIMEDOUT",
        Error::AddrInUse => "EADDRINUSE",
        Error::AddrNotAvailable => "EADDRNOTAVAIL",
        Error::NoPortsAvailable => "EADDRNOTAVAIL",
        Error::OutOfResources => "ENOBUFS",
        Error::InvalidArgument => "EINVAL",
        Error::Closed => "EPIPE",
        Error::InvalidState => "ENOTCONN",
        Error::InvalidHandle => "EBADF",
        // ICMP errors, by the names both systems give them (FreeBSD's
        // icmp_errmap folds net unreachable into EHOSTUNREACH and the
        // refusals into ECONNREFUSED before synack sees them; see
        // `IcmpRules::FreeBsd`).
        Error::HostUnreachable | Error::Prohibited => "EHOSTUNREACH",
        Error::NetworkUnreachable => "ENETUNREACH",
        Error::ProtocolUnreachable => "ENOPROTOOPT",
        _ => "EIO",
    }
}

fn same_errno(a: &str, b: &str) -> bool {
    let norm = |e: &str| {
        if e == "EWOULDBLOCK" {
            "EAGAIN".to_string()
        } else {
            e.to_string()
        }
    };
    norm(a) == norm(b)
}

/// An integer argument (`3`, `0x2`, `O_RDWR | O_NONBLOCK`, `[1]`).
pub(super) fn int(e: &Expr) -> Option<i64> {
    match e {
        Expr::Int(v) => Some(*v),
        Expr::Ident(name) => constant(name),
        Expr::BitOr(parts) => parts.iter().try_fold(0, |acc, p| Some(acc | int(p)?)),
        Expr::List(items) if items.len() == 1 => int(&items[0]),
        _ => None,
    }
}

fn constant(name: &str) -> Option<i64> {
    Some(match name {
        "O_RDWR" => O_RDWR,
        "O_NONBLOCK" => O_NONBLOCK,
        "O_RDONLY" => 0,
        "O_WRONLY" => 1,
        // IP_MTU_DISCOVER's values (the same in Linux's in.h and its IPv6
        // counterparts).
        "IP_PMTUDISC_DONT" | "IPV6_PMTUDISC_DONT" => 0,
        "IP_PMTUDISC_WANT" | "IPV6_PMTUDISC_WANT" => 1,
        "IP_PMTUDISC_DO" | "IPV6_PMTUDISC_DO" => 2,
        "IP_PMTUDISC_PROBE" | "IPV6_PMTUDISC_PROBE" => 3,
        // IP_TOS values (netinet/ip.h): RFC 2474's class selectors and
        // RFC 2597 / 3246's codepoints, shifted into the TOS byte.
        "IPTOS_DSCP_CS0" => 0x00,
        "IPTOS_DSCP_CS1" => 0x20,
        "IPTOS_DSCP_AF11" => 0x28,
        "IPTOS_DSCP_AF12" => 0x30,
        "IPTOS_DSCP_AF13" => 0x38,
        "IPTOS_DSCP_CS2" => 0x40,
        "IPTOS_DSCP_AF21" => 0x48,
        "IPTOS_DSCP_AF22" => 0x50,
        "IPTOS_DSCP_AF23" => 0x58,
        "IPTOS_DSCP_CS3" => 0x60,
        "IPTOS_DSCP_AF31" => 0x68,
        "IPTOS_DSCP_AF32" => 0x70,
        "IPTOS_DSCP_AF33" => 0x78,
        "IPTOS_DSCP_CS4" => 0x80,
        "IPTOS_DSCP_AF41" => 0x88,
        "IPTOS_DSCP_AF42" => 0x90,
        "IPTOS_DSCP_AF43" => 0x98,
        "IPTOS_DSCP_CS5" => 0xa0,
        "IPTOS_DSCP_EF" => 0xb8,
        "IPTOS_DSCP_CS6" => 0xc0,
        "IPTOS_DSCP_CS7" => 0xe0,
        "IPTOS_LOWDELAY" => 0x10,
        "IPTOS_THROUGHPUT" => 0x08,
        "IPTOS_RELIABILITY" => 0x04,
        _ => return None,
    })
}

/// Whether `e` names `symbol` (alone or in an `A | B`).
fn mentions(e: &Expr, symbol: &str) -> bool {
    match e {
        Expr::Ident(n) => n == symbol,
        Expr::BitOr(parts) => parts.iter().any(|p| mentions(p, symbol)),
        _ => false,
    }
}

pub(super) fn ident(e: &Expr) -> Option<&str> {
    match e {
        Expr::Ident(s) => Some(s),
        _ => None,
    }
}

impl Runner {
    pub(super) fn arg<'a>(&self, s: &'a SyscallSpec, i: usize) -> Result<&'a Expr, Stop> {
        s.args.get(i).ok_or_else(|| {
            Stop::skip(
                self.line,
                format!("{}() with {} arguments", s.name, s.args.len()),
            )
        })
    }

    pub(super) fn fd_arg(&self, s: &SyscallSpec) -> Result<i32, Stop> {
        let e = self.arg(s, 0)?;
        int(e)
            .map(|v| v as i32)
            .ok_or_else(|| Stop::skip(self.line, format!("{}() on {e:?}", s.name)))
    }

    pub(super) fn unsupported(&self, s: &SyscallSpec, what: impl core::fmt::Display) -> Stop {
        Stop::skip(self.line, format!("{}(): {what}", s.name))
    }

    /// Runs one call and compares its result with the script's. A call
    /// that blocks waits (see `blocking.rs`) while the script goes on.
    pub(super) fn syscall(&mut self, s: &SyscallSpec) -> Step {
        if let Some(b) = &self.blocked {
            return Err(Stop::fail(
                self.line,
                format!("{}() to start", s.name),
                format!("{}() from line {} still blocks", b.spec.name, b.line),
            ));
        }
        match self.call(s) {
            Ok(got) => {
                self.check_end_time(s)?;
                self.check_return(s, got)
            }
            Err(Stop::Block(wait)) => {
                self.block(s, wait);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Performs a call: its result, or `Stop::Block` if it must wait.
    pub(super) fn call(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        Ok(match s.name.as_str() {
            "socket" => self.sys_socket(s)?,
            "bind" => self.sys_bind(s)?,
            "listen" => self.sys_listen(s)?,
            "accept" => self.sys_accept(s)?,
            "connect" => self.sys_connect(s)?,
            "close" => self.sys_close(s)?,
            "shutdown" => self.sys_shutdown(s)?,
            "read" | "recv" | "recvfrom" => self.sys_read(s)?,
            "write" | "send" | "sendto" => self.sys_write(s)?,
            "sendmsg" => self.sys_sendmsg(s)?,
            "fcntl" => self.sys_fcntl(s)?,
            "getsockopt" => self.sys_getsockopt(s)?,
            "setsockopt" => self.sys_setsockopt(s)?,
            "ioctl" => self.sys_ioctl(s)?,
            other => return Err(Stop::skip(self.line, format!("system call {other}()"))),
        })
    }

    pub(super) fn check_return(&self, s: &SyscallSpec, got: Ret) -> Step {
        let want = match &s.errno {
            Some(e) => format!("{}() = {} {e}", s.name, s.ret),
            None => format!("{}() = {}", s.name, s.ret),
        };
        let ok = match (&got, &s.errno) {
            (Ok(v), None) => *v == s.ret,
            (Err(e), Some(w)) => s.ret == -1 && same_errno(e, w),
            (Err(_), None) => false,
            (Ok(_), Some(_)) => false,
        };
        if ok {
            return Ok(());
        }
        let actual = match got {
            Ok(v) => format!("returned {v}"),
            Err(e) => format!("returned -1 {e}"),
        };
        Err(Stop::fail(self.line, want, actual))
    }

    pub(super) fn sock(&self, fd: i32) -> Result<&Socket, &'static str> {
        self.fds.get(&fd).ok_or("EBADF")
    }

    /// The descriptor for a new socket: the one the script expects if it
    /// is free (packetdrill maps the script's descriptor numbers to the
    /// live ones, so a script may start at 4), else the lowest free one.
    fn new_fd(&self, s: &SyscallSpec) -> i32 {
        if let Ok(want) = i32::try_from(s.ret)
            && want >= 3
            && !self.fds.contains_key(&want)
        {
            return want;
        }
        (3..).find(|fd| !self.fds.contains_key(fd)).unwrap_or(3)
    }

    fn sys_socket(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        if self.arg(s, 1).ok().and_then(ident) != Some("SOCK_STREAM") {
            return Err(self.unsupported(s, "only SOCK_STREAM sockets"));
        }
        let fd = self.new_fd(s);
        self.ep();
        self.fds.insert(
            fd,
            Socket {
                kind: Kind::Fresh { bound: false },
                nonblocking: false,
                linger_zero: false,
                nodelay: false,
                cork: false,
                error_taken: false,
                read_shut: false,
                user_mss: None,
                cfg: self.cfg.clone(),
            },
        );
        Ok(Ok(i64::from(fd)))
    }

    fn sys_bind(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let fd = self.fd_arg(s)?;
        Ok(match self.fds.get_mut(&fd) {
            Some(Socket {
                kind: Kind::Fresh { bound },
                ..
            }) if !*bound => {
                *bound = true;
                Ok(0)
            }
            Some(_) => Err("EINVAL"),
            None => Err("EBADF"),
        })
    }

    fn sys_listen(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let fd = self.fd_arg(s)?;
        let backlog = int(self.arg(s, 1)?).unwrap_or(1).max(1) as usize;
        let local = SocketAddr::new(self.local_ip(), SCRIPT_PORT);
        let cfg = match self.sock(fd) {
            Ok(Socket {
                kind: Kind::Fresh { .. },
                cfg,
                ..
            }) => cfg.clone(),
            Ok(_) => return Ok(Err("EINVAL")),
            Err(e) => return Ok(Err(e)),
        };
        let ep = self.ep.as_mut().expect("socket() made the endpoint");
        let r = ep.listen(local, backlog);
        match r {
            Ok(id) => {
                let _ = ep.set_listener_config(id, cfg);
                if let Some(sock) = self.fds.get_mut(&fd) {
                    sock.kind = Kind::Listener(id);
                }
                self.flow = Some((local, SocketAddr::new(self.remote_ip(), super::REMOTE_PORT)));
                Ok(Ok(0))
            }
            Err(e) => Ok(Err(errno_of(e))),
        }
    }

    fn sys_accept(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let fd = self.fd_arg(s)?;
        let (lid, nonblocking) = match self.sock(fd) {
            Ok(Socket {
                kind: Kind::Listener(l),
                nonblocking,
                ..
            }) => (*l, *nonblocking),
            Ok(_) => return Ok(Err("EINVAL")),
            Err(e) => return Ok(Err(e)),
        };
        let ep = self.ep.as_mut().expect("socket() made the endpoint");
        match ep.accept(lid) {
            Ok(conn) => {
                let cfg = self.cfg.clone();
                let new_fd = self.new_fd(s);
                self.fds.insert(
                    new_fd,
                    Socket {
                        kind: Kind::Conn(conn),
                        nonblocking: false,
                        linger_zero: false,
                        nodelay: false,
                        cork: false,
                        error_taken: false,
                        read_shut: false,
                        user_mss: None,
                        cfg,
                    },
                );
                Ok(Ok(i64::from(new_fd)))
            }
            Err(Error::WouldBlock) if !nonblocking => Err(Stop::Block(Wait::Retry)),
            Err(e) => Ok(Err(errno_of(e))),
        }
    }

    fn sys_connect(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let fd = self.fd_arg(s)?;
        let (cfg, bound, nonblocking, nodelay, cork) = match self.sock(fd) {
            Ok(Socket {
                kind: Kind::Fresh { bound },
                cfg,
                nonblocking,
                nodelay,
                cork,
                ..
            }) => (cfg.clone(), *bound, *nonblocking, *nodelay, *cork),
            Ok(Socket {
                kind: Kind::Conn(_),
                ..
            }) => return Ok(Err("EISCONN")),
            Ok(_) => return Ok(Err("EINVAL")),
            Err(e) => return Ok(Err(e)),
        };
        let local = SocketAddr::new(self.local_ip(), if bound { SCRIPT_PORT } else { 0 });
        let remote = SocketAddr::new(self.remote_ip(), SCRIPT_PORT);
        let now = self.now;
        let base = self.cfg.clone();
        let ep = self.ep.as_mut().expect("socket() made the endpoint");
        ep.set_tcp_config(cfg);
        let r = ep.connect(now, local, remote);
        ep.set_tcp_config(base);
        match r {
            Ok(conn) => {
                if nodelay {
                    let _ = ep.set_nodelay(conn, true);
                }
                if cork {
                    let _ = ep.set_cork(conn, true);
                }
                self.flow = ep.addrs(conn).ok();
                self.local_isn = None;
                if let Some(sock) = self.fds.get_mut(&fd) {
                    sock.kind = Kind::Conn(conn);
                }
                if nonblocking {
                    Ok(Err("EINPROGRESS"))
                } else {
                    Err(Stop::Block(Wait::Connect(conn)))
                }
            }
            Err(e) => Ok(Err(errno_of(e))),
        }
    }

    fn sys_close(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let fd = self.fd_arg(s)?;
        let Some(sock) = self.fds.remove(&fd) else {
            return Ok(Err("EBADF"));
        };
        let now = self.now;
        let ep = self.ep.as_mut().expect("socket() made the endpoint");
        match sock.kind {
            Kind::Fresh { .. } => {}
            Kind::Listener(l) => {
                let _ = ep.close_listener(now, l);
            }
            // A connection already closed by the peer is just released.
            Kind::Conn(c) if sock.linger_zero => {
                let _ = ep.abort(now, c);
            }
            Kind::Conn(c) => {
                let _ = ep.close(now, c);
            }
        }
        Ok(Ok(0))
    }

    pub(super) fn conn_of(&self, fd: i32) -> Result<(ConnId, bool), &'static str> {
        match self.sock(fd)? {
            Socket {
                kind: Kind::Conn(c),
                nonblocking,
                ..
            } => Ok((*c, *nonblocking)),
            _ => Err("ENOTCONN"),
        }
    }

    fn sys_shutdown(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let fd = self.fd_arg(s)?;
        let how = self.arg(s, 1).ok().and_then(ident);
        let (read, write) = match how {
            Some("SHUT_WR") => (false, true),
            Some("SHUT_RD") => (true, false),
            Some("SHUT_RDWR") => (true, true),
            _ => return Err(self.unsupported(s, "only SHUT_RD, SHUT_WR and SHUT_RDWR")),
        };
        let (c, _) = match self.conn_of(fd) {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        if read {
            // Reads of an empty buffer see the end of the stream; what
            // arrives is still taken, acknowledged and readable, as in
            // Linux.
            if let Some(sock) = self.fds.get_mut(&fd) {
                sock.read_shut = true;
            }
            if !write {
                return Ok(Ok(0));
            }
        }
        let now = self.now;
        let ep = self.ep.as_mut().expect("socket() made the endpoint");
        Ok(match ep.shutdown(now, c) {
            Ok(()) => Ok(0),
            Err(Error::InvalidState | Error::Closed) => Err("ENOTCONN"),
            Err(e) => Err(errno_of(e)),
        })
    }

    /// read/write/send/recv's (connection, non-blocking, length), or the
    /// errno for a descriptor that is no connection.
    #[allow(clippy::type_complexity)]
    fn io_args(&self, s: &SyscallSpec) -> Result<Result<IoArgs, &'static str>, Stop> {
        let fd = self.fd_arg(s)?;
        let n = int(self.arg(s, 2)?).unwrap_or(0).max(0) as usize;
        // send/recv/sendto/recvfrom: no flags, or MSG_MORE on a send.
        let sending = matches!(s.name.as_str(), "send" | "sendto");
        let more = match s.args.get(3) {
            Some(flags) if sending => self.send_flags(s, flags)?,
            Some(flags) if int(flags) != Some(0) => {
                return Err(self.unsupported(s, format!("flags {flags:?}")));
            }
            _ => false,
        };
        let conn = self.conn_of(fd);
        // A NULL buffer is a bad address, on every system.
        if conn.is_ok() && n > 0 && s.args.get(1).and_then(ident) == Some("NULL") {
            return Ok(Err("EFAULT"));
        }
        Ok(conn.map(|(c, nb)| (c, nb, n, more)))
    }

    /// A send's flags: 0 or `MSG_MORE` (whether it was given).
    fn send_flags(&self, s: &SyscallSpec, flags: &Expr) -> Result<bool, Stop> {
        match flags {
            e if int(e) == Some(0) => Ok(false),
            Expr::Ident(f) if f == "MSG_MORE" => Ok(true),
            e => Err(self.unsupported(s, format!("flags {e:?}"))),
        }
    }

    /// `sendmsg(fd, {msg_name(...)=..., msg_iov(N)=[{..., len}...],
    /// msg_flags=0}, flags)`: the iovecs' lengths in one write (no
    /// ancillary data).
    fn sys_sendmsg(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let fd = self.fd_arg(s)?;
        let Expr::Struct(fields) = self.arg(s, 1)? else {
            return Err(self.unsupported(s, "a msghdr that is not a struct"));
        };
        let mut n = 0usize;
        for (name, value) in fields {
            match (name.split('(').next().unwrap_or(""), value) {
                ("msg_name", _) => {}
                ("msg_iov", Expr::List(iovs)) => {
                    for iov in iovs {
                        let len = match iov {
                            Expr::Struct(f) if f.len() == 2 => int(&f[1].1),
                            _ => None,
                        };
                        let Some(len) = len.and_then(|l| usize::try_from(l).ok()) else {
                            return Err(self.unsupported(s, format!("iovec {iov:?}")));
                        };
                        n = n.saturating_add(len);
                    }
                }
                ("msg_flags", v) if int(v) == Some(0) => {}
                _ => return Err(self.unsupported(s, format!("msghdr field {name}"))),
            }
        }
        let more = self.send_flags(s, self.arg(s, 2)?)?;
        let (c, nonblocking) = match self.conn_of(fd) {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        self.write_to(c, nonblocking, n, more)
    }

    fn sys_read(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let (c, nonblocking, n, _) = match self.io_args(s)? {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        // After shutdown(SHUT_RD) what is buffered (or still arrives) is
        // read as before; an empty buffer is the end of the stream.
        let read_shut = self
            .fd_arg(s)
            .ok()
            .and_then(|fd| self.fds.get(&fd))
            .is_some_and(|k| k.read_shut);
        let now = self.now;
        // A read returns at most what the buffer holds: no bigger buffer
        // is needed, whatever length the script asks for.
        let mut buf = vec![0u8; n.min(MAX_IO)];
        let ep = self.ep.as_mut().expect("socket() made the endpoint");
        Ok(match ep.recv(now, c, &mut buf) {
            Ok(k) => Ok(k as i64),
            Err(Error::WouldBlock) if read_shut => Ok(0),
            Err(Error::WouldBlock) if !nonblocking => return Err(Stop::Block(Wait::Retry)),
            Err(Error::InvalidState) => Err("ENOTCONN"),
            Err(Error::Closed) => Ok(0),
            Err(e) => Err(errno_of(e)),
        })
    }

    fn sys_write(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let (c, nonblocking, n, more) = match self.io_args(s)? {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        self.write_to(c, nonblocking, n, more)
    }

    /// Writes `n` bytes to `c`, blocking unless `nonblocking`.
    fn write_to(
        &mut self,
        c: ConnId,
        nonblocking: bool,
        n: usize,
        more: bool,
    ) -> Result<Ret, Stop> {
        let now = self.now;
        let ep = self.ep.as_mut().expect("socket() made the endpoint");
        Ok(match send_zeros(ep, now, c, n, more) {
            Ok(k) if k < n && !nonblocking => {
                return Err(Stop::Block(Wait::Write {
                    conn: c,
                    n,
                    left: n - k,
                }));
            }
            Ok(k) => Ok(k as i64),
            Err(Error::WouldBlock) if !nonblocking => {
                return Err(Stop::Block(Wait::Write {
                    conn: c,
                    n,
                    left: n,
                }));
            }
            Err(Error::InvalidState) => Err("ENOTCONN"),
            Err(e) => Err(errno_of(e)),
        })
    }

    fn sys_fcntl(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let nonblock = if self.linux() {
            O_NONBLOCK_LINUX
        } else {
            O_NONBLOCK
        };
        let fd = self.fd_arg(s)?;
        let cmd = self.arg(s, 1)?;
        let Some(sock) = self.fds.get_mut(&fd) else {
            return Ok(Err("EBADF"));
        };
        match ident(cmd) {
            Some("F_GETFL") => Ok(Ok(O_RDWR | if sock.nonblocking { nonblock } else { 0 })),
            Some("F_SETFL") => {
                let flags = match s.args.get(2) {
                    // The symbol means the same on either system.
                    Some(e) if mentions(e, "O_NONBLOCK") => Some(nonblock),
                    e => e.and_then(int),
                };
                let Some(flags) = flags else {
                    return Err(Stop::skip(self.line, "fcntl(F_SETFL) flags"));
                };
                sock.nonblocking = flags & nonblock != 0;
                Ok(Ok(0))
            }
            _ => Err(Stop::skip(self.line, format!("fcntl command {cmd:?}"))),
        }
    }
}
