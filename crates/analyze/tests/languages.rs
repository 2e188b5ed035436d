//! Every note kind, mark, state cause, opening and ending in both
//! languages: present, different, and Chinese in Chinese.

use synack_analyze::conn::Ending;
use synack_analyze::conn::infer::Why;
use synack_analyze::i18n::texts;
use synack_analyze::notes::{Mark, Note, RetxKind, RstWhy};
use synack_analyze::summary::Opening;
use synack_view::{Lang, Side};

fn all_notes() -> Vec<Note> {
    let s = Side::Client;
    let mut v = vec![
        Note::Syn { side: s, isn: 7 },
        Note::SynOptions,
        Note::SynAck {
            isn: 9,
            peer_isn: 7,
        },
        Note::HandshakeDone,
        Note::OldSyn,
        Note::SimultaneousSynAck { side: s },
        Note::SynAckForOld,
        Note::MidStart,
        Note::FirstData {
            side: s,
            len: 9,
            first: 1,
        },
        Note::AckConfirms {
            side: s,
            bytes: 57,
            ack: 58,
        },
        Note::OutOfOrder { after_ms: 1 },
        Note::Gap { bytes: 1448 },
        Note::DupAck { count: 1, ack: 10 },
        Note::DupAck { count: 3, ack: 10 },
        Note::Sack {
            ack: 10,
            blocks: vec![(20, 30)],
        },
        Note::EcnAsk { side: s },
        Note::EcnAgree { side: Side::Server },
        Note::CeMark { side: s },
        Note::EcnEcho { side: Side::Server },
        Note::Cwr { side: s },
        Note::ZeroWindow { side: s },
        Note::WindowProbe { side: s },
        Note::WindowOpen {
            side: s,
            window: 1000,
        },
        Note::KeepAlive,
        Note::Fin {
            side: s,
            bytes: 57,
            sizes: vec![9, 9, 28, 11],
            more: false,
        },
        Note::FinAck { side: s, ack: 59 },
        Note::HalfClose { side: s },
        Note::TimeWait { side: s },
        Note::EndsOpen,
        Note::SynUnanswered { sent: 4 },
    ];
    for kind in [
        RetxKind::Fast {
            dup_acks: 3,
            sack: false,
        },
        RetxKind::Fast {
            dup_acks: 0,
            sack: true,
        },
        RetxKind::Fast {
            dup_acks: 2,
            sack: true,
        },
        RetxKind::Timeout { quiet_ms: 200 },
        RetxKind::Probe { quiet_ms: 20 },
    ] {
        for (spurious, control) in [(false, false), (true, false), (false, true)] {
            v.push(Note::Retransmission {
                side: s,
                kind,
                spurious,
                control,
            });
        }
    }
    for why in [
        RstWhy::Refused,
        RstWhy::Abort,
        RstWhy::AfterClose,
        RstWhy::OutOfWindow,
        RstWhy::Stray,
        RstWhy::OldSyn,
    ] {
        v.push(Note::Rst {
            side: Side::Server,
            why,
        });
    }
    v
}

/// Names every variant: a new one must be added to `all_notes`.
fn exhaustive(n: &Note) {
    match n {
        Note::Syn { .. }
        | Note::SynOptions
        | Note::SynAck { .. }
        | Note::HandshakeDone
        | Note::OldSyn
        | Note::SimultaneousSynAck { .. }
        | Note::SynAckForOld
        | Note::MidStart
        | Note::FirstData { .. }
        | Note::AckConfirms { .. }
        | Note::Retransmission { .. }
        | Note::OutOfOrder { .. }
        | Note::Gap { .. }
        | Note::DupAck { .. }
        | Note::Sack { .. }
        | Note::EcnAsk { .. }
        | Note::EcnAgree { .. }
        | Note::CeMark { .. }
        | Note::EcnEcho { .. }
        | Note::Cwr { .. }
        | Note::ZeroWindow { .. }
        | Note::WindowProbe { .. }
        | Note::WindowOpen { .. }
        | Note::KeepAlive
        | Note::Rst { .. }
        | Note::Fin { .. }
        | Note::FinAck { .. }
        | Note::HalfClose { .. }
        | Note::TimeWait { .. }
        | Note::EndsOpen
        | Note::SynUnanswered { .. } => {}
    }
}

fn chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

#[test]
fn every_note_kind_in_both_languages() {
    let (en, zh) = (texts(Lang::En), texts(Lang::Zh));
    let notes = all_notes();
    let kinds: std::collections::BTreeSet<&str> = notes.iter().map(Note::kind).collect();
    // Every kind the JSON can name is here (and `exhaustive` stops
    // compiling when a variant is added).
    assert_eq!(kinds.len(), 38, "{kinds:?}");
    notes.iter().for_each(exhaustive);
    for n in &notes {
        let (e, z) = (en.note(n), zh.note(n));
        assert!(!e.is_empty() && !chinese(&e), "{n:?}: {e}");
        assert!(chinese(&z), "{n:?}: {z}");
        assert_ne!(e, z);
    }
    // The textbook sum: 9+9+28+11 = 57, FIN at 58.
    let fin = en.note(notes.iter().find(|n| n.kind() == "fin").unwrap());
    assert!(
        fin.contains("57 bytes") && fin.contains("9+9+28+11") && fin.contains("58"),
        "{fin}"
    );
    for m in [
        Mark::Retransmission,
        Mark::OutOfOrder,
        Mark::DupAck(2),
        Mark::ZeroWindow,
        Mark::Probe,
        Mark::KeepAlive,
    ] {
        assert!(chinese(&zh.mark(m)) && !chinese(&en.mark(m)), "{m:?}");
    }
    for w in [
        Why::SentSyn,
        Why::SentSynAck,
        Why::RecvSyn,
        Why::RecvSynAck,
        Why::SynAcked,
        Why::SentFin,
        Why::RecvFin,
        Why::FinAcked,
        Why::SentRst,
        Why::RecvRst,
    ] {
        assert!(chinese(zh.why(w)) && !chinese(en.why(w)), "{w:?}");
    }
    for o in [
        Opening::Handshake,
        Opening::Simultaneous,
        Opening::Refused,
        Opening::Unanswered,
        Opening::Incomplete,
        Opening::BeforeCapture,
    ] {
        assert!(chinese(zh.opening(o)) && !chinese(en.opening(o)), "{o:?}");
    }
    for e in [
        Ending::Fin,
        Ending::Open,
        Ending::Rst(Side::Client, RstWhy::Abort),
    ] {
        assert!(chinese(&zh.ending(e)) && !chinese(&en.ending(e)), "{e:?}");
    }
}
