//! Interop with the Linux kernel over TUN.
//!
//! Each test creates its own network namespace (`synack-it-<pid>-<n>`),
//! runs `synack` inside it (`ip netns exec NS synack ...`: the TUN device
//! `synack0` is created in the namespace, synack takes 198.18.0.2/24 and
//! gives the kernel 198.18.0.1/24; the IPv6 test uses 2001:2::2/64 and
//! 2001:2::1 from the IPv6 benchmarking prefix), drives the Linux side with real programs
//! (curl, python3 sockets and `http.server`, ss, tshark) in the same
//! namespace, bounds its run time and deletes everything on drop, also on
//! failure. The host's interfaces are never touched.
//!
//! Needs root, /dev/net/tun, iproute2, curl, python3 and tshark. A test that
//! cannot run prints `SKIPPED: <reason>` and fails, unless
//! `SYNACK_ALLOW_SKIP=1`. Set `SYNACK_KEEP_SCRATCH=1` to keep each test's
//! files (captures, outputs) for a look afterwards.
//!
//! The namespaced tests run one at a time (a lock in `netns`).

mod analyze;
mod bench;
mod blind;
mod close;
mod device;
mod hyper;
mod icmp;
mod ipv6;
mod lossy;
mod netns;
mod pcap;
mod refuse;
mod relay;
mod selftest;
mod synack;
mod synflood;
mod transfer;
mod util;
