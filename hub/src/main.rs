//! The `swalayan-hub` binary.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use swalayan_hub::api::{AppState, router};
use swalayan_hub::store::{HubError, HubStore};

#[derive(Debug, Parser)]
#[command(
    name = "swalayan-hub",
    version,
    about = "The central service Swalayan stations sync with"
)]
struct Cli {
    /// The hub database (SQLite file); created if missing.
    #[arg(long, global = true, default_value = "swalayan-hub.db")]
    db: PathBuf,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API; prints `listening on http://ADDR` first.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Stations.
    #[command(subcommand)]
    Station(StationCommand),
    /// Counts: transactions, conflicts, stations, items, loans.
    Status,
}

#[derive(Debug, Subcommand)]
enum StationCommand {
    /// Register a station and print its token (shown once; only a hash is kept).
    Add { name: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("swalayan-hub: {error:#}");
            let code = match error.downcast_ref::<HubError>() {
                Some(HubError::StationExists(_)) => 2,
                _ => 3,
            };
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let mut store = HubStore::open(&cli.db)?;
    match cli.command {
        Command::Station(StationCommand::Add { name }) => {
            let token = store.add_station(&name)?;
            if cli.json {
                println!("{}", serde_json::json!({"station": name, "token": token}));
            } else {
                println!("{token}");
            }
        }
        Command::Status => {
            let status = store.status()?;
            if cli.json {
                println!("{}", serde_json::to_string(&status)?);
            } else {
                println!(
                    "{} transactions, {} conflicts, {} stations, {} loans",
                    status.transactions, status.conflicts, status.stations, status.loans
                );
            }
        }
        Command::Serve { listen } => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                println!("listening on http://{}", listener.local_addr()?);
                let app = router(AppState {
                    store: Arc::new(Mutex::new(store)),
                });
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await?;
                anyhow::Ok(())
            })?;
        }
    }
    Ok(())
}
