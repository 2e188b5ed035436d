//! `--filter EXPR`: which connections to show. Terms, all of which must
//! hold (`and` between them is optional):
//!
//! - `port N`: either side uses port N;
//! - `host ADDR`: either side has address ADDR (IPv4 or IPv6);
//! - `rst`: it ended with a RST;
//! - `retransmissions`: some segment of it was sent again;
//! - `open`: the capture ends before it does;
//! - `not TERM`: the term does not hold.
//!
//! So `--filter "port 443 and not rst"`. Connections are still numbered
//! and counted over the whole capture; the filter picks what is written.

use crate::conn::{Conn, Ending};
use core::net::IpAddr;

/// A parsed filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    terms: Vec<(bool, Term)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Term {
    Port(u16),
    Host(IpAddr),
    Rst,
    Retransmissions,
    Open,
}

impl Filter {
    /// Parses `expr`; the error is one line saying what is wrong.
    pub fn parse(expr: &str) -> Result<Filter, String> {
        let mut words = expr.split_whitespace().peekable();
        let mut terms = Vec::new();
        while let Some(w) = words.next() {
            if w == "and" {
                continue;
            }
            let (negated, w) = if w == "not" {
                let Some(next) = words.next() else {
                    return Err("'not' needs a term after it".into());
                };
                (true, next)
            } else {
                (false, w)
            };
            let mut value = |what: &str| {
                words
                    .next()
                    .ok_or_else(|| format!("'{w}' needs {what} after it"))
            };
            let term = match w {
                "port" => {
                    let v = value("a port number")?;
                    Term::Port(v.parse().map_err(|_| format!("'{v}' is not a port"))?)
                }
                "host" => {
                    let v = value("an address")?;
                    Term::Host(
                        v.parse()
                            .map_err(|_| format!("'{v}' is not an IP address"))?,
                    )
                }
                "rst" => Term::Rst,
                "retransmissions" => Term::Retransmissions,
                "open" => Term::Open,
                other => {
                    return Err(format!(
                        "unknown filter term '{other}' (port N, host ADDR, rst, retransmissions, open, not, and)"
                    ));
                }
            };
            terms.push((negated, term));
        }
        if terms.is_empty() {
            return Err("the filter is empty".into());
        }
        Ok(Filter { terms })
    }

    /// Whether `c` is shown.
    pub fn matches(&self, c: &Conn) -> bool {
        self.terms.iter().all(|(negated, t)| {
            let holds = match t {
                Term::Port(p) => c.addrs.iter().any(|a| a.port() == *p),
                Term::Host(h) => c.addrs.iter().any(|a| a.ip() == *h),
                Term::Rst => matches!(c.ending, Ending::Rst(..)),
                Term::Retransmissions => c.dirs.iter().any(|d| d.c.retransmissions > 0),
                Term::Open => c.ending == Ending::Open,
            };
            holds != *negated
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms_and_rejects_nonsense() {
        let f = Filter::parse("port 80 and not rst host 198.18.0.2").unwrap();
        assert_eq!(
            f.terms,
            vec![
                (false, Term::Port(80)),
                (true, Term::Rst),
                (false, Term::Host("198.18.0.2".parse().unwrap()))
            ]
        );
        assert!(Filter::parse("").is_err());
        assert!(Filter::parse("port").is_err());
        assert!(Filter::parse("port http").is_err());
        assert!(Filter::parse("host 1.2.3").is_err());
        assert!(Filter::parse("not").is_err());
        assert!(Filter::parse("syn").is_err());
    }
}
