//! The drill-down panes of one finding: risk, raw event, key usage, related.

use super::header::fitted;
use crate::event::Event;
use crate::sanitize::escape;
use crate::tui::action::Pane;
use crate::tui::app::{App, RawTarget};
use crate::tui::cursor::Cursor;
use crate::tui::data::{Data, caller_text, parity_mark, score_text};
use crate::tui::json::Tok;
use crate::tui::layout;
use crate::tui::style;
use crate::tui::text::{fit, pad, thousands, wrap};
use crate::tui::zone::{Zone, human_span};
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

fn label(text: &str) -> Span<'static> {
    Span::styled(format!("{text:<12}"), style::dim())
}

fn field(lines: &mut Vec<Line<'static>>, name: &str, value: Option<&str>) {
    let v = value
        .map(|v| escape(v).into_owned())
        .unwrap_or_else(|| "-".into());
    lines.push(Line::from(vec![label(name), Span::raw(v)]));
}

fn section(lines: &mut Vec<Line<'static>>, title: &str) {
    lines.push(Line::raw(""));
    lines.push(Line::styled(title.to_string(), style::title()));
}

/// Rule text may span lines; each line is escaped on its own so its
/// newlines stay line breaks rather than becoming `\u{a}`.
fn prose(lines: &mut Vec<Line<'static>>, text: &str) {
    for l in text.lines() {
        lines.push(Line::raw(escape(l).into_owned()));
    }
}

/// The risk pane's text.
/// Status, suppression and notes of finding `i`, under its score.
fn triage_lines(app: &App, i: usize, key: &str, out: &mut Vec<Line<'static>>) {
    let t = &app.triage;
    let record = t.snapshot.records.get(key);
    let mut status = vec![
        label("status"),
        Span::styled(t.status(key).label(), style::bold()),
    ];
    if let Some(r) = record
        && let (Some(by), Some(at)) = (&r.status_by, r.status_at)
    {
        status.push(Span::styled(
            format!(
                "  set by {} at {}",
                escape(by),
                at.format("%Y-%m-%d %H:%M UTC")
            ),
            style::dim(),
        ));
    }
    out.push(Line::from(status));
    if let Some(Some(s)) = t.eval.suppressed.get(i) {
        out.push(Line::from(vec![
            label("suppressed"),
            Span::styled(
                format!("by allowlist entry {}", escape(&s.id)),
                style::warn(),
            ),
            Span::raw(format!(": {}", escape(&s.reason))),
        ]));
    }
    for n in record.map(|r| r.notes.as_slice()).unwrap_or_default() {
        out.push(Line::from(vec![
            label("note"),
            Span::raw(escape(&crate::triage::store::describe_note(n)).into_owned()),
        ]));
    }
}

pub fn risk_lines(app: &App) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let Some(d) = &app.data else { return out };
    let i = app.detail.finding;
    let (Some(f), Some(rule)) = (d.findings.get(i), d.rule_of(i)) else {
        return out;
    };
    let zone = app.zone();
    out.push(Line::from(vec![
        Span::styled(escape(&rule.name).into_owned(), style::bold()),
        Span::styled(
            format!(
                "  {} · {}",
                escape(&rule.id),
                escape(&d.rules.rules[f.rule].source)
            ),
            style::dim(),
        ),
    ]));
    out.push(Line::raw(""));
    out.push(Line::styled(
        escape(&f.risk_message).into_owned(),
        style::bold(),
    ));
    out.push(Line::from(vec![
        label("score"),
        Span::styled(
            score_text(f.risk_score).to_string(),
            style::risk(f.risk_score),
        ),
        Span::raw(format!(
            " = impact {} × confidence {} / 100",
            rule.impact, rule.confidence
        )),
    ]));
    triage_lines(app, i, &f.key, &mut out);

    section(&mut out, "Finding");
    let when = if f.first_time == f.last_time {
        zone.long(f.first_time)
    } else {
        format!("{} → {}", zone.long(f.first_time), zone.long(f.last_time))
    };
    out.push(Line::from(vec![label("time"), Span::raw(when)]));
    let copies: u32 = f.events.iter().map(|&e| d.index.events[e].copies).sum();
    out.push(Line::from(vec![
        label("count"),
        Span::raw(format!(
            "{} ({} events, {} deliveries)",
            f.count,
            f.events.len(),
            copies
        )),
    ]));
    field(&mut out, "event ID", f.event_id.as_deref());
    out.push(Line::from(vec![
        label("caller"),
        Span::raw(caller_text(f.actor_arn.as_deref(), f.actor_type.as_deref())),
    ]));
    field(&mut out, "caller ARN", f.actor_arn.as_deref());
    field(&mut out, "caller key", f.caller_key.as_deref());
    field(&mut out, "→ target", f.target_user.as_deref());
    field(&mut out, "new key", f.new_key.as_deref());
    field(&mut out, "source IP", f.src.as_deref());
    field(&mut out, "user agent", f.user_agent.as_deref());
    field(&mut out, "account", f.account.as_deref());
    field(&mut out, "region", f.region.as_deref());

    section(
        &mut out,
        &format!("Why it matched ({} semantics)", f.semantics.name()),
    );
    for w in &f.why {
        out.push(Line::raw(format!("• {}", escape(w))));
    }
    let (mark, text, st) = if f.splunk_parity {
        (
            parity_mark(true),
            "the seed's Splunk search returns this finding too".to_string(),
            style::good(),
        )
    } else {
        (
            parity_mark(false),
            format!(
                "the seed's Splunk search would not return it: {}",
                escape(&f.splunk_verdict)
            ),
            style::warn(),
        )
    };
    out.push(Line::from(vec![
        Span::styled(format!("{mark} "), st),
        Span::styled(text, st),
    ]));

    section(&mut out, "Description");
    prose(&mut out, &rule.description);
    let a = &rule.annotations;
    section(&mut out, "ATT&CK");
    for t in &a.mitre_attack {
        out.push(Line::raw(format!(
            "{} {} ({})",
            escape(&t.id),
            escape(&t.technique),
            escape(&t.tactic)
        )));
    }
    let join = |v: &[String]| {
        v.iter()
            .map(|s| escape(s).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push(Line::from(vec![
        label("kill chain"),
        Span::raw(join(&a.kill_chain_phases)),
    ]));
    out.push(Line::from(vec![label("NIST"), Span::raw(join(&a.nist))]));
    out.push(Line::from(vec![label("CIS"), Span::raw(join(&a.cis20))]));
    if !a.analytic_story.is_empty() {
        out.push(Line::from(vec![
            label("story"),
            Span::raw(join(&a.analytic_story)),
        ]));
    }
    section(&mut out, "How to implement");
    prose(&mut out, &rule.how_to_implement);
    section(&mut out, "Known false positives");
    prose(&mut out, &rule.known_false_positives);
    section(&mut out, "References");
    for r in &rule.references {
        out.push(Line::raw(format!("• {}", escape(r))));
    }
    out
}

/// The raw pane's text: the pretty-printed event, coloured, with the rule's
/// fields and the search hits marked.
pub fn raw_lines(app: &App) -> Vec<Line<'static>> {
    let raw = &app.detail.raw;
    let Some((_, Ok(doc))) = &raw.doc else {
        return Vec::new();
    };
    let hits = &raw.search.matches;
    let needle = raw.search.text.chars().count();
    doc.lines
        .iter()
        .enumerate()
        .map(|(li, line)| {
            let mut spans: Vec<Span<'static>> = line
                .pieces
                .iter()
                .map(|p| {
                    let st = match p.tok {
                        Tok::Indent => Style::default(),
                        Tok::Punct => style::dim(),
                        Tok::Key => style::key(),
                        Tok::Str => style::string(),
                        Tok::Num => style::number(),
                        Tok::Lit => style::literal(),
                        Tok::Note => style::dim().add_modifier(ratatui::style::Modifier::ITALIC),
                    };
                    Span::styled(
                        p.text.clone(),
                        if p.hot { st.patch(style::hot()) } else { st },
                    )
                })
                .collect();
            let line_hits: Vec<(usize, bool)> = hits
                .iter()
                .enumerate()
                .filter(|(_, (l, _))| *l == li)
                .map(|(n, (_, off))| (*off, n == raw.search.current))
                .collect();
            if !line_hits.is_empty() && needle > 0 {
                spans = mark_hits(spans, &line_hits, needle);
            }
            Line::from(spans)
        })
        .collect()
}

/// Restyles the characters of each hit `(offset, is_current)`.
fn mark_hits(spans: Vec<Span<'static>>, hits: &[(usize, bool)], len: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut pos = 0;
    for s in spans {
        let mut run = String::new();
        let mut run_st = s.style;
        for ch in s.content.chars() {
            let st = match hits.iter().find(|(o, _)| pos >= *o && pos < o + len) {
                Some((_, true)) => s.style.patch(style::current_hit()),
                Some((_, false)) => s.style.patch(style::hit()),
                None => s.style,
            };
            if st != run_st && !run.is_empty() {
                out.push(Span::styled(std::mem::take(&mut run), run_st));
            }
            run_st = st;
            run.push(ch);
            pos += 1;
        }
        if !run.is_empty() {
            out.push(Span::styled(run, run_st));
        }
    }
    out
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
            .map(|f| f.path.display().to_string())
            .unwrap_or_default();
        info.push(Span::styled(
            format!(" copy {}/{} ", raw.delivery + 1, deliveries.len()),
            style::bold(),
        ));
        let used: usize = info
            .iter()
            .map(|s| crate::tui::text::width(&s.content))
            .sum();
        let place = format!(
            "{}:{} (byte {})",
            escape(&file),
            del.loc.line,
            del.loc.offset
        );
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
        zone.short(ev.time)
    } else {
        zone.minutes(ev.time)
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
            if let Some(t) = d.index.events[e].time {
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
