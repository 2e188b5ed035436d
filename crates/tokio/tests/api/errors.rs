//! The errors tokio users expect: refused, timed out, address in use or not
//! available, a stack whose device went away.

use crate::*;
use std::io::ErrorKind;
use std::time::Duration;
use synack_tokio::device::ChannelDevice;
use synack_tokio::{TcpListener, TcpStream};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn connect_to_a_closed_port_is_refused() {
    let (_server, client) = pair();
    let e = TcpStream::connect(&client, addr(SERVER_IP, 4444))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
}

/// Nobody answers (the other end of the wire never reads): the SYN is
/// retransmitted with backoff until the connect gives up, TimedOut. Paused
/// time: tokio jumps over the waits.
#[tokio::test(start_paused = true)]
async fn connect_to_nobody_times_out() {
    let (dev, _peer_keeps_wire_open) = ChannelDevice::pair(16, 1500);
    let client = stack(dev, CLIENT_IP, &|_| {});
    let t0 = tokio::time::Instant::now();
    let e = TcpStream::connect(&client, addr(SERVER_IP, 80))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TimedOut, "{e}");
    let waited = t0.elapsed();
    assert!(waited > Duration::from_secs(30), "gave up after {waited:?}");
    assert!(client.stats().endpoint.retransmissions >= 3);
}

/// A read under `tokio::time::timeout` gives up when nothing arrives;
/// the connection stays usable.
#[tokio::test(start_paused = true)]
async fn read_timeout_through_tokio() {
    let (server, client) = pair();
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 80))
        .await
        .unwrap();
    let (mut c, mut s) = connect_to(&listener, &client, 80).await;
    let r = tokio::time::timeout(Duration::from_secs(3), c.read(&mut [0; 16])).await;
    assert!(r.is_err(), "nothing to read: the timeout fires");
    tokio::io::AsyncWriteExt::write_all(&mut s, b"now")
        .await
        .unwrap();
    let mut buf = [0; 16];
    let n = c.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"now");
}

#[tokio::test]
async fn addresses_in_use_or_not_ours() {
    let (server, _client) = pair();
    let _l = TcpListener::bind(&server, addr(SERVER_IP, 80))
        .await
        .unwrap();
    let e = TcpListener::bind(&server, addr(SERVER_IP, 80))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AddrInUse);
    let e = TcpListener::bind(&server, addr("192.0.2.1", 80))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AddrNotAvailable);
    let e = TcpStream::connect(&server, "[2001:db8::1]:80".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::AddrNotAvailable,
        "no IPv6 address of ours"
    );
    let e = TcpStream::connect(&server, addr(CLIENT_IP, 0))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "port 0");
}

/// The device goes away (the other end of the channels is dropped): the
/// driver stops, waiting calls wake with an error, later ones fail at
/// once, nothing panics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_gone_stops_the_stack() {
    let (a, b) = ChannelDevice::pair(64, 1500);
    let server = stack(a, SERVER_IP, &|_| {});
    let client = stack(b, CLIENT_IP, &|_| {});
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 80))
        .await
        .unwrap();
    let (mut c, s) = connect_to(&listener, &client, 80).await;
    let client_listener = TcpListener::bind(&client, addr(CLIENT_IP, 90))
        .await
        .unwrap();
    let waiting = tokio::spawn(async move { client_listener.accept().await.map(|_| ()) });
    drop((server, listener, s));
    // The server's driver stops once its handles are gone and its
    // connections have closed; its device drops with it, and so does the
    // client's wire.
    let why = tokio::time::timeout(Duration::from_secs(10), client.wait_stopped())
        .await
        .expect("the client's stack notices its device is gone");
    assert!(why.contains("device"), "{why}");
    let e = waiting.await.unwrap().unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::NotConnected,
        "a waiting accept wakes: {e}"
    );
    let e = tokio::io::AsyncWriteExt::write(&mut c, b"x")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotConnected, "{e}");
    let e = TcpStream::connect(&client, addr(SERVER_IP, 80))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotConnected);
}

/// A peer that goes silent mid-connection (the wire drops everything from
/// then on): with `set_user_timeout(2 s)` the connection gives up with
/// TimedOut 2 s after the unacknowledged write, where R2's fifteen
/// retransmissions alone would take many minutes. Paused time.
#[tokio::test(start_paused = true)]
async fn user_timeout_notices_a_silent_peer() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::sync::mpsc;
    let cut = Arc::new(AtomicBool::new(false));
    let (s_tx, s_out) = mpsc::channel::<Vec<u8>>(4096);
    let (c_tx, c_out) = mpsc::channel::<Vec<u8>>(4096);
    let (s_in_tx, s_in) = mpsc::channel::<Vec<u8>>(4096);
    let (c_in_tx, c_in) = mpsc::channel::<Vec<u8>>(4096);
    for (mut rx, tx) in [(s_out, c_in_tx), (c_out, s_in_tx)] {
        let cut = cut.clone();
        tokio::spawn(async move {
            while let Some(p) = rx.recv().await {
                if !cut.load(Ordering::Relaxed) {
                    let _ = tx.send(p).await;
                }
            }
        });
    }
    let server = stack(ChannelDevice::new(s_in, s_tx, 1500), SERVER_IP, &|_| {});
    let client = stack(ChannelDevice::new(c_in, c_tx, 1500), CLIENT_IP, &|_| {});
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 80))
        .await
        .unwrap();
    let (mut c, _s) = connect_to(&listener, &client, 80).await;
    c.set_user_timeout(Some(Duration::from_secs(2))).unwrap();
    cut.store(true, Ordering::Relaxed);
    let t0 = tokio::time::Instant::now();
    tokio::io::AsyncWriteExt::write_all(&mut c, b"into the void")
        .await
        .unwrap();
    let e = c.read(&mut [0; 16]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TimedOut, "{e}");
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_millis(1990) && waited < Duration::from_millis(2500),
        "gave up after {waited:?}"
    );
}
