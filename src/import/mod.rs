//! Import at the station: the core's file importers (CSV, MARC 21, policy TOML; re-exported
//! from `swalayan-core`) into the station's store, and the demo library.
//!
//! - [`StoreSink`]: the store as an [`ImportSink`].
//! - [`policy`]: a policy file into the store.
//! - [`demo`]: the demo library.

pub use swalayan_core::import::{
    Applied, ImportError, ImportSink, ImportSummary, ItemRecord, MarcImportArgs, PatronRecord,
    Skipped, TitleRecord, csv, marc, marc8,
};

pub mod demo;
pub mod policy;

use crate::store::{Store, StoreError, catalog};

fn sink_error(e: rusqlite::Error) -> ImportError {
    ImportError::sink(StoreError::from(e))
}

/// The station's store failing under an import is the sink failing.
impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> ImportError {
        ImportError::sink(e)
    }
}

/// The station store as an import sink: writes in transactions of up to 50,000 records, so an
/// import is fast and a crash loses at most the batch in progress (re-running is an upsert).
pub struct StoreSink<'a> {
    store: &'a mut Store,
    in_batch: usize,
}

// Larger batches measured faster for big files (fewer commits, fewer search-index segments):
// 250,000 MARC records in 5.4-5.9 s at 5,000, 4.1-5.0 s at 50,000 (docs/PERFORMANCE.md).
const BATCH: usize = 50_000;

impl<'a> StoreSink<'a> {
    pub fn new(store: &'a mut Store) -> StoreSink<'a> {
        StoreSink { store, in_batch: 0 }
    }

    fn before_write(&mut self) -> Result<(), ImportError> {
        if self.in_batch == 0 {
            self.store
                .conn()
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(sink_error)?;
        }
        self.in_batch += 1;
        if self.in_batch >= BATCH {
            self.flush()?;
            self.store
                .conn()
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(sink_error)?;
            self.in_batch = 1;
        }
        Ok(())
    }
}

impl ImportSink for StoreSink<'_> {
    fn title(&mut self, record: &TitleRecord) -> Result<(i64, Applied), ImportError> {
        self.before_write()?;
        catalog::upsert_title(self.store.conn(), record).map_err(ImportError::sink)
    }

    fn item(&mut self, title_id: i64, record: &ItemRecord) -> Result<Applied, ImportError> {
        self.before_write()?;
        catalog::upsert_item(self.store.conn(), title_id, record).map_err(ImportError::sink)
    }

    fn patron(&mut self, record: &PatronRecord) -> Result<Applied, ImportError> {
        self.before_write()?;
        catalog::upsert_patron(self.store.conn(), record).map_err(ImportError::sink)
    }

    fn flush(&mut self) -> Result<(), ImportError> {
        if self.in_batch > 0 {
            self.store
                .conn()
                .execute_batch("COMMIT")
                .map_err(sink_error)?;
            self.in_batch = 0;
        }
        Ok(())
    }
}

impl Drop for StoreSink<'_> {
    fn drop(&mut self) {
        // A sink dropped without flush (an error on the way) rolls back its open batch.
        if self.in_batch > 0 {
            let _ = self.store.conn().execute_batch("ROLLBACK");
        }
    }
}
