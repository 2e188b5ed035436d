//! A connection as text: its header, the ladder (client on the left,
//! server on the right, drawn with `synack-view` as the demo draws its
//! own), the notes, and the summary. Every line fits in 80 columns.

use crate::conn::{Conn, RowKind};
use crate::i18n::{Header, Texts};
use crate::notes::Mark;
use crate::summary::Summary;
use synack_view::draw::{
    INNER, MAX_W, Style, TIME_W, arrow_with_marks, format_time, framed, note_lines, side_text,
    state_code,
};
use synack_view::width::{pad, width, wrap, wrap_at_dots};
use synack_view::{Seg, Side, label};

/// Gaps longer than this get a `⋮ later` line.
const GAP_US: u64 = 1_000_000;

/// How to draw.
pub struct View<'a> {
    /// The language.
    pub t: &'a dyn Texts,
    /// Colours.
    pub st: Style,
    /// Absolute sequence numbers instead of relative ones.
    pub absolute: bool,
    /// Time of the capture's first frame (µs), for the header.
    pub capture_start_us: u64,
}

/// The label of a segment, shortened until its arrow fits between the bars.
fn fitted_label(seg: &Seg, absolute: bool) -> String {
    let mut s = *seg;
    if absolute {
        s.rel_seq = None;
        s.rel_ack = None;
    }
    let full = label(&s);
    let room = INNER - 5;
    if width(&full) <= room {
        return full;
    }
    // Too wide: the SACK blocks go first (the note lists them), then
    // whatever is past the room.
    let mut t = s;
    let n = t.tcp.options.sack_blocks.as_slice().len();
    t.tcp.options.sack_blocks = Default::default();
    let mut short = label(&t);
    if n > 0 {
        short = short.replace(" TS]", &format!(" sack×{n} TS]"));
    }
    if width(&short) <= room {
        return short;
    }
    short.chars().take(room).collect()
}

/// What the header of `c` says.
pub fn header_of(c: &Conn, capture_start_us: u64, absolute: bool) -> Header {
    Header {
        id: c.id,
        addrs: [c.addrs[0].to_string(), c.addrs[1].to_string()],
        segments: c.dirs[0].c.segments + c.dirs[1].c.segments,
        start_s: c.first_us.saturating_sub(capture_start_us) as f64 / 1e6,
        isns: [c.dirs[0].isn, c.dirs[1].isn],
        mid_start: c.mid_start,
        scaled: c.dirs[0].ws.is_some() && c.dirs[1].ws.is_some(),
        absolute,
    }
}

/// The whole text of one connection, ending with a newline.
pub fn connection(c: &Conn, v: &View<'_>) -> String {
    let (t, st) = (v.t, &v.st);
    let mut out: Vec<String> = Vec::new();
    let header = header_of(c, v.capture_start_us, v.absolute);
    for line in t.header(&header) {
        for part in wrap_at_dots(&line) {
            out.push(st.paint("1", &part));
        }
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
    let mut last: Option<u64> = None;
    for row in &c.rows {
        if let Some(prev) = last
            && row.time_us.saturating_sub(prev) >= GAP_US
        {
            let later = format!(" {}", t.later((row.time_us - prev) as f64 / 1e6));
            out.push(format!(
                "{}{}",
                " ".repeat(TIME_W),
                framed("", &st.paint("2", &later), &later)
            ));
        }
        last = Some(row.time_us);
        let lines = match &row.kind {
            RowKind::Seg { from, seg, marks } => {
                let marks: Vec<(&str, String)> = marks
                    .iter()
                    .map(|m| {
                        let code = match m {
                            Mark::Retransmission | Mark::OutOfOrder => "33",
                            Mark::ZeroWindow => "31",
                            _ => "2",
                        };
                        (code, t.mark(*m))
                    })
                    .collect();
                let label = fitted_label(seg, v.absolute);
                arrow_with_marks(*from, &label, false, false, &marks, st)
            }
            RowKind::State {
                side,
                from,
                to,
                why,
            } => {
                let text = t.state_line(*side, from.name(), to.name(), *why);
                side_text(*side, &text, st, Some(state_code(*side)))
            }
            RowKind::Elided { count } => {
                let text = format!(" {}", t.elided(*count));
                vec![framed("", &st.paint("2", &text), &text)]
            }
        };
        let time = format_time(synack_core::Instant::from_micros(
            row.time_us.saturating_sub(c.first_us),
        ));
        for (k, line) in lines.into_iter().enumerate() {
            let stamp = if k == 0 { time.as_str() } else { "" };
            out.push(format!("{}{line}", st.paint("2", &pad(stamp, TIME_W))));
        }
        for n in &row.notes {
            out.extend(note_lines(&t.note(n), st));
        }
    }
    for n in &c.end_notes {
        out.extend(note_lines(&t.note(n), st));
    }
    out.push(String::new());
    for line in t.summary(&Summary::of(c)) {
        let text = line.trim_start();
        let indent = &line[..line.len() - text.len()];
        for piece in wrap(text, MAX_W - width(indent)) {
            out.push(format!("{indent}{piece}"));
        }
    }
    out.push(String::new());
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// The capture's last line(s), wrapped.
pub fn totals(t: &dyn Texts, totals: &crate::i18n::Totals) -> String {
    let mut s = wrap_at_dots(&t.totals(totals)).join("\n");
    s.push('\n');
    s
}
