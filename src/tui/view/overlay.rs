//! Windows over the screen: help (made from the key table) and the list of
//! load errors.

use crate::sanitize::escape;
use crate::tui::app::{App, Overlay};
use crate::tui::keymap;
use crate::tui::style;
use crate::tui::text::pad;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// The overlay's frame.
fn outer(app: &App) -> Rect {
    let w = app.width.saturating_sub(4).min(110);
    let h = app.height.saturating_sub(2);
    Rect::new((app.width - w) / 2, 1, w, h)
}

/// Where an overlay's text goes (inside the border, a column for the scroll mark).
pub fn overlay_text_area(app: &App) -> Rect {
    let o = outer(app);
    Rect::new(
        o.x + 2,
        o.y + 1,
        o.width.saturating_sub(5),
        o.height.saturating_sub(2),
    )
}

/// Help: a section per context, a line per binding, straight from
/// [`keymap::KEYMAP`], then the mouse.
pub fn help_lines() -> Vec<Line<'static>> {
    let rows = keymap::help_lines();
    let kw = rows
        .iter()
        .map(|(_, k, _)| k.chars().count())
        .max()
        .unwrap_or(8)
        .min(22);
    let mut out = Vec::new();
    for (section, keys, desc) in rows {
        match section {
            Some(t) => {
                if !out.is_empty() {
                    out.push(Line::raw(""));
                }
                out.push(Line::styled(t.to_string(), style::title()));
            }
            None => out.push(Line::from(vec![
                Span::styled(format!("  {} ", pad(&keys, kw)), style::bold()),
                Span::raw(desc.to_string()),
            ])),
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Mouse", style::title()));
    out.push(Line::raw("  wheel scrolls; a click selects a row (a second click opens it), a pane tab, or a column to sort by"));
    out
}

/// The load errors, each with its path and line.
pub fn error_lines(app: &App) -> Vec<Line<'static>> {
    let Some(d) = &app.data else {
        return vec![Line::styled(
            "Still loading: errors are listed once the files are read.",
            style::dim(),
        )];
    };
    if d.error_count() == 0 {
        return vec![Line::styled("No load errors.", style::good())];
    }
    d.errors()
        .map(|e| {
            let mut place = escape(&e.path.display().to_string()).into_owned();
            if let Some(l) = e.line {
                place.push_str(&format!(":{l}"));
            }
            if let Some(o) = e.offset {
                place.push_str(&format!(" (byte {o})"));
            }
            Line::from(vec![
                Span::styled(place, style::bold()),
                Span::raw(format!(": {}", escape(&e.message))),
            ])
        })
        .collect()
}

pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let (title, lines, scroll) = match app.overlay {
        Overlay::None => return,
        Overlay::Help { scroll } => (
            " Keys (from the key table) · Esc closes ".to_string(),
            help_lines(),
            scroll,
        ),
        Overlay::Errors { scroll } => {
            let n = app.data.as_ref().map_or(0, |d| d.error_count());
            (
                format!(" Load errors ({n}) · Esc closes "),
                error_lines(app),
                scroll,
            )
        }
    };
    let o = outer(app);
    frame.render_widget(Clear, o);
    frame.render_widget(
        Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, style::title())),
        o,
    );
    let area = overlay_text_area(app);
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
