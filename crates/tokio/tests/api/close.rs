//! Half-close both ways, what dropping a stream does, abort, and a stack
//! shutting down.

use crate::*;
use std::io::ErrorKind;
use std::time::Duration;
use synack_tokio::TcpListener;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The client half-closes first and the server keeps sending after the
/// client's FIN; then the other way round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_close_both_ways() {
    let (server, client) = pair();
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 80))
        .await
        .unwrap();
    let (mut c, mut s) = connect_to(&listener, &client, 80).await;
    c.write_all(b"request").await.unwrap();
    c.shutdown().await.unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"request", "the server reads to the client's FIN");
    // After the client's FIN the server may keep sending.
    for _ in 0..10 {
        s.write_all(&[7u8; 10_000]).await.unwrap();
    }
    assert_eq!(
        c.write(b"more").await.unwrap_err().kind(),
        ErrorKind::BrokenPipe,
        "writing after our own shutdown"
    );
    s.shutdown().await.unwrap();
    let mut back = Vec::new();
    c.read_to_end(&mut back).await.unwrap();
    assert_eq!(back.len(), 100_000);
    assert!(back.iter().all(|&b| b == 7));
    // The server closes first this time; the client answers after EOF.
    let (mut c, mut s) = connect_to(&listener, &client, 80).await;
    s.shutdown().await.unwrap();
    let mut none = Vec::new();
    assert_eq!(c.read_to_end(&mut none).await.unwrap(), 0);
    c.write_all(b"late answer").await.unwrap();
    c.shutdown().await.unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"late answer");
}

/// Dropping a stream whose received data was all read closes gracefully
/// (the peer reads EOF); dropping one with unread data resets it (RFC 1122
/// 4.2.2.13), and `abort` resets at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_closes_or_resets() {
    let (server, client) = pair();
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 81))
        .await
        .unwrap();

    let (mut c, s) = connect_to(&listener, &client, 81).await;
    drop(s);
    let mut buf = Vec::new();
    assert_eq!(c.read_to_end(&mut buf).await.unwrap(), 0, "a clean FIN");

    let (mut c, s) = connect_to(&listener, &client, 81).await;
    c.write_all(b"never read").await.unwrap();
    // Let the bytes arrive before the drop.
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(s);
    let e = c.read_to_end(&mut Vec::new()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}");

    let (mut c, s) = connect_to(&listener, &client, 81).await;
    s.abort().unwrap();
    let e = c.read(&mut [0; 8]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}");
}

/// `Stack::shutdown` sends FIN on every connection, waits for them, and
/// stops the driver: every later call fails with NotConnected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_shutdown_closes_gracefully() {
    let (server, client) = pair();
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 82))
        .await
        .unwrap();
    let (mut c, mut s) = connect_to(&listener, &client, 82).await;
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        c.read_to_end(&mut got).await.map(|_| (got, c))
    });
    s.write_all(b"bye").await.unwrap();
    let srv2 = server.clone();
    let closer = tokio::spawn(async move {
        // The client answers our FIN with its own once it has read it.
        srv2.shutdown(Duration::from_secs(5)).await
    });
    let (got, mut c) = reader.await.unwrap().unwrap();
    assert_eq!(got, b"bye");
    c.shutdown().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), closer)
        .await
        .expect("shutdown returns once the connection closed")
        .unwrap();
    assert_eq!(server.stopped().as_deref(), Some("shut down"));
    let e = s.write(b"x").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotConnected);
    let e = listener.accept().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotConnected);
}
