//! Connect, accept, echo, both directions at once, split halves.

use crate::*;
use synack_tokio::{TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_accept_echo() {
    let (server, client) = pair();
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 7))
        .await
        .unwrap();
    assert_eq!(listener.local_addr().unwrap(), addr(SERVER_IP, 7));
    let echo = tokio::spawn(async move {
        let (mut s, peer) = listener.accept().await.unwrap();
        assert_eq!(peer.ip(), CLIENT_IP.parse::<std::net::IpAddr>().unwrap());
        assert_eq!(s.local_addr().unwrap(), addr(SERVER_IP, 7));
        let (mut r, mut w) = s.split();
        tokio::io::copy(&mut r, &mut w).await.unwrap()
    });
    let mut c = TcpStream::connect(&client, addr(SERVER_IP, 7))
        .await
        .unwrap();
    assert_eq!(c.peer_addr().unwrap(), addr(SERVER_IP, 7));
    let data = pattern(3 << 20, 1);
    let (mut r, mut w) = c.split();
    let writer = async {
        w.write_all(&data).await.unwrap();
        w.shutdown().await.unwrap();
    };
    let mut back = Vec::new();
    let reader = r.read_to_end(&mut back);
    let (_, n) = tokio::join!(writer, reader);
    assert_eq!(n.unwrap(), data.len());
    assert!(back == data, "echoed bytes differ");
    assert_eq!(echo.await.unwrap(), data.len() as u64);
}

/// Owned halves in two tasks, each direction 2 MiB, at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_duplex_with_owned_halves() {
    let (server, client) = pair();
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 9))
        .await
        .unwrap();
    let up = pattern(2 << 20, 2);
    let down = pattern(2 << 20, 3);
    let (up2, down2) = (up.clone(), down.clone());
    let srv = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        let (mut r, mut w) = s.into_split();
        let send = tokio::spawn(async move {
            w.write_all(&down2).await.unwrap();
            drop(w); // FIN, as tokio's write half does
        });
        let mut got = Vec::new();
        r.read_to_end(&mut got).await.unwrap();
        send.await.unwrap();
        assert!(got == up2, "server received other bytes");
    });
    let c = TcpStream::connect(&client, addr(SERVER_IP, 9))
        .await
        .unwrap();
    let (mut r, mut w) = c.into_split();
    let send = tokio::spawn(async move {
        w.write_all(&up).await.unwrap();
        w.shutdown().await.unwrap();
        w
    });
    let mut got = Vec::new();
    r.read_to_end(&mut got).await.unwrap();
    assert!(got == down, "client received other bytes");
    let w = send.await.unwrap();
    assert!(r.reunite(w).is_ok(), "halves of one stream reunite");
    srv.await.unwrap();
}

/// Many small writes with Nagle off arrive intact and in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_writes_with_nodelay() {
    let (server, client) = pair();
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 11))
        .await
        .unwrap();
    let srv = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        got
    });
    let mut c = TcpStream::connect(&client, addr(SERVER_IP, 11))
        .await
        .unwrap();
    c.set_nodelay(true).unwrap();
    let mut want = Vec::new();
    for i in 0..2000u32 {
        let b = i.to_be_bytes();
        c.write_all(&b).await.unwrap();
        want.extend_from_slice(&b);
    }
    c.shutdown().await.unwrap();
    drop(c);
    assert_eq!(srv.await.unwrap(), want);
}

/// Through a link that drops 3% of packets each way and reorders some:
/// every byte arrives exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lossy_link_delivers_every_byte() {
    let (server, client) = crate::link::lossy_pair(0.03, 7);
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 5001))
        .await
        .unwrap();
    let data = pattern(1 << 20, 9);
    let want = data.clone();
    let srv = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        s.write_all(&got).await.unwrap();
        s.shutdown().await.unwrap();
        got
    });
    let mut c = TcpStream::connect(&client, addr(SERVER_IP, 5001))
        .await
        .unwrap();
    c.write_all(&data).await.unwrap();
    c.shutdown().await.unwrap();
    let mut back = Vec::new();
    c.read_to_end(&mut back).await.unwrap();
    assert!(srv.await.unwrap() == want, "server got other bytes");
    assert!(back == want, "client got other bytes back");
    assert!(
        client.stats().endpoint.retransmissions > 0,
        "the link did drop packets"
    );
}

/// A corked stream holds a short write until it is uncorked.
#[tokio::test(start_paused = true)]
async fn a_corked_write_waits_for_the_uncork() {
    let (server, client) = pair();
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 11))
        .await
        .unwrap();
    let accept = tokio::spawn(async move { listener.accept().await.unwrap().0 });
    let mut c = TcpStream::connect(&client, addr(SERVER_IP, 11))
        .await
        .unwrap();
    let mut s = accept.await.unwrap();
    c.set_cork(true).unwrap();
    c.write_all(b"header").await.unwrap();
    let mut buf = [0u8; 16];
    let early = tokio::time::timeout(std::time::Duration::from_millis(50), s.read(&mut buf)).await;
    assert!(early.is_err(), "a corked short write went out");
    c.set_cork(false).unwrap();
    let n = s.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"header");
}
