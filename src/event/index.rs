//! The loaded logs as one index: every event's pivots, the files they came
//! from (with the stamps that tell whether a file changed), what the load
//! counted, and every problem it met.
//!
//! The loader builds an [`Index`]; the rules, triage, reports and the console
//! only read one, so none of them depends on how files are found or decoded.

use super::{Event, Interner, Loc, Sym};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A problem with one file (or one place in it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LoadError {
    pub path: PathBuf,
    pub line: Option<u32>,
    pub offset: Option<u64>,
    pub message: String,
    /// The file ends before its data does (a truncated gzip stream, JSON
    /// cut off): what a file still being written looks like, so follow
    /// mode retries it rather than reporting it.
    pub ends_early: bool,
}

impl LoadError {
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        LoadError {
            path: path.to_path_buf(),
            line: None,
            offset: None,
            message: message.into(),
            ends_early: false,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(o) = self.offset {
            write!(f, " (byte {o})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

/// A file's size and modification time when it was read: a file whose stamp
/// is unchanged is not read again (the index cache, follow mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    pub size: u64,
    pub mtime_secs: i64,
    pub mtime_nanos: u32,
}

impl Stamp {
    /// The stamp of `path` now (following links), if it can be read.
    pub fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        let t = m.modified().ok()?;
        let (secs, nanos) = match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
            Err(e) => (
                -(e.duration().as_secs() as i64),
                e.duration().subsec_nanos(),
            ),
        };
        Some(Stamp {
            size: m.len(),
            mtime_secs: secs,
            mtime_nanos: nanos,
        })
    }
}

/// One file that was read.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Size on disk.
    pub bytes: u64,
    pub gzip: bool,
    /// Events found in it (before de-duplication).
    pub events: u64,
    /// Size and modification time before it was read.
    pub stamp: Option<Stamp>,
    /// Bytes after inflating.
    pub inflated: u64,
}

/// Counters shown while loading.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub files_done: usize,
    pub files_total: usize,
    pub events: u64,
    pub bytes: u64,
    pub errors: usize,
}

/// What a load found, for the summary line and the console header.
#[derive(Clone, Debug, Default)]
pub struct LoadStats {
    pub files: usize,
    pub skipped: usize,
    /// Distinct events.
    pub events: u64,
    /// Events as delivered, counting duplicates.
    pub deliveries: u64,
    pub bytes: u64,
    pub inflated_bytes: u64,
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
    pub accounts: BTreeSet<String>,
    pub regions: BTreeSet<String>,
    pub elapsed: Duration,
    /// Files taken from the index cache instead of being read.
    pub cached_files: usize,
}

/// The loaded logs: every event's pivots, interned, sorted by time.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub roots: Vec<PathBuf>,
    pub files: Vec<SourceFile>,
    pub skipped: Vec<(PathBuf, &'static str)>,
    pub events: Vec<Event>,
    pub strings: Interner,
    pub errors: Vec<LoadError>,
    pub stats: LoadStats,
    /// Things worth telling the user that are not errors in the logs
    /// (the index cache could not be used or saved).
    pub notes: Vec<String>,
    /// Reads raw events back from their files (set by the loader).
    pub reader: Option<Arc<dyn RawReader>>,
}

/// Reads one event's JSON back from its file. The loader provides it, so
/// the event model, the rules and the reports need not know how files are
/// decoded.
pub trait RawReader: Send + Sync + std::fmt::Debug {
    /// The JSON at `loc` in `file`, decoded the way the load decoded it.
    fn read(&self, file: &SourceFile, loc: &Loc) -> Result<String, LoadError>;
}

impl Index {
    /// The text of an interned field.
    pub fn str(&self, sym: Sym) -> Option<&str> {
        self.strings.get(sym)
    }

    /// The raw JSON of an event: from memory when the loader kept it, else
    /// re-read from its file.
    pub fn raw(&self, ev: &Event) -> Result<Arc<str>, LoadError> {
        if let Some(r) = &ev.raw {
            return Ok(r.clone());
        }
        self.raw_at(&ev.loc).map(Arc::from)
    }

    /// Re-reads the JSON at `loc` from its file, with the reader the
    /// loader left on the index.
    pub fn raw_at(&self, loc: &Loc) -> Result<String, LoadError> {
        let file = self
            .files
            .get(loc.file as usize)
            .ok_or_else(|| LoadError::file(Path::new("?"), "unknown file"))?;
        match &self.reader {
            Some(r) => r.read(file, loc),
            None => Err(LoadError::file(
                &file.path,
                "raw events cannot be re-read from this index",
            )),
        }
    }

    /// A one-paragraph summary: files, events, bytes, span, accounts,
    /// regions, errors.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        let span = match (s.first_time, s.last_time) {
            (Some(a), Some(b)) => format!(
                "{} .. {}",
                super::time::rfc3339(Some(a)).unwrap_or_default(),
                super::time::rfc3339(Some(b)).unwrap_or_default()
            ),
            _ => "no times".into(),
        };
        let dup = s.deliveries.saturating_sub(s.events);
        format!(
            "{} files ({} skipped{}), {} events{}, {} read ({} inflated) in {:.2?}; {}; {} accounts, {} regions; {} errors",
            s.files,
            s.skipped,
            if s.cached_files > 0 {
                format!(", {} from the index cache", s.cached_files)
            } else {
                String::new()
            },
            s.events,
            if dup > 0 {
                format!(" (+{dup} duplicate deliveries)")
            } else {
                String::new()
            },
            human_bytes(s.bytes),
            human_bytes(s.inflated_bytes),
            s.elapsed,
            span,
            s.accounts.len(),
            s.regions.len(),
            self.errors.len()
        )
    }
}

pub fn human_bytes(b: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_reads_well() {
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(human_bytes(2048), "2.0 KiB");
    }
}
