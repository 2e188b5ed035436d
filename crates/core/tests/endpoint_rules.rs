//! Endpoint-level rules: what reaches a listener or nothing at all.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use synack_core::config::SynCookies;
use synack_core::wire::{self, IpRepr, TcpFlags, TcpOptions, TcpRepr};
use synack_core::{Endpoint, EndpointConfig, Instant, SeqNum};

const ME: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));

fn endpoint() -> Endpoint {
    endpoint_with_listener().0
}

fn endpoint_with_listener() -> (Endpoint, synack_core::ListenerId) {
    let mut ep = Endpoint::new(EndpointConfig {
        addresses: vec![ME],
        ..EndpointConfig::default()
    });
    let l = ep.listen(SocketAddr::new(ME, 80), 8).unwrap();
    (ep, l)
}

fn segment(src: IpAddr, dst: IpAddr, dst_port: u16, flags: TcpFlags) -> Vec<u8> {
    let tcp = TcpRepr {
        src_port: 4000,
        dst_port,
        seq: SeqNum(1000),
        ack: SeqNum(0),
        flags,
        window: 1000,
        urgent: 0,
        options: TcpOptions::default(),
    };
    let mut buf = vec![0u8; 100];
    let n = wire::emit_packet(
        &IpRepr {
            src,
            dst,
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        },
        &tcp,
        &[],
        &mut buf,
    )
    .unwrap();
    buf.truncate(n);
    buf
}

fn output(ep: &mut Endpoint) -> Vec<TcpRepr> {
    let mut buf = [0u8; 1500];
    std::iter::from_fn(|| {
        ep.poll_transmit(Instant::ZERO, &mut buf)
            .map(|n| wire::parse_packet(&buf[..n]).unwrap().tcp)
    })
    .collect()
}

#[test]
fn syn_to_listener_gets_syn_ack() {
    let mut ep = endpoint();
    ep.handle_packet(Instant::ZERO, &segment(PEER, ME, 80, TcpFlags::SYN));
    let out = output(&mut ep);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].flags, TcpFlags::SYN | TcpFlags::ACK);
    assert_eq!(out[0].ack, SeqNum(1001));
    assert_eq!(ep.connection_count(), 1);
}

#[test]
fn syn_fin_to_listener_opens_like_a_syn_unless_configured_to_drop() {
    // RFC 9293 3.10.7.2: the SYN is processed; the FIN is not taken yet
    // (the SYN-ACK acknowledges the SYN only).
    let mut ep = endpoint();
    ep.handle_packet(
        Instant::ZERO,
        &segment(PEER, ME, 80, TcpFlags::SYN | TcpFlags::FIN),
    );
    let out = output(&mut ep);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].flags, TcpFlags::SYN | TcpFlags::ACK);
    assert_eq!(out[0].ack, SeqNum(1001));
    // Config::drop_syn_fin (FreeBSD's drop_synfin): dropped, no answer.
    let mut ep = endpoint();
    let mut tcp = ep.config().tcp.clone();
    tcp.drop_syn_fin = true;
    ep.set_tcp_config(tcp);
    ep.handle_packet(
        Instant::ZERO,
        &segment(PEER, ME, 80, TcpFlags::SYN | TcpFlags::FIN),
    );
    assert!(output(&mut ep).is_empty());
    assert_eq!(ep.connection_count(), 0);
    assert_eq!(ep.stats().rx_dropped, 1);
}

#[test]
fn broadcast_and_multicast_never_open_or_draw_rst() {
    let mut ep = endpoint();
    let bcast = IpAddr::V4(Ipv4Addr::BROADCAST);
    let mcast = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 1));
    // From a multicast source to a listener, and to a closed port.
    ep.handle_packet(Instant::ZERO, &segment(mcast, ME, 80, TcpFlags::SYN));
    ep.handle_packet(Instant::ZERO, &segment(bcast, ME, 81, TcpFlags::SYN));
    assert!(output(&mut ep).is_empty());
    assert_eq!(ep.connection_count(), 0);
    assert_eq!(ep.stats().rx_not_ours, 2);
}

#[test]
fn closed_port_draws_rst_ack() {
    let mut ep = endpoint();
    ep.handle_packet(Instant::ZERO, &segment(PEER, ME, 81, TcpFlags::SYN));
    let out = output(&mut ep);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].flags, TcpFlags::RST | TcpFlags::ACK);
    assert_eq!((out[0].seq, out[0].ack), (SeqNum(0), SeqNum(1001)));
    assert_eq!(ep.stats().rx_no_connection, 1);
}

/// The backlog bounds the embryonic connections; SYNs beyond it are
/// answered with SYN cookies (the default) or dropped (cookies off).
#[test]
fn backlog_bounds_embryonic_connections() {
    for cookies in [SynCookies::WhenNeeded, SynCookies::Off] {
        let mut ep = Endpoint::new(EndpointConfig {
            addresses: vec![ME],
            syn_cookies: cookies,
            ..EndpointConfig::default()
        });
        ep.listen(SocketAddr::new(ME, 80), 2).unwrap();
        for port in 0..5u16 {
            let mut tcp = wire::parse_packet(&segment(PEER, ME, 80, TcpFlags::SYN))
                .unwrap()
                .tcp;
            tcp.src_port = 5000 + port; // distinct connections
            let mut buf = vec![0u8; 100];
            let n = wire::emit_packet(
                &IpRepr {
                    src: PEER,
                    dst: ME,
                    ttl: 64,
                    ecn: 0,
                    dscp: 0,
                    dont_fragment: true,
                },
                &tcp,
                &[],
                &mut buf,
            )
            .unwrap();
            ep.handle_packet(Instant::ZERO, &buf[..n]);
        }
        assert_eq!(ep.connection_count(), 2, "{cookies:?}");
        let (dropped, cookied) = if cookies == SynCookies::Off {
            (3, 0)
        } else {
            (0, 3)
        };
        assert_eq!(ep.stats().backlog_drops, dropped, "{cookies:?}");
        assert_eq!(ep.stats().syn_cookies_sent, cookied, "{cookies:?}");
        let mut buf = [0u8; 1500];
        let mut synacks = 0;
        while ep.poll_transmit(Instant::ZERO, &mut buf).is_some() {
            synacks += 1;
        }
        assert_eq!(synacks, 2 + cookied, "{cookies:?}");
    }
}

/// A passive open must take data whatever the client's ISN: with the ISN
/// just below 2^31 the window's right edge was once computed from zero and
/// the first data segment looked out of window.
#[test]
fn passive_open_accepts_data_for_any_client_isn() {
    for isn in [0u32, 0x7fff_ff00, 0x8000_0000, 0xffff_ff00, 0x7fff_0000 - 1] {
        let (mut ep, l) = endpoint_with_listener();
        let syn = TcpRepr {
            src_port: 4000,
            dst_port: 80,
            seq: SeqNum(isn),
            flags: TcpFlags::SYN,
            window: 65535,
            ..TcpRepr::default()
        };
        let ip = IpRepr {
            src: PEER,
            dst: ME,
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let mut buf = vec![0u8; 200];
        let n = wire::emit_packet(&ip, &syn, &[], &mut buf).unwrap();
        ep.handle_packet(Instant::ZERO, &buf[..n]);
        let synack = output(&mut ep).remove(0);
        assert_eq!(synack.window, 65535, "SYN-ACK window for ISN {isn:#x}");
        let ack = TcpRepr {
            seq: SeqNum(isn) + 1,
            ack: synack.seq + 1,
            flags: TcpFlags::ACK,
            ..syn
        };
        let n = wire::emit_packet(&ip, &ack, b"hello", &mut buf).unwrap();
        ep.handle_packet(Instant::ZERO, &buf[..n]);
        assert_eq!(ep.stats().rx_dropped, 0, "data dropped for ISN {isn:#x}");
        let c = ep.accept(l).unwrap();
        let mut got = [0u8; 16];
        assert_eq!(ep.recv(Instant::ZERO, c, &mut got), Ok(5), "ISN {isn:#x}");
    }
}

/// With a 65535-byte MTU a buffer of the MTU is enough for every packet
/// (it once had to hold the largest headers on top of a full segment, so
/// the SYN-ACK never left and the handshake hung).
#[test]
fn a_65535_byte_mtu_works_with_an_mtu_sized_buffer() {
    let b_ip = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
    let tcp = synack_core::Config {
        mtu: 65535,
        ..synack_core::Config::default()
    };
    let mk = |ip| {
        Endpoint::new(EndpointConfig {
            tcp: tcp.clone(),
            addresses: vec![ip],
            ..EndpointConfig::default()
        })
    };
    let (mut a, mut b) = (mk(PEER), mk(b_ip));
    let l = b.listen(SocketAddr::new(b_ip, 80), 4).unwrap();
    let c = a
        .connect(
            Instant::ZERO,
            SocketAddr::new(PEER, 0),
            SocketAddr::new(b_ip, 80),
        )
        .unwrap();
    let mut buf = vec![0u8; 65535];
    let mut biggest = 0;
    let mut pump = |a: &mut Endpoint, b: &mut Endpoint, now: Instant| {
        for ep in [&mut *a, &mut *b] {
            if ep.poll_timeout().is_some_and(|t| t <= now) {
                ep.handle_timeout(now);
            }
        }
        while let Some(n) = a.poll_transmit(now, &mut buf) {
            biggest = biggest.max(n);
            b.handle_packet(now, &buf[..n]);
        }
        while let Some(n) = b.poll_transmit(now, &mut buf) {
            a.handle_packet(now, &buf[..n]);
        }
    };
    pump(&mut a, &mut b, Instant::ZERO);
    pump(&mut a, &mut b, Instant::ZERO);
    let s = b.accept(l).expect("the handshake completed");
    let data = vec![7u8; 200_000];
    let n = a.send(Instant::ZERO, c, &data).unwrap();
    let mut got = vec![0u8; 300_000];
    let mut read = 0;
    for ms in 0..2000u64 {
        pump(&mut a, &mut b, Instant::from_millis(ms));
        if let Ok(k) = b.recv(Instant::from_millis(ms), s, &mut got) {
            read += k;
        }
        if read == n {
            break;
        }
    }
    assert_eq!(read, n);
    assert!(biggest > 65_000, "full-sized segments: {biggest}");
}
