//! `status`, `import`, `conflicts`, `export`, `holds`: the central catalog and what came in.

use super::args::{ConflictCommand, ExportFormat, HoldCommand, ImportCommand};
use super::error::CliError;
use super::output::emit;
use crate::catalog::{self, HoldTarget, HubSink};
use crate::config::Library;
use crate::export;
use crate::storage::{HubError, Storage, TxFilter, TxState};
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use swalayan_core::import::ImportSummary;
use swalayan_core::import::csv::{ImportContext, import_items, import_patrons};
use swalayan_core::import::marc::import_marc;

/// `status`: the hub's counts.
pub(super) fn status(storage: &dyn Storage, json: bool) -> Result<(), CliError> {
    let status = storage.status()?;
    emit(json, &serde_json::to_value(&status)?, || {
        format!(
            "{} transactions, {} conflicts awaiting staff, {} stations, {} titles, {} items, {} patrons, {} loans, {} holds ({})",
            status.transactions,
            status.conflicts,
            status.stations,
            status.titles,
            status.items,
            status.patrons,
            status.loans,
            status.holds,
            status.backend
        )
    });
    Ok(())
}

/// `conflicts list|resolve`.
pub(super) fn conflicts(
    storage: &dyn Storage,
    command: ConflictCommand,
    json: bool,
) -> Result<(), CliError> {
    match command {
        ConflictCommand::List { all } => {
            let mut rows = storage.transactions(&TxFilter {
                state: (!all).then_some(TxState::Conflict),
                ..TxFilter::default()
            })?;
            rows.retain(|r| r.state != TxState::Applied);
            emit(json, &serde_json::to_value(&rows)?, || {
                if rows.is_empty() {
                    return "no conflicts awaiting staff".into();
                }
                rows.iter()
                    .map(|r| {
                        format!(
                            "{}  {}  {} #{} {}  {}{}",
                            r.id,
                            r.effective_at,
                            r.station,
                            r.seq,
                            r.kind,
                            r.reason.as_deref().unwrap_or(""),
                            r.resolution
                                .as_deref()
                                .map(|n| format!("  [resolved: {n}]"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ConflictCommand::Resolve { id, note } => {
            if note.trim().is_empty() {
                return Err(HubError::Invalid("say what was done (--note)".into()).into());
            }
            if !storage.resolve(id, &note)? {
                return Err(
                    HubError::NotFound(format!("{id} is no conflict awaiting staff")).into(),
                );
            }
            emit(json, &json!({"resolved": id}), || format!("{id} resolved"));
        }
    }
    Ok(())
}

/// `export csv|koc`: the transactions since a day, for the library's own system.
pub(super) fn export(
    storage: &dyn Storage,
    format: ExportFormat,
    since: Date,
    timezone: &str,
    out: Option<PathBuf>,
) -> Result<(), CliError> {
    let tz = jiff::tz::db()
        .get(timezone)
        .map_err(|source| CliError::TimeZone {
            name: timezone.to_string(),
            source,
        })?;
    let rows = export::transactions_since(storage, since, &tz)?;
    let sink: Box<dyn Write> = match &out {
        Some(path) => Box::new(std::io::BufWriter::new(
            // Card numbers: readable by the hub's user only.
            swalayan_core::private_file::write_private(path).map_err(|source| CliError::File {
                what: format!("cannot write {}", path.display()),
                source,
            })?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    match format {
        ExportFormat::Csv => export::write_csv(sink, &rows, &tz)?,
        ExportFormat::Koc => {
            let (written, held_back) = export::write_koc(sink, &rows, &tz)?;
            if held_back > 0 {
                eprintln!(
                    "{held_back} transactions in conflict left out; resolve them first (swalayan-hub conflicts list)"
                );
            }
            tracing::info!(written, "koc export");
        }
    }
    Ok(())
}

pub(super) fn import(
    storage: &dyn Storage,
    command: ImportCommand,
    json: bool,
) -> Result<(), CliError> {
    let policy = catalog::policy(storage)?;
    let summary: ImportSummary = match command {
        ImportCommand::Policy { file } => {
            let policy = catalog::import_policy(storage, &file)?;
            emit(
                json,
                &json!({
                    "categories": policy.categories.keys().collect::<Vec<_>>(),
                    "item_types": policy.item_types.keys().collect::<Vec<_>>(),
                    "rules": policy.rules.len(),
                    "holidays": policy.calendar.holidays.len(),
                }),
                || format!("policy from {} stored for every station", file.display()),
            );
            return Ok(());
        }
        ImportCommand::Patrons { file, branch } => {
            let ctx = ImportContext {
                policy: &policy,
                default_branch: &branch,
            };
            import_patrons(&file, &ctx, &mut HubSink::new(storage)?)?
        }
        ImportCommand::Items { file, branch } => {
            let ctx = ImportContext {
                policy: &policy,
                default_branch: &branch,
            };
            import_items(&file, &ctx, &mut HubSink::new(storage)?)?
        }
        ImportCommand::Marc { marc, branch } => {
            let options = marc.options(&policy, &branch).map_err(HubError::Invalid)?;
            let mut total = ImportSummary::default();
            // One sink for every file: it reads what the hub holds once, not per file.
            let mut sink = HubSink::new(storage)?;
            for file in &marc.files {
                total.merge(import_marc(file, &options, &mut sink, &mut |_| {})?);
            }
            total
        }
    };
    emit(json, &serde_json::to_value(&summary)?, || {
        format!(
            "{} records read: {} new, {} changed, {} unchanged, {} skipped, {} contradictions",
            summary.records,
            summary.inserted,
            summary.updated,
            summary.unchanged,
            summary.skipped,
            summary.contradictions.len()
        )
    });
    Ok(())
}

pub(super) fn holds(
    storage: &dyn Storage,
    library: &Library,
    command: HoldCommand,
    json: bool,
) -> Result<(), CliError> {
    match command {
        HoldCommand::Place {
            patron,
            title,
            item,
            pickup,
        } => {
            let target = match (title, item) {
                (Some(t), _) => HoldTarget::Title(t),
                (None, Some(i)) => HoldTarget::Item(i),
                (None, None) => unreachable!("clap requires --title or --item"),
            };
            let entry = catalog::place_hold(
                storage,
                &patron,
                &target,
                &pickup,
                &library.branches,
                Timestamp::now(),
            )?;
            emit(json, &serde_json::to_value(&entry)?, || {
                format!("hold {} placed for {}", entry.id, entry.hold.patron)
            });
        }
        HoldCommand::List { patron, all } => {
            let holds = catalog::list_holds(storage, patron.as_deref(), all)?;
            emit(json, &serde_json::to_value(&holds)?, || {
                holds
                    .iter()
                    .map(|h| {
                        format!(
                            "{}  {}  {}  {}{}  pickup {}  ({})",
                            h.id,
                            h.hold.status.code(),
                            h.hold.patron,
                            h.hold.title,
                            h.hold
                                .item
                                .as_deref()
                                .map(|i| format!(" copy {i}"))
                                .unwrap_or_default(),
                            h.hold.pickup_branch,
                            h.hold.origin
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        HoldCommand::Cancel { id } => {
            let entry = catalog::cancel_hold(storage, &id, None)?;
            emit(json, &serde_json::to_value(&entry)?, || {
                format!("hold {} cancelled", entry.id)
            });
        }
    }
    Ok(())
}
