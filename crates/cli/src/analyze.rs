//! `synack analyze`: the arguments handed to `synack-analyze`, and its
//! outcome turned into an exit code (2 for a file that cannot be read).

use crate::args::AnalyzeArgs;
use std::io::IsTerminal;
use std::process::ExitCode;
use synack_analyze::{Options, analyze};

/// Runs `synack analyze`.
pub fn run(a: &AnalyzeArgs) -> Result<ExitCode, String> {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let o = Options {
        lang: a.lang,
        json: a.json,
        conn: a.conn,
        color: !a.json && stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        absolute: a.absolute,
        rows: a.rows,
        progress: stderr.is_terminal(),
        html: a.html.clone(),
        filter: a.filter.clone(),
        ..Options::default()
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut diag = stderr.lock();
    match analyze(&a.file, &o, &mut out, &mut diag) {
        Err(msg) => {
            eprintln!("synack: {msg}");
            Ok(ExitCode::from(2))
        }
        Ok(outcome) => {
            if let Some(msg) = outcome.fatal {
                eprintln!("synack: {msg}");
                return Ok(ExitCode::from(2));
            }
            if let Some(n) = a.conn
                && n > outcome.connections
            {
                eprintln!(
                    "synack: no connection {n}: the capture holds {}",
                    outcome.connections
                );
                return Ok(ExitCode::from(2));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
