//! `--html FILE`: one self-contained page (no network access needed): per
//! connection the ladder as SVG (arrows between the two sides, inferred
//! state changes beside them), every note, the summary; hovering a segment
//! shows its fields, clicking it shows them with its notes in the panel;
//! a button switches between English and Chinese (both are in the page).

use crate::conn::{Conn, RowKind};
use crate::i18n::{Texts, Totals, texts};
use crate::summary::Summary;
use std::fmt::Write as _;
use synack_view::{Lang, Side, label};

// Columns: time (x 4..50), the client's states (right-aligned to its line),
// the arrows between the two lines, the server's states and marks, then
// each segment's first note (clipped; all of them on hover and click).
const WIDTH: u32 = 1440;
const NOTES: u32 = 970;
/// Display columns of the note beside a segment.
const NOTE_COLS: usize = 64;
const LEFT: u32 = 260;
const RIGHT: u32 = 760;
const ROW: u32 = 26;

/// `s` with `&`, `<`, `>`, `"` escaped.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

/// A text in both languages: English shown, both in data attributes.
fn both(tag: &str, class: &str, en: &str, zh: &str) -> String {
    format!(
        "<{tag} class=\"{class}\" data-en=\"{}\" data-zh=\"{}\">{}</{tag}>",
        escape(en),
        escape(zh),
        escape(en)
    )
}

/// The page's beginning (titled `title`): styles, the language button, the
/// detail panel.
pub fn head(title: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{f}</title>
<style>
body {{ font-family: sans-serif; margin: 1em 2em; color: #222; }}
svg text {{ font-family: monospace; font-size: 12px; }}
.seg line {{ stroke-width: 1.5; }}
.seg.client line {{ stroke: #08c; }} .seg.server line {{ stroke: #a3a; }}
.seg.retx line {{ stroke: #d80; stroke-dasharray: 5 3; }}
.seg:hover text, .seg.sel text {{ font-weight: bold; }}
.state {{ fill: #555; font-style: italic; }}
.beside {{ fill: #475; font-family: sans-serif; }}
.ladder {{ overflow-x: auto; }}
.notes li {{ margin: .2em 0; }} .summary {{ background: #f4f4f4; padding: .5em; }}
#wrap {{ display: flex; align-items: flex-start; gap: 1em; }}
main {{ flex: 1 1 auto; min-width: 0; }}
#panel {{ order: 2; position: sticky; top: 1em; flex: 0 0 24em; max-height: 90vh;
  overflow: auto; background: #fffbe6; border: 1px solid #cc9; padding: .5em;
  font-size: 13px; white-space: pre-wrap; }}
</style></head><body>
<button id="lang" onclick="switchLang()">中文 / English</button>
<h1>{f}</h1>
<div id="wrap"><aside id="panel" data-en="click a segment for its fields and notes" data-zh="点击一个报文段，查看它的各个字段和说明">click a segment for its fields and notes</aside><main>
"#,
        f = escape(title)
    )
}

/// The page's end: the totals and the script.
pub fn tail(t: &Totals) -> String {
    let (en, zh) = (texts(Lang::En), texts(Lang::Zh));
    format!(
        r##"</main></div>
{}
<script>
var lang = "en";
function switchLang() {{
  lang = lang === "en" ? "zh" : "en";
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-en]").forEach(function (e) {{
    e.textContent = e.getAttribute("data-" + lang);
  }});
  if (shown) {{ show(shown); }}
}}
var shown = null;
function show(g) {{
  document.querySelectorAll(".seg.sel").forEach(function (e) {{ e.classList.remove("sel"); }});
  g.classList.add("sel");
  shown = g;
  document.getElementById("panel").textContent =
    g.getAttribute("data-fields") + "\n\n" + g.getAttribute("data-notes-" + lang);
  if (history.replaceState) {{ history.replaceState(null, "", "#" + where()); }}
}}
function where() {{
  var h = "lang=" + lang;
  if (shown) {{ h += "&seg=" + shown.id; }}
  return h;
}}
// The address says what to show: #lang=zh&seg=c1s4 (a link to a segment).
(function () {{
  var q = new URLSearchParams(location.hash.slice(1));
  if (q.get("lang") === "zh") {{ switchLang(); }}
  var g = q.get("seg") && document.getElementById(q.get("seg"));
  if (g) {{
    show(g);
    window.scrollTo(0, g.getBoundingClientRect().top + window.scrollY - 120);
  }}
}})();
</script>
</body></html>
"##,
        both("p", "totals", &en.totals(t), &zh.totals(t))
    )
}

/// One connection's section.
pub fn connection(c: &Conn, capture_start_us: u64) -> String {
    let (en, zh): (&dyn Texts, &dyn Texts) = (texts(Lang::En), texts(Lang::Zh));
    let mut s = String::new();
    let title = format!("#{} · {} ⇄ {}", c.id, c.addrs[0], c.addrs[1]);
    let _ = writeln!(
        s,
        "<section class=\"conn\" id=\"conn{}\"><h2>{}</h2>",
        c.id,
        escape(&title)
    );
    let h = crate::render::header_of(c, capture_start_us, false);
    for (a, b) in en.header(&h).iter().zip(zh.header(&h)) {
        s.push_str(&both("div", "hdr", a, &b));
    }
    let height = ROW * (c.rows.len() as u32 + 2) + 20;
    let _ = writeln!(
        s,
        "<div class=\"ladder\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\">"
    );
    s.push_str("<defs><marker id=\"head\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#444\"/></marker></defs>");
    for (x, side) in [(LEFT, Side::Client), (RIGHT, Side::Server)] {
        let _ = write!(
            s,
            "<line x1=\"{x}\" y1=\"20\" x2=\"{x}\" y2=\"{height}\" stroke=\"#999\"/><text x=\"{x}\" y=\"14\" text-anchor=\"middle\" class=\"side\" data-en=\"{}\" data-zh=\"{}\">{}</text>",
            en.side(side),
            zh.side(side),
            en.side(side)
        );
    }
    let mut notes_html = String::new();
    // Segments are numbered from 1 in the page (`id="c1s3"`: connection 1's
    // third segment drawn), for links such as `#seg=c1s3`.
    let mut drawn = 0;
    for (k, row) in c.rows.iter().enumerate() {
        let y = 30 + ROW * k as u32;
        let t = row.time_us.saturating_sub(c.first_us) as f64 / 1e6;
        let _ = write!(
            s,
            "<text x=\"4\" y=\"{}\" fill=\"#888\">{t:.3}</text>",
            y + 10
        );
        match &row.kind {
            RowKind::Seg { from, seg, marks } => {
                drawn += 1;
                let (x1, x2) = match from {
                    Side::Client => (LEFT, RIGHT),
                    Side::Server => (RIGHT, LEFT),
                };
                let retx = marks.contains(&crate::notes::Mark::Retransmission);
                let fields = fields(c, *from, seg, t);
                let ne: Vec<String> = row
                    .notes
                    .iter()
                    .map(|n| format!("» {}", en.note(n)))
                    .collect();
                let nz: Vec<String> = row
                    .notes
                    .iter()
                    .map(|n| format!("» {}", zh.note(n)))
                    .collect();
                let me: Vec<String> = marks.iter().map(|m| en.mark(*m)).collect();
                let mz: Vec<String> = marks.iter().map(|m| zh.mark(*m)).collect();
                let _ = write!(
                    s,
                    "<g class=\"seg {}{}\" id=\"c{}s{drawn}\" onclick=\"show(this)\" data-fields=\"{}\" data-notes-en=\"{}\" data-notes-zh=\"{}\"><title>{}</title><line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{}\" marker-end=\"url(#head)\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    from.name(),
                    if retx { " retx" } else { "" },
                    c.id,
                    escape(&fields),
                    escape(&ne.join("\n")),
                    escape(&nz.join("\n")),
                    escape(&fields),
                    y + 14,
                    (LEFT + RIGHT) / 2,
                    y + 2,
                    escape(&label(seg))
                );
                if !marks.is_empty() {
                    let _ = write!(
                        s,
                        "<text x=\"{}\" y=\"{}\" fill=\"#d80\" data-en=\"{}\" data-zh=\"{}\">{}</text>",
                        RIGHT + 8,
                        y + 10,
                        escape(&me.join(" ")),
                        escape(&mz.join(" ")),
                        escape(&me.join(" "))
                    );
                }
                if let Some(first) = row.notes.first() {
                    let more = row.notes.len() - 1;
                    let (a, b) = (en.note(first), zh.note(first));
                    let _ = write!(
                        s,
                        "<text class=\"beside\" x=\"{NOTES}\" y=\"{}\" data-en=\"{}\" data-zh=\"{}\">{}</text>",
                        y + 10,
                        escape(&clip(&a, more)),
                        escape(&clip(&b, more)),
                        escape(&clip(&a, more))
                    );
                }
                s.push_str("</g>");
            }
            RowKind::State {
                side,
                from,
                to,
                why,
            } => {
                let (x, anchor) = match side {
                    Side::Client => (LEFT - 6, "end"),
                    Side::Server => (RIGHT + 6, "start"),
                };
                let a = en.state_line(*side, from.name(), to.name(), *why);
                let b = zh.state_line(*side, from.name(), to.name(), *why);
                let _ = write!(
                    s,
                    "<text class=\"state {}\" data-state=\"{}\" x=\"{x}\" y=\"{}\" text-anchor=\"{anchor}\">≈ {} → {}<title data-en=\"{}\" data-zh=\"{}\">{}</title></text>",
                    side.name(),
                    to.name(),
                    y + 10,
                    from.name(),
                    to.name(),
                    escape(&a),
                    escape(&b),
                    escape(&a)
                );
            }
            RowKind::Elided { count } => {
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#888\" data-en=\"{}\" data-zh=\"{}\">{}</text>",
                    (LEFT + RIGHT) / 2,
                    y + 10,
                    escape(&en.elided(*count)),
                    escape(&zh.elided(*count)),
                    escape(&en.elided(*count))
                );
            }
        }
        for n in &row.notes {
            notes_html.push_str(&both(
                "li",
                "note",
                &format!("{t:.3} {}", en.note(n)),
                &format!("{t:.3} {}", zh.note(n)),
            ));
        }
    }
    s.push_str("</svg></div>\n<ul class=\"notes\">");
    s.push_str(&notes_html);
    for n in &c.end_notes {
        s.push_str(&both("li", "note", &en.note(n), &zh.note(n)));
    }
    s.push_str("</ul><div class=\"summary\">");
    let sum = Summary::of(c);
    for (a, b) in en.summary(&sum).iter().zip(zh.summary(&sum)) {
        s.push_str(&both("div", "sum", a, &b));
    }
    s.push_str("</div></section>\n");
    s
}

/// Every field of a segment, one per line, for the detail panel.
fn fields(c: &Conn, from: Side, seg: &synack_view::Seg, t: f64) -> String {
    let (src, dst) = match from {
        Side::Client => (c.addrs[0], c.addrs[1]),
        Side::Server => (c.addrs[1], c.addrs[0]),
    };
    let tcp = &seg.tcp;
    let num = |rel: Option<i64>, abs: u32| match rel {
        Some(r) => format!("{r} (absolute {abs})"),
        None => abs.to_string(),
    };
    let mut f = format!(
        "{}\n{t:.6} s  {src} → {dst}\nflags {}\nseq {}\n",
        label(seg),
        tcp.flags,
        num(seg.rel_seq, tcp.seq.0)
    );
    if tcp.flags.ack() {
        let _ = writeln!(f, "ack {}", num(seg.rel_ack, tcp.ack.0));
    }
    let _ = writeln!(
        f,
        "payload {} bytes\nwindow {} bytes (field {})",
        seg.len, seg.wnd, tcp.window
    );
    let o = &tcp.options;
    if let Some(m) = o.mss {
        let _ = writeln!(f, "option MSS {m}");
    }
    if let Some(w) = o.window_scale {
        let _ = writeln!(f, "option window scale {w} (×{})", 1u32 << w.min(14));
    }
    if o.sack_permitted {
        f.push_str("option SACK permitted\n");
    }
    for (l, r) in o.sack_blocks.as_slice() {
        let _ = writeln!(f, "option SACK block {}-{} (absolute)", l.0, r.0);
    }
    if let Some(ts) = o.timestamps {
        let _ = writeln!(f, "option timestamps TSval {} TSecr {}", ts.tsval, ts.tsecr);
    }
    f.truncate(f.trim_end().len());
    f
}

/// `note` cut to [`NOTE_COLS`] display columns, with `…` where cut and
/// `(+N)` when `more` notes follow.
fn clip(note: &str, more: usize) -> String {
    let tail = if more > 0 {
        format!(" (+{more})")
    } else {
        String::new()
    };
    let room = NOTE_COLS - synack_view::width::width(&tail);
    if synack_view::width::width(note) <= room {
        return format!("{note}{tail}");
    }
    let mut out = String::new();
    let mut cols = 0;
    for c in note.chars() {
        let w = synack_view::width::char_width(c);
        if cols + w > room - 1 {
            break;
        }
        out.push(c);
        cols += w;
    }
    out.push('…');
    out + &tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use synack_view::width::width;

    #[test]
    fn notes_beside_segments_are_clipped_to_their_column() {
        assert_eq!(clip("short", 0), "short");
        assert_eq!(clip("short", 2), "short (+2)");
        let long = "x".repeat(200);
        assert_eq!(width(&clip(&long, 0)), NOTE_COLS);
        assert!(clip(&long, 0).ends_with('…'));
        let zh = "确认".repeat(100);
        let c = clip(&zh, 3);
        assert!(width(&c) <= NOTE_COLS && c.ends_with("… (+3)"), "{c}");
        let exact = "y".repeat(NOTE_COLS);
        assert_eq!(clip(&exact, 0), exact);
    }
}
