//! The index cache: a reopened tree shows its findings at once.
//!
//! After a load, the index — every file's stamp (size, modification time,
//! inode, change time and a hash of its first and last 4 KiB), the
//! interned strings, the events, the load errors — is written to one file
//! in the user's cache directory (`$XDG_CACHE_HOME/trailhunt`, or
//! `$TRAILHUNT_CACHE_DIR`), named for the logs' paths. On the next load,
//! files whose stamp still matches are taken from it and
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
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"THIDX\0\0\x01";
/// 4: stamps carry inode, ctime and an edge hash; paths are bytes; the
/// header declares the body's length.
const FORMAT: u32 = 4;

/// Magic, format, salt, body length, body checksum.
const HEADER: usize = 8 + 4 + 8 + 8 + 8;

/// Events per chunk. The events are stored as chunks encoded on their own,
/// so that reading (and writing) them runs on every core.
const CHUNK: usize = 1 << 16;

#[derive(Serialize)]
struct BodyOut<'a> {
    files: &'a [SourceFile],
    errors: &'a [LoadError],
    arena: &'a str,
    spans: &'a [(u64, u32)],
    /// The number of events, then each chunk's encoded events back to back.
    events: u64,
    chunks: Vec<Bytes<'a>>,
}

#[derive(Deserialize)]
struct BodyIn<'a> {
    files: Vec<SourceFile>,
    errors: Vec<LoadError>,
    arena: String,
    spans: Vec<(u64, u32)>,
    events: u64,
    #[serde(borrow)]
    chunks: Vec<&'a [u8]>,
}

/// Bytes written as one length-prefixed run (serde's `[u8]` would write a
/// sequence of numbers).
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// Fewest bytes one encoded event takes (14 one-byte symbols and more): a
/// damaged event count cannot ask for more memory than the body could hold.
const MIN_EVENT_BYTES: usize = 20;

/// A pool for `threads` (the load's `--threads`), or rayon's default.
fn pool(opts: &LoadOptions) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .map_err(|e| e.to_string())
}

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
/// when there is one that cannot be used. Only the header is read before the
/// body's declared length is checked against the file's, so a damaged or
/// padded cache costs no more than its header (a 3 GiB sparse one was read
/// whole before).
pub fn read(path: &Path, opts: &LoadOptions) -> Result<Index, Option<String>> {
    use std::io::Read;
    let mut f = match crate::files::open_regular(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(None),
        Err(e) => return Err(Some(e.to_string())),
    };
    let len = f.metadata().map_err(|e| Some(e.to_string()))?.len();
    let mut bytes = vec![0; HEADER];
    if f.read_exact(&mut bytes).is_err() {
        return Err(Some("not a trailhunt index cache".into()));
    }
    let declared = check_header(&bytes, opts).map_err(Some)?;
    if len.saturating_sub(HEADER as u64) != declared {
        return Err(Some(format!(
            "damaged (header declares a {declared}-byte body, the file holds {})",
            len - HEADER as u64
        )));
    }
    let body_len = usize::try_from(declared).map_err(|_| Some("damaged (body length)".into()))?;
    bytes.reserve_exact(body_len);
    f.take(declared)
        .read_to_end(&mut bytes)
        .map_err(|e| Some(e.to_string()))?;
    decode(&bytes, opts).map_err(Some)
}

/// Checks magic, format and salt; returns the body length the header declares.
fn check_header(bytes: &[u8], opts: &LoadOptions) -> Result<u64, String> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err("not a trailhunt index cache".into());
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let format = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if format != FORMAT || word(12) != salt(opts) {
        return Err("made by another version or with other options".into());
    }
    Ok(word(20))
}

fn decode(bytes: &[u8], opts: &LoadOptions) -> Result<Index, String> {
    let declared = check_header(bytes, opts)?;
    let body = &bytes[HEADER..];
    if body.len() as u64 != declared {
        return Err("damaged (body length differs from the header's)".into());
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    if xxhash_rust::xxh3::xxh3_64(body) != word(28) {
        return Err("damaged (checksum mismatch)".into());
    }
    let b: BodyIn = postcard::from_bytes(body).map_err(|e| format!("damaged ({e})"))?;
    let n = usize::try_from(b.events).map_err(|_| "damaged (event count)")?;
    if n > body.len() / MIN_EVENT_BYTES || b.chunks.len() != n.div_ceil(CHUNK) {
        return Err("damaged (event count)".into());
    }
    let strings = Interner::from_parts(b.arena, b.spans).ok_or("damaged (string table)")?;
    let n_strings = strings.len() as u32;
    let n_files = b.files.len() as u32;
    let sym_ok = |s: crate::event::Sym| s.0 <= n_strings;
    let fits = |e: &Event| {
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
        syms.into_iter().all(sym_ok)
            && std::iter::once(&e.loc)
                .chain(&e.other_locs)
                .all(|l| l.file < n_files)
            && e.copies as usize == 1 + e.other_locs.len()
    };
    // Each chunk decodes into its own slice of the (sized once) vector,
    // whose pages are first touched on every core too: on this size the
    // page faults cost as much as the decoding.
    let mut events = Vec::with_capacity(n);
    pool(opts)?.install(|| {
        use rayon::prelude::*;
        (0..n)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|_| Event::default())
            .collect_into_vec(&mut events);
        events
            .par_chunks_mut(CHUNK)
            .zip(b.chunks.par_iter())
            .try_for_each(|(slots, bytes)| {
                let mut de = postcard::Deserializer::from_bytes(bytes);
                for slot in slots.iter_mut() {
                    *slot = Event::deserialize(&mut de).map_err(|e| format!("damaged ({e})"))?;
                }
                if !slots.iter().all(fits) {
                    return Err("damaged (an event does not fit the index)".to_string());
                }
                if de.finalize().is_ok_and(|rest| rest.is_empty()) {
                    Ok(())
                } else {
                    Err("damaged (a chunk is longer than its events)".to_string())
                }
            })
    })?;
    Ok(Index {
        files: b.files,
        errors: b.errors,
        strings,
        events,
        ..Index::default()
    })
}

/// Writes `index` to the cache at `path`, atomically.
pub fn write(path: &Path, opts: &LoadOptions, index: &Index) -> Result<(), String> {
    let body = body(opts, index)?;
    let dir = path.parent().ok_or("no directory")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    crate::atomic::write_with(path, |w| {
        w.write_all(&header(opts, &body))?;
        w.write_all(&body)
    })
    .map_err(|e| e.to_string())
}

/// Magic, format, salt, the body's length and its checksum.
fn header(opts: &LoadOptions, body: &[u8]) -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    h.extend(FORMAT.to_le_bytes());
    h.extend(salt(opts).to_le_bytes());
    h.extend((body.len() as u64).to_le_bytes());
    h.extend(xxhash_rust::xxh3::xxh3_64(body).to_le_bytes());
    h
}

/// The encoded index: the events in chunks encoded on every core.
fn body(opts: &LoadOptions, index: &Index) -> Result<Vec<u8>, String> {
    let (arena, spans) = index.strings.parts();
    let chunks: Vec<Vec<u8>> = pool(opts)?.install(|| {
        use rayon::prelude::*;
        index
            .events
            .par_chunks(CHUNK)
            .map(|events| {
                let mut out = Vec::with_capacity(events.len() * 64);
                for e in events {
                    out = postcard::to_extend(e, out).map_err(|e| e.to_string())?;
                }
                Ok(out)
            })
            .collect::<Result<_, String>>()
    })?;
    postcard::to_stdvec(&BodyOut {
        files: &index.files,
        errors: &index.errors,
        arena,
        spans,
        events: index.events.len() as u64,
        chunks: chunks.iter().map(|c| Bytes(c)).collect(),
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::index_file_bytes;

    fn index() -> Index {
        let json = r#"{"Records":[{"eventID":"a","eventName":"CreateAccessKey","awsRegion":"us-east-1"},{"eventID":"b","eventName":"ListUsers"}]}"#;
        let (events, strings, _) =
            index_file_bytes(json.as_bytes().to_vec(), &LoadOptions::default());
        Index {
            files: vec![SourceFile::default()],
            strings,
            events,
            ..Index::default()
        }
    }

    /// The body re-encoded after `tamper`, under a header whose checksum fits.
    fn tampered(tamper: impl FnOnce(&mut BodyParts)) -> Vec<u8> {
        let opts = LoadOptions::default();
        let good = body(&opts, &index()).unwrap();
        let b: BodyIn = postcard::from_bytes(&good).unwrap();
        let mut parts = BodyParts {
            arena: b.arena,
            spans: b.spans,
            events: b.events,
            chunks: b.chunks.iter().map(|c| c.to_vec()).collect(),
        };
        tamper(&mut parts);
        let body = postcard::to_stdvec(&BodyOut {
            files: &b.files,
            errors: &b.errors,
            arena: &parts.arena,
            spans: &parts.spans,
            events: parts.events,
            chunks: parts.chunks.iter().map(|c| Bytes(c)).collect(),
        })
        .unwrap();
        let mut file = header(&opts, &body);
        file.extend(body);
        file
    }

    struct BodyParts {
        arena: String,
        spans: Vec<(u64, u32)>,
        events: u64,
        chunks: Vec<Vec<u8>>,
    }

    fn read_bytes(bytes: &[u8]) -> Result<Index, String> {
        decode(bytes, &LoadOptions::default())
    }

    #[test]
    fn a_cache_reads_back_what_was_written() {
        let file = tampered(|_| {});
        let back = read_bytes(&file).unwrap();
        let want = index();
        assert_eq!(back.events.len(), want.events.len());
        for (a, b) in back.events.iter().zip(&want.events) {
            assert_eq!(back.strings.get(a.event_id), want.strings.get(b.event_id));
            assert_eq!(back.strings.get(a.name), want.strings.get(b.name));
            assert_eq!((a.loc, a.digest, a.time), (b.loc, b.digest, b.time));
        }
    }

    #[test]
    fn an_inconsistent_body_with_a_good_checksum_is_refused() {
        type Tamper = Box<dyn FnOnce(&mut BodyParts)>;
        let cases: [(&str, Tamper); 5] = [
            ("end of buffer", Box::new(|p| p.events += 1)),
            ("event count", Box::new(|p| p.events = 1 << 40)),
            ("longer than its events", Box::new(|p| p.chunks[0].push(0))),
            ("does not fit", Box::new(|p| p.spans.truncate(1))),
            ("event count", Box::new(|p| p.chunks.push(Vec::new()))),
        ];
        for (why, tamper) in cases {
            let Err(err) = read_bytes(&tampered(tamper)) else {
                panic!("{why}: a tampered cache was accepted");
            };
            assert!(err.contains(why), "{why}: {err}");
        }
    }
}
