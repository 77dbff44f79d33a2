//! The rule engine: rule files (data) → findings.
//!
//! Start at [`RuleSet::run`]. For each rule, the events it names are taken
//! from the index (their raw JSON was kept by the loader), parsed in full,
//! evaluated by the chosen [`Semantics`], and merged into [`Finding`]s the
//! way the seed's `stats … by` merges rows.

mod keep;
pub mod plan;
pub mod rule;
pub mod sigma;
pub mod sigma_correlation;
pub mod sigma_pins;
mod sigma_run;
pub mod splunk;
pub mod strict;
pub mod usage;

use crate::event::fields::{get, raw, render_template};
use crate::event::{Index, LoadError};
use rule::{Rule, RuleError};
use serde_json::Value;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;
use std::sync::Arc;

/// One file of the pack: its path (for messages) and its text, compiled in.
macro_rules! pack_file {
    ($name:literal) => {
        (
            concat!("assets/rules/aws-iam-privesc/", $name),
            include_str!(concat!("../../assets/rules/aws-iam-privesc/", $name)),
        )
    };
}

/// The seed rule shipped in `assets/rules/`, compiled in.
pub const BUILTIN: &[(&str, &str)] = &[(
    "assets/rules/aws_createaccesskey.toml",
    include_str!("../../assets/rules/aws_createaccesskey.toml"),
)];

/// The AWS IAM Privilege Escalation pack (`assets/rules/aws-iam-privesc/`),
/// compiled in and run by default beside the seed (`--no-pack` leaves it
/// out). A test checks that every `*.yml` of the folder is listed here.
pub const PACK: &[(&str, &str)] = &[
    pack_file!("assume_role_policy_brute_force.yml"),
    pack_file!("assume_role_policy_malformed.yml"),
    pack_file!("attach_admin_policy.yml"),
    pack_file!("backdoor_user.yml"),
    pack_file!("create_login_profile_other_user.yml"),
    pack_file!("create_login_profile_then_console_login.yml"),
    pack_file!("create_user.yml"),
    pack_file!("delete_group_failed.yml"),
    pack_file!("delete_group_repeated.yml"),
    pack_file!("delete_group_success.yml"),
    pack_file!("iam_discovery_access_denied.yml"),
    pack_file!("iam_discovery_access_denied_burst.yml"),
    pack_file!("new_key_first_use.yml"),
    pack_file!("policy_version_allows_all.yml"),
    pack_file!("principal_created_then_admin.yml"),
    pack_file!("set_default_policy_version.yml"),
    pack_file!("update_login_profile_other_user.yml"),
];

/// How a rule's conditions are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Semantics {
    /// The seed's intent without its blind spots (the default).
    #[default]
    Strict,
    /// Exactly what the seed's SPL returns in Splunk. Its eval names
    /// `userIdentity.userName` and `requestParameters.userName` unquoted;
    /// eval's grammar reads `.` there as string concatenation of absent
    /// fields, so `match()` is null and the match step excludes nothing
    /// (see README, "The two semantics").
    Splunk,
    /// The seed as its authors meant it: the eval's names read as fields,
    /// as if single-quoted (`'userIdentity.userName'`).
    #[serde(rename = "splunk-quoted")]
    SplunkQuoted,
    /// A finding of a Sigma rule, read as the Sigma specification says
    /// (see README, "Rule formats"); never a run's choice.
    Sigma,
}

impl Semantics {
    pub fn name(self) -> &'static str {
        match self {
            Semantics::Strict => "strict",
            Semantics::Splunk => "splunk",
            Semantics::SplunkQuoted => "splunk-quoted",
            Semantics::Sigma => "sigma",
        }
    }

    /// A Splunk reading: rows and counts as Splunk's `stats` makes them.
    pub fn is_splunk(self) -> bool {
        matches!(self, Semantics::Splunk | Semantics::SplunkQuoted)
    }
}

/// A rule and where it came from.
#[derive(Clone, Debug)]
pub struct LoadedRule {
    pub rule: Rule,
    pub source: String,
    /// The compiled Sigma rule, for a rule written in Sigma.
    pub sigma: Option<Arc<sigma::SigmaRule>>,
}

/// The rules in force.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<LoadedRule>,
    /// Rule files and documents that could not be used, reported with the
    /// findings' errors on every run so they are never silently skipped.
    pub problems: Vec<LoadError>,
    /// What loading the rule folders says besides problems (how many rules
    /// each folder gave).
    pub notes: Vec<String>,
}

/// One finding: a group of events a rule returned, merged by its by-fields.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Index into [`RuleSet::rules`].
    pub rule: usize,
    pub rule_id: String,
    pub semantics: Semantics,
    /// Stable identity for triage: rule, eventID and the first event's
    /// content digest — the same under both semantics and across releases.
    pub key: String,
    /// Indices into [`Index::events`], in time order.
    pub events: Vec<usize>,
    /// Splunk: deliveries, as Splunk counts them. Strict: distinct events.
    pub count: u64,
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
    /// The by-fields and their values (strict: `None` where absent).
    pub group: Vec<(String, Option<String>)>,
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    pub actor_arn: Option<String>,
    pub actor_type: Option<String>,
    pub target_user: Option<String>,
    pub src: Option<String>,
    pub user_agent: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    /// The access key the call created (`responseElements.accessKey.accessKeyId`).
    pub new_key: Option<String>,
    /// The access key the caller signed with.
    pub caller_key: Option<String>,
    pub risk_score: f64,
    pub risk_message: String,
    /// Whether the seed's Splunk search returns every event of this finding.
    pub splunk_parity: bool,
    /// Why the events matched, condition by condition.
    pub why: Vec<String>,
    /// Why the seed's search would not return it, when it would not.
    pub splunk_verdict: String,
    /// For a correlation: each event of the sequence (an index into
    /// [`Index::events`]) and its role, the referred rule it matched as the
    /// correlation names it, in sequence order. Empty for other findings.
    pub roles: Vec<(usize, String)>,
}

/// Findings and the problems met while computing them.
#[derive(Debug, Default)]
pub struct RunOutput {
    pub findings: Vec<Finding>,
    pub errors: Vec<LoadError>,
}

impl RuleSet {
    /// The built-in rules.
    pub fn builtin() -> RuleSet {
        let rules = BUILTIN
            .iter()
            .map(|(path, text)| LoadedRule {
                rule: Rule::parse(text, Path::new(path)).expect("built-in rules parse"),
                source: format!("built-in ({path})"),
                sigma: None,
            })
            .collect();
        RuleSet {
            rules,
            ..RuleSet::default()
        }
    }

    /// The seed and the AWS IAM Privilege Escalation pack ([`PACK`]): the
    /// rules a hunt runs by default.
    pub fn builtin_with_pack() -> RuleSet {
        let mut rules = RuleSet::builtin();
        for (path, text) in PACK {
            let (_, problems, _) =
                rules.add_text(Path::new(path), format!("built-in ({path})"), text);
            // The pack's tests load it whole; a problem here is a build that
            // shipped a broken rule, which must still not be silent.
            rules.problems.extend(problems);
        }
        rules
    }

    /// Adds the rules of one file's `text` (TOML by `path`'s extension,
    /// else Sigma), each known by `source`. Returns how many loaded, the
    /// problems, and how many Sigma rules were skipped for their logsource.
    fn add_text(
        &mut self,
        path: &Path,
        source: String,
        text: &str,
    ) -> (usize, Vec<LoadError>, usize) {
        if path.extension().is_some_and(|x| x == "toml") {
            return match Rule::parse(text, path) {
                Ok(rule) => {
                    self.put(LoadedRule {
                        rule,
                        source,
                        sigma: None,
                    });
                    (1, Vec::new(), 0)
                }
                Err(e) => (0, vec![e.into_load_error()], 0),
            };
        }
        let file = sigma::load(text, path);
        let problems = file
            .problems
            .into_iter()
            .map(|q| LoadError {
                path: q.path,
                line: q.line.and_then(|l| u32::try_from(l).ok()),
                offset: None,
                message: q.message,
                ends_early: false,
            })
            .collect();
        let loaded = file.rules.len();
        for (rule, sr) in file.rules {
            if sr.correlation.is_none() && sr.pivots.is_empty() {
                // Said once at load: such a rule costs a read of every
                // event, which is what makes a large load slow.
                self.notes.push(format!(
                    "{}: Sigma rule `{}` pins no indexed field ({}): it is evaluated on every event",
                    crate::event::show_path(path),
                    rule.name,
                    sigma_run::PIVOTS
                        .iter()
                        .map(|(f, _)| *f)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            self.put(LoadedRule {
                rule,
                source: source.clone(),
                sigma: Some(Arc::new(sr)),
            });
        }
        (loaded, problems, file.skipped.len())
    }

    /// Adds every rule under `dir`, walked recursively: `*.toml` (trailhunt
    /// rules) and `*.yml`/`*.yaml` (Sigma). A rule with an id already loaded
    /// replaces it, so a team can override the built-in. A file or document
    /// that cannot be used is kept in [`RuleSet::problems`]; the error is
    /// only when `dir` cannot be read, holds no rule file at all, or holds
    /// rule files and not one rule could be loaded from them.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), RuleError> {
        let io = |path: &Path, e| RuleError::Io {
            path: path.to_path_buf(),
            cause: e,
        };
        std::fs::read_dir(dir).map_err(|e| io(dir, e))?;
        let mut paths = Vec::new();
        for entry in walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| {
                let path = e.path().unwrap_or(dir).to_path_buf();
                io(&path, e.into())
            })?;
            let ext = entry.path().extension().and_then(|x| x.to_str());
            if entry.file_type().is_file() && matches!(ext, Some("toml" | "yml" | "yaml")) {
                paths.push(entry.into_path());
            }
        }
        if paths.is_empty() {
            return Err(RuleError::NoRuleFiles {
                path: dir.to_path_buf(),
            });
        }
        let (mut loaded, mut problems, mut skipped) = (0usize, Vec::new(), 0usize);
        for p in &paths {
            let text = match std::fs::read_to_string(p) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(io(p, e).into_load_error());
                    continue;
                }
            };
            let (n, more, skip) = self.add_text(p, p.display().to_string(), &text);
            loaded += n;
            problems.extend(more);
            skipped += skip;
        }
        let shown = crate::event::show_path(dir);
        self.notes.push(format!("{shown}: {loaded} rule(s) loaded"));
        if loaded == 0 && !problems.is_empty() {
            return Err(RuleError::NoneLoaded {
                path: dir.to_path_buf(),
                problems: problems.iter().map(|e| e.to_string()).collect(),
            });
        }
        self.problems.extend(problems);
        if skipped > 0 {
            // Listed with the errors so the console's `L` shows it too; one
            // line per folder, as a SigmaHQ checkout skips thousands.
            self.problems.push(LoadError {
                path: dir.to_path_buf(),
                line: None,
                offset: None,
                message: format!(
                    "{skipped} Sigma rule(s) skipped: logsource is not product aws, service cloudtrail"
                ),
                ends_early: false,
            });
        }
        Ok(())
    }

    fn put(&mut self, loaded: LoadedRule) {
        match self.rules.iter_mut().find(|r| r.rule.id == loaded.rule.id) {
            Some(old) => *old = loaded,
            None => self.rules.push(loaded),
        }
    }

    /// What the loader keeps the raw JSON of for these rules: the
    /// candidates of every rule that names its events (see [`keep`]).
    pub fn keep_raw(&self) -> crate::event::KeepRaw {
        let mut narrow = keep::Candidates::default();
        for r in &self.rules {
            let what = &r.rule.id;
            let plain: Vec<String> = r
                .rule
                .splunk_event_names()
                .into_iter()
                .map(str::to_string)
                .chain(r.rule.strict.event_names.iter().cloned())
                .collect();
            narrow.all_of(plain, what);
            if let Some(s) = &r.sigma
                && let Some(names) = &s.event_names
            {
                let what = format!("{what}@{:016x}", s.text_digest);
                narrow.narrowed(names.clone(), s.pivots.clone(), &what);
            }
        }
        crate::event::KeepRaw {
            names: self.event_names(),
            narrow: Some(Arc::new(narrow)),
        }
    }

    /// The names of the events some rule reads in full.
    pub fn event_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .rules
            .iter()
            .flat_map(|r| {
                r.rule
                    .splunk_event_names()
                    .into_iter()
                    .map(str::to_string)
                    .chain(r.rule.strict.event_names.iter().cloned())
                    .chain(
                        r.sigma
                            .iter()
                            .flat_map(|s| s.event_names.iter().flatten().cloned()),
                    )
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Runs every rule over the index.
    pub fn run(&self, index: &Index, semantics: Semantics) -> RunOutput {
        let mut out = RunOutput {
            findings: Vec::new(),
            errors: self.problems.clone(),
        };
        let mut regexes = splunk::RegexCache::default();
        let mut parsed: HashMap<usize, Value> = HashMap::new();
        for (ri, lr) in self.rules.iter().enumerate() {
            if lr.sigma.is_some() {
                continue;
            }
            let rule = &lr.rule;
            let names: Vec<String> = rule
                .splunk_event_names()
                .into_iter()
                .map(str::to_string)
                .chain(rule.strict.event_names.iter().cloned())
                .collect();
            let mut groups: HashMap<Vec<Option<String>>, Group> = HashMap::new();
            let mut order: Vec<Vec<Option<String>>> = Vec::new();
            // Whether each interned event name is one the rule reads, decided
            // once per distinct name rather than once per event.
            let mut wanted: Vec<Option<bool>> = vec![None; index.strings.len() + 1];
            for (ei, ev) in index.events.iter().enumerate() {
                let Some(slot) = wanted.get_mut(ev.name.0 as usize) else {
                    continue;
                };
                let is_wanted = *slot.get_or_insert_with(|| {
                    // Splunk's eventName term may hold wildcards, so match it as a term.
                    index
                        .str(ev.name)
                        .is_some_and(|name| names.iter().any(|n| splunk::term_eq(name, n)))
                });
                if !is_wanted {
                    continue;
                }
                let Some(v) = parse_event(index, ei, &mut parsed, &mut out.errors) else {
                    continue;
                };
                // Parity is with the seed as Splunk runs it (unquoted).
                let eval = match semantics {
                    Semantics::SplunkQuoted => splunk::EvalNames::Quoted,
                    _ => splunk::EvalNames::AsWritten,
                };
                let sv = splunk::evaluate(rule, v, &mut regexes, eval);
                let (key, why, splunk_ok, verdict) = match semantics {
                    Semantics::Splunk | Semantics::SplunkQuoted => match sv {
                        splunk::Verdict::Returned { by, why } => (
                            by.into_iter().map(Some).collect::<Vec<_>>(),
                            why,
                            true,
                            String::new(),
                        ),
                        splunk::Verdict::Excluded(_) => continue,
                    },
                    Semantics::Strict | Semantics::Sigma => match strict::evaluate(rule, v) {
                        strict::Verdict::Finding { target, why } => {
                            let key = rule
                                .splunk
                                .by
                                .iter()
                                .map(|f| {
                                    if f == "requestParameters.userName" {
                                        Some(target.clone())
                                    } else {
                                        get(v, f).map(|s| s.into_owned())
                                    }
                                })
                                .collect();
                            let (ok, verdict) = match sv {
                                splunk::Verdict::Returned { .. } => (true, String::new()),
                                splunk::Verdict::Excluded(r) => (false, r),
                            };
                            (key, why, ok, verdict)
                        }
                        strict::Verdict::Excluded(_) => continue,
                    },
                };
                let g = groups.entry(key.clone()).or_insert_with(|| {
                    order.push(key);
                    Group {
                        events: Vec::new(),
                        why,
                        parity: true,
                        verdict: String::new(),
                    }
                });
                g.events.push(ei);
                if !splunk_ok {
                    g.parity = false;
                    if g.verdict.is_empty() {
                        g.verdict = verdict;
                    }
                }
            }
            if semantics.is_splunk() {
                // Splunk's stats returns rows ordered by their by-values.
                order.sort();
            }
            for key in order {
                let g = groups.remove(&key).expect("group exists");
                let first = &parsed[&g.events[0]];
                out.findings
                    .push(finding_from(ri, lr, semantics, key, g, index, first));
            }
        }
        sigma_run::run(&self.rules, index, &mut out);
        out
    }
}

/// One event's JSON text parsed; an error names the event's place.
fn parse_raw(index: &Index, ev: &crate::event::Event, raw: &str) -> Result<Value, LoadError> {
    serde_json::from_str::<Value>(raw).map_err(|e| LoadError {
        path: index.files[ev.loc().file as usize].path.clone(),
        line: Some(ev.loc().line),
        offset: Some(ev.loc().offset),
        message: format!("event cannot be evaluated: {e}"),
        ends_early: false,
    })
}

/// The full JSON of event `ei`, parsed once for every rule that reads it.
fn parse_event<'p>(
    index: &Index,
    ei: usize,
    parsed: &'p mut HashMap<usize, Value>,
    errors: &mut Vec<LoadError>,
) -> Option<&'p Value> {
    let ev = &index.events[ei];
    match parsed.entry(ei) {
        Entry::Occupied(o) => Some(o.into_mut()),
        Entry::Vacant(slot) => match index.raw(ev).and_then(|r| parse_raw(index, ev, &r)) {
            Ok(v) => Some(slot.insert(v)),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    }
}

/// Names a Sigma correlation finding's caller, target, address, user agent,
/// account, region and caller key from event `v`, the event its
/// `fields_from` step matched (the triage key, `event_id` and
/// `event_name` stay the first event's).
fn name_from(f: &mut Finding, rule: &Rule, v: &Value) {
    let s = |p: &str| get(v, p).map(|c| c.into_owned());
    f.actor_arn = s("user_arn");
    f.actor_type = s("userIdentity.type");
    f.target_user = s("requestParameters.userName");
    f.src = s("src");
    f.user_agent = s("userAgent");
    f.account = s("aws_account_id");
    f.region = s("awsRegion");
    f.caller_key = s("userIdentity.accessKeyId");
    f.risk_message = render_template(&rule.message, v, "(none)");
}

struct Group {
    events: Vec<usize>,
    why: Vec<String>,
    parity: bool,
    verdict: String,
}

/// A finding whose first event's JSON is `v`.
fn finding_from(
    ri: usize,
    lr: &LoadedRule,
    semantics: Semantics,
    key: Vec<Option<String>>,
    g: Group,
    index: &Index,
    v: &Value,
) -> Finding {
    let rule = &lr.rule;
    let first = g.events[0];
    let evs = g.events.iter().map(|&i| &index.events[i]);
    let count = match semantics {
        Semantics::Splunk | Semantics::SplunkQuoted => {
            evs.clone().map(|e| index.copies(e) as u64).sum()
        }
        Semantics::Strict | Semantics::Sigma => g.events.len() as u64,
    };
    let first_time = evs.clone().filter_map(|e| e.time()).min();
    let last_time = evs.filter_map(|e| e.time()).max();
    let s = |p: &str| get(v, p).map(|c| c.into_owned());
    let target_user = match semantics {
        Semantics::Splunk | Semantics::SplunkQuoted | Semantics::Sigma => {
            s("requestParameters.userName")
        }
        Semantics::Strict => key
            .get(
                rule.splunk
                    .by
                    .iter()
                    .position(|f| f == "requestParameters.userName")
                    .unwrap_or(usize::MAX),
            )
            .cloned()
            .flatten()
            .or_else(|| rule.strict.target.iter().find_map(|f| s(f))),
    };
    let event_id = raw(v, "eventID").map(|c| c.into_owned());
    // The triage key must outlive toolchains and agree between semantics:
    // the rule, the eventID and the first event's content digest (xxh3,
    // whose output is fixed by its specification).
    let key_str = format!(
        "{}/{}/{:08x}",
        rule.id,
        event_id.as_deref().unwrap_or("-"),
        index.events[first].digest
    );
    Finding {
        rule: ri,
        rule_id: rule.id.clone(),
        semantics,
        key: key_str,
        group: rule.splunk.by.iter().cloned().zip(key).collect(),
        count,
        first_time,
        last_time,
        event_id,
        event_name: raw(v, "eventName").map(|c| c.into_owned()),
        actor_arn: s("user_arn"),
        actor_type: s("userIdentity.type"),
        target_user,
        src: s("src"),
        user_agent: s("userAgent"),
        account: s("aws_account_id"),
        region: s("awsRegion"),
        new_key: s("responseElements.accessKey.accessKeyId"),
        caller_key: s("userIdentity.accessKeyId"),
        risk_score: rule.risk_score(),
        risk_message: render_template(&rule.message, v, "(none)"),
        splunk_parity: g.parity,
        why: g.why,
        splunk_verdict: g.verdict,
        events: g.events,
        roles: Vec::new(),
    }
}
