//! Driving the endpoint: packets in, packets out, timers, and the
//! bookkeeping after every connection operation.

use super::api::{Endpoint, MAX_QUEUED_CONTROL};
use super::table::Found;
use super::{ConnId, Event, ListenerId};
use crate::config::SynCookies;
use crate::conn::{Connection, Ctx, State};
use crate::seq::SeqNum;
use crate::time::Instant;
use crate::trace::{DropReason, TraceKind};
use crate::wire::{self, IpRepr, Packet, TcpFlags, TcpOptions, TcpRepr, WireError};
use core::net::SocketAddr;

impl Endpoint {
    /// Feeds one received IP packet. Malformed input is dropped and counted.
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) {
        self.handle_parsed(now, packet, wire::parse_packet(packet));
    }

    /// [`Endpoint::handle_packet`] for a packet whose TCP checksum the
    /// device has already validated or vouches for (checksum offload: a TUN
    /// device with a virtio-net header passes the kernel's own packets with
    /// only a partial checksum). The TCP checksum is not verified; the IPv4
    /// header checksum and everything else is. The packet may be larger
    /// than the MSS (a GRO/GSO super-packet): the core takes any segment
    /// that fits the IP length fields.
    pub fn handle_packet_checksum_trusted(&mut self, now: Instant, packet: &[u8]) {
        self.handle_parsed(now, packet, wire::parse_packet_checksum_trusted(packet));
    }

    /// A packet from a device with receive offloads, as its header (a
    /// virtio-net header on a TUN device) describes it: `checksum_trusted`
    /// as [`Endpoint::handle_packet_checksum_trusted`], and for a GRO
    /// super-packet `segment_size`, the payload size of the segments the
    /// device joined (virtio-net's `gso_size`). The connection then knows
    /// the peer's segment size, which the joined length hides: what
    /// "full-sized" means for its delayed ACKs (RFC 9293 3.8.6.3), as
    /// Linux's `tcp_measure_rcv_mss` takes `gso_size`.
    pub fn handle_offloaded_packet(
        &mut self,
        now: Instant,
        packet: &[u8],
        checksum_trusted: bool,
        segment_size: Option<u16>,
    ) {
        let parsed = if checksum_trusted {
            wire::parse_packet_checksum_trusted(packet)
        } else {
            wire::parse_packet(packet)
        };
        let parsed = parsed.map(|p| Packet {
            segment_size: segment_size.filter(|&s| s > 0),
            ..p
        });
        self.handle_parsed(now, packet, parsed);
    }

    /// The size a TSO segment (`Config::tso_segments`) of the connection
    /// `local`-`remote` is to be cut into by the device: its send MSS less
    /// the options every segment carries (`Connection::payload_mss`). A
    /// driver reads the addresses from the packet [`Endpoint::poll_transmit`]
    /// wrote (virtio-net's `gso_size`). `None` if there is no such
    /// connection.
    pub fn tso_segment_size(&self, local: SocketAddr, remote: SocketAddr) -> Option<usize> {
        let index = self.conns.lookup(&(local, remote))?;
        let conn = self.conns.slots[index as usize].conn.as_ref()?;
        Some(conn.payload_mss())
    }

    /// Every connection in the 4-tuple table (local, remote, state), TIME-WAIT
    /// included, in no particular order: for a driver's status output (a
    /// server's connection table at exit).
    pub fn connection_table(&self) -> impl Iterator<Item = (SocketAddr, SocketAddr, State)> + '_ {
        self.conns.indexed().filter_map(|found| match found {
            Found::Conn(index) => {
                let conn = self.conns.slots[index as usize].conn.as_ref()?;
                Some((conn.local, conn.remote, conn.state()))
            }
            Found::TimeWait(t) => {
                let (local, remote) = self.conns.tw_tuple(t)?;
                Some((local, remote, State::TimeWait))
            }
        })
    }

    fn handle_parsed(&mut self, now: Instant, bytes: &[u8], parsed: Result<Packet<'_>, WireError>) {
        self.stats.rx_packets += 1;
        let pkt = match parsed {
            Ok(p) => p,
            Err(error) => {
                // Not TCP: maybe an ICMP error about a TCP segment of ours.
                let error = match error {
                    WireError::NotTcp => match wire::icmp::parse_icmp_error(bytes) {
                        Ok(e) => return self.handle_icmp(now, &e),
                        Err(e) => e,
                    },
                    e => e,
                };
                match error {
                    WireError::BadChecksum => self.stats.rx_bad_checksum += 1,
                    WireError::NotTcp => self.stats.rx_not_tcp += 1,
                    _ => self.stats.rx_malformed += 1,
                }
                return self.trace_undecodable(now, bytes, error);
            }
        };
        let local = SocketAddr::new(pkt.ip.dst, pkt.tcp.dst_port);
        let remote = SocketAddr::new(pkt.ip.src, pkt.tcp.src_port);
        let index = self
            .conns
            .find(&(local, remote))
            .and_then(|f| self.hydrate(f));
        // A connection a catch-all listener accepted has a destination that
        // is not ours; any other such packet is for a catch-all or nobody.
        if index.is_none() && !self.is_ours(pkt.ip.dst) && self.catch_all_for(local).is_none() {
            self.stats.rx_not_ours += 1;
            return self.trace_drop(now, local, remote, &pkt.tcp, DropReason::NotOurs);
        }
        if !is_unicast(pkt.ip.src) || !is_unicast(pkt.ip.dst) {
            // RFC 1122 4.2.3.10: TCP is unicast only; a SYN to (or anything
            // from) a broadcast or multicast address is silently dropped,
            // and must never draw an RST.
            self.stats.rx_not_ours += 1;
            return self.trace_drop(now, local, remote, &pkt.tcp, DropReason::NotUnicast);
        }
        // drop_syn_fin guards against SYN+FIN probes: segments that could
        // open a connection (no connection, or one still in SYN-SENT). A
        // synchronized connection answers them by its SYN rules.
        if self.config.tcp.drop_syn_fin
            && pkt.tcp.flags.syn()
            && pkt.tcp.flags.fin()
            && index.is_none_or(|i| {
                self.conns.slots[i as usize]
                    .conn
                    .as_ref()
                    .is_none_or(|c| c.state() == State::SynSent)
            })
        {
            self.stats.rx_dropped += 1;
            return self.trace_drop(now, local, remote, &pkt.tcp, DropReason::SynFin);
        }
        if let Some(index) = index {
            if self.accept_queue_full_for(index, &pkt.tcp) {
                self.stats.backlog_drops += 1;
                return self.trace_drop(now, local, remote, &pkt.tcp, DropReason::BacklogFull);
            }
            let mut due = false;
            self.with_conn_index(now, index, |c, ctx| {
                c.on_segment(ctx, &pkt.tcp, pkt.payload, pkt.ip.ecn, pkt.segment_size);
                due = c.owes_ack_at_once();
            });
            self.answer_due |= due;
            return;
        }
        self.tracer.record(
            now,
            local,
            remote,
            TraceKind::SegmentIn {
                tcp: pkt.tcp,
                len: pkt.payload.len(),
            },
        );
        let listener = self
            .listen_map
            .get(&(local.ip(), local.port()))
            .or_else(|| self.listen_map.get(&(unspecified_of(local), local.port())))
            .copied()
            .or_else(|| self.catch_all_for(local));
        match listener {
            Some(l) => self.on_listener_segment(now, l, local, remote, &pkt),
            None => {
                self.stats.rx_no_connection += 1;
                self.reset_unmatched(now, &pkt);
            }
        }
    }

    /// Would this segment complete the handshake of an embryonic passive
    /// connection whose listener has no room left to queue it for accept?
    /// (Only a connection made from a SYN cookie can be in that position:
    /// the backlog keeps room for every other.) Its ACK is dropped; the
    /// SYN-ACK's retransmission asks again.
    fn accept_queue_full_for(&self, index: u32, tcp: &TcpRepr) -> bool {
        let f = tcp.flags;
        if !f.ack() || f.syn() || f.rst() {
            return false;
        }
        let Some(conn) = self.conns.slots[index as usize].conn.as_ref() else {
            return false;
        };
        conn.state() == State::SynReceived
            && !conn.queued_for_accept
            && conn
                .listener
                .and_then(|l| self.listener(l).ok())
                .is_some_and(|l| !l.accept_queue_has_room())
    }

    /// SEGMENT ARRIVES in LISTEN (RFC 9293 3.10.7.2).
    fn on_listener_segment(
        &mut self,
        now: Instant,
        lid: ListenerId,
        local: SocketAddr,
        remote: SocketAddr,
        pkt: &Packet<'_>,
    ) {
        let f = pkt.tcp.flags;
        if f.rst() {
            return self.trace_drop(now, local, remote, &pkt.tcp, DropReason::NoListener);
        }
        if f.ack() {
            if !f.syn() && self.try_cookie_ack(now, lid, local, remote, pkt) {
                return;
            }
            // <SEQ=SEG.ACK><CTL=RST>
            return self.queue_rst(now, pkt, pkt.tcp.ack, None);
        }
        // A SYN with FIN opens like a SYN (Config::drop_syn_fin drops it
        // earlier); the FIN and any data are not taken (RFC 9293 3.10.7.2
        // lets them wait for SYN-RECEIVED; the peer sends them again).
        if !f.syn() {
            return;
        }
        let Ok(l) = self.listener(lid) else {
            return;
        };
        let (options, room, accept_room) = (l.options, l.has_room(), l.accept_queue_has_room());
        let table_room = self.conns.live < self.config.max_connections;
        let cookies = !options.hold_syns
            && match self.config.syn_cookies {
                SynCookies::Off => false,
                SynCookies::WhenNeeded => !(room && table_room),
                SynCookies::Always => true,
            };
        if cookies && accept_room {
            return self.send_cookie(now, lid, local, remote, &pkt.tcp);
        }
        if !room || !table_room || cookies {
            self.stats.backlog_drops += 1;
            return self.trace_drop(now, local, remote, &pkt.tcp, DropReason::BacklogFull);
        }
        let Some(l) = self.listener_mut(lid) else {
            return;
        };
        l.pending += 1;
        let cfg = l.config.clone();
        let id = self.open_connection(now, local, remote, cfg.as_ref(), |ctx, p| {
            let mut conn = if options.hold_syns {
                Connection::hold_syn(ctx, p, &pkt.tcp, options.hold_timeout)
            } else {
                Connection::accept_syn(ctx, p, &pkt.tcp)
            };
            conn.listener = Some(lid);
            conn.queued_for_accept = options.hold_syns;
            conn
        });
        if options.hold_syns
            && let Some(l) = self.listener_mut(lid)
        {
            l.held_queue.push_back(id);
            self.events.push_back(Event::Syn(lid));
        }
        self.stats.passive_opens += 1;
    }

    /// A segment for no connection and no listener (RFC 9293 3.10.7.1):
    /// an RST draws nothing; an ACK draws <SEQ=SEG.ACK><CTL=RST>; anything
    /// else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    fn reset_unmatched(&mut self, now: Instant, pkt: &Packet<'_>) {
        let t = &pkt.tcp;
        if t.flags.rst() {
            let (l, r) = addrs_of(pkt);
            return self.trace_drop(now, l, r, t, DropReason::NoListener);
        }
        if t.flags.ack() {
            self.queue_rst(now, pkt, t.ack, None);
        } else {
            let seg_len =
                pkt.payload.len() + usize::from(t.flags.syn()) + usize::from(t.flags.fin());
            self.queue_rst(now, pkt, SeqNum(0), Some(t.seq + seg_len));
        }
    }

    pub(super) fn queue_rst(
        &mut self,
        _now: Instant,
        pkt: &Packet<'_>,
        seq: SeqNum,
        ack: Option<SeqNum>,
    ) {
        if self.control_queue.len() >= MAX_QUEUED_CONTROL {
            return;
        }
        let ip = IpRepr {
            src: pkt.ip.dst,
            dst: pkt.ip.src,
            ttl: self.config.ttl,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let tcp = TcpRepr {
            src_port: pkt.tcp.dst_port,
            dst_port: pkt.tcp.src_port,
            seq,
            ack: ack.unwrap_or(SeqNum(0)),
            flags: if ack.is_some() {
                TcpFlags::RST | TcpFlags::ACK
            } else {
                TcpFlags::RST
            },
            window: 0,
            urgent: 0,
            options: TcpOptions::default(),
        };
        self.control_queue.push_back((ip, tcp));
    }

    /// Traces a packet dropped before it reached TCP's rules. A bad TCP
    /// checksum still shows the segment's header (decoded again without the
    /// check, only when tracing), so a trace tells which connection lost it.
    fn trace_undecodable(&mut self, now: Instant, bytes: &[u8], error: WireError) {
        if !self.tracer.enabled {
            return;
        }
        if error == WireError::BadChecksum
            && let Ok(p) = wire::parse_packet_checksum_trusted(bytes)
        {
            let (l, r) = addrs_of(&p);
            return self.trace_drop(now, l, r, &p.tcp, DropReason::BadChecksum);
        }
        let (src, dst) = wire::peek_addresses(bytes).unwrap_or((
            core::net::Ipv4Addr::UNSPECIFIED.into(),
            core::net::Ipv4Addr::UNSPECIFIED.into(),
        ));
        self.tracer.record(
            now,
            SocketAddr::new(dst, 0),
            SocketAddr::new(src, 0),
            TraceKind::Undecodable {
                error,
                len: bytes.len(),
            },
        );
    }

    pub(super) fn trace_drop(
        &mut self,
        now: Instant,
        l: SocketAddr,
        r: SocketAddr,
        tcp: &TcpRepr,
        reason: DropReason,
    ) {
        self.tracer
            .record(now, l, r, TraceKind::Dropped { tcp: *tcp, reason });
    }

    /// Writes the next packet to send into `buf` and returns its length.
    /// `buf` should hold at least the MTU.
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        if let Some(&(ip, tcp)) = self.control_queue.front()
            && let Ok(n) = wire::emit_packet(&ip, &tcp, &[], buf)
        {
            self.control_queue.pop_front();
            self.stats.tx_packets += 1;
            if tcp.flags.rst() {
                self.stats.tx_rst += 1;
            }
            self.tracer.record(
                now,
                SocketAddr::new(ip.src, tcp.src_port),
                SocketAddr::new(ip.dst, tcp.dst_port),
                TraceKind::SegmentOut {
                    tcp,
                    len: 0,
                    retransmission: false,
                },
            );
            return Some(n);
        }
        // Each ready connection gets one turn per call: one that cannot
        // send now (e.g. `buf` too small) must not make this loop spin.
        for _ in 0..self.ready.len() {
            let Some(index) = self.ready.pop_front() else {
                break;
            };
            let slot = &mut self.conns.slots[index as usize];
            slot.ready = false;
            let Some(conn) = slot.conn.as_mut() else {
                continue;
            };
            let mut ctx = Ctx {
                now,
                events: &mut self.events,
                trace: &mut self.tracer,
                stats: &mut self.stats,
            };
            let out = conn.poll_transmit(&mut ctx, buf);
            conn.update_persist(&mut ctx);
            self.after(index);
            if out.is_some() {
                return out;
            }
        }
        self.answer_due = false;
        None
    }

    /// A packet handed in since the last [`Endpoint::poll_transmit`] that
    /// returned `None` left an ACK that must not wait: a duplicate ACK for
    /// out-of-order data or the ACK of a gap fill (RFC 5681 4.2). A driver
    /// that answers a few packets at a time (as GRO coalesces them)
    /// transmits at once when this is true, so loss recovery's ACKs are
    /// never held back; in-order data may wait for the batch.
    pub fn answer_due(&self) -> bool {
        self.answer_due
    }

    /// The device refused `packet`, one [`Endpoint::poll_transmit`] wrote
    /// (its queue was full: ENOBUFS, EAGAIN, a qdisc that drops): it never
    /// left this host. Call it before the next `poll_transmit`. New data
    /// that was the last thing its connection sent is taken back and
    /// retried on the next ACK or from the probe timer, as Linux does
    /// with local congestion (no congestion response, no retransmission
    /// counted; `conn::refused` has the rules); any other packet counts
    /// as lost on the wire. Counted in `Stats::tx_refused`.
    pub fn transmit_failed(&mut self, now: Instant, packet: &[u8]) {
        self.stats.tx_refused += 1;
        let Ok(p) = wire::parse_packet_checksum_trusted(packet) else {
            return;
        };
        let local = SocketAddr::new(p.ip.src, p.tcp.src_port);
        let remote = SocketAddr::new(p.ip.dst, p.tcp.dst_port);
        let Some(Found::Conn(index)) = self.conns.find(&(local, remote)) else {
            return;
        };
        let f = p.tcp.flags;
        let end = p.tcp.seq + p.payload.len() + usize::from(f.syn()) + usize::from(f.fin());
        let seq = p.tcp.seq;
        self.with_conn_index(now, index, |c, _| c.on_transmit_failed(seq, end));
    }

    /// Whether [`Endpoint::poll_transmit`] may have something to send: a
    /// queued RST or a connection in the transmit-ready queue. A driver
    /// woken by the application checks this to decide whether to run.
    pub fn has_pending_transmit(&self) -> bool {
        !self.control_queue.is_empty() || !self.ready.is_empty()
    }

    /// When `handle_timeout` must next be called, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.timers.peek(), self.conns.tw_next_expiry()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the timers that are due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(index) = self.timers.pop_due(now) {
            self.with_conn_index(now, index, |c, ctx| c.handle_timeout(ctx));
        }
        self.expire_time_wait(now);
    }

    /// Bookkeeping after any operation on connection `index`: hand a newly
    /// established passive connection to its listener, schedule its timer,
    /// queue it for transmission, unlist and free it when it is done.
    pub(super) fn after(&mut self, index: u32) {
        let slot = &mut self.conns.slots[index as usize];
        let generation = slot.generation;
        let Some(conn) = slot.conn.as_mut() else {
            return;
        };
        if std::mem::take(&mut conn.newly_established)
            && let Some(lid) = conn.listener
            && let Some(l) = self
                .listeners
                .get_mut(lid.index as usize)
                .filter(|s| s.generation == lid.generation)
                .and_then(|s| s.listener.as_mut())
        {
            l.accept_queue.push_back(ConnId { index, generation });
            conn.queued_for_accept = true;
            self.events.push_back(Event::Incoming(lid));
        }
        let has_output = conn.has_output();
        let closed = conn.state() == State::Closed;
        let deadline = conn.poll_timeout();
        let (local, remote, listener, owned, queued) = (
            conn.local,
            conn.remote,
            conn.listener,
            conn.app_owned,
            conn.queued_for_accept,
        );

        if has_output && !slot.ready {
            slot.ready = true;
            self.ready.push_back(index);
        }
        self.timers.set(index, deadline);
        if closed {
            if slot.in_table {
                slot.in_table = false;
                self.conns.index_remove(&(local, remote), index);
            }
            if !has_output && !owned {
                // An embryonic connection frees its backlog place now; one in
                // the accept queue when `accept` pops its stale entry.
                if let Some(lid) = listener
                    && !queued
                    && let Some(l) = self.listener_mut(lid)
                {
                    l.pending = l.pending.saturating_sub(1);
                }
                self.release_slot(index);
            }
        } else if !has_output && !owned {
            // Released and idle: TIME-WAIT can go small.
            self.compact_time_wait(index);
        }
    }
}

fn addrs_of(pkt: &Packet<'_>) -> (SocketAddr, SocketAddr) {
    (
        SocketAddr::new(pkt.ip.dst, pkt.tcp.dst_port),
        SocketAddr::new(pkt.ip.src, pkt.tcp.src_port),
    )
}

/// Neither unspecified, broadcast nor multicast.
pub(super) fn is_unicast(ip: core::net::IpAddr) -> bool {
    match ip {
        core::net::IpAddr::V4(a) => !(a.is_unspecified() || a.is_broadcast() || a.is_multicast()),
        core::net::IpAddr::V6(a) => !(a.is_unspecified() || a.is_multicast()),
    }
}

fn unspecified_of(a: SocketAddr) -> core::net::IpAddr {
    if a.is_ipv4() {
        core::net::Ipv4Addr::UNSPECIFIED.into()
    } else {
        core::net::Ipv6Addr::UNSPECIFIED.into()
    }
}
