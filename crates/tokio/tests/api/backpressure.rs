//! A reader that stops stalls its sender through the TCP window: the
//! writer blocks, and what is buffered stays within the two socket
//! buffers.

use crate::*;
use std::time::Duration;
use synack_tokio::TcpListener;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_reader_stalls_the_writer() {
    const BUF: usize = 128 * 1024;
    let (server, client) = pair_with(|c| {
        c.endpoint.tcp.send_buffer = BUF;
        c.endpoint.tcp.recv_buffer = BUF;
    });
    let listener = TcpListener::bind(&server, addr(SERVER_IP, 80))
        .await
        .unwrap();
    let (mut c, mut s) = connect_to(&listener, &client, 80).await;
    let chunk = vec![1u8; 16 * 1024];
    let mut written = 0usize;
    // Write until a write has been stuck for half a second.
    loop {
        match tokio::time::timeout(Duration::from_millis(500), c.write(&chunk)).await {
            Ok(n) => written += n.unwrap(),
            Err(_) => break,
        }
        assert!(written < 64 << 20, "the writer never stalled");
    }
    assert!(
        written <= 2 * BUF + 64 * 1024,
        "{written} bytes accepted with {BUF}-byte buffers each side"
    );
    assert!(written >= BUF, "at least the send buffer filled: {written}");
    let held = server.with_endpoint(|ep| ep.connections().map(|c| c.recv_queue()).sum::<usize>());
    assert!(
        held <= BUF,
        "the receiver holds no more than its buffer: {held}"
    );
    // The reader resumes: everything arrives, the writer goes on.
    let reader = tokio::spawn(async move {
        let mut total = 0usize;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                return total;
            }
            total += n;
        }
    });
    for _ in 0..64 {
        c.write_all(&chunk).await.unwrap();
        written += chunk.len();
    }
    c.shutdown().await.unwrap();
    assert_eq!(reader.await.unwrap(), written);
}
