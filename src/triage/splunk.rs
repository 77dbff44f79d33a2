//! The allowlist back in Splunk: a `macros.conf` stanza per rule, named by
//! the rule's `filter_macro` (the seed's `aws_createaccesskey_filter`), whose
//! definition drops what the active entries suppress.
//!
//! The macro runs after the seed's `stats … by`, so only the by-fields
//! exist there; an entry with a condition on any other field is left out
//! (with a warning), which errs on the side of Splunk showing more.
//!
//! Each entry becomes either a search clause, when every condition can be a
//! case-insensitive search term (`user_arn="…"`, `*` as a wildcard), or a
//! `where` expression (`cidrmatch`, `match`, `==`), and the definition is
//! `search NOT (…) | where NOT (…)`. Every `where` condition is written so
//! it is never null (`if(isnull('f'), false(), …)`): a null inside `NOT`
//! would make `where` drop the event instead of keeping it.
//!
//! Escaping, inside out: a regex from a value quotes every ASCII punctuation
//! character and writes control characters as `\x{..}`; an SPL string
//! literal doubles backslashes and escapes `"`; no raw line break can reach
//! the file, and lines are continued with a trailing ` \` only between
//! clauses, never inside a string.

use super::allowlist::{Allowlist, Condition, Entry, EntryState, MatchKind};
use super::expiry::format_time;
use super::glob::pcre_quote;
use crate::rules::RuleSet;
use crate::rules::rule::Rule;
use crate::sanitize::escape;
use chrono::{DateTime, Utc};

/// A `macros.conf` text and what had to be left out of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Export {
    pub text: String,
    /// One line per entry or rule left out, with why.
    pub warnings: Vec<String>,
}

/// `s` as an SPL double-quoted string (search terms and eval literals).
pub fn spl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A field name as an eval expression reads it: `'requestParameters.userName'`.
fn eval_field(name: &str) -> String {
    format!("'{name}'")
}

/// Characters that cannot appear raw in an SPL literal or a conf line.
fn has_unprintable(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() || crate::sanitize::is_dangerous(c))
}

/// The condition as a search term, when Splunk's case-insensitive search
/// with `*` wildcards says exactly the same.
fn search_term(c: &Condition) -> Option<String> {
    let field = c.field();
    if !field.case_insensitive() || has_unprintable(c.value()) {
        return None;
    }
    let value = match c.kind() {
        MatchKind::Exact if !c.value().contains('*') => c.value().to_string(),
        MatchKind::Glob => c.glob()?.spl_wildcard()?,
        _ => return None,
    };
    Some(format!("{}={}", field.splunk_name(), spl_string(&value)))
}

/// The condition as a boolean eval expression that is never null.
fn where_expr(c: &Condition) -> String {
    let field = c.field();
    let f = eval_field(field.splunk_name());
    let ci = field.case_insensitive();
    let anchored = |v: &str| format!("{}\\A{}\\z", if ci { "(?i)" } else { "" }, pcre_quote(v));
    let test = match c.kind() {
        MatchKind::Exact if has_unprintable(c.value()) => {
            format!("match({f}, {})", spl_string(&anchored(c.value())))
        }
        MatchKind::Exact if ci => format!("lower({f})==lower({})", spl_string(c.value())),
        MatchKind::Exact => format!("{f}=={}", spl_string(c.value())),
        MatchKind::Glob => {
            let re = c
                .glob()
                .map(|g| g.pcre())
                .unwrap_or_else(|| anchored(c.value()));
            format!("match({f}, {})", spl_string(&re))
        }
        MatchKind::Cidr => {
            let net = c
                .network()
                .map(|n| n.to_string())
                .unwrap_or_else(|| c.value().to_string());
            format!("cidrmatch({}, {f})", spl_string(&net))
        }
        MatchKind::Regex => format!("match({f}, {})", spl_string(c.value())),
    };
    format!("if(isnull({f}), false(), {test})")
}

enum Clause {
    Search(String),
    Where(String),
}

/// The entry as one clause, or why it cannot be one for `rule`.
fn clause(e: &Entry, rule: &Rule) -> Result<Clause, String> {
    let conds: Vec<&Condition> = e.conditions.iter().filter(|c| c.enabled()).collect();
    if let Some(c) = conds
        .iter()
        .find(|c| !rule.splunk.by.iter().any(|b| b == c.field().splunk_name()))
    {
        return Err(format!(
            "condition on {} ({}) cannot be expressed: the macro runs after `stats … by`, which keeps only {}",
            c.field(),
            c.field().splunk_name(),
            rule.splunk.by.join(" ")
        ));
    }
    let terms: Option<Vec<String>> = conds.iter().map(|c| search_term(c)).collect();
    Ok(match terms {
        Some(t) => Clause::Search(format!("({})", t.join(" "))),
        None => Clause::Where(format!(
            "({})",
            conds
                .iter()
                .map(|c| where_expr(c))
                .collect::<Vec<_>>()
                .join(" AND ")
        )),
    })
}

fn valid_macro_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')' | ','))
}

/// One stanza for `rule` (which must have a `filter_macro`).
pub fn stanza(
    list: &Allowlist,
    rule: &Rule,
    now: DateTime<Utc>,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let name = rule.filter_macro.as_deref()?;
    if !valid_macro_name(name) {
        warnings.push(format!(
            "rule {}: filter_macro {:?} is not a valid macro name; skipped",
            rule.id, name
        ));
        return None;
    }
    let mut header = vec![format!(
        "# {} ({}): trailhunt allowlist entries active at {}",
        rule.name,
        rule.id,
        format_time(now)
    )];
    let mut search = Vec::new();
    let mut wheres = Vec::new();
    for e in &list.entries {
        if !e.rules.applies_to(&rule.id) || e.state(now) != EntryState::Active {
            continue;
        }
        match clause(e, rule) {
            Ok(c) => {
                let until = e
                    .expires
                    .map(|t| format!(", until {}", format_time(t)))
                    .unwrap_or_default();
                let by = e
                    .author
                    .as_deref()
                    .map(|a| format!(" by {a}"))
                    .unwrap_or_default();
                header.push(escape(&format!("#   {}{by}{until}: {}", e.id, e.reason)).into_owned());
                match c {
                    Clause::Search(s) => search.push(s),
                    Clause::Where(w) => wheres.push(w),
                }
            }
            Err(why) => warnings.push(format!("entry {}: left out of [{name}]: {why}", e.id)),
        }
    }
    if search.is_empty() && wheres.is_empty() {
        header.push("#   (none: the macro passes everything, as Splunk ships it)".into());
    }
    if list.entries.iter().any(|e| {
        e.rules.applies_to(&rule.id) && e.state(now) == EntryState::Active && e.expires.is_some()
    }) {
        header.push("# Entries with an expiry are not time-limited in Splunk: export again after they expire.".into());
    }
    let mut parts = Vec::new();
    // `\` at the end of a line continues the value in .conf files; these
    // breaks are only ever between clauses, never inside a string.
    let block = |cmd: &str, clauses: &[String]| {
        let mut s = format!("{cmd} NOT ( \\\n");
        for (i, c) in clauses.iter().enumerate() {
            s.push_str(if i == 0 { "    " } else { "    OR " });
            s.push_str(c);
            s.push_str(" \\\n");
        }
        s.push_str("  )");
        s
    };
    if !search.is_empty() {
        parts.push(block("search", &search));
    }
    if !wheres.is_empty() {
        parts.push(block("where", &wheres));
    }
    let definition = if parts.is_empty() {
        "search *".to_string()
    } else {
        parts.join(" \\\n| ")
    };
    Some(format!(
        "{}\n[{name}]\ndefinition = {definition}\niseval = 0\n",
        header.join("\n")
    ))
}

/// Every stanza for the rules in `rules` that name a filter macro.
pub fn export(list: &Allowlist, rules: &RuleSet, now: DateTime<Utc>) -> Export {
    let mut out = Export::default();
    let mut stanzas = Vec::new();
    // Sigma rules have no macro by design; one line says so, not one per rule.
    let sigma = rules.rules.iter().filter(|r| r.sigma.is_some()).count();
    if sigma > 0 {
        out.warnings.push(format!(
            "{sigma} Sigma rules have no Splunk macro; use --sigma"
        ));
    }
    for lr in &rules.rules {
        if lr.sigma.is_some() {
            continue;
        }
        if lr.rule.filter_macro.is_none() {
            out.warnings.push(format!(
                "rule {} ({}) names no filter_macro; nothing to export",
                lr.rule.id, lr.rule.name
            ));
            continue;
        }
        if let Some(s) = stanza(list, &lr.rule, now, &mut out.warnings) {
            stanzas.push(s);
        }
    }
    out.text = stanzas.join("\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::allowlist::RuleScope;
    use crate::triage::expiry::parse_time;
    use crate::triage::field::Field;

    fn rule() -> Rule {
        crate::rules::RuleSet::builtin().rules[0].rule.clone()
    }

    fn entry(id: &str, conds: Vec<(Field, MatchKind, &str)>) -> Entry {
        Entry {
            id: id.into(),
            rules: RuleScope::All,
            conditions: conds
                .into_iter()
                .map(|(f, k, v)| Condition::new(f, k, v).unwrap())
                .collect(),
            reason: "ok".into(),
            author: None,
            created: None,
            expires: None,
            disabled: false,
        }
    }

    fn now() -> DateTime<Utc> {
        parse_time("2026-11-01T00:00:00Z").unwrap()
    }

    fn definition(list: &Allowlist) -> String {
        let s = stanza(list, &rule(), now(), &mut Vec::new()).unwrap();
        let start = s.find("definition = ").unwrap() + "definition = ".len();
        let end = s.find("\niseval").unwrap();
        s[start..end].to_string()
    }

    #[test]
    fn empty_allowlist_is_the_shipped_empty_macro() {
        assert_eq!(definition(&Allowlist::default()), "search *");
    }

    #[test]
    fn the_seed_pair_becomes_a_search_clause() {
        let list = Allowlist {
            entries: vec![entry(
                "a",
                vec![
                    (
                        Field::ActorArn,
                        MatchKind::Exact,
                        "arn:aws:iam::1:user/alice",
                    ),
                    (Field::TargetUser, MatchKind::Exact, "deploy"),
                ],
            )],
        };
        assert_eq!(
            definition(&list),
            "search NOT ( \\\n    (user_arn=\"arn:aws:iam::1:user/alice\" requestParameters.userName=\"deploy\") \\\n  )"
        );
    }

    #[test]
    fn cidr_regex_and_case_sensitive_fields_use_where() {
        let list = Allowlist {
            entries: vec![
                entry("net", vec![(Field::Src, MatchKind::Cidr, "10.0.0.7/24")]),
                entry(
                    "ua",
                    vec![(Field::UserAgent, MatchKind::Exact, "Boto3/1.0")],
                ),
                entry(
                    "re",
                    vec![(Field::TargetUser, MatchKind::Regex, "^svc-\\d+$")],
                ),
            ],
        };
        let d = definition(&list);
        assert!(d.starts_with("where NOT ( \\\n"), "{d}");
        assert!(
            d.contains("(if(isnull('src'), false(), cidrmatch(\"10.0.0.0/24\", 'src')))"),
            "{d}"
        );
        assert!(
            d.contains("OR (if(isnull('userAgent'), false(), 'userAgent'==\"Boto3/1.0\"))"),
            "{d}"
        );
        assert!(
            d.contains("match('requestParameters.userName', \"^svc-\\\\d+$\")"),
            "{d}"
        );
    }

    #[test]
    fn fields_missing_after_stats_leave_the_entry_out_with_a_warning() {
        let list = Allowlist {
            entries: vec![entry(
                "t",
                vec![(Field::ActorType, MatchKind::Exact, "Root")],
            )],
        };
        let mut w = Vec::new();
        let s = stanza(&list, &rule(), now(), &mut w).unwrap();
        assert!(s.contains("definition = search *"), "{s}");
        assert!(
            w[0].contains("actor_type") && w[0].contains("stats"),
            "{w:?}"
        );
    }

    #[test]
    fn inactive_entries_and_other_rules_are_not_exported() {
        let mut expired = entry("old", vec![(Field::TargetUser, MatchKind::Exact, "x")]);
        expired.expires = Some(now());
        let mut off = entry("off", vec![(Field::TargetUser, MatchKind::Exact, "y")]);
        off.disabled = true;
        let mut other = entry("other", vec![(Field::TargetUser, MatchKind::Exact, "z")]);
        other.rules = RuleScope::Ids(vec!["another-rule".into()]);
        assert_eq!(
            definition(&Allowlist {
                entries: vec![expired, off, other]
            }),
            "search *"
        );
    }

    #[test]
    fn spl_strings_escape_quotes_and_backslashes_only() {
        assert_eq!(spl_string(r#"a"b\c d|e*"#), r#""a\"b\\c d|e*""#);
    }
}
