//! Catch-all listening (any destination, as tun2socks does) and the SYN
//! listener that decides before the handshake: accept, refuse, ignore.

use crate::*;
use std::io::ErrorKind;
use std::time::Duration;
use synack_tokio::{ListenFilter, Prefix, SynListener, TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Connections to addresses the server does not own are accepted, each
/// reporting the destination the client dialled; a destination outside
/// the filter draws nothing (the connect times out).
#[tokio::test(start_paused = true)]
async fn catch_all_accepts_any_destination_in_the_filter() {
    let (server, client) = pair();
    let filter = ListenFilter {
        prefixes: vec!["203.0.113.0/24".parse::<Prefix>().unwrap()],
        ports: vec![(1, 1023)],
    };
    let listener = TcpListener::catch_all(&server, filter, 64).unwrap();
    let srv = tokio::spawn(async move {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let (mut s, peer) = listener.accept().await.unwrap();
            let local = s.local_addr().unwrap();
            s.write_all(local.to_string().as_bytes()).await.unwrap();
            s.shutdown().await.unwrap();
            seen.push((local, peer));
        }
        seen
    });
    for dst in ["203.0.113.5:443", "203.0.113.200:80", "203.0.113.5:22"] {
        let mut c = TcpStream::connect(&client, dst.parse().unwrap())
            .await
            .unwrap();
        let mut got = String::new();
        c.read_to_string(&mut got).await.unwrap();
        assert_eq!(
            got, dst,
            "the stream's local address is the original destination"
        );
    }
    let seen = srv.await.unwrap();
    assert!(
        seen.iter()
            .all(|(_, peer)| peer.ip().to_string() == CLIENT_IP)
    );
    let e = TcpStream::connect(&client, "203.0.113.5:8080".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::TimedOut,
        "port outside the filter: silence"
    );
    assert!(server.stats().endpoint.rx_not_ours > 0);
}

/// The SYN listener: accept completes the handshake; refuse makes the
/// client's connect fail with ConnectionRefused; ignore leaves the client
/// to time out (its retransmitted SYNs come back as new SYNs, ignored too).
#[tokio::test(start_paused = true)]
async fn syn_listener_accepts_refuses_or_ignores() {
    let (server, client) = pair();
    let syns =
        SynListener::catch_all(&server, ListenFilter::any(), 64, Duration::from_secs(60)).unwrap();
    let srv = tokio::spawn(async move {
        loop {
            let syn = syns.next().await.unwrap();
            match syn.local_addr().port() {
                1 => {
                    let mut s = syn.accept().await.unwrap();
                    s.write_all(b"welcome").await.unwrap();
                    s.shutdown().await.unwrap();
                    let _ = s.read_to_end(&mut Vec::new()).await;
                }
                2 => syn.refuse(),
                _ => {
                    // Decide late: hold it for 2 s first (the client's SYN
                    // is retransmitted meanwhile and absorbed).
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    syn.ignore();
                }
            }
        }
    });
    let mut c = TcpStream::connect(&client, "192.0.2.9:1".parse().unwrap())
        .await
        .unwrap();
    let mut got = String::new();
    c.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "welcome");
    drop(c);
    let e = TcpStream::connect(&client, "192.0.2.9:2".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
    let t0 = tokio::time::Instant::now();
    let e = TcpStream::connect(&client, "192.0.2.9:3".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TimedOut, "{e}");
    assert!(t0.elapsed() > Duration::from_secs(30));
    srv.abort();
}

/// A full accept queue: with a backlog of 2 and nobody accepting, later
/// SYNs are dropped (counted) and retried by the clients; once the
/// application accepts, every connection gets through.
#[tokio::test(start_paused = true)]
async fn full_accept_queue_then_everyone_gets_in() {
    let (server, client) = pair();
    let listener = TcpListener::bind_with_backlog(&server, addr(SERVER_IP, 80), 2).unwrap();
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let client = client.clone();
        clients.spawn(async move { TcpStream::connect(&client, addr(SERVER_IP, 80)).await });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        server.stats().endpoint.backlog_drops > 0,
        "the backlog filled"
    );
    let mut accepted = Vec::new();
    while accepted.len() < 6 {
        let (s, _) = tokio::time::timeout(Duration::from_secs(60), listener.accept())
            .await
            .expect("every client gets in")
            .unwrap();
        accepted.push(s);
    }
    while let Some(r) = clients.join_next().await {
        r.unwrap().unwrap();
    }
}
