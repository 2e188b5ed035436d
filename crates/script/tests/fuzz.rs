//! Random and mutated inputs never panic, and errors point at real lines.

use std::path::Path;

use synack_script::parse;

/// xorshift64*: tiny, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Parses `text` with a few define sets and checks the result's sanity.
fn check(text: &str) {
    let lines = text.split('\n').count();
    for defines in [&[][..], &["STANDARD"], &["FreeBSD"]] {
        match parse(text, defines) {
            Ok(s) => {
                let ev: Vec<usize> = s.events.iter().map(|e| e.line).collect();
                assert!(
                    ev.windows(2).all(|w| w[0] <= w[1]),
                    "event lines out of order in {text:?}"
                );
                assert!(
                    ev.iter().all(|&l| l >= 1 && l <= lines),
                    "event line out of range in {text:?}"
                );
            }
            Err(e) => {
                assert!(
                    e.line >= 1 && e.line <= lines,
                    "error line {} of {lines} for {text:?}: {e}",
                    e.line
                );
                assert!(!e.message.is_empty());
            }
        }
    }
}

/// Bytes that matter to the lexer, plus some that do not.
const ALPHABET: &[u8] =
    b"0123456789.+-*~<>()[]{},=|:!/`%#\"\\ \t\n\rSFRP.UEWackwinurgmssnopeolTSvalecr_xyz@\xc3\xa9";

fn random_text(rng: &mut Rng, len: usize) -> String {
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            if rng.below(8) == 0 {
                rng.next() as u8
            } else {
                ALPHABET[rng.below(ALPHABET.len())]
            }
        })
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn random_strings_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for _ in 0..20_000 {
        let len = rng.below(120);
        check(&random_text(&mut rng, len));
    }
}

/// Snippets that, spliced into a script, hit many parser paths.
const SNIPPETS: &[&str] = &[
    "#ifdef FreeBSD\n",
    "#else\n",
    "#endif\n",
    "/*",
    "*/",
    "%{",
    "}%",
    "`",
    "\"",
    "(",
    ")",
    "<",
    ">",
    "...",
    "!",
    "~",
    "+0.1~+0.2 ",
    "0...0.1 ",
    "--x=1\n",
    " <mss 1460,nop,TS val 1 ecr 2,sack 1:2>",
    " = -1 EAGAIN (x)",
    "[[{a=[",
    "\n",
    "//",
    "4294967296",
    "99999999999999999999",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 => bytes.truncate(at),
            1 => {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            2 => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let s = SNIPPETS[rng.below(SNIPPETS.len())];
                bytes.splice(at..at, s.bytes());
            }
            4 => {
                let start = rng.below(bytes.len() + 1);
                let end = (start + rng.below(200)).min(bytes.len());
                let copy: Vec<u8> = bytes.get(start..end).unwrap_or(&[]).to_vec();
                bytes.splice(at..at, copy);
            }
            _ => {
                if let Some(b) = bytes.get_mut(at) {
                    *b = rng.next() as u8;
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_suite_scripts_never_panic() {
    let suite = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/freebsd-tcp-testsuite");
    let mut scripts = Vec::new();
    for part in ["state-event-engine", "socket-api"] {
        for dir in std::fs::read_dir(suite.join(part))
            .expect("suite directory")
            .flatten()
        {
            for file in std::fs::read_dir(dir.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if file.path().extension().is_some_and(|e| e == "pkt") {
                    scripts.push(std::fs::read_to_string(file.path()).expect("read script"));
                }
            }
        }
    }
    scripts.sort();
    assert_eq!(scripts.len(), 614 + 22);
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let (mut oks, mut errs) = (0, 0);
    for i in 0..6_000 {
        let text = mutate(&mut rng, &scripts[i % scripts.len()]);
        check(&text);
        match parse(&text, &["FreeBSD"]) {
            Ok(_) => oks += 1,
            Err(_) => errs += 1,
        }
    }
    eprintln!("mutated scripts: {oks} parse, {errs} fail");
    // Both outcomes occur: the mutations neither always break nor never do.
    assert!(oks > 100 && errs > 1000, "ok {oks}, err {errs}");

    // The runner too: whatever a (mutated) script says -- huge lengths,
    // times, tolerances, sysctl values -- it ends in a verdict, without a
    // panic or an abort. Mutations aimed at numbers make that likelier.
    let mut rng = Rng(0xfee1_600d_5eed_0001);
    let mut verdicts = [0usize; 3];
    for i in 0..3_000 {
        let mut text = mutate(&mut rng, &scripts[(i * 7) % scripts.len()]);
        if i % 3 == 0 {
            text = text.replacen("65536", "18446744073709551615", 1);
        }
        if i % 5 == 0 {
            text = text.replacen("+0.10", "+9000000000000", 1);
        }
        let o =
            synack_script::run_text(&text, &["STANDARD"], &synack_script::RunOptions::default());
        verdicts[match o {
            synack_script::Outcome::Pass => 0,
            synack_script::Outcome::Fail(_) => 1,
            synack_script::Outcome::Skip { .. } => 2,
        }] += 1;
    }
    eprintln!("mutated scripts run: {verdicts:?} (pass, fail, skip)");
    assert!(verdicts.iter().all(|&n| n > 0), "{verdicts:?}");
}

/// Every `.pkt` under `dir`, recursively, sorted.
fn scripts_under(dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("test directory")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            scripts_under(&p, out);
        } else if p.extension().is_some_and(|e| e == "pkt") {
            out.push(std::fs::read_to_string(&p).expect("read script"));
        }
    }
}

#[test]
fn mutated_linux_scripts_never_panic_under_the_linux_personality() {
    // Google's tests exercise what the FreeBSD suite does not: set-up
    // shell lines, `%{ }%` Python, ICMP lines, struct arguments.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/packetdrill-linux/gtests/net/tcp");
    let mut scripts = Vec::new();
    scripts_under(&root, &mut scripts);
    assert!(scripts.len() >= 150, "{} scripts", scripts.len());
    let opts = synack_script::RunOptions {
        personality: synack_script::Personality::Linux,
        ..synack_script::RunOptions::default()
    };
    let mut rng = Rng(0x1_1a2b_3c4d_5e6f);
    let mut verdicts = [0usize; 3];
    for i in 0..2_000 {
        let mut text = mutate(&mut rng, &scripts[(i * 13) % scripts.len()]);
        check(&text);
        if i % 4 == 0 {
            text = text.replacen("== 10", "== 99999999999999999999", 1);
        }
        if i % 6 == 0 {
            text = text.replacen("540000", "$((99999999*99999999*99999999))", 1);
        }
        let o = synack_script::run_text(&text, &[], &opts);
        verdicts[match o {
            synack_script::Outcome::Pass => 0,
            synack_script::Outcome::Fail(_) => 1,
            synack_script::Outcome::Skip { .. } => 2,
        }] += 1;
    }
    eprintln!("mutated Linux scripts run: {verdicts:?} (pass, fail, skip)");
    assert!(verdicts.iter().all(|&n| n > 0), "{verdicts:?}");
}
