//! The library's policy from a TOML file (see `config/policy.toml`) into the station's store.
//! Parsing is the core's ([`parse_policy`]), shared with the hub.

use super::ImportError;
use crate::domain::Policy;
use crate::store::StoreError;
use crate::store::{Store, meta};
use jiff::Timestamp;
use rusqlite::Connection;
use std::path::Path;

pub use swalayan_core::import::policy::{parse_policy, toml_error_message};

/// Reads, validates and stores a policy; items and patrons already stored keep their codes,
/// so a policy that drops a code still in use is refused.
pub fn import_policy(
    path: &Path,
    store: &mut Store,
    now: Timestamp,
) -> Result<Policy, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let policy = parse_policy(path, &text)?;
    let tx = store.write().map_err(ImportError::sink)?;
    if let Some(dropped) = codes_dropped(&tx, &policy).map_err(ImportError::sink)? {
        return Err(ImportError::Format {
            path: path.to_path_buf(),
            message: dropped,
        });
    }
    meta::set_policy(&tx, &text, now).map_err(ImportError::sink)?;
    tx.commit()
        .map_err(|e| ImportError::sink(StoreError::from(e)))?;
    Ok(policy)
}

/// Why a policy cannot replace this station's: the categories and item types it drops that
/// stored patrons and items still carry (a sentence for staff), or `None` when it may.
pub fn codes_dropped(conn: &Connection, policy: &Policy) -> Result<Option<String>, StoreError> {
    let in_use = |sql: &str| -> Result<Vec<String>, StoreError> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let missing_categories: Vec<String> = in_use("SELECT DISTINCT category FROM patrons")?
        .into_iter()
        .filter(|c| !policy.categories.contains_key(c))
        .collect();
    let missing_types: Vec<String> = in_use("SELECT DISTINCT item_type FROM items")?
        .into_iter()
        .filter(|t| !policy.item_types.contains_key(t))
        .collect();
    if missing_categories.is_empty() && missing_types.is_empty() {
        return Ok(None);
    }
    Ok(Some(format!(
        "the policy drops codes still in use: categories [{}], item types [{}]; keep them or re-import those records first",
        missing_categories.join(", "),
        missing_types.join(", ")
    )))
}
