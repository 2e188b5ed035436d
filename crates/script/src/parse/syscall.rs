//! System call lines: `name(args) = RET [ERRNO] [(note)]`.

use super::lex::Tok;
use super::{MAX_NESTING, Parser};
use crate::ast::{Expr, ParseError, SyscallSpec, TimeSpec};

impl Parser<'_> {
    /// A system call; `end_time` is the `...T` of a blocking call.
    pub(super) fn syscall(
        &mut self,
        end_time: Option<TimeSpec>,
    ) -> Result<SyscallSpec, ParseError> {
        let name = match self.peek() {
            Some(Tok::Word(w)) => w.clone(),
            _ => return self.expected("a system call name"),
        };
        self.pos += 1;
        self.expect_punct('(', &format!("after system call name '{name}'"))?;
        let args = self.expr_list(')', 0)?;
        self.expect_punct('=', &format!("and the expected result after {name}(...)"))?;
        let ret = match self.signed_int()? {
            Some(n) => n,
            None => return self.expected("an integer result after '='"),
        };
        let errno = match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.pos += 1;
                Some(w)
            }
            _ => None,
        };
        let note = if self.at_punct('(') {
            Some(self.note()?)
        } else {
            None
        };
        Ok(SyscallSpec {
            name,
            args,
            ret,
            errno,
            note,
            end_time,
        })
    }

    /// `(free text)` after the result; nested parentheses allowed.
    fn note(&mut self) -> Result<String, ParseError> {
        let open = self.expect_punct('(', "")?;
        let mut depth = 0usize;
        while let Some(t) = self.bump() {
            match t.tok {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') if depth == 0 => {
                    let text = self.src.get(open.end..t.start).unwrap_or("");
                    return Ok(text.split_whitespace().collect::<Vec<_>>().join(" "));
                }
                Tok::Punct(')') => depth -= 1,
                _ => {}
            }
        }
        Err(ParseError {
            line: open.line,
            message: "unterminated '(' note after the system call result".into(),
        })
    }

    /// An optionally negative decimal or hex integer, `None` if the next
    /// token does not start one.
    fn signed_int(&mut self) -> Result<Option<i64>, ParseError> {
        let negative = self.at_punct('-');
        let k = usize::from(negative);
        let Some(Tok::Int(n) | Tok::Hex(n)) = self.peek_nth(k) else {
            return if negative {
                self.expected("a number after '-'").map(Some)
            } else {
                Ok(None)
            };
        };
        let n = *n;
        let value = i64::try_from(n).ok().map(|v| if negative { -v } else { v });
        match value {
            Some(v) => {
                self.pos += k + 1;
                Ok(Some(v))
            }
            None => self.error(format!("integer {n} does not fit in 64 signed bits")),
        }
    }

    /// `expr, expr, ...` up to and including `close`.
    fn expr_list(&mut self, close: char, depth: usize) -> Result<Vec<Expr>, ParseError> {
        let mut items = Vec::new();
        if self.eat_punct(close) {
            return Ok(items);
        }
        loop {
            items.push(self.expr(depth)?);
            if self.eat_punct(close) {
                return Ok(items);
            }
            self.expect_punct(',', &format!("or '{close}'"))?;
        }
    }

    /// `primary | primary | ...`
    fn expr(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let first = self.primary(depth)?;
        if !self.at_punct('|') {
            return Ok(first);
        }
        let mut terms = vec![first];
        while self.eat_punct('|') {
            terms.push(self.primary(depth)?);
        }
        Ok(Expr::BitOr(terms))
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        if depth >= MAX_NESTING {
            return self.error("expression nested too deeply");
        }
        if let Some(n) = self.signed_int()? {
            return Ok(Expr::Int(n));
        }
        let expr = match self.peek() {
            Some(Tok::Ellipsis) => Expr::Ellipsis,
            Some(Tok::Word(w)) => {
                if matches!(self.peek_nth(1), Some(Tok::Punct('('))) {
                    return self.error(format!(
                        "function-style expression '{w}(...)' is not supported"
                    ));
                }
                Expr::Ident(w.clone())
            }
            Some(Tok::Str(s)) => Expr::Str(s.clone()),
            Some(Tok::Punct('[')) => {
                self.pos += 1;
                return Ok(Expr::List(self.expr_list(']', depth + 1)?));
            }
            Some(Tok::Punct('{')) => {
                self.pos += 1;
                return self.struct_init(depth + 1);
            }
            _ => {
                return self
                    .expected("an argument (number, name, \"string\", ..., [list] or {struct})");
            }
        };
        self.pos += 1;
        Ok(expr)
    }

    /// `{name=expr, ...}` after the `{`.
    fn struct_init(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let mut fields = Vec::new();
        if self.eat_punct('}') {
            return Ok(Expr::Struct(fields));
        }
        loop {
            let name = match (self.peek(), self.peek_nth(1)) {
                (Some(Tok::Word(w)), next)
                    if !matches!(next, Some(Tok::Punct(',' | '}' | '|'))) =>
                {
                    w.clone()
                }
                // `{..., 0}` (an iovec): a positional field, named by its index.
                (Some(_), _) if !self.at_punct('}') => {
                    fields.push((fields.len().to_string(), self.expr(depth)?));
                    if self.eat_punct('}') {
                        return Ok(Expr::Struct(fields));
                    }
                    self.expect_punct(',', "or '}' in a struct")?;
                    continue;
                }
                _ => return self.expected("a field name in '{name=value, ...}'"),
            };
            self.pos += 1;
            // `msg_iov(1)=[...]`: the field's argument stays in its name.
            let name = if self.at_punct('(') {
                let from = self.pos;
                self.note()?;
                format!(
                    "{name}{}",
                    self.text_between(from, self.pos).replace(' ', "")
                )
            } else {
                name
            };
            self.expect_punct('=', &format!("after field name '{name}'"))?;
            fields.push((name, self.expr(depth)?));
            if self.eat_punct('}') {
                return Ok(Expr::Struct(fields));
            }
            self.expect_punct(',', "or '}' in a struct")?;
        }
    }
}
