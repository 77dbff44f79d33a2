//! Triage in the console: the state `update` keeps (a copy of the allowlist
//! and of the statuses, the marks, the suppress form).
//!
//! `update` never writes a file: it returns an [`Op`] inside an effect; the
//! runtime (or the headless harness) hands it to
//! [`crate::hunt::triage::TriageFiles::perform`] and sends the [`Reply`] back
//! as a message, so a saving error reaches the status line the same way a
//! success does.

pub use crate::hunt::triage::{Op, Reply, Snapshot};
use crate::rules::Finding;
use crate::triage::{Allowlist, Entry, Evaluation, Status};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

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
