//! The peer of `bench relay`: the same relay on ipstack 1.0 (the userspace
//! TCP that tun2proxy and other tun2socks applications build on), as its
//! own example relays: `IpStack::accept`, then a kernel socket to the
//! original destination and `copy_bidirectional`. Its TUN device has no
//! offloads (ipstack reads and writes plain packets) and its settings are
//! ipstack's defaults.

use super::{Figure, ROUTE, VETH_DEV, ip, peers};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use synack_tokio::device::{Device, Tun};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpSocket;

/// A TUN device as the packet stream ipstack reads and writes (one packet
/// per read or write, as a TUN descriptor gives them).
struct TunIo {
    dev: Tun,
    rx: Box<[u8]>,
    tx: Box<[u8]>,
}

impl AsyncRead for TunIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let r = ready!(this.dev.poll_recv(cx, &mut this.rx))?;
        let p = &this.rx[r.start..r.end];
        let n = p.len().min(out.remaining());
        out.put_slice(&p[..n]);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for TunIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let n = data.len().min(this.tx.len());
        this.tx[..n].copy_from_slice(&data[..n]);
        // A full device queue drops the packet, as on a link.
        let _ = this.dev.send(&mut this.tx[..n], None);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The ipstack relay on device `ipstk0` for the two transfers.
pub async fn relay(bytes: u64) -> Result<Vec<Figure>, String> {
    let dev = synack_tun::TunDevice::open("ipstk0").map_err(|e| e.to_string())?;
    synack_tun::iface::configure_created(dev.name(), 1500, "198.18.2.1".parse().unwrap(), 24)
        .map_err(|e| e.to_string())?;
    ip(&["route", "add", ROUTE, "dev", dev.name()])?;
    let io = TunIo {
        dev: Tun::new(dev).map_err(|e| e.to_string())?,
        rx: vec![0; 65536].into_boxed_slice(),
        tx: vec![0; 65536].into_boxed_slice(),
    };
    let mut config = ipstack::IpStackConfig::default();
    config.mtu(1500).map_err(|e| e.to_string())?;
    let mut stack = ipstack::IpStack::new(config, io);
    let relay = tokio::spawn(async move {
        while let Ok(s) = stack.accept().await {
            let ipstack::IpStackStream::Tcp(mut client) = s else {
                continue;
            };
            tokio::spawn(async move {
                let dst = client.peer_addr();
                let Ok(socket) = TcpSocket::new_v4() else {
                    return;
                };
                if socket.bind_device(Some(VETH_DEV.as_bytes())).is_err() {
                    return;
                }
                let Ok(mut up) = socket.connect(dst).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut client, &mut up).await;
            });
        }
    });
    let figures = tokio::task::spawn_blocking(move || peers::both_ways("ipstack", bytes))
        .await
        .map_err(|e| e.to_string())?;
    relay.abort();
    tokio::time::sleep(Duration::from_millis(100)).await;
    figures
}
