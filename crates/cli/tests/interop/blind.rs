//! Blind attacks over the real device (RFC 5961 sections 3-5): while a
//! kernel client streams data through `synack serve --mode echo`, a raw
//! socket in the namespace that knows the 4-tuple but not the sequence
//! numbers sends 65 536 RSTs and 65 536 SYNs sweeping the sequence space in
//! 64 KiB steps (so several land in synack's receive window: an RFC 793
//! stack would be reset) and 3000 data segments at random sequence and
//! acknowledgement numbers. None may succeed: the connection survives,
//! every echoed byte is the byte sent, and the challenge ACKs synack
//! answers the in-window ones with stay within their rate limit.

use crate::netns::{KERNEL_IP, Netns, SYNACK_IP};
use crate::synack::{serve, stop};
use crate::util::{client_py, last_json};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);
const PORT: &str = "7500";
const SPORT: &str = "45111";
const ROUNDS: &str = "3000";

#[test]
fn blind_rst_syn_and_data_injection_all_fail() {
    let test = "blind_rst_syn_and_data_injection_all_fail";
    let Some(mut ns) = Netns::new(test, LIMIT, &["python3"]) else {
        return;
    };
    let s = serve(&mut ns, PORT.parse().unwrap(), "echo", &[]);
    let py = client_py(&ns);
    let c = ns.spawn(
        "stream",
        "python3",
        &[&py, "stream", SYNACK_IP, PORT, SPORT, "6"],
    );
    std::thread::sleep(Duration::from_millis(500));
    let started = std::time::Instant::now();
    let a = ns.spawn(
        "blind",
        "python3",
        &[&py, "blind", SYNACK_IP, PORT, KERNEL_IP, SPORT, ROUNDS],
    );
    ns.wait_ok(a, Duration::from_secs(30));
    let attack_secs = started.elapsed().as_secs_f64();
    let sent = last_json(&ns.stdout(a))["sent"].as_u64().unwrap_or(0);
    ns.wait_ok(c, Duration::from_secs(40));
    let r = last_json(&ns.stdout(c));
    let err = stop(&mut ns, s);
    let err = format!("{err}{}", ns.stderr(s));
    assert_eq!(sent, 2 * 65536 + 3000, "every attempt went out");
    assert_eq!(
        r["ok"], true,
        "the connection survived, data intact: {r}\n{err}"
    );
    assert!(r["bytes"].as_u64().unwrap_or(0) > 0, "{r}");
    let challenges: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix("synack: challenge ACKs sent (RFC 5961): "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("challenge ACK count at exit:\n{err}"));
    eprintln!(
        "[{test}] {sent} blind segments in {attack_secs:.2} s; {challenges} challenge ACKs; \
         stream {r}"
    );
    // RSTs and SYNs in the window draw challenge ACKs (RFC 5961 3.2, 4.2),
    // at most 1000 a second per connection (section 7).
    let bound = 1000.0 * (attack_secs + 1.0);
    assert!(challenges >= 2, "the window was hit: {challenges}");
    assert!(
        (challenges as f64) <= bound,
        "{challenges} challenge ACKs in {attack_secs:.2} s"
    );
}
