//! `--json`: the trace as JSON lines, one object per event.

use super::timeline::{Item, Recovery, Seg, What};
use super::wire::is_lost;
use serde_json::{Map, Value, json};

/// One JSON object per line for every trace event (segments out and in,
/// state changes, drops) and every injected segment.
pub fn render(items: &[Item]) -> String {
    let mut out = String::new();
    for item in items {
        if let Some(v) = event(item) {
            out.push_str(&v.to_string());
            out.push('\n');
        }
    }
    out
}

fn event(item: &Item) -> Option<Value> {
    let mut m = Map::new();
    m.insert("time_us".into(), json!(item.time.as_micros()));
    m.insert("host".into(), json!(item.side.name()));
    m.insert("local".into(), json!(item.local.map(|a| a.to_string())));
    m.insert("remote".into(), json!(item.remote.map(|a| a.to_string())));
    let kind = match item.what {
        What::Out {
            seg,
            retransmission,
            fate,
            ..
        } => {
            segment(&mut m, &seg);
            m.insert("retransmission".into(), json!(retransmission));
            m.insert("lost".into(), json!(is_lost(fate)));
            m.insert("fate".into(), json!(fate.map(|f| f.name())));
            "segment_out"
        }
        What::In { seg } => {
            segment(&mut m, &seg);
            "segment_in"
        }
        What::Injected { seg } => {
            segment(&mut m, &seg);
            m.insert("retransmission".into(), json!(false));
            m.insert("lost".into(), json!(false));
            "injected"
        }
        What::State { from, to, cause } => {
            m.insert("from".into(), json!(from.name()));
            m.insert("to".into(), json!(to.name()));
            m.insert("cause".into(), json!(cause.describe()));
            "state"
        }
        What::Dropped { seg, reason } => {
            segment(&mut m, &seg);
            m.insert("reason".into(), json!(reason.describe()));
            "dropped"
        }
        What::Swallowed => return None,
        What::Recovery(r) => recovery(&mut m, r),
    };
    m.insert("kind".into(), json!(kind));
    Some(Value::Object(m))
}

fn segment(m: &mut Map<String, Value>, s: &Seg) {
    let t = &s.tcp;
    m.insert("flags".into(), json!(t.flags.to_string()));
    m.insert("seq".into(), json!(t.seq.0));
    m.insert("ack".into(), json!(t.ack.0));
    m.insert("rel_seq".into(), json!(s.rel_seq));
    m.insert("rel_ack".into(), json!(s.rel_ack));
    m.insert("len".into(), json!(s.len));
    m.insert("window".into(), json!(t.window));
    m.insert("window_bytes".into(), json!(s.wnd));
    let o = &t.options;
    let mut opts = Map::new();
    if let Some(mss) = o.mss {
        opts.insert("mss".into(), json!(mss));
    }
    if let Some(ws) = o.window_scale {
        opts.insert("ws".into(), json!(ws));
    }
    if o.sack_permitted {
        opts.insert("sack_permitted".into(), json!(true));
    }
    if !o.sack_blocks.is_empty() {
        let blocks: Vec<[u32; 2]> = o
            .sack_blocks
            .as_slice()
            .iter()
            .map(|(l, r)| [l.0, r.0])
            .collect();
        opts.insert("sack".into(), json!(blocks));
    }
    if let Some(ts) = o.timestamps {
        opts.insert("ts".into(), json!([ts.tsval, ts.tsecr]));
    }
    m.insert("options".into(), Value::Object(opts));
}

/// A loss recovery step's fields; returns its kind.
fn recovery(m: &mut Map<String, Value>, r: Recovery) -> &'static str {
    match r {
        Recovery::Entered {
            cause,
            until,
            ssthresh,
        } => {
            m.insert("cause".into(), json!(cause.describe()));
            m.insert("recovery_point".into(), json!(until));
            m.insert("ssthresh".into(), json!(ssthresh));
            "recovery_entered"
        }
        Recovery::Left { timeout } => {
            m.insert("timeout".into(), json!(timeout));
            "recovery_left"
        }
        Recovery::Lost { seq, len, cause } => {
            m.insert("rel_seq".into(), json!(seq));
            m.insert("len".into(), json!(len));
            m.insert("cause".into(), json!(cause.describe()));
            "segment_lost"
        }
        Recovery::Probe { seq, len, new_data } => {
            m.insert("rel_seq".into(), json!(seq));
            m.insert("len".into(), json!(len));
            m.insert("new_data".into(), json!(new_data));
            "tlp_sent"
        }
        Recovery::Dsack { left, right } => {
            m.insert("rel_left".into(), json!(left));
            m.insert("rel_right".into(), json!(right));
            "dsack_received"
        }
        Recovery::Undone { cwnd } => {
            m.insert("cwnd".into(), json!(cwnd));
            "spurious_recovery_undone"
        }
    }
}
