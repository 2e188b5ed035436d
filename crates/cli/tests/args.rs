//! Bad options: one clear line on stderr, exit code 2.

mod common;

use common::synack;

#[test]
fn bad_options_exit_2_with_one_line() {
    let cases: &[&[&str]] = &[
        &[],
        &["frobnicate"],
        &["demo", "--frobnicate"],
        &["demo", "--los", "0.1"],
        &["demo", "--scenario", "nope"],
        &["demo", "--scenario"],
        &["demo", "--loss", "1"],
        &["demo", "--loss", "-0.5"],
        &["demo", "--loss", "x"],
        &["demo", "--loss", "NaN"],
        &["demo", "--rtt", "0"],
        &["demo", "--rtt", "-5"],
        &["demo", "--bytes", "0"],
        &["demo", "--seed", "-1"],
        &["demo", "--lang", "fr"],
        &["bench", "bulk", "--bytes", "0", "--mtu", "1500"],
        &["bench", "bulk", "--bytes", "1000", "--mtu", "20"],
        &["bench", "bulk", "--bytes", "1000"],
        &[
            "bench", "bulk", "--bytes", "1000", "--mtu", "1500", "--buffer", "0",
        ],
        &["bench", "churn", "--connections", "0"],
        &["bench", "churn", "--connections", "10", "--idle", "-1"],
        &["bench", "frob"],
    ];
    for args in cases {
        let out = synack(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout not empty");
        let line = err.strip_suffix('\n').unwrap_or(&err);
        assert!(
            !line.is_empty() && !line.contains('\n'),
            "{args:?}: not one line: {err:?}"
        );
        assert!(line.starts_with("synack: "), "{args:?}: {line}");
        assert!(!line.contains('\x1b'), "{args:?}: colour in {line}");
    }
}

#[test]
fn messages_say_what_is_expected() {
    let msg = |args: &[&str]| String::from_utf8(synack(args).stderr).unwrap();
    assert_eq!(
        msg(&["demo", "--loss", "x"]),
        "synack: invalid value 'x' for --loss: must be a number in [0, 1); try 'synack --help'\n"
    );
    let m = msg(&["demo", "--scenario", "nope"]);
    assert!(
        m.contains("normal, lossy") && m.contains("delayed-duplicate-syn"),
        "{m}"
    );
    assert!(msg(&["demo", "--lang", "fr"]).contains("en or zh"));
    assert!(
        msg(&["demo", "--los", "1"]).contains("--loss"),
        "suggests the right option"
    );
}

#[test]
fn help_and_version_succeed() {
    for args in [
        &["--help"][..],
        &["demo", "--help"],
        &["bench", "bulk", "--help"],
        &["--version"],
    ] {
        let out = synack(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty());
    }
    let help = String::from_utf8(synack(&["demo", "--help"]).stdout).unwrap();
    assert!(help.contains("--scenario") && help.contains("syn-timeout"));
}

#[test]
fn unwritable_pcap_is_a_runtime_error() {
    let out = synack(&["demo", "--pcap", "/nonexistent-dir/x.pcap"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("synack: cannot create pcap file") && err.lines().count() == 1);
}
