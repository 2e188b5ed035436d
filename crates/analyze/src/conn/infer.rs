//! Each side's state as TCP would have it, inferred from the segments the
//! capture saw (RFC 9293 3.3.2). The capture point sees a segment once, so
//! the sender's change (by sending) and the receiver's (by receiving) are
//! both placed at that moment.

use synack_core::State;

/// Why an inferred state changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// It sent a SYN.
    SentSyn,
    /// It answered a SYN with SYN+ACK.
    SentSynAck,
    /// It received a SYN while waiting for one (simultaneous open).
    RecvSyn,
    /// It received the SYN+ACK.
    RecvSynAck,
    /// Its SYN was acknowledged.
    SynAcked,
    /// It sent a FIN.
    SentFin,
    /// It received a FIN.
    RecvFin,
    /// Its FIN was acknowledged.
    FinAcked,
    /// It sent a RST.
    SentRst,
    /// It received a RST.
    RecvRst,
}

impl Why {
    /// The name in JSON.
    pub fn kind(self) -> &'static str {
        match self {
            Why::SentSyn => "sent_syn",
            Why::SentSynAck => "sent_syn_ack",
            Why::RecvSyn => "received_syn",
            Why::RecvSynAck => "received_syn_ack",
            Why::SynAcked => "syn_acked",
            Why::SentFin => "sent_fin",
            Why::RecvFin => "received_fin",
            Why::FinAcked => "fin_acked",
            Why::SentRst => "sent_rst",
            Why::RecvRst => "received_rst",
        }
    }
}

/// The state after sending a FIN in `s`.
pub fn on_send_fin(s: State) -> State {
    match s {
        State::Established | State::SynReceived => State::FinWait1,
        State::CloseWait => State::LastAck,
        other => other,
    }
}

/// The state after receiving a FIN in `s`; `own_fin_acked` says whether
/// the side's own FIN is acknowledged (by this segment or before).
pub fn on_recv_fin(s: State, own_fin_acked: bool) -> State {
    match s {
        State::Established | State::SynReceived => State::CloseWait,
        State::FinWait1 if own_fin_acked => State::TimeWait,
        State::FinWait1 => State::Closing,
        State::FinWait2 => State::TimeWait,
        other => other,
    }
}

/// The state after the side's FIN is acknowledged in `s`.
pub fn on_fin_acked(s: State) -> State {
    match s {
        State::FinWait1 => State::FinWait2,
        State::Closing => State::TimeWait,
        State::LastAck => State::Closed,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_paths() {
        // Active close: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT.
        let s = on_send_fin(State::Established);
        assert_eq!(s, State::FinWait1);
        assert_eq!(on_recv_fin(on_fin_acked(s), true), State::TimeWait);
        // Simultaneous close: CLOSING, then TIME-WAIT.
        assert_eq!(on_fin_acked(on_recv_fin(s, false)), State::TimeWait);
        // Passive close: CLOSE-WAIT, LAST-ACK, CLOSED.
        let p = on_send_fin(on_recv_fin(State::Established, false));
        assert_eq!(on_fin_acked(p), State::Closed);
    }
}
