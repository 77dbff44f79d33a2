//! Triage in the console: the state `update` keeps (a copy of the allowlist
//! and of the statuses, the marks, the suppress form) and [`TriageFiles`],
//! which the runtime owns and which alone touches the files on disk.
//!
//! `update` never writes a file: it returns an [`Op`] inside an effect; the
//! runtime (or [`super::headless`]) hands it to [`TriageFiles::perform`] and
//! sends the [`Reply`] back as a message, so a saving error reaches the
//! status line the same way a success does.

use crate::rules::Finding;
use crate::triage::editor::{EditOutcome, Editor};
use crate::triage::store::Record;
use crate::triage::{
    Allowlist, AllowlistFile, Entry, Evaluation, Status, TriageStore, Workspace, WorkspaceArgs,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

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
    /// Opens the workspace that `paths` and the `--workspace`/`--allowlist`
    /// flags name. Files that do not exist yet are created on the first save.
    pub fn open(paths: &[PathBuf], args: &WorkspaceArgs) -> Result<TriageFiles, String> {
        let ws = Workspace::locate(paths, args).map_err(|e| e.to_string())?;
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

/// The console's side of triage.
#[derive(Clone, Debug, Default)]
pub struct TriageState {
    /// The files as last read; `None` until the runtime sends them.
    pub snapshot: Snapshot,
    /// What the allowlist does to the loaded findings now.
    pub eval: Evaluation,
    /// Whether suppressed findings are listed (`h`).
    pub show_suppressed: bool,
    /// Findings marked with Space; statuses apply to them when there are any.
    pub marked: BTreeSet<u32>,
    /// Only list what this allowlist entry suppresses (from the allowlist screen).
    pub only_entry: Option<usize>,
    /// The allowlist screen's selection.
    pub cursor: super::cursor::Cursor,
    /// The suppress form, while it is open.
    pub form: Option<Form>,
    /// The note being typed, while the note line is open.
    pub note: Option<String>,
    /// The last message for the status line, and whether it is a problem.
    pub message: Option<(String, bool)>,
}

impl TriageState {
    /// The status of the finding with `key`.
    pub fn status(&self, key: &str) -> Status {
        self.snapshot
            .records
            .get(key)
            .map_or(Status::New, |r| r.status)
    }

    /// Counts (total, open, suppressed): open is neither closed nor a false
    /// positive nor suppressed.
    pub fn counts(&self, findings: &[Finding]) -> (usize, usize, usize) {
        let suppressed = self.eval.suppressed_count();
        let open = findings
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                !self.eval.is_suppressed(*i)
                    && !matches!(self.status(&f.key), Status::Closed | Status::FalsePositive)
            })
            .count();
        (findings.len(), open, suppressed)
    }
}

/// Which line of the suppress form has the focus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Condition(usize),
    Reason,
    Expires,
}

/// The suppress form: an entry drafted from a finding (or an entry being
/// edited), its conditions ticked on or off, a reason and an expiry.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub entry: Entry,
    /// The id of the entry being edited; `None` for a new one.
    pub replacing: Option<String>,
    pub focus: Focus,
    pub reason: String,
    pub expires: String,
    /// Findings (indices) the entry would suppress as it stands.
    pub preview: Vec<usize>,
    /// Why the last save was refused.
    pub error: Option<String>,
}

impl Form {
    /// A form for `entry`; `replacing` names the entry it edits.
    pub fn new(entry: Entry, replacing: Option<String>, findings: &[Finding]) -> Form {
        let expires = entry
            .expires
            .map(|e| e.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        let mut f = Form {
            reason: entry.reason.clone(),
            entry,
            replacing,
            focus: Focus::Reason,
            expires,
            preview: Vec::new(),
            error: None,
        };
        f.focus = if f.entry.conditions.is_empty() {
            Focus::Reason
        } else {
            Focus::Condition(0)
        };
        f.refresh(findings);
        f
    }

    /// Recomputes which findings the entry would suppress.
    pub fn refresh(&mut self, findings: &[Finding]) {
        self.preview = Allowlist::preview(&self.entry, findings);
    }

    /// The focus lines in order.
    fn order(&self) -> Vec<Focus> {
        (0..self.entry.conditions.len())
            .map(Focus::Condition)
            .chain([Focus::Reason, Focus::Expires])
            .collect()
    }

    /// Moves the focus by `delta` lines, wrapping.
    pub fn move_focus(&mut self, delta: isize) {
        let order = self.order();
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        let n = order.len() as isize;
        self.focus = order[((at + delta).rem_euclid(n)) as usize];
    }

    /// The entry as it would be saved, or why it cannot be.
    pub fn finished(&self, now: DateTime<Utc>) -> Result<Entry, String> {
        let mut e = self.entry.clone();
        e.reason = self.reason.trim().to_string();
        if e.reason.is_empty() {
            return Err("a reason is required: say why these findings are fine".into());
        }
        e.set_expires_text(&self.expires, now)?;
        e.validate()?;
        Ok(e)
    }
}
