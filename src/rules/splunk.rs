//! `--semantics splunk`: the seed's SPL as Splunk evaluates it.
//!
//! - Search terms compare field values case-insensitively; `!=` needs the
//!   field to be present.
//! - Field names resolve through the Splunk Add-on for AWS aliases
//!   ([`crate::event::fields::get`]), so `errorCode = success` holds when
//!   errorCode is absent.
//! - The seed's eval names its fields unquoted. Splunk's eval documentation
//!   requires single quotes around a field name holding anything but
//!   letters, digits and `_`, and `.` is eval's concatenation operator, so
//!   [`EvalNames::AsWritten`] reads `userIdentity.userName` as
//!   `userIdentity . userName`: absent fields, a null concatenation, a null
//!   `match()`, `match=0` — the step keeps every event.
//!   [`EvalNames::Quoted`] reads them as the fields the authors meant:
//! - `match(subject, pattern)` is an unanchored, case-sensitive PCRE search
//!   with the *value* of `pattern` as the regular expression; it is null —
//!   so `match=0` and the event is kept — when either field is missing or
//!   the pattern does not compile.
//! - `stats … by` drops events missing any by-field and merges the rest by
//!   their by-values.

use super::rule::{Op, Rule};
use crate::event::fields::get;
use pcre2::bytes::{Regex, RegexBuilder};
use serde_json::Value;
use std::collections::HashMap;

/// What the search does with one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Returned, in the stats row with these by-values.
    Returned { by: Vec<String>, why: Vec<String> },
    /// Filtered out, and by which step.
    Excluded(String),
}

/// Compiled patterns, by pattern text; `None` for a pattern PCRE rejects.
#[derive(Default)]
pub struct RegexCache {
    map: HashMap<String, Option<Regex>>,
}

impl RegexCache {
    /// `match(subject, pattern)`: `None` is Splunk's null.
    pub fn is_match(&mut self, subject: &str, pattern: &str) -> Option<bool> {
        let re = self.map.entry(pattern.to_string()).or_insert_with(|| {
            RegexBuilder::new()
                .utf(true)
                .jit_if_available(true)
                .build(pattern)
                .ok()
        });
        // A match error (such as PCRE's backtracking limit) is null too.
        re.as_ref()?.is_match(subject.as_bytes()).ok()
    }
}

/// Splunk's case-insensitive field=value comparison, with `*` wildcards.
pub fn term_eq(value: &str, pattern: &str) -> bool {
    if !pattern.contains('*') {
        return value.to_lowercase() == pattern.to_lowercase();
    }
    let v: Vec<char> = value.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    // Iterative glob with backtracking to the last `*`.
    let (mut vi, mut pi, mut star, mut mark) = (0, 0, None, 0);
    while vi < v.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == v[vi] {
            vi += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn show(v: Option<&str>) -> String {
    match v {
        // Plain quotes: the value is escaped once, where it is shown.
        Some(s) => format!("\"{s}\""),
        None => "absent".into(),
    }
}

/// How the eval's unquoted dotted names are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalNames {
    /// As Splunk's eval grammar reads them: `a.b` is `a . b`, a
    /// concatenation — null, as no event has a top-level `userIdentity` or
    /// `requestParameters` field (they are objects, flattened to `a.b` leaves).
    AsWritten,
    /// As if single-quoted: field names.
    Quoted,
}

/// Evaluates the rule's search on one event.
pub fn evaluate(rule: &Rule, event: &Value, regexes: &mut RegexCache, names: EvalNames) -> Verdict {
    let mut why = Vec::new();
    for t in &rule.splunk.terms {
        let v = get(event, &t.field);
        let ok = match (t.op, v.as_deref()) {
            (Op::Eq, Some(v)) => term_eq(v, &t.value),
            (Op::Ne, Some(v)) => !term_eq(v, &t.value),
            (_, None) => false,
        };
        let op = if t.op == Op::Eq { "=" } else { "!=" };
        if !ok {
            return Verdict::Excluded(format!(
                "search term {} {op} {} fails ({} is {})",
                t.field,
                t.value,
                t.field,
                show(v.as_deref())
            ));
        }
        why.push(format!(
            "{} {op} {} (is {})",
            t.field,
            t.value,
            show(v.as_deref())
        ));
    }
    if let (Some(nm), EvalNames::AsWritten) = (&rule.splunk.not_match, names)
        && (nm.subject.contains('.') || nm.pattern.contains('.'))
    {
        why.push(format!(
            "match({}, {}) is null, so match=0: unquoted in eval, `.` concatenates absent fields",
            nm.subject, nm.pattern
        ));
    } else if let Some(nm) = &rule.splunk.not_match {
        let subject = get(event, &nm.subject);
        let pattern = get(event, &nm.pattern);
        let m = match (subject.as_deref(), pattern.as_deref()) {
            (Some(s), Some(p)) => regexes.is_match(s, p),
            _ => None,
        };
        let desc = format!(
            "match({}, {}) with subject {} and pattern {}",
            nm.subject,
            nm.pattern,
            show(subject.as_deref()),
            show(pattern.as_deref())
        );
        match m {
            Some(true) => return Verdict::Excluded(format!("{desc} is 1 (the regex matches)")),
            Some(false) => why.push(format!("{desc} is 0 (no match)")),
            None => why.push(format!(
                "{desc} is null, so match=0 (missing field or invalid PCRE)"
            )),
        }
    }
    let mut by = Vec::with_capacity(rule.splunk.by.len());
    for f in &rule.splunk.by {
        match get(event, f) {
            Some(v) => by.push(v.into_owned()),
            None => return Verdict::Excluded(format!("dropped by stats: by-field {f} is absent")),
        }
    }
    why.push("every stats by-field is present".into());
    Verdict::Returned { by, why }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_case() {
        assert!(term_eq("CreateAccessKey", "createaccesskey"));
        assert!(term_eq("aws-cli/2.0", "AWS-CLI*"));
        assert!(term_eq("abc", "a*c"));
        assert!(!term_eq("abd", "a*c"));
        assert!(term_eq("", "*"));
    }

    #[test]
    fn pcre_semantics() {
        let mut r = RegexCache::default();
        // Unanchored search: "jack" is found in "jackson".
        assert_eq!(r.is_match("jackson", "jack"), Some(true));
        // Case-sensitive.
        assert_eq!(r.is_match("Bob", "bob"), Some(false));
        // `.` is a metacharacter: "a.b" matches "axb".
        assert_eq!(r.is_match("axb", "a.b"), Some(true));
        // Possessive quantifier: valid PCRE, rejected by Rust's regex crate.
        assert_eq!(r.is_match("admin", "adm++"), Some(true));
        assert_eq!(r.is_match("ad", "adm++"), Some(false));
        // An invalid pattern is null.
        assert_eq!(r.is_match("x", "a(b"), None);
    }
}
