//! The loaded logs as one index: every event's pivots, the files they came
//! from (with the stamps that tell whether a file changed), what the load
//! counted, and every problem it met.
//!
//! The loader builds an [`Index`]; the rules, triage, reports and the console
//! only read one, so none of them depends on how files are found or decoded.

use super::{Event, Extra, Interner, Loc, Sym};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A problem with one file (or one place in it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LoadError {
    #[serde(with = "path_bytes")]
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
        write!(f, "{}", show_path(&self.path))?;
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

impl LoadError {
    /// The error as people read it, each part escaped once: the path with
    /// [`crate::sanitize::escape_path`] (a byte that is not UTF-8 as `\xNN`),
    /// the message with [`crate::sanitize::escape`]. Escaping the
    /// `Display` text instead would double the path's `\xNN`.
    pub fn escaped(&self) -> String {
        let mut s = crate::sanitize::escape_path(&self.path);
        if let Some(l) = self.line {
            s.push_str(&format!(":{l}"));
        }
        if let Some(o) = self.offset {
            s.push_str(&format!(" (byte {o})"));
        }
        s.push_str(": ");
        s.push_str(&crate::sanitize::escape(&self.message));
        s
    }
}

/// `path` as text, each byte that is not UTF-8 written `\xNN` (what
/// `Path::display` would turn into U+FFFD, so two such names looked alike).
pub fn show_path(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        path.display().to_string()
    }
}

/// Paths as their bytes, so a name that is not UTF-8 survives the index
/// cache (serde's `PathBuf` refuses one, and the cache was never saved).
mod path_bytes {
    use serde::{Deserializer, Serializer};
    use std::path::{Path, PathBuf};

    pub fn serialize<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            s.serialize_bytes(p.as_os_str().as_bytes())
        }
        #[cfg(not(unix))]
        {
            s.serialize_bytes(p.to_string_lossy().as_bytes())
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        let bytes = serde_bytes_buf(d)?;
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            Ok(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
        }
        #[cfg(not(unix))]
        {
            Ok(PathBuf::from(String::from_utf8_lossy(&bytes).into_owned()))
        }
    }

    fn serde_bytes_buf<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a path's bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
            fn visit_str<E>(self, v: &str) -> Result<Vec<u8>, E> {
                Ok(v.as_bytes().to_vec())
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Vec<u8>, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = a.next_element()? {
                    out.push(b);
                }
                Ok(out)
            }
        }
        d.deserialize_byte_buf(V)
    }
}

/// What identifies a file's content without reading it all: size,
/// modification time, inode, change time and a hash of its first and last
/// [`Stamp::EDGE`] bytes (for gzip the last bytes are its CRC32 and length).
/// A file whose stamp is unchanged is not read again (the index cache,
/// follow mode); size and mtime alone miss an edit that keeps both
/// (`sed -i` then `touch -d`) or a file replaced by `mv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    pub size: u64,
    pub mtime_secs: i64,
    pub mtime_nanos: u32,
    /// Device and inode (0 where the platform has none).
    pub dev: u64,
    pub ino: u64,
    /// Inode change time, which `touch -d` cannot set back.
    pub ctime_secs: i64,
    pub ctime_nanos: u32,
    /// xxh3 of the first and last [`Stamp::EDGE`] bytes.
    pub edges: u64,
}

impl Stamp {
    /// Bytes hashed at each end of the file.
    pub const EDGE: u64 = 4096;

    /// The stamp of `path` now (following links), if it is a regular file
    /// that can be read. Anything else (a FIFO, a device) is never opened.
    pub fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        if !m.is_file() {
            return None;
        }
        let (mtime_secs, mtime_nanos) = split_time(m.modified().ok()?);
        let edges = edges(path, m.len())?;
        let (dev, ino, ctime_secs, ctime_nanos) = inode(&m);
        Some(Stamp {
            size: m.len(),
            mtime_secs,
            mtime_nanos,
            dev,
            ino,
            ctime_secs,
            ctime_nanos,
            edges,
        })
    }
}

fn split_time(t: std::time::SystemTime) -> (i64, u32) {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => (
            -(e.duration().as_secs() as i64),
            e.duration().subsec_nanos(),
        ),
    }
}

#[cfg(unix)]
fn inode(m: &std::fs::Metadata) -> (u64, u64, i64, u32) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino(), m.ctime(), m.ctime_nsec() as u32)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> (u64, u64, i64, u32) {
    (0, 0, 0, 0)
}

/// xxh3 of the first and last [`Stamp::EDGE`] bytes of a file of `len` bytes.
fn edges(path: &Path, len: u64) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = crate::files::open_regular(path).ok()?;
    let mut buf = Vec::with_capacity(2 * Stamp::EDGE as usize);
    (&mut f).take(Stamp::EDGE).read_to_end(&mut buf).ok()?;
    if len > Stamp::EDGE {
        let from = len.saturating_sub(Stamp::EDGE).max(Stamp::EDGE);
        f.seek(SeekFrom::Start(from)).ok()?;
        f.take(Stamp::EDGE).read_to_end(&mut buf).ok()?;
    }
    Some(xxhash_rust::xxh3::xxh3_64(&buf))
}

/// One file that was read.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SourceFile {
    #[serde(with = "path_bytes")]
    pub path: PathBuf,
    /// Size on disk.
    pub bytes: u64,
    pub gzip: bool,
    /// Events found in it (before de-duplication).
    pub events: u64,
    /// The file's stamp before it was read.
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
    /// What few events have (other deliveries, kept raw JSON), reached
    /// through [`Index::extra`].
    pub extras: Vec<Extra>,
    pub strings: Interner,
    pub errors: Vec<LoadError>,
    pub stats: LoadStats,
    /// Things worth telling the user that are not errors in the logs
    /// (the index cache could not be used or saved).
    pub notes: Vec<String>,
    /// Reads raw events back from their files (set by the loader).
    pub reader: Option<Arc<dyn RawReader>>,
}

/// The `eventID` of an event's raw JSON, when it has one.
pub fn event_id_of(raw: &str) -> Option<String> {
    let w: super::wire::Wire = serde_json::from_str(raw).ok()?;
    w.event_id().map(str::to_string)
}

/// Reads one event's JSON back from its file. The loader provides it, so
/// the event model, the rules and the reports need not know how files are
/// decoded.
pub trait RawReader: Send + Sync + std::fmt::Debug {
    /// The JSON at `loc` in `file`, decoded the way the load decoded it.
    fn read(&self, file: &SourceFile, loc: &Loc) -> Result<String, LoadError>;

    /// Several events of one file, in the order given. A reader that must
    /// decode a whole file to reach one event overrides this to decode it
    /// once for all of them.
    fn read_many(&self, file: &SourceFile, locs: &[Loc]) -> Vec<Result<String, LoadError>> {
        locs.iter().map(|l| self.read(file, l)).collect()
    }
}

impl Index {
    /// The text of an interned field.
    pub fn str(&self, sym: Sym) -> Option<&str> {
        self.strings.get(sym)
    }

    /// The event's side entry, if it has one.
    pub fn extra(&self, ev: &Event) -> Option<&Extra> {
        (ev.extra as usize)
            .checked_sub(1)
            .and_then(|i| self.extras.get(i))
    }

    /// Where the event's other deliveries are (empty for a unique event).
    pub fn other_locs(&self, ev: &Event) -> &[Loc] {
        self.extra(ev).map_or(&[], |x| &x.other_locs)
    }

    /// How many times the event was delivered (1 for a unique event).
    pub fn copies(&self, ev: &Event) -> u32 {
        1 + self.other_locs(ev).len() as u32
    }

    /// The raw JSON the loader kept in memory for the rules, if it did.
    pub fn kept_raw(&self, ev: &Event) -> Option<Arc<str>> {
        self.extra(ev)
            .and_then(|x| x.raw.as_ref())
            .and_then(|p| p.text())
    }

    /// Whether the loader kept `ev`'s raw JSON in memory (reading it back
    /// then decodes no file).
    pub fn has_kept_raw(&self, ev: &Event) -> bool {
        self.extra(ev).is_some_and(|x| x.raw.is_some())
    }

    /// The side entry of `ev`, made if it has none.
    pub fn extra_mut(&mut self, ev: usize) -> &mut Extra {
        let e = &mut self.events[ev];
        if e.extra == 0 {
            self.extras.push(Extra::default());
            e.extra = self.extras.len() as u32;
        }
        &mut self.extras[e.extra as usize - 1]
    }

    /// Heap bytes the index holds, by table, largest first: where the
    /// memory budget (about 100 bytes an event) goes. Allocator overhead
    /// and the few fixed-size parts are not counted.
    pub fn heap_bytes(&self) -> Vec<(&'static str, usize)> {
        use std::mem::size_of;
        let kept: usize = self
            .extras
            .iter()
            .filter_map(|x| x.raw.as_ref())
            .map(|r| r.len() + 16)
            .sum();
        let locs: usize = self
            .extras
            .iter()
            .map(|x| x.other_locs.capacity() * size_of::<Loc>())
            .sum();
        let files: usize = self
            .files
            .iter()
            .map(|f| size_of::<SourceFile>() + f.path.as_os_str().len())
            .sum();
        let errors: usize = self
            .errors
            .iter()
            .map(|e| size_of::<LoadError>() + e.path.as_os_str().len() + e.message.len())
            .sum();
        let mut v = vec![
            ("events", self.events.capacity() * size_of::<Event>()),
            ("extras", self.extras.capacity() * size_of::<Extra>()),
            ("kept raw JSON", kept),
            ("other deliveries", locs),
            ("strings", self.strings.heap_bytes()),
            ("files", files),
            ("errors", errors),
        ];
        v.sort_by_key(|t| std::cmp::Reverse(t.1));
        v
    }

    /// The raw JSON of an event: from memory when the loader kept it, else
    /// re-read from its file.
    pub fn raw(&self, ev: &Event) -> Result<Arc<str>, LoadError> {
        if let Some(r) = self.kept_raw(ev) {
            return Ok(r.clone());
        }
        self.raw_at(&ev.loc()).map(Arc::from)
    }

    /// The event's `eventID`, read back from its raw JSON (event IDs are
    /// unique per event, so the index does not keep them). `None` when it
    /// has none or its file cannot be read.
    pub fn event_id(&self, ev: &Event) -> Option<String> {
        event_id_of(&self.raw(ev).ok()?)
    }

    /// The raw JSON of each of `events` (positions in [`Index::events`]), in
    /// the order given: kept ones from memory, the others re-read with the
    /// rest of their file's, so each file is decoded at most once.
    pub fn raw_many(&self, events: &[usize]) -> Vec<Result<Arc<str>, LoadError>> {
        let mut out: Vec<Option<Result<Arc<str>, LoadError>>> = vec![None; events.len()];
        let mut by_file: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
        for (i, &ei) in events.iter().enumerate() {
            match self.events.get(ei) {
                None => out[i] = Some(Err(LoadError::file(Path::new("?"), "unknown event"))),
                Some(ev) => match self.kept_raw(ev) {
                    Some(r) => out[i] = Some(Ok(r.clone())),
                    None => by_file.entry(ev.loc().file).or_default().push(i),
                },
            }
        }
        for (fi, slots) in by_file {
            let locs: Vec<Loc> = slots
                .iter()
                .map(|&i| self.events[events[i]].loc())
                .collect();
            let read = match (self.files.get(fi as usize), &self.reader) {
                (Some(file), Some(r)) => r.read_many(file, &locs),
                (Some(file), None) => locs
                    .iter()
                    .map(|_| {
                        Err(LoadError::file(
                            &file.path,
                            "raw events cannot be re-read from this index",
                        ))
                    })
                    .collect(),
                (None, _) => locs
                    .iter()
                    .map(|_| Err(LoadError::file(Path::new("?"), "unknown file")))
                    .collect(),
            };
            for (&i, r) in slots.iter().zip(read) {
                out[i] = Some(r.map(Arc::from));
            }
        }
        out.into_iter()
            .map(|r| r.expect("every event answered"))
            .collect()
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
