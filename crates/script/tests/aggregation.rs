//! packetdrill joins consecutive outbound segments until they carry the
//! payload a `>` line expects (`do_outbound_script_packet` and
//! `aggregate_packets`, unless `--strict_segments`), so a line written
//! against a TSO super-packet matches a stack that sends MSS-sized
//! segments. Scripts written here from packetdrill's source.

use synack_script::{Outcome, RunOptions, run_text};

/// A 3000-byte write to a peer with an MSS of 1000 leaves as three
/// segments, PSH on the last; the script expects one.
const JOINED: &str = "\
--ip_version=ipv4
0.000 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1000>
+0 > S. 0:0(0) ack 1 <...>
+0.1 < . 1:1(0) ack 1 win 65535
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 3000) = 3000
+0 > P. 1:3001(3000) ack 1 <...>
+0.1 < . 1:1(0) ack 3001 win 65535
";

#[test]
fn segments_are_joined_to_the_expected_length() {
    let o = run_text(JOINED, &[], &RunOptions::default());
    assert!(matches!(o, Outcome::Pass), "{o}");
}

#[test]
fn strict_segments_compares_each_segment_alone() {
    let script = JOINED.replace(
        "--ip_version=ipv4\n",
        "--ip_version=ipv4\n--strict_segments\n",
    );
    match run_text(&script, &[], &RunOptions::default()) {
        Outcome::Fail(f) => {
            assert_eq!(f.line, 12, "{f:?}");
            assert!(f.actual.contains("1:1001(1000)"), "{f:?}");
        }
        other => panic!("expected the first 1000-byte segment to differ, got {other}"),
    }
}

#[test]
fn the_joined_length_must_be_exact() {
    // 1000 + 1000 falls short of 2500 and a third segment overshoots it.
    let script = JOINED.replace("> P. 1:3001(3000)", "> P. 1:2501(2500)");
    assert!(
        matches!(
            run_text(&script, &[], &RunOptions::default()),
            Outcome::Fail(_)
        ),
        "2500 bytes are not 3000"
    );
}

#[test]
fn the_joined_flags_are_the_last_segments() {
    // The last segment carries PSH, so a line without it does not match.
    let script = JOINED.replace("> P. 1:3001(3000)", "> . 1:3001(3000)");
    match run_text(&script, &[], &RunOptions::default()) {
        Outcome::Fail(f) => assert!(f.actual.contains("flags differs"), "{f:?}"),
        other => panic!("expected a flags difference, got {other}"),
    }
}
