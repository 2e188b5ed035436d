//! The parser, construct by construct: exact ASTs and error lines.

use synack_script::ast::{
    Direction, Event, EventKind, Expr, FlagSpec, HeaderOption, IcmpSpec, IpSpec, PacketSpec,
    ParseError, Script, SeqSpec, SyscallSpec, TcpOptionSpec, TimeSpec, UdpEncap,
};
use synack_script::parse;

fn ok(src: &str) -> Script {
    parse(src, &[]).unwrap_or_else(|e| panic!("{src:?} should parse: {e}"))
}

/// The only event of `src`.
fn one(src: &str) -> Event {
    let s = ok(src);
    assert_eq!(s.events.len(), 1, "{src:?}: {:?}", s.events);
    s.events.into_iter().next().expect("one event")
}

fn kind(src: &str) -> EventKind {
    one(src).kind
}

fn packet(src: &str) -> PacketSpec {
    match kind(src) {
        EventKind::Packet(p) => p,
        other => panic!("{src:?}: not a packet: {other:?}"),
    }
}

fn syscall(src: &str) -> SyscallSpec {
    match kind(src) {
        EventKind::Syscall(s) => s,
        other => panic!("{src:?}: not a syscall: {other:?}"),
    }
}

fn err_with(src: &str, defines: &[&str]) -> ParseError {
    match parse(src, defines) {
        Ok(s) => panic!("{src:?} should not parse, got {s:?}"),
        Err(e) => e,
    }
}

fn err(src: &str) -> ParseError {
    err_with(src, &[])
}

/// Asserts the error is on `line` and mentions `needle`.
fn assert_err(src: &str, line: usize, needle: &str) {
    let e = err(src);
    assert_eq!(e.line, line, "{src:?}: {e}");
    assert!(
        e.message.contains(needle),
        "{src:?}: {e} should mention {needle:?}"
    );
}

fn at(relative: bool, micros: i64) -> TimeSpec {
    TimeSpec::At { relative, micros }
}

fn seq(start: u32, end: u32, len: u32) -> SeqSpec {
    SeqSpec {
        start: Some(start),
        end: Some(end),
        len,
        absolute: false,
    }
}

fn base(direction: Direction, flags: FlagSpec, seq: SeqSpec) -> PacketSpec {
    PacketSpec {
        direction,
        ip: IpSpec::default(),
        flags,
        seq,
        ack: None,
        win: None,
        urg: None,
        options: None,
        udp_encap: None,
    }
}

const ACK: FlagSpec = FlagSpec {
    syn: false,
    fin: false,
    rst: false,
    psh: false,
    ack: true,
    urg: false,
    ece: false,
    cwr: false,
};

fn ident(s: &str) -> Expr {
    Expr::Ident(s.into())
}

// ---------------------------------------------------------------- comments

#[test]
fn comments_are_skipped_and_lines_still_count() {
    let s = ok(
        "// one\n/* two\n three */ 0 close(3) = 0 // trailing\n/* x */ +1 close(4) = 0 /* y */\n",
    );
    let lines: Vec<usize> = s.events.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4]);
    assert_eq!(s.events[1].time, at(true, 1_000_000));
}

#[test]
fn unterminated_block_comment_reports_its_start() {
    assert_err(
        "0 close(3) = 0\n\n/* never\nclosed\n",
        3,
        "unterminated /* comment",
    );
}

#[test]
fn empty_and_comment_only_scripts_have_no_events() {
    for src in ["", "\n\n", "// nothing\n/* at */ // all\n"] {
        assert_eq!(
            ok(src),
            Script {
                options: vec![],
                events: vec![],
                init_command: None,
                cleanup_command: None
            }
        );
    }
}

// ---------------------------------------------------------- header options

#[test]
fn header_options() {
    let s = ok(
        "// hdr\n--ip_version=ipv4\n--tolerance_usecs=75000 // why\n  --non_fatal=syscall\n--bare\n\n0 close(3) = 0\n",
    );
    let opt = |line, name: &str, value: Option<&str>| HeaderOption {
        line,
        name: name.into(),
        value: value.map(Into::into),
    };
    assert_eq!(
        s.options,
        vec![
            opt(2, "ip_version", Some("ipv4")),
            opt(3, "tolerance_usecs", Some("75000")),
            opt(4, "non_fatal", Some("syscall")),
            opt(5, "bare", None),
        ]
    );
    assert_eq!(s.events.len(), 1);
}

#[test]
fn header_option_after_an_event_is_an_error() {
    assert_err(
        "0 close(3) = 0\n--ip_version=ipv4\n",
        2,
        "must come before the first event",
    );
}

// ------------------------------------------------------------ preprocessor

const IFDEFS: &str = "\
#ifdef A
0 close(1) = 0
#ifndef B
0 close(2) = 0
#else
0 close(3) = 0
#endif
#else
0 close(4) = 0
#endif
0 close(5) = 0
";

fn closed_fds(src: &str, defines: &[&str]) -> Vec<i64> {
    parse(src, defines)
        .expect("parses")
        .events
        .into_iter()
        .map(|e| match e.kind {
            EventKind::Syscall(SyscallSpec { args, .. }) => match args.first() {
                Some(Expr::Int(n)) => *n,
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn ifdef_blocks_follow_the_defines() {
    assert_eq!(closed_fds(IFDEFS, &[]), vec![4, 5]);
    assert_eq!(closed_fds(IFDEFS, &["A"]), vec![1, 2, 5]);
    assert_eq!(closed_fds(IFDEFS, &["A", "B"]), vec![1, 3, 5]);
    assert_eq!(closed_fds(IFDEFS, &["B"]), vec![4, 5]);
}

#[test]
fn skipped_blocks_keep_line_numbers() {
    let s = parse(IFDEFS, &["A", "B"]).expect("parses");
    let lines: Vec<usize> = s.events.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 6, 11]);
}

#[test]
fn unbalanced_directives() {
    assert_err("0 close(3) = 0\n#endif\n", 2, "#endif without #ifdef");
    assert_err("\n#else\n#endif\n", 2, "#else without #ifdef");
    assert_err("#ifdef A\n#else\n#else\n#endif\n", 3, "second #else");
    assert_err("\n#ifdef A\n#ifdef B\n#endif\n", 2, "without #endif");
    assert_err("#ifdef\n#endif\n", 1, "needs a name");
    assert_err("#ifdef A B\n#endif\n", 1, "junk after #ifdef");
    assert_err("\n#define X 1\n", 2, "unsupported preprocessor directive");
    // Even inside a skipped block, the directives must balance.
    assert_eq!(err_with("#ifdef A\n#endif\n#endif\n", &[]).line, 3);
}

#[test]
fn hash_in_the_middle_of_a_line_is_not_a_directive() {
    assert_err("0 close(3) = 0 #endif\n", 1, "'#'");
}

// ------------------------------------------------------------------- times

#[test]
fn times_are_exact_microseconds() {
    assert_eq!(one("0.10 close(3) = 0").time, at(false, 100_000));
    assert_eq!(one("+0.10 close(3) = 0").time, at(true, 100_000));
    assert_eq!(one("0.3 close(3) = 0").time, at(false, 300_000));
    assert_eq!(one("2.675 close(3) = 0").time, at(false, 2_675_000));
    assert_eq!(one("+0.000001 close(3) = 0").time, at(true, 1));
    assert_eq!(one("3 close(3) = 0").time, at(false, 3_000_000));
    assert_eq!(one("+ 1.5 close(3) = 0").time, at(true, 1_500_000));
    // Below a microsecond: truncated, like packetdrill's conversion.
    assert_eq!(one("0.0000019 close(3) = 0").time, at(false, 1));
    assert_eq!(one("* > . 1:1(0) ack 1").time, TimeSpec::Any);
}

#[test]
fn time_ranges() {
    let range = |relative, start, end| TimeSpec::Range {
        relative,
        start,
        end,
    };
    assert_eq!(
        one("0.1~0.2 > . 1:1(0)").time,
        range(false, 100_000, 200_000)
    );
    assert_eq!(
        one("+0.1~+0.25 > . 1:1(0)").time,
        range(true, 100_000, 250_000)
    );
    assert_eq!(
        one("+1~+1 > . 1:1(0)").time,
        range(true, 1_000_000, 1_000_000)
    );
    assert_err("\n+0.1~0.2 > . 1:1(0)", 2, "both ends");
    assert_err("0.2~0.1 > . 1:1(0)", 1, "ends before it starts");
}

#[test]
fn blocking_syscall_end_time() {
    let e = one("+0...0.1 accept(3, ..., ...) = 4");
    assert_eq!(e.time, at(true, 0));
    let s = match e.kind {
        EventKind::Syscall(s) => s,
        other => panic!("{other:?}"),
    };
    assert_eq!(s.end_time, Some(at(false, 100_000)));
    assert_eq!(s.name, "accept");
    assert_eq!(s.ret, 4);
    assert_eq!(
        syscall("0.2...+0.25 read(3, ..., 1) = 1").end_time,
        Some(at(true, 250_000))
    );
    assert_err(
        "0...0.1 > . 1:1(0)",
        1,
        "system call after the '...' end time",
    );
}

#[test]
fn bad_times() {
    assert_err("close(3) = 0", 1, "expected an event time");
    assert_err("\n-0.1 close(3) = 0", 2, "expected an event time");
    assert_err("99999999999999999 close(3) = 0", 1, "too large");
    assert_err("0.1", 1, "expected a packet");
}

// ----------------------------------------------------------------- packets

#[test]
fn packet_with_odd_spacing() {
    let mut want = base(Direction::Inbound, ACK, seq(17, 20, 3));
    want.ack = Some(34);
    want.win = Some(32767);
    assert_eq!(packet("+0.10 <  . 17:20(3) ack 34 win 32767"), want);
    assert_eq!(packet("+0.10\t<\t.17:20(3)ack 34\twin    32767  "), want);

    let mut syn = base(
        Direction::Inbound,
        FlagSpec {
            syn: true,
            ..FlagSpec::default()
        },
        seq(0, 0, 0),
    );
    syn.win = Some(32767);
    assert_eq!(packet("0 < S  0:0(0)       win 32767"), syn);
}

#[test]
fn packet_with_every_known_option() {
    let p = packet(
        "0 > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0,sack 1:2 3:4,eol, nop ,eol>",
    );
    let mut want = base(
        Direction::Outbound,
        FlagSpec {
            syn: true,
            ack: true,
            ..FlagSpec::default()
        },
        seq(0, 0, 0),
    );
    want.ack = Some(1);
    want.win = Some(65535);
    want.options = Some(vec![
        TcpOptionSpec::Mss(1460),
        TcpOptionSpec::Nop,
        TcpOptionSpec::WindowScale(6),
        TcpOptionSpec::SackPermitted,
        TcpOptionSpec::Timestamp { val: 100, ecr: 0 },
        TcpOptionSpec::Sack(vec![(1, 2), (3, 4)]),
        TcpOptionSpec::Eol,
        TcpOptionSpec::Nop,
        TcpOptionSpec::Eol,
    ]);
    assert_eq!(p, want);
}

#[test]
fn unknown_and_unusual_options_are_kept_verbatim() {
    let p =
        packet("0 > . 1:1(0) ack 1 <nop,nop,md5   valid,FO abcd,TS val ... ecr 0,TS val 1 ecr 2!>");
    assert_eq!(
        p.options,
        Some(vec![
            TcpOptionSpec::Nop,
            TcpOptionSpec::Nop,
            TcpOptionSpec::Other("md5 valid".into()),
            TcpOptionSpec::Other("FO abcd".into()),
            TcpOptionSpec::Other("TS val ... ecr 0".into()),
            TcpOptionSpec::Other("TS val 1 ecr 2!".into()),
        ])
    );
    assert_eq!(packet("0 > . 1:1(0) <>").options, Some(vec![]));
    assert_eq!(packet("0 > . 1:1(0)").options, None);
}

#[test]
fn flags_in_any_combination() {
    let flags = |src: &str| packet(&format!("0 > {src} 1:1(0)")).flags;
    let f = FlagSpec::default();
    assert_eq!(flags("S"), FlagSpec { syn: true, ..f });
    assert_eq!(
        flags("F."),
        FlagSpec {
            fin: true,
            ack: true,
            ..f
        }
    );
    assert_eq!(flags("R"), FlagSpec { rst: true, ..f });
    assert_eq!(
        flags("R."),
        FlagSpec {
            rst: true,
            ack: true,
            ..f
        }
    );
    assert_eq!(
        flags("P."),
        FlagSpec {
            psh: true,
            ack: true,
            ..f
        }
    );
    assert_eq!(
        flags("SF"),
        FlagSpec {
            syn: true,
            fin: true,
            ..f
        }
    );
    assert_eq!(
        flags("SEW"),
        FlagSpec {
            syn: true,
            ece: true,
            cwr: true,
            ..f
        }
    );
    assert_eq!(
        flags("SE."),
        FlagSpec {
            syn: true,
            ece: true,
            ack: true,
            ..f
        }
    );
    assert_eq!(
        flags("U."),
        FlagSpec {
            urg: true,
            ack: true,
            ..f
        }
    );
    assert_eq!(
        flags("FSRPUEW."),
        FlagSpec {
            syn: true,
            fin: true,
            rst: true,
            psh: true,
            ack: true,
            urg: true,
            ece: true,
            cwr: true
        }
    );
    assert_eq!(flags("."), ACK);
    assert_eq!(flags("-"), f);
}

#[test]
fn bad_flags() {
    assert_err("0 > . 1:1(0)\n0 > SX 1:1(0)", 2, "unknown TCP flag 'X'");
    assert_err("0 > SS 1:1(0)", 1, "repeated");
    assert_err("0 > 1:1(0)", 1, "expected TCP flags");
    assert_err("0 > win 1:1(0)", 1, "unknown TCP flag 'w'");
}

#[test]
fn sequence_forms() {
    assert_eq!(
        packet("0 > S. ...(0) ack 1").seq,
        SeqSpec {
            start: None,
            end: None,
            len: 0,
            absolute: false
        }
    );
    assert_eq!(
        packet("0 > R. 0:0(0)! ack 2 win 0").seq,
        SeqSpec {
            absolute: true,
            ..seq(0, 0, 0)
        }
    );
    assert_eq!(
        packet("0 > R 4294967295:4294967295(0)").seq,
        seq(u32::MAX, u32::MAX, 0)
    );
    assert_eq!(packet("0 > P. 1:1441(1440) ack 1").seq, seq(1, 1441, 1440));
    assert_err("0 > . 1:5(3)", 1, "inconsistent");
    assert_err("0 > . 4294967296:4294967296(0)", 1, "out of range");
    assert_err("0 > . 1:1", 1, "'(' before the payload length");
    assert_err("0 > . 1 1(0)", 1, "':'");
}

#[test]
fn ack_win_urg_in_any_order() {
    let p = packet("0 < UP. 1:2(1) urg 1 win 7 ack 4294967295");
    assert_eq!((p.ack, p.win, p.urg), (Some(u32::MAX), Some(7), Some(1)));
    assert_err("0 < . 1:1(0) ack 1 ack 2", 1, "'ack' given twice");
    assert_err("0 < . 1:1(0) win", 1, "number after 'win'");
    assert_err("0 < . 1:1(0) ack 4294967296", 1, "out of range");
}

#[test]
fn ip_fields_and_udp_encapsulation() {
    let p = packet(
        "0 > (tos 0x20) R.    0:0(0)!      ack    2 win     0 <nop,nop,md5 valid>/udp(9811 > 1)",
    );
    assert_eq!(
        p.ip,
        IpSpec {
            tos: Some(0x20),
            ..IpSpec::default()
        }
    );
    assert_eq!(
        p.udp_encap,
        Some(UdpEncap {
            src_port: 9811,
            dst_port: 1
        })
    );
    assert_eq!(p.options.map(|o| o.len()), Some(3));
    assert_eq!(packet("0 < (hlim 3) . 1:1(0)").ip.ttl, Some(3));
    assert_eq!(packet("0 < (class 0x28) . 1:1(0)").ip.tos, Some(0x28));
    assert_eq!(
        packet("0 < [ttl 3, tos 0x4, flowlabel 0x12345] . 1:1(0) win 0/udp(1 > 2)").ip,
        IpSpec {
            tos: Some(4),
            ttl: Some(3),
            flow_label: Some(0x12345),
            ecn: None
        }
    );
    assert_err("0 < (ecn 1) . 1:1(0)", 1, "unsupported IP field 'ecn'");
    assert_err("0 < (ttl 300) . 1:1(0)", 1, "out of range");
    assert_err("0 < (ttl 3, ttl 4) . 1:1(0)", 1, "given twice");
    assert_err("0 < . 1:1(0) /tcp(1 > 2)", 1, "'udp'");
    assert_err("0 < . 1:1(0) /udp(1 > 70000)", 1, "out of range");
}

#[test]
fn unchecked_options_icmp_ecn_and_short_times() {
    assert_eq!(
        packet("0 > S 0:0(0) <...>").options,
        Some(vec![TcpOptionSpec::Any])
    );
    assert_err("0 > S 0:0(0) <...,nop>", 1, "'>' after '<...'");
    let e = one("+.01 < icmp unreachable frag_needed mtu 800 [0:1000(1000)]");
    assert_eq!(e.time, at(true, 10_000));
    assert_eq!(
        e.kind,
        EventKind::Icmp(IcmpSpec {
            direction: Direction::Inbound,
            icmp_type: "unreachable".into(),
            code: Some("frag_needed".into()),
            mtu: Some(800),
            quoted: Some(seq(0, 1000, 1000)),
        })
    );
    match kind("0 > icmp packet_too_big mtu 1400") {
        EventKind::Icmp(i) => {
            assert_eq!((i.code, i.mtu, i.quoted), (None, Some(1400), None));
        }
        other => panic!("{other:?}"),
    }
    assert_err("0 < icmp mtu 3", 1, "an ICMP type");
    assert_eq!(packet("0 < [ect1] . 1:1(0)").ip.ecn, Some(1));
    assert_eq!(packet("0 > [ce] . 1:1(0)").ip.ecn, Some(3));
    assert_eq!(packet("0 > [noecn] . 1:1(0)").ip.ecn, Some(0));
    assert_eq!(one("+.010 close(3) = 0").time, at(true, 10_000));
    assert_eq!(one(".5 close(3) = 0").time, at(false, 500_000));
    assert_err("+. 5 close(3) = 0", 1, "a time in seconds");
    let s = syscall(r#"0 f({msg_name(...)=..., msg_iov(1)=[{...,0}]}, "\x41\xf7") = 0"#);
    assert_eq!(
        s.args,
        vec![
            Expr::Struct(vec![
                ("msg_name(...)".into(), Expr::Ellipsis),
                (
                    "msg_iov(1)".into(),
                    Expr::List(vec![Expr::Struct(vec![
                        ("0".into(), Expr::Ellipsis),
                        ("1".into(), Expr::Int(0)),
                    ])])
                ),
            ]),
            Expr::Str("A\u{f7}".into()),
        ]
    );
    assert_err(r#"0 f("\xg1") = 0"#, 1, "bad \\x escape");
}

#[test]
fn bad_option_lists() {
    assert_err(
        "0 > S 0:0(0) <mss 1460\n+0 > . 1:1(0) <nop>",
        1,
        "unterminated TCP option list",
    );
    assert_err("0 > S 0:0(0) <mss 1460", 1, "unterminated TCP option list");
    assert_err(
        "0 > S 0:0(0) <mss 70000>",
        1,
        "malformed TCP option 'mss 70000'",
    );
    assert_err("0 > S 0:0(0) <mss>", 1, "malformed TCP option 'mss'");
    assert_err("0 > S 0:0(0) <wscale 6 7>", 1, "malformed");
    assert_err("0 > S 0:0(0) <nop 1>", 1, "no arguments");
    assert_err("0 > S 0:0(0) <sack 1:2 3>", 1, "'sack L:R");
    assert_err("0 > S 0:0(0) <sack>", 1, "at least one");
    assert_err("0 > S 0:0(0) <mss 1,,nop>", 1, "expected a TCP option");
}

// ---------------------------------------------------------------- syscalls

fn call(name: &str, args: Vec<Expr>, ret: i64) -> SyscallSpec {
    SyscallSpec {
        name: name.into(),
        args,
        ret,
        errno: None,
        note: None,
        end_time: None,
    }
}

#[test]
fn syscall_examples() {
    assert_eq!(
        syscall("+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3"),
        call(
            "socket",
            vec![Expr::Ellipsis, ident("SOCK_STREAM"), ident("IPPROTO_TCP")],
            3
        )
    );
    assert_eq!(
        syscall("0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)"),
        SyscallSpec {
            note: Some("flags O_RDWR".into()),
            ..call("fcntl", vec![Expr::Int(3), ident("F_GETFL")], 2)
        }
    );
    assert_eq!(
        syscall("0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0"),
        call(
            "fcntl",
            vec![
                Expr::Int(3),
                ident("F_SETFL"),
                Expr::BitOr(vec![ident("O_RDWR"), ident("O_NONBLOCK")])
            ],
            0
        )
    );
    assert_eq!(
        syscall("0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [65536], [4]) = 0").args,
        vec![
            Expr::Int(3),
            ident("SOL_SOCKET"),
            ident("SO_RCVBUF"),
            Expr::List(vec![Expr::Int(65536)]),
            Expr::List(vec![Expr::Int(4)])
        ]
    );
    assert_eq!(
        syscall("0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0").args[3],
        Expr::List(vec![ident("ECONNRESET")])
    );
    assert_eq!(
        syscall("0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)"),
        SyscallSpec {
            errno: Some("EINPROGRESS".into()),
            note: Some("Operation now in progress".into()),
            ..call(
                "connect",
                vec![Expr::Int(3), Expr::Ellipsis, Expr::Ellipsis],
                -1
            )
        }
    );
    let read = syscall("0 read(3, ..., 100) = -1 EWOULDBLOCK (Operation would block)");
    assert_eq!((read.ret, read.errno.as_deref()), (-1, Some("EWOULDBLOCK")));
    assert_eq!(
        syscall("0 setsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE,[15], 4) = 0").args[3],
        Expr::List(vec![Expr::Int(15)])
    );
    assert_eq!(
        syscall("0 close(3) = 0 ECONNRESET").errno.as_deref(),
        Some("ECONNRESET")
    );
    assert_eq!(syscall("0 getpid() = 0x7fffffff").ret, 0x7fff_ffff);
    assert_eq!(syscall("0 getpid() = -0x10").ret, -16);
}

#[test]
fn struct_string_and_mixed_expressions() {
    let linger =
        |a: &str, b: &str| Expr::Struct(vec![(a.into(), Expr::Int(1)), (b.into(), Expr::Int(0))]);
    assert_eq!(
        syscall("0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0").args[3],
        linger("onoff", "linger")
    );
    assert_eq!(
        syscall("0 setsockopt(3, SOL_SOCKET, SO_LINGER, { l_onoff = 1 , l_linger = 0 }, 8) = 0")
            .args[3],
        linger("l_onoff", "l_linger")
    );
    assert_eq!(
        syscall(r#"0 write(3, "a \"b\"\\", -5, 0x10 | A | 4, [], {}, [[1, -2], x]) = 5"#).args,
        vec![
            Expr::Int(3),
            Expr::Str("a \"b\"\\".into()),
            Expr::Int(-5),
            Expr::BitOr(vec![Expr::Int(16), ident("A"), Expr::Int(4)]),
            Expr::List(vec![]),
            Expr::Struct(vec![]),
            Expr::List(vec![
                Expr::List(vec![Expr::Int(1), Expr::Int(-2)]),
                ident("x")
            ]),
        ]
    );
}

#[test]
fn syscall_may_span_lines() {
    let s = ok(
        "0 setsockopt(3,\n  SOL_SOCKET,\n  SO_LINGER, {onoff=1,\n linger=0}, 8)\n = 0 (a\n note)\n+0 close(3) = 0\n",
    );
    let lines: Vec<usize> = s.events.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![1, 7]);
    match &s.events[0].kind {
        EventKind::Syscall(c) => assert_eq!((c.args.len(), c.note.as_deref()), (5, Some("a note"))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn note_may_hold_any_text() {
    assert_eq!(
        syscall("0 close(3) = -1 EBADF (can't: 'x' @ (nested) ~ 1.5)")
            .note
            .as_deref(),
        Some("can't: 'x' @ (nested) ~ 1.5")
    );
}

#[test]
fn bad_syscalls() {
    assert_err(
        "0 close(3) = 0\n+0 close(3) 0",
        2,
        "expected '=' and the expected result",
    );
    assert_err("0 close(3) =", 1, "expected an integer result");
    assert_err("0 close(3) = EBADF", 1, "expected an integer result");
    assert_err("0 close 3 = 0", 1, "'(' after system call name 'close'");
    assert_err("0 close(3 = 0", 1, "',' or ')'");
    assert_err("0 close(3,) = 0", 1, "expected an argument");
    assert_err(
        "\n0 close(3) = -1 EBADF (oops\n",
        2,
        "unterminated '(' note",
    );
    assert_err("0 bind(3, htons(80)) = 0", 1, "function-style");
    assert_err("0 f({a 1}) = 0", 1, "'=' after field name 'a'");
    assert_err("0 f(\"abc) = 0", 1, "unterminated string");
    assert_err("0 f(99999999999999999999) = 0", 1, "too large");
    assert_err("0 f(9223372036854775808) = 0", 1, "does not fit");
    assert_err("0 f() = -x", 1, "a number after '-'");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let src = format!("0 f({}) = 0", "[".repeat(100_000));
    assert_err(&src, 1, "nested too deeply");
    let src = format!("0 f({}) = 0", "{a=".repeat(100_000));
    assert_err(&src, 1, "nested too deeply");
    // 31 levels are fine.
    let src = format!("0 f({}1{}) = 0", "[".repeat(31), "]".repeat(31));
    assert_eq!(syscall(&src).args.len(), 1);
}

// ------------------------------------------------------ commands and code

#[test]
fn backtick_commands() {
    assert_eq!(
        kind(" 0.00 `sysctl -w net.inet.tcp.rfc1323=1`"),
        EventKind::Command("sysctl -w net.inet.tcp.rfc1323=1".into())
    );
    assert_eq!(
        kind("+0 `a\n  b // not a comment`// a comment"),
        EventKind::Command("a\n  b // not a comment".into())
    );
    assert_err(
        "0 close(3) = 0\n+0 `sysctl\n",
        2,
        "unterminated backtick command",
    );
}

#[test]
fn init_and_cleanup_commands() {
    let s = ok(
        "--ip_version=ipv4\n\n  `kldload x;\n  echo 'y'`\n\n0 close(3) = 0\n\n  `setkey -F`//\n// end\n",
    );
    assert_eq!(s.init_command.as_deref(), Some("kldload x;\n  echo 'y'"));
    assert_eq!(s.cleanup_command.as_deref(), Some("setkey -F"));
    assert_eq!(s.events.len(), 1);
    assert_eq!(s.events[0].line, 6);
    assert_err(
        "`a`\n0 close(3) = 0\n`b`\n0 close(3) = 0\n",
        4,
        "untimed `command`",
    );
}

#[test]
fn code_blocks() {
    assert_eq!(
        kind("+0.00 %{ assert tcpi_state == TCPI_ESTABLISHED }%"),
        EventKind::Code("assert tcpi_state == TCPI_ESTABLISHED".into())
    );
    let s = ok("0 %{\nx = 1\n# python comment, not a directive\ny = '}'\n}%\n+0 close(3) = 0");
    assert_eq!(
        s.events[0].kind,
        EventKind::Code("x = 1\n# python comment, not a directive\ny = '}'".into())
    );
    assert_eq!(s.events[1].line, 6);
    assert_err(
        "0 close(3) = 0\n\n+0 %{ never\n",
        3,
        "unterminated %{ code block",
    );
}

// ----------------------------------------------------------------- garbage

#[test]
fn garbage_is_reported_with_its_line() {
    assert_err("0 close(3) = 0\nhello world\n", 2, "expected an event time");
    assert_err("0 close(3) = 0\n+0 @@@\n", 2, "found '@'");
    assert_err("0 close(3) = 0\n+0 héllo\n", 2, "found 'é'");
    assert_err("0 close(3) = 0\n+0 ∂\n", 2, "found '∂'");
    assert_err("+0 > S. 0:0(0) ack 1 win 5 junk", 1, "found 'junk'");
    // At the end of the script the error points at the last token's line.
    assert_err("0 > S 0:0(0) ack\n\n\n", 1, "found end of script");
}
