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
pub(super) fn send_zeros(
    ep: &mut synack_core::Endpoint,
    now: synack_core::Instant,
    conn: ConnId,
    n: usize,
) -> Result<usize, Error> {
    static ZEROS: [u8; 65536] = [0; 65536];
    let mut sent = 0;
    while sent < n {
        let chunk = (n - sent).min(ZEROS.len());
        match ep.send(now, conn, &ZEROS[..chunk]) {
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
type IoArgs = (ConnId, bool, usize);

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
fn int(e: &Expr) -> Option<i64> {
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

fn ident(e: &Expr) -> Option<&str> {
    match e {
        Expr::Ident(s) => Some(s),
        _ => None,
    }
}

impl Runner {
    fn arg<'a>(&self, s: &'a SyscallSpec, i: usize) -> Result<&'a Expr, Stop> {
        s.args.get(i).ok_or_else(|| {
            Stop::skip(
                self.line,
                format!("{}() with {} arguments", s.name, s.args.len()),
            )
        })
    }

    fn fd_arg(&self, s: &SyscallSpec) -> Result<i32, Stop> {
        let e = self.arg(s, 0)?;
        int(e)
            .map(|v| v as i32)
            .ok_or_else(|| Stop::skip(self.line, format!("{}() on {e:?}", s.name)))
    }

    fn unsupported(&self, s: &SyscallSpec, what: impl core::fmt::Display) -> Stop {
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

    fn sock(&self, fd: i32) -> Result<&Socket, &'static str> {
        self.fds.get(&fd).ok_or("EBADF")
    }

    fn sys_socket(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        if self.arg(s, 1).ok().and_then(ident) != Some("SOCK_STREAM") {
            return Err(self.unsupported(s, "only SOCK_STREAM sockets"));
        }
        let fd = (3..).find(|fd| !self.fds.contains_key(fd)).unwrap_or(3);
        self.ep();
        self.fds.insert(
            fd,
            Socket {
                kind: Kind::Fresh { bound: false },
                nonblocking: false,
                linger_zero: false,
                nodelay: false,
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
        ep.set_tcp_config(cfg);
        let r = ep.listen(local, backlog);
        ep.set_tcp_config(self.cfg.clone());
        match r {
            Ok(id) => {
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
                let new_fd = (3..).find(|fd| !self.fds.contains_key(fd)).unwrap_or(3);
                self.fds.insert(
                    new_fd,
                    Socket {
                        kind: Kind::Conn(conn),
                        nonblocking: false,
                        linger_zero: false,
                        nodelay: false,
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
        let (cfg, bound, nonblocking, nodelay) = match self.sock(fd) {
            Ok(Socket {
                kind: Kind::Fresh { bound },
                cfg,
                nonblocking,
                nodelay,
                ..
            }) => (cfg.clone(), *bound, *nonblocking, *nodelay),
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

    fn conn_of(&self, fd: i32) -> Result<(ConnId, bool), &'static str> {
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
        // send/recv/sendto/recvfrom: only no flags are understood.
        if matches!(s.name.as_str(), "send" | "recv" | "sendto" | "recvfrom")
            && let Some(flags) = s.args.get(3)
            && int(flags) != Some(0)
        {
            return Err(self.unsupported(s, format!("flags {flags:?}")));
        }
        let conn = self.conn_of(fd);
        // A NULL buffer is a bad address, on every system.
        if conn.is_ok() && n > 0 && s.args.get(1).and_then(ident) == Some("NULL") {
            return Ok(Err("EFAULT"));
        }
        Ok(conn.map(|(c, nb)| (c, nb, n)))
    }

    fn sys_read(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let (c, nonblocking, n) = match self.io_args(s)? {
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
        let (c, nonblocking, n) = match self.io_args(s)? {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        let now = self.now;
        let ep = self.ep.as_mut().expect("socket() made the endpoint");
        Ok(match send_zeros(ep, now, c, n) {
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

    /// `ioctl(fd, SIOCINQ | FIONREAD, [N])`: the bytes readable now
    /// (in order, not yet read; a FIN counts nothing).
    fn sys_ioctl(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let fd = self.fd_arg(s)?;
        let request = ident(self.arg(s, 1)?).unwrap_or("?");
        if !matches!(request, "SIOCINQ" | "FIONREAD") {
            return Err(self.unsupported(s, format!("request {request}")));
        }
        let want = match self.arg(s, 2)? {
            Expr::List(items) if items.len() == 1 => int(&items[0]),
            _ => None,
        };
        let Some(want) = want else {
            return Err(self.unsupported(s, "an argument other than [N]"));
        };
        let (c, _) = match self.conn_of(fd) {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        let got = self
            .ep
            .as_ref()
            .and_then(|ep| ep.connection(c).ok())
            .map_or(0, |conn| conn.recv_buffered() as i64);
        if got != want {
            return Err(Stop::fail(
                self.line,
                format!("{request} = {want}"),
                format!("{got} bytes readable"),
            ));
        }
        Ok(Ok(0))
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

    /// SO_ERROR as FreeBSD reports it: the error that ended the
    /// connection, once.
    fn so_error(&mut self, fd: i32) -> Result<i64, &'static str> {
        let conn = match self.sock(fd)? {
            Socket {
                kind: Kind::Conn(c),
                ..
            } => Some(*c),
            _ => None,
        };
        let pending = conn
            .and_then(|c| self.ep.as_ref()?.connection(c).ok())
            .and_then(|conn| conn.error());
        let sock = self.fds.get_mut(&fd).ok_or("EBADF")?;
        let code = pending.and_then(|e| errno_value(errno_of(e))).unwrap_or(0);
        if code == 0 || sock.error_taken {
            return Ok(0);
        }
        sock.error_taken = true;
        Ok(code)
    }

    fn sys_getsockopt(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let fd = self.fd_arg(s)?;
        let name = self.arg(s, 2)?;
        let want = self.arg(s, 3)?;
        let name = ident(name).unwrap_or("?").to_string();
        let got: Result<i64, &'static str> = match name.as_str() {
            "SO_ERROR" => self.so_error(fd),
            "SO_RCVBUF" | "SO_SNDBUF" => {
                let rcv = name == "SO_RCVBUF";
                match self.sock(fd) {
                    Ok(Socket {
                        kind: Kind::Conn(c),
                        cfg,
                        ..
                    }) => {
                        let conn = self.ep.as_ref().and_then(|ep| ep.connection(*c).ok());
                        Ok(match (conn, rcv) {
                            (Some(conn), true) => conn.recv_buffer_size(),
                            (Some(conn), false) => conn.send_buffer_size(),
                            (None, true) => cfg.recv_buffer,
                            (None, false) => cfg.send_buffer,
                        } as i64)
                    }
                    Ok(sock) => Ok(if rcv {
                        sock.cfg.recv_buffer
                    } else {
                        sock.cfg.send_buffer
                    } as i64),
                    Err(e) => Err(e),
                }
            }
            "TCP_NODELAY" => self.sock(fd).map(|s| i64::from(s.nodelay)),
            "SO_KEEPALIVE" => self.sock(fd).map(|s| i64::from(s.cfg.keepalive)),
            "TCP_KEEPIDLE" => self.sock(fd).map(|s| s.cfg.keepalive_idle.as_secs() as i64),
            "TCP_KEEPINTVL" => self
                .sock(fd)
                .map(|s| s.cfg.keepalive_interval.as_secs() as i64),
            "TCP_KEEPCNT" => self.sock(fd).map(|s| i64::from(s.cfg.keepalive_probes)),
            // Linux: the MSS segments are sent with (options other than
            // the fixed ones excluded), or before a connection the value
            // set, else TCP_MSS_DEFAULT (536).
            "TCP_MAXSEG" => match self.sock(fd) {
                Ok(Socket {
                    kind: Kind::Conn(c),
                    ..
                }) => Ok(self
                    .ep
                    .as_ref()
                    .and_then(|ep| ep.connection(*c).ok())
                    .map_or(536, |conn| conn.payload_mss() as i64)),
                Ok(sock) => Ok(sock.user_mss.unwrap_or(536)),
                Err(e) => Err(e),
            },
            other => return Err(Stop::skip(self.line, format!("getsockopt {other}"))),
        };
        match got {
            Err(e) => Ok(Err(e)),
            Ok(v) => {
                let want_v = match want {
                    Expr::List(items) if items.len() == 1 => match &items[0] {
                        Expr::Int(n) => Some(*n),
                        Expr::Ident(e) => errno_value(e),
                        _ => None,
                    },
                    _ => None,
                };
                let Some(want_v) = want_v else {
                    return Err(Stop::skip(self.line, format!("getsockopt value {want:?}")));
                };
                if v != want_v {
                    let shown = errno_name(v).map_or(v.to_string(), str::to_string);
                    let want_shown = errno_name(want_v).map_or(want_v.to_string(), str::to_string);
                    return Err(Stop::fail(
                        self.line,
                        format!("getsockopt({name}) = [{want_shown}]"),
                        format!("[{shown}]"),
                    ));
                }
                Ok(Ok(0))
            }
        }
    }

    /// The settings of a socket neither listening nor connected yet (the
    /// only ones buffer and keep-alive options may still change).
    fn fresh_cfg(&mut self, fd: i32) -> Option<&mut Config> {
        match self.fds.get_mut(&fd)? {
            Socket {
                kind: Kind::Fresh { .. },
                cfg,
                ..
            } => Some(cfg),
            _ => None,
        }
    }

    fn sys_setsockopt(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let fd = self.fd_arg(s)?;
        let name = ident(self.arg(s, 2)?).unwrap_or("?").to_string();
        let value = self.arg(s, 3)?.clone();
        if !self.fds.contains_key(&fd) {
            return Ok(Err("EBADF"));
        }
        match name.as_str() {
            "SO_REUSEADDR" | "SO_REUSEPORT" => Ok(Ok(0)),
            // The MSS to announce (and the largest to send with): synack
            // derives both from the MTU.
            "TCP_MAXSEG" => {
                let v = int(&value).unwrap_or(0);
                if !(88..=65_495).contains(&v) {
                    return Ok(Err("EINVAL"));
                }
                let headers = if self.v6 { 60 } else { 40 };
                let Some(c) = self.fresh_cfg(fd) else {
                    return Err(self.unsupported(s, "TCP_MAXSEG after listen/connect"));
                };
                c.mtu = v as usize + headers;
                if let Some(sock) = self.fds.get_mut(&fd) {
                    sock.user_mss = Some(v);
                }
                Ok(Ok(0))
            }
            "SO_LINGER" => {
                let Expr::Struct(fields) = &value else {
                    return Err(self.unsupported(s, "SO_LINGER without a struct"));
                };
                let get = |names: &[&str]| {
                    fields
                        .iter()
                        .find(|(n, _)| names.contains(&n.as_str()))
                        .and_then(|(_, v)| int(v))
                };
                let onoff = get(&["onoff", "l_onoff"]).unwrap_or(0);
                let linger = get(&["linger", "l_linger"]).unwrap_or(0);
                if onoff != 0 && linger != 0 {
                    return Err(self.unsupported(s, "SO_LINGER with a non-zero timeout"));
                }
                if let Some(sock) = self.fds.get_mut(&fd) {
                    sock.linger_zero = onoff != 0;
                }
                Ok(Ok(0))
            }
            "TCP_NODELAY" => {
                let on = int(&value).unwrap_or(0) != 0;
                if let Some(sock) = self.fds.get_mut(&fd) {
                    sock.nodelay = on;
                    if let Kind::Conn(c) = sock.kind
                        && let Some(ep) = self.ep.as_mut()
                    {
                        let _ = ep.set_nodelay(c, on);
                    }
                }
                Ok(Ok(0))
            }
            "SO_KEEPALIVE" => {
                let on = int(&value).unwrap_or(0) != 0;
                let now = self.now;
                if let Some(sock) = self.fds.get_mut(&fd) {
                    sock.cfg.keepalive = on;
                    if let Kind::Conn(c) = sock.kind
                        && let Some(ep) = self.ep.as_mut()
                    {
                        let _ = ep.set_keepalive(now, c, on);
                    }
                }
                Ok(Ok(0))
            }
            "TCP_KEEPIDLE" | "TCP_KEEPINTVL" | "TCP_KEEPCNT" | "SO_RCVBUF" | "SO_SNDBUF" => {
                let mut v = int(&value).unwrap_or(0).max(1) as u64;
                if name == "SO_SNDBUF" && self.linux() {
                    // Linux doubles the value (room for its bookkeeping),
                    // and tcp_wmem, which synack's send buffer follows,
                    // is counted the same way.
                    v = v.saturating_mul(2).min(1 << 30);
                    // An open connection's buffer cannot be resized: a
                    // request to grow it is taken (a write that needs the
                    // larger buffer then fails visibly), one to shrink
                    // it is a skip.
                    if let Some(Socket {
                        kind: Kind::Conn(c),
                        ..
                    }) = self.fds.get(&fd)
                        && let Some(conn) = self.ep.as_ref().and_then(|ep| ep.connection(*c).ok())
                    {
                        return if v >= conn.send_buffer_size() as u64 {
                            Ok(Ok(0))
                        } else {
                            Err(self
                                .unsupported(s, "SO_SNDBUF shrinking an open connection's buffer"))
                        };
                    }
                }
                let Some(c) = self.fresh_cfg(fd) else {
                    return Err(self.unsupported(s, format!("{name} after listen/connect")));
                };
                let secs = core::time::Duration::from_secs(v);
                match name.as_str() {
                    "TCP_KEEPIDLE" => c.keepalive_idle = secs,
                    "TCP_KEEPINTVL" => c.keepalive_interval = secs,
                    "TCP_KEEPCNT" => c.keepalive_probes = v as u32,
                    "SO_RCVBUF" => c.recv_buffer = v as usize,
                    _ => c.send_buffer = v as usize,
                }
                Ok(Ok(0))
            }
            other => Err(self.unsupported(s, format!("option {other}"))),
        }
    }
}

/// FreeBSD's values of the errno names scripts read back with SO_ERROR.
const SO_ERRNOS: [(&str, i64); 3] = [("ECONNRESET", 54), ("ECONNREFUSED", 61), ("ETIMEDOUT", 60)];

fn errno_value(name: &str) -> Option<i64> {
    SO_ERRNOS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

fn errno_name(v: i64) -> Option<&'static str> {
    SO_ERRNOS.iter().find(|(_, x)| *x == v).map(|&(n, _)| n)
}
