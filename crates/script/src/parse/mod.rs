//! The packetdrill script parser.
//!
//! [`parse()`] lexes the whole script, applies `#ifdef` blocks, then
//! parses header options and events from the token stream. Newlines are
//! whitespace, so a statement may span lines (as in packetdrill).

mod lex;
mod packet;
mod syscall;

use crate::ast::{Direction, Event, EventKind, HeaderOption, ParseError, Script, TimeSpec};
use lex::{Tok, Token};

/// Parses a script. `defines` are the names for which `#ifdef NAME` blocks
/// are kept (as the C preprocessor would with `-DNAME`).
pub fn parse(text: &str, defines: &[&str]) -> Result<Script, ParseError> {
    let tokens = lex::preprocess(lex::lex(text)?, defines)?;
    Parser {
        src: text,
        tokens,
        pos: 0,
    }
    .script()
}

/// Deepest nesting of `[...]`/`{...}` accepted (keeps recursion bounded).
const MAX_NESTING: usize = 32;

/// A cursor over the preprocessed tokens.
struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
}

/// How a token reads in an error message.
fn describe(tok: Option<&Tok>) -> String {
    match tok {
        None => "end of script".into(),
        Some(Tok::Int(n)) => format!("number {n}"),
        Some(Tok::Hex(n)) => format!("number {n:#x}"),
        Some(Tok::Float(f)) => format!("number {f}"),
        Some(Tok::Word(w)) => format!("'{w}'"),
        Some(Tok::Str(s)) => format!("string \"{s}\""),
        Some(Tok::Command(_)) => "backtick command".into(),
        Some(Tok::Code(_)) => "%{ }% code block".into(),
        Some(Tok::HeaderOption { name, .. }) => format!("header option --{name}"),
        Some(Tok::Directive(_)) => "preprocessor directive".into(),
        Some(Tok::Ellipsis) => "'...'".into(),
        Some(Tok::Punct(c)) => format!("'{c}'"),
    }
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn peek_nth(&self, n: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + n).map(|t| &t.tok)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Line of the next token (or of the last one at the end).
    fn line(&self) -> usize {
        self.tokens
            .get(self.pos)
            .or(self.tokens.last())
            .map_or(1, |t| t.line)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            line: self.line(),
            message: message.into(),
        })
    }

    /// "expected WHAT, found <next token>".
    fn expected<T>(&self, what: &str) -> Result<T, ParseError> {
        self.error(format!("expected {what}, found {}", describe(self.peek())))
    }

    fn at_punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let at = self.at_punct(c);
        if at {
            self.pos += 1;
        }
        at
    }

    fn expect_punct(&mut self, c: char, what: &str) -> Result<Token, ParseError> {
        match self.tokens.get(self.pos) {
            Some(t) if t.tok == Tok::Punct(c) => {
                let t = t.clone();
                self.pos += 1;
                Ok(t)
            }
            _ if what.is_empty() => self.expected(&format!("'{c}'")),
            _ => self.expected(&format!("'{c}' {what}")),
        }
    }

    fn at_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w == word)
    }

    /// A non-negative integer (decimal or hex).
    fn expect_uint(&mut self, what: &str) -> Result<u64, ParseError> {
        match self.peek() {
            Some(Tok::Int(n) | Tok::Hex(n)) => {
                let n = *n;
                self.pos += 1;
                Ok(n)
            }
            _ => self.expected(what),
        }
    }

    /// An integer that must fit in `T` (`u8`, `u16`, `u32`).
    fn expect_bounded<T: TryFrom<u64>>(&mut self, what: &str) -> Result<T, ParseError> {
        let line = self.line();
        let n = self.expect_uint(what)?;
        T::try_from(n).map_err(|_| ParseError {
            line,
            message: format!("{what}: {n} is out of range"),
        })
    }

    /// Source text from the start of token `from` to the end of token
    /// `to - 1`, whitespace collapsed.
    fn text_between(&self, from: usize, to: usize) -> String {
        let (Some(first), Some(last)) =
            (self.tokens.get(from), self.tokens.get(to.wrapping_sub(1)))
        else {
            return String::new();
        };
        let raw = self.src.get(first.start..last.end).unwrap_or("");
        raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn script(mut self) -> Result<Script, ParseError> {
        let mut options = Vec::new();
        while let Some(Tok::HeaderOption { name, value }) = self.peek() {
            options.push(HeaderOption {
                line: self.line(),
                name: name.clone(),
                value: value.clone(),
            });
            self.pos += 1;
        }
        let mut init_command = None;
        if let Some(Tok::Command(c)) = self.peek() {
            init_command = Some(c.clone());
            self.pos += 1;
        }
        let mut events = Vec::new();
        let mut cleanup_command = None;
        while let Some(tok) = self.peek() {
            match tok {
                Tok::HeaderOption { name, .. } => {
                    return self.error(format!(
                        "header option --{name} must come before the first event"
                    ));
                }
                Tok::Command(c) => {
                    cleanup_command = Some(c.clone());
                    self.pos += 1;
                    if self.peek().is_some() {
                        return self.error(
                            "an untimed `command` may only be the first (init) or the last (cleanup) statement; \
                             events need a time",
                        );
                    }
                }
                _ => events.push(self.event()?),
            }
        }
        Ok(Script {
            options,
            events,
            init_command,
            cleanup_command,
        })
    }

    fn event(&mut self) -> Result<Event, ParseError> {
        let line = self.line();
        let time = self.time_spec()?;
        let kind = match self.peek() {
            Some(Tok::Punct(d @ ('<' | '>'))) if matches!(self.peek_nth(1), Some(Tok::Word(w)) if w == "icmp") =>
            {
                let direction = if *d == '<' {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                };
                self.pos += 1;
                EventKind::Icmp(self.icmp(direction)?)
            }
            Some(Tok::Punct('<' | '>')) => EventKind::Packet(self.packet()?),
            Some(Tok::Command(c)) => {
                let c = c.clone();
                self.pos += 1;
                EventKind::Command(c)
            }
            Some(Tok::Code(c)) => {
                let c = c.clone();
                self.pos += 1;
                EventKind::Code(c)
            }
            Some(Tok::Ellipsis) => {
                self.pos += 1;
                let end = self.end_time()?;
                if !matches!(self.peek(), Some(Tok::Word(_))) {
                    return self.expected("a system call after the '...' end time");
                }
                EventKind::Syscall(self.syscall(Some(end))?)
            }
            Some(Tok::Word(_)) => EventKind::Syscall(self.syscall(None)?),
            _ => {
                return self.expected(
                    "a packet ('<' or '>'), a system call, a `command` or a %{ }% block after the time",
                );
            }
        };
        Ok(Event { line, time, kind })
    }

    /// `*`, `[+]T` or `[+]T~[+]T`.
    fn time_spec(&mut self) -> Result<TimeSpec, ParseError> {
        if self.eat_punct('*') {
            return Ok(TimeSpec::Any);
        }
        let relative = self.eat_punct('+');
        let start = self.time_value(relative)?;
        if !self.eat_punct('~') {
            return Ok(TimeSpec::At {
                relative,
                micros: start,
            });
        }
        let end_relative = self.eat_punct('+');
        let end = self.time_value(true)?;
        if relative != end_relative {
            return self.error("both ends of a time range must be relative (+) or both absolute");
        }
        if end < start {
            return self.error("time range ends before it starts");
        }
        Ok(TimeSpec::Range {
            relative,
            start,
            end,
        })
    }

    /// The `[+]T` after `...` in a blocking call.
    fn end_time(&mut self) -> Result<TimeSpec, ParseError> {
        let relative = self.eat_punct('+');
        let micros = self.time_value(true)?;
        Ok(TimeSpec::At { relative, micros })
    }

    /// Seconds (`3`, `0.100`) as microseconds, without going through floats.
    /// Digits beyond the sixth decimal are truncated.
    fn time_value(&mut self, after_sign: bool) -> Result<i64, ParseError> {
        let what = if after_sign {
            "a time in seconds"
        } else {
            "an event time ('0.1', '+0.1', '*' or a range '0.1~0.2')"
        };
        let (int, frac) = match self.peek() {
            Some(Tok::Int(n)) => (*n, String::new()),
            Some(Tok::Float(f)) => {
                let (i, f) = f.split_once('.').unwrap_or((f, ""));
                match i.parse::<u64>() {
                    Ok(i) => (i, f.to_string()),
                    Err(_) => return self.error(format!("time {i}.{f} is too large")),
                }
            }
            // `.1`: seconds without the leading zero (`+.1`), the digits
            // right after the dot.
            Some(Tok::Punct('.')) => {
                match (self.tokens.get(self.pos), self.tokens.get(self.pos + 1)) {
                    (Some(dot), Some(digits))
                        if matches!(digits.tok, Tok::Int(_)) && digits.start == dot.end =>
                    {
                        let frac = self
                            .src
                            .get(digits.start..digits.end)
                            .unwrap_or("")
                            .to_string();
                        self.pos += 1;
                        (0, frac)
                    }
                    _ => return self.expected(what),
                }
            }
            _ => return self.expected(what),
        };
        let mut micros: u64 = 0;
        for k in 0..6 {
            let digit = frac
                .as_bytes()
                .get(k)
                .map_or(0, |b| u64::from(b.saturating_sub(b'0')));
            micros = micros * 10 + digit;
        }
        let total = int
            .checked_mul(1_000_000)
            .and_then(|s| s.checked_add(micros))
            .and_then(|t| i64::try_from(t).ok());
        match total {
            Some(t) => {
                self.pos += 1;
                Ok(t)
            }
            None => self.error("time is too large"),
        }
    }
}
