//! One round of the link: `swalayan-hub ils sync --once` (`{"read":{"members","items",
//! "titles","loans","holds"},"written","conflicts"}`). Today a round reads the whole system
//! (SLiMS); writing the stations' transactions back is the next part (docs/ils.md).

use super::schema::{self, Version};
use super::slims::read::{ReadCounts, read_all};
use super::{IlsError, IlsSettings};
use crate::storage::Storage;
use serde::Serialize;

/// What one round did.
#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub read: ReadCounts,
    /// ILS rows written for the stations' and the web's transactions.
    pub written: u64,
    /// Transactions the system refused (kept as hub conflicts for staff).
    pub conflicts: u64,
}

/// Runs one round against the system `settings` name.
pub fn once(
    settings: &IlsSettings,
    storage: &dyn Storage,
    library: &crate::config::Library,
) -> Result<Round, IlsError> {
    let mut conn = settings.connect()?;
    let columns = schema::columns(&mut conn)?;
    let version = schema::recognise(&columns, settings.kind)
        .map_err(|problems| IlsError::Database(problems.join("; ")))?;
    let default_branch = library
        .branches
        .first()
        .cloned()
        .unwrap_or_else(|| "pusat".to_string());
    let read = match version {
        Version::Slims9 => read_all(
            &mut conn,
            settings,
            storage,
            &library.timezone,
            &default_branch,
        )?,
        Version::Inlislite32 | Version::Inlislite33 => {
            return Err(IlsError::Settings(
                "reading INLISLite is not built yet: `ils check` works, `ils sync` does not (docs/ils.md)"
                    .into(),
            ));
        }
    };
    Ok(Round {
        read,
        written: 0,
        conflicts: 0,
    })
}
