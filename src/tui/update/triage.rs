//! Triage from the console: marks, statuses, notes, the suppress form and
//! the allowlist screen. Changes to the files leave as [`Effect::Triage`];
//! the files come back as [`super::Msg::Triage`] and [`retriage`] shows them.

use super::Effect;
use super::list::refilter;
use super::nav::{Step, step};
use crate::triage::Status;
use crate::tui::action::Action;
use crate::tui::app::{App, Confirm, Pending, Screen};
use crate::tui::triage::{Focus, Form, Op};

/// Space: marks the selected finding, or unmarks it, and moves down.
pub(super) fn mark(app: &mut App) {
    if let Some(i) = app.selected_finding() {
        let m = &mut app.triage.marked;
        if !m.remove(&(i as u32)) {
            m.insert(i as u32);
        }
        step(app, Step::By(1));
    }
}

/// `s`: opens the suppress form drafted from the focused finding.
pub(super) fn suppress(app: &mut App) {
    if let (Some(i), Some(data)) = (app.focused_finding(), &app.data) {
        let f = &data.findings[i];
        let entry = app
            .triage
            .snapshot
            .allowlist
            .draft_from_finding(f, app.now());
        app.triage.form = Some(Form::new(entry, None, &data.findings));
    }
}

/// `h`: hides suppressed findings, or shows them, and says which.
pub(super) fn toggle_suppressed(app: &mut App) {
    app.triage.show_suppressed = !app.triage.show_suppressed;
    refilter(app);
    let shown = if app.triage.show_suppressed {
        "suppressed findings shown"
    } else {
        "suppressed findings hidden"
    };
    app.triage.message = Some((shown.into(), false));
}

/// `2 marked findings`: how a question names its targets.
pub(super) fn marked_count(targets: &[usize]) -> String {
    format!("the {} marked findings", targets.len())
}

/// Puts a y/n question on the bar; `then` happens on a yes.
pub(super) fn ask(app: &mut App, question: String, then: Pending) {
    app.confirm = Some(Confirm {
        question: format!("{question} y/n"),
        then,
    });
}

/// The answer to the question on the bar.
pub(super) fn answer(app: &mut App, yes: bool, fx: &mut Vec<Effect>) {
    let Some(c) = app.confirm.take() else { return };
    if !yes {
        app.triage.message = Some(("nothing changed".into(), false));
        return;
    }
    match c.then {
        Pending::Status(status, targets) => status_now(app, status, &targets, fx),
        Pending::Note(targets) => open_note(app, targets),
        Pending::Copy { raw, targets } => super::evidence::copy_now(app, raw, &targets, fx),
        Pending::Delete(entry) => {
            fx.push(Effect::Triage(Op::RemoveEntry(entry.id.clone())));
            app.undo = Some(entry);
        }
    }
}

/// A status key: sets the targets' status, asking first when they are
/// more than the cursor row.
pub(super) fn set_status(app: &mut App, status: Status, fx: &mut Vec<Effect>) {
    let targets = app.targets();
    if targets.len() > 1 {
        let q = format!("set {} to {}?", marked_count(&targets), status.label());
        ask(app, q, Pending::Status(status, targets));
    } else {
        status_now(app, status, &targets, fx);
    }
}

fn status_now(app: &App, status: Status, targets: &[usize], fx: &mut Vec<Effect>) {
    let keys = keys_of(app, targets);
    if !keys.is_empty() {
        fx.push(Effect::Triage(Op::SetStatus { keys, status }));
    }
}

fn keys_of(app: &App, targets: &[usize]) -> Vec<String> {
    let Some(data) = &app.data else {
        return Vec::new();
    };
    targets
        .iter()
        .filter_map(|&i| data.findings.get(i).map(|f| f.key.clone()))
        .collect()
}

/// `a`: opens the note line for the targets, as a status key would act on
/// them, asking first when they are more than the cursor row.
pub(super) fn note(app: &mut App) {
    let targets = app.targets();
    if targets.len() > 1 {
        let q = format!("add one note to {}?", marked_count(&targets));
        ask(app, q, Pending::Note(targets));
    } else {
        open_note(app, targets);
    }
}

fn open_note(app: &mut App, targets: Vec<usize>) {
    if !targets.is_empty() {
        app.note_targets = targets;
        app.triage.note = Some(String::new());
    }
}

/// `A`: opens the allowlist screen, or goes back to the list.
pub(super) fn toggle_allowlist(app: &mut App) {
    app.screen = match app.screen {
        Screen::Allowlist => Screen::List,
        _ => Screen::Allowlist,
    };
}

/// `e` on the allowlist screen: the selected entry in the form.
pub(super) fn edit_entry(app: &mut App) {
    if let (Some(e), Some(data)) = (selected_entry(app), &app.data) {
        let id = e.id.clone();
        app.triage.form = Some(Form::new(e.clone(), Some(id), &data.findings));
    }
}

/// `d`: asks for the selected entry to be disabled, or enabled again.
pub(super) fn toggle_disabled(app: &mut App, fx: &mut Vec<Effect>) {
    if let Some(e) = selected_entry(app) {
        fx.push(Effect::Triage(Op::SetDisabled {
            id: e.id.clone(),
            disabled: !e.disabled,
        }));
    }
}

/// `D`: asks whether to delete the selected entry; `u` brings it back.
pub(super) fn delete_entry(app: &mut App) {
    if let Some(e) = selected_entry(app).cloned() {
        let q = format!(
            "delete allowlist entry {}? (u restores it)",
            crate::sanitize::escape(&e.id)
        );
        ask(app, q, Pending::Delete(e));
    }
}

/// `u` on the allowlist screen: restores the entry deleted last.
pub(super) fn undo(app: &mut App, fx: &mut Vec<Effect>) {
    match app.undo.take() {
        Some(e) => fx.push(Effect::Triage(Op::RestoreEntry(Box::new(e)))),
        None => app.triage.message = Some(("nothing to undo".into(), false)),
    }
}

/// Re-evaluates the allowlist and the statuses against the findings and
/// shows the result: rows, counts and what the list hides.
pub(super) fn retriage(app: &mut App) {
    let zone = app.zone();
    let now = app.now();
    let Some(data) = &mut app.data else { return };
    let t = &mut app.triage;
    t.eval = t.snapshot.allowlist.evaluate(&data.findings, now);
    if t.only_entry
        .is_some_and(|e| e >= t.snapshot.allowlist.entries.len())
    {
        t.only_entry = None;
    }
    data.apply_triage(t, &zone);
    let n = t.snapshot.allowlist.entries.len();
    t.cursor.clamp(n, app.height as usize);
    if app.is_ready() {
        refilter(app);
    }
}

/// The entry selected on the allowlist screen.
pub(super) fn selected_entry(app: &App) -> Option<&crate::triage::Entry> {
    app.triage
        .snapshot
        .allowlist
        .entries
        .get(app.triage.cursor.selected)
}

/// Typing in the suppress form: Space ticks a condition, text goes to
/// the reason or the expiry, Enter saves.
pub(super) fn form_input(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    let now = app.now();
    let (Some(form), Some(data)) = (&mut app.triage.form, &app.data) else {
        return;
    };
    // A warning left by the last Enter is its confirmation prompt: any
    // other key clears it, so the entry is confirmed as it now stands.
    let warned = form.error.take();
    match (action, form.focus) {
        (Action::Cancel, _) => app.triage.form = None,
        (Action::Accept, _) => match form.finished(now) {
            Ok(entry)
                if warned.is_none()
                    && whole_rule(&entry, &form.preview, &data.findings).is_some() =>
            {
                form.error = whole_rule(&entry, &form.preview, &data.findings);
            }
            Ok(entry) => {
                let op = match form.replacing.take() {
                    Some(id) => Op::ReplaceEntry {
                        id,
                        entry: Box::new(entry),
                    },
                    None => Op::AddEntry(Box::new(entry)),
                };
                fx.push(Effect::Triage(op));
                app.triage.form = None;
            }
            Err(e) => form.error = Some(e),
        },
        (Action::NextField, _) => form.move_focus(1),
        (Action::PrevField, _) => form.move_focus(-1),
        (Action::Type(' '), Focus::Condition(c)) => {
            if let Some(cond) = form.entry.conditions.get_mut(c) {
                let on = cond.enabled();
                cond.set_enabled(!on);
            }
            form.refresh(&data.findings);
        }
        (_, Focus::Condition(_)) => {}
        (a, Focus::Reason) => edit_text(&mut form.reason, a),
        (a, Focus::Expires) => edit_text(&mut form.expires, a),
    }
}

/// The warning for an entry that would suppress every finding of its
/// rules in the loaded data (two or more: one finding alone is what a
/// drafted entry is for), or whose conditions match every value at all.
fn whole_rule(
    entry: &crate::triage::Entry,
    preview: &[usize],
    findings: &[crate::rules::Finding],
) -> Option<String> {
    let of_rules = findings
        .iter()
        .filter(|f| entry.rules.applies_to(&f.rule_id))
        .count();
    let everything = entry.matches_everything();
    if everything.is_none() && (of_rules < 2 || preview.len() < of_rules) {
        return None;
    }
    let why = everything.map(|w| format!(" ({w})")).unwrap_or_default();
    Some(format!(
        "this entry suppresses all {of_rules} findings of its rules{why}; Enter again to save it anyway"
    ))
}

fn edit_text(text: &mut String, action: Action) {
    match action {
        Action::DeleteBack => {
            text.pop();
        }
        Action::ClearInput => text.clear(),
        Action::Type(c) => text.push(c),
        _ => {}
    }
}

/// Typing a note; Enter sends it to be saved.
pub(super) fn note_input(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    let Some(note) = &mut app.triage.note else {
        return;
    };
    match action {
        Action::Cancel => app.triage.note = None,
        Action::Accept => {
            let text = note.trim().to_string();
            app.triage.note = None;
            let targets = std::mem::take(&mut app.note_targets);
            if !text.is_empty() {
                for key in keys_of(app, &targets) {
                    fx.push(Effect::Triage(Op::AddNote {
                        key,
                        text: text.clone(),
                    }));
                }
            }
        }
        a => edit_text(note, a),
    }
}
