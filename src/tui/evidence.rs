//! Evidence out of the console: `y` / `Y` copy, `c` copies one value, `e`
//! exports. `update` only describes the job ([`Job`]); building evidence
//! re-reads raw events from disk and copying or exporting touches the
//! clipboard or a file, so the runtime does both with [`perform`] and sends
//! the status line back.
//!
//! Every text here comes from [`crate::report`], which sanitises it for its
//! destination; the clipboard base64-encodes what it sends through the
//! terminal, so nothing from a log reaches the terminal raw.

use crate::clipboard::Clipboard;
use crate::event::Index;
use crate::event::zone::Zone;
use crate::report::evidence::{Evidence, ReportScope};
use crate::report::{ExportFormat, markdown};
use crate::rules::{Finding, RuleSet};
use crate::triage::FindingTriage;
use std::path::PathBuf;
use std::sync::Arc;

/// The findings a copy or an export covers, with what it needs to build
/// their evidence.
#[derive(Clone, Debug)]
pub struct Findings {
    pub findings: Vec<Finding>,
    pub triage: Vec<FindingTriage>,
    pub index: Arc<Index>,
    pub rules: Arc<RuleSet>,
    pub zone: Zone,
}

impl Findings {
    fn evidence(&self) -> Vec<Evidence> {
        Evidence::build_all(
            &self.findings,
            Some(&self.triage),
            &self.index,
            &self.rules,
            self.zone,
        )
    }
}

/// What to do.
#[derive(Clone, Debug)]
pub enum Job {
    /// Copy the Markdown evidence block of the findings.
    CopyBlock(Findings),
    /// Copy only their raw event JSON.
    CopyRaw(Findings),
    /// Copy this text (already escaped: a value from the raw pane).
    CopyText(String),
    /// Write the findings as `format` to `path`, or to a numbered name
    /// beside it if `path` exists (an export never replaces a file).
    Export {
        findings: Findings,
        format: ExportFormat,
        path: PathBuf,
        scope: Box<ReportScope>,
    },
}

/// Does `job`; the message for the status line, or the problem.
pub fn perform(
    job: Job,
    clipboard: Option<&mut (dyn Clipboard + 'static)>,
) -> Result<String, String> {
    let text = match job {
        Job::CopyBlock(f) => markdown::copy_block(&f.evidence()),
        Job::CopyRaw(f) => markdown::raw_json_many(&f.evidence())?,
        Job::CopyText(t) => t,
        Job::Export {
            findings,
            format,
            path,
            scope,
        } => {
            let evidence = findings.evidence();
            let path =
                crate::report::export_to_file(format, &evidence, &scope, &path).map_err(|e| {
                    crate::sanitize::escape(&format!("cannot write {}: {e}", path.display()))
                        .into_owned()
                })?;
            let n = evidence.len();
            return Ok(crate::sanitize::escape(&format!(
                "exported {n} finding{} as {} to {}",
                if n == 1 { "" } else { "s" },
                format.name(),
                path.display()
            ))
            .into_owned());
        }
    };
    let Some(clipboard) = clipboard else {
        return Err("no clipboard in this console".into());
    };
    clipboard
        .copy(&text)
        .map(|c| c.message())
        .map_err(|e| crate::sanitize::escape(&e.to_string()).into_owned())
}
