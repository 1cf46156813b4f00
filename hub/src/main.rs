//! The `swalayan-hub` binary: parse the command line, set up logging, run ([`swalayan_hub::cli`]).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    swalayan_core::closed_pipe::end_quietly_on_closed_pipe();
    let cli = swalayan_hub::cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    swalayan_hub::cli::main(cli)
}
