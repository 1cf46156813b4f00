//! `ils check`, `ils sync --once`, `ils status`: the library system named in `[ils]` of
//! the hub's file.

use super::args::IlsCommand;
use super::error::CliError;
use super::output::emit;
use std::path::Path;

pub(super) fn ils(
    config: Option<&Path>,
    db: &str,
    command: &IlsCommand,
    json: bool,
) -> Result<(), CliError> {
    let settings = match config {
        Some(path) => crate::config::ils_settings(path)?,
        None => None,
    }
    .ok_or_else(|| {
        CliError::Ils(
            "no library system: name the hub's file with --config, with an [ils] section (docs/ils.md)"
                .into(),
        )
    })?;
    match command {
        IlsCommand::Status => {
            let storage = crate::storage::open(db)?;
            let state = crate::ils::link::LinkState::saved(storage.as_ref())?.ok_or_else(|| {
                CliError::Ils(
                    "the link has not run yet: `ils sync --once`, or `serve` with this file".into(),
                )
            })?;
            emit(json, &serde_json::to_value(&state)?, || {
                let mut lines = vec![
                    format!("{} since {}", state.system, state.since),
                    format!(
                        "last read: {}",
                        state.last_read.as_deref().unwrap_or("never")
                    ),
                    format!(
                        "last write: {}",
                        state.last_write.as_deref().unwrap_or("never")
                    ),
                    format!("waiting to be written: {}", state.backlog),
                    format!(
                        "written: {}, refused (conflicts): {}",
                        state.written, state.conflicts
                    ),
                ];
                if let Some(error) = &state.last_error {
                    lines.push(format!(
                        "last round failed ({}): {error}",
                        state.last_error_at.as_deref().unwrap_or("")
                    ));
                }
                lines.join("\n")
            });
        }
        IlsCommand::Check => {
            let report = crate::ils::check::check(&settings);
            emit(json, &serde_json::to_value(&report)?, || {
                let mut lines = vec![format!(
                    "{} {}: {} members, {} copies, {} titles, {} open loans",
                    report.kind,
                    report.version.unwrap_or("(not recognised)"),
                    shown(report.members),
                    shown(report.items),
                    shown(report.titles),
                    shown(report.open_loans)
                )];
                lines.extend(report.problems.iter().map(|p| format!("problem: {p}")));
                lines.join("\n")
            });
            if !report.ok {
                return Err(CliError::Ils(format!(
                    "{} problem(s) with the library system",
                    report.problems.len()
                )));
            }
        }
        IlsCommand::Sync { full, .. } => {
            let library = match config {
                Some(path) => crate::config::Library::load(path)?,
                None => crate::config::Library::default(),
            };
            let storage = crate::storage::open(db)?;
            crate::catalog::ensure_policy(storage.as_ref())?;
            let round = crate::ils::sync::once(&settings, storage.as_ref(), &library, *full)
                .map_err(|e| CliError::Ils(e.to_string()))?;
            emit(json, &serde_json::to_value(&round)?, || {
                format!(
                    "read {} members, {} copies, {} titles, {} loans, {} holds; wrote {}; {} conflicts",
                    round.read.members,
                    round.read.items,
                    round.read.titles,
                    round.read.loans,
                    round.read.holds,
                    round.written,
                    round.conflicts
                )
            });
        }
    }
    Ok(())
}

fn shown(count: Option<u64>) -> String {
    count.map_or_else(|| "?".to_string(), |n| n.to_string())
}
