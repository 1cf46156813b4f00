//! The `swalayan` binary: parse the command line, set up logging, run, map errors to exit codes.

use clap::Parser;
use std::process::ExitCode;
use swalayan::cli::{Cli, Finished, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(cli) {
        Ok(Finished::Done) => ExitCode::SUCCESS,
        Ok(Finished::Refused) => ExitCode::from(1),
        Err(error) => {
            let error = anyhow::Error::new(error);
            eprintln!("swalayan: {error:#}");
            let code = error
                .downcast_ref::<swalayan::cli::CliError>()
                .map(|e| e.exit_code())
                .unwrap_or(3);
            ExitCode::from(code)
        }
    }
}

/// Logs go to stderr (journald picks them up under systemd); `-v` raises the level,
/// `RUST_LOG` overrides it. Patron cards are redacted where they are logged.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
