//! AFL++ target: the whole endpoint (`cargo afl build -p synack-fuzz --features afl`).

fn main() {
    afl::fuzz!(|data: &[u8]| synack_fuzz::endpoint::run(data));
}
