//! Socket options and `ioctl`: `getsockopt`/`setsockopt` for what a
//! userspace stack can honestly report or change, `SO_ERROR` as FreeBSD
//! reports it, and `ioctl(SIOCINQ)`.

use super::syscalls::{Kind, Ret, Socket, errno_of, ident, int};
use super::{Runner, Stop};
use crate::ast::{Expr, SyscallSpec};
use synack_core::Config;

impl Runner {
    /// `ioctl(fd, SIOCINQ | FIONREAD, [N])`: the bytes readable now
    /// (in order, not yet read; a FIN counts nothing).
    pub(super) fn sys_ioctl(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
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

    pub(super) fn sys_getsockopt(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
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
            "TCP_CORK" => self.sock(fd).map(|s| i64::from(s.cork)),
            "IP_TOS" | "IPV6_TCLASS" => self.sock(fd).map(|s| i64::from(s.cfg.dscp << 2)),
            "SO_KEEPALIVE" => self.sock(fd).map(|s| i64::from(s.cfg.keepalive)),
            "TCP_USER_TIMEOUT" => self
                .sock(fd)
                .map(|s| s.cfg.user_timeout.map_or(0, |t| t.as_millis() as i64)),
            "TCP_KEEPIDLE" => self.sock(fd).map(|s| s.cfg.keepalive_idle.as_secs() as i64),
            "TCP_KEEPINTVL" => self
                .sock(fd)
                .map(|s| s.cfg.keepalive_interval.as_secs() as i64),
            "TCP_KEEPCNT" => self.sock(fd).map(|s| i64::from(s.cfg.keepalive_probes)),
            "TCP_KEEPINIT" => self
                .sock(fd)
                .map(|s| s.cfg.connect_timeout.map_or(0, |t| t.as_secs() as i64)),
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

    /// The settings of a socket not connected (yet): a fresh one's, or a
    /// listener's, which pass to the connections it accepts from then on
    /// (the only sockets whose buffer, MSS and keep-alive settings may
    /// still change).
    fn fresh_cfg(&mut self, fd: i32) -> Option<&mut Config> {
        match self.fds.get_mut(&fd)? {
            Socket {
                kind: Kind::Fresh { .. } | Kind::Listener(_),
                cfg,
                ..
            } => Some(cfg),
            _ => None,
        }
    }

    pub(super) fn sys_setsockopt(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
        let r = self.set_option(s)?;
        // A listening socket's options pass to the connections it accepts
        // from now on, as Linux's and FreeBSD's children inherit them.
        if let Ok(fd) = self.fd_arg(s)
            && let Some(Socket {
                kind: Kind::Listener(l),
                cfg,
                ..
            }) = self.fds.get(&fd)
            && let Some(ep) = self.ep.as_mut()
        {
            let _ = ep.set_listener_config(*l, cfg.clone());
        }
        Ok(r)
    }

    fn set_option(&mut self, s: &SyscallSpec) -> Result<Ret, Stop> {
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
                    return Err(self.unsupported(s, "TCP_MAXSEG after connect"));
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
            // The DS field (the ECN bits stay the stack's); a listening
            // socket's passes to its connections, SYN-ACK included.
            "IP_TOS" | "IPV6_TCLASS" => {
                let Some(tos) = int(&value).and_then(|v| u8::try_from(v).ok()) else {
                    return Ok(Err("EINVAL"));
                };
                if let Some(sock) = self.fds.get_mut(&fd) {
                    sock.cfg.dscp = tos >> 2;
                    if let Kind::Conn(c) = sock.kind
                        && let Some(ep) = self.ep.as_mut()
                    {
                        let _ = ep.set_tos(c, tos);
                    }
                }
                Ok(Ok(0))
            }
            // DONT: no DF, "fragmentation needed" ignored; WANT and DO: DF
            // (TCP never fragments locally); PROBE is not path MTU
            // discovery's rules.
            "IP_MTU_DISCOVER" | "IPV6_MTU_DISCOVER" => {
                let on = match int(&value) {
                    Some(0) => false,
                    Some(1 | 2) => true,
                    Some(3) => return Err(self.unsupported(s, "IP_PMTUDISC_PROBE")),
                    _ => return Ok(Err("EINVAL")),
                };
                if let Some(sock) = self.fds.get_mut(&fd) {
                    sock.cfg.path_mtu_discovery = on;
                    if let Kind::Conn(c) = sock.kind
                        && let Some(ep) = self.ep.as_mut()
                    {
                        let _ = ep.set_path_mtu_discovery(c, on);
                    }
                }
                Ok(Ok(0))
            }
            "TCP_CORK" => {
                let on = int(&value).unwrap_or(0) != 0;
                if let Some(sock) = self.fds.get_mut(&fd) {
                    sock.cork = on;
                    if let Kind::Conn(c) = sock.kind
                        && let Some(ep) = self.ep.as_mut()
                    {
                        let _ = ep.set_cork(c, on);
                    }
                }
                Ok(Ok(0))
            }
            // Milliseconds; 0 turns it off (Linux's `tcp_sock_set_user_timeout`,
            // negative values are EINVAL).
            "TCP_USER_TIMEOUT" => {
                let Some(ms) = int(&value).and_then(|v| u64::try_from(v).ok()) else {
                    return Ok(Err("EINVAL"));
                };
                let timeout = (ms > 0).then(|| core::time::Duration::from_millis(ms));
                if let Some(sock) = self.fds.get_mut(&fd) {
                    sock.cfg.user_timeout = timeout;
                    if let Kind::Conn(c) = sock.kind
                        && let Some(ep) = self.ep.as_mut()
                    {
                        let _ = ep.set_user_timeout(c, timeout);
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
            "TCP_KEEPINIT" => {
                let v = int(&value).unwrap_or(0).max(0) as u64;
                // FreeBSD: 0 means the system's keepinit again.
                let system = self.cfg.connect_timeout;
                let Some(c) = self.fresh_cfg(fd) else {
                    return Err(self.unsupported(s, "TCP_KEEPINIT after listen/connect"));
                };
                c.connect_timeout = if v == 0 {
                    system
                } else {
                    Some(core::time::Duration::from_secs(v))
                };
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
                    return Err(self.unsupported(s, format!("{name} after connect")));
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

/// FreeBSD's values (`sys/errno.h`) of the errno names scripts read back
/// with SO_ERROR.
const SO_ERRNOS: [(&str, i64); 6] = [
    ("ECONNRESET", 54),
    ("ECONNREFUSED", 61),
    ("ETIMEDOUT", 60),
    ("EHOSTUNREACH", 65),
    ("ENETUNREACH", 51),
    ("ENOPROTOOPT", 42),
];

fn errno_value(name: &str) -> Option<i64> {
    SO_ERRNOS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

fn errno_name(v: i64) -> Option<&'static str> {
    SO_ERRNOS.iter().find(|(_, x)| *x == v).map(|&(n, _)| n)
}
