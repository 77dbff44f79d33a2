//! The allowlist: entries that say which findings are known to be fine,
//! and why. It is what trailhunt has in place of the seed's empty
//! `aws_createaccesskey_filter` macro.
//!
//! An entry suppresses a finding when it is active (not disabled, not
//! expired), applies to the finding's rule, and every one of its enabled
//! conditions holds. A condition on a field the finding does not have never
//! holds, so a missing value is never taken as a match.

mod condition;
mod entry;

pub use condition::{Condition, MatchKind};
pub use entry::{Entry, EntryState, RuleScope, check_id};

use super::expiry::{parse_expiry, parse_time};
use super::field::Field;
use super::{TriageError, line_of, toml_error};
use crate::rules::Finding;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// The allowlist file format this trailhunt reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Which entry suppresses a finding, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// Index into [`Allowlist::entries`].
    pub entry: usize,
    pub id: String,
    pub reason: String,
}

/// What an allowlist does to a set of findings at one instant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// For each finding (same index), the first active entry that matches it.
    pub suppressed: Vec<Option<Suppression>>,
    /// For each entry (same index), the findings it matches while active,
    /// whether or not an earlier entry also matches them. Empty for expired
    /// and disabled entries.
    pub matches: Vec<Vec<usize>>,
}

impl Evaluation {
    /// How many findings entry `entry` suppresses (its hit count).
    pub fn hits(&self, entry: usize) -> usize {
        self.matches.get(entry).map_or(0, Vec::len)
    }

    /// How many findings are suppressed.
    pub fn suppressed_count(&self) -> usize {
        self.suppressed.iter().filter(|s| s.is_some()).count()
    }

    pub fn is_suppressed(&self, finding: usize) -> bool {
        self.suppressed.get(finding).is_some_and(Option::is_some)
    }
}

/// The allowlist: entries in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Allowlist {
    pub entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    schema_version: Option<toml::Spanned<i64>>,
    #[serde(default)]
    entry: Vec<toml::Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    rules: toml::Value,
    reason: String,
    author: Option<String>,
    created: Option<toml::Value>,
    expires: Option<toml::Value>,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    when: Vec<toml::Spanned<RawCondition>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    field: String,
    exact: Option<String>,
    glob: Option<String>,
    cidr: Option<String>,
    regex: Option<String>,
    enabled: Option<bool>,
}

/// A time in the file: a string, or a TOML date / date-time.
fn raw_time(v: &toml::Value) -> Result<String, String> {
    match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Datetime(d) => Ok(d.to_string()),
        other => Err(format!("expected a time, found {}", other.type_str())),
    }
}

impl RawCondition {
    fn build(self) -> Result<Condition, String> {
        let field = Field::parse(&self.field).ok_or_else(|| {
            let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            format!(
                "unknown field {:?}; fields: {}",
                self.field,
                names.join(", ")
            )
        })?;
        let given: Vec<(MatchKind, String)> = [
            (MatchKind::Exact, self.exact),
            (MatchKind::Glob, self.glob),
            (MatchKind::Cidr, self.cidr),
            (MatchKind::Regex, self.regex),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let [(kind, value)] = <[(MatchKind, String); 1]>::try_from(given).map_err(|_| {
            format!("condition on {field}: give exactly one of exact, glob, cidr, regex")
        })?;
        Ok(Condition::new(field, kind, &value)?.with_enabled(self.enabled.unwrap_or(true)))
    }
}

impl RawEntry {
    fn build(self, text: &str, path: &Path) -> Result<Entry, TriageError> {
        let bad = |message: String| TriageError::Invalid(message);
        let rules = match &self.rules {
            toml::Value::String(s) if s.eq_ignore_ascii_case("all") => RuleScope::All,
            toml::Value::Array(a) => RuleScope::Ids(
                a.iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        bad(format!(
                            "entry {:?}: rules must be \"all\" or a list of rule ids",
                            self.id
                        ))
                    })?,
            ),
            _ => {
                return Err(bad(format!(
                    "entry {:?}: rules must be \"all\" or a list of rule ids",
                    self.id
                )));
            }
        };
        let created = match &self.created {
            Some(v) => Some(
                raw_time(v)
                    .and_then(|s| parse_time(&s))
                    .map_err(|e| bad(format!("entry {:?}: created: {e}", self.id)))?,
            ),
            None => None,
        };
        let expires = match &self.expires {
            Some(v) => {
                let s =
                    raw_time(v).map_err(|e| bad(format!("entry {:?}: expires: {e}", self.id)))?;
                // A duration in the file counts from `created`, so it means
                // the same thing every time the file is read.
                let t = match (super::expiry::parse_duration(&s), created) {
                    (Some(_), None) => {
                        return Err(bad(format!(
                            "entry {:?}: expires {s:?} is relative but the entry has no created time",
                            self.id
                        )));
                    }
                    (Some(_), Some(c)) => parse_expiry(&s, c),
                    (None, _) => parse_time(&s),
                };
                Some(t.map_err(|e| bad(format!("entry {:?}: expires: {e}", self.id)))?)
            }
            None => None,
        };
        let mut conditions = Vec::new();
        for c in self.when {
            let line = line_of(text, c.span().start);
            conditions.push(
                c.into_inner()
                    .build()
                    .map_err(|message| TriageError::Parse {
                        path: path.to_path_buf(),
                        line,
                        message,
                    })?,
            );
        }
        Ok(Entry {
            id: self.id,
            rules,
            conditions,
            reason: self.reason,
            author: self.author,
            created,
            expires,
            disabled: self.disabled,
        })
    }
}

impl Allowlist {
    /// Reads an allowlist file's text; `path` is for messages. Every error
    /// names the file and the line.
    pub fn parse(text: &str, path: &Path) -> Result<Allowlist, TriageError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        let at = |offset: usize, message: String| TriageError::Parse {
            path: path.to_path_buf(),
            line: line_of(text, offset),
            message,
        };
        match &raw.schema_version {
            Some(v) if *v.get_ref() == SCHEMA_VERSION => {}
            Some(v) if *v.get_ref() > SCHEMA_VERSION => {
                return Err(at(
                    v.span().start,
                    format!(
                        "schema_version {} is newer than this trailhunt reads ({SCHEMA_VERSION}); upgrade trailhunt",
                        v.get_ref()
                    ),
                ));
            }
            Some(v) => {
                return Err(at(
                    v.span().start,
                    format!("schema_version {} is not valid", v.get_ref()),
                ));
            }
            // A file with nothing in it yet (`touch`, or comments only) is an empty allowlist.
            None if raw.entry.is_empty() => {}
            None => {
                return Err(at(
                    0,
                    format!("schema_version = {SCHEMA_VERSION} is missing"),
                ));
            }
        }
        let mut entries = Vec::with_capacity(raw.entry.len());
        let mut ids = HashSet::new();
        for e in raw.entry {
            let start = e.span().start;
            let entry = e.into_inner().build(text, path).map_err(|err| match err {
                TriageError::Invalid(m) => at(start, m),
                other => other,
            })?;
            entry.validate().map_err(|m| at(start, m))?;
            if !ids.insert(entry.id.to_ascii_lowercase()) {
                return Err(at(start, format!("duplicate id {:?}", entry.id)));
            }
            entries.push(entry);
        }
        Ok(Allowlist { entries })
    }

    /// The whole file for these entries, as trailhunt writes a new one.
    pub fn to_toml(&self) -> String {
        let mut s = format!(
            "# trailhunt allowlist: findings known to be fine. Format: README.md, \"Triage\".\nschema_version = {SCHEMA_VERSION}\n"
        );
        for e in &self.entries {
            s.push('\n');
            s.push_str(&e.to_toml());
        }
        s
    }

    /// The entry with `id` (ids compare ignoring case).
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.position(id).map(|i| &self.entries[i])
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.id.eq_ignore_ascii_case(id))
    }

    /// `base` if no entry has it, else `base-2`, `base-3`, …
    pub fn unique_id(&self, base: &str) -> String {
        if self.get(base).is_none() {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|c| self.get(c).is_none())
            .expect("some suffix is free")
    }

    /// [`Entry::draft_from_finding`] with an id no entry has yet.
    pub fn draft_from_finding(&self, f: &Finding, now: DateTime<Utc>) -> Entry {
        let mut e = Entry::draft_from_finding(f, now);
        e.id = self.unique_id(&e.id);
        e
    }

    /// Which findings (indices) `entry` would suppress, whatever its state:
    /// what the console shows before a draft is saved.
    pub fn preview(entry: &Entry, findings: &[Finding]) -> Vec<usize> {
        findings
            .iter()
            .enumerate()
            .filter(|(_, f)| entry.matches(f))
            .map(|(i, _)| i)
            .collect()
    }

    /// What the allowlist does to `findings` at `now`.
    pub fn evaluate(&self, findings: &[Finding], now: DateTime<Utc>) -> Evaluation {
        let active: Vec<bool> = self
            .entries
            .iter()
            .map(|e| e.state(now) == EntryState::Active)
            .collect();
        let mut ev = Evaluation {
            suppressed: vec![None; findings.len()],
            matches: vec![Vec::new(); self.entries.len()],
        };
        for (fi, f) in findings.iter().enumerate() {
            for (ei, e) in self.entries.iter().enumerate() {
                if active[ei] && e.matches(f) {
                    ev.matches[ei].push(fi);
                    if ev.suppressed[fi].is_none() {
                        ev.suppressed[fi] = Some(Suppression {
                            entry: ei,
                            id: e.id.clone(),
                            reason: e.reason.clone(),
                        });
                    }
                }
            }
        }
        ev
    }

    /// How many entries are in each state at `now`: (active, expired, disabled).
    pub fn state_counts(&self, now: DateTime<Utc>) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for e in &self.entries {
            match e.state(now) {
                EntryState::Active => c.0 += 1,
                EntryState::Expired => c.1 += 1,
                EntryState::Disabled => c.2 += 1,
            }
        }
        c
    }
}

/// What the unit tests of this module and of its files build entries from.
#[cfg(test)]
mod fixtures {
    use super::*;

    pub(super) fn now() -> DateTime<Utc> {
        parse_time("2026-11-01T00:00:00Z").unwrap()
    }

    pub(super) fn entry(conds: Vec<Condition>) -> Entry {
        Entry {
            id: "e1".into(),
            rules: RuleScope::All,
            conditions: conds,
            reason: "known".into(),
            author: Some("me".into()),
            created: Some(now()),
            expires: None,
            disabled: false,
        }
    }

    pub(super) fn cond(field: Field, kind: MatchKind, v: &str) -> Condition {
        Condition::new(field, kind, v).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{cond, entry, now};
    use super::*;
    use crate::triage::testutil::finding;

    #[test]
    fn evaluate_credits_the_first_active_entry_and_counts_every_match() {
        let f = finding();
        let mut g = finding();
        g.target_user = Some("other".into());
        let mut expired = entry(vec![cond(Field::TargetUser, MatchKind::Exact, "deploy")]);
        expired.id = "old".into();
        expired.expires = Some(now());
        let mut a = entry(vec![cond(Field::Account, MatchKind::Exact, "111122223333")]);
        a.id = "acct".into();
        let mut b = entry(vec![cond(Field::TargetUser, MatchKind::Glob, "dep*")]);
        b.id = "dep".into();
        let list = Allowlist {
            entries: vec![expired, a, b],
        };
        let ev = list.evaluate(&[f.clone(), g], now());
        assert_eq!(ev.suppressed[0].as_ref().unwrap().id, "acct");
        assert_eq!(ev.suppressed[1].as_ref().unwrap().id, "acct");
        assert_eq!((ev.hits(0), ev.hits(1), ev.hits(2)), (0, 2, 1));
        assert_eq!(ev.suppressed_count(), 2);
        assert_eq!(
            Allowlist::preview(&list.entries[0], &[f]),
            vec![0],
            "preview ignores state"
        );
    }

    #[test]
    fn parse_errors_name_the_line() {
        let text = "schema_version = 1\n\n[[entry]]\nid = \"a\"\nrules = \"all\"\nreason = \"r\"\nwhen = [\n  { field = \"nope\", exact = \"x\" },\n]\n";
        let e = Allowlist::parse(text, Path::new("al.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("al.toml:8:"), "{e}");
        assert!(e.contains("unknown field \"nope\""), "{e}");
        let e = Allowlist::parse("schema_version = 1\n[[entry]]\nid = \"a\"\nrules = \"all\"\nreason = \"\"\nwhen = [{ field = \"src\", exact = \"x\" }]\n", Path::new("al.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("al.toml:") && e.contains("reason is required"),
            "{e}"
        );
        let e = Allowlist::parse("schema_version = 1\nbogus = 2\n", Path::new("al.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("al.toml:2:"), "{e}");
    }

    #[test]
    fn newer_schema_is_refused_and_empty_file_is_empty() {
        let e = Allowlist::parse("schema_version = 2\n", Path::new("a"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("newer"), "{e}");
        assert_eq!(
            Allowlist::parse("# nothing yet\n", Path::new("a")).unwrap(),
            Allowlist::default()
        );
    }

    #[test]
    fn relative_expiry_in_the_file_counts_from_created_and_toml_dates_work() {
        let text = "schema_version = 1\n[[entry]]\nid = \"a\"\nrules = \"all\"\nreason = \"r\"\ncreated = 2026-11-01T00:00:00Z\nexpires = \"30d\"\nwhen = [{ field = \"src\", exact = \"x\" }]\n\n[[entry]]\nid = \"b\"\nrules = \"all\"\nreason = \"r\"\nexpires = 2026-12-31\nwhen = [{ field = \"src\", exact = \"x\" }]\n";
        let l = Allowlist::parse(text, Path::new("a")).unwrap();
        assert_eq!(
            l.entries[0].expires,
            Some(parse_time("2026-12-01T00:00:00Z").unwrap())
        );
        assert_eq!(
            l.entries[1].expires,
            Some(parse_time("2026-12-31T00:00:00Z").unwrap())
        );
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let one = "[[entry]]\nid = \"A\"\nrules = \"all\"\nreason = \"r\"\nwhen = [{ field = \"src\", exact = \"x\" }]\n";
        let text = format!("schema_version = 1\n{one}{}", one.replace("\"A\"", "\"a\""));
        let e = Allowlist::parse(&text, Path::new("a"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate id"), "{e}");
    }
}
