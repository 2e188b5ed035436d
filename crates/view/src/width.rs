//! Display width of terminal text (CJK characters take two columns) and
//! word wrapping that respects it.

/// Columns `c` takes in a terminal.
pub fn char_width(c: char) -> usize {
    let wide = matches!(c,
        '\u{1100}'..='\u{115F}'
        | '\u{2E80}'..='\u{303E}'
        | '\u{3041}'..='\u{33FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{A000}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}');
    if wide { 2 } else { 1 }
}

/// Columns `s` takes.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` padded with spaces to `w` columns (unchanged if wider).
pub fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(s))));
    out
}

/// Splits `text` into lines of at most `w` columns, breaking at spaces, or
/// anywhere between wide (CJK) characters, or inside a word longer than `w`.
pub fn wrap(text: &str, w: usize) -> Vec<String> {
    let w = w.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0;
    for token in tokens(text) {
        let tw = width(&token);
        if line_w + tw > w && !line.is_empty() {
            lines.push(line.trim_end().to_string());
            line.clear();
            line_w = 0;
            if token == " " {
                continue;
            }
        }
        if tw > w {
            // A word too long for a line: cut it.
            for c in token.chars() {
                let cw = char_width(c);
                if line_w + cw > w {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0;
                }
                line.push(c);
                line_w += cw;
            }
            continue;
        }
        line.push_str(&token);
        line_w += tw;
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Words, single spaces, and wide characters one by one (with any closing
/// punctuation kept on the same token so it never starts a line).
fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c == ' ' {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(" ".into());
        } else if char_width(c) == 2 {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if is_closing(c)
                && let Some(last) = out.last_mut()
                && last != " "
            {
                last.push(c);
                continue;
            }
            out.push(c.to_string());
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn is_closing(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '、' | '；' | '：' | '）' | '！' | '？' | '”' | '」'
    )
}

/// Wraps a header line to [`crate::draw::MAX_W`] columns between its
/// ` · `-separated parts (a part still too long wraps by itself).
pub fn wrap_at_dots(line: &str) -> Vec<String> {
    const DOT: &str = " · ";
    let max = crate::draw::MAX_W;
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for part in line.split(DOT) {
        if !cur.is_empty() && width(&cur) + width(DOT) + width(part) > max {
            out.extend(wrap(&cur, max));
            cur.clear();
        }
        if !cur.is_empty() {
            cur.push_str(DOT);
        }
        cur.push_str(part);
    }
    out.extend(wrap(&cur, max));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("连接"), 4);
        assert_eq!(width("→ ✗"), 3);
        assert_eq!(pad("连", 4), "连  ");
    }

    #[test]
    fn wraps_words_and_cjk() {
        assert_eq!(wrap("aaa bbb ccc", 8), ["aaa bbb", "ccc"]);
        let zh = wrap("客户端请求建立连接，并选定初始序列号", 10);
        assert!(zh.iter().all(|l| width(l) <= 10), "{zh:?}");
        assert!(zh.iter().all(|l| !l.starts_with('，')), "{zh:?}");
        assert_eq!(zh.concat(), "客户端请求建立连接，并选定初始序列号");
    }
}
