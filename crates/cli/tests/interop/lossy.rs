//! Test 5: the transfers of `transfer.rs` with `--loss 0.02` (synack drops
//! 2% of the packets, seeded): the data still arrives intact, within the
//! same time bound.

use crate::transfer::{
    concurrent_echo, curl_from_serve_http, get_from_python_http, upload_to_serve_discard,
};
use crate::util::MIB;

const LOSS: [&str; 4] = ["--loss", "0.02", "--seed", "5"];

#[test]
fn lossy_curl_downloads_64mib_from_serve_http() {
    curl_from_serve_http(
        "lossy_curl_downloads_64mib_from_serve_http",
        64 * MIB,
        &LOSS,
    );
}

#[test]
fn lossy_python_uploads_64mib_to_serve_discard() {
    upload_to_serve_discard(
        "lossy_python_uploads_64mib_to_serve_discard",
        64 * MIB,
        &LOSS,
    );
}

#[test]
fn lossy_synack_get_downloads_64mib_from_python_http_server() {
    get_from_python_http(
        "lossy_synack_get_downloads_64mib_from_python_http_server",
        64 * MIB,
        &LOSS,
    );
}

#[test]
fn lossy_echo_100_concurrent_connections_256kib_each() {
    concurrent_echo(
        "lossy_echo_100_concurrent_connections_256kib_each",
        100,
        MIB / 4,
        &LOSS,
    );
}
