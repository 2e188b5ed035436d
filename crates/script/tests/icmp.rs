//! ICMP errors in scripts (`< icmp TYPE [CODE] [mtu N] [start:end(len)]`),
//! built as packetdrill builds them, against synack's FreeBSD rules
//! (`IcmpRules::FreeBsd`, from FreeBSD's `tcp_ctlinput`, `tcp_notify`,
//! `tcp_drop_syn_sent`, `tcp_mtudisc` and `syncache_unreach`). Scripts
//! written here from those sources, not from any suite's expected output.

use synack_script::{Outcome, RunOptions, run_text};

fn freebsd(script: &str) -> Outcome {
    run_text(script, &[], &RunOptions::default())
}

fn native(script: &str) -> Outcome {
    run_text(
        script,
        &[],
        &RunOptions {
            native: true,
            ..RunOptions::default()
        },
    )
}

#[track_caller]
fn passes(script: &str) {
    let o = freebsd(script);
    assert!(matches!(o, Outcome::Pass), "{o}");
}

/// A port unreachable quoting the SYN drops a connection in SYN-SENT: ECONNREFUSED (`tcp_drop_syn_sent`).
const SYN_SENT_PORT_UNREACHABLE_REFUSES: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+0.01 < icmp unreachable port_unreachable
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
+0 close(3) = 0
";

#[test]
fn syn_sent_port_unreachable_refuses() {
    passes(SYN_SENT_PORT_UNREACHABLE_REFUSES);
}

/// A host unreachable in SYN-SENT is a soft error: the SYN is resent and the handshake completes, SO_ERROR 0.
const SYN_SENT_HOST_UNREACHABLE_IS_SOFT: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+0.01 < icmp unreachable host_unreachable
+0.99 > S 0:0(0) <...>
+0.01 < S. 0:0(0) ack 1 win 65535 <mss 1460>
+0 > . 1:1(0) ack 1
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0 close(3) = 0
+0 > F. 1:1(0) ack 1
+0.01 < F. 1:1(0) ack 2 win 65535
+0 > . 2:2(0) ack 2
";

#[test]
fn syn_sent_host_unreachable_is_soft() {
    passes(SYN_SENT_HOST_UNREACHABLE_IS_SOFT);
}

/// Time exceeded in transit drops a connection in SYN-SENT with EHOSTUNREACH (`icmp_may_rst`).
const SYN_SENT_TIME_EXCEEDED_DROPS: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+0.01 < icmp time_exceeded ttl_exceeded_in_transit
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [EHOSTUNREACH], [4]) = 0
+0 close(3) = 0
";

#[test]
fn syn_sent_time_exceeded_drops() {
    passes(SYN_SENT_TIME_EXCEEDED_DROPS);
}

/// Port, host and prohibited unreachables quoting data in flight leave an established connection alone.
const ESTABLISHED_SURVIVES_UNREACHABLES: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1 <...>
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 10) = 10
+0 > P. 1:11(10) ack 1
+0.01 < icmp unreachable port_unreachable [1:11(10)]
+0.01 < icmp unreachable host_unreachable [1:11(10)]
+0.01 < icmp unreachable net_prohibited [1:11(10)]
+0.07 < . 1:1(0) ack 11 win 65535
+0 write(4, ..., 10) = 10
+0 > P. 11:21(10) ack 1
+0.1 < . 1:1(0) ack 21 win 65535
+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
";

#[test]
fn established_survives_unreachables() {
    passes(ESTABLISHED_SURVIVES_UNREACHABLES);
}

/// Fragmentation needed (MTU 576) quoting data in flight: resent from SND.UNA in 536-byte segments.
const FRAG_NEEDED_LOWERS_THE_MSS_AND_RESENDS: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1 <...>
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 2920) = 2920
+0 > . 1:1461(1460) ack 1
+0 > P. 1461:2921(1460) ack 1
+0.01 < icmp unreachable frag_needed mtu 576 [1:1461(1460)]
+0 > . 1:537(536) ack 1
";

#[test]
fn frag_needed_lowers_the_mss_and_resends() {
    passes(FRAG_NEEDED_LOWERS_THE_MSS_AND_RESENDS);
}

/// An MTU of 200 is raised to 256 (`minmss` 216 + 40): 216-byte segments.
const FRAG_NEEDED_BELOW_THE_FLOOR_STOPS_AT_MINMSS: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1 <...>
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 2920) = 2920
+0 > . 1:1461(1460) ack 1
+0 > P. 1461:2921(1460) ack 1
+0.01 < icmp unreachable frag_needed mtu 200 [1:1461(1460)]
+0 > . 1:217(216) ack 1
";

#[test]
fn frag_needed_below_the_floor_stops_at_minmss() {
    passes(FRAG_NEEDED_BELOW_THE_FLOOR_STOPS_AT_MINMSS);
}

/// Quotes outside SND.UNA..SND.MAX (beyond, or the acknowledged SYN) change nothing: full-sized segments follow.
const QUOTES_OUTSIDE_THE_FLIGHT_ARE_IGNORED: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1 <...>
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 2920) = 2920
+0 > . 1:1461(1460) ack 1
+0 > P. 1461:2921(1460) ack 1
+0.01 < icmp unreachable frag_needed mtu 576 [5000:6000(1000)]
+0.01 < icmp unreachable frag_needed mtu 576 [0:0(0)]
+0.08 < . 1:1(0) ack 2921 win 65535
+0 write(4, ..., 1460) = 1460
+0 > P. 2921:4381(1460) ack 1
";

#[test]
fn quotes_outside_the_flight_are_ignored() {
    passes(QUOTES_OUTSIDE_THE_FLIGHT_ARE_IGNORED);
}

/// IPv6 Packet Too Big (MTU 1280): 1220-byte segments.
const PACKET_TOO_BIG_V6: &str = "\
--ip_version=ipv6
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 65535 <mss 1440>
+0 > S. 0:0(0) ack 1 <...>
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 2880) = 2880
+0 > . 1:1441(1440) ack 1
+0 > P. 1441:2881(1440) ack 1
+0.01 < icmp packet_too_big mtu 1280 [1:1441(1440)]
+0 > . 1:1221(1220) ack 1
";

#[test]
fn packet_too_big_v6() {
    passes(PACKET_TOO_BIG_V6);
}

/// IPv6 Packet Too Big below 1280: FreeBSD takes IPV6_MMTU - 8, 1272, so 1212-byte segments.
const PACKET_TOO_BIG_V6_BELOW_THE_MINIMUM: &str = "\
--ip_version=ipv6
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 65535 <mss 1440>
+0 > S. 0:0(0) ack 1 <...>
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 2880) = 2880
+0 > . 1:1441(1440) ack 1
+0 > P. 1441:2881(1440) ack 1
+0.01 < icmp packet_too_big mtu 1000 [1:1441(1440)]
+0 > . 1:1213(1212) ack 1
";

#[test]
fn packet_too_big_v6_below_the_minimum() {
    passes(PACKET_TOO_BIG_V6_BELOW_THE_MINIMUM);
}

/// In SYN-SENT a second soft error after more than 3 retransmissions drops the connection with EHOSTUNREACH (`tcp_notify`).
const SYN_SENT_GIVES_UP_AFTER_RETRANSMISSIONS_AND_A_SECOND_ERROR: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S 0:0(0) <...>
+0.01 < icmp unreachable host_unreachable
* > S 0:0(0) <...>
+0 < icmp unreachable host_unreachable
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
* > S 0:0(0) <...>
* > S 0:0(0) <...>
* > S 0:0(0) <...>
+0.01 < icmp unreachable host_unreachable
+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [EHOSTUNREACH], [4]) = 0
+0 close(3) = 0
";

#[test]
fn syn_sent_gives_up_after_retransmissions_and_a_second_error() {
    passes(SYN_SENT_GIVES_UP_AFTER_RETRANSMISSIONS_AND_A_SECOND_ERROR);
}

/// An embryonic passive connection is not dropped by ICMP errors (`syncache_unreach` waits for retransmissions).
const SYN_RECEIVED_IGNORES_ERRORS: &str = "\
--ip_version=ipv4
--tolerance_usecs=25000
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0.1 < S 0:0(0) win 65535 <mss 1460>
+0 > S. 0:0(0) ack 1 <...>
+0.01 < icmp unreachable port_unreachable [0:0(0)]
+0.01 < icmp unreachable host_unreachable [0:0(0)]
+0.08 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
";

#[test]
fn syn_received_ignores_errors() {
    passes(SYN_RECEIVED_IGNORES_ERRORS);
}

#[test]
fn the_rfc_rules_differ_where_freebsd_does() {
    // RFC 5927 5.2 / Linux: a hard error kills the embryonic connection.
    assert!(matches!(
        native(SYN_RECEIVED_IGNORES_ERRORS),
        Outcome::Fail(_)
    ));
    // RFC 1191's floor is 576, not FreeBSD's 256.
    assert!(matches!(
        native(FRAG_NEEDED_BELOW_THE_FLOOR_STOPS_AT_MINMSS),
        Outcome::Fail(_)
    ));
}

#[test]
fn unknown_icmp_names_are_named_skips() {
    let o = freebsd(&SYN_SENT_PORT_UNREACHABLE_REFUSES.replace("port_unreachable", "no_such_code"));
    match o {
        Outcome::Skip { construct, .. } => {
            assert!(construct.contains("no_such_code"), "{construct}")
        }
        other => panic!("{other}"),
    }
}
