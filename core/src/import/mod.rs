//! Catalog and patron import: CSV, MARC 21 (ISO 2709 and MARCXML), policy TOML, the demo.
//!
//! Importers parse files into plain records and hand them to an [`ImportSink`]; the station's
//! store is one sink (`swalayan::import::StoreSink`), the hub's database another. A bad row or record
//! is skipped and reported with its file and line (or record number); it never aborts the file.

pub mod csv;
pub mod marc;
pub mod marc8;
pub mod policy;

pub use marc::MarcImportArgs;

use crate::domain::{ItemStatus, Money};
use jiff::civil::Date;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A bibliographic record as an import provides it.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleRecord {
    /// Identifies the record across re-imports: `001:<control number>`, `isbn:<isbn>` or
    /// `title:<title>|<author>`.
    pub key: String,
    pub title: String,
    pub author: Option<String>,
    pub isbn: Option<String>,
    pub call_number: Option<String>,
    /// Subject headings (MARC 6XX), for the public catalogue's subject search.
    pub subjects: Vec<String>,
    /// The title online (MARC 856, CSV `url`).
    pub links: Vec<crate::contract::documents::OnlineLink>,
}

/// A copy as an import provides it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    pub barcode: String,
    pub item_type: String,
    /// A catalog status (available, lost, missing, withdrawn, not_for_loan).
    pub status: ItemStatus,
    pub damaged: bool,
    pub parts: u32,
    pub call_number: Option<String>,
    pub branch: String,
    /// When the library acquired the copy (CSV `acquired`, Koha's 952$d), if the record says.
    pub acquired: Option<Date>,
}

/// A patron as an import provides it. PINs arrive here already hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct PatronRecord {
    pub card: String,
    pub name: String,
    pub category: String,
    pub expires: Date,
    pub pin_hash: Option<String>,
    pub blocked: bool,
    pub block_note: Option<String>,
    pub fines: Money,
    /// Phone, e-mail and the channel consented to (issue #30), when the record has them; the
    /// hub keeps them apart from the patron document (stations never get them), a station's
    /// own import ignores them.
    pub contact: Option<crate::contact::ContactRecord>,
    /// When the member joined the library (issue #32: the year's new members), when the
    /// record says; members the hub had before it kept dates have none.
    pub joined: Option<Date>,
    /// The kelurahan (urban village) the member lives in, when given.
    pub kelurahan: Option<String>,
}

/// What a sink did with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Inserted,
    Updated,
    Unchanged,
    /// The record contradicts circulation here (e.g. "lost" for an item on loan): reported,
    /// not applied.
    Contradiction(String),
}

/// Where imported records go.
pub trait ImportSink {
    /// Stores a title; returns its id for the items that follow.
    fn title(&mut self, record: &TitleRecord) -> Result<(i64, Applied), ImportError>;
    fn item(&mut self, title_id: i64, record: &ItemRecord) -> Result<Applied, ImportError>;
    fn patron(&mut self, record: &PatronRecord) -> Result<Applied, ImportError>;
    /// Makes everything so far durable.
    fn flush(&mut self) -> Result<(), ImportError>;
}

/// Why an import could not run at all (a bad row is not an error: it is skipped and counted).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    /// The sink (the station's store, the hub's database) failed.
    #[error(transparent)]
    Sink(Box<dyn std::error::Error + Send + Sync>),
}

impl ImportError {
    /// A sink's failure, from its own error or a sentence.
    pub fn sink(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ImportError {
        ImportError::Sink(error.into())
    }
}

/// One skipped record and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// `file:line` for CSV, `file#record` for MARC.
    pub at: String,
    pub reason: String,
}

/// The result of importing one or more files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    /// Records (rows, MARC records) read.
    pub records: u64,
    /// Records stored (inserted, updated or already up to date).
    pub imported: u64,
    pub skipped: u64,
    /// Copies stored (MARC holdings, item rows).
    pub items: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows that contradict circulation here: reported, not applied.
    pub contradictions: Vec<Skipped>,
    /// Why records were skipped (the first 1,000).
    pub errors: Vec<Skipped>,
}

/// Keeps reports bounded on a file that is broken throughout.
const MAX_REPORTED: usize = 1000;

impl ImportSummary {
    pub fn skip(&mut self, at: String, reason: impl Into<String>) {
        self.skipped += 1;
        if self.errors.len() < MAX_REPORTED {
            self.errors.push(Skipped {
                at,
                reason: reason.into(),
            });
        }
    }

    /// Counts what a sink did with a record; `is_item` counts copies apart.
    pub fn applied(
        &mut self,
        at: impl FnOnce() -> String,
        applied: Applied,
        is_item: bool,
    ) -> bool {
        match applied {
            Applied::Contradiction(reason) => {
                if self.contradictions.len() < MAX_REPORTED {
                    self.contradictions.push(Skipped { at: at(), reason });
                }
                false
            }
            other => {
                match other {
                    Applied::Inserted => self.inserted += 1,
                    Applied::Updated => self.updated += 1,
                    _ => self.unchanged += 1,
                }
                if is_item {
                    self.items += 1;
                }
                true
            }
        }
    }

    pub fn merge(&mut self, other: ImportSummary) {
        self.records += other.records;
        self.imported += other.imported;
        self.skipped += other.skipped;
        self.items += other.items;
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.contradictions.extend(other.contradictions);
        self.errors.extend(other.errors);
        self.contradictions.truncate(MAX_REPORTED);
        self.errors.truncate(MAX_REPORTED);
    }
}

/// `file:line` for reports.
pub(crate) fn at_line(path: &Path, line: u64) -> String {
    format!("{}:{line}", path.display())
}
