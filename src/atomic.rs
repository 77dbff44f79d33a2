//! Atomic, durable file writes, the one way trailhunt replaces a file
//! (reports, the clipboard file, the allowlist, statuses, the index cache):
//! new content goes into a temporary file beside the target, is flushed and
//! synced, then renamed over the target, and the directory is synced. A
//! failure at any point leaves the target as it was (the temporary file is
//! removed), so a reader never sees half a file and a crash never loses the
//! old one. A new file is readable by its owner only (evidence is
//! sensitive); a replaced file keeps its permissions.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// New content written and synced beside its target, not yet in place.
/// [`Staged::commit`] renames it over the target; dropping it instead
/// deletes it and leaves the target as it was.
#[derive(Debug)]
pub struct Staged {
    tmp: NamedTempFile,
    target: PathBuf,
}

fn dir_of(target: &Path) -> &Path {
    match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes through `write` into a temporary file in `target`'s directory,
/// with the target's permissions if it exists, flushed and synced.
pub fn stage_with(
    target: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<Staged> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir_of(target))?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    // Keep a shared file readable by the team as it was: a temp file is 0600.
    if let Ok(meta) = std::fs::metadata(target) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.as_file().sync_all()?;
    Ok(Staged {
        tmp,
        target: target.to_path_buf(),
    })
}

/// [`stage_with`] for bytes already in memory.
pub fn stage(target: &Path, bytes: &[u8]) -> io::Result<Staged> {
    stage_with(target, |w| w.write_all(bytes))
}

impl Staged {
    /// Where the staged content is until it is committed.
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Renames the staged file over the target and syncs the directory.
    pub fn commit(self) -> io::Result<()> {
        let target = self.target;
        self.tmp.persist(&target).map_err(|e| e.error)?;
        // Directories cannot be opened for syncing everywhere (Windows); the
        // rename is already done, so this is best effort.
        if let Ok(d) = File::open(dir_of(&target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// Replaces `target` with what `write` writes, atomically and durably.
pub fn write_with(
    target: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    stage_with(target, write)?.commit()
}

/// Replaces `target` with `bytes`, atomically and durably.
pub fn write(target: &Path, bytes: &[u8]) -> io::Result<()> {
    stage(target, bytes)?.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_target_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.md");
        std::fs::write(&target, "old").unwrap();
        let r = write_with(&target, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_replaced_file_keeps_its_permissions_and_a_new_one_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("allowlist.toml");
        std::fs::write(&shared, "a").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&shared, b"b").unwrap();
        let mode = std::fs::metadata(&shared).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        let new = dir.path().join("new.md");
        write(&new, b"x").unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "a new file is the owner's only");
    }
}
