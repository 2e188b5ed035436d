//! Captures written here in every link type and both formats, then cut
//! short at every length, mangled byte by byte and replaced by garbage:
//! `analyze` reads what it can, reports the rest, and never panics.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use std::borrow::Cow;
use std::path::PathBuf;
use std::time::Duration;
use synack_analyze::{Options, analyze};
use synack_core::SeqNum;
use synack_core::wire::{self, IpRepr, TcpFlags, TcpOptions, TcpRepr};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("synack-analyze-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A short conversation: handshake, 300 bytes up (one segment lost and
/// retransmitted after a timeout), 100 down, a zero window, FIN both ways.
fn conversation(v6: bool) -> Vec<(u64, Vec<u8>)> {
    let (c, s): (IpAddr, IpAddr) = if v6 {
        (
            Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 1).into(),
            Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 2).into(),
        )
    } else {
        (
            Ipv4Addr::new(198, 18, 0, 1).into(),
            Ipv4Addr::new(198, 18, 0, 2).into(),
        )
    };
    let (ci, si) = (1000u32, 5000u32);
    let mut out = Vec::new();
    let mut t = 1_700_000_000_000_000u64;
    let mut push = |from_client: bool,
                    seq: u32,
                    ack: u32,
                    flags: TcpFlags,
                    win: u16,
                    len: usize,
                    opts: TcpOptions| {
        let ip = IpRepr {
            src: if from_client { c } else { s },
            dst: if from_client { s } else { c },
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let tcp = TcpRepr {
            src_port: if from_client { 40000 } else { 80 },
            dst_port: if from_client { 80 } else { 40000 },
            seq: SeqNum(seq),
            ack: SeqNum(ack),
            flags,
            window: win,
            options: opts,
            ..TcpRepr::default()
        };
        let mut buf = vec![0u8; 2000];
        let payload = vec![b'a'; len];
        let n = wire::emit_packet(&ip, &tcp, &payload, &mut buf).unwrap();
        buf.truncate(n);
        t += 10_000;
        out.push((t, buf));
    };
    let syn_opts = TcpOptions {
        mss: Some(1460),
        window_scale: Some(2),
        sack_permitted: true,
        ..TcpOptions::default()
    };
    let a = TcpFlags::ACK;
    push(true, ci, 0, TcpFlags::SYN, 65535, 0, syn_opts);
    push(false, si, ci + 1, TcpFlags::SYN.with(a), 65535, 0, syn_opts);
    push(true, ci + 1, si + 1, a, 1000, 0, TcpOptions::default());
    push(true, ci + 1, si + 1, a, 1000, 100, TcpOptions::default());
    push(true, ci + 101, si + 1, a, 1000, 100, TcpOptions::default());
    push(true, ci + 201, si + 1, a, 1000, 100, TcpOptions::default());
    push(false, si + 1, ci + 101, a, 1000, 0, TcpOptions::default());
    let mut sack = TcpOptions::default();
    sack.sack_blocks.push(SeqNum(ci + 201), SeqNum(ci + 301));
    push(false, si + 1, ci + 101, a, 1000, 0, sack);
    push(true, ci + 101, si + 1, a, 1000, 100, TcpOptions::default());
    push(false, si + 1, ci + 301, a, 0, 100, TcpOptions::default());
    push(true, ci + 301, si + 101, a, 0, 0, TcpOptions::default());
    push(true, ci + 301, si + 101, a, 1000, 0, TcpOptions::default());
    push(
        true,
        ci + 301,
        si + 101,
        TcpFlags::FIN.with(a),
        1000,
        0,
        TcpOptions::default(),
    );
    push(
        false,
        si + 101,
        ci + 302,
        TcpFlags::FIN.with(a),
        1000,
        0,
        TcpOptions::default(),
    );
    push(true, ci + 302, si + 102, a, 1000, 0, TcpOptions::default());
    out
}

/// `ip` inside a frame of link type `link`.
fn frame(link: u32, ip: &[u8]) -> Vec<u8> {
    let v6 = ip[0] >> 4 == 6;
    let ethertype: [u8; 2] = if v6 { [0x86, 0xdd] } else { [0x08, 0x00] };
    let mut f = match link {
        1 => {
            let mut h = vec![0u8; 12];
            h.extend_from_slice(&ethertype);
            h
        }
        113 => {
            let mut h = vec![0u8; 14];
            h.extend_from_slice(&ethertype);
            h
        }
        276 => {
            let mut h = ethertype.to_vec();
            h.extend_from_slice(&[0u8; 18]);
            h
        }
        0 => (if v6 { 30u32 } else { 2 }).to_le_bytes().to_vec(),
        108 => (if v6 { 24u32 } else { 2 }).to_be_bytes().to_vec(),
        _ => Vec::new(),
    };
    f.extend_from_slice(ip);
    f
}

fn write_pcap(link: u32, packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let header = PcapHeader {
        datalink: DataLink::from(link),
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
    for (t, ip) in packets {
        let f = frame(link, ip);
        w.write_packet(&PcapPacket::new(
            Duration::from_micros(*t),
            f.len() as u32,
            &f,
        ))
        .unwrap();
    }
    w.into_writer()
}

fn write_pcapng(link: u32, packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    let mut idb = InterfaceDescriptionBlock::new(DataLink::from(link), 65535);
    idb.options.push(InterfaceDescriptionOption::IfTsResol(9));
    w.write_pcapng_block(idb).unwrap();
    for (t, ip) in packets {
        let f = frame(link, ip);
        let epb = EnhancedPacketBlock {
            interface_id: 0,
            timestamp: Duration::from_micros(*t),
            original_len: f.len() as u32,
            data: Cow::Owned(f),
            options: vec![],
        };
        w.write_pcapng_block(epb).unwrap();
    }
    w.into_inner()
}

fn run(bytes: &[u8], name: &str, o: &Options) -> (Result<synack_analyze::Outcome, String>, String) {
    let path = scratch(name);
    std::fs::write(&path, bytes).unwrap();
    let mut out = Vec::new();
    let mut diag = Vec::new();
    let r = analyze(&path, o, &mut out, &mut diag);
    (r, String::from_utf8(out).expect("UTF-8 output"))
}

#[test]
fn every_link_type_and_format() {
    let json = Options {
        json: true,
        ..Options::default()
    };
    for v6 in [false, true] {
        let conv = conversation(v6);
        for link in [0u32, 1, 101, 108, 113, 228, 229, 276] {
            if (link == 228 && v6) || (link == 229 && !v6) {
                continue;
            }
            for (fmt, bytes) in [
                ("pcap", write_pcap(link, &conv)),
                ("pcapng", write_pcapng(link, &conv)),
            ] {
                let (r, out) = run(&bytes, &format!("l{link}-{v6}.{fmt}"), &json);
                let r = r.unwrap();
                assert_eq!(r.fatal, None, "{link} {fmt}");
                assert_eq!(
                    (r.segments, r.connections, r.damaged),
                    (15, 1, 0),
                    "{link} {fmt} v6={v6}"
                );
                let c: serde_json::Value =
                    serde_json::from_str(out.lines().next().unwrap()).unwrap();
                assert_eq!(c["directions"][0]["bytes"], 300, "{link} {fmt}");
                assert_eq!(c["directions"][1]["bytes"], 100);
                assert_eq!(c["directions"][0]["retransmissions"], 1);
                assert_eq!(c["directions"][0]["timeout_retransmissions"], 0);
                assert_eq!(c["directions"][0]["fast_retransmissions"], 1);
                assert_eq!(c["directions"][1]["zero_windows"], 1);
                assert_eq!(c["close"], "fin");
                assert_eq!(c["final_states"][0], "TIME-WAIT");
                assert_eq!(c["final_states"][1], "CLOSED");
                // The pcapng timestamps are in nanoseconds (if_tsresol 9).
                assert!(
                    (c["duration"].as_f64().unwrap() - 0.14).abs() < 1e-9,
                    "{}",
                    c["duration"]
                );
            }
        }
    }
}

/// xorshift64*.
fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed >> 12;
    *seed ^= *seed << 25;
    *seed ^= *seed >> 27;
    seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[test]
fn cut_mangled_and_garbage_files_never_panic() {
    let conv = conversation(false);
    let o = Options::default();
    for (fmt, bytes) in [
        ("pcap", write_pcap(1, &conv)),
        ("pcapng", write_pcapng(1, &conv)),
    ] {
        for n in 0..bytes.len() {
            let (r, _) = run(&bytes[..n], &format!("cut.{fmt}"), &o);
            if let Ok(r) = r {
                assert!(r.segments <= 15);
            }
        }
        let mut seed = 0x1234_5678_9abc_def1u64;
        for i in 0..1500 {
            let mut m = bytes.clone();
            for _ in 0..1 + rng(&mut seed) % 8 {
                let at = (rng(&mut seed) as usize) % m.len();
                m[at] = rng(&mut seed) as u8;
            }
            let zh = Options {
                lang: synack_view::Lang::Zh,
                json: i % 2 == 0,
                ..Options::default()
            };
            let _ = run(&m, &format!("mangled.{fmt}"), &zh);
        }
    }
    let mut seed = 99u64;
    for magic in [
        [0xd4u8, 0xc3, 0xb2, 0xa1],
        [0x0a, 0x0d, 0x0d, 0x0a],
        [0, 0, 0, 0],
    ] {
        for _ in 0..200 {
            let len = (rng(&mut seed) % 3000) as usize;
            let mut g: Vec<u8> = (0..len).map(|_| rng(&mut seed) as u8).collect();
            if g.len() >= 4 {
                g[..4].copy_from_slice(&magic);
            }
            let _ = run(&g, "garbage", &o);
        }
    }
}
