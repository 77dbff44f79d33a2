//! The pushdown plan for a prefilter that runs where the logs live
//! (`scaleout/prefilter.py`, on Spark): which events each loaded rule can
//! match, told by fields a job reads without evaluating the rule, and what
//! the Key usage and Related panes need around the findings.
//!
//! The plan only ever narrows by what the rule itself narrows by before
//! evaluation (the event names and sources [`RuleSet::run`] and
//! `sigma_run` select candidates by), so the events it keeps are a
//! superset of the events a rule can match; trailhunt evaluates the rest.
//! Start at [`Plan::new`].

use super::{LoadedRule, RuleSet};
use serde::Serialize;

/// The plan's format version, for the job to refuse one it does not know.
pub const SCHEMA_VERSION: u32 = 2;

/// The widest window the console's Related pane offers (30 days either
/// side; `tui::app::WINDOWS`), so every window it can be widened to shows
/// the same rows on a prefiltered tree. A test holds the two equal.
pub const RELATED_WINDOW_MS: i64 = 30 * 86_400_000;

/// The window the Related pane opens with (one hour either side).
pub const RELATED_DEFAULT_WINDOW_MS: i64 = 3_600_000;

/// The whole plan, as `trailhunt prefilter --plan` prints it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Plan {
    pub schema_version: u32,
    /// Some rule pins no event name, source or other field: every event is
    /// a candidate, and the job keeps the whole tree.
    pub keep_all: bool,
    pub rules: Vec<RulePlan>,
    pub context: Context,
}

/// What one rule lets the job decide.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RulePlan {
    pub id: String,
    pub source: String,
    /// `trailhunt` (TOML), `sigma` or `sigma-correlation`.
    pub format: &'static str,
    /// The events this rule can match; `None` for a correlation, which
    /// reads the matches of the rules it names (they are in the plan too).
    pub candidates: Option<Candidates>,
    /// For a correlation: the rules it correlates, by Sigma id or name.
    pub correlates: Vec<String>,
    /// What the job cannot decide and trailhunt evaluates on the kept events.
    pub left_to_trailhunt: Vec<String>,
}

/// An event is a candidate when every test that is present holds.
#[derive(Clone, Debug, Serialize, PartialEq, Default)]
pub struct Candidates {
    /// Lower-cased `eventName` values; `None` admits any name.
    pub event_names: Option<Vec<String>>,
    /// How names compare: `glob` (lower-cased, `*` any run of characters,
    /// as Splunk's search term) or `exact` (lower-cased equality).
    pub name_match: &'static str,
    /// Lower-cased `eventSource` values (exact); `None` admits any source.
    pub event_sources: Option<Vec<String>>,
    /// Other fields the rule pins, each to lower-cased values (exact): an
    /// event is a candidate only when each field is a string with one of
    /// its values.
    pub fields: Vec<FieldPin>,
    /// Fields the rule needs to contain some text: an event is a candidate
    /// only when each field is a string holding one of its values,
    /// compared lower-cased (a superset of what the rule's `contains`,
    /// wildcards and regular expressions admit).
    pub contains: Vec<FieldPin>,
}

/// One field's admitted values.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FieldPin {
    /// Dotted path (`userIdentity.type`).
    pub field: &'static str,
    pub values: Vec<String>,
}

impl Candidates {
    /// Admits every event.
    pub fn keeps_all(&self) -> bool {
        self.event_names.is_none()
            && self.event_sources.is_none()
            && self.fields.is_empty()
            && self.contains.is_empty()
    }
}

/// The events the panes read around a finding, keyed on its candidate
/// events (a superset of its events).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Context {
    pub key_usage: KeyUsageNeed,
    pub related: RelatedNeed,
}

/// Key usage: every event signed with the access key a candidate created,
/// at any time.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct KeyUsageNeed {
    pub new_key_field: &'static str,
    pub signed_with_field: &'static str,
}

/// Related: events by a candidate's caller or from its source address
/// within `window_ms` of it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RelatedNeed {
    pub caller_field: &'static str,
    pub source_ip_field: &'static str,
    pub window_ms: i64,
    pub default_window_ms: i64,
}

impl Plan {
    /// The plan for `rules`, keeping related activity for the console's
    /// widest window.
    pub fn new(rules: &RuleSet) -> Plan {
        Plan::with_window(rules, RELATED_WINDOW_MS)
    }

    /// The plan for `rules`, keeping related activity `window_ms` either
    /// side: the Related pane is then the same up to that window only.
    pub fn with_window(rules: &RuleSet, window_ms: i64) -> Plan {
        let rules: Vec<RulePlan> = rules.rules.iter().map(rule_plan).collect();
        let keep_all = rules
            .iter()
            .any(|r| r.candidates.as_ref().is_some_and(Candidates::keeps_all));
        Plan {
            schema_version: SCHEMA_VERSION,
            keep_all,
            rules,
            context: Context {
                key_usage: KeyUsageNeed {
                    new_key_field: "responseElements.accessKey.accessKeyId",
                    signed_with_field: "userIdentity.accessKeyId",
                },
                related: RelatedNeed {
                    caller_field: "userIdentity.arn",
                    source_ip_field: "sourceIPAddress",
                    window_ms,
                    default_window_ms: RELATED_DEFAULT_WINDOW_MS,
                },
            },
        }
    }

    /// The plan as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a plan serialises")
    }
}

fn lower(v: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<String> {
    let mut v: Vec<String> = v.into_iter().map(|s| s.as_ref().to_lowercase()).collect();
    v.sort();
    v.dedup();
    v
}

fn rule_plan(lr: &LoadedRule) -> RulePlan {
    let rule = &lr.rule;
    let mut plan = RulePlan {
        id: rule.id.clone(),
        source: lr.source.clone(),
        format: "trailhunt",
        candidates: None,
        correlates: Vec::new(),
        left_to_trailhunt: Vec::new(),
    };
    let Some(sr) = &lr.sigma else {
        // `RuleSet::run` reads the union of both semantics' names, matched
        // as Splunk terms; everything else depends on the semantics chosen
        // when trailhunt runs, so none of it is pushed down.
        let names = rule
            .splunk_event_names()
            .into_iter()
            .map(str::to_string)
            .chain(rule.strict.event_names.iter().cloned());
        plan.candidates = Some(Candidates {
            event_names: Some(lower(names)),
            name_match: "glob",
            event_sources: None,
            fields: Vec::new(),
            contains: Vec::new(),
        });
        for t in &rule.splunk.terms {
            if t.field != "eventName" {
                let op = match t.op {
                    super::rule::Op::Eq => "=",
                    super::rule::Op::Ne => "!=",
                };
                plan.left_to_trailhunt.push(format!(
                    "{} {op} {} (Splunk semantics only; strict reads it differently)",
                    t.field, t.value
                ));
            }
        }
        if let Some(m) = &rule.splunk.not_match {
            plan.left_to_trailhunt.push(format!(
                "match({}, {}) is a regular expression (PCRE) built from another field",
                m.subject, m.pattern
            ));
        }
        if !rule.splunk.by.is_empty() {
            plan.left_to_trailhunt.push(
                "stats … by drops events missing a by-field (Splunk semantics; depends on aliases)"
                    .into(),
            );
        }
        if !rule.strict.target.is_empty() {
            plan.left_to_trailhunt
                .push("strict: target user, caller-is-target, success and console tests".into());
        }
        return plan;
    };
    if let Some(c) = &sr.correlation {
        plan.format = "sigma-correlation";
        plan.correlates = c.rules.clone();
        plan.left_to_trailhunt.push(format!(
            "the correlation ({}) over its rules' matches",
            sr.conditions.join("; ")
        ));
        return plan;
    }
    plan.format = "sigma";
    plan.candidates = Some(Candidates {
        event_names: sr.event_names.as_ref().map(lower),
        name_match: "exact",
        event_sources: sr.event_sources.as_ref().map(lower),
        fields: sr
            .field_pins
            .iter()
            .map(|(field, values)| FieldPin {
                field,
                values: lower(values),
            })
            .collect(),
        // Where a field is pinned to values, equality says more.
        contains: sr
            .field_substrings
            .iter()
            .filter(|(field, _)| match *field {
                "eventName" => sr.event_names.is_none(),
                "eventSource" => sr.event_sources.is_none(),
                f => !sr.field_pins.iter().any(|(g, _)| *g == f),
            })
            .map(|(field, values)| FieldPin {
                field,
                values: lower(values),
            })
            .collect(),
    });
    plan.left_to_trailhunt.push(format!(
        "the detection ({}): its other selections, modifiers, field references and null tests",
        sr.conditions.join("; ")
    ));
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sigma_plan(detection: &str) -> Plan {
        let mut rules = RuleSet::default();
        let text = format!(
            "title: t\nid: 11111111-2222-3333-4444-555555555555\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n{detection}"
        );
        let (_, problems, _) = rules.add_text(std::path::Path::new("t.yml"), "test".into(), &text);
        assert!(problems.is_empty(), "{problems:?}");
        Plan::new(&rules)
    }

    #[test]
    fn a_rule_naming_no_event_pushes_down_the_other_fields_it_pins() {
        // As SigmaHQ's root-account and TruffleHog rules: no event name, a
        // plain value on an indexed field.
        let plan = sigma_plan(
            "  sel:\n    userIdentity.type: Root\n  svc:\n    eventType: AwsServiceEvent\n  condition: sel and not svc\n",
        );
        assert!(!plan.keep_all);
        let c = plan.rules[0].candidates.as_ref().unwrap();
        assert_eq!(c.event_names, None);
        assert_eq!(
            c.fields,
            [FieldPin {
                field: "userIdentity.type",
                values: vec!["root".into()]
            }]
        );
        // A wildcard value pins no value, so the `or` pins none either; both
        // branches need text in the agent, so that is pushed down.
        let either = sigma_plan(
            "  a:\n    userAgent: TruffleHog\n  b:\n    userAgent:\n      - 'Pacu*'\n  condition: a or b\n",
        );
        assert!(!either.keep_all);
        let c = either.rules[0].candidates.as_ref().unwrap();
        assert!(c.fields.is_empty());
        let agent = |v: &[&str]| FieldPin {
            field: "userAgent",
            values: v.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(c.contains, [agent(&["pacu", "trufflehog"])]);
        // As SigmaHQ's IMDS rule: the literal every match of the pattern holds.
        let imds = sigma_plan(
            "  sel:\n    userIdentity.arn|re: '.+:assumed-role/aws:.+'\n  condition: sel\n",
        );
        assert!(!imds.keep_all);
        assert_eq!(
            imds.rules[0].candidates.as_ref().unwrap().contains,
            [FieldPin {
                field: "userIdentity.arn",
                values: vec![":assumed-role/aws:".into()]
            }]
        );
        let contains = sigma_plan("  sel:\n    userAgent|contains: TruffleHog\n  condition: sel\n");
        assert_eq!(
            contains.rules[0].candidates.as_ref().unwrap().contains,
            [agent(&["trufflehog"])]
        );
        // What pins nothing: an empty value (it may stand for an absent
        // field), a pattern with no literal every match holds, a modifier
        // that changes the text compared, a field the index does not hold.
        for d in [
            "  sel:\n    errorCode: ''\n  condition: sel\n",
            "  sel:\n    userIdentity.arn|re: 'root|admin'\n  condition: sel\n",
            "  sel:\n    userAgent|base64offset|contains: curl\n  condition: sel\n",
            "  sel:\n    eventType: AwsApiCall\n  condition: sel\n",
        ] {
            let plan = sigma_plan(d);
            assert!(plan.keep_all, "{d}");
            let c = plan.rules[0].candidates.as_ref().unwrap();
            assert!(c.fields.is_empty() && c.contains.is_empty(), "{d}");
        }
    }

    #[test]
    fn the_seed_pushes_down_its_event_name_only() {
        let plan = Plan::new(&RuleSet::builtin());
        assert!(!plan.keep_all);
        let seed = &plan.rules[0];
        let c = seed.candidates.as_ref().unwrap();
        assert_eq!(
            c.event_names.as_deref(),
            Some(&["createaccesskey".to_string()][..])
        );
        assert_eq!(c.name_match, "glob");
        assert!(c.event_sources.is_none());
        assert!(
            seed.left_to_trailhunt.iter().any(|s| s.contains("PCRE")),
            "{:?}",
            seed.left_to_trailhunt
        );
    }
}
