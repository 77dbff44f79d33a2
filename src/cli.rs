//! The command line: argument definitions and what each command does.
//! `main.rs` only parses and calls [`run`].

use crate::event::{Index, Progress};
use crate::loader::{self, CacheMode, LoadOptions};
use crate::report::{self, Format};
use crate::rules::{RuleSet, RunOutput, Semantics};
use crate::sanitize::escape;
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Exit status: no findings.
pub const EXIT_CLEAN: u8 = 0;
/// Exit status: at least one finding.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status: usage or fatal error.
pub const EXIT_ERROR: u8 = 2;

/// A terminal hunting console for AWS CloudTrail.
///
/// `trailhunt PATH...` opens the console on the logs under PATH;
/// `trailhunt scan PATH...` prints findings for scripts and pipelines.
#[derive(Parser, Debug)]
#[command(name = "trailhunt", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub console: ConsoleArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Load logs, run the rules, print the findings (headless).
    Scan(ScanArgs),
    /// Read and change the allowlist (the rules' filter macros) from scripts.
    Allowlist(crate::triage::command::AllowlistArgs),
}

/// Options shared by every command that loads logs.
#[derive(Args, Debug, Clone)]
pub struct LoadArgs {
    /// How the rule's conditions are read: `strict` (the seed's intent) or
    /// `splunk` (exactly what the seed's SPL returns).
    #[arg(long, value_enum, default_value_t = Semantics::Strict)]
    pub semantics: Semantics,
    /// Add the rule files (*.toml) in DIR to the built-in rules.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Worker threads for loading (default: every core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Stop inflating a gzip file past this many MiB.
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
    pub workspace: crate::triage::WorkspaceArgs,
    /// List the findings the allowlist suppresses too, marked as such.
    #[arg(long)]
    pub show_suppressed: bool,
}

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
    #[arg(long, value_enum, value_name = "HOW", default_value_t = crate::clipboard::ClipboardChoice::Auto)]
    pub clipboard: crate::clipboard::ClipboardChoice,
}

#[derive(Args, Debug, Clone)]
pub struct ScanArgs {
    /// Files or directories of CloudTrail logs.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to FILE (atomically: all or nothing) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show times in Markdown and HTML reports in this IANA zone (e.g.
    /// Europe/Paris) or `local` instead of UTC.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

/// Runs the parsed command line and returns the process exit status.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Some(Command::Scan(args)) => scan(&args),
        Some(Command::Allowlist(args)) => crate::triage::command::run(&args),
        None => {
            if cli.console.paths.is_empty() {
                eprintln!(
                    "trailhunt: name at least one file or directory of CloudTrail logs (see --help)"
                );
                return ExitCode::from(EXIT_ERROR);
            }
            crate::tui::run(&cli.console)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("trailhunt: {}", escape(&format!("{e:#}")));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// The rules in force for `args`: the built-in ones plus `--rules DIR`.
pub fn rule_set(args: &LoadArgs) -> anyhow::Result<RuleSet> {
    let mut rules = RuleSet::builtin();
    if let Some(dir) = &args.rules {
        rules.add_dir(dir)?;
    }
    Ok(rules)
}

/// Loading options for `args` and `rules`.
pub fn load_options(args: &LoadArgs, rules: &RuleSet) -> LoadOptions {
    LoadOptions {
        threads: args.threads,
        keep_raw: rules.event_names(),
        max_inflated: args.max_inflated_mib.saturating_mul(1 << 20),
        max_ratio: args.max_ratio,
        max_event_bytes: args.max_event_mib.saturating_mul(1 << 20),
        max_depth: args.max_depth,
        cache: if args.no_cache {
            CacheMode::Off
        } else {
            CacheMode::Default
        },
    }
}

/// Loads `paths`, showing a progress line on stderr when it is a terminal
/// and the load takes more than a moment.
pub fn load_with_progress(paths: &[PathBuf], opts: &LoadOptions) -> Index {
    let tty = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut shown = false;
    let mut last = Instant::now();
    let mut report = |p: &Progress| {
        if !tty
            || started.elapsed() < Duration::from_millis(300)
            || last.elapsed() < Duration::from_millis(100)
        {
            return;
        }
        last = Instant::now();
        shown = true;
        eprint!(
            "\r\x1b[2Kloading: {}/{} files, {} events, {}, {} errors",
            p.files_done,
            p.files_total,
            p.events,
            crate::event::human_bytes(p.bytes),
            p.errors
        );
    };
    let index = loader::load(paths, opts, &mut report);
    if shown {
        eprint!("\r\x1b[2K");
    }
    index
}

fn scan(args: &ScanArgs) -> anyhow::Result<u8> {
    if args.load.follow {
        return scan_follow(args);
    }
    // A bad zone is a usage error: say so before a long load.
    let zone = match &args.tz {
        Some(z) => report::evidence::TimeView::parse(z).map_err(anyhow::Error::msg)?,
        None => report::evidence::TimeView::Utc,
    };
    let rules = rule_set(&args.load)?;
    let index = load_with_progress(&args.paths, &load_options(&args.load, &rules));
    let RunOutput { findings, errors } = rules.run(&index, args.load.semantics);
    let mut stderr = std::io::stderr().lock();
    for e in index.errors.iter().chain(&errors) {
        let _ = writeln!(stderr, "trailhunt: {}", escape(&e.to_string()));
    }
    for n in &index.notes {
        let _ = writeln!(stderr, "trailhunt: {}", escape(n));
    }
    let _ = writeln!(stderr, "trailhunt: {}", index.summary());
    let _ = writeln!(
        stderr,
        "trailhunt: {} findings ({} semantics)",
        findings.len(),
        args.load.semantics.name()
    );
    if index.files.is_empty() && !index.errors.is_empty() {
        anyhow::bail!("no log file could be read");
    }
    let triage =
        crate::triage::command::for_scan(&args.paths, &args.load, &findings, chrono::Utc::now())?;
    for m in &triage.messages {
        let _ = writeln!(stderr, "trailhunt: {}", escape(m));
    }
    let (shown, notes) = triage.visible(&findings, args.load.show_suppressed);
    let scope = scan_scope(args, zone, &index, &rules, &findings, &triage);
    let write = |out: &mut dyn Write| {
        report::write_scoped(
            out,
            args.format,
            &shown,
            Some(&notes),
            &index,
            &rules,
            &scope,
        )
    };
    if let Some(path) = &args.output {
        report::write_atomic(path, write)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        let _ = writeln!(
            stderr,
            "trailhunt: wrote {} findings to {}",
            shown.len(),
            escape(&path.display().to_string())
        );
    } else {
        let mut stdout = std::io::stdout().lock();
        match write(&mut stdout).and_then(|_| stdout.flush()) {
            Ok(()) => {}
            // A closed pipe (`| head`) is the reader's choice, not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Suppressed findings are known to be fine: they do not fail a pipeline.
    let code = if triage.unsuppressed() == 0 {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    };
    // The process ends here: freeing a million events one by one would only
    // delay the exit.
    std::mem::forget(index);
    Ok(code)
}

/// What a `scan` report covers: the loaded logs, the rules, the allowlist
/// and how many findings it suppressed, in the `--tz` zone.
fn scan_scope(
    args: &ScanArgs,
    zone: report::evidence::TimeView,
    index: &Index,
    rules: &RuleSet,
    findings: &[crate::rules::Finding],
    triage: &crate::triage::command::ScanTriage,
) -> report::evidence::ReportScope {
    let now = chrono::Utc::now();
    let mut scope =
        report::evidence::ReportScope::new(index, rules, args.load.semantics, findings.len(), zone);
    scope.generated = Some(now.timestamp_millis());
    scope.suppressed = triage.evaluation.suppressed_count();
    scope.include_suppressed = args.load.show_suppressed;
    scope.allowlist = triage.workspace.as_ref().map(|w| {
        let (active, expired, disabled) = triage.allowlist.state_counts(now);
        match triage.allowlist.entries.len() {
            0 => format!("{} (no entries)", w.allowlist.display()),
            n => format!(
                "{} ({n} entries: {active} active, {expired} expired, {disabled} disabled)",
                w.allowlist.display()
            ),
        }
    });
    scope
}

/// `scan --follow`: the findings as NDJSON, then each new finding as its
/// file arrives, until interrupted.
fn scan_follow(args: &ScanArgs) -> anyhow::Result<u8> {
    let rules = rule_set(&args.load)?;
    let opts = load_options(&args.load, &rules);
    let mut follow = crate::follow::Follow::new(&args.paths)?;
    let mut index = load_with_progress(&args.paths, &opts);
    let mut printed = std::collections::HashSet::new();
    let mut reported_errors = 0;
    let mut first = true;
    loop {
        let out = rules.run(&index, args.load.semantics);
        let mut stderr = std::io::stderr().lock();
        for e in index.errors.iter().skip(reported_errors).chain(&out.errors) {
            let _ = writeln!(stderr, "trailhunt: {}", escape(&e.to_string()));
        }
        reported_errors = index.errors.len();
        if first {
            let _ = writeln!(stderr, "trailhunt: {}", index.summary());
            let _ = writeln!(
                stderr,
                "trailhunt: following {} path(s); new findings print as they arrive",
                args.paths.len()
            );
        }
        let triage = crate::triage::command::for_scan(
            &args.paths,
            &args.load,
            &out.findings,
            chrono::Utc::now(),
        )?;
        if first {
            for m in &triage.messages {
                let _ = writeln!(stderr, "trailhunt: {}", escape(m));
            }
        }
        let (shown, notes) = triage.visible(&out.findings, args.load.show_suppressed);
        let mut stdout = std::io::stdout().lock();
        for (f, n) in shown.iter().zip(&notes) {
            if !printed.insert(f.key.clone()) {
                continue;
            }
            let mut v = report::finding_json::to_json(f, &index, &rules);
            report::finding_json::add_triage(&mut v, n);
            v["new"] = serde_json::Value::Bool(!first);
            // The same JSON text as `scan --format ndjson`: C1 controls and
            // bidi overrides written as \u escapes, never raw.
            let line = report::evidence::to_json_text(&v, false);
            if let Err(e) = writeln!(stdout, "{line}").and_then(|_| stdout.flush()) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return Ok(EXIT_CLEAN);
                }
                return Err(e.into());
            }
        }
        first = false;
        loop {
            let ready = follow.poll(Duration::from_millis(500));
            if !follow.apply(&mut index, &ready, &opts).is_empty() {
                break;
            }
        }
    }
}
