//! Turning findings into output for people and programs.
//!
//! Machine formats (JSON, NDJSON) carry log values exactly: JSON string
//! escaping already keeps them inert. Human formats (the table, CSV) pass
//! every log value through [`crate::sanitize::escape`].

pub mod finding_json;
pub mod table;

use crate::event::time::ctime;
use crate::loader::Index;
use crate::rules::{Finding, RuleSet, Semantics};
use crate::sanitize::escape;
use std::io::{self, Write};

/// Output formats of `trailhunt scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Ndjson,
    Csv,
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
    match format {
        Format::Table => table::write(out, findings, index, rules),
        Format::Json => {
            let v: Vec<_> = findings
                .iter()
                .map(|f| finding_json::to_json(f, index, rules))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)
        }
        Format::Ndjson => {
            for f in findings {
                serde_json::to_writer(&mut *out, &finding_json::to_json(f, index, rules))?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => match semantics {
            Semantics::Splunk => splunk_csv(out, findings, rules),
            Semantics::Strict => strict_csv(out, findings, index, rules),
        },
    }
}

/// The seed's result table, column for column: the by-fields, then count,
/// firstTime and lastTime formatted by `security_content_ctime`.
fn splunk_csv(out: &mut dyn Write, findings: &[Finding], rules: &RuleSet) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let by: Vec<String> = findings
        .first()
        .map(|f| f.group.iter().map(|(k, _)| k.clone()).collect())
        .or_else(|| rules.rules.first().map(|r| r.rule.splunk.by.clone()))
        .unwrap_or_default();
    let mut header = by.clone();
    header.extend(["count", "firstTime", "lastTime"].map(String::from));
    w.write_record(&header)?;
    for f in findings {
        let mut row: Vec<String> = f
            .group
            .iter()
            .map(|(_, v)| escape(v.as_deref().unwrap_or_default()).into_owned())
            .collect();
        row.push(f.count.to_string());
        row.push(ctime(f.first_time));
        row.push(ctime(f.last_time));
        w.write_record(&row)?;
    }
    w.flush()
}

/// One row per finding with the fields of the JSON output.
fn strict_csv(
    out: &mut dyn Write,
    findings: &[Finding],
    index: &Index,
    rules: &RuleSet,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(finding_json::CSV_COLUMNS)?;
    for f in findings {
        let v = finding_json::to_json(f, index, rules);
        let row: Vec<String> = finding_json::CSV_COLUMNS
            .iter()
            .map(|c| {
                let cell = match c.split_once('.') {
                    Some((a, b)) => &v[a][b],
                    None => &v[*c],
                };
                match cell {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => escape(s).into_owned(),
                    other => other.to_string(),
                }
            })
            .collect();
        w.write_record(&row)?;
    }
    w.flush()
}
