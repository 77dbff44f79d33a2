//! The allowlist as Sigma filter rules (the Sigma "filters" specification,
//! v2): one YAML document per active entry, whose `filter.rules` names the
//! rule ids the entry applies to and whose detection says what it
//! suppresses, so the same suppressions run in any Sigma backend.
//!
//! Each condition becomes a selection on the CloudTrail field the finding's
//! value is read from, and the filter's condition is `not (…)` of them all
//! (a filter's condition says what to keep). Two finding fields are Splunk
//! add-on aliases with a fallback, so they become two selections:
//! `actor_arn` is `userIdentity.arn`, else `requestParameters.roleArn`;
//! `account` is `recipientAccountId` for `AWSAccount`/`AWSService` callers,
//! else `userIdentity.accountId`.
//!
//! Values: an exact value is a plain Sigma value with `*`, `?` and `\`
//! escaped; fields AWS compares by case get `|cased` (Sigma matches without
//! case by default, as AWS does for names). A glob becomes Sigma wildcards
//! when it only uses `*` and `?`, else `|re` with the same anchored regex
//! the Splunk export uses. CIDR is `|cidr`; a regex is `|re` (both search
//! anywhere in the value). The YAML is written by a serializer, so no value
//! can break out of its string; the comments are escaped.

use super::allowlist::{Allowlist, Condition, Entry, EntryState, MatchKind, RuleScope};
use super::expiry::format_time;
use super::field::Field;
use super::glob::sigma_literal;
use crate::rules::RuleSet;
use crate::sanitize::escape;
use chrono::{DateTime, Utc};
use yaml_serde::{Mapping, Value};

/// The Sigma filter documents and what had to be said about them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Export {
    pub text: String,
    pub warnings: Vec<String>,
}

/// The CloudTrail field a finding field is read from, when it has no
/// fallback (see the module docs for the two that do).
fn cloudtrail_field(f: Field) -> &'static str {
    match f {
        Field::ActorArn => "userIdentity.arn",
        Field::ActorType => "userIdentity.type",
        Field::TargetUser => "requestParameters.userName",
        Field::Src => "sourceIPAddress",
        Field::UserAgent => "userAgent",
        Field::Account => "userIdentity.accountId",
        Field::Region => "awsRegion",
        Field::EventName => "eventName",
        Field::EventId => "eventID",
        Field::NewAccessKeyId => "responseElements.accessKey.accessKeyId",
        Field::CallerAccessKeyId => "userIdentity.accessKeyId",
    }
}

/// `s` as a Sigma value that matches it literally.
pub fn sigma_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        sigma_literal(c, &mut out);
    }
    out
}

/// The condition as a Sigma field modifier suffix and value, for `field`.
fn key_value(c: &Condition, field: &str) -> (String, String) {
    let cased = if c.field().case_insensitive() {
        ""
    } else {
        "|cased"
    };
    match c.kind() {
        MatchKind::Exact => (format!("{field}{cased}"), sigma_escape(c.value())),
        MatchKind::Glob => match c.glob().and_then(|g| g.sigma_wildcard()) {
            Some(w) => (format!("{field}{cased}"), w),
            None => (
                format!("{field}|re"),
                c.glob().map(|g| g.pcre()).unwrap_or_default(),
            ),
        },
        MatchKind::Cidr => (
            format!("{field}|cidr"),
            c.network()
                .map(|n| n.to_string())
                .unwrap_or_else(|| c.value().to_string()),
        ),
        MatchKind::Regex => (format!("{field}|re"), c.value().to_string()),
    }
}

fn selection(pairs: &[(String, Value)]) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(Value::String(k.clone()), v.clone());
    }
    Value::Mapping(m)
}

/// Adds the selections for condition `i` to `detection` and returns the
/// condition expression that holds when it does.
fn condition(c: &Condition, i: usize, detection: &mut Vec<(String, Value)>) -> String {
    let name = format!("c{}_{}", i + 1, c.field().name());
    let s = |k: String, v: String| (k, Value::String(v));
    match c.field() {
        Field::ActorArn => {
            let (k, v) = key_value(c, "userIdentity.arn");
            detection.push((name.clone(), selection(&[s(k, v)])));
            let (k, v) = key_value(c, "requestParameters.roleArn");
            detection.push((
                format!("{name}_role"),
                selection(&[
                    ("userIdentity.arn|exists".into(), Value::Bool(false)),
                    s(k, v),
                ]),
            ));
            format!("({name} or {name}_role)")
        }
        Field::Account => {
            let (k, v) = key_value(c, "recipientAccountId");
            let types = Value::Sequence(vec![
                Value::String("AWSAccount".into()),
                Value::String("AWSService".into()),
            ]);
            detection.push((
                format!("{name}_service"),
                selection(&[("userIdentity.type|cased".into(), types.clone()), s(k, v)]),
            ));
            detection.push((
                format!("{name}_service_caller"),
                selection(&[("userIdentity.type|cased".into(), types)]),
            ));
            let (k, v) = key_value(c, "userIdentity.accountId");
            detection.push((name.clone(), selection(&[s(k, v)])));
            format!("({name}_service or ({name} and not {name}_service_caller))")
        }
        f => {
            let (k, v) = key_value(c, cloudtrail_field(f));
            detection.push((name.clone(), selection(&[s(k, v)])));
            name
        }
    }
}

/// A stable UUID for an entry (Sigma ids are UUIDs): version 8 over the
/// entry id's xxh3-128, so exporting again gives the same id.
fn filter_id(entry_id: &str) -> String {
    let mut b = xxhash_rust::xxh3::xxh3_128(entry_id.as_bytes()).to_be_bytes();
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `expr` with the search identifier `from` (a whole word) renamed `to`.
fn rename_identifier(expr: &str, from: &str, to: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(if word == from { to } else { word });
        word.clear();
    };
    for ch in expr.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// One filter document for `e`, whose rules are `rule_ids`.
pub fn filter(e: &Entry, rule_ids: &[String]) -> Result<String, yaml_serde::Error> {
    let mut detection = Vec::new();
    let mut exprs: Vec<String> = e
        .conditions
        .iter()
        .filter(|c| c.enabled())
        .enumerate()
        .map(|(i, c)| condition(c, i, &mut detection))
        .collect();
    // The filters specification makes `filter.selection` mandatory (its
    // JSON schema requires it): the first selection takes that name.
    if let Some((first, _)) = detection.first_mut() {
        exprs = exprs
            .iter()
            .map(|x| rename_identifier(x, first, "selection"))
            .collect();
        *first = "selection".into();
    }
    let mut f = Mapping::new();
    f.insert(
        "rules".into(),
        Value::Sequence(rule_ids.iter().map(|r| Value::String(r.clone())).collect()),
    );
    for (k, v) in detection {
        f.insert(Value::String(k), v);
    }
    // A filter's condition says what to keep: everything the entry does not match.
    f.insert(
        "condition".into(),
        Value::String(format!("not ({})", exprs.join(" and "))),
    );
    let mut doc = Mapping::new();
    doc.insert(
        "title".into(),
        Value::String(format!("trailhunt allowlist entry {}", e.id)),
    );
    doc.insert("id".into(), Value::String(filter_id(&e.id)));
    doc.insert("description".into(), Value::String(e.reason.clone()));
    if let Some(a) = &e.author {
        doc.insert("author".into(), Value::String(a.clone()));
    }
    if let Some(t) = e.created {
        doc.insert(
            "date".into(),
            Value::String(t.format("%Y-%m-%d").to_string()),
        );
    }
    let mut logsource = Mapping::new();
    logsource.insert("product".into(), "aws".into());
    logsource.insert("service".into(), "cloudtrail".into());
    doc.insert("logsource".into(), Value::Mapping(logsource));
    doc.insert("filter".into(), Value::Mapping(f));
    // Custom attributes: which entry this is and until when it holds
    // (Sigma filters have no expiry of their own).
    doc.insert("trailhunt_entry".into(), Value::String(e.id.clone()));
    if let Some(t) = e.expires {
        doc.insert("trailhunt_expires".into(), Value::String(format_time(t)));
    }
    yaml_serde::to_string(&Value::Mapping(doc))
}

/// Every active entry of `list` as a Sigma filter document. An entry for
/// all rules names every rule in `rules`.
pub fn export(list: &Allowlist, rules: &RuleSet, now: DateTime<Utc>) -> Export {
    let mut out = Export::default();
    let mut docs = Vec::new();
    for e in &list.entries {
        if e.state(now) != EntryState::Active {
            continue;
        }
        // `not ()` is no Sigma condition, and such an entry suppresses
        // nothing in trailhunt either.
        if !e.conditions.iter().any(|c| c.enabled()) {
            out.warnings.push(format!(
                "entry {}: not exported: it has no enabled condition, so it suppresses nothing",
                e.id
            ));
            continue;
        }
        let ids: Vec<String> = match &e.rules {
            RuleScope::All => rules.rules.iter().map(|r| r.rule.id.clone()).collect(),
            RuleScope::Ids(ids) => ids.clone(),
        };
        match filter(e, &ids) {
            Ok(y) => {
                let mut head = format!(
                    "# {}: {}",
                    escape(&e.id),
                    escape(&e.reason).replace(['\r', '\n'], " ")
                );
                if let Some(t) = e.expires {
                    head.push_str(&format!(
                        "\n# expires {}: export again after that (Sigma filters do not expire)",
                        format_time(t)
                    ));
                }
                if e.rules == RuleScope::All {
                    head.push_str("\n# applies to all rules: the rules loaded at export time");
                }
                docs.push(format!("{head}\n{y}"));
            }
            Err(err) => out
                .warnings
                .push(format!("entry {}: not exported: {err}", e.id)),
        }
    }
    out.text = docs
        .iter()
        .map(|d| format!("---\n{d}"))
        .collect::<Vec<_>>()
        .join("");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_escape_escapes_wildcards_and_backslashes_only() {
        assert_eq!(sigma_escape(r"a*b?c\d'e"), r"a\*b\?c\\d'e");
    }

    #[test]
    fn filter_ids_are_stable_uuids() {
        let id = filter_id("alice-for-deploy");
        assert_eq!(id, filter_id("alice-for-deploy"));
        assert_ne!(id, filter_id("alice-for-deploy-2"));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "8");
    }
}
