//! Many connections in one stack at once.

use crate::*;
use std::time::Duration;
use synack_tokio::{TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// 10 000 concurrent streams: all open at the same time (each holds its
/// connection until every one has echoed), each echoes its own bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_streams() {
    const N: usize = 10_000;
    let (server, client) = pair();
    let listener = TcpListener::bind_with_backlog(&server, addr(SERVER_IP, 7), N).unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    let all_open = std::sync::Arc::new(tokio::sync::Barrier::new(N));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..N {
        let client = client.clone();
        let all_open = all_open.clone();
        tasks.spawn(async move {
            let mut c = TcpStream::connect(&client, addr(SERVER_IP, 7)).await?;
            let msg = format!("connection {i} says hello");
            c.write_all(msg.as_bytes()).await?;
            let mut back = vec![0u8; msg.len()];
            c.read_exact(&mut back).await?;
            assert_eq!(back, msg.as_bytes());
            all_open.wait().await;
            c.shutdown().await?;
            let mut rest = Vec::new();
            c.read_to_end(&mut rest).await?;
            assert!(rest.is_empty());
            std::io::Result::Ok(())
        });
    }
    let mut ok = 0;
    let deadline = Duration::from_secs(120);
    while let Some(r) = tokio::time::timeout(deadline, tasks.join_next())
        .await
        .expect("10 000 streams finish in time")
    {
        r.unwrap().unwrap();
        ok += 1;
    }
    assert_eq!(ok, N);
    let s = server.stats();
    assert!(s.endpoint.passive_opens >= N as u64, "{s:?}");
}
