//! The allowlist screen and the suppress form. Entry ids, reasons and
//! condition values are typed by people but may be copied from log text, so
//! they are escaped here like everything else from outside.

use crate::sanitize::escape;
use crate::triage::EntryState;
use crate::tui::app::App;
use crate::tui::layout::{self, ENTRY_DETAIL};
use crate::tui::style;
use crate::tui::text::{fit, pad, thousands};
use crate::tui::triage::Focus;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// The allowlist screen: one line per entry (state, hits, id, reason), and
/// the selected entry's conditions below.
pub fn allowlist(frame: &mut Frame<'_>, app: &App, body: Rect) {
    let t = &app.triage;
    let list = &t.snapshot.allowlist;
    let w = body.width as usize;
    let path = t
        .snapshot
        .allowlist_path
        .as_ref()
        .map(|p| escape(&p.display().to_string()).into_owned())
        .unwrap_or_else(|| "(no workspace)".into());
    let heading = format!(
        " {}  {}  {}  {}",
        pad("STATE", 8),
        pad("HITS", 5),
        pad("ID", 24),
        "REASON"
    );
    frame.render_widget(
        Paragraph::new(Line::styled(fit(&heading, w), style::heading())),
        Rect::new(body.x, body.y, body.width, 1.min(body.height)),
    );
    let rows = layout::allowlist_rows(app);
    if list.entries.is_empty() {
        let mut lines = vec![Line::styled(
            " No allowlist entries. Press s on a finding to suppress findings like it.",
            style::dim(),
        )];
        lines.push(Line::styled(format!(" file: {path}"), style::dim()));
        if let Some(p) = &t.snapshot.allowlist_problem {
            lines.push(Line::styled(format!(" ⚠ {}", escape(p)), style::warn()));
        }
        frame.render_widget(Paragraph::new(lines), rows);
        return;
    }
    // The time of the last tick, not the clock: drawing reads only the state.
    let now = app.now();
    let cur = t.cursor;
    let end = (cur.offset + rows.height as usize).min(list.entries.len());
    let mut lines = Vec::new();
    for i in cur.offset..end {
        let e = &list.entries[i];
        let state = e.state(now);
        let hits = t.eval.hits(i);
        let base = if i == cur.selected {
            style::selected()
        } else {
            Style::default()
        };
        let state_style = match state {
            EntryState::Active => style::good(),
            EntryState::Expired => style::warn(),
            EntryState::Disabled => style::dim(),
        };
        let text = format!(
            " {}  {}  ",
            pad(state.name(), 8),
            pad(&thousands(hits as u64), 5)
        );
        let rest = format!(
            "{}  {}",
            pad(&fit(&escape(&e.id), 24), 24),
            escape(&e.reason)
        );
        let room = w.saturating_sub(crate::tui::text::width(&text));
        lines.push(Line::from(vec![
            Span::styled(text, base.patch(state_style)),
            Span::styled(pad(&fit(&rest, room), room), base),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), rows);

    // The selected entry in full.
    let detail = Rect::new(
        body.x,
        rows.y + rows.height,
        body.width,
        ENTRY_DETAIL.min(body.height.saturating_sub(rows.height + 1)),
    );
    let mut lines = vec![Line::styled(
        fit(&format!(" file: {path}"), w),
        style::dim(),
    )];
    if let Some(e) = list.entries.get(cur.selected) {
        let conds: Vec<String> = e
            .conditions
            .iter()
            .filter(|c| c.enabled())
            .map(|c| escape(&c.describe()).into_owned())
            .collect();
        lines.push(Line::from(fit(
            &format!(
                " rules {} · when {}",
                escape(&e.rules.to_string()),
                conds.join(" and ")
            ),
            w,
        )));
        if let Some(data) = &app.data {
            let hits = by_rule(&t.eval.hits_by_rule(cur.selected, &data.findings), data);
            if !hits.is_empty() {
                lines.push(Line::from(fit(&format!(" hits by rule: {hits}"), w)));
            }
        }
        let mut who = Vec::new();
        if let Some(a) = &e.author {
            who.push(format!("by {}", escape(a)));
        }
        if let Some(c) = e.created {
            who.push(format!(
                "created {}",
                app.zone().long(Some(c.timestamp_millis()))
            ));
        }
        who.push(match e.expires {
            Some(x) => format!("expires {}", app.zone().long(Some(x.timestamp_millis()))),
            None => "never expires".into(),
        });
        lines.push(Line::styled(
            fit(&format!(" {}", who.join(" · ")), w),
            style::dim(),
        ));
    }
    if let Some(p) = &t.snapshot.allowlist_problem {
        lines.push(Line::styled(
            fit(&format!(" ⚠ {}", escape(p)), w),
            style::warn(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), detail);
}

/// The suppress form, over whatever screen is showing.
pub fn form(frame: &mut Frame<'_>, app: &App) {
    let (Some(form), Some(data)) = (&app.triage.form, &app.data) else {
        return;
    };
    let area = frame.area();
    let w = area.width.saturating_sub(4).min(100);
    let h = area.height.saturating_sub(2);
    let o = Rect::new(area.x + (area.width - w) / 2, area.y + 1, w, h);
    frame.render_widget(Clear, o);
    let title = match &form.replacing {
        Some(id) => format!(" Edit allowlist entry {} ", escape(id)),
        None => " Suppress findings like this one ".to_string(),
    };
    frame.render_widget(
        Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, style::title())),
        o,
    );
    let inner = Rect::new(
        o.x + 1,
        o.y + 1,
        o.width.saturating_sub(2),
        o.height.saturating_sub(2),
    );
    let iw = inner.width as usize;
    let focus = |f: Focus| {
        if form.focus == f {
            style::selected()
        } else {
            Style::default()
        }
    };
    let mut lines = vec![Line::styled(
        fit(
            &format!(
                " id {} · rules {} · tick what must match:",
                escape(&form.entry.id),
                escape(&form.entry.rules.to_string())
            ),
            iw,
        ),
        style::dim(),
    )];
    for (i, c) in form.entry.conditions.iter().enumerate() {
        let tick = if c.enabled() { "[x]" } else { "[ ]" };
        lines.push(Line::styled(
            pad(&fit(&format!(" {tick} {}", escape(&c.describe())), iw), iw),
            focus(Focus::Condition(i)),
        ));
    }
    let field = |label: &str, text: &str, f: Focus, hint: &str| {
        let caret = if form.focus == f { "▏" } else { "" };
        let shown = if text.is_empty() && form.focus != f {
            hint.to_string()
        } else {
            format!("{}{caret}", escape(text))
        };
        Line::styled(pad(&fit(&format!(" {label} {shown}"), iw), iw), focus(f))
    };
    lines.push(field("Reason: ", &form.reason, Focus::Reason, "(required)"));
    lines.push(field(
        "Expires:",
        &form.expires,
        Focus::Expires,
        "(never; 30d, 12h, 2w or 2026-12-31)",
    ));
    if let Some(e) = &form.error {
        lines.push(Line::styled(
            fit(&format!(" ⚠ {}", escape(e)), iw),
            style::warn(),
        ));
    }
    let n = form.preview.len();
    let rules = by_rule(
        &crate::triage::allowlist::per_rule(&form.preview, &data.findings),
        data,
    );
    lines.push(Line::styled(
        fit(
            &format!(
                " Would suppress {} of {} findings{}{}",
                thousands(n as u64),
                thousands(data.findings.len() as u64),
                if n > 0 {
                    format!(" ({rules})")
                } else {
                    String::new()
                },
                if n > 0 { ":" } else { "" }
            ),
            iw,
        ),
        style::bold(),
    ));
    let room = (inner.height as usize).saturating_sub(lines.len() + 1);
    for &i in form.preview.iter().take(room) {
        let r = &data.rows[i];
        let t = app.zone().minutes(r.time);
        lines.push(Line::from(fit(
            &format!("   {t}  {} → {}  {}", r.caller, r.target, r.src),
            iw,
        )));
    }
    if n > room {
        lines.push(Line::styled(
            format!("   … and {} more", thousands((n - room) as u64)),
            style::dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Hits per rule as the console says them: `AWS CreateAccessKey 2, …`.
fn by_rule(hits: &[crate::triage::allowlist::RuleHits], data: &crate::tui::data::Data) -> String {
    hits.iter()
        .map(|r| {
            let name = data
                .rules
                .rules
                .get(r.rule)
                .map_or(r.rule_id.as_str(), |l| l.rule.name.as_str());
            format!("{} {}", escape(name), thousands(r.hits as u64))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::triage::{Allowlist, Entry};
    use crate::tui::app::{App, Screen};
    use crate::tui::headless::buffer_text;
    use crate::tui::synthetic;
    use crate::tui::update::{Msg, update};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn entry_states_are_drawn_at_the_ticked_time_not_the_clock() {
        let mut a = App::new(vec![], None, 100, 30);
        update(&mut a, Msg::Loaded(Box::new(synthetic::data(3))));
        let f = &a.data.as_ref().unwrap().findings[0];
        let mut entry = Entry::draft_from_finding(f, chrono::Utc::now());
        entry.reason = "known".into();
        // A year away by the clock, in whole ms like the ticked time.
        let expires = (chrono::Utc::now() + chrono::Duration::days(365)).timestamp_millis();
        entry.expires = crate::event::time::to_utc(expires);
        a.triage.snapshot.allowlist = Allowlist {
            entries: vec![entry],
        };
        a.screen = Screen::Allowlist;
        let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
        let mut screen = |a: &App| {
            term.draw(|f| super::super::draw(f, a)).unwrap();
            buffer_text(term.backend().buffer())
        };
        a.now_ms = expires - 1;
        assert!(screen(&a).contains(" active "));
        a.now_ms = expires;
        assert!(screen(&a).contains(" expired "));
    }

    #[test]
    fn entry_times_are_shown_like_pane_times_in_the_zone_shown() {
        let mut a = App::new(vec![], None, 120, 30);
        update(&mut a, Msg::Loaded(Box::new(synthetic::data(3))));
        let f = &a.data.as_ref().unwrap().findings[0];
        let created = chrono::DateTime::parse_from_rfc3339("2026-11-02T10:00:00Z")
            .unwrap()
            .to_utc();
        let mut entry = Entry::draft_from_finding(f, created);
        entry.reason = "known".into();
        entry.created = Some(created);
        entry.expires = Some(created + chrono::Duration::days(30));
        a.triage.snapshot.allowlist = Allowlist {
            entries: vec![entry],
        };
        a.screen = Screen::Allowlist;
        a.now_ms = created.timestamp_millis();
        let mut term = Terminal::new(TestBackend::new(120, 30)).unwrap();
        term.draw(|f| super::super::draw(f, &a)).unwrap();
        let s = buffer_text(term.backend().buffer());
        let zone = a.zone();
        let want = |ms: i64| zone.long(Some(ms));
        assert!(
            s.contains(&format!("created {}", want(created.timestamp_millis()))),
            "{s}"
        );
        let exp = (created + chrono::Duration::days(30)).timestamp_millis();
        assert!(s.contains(&format!("expires {}", want(exp))), "{s}");
    }
}
