//! Hooks for drivers: TSO (`Config::tso_segments`), a TCP checksum the
//! device vouches for (`Endpoint::handle_packet_checksum_trusted`), and the
//! connection table (`Endpoint::connection_table`).

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use synack_core::wire::{self, TcpFlags};
use synack_core::{Config, Endpoint, EndpointConfig, Error, Event, Instant, State};

const A: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
/// Payload of a full segment: MSS 1460 less the 12 bytes of the timestamp
/// option every segment carries (timestamps are on by default).
const PIECE: usize = 1460 - 12;

fn endpoint(addr: Ipv4Addr, tso_segments: usize) -> Endpoint {
    Endpoint::new(EndpointConfig {
        tcp: Config {
            mtu: 1500,
            tso_segments,
            send_buffer: 1 << 20,
            recv_buffer: 1 << 20,
            ..Config::default()
        },
        addresses: vec![IpAddr::V4(addr)],
        secret: [addr.octets()[3]; 16],
        ..EndpointConfig::default()
    })
}

fn drain(ep: &mut Endpoint, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65536];
    while let Some(n) = ep.poll_transmit(now, &mut buf) {
        out.push(buf[..n].to_vec());
    }
    out
}

/// Runs `a` (client, TSO as given) against `b` (server, no TSO) until `a`
/// has sent `data` and `b` has read it; `b` takes packets through
/// `handle_packet_checksum_trusted` if `trusted`. Returns what `b` read and
/// the largest payload `a` put in one segment.
fn transfer(tso: usize, data: &[u8], trusted: bool, corrupt: bool) -> (Vec<u8>, usize) {
    let mut a = endpoint(A, tso);
    let mut b = endpoint(B, 1);
    let now = Instant::from_micros(1_000);
    let l = b.listen(SocketAddr::new(IpAddr::V4(B), 80), 4).unwrap();
    let c = a
        .connect(
            now,
            SocketAddr::new(IpAddr::V4(A), 0),
            SocketAddr::new(IpAddr::V4(B), 80),
        )
        .unwrap();
    assert_eq!(
        a.tso_segment_size(
            SocketAddr::new(IpAddr::V4(B), 80),
            SocketAddr::new(IpAddr::V4(A), 0)
        ),
        None
    );
    let (mut sent, mut got, mut largest) = (0, Vec::new(), 0);
    let mut server = None;
    let mut buf = vec![0u8; 1 << 16];
    for _ in 0..10_000 {
        if got.len() == data.len() {
            break;
        }
        if sent < data.len() {
            match a.send(now, c, &data[sent..]) {
                Ok(n) => sent += n,
                Err(Error::WouldBlock) => {}
                Err(e) => panic!("send: {e}"),
            }
        }
        for mut p in drain(&mut a, now) {
            let parsed = wire::parse_packet(&p).expect("a emits valid packets");
            largest = largest.max(parsed.payload.len());
            let local = SocketAddr::new(parsed.ip.src, parsed.tcp.src_port);
            let remote = SocketAddr::new(parsed.ip.dst, parsed.tcp.dst_port);
            if !parsed.payload.is_empty() {
                assert_eq!(a.tso_segment_size(local, remote), Some(PIECE));
            }
            if corrupt && !parsed.payload.is_empty() {
                let last = p.len() - 1;
                p[last] ^= 0xff;
            }
            if trusted {
                b.handle_packet_checksum_trusted(now, &p);
            } else {
                b.handle_packet(now, &p);
            }
        }
        while let Some(ev) = b.poll_event() {
            if let Event::Incoming(_) = ev {
                server = Some(b.accept(l).unwrap());
            }
        }
        if let Some(s) = server {
            while let Ok(n) = b.recv(now, s, &mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
        }
        for p in drain(&mut b, now) {
            let parsed = wire::parse_packet(&p).unwrap();
            assert!(!parsed.tcp.flags.contains(TcpFlags::RST));
            a.handle_packet(now, &p);
        }
        while a.poll_event().is_some() {}
        if corrupt && b.stats().rx_bad_checksum > 0 {
            break;
        }
    }
    (got, largest)
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

#[test]
fn without_tso_segments_stay_within_one_mss() {
    let d = data(300_000);
    let (got, largest) = transfer(1, &d, false, false);
    assert_eq!(got, d);
    assert_eq!(largest, PIECE);
}

#[test]
fn tso_sends_whole_mss_multiples_up_to_64k() {
    let d = data(1_000_000);
    let (got, largest) = transfer(64, &d, false, false);
    assert_eq!(got, d, "the receiver takes super-segments like any other");
    // Whole pieces, far beyond one MSS, and at most the 45 pieces of 1448
    // bytes that fit below 65,535 with the headers (windows decide the
    // rest).
    assert_eq!(largest % PIECE, 0);
    assert!((8 * PIECE..=45 * PIECE).contains(&largest), "{largest}");
    let (got, largest) = transfer(4, &d, false, false);
    assert_eq!(got, d);
    assert_eq!(largest, 4 * PIECE);
}

#[test]
fn trusted_checksums_are_not_verified_but_others_are() {
    let d = data(100_000);
    let (got, _) = transfer(1, &d, true, false);
    assert_eq!(got, d);
    // A corrupted payload with a trusted checksum goes through (the device
    // vouched for it), with a verified one it is dropped.
    let (got, _) = transfer(1, &d, true, true);
    assert_eq!(got.len(), d.len());
    assert_ne!(got, d);
    let (got, _) = transfer(1, &d, false, true);
    assert!(got.is_empty());
}

#[test]
fn trusted_parsing_still_checks_the_ipv4_header() {
    let mut a = endpoint(A, 1);
    let now = Instant::from_micros(1_000);
    a.connect(
        now,
        SocketAddr::new(IpAddr::V4(A), 0),
        SocketAddr::new(IpAddr::V4(B), 80),
    )
    .unwrap();
    let mut syn = drain(&mut a, now).remove(0);
    let tcp_check = 20 + 16;
    syn[tcp_check] ^= 0x55;
    assert!(wire::parse_packet(&syn).is_err());
    assert!(wire::parse_packet_checksum_trusted(&syn).is_ok());
    syn[8] ^= 1; // TTL: the IPv4 header checksum no longer matches
    assert_eq!(
        wire::parse_packet_checksum_trusted(&syn),
        Err(wire::WireError::BadChecksum)
    );
}

#[test]
fn connection_table_lists_every_connection_with_its_state() {
    let mut a = endpoint(A, 1);
    let now = Instant::from_micros(1_000);
    assert_eq!(a.connection_table().count(), 0);
    let remote = SocketAddr::new(IpAddr::V4(B), 80);
    a.connect(now, SocketAddr::new(IpAddr::V4(A), 0), remote)
        .unwrap();
    a.connect(now, SocketAddr::new(IpAddr::V4(A), 0), remote)
        .unwrap();
    let table: Vec<_> = a.connection_table().collect();
    assert_eq!(table.len(), 2);
    assert!(
        table
            .iter()
            .all(|&(l, r, s)| l.ip() == IpAddr::V4(A) && r == remote && s == State::SynSent)
    );
    assert_ne!(table[0].0.port(), table[1].0.port());
}
