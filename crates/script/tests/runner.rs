//! The runner on small scripts written for the purpose: each verdict and
//! each kind of failure message, timing, strict mode, and bad input.

use synack_script::{Outcome, RunOptions, run_text};

const HEADER: &str = "--ip_version=ipv4\n--tolerance_usecs=25000\n";

fn run(body: &str) -> Outcome {
    run_text(
        &format!("{HEADER}{body}"),
        &["STANDARD"],
        &RunOptions::default(),
    )
}

fn run_strict(body: &str) -> Outcome {
    run_text(
        &format!("{HEADER}{body}"),
        &["STANDARD"],
        &RunOptions {
            strict: true,
            ..RunOptions::default()
        },
    )
}

#[track_caller]
fn assert_fail(o: &Outcome, line: usize, actual_contains: &str) {
    match o {
        Outcome::Fail(f) => {
            assert_eq!(f.line, line, "{o}");
            assert!(f.actual.contains(actual_contains), "{o}");
        }
        other => panic!("expected a failure at line {line}, got {other}"),
    }
}

/// A passive open, a little data each way, and a close: every line kind.
/// The window stays 65535: the buffer is rounded up to 45 segments (65,700
/// bytes) and FreeBSD offers all its free space, which the unscaled field
/// caps.
const SERVER: &str = "\
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 `sockstat -4 -P tcp -p 8080 -s | grep -c LISTEN | grep 1`
+0.1 < S 0:0(0) win 32767 <mss 1460,sackOK,eol,eol>
+0 > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>
+0.1 < . 1:1(0) ack 1 win 32767
+0 accept(3, ..., ...) = 4
+0 fcntl(4, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 fcntl(4, F_GETFL) = 0x6
+0 < P. 1:11(10) ack 1 win 32767
+0.04 > . 1:1(0) ack 11 win 65535
+0 read(4, ..., 100) = 10
+0 read(4, ..., 100) = -1 EWOULDBLOCK (Operation would block)
+0 write(4, ..., 5) = 5
+0 > P. 1:6(5) ack 11 win 65535
+0.1 < . 11:11(0) ack 6 win 32767
+0 close(4) = 0
+0 > F. 6:6(0) ack 11 win 65535
+0.1 < F. 11:11(0) ack 7 win 32767
+0 > . 7:7(0) ack 12 win 65535
+0 `sockstat -4 -P tcp -s | grep packetdril | grep -c TIME_WAIT | grep 1`
+0 close(3) = 0
";

#[test]
fn a_whole_passive_connection_passes() {
    assert_eq!(run(SERVER), Outcome::Pass);
}

#[test]
fn ipv6_works_alike() {
    let script = SERVER
        .replace("mss 1460", "mss 1440")
        .replace("-4 -P", "-6 -P");
    let o = run_text(
        &format!("--ip_version=ipv6\n--tolerance_usecs=25000\n{script}"),
        &[],
        &RunOptions::default(),
    );
    assert_eq!(o, Outcome::Pass);
}

#[test]
fn a_wrong_window_fails_at_its_line_with_what_synack_sent() {
    let script = SERVER.replace(
        "+0.04 > . 1:1(0) ack 11 win 65535",
        "+0.04 > . 1:1(0) ack 11 win 1000",
    );
    let o = run(&script);
    // Line numbers count the two header lines.
    assert_fail(&o, 2 + 13, "window differs");
    let Outcome::Fail(f) = &o else { unreachable!() };
    assert!(f.expected.contains("win 1000"), "{o}");
    assert!(f.actual.contains("win 65535"), "{o}");
}

#[test]
fn a_missing_segment_fails_with_nothing_sent() {
    // No delayed ACK is due before the write: the stack sends nothing.
    let script = SERVER.replace(
        "+0.04 > . 1:1(0) ack 11 win 65535\n",
        "+0 > . 1:1(0) ack 11 win 65535\n",
    );
    let o = run(&script);
    assert_fail(&o, 2 + 13, "sent nothing by 0.225");
}

#[test]
fn an_unexpected_segment_fails_at_the_next_outbound_line() {
    // The script forgets the ACK of the FIN: the ACK comes where the
    // script expects something else.
    let script = SERVER.replace(
        "+0 > . 7:7(0) ack 12 win 65535\n",
        "+0 > F. 7:7(0) ack 12 win 65535\n",
    );
    assert_fail(&run(&script), 2 + 22, "flags differs");
}

#[test]
fn outbound_times_are_checked_against_the_tolerance() {
    let base = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) win 65535 <mss 1460,nop,wscale 1,sackOK,TS val 100 ecr 0>
";
    // The first SYN retransmission comes after the initial RTO, 1 s.
    let on_time = format!(
        "{base}+1.0 > S 0:0(0) win 65535 <mss 1460,nop,wscale 1,sackOK,TS val 1100 ecr 0>\n"
    );
    assert_eq!(run(&on_time), Outcome::Pass);
    let early = format!(
        "{base}+0.5 > S 0:0(0) win 65535 <mss 1460,nop,wscale 1,sackOK,TS val 600 ecr 0>\n"
    );
    assert_fail(&run(&early), 2 + 5, "sent nothing by 0.525");
    let late = format!(
        "{base}+1.5 > S 0:0(0) win 65535 <mss 1460,nop,wscale 1,sackOK,TS val 1600 ecr 0>\n"
    );
    assert_fail(&run(&late), 2 + 5, "time differs");
    // A range covers it; `*` accepts any time.
    let range = format!("{base}+0.9~+1.1 > S 0:0(0) win 65535\n");
    assert_eq!(run(&range), Outcome::Pass);
    let any = format!("{base}* > S 0:0(0) win 65535\n");
    assert_eq!(run(&any), Outcome::Pass);
}

#[test]
fn strict_mode_compares_option_values_and_layout() {
    let syn = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
";
    // Default mode: the options present and the MSS match.
    assert_eq!(run(syn), Outcome::Pass);
    // Strict: the shift is FreeBSD's (6, from kern.ipc.maxsockbuf's
    // 2 MiB), but synack lays its options out in another order.
    assert_fail(&run_strict(syn), 2 + 4, "option layout differs");
    let shift = syn.replace("wscale 6", "wscale 5");
    assert_fail(&run_strict(&shift), 2 + 4, "window-scale option differs");
    // A missing option fails in both modes.
    let no_ts = syn.replace(",TS val 100 ecr 0", "");
    assert_fail(&run(&no_ts), 2 + 4, "timestamp option differs");
    // Strict and synack's own layout: mss, sackOK, TS, nop, wscale 6.
    let exact = syn.replace(
        "<mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>",
        "<mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 6>",
    );
    assert_eq!(run_strict(&exact), Outcome::Pass);
}

#[test]
fn syscall_results_are_compared() {
    let script = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = 0
";
    let o = run(script);
    assert_fail(&o, 2 + 3, "returned -1 EINPROGRESS");
    let o = run(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [1000], [4]) = 0\n",
    );
    assert_fail(&o, 2 + 2, "[65536]");
}

#[test]
fn sysctls_change_the_stack_and_sockstat_checks_counts() {
    let established = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
+0.1 < S. 0:0(0) ack 1 win 32767 <mss 1460,sackOK,eol,eol>
+0 > . 1:1(0) ack 1 win 65535
";
    // RFC 5961: an in-window RST not at RCV.NXT draws a challenge ACK.
    let secure =
        format!("{established}+0.1 < R 100:100(0) win 32767\n+0 > . 1:1(0) ack 1 win 65535\n");
    assert_eq!(run(&secure), Outcome::Pass);
    // insecure_rst=1 (RFC 793): the same RST resets.
    let insecure = format!(
        "0 `sysctl -w net.inet.tcp.insecure_rst=1`\n{established}+0.1 < R 100:100(0) win 32767\n\
         +0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0\n\
         +0 `sockstat -4 -P tcp -s | grep -c ESTABLISHED | grep 0`\n"
    );
    assert_eq!(run(&insecure), Outcome::Pass);
    let wrong_count =
        format!("{established}+0 `sockstat -4 -P tcp -s | grep -c ESTABLISHED | grep 2`\n");
    assert_fail(&run(&wrong_count), 2 + 7, "1 in ESTABLISHED");
}

#[test]
fn unsupported_constructs_skip_and_name_the_construct() {
    for (body, what) in [
        ("0 `ls /`\n", "command `ls /`"),
        (
            "0 `sysctl -w net.inet.tcp.icmp_may_rst=0`\n",
            "net.inet.tcp.icmp_may_rst",
        ),
        (
            "0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n",
            "SOCK_STREAM",
        ),
        (
            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 splice(3) = 0\n",
            "system call splice()",
        ),
        ("0 %{ import os }%\n", "python `import os`"),
        ("0 %{ assert tcpi_lost == 0 }%\n", "python name `tcpi_lost`"),
    ] {
        match run(body) {
            Outcome::Skip { construct, .. } => assert!(construct.contains(what), "{construct}"),
            other => panic!("{body}: expected a skip, got {other}"),
        }
    }
    let o = run_text(
        "--tcp_md5_secret=x\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n",
        &[],
        &RunOptions::default(),
    );
    assert!(matches!(o, Outcome::Skip { line: 1, .. }), "{o}");
}

#[test]
fn malformed_scripts_fail_with_their_line_never_panic() {
    let o = run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0 win 1\n");
    match o {
        Outcome::Fail(f) => {
            assert_eq!(f.line, 2 + 2);
            assert!(f.actual.starts_with("parse error"), "{f:?}");
        }
        other => panic!("{other}"),
    }
    // Odd but well-formed inputs: events before any socket, huge numbers.
    let _ = run("0 < S 4294967295:4294967295(0) win 65535\n+0 > R. 0:0(0) ack 0 win 0\n");
    let _ = run("0 > . 1:1(0) ack 1\n");
    let _ = run("0 close(99) = 0\n");
}

#[test]
fn blocking_calls_wait_in_virtual_time() {
    // A blocking connect returns when the handshake completes (0.1 s).
    let connect = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0...0.1 connect(3, ..., ...) = 0
+0 > S 0:0(0) win 65535
+0.1 < S. 0:0(0) ack 1 win 32767 <mss 1460>
+0 > . 1:1(0) ack 1 win 65535
+0 close(3) = 0
";
    assert_eq!(run(connect), Outcome::Pass);
    // The script said it returns at 0.3: it returned at 0.1.
    let late = connect.replace("+0...0.1 connect", "+0...0.3 connect");
    assert_fail(&run(&late), 2 + 2, "returned at 0.100");
    // Refused: the RST makes it return ECONNREFUSED.
    let refused = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0...0.2 connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)
+0 > S 0:0(0) win 65535
+0.2 < R. 0:0(0) ack 1 win 0
";
    assert_eq!(run(refused), Outcome::Pass);
    // A blocking accept returns when a connection is established, and a
    // blocking read when data arrives.
    let server = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0...0.2 accept(3, ..., ...) = 4
+0.1 < S 0:0(0) win 32767 <mss 1460>
+0 > S. 0:0(0) ack 1 win 65535 <mss 1460>
+0.1 < . 1:1(0) ack 1 win 32767
+0...0.5 read(4, ..., 100) = 7
+0.5 < P. 1:8(7) ack 1 win 32767
";
    assert_eq!(run(server), Outcome::Pass);
    // A call that never returns fails at its line.
    let never = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 accept(3, ..., ...) = 4
+1 `sockstat -4 -P tcp -s | grep -c LISTEN | grep 1`
";
    assert_fail(&run(never), 2 + 4, "still blocks");
    // A second call while one blocks is a script error.
    let second = format!("{never}+0 close(3) = 0\n");
    assert_fail(&run(&second), 2 + 6, "still blocks");
}

#[test]
fn a_blocking_write_waits_for_room() {
    // 40000 bytes into a 32768-byte send buffer: the call returns once
    // the peer's ACKs have made room for the rest.
    let script = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 65535 <mss 1000>
+0 > S. 0:0(0) ack 1 win 65535 <mss 1460>
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 setsockopt(4, IPPROTO_TCP, TCP_NODELAY, [1], 4) = 0
+0...0.3 write(4, ..., 34000) = 34000
+0 > . 1:1001(1000) ack 1 win 65535
+0 > . 1001:2001(1000) ack 1 win 65535
+0 > . 2001:3001(1000) ack 1 win 65535
+0 > . 3001:4001(1000) ack 1 win 65535
+0.3 < . 1:1(0) ack 4001 win 65535
";
    assert_eq!(run(script), Outcome::Pass);
}

/// Inputs a review found to panic or exhaust memory: each now ends in a
/// verdict (and the allocation stays small).
#[test]
fn extreme_values_end_in_a_verdict() {
    let server = "\
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 32767 <mss 1460>
+0 > S. 0:0(0) ack 1 <mss 1460>
+0.1 < . 1:1(0) ack 1 win 32767
+0 accept(3, ..., ...) = 4
";
    // Relative times that overflow i64 microseconds.
    let o = run(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+9000000000000 bind(3, ..., ...) = 0\n+9000000000000 listen(3, 1) = 0\n",
    );
    assert_eq!(o, Outcome::Pass);
    // An absurd tolerance: a skip naming it.
    let o = run_text(
        &format!("--ip_version=ipv4\n--tolerance_usecs=9223372036854775807\n{server}"),
        &[],
        &RunOptions::default(),
    );
    assert!(matches!(o, Outcome::Skip { line: 2, .. }), "{o}");
    // sysctl values beyond what synack takes: skips.
    for v in [
        "net.inet.tcp.rexmit_slop=100000000",
        "net.inet.tcp.recvspace=18446744073709551615",
    ] {
        let o = run(&format!("0 `sysctl -w {v}`\n{server}"));
        assert!(
            matches!(&o, Outcome::Skip { construct, .. } if construct.contains("out of range")),
            "{o}"
        );
    }
    // A minimum RTO above the maximum is clamped by the core, not a panic.
    let o = run(&format!(
        "0 `sysctl -w net.inet.tcp.rexmit_slop=80000000`\n{server}"
    ));
    assert_eq!(o, Outcome::Pass, "{o}");
    // Reads and writes of absurd lengths allocate nothing absurd.
    let o = run(&format!(
        "{server}+0 fcntl(4, F_SETFL, O_RDWR | O_NONBLOCK) = 0\n+0 read(4, ..., 9223372036854775807) = -1 EAGAIN\n"
    ));
    assert_eq!(o, Outcome::Pass, "{o}");
    let o = run(&format!(
        "{server}+0 fcntl(4, F_SETFL, O_RDWR | O_NONBLOCK) = 0\n+0 write(4, ..., 9223372036854775807) = 256000\n"
    ));
    assert!(
        matches!(&o, Outcome::Fail(f) if f.actual.contains("returned 32768")),
        "{o}"
    );
    // An inbound payload larger than any packet: a skip, before allocating.
    let o = run(&format!(
        "{server}+0 < P. 1:1000000001(1000000000) ack 1 win 32767\n"
    ));
    assert!(
        matches!(&o, Outcome::Skip { construct, .. } if construct.contains("over 65535")),
        "{o}"
    );
}

#[test]
fn unchecked_options_pass_and_outbound_icmp_is_a_named_skip() {
    let open = "\
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+.1 < S 0:0(0) win 32767 <mss 1460,sackOK,eol,eol>
";
    // `<...>`: any options, in strict mode too.
    let unchecked = format!("{open}+0 > S. 0:0(0) ack 1 win 65535 <...>\n");
    assert_eq!(run(&unchecked), Outcome::Pass);
    assert_eq!(run_strict(&unchecked), Outcome::Pass);
    // The flags are still compared.
    assert_fail(
        &run(&format!("{open}+0 > S 0:0(0) <...>\n")),
        7,
        "flags differs",
    );
    // An inbound ICMP error is built and handed to synack (tests/icmp.rs
    // checks what it does); synack never sends ICMP about TCP, so an
    // expected outbound one is a named skip.
    assert_eq!(
        run(&format!(
            "{open}+0 > S. 0:0(0) ack 1 <...>\n+.1 < icmp unreachable frag_needed mtu 800 [0:1(1)]\n"
        )),
        Outcome::Pass
    );
    match run(&format!(
        "{open}+0 > S. 0:0(0) ack 1 <...>\n+.1 > icmp unreachable port_unreachable\n"
    )) {
        Outcome::Skip { line, construct } => {
            assert_eq!(line, 8);
            assert!(
                construct.contains("ICMP packet `> icmp unreachable`"),
                "{construct}"
            );
        }
        other => panic!("expected a skip, got {other}"),
    }
    // An outbound ECN codepoint is compared: synack sends Not-ECT.
    assert_eq!(
        run(&format!("{open}+0 > [noecn] S. 0:0(0) ack 1 <...>\n")),
        Outcome::Pass
    );
    assert_fail(
        &run(&format!("{open}+0 > [ect0] S. 0:0(0) ack 1 <...>\n")),
        7,
        "ECN codepoint differs",
    );
}

fn run_linux(body: &str) -> Outcome {
    run_text(
        body,
        &[],
        &RunOptions {
            personality: synack_script::Personality::Linux,
            ..RunOptions::default()
        },
    )
}

/// A passive open with the Linux tests' set-up and IW10.
const LINUX_SERVER: &str = "\
`../common/defaults.sh`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
+0 fcntl(4, F_GETFL) = 0x2 (flags O_RDWR)
+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 fcntl(4, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)
";

#[test]
fn linux_personality_defaults_python_and_linux_only_skips() {
    // defaults.sh maps onto the configuration; IW10 sends ten segments in
    // GSO packets of two (Linux's tcp_tso_autosize early on), joined by the
    // runner as packetdrill does; TCP_INFO through the Python subset.
    let iw10 = format!(
        "{LINUX_SERVER}+0 write(4, ..., 20000) = 20000\n+0 > P. 1:10001(10000) ack 1\n\
         +0 %{{ assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd }}%\n\
         +0 %{{ cwnd = 10; cwnd += 1; assert tcpi_snd_cwnd < cwnd and tcpi_snd_mss == 1000 }}%\n\
         +0 %{{ assert tcpi_state == TCP_ESTABLISHED }}%\n"
    );
    // PSH is on every GSO packet of new data, as Linux forces it, so on
    // the burst from the middle of the write too.
    assert_eq!(run_linux(&iw10), Outcome::Pass);
    // And PSH is compared.
    assert_fail(
        &run_linux(&iw10.replace("> P. 1:10001", "> . 1:10001")),
        14,
        "flags differs",
    );
    let one_write = iw10.replace("20000) = 20000", "10000) = 10000");
    assert_eq!(run_linux(&one_write), Outcome::Pass);
    assert_fail(
        &run_linux(&one_write.replace("tcpi_snd_cwnd == 10,", "tcpi_snd_cwnd == 9,")),
        15,
        "tcpi_snd_cwnd=10",
    );
    // The FreeBSD personality has RFC 5681's IW (3 segments of 1000).
    match run_text(&one_write, &[], &RunOptions::default()) {
        Outcome::Pass => panic!("the FreeBSD personality should not take Linux's set-up"),
        Outcome::Skip { construct, .. } => {
            assert!(construct.contains("defaults.sh"), "{construct}")
        }
        Outcome::Fail(_) => {}
    }
    // A Linux-only feature is named before the script runs.
    let tfo = format!("{LINUX_SERVER}+0 sendto(4, ..., 1000, MSG_FASTOPEN, ..., ...) = 1000\n");
    match run_linux(&tfo) {
        Outcome::Skip { line, construct } => {
            assert_eq!(line, 13);
            assert!(
                construct.contains("TCP Fast Open (MSG_FASTOPEN)"),
                "{construct}"
            );
        }
        other => panic!("expected a skip, got {other}"),
    }
    // Set-up commands synack cannot honour are skips naming them.
    match run_linux(&LINUX_SERVER.replace(
        "`../common/defaults.sh`",
        "`../common/defaults.sh\ntc qdisc replace dev tun0 root fq`",
    )) {
        Outcome::Skip { construct, .. } => assert!(construct.contains("root fq"), "{construct}"),
        other => panic!("expected a skip, got {other}"),
    }
    // shutdown(SHUT_RD): reads see end of stream at once.
    let rd = format!("{LINUX_SERVER}+0 shutdown(4, SHUT_RD) = 0\n+0 read(4, ..., 1000) = 0\n");
    assert_eq!(run_linux(&rd), Outcome::Pass);
}

#[test]
fn a_relative_blocking_call_ends_relative_to_the_previous_event() {
    // packetdrill: `+.1...0.2` ends at previous event + 0.2, not at 0.3.
    let body = "\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+.1...0.200 connect(3, ..., ...) = 0
+0 > S 0:0(0) <...>
+.1 < S. 0:0(0) ack 1 win 5792 <mss 1460,nop,wscale 2,nop,nop,sackOK>
+0 > . 1:1(0) ack 1
";
    assert_eq!(run(body), Outcome::Pass);
    assert_fail(
        &run(&body.replace("0.200", "0.300")),
        4,
        "returned at 0.200",
    );
}

#[test]
fn tcp_maxseg_sets_the_announced_mss() {
    let body = "\
`../common/defaults.sh`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [536], [4]) = 0
+0 setsockopt(3, SOL_TCP, TCP_MAXSEG, [1100], 4) = 0
+0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [1100], [4]) = 0
+0 setsockopt(3, SOL_TCP, TCP_MAXSEG, [10], 4) = -1 EINVAL (Invalid argument)
+0...0.1 connect(3, ..., ...) = 0
+0 > S 0:0(0) <mss 1100,sackOK,TS val 100 ecr 0,nop,wscale 8>
+.1 < S. 0:0(0) ack 1 win 32792 <mss 1460,nop,wscale 7>
+0 > . 1:1(0) ack 1
+0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [1100], [4]) = 0
";
    assert_eq!(run_linux(body), Outcome::Pass);
    assert_fail(
        &run_linux(&body.replace("<mss 1100,", "<mss 1460,")),
        8,
        "MSS option differs",
    );
}

#[test]
fn a_null_buffer_is_efault_and_send_flags_are_checked() {
    let body = format!(
        "{LINUX_SERVER}+0 write(4, NULL, 1000) = -1 EFAULT (Bad address)\n\
         +0 sendto(4, ..., 10, 0, ..., ...) = 10\n+0 > P. 1:11(10) ack 1\n"
    );
    assert_eq!(run_linux(&body), Outcome::Pass);
    let flagged = format!("{LINUX_SERVER}+0 send(4, ..., 10, MSG_DONTWAIT) = 10\n");
    assert!(matches!(run_linux(&flagged), Outcome::Skip { .. }));
}

#[test]
fn siocinq_counts_the_bytes_readable() {
    let body = format!(
        "{LINUX_SERVER}+0 ioctl(4, SIOCINQ, [0]) = 0\n+0 < P. 1:1001(1000) ack 1 win 257\n\
         +0 > . 1:1(0) ack 1001\n+0 ioctl(4, SIOCINQ, [1000]) = 0\n"
    );
    assert_eq!(run_linux(&body), Outcome::Pass);
    assert_fail(
        &run_linux(&body.replace("[1000]", "[999]")),
        16,
        "1000 bytes readable",
    );
}

#[test]
fn the_python_subset_is_bounded_and_exact() {
    let ok = |code: &str| run_linux(&format!("0 %{{ {code} }}%\n"));
    assert_eq!(
        ok("x = 7 // 2; y = -7 % 3; assert x == 3 and y == 2"),
        Outcome::Pass
    );
    assert_eq!(ok("assert 1 < 2 <= 2 < 3 and not 3 < 2 < 4"), Outcome::Pass);
    assert_eq!(ok("assert (6 & 3) | 8 == 10, 'bits'"), Outcome::Pass);
    assert_fail(&ok("assert 1 + 1 == 3"), 1, "it does not hold");
    for bad in [
        format!("assert {}1{} == 1", "(".repeat(500), ")".repeat(500)),
        format!("assert {}1 == 0", "not ".repeat(500)),
        "x = -9223372036854775807 - 1; assert x // -1 == 0".to_string(),
        "assert 1 // 0 == 0".to_string(),
        "y += 1".to_string(),
    ] {
        assert!(matches!(ok(&bad), Outcome::Skip { .. }), "{bad}");
    }
}

#[test]
fn delayed_ack_sysctls_are_honoured() {
    // net.inet.tcp.delacktime sets the delay; delayed_ack=0 ACKs at once.
    let body = |sysctl: &str, wait: &str| {
        format!(
            "0.00 `sysctl -w {sysctl}`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1 <...>
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 < P. 1:11(10) ack 1 win 65535
+{wait} > . 1:1(0) ack 11
"
        )
    };
    assert_eq!(
        run(&body("net.inet.tcp.delacktime=100", "0.1")),
        Outcome::Pass
    );
    assert_eq!(run(&body("net.inet.tcp.delayed_ack=0", "0")), Outcome::Pass);
    // The default, 40 ms, is not 100.
    assert!(matches!(
        run(&body("net.inet.tcp.delacktime=40", "0.1")),
        Outcome::Fail(_)
    ));
}

#[test]
fn mtu_option_sets_the_offered_mss() {
    let script = |mtu: &str, mss: u32| {
        format!(
            "--ip_version=ipv4\n--mtu={mtu}\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) win 65535 <mss {mss},nop,wscale 6,sackOK,TS val 1 ecr 0>
"
        )
    };
    let go = |s: String| run_text(&s, &[], &RunOptions::default());
    assert_eq!(go(script("1000", 960)), Outcome::Pass);
    assert!(matches!(go(script("1000", 1460)), Outcome::Fail(_)));
    match go(script("100", 60)) {
        Outcome::Skip { construct, .. } => assert!(construct.contains("--mtu=100"), "{construct}"),
        other => panic!("{other}"),
    }
}
