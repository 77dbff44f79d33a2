//! Atomic, durable file writes, the one way trailhunt replaces a file
//! (reports, the clipboard file, the allowlist, statuses, the index cache):
//! new content goes into a temporary file beside the target, is flushed and
//! synced, then renamed over the target, and the directory is synced. A
//! failure at any point leaves the target as it was (the temporary file is
//! removed), so a reader never sees half a file and a crash never loses the
//! old one. A new file is readable by its owner only (evidence is
//! sensitive); a replaced file keeps its permissions.
//!
//! Two variants for files the user names: [`write_new`] never replaces an
//! existing file (console exports), and [`write_output`] writes into a FIFO,
//! a device or the process's own stdout/stderr like a shell redirection
//! instead of replacing the node (`scan -o`).

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
    stage_inner(target, true, write)
}

fn stage_inner(
    target: &Path,
    keep_mode: bool,
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
    if keep_mode && let Ok(meta) = std::fs::metadata(target) {
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

/// `target` with `-N` before its extension (`report.md` → `report-2.md`);
/// `n == 1` is `target` itself.
fn numbered(target: &Path, n: u32) -> PathBuf {
    if n <= 1 {
        return target.to_path_buf();
    }
    let stem = target
        .file_stem()
        .map(|s| s.to_os_string())
        .unwrap_or_default();
    let mut name = stem;
    name.push(format!("-{n}"));
    if let Some(ext) = target.extension() {
        name.push(".");
        name.push(ext);
    }
    target.with_file_name(name)
}

/// Writes a new file at `target`, atomically and durably, or at
/// `NAME-2.EXT`, `NAME-3.EXT`… when that is taken; never replaces a file,
/// even one made by another writer at the same moment (the rename refuses
/// an existing name). Returns the path written.
pub fn write_new(
    target: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<PathBuf> {
    let mut tmp = stage_inner(target, false, write)?.tmp;
    for n in 1..=10_000 {
        let path = numbered(target, n);
        match tmp.persist_noclobber(&path) {
            Ok(_) => {
                if let Ok(d) = File::open(dir_of(&path)) {
                    let _ = d.sync_all();
                }
                return Ok(path);
            }
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => tmp = e.file,
            Err(e) => return Err(e.error),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{} and 9,999 numbered names beside it exist",
            target.display()
        ),
    ))
}

/// Where [`write_output`] puts what it writes.
#[derive(Debug, PartialEq, Eq)]
pub enum OutputTarget {
    /// The process's own standard output or error (`/dev/stdout`, `/dev/fd/1`…).
    Stdout,
    Stderr,
    /// An existing node that is not a regular file (FIFO, device): written
    /// into, never replaced.
    Into(PathBuf),
    /// A regular file, new or replaced atomically at this path (symbolic
    /// links followed, so a link stays a link).
    Replace(PathBuf),
}

/// What writing to `target` means; see [`OutputTarget`].
pub fn output_target(target: &Path) -> io::Result<OutputTarget> {
    // Reopening /proc/self/fd/1 would start at offset 0 (or truncate an
    // appended log): the stream already open is what the user meant.
    let s = target.as_os_str();
    if ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]
        .iter()
        .any(|p| s == *p)
    {
        return Ok(OutputTarget::Stdout);
    }
    if ["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"]
        .iter()
        .any(|p| s == *p)
    {
        return Ok(OutputTarget::Stderr);
    }
    match std::fs::metadata(target) {
        // A file its owner made read-only is kept, even for root: replacing
        // it by rename would get around what the mode says.
        Ok(m) if m.is_file() && m.permissions().readonly() => Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "read-only; not replaced",
        )),
        Ok(m) if m.is_file() => Ok(OutputTarget::Replace(std::fs::canonicalize(target)?)),
        Ok(m) if m.is_dir() => Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        )),
        Ok(_) => Ok(OutputTarget::Into(target.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(target).is_ok() {
                // A link to nothing: creating its target could put a file
                // anywhere; replacing it would destroy the link.
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "a symbolic link to a missing file; not written",
                ));
            }
            Ok(OutputTarget::Replace(target.to_path_buf()))
        }
        Err(e) => Err(e),
    }
}

/// Writes what `write` writes to `target` the way a shell redirection
/// would, except that a regular file is replaced atomically: a FIFO, a
/// device or `/dev/stdout` is written into, never replaced by a file.
pub fn write_output(
    target: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    match output_target(target)? {
        OutputTarget::Stdout => {
            let mut w = io::BufWriter::new(io::stdout().lock());
            write(&mut w)?;
            w.flush()
        }
        OutputTarget::Stderr => {
            let mut w = io::BufWriter::new(io::stderr().lock());
            write(&mut w)?;
            w.flush()
        }
        OutputTarget::Into(path) => {
            // No create, no truncate: the node exists and is not a file.
            let f = std::fs::OpenOptions::new().write(true).open(path)?;
            let mut w = io::BufWriter::new(f);
            write(&mut w)?;
            w.flush()
        }
        OutputTarget::Replace(path) => write_with(&path, write),
    }
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

    #[test]
    fn stdout_aliases_are_the_process_stream_never_a_path_to_replace() {
        // Only classified: nothing under /dev is opened or written here.
        for p in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
            assert_eq!(output_target(Path::new(p)).unwrap(), OutputTarget::Stdout);
        }
        assert_eq!(
            output_target(Path::new("/dev/stderr")).unwrap(),
            OutputTarget::Stderr
        );
        assert_eq!(
            output_target(Path::new("/dev/null")).unwrap(),
            OutputTarget::Into(PathBuf::from("/dev/null"))
        );
    }

    #[test]
    fn write_new_numbers_a_taken_name_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.md");
        std::fs::write(&target, "mine").unwrap();
        let got = write_new(&target, |w| w.write_all(b"new")).unwrap();
        assert_eq!(got, dir.path().join("r-2.md"));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
        assert_eq!(std::fs::read_to_string(&got).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn output_to_a_read_only_file_is_refused_and_the_file_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let kept = dir.path().join("report.md");
        std::fs::write(&kept, "keep me").unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o444)).unwrap();
        let e = write_output(&kept, |w| w.write_all(b"new")).unwrap_err();
        assert!(e.to_string().contains("read-only"), "{e}");
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "keep me");
    }
}
