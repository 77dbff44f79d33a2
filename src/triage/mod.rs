//! Triage that lasts: the allowlist (what trailhunt has in place of the
//! seed's empty `aws_createaccesskey_filter` macro), statuses and notes.
//!
//! Start reading at [`allowlist::Allowlist::evaluate`], which says which
//! findings an allowlist suppresses, then [`file::AllowlistFile`], which
//! changes the file on disk without ever losing a change, and
//! [`store::TriageStore`] for statuses and notes. [`workspace::Workspace`]
//! says where both files live for a set of logs; [`splunk`] writes the
//! allowlist back as a Splunk macro and [`sigma`] as Sigma filter rules.
//!
//! Everything here is headless: the console calls these functions and draws
//! the results. Every save goes through [`persist`]: an advisory lock, a
//! fresh read of the file, the one change applied to what is on disk, an
//! atomic replace. A file that does not parse is never written.

pub mod allowlist;
pub mod editor;
pub mod expiry;
pub mod field;
pub mod file;
pub mod glob;
pub mod persist;
pub mod sigma;
pub mod splunk;
pub mod store;
pub mod workspace;

pub use allowlist::{
    Allowlist, Condition, Entry, EntryState, Evaluation, MatchKind, RuleScope, Suppression,
};
pub use field::Field;
pub use file::AllowlistFile;
pub use store::{Note, Status, TriageStore};
pub use workspace::{Workspace, WorkspacePaths};

use std::path::PathBuf;

/// Problems with triage files and entries.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// The cause is in the message and deliberately not a `source`: an
    /// error chain (`{:#}`) would otherwise say it twice.
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file does not parse or does not make sense; `line` is 1-based.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A change was refused because the file on disk does not parse.
    #[error("{}: not changed: the file does not parse ({reason}); fix it first (trailhunt never overwrites a file it cannot read)", path.display())]
    Refused { path: PathBuf, reason: String },
    /// An entry, condition or value that cannot be used.
    #[error("{0}")]
    Invalid(String),
    #[error("{}: no entry with id {id:?}", path.display())]
    NotFound { path: PathBuf, id: String },
    #[error("{}: an entry with id {id:?} already exists", path.display())]
    Duplicate { path: PathBuf, id: String },
    /// The file changed on disk while it was open in an editor.
    #[error("{}: changed by someone else while it was open in the editor; not overwritten, your version is kept at {}", path.display(), kept.display())]
    Conflict { path: PathBuf, kept: PathBuf },
    /// No workspace can be derived from the arguments.
    #[error("{0}")]
    NoWorkspace(String),
    /// A state file trailhunt will not read or write as it is: not a
    /// regular file, too large, read-only, a link to nothing.
    #[error("{}: {reason}", path.display())]
    Unusable { path: PathBuf, reason: String },
}

impl TriageError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> TriageError {
        TriageError::Io {
            path: path.to_path_buf(),
            error: source,
        }
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    // A span may start inside a multi-byte character; count on bytes.
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Turns a `toml` parse error into [`TriageError::Parse`] naming the line.
pub(crate) fn toml_error(path: &std::path::Path, text: &str, e: &toml::de::Error) -> TriageError {
    let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
    TriageError::Parse {
        path: path.to_path_buf(),
        line,
        message: e.message().trim().to_string(),
    }
}

/// What triage says about one finding, as `scan` reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FindingTriage {
    /// The entry that suppresses it, if one does.
    pub suppressed_by: Option<Suppression>,
    pub status: Status,
    pub notes: Vec<Note>,
}

/// One [`FindingTriage`] per finding, from an evaluation and (if readable)
/// the statuses and notes.
pub fn annotate(
    findings: &[crate::rules::Finding],
    evaluation: &Evaluation,
    store: Option<&TriageStore>,
) -> Vec<FindingTriage> {
    findings
        .iter()
        .enumerate()
        .map(|(i, f)| FindingTriage {
            suppressed_by: evaluation.suppressed.get(i).cloned().flatten(),
            status: store.map(|s| s.status(&f.key)).unwrap_or_default(),
            notes: store.map(|s| s.notes(&f.key).to_vec()).unwrap_or_default(),
        })
        .collect()
}

/// Who made a change when nobody says: the OS user name.
pub fn default_author() -> String {
    whoami::username()
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// A TOML basic string for `s`: quotes and backslashes escaped, control and
/// invisible formatting characters written as `\uXXXX`, so a hostile log
/// value copied into a file neither breaks it nor hides in it.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || crate::sanitize::is_dangerous(c) => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::rules::{Finding, Semantics};

    /// A finding like the seed's: alice creates a key for deploy.
    pub fn finding() -> Finding {
        Finding {
            rule: 0,
            rule_id: "2a9b80d3-6340-4345-11ad-212bf3d0d111".into(),
            semantics: Semantics::Strict,
            key: "2a9b80d3-6340-4345-11ad-212bf3d0d111/ev-1/0000abcd".into(),
            events: vec![0],
            count: 1,
            first_time: Some(1_790_000_000_000),
            last_time: Some(1_790_000_000_000),
            group: Vec::new(),
            event_id: Some("ev-1".into()),
            event_name: Some("CreateAccessKey".into()),
            actor_arn: Some("arn:aws:iam::111122223333:user/alice".into()),
            actor_type: Some("IAMUser".into()),
            target_user: Some("deploy".into()),
            src: Some("10.0.0.5".into()),
            user_agent: Some("aws-cli/2.15.30 Python/3.11".into()),
            account: Some("111122223333".into()),
            region: Some("us-east-1".into()),
            new_key: Some("AKIANEW".into()),
            caller_key: Some("AKIAOLD".into()),
            risk_score: 63.0,
            risk_message: String::new(),
            splunk_parity: true,
            why: Vec::new(),
            splunk_verdict: String::new(),
            roles: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_survive_hostile_values() {
        for s in [
            "plain",
            "q\"uote",
            "back\\slash",
            "new\nline",
            "esc\x1b[2J",
            "bidi\u{202e}x",
            "tab\t",
            "'single'",
        ] {
            let doc = format!("v = {}\n", toml_string(s));
            let v: toml::Table = toml::from_str(&doc).unwrap();
            assert_eq!(v["v"].as_str(), Some(s));
            assert!(!doc.contains('\x1b') && !doc.contains('\u{202e}'));
        }
    }

    #[test]
    fn an_io_error_is_said_once_in_the_full_chain() {
        let e = TriageError::io(
            std::path::Path::new("/ws/allowlist.toml"),
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        );
        let shown = format!("{:#}", anyhow::Error::from(e));
        assert_eq!(shown.matches("ermission denied").count(), 1, "{shown}");
        assert!(shown.starts_with("/ws/allowlist.toml: "), "{shown}");
    }

    #[test]
    fn line_of_counts_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
