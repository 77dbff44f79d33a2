//! The command line's arguments (clap) and the plain configuration each
//! becomes: [`crate::hunt::Config`] for what to hunt, and the front ends'
//! own options. Only this module knows about clap's types.

use crate::clipboard::ClipboardChoice;
use crate::hunt::{Config, Limits};
use crate::report::Format;
use crate::rules::Semantics;
use crate::triage::WorkspacePaths;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `--semantics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SemanticsArg {
    /// The seed's intent without its blind spots (the default).
    #[default]
    Strict,
    /// Exactly what the seed's SPL returns in Splunk (its unquoted eval
    /// names read as concatenations, so match() never excludes).
    Splunk,
    /// The seed with its eval names read as fields, as if single-quoted.
    SplunkQuoted,
}

impl From<SemanticsArg> for Semantics {
    fn from(s: SemanticsArg) -> Self {
        match s {
            SemanticsArg::Strict => Semantics::Strict,
            SemanticsArg::Splunk => Semantics::Splunk,
            SemanticsArg::SplunkQuoted => Semantics::SplunkQuoted,
        }
    }
}

/// `scan --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Ndjson,
    Csv,
    Markdown,
    Html,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Ndjson => Format::Ndjson,
            FormatArg::Csv => Format::Csv,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Html => Format::Html,
        }
    }
}

/// `--clipboard`: how to copy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ClipboardArg {
    /// Pick from the environment: OSC 52 over SSH and in tmux or screen,
    /// else the system clipboard; a file as the last resort.
    #[default]
    Auto,
    /// The system clipboard (X11, macOS, Windows).
    Native,
    /// The terminal's clipboard, through the OSC 52 escape sequence.
    Osc52,
    /// A file in trailhunt's data directory.
    File,
}

impl From<ClipboardArg> for ClipboardChoice {
    fn from(c: ClipboardArg) -> Self {
        match c {
            ClipboardArg::Auto => ClipboardChoice::Auto,
            ClipboardArg::Native => ClipboardChoice::Native,
            ClipboardArg::Osc52 => ClipboardChoice::Osc52,
            ClipboardArg::File => ClipboardChoice::File,
        }
    }
}

/// Where the allowlist and triage state are, as given on the command line.
#[derive(Args, Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceArgs {
    /// Allowlist file to use instead of the workspace's.
    #[arg(long, value_name = "FILE")]
    pub allowlist: Option<PathBuf>,
    /// Keep the allowlist and statuses in DIR (e.g. a `.trailhunt` folder
    /// beside the logs) instead of the data directory.
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
}

impl WorkspaceArgs {
    /// The paths as the triage layer takes them.
    pub fn paths(&self) -> WorkspacePaths {
        WorkspacePaths {
            allowlist: self.allowlist.clone(),
            workspace: self.workspace.clone(),
        }
    }
}

/// Options shared by every command that loads logs.
#[derive(Args, Debug, Clone)]
pub struct LoadArgs {
    /// How the rule's conditions are read: `strict` (the seed's intent) or
    /// `splunk` (exactly what the seed's SPL returns).
    #[arg(long, value_enum, default_value_t = SemanticsArg::Strict)]
    pub semantics: SemanticsArg,
    /// Add the rules under DIR (recursively: trailhunt *.toml, Sigma
    /// *.yml/*.yaml) to the built-in rules; repeatable.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Leave out the built-in AWS IAM Privilege Escalation pack: run the
    /// seed rule (and any --rules) only.
    #[arg(long)]
    pub no_pack: bool,
    /// Worker threads for loading (default: every core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Stop reading a file (inflated, if gzip) past this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = 4096)]
    pub max_inflated_mib: u64,
    /// Stop inflating a gzip file that inflates more than N:1 (past 64 MiB).
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_ratio: u64,
    /// Skip events whose JSON is larger than this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = 16)]
    pub max_event_mib: u64,
    /// Skip events nested deeper than this.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_depth: u32,
    /// Neither read nor write the index cache (it lets a reopen skip files
    /// that have not changed).
    #[arg(long)]
    pub no_cache: bool,
    /// Keep watching the paths and index new files as they appear (`scan`
    /// then prints findings as NDJSON lines, new ones as they come).
    #[arg(long)]
    pub follow: bool,
    /// Where the allowlist and statuses are (default: the logs' workspace).
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// List the findings the allowlist suppresses too, marked as such.
    #[arg(long)]
    pub show_suppressed: bool,
}

impl LoadArgs {
    /// The hunt these options ask for over `paths`.
    pub fn config(&self, paths: &[PathBuf]) -> Config {
        Config {
            paths: paths.to_vec(),
            semantics: self.semantics.into(),
            rule_dirs: self.rules.clone(),
            no_pack: self.no_pack,
            limits: Limits {
                threads: self.threads,
                max_inflated: self.max_inflated_mib.saturating_mul(1 << 20),
                max_ratio: self.max_ratio,
                max_event_bytes: self.max_event_mib.saturating_mul(1 << 20),
                max_depth: self.max_depth,
            },
            cache: !self.no_cache,
            workspace: self.workspace.paths(),
            follow: self.follow,
            show_suppressed: self.show_suppressed,
        }
    }
}

/// The console's arguments: `trailhunt PATH...`.
#[derive(Args, Debug, Clone)]
pub struct ConsoleArgs {
    /// Files or directories of CloudTrail logs.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Show times in this IANA zone (e.g. Europe/Paris) instead of UTC.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// How `y`/`Y` copy: the system clipboard, the terminal's (OSC 52, for
    /// SSH and tmux), a file, or `auto` to pick from the environment.
    #[arg(long, value_enum, value_name = "HOW", default_value_t = ClipboardArg::Auto)]
    pub clipboard: ClipboardArg,
}

impl ConsoleArgs {
    /// The hunt the console runs.
    pub fn config(&self) -> Config {
        self.load.config(&self.paths)
    }
}

/// `trailhunt scan`'s arguments.
#[derive(Args, Debug, Clone)]
pub struct ScanArgs {
    /// Files or directories of CloudTrail logs.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write to FILE (atomically: all or nothing) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show times in Markdown and HTML reports in this IANA zone (e.g.
    /// Europe/Paris) or `local` instead of UTC.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Say on stderr where the time went: loading, the rules, triage,
    /// writing the findings.
    #[arg(long)]
    pub timings: bool,
}

impl ScanArgs {
    /// The hunt `scan` runs.
    pub fn config(&self) -> Config {
        self.load.config(&self.paths)
    }
}
