//! hyper serving on a synack `TcpListener` over TUN (the `hyper_hello`
//! example of synack-tokio, unchanged hyper code): curl with keep-alive,
//! a Python client pipelining requests.

use crate::netns::{Netns, SYNACK_ADDR, SYNACK_IP, TUN, skip};
use std::path::PathBuf;
use std::time::Duration;

/// The example binary, which `cargo test --workspace` builds beside this
/// test (target/<profile>/examples/).
fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples").join(name);
    path.exists().then_some(path)
}

const PIPELINE: &str = r#"
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
reqs = b"".join(b"GET /p%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(5))
s.sendall(reqs)
data = b""
while data.count(b"from synack") < 5:
    b = s.recv(65536)
    if not b:
        break
    data += b
text = data.decode()
print(text.count("HTTP/1.1 200 OK"), ",".join(l.split(": ")[-1] for l in text.split("\n") if "from synack" in l))
"#;

#[test]
fn hyper_serves_on_a_synack_listener() {
    let test = "hyper_serves_on_a_synack_listener";
    let Some(bin) = example("hyper_hello") else {
        skip(&format!(
            "{test}: the hyper_hello example is not built (run the tests with `cargo test --workspace`)"
        ));
        return;
    };
    let Some(mut ns) = Netns::new(test, Duration::from_secs(60), &["python3", "curl"]) else {
        return;
    };
    let server = ns.spawn("hyper", bin.to_str().unwrap(), &[TUN, SYNACK_ADDR, "8080"]);
    ns.wait_tun(server);
    ns.wait_listen_on_tun(8080, server);
    // Keep-alive: two URLs, one connection (curl reports 1 then 0 new
    // connections).
    let out = ns.run_ok(
        "curl",
        &[
            "-sS",
            "-w",
            "%{num_connects}\n",
            &format!("http://{SYNACK_IP}:8080/a"),
            &format!("http://{SYNACK_IP}:8080/b"),
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].ends_with("from synack: /a"), "{out}");
    assert_eq!(lines[1], "1");
    assert!(lines[2].ends_with("from synack: /b"), "{out}");
    assert_eq!(lines[3], "0", "the second request reused the connection");
    let port_a = lines[0].split(':').nth(1);
    let port_b = lines[2].split(':').nth(1);
    assert_eq!(port_a, port_b, "same client port: {out}");
    // Pipelining: five requests in one write, five answers in order.
    let script = ns.path("pipeline.py");
    std::fs::write(&script, PIPELINE).unwrap();
    let out = ns.run_ok("python3", &[script.to_str().unwrap(), SYNACK_IP, "8080"]);
    assert_eq!(out.trim(), "5 /p0,/p1,/p2,/p3,/p4", "{out}");
}
