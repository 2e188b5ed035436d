//! The `synack` command: `demo` shows a TCP connection's life in the
//! simulator as a ladder diagram (or JSON, or pcap); `bench` measures the
//! core's throughput and connection churn; `serve`, `connect` and `get` run
//! synack as a real host on a Linux TUN device; `analyze` explains the TCP
//! connections in a capture.

#![forbid(unsafe_code)]

mod analyze;
mod args;
mod bench;
mod demo;
mod net;
mod script;

use args::{BenchCommand, Cli, Command};
use clap::Parser;
use clap::error::ErrorKind;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            return match err.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = err.print();
                    ExitCode::SUCCESS
                }
                _ => {
                    eprintln!("{}", args::one_line_error(&err));
                    ExitCode::from(2)
                }
            };
        }
    };
    let result = match cli.command {
        Command::Demo(a) => demo::run(&a),
        Command::Bench { which } => match which {
            BenchCommand::Bulk(a) => bench::bulk::run(&a),
            BenchCommand::Churn(a) => bench::churn::run(&a),
            BenchCommand::Scale(a) => bench::scale::run(&a),
            BenchCommand::Synflood(a) => bench::synflood::run(&a),
            BenchCommand::Tun(a) => bench::tun::run(&a),
            BenchCommand::Relay(a) => bench::relay::run(&a),
            BenchCommand::Lossy(a) => bench::lossy::run(&a),
        },
        Command::Serve(a) => net::serve::run(&a),
        Command::Connect(a) => net::connect::run(&a),
        Command::Get(a) => net::get::run(&a),
        Command::Relay(a) => net::relay::run(&a),
        Command::Script(a) => script::run(&a),
        Command::Analyze(a) => analyze::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("synack: {msg}");
            ExitCode::FAILURE
        }
    }
}
