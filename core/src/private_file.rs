//! Files readable by their owner only: databases (patron data and PIN verifiers live in
//! them; created 0600 before SQLite opens them, and SQLite gives the `-wal` and `-shm` files
//! the database's mode) and exports that name card numbers.

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

/// Opens `path` for writing from empty, readable by the owner only: a new file is created
/// 0600, and an existing one is truncated and set to 0600 (an export of card numbers must
/// not stay world-readable because an older file had that mode).
pub fn write_private(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}
