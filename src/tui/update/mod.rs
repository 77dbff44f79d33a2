//! `update`: (state, message) → state and effects. No I/O happens here:
//! quitting and re-reading a raw event from disk come back as [`Effect`]s
//! for the runtime to carry out, so every behaviour is testable headless.

use super::action::{Action, Pane};
use super::app::{App, Cursor, Overlay, Phase, RawKey, RawTarget, RawText, Screen, WINDOWS};
use super::data::{Col, Data, GroupCol, groups, rule_paths};
use super::evidence::Job;
use super::filter::{Filter, quote};
use super::json::{self, Doc, DocLine, Piece, Tok};
use super::keymap::{self, Key};
use super::triage::{Focus, Form, Op, Reply};
use super::{layout, panes, text, view};
use crate::event::Loc;
use crate::event::{Index, Progress};
use crate::report::evidence::ReportScope;
use crate::triage::Allowlist;
use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use ratatui::text::Line;
use std::sync::Arc;

/// Everything the console reacts to.
#[derive(Debug)]
pub enum Msg {
    /// A key from the terminal.
    Key(KeyEvent),
    /// A mouse event from the terminal.
    Mouse(MouseEvent),
    /// The terminal's new size.
    Resize(u16, u16),
    /// An action, as a key would trigger it.
    Action(Action),
    /// Loading progress.
    Progress(Progress),
    /// The files are read; the rules are running.
    RulesRunning,
    /// Loading finished.
    Loaded(Box<Data>),
    /// A raw event the runtime re-read.
    Raw { key: RawKey, text: RawText },
    /// Time passed (for the loading screen's clock).
    Tick { elapsed_ms: u64 },
    /// Loading failed; the console cannot go on.
    Failed(String),
    /// The triage files after a save, an edit or at start.
    Triage(Box<Reply>),
    /// Following: everything reloaded after new files arrived.
    Followed(Box<Data>),
    /// Following could not start.
    FollowProblem(String),
    /// How a copy or an export went, for the status line.
    Status(Result<String, String>),
}

/// Work for the runtime.
#[derive(Debug)]
pub enum Effect {
    /// Leave the console.
    Quit,
    /// Leave the console with this error.
    Fail(String),
    /// Re-read the JSON at `loc` and send it back as [`Msg::Raw`].
    FetchRaw {
        key: RawKey,
        loc: Loc,
        index: Arc<Index>,
    },
    /// Change the allowlist or the statuses file, and answer with
    /// [`Msg::Triage`].
    Triage(Op),
    /// Suspend the terminal, open the allowlist in `$EDITOR`, restore the
    /// terminal, reload, and answer with [`Msg::Triage`].
    EditAllowlist,
    /// Copy or export evidence, and answer with [`Msg::Status`].
    Evidence(Box<super::evidence::Job>),
}

/// Applies `msg` to `app` and returns the effects it asks for.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Key(k) => {
            // Some terminals also report releases; act once per press.
            if k.kind != KeyEventKind::Release {
                // A message stays until the next key, so it can be read.
                app.triage.message = None;
                if let Some(a) = keymap::dispatch(app, Key::from_event(&k)) {
                    act(app, a, &mut fx);
                }
                seen(app);
            }
        }
        Msg::Triage(reply) => {
            app.triage.message = match reply.outcome {
                Ok(m) if m.is_empty() => None,
                Ok(m) => Some((m, false)),
                Err(e) => Some((e, true)),
            };
            app.triage.snapshot = reply.snapshot;
            retriage(app);
        }
        Msg::Mouse(m) => mouse(app, m, &mut fx),
        Msg::Resize(w, h) => {
            app.width = w;
            app.height = h;
            reclamp(app);
        }
        Msg::Action(a) => act(app, a, &mut fx),
        Msg::Progress(p) => {
            if let Phase::Loading { progress, .. } = &mut app.phase {
                *progress = p;
            }
        }
        Msg::RulesRunning => {
            if let Phase::Loading { rules_running, .. } = &mut app.phase {
                *rules_running = true;
            }
        }
        Msg::Tick { elapsed_ms: t } => {
            if let Phase::Loading { elapsed_ms, .. } = &mut app.phase {
                *elapsed_ms = t;
            }
        }
        Msg::Loaded(data) => loaded(app, *data),
        Msg::Followed(data) => followed(app, *data, &mut fx),
        Msg::Status(r) => {
            app.triage.message = Some(match r {
                Ok(m) => (m, false),
                Err(e) => (e, true),
            });
        }
        Msg::FollowProblem(e) => {
            app.following = false;
            app.follow_problem = Some(e.clone());
            app.triage.message = Some((e, true));
        }
        Msg::Failed(e) => fx.push(Effect::Fail(e)),
        Msg::Raw { key, text } => {
            app.pending.remove(&key);
            app.raw_cache.insert(key, text);
            refresh_doc(app);
        }
    }
    fx
}

fn loaded(app: &mut App, mut data: Data) {
    let zone = app.zone();
    if zone != super::zone::Zone::Utc {
        data.rezone(&zone);
    }
    app.list.order = data.sorted(app.list.sort, app.list.desc);
    app.data = Some(data);
    app.phase = Phase::Ready;
    app.filter.parsed = Filter::parse(&app.filter.text, &zone);
    retriage(app);
}

/// A follow update: new data in, with the selection, marks, filter and the
/// open finding kept (by finding key, since positions change), and the
/// findings that were not there before marked new.
fn followed(app: &mut App, data: Data, fx: &mut Vec<Effect>) {
    let Some(old) = app.data.take() else {
        loaded(app, data);
        return;
    };
    let key = |i: usize| old.findings.get(i).map(|f| f.key.clone());
    let selected = app.selected_finding().and_then(key);
    let marked: Vec<String> = app
        .triage
        .marked
        .iter()
        .filter_map(|&i| key(i as usize))
        .collect();
    let open = (app.screen == Screen::Detail)
        .then(|| key(app.detail.finding))
        .flatten();
    let before: std::collections::HashSet<&str> =
        old.findings.iter().map(|f| f.key.as_str()).collect();
    for f in &data.findings {
        if !before.contains(f.key.as_str()) {
            app.fresh.insert(f.key.clone());
        }
    }
    drop(before);
    let position = |k: &str| data.findings.iter().position(|f| f.key == k);
    app.triage.marked = marked
        .iter()
        .filter_map(|k| position(k).map(|i| i as u32))
        .collect();
    let open_at = open.as_deref().and_then(position);
    let select_at = selected.as_deref().and_then(position);
    // Raw events are cached by event position, which the reload changes.
    app.raw_cache.clear();
    app.pending.clear();
    loaded(app, data);
    if let Some(i) = select_at
        && let Some(pos) = app.list.visible.iter().position(|&v| v as usize == i)
    {
        let h = layout::table_rows(app).height as usize;
        app.list.cursor.select(pos, app.list.visible.len(), h);
    }
    match open_at {
        Some(i) => {
            let pane = app.detail.pane;
            app.detail = Default::default();
            app.detail.finding = i;
            app.detail.pane = pane;
            prepare_pane(app, fx);
        }
        None if app.screen == Screen::Detail => app.screen = Screen::List,
        None => {}
    }
}

/// The finding under the cursor counts as viewed.
fn seen(app: &mut App) {
    if app.fresh.is_empty() {
        return;
    }
    let key = match (&app.data, app.screen) {
        (Some(d), Screen::Detail) => d.findings.get(app.detail.finding),
        (Some(d), Screen::List) => app.selected_finding().and_then(|i| d.findings.get(i)),
        _ => None,
    };
    if let Some(f) = key {
        let k = f.key.clone();
        app.fresh.remove(&k);
    }
}

/// Re-evaluates the allowlist and the statuses against the findings and
/// shows the result: rows, counts and what the list hides.
pub fn retriage(app: &mut App) {
    let zone = app.zone();
    let Some(data) = &mut app.data else { return };
    let t = &mut app.triage;
    t.eval = t
        .snapshot
        .allowlist
        .evaluate(&data.findings, chrono::Utc::now());
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

/// Carries out one action.
pub fn act(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Quit => fx.push(Effect::Quit),
        Action::Help => {
            app.overlay = match app.overlay {
                Overlay::Help { .. } => Overlay::None,
                _ => Overlay::Help { scroll: 0 },
            }
        }
        Action::Errors => {
            app.overlay = match app.overlay {
                Overlay::Errors { .. } => Overlay::None,
                _ => Overlay::Errors { scroll: 0 },
            }
        }
        Action::ToggleZone => toggle_zone(app),
        Action::Up => step(app, Step::By(-1)),
        Action::Down => step(app, Step::By(1)),
        Action::PageUp => step(app, Step::Pages(-2)),
        Action::PageDown => step(app, Step::Pages(2)),
        Action::HalfUp => step(app, Step::Pages(-1)),
        Action::HalfDown => step(app, Step::Pages(1)),
        Action::Top => step(app, Step::By(isize::MIN / 2)),
        Action::Bottom => step(app, Step::By(isize::MAX / 2)),
        _ if !app.is_ready() => {}
        Action::Open => open(app, fx),
        Action::Back => back(app, fx),
        Action::NextPane => {
            let i = (app.detail.pane.index() + 1) % Pane::ALL.len();
            show_pane(app, Pane::ALL[i], fx);
        }
        Action::PrevPane => {
            let i = (app.detail.pane.index() + Pane::ALL.len() - 1) % Pane::ALL.len();
            show_pane(app, Pane::ALL[i], fx);
        }
        Action::Show(p) => match app.screen {
            Screen::Detail => show_pane(app, p, fx),
            _ => {
                if let Some(i) = app.selected_finding() {
                    enter_detail(app, i, p, fx);
                }
            }
        },
        Action::Filter => app.filter.editing = true,
        Action::SortNext => sort(app, None),
        Action::SortReverse => {
            match app.screen {
                Screen::Grouped => app.groups.desc = !app.groups.desc,
                _ => app.list.desc = !app.list.desc,
            }
            resort(app);
        }
        Action::Grouped => {
            app.screen = match app.screen {
                Screen::Grouped => Screen::List,
                _ => Screen::Grouped,
            };
            regroup(app);
        }
        Action::NextCopy | Action::PrevCopy => {
            let n = app.deliveries().len();
            if n > 1 {
                let d = &mut app.detail.raw.delivery;
                *d = if action == Action::NextCopy {
                    (*d + 1) % n
                } else {
                    (*d + n - 1) % n
                };
                app.detail.raw.scroll = 0;
                ensure_raw(app, fx);
            }
        }
        Action::Search => {
            app.detail.raw.search.editing = true;
        }
        Action::NextMatch | Action::PrevMatch => {
            let s = &mut app.detail.raw.search;
            let n = s.matches.len();
            if n > 0 {
                s.current = if action == Action::NextMatch {
                    (s.current + 1) % n
                } else {
                    (s.current + n - 1) % n
                };
                scroll_to_match(app);
            }
        }
        Action::Wider | Action::Narrower => {
            let w = app.detail.window;
            app.detail.window = if action == Action::Wider {
                (w + 1).min(WINDOWS.len() - 1)
            } else {
                w.saturating_sub(1)
            };
            app.detail.related_cursor = Cursor::default();
            prepare_pane(app, fx);
        }
        Action::Accept
        | Action::Cancel
        | Action::DeleteBack
        | Action::ClearInput
        | Action::NextField
        | Action::PrevField
        | Action::Type(_) => {
            if app.triage.form.is_some() {
                form_input(app, action, fx);
            } else if app.triage.note.is_some() {
                note_input(app, action, fx);
            } else if app.filter.editing {
                filter_input(app, action);
            } else if app.detail.raw.search.editing {
                search_input(app, action);
            }
        }
        Action::Mark => {
            if let Some(i) = app.selected_finding() {
                let m = &mut app.triage.marked;
                if !m.remove(&(i as u32)) {
                    m.insert(i as u32);
                }
                step(app, Step::By(1));
            }
        }
        Action::Suppress => {
            if let (Some(i), Some(data)) = (app.focused_finding(), &app.data) {
                let f = &data.findings[i];
                let entry = app
                    .triage
                    .snapshot
                    .allowlist
                    .draft_from_finding(f, chrono::Utc::now());
                app.triage.form = Some(Form::new(entry, None, &data.findings));
            }
        }
        Action::ToggleSuppressed => {
            app.triage.show_suppressed = !app.triage.show_suppressed;
            refilter(app);
            let shown = if app.triage.show_suppressed {
                "suppressed findings shown"
            } else {
                "suppressed findings hidden"
            };
            app.triage.message = Some((shown.into(), false));
        }
        Action::SetStatus(status) => {
            let Some(data) = &app.data else { return };
            let keys: Vec<String> = app
                .targets()
                .into_iter()
                .filter_map(|i| data.findings.get(i).map(|f| f.key.clone()))
                .collect();
            if !keys.is_empty() {
                fx.push(Effect::Triage(Op::SetStatus { keys, status }));
            }
        }
        Action::Note => {
            if app.focused_finding().is_some() {
                app.triage.note = Some(String::new());
            }
        }
        Action::Allowlist => {
            app.screen = match app.screen {
                Screen::Allowlist => Screen::List,
                _ => Screen::Allowlist,
            };
        }
        Action::EditAllowlist => fx.push(Effect::EditAllowlist),
        Action::EditEntry => {
            if let (Some(e), Some(data)) = (selected_entry(app), &app.data) {
                let id = e.id.clone();
                app.triage.form = Some(Form::new(e.clone(), Some(id), &data.findings));
            }
        }
        Action::ToggleDisabled => {
            if let Some(e) = selected_entry(app) {
                fx.push(Effect::Triage(Op::SetDisabled {
                    id: e.id.clone(),
                    disabled: !e.disabled,
                }));
            }
        }
        Action::Delete => {
            if let Some(e) = selected_entry(app) {
                fx.push(Effect::Triage(Op::RemoveEntry(e.id.clone())));
            }
        }
        Action::CopyEvidence | Action::CopyRaw => {
            if let Some(f) = evidence_of(app, &app.targets()) {
                let job = if action == Action::CopyEvidence {
                    Job::CopyBlock(f)
                } else {
                    Job::CopyRaw(f)
                };
                fx.push(Effect::Evidence(Box::new(job)));
            }
        }
        Action::CopyValue => match value_at_cursor(app) {
            Some(v) => fx.push(Effect::Evidence(Box::new(Job::CopyText(v)))),
            None => app.triage.message = Some(("no value on this line".into(), true)),
        },
        Action::ExportPrompt => app.export_prompt = !app.export_prompt,
        Action::Export(format) => {
            app.export_prompt = false;
            let shown: Vec<usize> = app.list.visible.iter().map(|&i| i as usize).collect();
            let Some(findings) = evidence_of(app, &shown) else {
                return;
            };
            let Some(data) = &app.data else { return };
            let now = chrono::Utc::now();
            let mut scope = ReportScope::new(
                &data.index,
                &data.rules,
                data.semantics,
                data.findings.len(),
                findings.zone,
            );
            scope.generated = Some(now.timestamp_millis());
            scope.suppressed = app.triage.eval.suppressed_count();
            scope.include_suppressed = app.triage.show_suppressed;
            scope.filter = (!app.filter.text.is_empty()).then(|| app.filter.text.clone());
            scope.allowlist = app
                .triage
                .snapshot
                .allowlist_path
                .as_ref()
                .map(|p| p.display().to_string());
            let path = app
                .export_dir
                .join(format.file_name(now.timestamp_millis()));
            fx.push(Effect::Evidence(Box::new(Job::Export {
                findings,
                format,
                path,
                scope: Box::new(scope),
            })));
        }
    }
}

/// What evidence needs of findings `which`: the findings, their triage,
/// the index and rules, the zone on screen.
fn evidence_of(app: &App, which: &[usize]) -> Option<super::evidence::Findings> {
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
    Some(super::evidence::Findings {
        findings,
        triage,
        index: data.index.clone(),
        rules: data.rules.clone(),
        zone: super::evidence::time_view(&app.zone()),
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

/// The entry selected on the allowlist screen.
fn selected_entry(app: &App) -> Option<&crate::triage::Entry> {
    app.triage
        .snapshot
        .allowlist
        .entries
        .get(app.triage.cursor.selected)
}

fn form_input(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    let (Some(form), Some(data)) = (&mut app.triage.form, &app.data) else {
        return;
    };
    form.error = None;
    match (action, form.focus) {
        (Action::Cancel, _) => app.triage.form = None,
        (Action::Accept, _) => match form.finished(chrono::Utc::now()) {
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

fn note_input(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    let Some(note) = &mut app.triage.note else {
        return;
    };
    match action {
        Action::Cancel => app.triage.note = None,
        Action::Accept => {
            let text = note.trim().to_string();
            app.triage.note = None;
            let key = app
                .focused_finding()
                .and_then(|i| app.data.as_ref().map(|d| d.findings[i].key.clone()));
            if let (Some(key), false) = (key, text.is_empty()) {
                fx.push(Effect::Triage(Op::AddNote { key, text }));
            }
        }
        a => edit_text(note, a),
    }
}

fn toggle_zone(app: &mut App) {
    app.utc = !app.utc;
    let zone = app.zone();
    if let Some(d) = &mut app.data {
        d.rezone(&zone);
    }
    // Filter times without an offset are read in the zone shown.
    app.filter.parsed = Filter::parse(&app.filter.text, &zone);
    if app.is_ready() {
        refilter(app);
    }
}

enum Step {
    By(isize),
    /// Half pages (so 2 is a page).
    Pages(isize),
}

fn amount(s: &Step, height: usize) -> isize {
    match s {
        Step::By(n) => *n,
        Step::Pages(n) => n * (height as isize / 2).max(1),
    }
}

fn step(app: &mut App, s: Step) {
    match app.overlay {
        Overlay::Help { scroll } => {
            let (lines, area) = (view::help_lines(), view::overlay_text_area(app));
            let new = scrolled(scroll, amount(&s, area.height as usize), &lines, area);
            app.overlay = Overlay::Help { scroll: new };
            return;
        }
        Overlay::Errors { scroll } => {
            let (lines, area) = (view::error_lines(app), view::overlay_text_area(app));
            let new = scrolled(scroll, amount(&s, area.height as usize), &lines, area);
            app.overlay = Overlay::Errors { scroll: new };
            return;
        }
        Overlay::None => {}
    }
    if !app.is_ready() {
        return;
    }
    match app.screen {
        Screen::Allowlist => {
            let h = layout::allowlist_rows(app).height as usize;
            let len = app.triage.snapshot.allowlist.entries.len();
            app.triage.cursor.step(amount(&s, h), len, h);
        }
        Screen::List => {
            let h = layout::table_rows(app).height as usize;
            let len = app.list.visible.len();
            app.list.cursor.step(amount(&s, h), len, h);
        }
        Screen::Grouped => {
            let h = layout::table_rows(app).height as usize;
            let len = app.groups.groups.len();
            app.groups.cursor.step(amount(&s, h), len, h);
        }
        Screen::Detail => match app.detail.pane {
            Pane::Risk => {
                let area = layout::risk_text(app);
                let lines = view::risk_lines(app);
                app.detail.risk_scroll = scrolled(
                    app.detail.risk_scroll,
                    amount(&s, area.height as usize),
                    &lines,
                    area,
                );
            }
            Pane::Raw => {
                let area = layout::raw_text(app);
                let lines = view::raw_lines(app);
                app.detail.raw.scroll = scrolled(
                    app.detail.raw.scroll,
                    amount(&s, area.height as usize),
                    &lines,
                    area,
                );
            }
            Pane::Keys => {
                let h = layout::list_rows(layout::keys_areas(app).2).height as usize;
                let len = app.detail.keys.as_ref().map_or(0, |(_, k)| k.events.len());
                app.detail.keys_cursor.step(amount(&s, h), len, h);
            }
            Pane::Related => {
                let h = layout::list_rows(layout::related_areas(app).1).height as usize;
                let len = app
                    .detail
                    .related
                    .as_ref()
                    .map_or(0, |(_, _, r)| r.rows.len());
                app.detail.related_cursor.step(amount(&s, h), len, h);
            }
        },
    }
}

/// Scrolls wrapped `lines` shown in `area` by `delta` rows, within bounds.
fn scrolled(scroll: usize, delta: isize, lines: &[Line<'_>], area: Rect) -> usize {
    let total: usize = lines
        .iter()
        .map(|l| text::height(l, area.width as usize))
        .sum();
    let max = total.saturating_sub(area.height as usize);
    (scroll as isize)
        .saturating_add(delta)
        .clamp(0, max as isize) as usize
}

fn open(app: &mut App, fx: &mut Vec<Effect>) {
    match app.screen {
        Screen::Allowlist => {
            if selected_entry(app).is_some() {
                app.triage.only_entry = Some(app.triage.cursor.selected);
                app.screen = Screen::List;
                refilter(app);
                app.list.cursor = Cursor::default();
            }
        }
        Screen::List => {
            if let Some(i) = app.selected_finding() {
                let pane = app.detail.pane;
                enter_detail(app, i, pane, fx);
            }
        }
        Screen::Grouped => {
            let Some(data) = &app.data else { return };
            let Some(g) = app.groups.groups.get(app.groups.cursor.selected) else {
                return;
            };
            app.filter.text = format!(
                "actor:{} target:{}",
                quote(g.actor(data)),
                quote(g.target(data))
            );
            app.filter.parsed = Filter::parse(&app.filter.text, &app.zone());
            app.screen = Screen::List;
            refilter(app);
            app.list.cursor = Cursor::default();
        }
        Screen::Detail => {
            let event = match app.detail.pane {
                Pane::Keys => app
                    .detail
                    .keys
                    .as_ref()
                    .and_then(|(_, k)| k.events.get(app.detail.keys_cursor.selected).copied()),
                Pane::Related => app.detail.related.as_ref().and_then(|(_, _, r)| {
                    r.rows
                        .get(app.detail.related_cursor.selected)
                        .map(|r| r.event)
                }),
                _ => None,
            };
            if let Some(event) = event {
                let from = app.detail.pane;
                let raw = &mut app.detail.raw;
                raw.target = RawTarget::Event { event, from };
                raw.delivery = 0;
                raw.scroll = 0;
                raw.doc = None;
                app.detail.pane = Pane::Raw;
                ensure_raw(app, fx);
            }
        }
    }
}

fn back(app: &mut App, fx: &mut Vec<Effect>) {
    match app.screen {
        Screen::List => {
            // Esc undoes the narrowest thing first: marks, the entry's
            // findings, then the filter.
            if !app.triage.marked.is_empty() {
                app.triage.marked.clear();
            } else if app.triage.only_entry.is_some() {
                app.triage.only_entry = None;
                refilter(app);
            } else if !app.filter.text.is_empty() {
                app.filter.text.clear();
                app.filter.parsed = Filter::default();
                refilter(app);
            }
        }
        Screen::Grouped | Screen::Allowlist => {
            app.screen = Screen::List;
        }
        Screen::Detail => {
            let raw = &mut app.detail.raw;
            if app.detail.pane == Pane::Raw && !raw.search.text.is_empty() {
                raw.search = Default::default();
            } else if let (Pane::Raw, RawTarget::Event { from, .. }) = (app.detail.pane, raw.target)
            {
                raw.target = RawTarget::Finding;
                raw.delivery = 0;
                raw.scroll = 0;
                raw.doc = None;
                app.detail.pane = from;
                prepare_pane(app, fx);
            } else {
                app.screen = Screen::List;
            }
        }
    }
}

/// Opens finding `i` in `pane`.
pub fn enter_detail(app: &mut App, i: usize, pane: Pane, fx: &mut Vec<Effect>) {
    if app.detail.finding != i || app.screen != Screen::Detail {
        let window = app.detail.window;
        let keep = std::mem::take(&mut app.detail);
        app.detail.window = window;
        // The search text carries over so `n` keeps working finding to finding.
        app.detail.raw.search.text = keep.raw.search.text;
        if keep.finding == i {
            app.detail.keys = keep.keys;
            app.detail.related = keep.related;
        }
    }
    app.detail.finding = i;
    app.screen = Screen::Detail;
    show_pane(app, pane, fx);
}

fn show_pane(app: &mut App, pane: Pane, fx: &mut Vec<Effect>) {
    if pane == Pane::Raw && app.detail.pane != Pane::Raw {
        let raw = &mut app.detail.raw;
        if raw.target != RawTarget::Finding {
            raw.target = RawTarget::Finding;
            raw.delivery = 0;
            raw.scroll = 0;
            raw.doc = None;
        }
    }
    app.detail.pane = pane;
    prepare_pane(app, fx);
}

/// Computes (or asks for) what the current pane shows.
fn prepare_pane(app: &mut App, fx: &mut Vec<Effect>) {
    let i = app.detail.finding;
    let Some(data) = &app.data else { return };
    match app.detail.pane {
        Pane::Risk => {}
        Pane::Raw => ensure_raw(app, fx),
        Pane::Keys => {
            if app.detail.keys.as_ref().is_none_or(|(f, _)| *f != i) {
                app.detail.keys = Some((i, panes::key_usage(data, i)));
                app.detail.keys_cursor = Cursor::default();
            }
        }
        Pane::Related => {
            let w = app.detail.window;
            if app
                .detail
                .related
                .as_ref()
                .is_none_or(|(f, win, _)| *f != i || *win != w)
            {
                app.detail.related = Some((i, w, panes::related(data, i, WINDOWS[w])));
                app.detail.related_cursor = Cursor::default();
            }
        }
    }
}

/// Makes sure the raw pane's delivery is read: from memory when the loader
/// kept it, from the cache, or by asking the runtime.
fn ensure_raw(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(d) = app.delivery() else {
        app.detail.raw.doc = None;
        return;
    };
    let Some(data) = &app.data else { return };
    if let std::collections::hash_map::Entry::Vacant(slot) = app.raw_cache.entry(d.key) {
        let ev = &data.index.events[d.key.event];
        match (&ev.raw, d.key.copy) {
            (Some(r), 0) => {
                slot.insert(Ok(r.clone()));
            }
            _ => {
                if app.pending.insert(d.key) {
                    fx.push(Effect::FetchRaw {
                        key: d.key,
                        loc: d.loc,
                        index: data.index.clone(),
                    });
                }
            }
        }
    }
    refresh_doc(app);
}

/// Rebuilds the pretty-printed event when what the raw pane shows changed.
fn refresh_doc(app: &mut App) {
    let Some(d) = app.delivery() else { return };
    if app
        .detail
        .raw
        .doc
        .as_ref()
        .is_some_and(|(k, _)| *k == d.key)
    {
        return;
    }
    let Some(text) = app.raw_cache.get(&d.key) else {
        return;
    };
    let hot: Vec<String> = match app.detail.raw.target {
        RawTarget::Finding => app
            .data
            .as_ref()
            .and_then(|data| data.rule_of(app.detail.finding))
            .map(rule_paths)
            .unwrap_or_default(),
        RawTarget::Event {
            from: Pane::Keys, ..
        } => vec!["userIdentity.accessKeyId".into()],
        RawTarget::Event { .. } => vec!["userIdentity.arn".into(), "sourceIPAddress".into()],
    };
    let doc = match text {
        Ok(t) => Ok(json::pretty(t, &hot).unwrap_or_else(|e| {
            let mut d = Doc::plain_text(t);
            let note = Piece {
                tok: Tok::Note,
                text: format!("(not valid JSON: {e}; shown as text)"),
                hot: false,
            };
            d.lines.insert(
                0,
                DocLine {
                    pieces: vec![note],
                    hot: false,
                },
            );
            d
        })),
        Err(e) => Err(e.clone()),
    };
    app.detail.raw.doc = Some((d.key, doc));
    app.detail.raw.scroll = 0;
    research(app);
}

fn filter_input(app: &mut App, action: Action) {
    let zone = app.zone();
    let f = &mut app.filter;
    match action {
        Action::Accept => f.editing = false,
        Action::Cancel => {
            f.editing = false;
            f.text.clear();
        }
        Action::DeleteBack => {
            f.text.pop();
        }
        Action::ClearInput => f.text.clear(),
        Action::Type(c) => f.text.push(c),
        _ => return,
    }
    let parsed = Filter::parse(&f.text, &zone);
    if parsed == app.filter.parsed {
        return;
    }
    let narrows = parsed.narrows(&app.filter.parsed);
    app.filter.parsed = parsed;
    match &app.data {
        // Typing on narrows what is shown: filter those rows, not all.
        Some(data) if narrows => {
            let keep = app.selected_finding();
            app.list.visible = app.filter.parsed.apply(data, &app.list.visible);
            let pos = keep
                .and_then(|k| app.list.visible.iter().position(|&v| v as usize == k))
                .unwrap_or(0);
            let h = layout::table_rows(app).height as usize;
            app.list.cursor.select(pos, app.list.visible.len(), h);
            regroup(app);
        }
        _ => refilter(app),
    }
}

fn search_input(app: &mut App, action: Action) {
    let s = &mut app.detail.raw.search;
    match action {
        Action::Accept => s.editing = false,
        Action::Cancel => {
            *s = Default::default();
            return;
        }
        Action::DeleteBack => {
            s.text.pop();
        }
        Action::ClearInput => s.text.clear(),
        Action::Type(c) => s.text.push(c),
        _ => return,
    }
    research(app);
    scroll_to_match(app);
}

/// Finds the search text in the pretty-printed event again.
fn research(app: &mut App) {
    let raw = &mut app.detail.raw;
    raw.search.matches = match &raw.doc {
        Some((_, Ok(doc))) => doc.find(&raw.search.text),
        _ => Vec::new(),
    };
    raw.search.current = 0;
}

fn scroll_to_match(app: &mut App) {
    let Some(&(line, _)) = app
        .detail
        .raw
        .search
        .matches
        .get(app.detail.raw.search.current)
    else {
        return;
    };
    let area = layout::raw_text(app);
    let lines = view::raw_lines(app);
    let w = area.width as usize;
    let row: usize = lines.iter().take(line).map(|l| text::height(l, w)).sum();
    // Keep a couple of lines of context above the match.
    let want = row.saturating_sub(2);
    let total: usize = lines.iter().map(|l| text::height(l, w)).sum();
    app.detail.raw.scroll = want.min(total.saturating_sub(area.height as usize));
}

fn sort(app: &mut App, col: Option<usize>) {
    match app.screen {
        Screen::Grouped => {
            let all = GroupCol::ALL;
            let cur = all.iter().position(|c| *c == app.groups.sort).unwrap_or(0);
            let next = col.unwrap_or((cur + 1) % all.len());
            if next == cur && col.is_some() {
                app.groups.desc = !app.groups.desc;
            } else {
                app.groups.sort = all[next];
                app.groups.desc = matches!(
                    all[next],
                    GroupCol::Findings | GroupCol::Events | GroupCol::Last
                );
            }
        }
        _ => {
            let all = Col::ALL;
            let cur = all.iter().position(|c| *c == app.list.sort).unwrap_or(0);
            let next = col.unwrap_or((cur + 1) % all.len());
            if next == cur && col.is_some() {
                app.list.desc = !app.list.desc;
            } else {
                app.list.sort = all[next];
                // Highest risk first is what anyone sorting by risk wants.
                app.list.desc = all[next] == Col::Risk;
            }
        }
    }
    resort(app);
}

fn resort(app: &mut App) {
    if let Some(d) = &app.data {
        app.list.order = d.sorted(app.list.sort, app.list.desc);
    }
    refilter(app);
}

/// Recomputes the visible findings, keeping the selected one selected when
/// it is still there.
fn refilter(app: &mut App) {
    let Some(data) = &app.data else { return };
    let keep = app.selected_finding();
    app.list.visible = app.filter.parsed.apply(data, &app.list.order);
    let t = &app.triage;
    if let Some(e) = t.only_entry {
        // What the entry matches whatever its state, so a disabled entry
        // shows what it would suppress.
        let hits: std::collections::HashSet<usize> = t
            .snapshot
            .allowlist
            .entries
            .get(e)
            .map(|en| Allowlist::preview(en, &data.findings))
            .unwrap_or_default()
            .into_iter()
            .collect();
        app.list.visible.retain(|&i| hits.contains(&(i as usize)));
    } else if !t.show_suppressed {
        app.list
            .visible
            .retain(|&i| !t.eval.is_suppressed(i as usize));
    }
    let pos = keep
        .and_then(|k| app.list.visible.iter().position(|&v| v as usize == k))
        .unwrap_or(0);
    let h = layout::table_rows(app).height as usize;
    app.list.cursor.select(pos, app.list.visible.len(), h);
    regroup(app);
}

fn regroup(app: &mut App) {
    if app.screen != Screen::Grouped {
        return;
    }
    let Some(data) = &app.data else { return };
    // The selected group stays selected when it is still there.
    let sel = app
        .groups
        .groups
        .get(app.groups.cursor.selected)
        .map(|g| g.rep as usize);
    let key = |i: usize| (&data.rows[i].actor, &data.rows[i].target);
    app.groups.groups = groups(data, &app.list.visible, app.groups.sort, app.groups.desc);
    let pos = sel
        .and_then(|s| {
            app.groups
                .groups
                .iter()
                .position(|g| key(g.rep as usize) == key(s))
        })
        .unwrap_or(0);
    let h = layout::table_rows(app).height as usize;
    app.groups.cursor.select(pos, app.groups.groups.len(), h);
}

/// Keeps every cursor and scroll inside its (possibly resized) viewport.
fn reclamp(app: &mut App) {
    let h = layout::table_rows(app).height as usize;
    app.list.cursor.clamp(app.list.visible.len(), h);
    app.groups.cursor.clamp(app.groups.groups.len(), h);
    let kh = layout::list_rows(layout::keys_areas(app).2).height as usize;
    let kl = app.detail.keys.as_ref().map_or(0, |(_, k)| k.events.len());
    app.detail.keys_cursor.clamp(kl, kh);
    let rh = layout::list_rows(layout::related_areas(app).1).height as usize;
    let rl = app
        .detail
        .related
        .as_ref()
        .map_or(0, |(_, _, r)| r.rows.len());
    app.detail.related_cursor.clamp(rl, rh);
    // A zero step clamps the scroll of whatever text is showing.
    let text_shown = app.overlay != Overlay::None
        || (app.screen == Screen::Detail && matches!(app.detail.pane, Pane::Risk | Pane::Raw));
    if text_shown {
        step(app, Step::By(0));
    }
}

fn mouse(app: &mut App, m: MouseEvent, fx: &mut Vec<Effect>) {
    match m.kind {
        MouseEventKind::ScrollDown => {
            for _ in 0..3 {
                act(app, Action::Down, fx);
            }
        }
        MouseEventKind::ScrollUp => {
            for _ in 0..3 {
                act(app, Action::Up, fx);
            }
        }
        MouseEventKind::Down(MouseButton::Left) => click(app, m.column, m.row, fx),
        _ => {}
    }
}

fn click(app: &mut App, x: u16, y: u16, fx: &mut Vec<Effect>) {
    if app.overlay != Overlay::None || !app.is_ready() || !layout::usable(app) {
        return;
    }
    let body = layout::areas(app).body;
    let rows = layout::table_rows(app);
    match app.screen {
        Screen::List | Screen::Grouped => {
            if y == body.y {
                let col = if app.screen == Screen::List {
                    layout::columns(app.width)
                        .iter()
                        .find(|c| x >= c.x && x < c.x + c.width + 1)
                        .and_then(|c| Col::ALL.iter().position(|a| *a == c.col))
                } else {
                    layout::group_columns(app.width)
                        .iter()
                        .find(|c| x >= c.x && x < c.x + c.width + 1)
                        .and_then(|c| GroupCol::ALL.iter().position(|a| *a == c.col))
                };
                if col.is_some() {
                    sort(app, col);
                }
            } else if y >= rows.y && y < rows.y + rows.height {
                let h = rows.height as usize;
                let (cursor, len) = match app.screen {
                    Screen::List => (&mut app.list.cursor, app.list.visible.len()),
                    _ => (&mut app.groups.cursor, app.groups.groups.len()),
                };
                let i = cursor.offset + (y - rows.y) as usize;
                if i < len {
                    if i == cursor.selected {
                        // A click on the selected row opens it.
                        open(app, fx);
                    } else {
                        cursor.select(i, len, h);
                    }
                }
            }
        }
        Screen::Detail => {
            if y == body.y {
                if let Some((p, ..)) = layout::tabs()
                    .into_iter()
                    .find(|(_, _, x0, x1)| x >= *x0 && x < *x1)
                {
                    show_pane(app, p, fx);
                }
                return;
            }
            let (list, cursor, len) = match app.detail.pane {
                Pane::Keys => (
                    layout::list_rows(layout::keys_areas(app).2),
                    &mut app.detail.keys_cursor,
                    app.detail.keys.as_ref().map_or(0, |(_, k)| k.events.len()),
                ),
                Pane::Related => (
                    layout::list_rows(layout::related_areas(app).1),
                    &mut app.detail.related_cursor,
                    app.detail
                        .related
                        .as_ref()
                        .map_or(0, |(_, _, r)| r.rows.len()),
                ),
                _ => return,
            };
            if y >= list.y && y < list.y + list.height {
                let i = cursor.offset + (y - list.y) as usize;
                if i < len {
                    if i == cursor.selected {
                        open(app, fx);
                    } else {
                        cursor.select(i, len, list.height as usize);
                    }
                }
            }
        }
        Screen::Allowlist => {
            let list = layout::allowlist_rows(app);
            let len = app.triage.snapshot.allowlist.entries.len();
            let cursor = &mut app.triage.cursor;
            if y >= list.y && y < list.y + list.height {
                let i = cursor.offset + (y - list.y) as usize;
                if i < len {
                    cursor.select(i, len, list.height as usize);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::synthetic;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    /// A ready console of 100×30 over `n` synthetic findings.
    fn app(n: usize) -> App {
        let mut a = App::new(vec!["synthetic".into()], None, 100, 30);
        update(&mut a, Msg::Loaded(Box::new(synthetic::data(n))));
        a
    }

    fn press(a: &mut App, code: KeyCode) -> Vec<Effect> {
        update(a, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn ch(a: &mut App, c: char) -> Vec<Effect> {
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        update(a, Msg::Key(KeyEvent::new(KeyCode::Char(c), mods)))
    }

    fn ctrl(a: &mut App, c: char) -> Vec<Effect> {
        update(
            a,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
        )
    }

    fn typed(a: &mut App, s: &str) {
        for c in s.chars() {
            ch(a, c);
        }
    }

    #[test]
    fn j_moves_down_and_the_viewport_follows() {
        let mut a = app(100);
        let h = layout::table_rows(&a).height as usize;
        for _ in 0..h + 3 {
            ch(&mut a, 'j');
        }
        assert_eq!(a.list.cursor.selected, h + 3);
        assert_eq!(a.list.cursor.offset, 4);
        ch(&mut a, 'k');
        assert_eq!(a.list.cursor.selected, h + 2);
    }

    #[test]
    fn g_and_shift_g_jump_to_the_ends() {
        let mut a = app(100);
        ch(&mut a, 'G');
        assert_eq!(a.list.cursor.selected, 99);
        ch(&mut a, 'g');
        assert_eq!((a.list.cursor.selected, a.list.cursor.offset), (0, 0));
        press(&mut a, KeyCode::End);
        assert_eq!(a.list.cursor.selected, 99);
        press(&mut a, KeyCode::Home);
        assert_eq!(a.list.cursor.selected, 0);
    }

    #[test]
    fn ctrl_d_and_ctrl_u_move_half_a_page_and_pgdn_a_page() {
        let mut a = app(100);
        let h = layout::table_rows(&a).height as usize;
        ctrl(&mut a, 'd');
        assert_eq!(a.list.cursor.selected, h / 2);
        ctrl(&mut a, 'u');
        assert_eq!(a.list.cursor.selected, 0);
        press(&mut a, KeyCode::PageDown);
        assert_eq!(a.list.cursor.selected, (h / 2) * 2);
    }

    #[test]
    fn moving_past_the_ends_stays_in_bounds() {
        let mut a = app(3);
        ch(&mut a, 'k');
        assert_eq!(a.list.cursor.selected, 0);
        for _ in 0..10 {
            ch(&mut a, 'j');
        }
        assert_eq!(a.list.cursor.selected, 2);
    }

    #[test]
    fn enter_opens_the_selected_finding_and_esc_goes_back() {
        let mut a = app(10);
        ch(&mut a, 'j');
        press(&mut a, KeyCode::Enter);
        assert_eq!(a.screen, Screen::Detail);
        assert_eq!(a.detail.finding, 1);
        assert_eq!(a.detail.pane, Pane::Risk);
        press(&mut a, KeyCode::Esc);
        assert_eq!(a.screen, Screen::List);
        assert_eq!(a.list.cursor.selected, 1);
    }

    #[test]
    fn tab_and_shift_tab_cycle_the_panes() {
        let mut a = app(3);
        press(&mut a, KeyCode::Enter);
        let mut seen = vec![a.detail.pane];
        for _ in 0..4 {
            press(&mut a, KeyCode::Tab);
            seen.push(a.detail.pane);
        }
        assert_eq!(
            seen,
            vec![Pane::Risk, Pane::Raw, Pane::Keys, Pane::Related, Pane::Risk]
        );
        update(
            &mut a,
            Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        );
        assert_eq!(a.detail.pane, Pane::Related);
    }

    #[test]
    fn number_keys_open_a_pane_from_the_list_and_switch_in_detail() {
        let mut a = app(3);
        ch(&mut a, '3');
        assert_eq!((a.screen, a.detail.pane), (Screen::Detail, Pane::Keys));
        ch(&mut a, '1');
        assert_eq!(a.detail.pane, Pane::Risk);
        ch(&mut a, '4');
        assert_eq!(a.detail.pane, Pane::Related);
    }

    #[test]
    fn enter_reopens_the_pane_used_last() {
        let mut a = app(3);
        ch(&mut a, '2');
        press(&mut a, KeyCode::Esc);
        ch(&mut a, 'j');
        press(&mut a, KeyCode::Enter);
        assert_eq!((a.detail.finding, a.detail.pane), (1, Pane::Raw));
    }

    #[test]
    fn q_quits_even_while_loading() {
        let mut a = App::new(vec![], None, 80, 24);
        let fx = ch(&mut a, 'q');
        assert!(matches!(fx[..], [Effect::Quit]));
        let fx = ctrl(&mut a, 'c');
        assert!(matches!(fx[..], [Effect::Quit]));
    }

    #[test]
    fn slash_filters_live_as_you_type() {
        let mut a = app(200);
        ch(&mut a, '/');
        assert!(a.filter.editing);
        typed(&mut a, "user007");
        assert!(!a.list.visible.is_empty() && a.list.visible.len() < 200);
        let d = a.data.as_ref().unwrap();
        let rows = || a.list.visible.iter().map(|&i| i as usize);
        assert!(rows().all(|i| crate::tui::filter::is_subsequence(d.hay(i), "user007")));
        assert!(rows().any(|i| d.rows[i].caller.contains("user007")));
    }

    #[test]
    fn q_is_text_while_filtering_and_ctrl_c_still_quits() {
        let mut a = app(10);
        ch(&mut a, '/');
        assert!(ch(&mut a, 'q').is_empty());
        assert_eq!(a.filter.text, "q");
        assert!(matches!(ctrl(&mut a, 'c')[..], [Effect::Quit]));
    }

    #[test]
    fn arrows_move_the_selection_while_filtering() {
        let mut a = app(10);
        ch(&mut a, '/');
        press(&mut a, KeyCode::Down);
        assert_eq!(a.list.cursor.selected, 1);
        assert!(a.filter.editing && a.filter.text.is_empty());
    }

    #[test]
    fn esc_while_typing_clears_the_filter_and_enter_keeps_it() {
        let mut a = app(50);
        ch(&mut a, '/');
        typed(&mut a, "svc-00");
        let narrowed = a.list.visible.len();
        press(&mut a, KeyCode::Esc);
        assert!(!a.filter.editing && a.filter.text.is_empty());
        assert_eq!(a.list.visible.len(), 50);
        ch(&mut a, '/');
        typed(&mut a, "svc-00");
        press(&mut a, KeyCode::Enter);
        assert!(!a.filter.editing);
        assert_eq!(a.list.visible.len(), narrowed);
        // Esc in the list clears the filter in force.
        press(&mut a, KeyCode::Esc);
        assert_eq!(a.list.visible.len(), 50);
    }

    #[test]
    fn typing_char_by_char_gives_the_same_rows_as_the_whole_filter() {
        for text in [
            "user04 svc-1",
            "src:198.51.1 user0",
            "!svc-0 user1",
            "svc-00 !svc-001",
            "us-west",
        ] {
            let mut a = app(2000);
            ch(&mut a, '/');
            typed(&mut a, text);
            let d = a.data.as_ref().unwrap();
            let whole = Filter::parse(text, &a.zone()).apply(d, &a.list.order);
            assert_eq!(a.list.visible, whole, "{text}");
        }
    }

    #[test]
    fn backspace_widens_the_filter_again() {
        let mut a = app(50);
        ch(&mut a, '/');
        typed(&mut a, "target:svc-0001");
        let narrow = a.list.visible.len();
        press(&mut a, KeyCode::Backspace);
        assert!(a.list.visible.len() >= narrow);
        assert_eq!(a.filter.text, "target:svc-000");
    }

    #[test]
    fn the_selected_finding_stays_selected_when_the_filter_keeps_it() {
        let mut a = app(50);
        for _ in 0..5 {
            ch(&mut a, 'j');
        }
        let chosen = a.selected_finding().unwrap();
        let target = a.data.as_ref().unwrap().rows[chosen].target.clone();
        ch(&mut a, '/');
        typed(&mut a, &format!("target:{target}"));
        assert_eq!(a.selected_finding(), Some(chosen));
    }

    #[test]
    fn s_cycles_sort_columns_and_shift_s_reverses() {
        let mut a = app(30);
        assert_eq!((a.list.sort, a.list.desc), (Col::Time, false));
        ch(&mut a, 'o');
        assert_eq!((a.list.sort, a.list.desc), (Col::Risk, true));
        ch(&mut a, 'o');
        assert_eq!(a.list.sort, Col::Caller);
        let d = a.data.as_ref().unwrap();
        let callers: Vec<&str> = a
            .list
            .visible
            .iter()
            .map(|&i| d.rows[i as usize].caller.as_str())
            .collect();
        assert!(callers.windows(2).all(|w| w[0] <= w[1]));
        ch(&mut a, 'O');
        let d = a.data.as_ref().unwrap();
        let callers: Vec<&str> = a
            .list
            .visible
            .iter()
            .map(|&i| d.rows[i as usize].caller.as_str())
            .collect();
        assert!(callers.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn v_groups_by_caller_and_target_and_enter_lists_the_group() {
        let mut a = app(500);
        ch(&mut a, 'v');
        assert_eq!(a.screen, Screen::Grouped);
        let g = a.groups.groups[0].clone();
        let total: usize = a.groups.groups.iter().map(|g| g.findings.len()).sum();
        assert_eq!(total, 500);
        // Most findings first.
        assert!(
            a.groups
                .groups
                .windows(2)
                .all(|w| w[0].findings.len() >= w[1].findings.len())
        );
        press(&mut a, KeyCode::Enter);
        assert_eq!(a.screen, Screen::List);
        assert_eq!(a.list.visible.len(), g.findings.len());
        assert!(a.filter.text.starts_with("actor:\""));
    }

    #[test]
    fn t_toggles_utc_and_the_local_zone_and_tz_starts_in_its_zone() {
        let mut a = app(3);
        assert!(a.utc);
        ch(&mut a, 't');
        assert!(!a.utc);
        assert_eq!(a.zone(), crate::tui::zone::Zone::Local);
        let paris = crate::tui::zone::Zone::parse("Europe/Paris").unwrap();
        let mut b = App::new(vec![], Some(paris), 100, 30);
        update(&mut b, Msg::Loaded(Box::new(synthetic::data(3))));
        assert_eq!(b.zone(), paris);
        let hay = b.data.as_ref().unwrap().hay(0);
        assert!(hay.contains("+01"), "{hay}");
        ch(&mut b, 't');
        assert_eq!(b.zone(), crate::tui::zone::Zone::Utc);
        assert!(b.data.as_ref().unwrap().hay(0).contains("+00"));
    }

    #[test]
    fn the_raw_pane_reads_kept_events_from_memory_without_io() {
        let mut a = app(3);
        let fx = ch(&mut a, '2');
        assert!(fx.is_empty(), "{fx:?}");
        assert!(matches!(&a.detail.raw.doc, Some((_, Ok(d))) if !d.lines.is_empty()));
    }

    #[test]
    fn events_not_in_memory_are_fetched_once_by_the_runtime() {
        let mut a = app(3);
        ch(&mut a, '3');
        let used = a.detail.keys.as_ref().unwrap().1.events.len();
        assert_eq!(used, 5);
        let fx = press(&mut a, KeyCode::Enter);
        assert!(matches!(&fx[..], [Effect::FetchRaw { .. }]), "{fx:?}");
        assert_eq!(a.detail.pane, Pane::Raw);
        assert!(matches!(
            a.detail.raw.target,
            RawTarget::Event {
                from: Pane::Keys,
                ..
            }
        ));
        // Asking again while the read is pending does not ask twice.
        let mut again = Vec::new();
        ensure_raw(&mut a, &mut again);
        assert!(again.is_empty());
        let key = *a.pending.iter().next().unwrap();
        update(
            &mut a,
            Msg::Raw {
                key,
                text: Ok(Arc::from("{\"eventName\":\"ListUsers\"}")),
            },
        );
        assert!(a.pending.is_empty());
        assert!(matches!(&a.detail.raw.doc, Some((_, Ok(_)))));
        // Esc goes back to the list the event was opened from.
        press(&mut a, KeyCode::Esc);
        assert_eq!(a.detail.pane, Pane::Keys);
        assert_eq!(a.detail.raw.target, RawTarget::Finding);
    }

    #[test]
    fn search_in_the_raw_event_finds_and_n_cycles_matches() {
        let mut a = app(3);
        ch(&mut a, '2');
        ch(&mut a, '/');
        typed(&mut a, "svc");
        press(&mut a, KeyCode::Enter);
        let n = a.detail.raw.search.matches.len();
        assert!(n >= 2, "{n}");
        ch(&mut a, 'n');
        assert_eq!(a.detail.raw.search.current, 1);
        ch(&mut a, 'N');
        ch(&mut a, 'N');
        assert_eq!(a.detail.raw.search.current, n - 1);
        // Esc clears the search before it leaves the pane.
        press(&mut a, KeyCode::Esc);
        assert!(a.detail.raw.search.matches.is_empty());
        assert_eq!(a.screen, Screen::Detail);
    }

    #[test]
    fn plus_and_minus_change_the_related_window_within_bounds() {
        let mut a = app(400);
        ch(&mut a, '4');
        let n1 = a.detail.related.as_ref().unwrap().2.rows.len();
        for _ in 0..10 {
            ch(&mut a, '+');
        }
        assert_eq!(a.detail.window, WINDOWS.len() - 1);
        let n2 = a.detail.related.as_ref().unwrap().2.rows.len();
        assert!(n2 >= n1);
        for _ in 0..10 {
            ch(&mut a, '-');
        }
        assert_eq!(a.detail.window, 0);
    }

    #[test]
    fn resizing_keeps_the_selection_on_screen() {
        let mut a = app(100);
        ch(&mut a, 'G');
        update(&mut a, Msg::Resize(100, 20));
        let c = a.list.cursor;
        let h = layout::table_rows(&a).height as usize;
        assert!(c.selected >= c.offset && c.selected < c.offset + h);
    }

    #[test]
    fn question_mark_toggles_help_and_j_scrolls_it() {
        let mut a = app(3);
        ch(&mut a, '?');
        assert_eq!(a.overlay, Overlay::Help { scroll: 0 });
        ch(&mut a, 'j');
        assert_eq!(a.overlay, Overlay::Help { scroll: 1 });
        // Moving keys scroll the help, not the list.
        assert_eq!(a.list.cursor.selected, 0);
        press(&mut a, KeyCode::Esc);
        assert_eq!(a.overlay, Overlay::None);
    }

    #[test]
    fn the_wheel_moves_three_rows_and_a_click_selects() {
        let mut a = app(50);
        update(
            &mut a,
            Msg::Mouse(MouseEvent {
                kind: MouseEventKind::ScrollDown,
                column: 5,
                row: 10,
                modifiers: KeyModifiers::NONE,
            }),
        );
        assert_eq!(a.list.cursor.selected, 3);
        let rows = layout::table_rows(&a);
        update(
            &mut a,
            Msg::Mouse(MouseEvent {
                kind: MouseEventKind::Down(MouseButton::Left),
                column: 5,
                row: rows.y + 7,
                modifiers: KeyModifiers::NONE,
            }),
        );
        assert_eq!(a.list.cursor.selected, 7);
        assert_eq!(a.screen, Screen::List);
    }

    #[test]
    fn key_releases_are_ignored() {
        let mut a = app(5);
        let mut k = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
        k.kind = KeyEventKind::Release;
        update(&mut a, Msg::Key(k));
        assert_eq!(a.list.cursor.selected, 0);
    }

    #[test]
    fn a_failed_load_ends_the_console_with_its_message() {
        let mut a = App::new(vec![], None, 80, 24);
        let fx = update(&mut a, Msg::Failed("boom".into()));
        assert!(matches!(&fx[..], [Effect::Fail(m)] if m == "boom"));
    }

    #[test]
    fn space_marks_and_statuses_apply_to_the_marked_findings() {
        let mut a = app(10);
        ch(&mut a, ' ');
        ch(&mut a, ' ');
        assert_eq!(a.triage.marked.len(), 2);
        let fx = ch(&mut a, 'I');
        let d = a.data.as_ref().unwrap();
        let want: Vec<String> = a
            .triage
            .marked
            .iter()
            .map(|&i| d.findings[i as usize].key.clone())
            .collect();
        assert!(matches!(
            &fx[..],
            [Effect::Triage(Op::SetStatus { keys, status: crate::triage::Status::Investigating })]
                if *keys == want
        ));
        press(&mut a, KeyCode::Esc);
        assert!(a.triage.marked.is_empty(), "Esc clears the marks first");
    }

    #[test]
    fn a_status_with_nothing_marked_applies_to_the_selected_finding() {
        let mut a = app(10);
        ch(&mut a, 'j');
        let key = a.data.as_ref().unwrap().findings[a.selected_finding().unwrap()]
            .key
            .clone();
        let fx = ch(&mut a, 'C');
        assert!(
            matches!(&fx[..], [Effect::Triage(Op::SetStatus { keys, .. })] if *keys == vec![key])
        );
    }

    #[test]
    fn a_note_is_typed_then_sent_as_an_effect_and_letters_are_text_meanwhile() {
        let mut a = app(5);
        ch(&mut a, 'a');
        typed(&mut a, "q is text");
        assert_eq!(a.triage.note.as_deref(), Some("q is text"));
        let fx = press(&mut a, KeyCode::Enter);
        assert!(
            matches!(&fx[..], [Effect::Triage(Op::AddNote { text, .. })] if text == "q is text")
        );
        assert!(a.triage.note.is_none());
    }

    #[test]
    fn the_suppress_form_previews_and_refuses_to_save_without_a_reason() {
        let mut a = app(20);
        ch(&mut a, 's');
        let form = a.triage.form.as_ref().expect("s opens the form");
        assert!(form.preview.contains(&a.selected_finding().unwrap()));
        let before = form.preview.len();
        // Unticking every ticked condition leaves an entry that matches nothing.
        let n = form.entry.conditions.len();
        // The focus starts on the first condition and Tab walks them in order.
        for c in 0..n {
            if a.triage.form.as_ref().unwrap().entry.conditions[c].enabled() {
                ch(&mut a, ' ');
            }
            press(&mut a, KeyCode::Tab);
        }
        assert!(a.triage.form.as_ref().unwrap().preview.is_empty());
        assert!(before > 0);
        let fx = press(&mut a, KeyCode::Enter);
        assert!(fx.is_empty());
        assert!(
            a.triage
                .form
                .as_ref()
                .unwrap()
                .error
                .as_deref()
                .unwrap()
                .contains("reason")
        );
        press(&mut a, KeyCode::Esc);
        assert!(a.triage.form.is_none());
    }

    #[test]
    fn saving_the_form_asks_for_the_entry_to_be_added() {
        let mut a = app(20);
        ch(&mut a, 's');
        while a.triage.form.as_ref().unwrap().focus != Focus::Reason {
            press(&mut a, KeyCode::Tab);
        }
        typed(&mut a, "deploy pipeline");
        press(&mut a, KeyCode::Tab);
        typed(&mut a, "30d");
        let fx = press(&mut a, KeyCode::Enter);
        match &fx[..] {
            [Effect::Triage(Op::AddEntry(e))] => {
                assert_eq!(e.reason, "deploy pipeline");
                assert!(e.expires.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert!(a.triage.form.is_none());
    }

    #[test]
    fn suppressed_findings_are_hidden_until_h_and_counted() {
        let mut a = app(20);
        let i = a.selected_finding().unwrap();
        let f = a.data.as_ref().unwrap().findings[i].clone();
        let mut entry = crate::triage::Entry::draft_from_finding(&f, chrono::Utc::now());
        entry.reason = "known".into();
        let hits = Allowlist::preview(&entry, &a.data.as_ref().unwrap().findings);
        let total = a.list.visible.len();
        let snapshot = super::super::triage::Snapshot {
            allowlist: Allowlist {
                entries: vec![entry],
            },
            ..Default::default()
        };
        update(
            &mut a,
            Msg::Triage(Box::new(Reply {
                snapshot,
                outcome: Ok(String::new()),
            })),
        );
        assert_eq!(a.list.visible.len(), total - hits.len());
        assert!(!a.list.visible.contains(&(i as u32)));
        let (_, _, suppressed) = a.triage.counts(&a.data.as_ref().unwrap().findings);
        assert_eq!(suppressed, hits.len());
        ch(&mut a, 'h');
        assert_eq!(a.list.visible.len(), total);
        assert!(a.data.as_ref().unwrap().rows[i].suppressed);
    }

    #[test]
    fn a_failed_save_is_shown_until_the_next_key() {
        let mut a = app(3);
        update(
            &mut a,
            Msg::Triage(Box::new(Reply {
                snapshot: Default::default(),
                outcome: Err("disk full".into()),
            })),
        );
        assert_eq!(a.triage.message, Some(("disk full".into(), true)));
        ch(&mut a, 'j');
        assert!(a.triage.message.is_none());
    }

    #[test]
    fn e_asks_the_runtime_for_the_editor_and_l_lists_load_errors() {
        let mut a = app(3);
        assert!(matches!(&ch(&mut a, 'E')[..], [Effect::EditAllowlist]));
        ch(&mut a, 'L');
        assert!(matches!(a.overlay, Overlay::Errors { .. }));
    }

    #[test]
    fn a_follow_update_marks_new_findings_and_keeps_selection_marks_and_filter() {
        let mut a = app(5);
        ch(&mut a, '/');
        typed(&mut a, "user");
        press(&mut a, KeyCode::Enter);
        ch(&mut a, ' ');
        let key = |a: &App, i: usize| a.data.as_ref().unwrap().findings[i].key.clone();
        let marked = key(&a, *a.triage.marked.iter().next().unwrap() as usize);
        let selected = key(&a, a.selected_finding().unwrap());
        update(&mut a, Msg::Followed(Box::new(synthetic::data(8))));
        assert_eq!(a.data.as_ref().unwrap().findings.len(), 8);
        assert_eq!(a.fresh.len(), 3, "the three findings not there before");
        assert!(!a.fresh.contains(&selected));
        assert_eq!(key(&a, a.selected_finding().unwrap()), selected);
        let m = *a.triage.marked.iter().next().unwrap() as usize;
        assert_eq!(key(&a, m), marked);
        assert_eq!(a.filter.text, "user");
        // Reaching a new finding with the cursor counts as seeing it.
        ch(&mut a, 'G');
        let last = key(&a, a.selected_finding().unwrap());
        assert!(!a.fresh.contains(&last));
    }
}
