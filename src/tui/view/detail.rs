//! The drill-down panes of one finding: risk, raw event, key usage, related.

use super::header::fitted;
use crate::event::Event;
use crate::event::zone::{Zone, human_span};
use crate::sanitize::escape;
use crate::tui::action::Pane;
use crate::tui::app::{App, RawTarget};
use crate::tui::cursor::Cursor;
use crate::tui::data::{Data, score_text};
use crate::tui::layout;
use crate::tui::lines::{label, raw_lines, risk_lines};
use crate::tui::style;
use crate::tui::text::{fit, pad, thousands, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

pub fn draw(frame: &mut Frame<'_>, app: &App, body: Rect) {
    let Some(d) = &app.data else { return };
    // Tabs.
    let mut spans = Vec::new();
    for (p, label, _, _) in layout::tabs() {
        let st = if p == app.detail.pane {
            style::selected().patch(style::bold())
        } else {
            style::dim()
        };
        spans.push(Span::styled(label, st));
        spans.push(Span::styled("│", style::dim()));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)),
        Rect::new(body.x, body.y, body.width, 1),
    );
    // Which finding.
    let i = app.detail.finding;
    let pos = app
        .list
        .visible
        .iter()
        .position(|&v| v as usize == i)
        .map(|p| p + 1);
    if let (Some(f), Some(row)) = (d.findings.get(i), d.rows.get(i)) {
        let spans = vec![
            Span::styled(
                format!(
                    " finding {}/{}",
                    pos.map_or("-".into(), |p| p.to_string()),
                    app.list.visible.len()
                ),
                style::title(),
            ),
            Span::styled(" · risk ", style::dim()),
            Span::styled(score_text(f.risk_score), style::risk(f.risk_score)),
            Span::raw(format!(
                " · {} → {} · {} · {}",
                row.caller,
                row.target,
                row.src,
                app.zone().short(f.first_time)
            )),
        ];
        frame.render_widget(
            Paragraph::new(fitted(spans, body.width as usize)),
            Rect::new(body.x, body.y + 1, body.width, 1),
        );
    }
    match app.detail.pane {
        Pane::Risk => text_pane(
            frame,
            &risk_lines(app),
            app.detail.risk_scroll,
            layout::risk_text(app),
        ),
        Pane::Raw => raw(frame, app, d),
        Pane::Keys => keys(frame, app, d),
        Pane::Related => related(frame, app, d),
    }
}

/// Draws wrapped `lines` from visual row `scroll`, with a scroll mark.
fn text_pane(frame: &mut Frame<'_>, lines: &[Line<'static>], scroll: usize, area: Rect) {
    let w = area.width as usize;
    let mut rows: Vec<Line<'static>> = Vec::with_capacity(area.height as usize);
    let mut skipped = 0;
    let mut total = 0;
    for l in lines {
        let wrapped = wrap(l, w);
        total += wrapped.len();
        for r in wrapped {
            if skipped < scroll {
                skipped += 1;
            } else if rows.len() < area.height as usize {
                rows.push(r);
            }
        }
    }
    frame.render_widget(Paragraph::new(rows), area);
    // A one-column mark says where in the text the view is.
    if total > area.height as usize && area.height > 0 {
        let h = area.height as usize;
        let pos = scroll * (h - 1) / total.saturating_sub(h).max(1);
        let mark = Rect::new(area.x + area.width, area.y + pos.min(h - 1) as u16, 1, 1);
        if mark.x < frame.area().width {
            frame.render_widget(Paragraph::new(Span::styled("█", style::dim())), mark);
        }
    }
}

/// Where the shown copy sits: ` copy i/n ` for one event; for a finding of
/// several events ` event i of n (role) `, its role when a correlation
/// gave it one, and the copy within that event when it was delivered twice.
fn place_label(app: &App, d: &Data, deliveries: &[crate::tui::app::Delivery], at: usize) -> String {
    let finding = match app.detail.raw.target {
        RawTarget::Finding => d.findings.get(app.detail.finding),
        RawTarget::Event { .. } => None,
    };
    let Some(del) = deliveries.get(at) else {
        return String::new();
    };
    let Some(f) = finding.filter(|f| f.events.len() > 1) else {
        return format!(" copy {}/{} ", at + 1, deliveries.len());
    };
    let e = del.key.event;
    let pos = f.events.iter().position(|&x| x == e).unwrap_or(0);
    let mut s = format!(" event {} of {}", pos + 1, f.events.len());
    let roles: Vec<&str> = f
        .roles
        .iter()
        .filter(|(x, _)| *x == e)
        .map(|(_, r)| r.as_str())
        .collect();
    if !roles.is_empty() {
        s.push_str(&format!(" ({})", escape(&roles.join(", "))));
    }
    let copies = deliveries.iter().filter(|x| x.key.event == e).count();
    if copies > 1 {
        s.push_str(&format!(", copy {}/{copies}", del.key.copy + 1));
    }
    s.push(' ');
    s
}

fn raw(frame: &mut Frame<'_>, app: &App, d: &Data) {
    let p = layout::pane(app);
    let raw = &app.detail.raw;
    let deliveries = app.deliveries();
    let mut info: Vec<Span<'static>> = Vec::new();
    if let RawTarget::Event { from, .. } = raw.target {
        info.push(Span::styled(
            format!(" event from {} (Esc returns)", from.title()),
            style::title(),
        ));
    }
    // The search comes before the file name, which gives way from the left.
    let s = &raw.search;
    if s.editing || !s.text.is_empty() {
        let count = if s.matches.is_empty() {
            "no match".to_string()
        } else {
            format!("{}/{}", s.current + 1, s.matches.len())
        };
        let cursor = if s.editing { "▏" } else { "" };
        info.push(Span::styled(
            format!(" /{}{cursor} ", escape(&s.text)),
            style::title(),
        ));
        info.push(Span::styled(count, style::dim()));
    }
    if let Some(del) = deliveries.get(raw.delivery) {
        let file = d
            .index
            .files
            .get(del.loc.file as usize)
            .map(|f| crate::sanitize::escape_path(&f.path))
            .unwrap_or_default();
        info.push(Span::styled(
            place_label(app, d, &deliveries, raw.delivery),
            style::bold(),
        ));
        let used: usize = info
            .iter()
            .map(|s| crate::tui::text::width(&s.content))
            .sum();
        let place = format!("{}:{} (byte {})", file, del.loc.line, del.loc.offset);
        info.push(Span::raw(fit_left(
            &place,
            (p.width as usize).saturating_sub(used),
        )));
    }
    frame.render_widget(
        Paragraph::new(fitted(info, p.width as usize)),
        Rect::new(p.x, p.y, p.width, 1),
    );
    let area = layout::raw_text(app);
    match (&raw.doc, app.delivery()) {
        (Some((_, Ok(_))), _) => text_pane(frame, &raw_lines(app), raw.scroll, area),
        (Some((_, Err(e))), _) => {
            let msg = Line::styled(
                format!(" cannot show this event: {}", escape(e)),
                style::warn(),
            );
            text_pane(frame, &[msg], 0, area);
        }
        (None, Some(_)) => frame.render_widget(
            Paragraph::new(Line::styled(" reading the event…", style::dim())),
            area,
        ),
        (None, None) => frame.render_widget(
            Paragraph::new(Line::styled(" no event", style::dim())),
            area,
        ),
    }
}

/// Shortens `s` from the left to `max` columns, so a long path keeps its
/// file name.
fn fit_left(s: &str, max: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if crate::tui::text::width(s) <= max {
        return s.to_string();
    }
    let mut out: Vec<char> = Vec::new();
    let mut w = 1;
    for &c in chars.iter().rev() {
        let cw = crate::tui::text::char_width(c);
        if w + cw > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out.reverse();
    out.into_iter().collect()
}

/// One event as a list row: time, call, source IP, agent, outcome.
fn event_cells(d: &Data, ev: &Event, zone: &Zone, wide: bool) -> Vec<String> {
    let s = |sym| escape(d.index.str(sym).unwrap_or("-")).into_owned();
    let service = d
        .index
        .str(ev.source)
        .map(|s| s.trim_end_matches(".amazonaws.com"))
        .unwrap_or("-");
    let call = format!("{}:{}", escape(service), s(ev.name));
    let time = if wide {
        zone.short(ev.time())
    } else {
        zone.minutes(ev.time())
    };
    let agent = escape(d.index.str(ev.user_agent).unwrap_or("-")).into_owned();
    let outcome = if ev.error_code.is_none() {
        "ok".to_string()
    } else {
        s(ev.error_code)
    };
    vec![time, call, s(ev.src), agent, outcome]
}

/// One list's contents: how many rows, the heading and width of the tag
/// column, and row `i`'s event and tag (asked only for the rows on screen).
struct EventRows<'a> {
    len: usize,
    tag_title: &'static str,
    tag_w: usize,
    row: &'a dyn Fn(usize) -> (usize, String),
}

/// Draws a list of events with a heading, the selection and a leading tag column.
fn event_list(
    frame: &mut Frame<'_>,
    app: &App,
    d: &Data,
    area: Rect,
    items: EventRows<'_>,
    cursor: Cursor,
) {
    let wide = area.width >= 120;
    let tw = if wide { 22 } else { 19 };
    let (tag_title, tag_w) = (items.tag_title, items.tag_w);
    let result_w = if wide { 14 } else { 8 };
    let fixed = tw + tag_w + 15 + result_w + 5;
    let flex = (area.width as usize).saturating_sub(fixed + 1);
    let widths = [tw, flex / 2, 15, flex - flex / 2, result_w];
    let titles = ["TIME", "CALL", "SRC IP", "AGENT", "RESULT"];
    let mut head = vec![
        Span::raw(" "),
        Span::styled(pad(tag_title, tag_w), style::heading()),
        Span::raw(" "),
    ];
    for (t, w) in titles.iter().zip(widths) {
        head.push(Span::styled(pad(&fit(t, w), w), style::heading()));
        head.push(Span::raw(" "));
    }
    frame.render_widget(
        Paragraph::new(Line::from(head)),
        Rect::new(area.x, area.y, area.width, 1.min(area.height)),
    );
    let rows = layout::list_rows(area);
    let zone = app.zone();
    let end = (cursor.offset + rows.height as usize).min(items.len);
    let mut lines = Vec::new();
    for i in cursor.offset.min(end)..end {
        let (ei, tag) = (items.row)(i);
        let selected = i == cursor.selected;
        let base = if selected {
            style::selected()
        } else {
            Style::default()
        };
        let ev = &d.index.events[ei];
        let mut spans = vec![
            Span::styled(if selected { "▶" } else { " " }, base),
            Span::styled(pad(&tag, tag_w), base.patch(style::title())),
            Span::styled(" ", base),
        ];
        for (i, (c, w)) in event_cells(d, ev, &zone, wide)
            .iter()
            .zip(widths)
            .enumerate()
        {
            let st = if i == 4 && c != "ok" {
                base.patch(style::warn())
            } else {
                base
            };
            spans.push(Span::styled(pad(&fit(c, w), w), st));
            spans.push(Span::styled(" ", base));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), rows);
}

fn ranked(items: &[(String, usize)], max: usize) -> String {
    let mut s: Vec<String> = items
        .iter()
        .take(max)
        .map(|(v, n)| format!("{v} ×{n}"))
        .collect();
    if items.len() > max {
        s.push(format!("+{} more", items.len() - max));
    }
    s.join(", ")
}

fn keys(frame: &mut Frame<'_>, app: &App, d: &Data) {
    let (summary, chart, list) = layout::keys_areas(app);
    let Some((_, u)) = &app.detail.keys else {
        return;
    };
    let zone = app.zone();
    let w = summary.width as usize;
    let made = d
        .findings
        .get(app.detail.finding)
        .and_then(|f| f.first_time);
    let after = |t: Option<i64>| match (made, t) {
        (Some(m), Some(t)) if t >= m => format!(" ({} after the key was made)", human_span(t - m)),
        (Some(_), Some(_)) => " (before the key was made?)".to_string(),
        _ => String::new(),
    };
    let mut lines = Vec::new();
    match &u.key {
        None => lines.push(Line::styled(
            " This event created no access key (no responseElements.accessKey.accessKeyId).",
            style::dim(),
        )),
        Some(k) if u.events.is_empty() => lines.push(fitted(
            vec![
                Span::raw(" new key "),
                Span::styled(k.clone(), style::bold()),
                Span::styled(" was not used in the loaded logs", style::good()),
            ],
            w,
        )),
        Some(k) => {
            lines.push(fitted(
                vec![
                    Span::raw(" new key "),
                    Span::styled(k.clone(), style::bold()),
                    Span::styled(
                        format!(" USED by {} events", thousands(u.events.len() as u64)),
                        style::bad(),
                    ),
                ],
                w,
            ));
            lines.push(fitted(
                vec![
                    label(" first use"),
                    Span::raw(format!(
                        "{}{} · last {}",
                        zone.long(u.first),
                        after(u.first),
                        zone.long(u.last)
                    )),
                ],
                w,
            ));
            lines.push(fitted(vec![label(" IPs"), Span::raw(ranked(&u.ips, 4))], w));
            lines.push(fitted(
                vec![label(" agents"), Span::raw(ranked(&u.agents, 3))],
                w,
            ));
            lines.push(fitted(
                vec![label(" API calls"), Span::raw(ranked(&u.calls, 5))],
                w,
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), summary);
    if chart.height >= 2 && !u.events.is_empty() {
        let (Some(a), Some(b)) = (u.first, u.last) else {
            return;
        };
        let bars = (chart.width as usize).saturating_sub(2).max(1);
        let span = (b - a).max(1);
        let bucket = (span + bars as i64 - 1) / bars as i64;
        let mut counts = vec![0u64; bars];
        for &e in &u.events {
            if let Some(t) = d.index.events[e].time() {
                let i = (((t - a) / bucket.max(1)) as usize).min(bars - 1);
                counts[i] += 1;
            }
        }
        let caption = format!(
            " activity {} → {} ({} per bar)",
            zone.minutes(u.first),
            zone.minutes(u.last),
            human_span(bucket.max(1000))
        );
        frame.render_widget(
            Paragraph::new(Line::styled(
                fit(&caption, chart.width as usize),
                style::dim(),
            )),
            Rect::new(chart.x, chart.y, chart.width, 1),
        );
        frame.render_widget(
            Sparkline::default().data(counts).style(style::bad()),
            Rect::new(
                chart.x + 1,
                chart.y + 1,
                chart.width.saturating_sub(2),
                chart.height - 1,
            ),
        );
    }
    if !u.events.is_empty() {
        let row = |i: usize| (u.events[i], String::new());
        let rows = EventRows {
            len: u.events.len(),
            tag_title: "",
            tag_w: 0,
            row: &row,
        };
        event_list(frame, app, d, list, rows, app.detail.keys_cursor);
    }
}

fn related(frame: &mut Frame<'_>, app: &App, d: &Data) {
    let (summary, list) = layout::related_areas(app);
    let Some((i, _, r)) = &app.detail.related else {
        return;
    };
    let zone = app.zone();
    let caller = d.rows.get(*i).map(|r| r.caller.clone()).unwrap_or_default();
    let src = d.rows.get(*i).map(|r| r.src.clone()).unwrap_or_default();
    let by_caller = r.rows.iter().filter(|x| x.by_caller).count();
    let by_ip = r.rows.iter().filter(|x| x.by_ip).count();
    let more = if r.more > 0 {
        format!(" (+{} not listed)", thousands(r.more as u64))
    } else {
        String::new()
    };
    let line = fitted(
        vec![
            Span::styled(format!(" ±{} ", human_span(r.window)), style::title()),
            Span::raw(format!("around {} · ", zone.short(r.center))),
            Span::raw(format!("caller {caller}: {by_caller} · ")),
            Span::raw(format!("IP {src}: {by_ip}{more}")),
        ],
        summary.width as usize,
    );
    frame.render_widget(Paragraph::new(line), summary);
    if r.center.is_none() {
        frame.render_widget(
            Paragraph::new(Line::styled(" The finding has no time.", style::dim())),
            list,
        );
        return;
    }
    let row = |i: usize| {
        let x = r.rows[i];
        let tag = match (x.by_caller, x.by_ip) {
            (true, true) => "both",
            (true, false) => "caller",
            _ => "ip",
        };
        (
            x.event,
            if x.own {
                format!("◆{tag}")
            } else {
                tag.to_string()
            },
        )
    };
    let rows = EventRows {
        len: r.rows.len(),
        tag_title: "WHO",
        tag_w: 6,
        row: &row,
    };
    event_list(frame, app, d, list, rows, app.detail.related_cursor);
}
