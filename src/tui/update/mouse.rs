//! The mouse: the wheel scrolls, a click selects a row (a second click
//! opens it), a pane tab or a column heading to sort by.

use super::detail::show_pane;
use super::list::sort;
use super::nav::open;
use super::{Effect, act};
use crate::tui::action::{Action, Pane};
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::data::{Col, GroupCol};
use crate::tui::layout;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

pub(super) fn mouse(app: &mut App, m: MouseEvent, fx: &mut Vec<Effect>) {
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
