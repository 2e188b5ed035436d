//! Test 7: refusals both ways, and the one-line error without privileges.

use crate::netns::{KERNEL_IP, Netns, SYNACK, SYNACK_ADDR, SYNACK_IP, TUN};
use crate::synack::{client, serve, stop};
use crate::util::{client_py, last_json};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

/// Linux connecting to a port synack does not serve gets ECONNREFUSED (an
/// RST from synack), while the served port still works.
#[test]
fn linux_connect_to_unserved_port_is_refused() {
    let test = "linux_connect_to_unserved_port_is_refused";
    let Some(mut ns) = Netns::new(test, LIMIT, &["python3"]) else {
        return;
    };
    let s = serve(&mut ns, 7000, "echo", &[]);
    let py = client_py(&ns);
    let c = ns.spawn(
        "connect-7001",
        "python3",
        &[&py, "connect", SYNACK_IP, "7001"],
    );
    ns.wait_ok(c, Duration::from_secs(20));
    let r = last_json(&ns.stdout(c));
    assert_eq!(r["errno"], "ECONNREFUSED", "{r}");
    let c = ns.spawn(
        "connect-7000",
        "python3",
        &[&py, "connect", SYNACK_IP, "7000"],
    );
    ns.wait_ok(c, Duration::from_secs(20));
    let r = last_json(&ns.stdout(c));
    assert_eq!(r["connected"], true, "the served port accepts: {r}");
    stop(&mut ns, s);
}

/// `synack connect` to a closed Linux port says 'connection refused' and
/// exits with status 1.
#[test]
fn synack_connect_to_closed_linux_port_is_refused() {
    let test = "synack_connect_to_closed_linux_port_is_refused";
    let Some(mut ns) = Netns::new(test, LIMIT, &[]) else {
        return;
    };
    let target = format!("{KERNEL_IP}:7002");
    let c = client(&mut ns, "connect", "connect", &[&target]);
    let status = ns.wait(c, Duration::from_secs(30));
    let err = ns.stderr(c);
    assert_eq!(status.code(), Some(1), "exit status; stderr:\n{err}");
    assert!(
        err.to_lowercase().contains("connection refused"),
        "stderr says 'connection refused':\n{err}"
    );
}

/// Without the privilege to create a TUN device, each command prints one
/// line and exits with status 2 (run as nobody inside a namespace).
#[test]
fn without_privileges_one_line_and_exit_2() {
    let test = "without_privileges_one_line_and_exit_2";
    let Some(mut ns) = Netns::new(test, LIMIT, &["setpriv"]) else {
        return;
    };
    let commands: [&[&str]; 3] = [
        &[
            "serve",
            "--tun",
            TUN,
            "--addr",
            SYNACK_ADDR,
            "--port",
            "80",
            "--mode",
            "echo",
        ],
        &[
            "connect",
            "--tun",
            TUN,
            "--addr",
            SYNACK_ADDR,
            "198.18.0.1:80",
        ],
        &[
            "get",
            "--tun",
            TUN,
            "--addr",
            SYNACK_ADDR,
            "http://198.18.0.1:80/x",
            "-o",
            "/dev/null",
        ],
    ];
    for (i, cmd) in commands.iter().enumerate() {
        let mut args = vec![
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            SYNACK,
        ];
        args.extend_from_slice(cmd);
        let p = ns.spawn(&format!("nobody-{i}"), "setpriv", &args);
        let status = ns.wait(p, Duration::from_secs(10));
        let err = ns.stderr(p);
        assert_eq!(
            status.code(),
            Some(2),
            "{cmd:?}: exit status; stderr:\n{err}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{cmd:?}: one line:\n{err}"
        );
        assert!(ns.stdout(p).is_empty(), "{cmd:?}: nothing on stdout");
    }
}
