//! A SQLite VFS that loses power on cue: the disk of a station whose plug is pulled.
//!
//! It wraps the platform's VFS, so SQLite reads and writes real files as usual, and beside each
//! file keeps what a disk would still hold after a power cut: the contents as of the file's
//! last sync, and the writes made since (not yet durable). At the cut, chosen as the N-th
//! write, sync or truncate from arming, the machine dies: that operation and every one after it
//! fails, and [`Disk::after_the_cut`] gives the files as the disk holds them — every synced
//! write, and of the unsynced ones none (or, in [`Loss::SomeUnsynced`], each with an even
//! chance, in any order: a disk's cache may write back whatever it likes before power dies).
//!
//! The shared memory index (`-shm`) is not a file here: SQLite rebuilds it from the WAL.

use rusqlite::ffi;
use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The VFS's name for `Store::open_with_vfs`.
pub const NAME: &str = "powercut";

/// What becomes of the writes not yet synced when the power goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// None of them reached the platter.
    AllUnsynced,
    /// Each reached it or not by a coin toss (seeded): write-back in any order.
    SomeUnsynced { seed: u64 },
}

/// One file as the disk holds it.
#[derive(Default)]
struct Image {
    /// The contents as of the last sync.
    durable: Vec<u8>,
    /// Writes and truncations since, in order.
    unsynced: Vec<Change>,
}

enum Change {
    Write { offset: usize, data: Vec<u8> },
    Truncate(usize),
}

impl Change {
    fn apply(&self, to: &mut Vec<u8>) {
        match self {
            Change::Write { offset, data } => {
                if to.len() < offset + data.len() {
                    to.resize(offset + data.len(), 0);
                }
                to[*offset..offset + data.len()].copy_from_slice(data);
            }
            Change::Truncate(size) => to.truncate(*size),
        }
    }
}

/// The disk of one test (a folder): its files, its operation count and its fate.
#[derive(Default)]
pub struct Disk {
    files: HashMap<PathBuf, Image>,
    operations: u64,
    cut_at: Option<u64>,
    /// The files as the disk held them when the power went.
    survivors: Option<HashMap<PathBuf, Vec<u8>>>,
    loss: Option<Loss>,
}

static DISKS: Mutex<Vec<(PathBuf, Disk)>> = Mutex::new(Vec::new());

fn disks() -> MutexGuard<'static, Vec<(PathBuf, Disk)>> {
    DISKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The disk a file lives on: the folder a test made for it.
fn with_disk<T>(file: &Path, f: impl FnOnce(&mut Disk) -> T) -> Option<T> {
    let mut disks = disks();
    let (_, disk) = disks.iter_mut().find(|(root, _)| file.starts_with(root))?;
    Some(f(disk))
}

impl Disk {
    /// Puts a folder's files on a disk of their own (before any is opened).
    pub fn mount(root: &Path) {
        register();
        let mut disks = disks();
        disks.retain(|(r, _)| r != root);
        disks.push((root.to_path_buf(), Disk::default()));
    }

    /// The power goes at the `after`-th write, sync or truncate from now.
    pub fn arm(root: &Path, after: u64, loss: Loss) {
        let mut disks = disks();
        let (_, disk) = disks.iter_mut().find(|(r, _)| r == root).expect("mounted");
        disk.cut_at = Some(disk.operations + after.max(1));
        disk.loss = Some(loss);
    }

    /// Whether the power went.
    pub fn is_cut(root: &Path) -> bool {
        disks()
            .iter()
            .any(|(r, disk)| r == root && disk.survivors.is_some())
    }

    /// Cuts the power now if it has not gone yet (a storm that ended before its cut).
    pub fn cut_now(root: &Path) {
        let mut disks = disks();
        if let Some((_, disk)) = disks
            .iter_mut()
            .find(|(r, disk)| r == root && disk.survivors.is_none())
        {
            disk.cut();
        }
    }

    /// The files as the disk held them after the cut, written under `into` (same names).
    pub fn after_the_cut(root: &Path, into: &Path) -> Vec<PathBuf> {
        let mut disks = disks();
        let (_, disk) = disks.iter_mut().find(|(r, _)| r == root).expect("mounted");
        let survivors = disk.survivors.take().expect("the power went");
        let mut written = Vec::new();
        for (path, contents) in survivors {
            let name = path.strip_prefix(root).expect("on this disk");
            let target = into.join(name);
            std::fs::write(&target, contents).expect("write the surviving file");
            written.push(target);
        }
        disks.retain(|(r, _)| r != root);
        written
    }

    fn cut(&mut self) {
        let mut coin = match self.loss {
            Some(Loss::SomeUnsynced { seed }) => Some(seed | 1),
            _ => None,
        };
        let survivors = self
            .files
            .iter()
            .map(|(path, image)| {
                let mut contents = image.durable.clone();
                if let Some(state) = coin.as_mut() {
                    for change in &image.unsynced {
                        // xorshift64: a seeded coin, so a failure can be replayed.
                        *state ^= *state << 13;
                        *state ^= *state >> 7;
                        *state ^= *state << 17;
                        if *state & 1 == 1 {
                            change.apply(&mut contents);
                        }
                    }
                }
                (path.clone(), contents)
            })
            .collect();
        self.survivors = Some(survivors);
    }

    /// Counts an operation that changes the disk; false when the power is (now) gone.
    fn powered(&mut self) -> bool {
        if self.survivors.is_some() {
            return false;
        }
        self.operations += 1;
        if self.cut_at.is_some_and(|at| self.operations >= at) {
            self.cut();
            return false;
        }
        true
    }
}

/// Our file: SQLite's base struct first, then the platform VFS's file and its path.
#[repr(C)]
struct File {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    path: Option<PathBuf>,
}

fn real_vfs() -> *mut ffi::sqlite3_vfs {
    // SAFETY: the default VFS is registered by SQLite itself and lives as long as the process.
    unsafe { ffi::sqlite3_vfs_find(std::ptr::null()) }
}

fn real_methods(file: *mut ffi::sqlite3_file) -> &'static ffi::sqlite3_io_methods {
    // SAFETY: our xOpen set `real` to an open file of the platform VFS, whose methods table
    // is static in SQLite.
    unsafe { &*(*(*(file as *mut File)).real).pMethods }
}

fn real_file(file: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    // SAFETY: `file` is one of ours (SQLite calls our methods with our files only).
    unsafe { (*(file as *mut File)).real }
}

fn path_of(file: *mut ffi::sqlite3_file) -> Option<PathBuf> {
    // SAFETY: as above.
    unsafe { (*(file as *mut File)).path.clone() }
}

/// Runs `f` on the file's disk if it has one; files elsewhere are always powered.
fn on_disk(file: *mut ffi::sqlite3_file, f: impl FnOnce(&mut Disk, &Path) -> bool) -> bool {
    match path_of(file) {
        Some(path) => with_disk(&path, |disk| f(disk, &path)).unwrap_or(true),
        None => true,
    }
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    let real = real_file(file);
    // SAFETY: the real file is open; after closing it we free what our xOpen allocated.
    unsafe {
        let rc = (real_methods(file).xClose.expect("xClose"))(real);
        ffi::sqlite3_free(real as *mut c_void);
        std::ptr::drop_in_place(&mut (*(file as *mut File)).path);
        rc
    }
}

unsafe extern "C" fn x_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: forwarded as received.
    unsafe { (real_methods(file).xRead.expect("xRead"))(real_file(file), buf, amount, offset) }
}

unsafe extern "C" fn x_write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: SQLite hands us `amount` readable bytes at `buf`.
    let data = unsafe { std::slice::from_raw_parts(buf as *const u8, amount as usize) }.to_vec();
    let powered = on_disk(file, |disk, path| {
        if !disk.powered() {
            return false;
        }
        let image = disk.files.entry(path.to_path_buf()).or_default();
        image.unsynced.push(Change::Write {
            offset: offset as usize,
            data,
        });
        true
    });
    if !powered {
        return ffi::SQLITE_IOERR_WRITE;
    }
    // SAFETY: forwarded as received.
    unsafe { (real_methods(file).xWrite.expect("xWrite"))(real_file(file), buf, amount, offset) }
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    let powered = on_disk(file, |disk, path| {
        if !disk.powered() {
            return false;
        }
        let image = disk.files.entry(path.to_path_buf()).or_default();
        image.unsynced.push(Change::Truncate(size as usize));
        true
    });
    if !powered {
        return ffi::SQLITE_IOERR_TRUNCATE;
    }
    // SAFETY: forwarded as received.
    unsafe { (real_methods(file).xTruncate.expect("xTruncate"))(real_file(file), size) }
}

unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    let powered = on_disk(file, |disk, path| {
        if !disk.powered() {
            return false;
        }
        let image = disk.files.entry(path.to_path_buf()).or_default();
        for change in std::mem::take(&mut image.unsynced) {
            change.apply(&mut image.durable);
        }
        true
    });
    if !powered {
        return ffi::SQLITE_IOERR_FSYNC;
    }
    // SAFETY: forwarded as received.
    unsafe { (real_methods(file).xSync.expect("xSync"))(real_file(file), flags) }
}

macro_rules! forward {
    ($name:ident, $field:ident, ($($arg:ident: $ty:ty),*)) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> c_int {
            // SAFETY: forwarded as received.
            unsafe { (real_methods(file).$field.expect(stringify!($field)))(real_file(file) $(, $arg)*) }
        }
    };
}

forward!(x_file_size, xFileSize, (size: *mut ffi::sqlite3_int64));
forward!(x_lock, xLock, (level: c_int));
forward!(x_unlock, xUnlock, (level: c_int));
forward!(x_check_reserved_lock, xCheckReservedLock, (out: *mut c_int));
forward!(x_file_control, xFileControl, (op: c_int, arg: *mut c_void));
forward!(x_sector_size, xSectorSize, ());
forward!(x_device_characteristics, xDeviceCharacteristics, ());
forward!(x_shm_map, xShmMap, (region: c_int, size: c_int, extend: c_int, out: *mut *mut c_void));
forward!(x_shm_lock, xShmLock, (offset: c_int, n: c_int, flags: c_int));
forward!(x_shm_unmap, xShmUnmap, (delete: c_int));

unsafe extern "C" fn x_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: forwarded as received.
    unsafe { (real_methods(file).xShmBarrier.expect("xShmBarrier"))(real_file(file)) }
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    // Version 2: shared memory (WAL), no memory-mapped reads.
    iVersion: 2,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    xFetch: None,
    xUnfetch: None,
};

unsafe extern "C" fn x_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let real_vfs = real_vfs();
    // SAFETY: `file` points at szOsFile (our size) bytes SQLite allocated for us; the real
    // file gets its own allocation of the platform VFS's size, freed in x_close.
    unsafe {
        let ours = file as *mut File;
        (*ours).base.pMethods = std::ptr::null();
        let size = (*real_vfs).szOsFile as u64;
        let real = ffi::sqlite3_malloc64(size) as *mut ffi::sqlite3_file;
        if real.is_null() {
            return ffi::SQLITE_NOMEM;
        }
        std::ptr::write_bytes(real as *mut u8, 0, size as usize);
        let rc = ((*real_vfs).xOpen.expect("xOpen"))(real_vfs, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK || (*real).pMethods.is_null() {
            ffi::sqlite3_free(real as *mut c_void);
            return rc;
        }
        let path = (!name.is_null()).then(|| {
            PathBuf::from(
                CStr::from_ptr(name as *const c_char)
                    .to_string_lossy()
                    .into_owned(),
            )
        });
        std::ptr::write(std::ptr::addr_of_mut!((*ours).real), real);
        std::ptr::write(std::ptr::addr_of_mut!((*ours).path), path);
        (*ours).base.pMethods = &METHODS;
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_delete(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    sync_dir: c_int,
) -> c_int {
    let _ = vfs;
    // SAFETY: SQLite passes a NUL-terminated path.
    let path = PathBuf::from(
        unsafe { CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned(),
    );
    let powered = with_disk(&path, |disk| {
        if !disk.powered() {
            return false;
        }
        // A deletion is taken as durable at once (SQLite syncs the directory when it matters).
        disk.files.remove(&path);
        true
    })
    .unwrap_or(true);
    if !powered {
        return ffi::SQLITE_IOERR_DELETE;
    }
    let real_vfs = real_vfs();
    // SAFETY: forwarded as received, to the platform VFS.
    unsafe { ((*real_vfs).xDelete.expect("xDelete"))(real_vfs, name, sync_dir) }
}

/// Registers the VFS once per process (not as the default).
fn register() {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        // SAFETY: the copy of the platform VFS keeps its other methods, which do not depend on
        // the struct they are called with beyond the fields copied; it is leaked, as SQLite
        // keeps a pointer to a registered VFS for the life of the process.
        unsafe {
            let mut vfs = *real_vfs();
            vfs.szOsFile = std::mem::size_of::<File>() as c_int;
            vfs.pNext = std::ptr::null_mut();
            vfs.zName = c"powercut".as_ptr();
            vfs.xOpen = Some(x_open);
            vfs.xDelete = Some(x_delete);
            let vfs = Box::leak(Box::new(vfs));
            let rc = ffi::sqlite3_vfs_register(vfs, 0);
            assert_eq!(rc, ffi::SQLITE_OK, "register the powercut VFS");
        }
    });
}
