//! Scripted single-connection tests: the stack under test against a fake
//! peer driven segment by segment, one test per rule of RFC 9293 3.10
//! (event processing), RFC 5961 (RST / SYN / ACK hardening) and RFC 1337
//! (no RST in TIME-WAIT). See `harness` for the relative sequence numbers.

mod harness;

mod abort;
mod api;
mod catch_all;
mod closed;
mod closing;
mod cork;
mod established;
mod icmp;
mod ipv6;
mod keepalive;
mod linux_rules;
mod listen;
mod loss_recovery;
mod malformed;
mod options;
mod refused;
mod retransmit;
mod robustness;
mod syn_cookies;
mod syn_received;
mod syn_sent;
mod time_wait;
mod user_timeout;
