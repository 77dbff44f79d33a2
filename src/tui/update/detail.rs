//! The drill-down panes of one finding: switching panes, reading the raw
//! event (from memory, the cache or the runtime), stepping through its
//! delivered copies, searching in it, and the related pane's time window.

use super::Effect;
use crate::tui::action::{Action, Pane};
use crate::tui::app::{App, RawTarget, Screen, WINDOWS};
use crate::tui::cursor::Cursor;
use crate::tui::data::rule_paths;
use crate::tui::json::{self, Doc, DocLine, Piece, Tok};
use crate::tui::{layout, lines, panes, text};

/// A number key: in the panes, shows that pane; in the list, opens the
/// selected finding in it.
pub(super) fn show(app: &mut App, p: Pane, fx: &mut Vec<Effect>) {
    match app.screen {
        Screen::Detail => show_pane(app, p, fx),
        _ => {
            if let Some(i) = app.selected_finding() {
                enter_detail(app, i, p, fx);
            }
        }
    }
}

/// Tab and Shift-Tab: the next (or previous) pane, wrapping.
pub(super) fn cycle_pane(app: &mut App, next: bool, fx: &mut Vec<Effect>) {
    let n = Pane::ALL.len();
    let i = if next {
        (app.detail.pane.index() + 1) % n
    } else {
        (app.detail.pane.index() + n - 1) % n
    };
    show_pane(app, Pane::ALL[i], fx);
}

/// `]` and `[`: the next (or previous) delivered copy, wrapping.
pub(super) fn step_copy(app: &mut App, next: bool, fx: &mut Vec<Effect>) {
    let n = app.deliveries().len();
    if n > 1 {
        let d = &mut app.detail.raw.delivery;
        *d = if next { (*d + 1) % n } else { (*d + n - 1) % n };
        app.detail.raw.scroll = 0;
        ensure_raw(app, fx);
    }
}

/// `n` and `N`: the next (or previous) search match, wrapping.
pub(super) fn step_match(app: &mut App, next: bool) {
    let s = &mut app.detail.raw.search;
    let n = s.matches.len();
    if n > 0 {
        s.current = if next {
            (s.current + 1) % n
        } else {
            (s.current + n - 1) % n
        };
        scroll_to_match(app);
    }
}

/// `+` and `-`: a wider (or narrower) related window, within the choices.
pub(super) fn widen(app: &mut App, wider: bool, fx: &mut Vec<Effect>) {
    let w = app.detail.window;
    app.detail.window = if wider {
        (w + 1).min(WINDOWS.len() - 1)
    } else {
        w.saturating_sub(1)
    };
    app.detail.related_cursor = Cursor::default();
    prepare_pane(app, fx);
}

/// Opens finding `i` in `pane`.
pub(super) fn enter_detail(app: &mut App, i: usize, pane: Pane, fx: &mut Vec<Effect>) {
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

/// Shows `pane` of the open finding; the raw pane goes back to the
/// finding's own events.
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
pub(super) fn prepare_pane(app: &mut App, fx: &mut Vec<Effect>) {
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
pub(super) fn ensure_raw(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(d) = app.delivery() else {
        app.detail.raw.doc = None;
        return;
    };
    let Some(data) = &app.data else { return };
    if let std::collections::hash_map::Entry::Vacant(slot) = app.raw_cache.entry(d.key) {
        let ev = &data.index.events[d.key.event];
        match (data.index.kept_raw(ev), d.key.copy) {
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
pub(super) fn refresh_doc(app: &mut App) {
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

/// Typing in the raw pane's search line.
pub(super) fn search_input(app: &mut App, action: Action) {
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

/// Scrolls the raw pane to the current match, with context above it.
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
    let lines = lines::raw_lines(app);
    let w = area.width as usize;
    let row: usize = lines.iter().take(line).map(|l| text::height(l, w)).sum();
    // Keep a couple of lines of context above the match.
    let want = row.saturating_sub(2);
    let total: usize = lines.iter().map(|l| text::height(l, w)).sum();
    app.detail.raw.scroll = want.min(total.saturating_sub(area.height as usize));
}
