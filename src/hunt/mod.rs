//! A hunt: one run of the rules over the logs, with its triage. Both front
//! ends ([`crate::cli`] and [`crate::tui`]) drive hunts through this layer
//! and nothing else, so "load, then run the rules, then apply triage" is
//! written once.
//!
//! Start at [`Config`] (what a hunt is asked to do, with no clap in it),
//! then [`Hunt::run`]. [`triage::TriageFiles`] opens the workspace once for
//! both front ends; [`scope::report_scope`] says what a report covers;
//! [`follow::Follower`] is the one follow strategy (new files are read into
//! the live index, then the rules run again).
//!
//! This layer may use every domain module (`event`, `loader`, `rules`,
//! `triage`, `report`, `clipboard`) and never `cli` or `tui`.

pub mod follow;
pub mod scope;
pub mod triage;

use crate::event::{Index, LoadError, Progress};
use crate::loader::{self, CacheMode, LoadOptions};
use crate::rules::{Finding, RuleSet, RunOutput, Semantics};
use crate::triage::WorkspacePaths;
use std::path::PathBuf;
use std::sync::Arc;

/// Caps that keep hostile or huge input from taking the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Worker threads for loading; `None` uses every core.
    pub threads: Option<usize>,
    /// Stop reading a file (inflated, if gzip) past this many bytes.
    pub max_inflated: u64,
    /// Stop inflating a gzip file that inflates more than N:1 (past 64 MiB).
    pub max_ratio: u64,
    /// Skip events whose JSON is larger than this many bytes.
    pub max_event_bytes: u64,
    /// Skip events nested deeper than this.
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        let d = LoadOptions::default();
        Limits {
            threads: None,
            max_inflated: d.max_inflated,
            max_ratio: d.max_ratio,
            max_event_bytes: d.max_event_bytes,
            max_depth: d.max_depth,
        }
    }
}

/// What a hunt is asked to do: the front ends fill this in from their
/// arguments and hand it over.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Files or directories of CloudTrail logs.
    pub paths: Vec<PathBuf>,
    /// How the rules' conditions are read.
    pub semantics: Semantics,
    /// Folders of rule files added to the built-in rules, in order.
    pub rule_dirs: Vec<PathBuf>,
    /// Leave the built-in AWS IAM Privilege Escalation pack out: the seed
    /// (and any rule folders) only.
    pub no_pack: bool,
    pub limits: Limits,
    /// Whether to read and write the index cache.
    pub cache: bool,
    /// Where the allowlist and statuses are (default: the logs' workspace).
    pub workspace: WorkspacePaths,
    /// Keep watching the paths and index new files as they appear.
    pub follow: bool,
    /// List the findings the allowlist suppresses too.
    pub show_suppressed: bool,
}

impl Config {
    /// A configuration with the defaults for `paths`.
    pub fn new(paths: Vec<PathBuf>) -> Config {
        Config {
            paths,
            cache: true,
            ..Config::default()
        }
    }

    /// The rules in force: the seed, the pack unless [`Config::no_pack`],
    /// then every rule folder (a folder's rule with a built-in rule's id
    /// replaces it).
    pub fn rules(&self) -> Result<RuleSet, crate::rules::rule::RuleError> {
        let mut rules = if self.no_pack {
            RuleSet::builtin()
        } else {
            RuleSet::builtin_with_pack()
        };
        for dir in &self.rule_dirs {
            rules.add_dir(dir)?;
        }
        Ok(rules)
    }

    /// The loader's options for these limits and `rules`.
    pub fn load_options(&self, rules: &RuleSet) -> LoadOptions {
        LoadOptions {
            threads: self.limits.threads,
            keep_raw: rules.keep_raw(),
            max_inflated: self.limits.max_inflated,
            max_ratio: self.limits.max_ratio,
            max_event_bytes: self.limits.max_event_bytes,
            max_depth: self.limits.max_depth,
            cache: if self.cache {
                CacheMode::Default
            } else {
                CacheMode::Off
            },
        }
    }
}

/// A named path that cannot give a hunt anything: it does not exist, or
/// holds no CloudTrail log files. A front end treats it as a usage error
/// (the command line exits 2) rather than showing "no findings".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PathProblem(pub String);

impl Config {
    /// Checks each named path before a hunt: it must exist, and a folder
    /// must hold at least one log file the loader would read (a file named
    /// directly is read whatever its name). A FIFO or device is refused
    /// without being opened. With [`Config::follow`] a folder without log
    /// files is fine — files may still arrive — and `Ok` says what it waits
    /// for.
    pub fn check_paths(&self) -> Result<Vec<String>, PathProblem> {
        let mut waiting = Vec::new();
        for p in &self.paths {
            let shown = crate::event::show_path(p);
            let meta = match std::fs::metadata(p) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(PathProblem(format!("{shown}: does not exist")));
                }
                Err(e) => return Err(PathProblem(format!("{shown}: cannot read: {e}"))),
            };
            if meta.is_file() {
                continue;
            }
            if !meta.is_dir() {
                return Err(PathProblem(format!(
                    "{shown}: {}, not a regular file or a folder: not read",
                    loader::discover::special_kind(&meta.file_type())
                )));
            }
            if loader::discover::has_log_files(p) {
                continue;
            }
            if self.follow {
                waiting.push(format!("{shown}: no log files yet; waiting for log files"));
            } else {
                return Err(PathProblem(format!(
                    "{shown}: no CloudTrail log files under it (read are *.json, *.jsonl, \
                     *.ndjson, *.log, *.txt, each optionally .gz, and *.gz)"
                )));
            }
        }
        Ok(waiting)
    }
}

/// What a hunt reports while it runs.
#[derive(Clone, Copy, Debug)]
pub enum Stage {
    /// Files are being read.
    Loading(Progress),
    /// The files are read; the rules are running.
    RulesRunning,
}

/// One run of the rules over the logs.
#[derive(Debug)]
pub struct Hunt {
    pub index: Arc<Index>,
    pub rules: Arc<RuleSet>,
    pub semantics: Semantics,
    pub findings: Vec<Finding>,
    /// Problems the rules met (events they could not evaluate).
    pub rule_errors: Vec<LoadError>,
}

impl Hunt {
    /// Loads what `config` names, runs `rules` over it; `stage` hears the
    /// load's progress and when the rules start.
    pub fn run(config: &Config, rules: RuleSet, stage: &mut dyn FnMut(Stage)) -> Hunt {
        let opts = config.load_options(&rules);
        let index = loader::load(&config.paths, &opts, &mut |p| stage(Stage::Loading(*p)));
        stage(Stage::RulesRunning);
        Hunt::over(index, rules, config.semantics)
    }

    /// Runs `rules` over an index already loaded.
    pub fn over(mut index: Index, rules: RuleSet, semantics: Semantics) -> Hunt {
        // What loading the rules said (rules skipped for their logsource)
        // is shown where the load's own notes are: stderr, the console.
        index.notes.extend(rules.notes.iter().cloned());
        let RunOutput { findings, errors } = rules.run(&index, semantics);
        Hunt {
            index: Arc::new(index),
            rules: Arc::new(rules),
            semantics,
            findings,
            rule_errors: errors,
        }
    }

    /// Runs the rules again over the index as it is now.
    pub fn rerun(&mut self, semantics: Semantics) {
        let RunOutput { findings, errors } = self.rules.run(&self.index, semantics);
        self.semantics = semantics;
        self.findings = findings;
        self.rule_errors = errors;
    }

    /// Load and rule errors together, load errors first.
    pub fn errors(&self) -> impl Iterator<Item = &LoadError> {
        self.index.errors.iter().chain(&self.rule_errors)
    }
}
