//! Moving about: the cursor and scroll steps, the overlays, and opening
//! and leaving screens (Enter and Esc).

use super::Effect;
use super::detail::{ensure_raw, enter_detail, prepare_pane};
use super::list::refilter;
use super::triage::selected_entry;
use crate::tui::action::Pane;
use crate::tui::app::{App, Overlay, RawTarget, Screen};
use crate::tui::cursor::Cursor;
use crate::tui::filter::{Filter, quote};
use crate::tui::{layout, lines, text};
use ratatui::layout::Rect;
use ratatui::text::Line;

/// Opens help, or closes it.
/// Help opens on the section of the context it was asked from, so the
/// keys that work here come first.
pub(super) fn toggle_help(app: &mut App) {
    if let Overlay::Help { .. } = app.overlay {
        app.overlay = Overlay::None;
        return;
    }
    let here = crate::tui::keymap::contexts(app).first().copied();
    let lines = lines::help_lines();
    let area = layout::overlay_text(app);
    let at = here
        .and_then(|c| lines::help_section(c.title()))
        .map_or(0, |n| {
            lines[..n]
                .iter()
                .map(|l| text::height(l, area.width as usize))
                .sum()
        });
    app.overlay = Overlay::Help { scroll: 0 };
    step(app, Step::By(at as isize));
}

/// Opens the load error list, or closes it.
pub(super) fn toggle_errors(app: &mut App) {
    app.overlay = match app.overlay {
        Overlay::Errors { .. } => Overlay::None,
        _ => Overlay::Errors { scroll: 0 },
    }
}

/// Opens the message log (at its end, the newest), or closes it.
pub(super) fn toggle_messages(app: &mut App) {
    app.overlay = match app.overlay {
        Overlay::Messages { .. } => Overlay::None,
        _ => Overlay::Messages { scroll: 0 },
    };
    if app.overlay != Overlay::None {
        step(app, Step::By(isize::MAX / 2));
    }
}

/// How far a move goes.
#[derive(Clone, Copy)]
pub(super) enum Step {
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

/// Moves whatever moves on this screen: an overlay's scroll, a list's
/// cursor or a pane's text.
pub(super) fn step(app: &mut App, s: Step) {
    match app.overlay {
        Overlay::Help { scroll } => {
            let (lines, area) = (lines::help_lines(), layout::overlay_text(app));
            let new = scrolled(scroll, amount(&s, area.height as usize), &lines, area);
            app.overlay = Overlay::Help { scroll: new };
            return;
        }
        Overlay::Errors { scroll } => {
            let (lines, area) = (lines::error_lines(app), layout::overlay_text(app));
            let new = scrolled(scroll, amount(&s, area.height as usize), &lines, area);
            app.overlay = Overlay::Errors { scroll: new };
            return;
        }
        Overlay::Messages { scroll } => {
            let (lines, area) = (lines::message_lines(app), layout::overlay_text(app));
            let new = scrolled(scroll, amount(&s, area.height as usize), &lines, area);
            app.overlay = Overlay::Messages { scroll: new };
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
                let lines = lines::risk_lines(app);
                app.detail.risk_scroll = scrolled(
                    app.detail.risk_scroll,
                    amount(&s, area.height as usize),
                    &lines,
                    area,
                );
            }
            Pane::Raw => {
                let area = layout::raw_text(app);
                let lines = lines::raw_lines(app);
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

/// Lines the mouse wheel moves per notch.
const WHEEL: usize = 3;

/// A wheel notch: three steps of one, as three presses of `j` would be.
pub(super) fn wheel(app: &mut App, one: Step) {
    for _ in 0..WHEEL {
        step(app, one);
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

/// Enter: drills into what is selected.
pub(super) fn open(app: &mut App, fx: &mut Vec<Effect>) {
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

/// A click on row `i` of the list shown: selects it, or opens it when it
/// is selected already (on the allowlist screen it only selects).
pub(super) fn click_row(app: &mut App, i: usize, fx: &mut Vec<Effect>) {
    // The height first: the cursor's borrow of `app` must come last.
    let (h, len, cursor) = match (app.screen, app.detail.pane) {
        (Screen::List, _) => (
            layout::table_rows(app).height,
            app.list.visible.len(),
            &mut app.list.cursor,
        ),
        (Screen::Grouped, _) => (
            layout::table_rows(app).height,
            app.groups.groups.len(),
            &mut app.groups.cursor,
        ),
        (Screen::Detail, Pane::Keys) => (
            layout::list_rows(layout::keys_areas(app).2).height,
            app.detail.keys.as_ref().map_or(0, |(_, k)| k.events.len()),
            &mut app.detail.keys_cursor,
        ),
        (Screen::Detail, Pane::Related) => (
            layout::list_rows(layout::related_areas(app).1).height,
            app.detail
                .related
                .as_ref()
                .map_or(0, |(_, _, r)| r.rows.len()),
            &mut app.detail.related_cursor,
        ),
        (Screen::Detail, Pane::Risk | Pane::Raw) => return,
        (Screen::Allowlist, _) => (
            layout::allowlist_rows(app).height,
            app.triage.snapshot.allowlist.entries.len(),
            &mut app.triage.cursor,
        ),
    };
    if i >= len {
        return;
    }
    if i == cursor.selected && app.screen != Screen::Allowlist {
        open(app, fx);
    } else {
        cursor.select(i, len, h as usize);
    }
}

/// Esc: goes back one level.
pub(super) fn back(app: &mut App, fx: &mut Vec<Effect>) {
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
