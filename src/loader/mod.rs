//! The loader: finds log files under the named paths, reads them in
//! parallel, splits them into events and builds the compact [`Index`].
//!
//! Start at [`load`]. Files are read on a rayon pool, one file per task; each
//! task builds a small per-file index with its own interner, and the calling
//! thread merges those as they arrive, so memory grows with the index, not
//! with the raw bytes (a file is read as a stream, see [`split::split_stream`]).
//! Every problem becomes a [`LoadError`] naming the file and, where it can,
//! the line and byte offset; a problem never stops the other files.

pub mod cache;
pub mod decode;
pub mod discover;
pub mod follow;
pub mod record;
pub mod scan;
pub mod split;

use crate::event::time::parse_event_time;
use crate::event::wire::{self, Fields};
use crate::event::{
    Event, Index, Interner, LoadError, Loc, Progress, RawReader, SourceFile, Stamp, Sym,
};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How to load.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Cap on one file's inflated size.
    pub max_inflated: u64,
    /// Cap on the gzip inflation ratio (see [`decode::decode`]).
    pub max_ratio: u64,
    /// Cap on one event's JSON size in bytes.
    pub max_event_bytes: u64,
    /// Cap on one event's JSON nesting depth.
    pub max_depth: u32,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Event names (compared case-insensitively) whose raw JSON is kept in
    /// memory because a rule will read the full event.
    pub keep_raw: Vec<String>,
    /// Whether and where to keep the index cache.
    pub cache: CacheMode,
}

/// Whether and where the index cache is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CacheMode {
    /// Neither read nor write a cache.
    #[default]
    Off,
    /// The cache for the loaded paths in the user's cache directory.
    Default,
    /// This cache file.
    At(PathBuf),
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_inflated: decode::DEFAULT_MAX_INFLATED,
            max_ratio: 200,
            max_event_bytes: 16 << 20,
            max_depth: 64,
            threads: None,
            keep_raw: Vec::new(),
            cache: CacheMode::Off,
        }
    }
}

/// Reads raw events back from their files with the load's own decoding,
/// so offsets agree.
#[derive(Debug)]
pub struct FileReader;

impl RawReader for FileReader {
    fn read(&self, file: &SourceFile, loc: &Loc) -> Result<String, LoadError> {
        let path = &file.path;
        let f = crate::files::open_regular(path)
            .map_err(|e| LoadError::file(path, format!("cannot re-read: {e}")))?;
        let text = decode::read_text_at(f, loc.offset, loc.len as usize);
        unwrap_event(path, text, loc)
    }

    fn read_many(&self, file: &SourceFile, locs: &[Loc]) -> Vec<Result<String, LoadError>> {
        let path = &file.path;
        let f = match crate::files::open_regular(path) {
            Ok(f) => f,
            Err(e) => {
                let e = LoadError::file(path, format!("cannot re-read: {e}"));
                return locs.iter().map(|_| Err(e.clone())).collect();
            }
        };
        let ranges: Vec<(u64, usize)> = locs.iter().map(|l| (l.offset, l.len as usize)).collect();
        decode::read_texts_at(f, &ranges)
            .into_iter()
            .zip(locs)
            .map(|(text, loc)| unwrap_event(path, text, loc))
            .collect()
    }
}

/// The event read back at `loc` (`None`: the file no longer holds it), a
/// Splunk export line unwrapped to the event its `result._raw` holds.
fn unwrap_event(path: &Path, text: Option<String>, loc: &Loc) -> Result<String, LoadError> {
    let text = text.ok_or_else(|| LoadError::file(path, "file changed since it was loaded"))?;
    if !loc.splunk_raw {
        return Ok(text);
    }
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| LoadError::file(path, format!("file changed: {e}")))?;
    let row = v.get("result").unwrap_or(&v);
    row.get("_raw")
        .and_then(|r| r.as_str())
        .map(str::to_string)
        .ok_or_else(|| LoadError::file(path, "file changed since it was loaded"))
}

/// What one worker made of one file.
struct FileResult {
    file: u32,
    source: SourceFile,
    strings: Interner,
    events: Vec<Event>,
    errors: Vec<LoadError>,
    inflated: u64,
}

fn read_file(idx: u32, path: &Path, opts: &LoadOptions) -> FileResult {
    let mut res = FileResult {
        file: idx,
        source: SourceFile {
            path: path.to_path_buf(),
            // Taken before reading: a file that changes while it is read
            // will not match next time.
            stamp: Stamp::of(path),
            ..SourceFile::default()
        },
        strings: Interner::with_capacity(1024, 32 << 10),
        events: Vec::new(),
        errors: Vec::new(),
        inflated: 0,
    };
    // Opened non-blocking: a FIFO or device swapped in for a log file
    // after discovery is refused, never waited on.
    let f = match crate::files::open_regular(path) {
        Ok(f) => f,
        Err(e) => {
            res.errors
                .push(LoadError::file(path, format!("cannot read: {e}")));
            return res;
        }
    };
    index_bytes(&mut res, path, f, opts);
    res
}

/// Indexes one file's bytes as the loader does, without the file system:
/// the events found and the problems met. For fuzzing and property tests.
pub fn index_file_bytes(
    raw: Vec<u8>,
    opts: &LoadOptions,
) -> (Vec<Event>, Interner, Vec<LoadError>) {
    let mut res = FileResult {
        file: 0,
        source: SourceFile {
            path: PathBuf::from("<bytes>"),
            ..SourceFile::default()
        },
        strings: Interner::default(),
        events: Vec::new(),
        errors: Vec::new(),
        inflated: 0,
    };
    index_bytes(&mut res, Path::new("<bytes>"), &raw[..], opts);
    (res.events, res.strings, res.errors)
}

/// Reads one file as a stream (see [`split::split_stream`]): a worker
/// holds a chunk and at most one event, whatever the file's size.
fn index_bytes(res: &mut FileResult, path: &Path, src: impl std::io::Read, opts: &LoadOptions) {
    let idx = res.file;
    let mut text =
        decode::TextStream::new(decode::Inflow::new(src, opts.max_inflated, opts.max_ratio));
    res.source.gzip = text.inflow.gzip();
    let mut event_errors = Vec::new();
    let mut problems = Vec::new();
    let mut hbuf = Vec::new();
    let mut type_problems = Vec::new();
    let strings = &mut res.strings;
    let events = &mut res.events;
    let errors = &mut event_errors;
    let cap = usize::try_from(opts.max_event_bytes).unwrap_or(usize::MAX);
    let json = split::split_stream(
        &mut |w: &mut Vec<u8>, n: usize| text.fill(w, n),
        cap,
        &mut |mut p: split::Piece<'_>| {
            let at = |message: String| LoadError {
                path: path.to_path_buf(),
                line: Some(p.line),
                offset: Some(p.offset),
                message,
                ends_early: false,
            };
            if p.json.len() as u64 > opts.max_event_bytes {
                errors.push(at(format!(
                    "event of {} bytes is over the {} byte cap; skipped",
                    p.json.len(),
                    opts.max_event_bytes
                )));
                return;
            }
            let (h, depth) = p
                .digest
                .unwrap_or_else(|| scan::digest(p.json.as_bytes(), &mut hbuf));
            if depth > opts.max_depth {
                errors.push(at(format!(
                    "event nested deeper than {} levels; skipped",
                    opts.max_depth
                )));
                return;
            }
            type_problems.clear();
            let f = wire::fields(std::mem::take(&mut p.wire), &mut type_problems);
            for m in type_problems.drain(..) {
                errors.push(at(format!("{m} (event kept, field ignored)")));
            }
            let keep_raw = f
                .name
                .as_deref()
                .is_some_and(|n| opts.keep_raw.iter().any(|k| k.eq_ignore_ascii_case(n)));
            let mut ev = build_event(&f, strings, idx, &p, keep_raw);
            ev.digest = h;
            events.push(ev);
        },
        &mut problems,
    );
    res.source.bytes = text.inflow.read_bytes();
    res.inflated = text.inflow.inflated();
    res.source.inflated = res.inflated;
    let truncated = text.inflow.error.is_some();
    if let Some(e) = text.inflow.error.take() {
        res.errors.push(LoadError {
            offset: Some(res.inflated),
            ends_early: text.inflow.ends_early,
            ..LoadError::file(path, e)
        });
    }
    // Bytes that cannot start JSON get one clear error, not a UTF-8 report too.
    if let (Some(first), true) = (text.first_bad, json) {
        res.errors.push(LoadError {
            offset: Some(first),
            ..LoadError::file(
                path,
                format!(
                    "invalid UTF-8: {} byte(s), the first at byte {first}; each kept as the text backslash-x-hex, events kept",
                    text.bad
                ),
            )
        });
    }
    res.errors.append(&mut event_errors);
    // The tail of a truncated stream is damage already reported.
    let cut = res.inflated;
    for p in problems {
        if truncated && p.offset.is_some_and(|o| o + 4096 >= cut) && res.errors.len() == 1 {
            continue;
        }
        res.errors.push(LoadError {
            path: path.to_path_buf(),
            line: p.line,
            offset: p.offset,
            message: p.message,
            ends_early: p.ends_early,
        });
    }
    res.source.events = res.events.len() as u64;
}

fn build_event(
    f: &Fields<'_>,
    s: &mut Interner,
    file: u32,
    p: &split::Piece<'_>,
    keep_raw: bool,
) -> Event {
    Event {
        time: f.event_time.as_deref().and_then(parse_event_time),
        // Event IDs are (nearly) all distinct: no point hashing them into the table.
        event_id: f
            .event_id
            .as_deref()
            .map_or(Sym::NONE, |id| s.push_unique(id)),
        name: s.intern_opt(f.name.as_deref()),
        source: s.intern_opt(f.source.as_deref()),
        region: s.intern_opt(f.region.as_deref()),
        account: s.intern_opt(f.account()),
        actor_arn: s.intern_opt(f.actor_arn.as_deref()),
        actor_type: s.intern_opt(f.actor_type.as_deref()),
        actor_user: s.intern_opt(f.actor_user.as_deref()),
        access_key: s.intern_opt(f.access_key.as_deref()),
        src: s.intern_opt(f.src.as_deref()),
        user_agent: s.intern_opt(f.user_agent.as_deref()),
        error_code: s.intern_opt(f.error_code.as_deref()),
        target_user: s.intern_opt(f.target_user()),
        new_key: s.intern_opt(f.new_key.as_deref()),
        loc: Loc {
            file,
            line: p.line,
            offset: p.offset,
            len: p.len,
            splunk_raw: p.splunk_raw,
        },
        copies: 1,
        digest: 0,
        other_locs: Vec::new(),
        raw: keep_raw.then(|| Arc::from(p.json)),
    }
}

/// Loads every log file under `paths`. `progress` is called on the calling
/// thread after each file. With [`LoadOptions::cache`], files whose
/// [`Stamp`] matches the cache are not read again.
pub fn load(paths: &[PathBuf], opts: &LoadOptions, progress: &mut dyn FnMut(&Progress)) -> Index {
    let started = Instant::now();
    let cache_file = match &opts.cache {
        CacheMode::Off => None,
        CacheMode::Default => cache::default_path(paths),
        CacheMode::At(p) => Some(p.clone()),
    };
    // Walking the tree (and taking every file's size and time) is system
    // calls; reading the cache is decoding: they overlap.
    let (found, wanted, cached) = std::thread::scope(|scope| {
        let cached = scope.spawn(|| cache_file.as_ref().map(|c| cache::read(c, opts)));
        let found = discover::discover(paths);
        let wanted: std::collections::HashMap<PathBuf, Option<Stamp>> = found
            .files
            .iter()
            .map(|p| (p.clone(), Stamp::of(p)))
            .collect();
        let cached = cached
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (found, wanted, cached)
    });
    let mut index = match (&cache_file, cached) {
        (Some(c), Some(Err(Some(why)))) => {
            let mut fresh = Index::default();
            fresh
                .notes
                .push(format!("index cache {} not used: {why}", c.display()));
            fresh
        }
        (_, Some(Ok(index))) => index,
        _ => Index::default(),
    };
    let before = index.files.len();
    index.retain_files(|f| f.stamp.is_some() && wanted.get(f.path.as_path()) == Some(&f.stamp));
    let changed = index.files.len() != before;
    let have: HashSet<PathBuf> = index.files.iter().map(|f| f.path.clone()).collect();
    let to_read: Vec<PathBuf> = found
        .files
        .iter()
        .filter(|p| !have.contains(*p))
        .cloned()
        .collect();
    index.roots = paths.to_vec();
    index.skipped = found.skipped;
    index.errors.extend(found.errors);
    let reused = index.files.len();
    index.add_files(&to_read, opts, progress);
    index.stats.cached_files = reused;
    finish_stats(&mut index, started.elapsed());
    if let Some(c) = &cache_file
        && (changed || !to_read.is_empty() || reused == 0)
        && let Err(e) = cache::write(c, opts, &index)
    {
        index
            .notes
            .push(format!("index cache {} not saved: {e}", c.display()));
    }
    index
}

impl Index {
    /// Reads `paths` (new or changed files) on every core and merges their
    /// events in, folding duplicates and keeping time order.
    pub fn add_files(
        &mut self,
        paths: &[PathBuf],
        opts: &LoadOptions,
        progress: &mut dyn FnMut(&Progress),
    ) {
        self.reader
            .get_or_insert_with(|| Arc::new(FileReader) as Arc<dyn RawReader>);
        let base = self.files.len();
        let mut prog = Progress {
            files_total: paths.len(),
            errors: self.errors.len(),
            ..Progress::default()
        };
        progress(&prog);
        if paths.is_empty() {
            self.sort_errors();
            return;
        }
        // Each worker merges its own file into the shared index under a lock
        // (a few tens of microseconds per file), so no third thread competes
        // with the workers for the cores; the calling thread only reports
        // progress.
        struct Shared {
            strings: Interner,
            events: Vec<Event>,
            errors: Vec<LoadError>,
            slots: Vec<Option<SourceFile>>,
        }
        let shared = std::sync::Mutex::new(Shared {
            strings: std::mem::take(&mut self.strings),
            events: std::mem::take(&mut self.events),
            errors: Vec::new(),
            slots: vec![None; paths.len()],
        });
        /// What a worker tells the calling thread about a file it has merged.
        struct Done {
            events: u64,
            bytes: u64,
            errors: usize,
        }
        let (tx, rx) = crossbeam_channel::unbounded::<Done>();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads.unwrap_or(0))
            .build()
            .expect("a thread pool can be built");
        std::thread::scope(|scope| {
            let pool = &pool;
            let shared = &shared;
            scope.spawn(move || {
                use rayon::prelude::*;
                pool.install(|| {
                    // One file per task: rayon only splits a range further when
                    // a part of it is stolen, so with halves of unequal work
                    // (one account's files bigger than another's) a worker
                    // that finished its half early found nothing left to steal.
                    paths.par_iter().enumerate().with_max_len(1).for_each_with(
                        tx,
                        |tx, (i, path)| {
                            let res = read_file((base + i) as u32, path, opts);
                            let done = Done {
                                events: res.source.events,
                                bytes: res.source.bytes,
                                errors: res.errors.len(),
                            };
                            let mut m = shared.lock().unwrap_or_else(|e| e.into_inner());
                            let map = translation(&res.strings, &mut m.strings);
                            m.events.reserve(res.events.len());
                            for mut ev in res.events {
                                remap(&mut ev, &map);
                                m.events.push(ev);
                            }
                            m.errors.extend(res.errors);
                            m.slots[res.file as usize - base] = Some(res.source);
                            drop(m);
                            let _ = tx.send(done);
                        },
                    );
                });
            });
            for done in rx.iter() {
                prog.files_done += 1;
                prog.events += done.events;
                prog.bytes += done.bytes;
                prog.errors += done.errors;
                progress(&prog);
            }
        });
        let Shared {
            strings,
            events: mut merged,
            errors,
            slots,
        } = shared.into_inner().unwrap_or_else(|e| e.into_inner());
        self.strings = strings;
        self.errors.extend(errors);
        self.files
            .extend(slots.into_iter().map(|s| s.expect("every file reports")));
        pool.install(|| dedup(&mut merged, &self.files, &self.strings));
        pool.install(|| sort_by_time(&mut merged, &self.files));
        self.events = merged;
        self.sort_errors();
    }

    fn sort_errors(&mut self) {
        self.errors
            .sort_by(|a, b| (&a.path, a.line, a.offset).cmp(&(&b.path, b.line, b.offset)));
        self.errors.dedup();
    }

    /// Forgets the files for which `keep` is false: their events (or their
    /// copies of events also delivered elsewhere) and their errors. The kept
    /// files are renumbered in order.
    pub fn retain_files(&mut self, keep: impl Fn(&SourceFile) -> bool) {
        let map: Vec<Option<u32>> = {
            let mut next = 0u32;
            self.files
                .iter()
                .map(|f| {
                    keep(f).then(|| {
                        next += 1;
                        next - 1
                    })
                })
                .collect()
        };
        if map.iter().all(|m| m.is_some())
            && map.iter().enumerate().all(|(i, m)| *m == Some(i as u32))
        {
            return;
        }
        let kept_paths: HashSet<PathBuf> = self
            .files
            .iter()
            .zip(&map)
            .filter(|(_, m)| m.is_some())
            .map(|(f, _)| f.path.clone())
            .collect();
        let mut i = 0;
        self.files.retain(|_| {
            i += 1;
            map[i - 1].is_some()
        });
        let remap_loc = |l: &Loc| {
            map.get(l.file as usize)
                .copied()
                .flatten()
                .map(|f| Loc { file: f, ..*l })
        };
        let files = &self.files;
        let place = |l: &Loc| (files.get(l.file as usize).map(|f| f.path.clone()), l.offset);
        self.events.retain_mut(|e| {
            let mut locs: Vec<Loc> = std::iter::once(&e.loc)
                .chain(e.other_locs.iter())
                .filter_map(remap_loc)
                .collect();
            if locs.is_empty() {
                return false;
            }
            locs.sort_by_key(place);
            e.loc = locs.remove(0);
            e.copies = 1 + locs.len() as u32;
            e.other_locs = locs;
            true
        });
        self.errors.retain(|e| kept_paths.contains(&e.path));
    }
}

fn translation(local: &Interner, global: &mut Interner) -> Vec<Sym> {
    let mut map = Vec::with_capacity(local.len() + 1);
    map.push(Sym::NONE);
    for i in 1..=local.len() {
        let sym = Sym(i as u32);
        let s = local.get(sym).unwrap_or_default();
        map.push(if local.is_unique(sym) {
            global.push_unique(s)
        } else {
            global.intern(s)
        });
    }
    map
}

fn remap(ev: &mut Event, map: &[Sym]) {
    for s in [
        &mut ev.event_id,
        &mut ev.name,
        &mut ev.source,
        &mut ev.region,
        &mut ev.account,
        &mut ev.actor_arn,
        &mut ev.actor_type,
        &mut ev.actor_user,
        &mut ev.access_key,
        &mut ev.src,
        &mut ev.user_agent,
        &mut ev.error_code,
        &mut ev.target_user,
        &mut ev.new_key,
    ] {
        *s = map[s.0 as usize];
    }
}

/// Folds repeated deliveries of one event into one entry with `copies`.
/// Two events are the same when their eventID and their whitespace-free
/// JSON agree, so dummy IDs shared by different events (Panther's 12345) stay apart.
/// Runs on the calling rayon pool: candidates are found by sorting the
/// digests, and only events whose digests collide are compared further.
fn dedup(events: &mut Vec<Event>, files: &[SourceFile], strings: &Interner) {
    use rayon::prelude::*;
    let place = |l: &Loc| {
        (
            files.get(l.file as usize).map(|f| f.path.as_path()),
            l.offset,
        )
    };
    let mut by_digest: Vec<(u64, u32)> = events
        .par_iter()
        .enumerate()
        .map(|(i, e)| (e.digest, i as u32))
        .collect();
    by_digest.par_sort_unstable();
    // (first, later copy), each later copy paired with the earliest event
    // of the same digest and eventID text (event IDs are pushed unique, so
    // their symbols cannot be compared).
    let mut dups: Vec<(usize, usize)> = Vec::new();
    let id = |i: u32| strings.get(events[i as usize].event_id).unwrap_or_default();
    for group in by_digest
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|g| g.len() > 1)
    {
        for (k, &(_, j)) in group.iter().enumerate() {
            if let Some(&(_, first)) = group[..k].iter().find(|&&(_, i)| id(i) == id(j)) {
                dups.push((first as usize, j as usize));
            }
        }
    }
    drop(by_digest);
    if dups.is_empty() {
        return;
    }
    let mut keep = vec![true; events.len()];
    for &(first, dup) in &dups {
        debug_assert!(keep[first]);
        keep[dup] = false;
        let loc = events[dup].loc;
        let first = &mut events[first];
        first.copies += 1;
        // Keep the earliest file position as the primary copy.
        if place(&loc) < place(&first.loc) {
            let old = std::mem::replace(&mut first.loc, loc);
            first.other_locs.push(old);
        } else {
            first.other_locs.push(loc);
        }
        first.other_locs.sort_by(|a, b| place(a).cmp(&place(b)));
    }
    let mut i = 0;
    events.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

/// Sorts by time (untimed last), then file path and offset, so the order
/// does not depend on the order files were read in. Sorting small keys and
/// permuting once moves each (large) event a few times instead of the dozen
/// a merge sort would.
fn sort_by_time(events: &mut [Event], files: &[SourceFile]) {
    let mut by_path: Vec<u32> = (0..files.len() as u32).collect();
    by_path.sort_by(|&a, &b| files[a as usize].path.cmp(&files[b as usize].path));
    let mut rank = vec![0u32; files.len()];
    for (r, &f) in by_path.iter().enumerate() {
        rank[f as usize] = r as u32;
    }
    let rank_of = |f: u32| rank.get(f as usize).copied().unwrap_or(u32::MAX);
    let mut keys: Vec<(bool, i64, u32, u64, u32)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            (
                e.time.is_none(),
                e.time.unwrap_or(0),
                rank_of(e.loc.file),
                e.loc.offset,
                i as u32,
            )
        })
        .collect();
    {
        use rayon::prelude::*;
        keys.par_sort_unstable();
    }
    let mut perm: Vec<u32> = keys.iter().map(|k| k.4).collect();
    drop(keys);
    // new[i] = old[perm[i]], following each cycle once.
    for start in 0..events.len() {
        let mut j = start;
        while perm[j] != u32::MAX {
            let k = perm[j] as usize;
            perm[j] = u32::MAX;
            if k == start {
                break;
            }
            events.swap(j, k);
            j = k;
        }
    }
}

fn finish_stats(index: &mut Index, elapsed: Duration) {
    // Symbols are dense small integers: a flag per symbol beats hashing a
    // million of them.
    let mut accounts = vec![false; index.strings.len() + 1];
    let mut regions = vec![false; index.strings.len() + 1];
    let st = &mut index.stats;
    st.files = index.files.len();
    st.skipped = index.skipped.len();
    st.bytes = index.files.iter().map(|f| f.bytes).sum();
    st.inflated_bytes = index.files.iter().map(|f| f.inflated).sum();
    st.first_time = None;
    st.last_time = None;
    st.events = index.events.len() as u64;
    st.deliveries = index.events.iter().map(|e| e.copies as u64).sum();
    for e in &index.events {
        if let Some(t) = e.time {
            st.first_time = Some(st.first_time.map_or(t, |x: i64| x.min(t)));
            st.last_time = Some(st.last_time.map_or(t, |x: i64| x.max(t)));
        }
        if let Some(f) = accounts.get_mut(e.account.0 as usize) {
            *f = true;
        }
        if let Some(f) = regions.get_mut(e.region.0 as usize) {
            *f = true;
        }
    }
    let names = |flags: Vec<bool>| -> BTreeSet<String> {
        flags
            .iter()
            .enumerate()
            .filter(|(_, on)| **on)
            .filter_map(|(i, _)| index.strings.get(Sym(i as u32)))
            .map(str::to_string)
            .collect()
    };
    st.accounts = names(accounts);
    st.regions = names(regions);
    st.elapsed = elapsed;
}
