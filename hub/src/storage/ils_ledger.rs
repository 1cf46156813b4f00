//! What the hub keeps of its writes into the library's own system (`[ils]`): one entry per
//! source it wrote — a transaction (`tx:<id>`), a hold placed here (`hold:<key>`), a hold
//! ended here (`hold-end:<key>`: picked up, cancelled, expired) — with the system's rows it made. An entry is added
//! only after the rows are in the system; a source without one is written again, and the
//! writer first looks for rows it may already have made (a crash between the two), so each
//! reaches the system once. The link's state for `/staff` is kept beside it.

use serde::{Deserialize, Serialize};

/// What became of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IlsOutcome {
    /// The system's rows were written (or found written).
    Written,
    /// Nothing to write: the system already shows it (its desk did the same), or it is not
    /// the system's to hear of.
    Nothing,
    /// The system is the record and disagrees: nothing written; a transaction becomes a
    /// conflict for staff with `detail` as its reason.
    Refused,
}

impl IlsOutcome {
    pub fn code(self) -> &'static str {
        match self {
            IlsOutcome::Written => "written",
            IlsOutcome::Nothing => "nothing",
            IlsOutcome::Refused => "refused",
        }
    }

    pub fn parse(code: &str) -> super::Result<IlsOutcome> {
        match code {
            "written" => Ok(IlsOutcome::Written),
            "nothing" => Ok(IlsOutcome::Nothing),
            "refused" => Ok(IlsOutcome::Refused),
            other => Err(super::HubError::Corrupt(format!("ILS outcome '{other}'"))),
        }
    }
}

/// One entry of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IlsWrite {
    /// `tx:<uuid>`, `hold:<key>` or `hold-end:<key>`.
    pub source: String,
    pub outcome: IlsOutcome,
    /// The system's rows, as `table:id` (`loan:812`, `fines:77`, `reserve:15`).
    pub rows: Vec<String>,
    /// In words, for staff.
    pub detail: String,
    /// When it was recorded (RFC 3339).
    pub at: String,
}

impl IlsWrite {
    /// An entry recorded now.
    pub fn now(source: String, outcome: IlsOutcome, rows: Vec<String>, detail: String) -> IlsWrite {
        IlsWrite {
            source,
            outcome,
            rows,
            detail,
            at: super::instant_text(jiff::Timestamp::now()),
        }
    }

    /// The source key of a transaction.
    pub fn tx_source(id: uuid::Uuid) -> String {
        format!("tx:{id}")
    }

    /// The id of the row of `table` it made, if any.
    pub fn row(&self, table: &str) -> Option<i64> {
        self.rows.iter().find_map(|row| {
            let (t, id) = row.split_once(':')?;
            (t == table).then(|| id.parse().ok()).flatten()
        })
    }
}

/// An entry as a backend reads it back.
pub(crate) fn entry(
    source: String,
    outcome: &str,
    rows: &str,
    detail: String,
    at: String,
) -> super::Result<IlsWrite> {
    Ok(IlsWrite {
        source,
        outcome: IlsOutcome::parse(outcome)?,
        rows: serde_json::from_str(rows)
            .map_err(|e| super::HubError::Corrupt(format!("ILS rows '{rows}': {e}")))?,
        detail,
        at,
    })
}
