//! The mouse, as actions: [`mouse_action`] is to a mouse event what
//! [`crate::tui::keymap::dispatch`] is to a key. The wheel scrolls; a click
//! picks a row (a second click opens it), a pane tab, or a column heading
//! to sort by. Where a click lands is read from [`crate::tui::layout`], the
//! geometry the view draws with.

use crate::tui::action::{Action, Pane};
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::cursor::Cursor;
use crate::tui::data::{Col, GroupCol};
use crate::tui::layout;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

/// The action a mouse event asks for in `app`, if any.
pub fn mouse_action(app: &App, m: MouseEvent) -> Option<Action> {
    match m.kind {
        MouseEventKind::ScrollDown => Some(Action::ScrollDown),
        MouseEventKind::ScrollUp => Some(Action::ScrollUp),
        MouseEventKind::Down(MouseButton::Left) => click(app, m.column, m.row),
        _ => None,
    }
}

/// What a left click at column `x`, row `y` picks.
fn click(app: &App, x: u16, y: u16) -> Option<Action> {
    if app.overlay != Overlay::None || !app.is_ready() || !layout::usable(app) {
        return None;
    }
    let heading = y == layout::areas(app).body.y;
    match app.screen {
        Screen::List if heading => layout::columns_of(app)
            .iter()
            .find(|c| x >= c.x && x < c.x + c.width + 1)
            .and_then(|c| Col::ALL.iter().position(|a| *a == c.col))
            .map(Action::SortBy),
        Screen::Grouped if heading => layout::group_columns_of(app)
            .iter()
            .find(|c| x >= c.x && x < c.x + c.width + 1)
            .and_then(|c| GroupCol::ALL.iter().position(|a| *a == c.col))
            .map(Action::SortBy),
        Screen::Detail if heading => layout::tabs()
            .into_iter()
            .find(|(_, _, x0, x1)| x >= *x0 && x < *x1)
            .map(|(p, ..)| Action::Show(p)),
        Screen::List => row_at(
            layout::table_rows(app),
            app.list.cursor,
            app.list.visible.len(),
            y,
        ),
        Screen::Grouped => row_at(
            layout::table_rows(app),
            app.groups.cursor,
            app.groups.groups.len(),
            y,
        ),
        Screen::Detail => match app.detail.pane {
            Pane::Keys => row_at(
                layout::list_rows(layout::keys_areas(app).2),
                app.detail.keys_cursor,
                app.detail.keys.as_ref().map_or(0, |(_, k)| k.events.len()),
                y,
            ),
            Pane::Related => row_at(
                layout::list_rows(layout::related_areas(app).1),
                app.detail.related_cursor,
                app.detail
                    .related
                    .as_ref()
                    .map_or(0, |(_, _, r)| r.rows.len()),
                y,
            ),
            Pane::Risk | Pane::Raw => None,
        },
        Screen::Allowlist => row_at(
            layout::allowlist_rows(app),
            app.triage.cursor,
            app.triage.snapshot.allowlist.entries.len(),
            y,
        ),
    }
}

/// The row at screen row `y` of a list of `len` drawn in `rows` from
/// `cursor.offset`, if there is one there.
fn row_at(rows: Rect, cursor: Cursor, len: usize, y: u16) -> Option<Action> {
    if y < rows.y || y >= rows.y + rows.height {
        return None;
    }
    let i = cursor.offset + (y - rows.y) as usize;
    (i < len).then_some(Action::ClickRow(i))
}
