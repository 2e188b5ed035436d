//! FreeBSD's `net.inet.tcp.rexmit_drop_options=1` (`tcp_timer_rexmt`):
//! from the third SYN retransmission the SYN carries only the MSS, and a
//! SYN-ACK's window scale, SACK-permitted and timestamps are then not
//! taken up (`Config::syn_drop_options_after`). Script written here from
//! FreeBSD's source.

use synack_script::{Outcome, RunOptions, run_text};

/// SYNs at 0, 1, 2 and 3 s (FreeBSD's `tcp_syn_backoff`), the fourth
/// with the MSS alone; the connection then runs without the options.
const DROP_OPTIONS: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 `sysctl -w net.inet.tcp.rexmit_drop_options=1`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 6>
+1 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 6>
+1 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 6>
+1 > S 0:0(0) <mss 1460>
+0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale 6>
+0 > . 1:1(0) ack 1 win 65535
+0 %{ assert tcpi_options == 0, tcpi_options }%
";

#[test]
fn the_third_syn_retransmission_carries_only_the_mss() {
    let o = run_text(DROP_OPTIONS, &[], &RunOptions::default());
    assert!(matches!(o, Outcome::Pass), "{o}");
}

#[test]
fn with_the_sysctl_off_the_options_stay() {
    let script = DROP_OPTIONS.replace("rexmit_drop_options=1", "rexmit_drop_options=0");
    match run_text(&script, &[], &RunOptions::default()) {
        // The fourth SYN still has every option: it differs from the
        // expected MSS-only one.
        Outcome::Fail(f) => assert_eq!(f.line, 10, "{f:?}"),
        other => panic!("expected a failure at the fourth SYN, got {other}"),
    }
}
