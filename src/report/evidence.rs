//! The evidence of one finding: what a responder pastes into a ticket or
//! files in a report. Every output of issue 5 (the console's `y`, `Y` and
//! `e` keys, `scan --format markdown|html|csv|json|ndjson`) renders this one
//! model, so they never disagree.
//!
//! Start at [`Evidence::build`] (one finding) or [`Evidence::build_all`]
//! (many, with one pass over the index for the key-usage summaries). The
//! model holds log values *exactly*; each renderer escapes them for its
//! medium: [`crate::sanitize::escape`] first for every human format, then
//! Markdown, HTML or CSV rules on top. Raw events are re-indented by
//! [`pretty_json`] / [`compact_json`], which keep the event's key order and
//! number spelling (a `serde_json::Value` would sort keys and normalise
//! numbers, and evidence must read as the log wrote it).

use super::finding_json;
use crate::event::Index;
use crate::event::json::{Kind, Token, tokens};
use crate::event::time::rfc3339;
use crate::event::zone::Zone;
use crate::rules::rule::Technique;
pub use crate::rules::usage::Tally;
use crate::rules::usage::{self, KeyUsageIndex};
use crate::rules::{Finding, RuleSet, Semantics};
use crate::sanitize::is_dangerous;
use crate::triage::FindingTriage;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::borrow::Cow;

/// One raw event of a finding, with where it was read.
#[derive(Clone, Debug, PartialEq)]
pub struct RawEvent {
    /// The source file as loaded (the path given or found under it).
    pub file: String,
    /// 1-based line of the event's first byte in the decompressed file.
    pub line: u32,
    /// Byte offset in the decompressed file.
    pub offset: u64,
    /// How many times the same event was delivered.
    pub copies: u32,
    /// The event's JSON exactly as read, or why it could not be read again.
    pub text: Result<String, String>,
}

/// The events signed with the access key a finding created: how the new key
/// was used after it was made.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KeyUsage {
    /// The new access key ID.
    pub key: String,
    /// Distinct events signed with it.
    pub events: u64,
    #[serde(serialize_with = "ser_time")]
    pub first_time: Option<i64>,
    #[serde(serialize_with = "ser_time")]
    pub last_time: Option<i64>,
    /// Events that returned an error code.
    pub errors: u64,
    /// Source IPs, most frequent first.
    pub source_ips: Vec<Tally>,
    pub user_agents: Vec<Tally>,
    /// Event names (API calls).
    pub api_calls: Vec<Tally>,
}

fn ser_time<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match rfc3339(*t) {
        Some(t) => s.serialize_str(&t),
        None => s.serialize_none(),
    }
}

/// One row of the key fields table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyField {
    pub name: &'static str,
    /// `None` when the event does not have the field.
    pub value: Option<String>,
}

/// A rule's annotations besides ATT&CK, leaving out those it does not
/// carry (a Sigma rule names only what its custom attributes say).
fn annotation_lines(rule: &crate::rules::rule::Rule) -> Vec<(&'static str, String)> {
    let a = &rule.annotations;
    [
        ("Kill chain", &a.kill_chain_phases),
        ("NIST", &a.nist),
        ("CIS", &a.cis20),
        ("Analytic story", &a.analytic_story),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k, v.join(", ")))
    .collect()
}

/// Everything known about one finding, ready for any output.
#[derive(Clone, Debug)]
pub struct Evidence {
    pub finding: Finding,
    pub rule_name: String,
    /// ATT&CK techniques of the rule.
    pub attack: Vec<Technique>,
    /// The rule's other annotations that it carries (kill chain, NIST,
    /// CIS, analytic story), each as a label and its values joined.
    pub annotations: Vec<(&'static str, String)>,
    /// What triage says, when the caller knows (`None`: not looked up).
    pub triage: Option<FindingTriage>,
    /// `None` when the finding created no access key.
    pub key_usage: Option<KeyUsage>,
    /// The finding's events, in time order.
    pub raw: Vec<RawEvent>,
    /// The zone human-facing times are shown in.
    pub zone: Zone,
    /// The finding as `scan --format json` shows it (with triage when known).
    base_json: Value,
}

/// Builds the evidence of many findings a slice at a time, so a report of
/// a million findings streams rather than holding every one's raw events.
pub struct Builder<'a> {
    findings: &'a [Finding],
    triage: Option<&'a [FindingTriage]>,
    index: &'a Index,
    rules: &'a RuleSet,
    zone: Zone,
    usage: KeyUsageIndex,
}

impl<'a> Builder<'a> {
    /// Scans the index once for every finding's new key.
    pub fn new(
        findings: &'a [Finding],
        triage: Option<&'a [FindingTriage]>,
        index: &'a Index,
        rules: &'a RuleSet,
        zone: Zone,
    ) -> Self {
        Builder {
            findings,
            triage,
            index,
            rules,
            zone,
            usage: KeyUsageIndex::new(index, findings),
        }
    }

    /// The evidence of the findings in `range`, built on every core; their
    /// raw events are read together, each file decoded once.
    pub fn build(&self, range: std::ops::Range<usize>) -> Vec<Evidence> {
        use rayon::prelude::*;
        let findings = &self.findings[range.clone()];
        let all: Vec<usize> = findings
            .iter()
            .flat_map(|f| f.events.iter().copied())
            .collect();
        let mut raw = self.index.raw_many(&all).into_iter();
        let per: Vec<_> = findings
            .iter()
            .map(|f| raw.by_ref().take(f.events.len()).collect::<Vec<_>>())
            .collect();
        findings
            .par_iter()
            .zip(per)
            .enumerate()
            .map(|(k, (f, mine))| {
                let t = self.triage.and_then(|t| t.get(range.start + k));
                Evidence::build_with(f, self.index, self.rules, t, self.zone, &self.usage, mine)
            })
            .collect()
    }
}

impl Evidence {
    /// The evidence of `finding`. `triage` is what triage says about it, if
    /// the caller has looked. Re-reads raw events the loader did not keep
    /// and scans the index once for the new key's use: call
    /// [`Evidence::build_all`] for many findings.
    pub fn build(
        finding: &Finding,
        index: &Index,
        rules: &RuleSet,
        triage: Option<&FindingTriage>,
        zone: Zone,
    ) -> Evidence {
        let usage = KeyUsageIndex::new(index, std::slice::from_ref(finding));
        let raw = index.raw_many(&finding.events);
        Self::build_with(finding, index, rules, triage, zone, &usage, raw)
    }

    /// The evidence of each finding, `triage` (when given) in the same order.
    pub fn build_all(
        findings: &[Finding],
        triage: Option<&[FindingTriage]>,
        index: &Index,
        rules: &RuleSet,
        zone: Zone,
    ) -> Vec<Evidence> {
        Builder::new(findings, triage, index, rules, zone).build(0..findings.len())
    }

    fn build_with(
        f: &Finding,
        index: &Index,
        rules: &RuleSet,
        triage: Option<&FindingTriage>,
        zone: Zone,
        usage: &KeyUsageIndex,
        raw: Vec<Result<std::sync::Arc<str>, crate::event::LoadError>>,
    ) -> Evidence {
        let rule = rules.rules.get(f.rule).map(|r| &r.rule);
        // The IDs from the raw events in hand: the index does not keep them.
        let ids = raw
            .iter()
            .map(|r| {
                r.as_ref()
                    .ok()
                    .and_then(|t| crate::event::index::event_id_of(t))
            })
            .collect();
        let mut base_json = finding_json::to_json_with_ids(f, index, rules, ids);
        if let Some(t) = triage {
            finding_json::add_triage(&mut base_json, t);
        }
        let raw = f
            .events
            .iter()
            .zip(raw)
            .filter_map(|(&i, text)| Some((index.events.get(i)?, text)))
            .map(|(ev, text)| RawEvent {
                file: index
                    .files
                    .get(ev.loc().file as usize)
                    .map(|s| crate::event::show_path(&s.path))
                    .unwrap_or_else(|| "?".into()),
                line: ev.loc().line,
                offset: ev.loc().offset,
                copies: index.copies(ev),
                text: text.map(|r| r.to_string()).map_err(|e| e.to_string()),
            })
            .collect();
        Evidence {
            finding: f.clone(),
            rule_name: rule.map(|r| r.name.clone()).unwrap_or_default(),
            attack: rule
                .map(|r| r.annotations.mitre_attack.clone())
                .unwrap_or_default(),
            annotations: rule.map(annotation_lines).unwrap_or_default(),
            triage: triage.cloned(),
            key_usage: usage.usage(index, f).map(KeyUsage::from),
            raw,
            zone,
            base_json,
        }
    }

    /// The caller as people read it: `ARN (type)`.
    pub fn caller(&self) -> Option<String> {
        let f = &self.finding;
        match (&f.actor_arn, &f.actor_type) {
            (Some(a), Some(t)) => Some(format!("{a} ({t})")),
            (Some(a), None) => Some(a.clone()),
            (None, Some(t)) => Some(format!("({t})")),
            (None, None) => None,
        }
    }

    /// One line: rule, caller, target, time, source, e.g.
    /// `AWS CreateAccessKey: user/alice (IAMUser) → bob at 2026-11-02
    /// 10:00:00 +00:00 from 203.0.113.66`. Log values exact: escape it.
    pub fn summary(&self) -> String {
        let f = &self.finding;
        let caller = match (&f.actor_arn, &f.actor_type) {
            (Some(a), Some(t)) => format!("{} ({t})", super::table::short_arn(a)),
            (Some(a), None) => super::table::short_arn(a).to_string(),
            (None, Some(t)) => format!("({t})"),
            (None, None) => "unknown caller".into(),
        };
        let name = if self.rule_name.is_empty() {
            f.rule_id.as_str()
        } else {
            self.rule_name.as_str()
        };
        let mut s = format!(
            "{name}: {caller} → {} at {}",
            f.target_user.as_deref().unwrap_or("-"),
            self.zone.long(f.first_time)
        );
        if let Some(src) = &f.src {
            s.push_str(" from ");
            s.push_str(src);
        }
        if f.count > 1 {
            s.push_str(&format!(" ({} events)", f.count));
        }
        s
    }

    /// ATT&CK techniques as `T1136.003 Cloud Account (Persistence)`.
    pub fn attack_text(&self) -> Vec<String> {
        self.attack.iter().map(Technique::label).collect()
    }

    /// The key fields, in the order the copy block shows them.
    pub fn key_fields(&self) -> Vec<KeyField> {
        let f = &self.finding;
        let time = if f.first_time == f.last_time {
            self.zone.long(f.first_time)
        } else {
            self.zone.span(f.first_time, f.last_time)
        };
        let fields: [(&'static str, Option<String>); 11] = [
            ("Time", Some(time)),
            ("Event", f.event_name.clone()),
            ("Caller", self.caller()),
            ("Target", f.target_user.clone()),
            ("Source IP", f.src.clone()),
            ("User agent", f.user_agent.clone()),
            ("Account", f.account.clone()),
            ("Region", f.region.clone()),
            ("Event ID", f.event_id.clone()),
            ("New access key ID", f.new_key.clone()),
            ("Caller access key ID", f.caller_key.clone()),
        ];
        fields
            .into_iter()
            .map(|(name, value)| KeyField { name, value })
            .collect()
    }

    /// The status's name for people (`false positive`), or `not recorded`
    /// when triage was not looked up.
    pub fn status_text(&self) -> &'static str {
        self.triage
            .as_ref()
            .map_or("not recorded", |t| t.status.label())
    }

    /// The finding's fields as `scan --format json` has always shown them,
    /// with triage when known (without the evidence fields [`Self::json`] adds).
    pub fn base_json(&self) -> &Value {
        &self.base_json
    }

    /// The finding as JSON: the fields of `scan --format json`, triage when
    /// known, and `summary`, `attack`, `key_usage`, `raw_events` (each with
    /// `file`, `line`, `offset`, `copies` and `event`: the event as written,
    /// key order kept; or `error` when it could not be read again).
    /// Serialise it with [`to_json_text`], which escapes what serde_json
    /// leaves raw.
    pub fn json(&self) -> EvidenceJson<'_> {
        EvidenceJson {
            base: &self.base_json,
            summary: self.summary(),
            attack: self
                .attack
                .iter()
                .map(|t| json!({"id": t.id, "technique": t.technique, "tactic": t.tactic}))
                .collect(),
            key_usage: self.key_usage.as_ref(),
            raw_events: self
                .raw
                .iter()
                .map(|r| {
                    let compact = r.text.as_ref().ok().and_then(|t| compact_json(t));
                    let event = compact.and_then(|c| RawValue::from_string(c).ok());
                    let error = match (&r.text, &event) {
                        (Err(e), _) => Some(e.clone()),
                        (Ok(_), None) => Some("not valid JSON".into()),
                        _ => None,
                    };
                    RawJson {
                        file: &r.file,
                        line: r.line,
                        offset: r.offset,
                        copies: r.copies,
                        text: if event.is_none() {
                            r.text.as_ref().ok().map(String::as_str)
                        } else {
                            None
                        },
                        event,
                        error,
                    }
                })
                .collect(),
        }
    }
}

/// [`Evidence::json`]'s shape.
#[derive(Serialize)]
pub struct EvidenceJson<'a> {
    #[serde(flatten)]
    base: &'a Value,
    summary: String,
    attack: Vec<Value>,
    key_usage: Option<&'a KeyUsage>,
    raw_events: Vec<RawJson<'a>>,
}

#[derive(Serialize)]
struct RawJson<'a> {
    file: &'a str,
    line: u32,
    offset: u64,
    copies: u32,
    event: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    error: Option<String>,
}

/// Serialises `v` as JSON (`pretty` or one line) with every character the
/// sanitiser calls dangerous written as a `\uXXXX` escape. serde_json
/// escapes C0 controls but writes DEL, C1 controls and bidirectional
/// overrides raw; the escape keeps the value exact for a JSON reader and
/// inert for a terminal or an editor.
pub fn to_json_text<T: Serialize + ?Sized>(v: &T, pretty: bool) -> String {
    let text = if pretty {
        serde_json::to_string_pretty(v)
    } else {
        serde_json::to_string(v)
    }
    // Serialising our own types and `Value`s cannot fail (string keys only).
    .unwrap_or_else(|e| format!("{{\"error\": {}}}", json!(e.to_string())));
    json_safe(&text).into_owned()
}

/// Writes dangerous characters in serialised JSON as `\uXXXX` escapes.
/// serde_json escapes every C0 control inside strings, so a raw newline, tab
/// or carriage return is whitespace between tokens and stays; any other
/// dangerous character can only be inside a string, where the escape means
/// the same character.
pub fn json_safe(text: &str) -> Cow<'_, str> {
    let risky = |c: char| is_dangerous(c) && !matches!(c, '\n' | '\t' | '\r');
    if !text.chars().any(risky) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if risky(c) {
            push_json_char(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push_json_char(out: &mut String, c: char) {
    if is_dangerous(c) {
        // Every dangerous character is in the Basic Multilingual Plane.
        out.push_str(&format!("\\u{:04x}", c as u32));
    } else {
        out.push(c);
    }
}

/// The event's JSON re-indented with two spaces, keys in the order written,
/// strings and numbers exactly as written except that dangerous characters
/// inside strings become `\uXXXX` escapes. `None` when `raw` is not JSON.
pub fn pretty_json(raw: &str) -> Option<String> {
    reformat(raw, true)
}

/// Like [`pretty_json`], on one line without insignificant whitespace.
pub fn compact_json(raw: &str) -> Option<String> {
    reformat(raw, false)
}

fn reformat(raw: &str, pretty: bool) -> Option<String> {
    // Validate first, so the re-indenter below may assume well-formed input.
    serde_json::from_str::<serde::de::IgnoredAny>(raw).ok()?;
    let mut out = String::with_capacity(raw.len() + raw.len() / 4);
    let mut depth = 0usize;
    let newline = |out: &mut String, depth: usize| {
        if pretty {
            out.push('\n');
            for _ in 0..depth {
                out.push_str("  ");
            }
        }
    };
    let mut toks = tokens(raw).peekable();
    while let Some(t) = toks.next() {
        match t.ok()?.kind {
            Kind::Key(s) | Kind::Str(s) => {
                // Escapes are ASCII and stay as written.
                out.push('"');
                s.chars().for_each(|c| push_json_char(&mut out, c));
                out.push('"');
            }
            Kind::Num(s) | Kind::Lit(s) => out.push_str(s),
            open @ (Kind::BeginObject | Kind::BeginArray) => {
                let obj = open == Kind::BeginObject;
                out.push(if obj { '{' } else { '[' });
                if let Some(Ok(Token {
                    kind: Kind::EndObject | Kind::EndArray,
                    ..
                })) = toks.peek()
                {
                    toks.next();
                    out.push(if obj { '}' } else { ']' });
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            close @ (Kind::EndObject | Kind::EndArray) => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(if close == Kind::EndObject { '}' } else { ']' });
            }
            Kind::Comma => {
                out.push(',');
                newline(&mut out, depth);
            }
            Kind::Colon => {
                out.push(':');
                if pretty {
                    out.push(' ');
                }
            }
        }
    }
    Some(out)
}

impl From<usage::KeyUsage> for KeyUsage {
    fn from(u: usage::KeyUsage) -> Self {
        KeyUsage {
            key: u.key,
            events: u.events.len() as u64,
            first_time: u.first_time,
            last_time: u.last_time,
            errors: u.errors,
            source_ips: u.source_ips,
            user_agents: u.user_agents,
            api_calls: u.api_calls,
        }
    }
}

/// What a report covers: the scope section of Markdown and HTML reports.
/// Fill it with [`ReportScope::new`], then set what the caller knows
/// (allowlist, filter, counts of suppressed findings).
#[derive(Clone, Debug, PartialEq)]
pub struct ReportScope {
    pub title: String,
    /// When the report was made (ms since the epoch); `None` leaves it out.
    pub generated: Option<i64>,
    /// `trailhunt 0.1.0`.
    pub tool: String,
    /// The paths the logs were loaded from.
    pub paths: Vec<String>,
    /// The span of the loaded events.
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
    pub files: usize,
    pub skipped: usize,
    pub events: u64,
    pub load_errors: usize,
    /// `name (id)` of each rule in force.
    pub rules: Vec<String>,
    pub semantics: Semantics,
    /// The allowlist used, described (path and entry counts); `None`: none.
    pub allowlist: Option<String>,
    /// Findings before the allowlist and any filter.
    pub findings_total: usize,
    /// Findings the allowlist suppresses.
    pub suppressed: usize,
    /// Whether suppressed findings are in the report.
    pub include_suppressed: bool,
    /// The console's filter, when one is applied.
    pub filter: Option<String>,
    pub zone: Zone,
}

impl ReportScope {
    /// The scope of a report on `index` under `rules`: `findings_total` is
    /// every finding the rules returned.
    pub fn new(
        index: &Index,
        rules: &RuleSet,
        semantics: Semantics,
        findings_total: usize,
        zone: Zone,
    ) -> ReportScope {
        ReportScope {
            title: "trailhunt report".into(),
            generated: None,
            tool: format!("trailhunt {}", env!("CARGO_PKG_VERSION")),
            paths: index
                .roots
                .iter()
                .map(|p| crate::event::show_path(p))
                .collect(),
            first_time: index.stats.first_time,
            last_time: index.stats.last_time,
            files: index.stats.files,
            skipped: index.stats.skipped,
            events: index.stats.events,
            load_errors: index.errors.len(),
            rules: rules
                .rules
                .iter()
                .map(|r| format!("{} ({})", r.rule.name, r.rule.id))
                .collect(),
            semantics,
            allowlist: None,
            findings_total,
            suppressed: 0,
            include_suppressed: false,
            filter: None,
            zone,
        }
    }

    /// The scope's lines as (label, text) pairs, text not yet escaped; the
    /// Markdown and HTML reports show the same lines.
    pub fn lines(&self, shown: usize) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(g) = self.generated {
            v.push((
                "Generated",
                format!("{} by {}", self.zone.long(Some(g)), self.tool),
            ));
        } else {
            v.push(("Generated by", self.tool.clone()));
        }
        v.push((
            "Times shown in",
            format!("{} (every time carries its UTC offset)", self.zone.label()),
        ));
        v.push(("Paths", self.paths.join(", ")));
        v.push((
            "Time span",
            match (self.first_time, self.last_time) {
                (None, None) => "no timed events".into(),
                (a, b) => format!("{} .. {}", self.zone.long(a), self.zone.long(b)),
            },
        ));
        v.push((
            "Loaded",
            format!(
                "{} files ({} skipped), {} events, {} load errors",
                self.files, self.skipped, self.events, self.load_errors
            ),
        ));
        v.push(("Rules", self.rules.join("; ")));
        v.push(("Semantics", self.semantics.name().to_string()));
        v.push((
            "Allowlist",
            self.allowlist.clone().unwrap_or_else(|| "none".into()),
        ));
        v.push((
            "Filter",
            self.filter
                .clone()
                .filter(|f| !f.trim().is_empty())
                .unwrap_or_else(|| "none".into()),
        ));
        let suppressed = if self.suppressed == 0 {
            "none suppressed".to_string()
        } else if self.include_suppressed {
            format!("{} suppressed by the allowlist, included", self.suppressed)
        } else {
            format!(
                "{} suppressed by the allowlist, not included",
                self.suppressed
            )
        };
        v.push((
            "Findings",
            format!(
                "{shown} in this report of {} ({suppressed})",
                self.findings_total
            ),
        ));
        v
    }
}

/// The longest run of `c` in `s`.
pub fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for x in s.chars() {
        if x == c {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// Whether the seed's Splunk search returns `f`, as one sentence for a
/// report; `esc` escapes the (log-derived) verdict for the output format.
pub fn parity_sentence(f: &Finding, esc: impl Fn(&str) -> String) -> String {
    if f.splunk_parity {
        "the seed's Splunk search returns it too".to_string()
    } else {
        format!(
            "the seed's Splunk search would not return it: {}",
            esc(&f.splunk_verdict)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_keeps_key_order_and_numbers() {
        let raw = r#"{"z":1.50,"a":[],"m":{},"b":[1,{"x":"y"}],"n":null}"#;
        assert_eq!(
            pretty_json(raw).unwrap(),
            "{\n  \"z\": 1.50,\n  \"a\": [],\n  \"m\": {},\n  \"b\": [\n    1,\n    {\n      \"x\": \"y\"\n    }\n  ],\n  \"n\": null\n}"
        );
        assert_eq!(
            compact_json(" { \"a\" : [ 1 , 2 ] } ").unwrap(),
            "{\"a\":[1,2]}"
        );
    }

    #[test]
    fn pretty_json_keeps_escapes_and_escapes_bidi_and_c1() {
        let raw = "{\"ua\":\"a\\u001b[2J\\\"\u{202e}\u{9b}\u{7f} \\\\\"}";
        let p = pretty_json(raw).unwrap();
        assert_eq!(
            p,
            "{\n  \"ua\": \"a\\u001b[2J\\\"\\u202e\\u009b\\u007f \\\\\"\n}"
        );
        let back: Value = serde_json::from_str(&p).unwrap();
        let orig: Value = serde_json::from_str(raw).unwrap();
        assert_eq!(back, orig, "the value is exactly the same");
    }

    #[test]
    fn pretty_json_refuses_what_is_not_json() {
        assert_eq!(pretty_json("{\"a\":"), None);
        assert_eq!(pretty_json("not json"), None);
    }

    #[test]
    fn json_safe_escapes_what_serde_json_leaves_raw() {
        let s = serde_json::to_string("x\u{202e}\u{9b}\u{1b}").unwrap();
        assert_eq!(json_safe(&s), "\"x\\u202e\\u009b\\u001b\"");
        let pretty = serde_json::to_string_pretty(&json!({"a": "\u{2028}\n"})).unwrap();
        assert_eq!(json_safe(&pretty), "{\n  \"a\": \"\\u2028\\n\"\n}");
    }

    #[test]
    fn times_always_carry_their_offset() {
        let ms = Some(1_793_613_600_000); // 2026-11-02T10:00:00Z
        assert_eq!(Zone::Utc.long(ms), "2026-11-02 10:00:00 +00:00");
        let paris = Zone::parse("Europe/Paris").unwrap();
        assert_eq!(paris.long(ms), "2026-11-02 11:00:00 +01:00");
        assert_eq!(Zone::Utc.long(None), "-");
        assert!(Zone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn longest_backtick_run() {
        assert_eq!(longest_run("a``b````c`", '`'), 4);
        assert_eq!(longest_run("none", '`'), 0);
    }
}
