//! Saving triage files so that nothing is lost, and nothing that is not
//! trailhunt's own is touched.
//!
//! * Atomic: the new content goes to a temporary file in the same directory,
//!   is flushed and synced, then renamed over the old file (and the
//!   directory is synced so the rename itself survives a power cut). A crash
//!   at any point leaves either the old file or the new one, never half of
//!   one. A crash before the rename can leave a `.NAME.*.tmp` file behind;
//!   it is never read and can be deleted.
//! * Serialised: writers take an advisory lock (`fd-lock`, `flock` on Unix)
//!   on `NAME.lock` beside the file, then re-read the file and apply their
//!   one change to what is on disk, so two trailhunt instances never lose
//!   each other's changes. The lock is on a separate file because the data
//!   file is replaced by rename, and a lock on a replaced inode protects
//!   nothing. Readers take no lock: the rename means they always see a
//!   whole file.
//! * Only regular files: a state file that is a FIFO, a device or a
//!   directory is refused, for reading and writing, before any lock file is
//!   made beside it (a rename would replace a device node with a file, and a
//!   read of a FIFO or `/dev/zero` would block or never end). Reads open
//!   without blocking and stop at [`MAX_STATE_BYTES`]. A symbolic link is
//!   followed and its target written in place (see [`resolve`]); a link to
//!   nothing is refused. A file nobody may write (`chmod 0444`) is left
//!   alone: the rename would otherwise succeed whatever its mode.

use super::TriageError;
use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest state file trailhunt reads (allowlists and triage files are
/// a few kilobytes; anything this big is a mistake or an attack).
pub const MAX_STATE_BYTES: u64 = 16 << 20;

/// The path actually written for `path`: a symbolic link is followed so that
/// the rename replaces its target, not the link (an allowlist kept in a
/// repository and linked into a workspace stays in the repository).
pub fn resolve(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `path`'s error with a plain explanation.
fn refuse(path: &Path, why: String) -> TriageError {
    // Not `Io` with a source: the message would be printed twice.
    TriageError::Unusable {
        path: path.to_path_buf(),
        reason: why,
    }
}

fn not_regular(path: &Path, t: std::fs::FileType) -> TriageError {
    refuse(
        path,
        format!(
            "{}, not a regular file; trailhunt reads and writes state only in regular files",
            crate::files::kind_of(t)
        ),
    )
}

/// Reads `path`; `Ok(None)` when it does not exist. Refuses anything but a
/// regular file of at most [`MAX_STATE_BYTES`], without blocking.
pub fn read_optional(path: &Path) -> Result<Option<String>, TriageError> {
    let file = match crate::files::open_nonblocking(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(TriageError::io(path, e)),
    };
    // fstat on what was opened: a check by path could see another file.
    let meta = file.metadata().map_err(|e| TriageError::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(path, meta.file_type()));
    }
    let too_big = || {
        refuse(
            path,
            format!(
                "larger than {} MiB; not a trailhunt state file",
                MAX_STATE_BYTES >> 20
            ),
        )
    };
    if meta.len() > MAX_STATE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Bounded again while reading: the file may grow after the fstat.
    file.take(MAX_STATE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| TriageError::io(path, e))?;
    if bytes.len() as u64 > MAX_STATE_BYTES {
        return Err(too_big());
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| TriageError::Parse {
            path: path.to_path_buf(),
            line: super::line_of(
                &String::from_utf8_lossy(e.as_bytes()),
                e.utf8_error().valid_up_to(),
            ),
            message: "not UTF-8 text".into(),
        })
}

/// The file a save of `path` replaces (its symbolic links followed), once
/// it is known that replacing it destroys nothing that is not trailhunt's:
/// it does not exist yet, or it is a regular file someone may write.
/// Checked before any lock file is made beside it.
pub fn writable_target(path: &Path) -> Result<PathBuf, TriageError> {
    let target = resolve(path);
    let meta = match std::fs::symlink_metadata(&target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(target),
        Err(e) => return Err(TriageError::io(path, e)),
    };
    if meta.file_type().is_symlink() {
        // `resolve` could not follow it: writing would create a file
        // wherever the link points (or replace the link).
        return Err(refuse(
            path,
            "a symbolic link to a missing file; not written (point it at an existing file or remove it)"
                .into(),
        ));
    }
    if !meta.is_file() {
        return Err(not_regular(path, meta.file_type()));
    }
    // The rename needs only the directory to be writable, and root may
    // write anything: the file's own mode says whether it may change.
    if meta.permissions().readonly() {
        return Err(refuse(
            path,
            "read-only; not changed (make it writable to save changes)".into(),
        ));
    }
    OpenOptions::new()
        .write(true)
        .open(&target)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => {
                refuse(path, "not writable by you; not changed".into())
            }
            _ => TriageError::io(path, e),
        })?;
    Ok(target)
}

/// New content staged beside its target (see [`crate::atomic`]), with
/// errors that name the target.
#[derive(Debug)]
pub struct Staged {
    staged: crate::atomic::Staged,
    target: PathBuf,
}

/// Writes `bytes` beside `target` (a symbolic link is followed), synced,
/// not yet in place. Refused as [`writable_target`] says.
pub fn stage(target: &Path, bytes: &[u8]) -> Result<Staged, TriageError> {
    let target = writable_target(target)?;
    let staged = crate::atomic::stage(&target, bytes).map_err(|e| TriageError::io(&target, e))?;
    Ok(Staged { staged, target })
}

impl Staged {
    /// Where the staged content is until it is committed.
    pub fn temp_path(&self) -> &Path {
        self.staged.temp_path()
    }

    /// Renames the staged file over the target and syncs the directory.
    pub fn commit(self) -> Result<(), TriageError> {
        let target = self.target;
        self.staged
            .commit()
            .map_err(|e| TriageError::io(&target, e))
    }
}

/// Replaces `target` with `bytes` atomically.
pub fn write_atomic(target: &Path, bytes: &[u8]) -> Result<(), TriageError> {
    stage(target, bytes)?.commit()
}

/// The lock file that serialises writers of `path`.
pub fn lock_path(path: &Path) -> PathBuf {
    let path = resolve(path);
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

/// Runs `f` while holding the exclusive write lock for `path`, creating the
/// directory and the lock file if needed. Blocks while another writer holds
/// it (writers hold it for one read-change-write, milliseconds).
pub fn with_lock<T>(
    path: &Path,
    f: impl FnOnce() -> Result<T, TriageError>,
) -> Result<T, TriageError> {
    // Before the lock file: nothing is made beside a refused target.
    writable_target(path)?;
    let lock = lock_path(path);
    if let Some(dir) = lock.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| TriageError::io(dir, e))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&lock)
        .map_err(|e| TriageError::io(&lock, e))?;
    let mut rw = fd_lock::RwLock::new(file);
    let _guard = rw.write().map_err(|e| TriageError::io(&lock, e))?;
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.toml");
        std::fs::write(&p, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o644
            );
        }
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "no temp file left: {left:?}");
    }

    #[test]
    fn dropping_a_staged_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.toml");
        std::fs::write(&p, "old").unwrap();
        let s = stage(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(s.temp_path()).unwrap(), "new");
        drop(s);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_is_written_through_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        let link = dir.path().join("link.toml");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn missing_file_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_optional(&dir.path().join("none")).unwrap().is_none());
    }
}
