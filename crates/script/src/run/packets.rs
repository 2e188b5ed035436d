//! Building the script's inbound segments and comparing synack's outbound
//! ones.
//!
//! What a `>` line is compared on:
//!
//! | field | default mode | `--strict` |
//! |---|---|---|
//! | flags (all eight, PSH included) | exact | exact |
//! | sequence number, payload length | exact | exact |
//! | ACK number (when written) | exact | exact |
//! | window (when written) | exact | exact |
//! | options (when a list is written) | same set of kinds; MSS, SACK blocks and TSecr values exact | also the window-scale and TSval values, and the exact layout (order, NOP and EOL padding) |
//! | options (no list written) | not compared | none allowed |
//! | time | within the tolerance | within the tolerance |
//!
//! The window-scale shift is left to `--strict`: FreeBSD derives it from
//! the largest buffer auto-tuning may reach (`kern.ipc.maxsockbuf`), which
//! synack follows (`Config::window_scale_buffer`) but Linux and other
//! stacks derive otherwise. TSval is a clock reading: its origin is
//! arbitrary, so only `--strict` checks that it advances as the script's.

use super::{Runner, Step, Stop, instant, micros};
use crate::ast::{FlagSpec, IcmpSpec, PacketSpec, TcpOptionSpec};
use core::fmt::Write as _;
use synack_core::SeqNum;
use synack_core::wire::{self, IpRepr, SackBlocks, TcpFlags, TcpOptions, TcpRepr, Timestamps};

fn flags_of(f: &FlagSpec) -> TcpFlags {
    let mut t = TcpFlags::empty();
    for (on, flag) in [
        (f.syn, TcpFlags::SYN),
        (f.fin, TcpFlags::FIN),
        (f.rst, TcpFlags::RST),
        (f.psh, TcpFlags::PSH),
        (f.ack, TcpFlags::ACK),
        (f.urg, TcpFlags::URG),
        (f.ece, TcpFlags::ECE),
        (f.cwr, TcpFlags::CWR),
    ] {
        if on {
            t = t.with(flag);
        }
    }
    t
}

/// packetdrill's spelling of flags: `S.`, `F.`, `R`, `P.`...
fn flags_text(f: TcpFlags) -> String {
    let mut s = String::new();
    for (flag, c) in [
        (TcpFlags::SYN, 'S'),
        (TcpFlags::FIN, 'F'),
        (TcpFlags::RST, 'R'),
        (TcpFlags::PSH, 'P'),
        (TcpFlags::URG, 'U'),
        (TcpFlags::ECE, 'E'),
        (TcpFlags::CWR, 'W'),
    ] {
        if f.contains(flag) {
            s.push(c);
        }
    }
    if f.ack() {
        s.push('.');
    }
    s
}

impl Runner {
    fn isn(&self) -> u32 {
        self.local_isn.unwrap_or(0)
    }

    /// A `<` line: builds the segment and hands it to the endpoint.
    pub(super) fn inject(&mut self, p: &PacketSpec) -> Step {
        if let Some(u) = p.udp_encap {
            return Err(Stop::skip(
                self.line,
                format!("UDP encapsulation /udp({} > {})", u.src_port, u.dst_port),
            ));
        }
        if p.ip.tos.is_some() || p.ip.flow_label.is_some() {
            return Err(Stop::skip(
                self.line,
                "IP traffic class / flow label on an inbound packet",
            ));
        }
        let (local, remote) = self.flow.unwrap_or((
            core::net::SocketAddr::new(self.local_ip(), super::SCRIPT_PORT),
            core::net::SocketAddr::new(self.remote_ip(), super::REMOTE_PORT),
        ));
        let Some(start) = p.seq.start else {
            return Err(Stop::skip(
                self.line,
                "`...` sequence number on an inbound packet",
            ));
        };
        // SACK blocks name synack's sequence space; TSecr echoes its clock.
        let list = p.options.as_deref().unwrap_or(&[]);
        let (mut options, ts) = spec_options(list, self.isn())
            .map_err(|t| Stop::skip(self.line, format!("TCP option `{t}`")))?;
        options.timestamps = ts.map(|(val, ecr)| Timestamps {
            tsval: val,
            tsecr: ecr.wrapping_add(self.ts_shift.unwrap_or(0)),
        });
        let window = p.win.unwrap_or(0);
        let window = u16::try_from(window)
            .map_err(|_| Stop::skip(self.line, format!("window {window} (over 65535)")))?;
        let ack = match p.ack {
            Some(a) if p.seq.absolute => SeqNum(a),
            Some(a) => SeqNum(self.isn().wrapping_add(a)),
            // packetdrill maps an absent ACK number as 0 relative: our ISS,
            // one below SND.UNA once synchronized (an old ACK).
            None if p.seq.absolute => SeqNum(0),
            None => SeqNum(self.isn()),
        };
        let tcp = TcpRepr {
            src_port: remote.port(),
            dst_port: local.port(),
            seq: SeqNum(start),
            ack,
            flags: flags_of(&p.flags),
            window,
            urgent: p.urg.unwrap_or(0) as u16,
            options,
        };
        let ip = IpRepr {
            src: remote.ip(),
            dst: local.ip(),
            ttl: p.ip.ttl.unwrap_or(64),
            ecn: p.ip.ecn.unwrap_or(0),
            dscp: 0,
            dont_fragment: true,
        };
        // Larger than any IP packet: say so before allocating it.
        if p.seq.len > 65_535 {
            return Err(Stop::skip(
                self.line,
                format!("a {}-byte inbound payload (over 65535)", p.seq.len),
            ));
        }
        let payload = vec![0u8; p.seq.len as usize];
        let mut buf = vec![0u8; 200 + payload.len()];
        let n = wire::emit_packet(&ip, &tcp, &payload, &mut buf).map_err(|e| {
            Stop::skip(
                self.line,
                format!("inbound packet synack cannot build ({e:?})"),
            )
        })?;
        let now = self.now;
        match self.gro_mss {
            Some(mss) if payload.len() > usize::from(mss) => {
                self.ep()
                    .handle_offloaded_packet(now, &buf[..n], false, Some(mss));
            }
            _ => self.ep().handle_packet(now, &buf[..n]),
        }
        Ok(())
    }

    /// A `< icmp ...` line: an ICMP or ICMPv6 error from the peer's
    /// address quoting one of synack's segments, built as packetdrill
    /// builds it (`new_icmp_packet`): the quoted IP header and the first 8
    /// bytes of its TCP header (ports and sequence number), the IP total
    /// length counting the TCP header and the bracket's payload. The
    /// bracket's start is relative to synack's ISN (0 when omitted); the
    /// `mtu` goes in the next-hop MTU field (RFC 1191) or Packet Too Big's
    /// MTU (RFC 8201).
    pub(super) fn inject_icmp(&mut self, i: &IcmpSpec) -> Step {
        let (local, remote) = self.flow.unwrap_or((
            core::net::SocketAddr::new(self.local_ip(), super::SCRIPT_PORT),
            core::net::SocketAddr::new(self.remote_ip(), super::REMOTE_PORT),
        ));
        let v6 = local.is_ipv6();
        let Some((ty, code)) = icmp_type_code(v6, &i.icmp_type, i.code.as_deref()) else {
            return Err(Stop::skip(
                self.line,
                format!(
                    "ICMP{} type `{}` code `{}`",
                    if v6 { "v6" } else { "" },
                    i.icmp_type,
                    i.code.as_deref().unwrap_or("-")
                ),
            ));
        };
        let (start, len) = match &i.quoted {
            None => (0, 0),
            Some(q) => match q.start {
                Some(st) if q.absolute => (st.wrapping_sub(self.isn()), q.len),
                Some(st) => (st, q.len),
                None => {
                    return Err(Stop::skip(
                        self.line,
                        "`...` sequence number in a quoted segment",
                    ));
                }
            },
        };
        let tcp = TcpRepr {
            src_port: local.port(),
            dst_port: remote.port(),
            seq: SeqNum(self.isn().wrapping_add(start)),
            ..TcpRepr::default()
        };
        let ip = IpRepr {
            src: local.ip(),
            dst: remote.ip(),
            ttl: 64,
            ecn: 0,
            dscp: 0,
            dont_fragment: true,
        };
        let len = len.min(65_000) as usize;
        let mut quoted = vec![0u8; 60 + len];
        let n = wire::emit_headers(&ip, &tcp, len, &mut quoted).map_err(|e| {
            Stop::skip(
                self.line,
                format!("quoted segment synack cannot build ({e:?})"),
            )
        })?;
        let ip_len = n - len - tcp.header_len();
        let word = i.mtu.unwrap_or(0);
        let word = if v6 { word } else { word & 0xffff };
        let mut buf = vec![0u8; 128];
        let m = wire::icmp::emit_icmp_error(
            remote.ip(),
            local.ip(),
            ty,
            code,
            word,
            &quoted[..ip_len + 8],
            &mut buf,
        )
        .map_err(|e| {
            Stop::skip(
                self.line,
                format!("ICMP message synack cannot build ({e:?})"),
            )
        })?;
        let now = self.now;
        self.ep().handle_packet(now, &buf[..m]);
        Ok(())
    }

    /// A `>` line: the next segment synack sends must match. Returns when
    /// it was sent (script microseconds).
    pub(super) fn expect_outbound(
        &mut self,
        p: &PacketSpec,
        window: Option<(i64, i64)>,
    ) -> Result<i64, Stop> {
        let expected = describe_spec(p);
        let limit = match window {
            Some((_, end)) => end.saturating_add(self.tolerance),
            // `*`: give the stack a generous minute.
            None => micros(self.now).saturating_add(60_000_000),
        };
        let limit = instant(limit);
        if !self.advance_until_sent(limit)? {
            return Err(Stop::fail(
                self.line,
                format!("`{expected}`"),
                format!("sent nothing by {}", seconds(micros(limit))),
            ));
        }
        let (mut t, mut bytes) = self.sent.pop_front().expect("advance_until_sent saw one");
        let unparsable = |line, e: wire::WireError| {
            Stop::fail(
                line,
                format!("`{expected}`"),
                format!("an unparsable packet ({e:?})"),
            )
        };
        let pkt = wire::parse_packet(&bytes).map_err(|e| unparsable(self.line, e))?;
        let mut tcp = pkt.tcp;
        let mut payload_len = pkt.payload.len();
        // packetdrill (`do_outbound_script_packet`, unless
        // --strict_segments) joins consecutive segments until they carry
        // the script's payload, so a script written against TSO matches
        // a stack that sends smaller segments: each segment after the
        // first must continue the previous one with the same header
        // (but PSH, FIN and CWR), and all but the last must be as long as
        // the one before; the joined segment has the first's sequence
        // number and CWR and the last's other fields (`aggregate_packets`).
        let want_len = p.seq.len as usize;
        let mut piece_len = payload_len;
        while !self.strict_segments && payload_len > 0 && payload_len < want_len {
            if !self.advance_until_sent(limit)? {
                break;
            }
            let (t2, bytes2) = self.sent.pop_front().expect("advance_until_sent saw one");
            let next = wire::parse_packet(&bytes2).map_err(|e| unparsable(self.line, e))?;
            let loose = TcpFlags::PSH | TcpFlags::FIN | TcpFlags::CWR;
            let n = next.payload.len();
            let continues = next.tcp.seq.0 == tcp.seq.0.wrapping_add(payload_len as u32)
                && next.tcp.flags.without(loose) == tcp.flags.without(loose)
                && next.tcp.ack == tcp.ack
                && next.tcp.window == tcp.window
                && option_kinds(&bytes2).len() == option_kinds(&bytes).len()
                && (payload_len + n >= want_len || n == piece_len);
            if !continues {
                // Not a piece of this one: left for the next line.
                self.sent.push_front((t2, bytes2));
                break;
            }
            let first = tcp;
            tcp = next.tcp;
            tcp.seq = first.seq;
            tcp.flags = if first.flags.cwr() {
                tcp.flags.with(TcpFlags::CWR)
            } else {
                tcp.flags.without(TcpFlags::CWR)
            };
            payload_len += n;
            piece_len = n;
            (t, bytes) = (t2, bytes2);
        }
        if tcp.flags.syn() {
            // Learn (or relearn, after a new incarnation) synack's ISN.
            let rel = if p.seq.absolute {
                0
            } else {
                p.seq.start.unwrap_or(0)
            };
            self.local_isn = Some(tcp.seq.0.wrapping_sub(rel));
        }
        if let Some(ts) = tcp.options.timestamps
            && self.ts_shift.is_none()
            && let Some(val) = script_tsval(p)
        {
            self.ts_shift = Some(ts.tsval.wrapping_sub(val));
        }
        let actual = self.describe_actual(&tcp, payload_len);
        let at = micros(t);
        let mismatch = |what: &str| {
            Stop::fail(
                self.line,
                format!("`{expected}`"),
                format!("sent `{actual}` at {} ({what} differs)", seconds(at)),
            )
        };
        if let Some((start, end)) = window
            && (at < start.saturating_sub(self.tolerance)
                || at > end.saturating_add(self.tolerance))
        {
            return Err(mismatch("time"));
        }
        if tcp.flags != flags_of(&p.flags) {
            return Err(mismatch("flags"));
        }
        if payload_len != want_len {
            return Err(mismatch("payload length"));
        }
        if let Some(start) = p.seq.start {
            let seq = if p.seq.absolute {
                tcp.seq.0
            } else {
                tcp.seq.0.wrapping_sub(self.isn())
            };
            if seq != start {
                return Err(mismatch("sequence number"));
            }
        }
        if let Some(ack) = p.ack
            && tcp.ack.0 != ack
        {
            return Err(mismatch("acknowledgement number"));
        }
        if let Some(win) = p.win
            && u32::from(tcp.window) != win
        {
            return Err(mismatch("window"));
        }
        if let Some(want) = p.ip.ecn
            && ecn_of(&bytes) != want
        {
            return Err(mismatch("ECN codepoint"));
        }
        if let Some(want) = p.ip.tos
            && traffic_class_of(&bytes) != want
        {
            return Err(mismatch("TOS / traffic class"));
        }
        self.compare_options(p, &tcp.options, &bytes)
            .map_err(|what| mismatch(&what))?;
        Ok(at)
    }

    fn compare_options(
        &self,
        p: &PacketSpec,
        got: &TcpOptions,
        bytes: &[u8],
    ) -> Result<(), String> {
        if p.options.as_deref() == Some(&[TcpOptionSpec::Any]) {
            return Ok(());
        }
        let Some(list) = &p.options else {
            if self.opts.strict && !option_kinds(bytes).is_empty() {
                return Err("options (none expected)".into());
            }
            return Ok(());
        };
        // SACK blocks name the script's sequence space (its ISN is 0).
        let (want, want_ts) =
            spec_options(list, 0).map_err(|t| format!("option `{t}` (not understood)"))?;
        if want.mss != got.mss {
            return Err("MSS option".into());
        }
        if want.window_scale.is_some() != got.window_scale.is_some()
            || (self.opts.strict && want.window_scale != got.window_scale)
        {
            return Err("window-scale option".into());
        }
        if want.sack_permitted != got.sack_permitted {
            return Err("SACK-permitted option".into());
        }
        // SACK blocks are in the peer's (the script's) sequence space.
        if want.sack_blocks != got.sack_blocks {
            return Err("SACK blocks".into());
        }
        match (want_ts, got.timestamps) {
            (None, None) => {}
            (Some((val, ecr)), Some(ts)) => {
                if ts.tsecr != ecr {
                    return Err("TSecr".into());
                }
                if self.opts.strict && ts.tsval != val.wrapping_add(self.ts_shift.unwrap_or(0)) {
                    return Err("TSval".into());
                }
            }
            _ => return Err("timestamp option".into()),
        }
        if self.opts.strict {
            let want_kinds: Vec<u8> = list.iter().filter_map(kind_of).collect();
            let mut got_kinds = option_kinds(bytes);
            // Trailing EOL padding counts only as far as the script wrote it.
            while got_kinds.len() > want_kinds.len() && got_kinds.last() == Some(&0) {
                got_kinds.pop();
            }
            if want_kinds != got_kinds {
                return Err("option layout".into());
            }
        }
        Ok(())
    }

    /// A segment in packetdrill's syntax, numbers relative to synack's ISN.
    fn describe_actual(&self, t: &TcpRepr, len: usize) -> String {
        let seq = t.seq.0.wrapping_sub(self.isn());
        let mut s = format!(
            "{} {}:{}({})",
            flags_text(t.flags),
            seq,
            seq.wrapping_add(len as u32),
            len
        );
        if t.flags.ack() {
            let _ = write!(s, " ack {}", t.ack.0);
        }
        let _ = write!(s, " win {}", t.window);
        let o = &t.options;
        let mut parts = Vec::new();
        if let Some(m) = o.mss {
            parts.push(format!("mss {m}"));
        }
        if let Some(w) = o.window_scale {
            parts.push(format!("wscale {w}"));
        }
        if o.sack_permitted {
            parts.push("sackOK".into());
        }
        if !o.sack_blocks.is_empty() {
            let b: Vec<String> = o
                .sack_blocks
                .as_slice()
                .iter()
                .map(|(l, r)| format!("{}:{}", l.0, r.0))
                .collect();
            parts.push(format!("sack {}", b.join(" ")));
        }
        if let Some(ts) = o.timestamps {
            let val = ts.tsval.wrapping_sub(self.ts_shift.unwrap_or(0));
            parts.push(format!("TS val {val} ecr {}", ts.tsecr));
        }
        if !parts.is_empty() {
            let _ = write!(s, " <{}>", parts.join(","));
        }
        s
    }
}

/// A `TS val N ecr N` pair as written.
type TsPair = (u32, u32);

/// A line's option list as `TcpOptions`, SACK blocks offset by
/// `sack_base`; the timestamp pair is returned as written, for the caller
/// to translate. An option the runner does not know is returned as `Err`.
fn spec_options(
    list: &[TcpOptionSpec],
    sack_base: u32,
) -> Result<(TcpOptions, Option<TsPair>), &str> {
    let mut o = TcpOptions::default();
    let mut ts = None;
    for spec in list {
        match spec {
            TcpOptionSpec::Nop | TcpOptionSpec::Eol => {}
            TcpOptionSpec::Mss(m) => o.mss = Some(*m),
            TcpOptionSpec::WindowScale(s) => o.window_scale = Some(*s),
            TcpOptionSpec::SackPermitted => o.sack_permitted = true,
            TcpOptionSpec::Sack(blocks) => {
                o.sack_blocks = SackBlocks::default();
                for (l, r) in blocks {
                    o.sack_blocks.push(
                        SeqNum(sack_base.wrapping_add(*l)),
                        SeqNum(sack_base.wrapping_add(*r)),
                    );
                }
            }
            TcpOptionSpec::Timestamp { val, ecr } => ts = Some((*val, *ecr)),
            TcpOptionSpec::Any => return Err("..."),
            TcpOptionSpec::Other(t) => return Err(t),
        }
    }
    Ok((o, ts))
}

/// The TSval a `>` line writes, if any.
fn script_tsval(p: &PacketSpec) -> Option<u32> {
    p.options.iter().flatten().find_map(|o| match o {
        TcpOptionSpec::Timestamp { val, .. } => Some(*val),
        _ => None,
    })
}

fn kind_of(o: &TcpOptionSpec) -> Option<u8> {
    Some(match o {
        TcpOptionSpec::Eol => 0,
        TcpOptionSpec::Nop => 1,
        TcpOptionSpec::Mss(_) => 2,
        TcpOptionSpec::WindowScale(_) => 3,
        TcpOptionSpec::SackPermitted => 4,
        TcpOptionSpec::Sack(_) => 5,
        TcpOptionSpec::Timestamp { .. } => 8,
        TcpOptionSpec::Any | TcpOptionSpec::Other(_) => return None,
    })
}

/// The ECN codepoint (the low two bits of the traffic class) of a raw
/// IPv4 or IPv6 packet.
/// The whole TOS (IPv4) or traffic class (IPv6) byte.
fn traffic_class_of(packet: &[u8]) -> u8 {
    match packet.first().map(|b| b >> 4) {
        Some(4) => packet.get(1).copied().unwrap_or(0),
        Some(6) => packet.get(..2).map_or(0, |b| (b[0] << 4) | (b[1] >> 4)),
        _ => 0,
    }
}

fn ecn_of(packet: &[u8]) -> u8 {
    match packet.first().map(|b| b >> 4) {
        Some(4) => packet.get(1).map_or(0, |b| b & 3),
        Some(6) => packet.get(1).map_or(0, |b| (b >> 4) & 3),
        _ => 0,
    }
}

/// The option kinds of a raw packet, in order (EOL ends the walk but is
/// listed for each padding byte).
fn option_kinds(packet: &[u8]) -> Vec<u8> {
    let ip_len = match packet.first().map(|b| b >> 4) {
        Some(4) => usize::from(packet[0] & 0x0f) * 4,
        Some(6) => 40,
        _ => return Vec::new(),
    };
    let Some(tcp) = packet.get(ip_len..) else {
        return Vec::new();
    };
    let Some(off) = tcp.get(12).map(|b| usize::from(b >> 4) * 4) else {
        return Vec::new();
    };
    let Some(opts) = tcp.get(20..off.max(20)) else {
        return Vec::new();
    };
    let mut kinds = Vec::new();
    let mut i = 0;
    while i < opts.len() {
        let k = opts[i];
        kinds.push(k);
        i += match k {
            0 | 1 => 1,
            _ => usize::from(*opts.get(i + 1).unwrap_or(&1)).max(2),
        };
    }
    kinds
}

/// A `>`/`<` line as written, for messages.
pub(crate) fn describe_spec(p: &PacketSpec) -> String {
    let f = &p.flags;
    let flags = flags_text(flags_of(f));
    let mut s = match (p.seq.start, p.seq.end) {
        (Some(a), Some(b)) => format!("{flags} {a}:{b}({})", p.seq.len),
        _ => format!("{flags} ...({})", p.seq.len),
    };
    if let Some(a) = p.ack {
        let _ = write!(s, " ack {a}");
    }
    if let Some(w) = p.win {
        let _ = write!(s, " win {w}");
    }
    if let Some(list) = &p.options {
        let parts: Vec<String> = list
            .iter()
            .map(|o| match o {
                TcpOptionSpec::Nop => "nop".into(),
                TcpOptionSpec::Eol => "eol".into(),
                TcpOptionSpec::Mss(m) => format!("mss {m}"),
                TcpOptionSpec::WindowScale(w) => format!("wscale {w}"),
                TcpOptionSpec::SackPermitted => "sackOK".into(),
                TcpOptionSpec::Sack(b) => {
                    let b: Vec<String> = b.iter().map(|(l, r)| format!("{l}:{r}")).collect();
                    format!("sack {}", b.join(" "))
                }
                TcpOptionSpec::Timestamp { val, ecr } => format!("TS val {val} ecr {ecr}"),
                TcpOptionSpec::Any => "...".into(),
                TcpOptionSpec::Other(t) => t.clone(),
            })
            .collect();
        let _ = write!(s, " <{}>", parts.join(","));
    }
    s
}

/// Microseconds as seconds with three decimals.
pub(crate) fn seconds(us: i64) -> String {
    format!("{}.{:03}", us / 1_000_000, (us % 1_000_000) / 1000)
}

/// packetdrill's ICMP type and code names (its `icmp_packet.c` tables)
/// as numbers; `type_N` / `code_N` as written; a missing code is 0.
fn icmp_type_code(v6: bool, ty: &str, code: Option<&str>) -> Option<(u8, u8)> {
    const V4_UNREACHABLE: [&str; 16] = [
        "net_unreachable",
        "host_unreachable",
        "protocol_unreachable",
        "port_unreachable",
        "frag_needed",
        "source_route_failed",
        "net_unknown",
        "host_unknown",
        "source_host_isolated",
        "net_prohibited",
        "host_prohibited",
        "net_unreachable_for_tos",
        "host_unreachable_for_tos",
        "packet_filtered",
        "precedence_violation",
        "precedence_cutoff",
    ];
    const V4_TIME_EXCEEDED: [&str; 2] = ["ttl_exceeded_in_transit", "frag_reass_exceeded"];
    const V6_UNREACHABLE: [&str; 5] = [
        "no_route",
        "admin_prohibited",
        "not_neighbour",
        "address_unreachable",
        "port_unreachable",
    ];
    const V6_TIME_EXCEEDED: [&str; 2] = ["exceeded_hop_limit", "exceeded_frag_time"];
    const V6_PARAM_PROBLEM: [&str; 3] = ["header_field", "unknown_next_header", "unknown_option"];
    let (t, codes): (u8, &[&str]) = if let Some(n) = ty.strip_prefix("type_") {
        (n.parse().ok()?, &[])
    } else if v6 {
        match ty {
            "unreachable" => (1, &V6_UNREACHABLE),
            "packet_too_big" => (2, &[]),
            "time_exceeded" => (3, &V6_TIME_EXCEEDED),
            "parameter_problem" => (4, &V6_PARAM_PROBLEM),
            _ => return None,
        }
    } else {
        match ty {
            "echo_reply" => (0, &[]),
            "unreachable" => (3, &V4_UNREACHABLE),
            "source_quench" => (4, &[]),
            "redirect" => (5, &[]),
            "echo_request" => (8, &[]),
            "time_exceeded" => (11, &V4_TIME_EXCEEDED),
            "parameter_problem" => (12, &[]),
            _ => return None,
        }
    };
    let c = match code {
        None => 0,
        Some(c) => match c.strip_prefix("code_") {
            Some(n) => n.parse().ok()?,
            None => codes.iter().position(|&k| k == c)? as u8,
        },
    };
    Some((t, c))
}
