//! Faults on the device: state an earlier process left on a TUN device
//! must not break the next one; the drop counters say what was lost.

use crate::netns::{KERNEL_IP, Netns, SYNACK_IP, TUN};
use crate::synack::{serve, stop};
use crate::util::{client_py, last_json};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);

/// An existing device (made with `ip tuntap add`) used first with the
/// offloads (the default), then with `--loss` and with `--no-offload`,
/// which open it without the virtio-net header. The offloads are the
/// interface's, not the descriptor's: unless synack turns them off again,
/// the kernel goes on handing over partial checksums and every SYN is
/// dropped as corrupt. Each run must echo, and none may drop a packet for
/// its checksum.
#[test]
fn offloads_left_on_a_device_do_not_break_a_plain_run() {
    let test = "offloads_left_on_a_device_do_not_break_a_plain_run";
    let Some(mut ns) = Netns::new(test, LIMIT, &["python3"]) else {
        return;
    };
    ns.run_ok("ip", &["tuntap", "add", TUN, "mode", "tun"]);
    ns.run_ok(
        "ip",
        &["addr", "add", &format!("{KERNEL_IP}/24"), "dev", TUN],
    );
    ns.run_ok("ip", &["link", "set", TUN, "up"]);
    let runs: [&[&str]; 3] = [&[], &["--loss", "0.01", "--seed", "7"], &["--no-offload"]];
    for (i, extra) in runs.iter().enumerate() {
        let port = (7100 + i).to_string();
        let s = serve(&mut ns, 7100 + i as u16, "echo", extra);
        let py = client_py(&ns);
        let c = ns.spawn(
            &format!("echo-{i}"),
            "python3",
            &[&py, "echo", SYNACK_IP, &port, "4", "20000", "3"],
        );
        ns.wait_ok(c, Duration::from_secs(30));
        let r = last_json(&ns.stdout(c));
        assert_eq!(
            r["ok"], 4,
            "run {i} ({extra:?}): every connection echoed: {r}"
        );
        // SIGUSR1: a status report with the drop counters, and serve goes on.
        ns.signal(s, "USR1");
        ns.poll_until(
            "the status report",
            Duration::from_secs(10),
            Some(s),
            |ns| {
                ns.stderr(s)
                    .contains("synack: status: 4 connections accepted")
            },
        );
        stop(&mut ns, s);
        let err = ns.stderr(s);
        let drops = err
            .lines()
            .find(|l| l.starts_with("synack: dropped"))
            .unwrap_or_else(|| panic!("run {i}: serve prints its drop counters:\n{err}"));
        assert!(
            !drops.contains("bad checksum"),
            "run {i} ({extra:?}): no packet dropped for its checksum: {drops}"
        );
    }
}
