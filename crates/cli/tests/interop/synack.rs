//! Starting synack in a namespace.

use crate::netns::{Netns, Proc, SYNACK_ADDR, TUN};
use std::time::Duration;

/// `synack serve --tun synack0 --addr 198.18.0.2/24 --port PORT --mode MODE
/// extra...`, once the TUN device is ready.
pub fn serve(ns: &mut Netns, port: u16, mode: &str, extra: &[&str]) -> Proc {
    let port = port.to_string();
    let mut args = vec![
        "serve",
        "--tun",
        TUN,
        "--addr",
        SYNACK_ADDR,
        "--port",
        &port,
        "--mode",
        mode,
    ];
    args.extend_from_slice(extra);
    let p = ns.synack("serve", &args);
    ns.wait_tun(p);
    p
}

/// `synack connect|get --tun synack0 --addr 198.18.0.2/24 rest...`.
pub fn client(ns: &mut Netns, label: &str, cmd: &str, rest: &[&str]) -> Proc {
    let mut args = vec![cmd, "--tun", TUN, "--addr", SYNACK_ADDR];
    args.extend_from_slice(rest);
    ns.synack(label, &args)
}

/// Stops a `synack serve` with SIGINT and expects a clean exit (status 0)
/// within 10 s; returns its stdout.
pub fn stop(ns: &mut Netns, p: Proc) -> String {
    ns.signal(p, "INT");
    ns.wait_ok(p, Duration::from_secs(10));
    ns.stdout(p)
}
