//! ICMP errors arriving at the endpoint: matched to the connection whose
//! segment they quote (RFC 5927 4.1: by the quoted 4-tuple, then by the
//! quoted sequence number). The endpoint never sends ICMP about TCP: a
//! segment for a port nobody owns draws an RST (RFC 9293 3.10.7.1).

use super::api::Endpoint;
use crate::time::Instant;
use crate::trace::{IcmpOutcome, TraceKind};
use crate::wire::icmp::IcmpError;

impl Endpoint {
    /// Handles a parsed ICMP error.
    pub(super) fn handle_icmp(&mut self, now: Instant, e: &IcmpError) {
        self.stats.icmp_errors += 1;
        let Some(index) = self.conns.lookup(&(e.local, e.remote)) else {
            self.stats.icmp_ignored += 1;
            let kind = TraceKind::Icmp {
                kind: e.kind,
                from: e.from,
                seq: e.seq,
                outcome: IcmpOutcome::Ignored,
            };
            self.tracer.record(now, e.local, e.remote, kind);
            return;
        };
        let mut outcome = IcmpOutcome::Ignored;
        self.with_conn_index(now, index, |c, ctx| {
            outcome = c.on_icmp(ctx, e.kind, e.seq, e.quoted_len);
            c.trace_icmp(ctx, e.kind, e.from, e.seq, outcome);
        });
        if outcome == IcmpOutcome::Ignored {
            self.stats.icmp_ignored += 1;
        }
    }
}
