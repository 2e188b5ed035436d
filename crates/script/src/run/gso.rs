//! Software GSO, as a Linux device without TSO cuts a GSO packet
//! (`tcp_gso_segment`): for `ethtool -K tun0 tso off gso off`, where Linux
//! still builds GSO packets (TCP always may) and the device layer cuts them
//! into segments of one MSS before packetdrill's packet socket sees them.

use synack_core::wire::{self, TcpFlags};

/// `packet` cut into pieces of at most `mss` payload bytes: each piece
/// with the header of the whole, its own sequence number; FIN and PSH on
/// the last piece only, CWR on the first only (`tcp_gso_segment`). A
/// packet that is not TCP, or not longer than `mss`, stays whole.
pub(super) fn segment(packet: &[u8], mss: usize) -> Vec<Vec<u8>> {
    let Ok(p) = wire::parse_packet(packet) else {
        return vec![packet.to_vec()];
    };
    if mss == 0 || p.payload.len() <= mss {
        return vec![packet.to_vec()];
    }
    let pieces = p.payload.len().div_ceil(mss);
    let mut out = Vec::with_capacity(pieces);
    for (k, chunk) in p.payload.chunks(mss).enumerate() {
        let mut tcp = p.tcp;
        tcp.seq = p.tcp.seq + k * mss;
        if k + 1 < pieces {
            tcp.flags = tcp.flags.without(TcpFlags::FIN.with(TcpFlags::PSH));
        }
        if k > 0 {
            tcp.flags = tcp.flags.without(TcpFlags::CWR);
        }
        let mut buf = vec![0u8; packet.len()];
        match wire::emit_packet(&p.ip, &tcp, chunk, &mut buf) {
            Ok(n) => {
                buf.truncate(n);
                out.push(buf);
            }
            Err(_) => return vec![packet.to_vec()],
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{IpAddr, Ipv4Addr};
    use synack_core::SeqNum;
    use synack_core::wire::{IpRepr, TcpOptions, TcpRepr};

    #[test]
    fn a_gso_packet_is_cut_with_psh_on_its_last_piece_only() {
        let ip = IpRepr {
            src: IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)),
            dst: IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2)),
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let tcp = TcpRepr {
            src_port: 8080,
            dst_port: 40000,
            seq: SeqNum(1000),
            ack: SeqNum(7),
            flags: TcpFlags::ACK.with(TcpFlags::PSH).with(TcpFlags::CWR),
            window: 100,
            urgent: 0,
            options: TcpOptions::default(),
        };
        let payload: Vec<u8> = (0..250u8).collect();
        let mut buf = vec![0u8; 400];
        let n = wire::emit_packet(&ip, &tcp, &payload, &mut buf).unwrap();
        let pieces = segment(&buf[..n], 100);
        assert_eq!(pieces.len(), 3);
        let mut at = 0;
        for (k, piece) in pieces.iter().enumerate() {
            let p = wire::parse_packet(piece).expect("checksums are right");
            assert_eq!(p.tcp.seq, SeqNum(1000 + at as u32));
            assert_eq!(p.payload, &payload[at..(at + 100).min(250)]);
            assert_eq!(p.tcp.flags.psh(), k == 2, "piece {k}");
            assert_eq!(p.tcp.flags.contains(TcpFlags::CWR), k == 0, "piece {k}");
            at += p.payload.len();
        }
        // Within one MSS: unchanged.
        assert_eq!(segment(&buf[..n], 250), vec![buf[..n].to_vec()]);
    }
}
