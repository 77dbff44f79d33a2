//! Finding the log files under the paths a user names.
//!
//! Directories are walked recursively. Symbolic links are followed (a
//! responder's evidence folder is often a tree of links into mounted
//! buckets), loops are detected and reported, and a file reached twice
//! through different links (symbolic or hard: the same device and inode) is
//! read once. Only regular files are read: FIFOs,
//! sockets and devices are never opened (so nothing can block the load
//! forever) and each is reported as a load error saying what it is.

use super::LoadError;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// The result of walking the named paths.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<PathBuf>,
    /// Files passed over on purpose, with why (digests, non-log names).
    pub skipped: Vec<(PathBuf, &'static str)>,
    pub errors: Vec<LoadError>,
}

/// True for CloudTrail digest files, which hold hashes, not events.
pub fn is_digest(path: &Path) -> bool {
    path.components().any(|c| {
        c.as_os_str()
            .to_string_lossy()
            .contains("CloudTrail-Digest")
    })
}

/// File names that can hold CloudTrail events: `.json`, `.jsonl`,
/// `.ndjson`, `.log` and `.txt`, each optionally gzipped, and bare `.gz`.
pub fn has_log_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.starts_with('.') {
        return false;
    }
    let stem = name.strip_suffix(".gz");
    // A bare `.gz` is tried: its content decides.
    let name = stem.unwrap_or(&name);
    (stem.is_some() && !name.contains('.'))
        || [".json", ".jsonl", ".ndjson", ".log", ".txt"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Walks `paths`. A file named directly is read whatever its name (but a
/// digest is still skipped); files found in directories must have a log
/// file name.
pub fn discover(paths: &[PathBuf]) -> Discovered {
    let mut out = Discovered::default();
    let mut seen = HashSet::new();
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                out.errors
                    .push(LoadError::file(root, format!("cannot read: {e}")));
                continue;
            }
        };
        if meta.is_file() {
            add(&mut out, &mut seen, root.clone(), Some(&meta), true);
            continue;
        }
        if !meta.is_dir() {
            out.errors.push(special(root, &meta.file_type()));
            continue;
        }
        let walker = WalkDir::new(root).follow_links(true).sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(e) => {
                    let ft = e.file_type();
                    if ft.is_dir() {
                        continue;
                    }
                    if !ft.is_file() {
                        out.errors.push(special(e.path(), &ft));
                        continue;
                    }
                    let meta = e.metadata().ok();
                    add(&mut out, &mut seen, e.into_path(), meta.as_ref(), false);
                }
                Err(e) => {
                    let path = e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone());
                    let msg = if e.loop_ancestor().is_some() {
                        "symbolic link loop, not followed".to_string()
                    } else {
                        format!(
                            "cannot read: {}",
                            e.io_error()
                                .map(|io| io.to_string())
                                .unwrap_or_else(|| e.to_string())
                        )
                    };
                    out.errors.push(LoadError::file(&path, msg));
                }
            }
        }
    }
    out
}

/// What kind of special file `ft` is ("a FIFO"), for messages.
pub fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    let _ = ft;
    "not a regular file"
}

/// The load error for a special file: it is never opened.
fn special(path: &Path, ft: &std::fs::FileType) -> LoadError {
    LoadError::file(
        path,
        format!(
            "{}, not a regular file: not read (reading it could block the load forever)",
            special_kind(ft)
        ),
    )
}

/// Whether the walk of `root` (a directory) would read at least one file;
/// stops at the first, so a big tree costs a few system calls.
pub fn has_log_files(root: &Path) -> bool {
    WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .flatten()
        .any(|e| e.file_type().is_file() && !is_digest(e.path()) && has_log_name(e.path()))
}

/// What makes two paths the same file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum FileKey {
    /// Device and inode: one `stat` (which the walk has made already),
    /// where canonicalising cost a `readlink` per path component — 10% of
    /// a reopen of 35,000 files.
    Id(u64, u64),
    Path(PathBuf),
}

fn file_key(path: &Path, meta: Option<&std::fs::Metadata>) -> FileKey {
    #[cfg(unix)]
    if let Some(m) = meta {
        use std::os::unix::fs::MetadataExt;
        return FileKey::Id(m.dev(), m.ino());
    }
    let _ = meta;
    FileKey::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

fn add(
    out: &mut Discovered,
    seen: &mut HashSet<FileKey>,
    path: PathBuf,
    meta: Option<&std::fs::Metadata>,
    named: bool,
) {
    if is_digest(&path) {
        out.skipped.push((path, "CloudTrail digest file"));
        return;
    }
    if !named && !has_log_name(&path) {
        out.skipped.push((path, "not a log file name"));
        return;
    }
    if seen.insert(file_key(&path, meta)) {
        out.files.push(path);
    } else {
        out.skipped
            .push((path, "same file already reached through another path"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_names() {
        for ok in [
            "a.json",
            "a.json.gz",
            "b.JSONL",
            "c.ndjson",
            "x.log",
            "1_CloudTrail_us-east-1_2.json.gz",
            "blob.gz",
        ] {
            assert!(has_log_name(Path::new(ok)), "{ok}");
        }
        for no in ["README.md", ".DS_Store", "a.json.swp", "notes"] {
            assert!(!has_log_name(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn digests_by_folder_or_name() {
        assert!(is_digest(Path::new(
            "AWSLogs/1/CloudTrail-Digest/us-east-1/2024/01/01/x.json.gz"
        )));
        assert!(is_digest(Path::new(
            "1_CloudTrail-Digest_us-east-1_t_us-east-1_20240101T000000Z.json.gz"
        )));
        assert!(!is_digest(Path::new(
            "AWSLogs/1/CloudTrail/us-east-1/x.json.gz"
        )));
    }

    #[cfg(unix)]
    #[test]
    fn a_file_reached_by_a_link_or_a_second_name_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir(&logs).unwrap();
        std::fs::write(logs.join("a.json"), "{}").unwrap();
        std::fs::hard_link(logs.join("a.json"), logs.join("b.json")).unwrap();
        std::os::unix::fs::symlink(logs.join("a.json"), logs.join("c.json")).unwrap();
        std::fs::write(logs.join("d.json"), "{}").unwrap();
        let found = discover(std::slice::from_ref(&logs));
        let names: Vec<_> = found.files.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(names, ["a.json", "d.json"]);
        let again: Vec<_> = found
            .skipped
            .iter()
            .map(|(p, why)| (p.file_name().unwrap(), *why))
            .collect();
        let why = "same file already reached through another path";
        assert_eq!(again, [("b.json".as_ref(), why), ("c.json".as_ref(), why)]);
    }
}
