//! Sigma detection rules beside the seed: the adapter between a Sigma YAML
//! file and trailhunt's rules and findings.
//!
//! Start at [`load`]: it parses one file with `rsigma-parser`, keeps the
//! rules whose logsource is AWS CloudTrail, compiles each with `rsigma-eval`
//! and says why any other document was not used. [`SigmaRule::matches`]
//! evaluates one compiled rule over one event's full JSON; [`pins`] works out
//! which event names a rule can match at all, so it only sees candidates.

use super::rule::{Annotations, Rule, SplunkDef, StrictDef, Technique};
use rsigma_parser::ast::{ConditionExpr, Detection, Quantifier, SelectorPattern};
use rsigma_parser::value::{SigmaValue, StringPart};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A Sigma rule compiled for evaluation, with what trailhunt reads from it.
#[derive(Debug)]
pub struct SigmaRule {
    compiled: rsigma_eval::CompiledRule,
    /// Lower-cased event names the rule can match; `None` when its
    /// detection does not pin `eventName` (every event is a candidate).
    pub event_names: Option<Vec<String>>,
    /// Lower-cased event sources (`eventSource`) the rule can match, the
    /// same way.
    pub event_sources: Option<Vec<String>>,
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
        let r = rsigma_eval::evaluate_rule(&self.compiled, &ev)?;
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
    for c in &coll.correlations {
        out.problems.push(problem(
            title_line(text, &c.title),
            format!(
                "correlation rule `{}`: correlation rules are not supported yet",
                c.title
            ),
        ));
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
    let level = r.level.map(|l| l.as_str().to_string());
    let attr = |k: &str| r.custom_attributes.get(k);
    let risk_score = match attr("risk_score") {
        None => level_score(level.as_deref()),
        Some(v) => v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .filter(|n: &f64| (0.0..=100.0).contains(n))
            .ok_or("`risk_score` must be a number from 0 to 100")?,
    };
    let message = match attr("risk_message") {
        None => r.title.clone(),
        Some(v) => v
            .as_str()
            .ok_or("`risk_message` must be a string")?
            .to_string(),
    };
    // A rule without an id is known by its name, else its title: stable
    // across machines (a path is not), and distinct within a file.
    let id =
        r.id.clone()
            .or_else(|| r.name.clone())
            .unwrap_or_else(|| r.title.clone());
    let rule = Rule {
        id,
        name: r.title.clone(),
        version: None,
        kind: "sigma".into(),
        author: r.author.clone().unwrap_or_default(),
        date: r.date.clone().unwrap_or_default(),
        status: r
            .status
            .map(|s| format!("{s:?}").to_lowercase())
            .unwrap_or_default(),
        description: r.description.clone().unwrap_or_default(),
        // Impact carries the score so `Rule::risk_score` agrees with findings.
        impact: risk_score.round() as u32,
        confidence: 100,
        message,
        required_fields: Vec::new(),
        how_to_implement: String::new(),
        known_false_positives: r.falsepositives.join("; "),
        references: r.references.clone(),
        filter_macro: None,
        search: text.to_string(),
        annotations: annotations(&r.tags),
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
    let sigma = SigmaRule {
        compiled,
        event_names: pins("eventName", &r.detection.named, &r.detection.conditions),
        event_sources: pins("eventSource", &r.detection.named, &r.detection.conditions),
        level,
        conditions: r.detection.condition_strings.clone(),
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
                technique: String::new(),
                tactic: tactic.clone(),
            })
            .collect(),
        ..Annotations::default()
    }
}

fn is_technique(t: &str) -> bool {
    t.strip_prefix('t')
        .is_some_and(|r| r.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// The lower-cased values of `field` (`eventName`, `eventSource`) a rule
/// can match, or `None` when any event might. Sound, not tight: a detection
/// pins values only through a plain, modifier-free value without wildcards
/// (Sigma compares it case-insensitively, as the candidate check does).
pub fn pins(
    field: &str,
    named: &std::collections::HashMap<String, Detection>,
    conditions: &[ConditionExpr],
) -> Option<Vec<String>> {
    let mut all = BTreeSet::new();
    for c in conditions {
        all.extend(cond_pins(field, named, c)?);
    }
    Some(all.into_iter().collect())
}

fn cond_pins(
    field: &str,
    named: &std::collections::HashMap<String, Detection>,
    c: &ConditionExpr,
) -> Option<BTreeSet<String>> {
    match c {
        ConditionExpr::Identifier(n) => detection_pins(field, named.get(n)?),
        // Every operand must hold, so any pinned one bounds the names.
        ConditionExpr::And(v) => v.iter().find_map(|e| cond_pins(field, named, e)),
        ConditionExpr::Or(v) => union(v.iter().map(|e| cond_pins(field, named, e))),
        ConditionExpr::Not(_) => None,
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let mut chosen: Vec<&Detection> = named
                .iter()
                .filter(|(k, _)| match pattern {
                    // `them` leaves out identifiers starting with `_` (spec 2.0).
                    SelectorPattern::Them => !k.starts_with('_'),
                    SelectorPattern::Pattern(p) => glob(p, k),
                })
                .map(|(_, d)| d)
                .collect();
            chosen.sort_by_key(|d| format!("{d:?}"));
            match quantifier {
                Quantifier::All => chosen.iter().find_map(|d| detection_pins(field, d)),
                Quantifier::Any | Quantifier::Count(_) => {
                    union(chosen.iter().map(|d| detection_pins(field, d)))
                }
            }
        }
    }
}

fn union(it: impl Iterator<Item = Option<BTreeSet<String>>>) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for s in it {
        out.extend(s?);
    }
    Some(out)
}

fn detection_pins(field: &str, d: &Detection) -> Option<BTreeSet<String>> {
    match d {
        Detection::AllOf(items) => items.iter().find_map(|it| {
            let name = it.field.name.as_deref()?;
            if name != field || !it.field.modifiers.is_empty() || it.values.is_empty() {
                return None;
            }
            it.values
                .iter()
                .map(|v| match v {
                    SigmaValue::String(s) => s
                        .parts
                        .iter()
                        .map(|p| match p {
                            StringPart::Plain(t) => Some(t.as_str()),
                            StringPart::Special(_) => None,
                        })
                        .collect::<Option<String>>()
                        .map(|s| s.to_lowercase()),
                    _ => None,
                })
                .collect()
        }),
        Detection::AnyOf(subs) => union(subs.iter().map(|d| detection_pins(field, d))),
        _ => None,
    }
}

/// `*` wildcard match of a condition's identifier pattern.
fn glob(pattern: &str, name: &str) -> bool {
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
