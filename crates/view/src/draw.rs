//! Drawing a ladder: the time column, the two host bars with the space
//! between them, arrows for segments, text on one side, notes, colours.

use crate::side::Side;
use crate::width::{width, wrap};
use synack_core::Instant;

/// Width of the time column (`123.456` and a space).
pub const TIME_W: usize = 8;
/// Columns between the two host bars.
pub const INNER: usize = 66;
/// Widest line of the output: the header and summary are wrapped to it,
/// and marks that would pass it go on a line of their own.
pub const MAX_W: usize = 80;

/// ANSI styling, or none.
pub struct Style {
    /// Whether to emit ANSI colours.
    pub on: bool,
}

impl Style {
    /// `s` in the ANSI style `code`.
    pub fn paint(&self, code: &str, s: &str) -> String {
        if self.on && !s.is_empty() {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    /// `s` in `side`'s colour.
    pub fn side(&self, side: Side, s: &str) -> String {
        self.paint(
            match side {
                Side::Client => "36",
                Side::Server => "35",
            },
            s,
        )
    }
}

/// A time column entry: seconds with milliseconds, right-aligned in 7
/// columns (`  0.020`).
pub fn format_time(t: Instant) -> String {
    let us = t.as_micros();
    format!(
        "{:>7}",
        format!("{}.{:03}", us / 1_000_000, (us / 1000) % 1000)
    )
}

/// `│inner│ marks` with `inner` already padded/painted; `plain` is the
/// unpainted inner text, to measure.
pub fn framed(marks: &str, inner: &str, plain: &str) -> String {
    let fill = INNER.saturating_sub(width(plain));
    let mut s = format!("│{inner}{}│", " ".repeat(fill));
    if !marks.is_empty() {
        s.push(' ');
        s.push_str(marks);
    }
    s
}

/// A text inside the bars, left (client) or right (server) aligned, wrapped.
pub fn side_text(side: Side, text: &str, st: &Style, code: Option<&str>) -> Vec<String> {
    let mut v = Vec::new();
    for line in wrap(text, INNER - 2) {
        let plain = match side {
            Side::Client => format!(" {line}"),
            Side::Server => format!("{}{line} ", " ".repeat(INNER - 1 - width(&line))),
        };
        let painted = match (side, code) {
            (_, Some(c)) => plain.replace(&line, &st.paint(c, &line)),
            (s, None) => plain.replace(&line, &st.side(s, &line)),
        };
        v.push(framed("", &painted, &plain));
    }
    v
}

/// The ANSI style of `side`'s state lines.
pub fn state_code(side: Side) -> &'static str {
    match side {
        Side::Client => "1;36",
        Side::Server => "1;35",
    }
}

/// An arrow between the bars carrying `label`; cut short with ✗ if lost,
/// dotted if injected.
pub fn arrow(from: Side, label: &str, lost: bool, dotted: bool, marks: &str, st: &Style) -> String {
    let line = if dotted { "┈" } else { "─" };
    let lw = width(label);
    let plain = match from {
        Side::Client => {
            let head = format!("{line} {label} ");
            let used = width(&head);
            if lost {
                let cut = (INNER * 3 / 4).max(used + 2).min(INNER - 1);
                format!("{head}{}✗", line.repeat(cut.saturating_sub(used)))
            } else {
                let fill = INNER.saturating_sub(used + 1).max(2);
                format!("{head}{}▶", line.repeat(fill))
            }
        }
        Side::Server => {
            let tail = format!(" {label} {line}");
            let used = lw + 3;
            if lost {
                let start = (INNER / 4).min(INNER.saturating_sub(used + 3));
                let fill = INNER.saturating_sub(used + start + 1).max(2);
                format!("{}✗{}{tail}", " ".repeat(start), line.repeat(fill))
            } else {
                let fill = INNER.saturating_sub(used + 1).max(2);
                format!("◀{}{tail}", line.repeat(fill))
            }
        }
    };
    let painted = if lost {
        st.paint("31", &plain)
    } else {
        st.side(from, &plain)
    };
    framed(marks, &painted, &plain)
}

/// An arrow and its marks (`(style, text)`). The marks' words would pass
/// [`MAX_W`] after the right bar (the ladder leaves 3 columns), so the arrow
/// keeps only their symbols (`↻`, `✗`) and the words go on a line of their
/// own under it, on the side of its head.
pub fn arrow_with_marks(
    from: Side,
    label: &str,
    lost: bool,
    dotted: bool,
    marks: &[(&str, String)],
    st: &Style,
) -> Vec<String> {
    if marks.is_empty() {
        return vec![arrow(from, label, lost, dotted, "", st)];
    }
    let plain = marks
        .iter()
        .map(|(_, m)| m.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let painted = marks
        .iter()
        .map(|(code, m)| st.paint(code, m))
        .collect::<Vec<_>>()
        .join(" ");
    let symbols = marks
        .iter()
        .filter_map(|(code, m)| {
            let c = m.chars().next()?;
            matches!(c, '↻' | '✗').then(|| st.paint(code, &c.to_string()))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let inner = match from {
        Side::Client => format!(
            "{}{plain} ",
            " ".repeat(INNER.saturating_sub(width(&plain) + 1))
        ),
        Side::Server => format!(" {plain}"),
    };
    vec![
        arrow(from, label, lost, dotted, &symbols, st),
        framed("", &inner.replace(&plain, &painted), &inner),
    ]
}

/// A note under a line of the ladder (`  » text`, wrapped inside the bars,
/// after an empty time column), dimmed.
pub fn note_lines(text: &str, st: &Style) -> Vec<String> {
    let mut v = Vec::new();
    for (k, line) in wrap(text, INNER - 6).into_iter().enumerate() {
        let plain = format!("{}{line}", if k == 0 { "  » " } else { "    " });
        let painted = plain.replace(&line, &st.paint("2", &line));
        v.push(format!(
            "{}{}",
            " ".repeat(TIME_W),
            framed("", &painted, &plain)
        ));
    }
    v
}
