//! The endpoint target: one synack endpoint and a scripted peer.
//!
//! The input is a program: each step is an opcode byte and its arguments
//! (see `Op` in the source): a segment crafted from the peer's view of the connection
//! (so sequence numbers land in and around the windows), the same with
//! bytes of its TCP header overwritten (checksum fixed, so option parsing
//! is reached), raw garbage, an API call, or a clock step. After every
//! step the target checks:
//!
//! - every packet the endpoint sends parses with valid checksums, comes
//!   from one of its addresses and fits the MTU;
//! - every byte the endpoint sends is the byte the application wrote at
//!   that offset (no data invented, shifted or corrupted on the way out,
//!   retransmissions included);
//! - every byte the application reads is the byte the peer sent at that
//!   offset, in order (the peer's payload is a function of its sequence
//!   number, so loss, duplication or reordering of delivered data shows);
//! - buffers stay within their configured sizes and the connection count
//!   within its limit;
//! - API misuse (stale handles, calls in the wrong state) returns errors.
//!
//! A panic anywhere, in the stack or here, is a finding.

use crate::input::Input;
use crate::stream::{self, Stream};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use core::time::Duration;
use synack_core::endpoint::{ConnId, Event, EventKind, ListenerId};
use synack_core::wire::tcp::TcpPacket;
use synack_core::wire::{
    IpRepr, SackBlocks, TcpFlags, TcpOptions, TcpRepr, Timestamps, checksum, emit_packet, icmp,
    parse_packet,
};
use synack_core::{
    Config, Ecn, Endpoint, EndpointConfig, GsoAutosize, HyStart, Instant, PushPolicy, SeqNum,
    SlowStart, State, ZeroWindowProbe,
};

const US4: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
const PEER4: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const US6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
const PEER6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
/// The listening port.
const PORT: u16 = 80;
/// Small enough that windows fill and buffers wrap within a short input.
const BUFFER: usize = 6000;
const MTU: usize = 1500;
/// Steps per input (a bound on run time, not on coverage).
const MAX_STEPS: usize = 400;
/// Connections the harness keeps handles to.
const MAX_TRACKED: usize = 16;

/// Linux's wire rules on `tcp` (as `synack script --personality linux`
/// sets them), or synack's own.
fn linux_rules(tcp: &mut Config, on: bool) {
    tcp.push = if on {
        PushPolicy::WriteBoundary
    } else {
        PushPolicy::QueueEmpty
    };
    tcp.tso_segments = if on { 64 } else { 1 };
    tcp.initial_window = if on { 10 } else { 0 };
    tcp.gso_autosize = on.then_some(GsoAutosize::LINUX);
    tcp.zero_window_probe = if on {
        ZeroWindowProbe::OldSequence
    } else {
        ZeroWindowProbe::NewData
    };
    tcp.pto_padding = on.then_some(Duration::from_millis(2));
    tcp.slow_start = if on {
        SlowStart::Abc
    } else {
        SlowStart::Rfc5681
    };
    tcp.hystart = on.then_some(HyStart::LINUX);
}

/// What a step does (the opcode modulo the number of kinds).
#[derive(Clone, Copy, Debug)]
enum Op {
    Segment,
    Mangled,
    Garbage,
    Connect,
    Accept,
    Send,
    Recv,
    Shutdown,
    Close,
    Abort,
    Advance,
    Options,
    Icmp,
}

const OPS: [Op; 13] = [
    Op::Segment,
    Op::Mangled,
    Op::Garbage,
    Op::Connect,
    Op::Accept,
    Op::Send,
    Op::Recv,
    Op::Shutdown,
    Op::Close,
    Op::Abort,
    Op::Advance,
    Op::Options,
    Op::Icmp,
];

/// One of the peer's addresses and ports, and what it saw of us there.
#[derive(Clone, Copy, Debug)]
struct Peer {
    addr: SocketAddr,
    /// Our side's address (port learnt for active opens).
    ours: SocketAddr,
    /// The peer's ISN: its SYNs carry it, its data counts from it.
    isn: SeqNum,
    /// The next sequence number the peer sends in order.
    nxt: SeqNum,
    /// Our ISN and next sequence number, from what we sent.
    our_isn: Option<SeqNum>,
    our_nxt: SeqNum,
    /// Data reached us from this peer that is not its stream (a mangled
    /// or raw segment with payload): reads are not checked any more.
    tainted: bool,
}

/// A connection the application holds, and its byte accounting.
#[derive(Clone, Copy, Debug)]
struct Tracked {
    id: ConnId,
    /// Bytes the application read.
    read: u32,
    /// Bytes the application wrote.
    written: u32,
}

struct Harness {
    ep: Endpoint,
    now: Instant,
    peers: [Peer; 4],
    listeners: Vec<ListenerId>,
    conns: Vec<Tracked>,
    buf: Vec<u8>,
    scratch: Vec<u8>,
    report: Report,
    /// `SYNACK_FUZZ_DEBUG` set: every step and packet on stderr (triage).
    debug: bool,
    /// Some connection may send TSO segments (up to 64 KiB, not the MTU).
    tso: bool,
    /// The device refuses every other packet (`Endpoint::transmit_failed`).
    refusing: bool,
    /// Whether the next packet is the one refused.
    refuse_next: bool,
    /// Packets arrive as GRO super-packets of segments this size (as a
    /// TUN device with offloads reports them), whatever their real size.
    gro: Option<u16>,
}

/// What a run reached, for tests that check the seeds go deep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Connections that reached ESTABLISHED (accepted, or connected).
    pub established: usize,
    /// Bytes the application read (all checked against the peer's).
    pub read: u64,
    /// Payload bytes the endpoint sent (all checked against the
    /// application's).
    pub sent: u64,
    /// Packets the endpoint sent.
    pub packets: u64,
    /// The largest of them, in bytes (past the MTU: TSO segments).
    pub largest_packet: usize,
    /// Steps run.
    pub steps: usize,
}

/// Runs the endpoint target on `data`; panics on a broken invariant.
pub fn run(data: &[u8]) {
    run_with_report(data);
}

/// [`run`], saying how far the input got.
pub fn run_with_report(data: &[u8]) -> Report {
    let mut input = Input::new(data);
    let mut h = Harness::new(&mut input);
    for _ in 0..MAX_STEPS {
        if input.is_empty() {
            break;
        }
        let op = OPS[usize::from(input.u8()) % OPS.len()];
        h.report.steps += 1;
        if h.debug {
            eprintln!("{:?} step {}: {op:?}", h.now, h.report.steps);
        }
        h.step(op, &mut input);
        h.drain();
        if h.debug {
            for c in h.ep.connections() {
                eprintln!(
                    "  conn {} {:?} una-iss={} cwnd={}",
                    c.remote(),
                    c.state(),
                    c.snd_max_seq().since(c.iss()),
                    c.cwnd()
                );
            }
        }
        h.check();
    }
    // Let every timer run out: connections must end, not spin.
    for _ in 0..64 {
        h.now += Duration::from_secs(30);
        h.timers();
        h.drain();
        h.check();
    }
    h.report
}

impl Harness {
    fn new(input: &mut Input<'_>) -> Self {
        let knobs = input.u8();
        let tcp = Config {
            send_buffer: BUFFER,
            recv_buffer: BUFFER,
            mtu: MTU,
            sack: knobs & 1 == 0,
            timestamps: knobs & 2 == 0,
            window_scaling: knobs & 4 == 0,
            nagle: knobs & 8 == 0,
            keepalive: knobs & 16 != 0,
            // ECN as the backlog's bits choose: off, answered, asked.
            ecn: match knobs >> 6 {
                0 => Ecn::Off,
                1 => Ecn::Passive,
                _ => Ecn::On,
            },
            ..Config::default()
        };
        let mut ep = Endpoint::new(EndpointConfig {
            tcp,
            addresses: vec![IpAddr::V4(US4), IpAddr::V6(US6)],
            secret: [7; 16],
            max_connections: 12,
            trace: knobs & 32 != 0,
            ..EndpointConfig::default()
        });
        let mut listeners = Vec::new();
        for ip in [IpAddr::V4(US4), IpAddr::V6(US6)] {
            let backlog = usize::from(knobs >> 6) + 1;
            listeners.push(
                ep.listen(SocketAddr::new(ip, PORT), backlog)
                    .expect("listen"),
            );
        }
        let peer = |addr: SocketAddr, ours: SocketAddr, isn: u32| Peer {
            addr,
            ours,
            isn: SeqNum(isn),
            nxt: SeqNum(isn) + 1,
            our_isn: None,
            our_nxt: SeqNum(0),
            tainted: false,
        };
        let us4 = SocketAddr::new(IpAddr::V4(US4), PORT);
        let us6 = SocketAddr::new(IpAddr::V6(US6), PORT);
        let peers = [
            peer(SocketAddr::new(IpAddr::V4(PEER4), 1000), us4, input.u32()),
            peer(SocketAddr::new(IpAddr::V4(PEER4), 1001), us4, input.u32()),
            // The peer of our active opens (our port is learnt).
            peer(SocketAddr::new(IpAddr::V4(PEER4), 2000), us4, input.u32()),
            peer(SocketAddr::new(IpAddr::V6(PEER6), 1003), us6, input.u32()),
        ];
        Harness {
            ep,
            now: Instant::ZERO,
            peers,
            listeners,
            conns: Vec::new(),
            buf: vec![0; 65536],
            scratch: vec![0; 65536],
            report: Report::default(),
            debug: std::env::var_os("SYNACK_FUZZ_DEBUG").is_some(),
            tso: false,
            refusing: false,
            refuse_next: false,
            gro: None,
        }
    }

    fn step(&mut self, op: Op, input: &mut Input<'_>) {
        match op {
            Op::Segment => {
                if let Some(n) = self.craft(input) {
                    self.deliver(n);
                }
            }
            Op::Mangled => {
                if let Some(n) = self.craft(input) {
                    self.mangle(n, input);
                    self.taint(n);
                    self.deliver(n);
                }
            }
            Op::Icmp => {
                let n = self.craft_icmp(input);
                self.deliver(n);
            }
            Op::Garbage => {
                let len = usize::from(input.u8()) * 2;
                let raw = input.bytes(len);
                self.buf[..raw.len()].copy_from_slice(raw);
                self.taint(raw.len());
                self.deliver(raw.len());
            }
            Op::Connect => {
                let local = SocketAddr::new(IpAddr::V4(US4), 0);
                let remote = self.peers[2].addr;
                if let Ok(id) = self.ep.connect(self.now, local, remote) {
                    if let Ok((l, _)) = self.ep.addrs(id) {
                        self.peers[2].ours = l;
                        self.peers[2].our_isn = None;
                    }
                    self.track(id);
                }
            }
            Op::Accept => {
                let l = self.listeners[usize::from(input.u8() & 1)];
                if let Ok(id) = self.ep.accept(l) {
                    self.track(id);
                }
            }
            Op::Send => {
                let Some(i) = self.pick(input) else { return };
                let raw = input.u16();
                let len = usize::from(raw & 0x7fff) % (2 * BUFFER);
                let t = self.conns[i];
                stream::fill(Stream::App, t.written, &mut self.scratch[..len]);
                let now = self.now;
                let data = &self.scratch[..len];
                // The top bit: more to come (MSG_MORE).
                let sent = if raw & 0x8000 != 0 {
                    self.ep.send_more(now, t.id, data)
                } else {
                    self.ep.send(now, t.id, data)
                };
                if let Ok(n) = sent {
                    assert!(n <= len, "send took more than it was given");
                    self.conns[i].written = t.written.wrapping_add(n as u32);
                }
            }
            Op::Recv => {
                let Some(i) = self.pick(input) else { return };
                let len = usize::from(input.u16()) % (2 * BUFFER) + 1;
                let t = self.conns[i];
                let now = self.now;
                if let Ok(n) = self.ep.recv(now, t.id, &mut self.scratch[..len]) {
                    assert!(n <= len);
                    self.check_read(t, n);
                    self.report.read += n as u64;
                    self.conns[i].read = t.read.wrapping_add(n as u32);
                }
            }
            Op::Shutdown | Op::Close | Op::Abort => {
                let Some(i) = self.pick(input) else { return };
                let (now, id) = (self.now, self.conns[i].id);
                // Errors are fine (wrong state, stale handle); panics are not.
                let _ = match op {
                    Op::Shutdown => self.ep.shutdown(now, id),
                    Op::Close => self.ep.close(now, id),
                    _ => self.ep.abort(now, id),
                };
            }
            Op::Advance => {
                let step = input.u16();
                self.now += if step & 0x8000 != 0 {
                    Duration::from_millis(u64::from(step & 0x7fff))
                } else {
                    Duration::from_micros(u64::from(step))
                };
                self.timers();
            }
            Op::Options if input.u8() & 1 == 0 => {
                let Some(i) = self.pick(input) else { return };
                let (now, id) = (self.now, self.conns[i].id);
                let on = input.bool();
                let _ = self.ep.set_nodelay(id, on);
                let _ = self.ep.set_keepalive(now, id, !on);
                // Corking, the DS field, DF, and GRO-sized arrivals.
                let k = input.u8();
                let _ = self.ep.set_cork(id, k & 1 != 0);
                let _ = self.ep.set_tos(id, k);
                let _ = self.ep.set_path_mtu_discovery(id, k & 2 == 0);
                self.gro = (k & 4 != 0).then_some(u16::from(k >> 3) * 64);
                // A device that refuses every other packet from now on.
                self.refusing = input.u8() & 7 == 0;
            }
            Op::Options => {
                // Linux's wire rules (IW10, TSO packets sized as Linux
                // sizes them, PSH on each, its zero-window probe and probe
                // timeout, byte-counting slow start) or not, for the
                // connections the endpoint or one listener opens next.
                let linux = input.bool();
                let mut tcp = self.ep.config().tcp.clone();
                linux_rules(&mut tcp, linux);
                self.tso |= linux;
                let k = usize::from(input.u8());
                if k & 1 == 0 || self.listeners.is_empty() {
                    self.ep.set_tcp_config(tcp);
                } else {
                    let l = self.listeners[(k >> 1) % self.listeners.len()];
                    self.ep
                        .set_listener_config(l, tcp)
                        .expect("a live listener");
                }
            }
        }
    }

    /// A handle chosen by the input (possibly stale), if any were taken.
    fn pick(&self, input: &mut Input<'_>) -> Option<usize> {
        let k = usize::from(input.u8());
        (!self.conns.is_empty()).then(|| k % self.conns.len())
    }

    fn track(&mut self, id: ConnId) {
        if self.conns.len() == MAX_TRACKED {
            self.conns.remove(0);
        }
        self.conns.push(Tracked {
            id,
            read: 0,
            written: 0,
        });
    }

    /// Writes a segment from peer `input[0]` into `buf`; its length.
    /// An ICMP error (type, code, MTU from the input) quoting a segment of
    /// ours to a peer, its sequence number around what we have in flight.
    fn craft_icmp(&mut self, input: &mut Input<'_>) -> usize {
        let p = self.peers[usize::from(input.u8() & 3)];
        let v6 = p.addr.is_ipv6();
        let (ty, code) = match input.u8() % 6 {
            0 if v6 => (1, input.u8() % 8),
            0 => (3, input.u8() % 16),
            1 if v6 => (2, 0),
            1 => (3, 4),
            2 => (if v6 { 3 } else { 11 }, 0),
            3 => (if v6 { 4 } else { 12 }, input.u8() % 3),
            _ => (input.u8(), input.u8()),
        };
        let word = u32::from(input.u16());
        let our_isn = p.our_isn.unwrap_or(SeqNum(0));
        let seq = match input.u8() & 3 {
            0 => our_isn,
            1 => SeqNum(p.our_nxt.0.wrapping_sub(u32::from(input.u16()))),
            2 => our_isn + 1 + usize::from(input.u16()),
            _ => SeqNum(input.u32()),
        };
        let quoted_len = usize::from(input.u16()) % 1400;
        let tcp = TcpRepr {
            src_port: p.ours.port(),
            dst_port: p.addr.port(),
            seq,
            ack: p.nxt,
            flags: TcpFlags::ACK,
            window: 0,
            urgent: 0,
            options: TcpOptions::default(),
        };
        let ip = IpRepr {
            src: p.ours.ip(),
            dst: p.addr.ip(),
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let payload = &self.scratch[..quoted_len];
        let mut quoted = vec![0u8; 1500];
        let Ok(q) = emit_packet(&ip, &tcp, payload, &mut quoted) else {
            return 0;
        };
        // Routers quote 8 bytes of TCP or more.
        let least = if v6 { 48 } else { 28 };
        let keep = q.min(least + usize::from(input.u8()) * 8);
        icmp::emit_icmp_error(
            p.addr.ip(),
            p.ours.ip(),
            ty,
            code,
            word,
            &quoted[..keep],
            &mut self.buf,
        )
        .unwrap_or(0)
    }

    fn craft(&mut self, input: &mut Input<'_>) -> Option<usize> {
        let pi = usize::from(input.u8() & 3);
        let flags = TcpFlags(input.u8());
        let modes = input.u8();
        let p = self.peers[pi];
        let seq = match modes & 3 {
            0 => p.isn,
            1 => p.isn + 1 + usize::from(input.u16()),
            2 => SeqNum(p.nxt.0.wrapping_add(i32::from(input.u8() as i8) as u32)),
            _ => SeqNum(input.u32()),
        };
        let ack = match (modes >> 2) & 3 {
            0 => p.our_nxt,
            1 => p.our_nxt - usize::from(input.u8()),
            2 => p.our_isn.unwrap_or(SeqNum(0)) + 1 + usize::from(input.u16()),
            _ => SeqNum(input.u32()),
        };
        let window = input.u16();
        let len = usize::from(input.u8()) * 8;
        let mut options = TcpOptions::default();
        let o = input.u8();
        if o & 1 != 0 {
            options.mss = Some(input.u16());
        }
        if o & 2 != 0 {
            options.window_scale = Some(input.u8());
        }
        options.sack_permitted = o & 4 != 0;
        if o & 8 != 0 {
            options.timestamps = Some(Timestamps {
                tsval: input.u32(),
                tsecr: input.u32(),
            });
        }
        if o & 16 != 0 {
            let base = p.our_isn.unwrap_or(SeqNum(0)) + 1;
            let mut blocks = SackBlocks::default();
            for _ in 0..=(input.u8() % 3) {
                let left = base + usize::from(input.u16());
                blocks.push(left, left + usize::from(input.u16()));
            }
            options.sack_blocks = blocks;
        }
        let tcp = TcpRepr {
            src_port: p.addr.port(),
            dst_port: p.ours.port(),
            seq,
            ack,
            flags,
            window,
            urgent: 0,
            options,
        };
        let ip = IpRepr {
            src: p.addr.ip(),
            dst: p.ours.ip(),
            ttl: 64,
            // A router's ECN mark, any of the four (RFC 3168 5).
            ecn: modes >> 4 & 3,
            dscp: 0,
            dont_fragment: true,
        };
        // The payload is the peer's stream at this sequence number.
        let start = seq.0.wrapping_sub(p.isn.0.wrapping_add(1));
        let first = usize::from(flags.syn());
        stream::fill(
            Stream::Peer,
            start.wrapping_add(first as u32),
            &mut self.scratch[..len],
        );
        let n = emit_packet(&ip, &tcp, &self.scratch[..len], &mut self.buf).ok()?;
        if modes & 3 != 3 {
            let end = seq + len + first + usize::from(flags.fin());
            if end.gt(self.peers[pi].nxt) {
                self.peers[pi].nxt = end;
            }
        }
        Some(n)
    }

    /// Overwrites bytes of the TCP header in `buf[..n]` and fixes its
    /// checksum, so the damage reaches the option parser and beyond.
    fn mangle(&mut self, n: usize, input: &mut Input<'_>) {
        let Ok(p) = parse_packet(&self.buf[..n]) else {
            return;
        };
        let ip = p.ip;
        let ip_len = ip.header_len();
        let tcp_len = n - ip_len;
        for _ in 0..(input.u8() % 8) {
            let at = ip_len + usize::from(input.u8()) % tcp_len.max(1);
            self.buf[at] = input.u8();
        }
        let pseudo = match (ip.src, ip.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => checksum::pseudo_header_v4(&s, &d, 6, tcp_len as u16),
            (IpAddr::V6(s), IpAddr::V6(d)) => checksum::pseudo_header_v6(&s, &d, 6, tcp_len as u32),
            _ => return,
        };
        let mut seg = TcpPacket::new_unchecked(&mut self.buf[ip_len..n]);
        seg.fill_checksum(pseudo);
    }

    /// Marks the peer of the packet in `buf[..n]` as tainted if it carries
    /// payload the peer's stream does not predict (its header may have
    /// moved it).
    fn taint(&mut self, n: usize) {
        let Ok(p) = parse_packet(&self.buf[..n]) else {
            return;
        };
        if p.payload.is_empty() {
            return;
        }
        let src = SocketAddr::new(p.ip.src, p.tcp.src_port);
        for peer in self.peers.iter_mut().filter(|q| q.addr == src) {
            peer.tainted = true;
        }
    }

    fn deliver(&mut self, n: usize) {
        let now = self.now;
        if self.debug {
            eprintln!(
                "  in  {:?}",
                parse_packet(&self.buf[..n]).map(|p| (p.tcp, p.payload.len()))
            );
        }
        let pkt = core::mem::take(&mut self.buf);
        match self.gro {
            Some(size) => self
                .ep
                .handle_offloaded_packet(now, &pkt[..n], false, Some(size)),
            None => self.ep.handle_packet(now, &pkt[..n]),
        }
        self.buf = pkt;
    }

    fn timers(&mut self) {
        for _ in 0..256 {
            match self.ep.poll_timeout() {
                Some(t) if t <= self.now => self.ep.handle_timeout(self.now),
                _ => return,
            }
        }
        panic!("timers kept firing without time passing");
    }

    /// Takes every packet and event the endpoint has, checking each packet.
    fn drain(&mut self) {
        for _ in 0..100_000 {
            let now = self.now;
            let Some(n) = self.ep.poll_transmit(now, &mut self.buf) else {
                break;
            };
            assert!(
                n <= MTU || (self.tso && n <= 65_535),
                "a {n}-byte packet on a {MTU}-byte MTU"
            );
            self.report.largest_packet = self.report.largest_packet.max(n);
            let pkt = core::mem::take(&mut self.buf);
            self.refuse_next = !self.refuse_next;
            if self.refusing && self.refuse_next {
                parse_packet(&pkt[..n]).expect("we sent a bad packet");
                self.ep.transmit_failed(now, &pkt[..n]);
            } else {
                self.check_sent(&pkt[..n]);
            }
            self.buf = pkt;
        }
        while let Some(ev) = self.ep.poll_event() {
            match ev {
                Event::Incoming(l) => {
                    // Accepted connections are established ones.
                    while let Ok(id) = self.ep.accept(l) {
                        self.report.established += 1;
                        self.track(id);
                    }
                }
                Event::Conn(_, EventKind::Connected) => self.report.established += 1,
                _ => {}
            }
        }
        while self.ep.poll_trace().is_some() {}
    }

    fn check_sent(&mut self, bytes: &[u8]) {
        let p = parse_packet(bytes).unwrap_or_else(|e| panic!("we sent a bad packet: {e:?}"));
        if self.debug {
            eprintln!("  out {:?} len {}", p.tcp, p.payload.len());
        }
        assert!(
            p.ip.src == IpAddr::V4(US4) || p.ip.src == IpAddr::V6(US6),
            "sent from {}",
            p.ip.src
        );
        let local = SocketAddr::new(p.ip.src, p.tcp.src_port);
        let remote = SocketAddr::new(p.ip.dst, p.tcp.dst_port);
        let t = &p.tcp;
        // The peer's view of us.
        if let Some(peer) = self
            .peers
            .iter_mut()
            .find(|q| q.addr == remote && q.ours == local)
            && !t.flags.rst()
        {
            if t.flags.syn() {
                peer.our_isn = Some(t.seq);
                peer.our_nxt = t.seq + 1;
            }
            let end =
                t.seq + p.payload.len() + usize::from(t.flags.syn()) + usize::from(t.flags.fin());
            if end.gt(peer.our_nxt) {
                peer.our_nxt = end;
            }
        }
        self.report.packets += 1;
        self.report.sent += p.payload.len() as u64;
        // Our payload is the application's stream at this offset.
        if p.payload.is_empty() {
            return;
        }
        let conn = self
            .ep
            .connections()
            // A closed connection the application still holds may share
            // the addresses of a new one.
            .find(|c| c.local() == local && c.remote() == remote && c.state() != State::Closed)
            .unwrap_or_else(|| panic!("data sent for no connection: {:?}", p.tcp));
        let start = t.seq.0.wrapping_sub(conn.iss().0.wrapping_add(1));
        if let Some(off) = stream::mismatch(Stream::App, start, p.payload) {
            panic!("byte {off} of the stream corrupted on the way out");
        }
    }

    fn check_read(&self, t: Tracked, n: usize) {
        let Ok(c) = self.ep.connection(t.id) else {
            return;
        };
        let Some(peer) = self.peers.iter().find(|p| p.addr == c.remote()) else {
            return;
        };
        // A connection opened by a SYN at another sequence number (a
        // crafted one) carries a stream this check cannot predict.
        if c.irs() != peer.isn || peer.tainted {
            return;
        }
        if let Some(off) = stream::mismatch(Stream::Peer, t.read, &self.scratch[..n]) {
            panic!("byte {off} read is not the byte sent there");
        }
    }

    fn check(&self) {
        let limit = self.ep.config().max_connections;
        assert!(self.ep.connection_count() <= limit);
        for c in self.ep.connections() {
            assert!(
                c.recv_buffered() <= c.recv_buffer_size().max(BUFFER),
                "{c:?}"
            );
            assert!(c.send_buffered() <= c.send_buffer_size().max(BUFFER));
        }
    }
}
