//! The `swalayan` binary: parse the command line, set up logging, run, map errors to exit codes.

use clap::Parser;
use std::process::ExitCode;
use swalayan::cli::{Cli, Finished, run};

fn main() -> ExitCode {
    swalayan_core::closed_pipe::end_quietly_on_closed_pipe();
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(cli) {
        Ok(Finished::Done) => ExitCode::SUCCESS,
        Ok(Finished::Refused) => ExitCode::from(1),
        Ok(Finished::Unreachable | Finished::Spoiled) => ExitCode::from(3),
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

/// Logs go to journald when systemd started us with the journal on stderr (structured fields
/// survive), else to stderr. `-v` raises the level, `RUST_LOG` overrides it. Patron cards are
/// redacted where they are logged.
fn init_logging(verbose: u8) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let journald = std::env::var_os("JOURNAL_STREAM").and_then(|_| tracing_journald::layer().ok());
    let registry = tracing_subscriber::registry().with(filter);
    match journald {
        Some(layer) => registry.with(layer).init(),
        None => registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .init(),
    }
}
