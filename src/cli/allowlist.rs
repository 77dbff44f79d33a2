//! `trailhunt allowlist …` for scripts, and what `scan` takes from triage.
//!
//! Everything printed for people goes through [`crate::sanitize::escape`];
//! `--json` output carries values exactly (JSON escaping keeps them inert).

use super::args::{LoadArgs, WorkspaceArgs};
use super::output::{self, errln, out, outln};
use super::{EXIT_CLEAN, EXIT_FINDINGS};
use crate::rules::RuleSet;
use crate::sanitize::escape;
use crate::triage::Workspace;
use crate::triage::allowlist::{Condition, Entry, EntryState, MatchKind, RuleScope};
use crate::triage::expiry::{format_time, parse_duration, parse_expiry};
use crate::triage::field::Field;
use crate::triage::file::AllowlistFile;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::PathBuf;

/// `trailhunt allowlist`: read and change the allowlist from scripts.
#[derive(Args, Debug)]
pub struct AllowlistArgs {
    #[command(subcommand)]
    pub command: AllowlistCommand,
}

#[derive(Subcommand, Debug)]
pub enum AllowlistCommand {
    /// Print where the workspace, allowlist and triage files of these logs are.
    Path(WhereArgs),
    /// List the entries with their state.
    List(ListArgs),
    /// Add an entry.
    Add(AddArgs),
    /// Remove the entry ID.
    Rm(RmArgs),
    /// Load the logs and report entries that suppress nothing (stale),
    /// expire soon, or have expired. Exit status 1 when there are any.
    Check(CheckArgs),
    /// Print the active entries as Splunk `macros.conf` stanzas, one per
    /// rule's filter macro (`--splunk`), or as Sigma filter rules, one per
    /// entry (`--sigma`).
    Export(ExportArgs),
}

#[derive(Args, Debug)]
pub struct WhereArgs {
    /// The logs whose workspace to use.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub at: WhereArgs,
    /// Print JSON (values exact) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct AddArgs {
    #[command(flatten)]
    pub at: WhereArgs,
    /// Entry id (letters, digits, `.`, `_`, `-`); default: made from the conditions.
    #[arg(long)]
    pub id: Option<String>,
    /// Why these findings are fine (required).
    #[arg(long)]
    pub reason: String,
    /// Rule the entry applies to: its id, name or filter macro; repeatable.
    /// Default: all rules.
    #[arg(long = "rule", value_name = "RULE")]
    pub rules: Vec<String>,
    /// Rules under DIR (TOML and Sigma), to resolve --rule against; repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dir: Vec<PathBuf>,
    /// FIELD=VALUE: the whole value, ignoring case where AWS does; repeatable.
    #[arg(long, value_name = "FIELD=VALUE")]
    pub exact: Vec<String>,
    /// FIELD=PATTERN: a glob (`*`, `?`, `[…]`, `{a,b}`); repeatable.
    #[arg(long, value_name = "FIELD=PATTERN")]
    pub glob: Vec<String>,
    /// [src=]NETWORK: the source IP is in this network (`10.0.0.0/24`).
    #[arg(long, value_name = "[src=]CIDR")]
    pub cidr: Vec<String>,
    /// FIELD=REGEX: found anywhere in the value (anchor with ^…$).
    #[arg(long, value_name = "FIELD=REGEX")]
    pub regex: Vec<String>,
    /// When it stops suppressing: `30d`, `12h`, `2w`, a date (midnight UTC) or RFC 3339.
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,
    /// Who is adding it (default: the OS user).
    #[arg(long)]
    pub author: Option<String>,
    /// Add it turned off.
    #[arg(long)]
    pub disabled: bool,
    /// Add it even if its conditions match every value (`--glob
    /// actor_arn='*'`), which suppresses every finding of its rules.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// The entry to remove.
    pub id: String,
    #[command(flatten)]
    pub at: WhereArgs,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories of CloudTrail logs.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
    /// Report entries that expire within this long.
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub within: String,
    /// Print JSON (values exact) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Write Splunk macros.conf stanzas, one per rule's filter macro.
    #[arg(long, required_unless_present = "sigma", conflicts_with = "sigma")]
    pub splunk: bool,
    /// Write Sigma filter rules, one per active entry.
    #[arg(long)]
    pub sigma: bool,
    #[command(flatten)]
    pub at: WhereArgs,
    /// Rules under DIR (TOML and Sigma), exported along with the built-in
    /// rules; repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dir: Vec<PathBuf>,
}

/// Runs `trailhunt allowlist …`; returns the exit status.
pub fn run(args: &AllowlistArgs) -> anyhow::Result<u8> {
    let now = Utc::now();
    match &args.command {
        AllowlistCommand::Path(a) => path(a),
        AllowlistCommand::List(a) => list(a, now),
        AllowlistCommand::Add(a) => add(a, now),
        AllowlistCommand::Rm(a) => rm(a),
        AllowlistCommand::Check(a) => check(a, now),
        AllowlistCommand::Export(a) => export(a, now),
    }
}

fn locate(a: &WhereArgs) -> anyhow::Result<Workspace> {
    Ok(Workspace::locate(&a.paths, &a.workspace.paths())?)
}

fn path(a: &WhereArgs) -> anyhow::Result<u8> {
    let ws = locate(a)?;
    if let Some(d) = &ws.dir {
        outln!("workspace: {}", escape(&d.display().to_string()))?;
    }
    outln!("allowlist: {}", escape(&ws.allowlist.display().to_string()))?;
    if let Some(t) = &ws.triage {
        outln!("triage: {}", escape(&t.display().to_string()))?;
    }
    Ok(EXIT_CLEAN)
}

fn rules_with(dirs: &[PathBuf]) -> anyhow::Result<RuleSet> {
    let config = crate::hunt::Config {
        rule_dirs: dirs.to_vec(),
        ..crate::hunt::Config::default()
    };
    Ok(config.rules()?)
}

/// Column-aligned rows; the last column is not padded.
fn table(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(c);
            if i + 1 < r.len() {
                line.push_str(&" ".repeat(widths[i].saturating_sub(c.chars().count())));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn opt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(format_time).unwrap_or_else(|| "-".into())
}

/// An entry as JSON, values exact.
pub fn entry_json(e: &Entry, now: DateTime<Utc>) -> serde_json::Value {
    json!({
        "id": e.id,
        "state": e.state(now).name(),
        "rules": match &e.rules { RuleScope::All => json!("all"), RuleScope::Ids(ids) => json!(ids) },
        "reason": e.reason,
        "author": e.author,
        "created": e.created.map(format_time),
        "expires": e.expires.map(format_time),
        "disabled": e.disabled,
        "when": e.conditions.iter().map(|c| json!({
            "field": c.field().name(),
            "kind": c.kind().name(),
            "value": c.value(),
            "enabled": c.enabled(),
        })).collect::<Vec<_>>(),
    })
}

fn list(a: &ListArgs, now: DateTime<Utc>) -> anyhow::Result<u8> {
    let ws = locate(&a.at)?;
    let file = AllowlistFile::load(&ws.allowlist)?;
    let entries = &file.list().entries;
    if a.json {
        let v: Vec<_> = entries.iter().map(|e| entry_json(e, now)).collect();
        outln!("{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(EXIT_CLEAN);
    }
    errln!(
        "trailhunt: allowlist: {}",
        escape(&ws.allowlist.display().to_string())
    );
    let mut rows = vec![
        ["ID", "STATE", "EXPIRES", "AUTHOR", "RULES", "REASON"]
            .map(String::from)
            .to_vec(),
    ];
    for e in entries {
        rows.push(vec![
            escape(&e.id).into_owned(),
            e.state(now).name().to_string(),
            opt_time(e.expires),
            escape(e.author.as_deref().unwrap_or("-")).into_owned(),
            escape(&e.rules.to_string()).into_owned(),
            escape(&e.reason).into_owned(),
        ]);
    }
    out(format_args!("{}", table(&rows)))?;
    for e in entries {
        let conds: Vec<String> = e
            .conditions
            .iter()
            .map(|c| {
                format!(
                    "{}{}",
                    escape(&c.describe()),
                    if c.enabled() { "" } else { " (disabled)" }
                )
            })
            .collect();
        outln!("{}: {}", escape(&e.id), conds.join(" AND "))?;
    }
    Ok(EXIT_CLEAN)
}

/// Splits `FIELD=VALUE` (at the first `=`).
fn field_value(kind: MatchKind, s: &str) -> anyhow::Result<Condition> {
    let (f, v) = match s.split_once('=') {
        Some((f, v)) if Field::parse(f.trim()).is_some() => (f.trim(), v),
        // `--cidr 10.0.0.0/24`: the only field a network applies to.
        _ if kind == MatchKind::Cidr => ("src", s),
        _ => {
            let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            anyhow::bail!(
                "--{} {s:?}: expected FIELD=VALUE with FIELD one of {}",
                kind.name(),
                names.join(", ")
            )
        }
    };
    let field = Field::parse(f).expect("checked");
    let c =
        Condition::new(field, kind, v).map_err(|e| anyhow::anyhow!("--{}: {e}", kind.name()))?;
    if let Some(note) = c.host_bits() {
        anyhow::bail!("--cidr: {note}");
    }
    Ok(c)
}

/// The rule id for what a person typed: an id, a name or a filter macro.
fn resolve_rule(rules: &RuleSet, s: &str) -> anyhow::Result<String> {
    rules
        .rules
        .iter()
        .map(|r| &r.rule)
        .find(|r| {
            r.id.eq_ignore_ascii_case(s)
                || r.name.eq_ignore_ascii_case(s)
                || r.filter_macro
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(s))
        })
        .map(|r| r.id.clone())
        .ok_or_else(|| {
            let known: Vec<String> = rules
                .rules
                .iter()
                .map(|r| format!("{} ({})", r.rule.id, r.rule.name))
                .collect();
            anyhow::anyhow!("--rule {s:?}: no such rule; known: {}", known.join(", "))
        })
}

fn add(a: &AddArgs, now: DateTime<Utc>) -> anyhow::Result<u8> {
    let ws = locate(&a.at)?;
    let mut conditions = Vec::new();
    for (kind, values) in [
        (MatchKind::Exact, &a.exact),
        (MatchKind::Glob, &a.glob),
        (MatchKind::Cidr, &a.cidr),
        (MatchKind::Regex, &a.regex),
    ] {
        for v in values {
            conditions.push(field_value(kind, v)?);
        }
    }
    if conditions.is_empty() {
        anyhow::bail!("give at least one condition: --exact, --glob, --cidr or --regex");
    }
    let rules = if a.rules.is_empty() {
        RuleScope::All
    } else {
        let set = rules_with(&a.rules_dir)?;
        RuleScope::Ids(
            a.rules
                .iter()
                .map(|r| resolve_rule(&set, r))
                .collect::<anyhow::Result<_>>()?,
        )
    };
    let expires = match &a.expires {
        Some(t) => {
            let e = parse_expiry(t, now).map_err(anyhow::Error::msg)?;
            if e <= now {
                anyhow::bail!("--expires {t:?} is already past ({})", format_time(e));
            }
            Some(e)
        }
        None => None,
    };
    if !ws.allowlist_from_flag {
        ws.ensure()?;
    }
    let mut file = AllowlistFile::open(&ws.allowlist);
    // Without --id, the id is made from the first condition and made unique
    // under the file's lock (see `AllowlistFile::add_unique`).
    let id = a.id.clone().unwrap_or_else(|| {
        let base: String = conditions[0]
            .value()
            .rsplit(['/', ':'])
            .next()
            .unwrap_or("")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(40)
            .collect();
        let base = base.trim_matches('-');
        format!("entry-{}", if base.is_empty() { "x" } else { base })
    });
    let entry = Entry {
        id,
        rules,
        conditions,
        reason: a.reason.clone(),
        author: Some(
            a.author
                .clone()
                .unwrap_or_else(crate::triage::default_author),
        ),
        created: Some(now),
        expires,
        disabled: a.disabled,
    };
    if let Some(why) = entry.matches_everything() {
        // The README's promise: an entry never silently silences a whole rule.
        if !a.force {
            anyhow::bail!(
                "not added: the entry matches every value ({why}), so it would suppress every finding of {} rules; narrow it, or pass --force if that is what you mean",
                if entry.rules == RuleScope::All {
                    "all"
                } else {
                    "its"
                }
            );
        }
        errln!(
            "trailhunt: warning: {} suppresses every finding of its rules (--force): {}",
            escape(&entry.id),
            escape(&why)
        );
    }
    let id = if a.id.is_some() {
        let id = entry.id.clone();
        file.add(entry)?;
        id
    } else {
        file.add_unique(entry)?
    };
    errln!(
        "trailhunt: added {} to {}",
        escape(&id),
        escape(&ws.allowlist.display().to_string())
    );
    outln!("{}", escape(&id))?;
    Ok(EXIT_CLEAN)
}

fn rm(a: &RmArgs) -> anyhow::Result<u8> {
    let ws = locate(&a.at)?;
    let mut file = AllowlistFile::open(&ws.allowlist);
    let removed = file.remove(&a.id)?;
    errln!(
        "trailhunt: removed {} from {}",
        escape(&removed.id),
        escape(&ws.allowlist.display().to_string())
    );
    Ok(EXIT_CLEAN)
}

/// What `check` says about one entry.
struct Verdict {
    state: EntryState,
    hits: usize,
    /// The hits split by rule: (rule id, rule name, hits).
    by_rule: Vec<(String, String, usize)>,
    stale: bool,
    expiring: bool,
    /// Why the entry suppresses every finding of its rules, if it does.
    everything: Option<String>,
}

fn check(a: &CheckArgs, now: DateTime<Utc>) -> anyhow::Result<u8> {
    let within = match parse_duration(&a.within) {
        Some(Ok(d)) => d,
        Some(Err(e)) => anyhow::bail!("--within: {e}"),
        None => anyhow::bail!(
            "--within {:?}: use a duration such as 7d, 48h, 2w",
            a.within
        ),
    };
    let config = a.load.config(&a.paths);
    config.check_paths()?;
    let ws = crate::hunt::triage::locate(&config)?;
    let file = AllowlistFile::load(&ws.allowlist)?;
    let hunt = super::progress::hunt_with_progress(&config, config.rules()?);
    for e in &hunt.index.errors {
        errln!("trailhunt: {}", e.escaped());
    }
    if hunt.index.files.is_empty() && !hunt.index.errors.is_empty() {
        anyhow::bail!("no log file could be read");
    }
    let list = file.list();
    let ev = list.evaluate(&hunt.findings, now);
    let verdicts: Vec<Verdict> = list
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let state = e.state(now);
            let by_rule = ev
                .hits_by_rule(i, &hunt.findings)
                .into_iter()
                .map(|r| {
                    let name = hunt
                        .rules
                        .rules
                        .get(r.rule)
                        .map(|l| l.rule.name.clone())
                        .unwrap_or_else(|| r.rule_id.clone());
                    (r.rule_id, name, r.hits)
                })
                .collect();
            Verdict {
                state,
                hits: ev.hits(i),
                by_rule,
                stale: state == EntryState::Active && ev.hits(i) == 0,
                expiring: e.expires_within(now, within),
                everything: (state == EntryState::Active)
                    .then(|| e.matches_everything())
                    .flatten(),
            }
        })
        .collect();
    let attention = verdicts
        .iter()
        .any(|v| v.stale || v.expiring || v.everything.is_some() || v.state == EntryState::Expired);
    if a.json {
        let v: Vec<_> = list
            .entries
            .iter()
            .zip(&verdicts)
            .map(|(e, v)| {
                let mut j = entry_json(e, now);
                j["hits"] = json!(v.hits);
                j["hits_by_rule"] = json!(
                    v.by_rule
                        .iter()
                        .map(|(id, name, n)| json!({"rule_id": id, "rule_name": name, "hits": n}))
                        .collect::<Vec<_>>()
                );
                j["stale"] = json!(v.stale);
                j["expiring_soon"] = json!(v.expiring);
                j["matches_everything"] = json!(v.everything);
                j
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        errln!(
            "trailhunt: allowlist: {}",
            escape(&ws.allowlist.display().to_string())
        );
        errln!(
            "trailhunt: {} findings, {} suppressed ({} semantics)",
            hunt.findings.len(),
            ev.suppressed_count(),
            config.semantics.name()
        );
        let mut rows = vec![
            ["ID", "STATE", "HITS", "EXPIRES", "BY RULE"]
                .map(String::from)
                .to_vec(),
        ];
        for (e, v) in list.entries.iter().zip(&verdicts) {
            let hits = if v.state == EntryState::Active {
                v.hits.to_string()
            } else {
                "-".into()
            };
            let by_rule: Vec<String> = v
                .by_rule
                .iter()
                .map(|(_, name, n)| format!("{} {n}", escape(name)))
                .collect();
            rows.push(vec![
                escape(&e.id).into_owned(),
                v.state.name().into(),
                hits,
                opt_time(e.expires),
                by_rule.join(", "),
            ]);
        }
        out(format_args!("{}", table(&rows)))?;
        let ids = |pred: &dyn Fn(&Verdict) -> bool| -> Vec<String> {
            list.entries
                .iter()
                .zip(&verdicts)
                .filter(|(_, v)| pred(v))
                .map(|(e, _)| match e.expires {
                    Some(t) => format!("{} ({})", escape(&e.id), format_time(t)),
                    None => escape(&e.id).into_owned(),
                })
                .collect()
        };
        let everything: Vec<String> = list
            .entries
            .iter()
            .zip(&verdicts)
            .filter_map(|(e, v)| {
                let why = v.everything.as_ref()?;
                Some(format!("{} ({})", escape(&e.id), escape(why)))
            })
            .collect();
        if !everything.is_empty() {
            outln!(
                "matches every value (suppresses every finding of its rules): {}",
                everything.join(", ")
            )?;
        }
        let stale = ids(&|v| v.stale);
        if !stale.is_empty() {
            outln!(
                "stale (suppress nothing in these logs): {}",
                stale.join(", ")
            )?;
        }
        let expiring = ids(&|v| v.expiring);
        if !expiring.is_empty() {
            outln!(
                "expiring within {}: {}",
                a.within.trim(),
                expiring.join(", ")
            )?;
        }
        let expired = ids(&|v| v.state == EntryState::Expired);
        if !expired.is_empty() {
            outln!("expired: {}", expired.join(", "))?;
        }
        if !attention {
            outln!(
                "ok: every active entry suppresses something (not everything) and none expires within {}",
                a.within.trim()
            )?;
        }
    }
    Ok(if attention { EXIT_FINDINGS } else { EXIT_CLEAN })
}

fn export(a: &ExportArgs, now: DateTime<Utc>) -> anyhow::Result<u8> {
    let ws = locate(&a.at)?;
    let file = AllowlistFile::load(&ws.allowlist)?;
    let rules = rules_with(&a.rules_dir)?;
    for p in &rules.problems {
        errln!("trailhunt: {}", p.escaped());
    }
    let (text, warnings) = if a.sigma {
        let out = crate::triage::sigma::export(file.list(), &rules, now);
        (out.text, out.warnings)
    } else {
        let out = crate::triage::splunk::export(file.list(), &rules, now);
        (out.text, out.warnings)
    };
    for w in &warnings {
        errln!("trailhunt: {}", escape(w));
    }
    output::out(format_args!("{text}"))?;
    Ok(EXIT_CLEAN)
}
