//! The RFID pad: polls the reader and keeps what lies on it, reading each tag's data once.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use swalayan_hardware::rfid::security::set_afi_verified;
use swalayan_hardware::rfid::{RfidError, TagReader, TagReport, Uid, iso28560};

/// The tags on the pad, read through a [`TagReader`].
pub struct Pad {
    reader: Box<dyn TagReader>,
    /// Tags seen on the last poll, with their data (read once per stay on the pad).
    present: BTreeMap<Uid, TagReport>,
}

impl Pad {
    pub fn new(reader: Box<dyn TagReader>) -> Pad {
        Pad {
            reader,
            present: BTreeMap::new(),
        }
    }

    /// Inventories the field: returns every tag now on the pad. Data is read only for tags
    /// that just arrived, so a resting stack costs one inventory per poll.
    pub fn poll(&mut self) -> Result<Vec<TagReport>, RfidError> {
        let tags = self.reader.inventory()?;
        let mut next = BTreeMap::new();
        for tag in tags {
            let report = match self.present.remove(&tag.uid) {
                Some(known) if known.data.is_ok() => known,
                _ => read_one(self.reader.as_mut(), tag.uid),
            };
            next.insert(tag.uid, report);
        }
        self.present = next;
        Ok(self.present.values().cloned().collect())
    }

    /// Writes an AFI and reads it back (3 attempts).
    pub fn secure(&mut self, uid: Uid, afi: u8) -> Result<(), RfidError> {
        let result = set_afi_verified(self.reader.as_mut(), uid, afi, 3);
        if let (Ok(()), Some(report)) = (&result, self.present.get_mut(&uid)) {
            report.afi = Some(afi);
        }
        result
    }

    pub fn reader(&mut self) -> &mut dyn TagReader {
        self.reader.as_mut()
    }
}

/// The pad shared between the thread that polls it (the runtime's RFID device) and the role
/// that writes security bits and reads tags for staff. Each call holds the reader for one
/// inventory or one write, so a poll never interleaves with a write on the serial line.
#[derive(Clone)]
pub struct SharedPad(Arc<Mutex<Pad>>);

impl SharedPad {
    pub fn new(pad: Pad) -> SharedPad {
        SharedPad(Arc::new(Mutex::new(pad)))
    }

    fn lock(&self) -> MutexGuard<'_, Pad> {
        // A panic while polling leaves the pad's cache usable: take it as it is.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// See [`Pad::poll`].
    pub fn poll(&self) -> Result<Vec<TagReport>, RfidError> {
        self.lock().poll()
    }

    /// See [`Pad::secure`].
    pub fn secure(&self, uid: Uid, afi: u8) -> Result<(), RfidError> {
        self.lock().secure(uid, afi)
    }
}

fn read_one(reader: &mut dyn TagReader, uid: Uid) -> TagReport {
    let info = reader.system_info(uid);
    let afi = info.as_ref().ok().map(|i| i.afi);
    let data = reader
        .read_blocks(uid, 0, 8)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            iso28560::decode(&bytes[..bytes.len().min(32)]).map_err(|e| e.to_string())
        });
    TagReport { uid, afi, data }
}
