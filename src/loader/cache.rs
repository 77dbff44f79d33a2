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
//! names the rules read in full) and the sizes of its parts, and ends with an
//! xxh3 checksum of everything between; every event is checked against the
//! tables as it is read. Anything that does not match is ignored and rebuilt
//! — a damaged or stale cache can cost time, never a wrong answer.
//!
//! Events are fixed-size records ([`Event::RECORD`] bytes) streamed into the
//! index a block at a time in both directions, so neither a reopen nor the
//! save after a load holds a second copy of the index (the whole body was
//! read, then decoded, before: a reopen needed more memory than the load).

use super::{Index, LoadError, LoadOptions, SourceFile};
use crate::event::{Event, Extra, Interner};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"THIDX\0\0\x01";
/// 6: kept raw JSON is LZ4-compressed.
/// 5: events are fixed records streamed after the tables (no event IDs);
/// what few events have is a side table; the checksum is a trailer.
/// 4: stamps carry inode, ctime and an edge hash; paths are bytes.
const FORMAT: u32 = 6;

/// Magic, format, salt, tables' length, event count.
const HEADER: usize = 8 + 4 + 8 + 8 + 8;
/// The checksum after the events.
const TRAILER: usize = 8;

/// Events read or written per block: about 1 MiB.
const BLOCK: usize = 1 << 13;

#[derive(Serialize)]
struct TablesOut<'a> {
    files: &'a [SourceFile],
    errors: &'a [LoadError],
    arena: &'a str,
    spans: &'a [(u64, u32)],
    extras: &'a [Extra],
}

#[derive(Deserialize)]
struct TablesIn {
    files: Vec<SourceFile>,
    errors: Vec<LoadError>,
    arena: String,
    spans: Vec<(u64, u32)>,
    extras: Vec<Extra>,
}

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
    let key = format!(
        "{}|{FORMAT}|{}|{}|{}|{}|{}",
        env!("CARGO_PKG_VERSION"),
        opts.max_inflated,
        opts.max_ratio,
        opts.max_event_bytes,
        opts.max_depth,
        opts.keep_raw.key()
    );
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

/// Reads the cache at `path`. `Err(None)` when there is none; `Err(Some(why))`
/// when there is one that cannot be used. The header's sizes are checked
/// against the file's before anything else is read, so a damaged or padded
/// cache costs no more than its header (a 3 GiB sparse one was read whole
/// once).
pub fn read(path: &Path, opts: &LoadOptions) -> Result<Index, Option<String>> {
    let f = match crate::files::open_regular(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(None),
        Err(e) => return Err(Some(e.to_string())),
    };
    let len = f.metadata().map_err(|e| Some(e.to_string()))?.len();
    decode(f, len, opts).map_err(Some)
}

/// Checks magic, format, salt and the sizes against the file's `len`;
/// returns the tables' length and the event count.
fn check_header(h: &[u8], len: u64, opts: &LoadOptions) -> Result<(u64, u64), String> {
    if h.len() < HEADER || &h[..8] != MAGIC {
        return Err("not a trailhunt index cache".into());
    }
    let word = |at: usize| u64::from_le_bytes(h[at..at + 8].try_into().expect("8 bytes"));
    let format = u32::from_le_bytes(h[8..12].try_into().expect("4 bytes"));
    if format != FORMAT || word(12) != salt(opts) {
        return Err("made by another version or with other options".into());
    }
    let (tables, events) = (word(20), word(28));
    let want = events
        .checked_mul(Event::RECORD as u64)
        .and_then(|e| e.checked_add(tables))
        .and_then(|b| b.checked_add((HEADER + TRAILER) as u64));
    if want != Some(len) {
        return Err(format!(
            "damaged (header declares {tables} bytes of tables and {events} events, the file holds {len} bytes)"
        ));
    }
    Ok((tables, events))
}

fn decode(mut f: impl Read + Send, len: u64, opts: &LoadOptions) -> Result<Index, String> {
    let mut head = [0u8; HEADER];
    f.read_exact(&mut head)
        .map_err(|_| "not a trailhunt index cache".to_string())?;
    let (tables_len, n) = check_header(&head, len, opts)?;
    let io = |e: std::io::Error| format!("cannot read: {e}");
    let mut sum = xxhash_rust::xxh3::Xxh3Default::new();
    let mut tables = vec![0u8; usize::try_from(tables_len).map_err(|_| "damaged (tables)")?];
    f.read_exact(&mut tables).map_err(io)?;
    sum.update(&tables);
    let t: TablesIn = postcard::from_bytes(&tables).map_err(|e| format!("damaged ({e})"))?;
    drop(tables);
    let strings = Interner::from_parts(t.arena, t.spans).ok_or("damaged (string table)")?;
    let (n_strings, n_files, n_extras) = (
        strings.len() as u32,
        t.files.len() as u32,
        t.extras.len() as u32,
    );
    if t.extras
        .iter()
        .flat_map(|x| &x.other_locs)
        .any(|l| l.file >= n_files)
    {
        return Err("damaged (a delivery does not fit the index)".into());
    }
    let fits = |e: &Event| {
        e.syms().into_iter().all(|s| s.0 <= n_strings)
            && e.loc().file < n_files
            && e.extra <= n_extras
    };
    let n = usize::try_from(n).map_err(|_| "damaged (event count)")?;
    let mut events = Vec::with_capacity(n);
    let mut block = vec![0u8; BLOCK * Event::RECORD];
    pool(opts)?.install(|| {
        use rayon::prelude::*;
        while events.len() < n {
            let k = (n - events.len()).min(BLOCK);
            let b = &mut block[..k * Event::RECORD];
            f.read_exact(b).map_err(io)?;
            sum.update(b);
            let at = events.len();
            events.par_extend(b.par_chunks_exact(Event::RECORD).map(Event::from_record));
            if !events[at..].par_iter().all(fits) {
                return Err("damaged (an event does not fit the index)".to_string());
            }
        }
        Ok(())
    })?;
    let mut tail = [0u8; TRAILER];
    f.read_exact(&mut tail).map_err(io)?;
    if u64::from_le_bytes(tail) != sum.digest() {
        return Err("damaged (checksum mismatch)".into());
    }
    Ok(Index {
        files: t.files,
        errors: t.errors,
        strings,
        events,
        extras: t.extras,
        ..Index::default()
    })
}

/// Writes `index` to the cache at `path`, atomically.
pub fn write(path: &Path, opts: &LoadOptions, index: &Index) -> Result<(), String> {
    let dir = path.parent().ok_or("no directory")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tables = tables(index)?;
    crate::atomic::write_with(path, |w| encode(w, opts, index, &tables)).map_err(|e| e.to_string())
}

/// The files, errors, strings and side entries, encoded.
fn tables(index: &Index) -> Result<Vec<u8>, String> {
    let (arena, spans) = index.strings.parts();
    postcard::to_stdvec(&TablesOut {
        files: &index.files,
        errors: &index.errors,
        arena,
        spans,
        extras: &index.extras,
    })
    .map_err(|e| e.to_string())
}

/// Header, tables, the events a block at a time, checksum.
fn encode(
    w: &mut dyn Write,
    opts: &LoadOptions,
    index: &Index,
    tables: &[u8],
) -> std::io::Result<()> {
    let mut h = MAGIC.to_vec();
    h.extend(FORMAT.to_le_bytes());
    h.extend(salt(opts).to_le_bytes());
    h.extend((tables.len() as u64).to_le_bytes());
    h.extend((index.events.len() as u64).to_le_bytes());
    w.write_all(&h)?;
    let mut sum = xxhash_rust::xxh3::Xxh3Default::new();
    w.write_all(tables)?;
    sum.update(tables);
    let mut buf = Vec::with_capacity(BLOCK * Event::RECORD);
    for block in index.events.chunks(BLOCK) {
        buf.clear();
        for e in block {
            e.to_record(&mut buf);
        }
        w.write_all(&buf)?;
        sum.update(&buf);
    }
    w.write_all(&sum.digest().to_le_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::index_file_bytes;

    fn index() -> Index {
        let json = r#"{"Records":[{"eventID":"a","eventName":"CreateAccessKey","awsRegion":"us-east-1"},{"eventID":"b","eventName":"ListUsers"}]}"#;
        let (events, strings, _) =
            index_file_bytes(json.as_bytes().to_vec(), &LoadOptions::default());
        let mut index = Index {
            files: vec![SourceFile::default()],
            strings,
            events,
            ..Index::default()
        };
        index.extra_mut(0).raw = Some(crate::event::Packed::pack("{}"));
        index
    }

    /// The cache file for `index`.
    fn file(index: &Index) -> Vec<u8> {
        let mut out = Vec::new();
        encode(
            &mut out,
            &LoadOptions::default(),
            index,
            &tables(index).unwrap(),
        )
        .unwrap();
        out
    }

    fn read_bytes(bytes: &[u8]) -> Result<Index, String> {
        decode(bytes, bytes.len() as u64, &LoadOptions::default())
    }

    /// `bytes` with its checksum made right again.
    fn resum(mut bytes: Vec<u8>) -> Vec<u8> {
        let end = bytes.len() - TRAILER;
        let sum = xxhash_rust::xxh3::xxh3_64(&bytes[HEADER..end]);
        bytes[end..].copy_from_slice(&sum.to_le_bytes());
        bytes
    }

    #[test]
    fn a_cache_reads_back_what_was_written() {
        let want = index();
        let back = read_bytes(&file(&want)).unwrap();
        assert_eq!(back.events, want.events);
        assert_eq!(back.extras, want.extras);
        assert_eq!(back.kept_raw(&back.events[0]).as_deref(), Some("{}"));
        assert_eq!(back.strings.get(back.events[1].name), Some("ListUsers"));
    }

    #[test]
    fn many_blocks_read_back_in_order() {
        let mut big = index();
        let one = big.events[1];
        big.events = (0..BLOCK as u32 * 2 + 3)
            .map(|i| {
                let mut e = one;
                e.digest = i;
                e
            })
            .collect();
        let back = read_bytes(&file(&big)).unwrap();
        assert_eq!(back.events, big.events);
    }

    #[test]
    fn an_inconsistent_cache_is_refused() {
        let good = file(&index());
        let events_at = good.len() - TRAILER - 2 * Event::RECORD;
        type Tamper = Box<dyn Fn(&mut Vec<u8>)>;
        let cases: [(&str, Tamper); 5] = [
            ("checksum", Box::new(move |b| b[events_at + 84] ^= 1)),
            ("header declares", Box::new(|b| b[28] += 1)),
            ("header declares", Box::new(|b| b.push(0))),
            (
                "does not fit",
                Box::new(move |b| {
                    // The first symbol of the first event names no string.
                    b[events_at + 28..events_at + 32].copy_from_slice(&999u32.to_le_bytes());
                    *b = resum(std::mem::take(b));
                }),
            ),
            (
                "does not fit",
                Box::new(move |b| {
                    b[events_at + 80..events_at + 84].copy_from_slice(&9u32.to_le_bytes());
                    *b = resum(std::mem::take(b));
                }),
            ),
        ];
        for (why, tamper) in cases {
            let mut bytes = good.clone();
            tamper(&mut bytes);
            let Err(err) = read_bytes(&bytes) else {
                panic!("{why}: a tampered cache was accepted");
            };
            assert!(err.contains(why), "{why}: {err}");
        }
        assert!(read_bytes(&good).is_ok());
    }
}
