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
    Event, Extra, Index, Interner, KeepRaw, LoadError, Loc, Progress, RawReader, SourceFile, Stamp,
    Sym,
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
    /// The events whose raw JSON is kept in memory because a rule will
    /// read them in full.
    pub keep_raw: KeepRaw,
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
            keep_raw: KeepRaw::default(),
            cache: CacheMode::Off,
        }
    }
}

/// Reads raw events back from their files with the load's own decoding,
/// so offsets agree. A file is read as a stream up to the events wanted;
/// the last small file decoded is kept whole, since a report or the
/// console reads a finding's events (and their IDs, which the index does
/// not hold) back one after another, mostly from the same few files.
#[derive(Debug, Default)]
pub struct FileReader {
    last: std::sync::Mutex<Option<Decoded>>,
}

/// A file's decoded text, with the path and stamp it was read under.
type Decoded = (PathBuf, Option<Stamp>, Arc<str>);

/// Largest decoded file [`FileReader`] keeps for the next read.
const KEEP_DECODED: u64 = 32 << 20;

impl FileReader {
    /// The whole decoded text of a small file (kept for the next read), or
    /// `None` for a large one, which is read as a stream instead.
    fn small(&self, file: &SourceFile) -> Result<Option<Arc<str>>, LoadError> {
        let path = &file.path;
        if file.inflated > KEEP_DECODED {
            return Ok(None);
        }
        let lock = || self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((p, stamp, text)) = lock().as_ref()
            && p == path
            && *stamp == file.stamp
        {
            return Ok(Some(text.clone()));
        }
        // Decoded without the lock held: workers re-reading different
        // files do not wait for each other.
        let f = crate::files::open_regular(path)
            .map_err(|e| LoadError::file(path, format!("cannot re-read: {e}")))?;
        let Some(text) = decode::read_text(f) else {
            return Err(LoadError::file(path, "file changed since it was loaded"));
        };
        let text: Arc<str> = Arc::from(text);
        *lock() = Some((path.clone(), file.stamp, text.clone()));
        Ok(Some(text))
    }
}

impl RawReader for FileReader {
    fn read(&self, file: &SourceFile, loc: &Loc) -> Result<String, LoadError> {
        self.read_many(file, std::slice::from_ref(loc))
            .pop()
            .expect("one answer per place")
    }

    fn read_many(&self, file: &SourceFile, locs: &[Loc]) -> Vec<Result<String, LoadError>> {
        let path = &file.path;
        let texts: Vec<Option<String>> = match self.small(file) {
            Ok(Some(text)) => locs
                .iter()
                .map(|l| {
                    let start = usize::try_from(l.offset).ok()?;
                    text.get(start..start.checked_add(l.len as usize)?)
                        .map(str::to_string)
                })
                .collect(),
            Ok(None) => match crate::files::open_regular(path) {
                Ok(f) => {
                    let ranges: Vec<(u64, usize)> =
                        locs.iter().map(|l| (l.offset, l.len as usize)).collect();
                    decode::read_texts_at(f, &ranges)
                }
                Err(e) => {
                    let e = LoadError::file(path, format!("cannot re-read: {e}"));
                    return locs.iter().map(|_| Err(e.clone())).collect();
                }
            },
            Err(e) => return locs.iter().map(|_| Err(e.clone())).collect(),
        };
        texts
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
    /// The high 32 bits of each event's content digest (the event holds
    /// the low 32), for de-duplication.
    high: Vec<u32>,
    /// Raw JSON kept for the rules, by event (in this file).
    raws: Vec<(u32, crate::event::Packed)>,
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
        high: Vec::new(),
        raws: Vec::new(),
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
        high: Vec::new(),
        raws: Vec::new(),
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
    let high = &mut res.high;
    let raws = &mut res.raws;
    let errors = &mut event_errors;
    let mut keep_memo: Vec<Option<bool>> = Vec::new();
    let mut narrow = opts.keep_raw.narrow.as_ref().map(|n| n.per_file());
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
            let mut ev = build_event(&f, strings, idx, &p);
            // Decided once per distinct name (a file has a few dozen), not
            // once per event against every name a rule reads.
            let slot = ev.name.0 as usize;
            if keep_memo.len() <= slot {
                keep_memo.resize(slot + 1, None);
            }
            let keep_raw = *keep_memo[slot]
                .get_or_insert_with(|| opts.keep_raw.admits_name(f.name.as_deref()))
                && narrow.as_mut().is_none_or(|keep| keep(&ev, &*strings));
            ev.digest = h as u32;
            if keep_raw {
                raws.push((events.len() as u32, crate::event::Packed::pack(p.json)));
            }
            events.push(ev);
            high.push((h >> 32) as u32);
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

fn build_event(f: &Fields<'_>, s: &mut Interner, file: u32, p: &split::Piece<'_>) -> Event {
    let mut e = Event::new(
        f.event_time.as_deref().and_then(parse_event_time),
        Loc {
            file,
            line: p.line,
            offset: p.offset,
            len: p.len,
            splunk_raw: p.splunk_raw,
        },
    );
    e.name = s.intern_opt(f.name.as_deref());
    e.source = s.intern_opt(f.source.as_deref());
    e.region = s.intern_opt(f.region.as_deref());
    e.account = s.intern_opt(f.account());
    e.actor_arn = s.intern_opt(f.actor_arn.as_deref());
    e.actor_type = s.intern_opt(f.actor_type.as_deref());
    e.actor_user = s.intern_opt(f.actor_user.as_deref());
    e.access_key = s.intern_opt(f.access_key.as_deref());
    e.src = s.intern_opt(f.src.as_deref());
    e.user_agent = s.intern_opt(f.user_agent.as_deref());
    e.error_code = s.intern_opt(f.error_code.as_deref());
    e.target_user = s.intern_opt(f.target_user());
    e.new_key = s.intern_opt(f.new_key.as_deref());
    e
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
            .get_or_insert_with(|| Arc::new(FileReader::default()) as Arc<dyn RawReader>);
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
            extras: Vec<Extra>,
            /// The high digest bits of every new event, in event order:
            /// held only until the duplicates are folded.
            high: Vec<u32>,
            errors: Vec<LoadError>,
            slots: Vec<Option<SourceFile>>,
        }
        let old_len = self.events.len();
        let shared = std::sync::Mutex::new(Shared {
            strings: std::mem::take(&mut self.strings),
            events: std::mem::take(&mut self.events),
            extras: std::mem::take(&mut self.extras),
            high: Vec::new(),
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
                            let at = m.events.len();
                            m.events.reserve(res.events.len());
                            for mut ev in res.events {
                                remap(&mut ev, &map);
                                m.events.push(ev);
                            }
                            m.high.extend_from_slice(&res.high);
                            for (k, raw) in res.raws {
                                m.extras.push(Extra {
                                    other_locs: Vec::new(),
                                    raw: Some(raw),
                                });
                                let n = m.extras.len() as u32;
                                m.events[at + k as usize].extra = n;
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
            events,
            extras,
            high,
            errors,
            slots,
        } = shared.into_inner().unwrap_or_else(|e| e.into_inner());
        self.strings = strings;
        self.events = events;
        self.extras = extras;
        self.errors.extend(errors);
        self.files
            .extend(slots.into_iter().map(|s| s.expect("every file reports")));
        pool.install(|| self.dedup(high, old_len));
        pool.install(|| sort_by_time(&mut self.events, &self.files));
        // The vectors grew by doubling: give back the spare room (never
        // touched, so never resident, but it reads as the index's size).
        self.events.shrink_to_fit();
        self.extras.shrink_to_fit();
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
        let extras = &mut self.extras;
        self.events.retain_mut(|e| {
            let x = (e.extra as usize)
                .checked_sub(1)
                .and_then(|i| extras.get_mut(i));
            let others = x.as_ref().map_or(&[][..], |x| &x.other_locs[..]);
            let mut locs: Vec<Loc> = std::iter::once(&e.loc())
                .chain(others)
                .filter_map(remap_loc)
                .collect();
            if locs.is_empty() {
                return false;
            }
            locs.sort_by_key(place);
            e.set_loc(locs.remove(0));
            if let Some(x) = x {
                x.other_locs = locs;
            }
            true
        });
        self.compact_extras();
        self.errors.retain(|e| kept_paths.contains(&e.path));
    }

    /// Drops side entries no event points at (or that hold nothing), so the
    /// table holds exactly what the events need, in event order.
    fn compact_extras(&mut self) {
        let mut old = std::mem::take(&mut self.extras);
        for e in &mut self.events {
            let Some(x) = (e.extra as usize)
                .checked_sub(1)
                .and_then(|i| old.get_mut(i))
            else {
                e.extra = 0;
                continue;
            };
            let x = std::mem::take(x);
            if x == Extra::default() {
                e.extra = 0;
            } else {
                self.extras.push(x);
                e.extra = self.extras.len() as u32;
            }
        }
    }

    /// Folds repeated deliveries of one event into one entry with its other
    /// places in [`Index::extras`]. Two deliveries are the same event when
    /// their whitespace-free JSON (which holds the eventID) hashes alike on
    /// 64 bits, so dummy IDs shared by different events (Panther's 12345)
    /// stay apart. The events hold the low 32 bits; `high` holds the high
    /// 32 of the events from `old_len` on (4 bytes an event while loading,
    /// where pairs of digest and position took 16). Events already in the
    /// index keep only 32 bits, so one whose low bits match a new event's is
    /// read back and hashed in full (rare outside a true duplicate). Runs on
    /// the calling rayon pool.
    fn dedup(&mut self, high: Vec<u32>, old_len: usize) {
        use rayon::prelude::*;
        let this = &*self;
        let low_of = |k: u64| (k >> 32) as u32;
        let full =
            |i: usize| (u64::from(high[i - old_len]) << 32) | u64::from(this.events[i].digest);
        // (first, later copy): each later copy paired with the earliest
        // event of the same digest.
        let mut dups: Vec<(usize, usize)> = Vec::new();
        let mut members: Vec<(u64, u32)> = Vec::new();
        // A quarter of the digests at a time (by their top two bits): the
        // sorted list costs 2 bytes an event at the load's peak, not 8, for
        // three more reads of the events' digests.
        const PASSES: u32 = 4;
        let part = |d: u32| d >> 30;
        for pass in 0..PASSES {
            // (low bits, position) of each new event of this part, sorted:
            // equal full digests sit in one run of equal low bits.
            let mut by_low: Vec<u64> = (old_len..this.events.len())
                .into_par_iter()
                .filter(|&i| part(this.events[i].digest) == pass)
                .map(|i| (u64::from(this.events[i].digest) << 32) | i as u64)
                .collect();
            by_low.par_sort_unstable();
            let old: Vec<(u64, u32)> = if old_len > 0 && !by_low.is_empty() {
                let mut old: Vec<(u64, u32)> = this.events[..old_len]
                    .par_iter()
                    .enumerate()
                    .filter(|(_, e)| {
                        let p = by_low.partition_point(|&k| low_of(k) < e.digest);
                        by_low.get(p).is_some_and(|&k| low_of(k) == e.digest)
                    })
                    .filter_map(|(i, e)| {
                        let raw = this.raw(e).ok()?;
                        Some((scan::digest(raw.as_bytes(), &mut Vec::new()).0, i as u32))
                    })
                    .collect();
                old.sort_unstable_by_key(|&(h, i)| (h as u32, h, i));
                old
            } else {
                Vec::new()
            };
            let mut o = 0;
            for run in by_low.chunk_by(|a, b| low_of(*a) == low_of(*b)) {
                let low = low_of(run[0]);
                while o < old.len() && (old[o].0 as u32) < low {
                    o += 1;
                }
                let olds = old[o..].iter().take_while(|(h, _)| *h as u32 == low);
                if run.len() + olds.clone().count() < 2 {
                    continue;
                }
                members.clear();
                members.extend(olds.copied());
                members.extend(run.iter().map(|&k| {
                    let i = (k & u64::from(u32::MAX)) as usize;
                    (full(i), i as u32)
                }));
                members.sort_unstable();
                for group in members.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
                    let first = group[0].1 as usize;
                    dups.extend(group[1..].iter().map(|&(_, j)| (first, j as usize)));
                }
            }
        }
        drop(high);
        if dups.is_empty() {
            return;
        }
        let files = &self.files;
        let place = |l: &Loc| {
            (
                files.get(l.file as usize).map(|f| f.path.as_path()),
                l.offset,
            )
        };
        let mut keep = vec![true; self.events.len()];
        for &(first, dup) in &dups {
            debug_assert!(keep[first]);
            keep[dup] = false;
            let loc = self.events[dup].loc();
            let ev = &mut self.events[first];
            if ev.extra == 0 {
                self.extras.push(Extra::default());
                ev.extra = self.extras.len() as u32;
            }
            let x = &mut self.extras[ev.extra as usize - 1];
            // Keep the earliest file position as the primary copy.
            let mut primary = ev.loc();
            if place(&loc) < place(&primary) {
                x.other_locs.push(std::mem::replace(&mut primary, loc));
                ev.set_loc(primary);
            } else {
                x.other_locs.push(loc);
            }
            x.other_locs.sort_by(|a, b| place(a).cmp(&place(b)));
        }
        let mut i = 0;
        self.events.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        self.compact_extras();
    }
}

fn translation(local: &Interner, global: &mut Interner) -> Vec<Sym> {
    let mut map = Vec::with_capacity(local.len() + 1);
    map.push(Sym::NONE);
    for i in 1..=local.len() {
        map.push(global.intern(local.get(Sym(i as u32)).unwrap_or_default()));
    }
    map
}

fn remap(ev: &mut Event, map: &[Sym]) {
    for s in ev.syms_mut() {
        *s = map[s.0 as usize];
    }
}

/// Sorts by time (untimed last), then file path and offset, so the order
/// does not depend on the order files were read in. In place: a sort key
/// per event would cost as much memory, at the load's peak, as a fifth of
/// the index. Distinct events never tie (two events of one file have two
/// offsets), so the unstable sort's order is the one order.
fn sort_by_time(events: &mut [Event], files: &[SourceFile]) {
    use rayon::prelude::*;
    let mut by_path: Vec<u32> = (0..files.len() as u32).collect();
    by_path.sort_by(|&a, &b| files[a as usize].path.cmp(&files[b as usize].path));
    let mut rank = vec![0u32; files.len()];
    for (r, &f) in by_path.iter().enumerate() {
        rank[f as usize] = r as u32;
    }
    let rank_of = |f: u32| rank.get(f as usize).copied().unwrap_or(u32::MAX);
    // No parseable time is i64::MAX here: last, as no real time reaches it.
    let key = |e: &Event| {
        let loc = e.loc();
        (e.time().unwrap_or(i64::MAX), rank_of(loc.file), loc.offset)
    };
    events.par_sort_unstable_by(|a, b| key(a).cmp(&key(b)));
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
    st.deliveries = st.events
        + index
            .extras
            .iter()
            .map(|x| x.other_locs.len() as u64)
            .sum::<u64>();
    for e in &index.events {
        if let Some(t) = e.time() {
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
