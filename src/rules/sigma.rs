//! Sigma detection rules beside the seed: the adapter between a Sigma YAML
//! file and trailhunt's rules and findings.
//!
//! Start at [`load`]: it parses one file with `rsigma-parser`, keeps the
//! rules whose logsource is AWS CloudTrail, compiles each with `rsigma-eval`
//! and says why any other document was not used. [`SigmaRule::matches`]
//! evaluates one compiled rule over one event's full JSON; [`pins`] works out
//! which event names a rule can match at all, so it only sees candidates.

use super::rule::{Annotations, Rule, SplunkDef, StrictDef, Technique};
use super::sigma_pins;
use rsigma_parser::ast::{ConditionExpr, Detection, Quantifier, SelectorPattern};
use rsigma_parser::value::{SigmaValue, StringPart};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The custom attributes trailhunt reads, for [`Meta`] (a macro, as the
/// YAML value type is not re-exported by rsigma-parser).
macro_rules! risk_attrs {
    ($attrs:expr) => {
        (
            $attrs.get("risk_score").map(|v| {
                v.as_f64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            }),
            $attrs
                .get("risk_message")
                .map(|v| v.as_str().map(str::to_string)),
        )
    };
}

/// The [`Meta`] of a parsed Sigma rule or correlation rule: rsigma gives
/// the two the same metadata fields on different types.
macro_rules! meta_of {
    ($r:expr) => {
        Meta {
            title: &$r.title,
            id: &$r.id,
            name: &$r.name,
            author: &$r.author,
            date: &$r.date,
            status: $r.status.map(|s| format!("{s:?}").to_lowercase()),
            description: &$r.description,
            falsepositives: &$r.falsepositives,
            references: &$r.references,
            tags: &$r.tags,
            level: $r.level.map(|l| l.as_str().to_string()),
            risk_score: risk_attrs!($r.custom_attributes).0,
            risk_message: risk_attrs!($r.custom_attributes).1,
            attrs: &$r.custom_attributes,
        }
    };
}

/// A Sigma rule compiled for evaluation, with what trailhunt reads from it.
#[derive(Debug)]
pub struct SigmaRule {
    /// `None` for a correlation rule, which matches no single event.
    compiled: Option<rsigma_eval::CompiledRule>,
    /// The Sigma `id` and `name`, by which a correlation refers to the rule.
    pub sigma_id: Option<String>,
    pub sigma_name: Option<String>,
    /// What a correlation rule correlates (see [`super::sigma_correlation`]).
    pub correlation: Option<Correlation>,
    /// Lower-cased event names the rule can match; `None` when its
    /// detection does not pin `eventName` (every event is a candidate).
    pub event_names: Option<Vec<String>>,
    /// Lower-cased event sources (`eventSource`) the rule can match, the
    /// same way.
    pub event_sources: Option<Vec<String>>,
    /// The same for the index's other fields (`userIdentity.type`,
    /// `userAgent`…), each field the detection pins by plain values: what a
    /// prefilter can keep events by when the rule names no event.
    pub field_pins: Vec<(&'static str, Vec<String>)>,
    /// Any indexed field's text one of which the field must contain
    /// (lower-cased; see [`super::sigma_pins::substrings`]).
    pub field_substrings: Vec<(&'static str, Vec<String>)>,
    /// What an event's indexed fields must satisfy for the rule to match
    /// it (see [`index_tests`]): how the run narrows the rule to its
    /// candidate events. Empty: every event is a candidate.
    pub pivots: Vec<Pivot>,
    /// A digest of the rule's file: what the events the loader keeps for
    /// the rule depend on (see [`super::RuleSet::keep_raw`]).
    pub text_digest: u64,
    /// The Sigma `level`, as written (`None` when absent).
    pub level: Option<String>,
    /// The rule's conditions as written, for "why it matched".
    pub conditions: Vec<String>,
    /// From the `risk_score` custom attribute, else from the level.
    pub risk_score: f64,
}

/// A Sigma rule matched an event: which selections held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub selections: Vec<String>,
}

impl SigmaRule {
    /// Evaluates the rule over one event's full JSON.
    pub fn matches(&self, event: &Value) -> Option<Match> {
        let ev = rsigma_eval::JsonEvent::borrow(event);
        let r = rsigma_eval::evaluate_rule(self.compiled.as_ref()?, &ev)?;
        let mut selections = r
            .as_detection()
            .map(|d| d.matched_selections.clone())
            .unwrap_or_default();
        selections.sort();
        Some(Match { selections })
    }

    /// Why an event matched, in the words the Risk pane shows.
    pub fn why(&self, m: &Match) -> Vec<String> {
        let mut why: Vec<String> = self
            .conditions
            .iter()
            .map(|c| format!("condition `{c}` holds"))
            .collect();
        why.extend(
            m.selections
                .iter()
                .map(|s| format!("selection `{s}` matched")),
        );
        why
    }
}

/// What one Sigma file gave.
#[derive(Debug, Default)]
pub struct FileLoad {
    /// Each usable rule: trailhunt's description of it and the compiled rule.
    pub rules: Vec<(Rule, SigmaRule)>,
    /// Titles of rules skipped because their logsource is not AWS CloudTrail.
    pub skipped: Vec<String>,
    /// Documents that could not be used, with the line where known.
    pub problems: Vec<Problem>,
}

/// A Sigma document that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Risk score by Sigma level when a rule sets no `risk_score`.
pub fn level_score(level: Option<&str>) -> f64 {
    match level {
        Some("informational") => 10.0,
        Some("low") => 25.0,
        Some("high") => 75.0,
        Some("critical") => 90.0,
        // `medium`, and a rule with no level: the middle of the scale.
        _ => 50.0,
    }
}

/// Parses one Sigma YAML file; `path` is for messages.
pub fn load(text: &str, path: &Path) -> FileLoad {
    let mut out = FileLoad::default();
    let problem = |line: Option<usize>, message: String| Problem {
        path: path.to_path_buf(),
        line,
        message,
    };
    let coll = match rsigma_parser::parse_sigma_yaml(text) {
        Ok(c) => c,
        Err(e) => {
            let m = e.to_string();
            out.problems.push(problem(line_in_message(&m), m));
            return out;
        }
    };
    for e in &coll.errors {
        out.problems.push(problem(line_in_message(e), e.clone()));
    }
    for f in &coll.filters {
        out.problems.push(problem(
            title_line(text, &f.title),
            format!(
                "filter rule `{}`: Sigma filter rules are not supported yet",
                f.title
            ),
        ));
    }
    for r in &coll.rules {
        let line = title_line(text, &r.title);
        let ls = &r.logsource;
        let is = |v: &Option<String>, want: &str| {
            v.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(want))
        };
        if !(is(&ls.product, "aws") && is(&ls.service, "cloudtrail")) {
            out.skipped.push(r.title.clone());
            continue;
        }
        match adapt(r, text) {
            Ok(pair) => out.rules.push(pair),
            Err(m) => out
                .problems
                .push(problem(line, format!("rule `{}`: {m}", r.title))),
        }
    }
    // After the detection rules, as a correlation reads their matches.
    for c in &coll.correlations {
        let line = title_line(text, &c.title);
        match adapt_correlation(c, text, path, line) {
            Ok(pair) => out.rules.push(pair),
            Err(m) => out.problems.push(problem(
                line,
                format!("correlation rule `{}`: {m}", c.title),
            )),
        }
    }
    out
}

fn adapt(r: &rsigma_parser::ast::SigmaRule, text: &str) -> Result<(Rule, SigmaRule), String> {
    if r.detection.timeframe.is_some() {
        return Err("`timeframe` (aggregation in a detection) is not supported".into());
    }
    let mut fixed = r.clone();
    for d in fixed.detection.named.values_mut() {
        wildcards_as_regex(d);
    }
    let compiled = rsigma_eval::compile_rule(&fixed).map_err(|e| e.to_string())?;
    let (rule, level, risk_score) = metadata(meta_of!(r), text)?;
    let sigma = SigmaRule {
        compiled: Some(compiled),
        sigma_id: r.id.clone(),
        sigma_name: r.name.clone(),
        correlation: None,
        event_names: sigma_pins::pins("eventName", &r.detection.named, &r.detection.conditions),
        event_sources: sigma_pins::pins("eventSource", &r.detection.named, &r.detection.conditions),
        field_pins: super::sigma_run::PIVOTS
            .iter()
            .map(|(f, _)| *f)
            .filter(|f| !matches!(*f, "eventName" | "eventSource"))
            .filter_map(|f| {
                let p = sigma_pins::pins(f, &r.detection.named, &r.detection.conditions)?;
                Some((f, p))
            })
            .collect(),
        field_substrings: super::sigma_run::PIVOTS
            .iter()
            .filter_map(|(f, _)| {
                let p = sigma_pins::substrings(f, &r.detection.named, &r.detection.conditions)?;
                Some((*f, p))
            })
            .collect(),
        pivots: index_tests(&fixed),
        text_digest: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
        level,
        conditions: r.detection.condition_strings.clone(),
        risk_score,
    };
    Ok((rule, sigma))
}

/// What a detection and a correlation rule share, for [`metadata`].
struct Meta<'a> {
    title: &'a str,
    id: &'a Option<String>,
    name: &'a Option<String>,
    author: &'a Option<String>,
    date: &'a Option<String>,
    status: Option<String>,
    description: &'a Option<String>,
    falsepositives: &'a [String],
    references: &'a [String],
    tags: &'a [String],
    level: Option<String>,
    /// The `risk_score` custom attribute: absent, or its number if it is one.
    risk_score: Option<Option<f64>>,
    /// The `risk_message` custom attribute: absent, or its text if a string.
    risk_message: Option<Option<String>>,
    /// Every custom attribute, for the annotations trailhunt reads.
    attrs: &'a std::collections::HashMap<String, yaml_serde::Value>,
}

/// A custom attribute written as one string or a list of strings (the
/// pack writes `analytic_story` as one, `nist` as a list); absent is empty.
fn strings_attr(
    attrs: &std::collections::HashMap<String, yaml_serde::Value>,
    key: &str,
) -> Result<Vec<String>, String> {
    let bad = || format!("`{key}` must be a string or a list of strings");
    match attrs.get(key) {
        None | Some(yaml_serde::Value::Null) => Ok(Vec::new()),
        Some(yaml_serde::Value::String(s)) => Ok(vec![s.clone()]),
        Some(yaml_serde::Value::Sequence(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

/// trailhunt's description of a Sigma rule, its level and its risk score.
fn metadata(m: Meta, text: &str) -> Result<(Rule, Option<String>, f64), String> {
    let risk_score = match m.risk_score {
        None => level_score(m.level.as_deref()),
        Some(v) => v
            .filter(|n: &f64| (0.0..=100.0).contains(n))
            .ok_or("`risk_score` must be a number from 0 to 100")?,
    };
    let message = match m.risk_message {
        None => m.title.to_string(),
        Some(v) => v.ok_or("`risk_message` must be a string")?,
    };
    // A rule without an id is known by its name, else its title: stable
    // across machines (a path is not), and distinct within a file.
    let id =
        m.id.clone()
            .or_else(|| m.name.clone())
            .unwrap_or_else(|| m.title.to_string());
    let rule = Rule {
        id,
        name: m.title.to_string(),
        version: None,
        kind: "sigma".into(),
        author: m.author.clone().unwrap_or_default(),
        date: m.date.clone().unwrap_or_default(),
        status: m.status.unwrap_or_default(),
        description: m.description.clone().unwrap_or_default(),
        // Impact carries the score so `Rule::risk_score` agrees with findings.
        impact: risk_score.round() as u32,
        confidence: 100,
        message,
        required_fields: Vec::new(),
        how_to_implement: strings_attr(m.attrs, "how_to_implement")?.join("\n"),
        known_false_positives: m.falsepositives.join("; "),
        references: m.references.to_vec(),
        filter_macro: None,
        search: text.to_string(),
        annotations: Annotations {
            kill_chain_phases: strings_attr(m.attrs, "kill_chain_phases")?,
            nist: strings_attr(m.attrs, "nist")?,
            cis20: strings_attr(m.attrs, "cis20")?,
            analytic_story: strings_attr(m.attrs, "analytic_story")?,
            ..annotations(m.tags)
        },
        splunk: SplunkDef {
            terms: Vec::new(),
            not_match: None,
            by: Vec::new(),
        },
        strict: StrictDef {
            event_names: Vec::new(),
            target: Vec::new(),
        },
    };
    Ok((rule, m.level, risk_score))
}

/// A Sigma correlation rule, as trailhunt runs it over the detection
/// matches of the rules it refers to.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub kind: CorrelationKind,
    /// The referred rules, by `id` or `name`, as written.
    pub rules: Vec<String>,
    /// Group-by fields (or aliases).
    pub group_by: Vec<String>,
    /// The timespan in milliseconds.
    pub timespan_ms: i64,
    pub timespan: String,
    /// All must hold: `(op, n)`, op one of `lt lte gt gte eq`.
    pub predicates: Vec<(CmpOp, u64)>,
    /// `value_count`: the field whose distinct values are counted.
    pub field: Option<String>,
    /// Alias → (referred rule as written → field in its events).
    pub aliases: Vec<(String, Vec<(String, String)>)>,
    /// Whether the referred rules also give findings of their own.
    pub generate: bool,
    /// trailhunt's `fields_from` attribute: the referred rule (as written
    /// in `rules`) whose event names the finding's caller, target, address,
    /// user agent and keys; `None` takes the first event's.
    pub fields_from: Option<String>,
    /// Where the rule is written, to report a reference that is not loaded.
    pub path: PathBuf,
    pub line: Option<usize>,
}

/// The correlation types trailhunt runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationKind {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
}

impl CorrelationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationKind::EventCount => "event_count",
            CorrelationKind::ValueCount => "value_count",
            CorrelationKind::Temporal => "temporal",
            CorrelationKind::TemporalOrdered => "temporal_ordered",
        }
    }
}

/// A threshold's comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
}

impl CmpOp {
    pub fn holds(self, n: u64, bound: u64) -> bool {
        match self {
            CmpOp::Lt => n < bound,
            CmpOp::Lte => n <= bound,
            CmpOp::Gt => n > bound,
            CmpOp::Gte => n >= bound,
            CmpOp::Eq => n == bound,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Lt => "lt",
            CmpOp::Lte => "lte",
            CmpOp::Gt => "gt",
            CmpOp::Gte => "gte",
            CmpOp::Eq => "eq",
        }
    }
}

fn adapt_correlation(
    c: &rsigma_parser::ast::CorrelationRule,
    text: &str,
    path: &Path,
    line: Option<usize>,
) -> Result<(Rule, SigmaRule), String> {
    use rsigma_parser::ast::{
        ConditionOperator as O, CorrelationCondition as C, CorrelationType as T, WindowMode,
    };
    let kind = match c.correlation_type {
        T::EventCount => CorrelationKind::EventCount,
        T::ValueCount => CorrelationKind::ValueCount,
        T::Temporal => CorrelationKind::Temporal,
        T::TemporalOrdered => CorrelationKind::TemporalOrdered,
        other => {
            return Err(format!(
                "correlation type `{}` is not supported (event_count, value_count, temporal, temporal_ordered are)",
                other.as_str()
            ));
        }
    };
    if c.window != WindowMode::Sliding {
        return Err(format!(
            "window `{}` is not supported (only the specification's sliding window)",
            c.window.as_str()
        ));
    }
    if c.rules.is_empty() {
        return Err("`rules` names no rule".into());
    }
    let (predicates, field) = match &c.condition {
        C::Extended(_) => {
            return Err(
                "a condition written as an expression is not supported; use gt/gte/lt/lte/eq"
                    .into(),
            );
        }
        C::Threshold {
            predicates, field, ..
        } => {
            let mut out = Vec::new();
            for (op, n) in predicates {
                out.push((
                    match op {
                        O::Lt => CmpOp::Lt,
                        O::Lte => CmpOp::Lte,
                        O::Gt => CmpOp::Gt,
                        O::Gte => CmpOp::Gte,
                        O::Eq => CmpOp::Eq,
                        O::Neq => {
                            return Err(
                                "condition `neq` is not in the correlation specification".into()
                            );
                        }
                    },
                    *n,
                ));
            }
            let field = match field.as_deref() {
                None => None,
                Some([f]) => Some(f.clone()),
                Some(_) => return Err("condition `field` must name one field".into()),
            };
            (out, field)
        }
    };
    let predicates = match kind {
        // rsigma-parser 0.23 reads an absent temporal condition as `gte: 1`;
        // the specification means "every referred rule", and a temporal
        // correlation that any one rule satisfies would not correlate.
        CorrelationKind::Temporal | CorrelationKind::TemporalOrdered
            if predicates == [(CmpOp::Gte, 1)] =>
        {
            vec![(CmpOp::Gte, c.rules.len() as u64)]
        }
        _ => predicates,
    };
    let temporal = matches!(
        kind,
        CorrelationKind::Temporal | CorrelationKind::TemporalOrdered
    );
    if temporal
        && predicates
            .iter()
            .any(|(o, _)| matches!(o, CmpOp::Lt | CmpOp::Lte))
    {
        return Err(
            "a temporal condition counts the referred rules that matched: use gte, gt or eq".into(),
        );
    }
    if kind == CorrelationKind::TemporalOrdered
        && predicates != [(CmpOp::Gte, c.rules.len() as u64)]
    {
        return Err(
            "temporal_ordered needs every referred rule, in order: leave out `condition`".into(),
        );
    }
    if kind == CorrelationKind::ValueCount && field.is_none() {
        return Err("value_count needs `field` in its condition".into());
    }
    if c.timespan.seconds == 0 {
        return Err("`timespan` must be longer than 0s".into());
    }
    let timespan_ms = i64::try_from(c.timespan.seconds)
        .ok()
        .and_then(|s| s.checked_mul(1000))
        .ok_or("`timespan` is too long")?;
    let aliases = c
        .aliases
        .iter()
        .map(|a| {
            let mut m: Vec<(String, String)> = a
                .mapping
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            m.sort();
            (a.alias.clone(), m)
        })
        .collect();
    let fields_from = match strings_attr(&c.custom_attributes, "fields_from")?.as_slice() {
        [] => None,
        [r] if c.rules.contains(r) => Some(r.clone()),
        [r] => {
            return Err(format!(
                "`fields_from` names `{r}`, which is not one of the correlation's `rules`"
            ));
        }
        _ => return Err("`fields_from` must name one of the correlation's `rules`".into()),
    };
    let (rule, level, risk_score) = metadata(meta_of!(c), text)?;
    let conditions = vec![format!(
        "{} over {} within {} by {}: {}",
        kind.as_str(),
        c.rules.join(", "),
        c.timespan.original,
        if c.group_by.is_empty() {
            "(no group)".to_string()
        } else {
            c.group_by.join(", ")
        },
        predicates
            .iter()
            .map(|(o, n)| format!("{} {n}", o.as_str()))
            .collect::<Vec<_>>()
            .join(" and ")
    )];
    let sigma = SigmaRule {
        compiled: None,
        sigma_id: c.id.clone(),
        sigma_name: c.name.clone(),
        correlation: Some(Correlation {
            kind,
            rules: c.rules.clone(),
            group_by: c.group_by.clone(),
            timespan_ms,
            timespan: c.timespan.original.clone(),
            predicates,
            field,
            aliases,
            generate: c.generate,
            fields_from,
            path: path.to_path_buf(),
            line,
        }),
        // A correlation reads its referred rules' matches, not events.
        event_names: Some(Vec::new()),
        event_sources: None,
        field_pins: Vec::new(),
        field_substrings: Vec::new(),
        pivots: Vec::new(),
        text_digest: 0,
        level,
        conditions,
        risk_score,
    };
    Ok((rule, sigma))
}

/// rsigma-eval 0.23 anchors `startswith`/`endswith` wrongly when the value
/// holds an inner wildcard, and its `*`/`?` do not cross newlines (IAM
/// policy documents are multi-line). A wildcard value is therefore compiled
/// as the anchored regular expression the spec means, with `(?s)` so
/// wildcards cross newlines, and `(?i)` unless the item is `cased`.
fn wildcards_as_regex(d: &mut Detection) {
    match d {
        Detection::AllOf(items) => items.iter_mut().for_each(wildcard_item_as_regex),
        Detection::AnyOf(subs) => subs.iter_mut().for_each(wildcards_as_regex),
        _ => {}
    }
}

fn wildcard_item_as_regex(it: &mut rsigma_parser::ast::DetectionItem) {
    use rsigma_parser::ast::Modifier::{All, Cased, Contains, EndsWith, Re, StartsWith};
    use rsigma_parser::value::{SigmaString, SpecialChar};
    let m = &it.field.modifiers;
    let wild = it
        .values
        .iter()
        .any(|v| matches!(v, SigmaValue::String(s) if !s.is_plain()));
    if it.field.name.is_none()
        || !wild
        || !m
            .iter()
            .all(|m| matches!(m, Contains | StartsWith | EndsWith | Cased | All))
        || !it.values.iter().all(|v| matches!(v, SigmaValue::String(_)))
    {
        return;
    }
    let lead = m.contains(&Contains) || m.contains(&EndsWith);
    let trail = m.contains(&Contains) || m.contains(&StartsWith);
    let flags = if m.contains(&Cased) { "(?s)" } else { "(?si)" };
    let all = m.contains(&All);
    for v in &mut it.values {
        let SigmaValue::String(s) = v else { continue };
        let mut re = format!("{flags}^");
        if lead {
            re.push_str(".*");
        }
        for p in &s.parts {
            match p {
                StringPart::Plain(t) => re.push_str(&regex::escape(t)),
                StringPart::Special(SpecialChar::WildcardMulti) => re.push_str(".*"),
                StringPart::Special(SpecialChar::WildcardSingle) => re.push('.'),
            }
        }
        if trail {
            re.push_str(".*");
        }
        re.push('$');
        *v = SigmaValue::String(SigmaString {
            parts: vec![StringPart::Plain(re.clone())],
            original: re,
        });
    }
    it.field.modifiers = if all { vec![Re, All] } else { vec![Re] };
}

/// ATT&CK techniques from Sigma tags (`attack.t1098.001`); the tactic is
/// the rule's tactic tags (`attack.persistence`), joined.
fn annotations(tags: &[String]) -> Annotations {
    let lower: Vec<String> = tags.iter().map(|t| t.to_ascii_lowercase()).collect();
    let tactic = lower
        .iter()
        .filter_map(|t| t.strip_prefix("attack."))
        .filter(|t| !is_technique(t) && !t.starts_with('g') && !t.starts_with('s'))
        .map(|t| t.replace(['_', '-'], " "))
        .collect::<Vec<_>>()
        .join(", ");
    Annotations {
        mitre_attack: lower
            .iter()
            .filter_map(|t| t.strip_prefix("attack."))
            .filter(|t| is_technique(t))
            .map(|t| Technique {
                id: t.to_ascii_uppercase(),
                technique: technique_name(t).unwrap_or_default().to_string(),
                tactic: tactic.clone(),
            })
            .collect(),
        ..Annotations::default()
    }
}

/// ATT&CK names of the techniques the pack's rules tag (sub-techniques by
/// their own name, as the seed writes them); a Sigma tag carries only the
/// id, and other ids are shown without a name rather than a guessed one.
fn technique_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "t1069" => "Permission Groups Discovery",
        "t1069.003" => "Cloud Groups",
        "t1078" => "Valid Accounts",
        "t1078.004" => "Cloud Accounts",
        "t1087" => "Account Discovery",
        "t1087.004" => "Cloud Account",
        "t1098" => "Account Manipulation",
        "t1098.001" => "Additional Cloud Credentials",
        "t1098.003" => "Additional Cloud Roles",
        "t1110" => "Brute Force",
        "t1136" => "Create Account",
        "t1136.003" => "Cloud Account",
        "t1580" => "Cloud Infrastructure Discovery",
        _ => return None,
    })
}

fn is_technique(t: &str) -> bool {
    t.strip_prefix('t')
        .is_some_and(|r| r.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// One thing a rule needs of an event's indexed fields: that any of its
/// alternatives holds. Each alternative is one detection item of the rule,
/// compiled on its own, on a field the index holds (`eventName`,
/// `userIdentity.arn`…), so it is decided from the field's value alone —
/// with every modifier (`re`, `contains`, `cidr`, wildcards, case) exactly
/// as the whole rule would decide it.
#[derive(Debug, Clone)]
pub struct Pivot(pub Vec<(&'static str, std::sync::Arc<rsigma_eval::CompiledRule>)>);

impl Pivot {
    /// Whether the alternative's item holds when its field has the value
    /// `v` (`None`: absent; a null field is tried too, since the index
    /// holds both as absent).
    pub fn holds(rule: &rsigma_eval::CompiledRule, field: &str, v: Option<&str>) -> bool {
        let at = |leaf: Value| {
            field
                .rsplit('.')
                .fold(leaf, |inner, k| serde_json::json!({ k: inner }))
        };
        let eval = |e: &Value| {
            rsigma_eval::evaluate_rule(rule, &rsigma_eval::JsonEvent::borrow(e)).is_some()
        };
        match v {
            Some(s) => eval(&at(Value::String(s.to_string()))),
            None => eval(&serde_json::json!({})) || eval(&at(Value::Null)),
        }
    }
}

/// What a rule needs of the indexed fields: every [`Pivot`] must hold.
/// Sound, not tight — an event failing one cannot match the rule: `and`
/// keeps each operand's needs; `or`, `1 of` and a list of maps keep, as
/// one pivot, the first need of each branch, and only when every branch
/// has one; `not` and keywords give none. Items with `fieldref` (which
/// reads another field) give none.
pub fn index_tests(rule: &rsigma_parser::ast::SigmaRule) -> Vec<Pivot> {
    let named = &rule.detection.named;
    let mut memo: std::collections::HashMap<String, Vec<Pivot>> = Default::default();
    let mut out = Vec::new();
    for c in &rule.detection.conditions {
        out.extend(cond_tests(rule, named, c, &mut memo));
    }
    out
}

fn cond_tests(
    rule: &rsigma_parser::ast::SigmaRule,
    named: &std::collections::HashMap<String, Detection>,
    c: &ConditionExpr,
    memo: &mut std::collections::HashMap<String, Vec<Pivot>>,
) -> Vec<Pivot> {
    let detection = |name: &str, memo: &mut std::collections::HashMap<String, Vec<Pivot>>| {
        if let Some(t) = memo.get(name) {
            return t.clone();
        }
        let t = named
            .get(name)
            .map(|d| detection_tests(rule, d))
            .unwrap_or_default();
        memo.insert(name.to_string(), t.clone());
        t
    };
    match c {
        ConditionExpr::Identifier(n) => detection(n, memo),
        ConditionExpr::And(v) => v
            .iter()
            .flat_map(|e| cond_tests(rule, named, e, memo))
            .collect(),
        ConditionExpr::Or(v) => {
            let branches: Vec<Vec<Pivot>> =
                v.iter().map(|e| cond_tests(rule, named, e, memo)).collect();
            either(branches)
        }
        ConditionExpr::Not(_) => Vec::new(),
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let mut chosen: Vec<&String> = named
                .keys()
                .filter(|k| match pattern {
                    SelectorPattern::Them => !k.starts_with('_'),
                    SelectorPattern::Pattern(p) => glob(p, k),
                })
                .collect();
            chosen.sort();
            let each: Vec<Vec<Pivot>> = chosen.iter().map(|k| detection(k, memo)).collect();
            match quantifier {
                Quantifier::All => each.into_iter().flatten().collect(),
                Quantifier::Any | Quantifier::Count(_) => either(each),
            }
        }
    }
}

/// The need of "any of these branches": when every branch needs something,
/// pivot `i` holds branch 1's `i`-th need or branch 2's `i`-th… — implied
/// by the branches, since whichever holds meets all its needs. Each
/// branch's needs go most selective first (`eventName`, then `eventSource`,
/// …, the order of the index's fields), so the first pivot is the one the
/// run can start from.
fn either(branches: Vec<Vec<Pivot>>) -> Vec<Pivot> {
    if branches.is_empty() || branches.iter().any(Vec::is_empty) {
        return Vec::new();
    }
    let rank = |p: &Pivot| {
        p.0.iter()
            .map(|(f, _)| {
                super::sigma_run::PIVOTS
                    .iter()
                    .position(|(g, _)| g == f)
                    .unwrap_or(usize::MAX)
            })
            .max()
            .unwrap_or(usize::MAX)
    };
    let mut branches = branches;
    for b in &mut branches {
        b.sort_by_key(rank);
    }
    let n = branches.iter().map(Vec::len).min().unwrap_or(0);
    (0..n)
        .map(|i| Pivot(branches.iter().flat_map(|b| b[i].0.clone()).collect()))
        .collect()
}

fn detection_tests(rule: &rsigma_parser::ast::SigmaRule, d: &Detection) -> Vec<Pivot> {
    match d {
        Detection::AllOf(items) => items
            .iter()
            .filter_map(|it| item_test(rule, it))
            .map(|alt| Pivot(vec![alt]))
            .collect(),
        Detection::AnyOf(subs) => either(subs.iter().map(|s| detection_tests(rule, s)).collect()),
        _ => Vec::new(),
    }
}

/// One detection item on an indexed field, compiled as a rule of its own.
fn item_test(
    rule: &rsigma_parser::ast::SigmaRule,
    it: &rsigma_parser::ast::DetectionItem,
) -> Option<(&'static str, std::sync::Arc<rsigma_eval::CompiledRule>)> {
    let name = it.field.name.as_deref()?;
    let field = super::sigma_run::PIVOTS
        .iter()
        .map(|(f, _)| *f)
        .find(|f| *f == name)?;
    if it
        .field
        .modifiers
        .iter()
        .any(|m| matches!(m, rsigma_parser::ast::Modifier::FieldRef))
    {
        return None;
    }
    let mut one = rule.clone();
    one.detection.named = [("sel".to_string(), Detection::AllOf(vec![it.clone()]))].into();
    one.detection.conditions = vec![ConditionExpr::Identifier("sel".into())];
    one.detection.condition_strings = vec!["sel".into()];
    let compiled = rsigma_eval::compile_rule(&one).ok()?;
    Some((field, std::sync::Arc::new(compiled)))
}

/// `*` wildcard match of a condition's identifier pattern.
pub(super) fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, rest)) => {
            let Some(tail) = name.strip_prefix(head) else {
                return false;
            };
            if rest.is_empty() {
                return true;
            }
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob(rest, &tail[i..]))
        }
    }
}

/// The line where a rule's `title:` is written, so a problem can point at
/// the right document in a multi-document file.
fn title_line(text: &str, title: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix("title:")
                .is_some_and(|t| t.trim().trim_matches(['\'', '"']) == title)
        })
        .map(|i| i + 1)
}

/// The YAML parser says "at line N column M"; take N.
fn line_in_message(m: &str) -> Option<usize> {
    let at = m.find("line ")?;
    m[at + 5..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
#[path = "sigma_tests.rs"]
mod tests;
