//! Packet lines: `> S. 0:0(0) ack 1 win 65535 <mss 1460,nop>`.

use super::Parser;
use super::lex::Tok;
use crate::ast::{
    Direction, FlagSpec, IcmpSpec, IpSpec, PacketSpec, ParseError, SeqSpec, TcpOptionSpec, UdpEncap,
};

impl Parser<'_> {
    /// direction `[(ip info)]` flags seq `[ack N] [win N] [urg N]`
    /// `[<options>] [/udp(src > dst)]`; `ack`/`win`/`urg` in any order.
    pub(super) fn packet(&mut self) -> Result<PacketSpec, ParseError> {
        let direction = match self.bump().map(|t| t.tok) {
            Some(Tok::Punct('<')) => Direction::Inbound,
            Some(Tok::Punct('>')) => Direction::Outbound,
            _ => return self.expected("'<' or '>'"),
        };
        let ip = if self.at_punct('(') || self.at_punct('[') {
            self.ip_info()?
        } else {
            IpSpec::default()
        };
        let flags = self.flags()?;
        let seq = self.seq()?;
        let (mut ack, mut win, mut urg) = (None, None, None);
        loop {
            let (slot, name) = if self.at_word("ack") {
                (&mut ack, "ack")
            } else if self.at_word("win") {
                (&mut win, "win")
            } else if self.at_word("urg") {
                (&mut urg, "urg")
            } else {
                break;
            };
            if slot.is_some() {
                return self.error(format!("'{name}' given twice"));
            }
            self.pos += 1;
            *slot = Some(self.expect_bounded(&format!("a 32-bit number after '{name}'"))?);
        }
        let options = if self.at_punct('<') {
            Some(self.tcp_options()?)
        } else {
            None
        };
        let udp_encap = if self.at_punct('/') {
            Some(self.udp_encap()?)
        } else {
            None
        };
        Ok(PacketSpec {
            direction,
            ip,
            flags,
            seq,
            ack,
            win,
            urg,
            options,
            udp_encap,
        })
    }

    /// `(tos 0x20)`, `[ttl 3, flowlabel 0x1]`...
    fn ip_info(&mut self) -> Result<IpSpec, ParseError> {
        let close = if self.eat_punct('(') {
            ')'
        } else {
            self.expect_punct('[', "")?;
            ']'
        };
        let mut ip = IpSpec::default();
        loop {
            let name = match self.peek() {
                Some(Tok::Word(w)) => w.clone(),
                _ => {
                    return self.expected(
                        "an IP field (tos, class, ttl, hlim, flowlabel, ect0, ect1, ce, noecn)",
                    );
                }
            };
            self.pos += 1;
            let duplicate = match name.as_str() {
                "noecn" | "ect1" | "ect0" | "ce" => {
                    let point = match name.as_str() {
                        "noecn" => 0,
                        "ect1" => 1,
                        "ect0" => 2,
                        _ => 3,
                    };
                    ip.ecn.replace(point).is_some()
                }
                "tos" | "class" => ip
                    .tos
                    .replace(self.expect_bounded(&format!("a byte after '{name}'"))?)
                    .is_some(),
                "ttl" | "hlim" => ip
                    .ttl
                    .replace(self.expect_bounded(&format!("a byte after '{name}'"))?)
                    .is_some(),
                "flowlabel" => {
                    let label: u32 = self.expect_bounded("a 20-bit flow label")?;
                    if label > 0xf_ffff {
                        return self
                            .error(format!("flow label {label:#x} does not fit in 20 bits"));
                    }
                    ip.flow_label.replace(label).is_some()
                }
                _ => {
                    return self.error(format!(
                        "unsupported IP field '{name}' (expected tos, class, ttl, hlim, flowlabel, ect0, ect1, ce or noecn)"
                    ));
                }
            };
            if duplicate {
                return self.error(format!("IP field '{name}' given twice"));
            }
            if self.eat_punct(close) {
                return Ok(ip);
            }
            self.expect_punct(',', &format!("or '{close}' in the IP fields"))?;
        }
    }

    /// `S.`, `F.`, `R`, `SEW`, `.` (ACK only), `-` (no flags).
    fn flags(&mut self) -> Result<FlagSpec, ParseError> {
        let mut flags = FlagSpec::default();
        match self.peek() {
            Some(Tok::Punct('-')) => {
                self.pos += 1;
                return Ok(flags);
            }
            Some(Tok::Punct('.')) => {}
            Some(Tok::Word(w)) => {
                let w = w.clone();
                for c in w.chars() {
                    let slot = match c {
                        'S' => &mut flags.syn,
                        'F' => &mut flags.fin,
                        'R' => &mut flags.rst,
                        'P' => &mut flags.psh,
                        'U' => &mut flags.urg,
                        'E' => &mut flags.ece,
                        'W' => &mut flags.cwr,
                        _ => {
                            return self.error(format!(
                                "unknown TCP flag '{c}' in '{w}' (expected some of S F R P . U E W)"
                            ));
                        }
                    };
                    if *slot {
                        return self.error(format!("TCP flag '{c}' repeated in '{w}'"));
                    }
                    *slot = true;
                }
                self.pos += 1;
            }
            _ => return self.expected("TCP flags (e.g. 'S', 'S.', '.', 'F.', 'R')"),
        }
        flags.ack = self.eat_punct('.');
        Ok(flags)
    }

    /// `icmp TYPE [CODE] [mtu N] [[start:end(len)]]` after the direction.
    pub(super) fn icmp(&mut self, direction: Direction) -> Result<IcmpSpec, ParseError> {
        self.pos += 1; // `icmp`
        let word = |p: &Self| match p.peek() {
            Some(Tok::Word(w)) if w != "mtu" => Some(w.clone()),
            _ => None,
        };
        let Some(icmp_type) = word(self) else {
            return self.expected("an ICMP type after 'icmp' (unreachable, packet_too_big, ...)");
        };
        self.pos += 1;
        let code = word(self);
        if code.is_some() {
            self.pos += 1;
        }
        let mtu = if self.at_word("mtu") {
            self.pos += 1;
            Some(self.expect_bounded("an MTU after 'mtu'")?)
        } else {
            None
        };
        let quoted = if self.eat_punct('[') {
            let seq = self.seq()?;
            self.expect_punct(']', "after the quoted segment's range")?;
            Some(seq)
        } else {
            None
        };
        Ok(IcmpSpec {
            direction,
            icmp_type,
            code,
            mtu,
            quoted,
        })
    }

    /// `start:end(len)`, `start:end(len)!` or `...(len)`.
    fn seq(&mut self) -> Result<SeqSpec, ParseError> {
        if matches!(self.peek(), Some(Tok::Ellipsis)) {
            self.pos += 1;
            let len = self.payload_len()?;
            return Ok(SeqSpec {
                start: None,
                end: None,
                len,
                absolute: false,
            });
        }
        let start: u32 = self.expect_bounded("a sequence range 'start:end(len)'")?;
        self.expect_punct(':', "in 'start:end(len)'")?;
        let end: u32 = self.expect_bounded("the end sequence number in 'start:end(len)'")?;
        let len = self.payload_len()?;
        if u64::from(start) + u64::from(len) != u64::from(end) {
            return self.error(format!(
                "inconsistent sequence range {start}:{end}({len}): start + len != end"
            ));
        }
        let absolute = self.eat_punct('!');
        Ok(SeqSpec {
            start: Some(start),
            end: Some(end),
            len,
            absolute,
        })
    }

    fn payload_len(&mut self) -> Result<u32, ParseError> {
        self.expect_punct('(', "before the payload length")?;
        let len = self.expect_bounded("a payload length")?;
        self.expect_punct(')', "after the payload length")?;
        Ok(len)
    }

    /// `/udp(src > dst)`
    fn udp_encap(&mut self) -> Result<UdpEncap, ParseError> {
        self.expect_punct('/', "")?;
        if !self.at_word("udp") {
            return self.expected("'udp' after '/'");
        }
        self.pos += 1;
        self.expect_punct('(', "after '/udp'")?;
        let src_port = self.expect_bounded("a UDP source port")?;
        self.expect_punct('>', "between the UDP ports")?;
        let dst_port = self.expect_bounded("a UDP destination port")?;
        self.expect_punct(')', "after the UDP ports")?;
        Ok(UdpEncap { src_port, dst_port })
    }

    /// `<opt, opt, ...>`, on one line.
    fn tcp_options(&mut self) -> Result<Vec<TcpOptionSpec>, ParseError> {
        let open_line = self.expect_punct('<', "")?.line;
        let mut options = Vec::new();
        if self.eat_punct('>') {
            return Ok(options);
        }
        if matches!(self.peek(), Some(Tok::Ellipsis)) {
            self.pos += 1;
            self.expect_punct('>', "after '<...'")?;
            return Ok(vec![TcpOptionSpec::Any]);
        }
        loop {
            let from = self.pos;
            while let Some(t) = self.tokens.get(self.pos) {
                if t.line != open_line {
                    return Err(ParseError {
                        line: open_line,
                        message: "unterminated TCP option list (missing '>')".into(),
                    });
                }
                if matches!(t.tok, Tok::Punct(',' | '>')) {
                    break;
                }
                self.pos += 1;
            }
            if self.pos == from {
                return self.expected("a TCP option");
            }
            options.push(self.tcp_option(from, self.pos)?);
            match self.bump().map(|t| t.tok) {
                Some(Tok::Punct(',')) => {}
                Some(Tok::Punct('>')) => return Ok(options),
                _ => {
                    return Err(ParseError {
                        line: open_line,
                        message: "unterminated TCP option list (missing '>')".into(),
                    });
                }
            }
        }
    }

    /// One option from tokens `from..to` (already consumed).
    fn tcp_option(&self, from: usize, to: usize) -> Result<TcpOptionSpec, ParseError> {
        let toks: Vec<&Tok> = self
            .tokens
            .get(from..to)
            .unwrap_or(&[])
            .iter()
            .map(|t| &t.tok)
            .collect();
        let line = self.tokens.get(from).map_or(1, |t| t.line);
        let text = self.text_between(from, to);
        let bad = |what: &str| {
            Err(ParseError {
                line,
                message: format!("malformed TCP option '{text}': expected {what}"),
            })
        };
        let Some(Tok::Word(name)) = toks.first() else {
            return Ok(TcpOptionSpec::Other(text));
        };
        let args = toks.get(1..).unwrap_or(&[]);
        let number = |t: Option<&&Tok>| match t {
            Some(Tok::Int(n) | Tok::Hex(n)) => Some(*n),
            _ => None,
        };
        match name.as_str() {
            "nop" | "eol" | "sackOK" if !args.is_empty() => {
                bad(&format!("no arguments after '{name}'"))
            }
            "nop" => Ok(TcpOptionSpec::Nop),
            "eol" => Ok(TcpOptionSpec::Eol),
            "sackOK" => Ok(TcpOptionSpec::SackPermitted),
            "mss" => match (
                args.len(),
                number(args.first()).and_then(|n| u16::try_from(n).ok()),
            ) {
                (1, Some(n)) => Ok(TcpOptionSpec::Mss(n)),
                _ => bad("'mss N' with N < 65536"),
            },
            "wscale" => match (
                args.len(),
                number(args.first()).and_then(|n| u8::try_from(n).ok()),
            ) {
                (1, Some(n)) => Ok(TcpOptionSpec::WindowScale(n)),
                _ => bad("'wscale N' with N < 256"),
            },
            "sack" => {
                let mut blocks = Vec::new();
                for chunk in args.chunks(3) {
                    let block = match chunk {
                        [l, Tok::Punct(':'), r] => {
                            number(Some(l)).zip(number(Some(r))).and_then(|(l, r)| {
                                Some((u32::try_from(l).ok()?, u32::try_from(r).ok()?))
                            })
                        }
                        _ => None,
                    };
                    match block {
                        Some(b) => blocks.push(b),
                        None => return bad("'sack L:R L:R ...' with 32-bit numbers"),
                    }
                }
                if blocks.is_empty() {
                    return bad("at least one 'L:R' block after 'sack'");
                }
                Ok(TcpOptionSpec::Sack(blocks))
            }
            "TS" => match args {
                [Tok::Word(v), val, Tok::Word(e), ecr] if v == "val" && e == "ecr" => {
                    match (number(Some(val)), number(Some(ecr))) {
                        (Some(val), Some(ecr)) => match (u32::try_from(val), u32::try_from(ecr)) {
                            (Ok(val), Ok(ecr)) => Ok(TcpOptionSpec::Timestamp { val, ecr }),
                            _ => bad("32-bit timestamps"),
                        },
                        // `val ...` and friends: keep verbatim.
                        _ => Ok(TcpOptionSpec::Other(text)),
                    }
                }
                _ => Ok(TcpOptionSpec::Other(text)),
            },
            _ => Ok(TcpOptionSpec::Other(text)),
        }
    }
}
