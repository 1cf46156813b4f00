//! The files on disk, by content: `<dir>/<first two hex digits>/<SHA-256 in hex>`, never by
//! the name a file was uploaded with (no path from outside ever reaches the file system, and
//! the same scan uploaded twice is kept once).
//!
//! An upload is written to `<dir>/incoming/` while it is hashed, synced, then renamed into
//! place: a power cut leaves either no file or the whole file, never half of one under its
//! hash (a leftover in `incoming/` is removed the next time the store opens).

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The first bytes of an upload, kept to tell its type by.
pub const HEAD_BYTES: usize = 8192;

/// The store under one folder.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the file is larger than {limit_mb} MB ([digital] max_file_mb)")]
    TooLarge { limit_mb: u64 },
    #[error("the digital files' folder {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// A file received whole and in place.
#[derive(Debug, Clone)]
pub struct Kept {
    pub hash: String,
    pub bytes: u64,
    /// Its first [`HEAD_BYTES`] bytes.
    pub head: Vec<u8>,
}

impl FileStore {
    /// Opens (creating) the store, clearing uploads a crash left half-written.
    pub fn open(dir: &Path) -> Result<FileStore, StoreError> {
        let store = FileStore {
            dir: dir.to_path_buf(),
        };
        let incoming = store.incoming();
        std::fs::create_dir_all(&incoming).map_err(|e| store.io(&incoming, e))?;
        if let Ok(entries) = std::fs::read_dir(&incoming) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(store)
    }

    /// Where the file with this hash is (whether or not it is there). A hash is 64 hex
    /// digits; anything else has no path.
    pub fn path(&self, hash: &str) -> Option<PathBuf> {
        let valid =
            hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| self.dir.join(&hash[..2]).join(hash))
    }

    /// Starts receiving a file of at most `limit` bytes.
    pub fn receive(&self, limit: u64) -> Result<Incoming, StoreError> {
        let path = self
            .incoming()
            .join(uuid::Uuid::now_v7().simple().to_string());
        let file = File::create(&path).map_err(|e| self.io(&path, e))?;
        Ok(Incoming {
            store: self.clone(),
            file: Some(file),
            path,
            hasher: Sha256::new(),
            bytes: 0,
            head: Vec::new(),
            limit,
        })
    }

    /// Keeps bytes made here (a cover's sizes).
    pub fn keep(&self, bytes: &[u8]) -> Result<Kept, StoreError> {
        let mut incoming = self.receive(u64::MAX)?;
        incoming.write(bytes)?;
        incoming.finish()
    }

    /// Removes a file whose content was refused (a content that is refused is never
    /// attached anywhere: whether it is acceptable depends on the content alone).
    pub fn discard(&self, hash: &str) {
        if let Some(path) = self.path(hash) {
            let _ = std::fs::remove_file(path);
        }
    }

    fn incoming(&self) -> PathBuf {
        self.dir.join("incoming")
    }

    fn io(&self, path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// A file being received; dropped before [`Incoming::finish`], it leaves nothing behind.
pub struct Incoming {
    store: FileStore,
    file: Option<File>,
    path: PathBuf,
    hasher: Sha256,
    bytes: u64,
    head: Vec<u8>,
    limit: u64,
}

impl Incoming {
    /// Appends a chunk; refuses (keeping nothing) once the file passes its limit.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        self.bytes += chunk.len() as u64;
        if self.bytes > self.limit {
            return Err(StoreError::TooLarge {
                limit_mb: self.limit / (1024 * 1024),
            });
        }
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        file.write_all(chunk)
            .map_err(|e| self.store.io(&self.path, e))
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The first bytes received so far (up to [`HEAD_BYTES`]).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Syncs the file and puts it in place under its hash (a file with that content already
    /// there is kept and this copy dropped).
    pub fn finish(mut self) -> Result<Kept, StoreError> {
        let file = self.file.take();
        if let Some(file) = file {
            file.sync_all().map_err(|e| self.store.io(&self.path, e))?;
        }
        let hash = hex::encode(std::mem::take(&mut self.hasher).finalize());
        let target = self.store.dir.join(&hash[..2]).join(&hash);
        let folder = self.store.dir.join(&hash[..2]);
        std::fs::create_dir_all(&folder).map_err(|e| self.store.io(&folder, e))?;
        if target.exists() {
            let _ = std::fs::remove_file(&self.path);
        } else {
            std::fs::rename(&self.path, &target).map_err(|e| self.store.io(&target, e))?;
            // The rename itself survives a power cut once the folder is synced.
            if let Ok(dir) = File::open(&folder) {
                let _ = dir.sync_all();
            }
        }
        self.path = PathBuf::new();
        Ok(Kept {
            hash,
            bytes: self.bytes,
            head: std::mem::take(&mut self.head),
        })
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_kept_once_by_content_and_a_refused_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        let mut upload = store.receive(1024).unwrap();
        upload.write(b"halaman ").unwrap();
        upload.write(b"satu").unwrap();
        let kept = upload.finish().unwrap();
        // sha256("halaman satu"), computed apart from this code (sha256sum).
        assert_eq!(
            kept.hash,
            "404a0a0c7d570f2964c1842a1d9e261c7e88de826de88ad06b55073f5b22707b"
        );
        let path = store.path(&kept.hash).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"halaman satu");
        assert_eq!(store.keep(b"halaman satu").unwrap().hash, kept.hash);

        let mut big = store.receive(4).unwrap();
        assert!(matches!(
            big.write(b"too long"),
            Err(StoreError::TooLarge { .. })
        ));
        drop(big);
        let leftovers = std::fs::read_dir(dir.path().join("incoming"))
            .unwrap()
            .count();
        assert_eq!(leftovers, 0, "a refused upload leaves nothing");
        assert!(store.path("../../etc/passwd").is_none());
        assert!(store.path(&"A".repeat(64)).is_none());
    }
}
