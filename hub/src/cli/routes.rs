//! `route add|list|remove`: the mobile library's stops (issue #32).

use super::args::RouteCommand;
use super::error::CliError;
use super::output::emit;
use crate::routes;
use crate::storage::Storage;
use swalayan_core::contract::documents::StopDoc;

pub(super) fn route(
    storage: &dyn Storage,
    command: RouteCommand,
    json: bool,
) -> Result<(), CliError> {
    match command {
        RouteCommand::Add {
            route,
            stop,
            kelurahan,
            place,
            day,
            start,
            end,
            vehicle,
        } => {
            let doc = StopDoc {
                route,
                stop,
                kelurahan,
                place,
                day,
                start: routes::time(&start, "--start")?,
                end: routes::time(&end, "--end")?,
                vehicle,
            };
            let id = routes::add(storage, doc)?;
            let (_, saved) = routes::list(storage)?
                .into_iter()
                .find(|(i, _)| *i == id)
                .ok_or_else(|| crate::storage::HubError::NotFound(format!("no stop {id}")))?;
            emit(json, &row(&id, &saved), || {
                format!("{id}  {}", line(&saved))
            });
        }
        RouteCommand::List => {
            let stops = routes::list(storage)?;
            let rows: Vec<serde_json::Value> = stops.iter().map(|(id, s)| row(id, s)).collect();
            emit(json, &serde_json::Value::Array(rows), || {
                stops
                    .iter()
                    .map(|(id, s)| format!("{id}  {}", line(s)))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        RouteCommand::Remove { id } => {
            routes::remove(storage, &id)?;
            emit(json, &serde_json::json!({ "removed": id }), || {
                format!("removed {id}")
            });
        }
    }
    Ok(())
}

/// A stop as `route list --json` gives it.
fn row(id: &str, stop: &StopDoc) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "route": stop.route,
        "stop": stop.stop,
        "kelurahan": stop.kelurahan,
        "place": stop.place,
        "day": stop.day,
        "start": stop.start.strftime("%H:%M").to_string(),
        "end": stop.end.strftime("%H:%M").to_string(),
        "vehicle": stop.vehicle,
    })
}

fn line(stop: &StopDoc) -> String {
    format!(
        "{:<14} {:<9} {}–{}  {} ({}, {}){}",
        stop.route,
        stop.day,
        stop.start.strftime("%H:%M"),
        stop.end.strftime("%H:%M"),
        stop.stop,
        stop.place,
        stop.kelurahan,
        stop.vehicle
            .as_deref()
            .map(|v| format!("  [{v}]"))
            .unwrap_or_default()
    )
}
