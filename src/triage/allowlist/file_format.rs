//! The allowlist file: TOML with a `schema_version` and one `[[entry]]`
//! table per entry, each with its conditions in `when = [...]`. Reading
//! goes through serde into the `Raw*` shapes of the file, then builds and
//! checks the model ([`Allowlist::parse`]), so every error names the file
//! and the line; writing ([`Allowlist::to_toml`], [`Entry::to_toml`]) makes
//! the text trailhunt puts in a new file or appends for a new entry, every
//! value escaped by [`toml_string`]. Changing a file already on disk
//! without losing its comments is [`crate::triage::file`]'s job.

use super::{Allowlist, Condition, Entry, MatchKind, RuleScope, check_id};
use crate::triage::expiry::{format_time, parse_expiry, parse_time};
use crate::triage::field::Field;
use crate::triage::{TriageError, line_of, toml_error, toml_string};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;
use toml::Spanned;

/// The allowlist file format this trailhunt reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

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
    // Spans, so that an error names the line of the key that is wrong.
    id: Spanned<String>,
    rules: Spanned<toml::Value>,
    reason: Spanned<String>,
    author: Option<String>,
    created: Option<Spanned<toml::Value>>,
    expires: Option<Spanned<toml::Value>>,
    #[serde(default)]
    disabled: bool,
    when: Option<Spanned<Vec<Spanned<RawCondition>>>>,
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
    /// The entry, checked; every error names the line of the key at fault
    /// (`start` is the `[[entry]]` line, for what no key holds).
    fn build(self, text: &str, path: &Path, start: usize) -> Result<Entry, TriageError> {
        let at = |offset: usize, message: String| TriageError::Parse {
            path: path.to_path_buf(),
            line: line_of(text, offset),
            message,
        };
        let id = self.id.get_ref().clone();
        check_id(&id).map_err(|m| at(self.id.span().start, m))?;
        let rules_at = self.rules.span().start;
        let bad_rules = || {
            at(
                rules_at,
                format!("entry {id:?}: rules must be \"all\" or a list of rule ids"),
            )
        };
        let rules = match self.rules.get_ref() {
            toml::Value::String(s) if s.eq_ignore_ascii_case("all") => RuleScope::All,
            toml::Value::Array(a) => {
                let ids = a
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(bad_rules)?;
                if ids.is_empty() || ids.iter().any(|i| i.trim().is_empty()) {
                    return Err(bad_rules());
                }
                RuleScope::Ids(ids)
            }
            _ => return Err(bad_rules()),
        };
        if self.reason.get_ref().trim().is_empty() {
            return Err(at(
                self.reason.span().start,
                format!("entry {id:?}: a reason is required"),
            ));
        }
        let created = match &self.created {
            Some(v) => Some(
                raw_time(v.get_ref())
                    .and_then(|s| parse_time(&s))
                    .map_err(|e| at(v.span().start, format!("entry {id:?}: created: {e}")))?,
            ),
            None => None,
        };
        let expires = match &self.expires {
            Some(v) => {
                let bad = |e: String| at(v.span().start, format!("entry {id:?}: expires: {e}"));
                let s = raw_time(v.get_ref()).map_err(bad)?;
                // A duration in the file counts from `created`, so it means
                // the same thing every time the file is read.
                let t = match (crate::triage::expiry::parse_duration(&s), created) {
                    (Some(_), None) => {
                        return Err(bad(format!(
                            "{s:?} is relative but the entry has no created time"
                        )));
                    }
                    (Some(_), Some(c)) => parse_expiry(&s, c),
                    (None, _) => parse_time(&s),
                };
                Some(t.map_err(bad)?)
            }
            None => None,
        };
        let when_at = self.when.as_ref().map_or(start, |w| w.span().start);
        let mut conditions = Vec::new();
        for c in self.when.map(Spanned::into_inner).unwrap_or_default() {
            let offset = c.span().start;
            conditions.push(c.into_inner().build().map_err(|m| at(offset, m))?);
        }
        if !conditions.iter().any(Condition::enabled) {
            return Err(at(
                when_at,
                format!(
                    "entry {id:?}: at least one enabled condition is required (an entry never silences a whole rule)"
                ),
            ));
        }
        Ok(Entry {
            id,
            rules,
            conditions,
            reason: self.reason.into_inner(),
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
            let id_at = e.get_ref().id.span().start;
            let entry = e.into_inner().build(text, path, start)?;
            // What `build` checked by key; kept as the one definition.
            entry.validate().map_err(|m| at(start, m))?;
            if !ids.insert(entry.id.to_ascii_lowercase()) {
                return Err(at(id_at, format!("duplicate id {:?}", entry.id)));
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
}

impl Entry {
    /// The entry as a `[[entry]]` table in the file's format.
    pub fn to_toml(&self) -> String {
        let mut s = String::from("[[entry]]\n");
        s.push_str(&format!("id = {}\n", toml_string(&self.id)));
        match &self.rules {
            RuleScope::All => s.push_str("rules = \"all\"\n"),
            RuleScope::Ids(ids) => {
                let list: Vec<String> = ids.iter().map(|i| toml_string(i)).collect();
                s.push_str(&format!("rules = [{}]\n", list.join(", ")));
            }
        }
        s.push_str(&format!("reason = {}\n", toml_string(&self.reason)));
        if let Some(a) = &self.author {
            s.push_str(&format!("author = {}\n", toml_string(a)));
        }
        if let Some(c) = self.created {
            s.push_str(&format!("created = {}\n", toml_string(&format_time(c))));
        }
        if let Some(e) = self.expires {
            s.push_str(&format!("expires = {}\n", toml_string(&format_time(e))));
        }
        if self.disabled {
            s.push_str("disabled = true\n");
        }
        s.push_str("when = [\n");
        for c in &self.conditions {
            s.push_str(&format!("  {},\n", c.to_toml()));
        }
        s.push_str("]\n");
        s
    }
}

impl Condition {
    /// The condition as an inline table in an entry's `when = [...]`.
    fn to_toml(&self) -> String {
        let mut s = format!(
            "{{ field = {}, {} = {}",
            toml_string(self.field().name()),
            self.kind().name(),
            toml_string(self.value())
        );
        if !self.enabled() {
            s.push_str(", enabled = false");
        }
        s.push_str(" }");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn errors_name_the_line_of_the_bad_key_not_of_the_entry() {
        let head = "schema_version = 1\n\n[[entry]]\n";
        // Line 4 onwards: id, rules, reason, created, expires, when.
        let ok = [
            "id = \"a\"",
            "rules = \"all\"",
            "reason = \"r\"",
            "created = \"2026-11-01T00:00:00Z\"",
            "expires = \"2026-12-01\"",
            "when = [{ field = \"src\", exact = \"x\" }]",
        ];
        for (i, bad, says) in [
            (0, "id = \"bad id!\"", "id"),
            (1, "rules = 5", "rules"),
            (2, "reason = \"  \"", "reason is required"),
            (3, "created = \"yesterday-ish\"", "created"),
            (4, "expires = \"soon\"", "expires"),
            (
                5,
                "when = [{ field = \"src\", exact = \"x\", enabled = false }]",
                "enabled condition",
            ),
        ] {
            let mut lines = ok.to_vec();
            lines[i] = bad;
            let text = format!("{head}{}\n", lines.join("\n"));
            Allowlist::parse(&text.replace(bad, ok[i]), Path::new("al.toml")).unwrap();
            let e = Allowlist::parse(&text, Path::new("al.toml"))
                .unwrap_err()
                .to_string();
            let want = format!("al.toml:{}:", 4 + i);
            assert!(e.starts_with(&want) && e.contains(says), "{bad}: {e}");
        }
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
