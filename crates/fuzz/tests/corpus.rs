//! The fuzz targets in the test suite: every committed corpus entry and
//! hand-written seed, then a bounded mutation run from them (a fixed
//! seed, so a failure reproduces). The long coverage-guided runs are
//! `scripts/fuzz`'s (AFL++).

use std::path::Path;
use synack_fuzz::mutate::{Rng, mutate};
use synack_fuzz::{endpoint, seeds, wire};

fn corpus(target: &str, seeds: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut out = seeds;
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries {
        let path = e.expect("a directory entry").path();
        out.push(std::fs::read(&path).expect("a corpus file"));
    }
    assert!(out.len() >= 3, "{target}: corpus too small ({})", out.len());
    out
}

fn fuzz(target: &str, seeds: Vec<Vec<u8>>, runs: usize, f: fn(&[u8])) {
    let inputs = corpus(target, seeds);
    for input in &inputs {
        f(input);
    }
    let mut rng = Rng::new(0x5eed);
    for i in 0..runs {
        let mut data = inputs[i % inputs.len()].clone();
        let other = &inputs[rng.below(inputs.len())];
        mutate(&mut data, other, &mut rng);
        let result = std::panic::catch_unwind(|| f(&data));
        assert!(result.is_ok(), "{target}: finding on input {data:02x?}");
    }
}

#[test]
fn wire_target_holds_on_the_corpus_and_its_mutations() {
    fuzz("wire", seeds::wire(), 50_000, wire::run);
}

#[test]
fn endpoint_target_holds_on_the_corpus_and_its_mutations() {
    fuzz("endpoint", seeds::endpoint(), 20_000, endpoint::run);
}

/// The seeds reach the states they were written for (else the corpus
/// would start the fuzzer from nothing).
#[test]
fn seeds_reach_established_data_and_close() {
    let reports: Vec<_> = seeds::endpoint()
        .iter()
        .map(|s| endpoint::run_with_report(s))
        .collect();
    let [passive, active, reset, linux] = reports[..] else {
        panic!("four seeds: {reports:?}");
    };
    // Passive: 320 bytes in, read back; 2048 bytes out.
    assert_eq!((passive.established, passive.read), (1, 320), "{passive:?}");
    assert_eq!(passive.sent, 2048, "{passive:?}");
    // Active: our SYN answered, 800 bytes read.
    assert_eq!((active.established, active.read), (1, 800), "{active:?}");
    assert!(active.sent >= 4096, "{active:?}");
    assert!(reset.established >= 1 && reset.packets >= 3, "{reset:?}");
    // Linux's rules: the 6000-byte write goes out (some of it in TSO
    // segments, past the MTU).
    assert_eq!(linux.established, 1, "{linux:?}");
    assert!(
        linux.sent >= 6000 && linux.largest_packet > 1500,
        "{linux:?}"
    );
}
