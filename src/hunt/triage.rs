//! Triage for a hunt: the workspace of the logs opened once, what the
//! allowlist suppresses and what the statuses say ([`Triage`], for `scan`),
//! and [`TriageFiles`], which alone changes the files on disk for the
//! console (its `update` returns an [`Op`]; the runtime performs it here and
//! sends the [`Reply`] back, so a saving error reaches the status line the
//! same way a success does).

use super::Config;
use crate::rules::Finding;
use crate::triage::editor::{EditOutcome, Editor};
use crate::triage::store::Record;
use crate::triage::{
    Allowlist, AllowlistFile, Entry, Evaluation, FindingTriage, Status, TriageError, TriageStore,
    Workspace, annotate,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::path::PathBuf;

/// Where `config`'s triage files are.
pub fn locate(config: &Config) -> Result<Workspace, TriageError> {
    Workspace::locate(&config.paths, &config.workspace)
}

/// A change to the triage files, for the runtime to carry out.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Set the status of these findings (by key).
    SetStatus { keys: Vec<String>, status: Status },
    /// Append a note to a finding.
    AddNote { key: String, text: String },
    /// Add an allowlist entry.
    AddEntry(Box<Entry>),
    /// Replace the entry with this id.
    ReplaceEntry { id: String, entry: Box<Entry> },
    /// Delete an entry.
    RemoveEntry(String),
    /// Put back an entry deleted from the console (its undo).
    RestoreEntry(Box<Entry>),
    /// Disable or re-enable an entry.
    SetDisabled { id: String, disabled: bool },
}

/// What the triage files hold now, as the console shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub allowlist: Allowlist,
    /// Why the allowlist file is not usable (it does not parse), with its line.
    pub allowlist_problem: Option<String>,
    pub allowlist_path: Option<PathBuf>,
    pub records: HashMap<String, Record>,
    /// Why the statuses file is not usable.
    pub store_problem: Option<String>,
}

/// The answer to an [`Op`] or an edit: the files as they are afterwards and
/// what to tell the user.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub snapshot: Snapshot,
    /// `Ok(message)` or `Err(problem)`; both go to the status line.
    pub outcome: Result<String, String>,
}

/// The allowlist and statuses files of one workspace.
#[derive(Debug)]
pub struct TriageFiles {
    pub allowlist: AllowlistFile,
    pub store: Option<TriageStore>,
}

impl TriageFiles {
    /// Opens the workspace of `config`'s logs (or the one its workspace
    /// paths name). Files that do not exist yet are created on the first save.
    pub fn open(config: &Config) -> Result<TriageFiles, String> {
        let ws = locate(config).map_err(|e| e.to_string())?;
        Ok(TriageFiles {
            allowlist: AllowlistFile::open(&ws.allowlist),
            store: ws.triage.as_deref().map(TriageStore::open),
        })
    }

    /// What the files hold now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            allowlist: self.allowlist.list().clone(),
            allowlist_problem: self.allowlist.problem().map(|e| e.to_string()),
            allowlist_path: Some(self.allowlist.path().to_path_buf()),
            records: self
                .store
                .as_ref()
                .map(|s| {
                    s.records()
                        .map(|(k, r)| (k.to_string(), r.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            store_problem: self
                .store
                .as_ref()
                .and_then(|s| s.problem().map(|e| e.to_string())),
        }
    }

    /// Carries out `op` and says how it went.
    pub fn perform(&mut self, op: Op) -> Reply {
        let outcome = self.apply(op);
        Reply {
            snapshot: self.snapshot(),
            outcome,
        }
    }

    fn apply(&mut self, op: Op) -> Result<String, String> {
        let err = |e: crate::triage::TriageError| e.to_string();
        match op {
            Op::SetStatus { keys, status } => {
                let store = self.store.as_mut().ok_or(NO_STORE)?;
                store.set_status(&keys, status).map_err(err)?;
                let n = keys.len();
                Ok(format!(
                    "{n} finding{} set to {}",
                    if n == 1 { "" } else { "s" },
                    status.label()
                ))
            }
            Op::AddNote { key, text } => {
                let store = self.store.as_mut().ok_or(NO_STORE)?;
                store.add_note(&key, &text).map_err(err)?;
                Ok("note added".into())
            }
            Op::AddEntry(entry) => {
                let id = entry.id.clone();
                self.allowlist.add(*entry).map_err(err)?;
                Ok(format!(
                    "allowlist entry {id} saved to {}",
                    self.allowlist.path().display()
                ))
            }
            Op::ReplaceEntry { id, entry } => {
                self.allowlist.replace(&id, *entry).map_err(err)?;
                Ok(format!("allowlist entry {id} saved"))
            }
            Op::RemoveEntry(id) => {
                self.allowlist.remove(&id).map_err(err)?;
                Ok(format!("allowlist entry {id} deleted"))
            }
            Op::RestoreEntry(entry) => {
                let id = entry.id.clone();
                self.allowlist.add(*entry).map_err(err)?;
                Ok(format!("allowlist entry {id} restored"))
            }
            Op::SetDisabled { id, disabled } => {
                self.allowlist.set_disabled(&id, disabled).map_err(err)?;
                let what = if disabled { "disabled" } else { "enabled" };
                Ok(format!("allowlist entry {id} {what}"))
            }
        }
    }

    /// Opens the allowlist in `editor` and reloads it. The caller has left
    /// the terminal's console mode around this call.
    pub fn edit(&mut self, editor: &Editor) -> Reply {
        let outcome = match self.allowlist.edit_in_editor(editor) {
            Ok(EditOutcome::Saved) => Ok("allowlist saved and reloaded".to_string()),
            Ok(EditOutcome::Unchanged) => Ok("allowlist unchanged".into()),
            Ok(EditOutcome::Cancelled) => Ok("edit cancelled; allowlist unchanged".into()),
            Ok(EditOutcome::Invalid { error, kept }) => Err(format!(
                "{error}; the file is left untouched, your edit is kept at {}",
                kept.display()
            )),
            Ok(EditOutcome::Conflict { kept }) => Err(format!(
                "the allowlist changed on disk while you edited it; not overwritten, your edit is kept at {}",
                kept.display()
            )),
            Err(e) => Err(e.to_string()),
        };
        let _ = self.allowlist.reload();
        Reply {
            snapshot: self.snapshot(),
            outcome,
        }
    }
}

const NO_STORE: &str =
    "no workspace for statuses and notes: give --workspace DIR or the paths of the logs";

/// What `scan` takes from triage: the workspace, what the allowlist
/// suppresses, each finding's status and notes, and lines for stderr.
#[derive(Debug)]
pub struct Triage {
    /// `None` when there is no home directory and no flag says where.
    pub workspace: Option<Workspace>,
    pub allowlist: Allowlist,
    pub evaluation: Evaluation,
    /// One per finding, same order.
    pub annotations: Vec<FindingTriage>,
    /// What to tell the user on stderr (not sanitised yet).
    pub messages: Vec<String>,
}

impl Triage {
    /// Findings not suppressed: what the exit status counts.
    pub fn unsuppressed(&self) -> usize {
        self.annotations
            .iter()
            .filter(|a| a.suppressed_by.is_none())
            .count()
    }

    /// The findings to list and their annotations: all with
    /// `show_suppressed`, else only those not suppressed.
    pub fn visible<'f>(
        &self,
        findings: &'f [Finding],
        show_suppressed: bool,
    ) -> (std::borrow::Cow<'f, [Finding]>, Vec<FindingTriage>) {
        let shown = |a: &FindingTriage| show_suppressed || a.suppressed_by.is_none();
        // Nothing hidden (the usual case): the findings as they are, not a
        // copy of each — a large hunt has hundreds of thousands.
        if self.annotations.iter().all(shown) && self.annotations.len() == findings.len() {
            return (findings.into(), self.annotations.clone());
        }
        let (kept, notes): (Vec<Finding>, Vec<FindingTriage>) = findings
            .iter()
            .zip(&self.annotations)
            .filter(|(_, a)| shown(a))
            .map(|(f, a)| (f.clone(), a.clone()))
            .unzip();
        (kept.into(), notes)
    }
}

/// Reads the allowlist and statuses for `scan`. An allowlist that does not
/// parse is an error (the exit status would otherwise be wrong); a triage
/// file that does not parse is a warning (statuses only annotate).
pub fn for_scan(
    config: &Config,
    findings: &[Finding],
    now: DateTime<Utc>,
) -> Result<Triage, TriageError> {
    let workspace = match locate(config) {
        Ok(w) => w,
        // No home directory and no flag: scanning must still work, untriaged.
        Err(TriageError::NoWorkspace(why)) => {
            let evaluation = Allowlist::default().evaluate(findings, now);
            return Ok(Triage {
                workspace: None,
                allowlist: Allowlist::default(),
                annotations: annotate(findings, &evaluation, None),
                evaluation,
                messages: vec![format!("warning: no allowlist or statuses: {why}")],
            });
        }
        Err(e) => return Err(e),
    };
    let allowlist = AllowlistFile::load(&workspace.allowlist)?;
    let mut messages = workspace.describe();
    let store = match &workspace.triage {
        Some(p) => match TriageStore::load(p) {
            Ok(s) => Some(s),
            Err(e) => {
                messages.push(format!("warning: statuses and notes not shown: {e}"));
                None
            }
        },
        None => None,
    };
    let list = allowlist.list().clone();
    let evaluation = list.evaluate(findings, now);
    let (active, expired, disabled) = list.state_counts(now);
    messages.push(format!(
        "allowlist: {} entries ({active} active, {expired} expired, {disabled} disabled){}; {} of {} findings suppressed{}",
        list.entries.len(),
        if allowlist.exists() { "" } else { ", file not created yet" },
        evaluation.suppressed_count(),
        findings.len(),
        if config.show_suppressed || evaluation.suppressed_count() == 0 { "" } else { " (--show-suppressed lists them)" },
    ));
    let annotations = annotate(findings, &evaluation, store.as_ref());
    Ok(Triage {
        workspace: Some(workspace),
        allowlist: list,
        evaluation,
        annotations,
        messages,
    })
}
