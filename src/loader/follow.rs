//! Follow mode: watch the loaded tree and index new files as they appear.
//!
//! CloudTrail delivers new files rather than appending to old ones, so the
//! unit of change is a file. A file is read once its size and modification
//! time have held still for [`Follow::settle`]; a file that then looks
//! partially written (a truncated gzip stream, JSON that ends early) is taken
//! out again and retried on its next change, for up to
//! [`Follow::partial_grace`] — only then are its problems reported as load
//! errors. A file that changes after it was read is read again in full.

use crate::event::{Index, Stamp};
use crate::loader::{LoadOptions, discover};
use notify::{RecursiveMode, Watcher};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Pending {
    stamp: Option<Stamp>,
    still_since: Instant,
    first_seen: Instant,
    /// The stamp it had when it was last read and looked partial.
    read_at: Option<Stamp>,
}

/// Watches the named paths for new and changed log files.
pub struct Follow {
    _watcher: notify::RecommendedWatcher,
    rx: mpsc::Receiver<notify::Result<notify::Event>>,
    pending: HashMap<PathBuf, Pending>,
    /// How long a file's size and mtime must hold still before it is read.
    pub settle: Duration,
    /// How long a file that looks partially written is retried.
    pub partial_grace: Duration,
}

impl Follow {
    /// Starts watching `roots` (directories recursively; files directly).
    pub fn new(roots: &[PathBuf]) -> notify::Result<Follow> {
        let (tx, rx) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(tx)?;
        for r in roots {
            watcher.watch(r, RecursiveMode::Recursive)?;
        }
        Ok(Follow {
            _watcher: watcher,
            rx,
            pending: HashMap::new(),
            settle: Duration::from_millis(500),
            partial_grace: Duration::from_secs(30),
        })
    }

    /// Notes a file as changed, as if the watcher had reported it.
    pub fn touch(&mut self, path: &Path) {
        let now = Instant::now();
        let p = self.pending.entry(path.to_path_buf()).or_insert(Pending {
            stamp: None,
            still_since: now,
            first_seen: now,
            read_at: None,
        });
        p.stamp = None;
        p.still_since = now;
    }

    /// Waits up to `timeout` for file events, then returns the changed log
    /// files that have settled and are ready to read.
    pub fn poll(&mut self, timeout: Duration) -> Vec<PathBuf> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left.min(Duration::from_millis(100))) {
                Ok(Ok(ev)) => {
                    if matches!(
                        ev.kind,
                        notify::EventKind::Create(_) | notify::EventKind::Modify(_)
                    ) {
                        for p in ev.paths {
                            if p.is_dir() {
                                // Files written into a new folder before its
                                // watch was set up raise no event of their own.
                                for e in walkdir::WalkDir::new(&p)
                                    .follow_links(true)
                                    .into_iter()
                                    .flatten()
                                {
                                    if wanted(e.path()) {
                                        self.touch(e.path());
                                    }
                                }
                            } else if wanted(&p) {
                                self.touch(&p);
                            }
                        }
                    }
                }
                Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        let now = Instant::now();
        let mut ready = Vec::new();
        for (path, p) in &mut self.pending {
            let stamp = Stamp::of(path);
            if stamp != p.stamp {
                p.stamp = stamp;
                p.still_since = now;
            } else if stamp.is_some()
                && now.duration_since(p.still_since) >= self.settle
                && (p.read_at != stamp || now.duration_since(p.first_seen) >= self.partial_grace)
            {
                ready.push(path.clone());
            }
        }
        for path in &ready {
            // Kept for its first-seen time until it reads whole.
            if let Some(p) = self.pending.get_mut(path) {
                p.still_since = now;
            }
        }
        ready.sort();
        ready
    }

    /// Reads `ready` files into `index` (replacing any earlier version of
    /// them). Files that look partially written are taken out again and
    /// stay pending; the rest are done. Returns the files now in the index.
    pub fn apply(
        &mut self,
        index: &mut Index,
        ready: &[PathBuf],
        opts: &LoadOptions,
    ) -> Vec<PathBuf> {
        if ready.is_empty() {
            return Vec::new();
        }
        index.retain_files(|f| !ready.contains(&f.path));
        index.add_files(ready, opts, &mut |_| {});
        let now = Instant::now();
        let mut partial = Vec::new();
        for path in ready {
            let looks_partial = index.errors.iter().any(|e| &e.path == path && e.ends_early);
            let young = self
                .pending
                .get(path)
                .is_some_and(|p| now.duration_since(p.first_seen) < self.partial_grace);
            if looks_partial && young {
                partial.push(path.clone());
                if let Some(p) = self.pending.get_mut(path) {
                    p.read_at = Stamp::of(path);
                }
            } else {
                self.pending.remove(path);
            }
        }
        if !partial.is_empty() {
            index.retain_files(|f| !partial.contains(&f.path));
        }
        ready
            .iter()
            .filter(|p| !partial.contains(p))
            .cloned()
            .collect()
    }

    /// Files seen but not yet read whole.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

/// Whether a path from the watcher is a log file the loader would read.
fn wanted(p: &Path) -> bool {
    !discover::is_digest(p) && discover::has_log_name(p) && p.is_file()
}
