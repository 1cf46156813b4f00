//! What the fuzz targets share: the importers read files, so each input is written to a file of
//! this process's own first, and their records go to a sink that keeps nothing.

use std::path::PathBuf;
use std::sync::OnceLock;
use swalayan_core::domain::Policy;
use swalayan_core::import::{Applied, ImportError, ImportSink, ItemRecord, PatronRecord, TitleRecord};

/// Writes one input to this process's scratch file (in memory where /dev/shm exists) and
/// returns its path. libFuzzer runs one input at a time per process, so one file is enough.
pub fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("swalayan-fuzz-{}-{name}", std::process::id()));
    std::fs::write(&path, data).expect("the scratch directory is writable");
    path
}

/// Takes every record and stores nothing: the targets fuzz reading, not the store.
pub struct NullSink {
    next_title: i64,
}

impl NullSink {
    pub fn new() -> NullSink {
        NullSink { next_title: 1 }
    }
}

impl Default for NullSink {
    fn default() -> Self {
        NullSink::new()
    }
}

impl ImportSink for NullSink {
    fn title(&mut self, _record: &TitleRecord) -> Result<(i64, Applied), ImportError> {
        self.next_title += 1;
        Ok((self.next_title, Applied::Inserted))
    }

    fn item(&mut self, _title_id: i64, _record: &ItemRecord) -> Result<Applied, ImportError> {
        Ok(Applied::Inserted)
    }

    fn patron(&mut self, _record: &PatronRecord) -> Result<Applied, ImportError> {
        Ok(Applied::Inserted)
    }

    fn flush(&mut self) -> Result<(), ImportError> {
        Ok(())
    }
}

/// The compiled-in default policy, read once (reading it per input would be most of the work).
pub fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(Policy::default_policy)
}

/// Runs the MARC importer over one file with the default policy and Koha's holdings field.
pub fn import_marc_file(path: &std::path::Path) {
    use swalayan_core::import::marc::{MarcOptions, import_marc};
    let options = MarcOptions {
        holdings: "952p".parse().expect("952p is a holdings spec"),
        policy: policy(),
        default_item_type: "book",
        default_branch: "main",
    };
    let _ = import_marc(path, &options, &mut NullSink::new(), &mut |_| {});
}
