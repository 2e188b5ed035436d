//! AFL++ target: the wire parser (`cargo afl build -p synack-fuzz --features afl`).

fn main() {
    afl::fuzz!(|data: &[u8]| synack_fuzz::wire::run(data));
}
