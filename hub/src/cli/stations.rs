//! `station add|rotate|revoke|list`: stations, their roles and tokens.

use super::args::StationCommand;
use super::error::CliError;
use super::output::emit;
use crate::storage::{self, HubError, Storage, hash_token};
use jiff::Timestamp;
use serde_json::json;
use swalayan_core::contract::documents::CardRangeDoc;
use swalayan_core::contract::roles::StationRole;

pub(super) fn station(
    storage: &dyn Storage,
    command: StationCommand,
    json: bool,
) -> Result<(), CliError> {
    let no_such = |name: &str| HubError::NotFound(format!("no station named '{name}'"));
    let reserved = |name: &str| {
        HubError::Invalid(format!(
            "'{name}' is a name the hub keeps for itself (reserved: {}); choose another",
            storage::RESERVED_STATION_NAMES.join(", ")
        ))
    };
    match command {
        StationCommand::Add { name, .. } | StationCommand::Rotate { name }
            if storage::is_reserved_station_name(&name) =>
        {
            return Err(reserved(&name).into());
        }
        StationCommand::Add { name, role, cards } => {
            let range = match (role, cards) {
                (StationRole::Mobile, Some(cards)) => Some(card_range(storage, &name, &cards)?),
                (StationRole::Mobile, None) => {
                    return Err(HubError::Invalid(
                        "a mobile station needs --cards FIRST-LAST: the card numbers it gives members it registers (e.g. --cards MB0100000-MB0100999)".into(),
                    )
                    .into());
                }
                (_, Some(_)) => {
                    return Err(HubError::Invalid(
                        "--cards is for mobile stations (--role mobile)".into(),
                    )
                    .into());
                }
                (_, None) => None,
            };
            let token = new_token();
            if !storage.add_station(&name, role, &hash_token(&token), Timestamp::now())? {
                return Err(HubError::StationExists(name).into());
            }
            if let Some(range) = &range {
                put_range(storage, &name, range)?;
            }
            let mut answer = json!({"station": name, "role": role.code(), "token": token});
            if let Some(range) = &range {
                answer["cards"] = json!({"first": range.first, "last": range.last});
            }
            emit(json, &answer, || token.clone());
        }
        StationCommand::Cards { name, range } => {
            let known = storage.stations()?.into_iter().find(|s| s.station == name);
            match known {
                None => return Err(no_such(&name).into()),
                Some(s) if s.role != StationRole::Mobile => {
                    return Err(HubError::Invalid(format!(
                        "station {name} is a {} station: only mobile stations register members",
                        s.role.code()
                    ))
                    .into());
                }
                Some(_) => {}
            }
            let range = card_range(storage, &name, &range)?;
            // Cards given from the old range on the road stay good.
            let range = match storage
                .all::<CardRangeDoc>()?
                .into_iter()
                .find(|(s, _)| *s == name)
            {
                Some((_, old)) => old.replaced_by(range),
                None => range,
            };
            put_range(storage, &name, &range)?;
            emit(
                json,
                &json!({"station": name, "cards": {"first": range.first, "last": range.last}}),
                || {
                    format!(
                        "station {name} now gives cards {} to {} ({} numbers)",
                        range.first,
                        range.last,
                        range.size()
                    )
                },
            );
        }
        StationCommand::Rotate { name } => {
            let token = new_token();
            if !storage.set_token_hash(&name, &hash_token(&token))? {
                return Err(no_such(&name).into());
            }
            emit(json, &json!({"station": name, "token": token}), || {
                token.clone()
            });
        }
        StationCommand::Revoke { name } => {
            if !storage.set_token_hash(&name, &storage::revoked_token_hash())? {
                return Err(no_such(&name).into());
            }
            emit(json, &json!({"station": name, "revoked": true}), || {
                format!("station {name} revoked: its token no longer works")
            });
        }
        StationCommand::List => {
            let stations = storage.stations()?;
            emit(json, &serde_json::to_value(&stations)?, || {
                stations
                    .iter()
                    .map(|s| {
                        format!(
                            "{}  {}  last seen {}  pending {}  conflicts {}{}",
                            s.station,
                            s.role.code(),
                            s.last_seen.as_deref().unwrap_or("never"),
                            s.pending.map_or("?".to_string(), |p| p.to_string()),
                            s.conflicts,
                            if s.revoked { "  REVOKED" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

/// A range staff typed, refused when it shares a card with another station's.
fn card_range(storage: &dyn Storage, name: &str, text: &str) -> Result<CardRangeDoc, HubError> {
    let range = CardRangeDoc::parse(text).map_err(HubError::Invalid)?;
    if let Some((other, _)) = storage
        .all::<CardRangeDoc>()?
        .into_iter()
        .find(|(station, theirs)| station != name && theirs.overlaps(&range))
    {
        return Err(HubError::Invalid(format!(
            "cards {}-{} overlap station {other}'s range: choose numbers no other station gives",
            range.first, range.last
        )));
    }
    Ok(range)
}

/// Stores a station's range; its next pull brings it.
fn put_range(storage: &dyn Storage, name: &str, range: &CardRangeDoc) -> Result<(), HubError> {
    storage.write(&mut |tx| {
        tx.put_doc(name, Some(range))?;
        Ok(())
    })
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}
