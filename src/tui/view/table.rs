//! The findings table and the grouped view. Only the rows on screen are
//! built, so 100,000 findings cost what 40 do.

use crate::tui::app::App;
use crate::tui::data::{Col, GroupCol, Row};
use crate::tui::filter::highlight;
use crate::tui::layout::{self, Column};
use crate::tui::style;
use crate::tui::text::{fit, pad, thousands};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn findings(frame: &mut Frame<'_>, app: &App, body: Rect) {
    let Some(d) = &app.data else { return };
    let cols = layout::columns_of(app);
    let heading = cols
        .iter()
        .map(|c| {
            (
                c.x,
                c.width,
                heading_text(
                    c.col.title(),
                    c.width,
                    (c.col == app.list.sort).then_some(app.list.desc),
                ),
            )
        })
        .collect::<Vec<_>>();
    draw_heading(frame, body, &heading);
    let rows = layout::table_rows(app);
    if app.list.visible.is_empty() {
        let msg = if d.findings.is_empty() {
            format!(
                "No findings: the rules found nothing in {} events ({} semantics).",
                thousands(d.index.stats.events),
                d.semantics.name()
            )
        } else {
            if !app.triage.show_suppressed && app.triage.eval.suppressed_count() > 0 {
                "No finding matches the filter; suppressed ones are hidden (h shows them). Esc clears.".to_string()
            } else {
                "No finding matches the filter. Esc clears it.".to_string()
            }
        };
        frame.render_widget(
            Paragraph::new(Line::styled(format!(" {msg}"), style::dim())),
            rows,
        );
        return;
    }
    let zone = app.zone();
    let wide_time = cols
        .iter()
        .find(|c| c.col == Col::Time)
        .is_some_and(|c| c.width >= 22);
    let cur = app.list.cursor;
    let end = (cur.offset + rows.height as usize).min(app.list.visible.len());
    let mut lines = Vec::with_capacity(rows.height as usize);
    for (n, &fi) in app.list.visible[cur.offset..end].iter().enumerate() {
        let row = &d.rows[fi as usize];
        let selected = cur.offset + n == cur.selected;
        lines.push(finding_line(
            app,
            fi,
            &d.findings[fi as usize].key,
            row,
            &cols,
            selected,
            wide_time,
            &zone,
        ));
    }
    frame.render_widget(Paragraph::new(lines), rows);
}

#[allow(clippy::too_many_arguments)]
fn finding_line(
    app: &App,
    fi: u32,
    key: &str,
    row: &Row,
    cols: &[Column<Col>],
    selected: bool,
    wide_time: bool,
    zone: &crate::event::zone::Zone,
) -> Line<'static> {
    let full_time = zone.short(row.time);
    let cells: Vec<&str> = Col::ALL.iter().map(|c| row.cell(*c, &full_time)).collect();
    let marks: Vec<Vec<usize>> = if app.filter.parsed.fuzzy_words().next().is_some() {
        cells
            .iter()
            .map(|c| highlight(&app.filter.parsed, c))
            .collect()
    } else {
        vec![Vec::new(); cells.len()]
    };
    let base = if selected {
        style::selected()
    } else if row.suppressed {
        style::dim()
    } else {
        Style::default()
    };
    // One column says the most important of: marked, selected, new since
    // the console opened (follow mode).
    let lead = if app.triage.marked.contains(&fi) {
        "◆"
    } else if selected {
        "▶"
    } else if app.fresh.contains(key) {
        "●"
    } else {
        " "
    };
    let mut spans = vec![Span::styled(lead, base)];
    for c in cols {
        let i = Col::ALL.iter().position(|a| *a == c.col).unwrap_or(0);
        let (text, marks) = if c.col == Col::Time && !wide_time {
            (zone.minutes(row.time), &[][..])
        } else {
            (cells[i].to_string(), &marks[i][..])
        };
        let cell_style = match c.col {
            Col::Risk => style::risk(row.score),
            Col::Parity => match row.parity {
                Some(true) => style::good(),
                Some(false) => style::warn(),
                None => style::dim(),
            },
            _ => Style::default(),
        };
        spans.extend(cell(&text, c.width as usize, marks, base.patch(cell_style)));
        spans.push(Span::styled(" ", base));
    }
    Line::from(spans)
}

/// One cell: cut to `w` columns, padded, matched characters highlighted.
fn cell(text: &str, w: usize, marks: &[usize], base: Style) -> Vec<Span<'static>> {
    let shown = pad(&fit(text, w), w);
    if marks.is_empty() {
        return vec![Span::styled(shown, base)];
    }
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    for (i, ch) in shown.chars().enumerate() {
        let hit = marks.binary_search(&i).is_ok() && ch != '…';
        if hit != run_hit && !run.is_empty() {
            let st = if run_hit {
                base.patch(style::matched())
            } else {
                base
            };
            spans.push(Span::styled(std::mem::take(&mut run), st));
        }
        run_hit = hit;
        run.push(ch);
    }
    if !run.is_empty() {
        let st = if run_hit {
            base.patch(style::matched())
        } else {
            base
        };
        spans.push(Span::styled(run, st));
    }
    spans
}

/// A column title with the sort arrow when sorted by it; the title gives
/// way before the arrow does.
fn heading_text(title: &str, w: u16, sorted: Option<bool>) -> String {
    match sorted {
        None => title.to_string(),
        Some(desc) => {
            let arrow = if desc { "↓" } else { "↑" };
            format!("{} {arrow}", fit(title, (w as usize).saturating_sub(2)))
        }
    }
}

fn draw_heading(frame: &mut Frame<'_>, body: Rect, heading: &[(u16, u16, String)]) {
    let mut spans = vec![Span::raw(" ")];
    for (_, w, t) in heading {
        spans.push(Span::styled(
            pad(&fit(t, *w as usize), *w as usize),
            style::heading(),
        ));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)),
        Rect::new(body.x, body.y, body.width, 1.min(body.height)),
    );
}

pub fn groups(frame: &mut Frame<'_>, app: &App, body: Rect) {
    let Some(d) = &app.data else { return };
    let cols = layout::group_columns_of(app);
    let heading = cols
        .iter()
        .map(|c| {
            let sorted = (c.col == app.groups.sort).then_some(app.groups.desc);
            (c.x, c.width, heading_text(c.col.title(), c.width, sorted))
        })
        .collect::<Vec<_>>();
    draw_heading(frame, body, &heading);
    let rows = layout::table_rows(app);
    if app.groups.groups.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(" No findings to group.", style::dim())),
            rows,
        );
        return;
    }
    let zone = app.zone();
    let cur = app.groups.cursor;
    let end = (cur.offset + rows.height as usize).min(app.groups.groups.len());
    let mut lines = Vec::new();
    for (n, g) in app.groups.groups[cur.offset..end].iter().enumerate() {
        let selected = cur.offset + n == cur.selected;
        let base = if selected {
            style::selected()
        } else {
            Style::default()
        };
        let mut spans = vec![Span::styled(if selected { "▶" } else { " " }, base)];
        for c in &cols {
            let t = match c.col {
                GroupCol::Rule => g.rule(d).to_string(),
                GroupCol::Caller => g.caller(d).to_string(),
                GroupCol::Target => g.target(d).to_string(),
                GroupCol::Account => g.account(d).to_string(),
                GroupCol::Findings => thousands(g.findings.len() as u64),
                GroupCol::Events => thousands(g.events),
                GroupCol::First if c.width >= 22 => zone.short(g.first),
                GroupCol::First => zone.minutes(g.first),
                GroupCol::Last if c.width >= 22 => zone.short(g.last),
                GroupCol::Last => zone.minutes(g.last),
            };
            spans.extend(cell(&t, c.width as usize, &[], base));
            spans.push(Span::styled(" ", base));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), rows);
}
