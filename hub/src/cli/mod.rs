//! The `swalayan-hub` command line, modelled on the station's `src/cli/`: the arguments
//! (`args`), one module per group of commands, what they print (`output`) and the typed
//! error with its exit code (`error`). `src/main.rs` only parses and calls [`main`].
//!
//! Exit codes: 0 done, 2 usage or refused input (a station name taken or reserved, a conflict
//! that is none, a bad file, a branch the library does not have), 3 database, I/O or network
//! error.
//!
//! - `stations`: `station add|rotate|revoke|list`.
//! - `catalog`: `status`, `import`, `conflicts`, `export`, `holds`.
//! - `reports`: `report ...`, `alarms`, `exceptions`.
//! - `publishing`: `promotions`, `events`.
//! - `routes`: `route add|list|remove` (the mobile library's stops).
//! - `staff`: `staff ...`.
//! - `ils`: `ils check` (the library system of `[ils]`).
//! - `notify`: `notify run|test|list` (patrons' notifications, `[notify]`).
//! - `serve` is [`crate::server::run`].

mod args;
mod catalog;
mod error;
mod ils;
mod notify;
mod output;
mod publishing;
mod reports;
mod routes;
mod staff;
mod stations;

pub use args::Cli;
pub use error::CliError;

use crate::config::Library;
use crate::server::{self, Limits};
use crate::storage;
use args::Command;
use jiff::Timestamp;
use output::emit;
use std::process::ExitCode;
use std::time::Duration;

/// Runs a parsed command line: prints the error and its causes on failure, and gives the exit
/// code.
pub fn main(cli: Cli) -> ExitCode {
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("swalayan-hub: {}", error.describe());
            ExitCode::from(error.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    // The library system's commands need no hub database.
    if let Command::Ils(command) = &cli.command {
        return ils::ils(cli.config.as_deref(), &cli.db, command, cli.json);
    }
    let library = match &cli.config {
        Some(path) => Library::load(path)?,
        None => Library::default(),
    };
    let storage = storage::open(&cli.db)?;
    crate::catalog::ensure_policy(storage.as_ref())?;
    let json = cli.json;
    match cli.command {
        Command::Station(command) => stations::station(storage.as_ref(), command, json)?,
        Command::Status => catalog::status(storage.as_ref(), json)?,
        Command::Import(command) => {
            refuse_import_under_ils(cli.config.as_deref(), &command)?;
            catalog::import(storage.as_ref(), command, json)?
        }
        Command::Conflicts(command) => catalog::conflicts(storage.as_ref(), command, json)?,
        Command::Report(command) => reports::report(storage.as_ref(), &library, command, json)?,
        Command::Alarms { station } => reports::alarms(storage.as_ref(), station, json)?,
        Command::Exceptions { station } => reports::exceptions(storage.as_ref(), station, json)?,
        Command::Export {
            format,
            since,
            timezone,
            out,
        } => catalog::export(storage.as_ref(), format, since, &timezone, out)?,
        Command::Holds(command) => catalog::holds(storage.as_ref(), &library, command, json)?,
        Command::Promotions(command) => publishing::promotions(storage.as_ref(), command, json)?,
        Command::Events(command) => publishing::events(storage.as_ref(), &library, command, json)?,
        Command::Route(command) => routes::route(storage.as_ref(), command, json)?,
        Command::Staff(command) => staff::staff(storage.as_ref(), command, json)?,
        Command::Patron(args::PatronCommand::Pin { card, set }) => {
            let pin = crate::patron_pin::set_patron_pin(storage.as_ref(), &card, set.as_deref())?;
            // A PIN staff chose is not shown again; a drawn one is, once, to hand over.
            let shown = if set.is_some() { None } else { Some(pin) };
            output::emit(
                json,
                &serde_json::json!({"card": card, "pin": shown}),
                || match &shown {
                    Some(pin) => format!("PIN for {card}: {pin}"),
                    None => format!("PIN for {card} set"),
                },
            );
        }
        Command::Ils(_) => unreachable!("answered before the hub database is opened"),
        Command::Simulate {
            days,
            gates,
            kiosks,
            dropboxes,
            seed,
        } => {
            let storage = storage.as_ref();
            let plan = crate::simulate::Plan {
                days,
                gates,
                kiosks,
                dropboxes,
                seed,
            };
            let made = crate::simulate::fill(storage, &plan, &library.timezone, Timestamp::now())?;
            emit(json, &serde_json::to_value(&made)?, || {
                format!(
                    "{} days: {} stations, {} transactions, {} visit counts, {} events",
                    days, made.stations, made.transactions, made.visit_buckets, made.events
                )
            });
        }
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            metrics_listen,
            header_timeout_secs,
            body_timeout_secs,
            max_concurrent,
        } => server::run(
            storage,
            library,
            &listen,
            tls_cert.zip(tls_key),
            metrics_listen.as_deref(),
            Limits {
                header: Duration::from_secs(header_timeout_secs),
                body: Duration::from_secs(body_timeout_secs),
                concurrent: max_concurrent as usize,
                ..Limits::default()
            },
            match cli.config.as_deref() {
                Some(path) => server::Beside {
                    ils: crate::config::ils_settings(path)?,
                    notify: crate::config::notify_settings(path)?,
                    digital: Some(crate::config::digital_settings(Some(path), &cli.db)?),
                },
                None => server::Beside {
                    digital: Some(crate::config::digital_settings(None, &cli.db)?),
                    ..server::Beside::default()
                },
            },
        )?,
        Command::Notify(command) => notify::notify(
            storage.as_ref(),
            &library,
            cli.config.as_deref(),
            command,
            json,
        )?,
    }
    Ok(())
}

/// While `[ils]` names the library's system, it is the source of members and the catalogue:
/// a file import of them would be overwritten by the next read, or worse, disagree with it.
/// The policy (what the system's rules cannot express) and visitor counts may still come from
/// files.
fn refuse_import_under_ils(
    config: Option<&std::path::Path>,
    command: &args::ImportCommand,
) -> Result<(), CliError> {
    use args::ImportCommand;
    if !matches!(
        command,
        ImportCommand::Marc { .. } | ImportCommand::Patrons { .. } | ImportCommand::Items { .. }
    ) {
        return Ok(());
    }
    let Some(path) = config else {
        return Ok(());
    };
    match crate::config::ils_settings(path)? {
        None => Ok(()),
        Some(ils) => Err(CliError::Ils(format!(
            "members and the catalogue come from the library system ({}) while [ils] is set: \
             change them there; they reach the hub at its next read (docs/ils.md)",
            ils.kind.code()
        ))),
    }
}
