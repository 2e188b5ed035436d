//! ECN (RFC 3168) in the FreeBSD personality: negotiation, ECT(0) on new
//! data, the CE echo and CWR, the window reduction and the SYN retries,
//! each from the RFC and FreeBSD's `tcp_ecn.c` (scripts written here, not
//! taken from any suite).

use synack_script::{Outcome, RunOptions, run_text};

#[track_caller]
fn passes(script: &str) {
    let o = run_text(script, &[], &RunOptions::default());
    assert!(matches!(o, Outcome::Pass), "{o}");
}

#[track_caller]
fn fails_at(script: &str, line: usize) {
    match run_text(script, &[], &RunOptions::default()) {
        Outcome::Fail(f) => assert_eq!(f.line, line, "{f:?}"),
        other => panic!("expected a failure at line {line}, got {other}"),
    }
}

/// An ECN-setup SYN (SEW) gets an ECN-setup SYN-ACK (SE., itself not ECT); a CE mark is echoed with ECE on every ACK until a CWR segment, which is acknowledged at once (RFC 3168 6.1.1, 6.1.3; FreeBSD tcp_ecn_input_segment); new data goes ECT(0).
const PASSIVE_OPEN_ANSWERS_ECN_ECHOES_CE_UNTIL_CWR: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < SEW 0:0(0) win 65535 <mss 1460>
+0 > [noecn] SE. 0:0(0) ack 1
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 < [ce] P. 1:11(10) ack 1 win 65535
+0.04 > E. 1:1(0) ack 11
+0 < [ect0] P. 11:21(10) ack 1 win 65535
+0.04 > E. 1:1(0) ack 21
+0 < [ect0] PW. 21:31(10) ack 1 win 65535
+0 > . 1:1(0) ack 31
+0 write(4, ..., 100) = 100
+0 > [ect0] P. 1:101(100) ack 31
+0.1 < . 31:31(0) ack 101 win 65535
";

#[test]
fn passive_open_answers_ecn_echoes_ce_until_cwr() {
    passes(PASSIVE_OPEN_ANSWERS_ECN_ECHOES_CE_UNTIL_CWR);
}

/// With ecn.enable=1 the SYN asks (SEW) and an SE. SYN-ACK agrees: data goes ECT(0), pure ACKs Not-ECT; an ECE halves the window (4 to 2 segments, at least 2) with no growth until the reduction's data is acknowledged, and the next new data carries CWR (RFC 3168 6.1.2; FreeBSD newreno_cong_signal(CC_ECN)).
const ACTIVE_OPEN_ASKS_AND_HALVES_CWND_FOR_ECE: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 `sysctl -w net.inet.tcp.ecn.enable=1`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > [noecn] SEW 0:0(0) <...>
+0.1 < SE. 0:0(0) ack 1 win 65535 <mss 1000>
+0 > [noecn] . 1:1(0) ack 1
+0 write(3, ..., 1000) = 1000
+0 > [ect0] P. 1:1001(1000) ack 1
+0 %{ assert tcpi_snd_cwnd == 4, tcpi_snd_cwnd }%
+0.1 < E. 1:1(0) ack 1001 win 65535
+0 %{ assert tcpi_snd_cwnd == 2, tcpi_snd_cwnd }%
+0 write(3, ..., 1000) = 1000
+0 > [ect0] PW. 1001:2001(1000) ack 1
+0 write(3, ..., 1000) = 1000
+0 > [ect0] P. 2001:3001(1000) ack 1
+0.1 < E. 1:1(0) ack 2001 win 65535
+0 %{ assert tcpi_snd_cwnd == 2, tcpi_snd_cwnd }%
+0.1 < . 1:1(0) ack 3001 win 65535
+0 %{ assert tcpi_snd_cwnd == 2, tcpi_snd_cwnd }%
";

#[test]
fn active_open_asks_and_halves_cwnd_for_ece() {
    passes(ACTIVE_OPEN_ASKS_AND_HALVES_CWND_FOR_ECE);
}

/// A second ECE for data sent before the reduction is ignored (once per window of data, RFC 3168 6.1.2), and a retransmission goes Not-ECT (6.1.5).
const ONE_REDUCTION_PER_WINDOW_AND_RETRANSMISSIONS_ARE_NOT_ECT: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 `sysctl -w net.inet.tcp.ecn.enable=1`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > SEW 0:0(0) <...>
+0.1 < SE. 0:0(0) ack 1 win 65535 <mss 1000>
+0 > . 1:1(0) ack 1
+0 write(3, ..., 2000) = 2000
+0 > [ect0] . 1:1001(1000) ack 1
+0 > [ect0] P. 1001:2001(1000) ack 1
+0.1 < E. 1:1(0) ack 1001 win 65535
+0 %{ assert tcpi_snd_cwnd == 2, tcpi_snd_cwnd }%
+0 < E. 1:1(0) ack 2001 win 65535
+0 %{ assert tcpi_snd_cwnd == 2, tcpi_snd_cwnd }%
+0 write(3, ..., 1000) = 1000
+0 > [ect0] PW. 2001:3001(1000) ack 1
+0.25 > [noecn] P. 2001:3001(1000) ack 1
+0.1 < . 1:1(0) ack 3001 win 65535
";

#[test]
fn one_reduction_per_window_and_retransmissions_are_not_ect() {
    passes(ONE_REDUCTION_PER_WINDOW_AND_RETRANSMISSIONS_ARE_NOT_ECT);
}

/// The first SYN and ecn.maxretries (1) retransmissions ask for ECN; later ones do not (RFC 3168 6.1.1.1, FreeBSD tcp_ecn_output_syn_sent). An ECN-setup SYN-ACK still agrees, as FreeBSD's tcp_ecn_input_syn_sent does.
const SYN_RETRANSMISSIONS_STOP_ASKING_AFTER_MAXRETRIES: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 `sysctl -w net.inet.tcp.ecn.enable=1`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > SEW 0:0(0) <...>
+1 > SEW 0:0(0) <...>
+1 > S 0:0(0) <...>
+1 > S 0:0(0) <...>
+0.1 < SE. 0:0(0) ack 1 win 65535 <mss 1000>
+0 > . 1:1(0) ack 1
+0 write(3, ..., 1000) = 1000
+0 > [ect0] P. 1:1001(1000) ack 1
";

#[test]
fn syn_retransmissions_stop_asking_after_maxretries() {
    passes(SYN_RETRANSMISSIONS_STOP_ASKING_AFTER_MAXRETRIES);
}

/// With ecn.enable=0 an ECN-setup SYN gets a plain SYN-ACK, data is Not-ECT and a CE mark is not echoed.
const ECN_OFF_ANSWERS_NO_REQUEST_AND_ECHOES_NOTHING: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 `sysctl -w net.inet.tcp.ecn.enable=0`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < SEW 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 100) = 100
+0 > [noecn] P. 1:101(100) ack 1
+0 < [ce] P. 1:11(10) ack 101 win 65535
+0.04 > . 101:101(0) ack 11
";

#[test]
fn ecn_off_answers_no_request_and_echoes_nothing() {
    passes(ECN_OFF_ANSWERS_NO_REQUEST_AND_ECHOES_NOTHING);
}

/// A SYN-ACK with both ECE and CWR is not an ECN-setup SYN-ACK (RFC 3168 6.1.1): no ECN, tcpi_options without TCPI_OPT_ECN.
const A_SYN_ACK_WITH_ECE_AND_CWR_DOES_NOT_AGREE: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 `sysctl -w net.inet.tcp.ecn.enable=1`
+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > SEW 0:0(0) <...>
+0.1 < SEW. 0:0(0) ack 1 win 65535 <mss 1000>
+0 > . 1:1(0) ack 1
+0 write(3, ..., 1000) = 1000
+0 > [noecn] P. 1:1001(1000) ack 1
+0 %{ assert tcpi_options & TCPI_OPT_ECN == 0 }%
";

#[test]
fn a_syn_ack_with_ece_and_cwr_does_not_agree() {
    passes(A_SYN_ACK_WITH_ECE_AND_CWR_DOES_NOT_AGREE);
}

/// The checks can fail: a data segment expected Not-ECT, or a reduction
/// expected to leave the window alone, is a failure at its line.
#[test]
fn a_wrong_codepoint_or_window_fails() {
    let wrong = ACTIVE_OPEN_ASKS_AND_HALVES_CWND_FOR_ECE
        .replace("> [ect0] P. 1:1001", "> [noecn] P. 1:1001");
    fails_at(&wrong, 11);
    let wrong = ACTIVE_OPEN_ASKS_AND_HALVES_CWND_FOR_ECE.replacen(
        "tcpi_snd_cwnd == 2",
        "tcpi_snd_cwnd == 4",
        1,
    );
    fails_at(&wrong, 14);
}
