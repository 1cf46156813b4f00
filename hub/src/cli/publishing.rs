//! `promotions` and `events`: what the kiosks' welcome screens and the web announce.

use super::args::{EventCommand, PromotionCommand};
use super::error::CliError;
use super::output::emit;
use crate::config::Library;
use crate::storage::{HubError, Storage};
use jiff::Timestamp;
use serde_json::{Value, json};
use swalayan_core::contract::documents::PromotionDoc;

pub(super) fn promotions(
    storage: &dyn Storage,
    command: PromotionCommand,
    json: bool,
) -> Result<(), CliError> {
    match command {
        PromotionCommand::Add {
            title,
            body,
            from,
            until,
            title_en,
            body_en,
            image,
            stations,
        } => {
            let image = match image {
                Some(path) => Some(crate::promotions::image_uri(
                    &std::fs::read(&path).map_err(|source| CliError::File {
                        what: format!("reading {}", path.display()),
                        source,
                    })?,
                )?),
                None => None,
            };
            let doc = swalayan_core::contract::documents::PromotionDoc {
                title,
                body,
                starts_on: from,
                ends_on: until,
                title_en,
                body_en,
                image,
                stations,
            };
            let id = crate::promotions::add(storage, doc)?;
            emit(json, &json!({"id": id}), || {
                format!("promotion {id} published")
            });
        }
        PromotionCommand::List => {
            let docs: Vec<(String, PromotionDoc)> = storage.all()?;
            let list: Vec<_> = docs
                .iter()
                .map(|(id, promotion)| json!({"id": id, "promotion": promotion}))
                .collect();
            emit(json, &json!(list), || {
                docs.iter()
                    .map(|(id, promotion)| format!("{id}  {}", promotion.title))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PromotionCommand::Remove { id } => {
            crate::promotions::remove(storage, &id)?;
            emit(json, &json!({"removed": id}), || {
                format!("promotion {id} withdrawn")
            });
        }
    }
    Ok(())
}

/// A wall-clock time for an event: civil (the library's clock), or an instant converted to it.
fn event_time(text: &str, library: &Library) -> Result<jiff::civil::DateTime, CliError> {
    let text = text.trim();
    if let Ok(civil) = text.parse::<jiff::civil::DateTime>() {
        return Ok(civil);
    }
    match text.parse::<Timestamp>() {
        Ok(instant) => Ok(instant
            .to_zoned_datetime(library.timezone.clone())
            .datetime()),
        Err(_) => Err(HubError::Invalid(format!(
            "'{text}' is not a date and time: write it as 2026-12-15T09:00"
        ))
        .into()),
    }
}

pub(super) fn events(
    storage: &dyn Storage,
    library: &Library,
    command: EventCommand,
    json: bool,
) -> Result<(), CliError> {
    use crate::events::{self, NewEvent};
    match command {
        EventCommand::Add {
            title,
            starts,
            ends,
            place,
            capacity,
            description,
            title_en,
            description_en,
            stations,
        } => {
            let event = NewEvent {
                title,
                starts: event_time(&starts, library)?,
                ends: event_time(&ends, library)?,
                place,
                description,
                capacity,
                title_en,
                description_en,
                stations,
            };
            let id = events::add(storage, &event)?;
            emit(json, &json!({"id": id}), || format!("event {id} published"));
        }
        EventCommand::List => {
            let list = events::list(storage)?;
            let value: Vec<_> = list
                .iter()
                .map(|(id, event)| {
                    let mut value = json!({"id": id});
                    if let (Some(map), Ok(Value::Object(doc))) =
                        (value.as_object_mut(), serde_json::to_value(event))
                    {
                        map.extend(doc);
                    }
                    value
                })
                .collect();
            emit(json, &json!(value), || {
                list.iter()
                    .map(|(id, e)| {
                        let places = match e.capacity {
                            Some(c) => {
                                format!("{}/{c} registered, {} waiting", e.registered, e.waiting)
                            }
                            None => format!("{} registered", e.registered),
                        };
                        format!("{id}  {}  {}  {places}", e.starts, e.title)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        EventCommand::Remove { id } => {
            let people = events::remove(storage, &id)?;
            emit(json, &json!({"removed": id, "registered": people}), || {
                if people == 0 {
                    format!("event {id} withdrawn")
                } else {
                    format!(
                        "event {id} withdrawn; {people} had registered: swalayan-hub events registrations {id}"
                    )
                }
            });
        }
        EventCommand::Registrations { id } => {
            let roster = events::registrations(storage, &id)?.unwrap_or_default();
            emit(json, &serde_json::to_value(&roster)?, || {
                let line = |r: &swalayan_core::contract::documents::Registration| match &r.card {
                    Some(card) => format!("card {card}"),
                    None => format!(
                        "{}  {}",
                        r.name.as_deref().unwrap_or(""),
                        r.phone.as_deref().unwrap_or("")
                    ),
                };
                let mut lines: Vec<String> = roster
                    .confirmed
                    .iter()
                    .enumerate()
                    .map(|(n, r)| format!("{:>3}. {}", n + 1, line(r)))
                    .collect();
                lines.extend(
                    roster
                        .waiting
                        .iter()
                        .enumerate()
                        .map(|(n, r)| format!("waiting {}. {}", n + 1, line(r))),
                );
                if lines.is_empty() {
                    "nobody has registered".to_string()
                } else {
                    lines.join("\n")
                }
            });
        }
    }
    Ok(())
}
