//! The explanations in English.

use super::side;
use crate::story::notes::Note;
use synack_core::trace::RecoveryCause;

/// One explanation.
pub(super) fn note(n: &Note) -> String {
    match *n {
        Note::Syn {
            side: s,
            simultaneous: true,
            ..
        } => format!(
            "SYN: at the same instant the {} asks to open a connection too, with its own ISN",
            side(s)
        ),
        Note::Syn {
            side: s, delayed, ..
        } => format!(
            "SYN: the {} asks to open a connection and picks its initial sequence number \
             (ISN){}",
            side(s),
            if delayed {
                " — this SYN is held up in the network for a while"
            } else {
                ""
            }
        ),
        Note::SynAck { stale: true, .. } => "SYN+ACK: the server takes the old SYN for a new \
             connection request and acknowledges its old sequence number"
            .into(),
        Note::SynAck {
            side: s,
            simultaneous: true,
            ..
        } => format!(
            "SYN+ACK: the {} acknowledges the SYN it received and repeats its own SYN",
            side(s)
        ),
        Note::SynAck { side: s, .. } => format!(
            "SYN+ACK: the {} agrees, acknowledges the {}'s ISN and sends its own",
            side(s),
            side(s.peer())
        ),
        Note::HandshakeAck(s) => format!(
            "ACK: the {} acknowledges the {}'s ISN — three messages, so each side knows the \
             other heard its ISN",
            side(s),
            side(s.peer())
        ),
        Note::SimultaneousOpen(s) => format!(
            "the {} received a SYN while its own SYN was unanswered: simultaneous open; it \
             answers with SYN+ACK",
            side(s)
        ),
        Note::FirstData(_) => "data: seq counts bytes from the ISN; the receiver's ack is \
             the number of the next byte it expects"
            .into(),
        Note::HalfCloseData(s) => format!(
            "the {} still sends data after the {}'s FIN: a FIN closes only its sender's \
             direction. That is why closing takes four segments: a FIN and its ACK in each \
             direction",
            side(s),
            side(s.peer())
        ),
        Note::Fin {
            side: s,
            first: true,
            ..
        } => format!("FIN: no more data from the {}", side(s)),
        Note::Fin {
            side: s,
            crossing: true,
            ..
        } => format!(
            "FIN: the {} closes at the same instant; the two FINs cross",
            side(s)
        ),
        Note::Fin { side: s, .. } => format!("FIN: the {} has no more data either", side(s)),
        Note::FinAcked(s) => format!(
            "the {p} acknowledged the FIN; the {} waits in FIN-WAIT-2 for the {p}'s FIN",
            side(s),
            p = side(s.peer())
        ),
        Note::CloseWait(s) => format!(
            "the {} learns that the {} is done sending; it acknowledges the FIN and may \
             still send until its application closes",
            side(s),
            side(s.peer())
        ),
        Note::Closing(s) => format!(
            "CLOSING: the {}'s FIN arrived before the ACK of the {}'s own FIN — both closed \
             at once",
            side(s.peer()),
            side(s)
        ),
        Note::TimeWait { side: s, secs } => format!(
            "TIME-WAIT: the {} waits 2×MSL ({secs} s) so a lost final ACK can be resent \
             and old segments die out",
            side(s)
        ),
        Note::TimeWaitEnd(s) => {
            format!("2×MSL have passed: the {} forgets the connection", side(s))
        }
        Note::LastAckDone(s) => format!(
            "the last ACK arrived: the {} is closed (the side that closes second needs no \
             TIME-WAIT)",
            side(s)
        ),
        Note::Refused { side: s, port } => format!(
            "connection refused: nothing listens on port {port}; the {}'s application gets \
             an error",
            side(s)
        ),
        Note::TimedOut {
            side: s,
            syns,
            secs,
        } => format!(
            "timed out: {syns} SYNs over {secs:.0} s got no answer; the {} gives up and \
             reports 'connection timed out'",
            side(s)
        ),
        Note::ResetByPeer(s) => format!(
            "connection reset: the {} drops the connection at once and reports 'connection \
             reset by peer'; data still in flight is lost",
            side(s)
        ),
        Note::Aborted(s) => format!(
            "the {}'s application aborts: its TCP sends RST and discards both buffers, \
             without a closing handshake",
            side(s)
        ),
        Note::BackToListen(s) => format!(
            "the {} drops the half-open connection and keeps listening (back to LISTEN). \
             With a two-way handshake it would already have opened a connection for this \
             stale request; the third message lets the client say 'not mine'",
            side(s)
        ),
        Note::RstRefuse { side: s, port } => format!(
            "RST+ACK: no socket listens on port {port}, so the {}'s TCP refuses the SYN",
            side(s)
        ),
        Note::RstBadAck(s) => format!(
            "RST: that SYN+ACK acknowledges a sequence number the {} never sent, so it \
             resets it; its own connection attempt stays in SYN-SENT",
            side(s)
        ),
        Note::RstAbort(s) => format!(
            "RST: tells the {} to drop the connection immediately",
            side(s.peer())
        ),
        Note::RstNoConnection(s) => format!(
            "RST: this segment belongs to no connection any more, so the {} answers RST",
            side(s)
        ),
        Note::RetransmitSyn {
            waited_ms, syn_ack, ..
        } => format!(
            "no answer for {:.3} s (the RTO): resend the {}; each wait is twice the \
             previous one (exponential backoff)",
            waited_ms as f64 / 1000.0,
            if syn_ack { "SYN+ACK" } else { "SYN" }
        ),
        Note::RetransmitRto(s) => format!(
            "no ACK within the retransmission timeout (RTO): the {} resends the oldest \
             unacknowledged segment",
            side(s)
        ),
        Note::RetransmitFast(s) => format!(
            "duplicate ACKs or SACK blocks show that a segment is missing: the {} resends \
             it at once (fast retransmit) instead of waiting for the RTO",
            side(s)
        ),
        Note::RetransmitRack(s) => format!(
            "RACK marked this segment lost: the {} resends it now, not after an RTO",
            side(s)
        ),
        Note::RecoveryEntered { side: s, cause } => match cause {
            RecoveryCause::DupAcks => format!(
                "three duplicate ACKs: the {} enters fast recovery (RFC 5681, NewReno RFC \
                 6582) and lowers its sending rate once",
                side(s)
            ),
            RecoveryCause::Rack => format!(
                "RACK (RFC 8985): a segment sent later was acknowledged and this one was \
                 not, for longer than a reordering window: the {} deems it lost by time, \
                 without counting duplicate ACKs, and enters recovery",
                side(s)
            ),
            RecoveryCause::Tlp => format!(
                "the probe's answer shows the tail was really lost: the {} enters \
                 recovery (RFC 8985 7.4)",
                side(s)
            ),
            _ => format!(
                "the SACK blocks show data beyond a hole: the {} enters loss recovery (RFC \
                 6675); it lowers its sending rate (ssthresh) once and resends every hole \
                 the scoreboard marks lost, several per round trip",
                side(s)
            ),
        },
        Note::RecoveryLeft {
            side: s,
            timeout: false,
        } => format!(
            "everything outstanding when recovery began is acknowledged: recovery ends and \
             the {} goes on at the lowered rate (congestion avoidance)",
            side(s)
        ),
        Note::RecoveryLeft {
            side: s,
            timeout: true,
        } => format!(
            "a retransmission timeout ended recovery: the {} starts again from one \
             segment (slow start)",
            side(s)
        ),
        Note::Probe(s) => format!(
            "tail loss probe (RFC 8985 7): the ACK of the last segment is overdue (two \
             round trips, or the RTO when one segment is in flight); instead of a timeout, \
             which would cut its window to one segment, the {} sends one probe whose ACK \
             or SACK shows what is missing",
            side(s)
        ),
        Note::Dsack(s) => format!(
            "D-SACK (RFC 2883): the {} says it got these bytes twice, so a retransmission \
             was not needed",
            side(s.peer())
        ),
        Note::Undone(s) => format!(
            "every retransmission of this recovery was unnecessary (D-SACK): the {} \
             restores its sending rate (RFC 2883 section 5)",
            side(s)
        ),
        Note::RetransmitNext(s) => format!(
            "an ACK moves forward but stops at a gap: the {} resends the next segment \
             still unacknowledged",
            side(s)
        ),
        Note::SimultaneousSynAckDropped(s) => format!(
            "that SYN+ACK repeats a SYN the {} already has, so it falls outside the \
             receive window: dropped, but answered with an ACK — and that ACK completes \
             the open",
            side(s)
        ),
        Note::FirstLoss => "✗ the link lost this segment; the sender can tell only from \
             missing or duplicate ACKs"
            .into(),
        Note::SynOptions => "options: mss = the largest segment this side takes; ws = \
             window scaling, for windows over 64 KiB; SACK = it can say which bytes arrived \
             after a gap; TS = timestamps, to time round trips and reject old segments"
            .into(),
        Note::FirstSack(s) => format!(
            "sack=a-b: the {} holds these bytes beyond a gap, so the {} learns exactly what \
             is missing (SACK, RFC 2018)",
            side(s),
            side(s.peer())
        ),
        Note::Injected => "an old duplicate SYN from an earlier incarnation of this \
             connection (same addresses and ports, old sequence number) reaches the server \
             first"
            .into(),
        Note::Swallowed(s) => format!(
            "the {}'s host drops the packet without a word: no SYN+ACK, no RST",
            side(s)
        ),
    }
}
