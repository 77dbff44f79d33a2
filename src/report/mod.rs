//! Turning findings into output for people and programs.
//!
//! Machine formats (JSON, NDJSON) carry log values exactly: JSON string
//! escaping keeps them inert, and [`evidence::to_json_text`] also escapes the
//! bidi overrides and C1 controls serde_json would leave raw. Human formats
//! (the table, CSV, Markdown, HTML) pass every log value through
//! [`crate::sanitize::escape`] first, then their own escaping.
//!
//! Everything but the table renders [`evidence::Evidence`], the one model of
//! a finding's evidence; [`export`] is the entry point for the console's
//! `e` key and for `scan`.

pub mod csv;
pub mod evidence;
pub mod finding_json;
pub mod html;
pub mod markdown;
pub mod table;

use crate::event::Index;
use crate::event::zone::Zone;
use crate::rules::{Finding, RuleSet, Semantics};
use crate::sanitize::escape;
use crate::triage::FindingTriage;
use evidence::{Evidence, ReportScope};
use std::io::{self, Write};
use std::path::Path;

/// Output formats of `trailhunt scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Ndjson,
    Csv,
    Markdown,
    Html,
}

impl Format {
    /// The export format behind this one (every format but the table).
    pub fn export(self) -> Option<ExportFormat> {
        match self {
            Format::Table => None,
            Format::Json => Some(ExportFormat::Json),
            Format::Ndjson => Some(ExportFormat::Ndjson),
            Format::Csv => Some(ExportFormat::Csv),
            Format::Markdown => Some(ExportFormat::Markdown),
            Format::Html => Some(ExportFormat::Html),
        }
    }
}

/// What the console's `e` key (and `scan`) can export evidence as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    Markdown,
    Csv,
    Json,
    Ndjson,
    Html,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::Markdown,
        ExportFormat::Csv,
        ExportFormat::Json,
        ExportFormat::Ndjson,
        ExportFormat::Html,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "markdown",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Html => "html",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "md",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Ndjson => "jsonl",
            ExportFormat::Html => "html",
        }
    }

    /// A file name for an export made at `now_ms`:
    /// `trailhunt-20261105T120000Z.md`.
    pub fn file_name(self, now_ms: i64) -> String {
        let t = crate::event::time::to_utc(now_ms)
            .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
            .unwrap_or_default();
        format!("trailhunt-{t}.{}", self.extension())
    }
}

/// Writes `evidence` as `format`. `scope` (what the report covers) is shown
/// by Markdown and HTML; JSON is an array of findings, NDJSON one finding
/// per line, CSV one row per finding (see [`csv::write_evidence`]).
pub fn export(
    format: ExportFormat,
    evidence: &[Evidence],
    scope: &ReportScope,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ExportFormat::Markdown => markdown::write_report(out, evidence, scope),
        ExportFormat::Html => html::write_report(out, evidence, scope),
        ExportFormat::Csv => csv::write_evidence(out, evidence),
        ExportFormat::Json => {
            let v: Vec<_> = evidence.iter().map(Evidence::json).collect();
            out.write_all(evidence::to_json_text(&v, true).as_bytes())?;
            writeln!(out)
        }
        ExportFormat::Ndjson => {
            for e in evidence {
                out.write_all(evidence::to_json_text(&e.json(), false).as_bytes())?;
                writeln!(out)?;
            }
            Ok(())
        }
    }
}

/// [`export`] into a new file at `path`, atomically (see [`crate::atomic`]);
/// if `path` exists, `NAME-2.EXT`, `NAME-3.EXT`…: an export never replaces
/// an earlier one. Returns the path written.
pub fn export_to_file(
    format: ExportFormat,
    evidence: &[Evidence],
    scope: &ReportScope,
    path: &Path,
) -> io::Result<std::path::PathBuf> {
    crate::atomic::write_new(path, |w| export(format, evidence, scope, w))
}

/// Writes `findings` in `format`.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    findings: &[Finding],
    index: &Index,
    rules: &RuleSet,
    semantics: Semantics,
) -> io::Result<()> {
    write_triaged(out, format, findings, None, index, rules, semantics)
}

/// Writes `findings` with what triage says about each (same order, when
/// given): JSON and NDJSON gain `suppressed`, `suppressed_by`, `status` and
/// `notes`; the table lists suppressed findings apart, with entry and reason.
pub fn write_triaged(
    out: &mut dyn Write,
    format: Format,
    findings: &[Finding],
    triage: Option<&[FindingTriage]>,
    index: &Index,
    rules: &RuleSet,
    semantics: Semantics,
) -> io::Result<()> {
    let scope = ReportScope::new(index, rules, semantics, findings.len(), Zone::Utc);
    write_scoped(out, format, findings, triage, index, rules, &scope)
}

/// [`write_triaged`] with the report's scope (and time zone) given:
/// what `scan` calls. With `--semantics splunk`, CSV is the seed's own
/// result table; every other format but the table is an [`export`].
pub fn write_scoped(
    out: &mut dyn Write,
    format: Format,
    findings: &[Finding],
    triage: Option<&[FindingTriage]>,
    index: &Index,
    rules: &RuleSet,
    scope: &ReportScope,
) -> io::Result<()> {
    if format == Format::Csv && scope.semantics.is_splunk() {
        return csv::write_splunk(out, findings, rules);
    }
    match format.export() {
        None => triaged_table(out, findings, triage, index, rules),
        Some(f @ (ExportFormat::Json | ExportFormat::Ndjson)) => {
            stream_json(f, findings, triage, index, rules, scope, out, 4096)
        }
        Some(f) => {
            let evidence = Evidence::build_all(findings, triage, index, rules, scope.zone);
            export(f, &evidence, scope, out)
        }
    }
}

#[allow(clippy::too_many_arguments)]
/// JSON and NDJSON a slice of findings at a time, each slice's evidence
/// built and serialised on every core: the same text as [`export`], in
/// memory bounded by the slice, not by the report.
fn stream_json(
    format: ExportFormat,
    findings: &[Finding],
    triage: Option<&[FindingTriage]>,
    index: &Index,
    rules: &RuleSet,
    scope: &ReportScope,
    out: &mut dyn Write,
    slice: usize,
) -> io::Result<()> {
    use rayon::prelude::*;
    let pretty = format == ExportFormat::Json;
    if pretty && findings.is_empty() {
        return writeln!(out, "[]");
    }
    let builder = evidence::Builder::new(findings, triage, index, rules, scope.zone);
    if pretty {
        out.write_all(b"[\n")?;
    }
    for start in (0..findings.len()).step_by(slice.max(1)) {
        let end = (start + slice.max(1)).min(findings.len());
        let texts: Vec<String> = builder
            .build(start..end)
            .par_iter()
            .map(|e| evidence::to_json_text(&e.json(), pretty))
            .collect();
        for (k, t) in texts.iter().enumerate() {
            if pretty {
                // An element of serde_json's pretty array: each line two
                // spaces in, a comma between elements.
                for (n, line) in t.lines().enumerate() {
                    if n > 0 {
                        out.write_all(b"\n")?;
                    }
                    out.write_all(b"  ")?;
                    out.write_all(line.as_bytes())?;
                }
                out.write_all(if start + k + 1 < findings.len() {
                    b",\n"
                } else {
                    b"\n"
                })?;
            } else {
                out.write_all(t.as_bytes())?;
                out.write_all(b"\n")?;
            }
        }
    }
    if pretty {
        out.write_all(b"]\n")?;
    }
    Ok(())
}

/// The table, with suppressed findings (present only with
/// `--show-suppressed`) in a second table followed by who suppressed each.
fn triaged_table(
    out: &mut dyn Write,
    findings: &[Finding],
    triage: Option<&[FindingTriage]>,
    index: &Index,
    rules: &RuleSet,
) -> io::Result<()> {
    let by = |i: usize| {
        triage
            .and_then(|t| t.get(i))
            .and_then(|t| t.suppressed_by.as_ref())
    };
    let (kept, hidden): (Vec<usize>, Vec<usize>) =
        (0..findings.len()).partition(|&i| by(i).is_none());
    if hidden.is_empty() {
        return table::write(out, findings, index, rules);
    }
    let pick = |ix: &[usize]| ix.iter().map(|&i| findings[i].clone()).collect::<Vec<_>>();
    table::write(out, &pick(&kept), index, rules)?;
    writeln!(out, "\nsuppressed by the allowlist ({}):", hidden.len())?;
    table::write(out, &pick(&hidden), index, rules)?;
    for &i in &hidden {
        if let Some(s) = by(i) {
            writeln!(
                out,
                "  {}: {} ({})",
                escape(&findings[i].key),
                escape(&s.id),
                escape(&s.reason)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::{LoadOptions, load};
    use crate::rules::Semantics;

    #[test]
    fn streamed_json_is_the_text_export_writes_at_any_slice_size() {
        let rules = RuleSet::builtin();
        let logs =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report/logs");
        let index = load(&[logs], &LoadOptions::default(), &mut |_| {});
        let findings = rules.run(&index, Semantics::Strict).findings;
        assert!(findings.len() >= 2);
        let scope = ReportScope::new(&index, &rules, Semantics::Strict, findings.len(), Zone::Utc);
        for format in [ExportFormat::Json, ExportFormat::Ndjson] {
            let evidence = Evidence::build_all(&findings, None, &index, &rules, Zone::Utc);
            let mut want = Vec::new();
            export(format, &evidence, &scope, &mut want).unwrap();
            for slice in [1, 2, 4096] {
                let mut got = Vec::new();
                stream_json(
                    format, &findings, None, &index, &rules, &scope, &mut got, slice,
                )
                .unwrap();
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    String::from_utf8(want.clone()).unwrap(),
                    "{format:?} in slices of {slice}"
                );
            }
            let mut none = Vec::new();
            export(format, &[], &scope, &mut none).unwrap();
            let mut got = Vec::new();
            stream_json(format, &[], None, &index, &rules, &scope, &mut got, 2).unwrap();
            assert_eq!(got, none, "{format:?} with no findings");
        }
    }
}
