//! `report circulation|visitors|feedback|events|monthly`, `alarms`, `exceptions`: the
//! numbers staff read, as tables, CSV or JSON (the same reports the staff pages show).

use super::args::ReportCommand;
use super::error::CliError;
use super::output::emit;
use crate::config::Library;
use crate::storage::{HubError, Received, Storage, TxFilter};
use anyhow::Context;
use serde_json::{Value, json};
use swalayan_core::contract::transactions::TxKind;

pub(super) fn report(
    storage: &dyn Storage,
    library: &Library,
    command: ReportCommand,
    json: bool,
) -> Result<(), CliError> {
    match command {
        ReportCommand::Feedback { from, to, csv } => {
            if to < from {
                return Err(HubError::Invalid("--to is before --from".into()).into());
            }
            let report = crate::reports::feedback(storage, from, to, &library.timezone)?;
            if csv && !json {
                print!("{}", report.csv());
            } else {
                emit(json, &serde_json::to_value(&report)?, || {
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
                });
            }
        }
        ReportCommand::Events { from, to, csv } => {
            if to < from {
                return Err(HubError::Invalid("--to is before --from".into()).into());
            }
            let now = library.local_now();
            let report = crate::reports::events(storage, from, to, now)?;
            if csv && !json {
                print!("{}", report.csv());
            } else {
                emit(json, &serde_json::to_value(&report)?, || {
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
                });
            }
        }
        ReportCommand::Monthly { from, to, csv } => {
            if to < from {
                return Err(HubError::Invalid("--to is before --from".into()).into());
            }
            let report =
                crate::reports::monthly(storage, from, to, &library.timezone, library.local_now())?;
            if csv && !json {
                print!("{}", report.csv());
            } else {
                emit(json, &serde_json::to_value(&report)?, || {
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
                });
            }
        }
        ReportCommand::Circulation { from, to, csv } => {
            if to < from {
                return Err(HubError::Invalid("--to is before --from".into()).into());
            }
            let report = crate::reports::circulation(storage, from, to, &library.timezone)?;
            if csv && !json {
                print!("{}", report.csv());
            } else {
                emit(json, &serde_json::to_value(&report)?, || {
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
                });
            }
        }
        ReportCommand::Visitors {
            from,
            to,
            by,
            timezone,
            csv,
            suspect_percent,
            gate,
        } => {
            use swalayan_core::report::visitors::{self, By};
            let by = By::parse(&by)
                .ok_or_else(|| HubError::Invalid(format!("--by {by}: use hour, day or month")))?;
            if to < from {
                return Err(HubError::Invalid("--to is before --from".into()).into());
            }
            let tz = jiff::tz::db()
                .get(&timezone)
                .with_context(|| format!("unknown time zone {timezone}"))?;
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
            if csv && !json {
                print!("{}", visitors::csv(&report));
            } else {
                emit(json, &serde_json::to_value(&report)?, || {
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
                });
            }
        }
    }
    Ok(())
}

/// `alarms`: items that left through a security gate without being borrowed.
pub(super) fn alarms(
    storage: &dyn Storage,
    station: Option<String>,
    json: bool,
) -> Result<(), CliError> {
    let rows = of_kind(storage, TxKind::SecurityAlarm, station.as_deref())?;
    let listed: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "station": r.station,
                "at": r.effective_at,
                "item": r.payload["item"],
                "title": r.payload["title"],
            })
        })
        .collect();
    emit(json, &Value::Array(listed.clone()), || {
        if listed.is_empty() {
            return "no security alarms".into();
        }
        listed
            .iter()
            .map(|a| {
                format!(
                    "{}  {}  {}  {}",
                    a["at"].as_str().unwrap_or(""),
                    a["station"].as_str().unwrap_or(""),
                    a["item"].as_str().unwrap_or("(tag unreadable)"),
                    a["title"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// `exceptions`: what the drop boxes could not handle as plain returns.
pub(super) fn exceptions(
    storage: &dyn Storage,
    station: Option<String>,
    json: bool,
) -> Result<(), CliError> {
    let rows = of_kind(storage, TxKind::ReturnException, station.as_deref())?;
    let listed: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "station": r.station,
                "at": r.effective_at,
                "item": r.payload["item"],
                "reason": r.payload["reason"],
                "checked_in": r.payload["checked_in"],
                "bin": r.payload["bin"],
            })
        })
        .collect();
    emit(json, &Value::Array(listed.clone()), || {
        if listed.is_empty() {
            return "no return exceptions".into();
        }
        listed
            .iter()
            .map(|e| {
                format!(
                    "{}  {}  {}  {}  bin {}{}",
                    e["at"].as_str().unwrap_or(""),
                    e["station"].as_str().unwrap_or(""),
                    e["item"].as_str().unwrap_or("(no tag read)"),
                    e["reason"].as_str().unwrap_or(""),
                    e["bin"].as_str().unwrap_or("-"),
                    if e["checked_in"] == true {
                        "  (returned)"
                    } else {
                        ""
                    }
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
    rows.retain(|r| r.kind == kind.code() && station.is_none_or(|s| r.station == s));
    Ok(rows)
}
