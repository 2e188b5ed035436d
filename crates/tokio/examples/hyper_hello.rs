//! hyper serving HTTP/1.1 on a synack TcpListener over a TUN device,
//! unchanged from how it serves on tokio's own.
//!
//! `sudo cargo run --example hyper_hello -- tun0 198.18.0.2/24 8080`, then
//! `curl http://198.18.0.2:8080/` (the device is created with the kernel
//! side at 198.18.0.1/24; run it in a network namespace to keep the host's
//! interfaces out of it).

use http_body_util::Full;
use hyper::{Request, Response, body::Bytes, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use synack_tokio::{Stack, StackConfig, TcpListener, device::Tun};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (name, addr, port) = (&args[1], &args[2], args[3].parse().unwrap());
    let ip = addr.split('/').next().unwrap().parse().unwrap();
    let stack = Stack::new(Tun::open(name, addr)?, StackConfig::new(vec![ip]))?;
    let listener = TcpListener::bind(&stack, (ip, port).into()).await?;
    loop {
        let (stream, peer) = listener.accept().await?;
        tokio::spawn(async move {
            let hello = move |req: Request<hyper::body::Incoming>| async move {
                let text = format!("hello {peer} from synack: {}\n", req.uri().path());
                Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(text))))
            };
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(hello))
                .await;
        });
    }
}
