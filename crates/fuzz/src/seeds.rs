//! Hand-written starting points for the fuzzers: inputs that walk the
//! endpoint through a passive open with data both ways and a close, an
//! active open, a reset, and a passive open under Linux's wire rules, so
//! mutation starts from deep states. The
//! files in `corpus/` began as these (`cargo run -p synack-fuzz --example
//! seeds`) and grew from AFL++ runs.

/// Opcodes of [`crate::endpoint`] (index into its operation table).
mod op {
    pub const SEGMENT: u8 = 0;
    pub const CONNECT: u8 = 3;
    pub const SEND: u8 = 5;
    pub const RECV: u8 = 6;
    pub const CLOSE: u8 = 8;
    pub const ABORT: u8 = 9;
    pub const ADVANCE: u8 = 10;
    pub const OPTIONS: u8 = 11;
}

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
const FIN: u8 = 0x01;
const PSH: u8 = 0x08;

/// A program for the endpoint target.
#[derive(Default)]
struct Program(Vec<u8>);

impl Program {
    fn header() -> Self {
        let mut p = Program::default();
        p.0.push(0); // every option on, backlog 1
        for isn in [1000u32, 2_000_000, 3_000_000_000, 4_000_000_000] {
            p.0.extend_from_slice(&isn.to_be_bytes());
        }
        p
    }

    /// A segment from peer `peer` in order (seq = its next, ack = our
    /// next), `len8` * 8 bytes of payload; a SYN carries MSS, window
    /// scale and SACK-permitted.
    fn segment(&mut self, peer: u8, flags: u8, len8: u8) -> &mut Self {
        let syn = flags & SYN != 0;
        // seq: the ISN for a SYN, else the peer's next (+0); ack: ours.
        let modes = if syn { 0 } else { 2 };
        self.0.extend_from_slice(&[op::SEGMENT, peer, flags, modes]);
        if !syn {
            self.0.push(0);
        }
        self.0.extend_from_slice(&[0xff, 0xff, len8]);
        if syn {
            // No timestamps: later segments would need them too.
            self.0.push(1 | 2 | 4);
            self.0.extend_from_slice(&1460u16.to_be_bytes());
            self.0.push(7);
        } else {
            self.0.push(0);
        }
        self
    }

    fn op(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }

    fn advance_ms(&mut self, ms: u16) -> &mut Self {
        let v = 0x8000 | ms;
        self.op(&[op::ADVANCE, (v >> 8) as u8, v as u8])
    }
}

/// Seeds of the endpoint target.
pub fn endpoint() -> Vec<Vec<u8>> {
    let mut passive = Program::header();
    passive
        .segment(0, SYN, 0)
        .segment(0, ACK, 0)
        .segment(0, ACK | PSH, 40)
        .op(&[op::RECV, 0, 0x10, 0])
        .op(&[op::SEND, 0, 0x08, 0])
        .advance_ms(50)
        .segment(0, ACK, 0)
        .segment(0, ACK | FIN, 0)
        .op(&[op::CLOSE, 0])
        .advance_ms(10)
        .segment(0, ACK, 0);
    let mut active = Program::header();
    active
        .op(&[op::CONNECT])
        .segment(2, SYN | ACK, 0)
        .op(&[op::SEND, 0, 0x10, 0])
        .advance_ms(5)
        .segment(2, ACK, 0)
        .advance_ms(300)
        .segment(2, ACK | PSH, 100)
        .op(&[op::RECV, 0, 0xff, 0xff])
        .op(&[op::CLOSE, 0])
        .segment(2, ACK | FIN, 0);
    let mut reset = Program::header();
    reset
        .segment(3, SYN, 0)
        .segment(3, ACK, 10)
        .op(&[op::ABORT, 0])
        .segment(1, SYN, 0)
        .segment(1, 0x04, 0)
        .advance_ms(1000);
    // Linux's wire rules on the first listener: a passive open that sends
    // TSO segments sized as Linux sizes them, then probes a tail.
    let mut linux = Program::header();
    linux
        .op(&[op::OPTIONS, 1, 1, 1])
        .segment(0, SYN, 0)
        .segment(0, ACK, 0)
        .op(&[op::SEND, 0, 0x17, 0x70])
        .advance_ms(50)
        .segment(0, ACK, 0)
        .advance_ms(300)
        .segment(0, ACK, 0)
        .op(&[op::CLOSE, 0]);
    vec![passive.0, active.0, reset.0, linux.0]
}

/// Seeds of the wire target: packets the endpoint target sends.
pub fn wire() -> Vec<Vec<u8>> {
    use synack_core::wire::{IpRepr, TcpFlags, TcpOptions, TcpRepr, emit_packet};
    let mut out = Vec::new();
    let addrs = [("198.18.0.1", "198.18.0.2"), ("2001:db8::1", "2001:db8::2")];
    for (s, d) in addrs {
        let ip = IpRepr {
            src: s.parse().expect("address"),
            dst: d.parse().expect("address"),
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let tcp = TcpRepr {
            src_port: 1000,
            dst_port: 80,
            seq: synack_core::SeqNum(1),
            ack: synack_core::SeqNum(2),
            flags: TcpFlags(SYN | ACK),
            window: 65535,
            urgent: 0,
            options: TcpOptions {
                mss: Some(1460),
                window_scale: Some(7),
                sack_permitted: true,
                ..TcpOptions::default()
            },
        };
        let mut buf = vec![0; 200];
        let n = emit_packet(&ip, &tcp, b"hello", &mut buf).expect("emit");
        out.push(buf[..n].to_vec());
    }
    out
}
