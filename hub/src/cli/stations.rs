//! `station add|rotate|revoke|list`: stations, their roles and tokens.

use super::args::StationCommand;
use super::error::CliError;
use super::output::emit;
use crate::storage::{self, HubError, Storage, hash_token};
use jiff::Timestamp;
use serde_json::json;

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
        StationCommand::Add { name, role } => {
            let token = new_token();
            if !storage.add_station(&name, role, &hash_token(&token), Timestamp::now())? {
                return Err(HubError::StationExists(name).into());
            }
            emit(
                json,
                &json!({"station": name, "role": role.code(), "token": token}),
                || token.clone(),
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

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}
