//! `%{ ... }%` blocks: the small part of Python that packetdrill scripts
//! use to check `TCP_INFO`, evaluated here.
//!
//! A block is statements separated by newlines or `;`: `assert EXPR[,
//! message]`, `NAME = EXPR`, `NAME += EXPR` (names live for the whole
//! script, as in packetdrill's Python namespace), `print(...)` (ignored)
//! and `# comments`. Expressions are integers, names, parentheses, `+ - *
//! // % & |`, comparisons (chained as in Python) and `and`/`or`/`not`. A
//! `tcpi_*` name is read from the connection under test through
//! [`Info::value`]; a field synack does not report, or any other Python,
//! makes the script a skip naming it.

use std::collections::BTreeMap;

/// Why a block could not be evaluated or did not hold.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PyError {
    /// Not in the supported subset (the text says what).
    Unsupported(String),
    /// An `assert` was false: the statement.
    AssertFailed(String),
}

/// Where `tcpi_*` values come from.
pub(crate) trait Info {
    /// The value of `tcpi_NAME` or a `TCPI_*`/`TCP_*` constant; `None`
    /// if synack does not report it.
    fn value(&self, name: &str) -> Option<i64>;
}

/// Runs `code` with the persistent `vars`.
pub(crate) fn exec(
    code: &str,
    vars: &mut BTreeMap<String, i64>,
    info: &dyn Info,
) -> Result<(), PyError> {
    // Python's explicit line joining: a backslash ending a line (the
    // block's last line ended before the trimmed `}%`).
    let code = format!("{code}\n")
        .replace("\\\r\n", " ")
        .replace("\\\n", " ");
    for line in code.lines() {
        let line = line.split('#').next().unwrap_or("");
        for stmt in line.split(';') {
            let stmt = stmt.trim();
            if stmt.is_empty() {
                continue;
            }
            statement(stmt, vars, info)?;
        }
    }
    Ok(())
}

fn statement(stmt: &str, vars: &mut BTreeMap<String, i64>, info: &dyn Info) -> Result<(), PyError> {
    if stmt.starts_with("print(") && stmt.ends_with(')') {
        return Ok(());
    }
    if let Some(rest) = stmt.strip_prefix("assert ") {
        let cond = top_level_before_comma(rest);
        let v = eval(cond, vars, info)?;
        return if v != 0 {
            Ok(())
        } else {
            Err(PyError::AssertFailed(format!("assert {}", cond.trim())))
        };
    }
    let (name, op, expr) = if let Some((n, e)) = stmt.split_once("+=") {
        (n.trim(), '+', e)
    } else if let Some((n, e)) = stmt.split_once("-=") {
        (n.trim(), '-', e)
    } else if let Some((n, e)) = stmt.split_once('=')
        && !e.starts_with('=')
        && !n.ends_with(['!', '<', '>', '='])
    {
        (n.trim(), '=', e)
    } else {
        return Err(PyError::Unsupported(format!("python `{stmt}`")));
    };
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(PyError::Unsupported(format!("python `{stmt}`")));
    }
    let v = eval(expr, vars, info)?;
    let old = || {
        vars.get(name).copied().ok_or_else(|| {
            PyError::Unsupported(format!("python name `{name}` used before it is set"))
        })
    };
    let new = match op {
        '+' => old()?.wrapping_add(v),
        '-' => old()?.wrapping_sub(v),
        _ => v,
    };
    vars.insert(name.to_string(), new);
    Ok(())
}

/// `cond, message`: the part before a comma outside parentheses.
fn top_level_before_comma(s: &str) -> &str {
    let mut depth = 0i32;
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => return &s[..i],
            _ => {}
        }
    }
    s
}

#[derive(Clone, Debug, PartialEq)]
enum T {
    Num(i64),
    Name(String),
    Op(&'static str),
}

fn tokens(s: &str) -> Result<Vec<T>, PyError> {
    const OPS: [&str; 16] = [
        "==", "!=", "<=", ">=", "//", "<", ">", "(", ")", "+", "-", "*", "%", "&", "|", "/",
    ];
    let unsupported = || PyError::Unsupported(format!("python expression `{}`", s.trim()));
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            let text = &s[start..i];
            let v = match text.strip_prefix("0x") {
                Some(h) => i64::from_str_radix(h, 16),
                None => text.parse(),
            };
            out.push(T::Num(v.map_err(|_| unsupported())?));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(T::Name(s[start..i].to_string()));
        } else if let Some(op) = OPS.iter().find(|op| s[i..].starts_with(**op)) {
            if *op == "/" {
                return Err(unsupported());
            }
            out.push(T::Op(op));
            i += op.len();
        } else {
            return Err(unsupported());
        }
    }
    Ok(out)
}

/// Evaluates one expression (booleans are 0 and 1).
fn eval(s: &str, vars: &BTreeMap<String, i64>, info: &dyn Info) -> Result<i64, PyError> {
    let toks = tokens(s)?;
    let mut p = Eval {
        toks: &toks,
        pos: 0,
        depth: 0,
        vars,
        info,
        text: s.trim(),
    };
    let v = p.or()?;
    if p.pos != toks.len() {
        return Err(p.unsupported());
    }
    Ok(v)
}

/// Deepest nesting of parentheses and unary operators evaluated.
const MAX_DEPTH: usize = 64;

struct Eval<'a> {
    toks: &'a [T],
    pos: usize,
    depth: usize,
    vars: &'a BTreeMap<String, i64>,
    info: &'a dyn Info,
    text: &'a str,
}

impl Eval<'_> {
    fn unsupported(&self) -> PyError {
        PyError::Unsupported(format!("python expression `{}`", self.text))
    }

    fn peek(&self) -> Option<&T> {
        self.toks.get(self.pos)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(T::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(T::Name(n)) if n == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<i64, PyError> {
        let mut v = self.and()?;
        while self.eat_word("or") {
            let r = self.and()?;
            v = i64::from(v != 0 || r != 0);
        }
        Ok(v)
    }

    fn and(&mut self) -> Result<i64, PyError> {
        let mut v = self.not()?;
        while self.eat_word("and") {
            let r = self.not()?;
            v = i64::from(v != 0 && r != 0);
        }
        Ok(v)
    }

    fn not(&mut self) -> Result<i64, PyError> {
        if self.eat_word("not") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(self.unsupported());
            }
            let v = self.not();
            self.depth -= 1;
            return Ok(i64::from(v? == 0));
        }
        self.comparison()
    }

    /// `a < b <= c`: every pair must hold, as in Python.
    fn comparison(&mut self) -> Result<i64, PyError> {
        let mut left = self.bitor()?;
        let mut result = None;
        loop {
            let op = ["==", "!=", "<=", ">=", "<", ">"]
                .into_iter()
                .find(|op| self.eat_op(op));
            let Some(op) = op else {
                break;
            };
            let right = self.bitor()?;
            let holds = match op {
                "==" => left == right,
                "!=" => left != right,
                "<=" => left <= right,
                ">=" => left >= right,
                "<" => left < right,
                _ => left > right,
            };
            result = Some(result.unwrap_or(true) && holds);
            left = right;
        }
        Ok(result.map_or(left, i64::from))
    }

    fn bitor(&mut self) -> Result<i64, PyError> {
        let mut v = self.bitand()?;
        while self.eat_op("|") {
            v |= self.bitand()?;
        }
        Ok(v)
    }

    fn bitand(&mut self) -> Result<i64, PyError> {
        let mut v = self.sum()?;
        while self.eat_op("&") {
            v &= self.sum()?;
        }
        Ok(v)
    }

    fn sum(&mut self) -> Result<i64, PyError> {
        let mut v = self.product()?;
        loop {
            if self.eat_op("+") {
                v = v.wrapping_add(self.product()?);
            } else if self.eat_op("-") {
                v = v.wrapping_sub(self.product()?);
            } else {
                return Ok(v);
            }
        }
    }

    fn product(&mut self) -> Result<i64, PyError> {
        let mut v = self.unary()?;
        loop {
            if self.eat_op("*") {
                v = v.wrapping_mul(self.unary()?);
            } else if self.eat_op("//") || self.eat_op("%") {
                let is_div = self.toks.get(self.pos - 1) == Some(&T::Op("//"));
                let r = self.unary()?;
                if r == 0 {
                    return Err(self.unsupported());
                }
                // Python's floor division and the modulo that goes with it.
                let (q, m) = floor_div(v, r).ok_or_else(|| self.unsupported())?;
                v = if is_div { q } else { m };
            } else {
                return Ok(v);
            }
        }
    }

    fn unary(&mut self) -> Result<i64, PyError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.unsupported());
        }
        let v = self.unary_inner();
        self.depth -= 1;
        v
    }

    fn unary_inner(&mut self) -> Result<i64, PyError> {
        if self.eat_op("-") {
            return Ok(self.unary()?.wrapping_neg());
        }
        if self.eat_op("(") {
            let v = self.or()?;
            if !self.eat_op(")") {
                return Err(self.unsupported());
            }
            return Ok(v);
        }
        match self.peek().cloned() {
            Some(T::Num(n)) => {
                self.pos += 1;
                Ok(n)
            }
            Some(T::Name(n)) => {
                self.pos += 1;
                match n.as_str() {
                    "True" => Ok(1),
                    "False" => Ok(0),
                    _ => self
                        .vars
                        .get(&n)
                        .copied()
                        .or_else(|| self.info.value(&n))
                        .ok_or_else(|| {
                            PyError::Unsupported(format!(
                                "python name `{n}` (not reported by synack)"
                            ))
                        }),
                }
            }
            _ => Err(self.unsupported()),
        }
    }
}

/// Python's `a // b` and `a % b` (the quotient rounded down, the
/// remainder with the divisor's sign); `None` on division by zero or
/// overflow.
fn floor_div(a: i64, b: i64) -> Option<(i64, i64)> {
    let q = a.checked_div(b)?;
    let r = a.checked_rem(b)?;
    if r != 0 && ((r < 0) != (b < 0)) {
        Some((q - 1, r + b))
    } else {
        Some((q, r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Info for Fixed {
        fn value(&self, name: &str) -> Option<i64> {
            (name == "tcpi_busy_time").then_some(330_000)
        }
    }

    #[test]
    fn a_backslash_joins_lines_even_before_the_closing_delimiter() {
        let mut vars = BTreeMap::new();
        let code = "assert 328000 <= tcpi_busy_time <= 340000, tcpi_busy_time;\\\n  x = 1;\\";
        assert_eq!(exec(code, &mut vars, &Fixed), Ok(()));
        assert_eq!(vars.get("x"), Some(&1));
        let failing = "assert tcpi_busy_time \\\n == 1";
        assert!(matches!(
            exec(failing, &mut vars, &Fixed),
            Err(PyError::AssertFailed(_))
        ));
    }
}
