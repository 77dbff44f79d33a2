//! Rule files: the data that says what a hunting rule looks at, how it
//! scores, and how each semantics evaluates it. One TOML file per rule.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One rule, as written in its TOML file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub status: String,
    pub description: String,
    pub impact: u32,
    pub confidence: u32,
    /// Risk message; `$field$` is replaced by the event's field.
    pub message: String,
    #[serde(default)]
    pub required_fields: Vec<String>,
    #[serde(default)]
    pub how_to_implement: String,
    #[serde(default)]
    pub known_false_positives: String,
    #[serde(default)]
    pub references: Vec<String>,
    /// The Splunk filter macro the allowlist stands in for.
    #[serde(default)]
    pub filter_macro: Option<String>,
    /// The original search text, shown to the analyst.
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub annotations: Annotations,
    pub splunk: SplunkDef,
    pub strict: StrictDef,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Annotations {
    #[serde(default)]
    pub mitre_attack: Vec<Technique>,
    #[serde(default)]
    pub kill_chain_phases: Vec<String>,
    #[serde(default)]
    pub nist: Vec<String>,
    #[serde(default)]
    pub cis20: Vec<String>,
    #[serde(default)]
    pub analytic_story: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Technique {
    pub id: String,
    pub technique: String,
    pub tactic: String,
}

impl Technique {
    /// `T1136.003 Cloud Account (Persistence)`, leaving out a part that is
    /// empty: a Sigma tag names only the id, and `T1098  (persistence)`
    /// with its double space reads as a missing value.
    pub fn label(&self) -> String {
        let mut s = self.id.clone();
        if !self.technique.is_empty() {
            s.push(' ');
            s.push_str(&self.technique);
        }
        if !self.tactic.is_empty() {
            s.push_str(&format!(" ({})", self.tactic));
        }
        s
    }
}

/// The rule as Splunk evaluates its SPL.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SplunkDef {
    /// Search terms, all of which must hold.
    #[serde(rename = "where")]
    pub terms: Vec<Term>,
    /// `| eval match=if(match(subject, pattern),1,0) | search match=0`.
    #[serde(default)]
    pub not_match: Option<NotMatch>,
    /// `| stats … by` fields: an event missing any is dropped.
    pub by: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub field: String,
    pub op: Op,
    pub value: String,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// `field = value`: present and equal, case-insensitively; `*` is a wildcard.
    Eq,
    /// `field != value`: present and not equal.
    Ne,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NotMatch {
    pub subject: String,
    pub pattern: String,
}

/// The rule's intent, evaluated by trailhunt's strict semantics.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StrictDef {
    pub event_names: Vec<String>,
    /// Fields naming the user acted on; the first present one wins.
    pub target: Vec<String>,
}

/// A rule file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    // The cause is in the message, so it is not also a `source` (an error
    // chain would print it twice).
    #[error("{path}: cannot read: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// A rule folder holds no rule file at all: a mistyped folder would
    /// otherwise look like a clean run.
    #[error("{}: no rule files (*.toml, *.yml, *.yaml) in this folder or below it", path.display())]
    NoRuleFiles { path: PathBuf },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// A rule folder held rule files and not one rule could be loaded.
    #[error("{}: no rule could be loaded:\n  {}", path.display(), problems.join("\n  "))]
    NoneLoaded {
        path: PathBuf,
        problems: Vec<String>,
    },
}

impl RuleError {
    /// This problem as a load error: file, line where known, reason.
    pub fn into_load_error(self) -> crate::event::LoadError {
        let (path, line, message) = match self {
            RuleError::Io { path, cause } => (path, None, format!("cannot read: {cause}")),
            RuleError::NoRuleFiles { path } => (
                path,
                None,
                "no rule files (*.toml, *.yml, *.yaml) in this folder or below it".into(),
            ),
            RuleError::Parse {
                path,
                line,
                message,
            } => (path, u32::try_from(line).ok(), message),
            RuleError::Invalid { path, message } => (path, None, message),
            RuleError::NoneLoaded { path, problems } => (path, None, problems.join("; ")),
        };
        crate::event::LoadError {
            path,
            line,
            offset: None,
            message,
            ends_early: false,
        }
    }
}

impl Rule {
    /// Parses and checks one rule file's text; `path` is for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Rule, RuleError> {
        let rule: Rule = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            RuleError::Parse {
                path: path.to_path_buf(),
                line,
                message: e.message().to_string(),
            }
        })?;
        rule.check().map_err(|message| RuleError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(rule)
    }

    fn check(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("id is empty".into());
        }
        if self.impact > 100 || self.confidence > 100 {
            return Err("impact and confidence are percentages (0-100)".into());
        }
        if self.splunk_event_names().is_empty() {
            return Err(
                "[splunk] where needs an `eventName` eq term naming the events it looks at".into(),
            );
        }
        if self.strict.event_names.is_empty() {
            return Err("[strict] event_names is empty".into());
        }
        if self.strict.target.is_empty() {
            return Err("[strict] target is empty".into());
        }
        if self.splunk.by.is_empty() {
            return Err("[splunk] by is empty".into());
        }
        Ok(())
    }

    /// Risk score = impact × confidence / 100, as Splunk computes it.
    pub fn risk_score(&self) -> f64 {
        self.impact as f64 * self.confidence as f64 / 100.0
    }

    /// The event names the Splunk search's `eventName = …` terms name.
    pub fn splunk_event_names(&self) -> Vec<&str> {
        self.splunk
            .terms
            .iter()
            .filter(|t| t.field == "eventName" && t.op == Op::Eq)
            .map(|t| t.value.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_line() {
        let err = Rule::parse("id = \"x\"\nname = \n", Path::new("r.toml")).unwrap_err();
        assert!(err.to_string().starts_with("r.toml:2:"), "{err}");
    }

    #[test]
    fn technique_label_leaves_out_what_is_empty() {
        let t = |id: &str, technique: &str, tactic: &str| Technique {
            id: id.into(),
            technique: technique.into(),
            tactic: tactic.into(),
        };
        assert_eq!(
            t("T1136.003", "Cloud Account", "Persistence").label(),
            "T1136.003 Cloud Account (Persistence)"
        );
        assert_eq!(t("T1098", "", "persistence").label(), "T1098 (persistence)");
        assert_eq!(t("T1098", "", "").label(), "T1098");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let text = crate::rules::BUILTIN[0]
            .1
            .replace("impact = 70", "impact = 70\nimpcat = 1");
        let err = Rule::parse(&text, Path::new("r.toml")).unwrap_err();
        assert!(err.to_string().contains("impcat"), "{err}");
    }
}
