//! The index cache: a reopened tree shows its findings at once.
//!
//! After a load, the index — every file's size and modification time, the
//! interned strings, the events, the load errors — is written to one file
//! in the user's cache directory (`$XDG_CACHE_HOME/trailhunt`, or
//! `$TRAILHUNT_CACHE_DIR`), named for the logs' paths. On the next load,
//! files whose size and modification time still match are taken from it and
//! only new or changed files are read.
//!
//! The cache is an optimisation only. It starts with a magic, a format
//! version and a salt (trailhunt's version, the load limits and the event
//! names the rules read in full), then an xxh3 checksum of the body; the body
//! is checked for internal consistency after decoding. Anything that does not
//! match is ignored and rebuilt — a damaged or stale cache can cost time,
//! never a wrong answer.

use super::{Index, LoadError, LoadOptions, SourceFile};
use crate::event::{Event, Interner};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"THIDX\0\0\x01";
const FORMAT: u32 = 1;

#[derive(Serialize)]
struct BodyOut<'a> {
    files: &'a [SourceFile],
    errors: &'a [LoadError],
    arena: &'a str,
    spans: &'a [(u64, u32)],
    events: &'a [Event],
}

#[derive(Deserialize)]
struct BodyIn {
    files: Vec<SourceFile>,
    errors: Vec<LoadError>,
    arena: String,
    spans: Vec<(u64, u32)>,
    #[serde(deserialize_with = "exact_vec")]
    events: Vec<Event>,
}

/// A sequence read into a vector sized once from its length prefix —
/// serde's own `Vec` grows from a small guess and copies a million records
/// over and over. The length is capped by what the body could hold, so a
/// damaged prefix cannot ask for huge memory.
fn exact_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let cap = seq
                .size_hint()
                .unwrap_or(0)
                .min(MAX_EVENTS_HINT.with(|c| c.get()));
            let mut v = Vec::with_capacity(cap);
            while let Some(x) = seq.next_element()? {
                v.push(x);
            }
            Ok(v)
        }
    }
    d.deserialize_seq(V(std::marker::PhantomData))
}

thread_local! {
    /// The most events the body being decoded could hold (each takes at
    /// least this many bytes encoded), set by [`decode`].
    static MAX_EVENTS_HINT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Fewest bytes one encoded event takes (14 one-byte symbols and more).
const MIN_EVENT_BYTES: usize = 20;

/// Where the cache for `paths` lives.
pub fn default_path(paths: &[PathBuf]) -> Option<PathBuf> {
    let dir = match std::env::var_os("TRAILHUNT_CACHE_DIR") {
        Some(d) => PathBuf::from(d),
        None => directories::ProjectDirs::from("", "", "trailhunt")?
            .cache_dir()
            .to_path_buf(),
    };
    let mut key = String::new();
    for p in paths {
        let c = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        key.push_str(&c.to_string_lossy());
        key.push('\n');
    }
    Some(dir.join(format!(
        "index-{:016x}.bin",
        xxhash_rust::xxh3::xxh3_64(key.as_bytes())
    )))
}

/// What the cached index depends on besides the files themselves.
fn salt(opts: &LoadOptions) -> u64 {
    let mut names: Vec<String> = opts
        .keep_raw
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    names.sort();
    let key = format!(
        "{}|{FORMAT}|{}|{}|{}|{}|{}",
        env!("CARGO_PKG_VERSION"),
        opts.max_inflated,
        opts.max_ratio,
        opts.max_event_bytes,
        opts.max_depth,
        names.join(",")
    );
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

/// Reads the cache at `path`. `Err(None)` when there is none; `Err(Some(why))`
/// when there is one that cannot be used.
pub fn read(path: &Path, opts: &LoadOptions) -> Result<Index, Option<String>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(None),
        Err(e) => return Err(Some(e.to_string())),
    };
    decode(&bytes, opts).map_err(Some)
}

fn decode(bytes: &[u8], opts: &LoadOptions) -> Result<Index, String> {
    let header = 8 + 4 + 8 + 8;
    if bytes.len() < header || &bytes[..8] != MAGIC {
        return Err("not a trailhunt index cache".into());
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let format = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if format != FORMAT || word(12) != salt(opts) {
        return Err("made by another version or with other options".into());
    }
    let body = &bytes[header..];
    if xxhash_rust::xxh3::xxh3_64(body) != word(20) {
        return Err("damaged (checksum mismatch)".into());
    }
    MAX_EVENTS_HINT.with(|c| c.set(body.len() / MIN_EVENT_BYTES));
    let b: BodyIn = postcard::from_bytes(body).map_err(|e| format!("damaged ({e})"))?;
    let strings = Interner::from_parts(b.arena, b.spans).ok_or("damaged (string table)")?;
    let n_strings = strings.len() as u32;
    let n_files = b.files.len() as u32;
    let sym_ok = |s: crate::event::Sym| s.0 <= n_strings;
    for e in &b.events {
        let syms = [
            e.event_id,
            e.name,
            e.source,
            e.region,
            e.account,
            e.actor_arn,
            e.actor_type,
            e.actor_user,
            e.access_key,
            e.src,
            e.user_agent,
            e.error_code,
            e.target_user,
            e.new_key,
        ];
        if !syms.into_iter().all(sym_ok)
            || std::iter::once(&e.loc)
                .chain(&e.other_locs)
                .any(|l| l.file >= n_files)
            || e.copies as usize != 1 + e.other_locs.len()
        {
            return Err("damaged (an event does not fit the index)".into());
        }
    }
    Ok(Index {
        files: b.files,
        errors: b.errors,
        strings,
        events: b.events,
        ..Index::default()
    })
}

/// Writes `index` to the cache at `path`, atomically.
pub fn write(path: &Path, opts: &LoadOptions, index: &Index) -> Result<(), String> {
    let (arena, spans) = index.strings.parts();
    let body = postcard::to_stdvec(&BodyOut {
        files: &index.files,
        errors: &index.errors,
        arena,
        spans,
        events: &index.events,
    })
    .map_err(|e| e.to_string())?;
    let dir = path.parent().ok_or("no directory")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| e.to_string())?;
    let mut w = std::io::BufWriter::new(tmp.as_file_mut());
    w.write_all(MAGIC)
        .and_then(|_| w.write_all(&FORMAT.to_le_bytes()))
        .and_then(|_| w.write_all(&salt(opts).to_le_bytes()))
        .and_then(|_| w.write_all(&xxhash_rust::xxh3::xxh3_64(&body).to_le_bytes()))
        .and_then(|_| w.write_all(&body))
        .and_then(|_| w.flush())
        .map_err(|e| e.to_string())?;
    drop(w);
    tmp.persist(path).map_err(|e| e.to_string())?;
    Ok(())
}
