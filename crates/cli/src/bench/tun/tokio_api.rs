//! synack's two directions through the tokio API (`--api async`): the
//! same workload as [`super::synack`], with a `synack_tokio::Stack` on the
//! TUN device, a `TcpListener` / `TcpStream` reading and writing 64 KiB at
//! a time, on tokio's multi-threaded runtime (tokio's default) or its
//! current-thread one (`--runtime`), the workload spawned as a task.

use super::kernel;
use super::synack::{KERNEL, KERNEL_PORT, SYNACK, SYNACK_PORT};
use super::{APP_BUF, Measured, PERIOD, STALL, matches, pattern};
use crate::net::args::TunOpts;
use crate::net::{Failure, open_device};
use core::net::{IpAddr, SocketAddr};
use std::time::Instant;
use synack_tokio::device::Tun;
use synack_tokio::{Stack, StackConfig, TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Both directions on a fresh device (offloads as `opts` says).
pub fn both(opts: &TunOpts, bytes: u64, current_thread: bool) -> Result<[Measured; 2], String> {
    let rt = if current_thread {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let mut rt = rt;
    let rt = rt
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    // The workload runs as a spawned task, on the runtime's workers like
    // an application's tasks (block_on's own future would run on this
    // thread, apart from them).
    let opts = TunOpts {
        tun: opts.tun.clone(),
        pcap: None,
        ..*opts
    };
    rt.block_on(async move {
        tokio::spawn(run(opts, bytes))
            .await
            .map_err(|e| e.to_string())?
    })
}

async fn run(opts: TunOpts, bytes: u64) -> Result<[Measured; 2], String> {
    let opts = &opts;
    {
        let o = open_device(opts, "bench tun").map_err(|e| match e {
            Failure::Setup(m) | Failure::Run(m) => m,
        })?;
        let tun = Tun::new(o.dev).map_err(|e| format!("TUN device: {e}"))?;
        let stack = Stack::new(
            tun,
            StackConfig {
                endpoint: o.ep_config,
                ..StackConfig::default()
            },
        )
        .map_err(|e| e.to_string())?;
        let a = linux_to_synack(&stack, bytes).await?;
        let b = synack_to_linux(&stack, bytes).await?;
        stack.shutdown(std::time::Duration::from_secs(1)).await;
        Ok([a, b])
    }
}

async fn linux_to_synack(stack: &Stack, bytes: u64) -> Result<Measured, String> {
    let addr = SocketAddr::new(IpAddr::V4(SYNACK), SYNACK_PORT);
    let listener = TcpListener::bind(stack, addr)
        .await
        .map_err(|e| format!("listen on {addr}: {e}"))?;
    let writer = kernel::spawn_writer(addr, bytes, || {});
    let fail = |e: std::io::Error| format!("linux_to_synack (async): {e}");
    let (mut s, _) = tokio::time::timeout(STALL, listener.accept())
        .await
        .map_err(|_| "linux_to_synack (async): no connection".to_string())?
        .map_err(fail)?;
    let start = Instant::now();
    let pat = pattern();
    let mut buf = vec![0u8; APP_BUF];
    let (mut got, mut ok) = (0u64, true);
    let mut end = None;
    loop {
        let n = tokio::time::timeout(STALL, s.read(&mut buf))
            .await
            .map_err(|_| format!("linux_to_synack (async): stalled at {got} bytes"))?
            .map_err(fail)?;
        if n == 0 {
            break;
        }
        ok &= matches(&pat, &buf[..n], got);
        got += n as u64;
        if got >= bytes && end.is_none() {
            end = Some(Instant::now());
        }
    }
    s.shutdown().await.map_err(fail)?;
    drop(s);
    tokio::task::spawn_blocking(move || writer.recv())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|_| "linux_to_synack (async): the writer vanished".to_string())??;
    let end = end.ok_or_else(|| format!("linux_to_synack (async): read {got} of {bytes} bytes"))?;
    if !ok || got != bytes {
        return Err(format!(
            "linux_to_synack (async): read {got} of {bytes} bytes, ok {ok}"
        ));
    }
    Ok(Measured {
        stack: "synack-async",
        direction: "linux_to_synack",
        bytes,
        seconds: end.duration_since(start).as_secs_f64(),
        offloads: true,
        busy_poll_hits: None,
    })
}

async fn synack_to_linux(stack: &Stack, bytes: u64) -> Result<Measured, String> {
    let addr = SocketAddr::new(IpAddr::V4(KERNEL), KERNEL_PORT);
    let listener = std::net::TcpListener::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
    let reader = kernel::spawn_reader(listener, bytes, || {});
    let fail = |e: std::io::Error| format!("synack_to_linux (async): {e}");
    let mut s = TcpStream::connect(stack, addr).await.map_err(fail)?;
    let src = pattern();
    let mut sent = 0u64;
    while sent < bytes {
        let off = (sent % PERIOD as u64) as usize;
        let len = (bytes - sent).min(APP_BUF as u64) as usize;
        tokio::time::timeout(STALL, s.write_all(&src[off..off + len]))
            .await
            .map_err(|_| format!("synack_to_linux (async): stalled at {sent} bytes"))?
            .map_err(fail)?;
        sent += len as u64;
    }
    s.shutdown().await.map_err(fail)?;
    let r = tokio::task::spawn_blocking(move || reader.recv().ok())
        .await
        .map_err(|e| e.to_string())?;
    let mut m = kernel::measured("synack-async", "synack_to_linux", bytes, r)?;
    m.offloads = true;
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest).await;
    Ok(m)
}
