//! Drawing. Every function here reads the state and draws; none changes it.
//! Log text reaches this module already escaped (the table rows in
//! [`super::data`], the raw event in [`super::json`]) or is escaped here,
//! right where it becomes a cell, with [`crate::sanitize::escape`].
//!
//! Start at [`draw`]. The text of the scrolling panes and overlays is built
//! in [`super::lines`], outside the view, because `update` measures it too.

mod detail;
mod header;
mod overlay;
mod table;
mod triage;

use super::app::{App, Phase, Screen};
use super::keymap;
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use super::style;
use super::text::{fit, thousands, width};
use crate::event::human_bytes;
use crate::sanitize::escape;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph};

/// Draws the whole console.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    if !layout::usable(app) || area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let a = layout::areas(app);
    match app.phase {
        Phase::Loading { .. } => loading(frame, app, a.body),
        Phase::Ready => {
            match app.screen {
                Screen::List => table::findings(frame, app, a.body),
                Screen::Grouped => table::groups(frame, app, a.body),
                Screen::Detail => detail::draw(frame, app, a.body),
                Screen::Allowlist => triage::allowlist(frame, app, a.body),
            }
            if let Some(p) = a.prompt {
                prompt(frame, app, p);
            }
        }
    }
    header::draw(frame, app, a.header);
    bar(frame, app, a.bar);
    overlay::draw(frame, app);
    triage::form(frame, app);
}

fn too_small(frame: &mut Frame<'_>, area: Rect) {
    let lines = vec![
        Line::styled("Terminal too small", style::bold()),
        Line::from(format!(
            "{}×{}, need at least {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        )),
        Line::from("Enlarge it, or press q to quit."),
    ];
    let y = area.height.saturating_sub(3) / 2;
    let r = Rect::new(area.x, area.y + y, area.width, 3.min(area.height));
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), r);
}

fn loading(frame: &mut Frame<'_>, app: &App, body: Rect) {
    let Phase::Loading {
        progress: p,
        rules_running,
        elapsed_ms,
    } = app.phase
    else {
        return;
    };
    let w = body.width.min(70);
    let r = Rect::new(
        body.x + (body.width - w) / 2,
        body.y + body.height.saturating_sub(8) / 2,
        w,
        8.min(body.height),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Loading ", style::title()));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let stage = if rules_running {
        "running the rules…".to_string()
    } else if p.files_total == 0 {
        "looking for log files…".to_string()
    } else {
        format!("reading files: {} of {}", p.files_done, p.files_total)
    };
    let lines = vec![
        Line::from(stage),
        Line::from(format!(
            "{} events · {} read · errors {} · {:.1}s",
            thousands(p.events),
            human_bytes(p.bytes),
            p.errors,
            elapsed_ms as f64 / 1000.0
        )),
        Line::styled("q quits at any time", style::dim()),
    ];
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(2), 3),
    );
    if inner.height >= 5 {
        let ratio = if rules_running {
            1.0
        } else if p.files_total > 0 {
            p.files_done as f64 / p.files_total as f64
        } else {
            0.0
        };
        let g = Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .gauge_style(style::title());
        frame.render_widget(
            g,
            Rect::new(inner.x + 1, inner.y + 4, inner.width.saturating_sub(2), 1),
        );
    }
}

fn prompt(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let f = &app.filter;
    let shown = app.list.visible.len();
    let total = app.data.as_ref().map_or(0, |d| d.findings.len());
    let count = format!(
        " {} of {} ",
        thousands(shown as u64),
        thousands(total as u64)
    );
    let typed = escape(&f.text);
    let mut spans = if f.editing {
        vec![
            Span::styled("/", style::title()),
            Span::raw(typed.into_owned()),
            Span::styled("▏", style::title()),
        ]
    } else {
        vec![
            Span::styled("filter: ", style::title()),
            Span::raw(typed.into_owned()),
        ]
    };
    if let Some(p) = f.parsed.problems.first() {
        spans.push(Span::styled(format!("  ⚠ {}", escape(p)), style::warn()));
    }
    // Listing what one allowlist entry suppresses (Enter on the allowlist).
    if let Some(e) = app
        .triage
        .only_entry
        .and_then(|i| app.triage.snapshot.allowlist.entries.get(i))
    {
        spans.push(Span::styled(
            format!("  what entry {} suppresses (Esc: all)", escape(&e.id)),
            style::title(),
        ));
    }
    let used: usize = spans.iter().map(|s| width(&s.content)).sum();
    let room = (area.width as usize).saturating_sub(width(&count));
    let mut line = Line::from(spans);
    if used > room {
        let plain: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        line = Line::from(fit(&plain, room));
    }
    frame.render_widget(Paragraph::new(line), area);
    let cw = width(&count) as u16;
    if cw <= area.width {
        frame.render_widget(
            Paragraph::new(Span::styled(count, style::dim())),
            Rect::new(area.x + area.width - cw, area.y, cw, 1),
        );
    }
}

/// The context bar: the keys that apply here, from the key table.
fn bar(frame: &mut Frame<'_>, app: &App, area: Rect) {
    // The note line and the last triage message take the bar's place: both
    // are short-lived (the message goes at the next key).
    if let Some(note) = &app.triage.note {
        let line = Line::from(vec![
            Span::styled(" note: ", style::title()),
            Span::raw(escape(note).into_owned()),
            Span::styled("▏", style::title()),
            Span::styled("  Enter adds · Esc cancels", style::dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Some(c) = &app.confirm {
        let text = fit(&format!(" {}", c.question), area.width as usize);
        frame.render_widget(Paragraph::new(Span::styled(text, style::warn())), area);
        return;
    }
    if app.export_prompt {
        let n = app.list.visible.len();
        let text = format!(
            " export the {n} finding{} listed as: m Markdown · c CSV · j JSON · l JSON lines · h HTML · Esc/q cancel",
            if n == 1 { "" } else { "s" }
        );
        let text = fit(&text, area.width as usize);
        frame.render_widget(Paragraph::new(Span::styled(text, style::title())), area);
        return;
    }
    if let Some((msg, problem)) = &app.triage.message {
        let st = if *problem {
            style::warn()
        } else {
            style::good()
        };
        let text = format!(" {}", escape(msg));
        // A message cut short says where to read it whole.
        let text = if width(&text) > area.width as usize {
            let hint = " · M: whole";
            let room = (area.width as usize).saturating_sub(width(hint));
            format!("{}{hint}", fit(&text, room))
        } else {
            text
        };
        let text = fit(&text, area.width as usize);
        frame.render_widget(Paragraph::new(Span::styled(text, st)), area);
        return;
    }
    let entries = keymap::bar(app);
    let piece = |k: &str, w: &str| {
        if k.is_empty() {
            w.to_string()
        } else {
            format!("{k} {w}")
        }
    };
    // Help and quit stay visible however narrow the terminal is.
    let tail: Vec<&(String, &str)> = entries
        .iter()
        .filter(|(_, w)| *w == "help" || *w == "quit")
        .collect();
    let tail_w: usize = tail.iter().map(|(k, w)| width(&piece(k, w)) + 2).sum();
    let mut spans = Vec::new();
    let mut used = 1;
    let push = |spans: &mut Vec<Span<'static>>, k: &str, w: &str| {
        if !k.is_empty() {
            spans.push(Span::styled(k.to_string(), style::title()));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::raw(w.to_string()));
        spans.push(Span::raw("  "));
    };
    spans.push(Span::raw(" "));
    for (k, w) in entries.iter().filter(|(_, w)| *w != "help" && *w != "quit") {
        let pw = width(&piece(k, w)) + 2;
        if used + pw + tail_w > area.width as usize {
            break;
        }
        used += pw;
        push(&mut spans, k, w);
    }
    for (k, w) in tail {
        push(&mut spans, k, w);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
