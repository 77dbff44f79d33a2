//! Evidence from the console: copies (a Markdown block, raw JSON, one
//! value) and exports. The work is a [`Job`] in an [`Effect::Evidence`];
//! the runtime does it and answers with [`super::Msg::Status`].

use super::Effect;
use crate::hunt::scope::Scope;
use crate::report::ExportFormat;
use crate::tui::action::Pane;
use crate::tui::app::{App, Pending, Screen};
use crate::tui::evidence::{Findings, Job};
use crate::tui::json::Tok;

/// `y` and `Y`: copies the targets, the Markdown block or (`raw`) only
/// their raw JSON; asks first when they are more than the cursor row.
pub(super) fn copy(app: &mut App, raw: bool, fx: &mut Vec<Effect>) {
    let targets = app.targets();
    if targets.len() > 1 {
        let what = if raw {
            "the raw JSON of"
        } else {
            "evidence for"
        };
        super::triage::ask(
            app,
            format!("copy {what} {}?", super::triage::marked_count(&targets)),
            Pending::Copy { raw, targets },
        );
    } else {
        copy_now(app, raw, &targets, fx);
    }
}

/// Copies findings `targets` (after a yes, or when there is one).
pub(super) fn copy_now(app: &mut App, raw: bool, targets: &[usize], fx: &mut Vec<Effect>) {
    let make: fn(Findings) -> Job = if raw { Job::CopyRaw } else { Job::CopyBlock };
    if let Some(f) = evidence_of(app, targets) {
        fx.push(Effect::Evidence(Box::new(make(f))));
    }
}

/// `c` in the raw pane: copies the value on the current line.
pub(super) fn copy_value(app: &mut App, fx: &mut Vec<Effect>) {
    match value_at_cursor(app) {
        Some(v) => fx.push(Effect::Evidence(Box::new(Job::CopyText(v)))),
        None => app.triage.message = Some(("no value on this line".into(), true)),
    }
}

/// Exports what the list shows as `format`, with the report's scope: what
/// was loaded, the filter, whether suppressed findings are in.
pub(super) fn export(app: &mut App, format: ExportFormat, fx: &mut Vec<Effect>) {
    app.export_prompt = false;
    let shown: Vec<usize> = app.list.visible.iter().map(|&i| i as usize).collect();
    let Some(findings) = evidence_of(app, &shown) else {
        return;
    };
    let Some(data) = &app.data else { return };
    let snapshot = &app.triage.snapshot;
    let scope = Scope {
        index: &data.index,
        rules: &data.rules,
        semantics: data.semantics,
        findings_total: data.findings.len(),
        zone: findings.zone,
        now: app.now(),
        allowlist: snapshot
            .allowlist_path
            .as_deref()
            .map(|p| (p, &snapshot.allowlist)),
        suppressed: app.triage.eval.suppressed_count(),
        include_suppressed: app.triage.show_suppressed,
        filter: Some(app.filter.text.clone()),
    }
    .build();
    let path = app.export_dir.join(format.file_name(app.now_ms));
    fx.push(Effect::Evidence(Box::new(Job::Export {
        findings,
        format,
        path,
        scope: Box::new(scope),
    })));
}

/// What evidence needs of findings `which`: the findings, their triage,
/// the index and rules, the zone on screen.
fn evidence_of(app: &App, which: &[usize]) -> Option<Findings> {
    let data = app.data.as_ref()?;
    if which.is_empty() {
        return None;
    }
    let t = &app.triage;
    let findings: Vec<crate::rules::Finding> = which
        .iter()
        .filter_map(|&i| data.findings.get(i).cloned())
        .collect();
    let triage = which
        .iter()
        .filter_map(|&i| {
            let f = data.findings.get(i)?;
            let record = t.snapshot.records.get(&f.key);
            Some(crate::triage::FindingTriage {
                suppressed_by: t.eval.suppressed.get(i).cloned().flatten(),
                status: t.status(&f.key),
                notes: record.map(|r| r.notes.clone()).unwrap_or_default(),
            })
        })
        .collect();
    Some(Findings {
        findings,
        triage,
        index: data.index.clone(),
        rules: data.rules.clone(),
        zone: app.zone(),
    })
}

/// The value on the raw pane's current line: the current search match's
/// line, else the top line shown. The text is the pane's, already escaped.
fn value_at_cursor(app: &App) -> Option<String> {
    if app.screen != Screen::Detail || app.detail.pane != Pane::Raw {
        return None;
    }
    let raw = &app.detail.raw;
    let Some((_, Ok(doc))) = &raw.doc else {
        return None;
    };
    let line = match raw.search.matches.get(raw.search.current) {
        Some((l, _)) => *l,
        None => raw.scroll,
    };
    let l = doc.lines.get(line)?;
    let value: String = l
        .pieces
        .iter()
        .filter(|p| matches!(p.tok, Tok::Str | Tok::Num | Tok::Lit))
        .map(|p| p.text.as_str())
        .collect();
    let v = value.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v);
    (!v.is_empty()).then(|| v.to_string())
}
