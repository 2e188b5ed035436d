//! `synack relay` between a kernel client and kernel servers in a second
//! namespace: curl downloads and uploads (SHA-256 checked), 200 concurrent
//! connections, a refused upstream, a silent one, with loss; through a
//! SOCKS5 proxy (microsocks) and directly with `--bind-device`.
//!
//! Addresses: the client namespace has the TUN device (synack 198.18.0.2,
//! kernel side 198.18.0.1) and `veth-a` 198.19.0.1/24; the server namespace
//! has `veth-b` 198.19.0.2/24 and the servers on 198.19.9.9. The relay
//! routes 198.19.9.0/24 into the TUN device; its direct upstream sockets,
//! bound to `veth-a`, take the route via 198.19.0.2 (metric 100), which
//! the client's traffic never does.

use crate::netns::{Netns, Proc, SYNACK_ADDR, TUN};
use crate::util::{MIB, client_py, last_json, peer_py, random_file, sha256};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(180);
/// The servers' address (routed into the TUN device by the relay).
const SERVER: &str = "198.19.9.9";
/// An address in the relayed prefix where nothing answers.
const BLACK_HOLE: &str = "198.19.9.77";
const HTTP_PORT: &str = "8000";
const ECHO_PORT: &str = "7";
const CLOSED_PORT: &str = "9";

struct RelayNet {
    ns: Netns,
    peer: String,
}

/// The two namespaces, the servers (HTTP with a 64 MiB file, echo) and,
/// for `socks5`, microsocks on 198.19.0.2:1080.
fn relay_net(test: &str, socks5: bool, file_mib: u64) -> Option<RelayNet> {
    let mut tools = vec!["python3", "curl"];
    if socks5 {
        tools.push("microsocks");
    }
    let mut ns = Netns::new(test, LIMIT, &tools)?;
    let peer = ns.add_peer(
        "b",
        ("veth-a", "198.19.0.1/24"),
        ("veth-b", "198.19.0.2/24"),
    );
    ns.run_in_ok(
        &peer,
        "ip",
        &["addr", "add", &format!("{SERVER}/32"), "dev", "lo"],
    );
    ns.run_ok(
        "ip",
        &[
            "route",
            "add",
            "198.19.9.0/24",
            "via",
            "198.19.0.2",
            "dev",
            "veth-a",
            "metric",
            "100",
        ],
    );
    let root = ns.path("www");
    std::fs::create_dir_all(&root).unwrap();
    random_file(&root.join("file"), file_mib * MIB, 11);
    let py = peer_py(&ns);
    let root = root.to_str().unwrap().to_string();
    ns.spawn_in(
        &peer.clone(),
        "http",
        "python3",
        &[&py, "http", SERVER, HTTP_PORT, &root],
    );
    ns.spawn_in(
        &peer.clone(),
        "echo",
        "python3",
        &[&py, "echo", SERVER, ECHO_PORT],
    );
    if socks5 {
        ns.spawn_in(
            &peer.clone(),
            "socks",
            "microsocks",
            &["-i", "198.19.0.2", "-p", "1080"],
        );
    }
    let net = RelayNet { ns, peer };
    for port in [HTTP_PORT, ECHO_PORT]
        .into_iter()
        .chain(socks5.then_some("1080"))
    {
        net.wait_peer_listen(port);
    }
    Some(net)
}

impl RelayNet {
    fn wait_peer_listen(&self, port: &str) {
        let t0 = std::time::Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            let out = self
                .ns
                .run_in_ok(&self.peer, "ss", &["-Htln", &format!("sport = :{port}")]);
            if !out.trim().is_empty() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("nothing listens on port {port} in the server namespace");
    }

    /// `synack relay --tun synack0 --addr 198.18.0.2/24 --route
    /// 198.19.9.0/24 extra...`, once it relays.
    fn relay(&mut self, extra: &[&str]) -> Proc {
        let mut args = vec![
            "relay",
            "--tun",
            TUN,
            "--addr",
            SYNACK_ADDR,
            "--route",
            "198.19.9.0/24",
        ];
        args.extend_from_slice(extra);
        let p = self.ns.synack("relay", &args);
        self.ns.poll_until(
            "the relay's first line",
            Duration::from_secs(10),
            Some(p),
            |ns| ns.stderr(p).contains("relaying"),
        );
        p
    }

    fn file(&self) -> std::path::PathBuf {
        self.ns.path("www").join("file")
    }

    /// curl downloads the file and uploads it back (PUT); both SHA-256
    /// checked.
    fn curl_both_ways(&mut self) {
        let got = self.ns.path("got");
        let url = format!("http://{SERVER}:{HTTP_PORT}/file");
        let got_s = got.to_str().unwrap().to_string();
        let c = self
            .ns
            .spawn("curl-get", "curl", &["-sS", "--fail", "-o", &got_s, &url]);
        self.ns.wait_ok(c, Duration::from_secs(60));
        assert_eq!(
            sha256(&got),
            sha256(&self.file()),
            "download through the relay"
        );
        let file = self.file().to_str().unwrap().to_string();
        let c = self
            .ns
            .spawn("curl-put", "curl", &["-sS", "--fail", "-T", &file, &url]);
        self.ns.wait_ok(c, Duration::from_secs(60));
        let reply = self.ns.stdout(c);
        let want = format!(
            "{} {}",
            std::fs::metadata(self.file()).unwrap().len(),
            sha256(&self.file())
        );
        assert_eq!(reply.trim(), want, "upload through the relay");
    }

    /// 200 connections at once, each echoing 20 kB.
    fn concurrent(&mut self, conns: &str) {
        let py = client_py(&self.ns);
        let c = self.ns.spawn(
            "echo",
            "python3",
            &[&py, "echo", SERVER, ECHO_PORT, conns, "20000", "5"],
        );
        self.ns.wait_ok(c, Duration::from_secs(90));
        let r = last_json(&self.ns.stdout(c));
        assert_eq!(r["ok"].to_string(), conns, "every connection echoed: {r}");
    }

    /// What the kernel client's connect says.
    fn connect_errno(&mut self, host: &str, port: &str) -> String {
        let py = client_py(&self.ns);
        let c = self
            .ns
            .spawn("connect", "python3", &[&py, "connect", host, port]);
        self.ns.wait_ok(c, Duration::from_secs(30));
        last_json(&self.ns.stdout(c))["errno"]
            .as_str()
            .unwrap_or("none")
            .to_string()
    }

    fn stop(&mut self, p: Proc) -> String {
        self.ns.signal(p, "INT");
        self.ns.wait_ok(p, Duration::from_secs(10));
        self.ns.stderr(p)
    }
}

#[test]
fn relay_direct_with_bind_device() {
    let Some(mut net) = relay_net("relay_direct_with_bind_device", false, 64) else {
        return;
    };
    let r = net.relay(&[
        "--direct",
        "--bind-device",
        "veth-a",
        "--connect-timeout",
        "1",
    ]);
    net.curl_both_ways();
    net.concurrent("200");
    assert_eq!(net.connect_errno(SERVER, CLOSED_PORT), "ECONNREFUSED");
    assert_eq!(
        net.connect_errno(BLACK_HOLE, "80"),
        "TIMEOUT",
        "a silent upstream"
    );
    let err = net.stop(r);
    assert!(
        err.contains("refused (connection refused): RST to the client"),
        "{err}"
    );
    assert!(err.contains("the client's SYN stays unanswered"), "{err}");
    assert!(err.contains("relayed 202 connections"), "{err}");
}

#[test]
fn relay_through_socks5() {
    let Some(mut net) = relay_net("relay_through_socks5", true, 64) else {
        return;
    };
    let pcap = net.ns.path("relay.pcap");
    let pcap_s = pcap.to_str().unwrap().to_string();
    let r = net.relay(&["--socks5", "198.19.0.2:1080", "--pcap", &pcap_s]);
    net.curl_both_ways();
    net.concurrent("200");
    assert_eq!(net.connect_errno(SERVER, CLOSED_PORT), "ECONNREFUSED");
    let err = net.stop(r);
    assert!(err.contains("proxy: connection refused"), "{err}");
    assert!(err.contains("relayed 202 connections"), "{err}");
    // Both 64 MiB transfers crossed the device: the capture holds them.
    let len = std::fs::metadata(&pcap).map(|m| m.len()).unwrap_or(0);
    assert!(len > 128 * MIB, "pcap of {len} bytes");
}

/// The TUN device is deleted under the relay: it stops with one line and
/// exit status 1, no panic.
#[test]
fn relay_device_deleted() {
    let Some(mut net) = relay_net("relay_device_deleted", false, 1) else {
        return;
    };
    let r = net.relay(&["--direct", "--bind-device", "veth-a"]);
    net.curl_both_ways();
    net.ns.run_ok("ip", &["link", "del", TUN]);
    let status = net.ns.wait(r, Duration::from_secs(10));
    let err = net.ns.stderr(r);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("synack: the stack stopped: the device failed"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// 2% of the packets between the device and synack dropped each way.
#[test]
fn relay_under_loss() {
    let Some(mut net) = relay_net("relay_under_loss", false, 16) else {
        return;
    };
    let r = net.relay(&[
        "--direct",
        "--bind-device",
        "veth-a",
        "--loss",
        "0.02",
        "--seed",
        "3",
    ]);
    net.curl_both_ways();
    net.concurrent("50");
    assert_eq!(net.connect_errno(SERVER, CLOSED_PORT), "ECONNREFUSED");
    let err = net.stop(r);
    assert!(
        err.contains("by --loss in"),
        "the injector did drop packets: {err}"
    );
}
