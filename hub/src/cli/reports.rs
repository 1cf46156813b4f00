//! `report circulation|visitors|feedback|events|monthly|annual|mobile`, `alarms`, `exceptions`: the
//! numbers staff read, as tables, CSV or JSON (the same reports the staff pages show).

use super::args::ReportCommand;
use super::error::CliError;
use super::output::emit;
use crate::config::Library;
use crate::reports::sheets;
use crate::storage::{HubError, Received, Storage, TxFilter};
use serde::Serialize;
use swalayan_core::contract::transactions::{TxBody, TxKind};
use swalayan_core::contract::wire::Wire;
use swalayan_core::reason::Reason;

pub(super) fn report(
    storage: &dyn Storage,
    library: &Library,
    command: ReportCommand,
    json: bool,
) -> Result<(), CliError> {
    match command {
        ReportCommand::Mobile {
            from,
            to,
            csv,
            xlsx,
        } => {
            period(from, to)?;
            let report = crate::reports::mobile(storage, from, to, &library.timezone)?;
            show(
                json,
                csv,
                xlsx,
                &report,
                || sheets::mobile(&report),
                || report.csv(),
                || {
                    let mut lines: Vec<String> = report
                        .rows
                        .iter()
                        .map(|r| {
                            format!(
                                "{:<20} {:<24} made {:>3}, cancelled {:>2}, visitors {:>4}, loans {:>4}, returns {:>4}, registered {:>3}",
                                r.kelurahan, r.stop, r.made, r.cancelled, r.visitors, r.loans, r.returns, r.registered
                            )
                        })
                        .collect();
                    lines.extend(report.cancellations.iter().map(|c| {
                        format!(
                            "cancelled {} {} ({}): {}",
                            c.date, c.stop, c.kelurahan, c.reason
                        )
                    }));
                    if lines.is_empty() {
                        lines.push("no mobile-library records in this period".into());
                    }
                    lines.join("\n")
                },
            )?;
        }
        ReportCommand::Feedback {
            from,
            to,
            csv,
            xlsx,
        } => {
            period(from, to)?;
            let report = crate::reports::feedback(storage, from, to, &library.timezone)?;
            show(
                json,
                csv,
                xlsx,
                &report,
                || sheets::feedback(&report, &library.timezone),
                || report.csv(),
                || {
                    let mut lines: Vec<String> = report
                        .rows
                        .iter()
                        .map(|r| {
                            format!(
                                "{}  {:<12} {:>5} responses, average {:.2}",
                                r.date, r.station, r.responses, r.average
                            )
                        })
                        .collect();
                    lines.extend(
                        report.comments.iter().map(|c| {
                            format!("{}  {}  {}/5  {}", c.at, c.station, c.score, c.comment)
                        }),
                    );
                    lines.join("\n")
                },
            )?;
        }
        ReportCommand::Events {
            from,
            to,
            csv,
            xlsx,
        } => {
            period(from, to)?;
            let now = library.local_now();
            let report = crate::reports::events(storage, from, to, now)?;
            show(
                json,
                csv,
                xlsx,
                &report,
                || sheets::events(&report),
                || report.csv(),
                || {
                    report
                    .rows
                    .iter()
                    .map(|r| {
                        format!(
                            "{}  {}  {} registered, {} waiting, {} came ({} walk-in), {} no-shows",
                            r.starts,
                            r.title,
                            r.registered,
                            r.waiting,
                            r.participants,
                            r.walk_ins,
                            r.no_shows.map_or("-".to_string(), |n| n.to_string())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
                },
            )?;
        }
        ReportCommand::Monthly {
            from,
            to,
            csv,
            xlsx,
        } => {
            period(from, to)?;
            let report =
                crate::reports::monthly(storage, from, to, &library.timezone, library.local_now())?;
            show(
                json,
                csv,
                xlsx,
                &report,
                || sheets::monthly(&report),
                || report.csv(),
                || {
                    report
                    .rows
                    .iter()
                    .map(|r| {
                        format!(
                            "{}  {} visits, {} active members, {} loans, {} returns, {} renewals, {} programmes ({} participants), {} feedback",
                            r.month,
                            r.visits,
                            r.active_members,
                            r.loans,
                            r.returns,
                            r.renewals,
                            r.programmes,
                            r.participants,
                            r.feedback_responses
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
                },
            )?;
        }
        ReportCommand::Annual { year, csv, xlsx } => {
            let report = crate::reports::annual(storage, library, year, library.local_now())?;
            show(
                json,
                csv,
                xlsx,
                &report,
                || sheets::annual(&report),
                || report.csv(),
                || {
                    let mut lines: Vec<String> = report
                        .figures()
                        .into_iter()
                        .map(|(name, value)| format!("{name:<34} {value}"))
                        .collect();
                    lines.extend(report.notes.iter().map(|n| format!("note: {n}")));
                    lines.join("\n")
                },
            )?;
        }
        ReportCommand::Circulation {
            from,
            to,
            csv,
            xlsx,
        } => {
            period(from, to)?;
            let report = crate::reports::circulation(storage, from, to, &library.timezone)?;
            show(
                json,
                csv,
                xlsx,
                &report,
                || sheets::circulation(&report),
                || report.csv(),
                || {
                    report
                        .rows
                        .iter()
                        .map(|r| {
                            format!(
                                "{}  {:<12} {:>5} loans {:>5} returns {:>5} renewals",
                                r.date, r.station, r.loans, r.returns, r.renewals
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                },
            )?;
        }
        ReportCommand::Visitors {
            from,
            to,
            by,
            timezone,
            csv,
            xlsx,
            suspect_percent,
            gate,
        } => {
            use swalayan_core::report::visitors::{self, By};
            let by = By::parse(&by)
                .ok_or_else(|| HubError::Invalid(format!("--by {by}: use hour, day or month")))?;
            period(from, to)?;
            let tz = jiff::tz::db()
                .get(&timezone)
                .map_err(|source| CliError::TimeZone {
                    name: timezone.clone(),
                    source,
                })?;
            let report = crate::reports::visitors(
                storage,
                from,
                to,
                &tz,
                &timezone,
                by,
                suspect_percent,
                gate.as_deref(),
            )?;
            show(
                json,
                csv,
                xlsx,
                &report,
                || sheets::visitors(&report),
                || visitors::csv(&report),
                || {
                    report
                        .days
                        .iter()
                        .map(|d| {
                            format!(
                                "{}  {:>6} in {:>6} out{}",
                                d.date,
                                d.entries,
                                d.exits,
                                if d.suspect {
                                    "  suspect: check the beams"
                                } else {
                                    ""
                                }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                },
            )?;
        }
    }
    Ok(())
}

/// A report's period: `--to` not before `--from`.
fn period(from: jiff::civil::Date, to: jiff::civil::Date) -> Result<(), CliError> {
    if to < from {
        return Err(HubError::Invalid("--to is before --from".into()).into());
    }
    Ok(())
}

/// A report's outputs: its workbook first when `--xlsx FILE` asked for one (the sheets are
/// only made then), then CSV (`--csv` without `--json`), JSON or the text table.
fn show<R: Serialize>(
    json: bool,
    csv: bool,
    xlsx: Option<std::path::PathBuf>,
    report: &R,
    sheets: impl FnOnce() -> Vec<crate::reports::workbook::Table>,
    as_csv: impl FnOnce() -> String,
    as_text: impl FnOnce() -> String,
) -> Result<(), CliError> {
    if let Some(path) = xlsx {
        write_xlsx(&path, &sheets())?;
    }
    if csv && !json {
        print!("{}", as_csv());
    } else {
        emit(json, &serde_json::to_value(report)?, as_text);
    }
    Ok(())
}

/// Writes the report's workbook (before anything is printed: a file that cannot be written
/// stops the command, exit 3).
fn write_xlsx(
    path: &std::path::Path,
    tables: &[crate::reports::workbook::Table],
) -> Result<(), CliError> {
    let bytes = crate::reports::workbook::xlsx(tables)?;
    std::fs::write(path, bytes).map_err(|source| CliError::File {
        what: format!("cannot write the workbook {}", path.display()),
        source,
    })
}

/// One security alarm as `alarms` lists it (fields in the order the JSON has always had).
#[derive(Serialize)]
struct AlarmRow {
    at: String,
    item: Option<String>,
    station: String,
    title: Option<String>,
}

/// `alarms`: items that left through a security gate without being borrowed.
pub(super) fn alarms(
    storage: &dyn Storage,
    station: Option<String>,
    json: bool,
) -> Result<(), CliError> {
    let rows: Vec<AlarmRow> = of_kind(storage, TxKind::SecurityAlarm, station.as_deref())?
        .into_iter()
        .filter_map(|r| match r.body() {
            Ok(TxBody::SecurityAlarm(alarm)) => Some(AlarmRow {
                at: r.effective_at,
                item: alarm.item,
                station: r.station,
                title: alarm.title,
            }),
            _ => None,
        })
        .collect();
    emit(json, &serde_json::to_value(&rows)?, || {
        if rows.is_empty() {
            return "no security alarms".into();
        }
        rows.iter()
            .map(|a| {
                format!(
                    "{}  {}  {}  {}",
                    a.at,
                    a.station,
                    a.item.as_deref().unwrap_or("(tag unreadable)"),
                    a.title.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// One return exception as `exceptions` lists it (fields in the JSON's order).
#[derive(Serialize)]
struct ExceptionRow {
    at: String,
    bin: Option<String>,
    checked_in: bool,
    item: Option<String>,
    reason: Wire<Reason>,
    station: String,
}

/// `exceptions`: what the drop boxes could not handle as plain returns.
pub(super) fn exceptions(
    storage: &dyn Storage,
    station: Option<String>,
    json: bool,
) -> Result<(), CliError> {
    let rows: Vec<ExceptionRow> = of_kind(storage, TxKind::ReturnException, station.as_deref())?
        .into_iter()
        .filter_map(|r| match r.body() {
            Ok(TxBody::ReturnException(exception)) => Some(ExceptionRow {
                at: r.effective_at,
                bin: exception.bin,
                checked_in: exception.checked_in,
                item: exception.item,
                reason: exception.reason,
                station: r.station,
            }),
            _ => None,
        })
        .collect();
    emit(json, &serde_json::to_value(&rows)?, || {
        if rows.is_empty() {
            return "no return exceptions".into();
        }
        rows.iter()
            .map(|e| {
                format!(
                    "{}  {}  {}  {}  bin {}{}",
                    e.at,
                    e.station,
                    e.item.as_deref().unwrap_or("(no tag read)"),
                    e.reason,
                    e.bin.as_deref().unwrap_or("-"),
                    if e.checked_in { "  (returned)" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// Transactions of one kind (from one station, when named), oldest first.
fn of_kind(
    storage: &dyn Storage,
    kind: TxKind,
    station: Option<&str>,
) -> Result<Vec<Received>, HubError> {
    let mut rows = storage.transactions(&TxFilter::default())?;
    rows.retain(|r| r.tx_kind() == Some(kind) && station.is_none_or(|s| r.station == s));
    Ok(rows)
}
