//! Saving triage files so that nothing is lost.
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

use super::TriageError;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

/// The path actually written for `path`: a symbolic link is followed so that
/// the rename replaces its target, not the link (an allowlist kept in a
/// repository and linked into a workspace stays in the repository).
pub fn resolve(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Reads `path`; `Ok(None)` when it does not exist.
pub fn read_optional(path: &Path) -> Result<Option<String>, TriageError> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|e| TriageError::Parse {
                path: path.to_path_buf(),
                line: super::line_of(
                    &String::from_utf8_lossy(e.as_bytes()),
                    e.utf8_error().valid_up_to(),
                ),
                message: "not UTF-8 text".into(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(TriageError::io(path, e)),
    }
}

/// New content staged beside its target (see [`crate::atomic`]), with
/// errors that name the target.
#[derive(Debug)]
pub struct Staged {
    staged: crate::atomic::Staged,
    target: PathBuf,
}

/// Writes `bytes` beside `target` (a symbolic link is followed), synced,
/// not yet in place.
pub fn stage(target: &Path, bytes: &[u8]) -> Result<Staged, TriageError> {
    let target = resolve(target);
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
