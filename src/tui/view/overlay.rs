//! Windows over the screen: help (made from the key table) and the list of
//! load errors. Their text comes from [`crate::tui::lines`].

use crate::tui::app::{App, Overlay};
use crate::tui::layout;
use crate::tui::lines::{error_lines, help_lines, message_lines};
use crate::tui::style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Draws the open overlay, if any, with a scroll mark when it does not fit.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let (title, lines, scroll) = match app.overlay {
        Overlay::None => return,
        Overlay::Help { scroll } => (
            " Keys (from the key table) · Esc closes ".to_string(),
            help_lines(),
            scroll,
        ),
        Overlay::Messages { scroll } => (
            format!(" Messages ({}) · Esc closes ", app.log.len()),
            message_lines(app),
            scroll,
        ),
        Overlay::Errors { scroll } => {
            let n = app.data.as_ref().map_or(0, |d| d.error_count());
            let what = if app.data.as_ref().is_some_and(|d| d.many_rules()) {
                "Rules and load errors"
            } else {
                "Load errors"
            };
            (
                format!(" {what} ({n}) · Esc closes "),
                error_lines(app),
                scroll,
            )
        }
    };
    let o = layout::overlay(app);
    frame.render_widget(Clear, o);
    frame.render_widget(
        Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, style::title())),
        o,
    );
    let area = layout::overlay_text(app);
    let mut rows = Vec::new();
    for l in &lines {
        rows.extend(crate::tui::text::wrap(l, area.width as usize));
    }
    let total = rows.len();
    let shown: Vec<Line<'static>> = rows
        .into_iter()
        .skip(scroll)
        .take(area.height as usize)
        .collect();
    frame.render_widget(Paragraph::new(shown), area);
    if total > area.height as usize {
        let more = format!(" {}/{} ", (scroll + area.height as usize).min(total), total);
        let w = more.chars().count() as u16;
        frame.render_widget(
            Paragraph::new(Span::styled(more, style::dim())),
            Rect::new(
                o.x + o.width.saturating_sub(w + 2),
                o.y + o.height - 1,
                w,
                1,
            ),
        );
    }
}
