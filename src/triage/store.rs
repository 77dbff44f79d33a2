//! Statuses and notes of findings, kept in the workspace's `triage.toml`.
//!
//! Keyed by [`crate::rules::Finding::key`] (rule, eventID, group hash), so a
//! decision follows the finding across restarts and re-scans of the same
//! logs. Every change is made under the lock on the file as it is on disk,
//! so two instances marking different findings both keep their work; when
//! both set the status of the same finding, the later one wins, and notes
//! are only ever appended.

use super::expiry::format_time;
use super::{TriageError, persist, toml_error};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The triage file format this trailhunt reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Where a finding is in triage.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    New,
    Investigating,
    Escalated,
    FalsePositive,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Investigating,
        Status::Escalated,
        Status::FalsePositive,
        Status::Closed,
    ];

    /// The name in files, JSON and `status:` filters (`false_positive`).
    pub fn name(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Investigating => "investigating",
            Status::Escalated => "escalated",
            Status::FalsePositive => "false_positive",
            Status::Closed => "closed",
        }
    }

    /// The name for people (`false positive`).
    pub fn label(self) -> &'static str {
        match self {
            Status::FalsePositive => "false positive",
            s => s.name(),
        }
    }

    /// Reads a status as a person types it: the name, the label, with `-`
    /// for `_`, any case, or `fp`.
    pub fn parse(s: &str) -> Option<Status> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        if norm == "fp" {
            return Some(Status::FalsePositive);
        }
        Status::ALL.into_iter().find(|st| st.name() == norm)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

mod time_format {
    use super::super::expiry::{format_time, parse_time};
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_time(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let v = toml::Value::deserialize(d)?;
        let s = match v {
            toml::Value::String(s) => s,
            toml::Value::Datetime(dt) => dt.to_string(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected a time, found {}",
                    other.type_str()
                )));
            }
        };
        parse_time(&s).map_err(serde::de::Error::custom)
    }

    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            #[derive(Deserialize)]
            struct W(#[serde(with = "super")] DateTime<Utc>);
            Option::<W>::deserialize(d).map(|o| o.map(|w| w.0))
        }
    }
}

/// A note on a finding, stamped with who wrote it and when (UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub by: String,
    #[serde(with = "time_format")]
    pub at: DateTime<Utc>,
    pub text: String,
}

/// The triage state of one finding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    #[serde(default)]
    pub status: Status,
    /// Who set the status last, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_by: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time_format::option"
    )]
    pub status_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TriageFile {
    schema_version: Option<i64>,
    #[serde(default)]
    findings: BTreeMap<String, Record>,
}

fn parse(text: &str, path: &Path) -> Result<BTreeMap<String, Record>, TriageError> {
    let f: TriageFile = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    let bad = |message: String| TriageError::Parse {
        path: path.to_path_buf(),
        line: 1,
        message,
    };
    match f.schema_version {
        Some(SCHEMA_VERSION) => {}
        Some(v) if v > SCHEMA_VERSION => {
            return Err(bad(format!(
                "schema_version {v} is newer than this trailhunt reads ({SCHEMA_VERSION}); upgrade trailhunt"
            )));
        }
        Some(v) => return Err(bad(format!("schema_version {v} is not valid"))),
        None if f.findings.is_empty() => {}
        None => return Err(bad(format!("schema_version = {SCHEMA_VERSION} is missing"))),
    }
    Ok(f.findings)
}

fn render(records: &BTreeMap<String, Record>) -> Result<String, TriageError> {
    let body = toml::to_string_pretty(&TriageFile {
        schema_version: Some(SCHEMA_VERSION),
        findings: records.clone(),
    })
    .map_err(|e| TriageError::Invalid(format!("cannot write the triage file: {e}")))?;
    Ok(format!(
        "# trailhunt triage: statuses and notes by finding key. Written by trailhunt;\n# hand edits are kept, comments are not.\n{body}"
    ))
}

/// Statuses and notes for one workspace.
#[derive(Debug)]
pub struct TriageStore {
    path: PathBuf,
    records: BTreeMap<String, Record>,
    problem: Option<TriageError>,
}

impl TriageStore {
    /// Opens `path` for the console: never fails. A missing file is empty;
    /// a file that does not parse leaves the store empty with
    /// [`TriageStore::problem`] set, and every change is refused.
    pub fn open(path: &Path) -> TriageStore {
        let mut s = TriageStore {
            path: path.to_path_buf(),
            records: BTreeMap::new(),
            problem: None,
        };
        let _ = s.reload();
        s
    }

    /// Opens `path`; a file that does not parse is an error.
    pub fn load(path: &Path) -> Result<TriageStore, TriageError> {
        let text = persist::read_optional(path)?;
        let records = parse(text.as_deref().unwrap_or(""), path)?;
        Ok(TriageStore {
            path: path.to_path_buf(),
            records,
            problem: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the file cannot be used, if it cannot (names the line).
    pub fn problem(&self) -> Option<&TriageError> {
        self.problem.as_ref()
    }

    /// Reads the file again; on failure keeps what was read last.
    pub fn reload(&mut self) -> Result<(), &TriageError> {
        match persist::read_optional(&self.path)
            .and_then(|t| parse(t.as_deref().unwrap_or(""), &self.path))
        {
            Ok(r) => {
                self.records = r;
                self.problem = None;
                Ok(())
            }
            Err(e) => {
                self.problem = Some(e);
                Err(self.problem.as_ref().expect("just set"))
            }
        }
    }

    pub fn record(&self, key: &str) -> Option<&Record> {
        self.records.get(key)
    }

    /// Every finding key with a record, in key order.
    pub fn records(&self) -> impl Iterator<Item = (&str, &Record)> {
        self.records.iter().map(|(k, r)| (k.as_str(), r))
    }

    /// The finding's status; `New` when nobody has set one.
    pub fn status(&self, key: &str) -> Status {
        self.records.get(key).map(|r| r.status).unwrap_or_default()
    }

    pub fn notes(&self, key: &str) -> &[Note] {
        self.records.get(key).map_or(&[], |r| r.notes.as_slice())
    }

    fn change(
        &mut self,
        op: impl FnOnce(&mut BTreeMap<String, Record>) -> Result<(), TriageError>,
    ) -> Result<(), TriageError> {
        let path = self.path.clone();
        let result = persist::with_lock(&path, || {
            let refused = |e: TriageError| TriageError::Refused {
                path: path.clone(),
                reason: e.to_string(),
            };
            let text = persist::read_optional(&path).map_err(|e| match e {
                TriageError::Parse { .. } => refused(e),
                e => e,
            })?;
            let mut records = parse(text.as_deref().unwrap_or(""), &path).map_err(refused)?;
            op(&mut records)?;
            persist::write_atomic(&path, render(&records)?.as_bytes())?;
            Ok(records)
        });
        match result {
            Ok(records) => {
                self.records = records;
                self.problem = None;
                Ok(())
            }
            Err(e) => {
                if matches!(e, TriageError::Refused { .. }) {
                    let _ = self.reload();
                }
                Err(e)
            }
        }
    }

    /// Sets the status of every finding in `keys`, as the OS user, now.
    pub fn set_status<K: AsRef<str>>(
        &mut self,
        keys: &[K],
        status: Status,
    ) -> Result<(), TriageError> {
        self.set_status_as(keys, status, &super::default_author(), Utc::now())
    }

    /// Sets the status of every finding in `keys`, as `who` at `at`.
    pub fn set_status_as<K: AsRef<str>>(
        &mut self,
        keys: &[K],
        status: Status,
        who: &str,
        at: DateTime<Utc>,
    ) -> Result<(), TriageError> {
        let at = at.trunc_subsecs(0);
        self.change(|records| {
            for k in keys {
                let r = records.entry(k.as_ref().to_string()).or_default();
                r.status = status;
                r.status_by = Some(who.to_string());
                r.status_at = Some(at);
            }
            Ok(())
        })
    }

    /// Appends a note to a finding, as the OS user, now.
    pub fn add_note(&mut self, key: &str, text: &str) -> Result<(), TriageError> {
        self.add_note_as(key, text, &super::default_author(), Utc::now())
    }

    /// Appends a note to a finding, as `who` at `at`. Empty notes are refused.
    pub fn add_note_as(
        &mut self,
        key: &str,
        text: &str,
        who: &str,
        at: DateTime<Utc>,
    ) -> Result<(), TriageError> {
        if text.trim().is_empty() {
            return Err(TriageError::Invalid("a note cannot be empty".into()));
        }
        let note = Note {
            by: who.to_string(),
            at: at.trunc_subsecs(0),
            text: text.to_string(),
        };
        self.change(|records| {
            records.entry(key.to_string()).or_default().notes.push(note);
            Ok(())
        })
    }
}

/// A note as one line for people: `2026-11-02T10:00:00Z alice: text`
/// (not sanitised: pass it through [`crate::sanitize::escape`]).
pub fn describe_note(n: &Note) -> String {
    format!("{} {}: {}", format_time(n.at), n.by, n.text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::expiry::parse_time;

    #[test]
    fn statuses_parse_as_people_type_them() {
        assert_eq!(Status::parse("False Positive"), Some(Status::FalsePositive));
        assert_eq!(Status::parse("false-positive"), Some(Status::FalsePositive));
        assert_eq!(Status::parse("fp"), Some(Status::FalsePositive));
        assert_eq!(Status::parse("CLOSED"), Some(Status::Closed));
        assert_eq!(Status::parse("done"), None);
    }

    #[test]
    fn statuses_and_notes_round_trip_with_who_and_when() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("triage.toml");
        let mut s = TriageStore::open(&p);
        let at = parse_time("2026-11-02T10:00:00Z").unwrap();
        let keys = ["r/e1/1", "r/e2/2"];
        s.set_status_as(&keys, Status::Investigating, "alice", at)
            .unwrap();
        s.add_note_as("r/e1/1", "called the owner\n\"quoted\" \\ back", "bob", at)
            .unwrap();
        let again = TriageStore::load(&p).unwrap();
        assert_eq!(again.status("r/e1/1"), Status::Investigating);
        assert_eq!(again.status("r/e2/2"), Status::Investigating);
        assert_eq!(again.status("r/none/0"), Status::New);
        assert_eq!(
            again.record("r/e1/1").unwrap().status_by.as_deref(),
            Some("alice")
        );
        assert_eq!(again.record("r/e1/1").unwrap().status_at, Some(at));
        assert_eq!(
            again.notes("r/e1/1"),
            &[Note {
                by: "bob".into(),
                at,
                text: "called the owner\n\"quoted\" \\ back".into()
            }]
        );
    }

    #[test]
    fn a_corrupt_file_is_reported_and_never_written() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("triage.toml");
        std::fs::write(&p, "schema_version = 1\n[findings.x]\nstatus = \"bogus\"\n").unwrap();
        let mut s = TriageStore::open(&p);
        let e = s.problem().unwrap().to_string();
        assert!(e.contains("triage.toml:3:"), "{e}");
        let e = s.set_status(&["y"], Status::Closed).unwrap_err();
        assert!(matches!(e, TriageError::Refused { .. }), "{e}");
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "schema_version = 1\n[findings.x]\nstatus = \"bogus\"\n"
        );
    }
}
