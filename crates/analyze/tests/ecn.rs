//! ECN in a capture (RFC 3168): the setup SYN and SYN+ACK, a router's CE
//! mark, the receiver's echo (ECE, noted once per run) and the sender's
//! CWR each get their note; a conversation without ECN gets none.

use core::net::{IpAddr, Ipv4Addr};
use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use std::time::Duration;
use synack_analyze::{Options, analyze};
use synack_core::SeqNum;
use synack_core::wire::{self, IpRepr, TcpFlags, TcpRepr, ecn};

/// (from the client, seq, ack, flags, payload length, IP ECN codepoint).
type Seg = (bool, u32, u32, TcpFlags, usize, u8);

fn capture(segs: &[Seg]) -> Vec<u8> {
    let c: IpAddr = Ipv4Addr::new(198, 18, 0, 1).into();
    let s: IpAddr = Ipv4Addr::new(198, 18, 0, 2).into();
    let header = PcapHeader {
        datalink: DataLink::from(101u32),
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
    for (i, &(up, seq, ack, flags, len, point)) in segs.iter().enumerate() {
        let ip = IpRepr {
            src: if up { c } else { s },
            dst: if up { s } else { c },
            ttl: 64,
            ecn: point,
            dscp: 0,
            dont_fragment: true,
        };
        let tcp = TcpRepr {
            src_port: if up { 40000 } else { 80 },
            dst_port: if up { 80 } else { 40000 },
            seq: SeqNum(seq),
            ack: SeqNum(ack),
            flags,
            window: 65535,
            ..TcpRepr::default()
        };
        let mut buf = vec![0u8; 2000];
        let n = wire::emit_packet(&ip, &tcp, &vec![b'x'; len], &mut buf).unwrap();
        w.write_packet(&PcapPacket::new(
            Duration::from_millis(10 * i as u64),
            n as u32,
            &buf[..n],
        ))
        .unwrap();
    }
    w.into_writer()
}

/// The note kinds of every row, in order.
fn note_kinds(segs: &[Seg], name: &str) -> Vec<String> {
    let path = std::env::temp_dir().join(format!(
        "synack-analyze-ecn-{}-{name}.pcap",
        std::process::id()
    ));
    std::fs::write(&path, capture(segs)).unwrap();
    let o = Options {
        json: true,
        ..Options::default()
    };
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    analyze(&path, &o, &mut out, &mut diag).unwrap();
    std::fs::remove_file(&path).ok();
    let text = String::from_utf8(out).unwrap();
    let c: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    c["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(|r| r["notes"].as_array().cloned().unwrap_or_default())
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

fn conversation(with_ecn: bool) -> Vec<Seg> {
    let a = TcpFlags::ACK;
    let (ece, cwr) = if with_ecn {
        (TcpFlags::ECE, TcpFlags::CWR)
    } else {
        (TcpFlags::empty(), TcpFlags::empty())
    };
    let (ect, ce) = if with_ecn {
        (ecn::ECT0, ecn::CE)
    } else {
        (ecn::NOT_ECT, ecn::NOT_ECT)
    };
    vec![
        (true, 100, 0, TcpFlags::SYN | ece | cwr, 0, 0),
        (false, 500, 101, TcpFlags::SYN | a | ece, 0, 0),
        (true, 101, 501, a, 0, 0),
        (true, 101, 501, a, 100, ect),
        (true, 201, 501, a, 100, ce),
        (false, 501, 201, a | ece, 0, 0),
        (false, 501, 301, a | ece, 0, 0),
        (true, 301, 501, a | cwr, 100, ect),
        (false, 501, 401, a, 0, 0),
    ]
}

#[test]
fn each_ecn_event_has_its_note() {
    let kinds = note_kinds(&conversation(true), "on");
    let ecn: Vec<&str> = kinds
        .iter()
        .map(String::as_str)
        .filter(|k| ["ecn_ask", "ecn_agree", "ce_mark", "ecn_echo", "cwr"].contains(k))
        .collect();
    assert_eq!(
        ecn,
        ["ecn_ask", "ecn_agree", "ce_mark", "ecn_echo", "cwr"],
        "{kinds:?}"
    );
}

#[test]
fn no_ecn_no_notes() {
    let kinds = note_kinds(&conversation(false), "off");
    assert!(
        !kinds
            .iter()
            .any(|k| ["ecn_ask", "ecn_agree", "ce_mark", "ecn_echo", "cwr"].contains(&k.as_str())),
        "{kinds:?}"
    );
}
