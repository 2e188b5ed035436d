//! The lexer and the `#ifdef` filter.
//!
//! The script is a free-form token stream (newlines are whitespace), except
//! for a few line-oriented constructs recognised at the start of a line:
//! header options (`--name=value`) and preprocessor directives (`#ifdef`).

use crate::ast::ParseError;

/// One token's kind and payload.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    /// Decimal integer.
    Int(u64),
    /// `0x...` integer.
    Hex(u64),
    /// `12.345`, kept as text so times convert exactly.
    Float(String),
    /// Identifier-like word: `[A-Za-z_][A-Za-z0-9_]*`.
    Word(String),
    /// `"..."`, without the quotes.
    Str(String),
    /// `` `...` ``, without the backticks.
    Command(String),
    /// `%{ ... }%`, without the delimiters, trimmed.
    Code(String),
    /// `--name[=value]` at the start of a line.
    HeaderOption { name: String, value: Option<String> },
    /// `#ifdef` and friends at the start of a line.
    Directive(Directive),
    /// `...`
    Ellipsis,
    /// Any other single character (punctuation or junk).
    Punct(char),
}

/// A preprocessor directive.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Directive {
    IfDef(String),
    IfNDef(String),
    Else,
    EndIf,
}

/// A token with its 1-based line and byte span in the source.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

fn error(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        message: message.into(),
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    /// Only whitespace seen since the last newline.
    line_start: bool,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..)?.chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + n).copied()
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    /// Advances past `len` bytes (which must end on a char boundary),
    /// counting newlines.
    fn advance(&mut self, len: usize) {
        let end = (self.pos + len).min(self.src.len());
        let skipped = self.src.get(self.pos..end).unwrap_or("");
        self.line += skipped.bytes().filter(|&b| b == b'\n').count();
        self.pos = end;
    }

    /// Consumes bytes while `pred` holds (ASCII predicates only).
    fn take_while(&mut self, pred: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        let len = self.rest().bytes().take_while(|&b| pred(b)).count();
        self.advance(len);
        self.src.get(start..self.pos).unwrap_or("")
    }

    fn skip_whitespace(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                '\n' => {
                    self.line_start = true;
                    self.advance(1);
                }
                ' ' | '\t' | '\r' | '\x0b' | '\x0c' => self.advance(1),
                _ => break,
            }
        }
    }

    /// Consumes up to and including `close`; returns the text in between.
    fn delimited(
        &mut self,
        open_len: usize,
        close: &str,
        what: &str,
    ) -> Result<&'a str, ParseError> {
        let line = self.line;
        self.advance(open_len);
        match self.rest().find(close) {
            Some(i) => {
                let inner = self.src.get(self.pos..self.pos + i).unwrap_or("");
                self.advance(i + close.len());
                Ok(inner)
            }
            None => Err(error(line, format!("unterminated {what}"))),
        }
    }

    fn rest_of_line(&mut self) -> &'a str {
        self.take_while(|b| b != b'\n')
    }

    fn number(&mut self) -> Result<Tok, ParseError> {
        let line = self.line;
        let rest = self.rest().as_bytes();
        if rest.len() > 2
            && rest[0] == b'0'
            && (rest[1] == b'x' || rest[1] == b'X')
            && rest[2].is_ascii_hexdigit()
        {
            self.advance(2);
            let digits = self.take_while(|b| b.is_ascii_hexdigit());
            return u64::from_str_radix(digits, 16)
                .map(Tok::Hex)
                .map_err(|_| error(line, format!("number 0x{digits} is too large")));
        }
        let start = self.pos;
        let int = self.take_while(|b| b.is_ascii_digit());
        if self.peek_at(0) == Some(b'.') && self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            self.advance(1);
            self.take_while(|b| b.is_ascii_digit());
            let text = self.src.get(start..self.pos).unwrap_or("");
            return Ok(Tok::Float(text.to_string()));
        }
        int.parse()
            .map(Tok::Int)
            .map_err(|_| error(line, format!("number {int} is too large")))
    }

    fn string(&mut self) -> Result<Tok, ParseError> {
        let line = self.line;
        self.advance(1);
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(error(line, "unterminated string"));
            };
            match c {
                '"' => {
                    self.advance(1);
                    return Ok(Tok::Str(out));
                }
                '\n' => return Err(error(line, "unterminated string")),
                '\\' => {
                    self.advance(1);
                    match self.peek() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(e @ ('"' | '\\')) => out.push(e),
                        Some('x') => {
                            let hex = self.src.get(self.pos + 1..self.pos + 3).unwrap_or("");
                            let digits =
                                hex.len() == 2 && hex.bytes().all(|b| b.is_ascii_hexdigit());
                            let Some(b) = u8::from_str_radix(hex, 16).ok().filter(|_| digits)
                            else {
                                return Err(error(line, "bad \\x escape in string"));
                            };
                            // A byte, as Latin-1.
                            out.push(char::from(b));
                            self.advance(2);
                        }
                        _ => return Err(error(line, "bad escape in string")),
                    }
                    self.advance(1);
                }
                c => {
                    out.push(c);
                    self.advance(c.len_utf8());
                }
            }
        }
    }

    fn directive(&mut self) -> Result<Tok, ParseError> {
        let line = self.line;
        let text = self.rest_of_line();
        let text = text.split("//").next().unwrap_or("");
        let mut words = text.trim_start_matches('#').split_whitespace();
        let keyword = words.next().unwrap_or("");
        let name = words.next();
        let extra = words.next();
        let directive = match (keyword, name, extra) {
            ("ifdef", Some(n), None) => Directive::IfDef(n.to_string()),
            ("ifndef", Some(n), None) => Directive::IfNDef(n.to_string()),
            ("else", None, None) => Directive::Else,
            ("endif", None, None) => Directive::EndIf,
            ("ifdef" | "ifndef", None, _) => {
                return Err(error(line, format!("#{keyword} needs a name")));
            }
            ("ifdef" | "ifndef" | "else" | "endif", _, _) => {
                return Err(error(
                    line,
                    format!("junk after #{keyword}: {}", text.trim()),
                ));
            }
            _ => {
                return Err(error(
                    line,
                    format!(
                        "unsupported preprocessor directive '{}' (expected #ifdef, #ifndef, #else or #endif)",
                        text.trim()
                    ),
                ));
            }
        };
        Ok(Tok::Directive(directive))
    }

    fn header_option(&mut self) -> Tok {
        self.advance(2);
        let name = self
            .take_while(|b| b.is_ascii_alphanumeric() || b == b'_')
            .to_string();
        let value = if self.peek() == Some('=') {
            self.advance(1);
            Some(self.take_while(|b| !b.is_ascii_whitespace()).to_string())
        } else {
            None
        };
        Tok::HeaderOption { name, value }
    }

    /// The next token, `None` at the end.
    fn token(&mut self) -> Result<Option<Token>, ParseError> {
        loop {
            self.skip_whitespace();
            let Some(c) = self.peek() else {
                return Ok(None);
            };
            let (start, line, bol) = (self.pos, self.line, self.line_start);
            self.line_start = false;
            let next = self.peek_at(1);
            let tok = match c {
                '/' if next == Some(b'/') => {
                    self.rest_of_line();
                    continue;
                }
                '/' if next == Some(b'*') => {
                    let inner = self.delimited(2, "*/", "/* comment")?;
                    self.line_start = bol && !inner.contains('\n');
                    continue;
                }
                '#' if bol => self.directive()?,
                '-' if bol && next == Some(b'-') => self.header_option(),
                '`' => Tok::Command(self.delimited(1, "`", "backtick command")?.to_string()),
                '%' if next == Some(b'{') => {
                    Tok::Code(self.delimited(2, "}%", "%{ code block")?.trim().to_string())
                }
                '"' => self.string()?,
                '0'..='9' => self.number()?,
                'a'..='z' | 'A'..='Z' | '_' => {
                    let w = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'_');
                    Tok::Word(w.to_string())
                }
                '.' if next == Some(b'.') && self.peek_at(2) == Some(b'.') => {
                    self.advance(3);
                    Tok::Ellipsis
                }
                c => {
                    self.advance(c.len_utf8());
                    Tok::Punct(c)
                }
            };
            return Ok(Some(Token {
                tok,
                line,
                start,
                end: self.pos,
            }));
        }
    }
}

/// Splits `src` into tokens (comments dropped, directives kept).
pub(super) fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        line: 1,
        line_start: true,
    };
    let mut out = Vec::new();
    while let Some(t) = lexer.token()? {
        out.push(t);
    }
    Ok(out)
}

/// An open `#ifdef`/`#ifndef`.
struct Frame {
    line: usize,
    parent_active: bool,
    condition: bool,
    in_else: bool,
}

impl Frame {
    fn active(&self) -> bool {
        self.parent_active && (self.condition != self.in_else)
    }
}

/// Applies the directives: keeps tokens in active blocks, drops the rest
/// and the directives themselves.
pub(super) fn preprocess(tokens: Vec<Token>, defines: &[&str]) -> Result<Vec<Token>, ParseError> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        let active = stack.last().is_none_or(Frame::active);
        let Tok::Directive(d) = &t.tok else {
            if active {
                out.push(t);
            }
            continue;
        };
        match d {
            Directive::IfDef(name) | Directive::IfNDef(name) => {
                let defined = defines.contains(&name.as_str());
                stack.push(Frame {
                    line: t.line,
                    parent_active: active,
                    condition: defined == matches!(d, Directive::IfDef(_)),
                    in_else: false,
                });
            }
            Directive::Else => match stack.last_mut() {
                None => return Err(error(t.line, "#else without #ifdef/#ifndef")),
                Some(f) if f.in_else => {
                    return Err(error(
                        t.line,
                        format!("second #else for the #ifdef on line {}", f.line),
                    ));
                }
                Some(f) => f.in_else = true,
            },
            Directive::EndIf => {
                if stack.pop().is_none() {
                    return Err(error(t.line, "#endif without #ifdef/#ifndef"));
                }
            }
        }
    }
    match stack.last() {
        Some(f) => Err(error(f.line, "#ifdef/#ifndef without #endif")),
        None => Ok(out),
    }
}
