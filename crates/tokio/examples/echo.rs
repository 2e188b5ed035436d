//! An echo server on a synack TcpListener over a TUN device: every
//! connection gets back what it sends, half-close included.
//!
//! `sudo cargo run --example echo -- tun0 198.18.0.2/24 7`, then
//! `echo hi | nc -N 198.18.0.2 7` (run it in a network namespace).

use synack_tokio::{Stack, StackConfig, TcpListener, device::Tun};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (name, addr, port) = (&args[1], &args[2], args[3].parse().unwrap());
    let ip = addr.split('/').next().unwrap().parse().unwrap();
    let stack = Stack::new(Tun::open(name, addr)?, StackConfig::new(vec![ip]))?;
    let listener = TcpListener::bind(&stack, (ip, port).into()).await?;
    eprintln!("echo: listening on {ip}:{port}");
    loop {
        let (mut stream, _peer) = listener.accept().await?;
        tokio::spawn(async move {
            let (mut r, mut w) = stream.split();
            // Copies until the peer's FIN, then sends ours.
            if tokio::io::copy(&mut r, &mut w).await.is_ok() {
                let _ = tokio::io::AsyncWriteExt::shutdown(&mut w).await;
            }
        });
    }
}
