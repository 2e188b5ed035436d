//! What the story says about the run besides its timeline: the facts of
//! the header and the summary, given by whoever ran it, and how the header
//! and summary are made from them and the timeline.

use super::i18n::{Flow, Header, Summary};
use super::timeline::{Item, What};
use super::wire::is_lost;
use crate::Side;
use core::net::IpAddr;
use synack_core::Error;
use synack_core::conn::State;

/// The run being told: its parameters and what its applications did.
pub struct Run<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// What the scenario is about, in the language of the story (one
    /// paragraph, wrapped by the ladder).
    pub intro: String,
    /// The client's and the server's address, for the header when no
    /// segment shows them.
    pub addrs: [IpAddr; 2],
    /// Round-trip time in milliseconds.
    pub rtt_ms: u64,
    /// Loss probability of the link.
    pub loss: f64,
    /// Seed of the run.
    pub seed: u64,
    /// Maximum segment lifetime of both endpoints, in seconds.
    pub msl_secs: u64,
    /// The network holds the client's first SYN back.
    pub delayed_syn: bool,
    /// The server listens (its state is LISTEN, not CLOSED, before any
    /// segment).
    pub server_listens: bool,
    /// What the client's and the server's application did.
    pub apps: [Tally; 2],
    /// The run was stopped at this many seconds of virtual time with work
    /// left.
    pub hit_limit: Option<u64>,
}

/// What one side's application did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    /// Bytes it queued for sending.
    pub sent: usize,
    /// Bytes it read.
    pub received: usize,
    /// Of those, bytes that differ from what the peer sent.
    pub corrupt: usize,
    /// How its connection failed, if it did.
    pub error: Option<Error>,
}

/// The header: the run's parameters, the addresses and ISNs seen.
pub(super) fn header<'a>(items: &[Item], run: &Run<'a>) -> Header<'a> {
    let mut isns: [Vec<u32>; 2] = Default::default();
    let mut addrs: [Option<String>; 2] = [None, None];
    for item in items {
        if let What::Out { seg, .. } = item.what {
            let i = item.side.index();
            if seg.tcp.flags.syn() && !isns[i].contains(&seg.tcp.seq.0) {
                isns[i].push(seg.tcp.seq.0);
            }
        }
        if let (Some(l), Some(r), What::Out { .. } | What::State { .. }) =
            (item.local, item.remote, &item.what)
        {
            let i = item.side.index();
            addrs[i].get_or_insert_with(|| l.to_string());
            addrs[1 - i].get_or_insert_with(|| r.to_string());
        }
    }
    let [client_isns, server_isns] = isns;
    let [c, s] = addrs;
    Header {
        scenario: run.scenario,
        client: c.unwrap_or_else(|| run.addrs[0].to_string()),
        server: s.unwrap_or_else(|| run.addrs[1].to_string()),
        rtt_ms: run.rtt_ms,
        loss: run.loss,
        seed: run.seed,
        client_isns,
        server_isns,
    }
}

/// The summary: data both ways, segments, losses, final states.
pub(super) fn summary(items: &[Item], run: &Run<'_>) -> Summary {
    let mut segments = [0; 2];
    let mut retransmissions = 0;
    let mut lost = 0;
    let mut last_state: [Option<State>; 2] = [None, None];
    for item in items {
        match item.what {
            What::Out {
                retransmission,
                fate,
                ..
            } => {
                segments[item.side.index()] += 1;
                retransmissions += usize::from(retransmission);
                lost += usize::from(is_lost(fate));
            }
            What::State { to, .. } => last_state[item.side.index()] = Some(to),
            _ => {}
        }
    }
    let [c, s] = &run.apps;
    let final_state = |i: usize| {
        let listening = i == 1 && run.server_listens;
        match last_state[i] {
            Some(st) => st.name().to_string(),
            None if listening => State::Listen.name().to_string(),
            None => State::Closed.name().to_string(),
        }
    };
    Summary {
        flows: [
            Flow {
                from: Side::Client,
                sent: c.sent,
                received: s.received,
                corrupt: s.corrupt,
            },
            Flow {
                from: Side::Server,
                sent: s.sent,
                received: c.received,
                corrupt: c.corrupt,
            },
        ],
        segments,
        retransmissions,
        lost,
        final_states: [final_state(0), final_state(1)],
        errors: [c.error, s.error],
        hit_limit: run.hit_limit,
        end_secs: items.last().map_or(0, |i| i.time.as_micros()) as f64 / 1e6,
    }
}
