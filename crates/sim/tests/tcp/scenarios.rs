//! Whole-connection scenarios, one per demo scenario and more.

use super::harness::*;
use std::time::Duration;
use synack_core::{Error, State};
use synack_sim::LinkConfig;

fn link(ms: u64) -> LinkConfig {
    LinkConfig::default().latency(Duration::from_millis(ms))
}

#[test]
fn handshake_transfer_and_four_way_close() {
    let mut p = Pair::new(1, link(10));
    let (c, s) = p.establish();
    let up = pattern(100_000, 1);
    let down = pattern(70_000, 2);
    let (mut sent_up, mut sent_down) = (0, 0);
    let (mut got_up, mut got_down) = (Vec::new(), Vec::new());
    let ok = p.run_until(Duration::from_secs(60), |p| {
        let now = p.now();
        if sent_up < up.len() {
            sent_up += p.c().send(now, c, &up[sent_up..]).unwrap_or(0);
        }
        if sent_down < down.len() {
            sent_down += p.s().send(now, s, &down[sent_down..]).unwrap_or(0);
        }
        read_all(p.s(), now, s, &mut got_up).unwrap();
        read_all(p.c(), now, c, &mut got_down).unwrap();
        got_up.len() == up.len() && got_down.len() == down.len()
    });
    assert!(
        ok,
        "transfer stalled: up {} down {}",
        got_up.len(),
        got_down.len()
    );
    assert_eq!(got_up, up);
    assert_eq!(got_down, down);

    // Client closes first: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT; server
    // CLOSE-WAIT -> LAST-ACK -> CLOSED.
    let now = p.now();
    p.drain_traces();
    p.c().shutdown(now, c).unwrap();
    assert_eq!(p.c().state(c), Ok(State::FinWait1));
    let ok = p.run_until(Duration::from_secs(5), |p| {
        p.s().state(s) == Ok(State::CloseWait) && p.c().state(c) == Ok(State::FinWait2)
    });
    if !ok {
        for t in p.drain_traces() {
            eprintln!("{t:?}");
        }
    }
    assert!(ok);
    let mut eof = Vec::new();
    let now = p.now();
    assert_eq!(read_all(p.s(), now, s, &mut eof), Ok(true));
    p.s().close(now, s).unwrap();
    assert!(p.run_until(Duration::from_secs(5), |p| p.c().state(c)
        == Ok(State::TimeWait)));
    let tw_start = p.now();
    assert!(
        p.run_until(Duration::from_secs(5), |p| p.s().connection_count() == 0),
        "server frees the connection after LAST-ACK"
    );
    assert!(p.run_until(Duration::from_secs(120), |p| p.c().state(c)
        == Ok(State::Closed)));
    let waited = p.now() - tw_start;
    assert!(
        waited >= Duration::from_secs(60) && waited < Duration::from_secs(61),
        "TIME-WAIT lasted {waited:?}"
    );
    let now = p.now();
    p.c().close(now, c).unwrap();
    assert_eq!(p.c().connection_count(), 0);
}

#[test]
fn refused_connection_reports_refused() {
    let mut p = Pair::new(2, link(5));
    let c = p.connect(); // nobody listens
    let mut refused = false;
    assert!(p.run_until(Duration::from_secs(5), |p| {
        while let Some(e) = p.c().poll_event() {
            if e == synack_core::Event::Conn(c, synack_core::EventKind::Refused) {
                refused = true;
            }
        }
        refused
    }));
    let now = p.now();
    assert_eq!(p.c().send(now, c, b"x"), Err(Error::ConnectionRefused));
    assert_eq!(p.s().stats().tx_rst, 1);
}

fn events(ep: &mut synack_core::Endpoint) -> Vec<synack_core::Event> {
    std::iter::from_fn(|| ep.poll_event()).collect()
}

#[test]
fn simultaneous_open_goes_through_syn_received_on_both_sides() {
    use std::net::SocketAddr;
    let mut p = Pair::new(3, link(10));
    let now = p.now();
    let ca = SocketAddr::new(CLIENT_IP, 5000);
    let sa = SocketAddr::new(SERVER_IP, 6000);
    let c = p.c().connect(now, ca, sa).unwrap();
    let s = p.s().connect(now, sa, ca).unwrap();
    assert!(p.run_until(Duration::from_secs(10), |p| {
        p.c().state(c) == Ok(State::Established) && p.s().state(s) == Ok(State::Established)
    }));
    let (client, server) = (p.client, p.server);
    let mut traces = p.drain_traces();
    let seen = |traces: &mut Vec<_>, h| -> Vec<State> {
        traces
            .iter()
            .filter(|(x, _): &&(synack_sim::HostId, synack_core::trace::TraceEvent)| *x == h)
            .filter_map(|(_, t)| match t.kind {
                synack_core::trace::TraceKind::StateChange { to, .. } => Some(to),
                _ => None,
            })
            .collect()
    };
    let expect = vec![State::SynSent, State::SynReceived, State::Established];
    assert_eq!(seen(&mut traces, client), expect);
    assert_eq!(seen(&mut traces, server), expect);
    // Data flows both ways afterwards.
    let now = p.now();
    p.c().send(now, c, b"ping").unwrap();
    p.s().send(now, s, b"pong").unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    assert!(p.run_until(Duration::from_secs(5), |p| {
        let now = p.now();
        read_all(p.s(), now, s, &mut a).unwrap();
        read_all(p.c(), now, c, &mut b).unwrap();
        a == b"ping" && b == b"pong"
    }));
}

#[test]
fn simultaneous_close_goes_through_closing_on_both_sides() {
    let mut p = Pair::new(4, link(10));
    let (c, s) = p.establish();
    p.drain_traces();
    let now = p.now();
    p.c().shutdown(now, c).unwrap();
    p.s().shutdown(now, s).unwrap();
    assert!(p.run_until(Duration::from_secs(5), |p| {
        p.c().state(c) == Ok(State::TimeWait) && p.s().state(s) == Ok(State::TimeWait)
    }));
    let client = p.client;
    let server = p.server;
    let traces = p.drain_traces();
    for h in [client, server] {
        let seen: Vec<State> = traces
            .iter()
            .filter(|(x, _)| *x == h)
            .filter_map(|(_, t)| match t.kind {
                synack_core::trace::TraceKind::StateChange { to, .. } => Some(to),
                _ => None,
            })
            .collect();
        assert_eq!(seen, vec![State::FinWait1, State::Closing, State::TimeWait]);
    }
}

#[test]
fn half_close_lets_the_server_keep_sending() {
    let mut p = Pair::new(5, link(10));
    let (c, s) = p.establish();
    let now = p.now();
    p.c().send(now, c, b"GET /").unwrap();
    p.c().shutdown(now, c).unwrap();
    let mut req = Vec::new();
    assert!(p.run_until(Duration::from_secs(5), |p| {
        let now = p.now();
        read_all(p.s(), now, s, &mut req) == Ok(true)
    }));
    assert_eq!(req, b"GET /");
    assert_eq!(p.s().state(s), Ok(State::CloseWait));
    // After the client's FIN, the server still sends 50 kB.
    let body = pattern(50_000, 9);
    let mut sent = 0;
    let mut got = Vec::new();
    assert!(p.run_until(Duration::from_secs(30), |p| {
        let now = p.now();
        if sent < body.len() {
            sent += p.s().send(now, s, &body[sent..]).unwrap_or(0);
        }
        read_all(p.c(), now, c, &mut got).unwrap();
        got.len() == body.len()
    }));
    assert_eq!(got, body);
    assert_eq!(p.c().state(c), Ok(State::FinWait2));
    let now = p.now();
    p.s().close(now, s).unwrap();
    assert!(p.run_until(Duration::from_secs(5), |p| p.c().state(c)
        == Ok(State::TimeWait)));
    let mut eof = Vec::new();
    let now = p.now();
    assert_eq!(read_all(p.c(), now, c, &mut eof), Ok(true));
}

#[test]
fn abort_resets_the_peer() {
    let mut p = Pair::new(6, link(10));
    let (c, s) = p.establish();
    events(p.s());
    let now = p.now();
    p.c().send(now, c, &pattern(10_000, 3)).unwrap();
    p.c().abort(now, c).unwrap();
    assert_eq!(p.c().send(now, c, b"x"), Err(Error::InvalidHandle));
    let mut reset = false;
    assert!(p.run_until(Duration::from_secs(5), |p| {
        reset |=
            events(p.s()).contains(&synack_core::Event::Conn(s, synack_core::EventKind::Reset));
        reset
    }));
    let now = p.now();
    let mut buf = [0u8; 16];
    assert_eq!(p.s().recv(now, s, &mut buf), Err(Error::ConnectionReset));
    assert_eq!(p.s().state(s), Ok(State::Closed));
    p.s().close(now, s).unwrap();
    assert_eq!(p.s().connection_count(), 0);
    assert_eq!(p.c().connection_count(), 0);
}

#[test]
fn syn_timeout_backs_off_exponentially_then_gives_up() {
    let silent = LinkConfig::default()
        .latency(Duration::from_millis(10))
        .loss(1.0);
    let mut p = Pair::with_config(7, silent, link(10), |_| {});
    p.listen();
    let c = p.connect();
    let mut timed_out = false;
    assert!(p.run_until(Duration::from_secs(600), |p| {
        timed_out |= events(p.c()).contains(&synack_core::Event::Conn(
            c,
            synack_core::EventKind::TimedOut,
        ));
        timed_out
    }));
    let syn_times: Vec<u64> = p
        .drain_traces()
        .into_iter()
        .filter_map(|(_, t)| match t.kind {
            synack_core::trace::TraceKind::SegmentOut { tcp, .. } if tcp.flags.syn() => {
                Some(t.time.as_millis())
            }
            _ => None,
        })
        .collect();
    // Default: initial RTO 1 s doubling, 6 retries: 0, 1, 3, 7, 15, 31, 63 s;
    // the last wait is capped by the 60 s maximum RTO: gives up at 123 s.
    assert_eq!(syn_times, vec![0, 1000, 3000, 7000, 15000, 31000, 63000]);
    assert_eq!(p.now().as_millis(), 123_000);
    let now = p.now();
    assert_eq!(p.c().send(now, c, b"x"), Err(Error::TimedOut));
}

#[test]
fn delayed_duplicate_syn_is_refused_by_the_three_way_handshake() {
    use synack_core::wire::{IpRepr, TcpFlags, TcpRepr, emit_packet};
    let mut p = Pair::new(8, link(10));
    let l = p.listen();
    let c = p.connect();
    let (local, remote) = p.c().addrs(c).unwrap();
    let iss = p.c().connection(c).unwrap().iss();
    // An old SYN of an earlier incarnation, same 4-tuple, old sequence
    // number, reaches the server before the real SYN (RFC 9293 figure 8).
    let old = TcpRepr {
        src_port: local.port(),
        dst_port: remote.port(),
        seq: iss - 90_000,
        flags: TcpFlags::SYN,
        window: 65535,
        ..TcpRepr::default()
    };
    let ip = IpRepr {
        src: local.ip(),
        dst: remote.ip(),
        ttl: 64,
        ecn: 0,
        dscp: 0,
        dont_fragment: true,
    };
    let mut buf = [0u8; 128];
    let n = emit_packet(&ip, &old, &[], &mut buf).unwrap();
    let now = p.now();
    p.s().handle_packet(now, &buf[..n]);
    let mut accepted = None;
    assert!(p.run_until(Duration::from_secs(10), |p| {
        accepted = accepted.or(p.s().accept(l).ok());
        accepted.is_some() && p.c().state(c) == Ok(State::Established)
    }));
    let s = accepted.unwrap();
    // The client answered the SYN-ACK for the old SYN with an RST carrying
    // that SYN-ACK's ACK number, and the server's connection is the real one.
    let traces = p.drain_traces();
    let rst_from_client = traces.iter().any(|(h, t)| {
        *h == p.client
            && matches!(t.kind, synack_core::trace::TraceKind::SegmentOut { tcp, .. }
                if tcp.flags.rst() && tcp.seq == old.seq + 1)
    });
    assert!(rst_from_client, "client must refuse the stale SYN-ACK");
    assert_eq!(p.s().connection(s).unwrap().irs(), iss);
    assert_eq!(p.s().connection_count(), 1);
}

#[test]
fn ipv6_pair_transfers_and_closes() {
    use std::net::{IpAddr, Ipv6Addr, SocketAddr};
    let c6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
    let s6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2));
    let mut sim = synack_sim::Sim::new(9);
    let mut cc = config(&mut sim, c6);
    let mut sc = config(&mut sim, s6);
    cc.trace = false;
    sc.trace = false;
    let ch = sim.add_host(synack_core::Endpoint::new(cc), &[c6]);
    let sh = sim.add_host(synack_core::Endpoint::new(sc), &[s6]);
    sim.link(ch, sh, link(10), link(10));
    let mut p = Pair {
        sim,
        client: ch,
        server: sh,
    };
    let l = p.s().listen(SocketAddr::new(s6, 443), 8).unwrap();
    let now = p.now();
    let c = p
        .c()
        .connect(now, SocketAddr::new(c6, 0), SocketAddr::new(s6, 443))
        .unwrap();
    let mut s = None;
    let data = pattern(200_000, 4);
    let mut sent = 0;
    let mut got = Vec::new();
    assert!(p.run_until(Duration::from_secs(60), |p| {
        let now = p.now();
        s = s.or(p.s().accept(l).ok());
        if sent < data.len() {
            sent += p.c().send(now, c, &data[sent..]).unwrap_or(0);
        }
        if let Some(s) = s {
            read_all(p.s(), now, s, &mut got).unwrap();
        }
        got.len() == data.len()
    }));
    assert_eq!(got, data);
    assert_eq!(
        p.c().connection(c).unwrap().mss(),
        1440,
        "IPv6 MSS from MTU 1500"
    );
}

/// `recv_with` reads in place: nothing before data arrives (`WouldBlock`,
/// `f` not called), partial consumption leaves the rest in order, the
/// contiguous front ends where the ring wraps and the rest follows, the
/// window reopens as the application consumes (three buffers' worth pass
/// through a full buffer, or the run stalls), and the end of the stream is
/// `Ok(None)`.
#[test]
fn recv_with_reads_in_place() {
    let mut p = Pair::new(7, link(5));
    let (c, s) = p.establish();
    let now = p.now();
    let mut called = false;
    assert_eq!(
        p.s().recv_with(now, s, |_| {
            called = true;
            0
        }),
        Err(Error::WouldBlock)
    );
    assert!(!called);
    let data = pattern(3 * 256 * 1024 + 1234, 9);
    let (mut sent, mut got, mut short_fronts) = (0, Vec::new(), 0u32);
    let mut eof = false;
    let ok = p.run_until(Duration::from_secs(60), |p| {
        let now = p.now();
        if sent < data.len() {
            sent += p.c().send(now, c, &data[sent..]).unwrap_or(0);
            if sent == data.len() {
                p.c().shutdown(now, c).unwrap();
            }
        }
        loop {
            let buffered = p.s().connection(s).unwrap().recv_buffered();
            let mut front = 0;
            // At most 1000 bytes a call: partial consumption.
            let r = p.s().recv_with(now, s, |d| {
                front = d.len();
                let n = d.len().min(1000);
                got.extend_from_slice(&d[..n]);
                n
            });
            match r {
                Ok(None) => {
                    eof = true;
                    break;
                }
                Ok(Some(n)) => {
                    assert_eq!(n, front.min(1000));
                    assert!(
                        front > 0 && front <= buffered,
                        "front {front} of {buffered}"
                    );
                    short_fronts += u32::from(front < buffered);
                }
                Err(Error::WouldBlock) => break,
                Err(e) => panic!("recv_with: {e}"),
            }
        }
        eof
    });
    assert!(ok, "stalled: sent {sent}, read {}", got.len());
    assert_eq!(got, data, "every byte once, in order");
    assert!(short_fronts > 0, "the ring never wrapped");
}

/// Bytes `recv_with` showed and the application left (it waits for more)
/// stay in place, and the next arrival is announced with `Readable` again.
#[test]
fn recv_with_left_bytes_are_announced_again() {
    let mut p = Pair::new(8, link(5));
    let (c, s) = p.establish();
    let readable = |ep: &mut synack_core::Endpoint| {
        events(ep).contains(&synack_core::Event::Conn(
            s,
            synack_core::EventKind::Readable,
        ))
    };
    let now = p.now();
    p.c().send(now, c, b"hello").unwrap();
    assert!(p.run_until(Duration::from_secs(5), |p| readable(p.s())));
    let now = p.now();
    assert_eq!(
        p.s().recv_with(now, s, |d| {
            assert_eq!(d, b"hello");
            0
        }),
        Ok(Some(0))
    );
    assert_eq!(p.s().connection(s).unwrap().recv_buffered(), 5);
    p.c().send(now, c, b" world").unwrap();
    assert!(
        p.run_until(Duration::from_secs(5), |p| readable(p.s())),
        "no Readable for the bytes after those left"
    );
    let now = p.now();
    let mut all = Vec::new();
    assert_eq!(
        p.s().recv_with(now, s, |d| {
            all.extend_from_slice(d);
            d.len()
        }),
        Ok(Some(11))
    );
    assert_eq!(all, b"hello world");
    p.c().shutdown(now, c).unwrap();
    assert!(p.run_until(Duration::from_secs(5), |p| {
        let now = p.now();
        p.s().recv_with(now, s, |_| panic!("no data is left")) == Ok(None)
    }));
}
