//! A lossy in-memory wire between two channel devices: a task per
//! direction drops a share of the packets and delays every packet by a
//! few hundred microseconds (with jitter, so some are reordered).

use crate::*;
use std::time::Duration;
use tokio::sync::mpsc;

pub fn lossy_pair(loss: f64, seed: u64) -> (Stack, Stack) {
    let (s_tx, mut s_out) = mpsc::channel::<Vec<u8>>(4096);
    let (c_tx, mut c_out) = mpsc::channel::<Vec<u8>>(4096);
    let (s_in_tx, s_in) = mpsc::channel::<Vec<u8>>(4096);
    let (c_in_tx, c_in) = mpsc::channel::<Vec<u8>>(4096);
    tokio::spawn(async move { forward(&mut s_out, c_in_tx, loss, seed).await });
    tokio::spawn(async move { forward(&mut c_out, s_in_tx, loss, seed ^ 0x55).await });
    let server = stack(ChannelDevice::new(s_in, s_tx, 1500), SERVER_IP, &|_| {});
    let client = stack(ChannelDevice::new(c_in, c_tx, 1500), CLIENT_IP, &|_| {});
    (server, client)
}

async fn forward(
    rx: &mut mpsc::Receiver<Vec<u8>>,
    tx: mpsc::Sender<Vec<u8>>,
    loss: f64,
    seed: u64,
) {
    let mut x = seed | 1;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    while let Some(p) = rx.recv().await {
        if rand() < loss {
            continue;
        }
        let delay = Duration::from_micros(200 + (rand() * 300.0) as u64);
        let tx = tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = tx.send(p).await;
        });
    }
}
