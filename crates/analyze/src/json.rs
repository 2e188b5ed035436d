//! `--json`: one JSON object per line for each connection, then one for
//! the capture.

use crate::conn::{Conn, Ending, RowKind};
use crate::i18n::{Texts, Totals};
use crate::summary::Summary;
use serde_json::{Value, json};
use synack_view::Seg;

fn seg_json(seg: &Seg) -> Value {
    let t = &seg.tcp;
    let o = &t.options;
    let mut opts = serde_json::Map::new();
    if let Some(m) = o.mss {
        opts.insert("mss".into(), json!(m));
    }
    if let Some(w) = o.window_scale {
        opts.insert("ws".into(), json!(w));
    }
    if o.sack_permitted {
        opts.insert("sack_permitted".into(), json!(true));
    }
    if !o.sack_blocks.as_slice().is_empty() {
        let b: Vec<Value> = o
            .sack_blocks
            .as_slice()
            .iter()
            .map(|(l, r)| json!([l.0, r.0]))
            .collect();
        opts.insert("sack".into(), Value::Array(b));
    }
    if let Some(ts) = o.timestamps {
        opts.insert("ts".into(), json!([ts.tsval, ts.tsecr]));
    }
    json!({
        "seq": t.seq.0,
        "ack": if t.flags.ack() { json!(t.ack.0) } else { Value::Null },
        "rel_seq": seg.rel_seq,
        "rel_ack": seg.rel_ack,
        "flags": t.flags.to_string(),
        "len": seg.len,
        "window_field": t.window,
        "window": seg.wnd,
        "options": Value::Object(opts),
    })
}

/// One connection as a JSON line (notes in the language of `t`).
pub fn connection(c: &Conn, t: &dyn Texts, capture_start_us: u64) -> String {
    let s = Summary::of(c);
    let flows: Vec<Value> = s
        .flows
        .iter()
        .map(|f| {
            let c = &f.c;
            json!({
                "from": f.from.name(),
                "segments": c.segments,
                "bytes": f.bytes,
                "payload_bytes": c.payload_bytes,
                "all_acked": f.all_acked,
                "retransmissions": c.retransmissions,
                "retransmitted_bytes": c.retransmitted_bytes,
                "fast_retransmissions": c.fast,
                "timeout_retransmissions": c.timeout,
                "probe_retransmissions": c.probe,
                "spurious_retransmissions": c.spurious,
                "out_of_order": c.out_of_order,
                "dup_acks": c.dup_acks,
                "zero_windows": c.zero_windows,
                "window_probes": c.window_probes,
                "keep_alives": c.keep_alives,
                "unseen_bytes": c.unseen_bytes,
                "flags": {
                    "SYN": c.flags[0], "ACK": c.flags[1], "FIN": c.flags[2],
                    "RST": c.flags[3], "PSH": c.flags[4],
                },
            })
        })
        .collect();
    let rows: Vec<Value> = c
        .rows
        .iter()
        .map(|r| {
            let time = r.time_us.saturating_sub(c.first_us) as f64 / 1e6;
            let notes: Vec<Value> = r
                .notes
                .iter()
                .map(|n| json!({"kind": n.kind(), "text": t.note(n)}))
                .collect();
            match &r.kind {
                RowKind::Seg { from, seg, marks } => json!({
                    "time": time,
                    "type": "segment",
                    "from": from.name(),
                    "segment": seg_json(seg),
                    "marks": marks.iter().map(|m| m.kind()).collect::<Vec<_>>(),
                    "notes": notes,
                }),
                RowKind::State {
                    side,
                    from,
                    to,
                    why,
                } => json!({
                    "time": time,
                    "type": "state",
                    "side": side.name(),
                    "from": from.name(),
                    "to": to.name(),
                    "why": why.kind(),
                    "inferred": true,
                }),
                RowKind::Elided { count } => json!({
                    "time": time, "type": "elided", "count": count,
                }),
            }
        })
        .collect();
    let (close, rst_from, rst_why) = match s.ending {
        Ending::Fin => ("fin", Value::Null, Value::Null),
        Ending::Rst(side, why) => ("rst", json!(side.name()), json!(why_kind(why))),
        Ending::Open => ("open", Value::Null, Value::Null),
    };
    let v = json!({
        "conn": c.id,
        "client": c.addrs[0].to_string(),
        "server": c.addrs[1].to_string(),
        "start": c.first_us.saturating_sub(capture_start_us) as f64 / 1e6,
        "duration": s.duration_s,
        "client_isn": c.dirs[0].isn,
        "server_isn": c.dirs[1].isn,
        "mid_start": c.mid_start,
        "window_scaling": c.dirs[0].ws.is_some() && c.dirs[1].ws.is_some(),
        "open": s.opening.kind(),
        "close": close,
        "rst_from": rst_from,
        "rst_why": rst_why,
        "final_states": [s.final_states[0].name(), s.final_states[1].name()],
        "rtt_us": {
            "min": s.rtt_min(),
            "median": s.rtt_median(),
            "samples": s.rtt_us.len(),
        },
        "directions": flows,
        "end_notes": c.end_notes.iter().map(|n| json!({"kind": n.kind(), "text": t.note(n)})).collect::<Vec<_>>(),
        "rows": rows,
    });
    let mut line = v.to_string();
    line.push('\n');
    line
}

fn why_kind(w: crate::notes::RstWhy) -> &'static str {
    use crate::notes::RstWhy::*;
    match w {
        Refused => "refused",
        Abort => "abort",
        AfterClose => "after_close",
        OutOfWindow => "out_of_window",
        Stray => "stray",
        OldSyn => "old_syn",
    }
}

/// The capture's totals as a JSON line.
pub fn totals(t: &Totals) -> String {
    let mut line = json!({
        "capture": {
            "frames": t.frames,
            "segments": t.segments,
            "connections": t.connections,
            "damaged": t.damaged,
            "other": t.other,
        }
    })
    .to_string();
    line.push('\n');
    line
}
