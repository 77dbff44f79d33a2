//! `update`: (state, message) → state and effects. No I/O happens here:
//! quitting and re-reading a raw event from disk come back as [`Effect`]s
//! for the runtime to carry out, so every behaviour is testable headless.
//!
//! Start at [`update`]: keys become actions through [`keymap::dispatch`],
//! mouse events through [`mouse_action`], and [`act`] carries an action out
//! by handing it to the file for its concern:
//! - `nav`: moving, scrolling, opening and going back between screens;
//! - `list`: sorting, filtering and grouping the findings list;
//! - `detail`: the drill-down panes, the raw event and searching in it;
//! - `triage`: marks, statuses, notes, the suppress form, the allowlist screen;
//! - `evidence`: copies and exports;
//! - `follow`: data arriving (loaded, followed) and what counts as seen;
//! - `mouse`: where a click lands, as an action.

mod detail;
mod evidence;
mod follow;
mod list;
mod mouse;
mod nav;
#[cfg(test)]
mod tests;
mod triage;

use super::action::Action;
use super::app::{App, Logged, Phase, RawKey, RawText};
use super::data::Data;
use super::evidence::Job;
use super::key::Key;
use super::keymap;
use super::triage::{Op, Reply};
use crate::event::Loc;
use crate::event::{Index, Progress};
pub use mouse::mouse_action;
use nav::Step;
use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseEvent};
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
    /// Time passed: `elapsed_ms` since the console started (the loading
    /// screen's clock) and the wall-clock time `now_ms` (Unix ms). Whatever
    /// dates or expires reads `now_ms` from the state, so `update` never
    /// reads the clock itself.
    Tick { elapsed_ms: u64, now_ms: i64 },
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
    /// The allowlist or statuses file changed on disk; the runtime reloads
    /// them and sends [`Msg::Triage`] if what they hold changed.
    TriageChanged,
}

impl Msg {
    /// A [`Msg::Tick`] that only tells the time: the runtime's stamp before
    /// each batch (no elapsed time, so the loading clock stays where it is).
    pub fn stamp(now_ms: i64) -> Msg {
        Msg::Tick {
            elapsed_ms: 0,
            now_ms,
        }
    }
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
    Evidence(Box<Job>),
}

/// Applies `msg` to `app` and returns the effects it asks for.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let before = app.triage.message.clone();
    // A reply or a status is news even when it reads like the last one.
    let news = matches!(msg, Msg::Triage(_) | Msg::Status(_) | Msg::FollowProblem(_));
    let fx = handle(app, msg);
    if let Some((text, problem)) = &app.triage.message
        && (news || before.as_ref() != app.triage.message.as_ref())
    {
        // Kept whole: the status line cuts what does not fit.
        app.log.push(Logged {
            at_ms: app.now_ms,
            text: text.clone(),
            problem: *problem,
        });
        if app.log.len() > super::app::LOG_CAP {
            app.log.remove(0);
        }
    }
    fx
}

fn handle(app: &mut App, msg: Msg) -> Vec<Effect> {
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
                follow::seen(app);
            }
        }
        Msg::Triage(reply) => {
            app.triage.message = match reply.outcome {
                Ok(m) if m.is_empty() => None,
                Ok(m) => Some((m, false)),
                Err(e) => Some((e, true)),
            };
            app.triage.snapshot = reply.snapshot;
            // `u` restores an entry that was deleted: if the file still
            // holds it (the delete failed), there is nothing to restore,
            // and restoring would write it twice.
            if app.undo.as_ref().is_some_and(|u| {
                app.triage
                    .snapshot
                    .allowlist
                    .entries
                    .iter()
                    .any(|e| e.id == u.id)
            }) {
                app.undo = None;
            }
            triage::retriage(app);
        }
        Msg::Mouse(m) => {
            // A y/n question waits for its answer: a click must not act
            // behind it.
            if app.confirm.is_some() {
                return fx;
            }
            if let Some(a) = mouse_action(app, m) {
                act(app, a, &mut fx);
            }
        }
        Msg::Resize(w, h) => {
            app.width = w;
            app.height = h;
            list::reclamp(app);
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
        Msg::Tick {
            elapsed_ms: t,
            now_ms,
        } => {
            app.now_ms = now_ms;
            // The runtime's stamp before each batch carries no elapsed time
            // (0), so the loading clock only moves forward.
            if let Phase::Loading { elapsed_ms, .. } = &mut app.phase {
                *elapsed_ms = (*elapsed_ms).max(t);
            }
        }
        Msg::Loaded(data) => follow::loaded(app, *data),
        Msg::Followed(data) => follow::followed(app, *data, &mut fx),
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
        Msg::TriageChanged => {}
        Msg::Raw { key, text } => {
            app.pending.remove(&key);
            app.raw_cache.insert(key, text);
            detail::refresh_doc(app);
        }
    }
    fx
}

/// Carries out one action.
pub fn act(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Quit => fx.push(Effect::Quit),
        Action::Help => nav::toggle_help(app),
        Action::Errors => nav::toggle_errors(app),
        Action::Messages => nav::toggle_messages(app),
        Action::Yes => triage::answer(app, true, fx),
        Action::No => triage::answer(app, false, fx),
        Action::ToggleZone => list::toggle_zone(app),
        Action::Up => nav::step(app, Step::By(-1)),
        Action::Down => nav::step(app, Step::By(1)),
        Action::PageUp => nav::step(app, Step::Pages(-2)),
        Action::PageDown => nav::step(app, Step::Pages(2)),
        Action::HalfUp => nav::step(app, Step::Pages(-1)),
        Action::HalfDown => nav::step(app, Step::Pages(1)),
        Action::Top => nav::step(app, Step::By(isize::MIN / 2)),
        Action::Bottom => nav::step(app, Step::By(isize::MAX / 2)),
        Action::ScrollUp => nav::wheel(app, Step::By(-1)),
        Action::ScrollDown => nav::wheel(app, Step::By(1)),
        _ if !app.is_ready() => {}
        Action::Open => nav::open(app, fx),
        Action::Back => nav::back(app, fx),
        Action::ClickRow(i) => nav::click_row(app, i, fx),
        Action::NextPane => detail::cycle_pane(app, true, fx),
        Action::PrevPane => detail::cycle_pane(app, false, fx),
        Action::Show(p) => detail::show(app, p, fx),
        Action::Filter => app.filter.editing = true,
        Action::SortNext => list::sort(app, None),
        Action::SortBy(col) => list::sort(app, Some(col)),
        Action::SortReverse => list::reverse(app),
        Action::Grouped => list::toggle_grouped(app),
        Action::NextCopy => detail::step_copy(app, true, fx),
        Action::PrevCopy => detail::step_copy(app, false, fx),
        Action::Search => app.detail.raw.search.editing = true,
        Action::NextMatch => detail::step_match(app, true),
        Action::PrevMatch => detail::step_match(app, false),
        Action::Wider => detail::widen(app, true, fx),
        Action::Narrower => detail::widen(app, false, fx),
        Action::Accept
        | Action::Cancel
        | Action::DeleteBack
        | Action::ClearInput
        | Action::NextField
        | Action::PrevField
        | Action::Type(_) => input(app, action, fx),
        Action::Mark => triage::mark(app),
        Action::Suppress => triage::suppress(app),
        Action::ToggleSuppressed => triage::toggle_suppressed(app),
        Action::SetStatus(status) => triage::set_status(app, status, fx),
        Action::Note => triage::note(app),
        Action::Allowlist => triage::toggle_allowlist(app),
        Action::EditAllowlist => fx.push(Effect::EditAllowlist),
        Action::EditEntry => triage::edit_entry(app),
        Action::ToggleDisabled => triage::toggle_disabled(app, fx),
        Action::Delete => triage::delete_entry(app),
        Action::Undo => triage::undo(app, fx),
        Action::CopyEvidence => evidence::copy(app, false, fx),
        Action::CopyRaw => evidence::copy(app, true, fx),
        Action::CopyValue => evidence::copy_value(app, fx),
        Action::ExportPrompt => app.export_prompt = !app.export_prompt,
        Action::Export(format) => evidence::export(app, format, fx),
    }
}

/// Sends typing to whichever input line is open: the form, the note, the
/// filter or the search, in that order.
fn input(app: &mut App, action: Action, fx: &mut Vec<Effect>) {
    if app.triage.form.is_some() {
        triage::form_input(app, action, fx);
    } else if app.triage.note.is_some() {
        triage::note_input(app, action, fx);
    } else if app.filter.editing {
        list::filter_input(app, action);
    } else if app.detail.raw.search.editing {
        detail::search_input(app, action);
    }
}
