//! The scripted-test harness: one [`Endpoint`] (the stack under test, at
//! 198.18.0.2 or 2001:db8::2) and a fake peer (198.18.0.1 / 2001:db8::1)
//! that the test drives by hand, segment by segment.
//!
//! Sequence numbers in tests are relative, as in a packet capture with
//! "relative sequence numbers": a segment from the peer has `seq` relative
//! to the peer's ISS and `ack` relative to the stack's ISS; a segment from
//! the stack the other way round. The stack's ISS is learnt from the first
//! SYN it sends (SYN or SYN-ACK). So `Seg::ack_at(1, 1)` from the peer is
//! "the first byte after your SYN, acknowledging my SYN".
//!
//! Each test states only what differs from the template [`Seg::default`]:
//! an ACK-bearing segment at relative 0 with no data and no options.
//!
//! Time only moves when the test says so ([`Harness::advance`]); the
//! harness behaves like a driver that transmits at once: everything the
//! stack can send is drained (and timed) before time moves, and every
//! timer deadline on the way is run at its exact instant.

#![allow(dead_code)]

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use core::time::Duration;
use synack_core::wire::{self, IpRepr, TcpFlags, TcpOptions, TcpRepr};
use synack_core::{
    ConnId, Endpoint, EndpointConfig, Error, Event, EventKind, Instant, ListenerId, SeqNum, State,
};

/// The stack under test (IPv4).
pub const STACK_V4: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// The fake peer (IPv4).
pub const PEER_V4: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// The stack under test (IPv6).
pub const STACK_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
/// The fake peer (IPv6).
pub const PEER_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
/// Port the stack listens on in passive tests (and the peer's in active ones).
pub const SERVER_PORT: u16 = 80;
/// The peer's port in passive tests.
pub const PEER_PORT: u16 = 40000;
/// The peer's initial sequence number (absolute).
pub const PEER_ISS: u32 = 0x1000_0000;
/// The window the peer advertises unless a test says otherwise.
pub const PEER_WINDOW: u16 = 65535;
/// The MSS the peer announces on its SYN.
pub const PEER_MSS: u16 = 1460;
/// The stack's MSS over IPv4 with the default MTU of 1500.
pub const MSS_V4: usize = 1460;
/// The stack's MSS over IPv6 with the default MTU of 1500.
pub const MSS_V6: usize = 1440;
/// The fixed secret of the endpoint under test.
pub const SECRET: [u8; 16] = *b"scripted-tests!!";

/// A segment with relative sequence numbers.
///
/// `ctl` holds SYN / FIN / RST (PSH is advisory: [`Harness::recv`] drops
/// it and comparisons ignore it); the ACK bit is set iff `ack` is `Some`. `window: None` means
/// "the peer's default" when sending and "don't care" when expecting.
#[derive(Clone, PartialEq, Eq)]
pub struct Seg {
    pub ctl: TcpFlags,
    pub seq: u32,
    pub ack: Option<u32>,
    pub window: Option<u16>,
    pub options: TcpOptions,
    pub data: Vec<u8>,
}

impl Default for Seg {
    fn default() -> Self {
        Seg {
            ctl: TcpFlags::empty(),
            seq: 0,
            ack: Some(0),
            window: None,
            options: TcpOptions::default(),
            data: Vec::new(),
        }
    }
}

impl Seg {
    /// `<SEQ=seq><ACK=ack><CTL=ACK>`.
    pub fn ack_at(seq: u32, ack: u32) -> Seg {
        Seg {
            seq,
            ack: Some(ack),
            ..Seg::default()
        }
    }

    /// `<SEQ=seq><CTL=SYN>` with the peer's usual MSS option.
    pub fn syn(seq: u32) -> Seg {
        Seg {
            ctl: TcpFlags::SYN,
            seq,
            ack: None,
            options: mss(PEER_MSS),
            ..Seg::default()
        }
    }

    /// `<SEQ=seq><ACK=ack><CTL=SYN,ACK>` with the peer's usual MSS option.
    pub fn syn_ack(seq: u32, ack: u32) -> Seg {
        Seg {
            ctl: TcpFlags::SYN,
            seq,
            ack: Some(ack),
            options: mss(PEER_MSS),
            ..Seg::default()
        }
    }

    /// `<SEQ=seq><CTL=RST>`.
    pub fn rst(seq: u32) -> Seg {
        Seg {
            ctl: TcpFlags::RST,
            seq,
            ack: None,
            ..Seg::default()
        }
    }

    /// `<SEQ=seq><ACK=ack><CTL=RST,ACK>`.
    pub fn rst_ack(seq: u32, ack: u32) -> Seg {
        Seg {
            ctl: TcpFlags::RST,
            seq,
            ack: Some(ack),
            ..Seg::default()
        }
    }

    /// `<SEQ=seq><ACK=ack><CTL=FIN,ACK>`.
    pub fn fin(seq: u32, ack: u32) -> Seg {
        Seg {
            ctl: TcpFlags::FIN,
            seq,
            ack: Some(ack),
            ..Seg::default()
        }
    }

    /// `<SEQ=seq><ACK=ack><CTL=ACK>` carrying `data`.
    pub fn data(seq: u32, ack: u32, data: &[u8]) -> Seg {
        Seg {
            seq,
            ack: Some(ack),
            data: data.to_vec(),
            ..Seg::default()
        }
    }

    /// The same segment with window `w`.
    pub fn win(self, w: u16) -> Seg {
        Seg {
            window: Some(w),
            ..self
        }
    }

    /// The same segment with extra control bits.
    pub fn with(self, ctl: TcpFlags) -> Seg {
        Seg {
            ctl: self.ctl | ctl,
            ..self
        }
    }

    /// The same segment without the ACK bit.
    pub fn no_ack(self) -> Seg {
        Seg { ack: None, ..self }
    }

    /// The same segment with these options.
    pub fn opts(self, options: TcpOptions) -> Seg {
        Seg { options, ..self }
    }

    /// Sequence space the segment occupies (SYN and FIN count one).
    pub fn len(&self) -> u32 {
        self.data.len() as u32 + u32::from(self.ctl.syn()) + u32::from(self.ctl.fin())
    }

    pub fn matches(&self, expected: &Seg) -> bool {
        let ctl = |f: TcpFlags| f.without(TcpFlags::PSH).without(TcpFlags::ACK);
        ctl(self.ctl) == ctl(expected.ctl)
            && self.seq == expected.seq
            && self.ack == expected.ack
            && (expected.window.is_none() || self.window == expected.window)
            && self.options == expected.options
            && self.data == expected.data
    }
}

impl fmt::Debug for Seg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<SEQ={}>", self.seq as i32)?;
        if let Some(a) = self.ack {
            write!(f, "<ACK={}>", a as i32)?;
        }
        let mut ctl = Vec::new();
        for (bit, name) in [
            (TcpFlags::SYN, "SYN"),
            (TcpFlags::FIN, "FIN"),
            (TcpFlags::RST, "RST"),
            (TcpFlags::PSH, "PSH"),
        ] {
            if self.ctl.contains(bit) {
                ctl.push(name);
            }
        }
        if self.ack.is_some() {
            ctl.push("ACK");
        }
        write!(f, "<CTL={}>", ctl.join(","))?;
        if let Some(w) = self.window {
            write!(f, "<WND={w}>")?;
        }
        if self.options != TcpOptions::default() {
            write!(f, "<OPT={:?}>", self.options)?;
        }
        if !self.data.is_empty() {
            write!(f, "<DATA={} bytes>", self.data.len())?;
        }
        Ok(())
    }
}

/// Options carrying only an MSS.
pub fn mss(mss: u16) -> TcpOptions {
    TcpOptions {
        mss: Some(mss),
        ..TcpOptions::default()
    }
}

/// Options carrying an MSS and a window scale.
pub fn mss_ws(mss: u16, shift: u8) -> TcpOptions {
    TcpOptions {
        mss: Some(mss),
        window_scale: Some(shift),
        ..TcpOptions::default()
    }
}

/// `n` bytes of recognisable payload starting at `start`.
pub fn bytes(start: usize, n: usize) -> Vec<u8> {
    (start..start + n).map(|i| (i % 251) as u8).collect()
}

/// `s` milliseconds.
pub const fn ms(s: u64) -> Duration {
    Duration::from_millis(s)
}

/// The harness: an endpoint, a fake peer and a clock.
pub struct Harness {
    pub ep: Endpoint,
    pub now: Instant,
    /// The stack's address for this test's connection.
    pub local: SocketAddr,
    /// The fake peer's address.
    pub remote: SocketAddr,
    /// The stack's ISS once seen on a SYN or SYN-ACK.
    pub iss: Option<SeqNum>,
    /// The peer's ISS.
    pub peer_iss: SeqNum,
    /// The application's handle, once connected / accepted.
    pub conn: Option<ConnId>,
    pub listener: Option<ListenerId>,
    /// Packets the stack sent, with the instant each left.
    outbox: Vec<(Instant, Vec<u8>)>,
}

impl Harness {
    /// An IPv4 stack with the default configuration.
    pub fn new() -> Self {
        Self::with_config(false, |_| {})
    }

    /// An IPv6 stack with the default configuration.
    pub fn new_v6() -> Self {
        Self::with_config(true, |_| {})
    }

    /// A stack whose configuration `tweak` adjusts.
    pub fn with_config(v6: bool, tweak: impl FnOnce(&mut EndpointConfig)) -> Self {
        let (stack, peer): (IpAddr, IpAddr) = if v6 {
            (STACK_V6.into(), PEER_V6.into())
        } else {
            (STACK_V4.into(), PEER_V4.into())
        };
        // RFC 9293's base protocol: SACK and timestamps are off here and
        // tested on their own (options.rs).
        let mut config = EndpointConfig {
            addresses: vec![STACK_V4.into(), STACK_V6.into()],
            secret: SECRET,
            trace: true,
            ..EndpointConfig::default()
        };
        config.tcp.sack = false;
        config.tcp.timestamps = false;
        tweak(&mut config);
        Harness {
            ep: Endpoint::new(config),
            now: Instant::from_millis(1000),
            local: SocketAddr::new(stack, SERVER_PORT),
            remote: SocketAddr::new(peer, PEER_PORT),
            iss: None,
            peer_iss: SeqNum(PEER_ISS),
            conn: None,
            listener: None,
            outbox: Vec::new(),
        }
    }

    pub fn is_v6(&self) -> bool {
        self.local.is_ipv6()
    }

    /// The stack's MSS for this address family.
    pub fn mss(&self) -> usize {
        if self.is_v6() { MSS_V6 } else { MSS_V4 }
    }

    /// The stack's ISS (panics if no SYN was seen yet).
    pub fn iss(&self) -> SeqNum {
        self.iss.expect("the stack's ISS is not known yet")
    }

    // ----- sending (peer -> stack) -----------------------------------------

    /// Takes `iss` as the stack's ISS (a SYN-ACK seen with `recv_raw`).
    pub fn learn_iss(&mut self, iss: SeqNum) {
        self.iss = Some(iss);
    }

    /// Sends `seg` (relative numbers) from the peer.
    pub fn send(&mut self, seg: Seg) {
        let tcp = self.to_wire(&seg);
        self.send_raw(tcp, &seg.data);
    }

    /// Translates a relative segment from the peer to wire form.
    pub fn to_wire(&self, seg: &Seg) -> TcpRepr {
        let mut flags = seg.ctl;
        let ack = match seg.ack {
            Some(a) => {
                flags |= TcpFlags::ACK;
                self.iss.map_or(SeqNum(a), |iss| iss + a as usize)
            }
            None => SeqNum(0),
        };
        TcpRepr {
            src_port: self.remote.port(),
            dst_port: self.local.port(),
            seq: self.peer_iss + seg.seq as usize,
            ack,
            flags,
            window: seg.window.unwrap_or(PEER_WINDOW),
            urgent: 0,
            options: seg.options,
        }
    }

    /// Sends a raw TCP header and payload from the peer's address.
    pub fn send_raw(&mut self, tcp: TcpRepr, payload: &[u8]) {
        let bytes = self.packet(self.remote.ip(), self.local.ip(), &tcp, payload);
        self.send_bytes(&bytes);
    }

    /// Builds the IP packet for a segment.
    pub fn packet(&self, src: IpAddr, dst: IpAddr, tcp: &TcpRepr, payload: &[u8]) -> Vec<u8> {
        let ip = IpRepr {
            src,
            dst,
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let mut buf = vec![0u8; 2048 + payload.len()];
        let n = wire::emit_packet(&ip, tcp, payload, &mut buf).expect("emit_packet");
        buf.truncate(n);
        buf
    }

    /// The packet `seg` would be, for tests that then damage it.
    pub fn packet_for(&self, seg: &Seg) -> Vec<u8> {
        let tcp = self.to_wire(seg);
        self.packet(self.remote.ip(), self.local.ip(), &tcp, &seg.data)
    }

    /// Sends several segments back to back, as a driver that reads a batch
    /// of packets does, and only then lets the stack transmit.
    pub fn send_batch(&mut self, segs: &[Seg]) {
        for seg in segs {
            let tcp = self.to_wire(seg);
            let bytes = self.packet(self.remote.ip(), self.local.ip(), &tcp, &seg.data);
            self.ep.handle_packet(self.now, &bytes);
        }
        self.drain();
    }

    /// Hands raw bytes to the endpoint.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.ep.handle_packet(self.now, bytes);
        self.drain();
    }

    // ----- receiving (stack -> peer) ----------------------------------------

    /// Moves everything the stack can send now into the outbox.
    fn drain(&mut self) {
        let mut buf = vec![0u8; 65536];
        while let Some(n) = self.ep.poll_transmit(self.now, &mut buf) {
            self.outbox.push((self.now, buf[..n].to_vec()));
        }
    }

    /// Everything the stack sent since the last call, as IP packets.
    pub fn recv_packets(&mut self) -> Vec<Vec<u8>> {
        self.drain();
        std::mem::take(&mut self.outbox)
            .into_iter()
            .map(|(_, b)| b)
            .collect()
    }

    /// Everything the stack sent since the last call, parsed, with times.
    pub fn recv_raw_timed(&mut self) -> Vec<(Instant, TcpRepr, Vec<u8>)> {
        self.drain();
        std::mem::take(&mut self.outbox)
            .into_iter()
            .map(|(t, bytes)| {
                let p = wire::parse_packet(&bytes).expect("the stack emitted a bad packet");
                (t, p.tcp, p.payload.to_vec())
            })
            .collect()
    }

    /// Everything the stack sent since the last call, parsed.
    pub fn recv_raw(&mut self) -> Vec<(TcpRepr, Vec<u8>)> {
        self.recv_raw_timed()
            .into_iter()
            .map(|(_, t, p)| (t, p))
            .collect()
    }

    /// Everything the stack sent since the last call, with relative numbers
    /// and the instant each segment left. Learns the stack's ISS from its
    /// first SYN. Checks addresses and ports.
    pub fn recv_timed(&mut self) -> Vec<(Instant, Seg)> {
        self.drain();
        let out = std::mem::take(&mut self.outbox);
        let mut segs = Vec::new();
        for (t, bytes) in out {
            let p = wire::parse_packet(&bytes).expect("the stack emitted a bad packet");
            assert_eq!(p.ip.src, self.local.ip(), "source address");
            assert_eq!(p.ip.dst, self.remote.ip(), "destination address");
            assert_eq!(p.tcp.src_port, self.local.port(), "source port");
            assert_eq!(p.tcp.dst_port, self.remote.port(), "destination port");
            if p.tcp.flags.syn() && self.iss.is_none() {
                self.iss = Some(p.tcp.seq);
            }
            let iss = self.iss.unwrap_or(SeqNum(0));
            segs.push((
                t,
                Seg {
                    // PSH is advisory: dropped so that segments compare
                    // with `==` regardless of it.
                    ctl: p.tcp.flags.without(TcpFlags::ACK).without(TcpFlags::PSH),
                    seq: p.tcp.seq.0.wrapping_sub(iss.0),
                    ack: p
                        .tcp
                        .flags
                        .ack()
                        .then(|| p.tcp.ack.0.wrapping_sub(self.peer_iss.0)),
                    window: Some(p.tcp.window),
                    options: p.tcp.options,
                    data: p.payload.to_vec(),
                },
            ));
        }
        segs
    }

    /// Everything the stack sent since the last call, relative numbers.
    pub fn recv(&mut self) -> Vec<Seg> {
        self.recv_timed().into_iter().map(|(_, s)| s).collect()
    }

    /// Asserts that the stack sent exactly `expected` (in order) since the
    /// last call. Windows set to `None` and the PSH bit are not compared.
    #[track_caller]
    pub fn expect(&mut self, expected: &[Seg]) {
        let got = self.recv();
        let ok = got.len() == expected.len() && got.iter().zip(expected).all(|(g, e)| g.matches(e));
        assert!(
            ok,
            "at {}:\n  expected {expected:#?}\n  got      {got:#?}",
            self.now
        );
    }

    /// Asserts that the stack sent nothing.
    #[track_caller]
    pub fn expect_nothing(&mut self) {
        self.expect(&[]);
    }

    // ----- time ------------------------------------------------------------

    /// Moves time forward by `d`, running every timer due on the way at its
    /// own deadline and transmitting what it produces.
    pub fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        self.advance_to(target);
    }

    /// Moves time forward to `target` (see [`Harness::advance`]).
    pub fn advance_to(&mut self, target: Instant) {
        self.drain();
        while let Some(t) = self.ep.poll_timeout() {
            if t > target {
                break;
            }
            self.now = self.now.max(t);
            self.ep.handle_timeout(self.now);
            self.drain();
        }
        self.now = target;
    }

    /// The next instant a timer is due, if any.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.ep.poll_timeout()
    }

    // ----- application -----------------------------------------------------

    /// The application's handle.
    pub fn conn(&self) -> ConnId {
        self.conn.expect("no connection handle")
    }

    /// The state of the test's only connection, found by scanning (works for
    /// connections the application holds no handle to); `None` if the
    /// endpoint holds no connection at all.
    pub fn state(&self) -> Option<State> {
        let mut found = None;
        for s in State::ALL {
            match self.ep.count_in_state(s) {
                0 => {}
                1 => {
                    assert!(found.is_none(), "more than one connection");
                    found = Some(s);
                }
                n => panic!("{n} connections in {s}"),
            }
        }
        found
    }

    /// Asserts the state of the only connection.
    #[track_caller]
    pub fn assert_state(&self, s: State) {
        assert_eq!(self.state(), Some(s), "connection state");
    }

    /// Asserts that the endpoint holds no connection (the TCB is deleted).
    #[track_caller]
    pub fn assert_no_connection(&self) {
        assert_eq!(self.state(), None, "a connection still exists");
        assert_eq!(self.ep.connection_count(), 0, "connection count");
    }

    /// All application events since the last call.
    pub fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.ep.poll_event()).collect()
    }

    /// Events about the connection, as kinds.
    pub fn conn_events(&mut self) -> Vec<EventKind> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Conn(_, k) => Some(k),
                _ => None,
            })
            .collect()
    }

    /// The application queues `data`; asserts all of it was taken.
    #[track_caller]
    pub fn app_send(&mut self, data: &[u8]) {
        let n = self.ep.send(self.now, self.conn(), data).expect("send");
        assert_eq!(n, data.len(), "send took only part of the data");
        self.drain();
    }

    /// The application reads up to `max` bytes.
    pub fn app_recv(&mut self, max: usize) -> Result<Vec<u8>, Error> {
        let mut buf = vec![0u8; max];
        let r = self.ep.recv(self.now, self.conn(), &mut buf);
        self.drain();
        r.map(|n| {
            buf.truncate(n);
            buf
        })
    }

    /// The application shuts down its sending side (FIN).
    #[track_caller]
    pub fn app_shutdown(&mut self) {
        self.ep.shutdown(self.now, self.conn()).expect("shutdown");
        self.drain();
    }

    /// The application closes (and releases) the connection.
    #[track_caller]
    pub fn app_close(&mut self) {
        self.ep.close(self.now, self.conn()).expect("close");
        self.drain();
    }

    /// The application aborts the connection.
    #[track_caller]
    pub fn app_abort(&mut self) {
        self.ep.abort(self.now, self.conn()).expect("abort");
        self.drain();
    }

    // ----- reaching each state ---------------------------------------------

    /// LISTEN on the server port with room for `backlog` connections.
    pub fn listen(&mut self, backlog: usize) -> ListenerId {
        let l = self
            .ep
            .listen(SocketAddr::new(self.local.ip(), SERVER_PORT), backlog)
            .expect("listen");
        self.listener = Some(l);
        l
    }

    /// SYN-RECEIVED, passive: listen, the peer's SYN (MSS 1460, no window
    /// scale), the stack's SYN-ACK.
    pub fn syn_received(&mut self) {
        self.listen(8);
        self.send(Seg::syn(0));
        let out = self.recv();
        assert_eq!(out.len(), 1, "one SYN-ACK expected, got {out:?}");
        assert!(
            out[0].matches(&Seg::syn_ack(0, 1).opts(mss(self.mss() as u16)).win(65535)),
            "SYN-ACK expected, got {out:?}"
        );
        self.assert_state(State::SynReceived);
    }

    /// ESTABLISHED, passive: SYN-RECEIVED, the peer's ACK, accept.
    pub fn established_passive(&mut self) {
        self.syn_received();
        self.send(Seg::ack_at(1, 1));
        self.expect_nothing();
        let l = self.listener.expect("listener");
        self.conn = Some(self.ep.accept(l).expect("accept"));
        assert_eq!(self.ep.state(self.conn()), Ok(State::Established));
        self.events();
    }

    /// SYN-SENT, active: connect from an ephemeral port to the peer's port
    /// 80; the stack's SYN.
    pub fn syn_sent(&mut self) {
        self.remote = SocketAddr::new(self.remote.ip(), SERVER_PORT);
        let any: IpAddr = if self.is_v6() {
            Ipv6Addr::UNSPECIFIED.into()
        } else {
            Ipv4Addr::UNSPECIFIED.into()
        };
        let c = self
            .ep
            .connect(self.now, SocketAddr::new(any, 0), self.remote)
            .expect("connect");
        self.conn = Some(c);
        self.local = self.ep.addrs(c).expect("addrs").0;
        let out = self.recv();
        assert_eq!(out.len(), 1, "one SYN expected, got {out:?}");
        assert_eq!(out[0].ctl, TcpFlags::SYN, "SYN expected, got {out:?}");
        assert_eq!(out[0].seq, 0);
        assert_eq!(self.ep.state(c), Ok(State::SynSent));
    }

    /// ESTABLISHED, active: SYN-SENT, the peer's SYN-ACK, the stack's ACK.
    pub fn established_active(&mut self) {
        self.syn_sent();
        self.send(Seg::syn_ack(0, 1));
        self.expect(&[Seg::ack_at(1, 1).win(65535)]);
        assert_eq!(self.ep.state(self.conn()), Ok(State::Established));
        self.events();
    }

    /// ESTABLISHED (passive by default).
    pub fn established(&mut self) {
        self.established_passive();
    }

    /// FIN-WAIT-1: ESTABLISHED, the application shuts down, the stack's FIN.
    pub fn fin_wait_1(&mut self) {
        self.established();
        self.app_shutdown();
        self.expect(&[Seg::fin(1, 1)]);
        self.assert_state(State::FinWait1);
    }

    /// FIN-WAIT-2: FIN-WAIT-1 and the peer's ACK of the FIN.
    pub fn fin_wait_2(&mut self) {
        self.fin_wait_1();
        self.send(Seg::ack_at(1, 2));
        self.expect_nothing();
        self.assert_state(State::FinWait2);
        // The application hears that its FIN arrived.
        assert_eq!(self.conn_events(), vec![EventKind::SendClosed]);
    }

    /// CLOSE-WAIT: ESTABLISHED and the peer's FIN, acknowledged at once.
    pub fn close_wait(&mut self) {
        self.established();
        self.send(Seg::fin(1, 1));
        self.expect(&[Seg::ack_at(1, 2)]);
        self.assert_state(State::CloseWait);
        self.events();
    }

    /// LAST-ACK: CLOSE-WAIT, the application shuts down, the stack's FIN.
    pub fn last_ack(&mut self) {
        self.close_wait();
        self.app_shutdown();
        self.expect(&[Seg::fin(1, 2)]);
        self.assert_state(State::LastAck);
    }

    /// CLOSING: FIN-WAIT-1 and the peer's FIN that does not ACK ours.
    pub fn closing(&mut self) {
        self.fin_wait_1();
        self.send(Seg::fin(1, 1));
        self.expect(&[Seg::ack_at(2, 2)]);
        self.assert_state(State::Closing);
        self.events();
    }

    /// TIME-WAIT: FIN-WAIT-2 and the peer's FIN.
    pub fn time_wait(&mut self) {
        self.fin_wait_2();
        self.send(Seg::fin(1, 2));
        self.expect(&[Seg::ack_at(2, 2)]);
        self.assert_state(State::TimeWait);
        self.events();
    }
}
