//! ICMP from the kernel, for real: a port the kernel rejects with
//! ICMP port unreachable (nftables `reject`), and a path whose MTU is
//! smaller than synack's device (a router namespace between synack and
//! the server, the far link at MTU 1280): the router's "fragmentation
//! needed" lowers synack's MSS and the transfer completes, byte for byte.

use crate::netns::{KERNEL_IP, Netns};
use crate::synack::client;
use crate::util::{MIB, peer_py, random_file, sha256};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);

#[test]
fn icmp_port_unreachable_refuses_synacks_connect() {
    let test = "icmp_port_unreachable_refuses_synacks_connect";
    let Some(mut ns) = Netns::new(test, LIMIT, &["nft"]) else {
        return;
    };
    let rules = "table inet synack_icmp {\n chain input {\n  type filter hook input priority 0;\n  \
                 tcp dport 7300 reject with icmp type port-unreachable\n }\n}\n";
    let file = ns.path("rules.nft");
    std::fs::write(&file, rules).unwrap();
    ns.run_ok("nft", &["-f", file.to_str().unwrap()]);
    let target = format!("{KERNEL_IP}:7300");
    let c = client(&mut ns, "connect", "connect", &[&target, "--trace"]);
    let status = ns.wait(c, Duration::from_secs(30));
    let err = ns.stderr(c);
    assert_eq!(status.code(), Some(1), "exit status; stderr:\n{err}");
    assert!(
        err.contains("ICMP port unreachable") && err.contains("connection aborted"),
        "the trace shows the ICMP error:\n{err}"
    );
    assert!(
        err.to_lowercase().contains("connection refused"),
        "and the command says refused:\n{err}"
    );
    assert!(
        ns.elapsed() < Duration::from_secs(20),
        "refused at once, not after the SYN retries"
    );
}

#[test]
fn path_mtu_discovery_over_a_router_with_a_smaller_mtu() {
    let test = "path_mtu_discovery_over_a_router_with_a_smaller_mtu";
    let Some(mut ns) = Netns::new(test, LIMIT, &["python3", "sha256sum"]) else {
        return;
    };
    // synack (TUN, MTU 1500) -> this namespace's kernel, routing -> veth at
    // MTU 1280 -> the server's namespace. The server advertises MSS 1460
    // (advmss), so only the router's ICMP can tell synack the path is
    // smaller.
    let peer = ns.add_peer(
        "far",
        ("veth-r", "198.19.0.1/24"),
        ("veth-s", "198.19.0.2/24"),
    );
    ns.run_ok("ip", &["link", "set", "veth-r", "mtu", "1280"]);
    ns.run_in_ok(&peer, "ip", &["link", "set", "veth-s", "mtu", "1280"]);
    ns.run_ok("sysctl", &["-q", "-w", "net.ipv4.ip_forward=1"]);
    ns.run_in_ok(
        &peer,
        "ip",
        &[
            "route",
            "add",
            "198.18.0.0/24",
            "via",
            "198.19.0.1",
            "advmss",
            "1460",
        ],
    );
    let py = peer_py(&ns);
    let srv = ns.spawn_in(
        &peer,
        "echo",
        "python3",
        &[&py, "echo", "198.19.0.2", "7400"],
    );
    ns.poll_until(
        "the echo server",
        Duration::from_secs(10),
        Some(srv),
        |ns| ns.run_in_ok(&peer, "ss", &["-ltn"]).contains(":7400"),
    );
    let data = ns.path("data");
    random_file(&data, 2 * MIB, 7);
    let back = ns.path("back");
    let c = client(
        &mut ns,
        "connect",
        "connect",
        &[
            "198.19.0.2:7400",
            "--send",
            data.to_str().unwrap(),
            "--recv",
            back.to_str().unwrap(),
            "--trace",
        ],
    );
    ns.wait_ok(c, Duration::from_secs(60));
    assert_eq!(sha256(&back), sha256(&data), "the echo came back whole");
    let err = ns.stderr(c);
    assert!(
        err.contains("ICMP packet too big (MTU 1280)") && err.contains("MSS lowered to"),
        "the trace shows the router's ICMP and the new MSS:\n{}",
        crate::netns::tail(&err)
    );
}
