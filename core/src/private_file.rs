//! Database files readable by their owner only: patron data and PIN verifiers live in them.
//! Created 0600 before SQLite opens them; SQLite gives the `-wal` and `-shm` files the
//! database's mode.

use std::io;
use std::path::Path;

/// Creates `path` (and its folder) with mode 0600 if it does not exist yet; an existing file
/// is left as it is.
pub fn create_private(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
