//! The ladder diagram: one line per segment (an arrow between the client's
//! and the server's column), state changes on their side, and plain-language
//! notes, then a summary.

use super::i18n::{Lang, Texts, texts};
use super::notes::{self, Note};
use super::run::{self, Run};
use super::timeline::{Item, What};
use super::wire::is_lost;
use crate::Side;
use crate::draw::{
    INNER, MAX_W, Style, TIME_W, arrow_with_marks, format_time, framed, note_lines as text_notes,
    side_text, state_code,
};
use crate::label;
use crate::width::{pad, width, wrap, wrap_at_dots};
use synack_core::Instant;

/// Gaps longer than this get a `⋮` line.
const GAP_US: u64 = 1_000_000;

/// Renders the whole story of `run`: header, intro, the ladder with its
/// notes, summary; in colour if `color`.
pub fn render(items: &[Item], run: &Run<'_>, lang: Lang, color: bool) -> String {
    let t = texts(lang);
    let st = Style { on: color };
    let notes = notes::annotate(items, run.msl_secs, run.delayed_syn);
    let mut out = Vec::new();
    for line in t.header(&run::header(items, run)) {
        for part in wrap_at_dots(&line) {
            out.push(st.paint("1", &part));
        }
    }
    for line in wrap(&run.intro, TIME_W + INNER + 2) {
        out.push(line);
    }
    out.push(String::new());
    let (cname, sname) = (t.side(Side::Client), t.side(Side::Server));
    let gap = (INNER + 1).saturating_sub(width(cname) + width(sname));
    out.push(format!(
        "{}{}{}{}",
        pad(t.time_heading(), TIME_W + 1),
        st.side(Side::Client, cname),
        " ".repeat(gap),
        st.side(Side::Server, sname),
    ));
    let one_way_us = run.rtt_ms * 500;
    let mut last: Option<Instant> = None;
    for (item, item_notes) in items.iter().zip(&notes) {
        let lines = item_lines(item, t, &st, one_way_us);
        if lines.is_empty() && item_notes.is_empty() {
            continue;
        }
        if let Some(prev) = last
            && item.time.as_micros().saturating_sub(prev.as_micros()) >= GAP_US
        {
            let later = format!(
                " {}",
                t.later(item.time.saturating_since(prev).as_secs_f64())
            );
            out.push(format!(
                "{}{}",
                " ".repeat(TIME_W),
                framed("", &st.paint("2", &later), &later)
            ));
        }
        last = Some(item.time);
        let time = format_time(item.time);
        for (k, line) in lines.into_iter().enumerate() {
            let stamp = if k == 0 { time.as_str() } else { "" };
            out.push(format!("{}{line}", st.paint("2", &pad(stamp, TIME_W))));
        }
        for n in item_notes {
            out.extend(note_lines(n, t, &st));
        }
    }
    out.push(String::new());
    for line in t.summary(&run::summary(items, run)) {
        // Wrapped with the line's own indent kept on every piece.
        let text = line.trim_start();
        let indent = &line[..line.len() - text.len()];
        for piece in wrap(text, MAX_W - width(indent)) {
            out.push(format!("{indent}{piece}"));
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

fn item_lines(item: &Item, t: &dyn Texts, st: &Style, one_way_us: u64) -> Vec<String> {
    match item.what {
        What::Out {
            seg,
            retransmission,
            fate,
            ..
        } => {
            let lost = is_lost(fate);
            let mut marks: Vec<(&str, String)> = Vec::new();
            if retransmission {
                marks.push(("33", t.retransmission().to_string()));
            }
            if lost {
                marks.push(("31;1", t.lost().to_string()));
            }
            if let Some(at) = fate.and_then(|f| f.delivery_time())
                && at.as_micros() > item.time.as_micros() + one_way_us + 1000
            {
                marks.push(("33", t.arrives(format_time(at).trim())));
            }
            arrow_with_marks(item.side, &label(&seg), lost, false, &marks, st)
        }
        What::Injected { seg } => {
            let marks = [("33", t.injected().to_string())];
            arrow_with_marks(item.side, &label(&seg), false, true, &marks, st)
        }
        What::State { from, to, cause } => {
            let text = t.state_line(item.side, from.name(), to.name(), cause);
            side_text(item.side, &text, st, Some(state_code(item.side)))
        }
        What::Dropped { seg, reason } => {
            let text = t.dropped_line(item.side, &seg.tcp.flags.to_string(), reason);
            side_text(item.side, &text, st, Some("33"))
        }
        What::Swallowed => side_text(item.side, &t.swallowed_line(item.side), st, Some("33")),
        What::Recovery(r) => side_text(item.side, &t.recovery_line(item.side, &r), st, Some("33")),
        What::In { .. } => Vec::new(),
    }
}

fn note_lines(n: &Note, t: &dyn Texts, st: &Style) -> Vec<String> {
    text_notes(&t.note(n), st)
}
