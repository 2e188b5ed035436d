//! Runs one target on files (a finding to reproduce): `cargo run -p
//! synack-fuzz --example repro -- endpoint FILE...`.

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().expect("usage: repro wire|endpoint FILE...");
    let run: fn(&[u8]) = match target.as_str() {
        "wire" => synack_fuzz::wire::run,
        "endpoint" => synack_fuzz::endpoint::run,
        other => panic!("unknown target {other}"),
    };
    for path in args {
        let data = std::fs::read(&path).expect("readable file");
        eprintln!("{path}");
        run(&data);
    }
}
