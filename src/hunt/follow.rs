//! Follow mode, one strategy for both front ends: watch the paths, read each
//! new or changed file into the live index once it has settled (a file that
//! looks partly written is retried, see [`crate::loader::follow`]), then run
//! the rules again over the whole index.
//!
//! The index is shared with the front end behind an `Arc`: while nobody else
//! holds the last snapshot, new files go straight into it; while the console
//! still shows it, the follower works on a copy and hands the new one over.

use super::{Config, Hunt};
use crate::loader::LoadOptions;
use crate::loader::follow::Follow;
use crate::rules::RuleSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Watches a hunt's paths and re-runs its rules as files arrive.
pub struct Follower {
    follow: Follow,
    opts: LoadOptions,
    semantics: crate::rules::Semantics,
}

impl Follower {
    /// Starts watching `config`'s paths. Call before the first load, so no
    /// file written during it is missed (one read twice is only folded).
    pub fn start(config: &Config, rules: &RuleSet) -> notify::Result<Follower> {
        Ok(Follower {
            follow: Follow::new(&config.paths)?,
            opts: config.load_options(rules),
            semantics: config.semantics,
        })
    }

    /// Waits up to `timeout` for files; when some were read whole, adds
    /// them to `hunt`'s index, runs its rules again and returns which files
    /// they were (empty: nothing changed).
    pub fn next(&mut self, hunt: &mut Hunt, timeout: Duration) -> Vec<PathBuf> {
        let ready = self.follow.poll(timeout);
        if ready.is_empty() {
            return ready;
        }
        // Copies the index only while a front end still holds the last one.
        let read = self
            .follow
            .apply(Arc::make_mut(&mut hunt.index), &ready, &self.opts);
        if !read.is_empty() {
            hunt.rerun(self.semantics);
        }
        read
    }
}
