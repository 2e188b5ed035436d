//! The endpoint's public face: construction and the application's calls.

use super::cookies::CookieJar;
use super::filter::ListenFilter;
use super::listener::{ListenOptions, Listener, ListenerSlot};
use super::table::{ConnTable, Found, FourTuple};
use super::timer_queue::TimerQueue;
use super::{ConnId, Event, ListenerId, Stats};
use crate::config::EndpointConfig;
use crate::conn::{ConnParams, Connection, Ctx, State, Tracer};
use crate::error::Error;
use crate::isn::IsnGenerator;
use crate::time::Instant;
use crate::trace::TraceEvent;
use crate::wire::{IpRepr, TcpRepr};
use core::net::{IpAddr, SocketAddr};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Upper bound on queued stateless segments (RSTs for segments that
/// matched nothing, SYN cookie SYN-ACKs); beyond it they are not sent (a
/// flood must not grow memory).
pub(super) const MAX_QUEUED_CONTROL: usize = 1024;

/// A TCP endpoint: one host's TCP. See the crate docs for the calling order.
#[derive(Debug)]
pub struct Endpoint {
    pub(super) config: EndpointConfig,
    pub(super) isn: IsnGenerator,
    pub(super) conns: ConnTable,
    pub(super) listeners: Vec<ListenerSlot>,
    pub(super) listen_map: HashMap<(IpAddr, u16), ListenerId>,
    /// Catch-all listeners, tried in order when no exact one matches.
    pub(super) catch_all: Vec<(ListenFilter, ListenerId)>,
    pub(super) ready: VecDeque<u32>,
    /// See [`Endpoint::answer_due`].
    pub(super) answer_due: bool,
    pub(super) timers: TimerQueue,
    pub(super) events: VecDeque<Event>,
    pub(super) tracer: Tracer,
    pub(super) stats: Stats,
    /// Segments sent on behalf of no connection: RSTs and SYN cookie
    /// SYN-ACKs.
    pub(super) control_queue: VecDeque<(IpRepr, TcpRepr)>,
    pub(super) cookies: CookieJar,
    pub(super) next_port: u16,
    /// `config.tcp` as new connections share it (one copy, not one per
    /// connection).
    pub(super) conn_config: Arc<crate::config::Config>,
}

impl Endpoint {
    /// A new endpoint with no connections.
    pub fn new(config: EndpointConfig) -> Self {
        let tracer = Tracer {
            enabled: config.trace,
            queue: VecDeque::new(),
        };
        Endpoint {
            isn: IsnGenerator::new(config.secret),
            cookies: CookieJar::new(config.secret),
            conns: ConnTable::new(config.secret),
            next_port: first_ephemeral_port(&config),
            conn_config: Connection::shared_config(&config.tcp),
            config,
            listeners: Vec::new(),
            listen_map: HashMap::new(),
            catch_all: Vec::new(),
            ready: VecDeque::new(),
            answer_due: false,
            timers: TimerQueue::default(),
            events: VecDeque::new(),
            tracer,
            stats: Stats::default(),
            control_queue: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EndpointConfig {
        &self.config
    }

    /// Replaces the per-connection settings; connections opened from now
    /// on use them (existing ones keep theirs).
    pub fn set_tcp_config(&mut self, tcp: crate::config::Config) {
        self.conn_config = Connection::shared_config(&tcp);
        self.config.tcp = tcp;
    }

    /// Sets when listeners answer with SYN cookies (from the next SYN on).
    pub fn set_syn_cookies(&mut self, mode: crate::config::SynCookies) {
        self.config.syn_cookies = mode;
    }

    /// Turns trace recording on or off.
    pub fn set_trace(&mut self, on: bool) {
        self.tracer.enabled = on;
        self.config.trace = on;
    }

    pub(super) fn is_ours(&self, ip: IpAddr) -> bool {
        self.config.addresses.is_empty() || self.config.addresses.contains(&ip)
    }

    /// Listens on `local` (port must be non-zero; address must be ours or
    /// unspecified) with room for `backlog` connections in the SYN and accept
    /// queues together.
    pub fn listen(&mut self, local: SocketAddr, backlog: usize) -> Result<ListenerId, Error> {
        self.listen_with(local, ListenOptions::backlog(backlog))
    }

    /// [`Endpoint::listen`] with every option ([`ListenOptions`]).
    pub fn listen_with(
        &mut self,
        local: SocketAddr,
        options: ListenOptions,
    ) -> Result<ListenerId, Error> {
        if local.port() == 0 {
            return Err(Error::InvalidArgument);
        }
        if !local.ip().is_unspecified() && !self.is_ours(local.ip()) {
            return Err(Error::AddrNotAvailable);
        }
        let key = (local.ip(), local.port());
        if self.listen_map.contains_key(&key) {
            return Err(Error::AddrInUse);
        }
        let id = self.new_listener(Listener::new(local, None, options))?;
        self.listen_map.insert(key, id);
        Ok(id)
    }

    /// A catch-all listener: it takes connections to any destination
    /// `filter` matches, our addresses or not (a tun2socks relay accepts
    /// whatever enters its device). Each accepted connection's local
    /// address is the destination the client dialled. Exact listeners
    /// ([`Endpoint::listen`]) are tried first, then catch-alls in the order
    /// they were made. Packets to a destination no listener or connection
    /// takes are still dropped as not ours.
    pub fn listen_catch_all(
        &mut self,
        filter: ListenFilter,
        options: ListenOptions,
    ) -> Result<ListenerId, Error> {
        let any = SocketAddr::new(core::net::Ipv4Addr::UNSPECIFIED.into(), 0);
        let id = self.new_listener(Listener::new(any, Some(filter.clone()), options))?;
        self.catch_all.push((filter, id));
        Ok(id)
    }

    fn new_listener(&mut self, listener: Listener) -> Result<ListenerId, Error> {
        let index = match self.listeners.iter().position(|s| s.listener.is_none()) {
            Some(i) => i,
            None => {
                self.listeners.push(ListenerSlot::default());
                self.listeners.len() - 1
            }
        };
        let index_u32 = u32::try_from(index).map_err(|_| Error::OutOfResources)?;
        let slot = &mut self.listeners[index];
        slot.listener = Some(listener);
        Ok(ListenerId {
            index: index_u32,
            generation: slot.generation,
        })
    }

    /// The catch-all listener for a destination, if one takes it.
    pub(super) fn catch_all_for(&self, local: SocketAddr) -> Option<ListenerId> {
        self.catch_all
            .iter()
            .find(|(f, _)| f.matches(local.ip(), local.port()))
            .map(|&(_, id)| id)
    }

    /// The address a listener listens on.
    pub fn listener_addr(&self, listener: ListenerId) -> Result<SocketAddr, Error> {
        self.listener(listener).map(|l| l.local)
    }

    pub(super) fn listener(&self, l: ListenerId) -> Result<&Listener, Error> {
        self.listeners
            .get(l.index as usize)
            .filter(|s| s.generation == l.generation)
            .and_then(|s| s.listener.as_ref())
            .ok_or(Error::InvalidHandle)
    }

    pub(super) fn listener_mut(&mut self, l: ListenerId) -> Option<&mut Listener> {
        self.listeners
            .get_mut(l.index as usize)
            .filter(|s| s.generation == l.generation)
            .and_then(|s| s.listener.as_mut())
    }

    /// Takes the next established connection from a listener's accept queue.
    pub fn accept(&mut self, listener: ListenerId) -> Result<ConnId, Error> {
        self.take_queued(listener, |l| &mut l.accept_queue)
    }

    /// Takes the next held SYN from a listener that holds them
    /// ([`ListenOptions::hold_syns`]): the connection, still in
    /// SYN-RECEIVED and silent, is the application's from now on (its
    /// addresses: [`Endpoint::addrs`]). Decide with [`Endpoint::admit`],
    /// [`Endpoint::refuse`], or [`Endpoint::abort`] to drop it silently.
    pub fn take_syn(&mut self, listener: ListenerId) -> Result<ConnId, Error> {
        self.take_queued(listener, |l| &mut l.held_queue)
    }

    /// Pops a live entry of one of a listener's queues; the connection
    /// leaves the listener for the application.
    fn take_queued(
        &mut self,
        listener: ListenerId,
        queue: impl Fn(&mut Listener) -> &mut std::collections::VecDeque<ConnId>,
    ) -> Result<ConnId, Error> {
        self.listener(listener)?;
        loop {
            let l = self.listener_mut(listener).ok_or(Error::InvalidHandle)?;
            let Some(id) = queue(l).pop_front() else {
                return Err(Error::WouldBlock);
            };
            // Every entry held a place in the backlog until now.
            l.pending = l.pending.saturating_sub(1);
            let slot = &mut self.conns.slots[id.index as usize];
            if slot.generation != id.generation {
                continue; // died while queued
            }
            if let Some(c) = slot.conn.as_mut()
                && c.listener == Some(listener)
            {
                c.listener = None;
                c.queued_for_accept = false;
                c.app_owned = true;
                return Ok(id);
            }
        }
    }

    /// Admits a held SYN ([`Endpoint::take_syn`]): the SYN-ACK goes out and
    /// the handshake goes on; [`EventKind::Connected`](super::EventKind)
    /// follows when it completes. `InvalidState` if the connection is not
    /// held.
    pub fn admit(&mut self, now: Instant, conn: ConnId) -> Result<(), Error> {
        self.with_app_conn(now, conn, |c, _| c.admit())?
    }

    /// Refuses a held SYN with an RST, as a closed port would (the client
    /// sees "connection refused"); the handle is released.
    /// `InvalidState` if the connection is not held.
    pub fn refuse(&mut self, now: Instant, conn: ConnId) -> Result<(), Error> {
        self.with_app_conn(now, conn, |c, ctx| c.refuse(ctx))?
    }

    /// Connections `listener` opens from now on use `tcp` instead of the
    /// endpoint's settings ([`Endpoint::set_tcp_config`]): as a listening
    /// socket's options pass to the connections it accepts (its buffer
    /// sizes, MSS, keep-alive...).
    pub fn set_listener_config(
        &mut self,
        listener: ListenerId,
        tcp: crate::config::Config,
    ) -> Result<(), Error> {
        let l = self.listener_mut(listener).ok_or(Error::InvalidHandle)?;
        l.config = Some(Connection::shared_config(&tcp));
        Ok(())
    }

    /// The settings connections of `listener` start with.
    pub(super) fn listener_config(&self, listener: ListenerId) -> Arc<crate::config::Config> {
        self.listener(listener)
            .ok()
            .and_then(|l| l.config.clone())
            .unwrap_or_else(|| Arc::clone(&self.conn_config))
    }

    /// Stops listening; connections not yet accepted are reset.
    pub fn close_listener(&mut self, now: Instant, listener: ListenerId) -> Result<(), Error> {
        let l = self.listener(listener)?;
        let key = (l.local.ip(), l.local.port());
        if l.filter.is_some() {
            self.catch_all.retain(|&(_, id)| id != listener);
        } else {
            self.listen_map.remove(&key);
        }
        // Reset every embryonic or queued connection of this listener.
        let owned: Vec<u32> = self
            .conns
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.conn
                    .as_ref()
                    .is_some_and(|c| c.listener == Some(listener))
            })
            .map(|(i, _)| i as u32)
            .collect();
        for i in owned {
            self.with_conn_index(now, i, |c, ctx| {
                c.listener = None;
                c.abort(ctx)
            });
        }
        let slot = &mut self.listeners[listener.index as usize];
        slot.listener = None;
        slot.generation = slot.generation.wrapping_add(1);
        Ok(())
    }

    /// Active open from `local` (port 0 picks an ephemeral port; an
    /// unspecified address picks this endpoint's first address of the
    /// remote's family) to `remote`.
    pub fn connect(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Result<ConnId, Error> {
        // RFC 1122 4.2.3.10: an OPEN to a broadcast or multicast address is
        // an error.
        if remote.port() == 0
            || !super::dispatch::is_unicast(remote.ip())
            || local.is_ipv4() != remote.is_ipv4()
        {
            return Err(Error::InvalidArgument);
        }
        let local_ip = if local.ip().is_unspecified() {
            self.config
                .addresses
                .iter()
                .copied()
                .find(|a| a.is_ipv4() == remote.is_ipv4())
                .ok_or(Error::AddrNotAvailable)?
        } else if self.is_ours(local.ip()) {
            local.ip()
        } else {
            return Err(Error::AddrNotAvailable);
        };
        if self.conns.live >= self.config.max_connections {
            return Err(Error::OutOfResources);
        }
        let local = if local.port() == 0 {
            self.ephemeral(now, local_ip, remote)?
        } else {
            let l = SocketAddr::new(local_ip, local.port());
            if self.conns.find(&(l, remote)).is_some() {
                return Err(Error::AddrInUse);
            }
            l
        };
        let id = self.open_connection(now, local, remote, None, Connection::connect);
        self.stats.active_opens += 1;
        Ok(id)
    }

    /// Creates a connection in a fresh slot with `open` (active or passive
    /// open: the ISN comes from RFC 6528's generator), lists it in the
    /// 4-tuple table and does the bookkeeping.
    pub(super) fn open_connection(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        cfg: Option<&Arc<crate::config::Config>>,
        open: impl FnOnce(&mut Ctx<'_>, ConnParams<'_>) -> Connection,
    ) -> ConnId {
        let iss = self.isn.isn(now, local, remote);
        let (index, generation) = self.conns.reserve();
        let id = ConnId { index, generation };
        let params = ConnParams {
            id,
            local,
            remote,
            iss,
            ts_offset: self.isn.ts_offset(local, remote),
            ttl: self.config.ttl,
            cfg: cfg.unwrap_or(&self.conn_config),
        };
        let mut ctx = Ctx {
            now,
            events: &mut self.events,
            trace: &mut self.tracer,
            stats: &mut self.stats,
        };
        let conn = open(&mut ctx, params);
        self.install(index, conn);
        self.after(index);
        id
    }

    /// Picks a free ephemeral port for `local_ip` -> `remote`. A tuple still
    /// in TIME-WAIT is reused when the new ISN is beyond everything the old
    /// incarnation sent (RFC 6191's condition, as Linux's tcp_tw_reuse).
    fn ephemeral(
        &mut self,
        now: Instant,
        local_ip: IpAddr,
        remote: SocketAddr,
    ) -> Result<SocketAddr, Error> {
        let (lo, hi) = self.config.ephemeral_ports;
        let span = u32::from(hi.saturating_sub(lo)) + 1;
        for _ in 0..span {
            let port = self.next_port;
            self.next_port = if port >= hi { lo } else { port + 1 };
            if self.listen_map.contains_key(&(local_ip, port))
                || self.listen_map.contains_key(&(unspecified(local_ip), port))
            {
                continue;
            }
            let local = SocketAddr::new(local_ip, port);
            let key: FourTuple = (local, remote);
            match self.conns.find(&key) {
                None => return Ok(local),
                Some(Found::TimeWait(t)) => {
                    let newer = self
                        .conns
                        .tw_snd_max(t)
                        .is_some_and(|m| self.isn.isn(now, local, remote).gt(m));
                    if newer {
                        self.conns.tw_remove(t);
                        return Ok(local);
                    }
                }
                Some(Found::Conn(i)) => {
                    let slot = &self.conns.slots[i as usize];
                    if let Some(c) = slot.conn.as_ref()
                        && c.state() == State::TimeWait
                        && !c.app_owned
                        && self.isn.isn(now, local, remote).gt(c.snd_max_seq())
                    {
                        self.release_slot(i);
                        return Ok(local);
                    }
                }
            }
        }
        Err(Error::NoPortsAvailable)
    }

    /// Frees a connection slot and its timer entry.
    pub(super) fn release_slot(&mut self, index: u32) {
        self.timers.set(index, None);
        self.conns.release(index);
    }

    pub(super) fn install(&mut self, index: u32, conn: Connection) {
        let key = (conn.local, conn.remote);
        let slot = &mut self.conns.slots[index as usize];
        slot.conn = Some(conn);
        slot.in_table = true;
        self.conns.index_insert(&key, index);
    }

    /// Runs `f`, a setting that needs no clock, on an application-owned
    /// connection; the connection's timers and chronographs are brought up
    /// to date at its next timed call.
    fn with_app_conn_untimed<R>(
        &mut self,
        id: ConnId,
        f: impl FnOnce(&mut Connection) -> R,
    ) -> Result<R, Error> {
        let r = f(app_conn(&mut self.conns, id)?);
        self.after(id.index);
        Ok(r)
    }

    /// Runs `f` on an application-owned connection, then does the endpoint's
    /// bookkeeping.
    fn with_app_conn<R>(
        &mut self,
        now: Instant,
        id: ConnId,
        f: impl FnOnce(&mut Connection, &mut Ctx<'_>) -> R,
    ) -> Result<R, Error> {
        let conn = app_conn(&mut self.conns, id)?;
        let mut ctx = Ctx {
            now,
            events: &mut self.events,
            trace: &mut self.tracer,
            stats: &mut self.stats,
        };
        let r = f(conn, &mut ctx);
        conn.update_persist(&mut ctx);
        self.after(id.index);
        Ok(r)
    }

    pub(super) fn with_conn_index(
        &mut self,
        now: Instant,
        index: u32,
        f: impl FnOnce(&mut Connection, &mut Ctx<'_>),
    ) {
        let Some(conn) = self.conns.slots[index as usize].conn.as_mut() else {
            return;
        };
        let mut ctx = Ctx {
            now,
            events: &mut self.events,
            trace: &mut self.tracer,
            stats: &mut self.stats,
        };
        f(conn, &mut ctx);
        conn.update_persist(&mut ctx);
        self.after(index);
    }

    /// Queues `data` for sending; returns how much fit in the send buffer.
    pub fn send(&mut self, now: Instant, conn: ConnId, data: &[u8]) -> Result<usize, Error> {
        self.with_app_conn(now, conn, |c, _| c.send(data, false))?
    }

    /// [`Endpoint::send`] with more to follow at once (Linux's
    /// `MSG_MORE`): a short last segment waits as if corked, until the
    /// next write without it, the next segment received, or the persist
    /// timer; and the write ends no push (no PSH under
    /// `PushPolicy::WriteBoundary`).
    pub fn send_more(&mut self, now: Instant, conn: ConnId, data: &[u8]) -> Result<usize, Error> {
        self.with_app_conn(now, conn, |c, _| c.send(data, true))?
    }

    /// Reads received data; `Ok(0)` with a non-empty `buf` is end of stream.
    pub fn recv(&mut self, now: Instant, conn: ConnId, buf: &mut [u8]) -> Result<usize, Error> {
        self.with_app_conn(now, conn, |c, _| c.recv(buf))?
    }

    /// Reads received data in place, without copying it out: `f` gets the
    /// contiguous front of the receive buffer (never empty; all of it
    /// unless it wraps around, then call again for the rest) and returns
    /// how many bytes it consumed, which are then removed:
    /// `Ok(Some(consumed))`. If `f` leaves bytes it was shown, the next
    /// arrival raises `Readable` again; but when the slice was shorter than
    /// [`Connection::recv_buffered`](crate::conn::Connection::recv_buffered) the
    /// rest is already here, behind the wrap (consume the front, or copy
    /// with [`Endpoint::recv`]): do not wait for it. `Ok(None)`: end of
    /// stream. `Err(WouldBlock)`: nothing yet. `f` is called only with
    /// data.
    pub fn recv_with(
        &mut self,
        now: Instant,
        conn: ConnId,
        f: impl FnOnce(&[u8]) -> usize,
    ) -> Result<Option<usize>, Error> {
        self.with_app_conn(now, conn, |c, _| c.recv_with(f))?
    }

    /// Half-close: sends FIN after queued data; receiving continues.
    pub fn shutdown(&mut self, now: Instant, conn: ConnId) -> Result<(), Error> {
        self.with_app_conn(now, conn, |c, ctx| c.shutdown(ctx))?
    }

    /// Full close: like `shutdown`, and the handle is released: the stack
    /// finishes the close on its own. Unread received data makes this an
    /// abort (RST), as RFC 1122 4.2.2.13 asks. Using the handle afterwards
    /// is an error.
    pub fn close(&mut self, now: Instant, conn: ConnId) -> Result<(), Error> {
        self.with_app_conn(now, conn, |c, ctx| c.close(ctx))
    }

    /// Abort: sends RST, drops both buffers, releases the handle.
    pub fn abort(&mut self, now: Instant, conn: ConnId) -> Result<(), Error> {
        self.with_app_conn(now, conn, |c, ctx| c.abort(ctx))
    }

    /// Aborts every connection, released ones included (RST where RFC 9293
    /// 3.10.5 sends one): for a driver shutting down, so no peer is left
    /// half-open. Listeners stay; handles become invalid.
    pub fn abort_all(&mut self, now: Instant) {
        // TIME-WAIT records go quietly (ABORT in TIME-WAIT: "delete the
        // TCB", RFC 9293 3.10.5).
        self.conns.tw_clear();
        for index in 0..self.conns.slots.len() as u32 {
            self.with_conn_index(now, index, |c, ctx| {
                c.listener = None;
                c.abort(ctx);
            });
        }
    }

    /// Drops one connection as an administrator would (`tcpdrop`): RST
    /// where RFC 9293 3.10.5 sends one, whether or not the application
    /// still holds the handle.
    pub fn drop_connection(&mut self, now: Instant, conn: ConnId) -> Result<(), Error> {
        self.connection(conn)?;
        self.with_conn_index(now, conn.index, |c, ctx| {
            c.listener = None;
            c.abort(ctx);
        });
        Ok(())
    }

    /// The state of the connection with this 4-tuple (compact TIME-WAIT
    /// records included), if there is one: O(1), for connections the
    /// application no longer holds.
    pub fn state_of(&self, local: SocketAddr, remote: SocketAddr) -> Option<State> {
        match self.conns.find(&(local, remote))? {
            Found::Conn(i) => self.conns.slots[i as usize]
                .conn
                .as_ref()
                .map(|c| c.state()),
            Found::TimeWait(_) => Some(State::TimeWait),
        }
    }

    /// The TIME-WAIT connections kept as compact records (local, remote):
    /// released connections whose 2 x MSL is running.
    pub fn time_wait_records(&self) -> impl Iterator<Item = (SocketAddr, SocketAddr)> + '_ {
        self.conns.tw_tuples()
    }

    /// [`Endpoint::drop_connection`] by 4-tuple: for connections the
    /// application holds no handle to (TIME-WAIT records included).
    pub fn drop_connection_at(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Result<(), Error> {
        let found = self
            .conns
            .find(&(local, remote))
            .ok_or(Error::InvalidHandle)?;
        let index = self.hydrate(found).ok_or(Error::InvalidHandle)?;
        self.with_conn_index(now, index, |c, ctx| {
            c.listener = None;
            c.abort(ctx);
        });
        Ok(())
    }

    /// Every connection held, released ones included; TIME-WAIT ones
    /// kept as compact records are not among them (see
    /// [`Endpoint::connection_table`] and [`Endpoint::count_in_state`]).
    pub fn connections(&self) -> impl Iterator<Item = &Connection> {
        self.conns.slots.iter().filter_map(|s| s.conn.as_ref())
    }

    /// Turns keep-alives on or off for one connection (RFC 1122 4.2.3.6:
    /// off unless asked for; timing from `Config::keepalive_*`).
    pub fn set_keepalive(&mut self, now: Instant, conn: ConnId, on: bool) -> Result<(), Error> {
        self.with_app_conn(now, conn, |c, ctx| c.set_keepalive(ctx.now, on))
    }

    /// Sets RFC 5482's user timeout for one connection (Linux's
    /// `TCP_USER_TIMEOUT`; `Config::user_timeout` is the default): data
    /// unacknowledged, or zero-window probes unanswered, this long abort
    /// the connection with [`Error::TimedOut`]. `None` turns it off.
    pub fn set_user_timeout(
        &mut self,
        conn: ConnId,
        timeout: Option<core::time::Duration>,
    ) -> Result<(), Error> {
        self.with_app_conn_untimed(conn, |c| c.set_user_timeout(timeout))
    }

    /// Turns Nagle's algorithm off (`true`) or on (`false`). Turning it
    /// off also sends what is queued now even if corked (Linux's
    /// `TCP_NAGLE_PUSH`).
    pub fn set_nodelay(&mut self, conn: ConnId, nodelay: bool) -> Result<(), Error> {
        self.with_app_conn_untimed(conn, |c| c.set_nodelay(nodelay))
    }

    /// Sets the Differentiated Services codepoint (RFC 2474) of
    /// everything the connection sends from now on: the upper six bits of
    /// `tos` (Linux's `IP_TOS` / `IPV6_TCLASS`); the ECN bits stay the
    /// stack's (RFC 3168).
    pub fn set_tos(&mut self, conn: ConnId, tos: u8) -> Result<(), Error> {
        self.with_app_conn_untimed(conn, |c| c.set_tos(tos))
    }

    /// Turns path MTU discovery (RFC 1191) off or on for one connection
    /// (Linux's `IP_MTU_DISCOVER` with `IP_PMTUDISC_DONT` / `_DO`): off,
    /// IPv4 packets go without DF, so routers fragment them, and ICMP
    /// "fragmentation needed" is ignored. On by default. No effect on
    /// IPv6, whose routers never fragment: a sender must follow Packet Too
    /// Big (RFC 8201).
    pub fn set_path_mtu_discovery(&mut self, conn: ConnId, on: bool) -> Result<(), Error> {
        self.with_app_conn_untimed(conn, |c| c.set_path_mtu_discovery(on))
    }

    /// Corks the connection (`true`, Linux's `TCP_CORK`): segments shorter
    /// than the MSS wait until it is uncorked, the data fills a segment,
    /// or, with nothing in flight, the persist timer (about an RTO, at
    /// least 200 ms) sends them. Uncorking sends what waited.
    pub fn set_cork(&mut self, conn: ConnId, cork: bool) -> Result<(), Error> {
        self.with_app_conn_untimed(conn, |c| c.set_cork(cork))
    }

    /// A connection, for inspection.
    pub fn connection(&self, conn: ConnId) -> Result<&Connection, Error> {
        self.conns
            .get(conn.index, conn.generation)
            .ok_or(Error::InvalidHandle)
    }

    /// The connection's state.
    pub fn state(&self, conn: ConnId) -> Result<State, Error> {
        self.connection(conn).map(Connection::state)
    }

    /// Local and remote addresses of a connection.
    pub fn addrs(&self, conn: ConnId) -> Result<(SocketAddr, SocketAddr), Error> {
        self.connection(conn).map(|c| (c.local, c.remote))
    }

    /// The next application event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next trace event (only when tracing is on).
    #[must_use]
    pub fn poll_trace(&mut self) -> Option<TraceEvent> {
        self.tracer.queue.pop_front()
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Number of connections held (all states, TIME-WAIT included).
    pub fn connection_count(&self) -> usize {
        self.conns.live
    }

    /// Number of connections in `state` (a scan: for tests and tools).
    pub fn count_in_state(&self, state: State) -> usize {
        let compact = if state == State::TimeWait {
            self.conns.tw_live
        } else {
            0
        };
        compact + self.connections().filter(|c| c.state() == state).count()
    }
}

/// Where the search for ephemeral ports starts: a point of the range chosen
/// by a keyed hash of the secret (RFC 6056 section 3.3.1's simple
/// randomization), so two runs with different secrets do not walk the same
/// ports and an off-path attacker cannot guess them.
fn first_ephemeral_port(config: &EndpointConfig) -> u16 {
    use core::hash::{BuildHasher, Hasher};
    let (lo, hi) = config.ephemeral_ports;
    let span = u64::from(hi.saturating_sub(lo)) + 1;
    let mut h = super::table::KeyedHash::new(config.secret).build_hasher();
    h.write(b"ephemeral ports (RFC 6056)");
    lo + (h.finish() % span) as u16
}

fn unspecified(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(core::net::Ipv6Addr::UNSPECIFIED),
    }
}

/// The live, application-owned connection `id` names.
fn app_conn(conns: &mut ConnTable, id: ConnId) -> Result<&mut Connection, Error> {
    conns
        .slots
        .get_mut(id.index as usize)
        .filter(|s| s.generation == id.generation)
        .and_then(|s| s.conn.as_mut())
        .filter(|c| c.app_owned)
        .ok_or(Error::InvalidHandle)
}
