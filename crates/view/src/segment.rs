//! A segment as a ladder shows it, and its label.

use synack_core::wire::TcpRepr;

/// A segment as a ladder shows it.
#[derive(Clone, Copy, Debug)]
pub struct Seg {
    /// Its header (absolute numbers).
    pub tcp: TcpRepr,
    /// Payload length.
    pub len: usize,
    /// The window the sender offers, in bytes: the window field shifted by
    /// the sender's scale once both SYNs agreed on window scaling
    /// (RFC 7323 2.2; never on a SYN).
    pub wnd: usize,
    /// Sequence number relative to the sender's ISN, once known.
    pub rel_seq: Option<i64>,
    /// Acknowledgment number relative to the receiver's ISN (ACK set and
    /// ISN known).
    pub rel_ack: Option<i64>,
}

/// `SYN+ACK seq=0 ack=1 len=0 win=65535 [mss=1460 ws=2]`.
pub fn label(seg: &Seg) -> String {
    let t = &seg.tcp;
    let num = |rel: Option<i64>, abs: u32| rel.map_or(abs.to_string(), |r| r.to_string());
    let mut s = format!("{} seq={}", t.flags, num(seg.rel_seq, t.seq.0));
    if t.flags.ack() {
        s.push_str(&format!(" ack={}", num(seg.rel_ack, t.ack.0)));
    }
    s.push_str(&format!(" len={} win={}", seg.len, seg.wnd));
    let o = &t.options;
    let mut opts = Vec::new();
    if let Some(mss) = o.mss {
        opts.push(format!("mss={mss}"));
    }
    if let Some(ws) = o.window_scale {
        opts.push(format!("ws={ws}"));
    }
    if o.sack_permitted {
        opts.push("SACK".into());
    }
    if !o.sack_blocks.is_empty() {
        // Blocks are in the receiver's sequence space, like the ACK number:
        // shown relative to the same ISN when the ACK is.
        let base = seg.rel_ack.map_or(0, |r| t.ack.0.wrapping_sub(r as u32));
        let blocks: Vec<String> = o
            .sack_blocks
            .as_slice()
            .iter()
            .map(|(l, r)| format!("{}-{}", l.0.wrapping_sub(base), r.0.wrapping_sub(base)))
            .collect();
        opts.push(format!("sack={}", blocks.join(",")));
    }
    if o.timestamps.is_some() {
        // The values are clock readings with a random offset: the JSON
        // output has them; the ladder only says the option is there.
        opts.push("TS".into());
    }
    if !opts.is_empty() {
        s.push_str(&format!(" [{}]", opts.join(" ")));
    }
    s
}
