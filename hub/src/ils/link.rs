//! The link's state, kept in the hub between rounds and shown on `/staff`: since when the
//! stations' transactions are written into the system, when it last read and wrote, what
//! waits, and the last error.

use super::mirror::ReadMarks;
use super::slims::read::ReadCounts;
use crate::storage::{HubError, Storage};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LinkState {
    /// The system as the last round recognised it (`SLiMS 9`, `INLISLite 3.2`).
    #[serde(default)]
    pub system: String,
    /// Transactions the hub received from this moment on (`YYYY-MM-DDTHH:MM:SS`, UTC; a
    /// prefix of every received time in that second) are written into the system; those
    /// from before the link was set up are not (the system had its own record of them).
    pub since: String,
    /// The last round's end (RFC 3339), whatever became of it.
    #[serde(default)]
    pub last_round: Option<String>,
    /// The last complete read.
    #[serde(default)]
    pub last_read: Option<String>,
    /// The last read of everything (`last_read` may have read only what changed); one a
    /// day catches deletions and rows changed without a timestamp.
    #[serde(default)]
    pub last_full_read: Option<String>,
    /// Where the last read got to in the system's tables.
    #[serde(default)]
    pub marks: Option<ReadMarks>,
    /// The last round that wrote rows.
    #[serde(default)]
    pub last_write: Option<String>,
    /// Transactions waiting to be written after the last round.
    #[serde(default)]
    pub backlog: u64,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub last_error_at: Option<String>,
    /// What the last read found.
    #[serde(default)]
    pub read: ReadCounts,
    /// Since `since`: transactions written, and refused (conflicts).
    #[serde(default)]
    pub written: u64,
    #[serde(default)]
    pub conflicts: u64,
}

impl LinkState {
    /// The saved state, if the link ever ran.
    pub fn saved(storage: &dyn Storage) -> Result<Option<LinkState>, HubError> {
        storage
            .ils_link_state()?
            .map(|text| {
                serde_json::from_str(&text)
                    .map_err(|e| HubError::Corrupt(format!("the ILS link's state: {e}")))
            })
            .transpose()
    }

    /// The saved state, or a new one starting now (the first round ever).
    pub fn load(storage: &dyn Storage, now: Timestamp) -> Result<LinkState, HubError> {
        Ok(LinkState::saved(storage)?.unwrap_or_else(|| LinkState {
            since: now.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
            ..LinkState::default()
        }))
    }

    pub fn save(&self, storage: &dyn Storage) -> Result<(), HubError> {
        let text = serde_json::to_string(self)
            .map_err(|e| HubError::Invalid(format!("the ILS link's state: {e}")))?;
        storage.set_ils_link_state(&text)
    }
}
