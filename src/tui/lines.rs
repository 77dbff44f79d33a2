//! The text of the scrolling panes and overlays — the risk pane, the raw
//! event, help and the load errors — as styled lines. These are pure
//! functions of the state: [`super::view`] draws them and
//! [`update`](mod@super::update) measures them (wrapped to the pane's
//! width) to keep scrolling in bounds, so both sides agree on how long the
//! text is.
//!
//! Log text is escaped here with [`crate::sanitize::escape`] or arrives
//! escaped already (the rows in [`super::data`], the event in [`super::json`]).

use super::app::App;
use super::data::{caller_text, parity_mark, score_text};
use super::json::Tok;
use super::keymap;
use super::style;
use super::text::pad;
use crate::sanitize::escape;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// A field name in the risk pane (and the key usage summary), padded to line up.
pub fn label(text: &str) -> Span<'static> {
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
                app.zone().long(Some(at.timestamp_millis()))
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

/// How a finding's score was made: the seed's impact × confidence, or a
/// Sigma rule's `risk_score` (else its level).
fn score_origin(
    d: &super::data::Data,
    f: &crate::rules::Finding,
    rule: &crate::rules::rule::Rule,
) -> String {
    match d.rules.rules.get(f.rule).and_then(|r| r.sigma.as_deref()) {
        Some(s) => format!(
            " · Sigma level {}",
            escape(s.level.as_deref().unwrap_or("(none)"))
        ),
        None => format!(
            " = impact {} × confidence {} / 100",
            rule.impact, rule.confidence
        ),
    }
}

/// A correlation's events, one a line: its time in the zone's long form,
/// its event name and its role (the referred rule it matched).
fn sequence_lines(
    d: &super::data::Data,
    f: &crate::rules::Finding,
    zone: &crate::event::zone::Zone,
    out: &mut Vec<Line<'static>>,
) {
    if f.roles.is_empty() {
        return;
    }
    section(out, &format!("Sequence ({} events)", f.roles.len()));
    for (n, (e, role)) in f.roles.iter().enumerate() {
        let ev = d.index.events.get(*e);
        let name = ev.and_then(|ev| d.index.str(ev.name)).unwrap_or("?");
        out.push(Line::from(vec![
            Span::raw(format!(
                "{}. {}  {}  ",
                n + 1,
                zone.long(ev.and_then(|ev| ev.time())),
                escape(name)
            )),
            Span::styled(escape(role).into_owned(), style::dim()),
        ]));
    }
}

/// The risk pane's text: the rule, the score, triage, the finding's fields,
/// why it matched, and the rule's description and references.
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
        Span::raw(score_origin(d, f, rule)),
    ]));
    triage_lines(app, i, &f.key, &mut out);

    section(&mut out, "Finding");
    let when = if f.first_time == f.last_time {
        zone.long(f.first_time)
    } else {
        format!("{} → {}", zone.long(f.first_time), zone.long(f.last_time))
    };
    out.push(Line::from(vec![label("time"), Span::raw(when)]));
    let copies: u32 = f
        .events
        .iter()
        .map(|&e| d.index.copies(&d.index.events[e]))
        .sum();
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
    let (mark, text, st) = match super::data::parity_of(f) {
        Some(true) => (
            parity_mark(Some(true)),
            "the seed's Splunk search returns this finding too".to_string(),
            style::good(),
        ),
        Some(false) => (
            parity_mark(Some(false)),
            format!(
                "the seed's Splunk search would not return it: {}",
                escape(&f.splunk_verdict)
            ),
            style::warn(),
        ),
        None => (
            parity_mark(None),
            "a Sigma rule: no Splunk search to compare with (parity n/a)".to_string(),
            style::dim(),
        ),
    };
    out.push(Line::from(vec![
        Span::styled(format!("{mark} "), st),
        Span::styled(text, st),
    ]));

    // A heading stands only over content: rules of every kind leave some
    // of these out (a Sigma rule has no "how to implement" of its own).
    if !rule.description.trim().is_empty() {
        sequence_lines(d, f, &zone, &mut out);

        section(&mut out, "Description");
        prose(&mut out, &rule.description);
    }
    let a = &rule.annotations;
    let join = |v: &[String]| {
        v.iter()
            .map(|s| escape(s).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let named = [
        ("kill chain", &a.kill_chain_phases),
        ("NIST", &a.nist),
        ("CIS", &a.cis20),
        ("story", &a.analytic_story),
    ];
    if !a.mitre_attack.is_empty() || named.iter().any(|(_, v)| !v.is_empty()) {
        section(&mut out, "ATT&CK");
    }
    for t in &a.mitre_attack {
        out.push(Line::raw(escape(&t.label()).into_owned()));
    }
    for (name, v) in named {
        if !v.is_empty() {
            out.push(Line::from(vec![label(name), Span::raw(join(v))]));
        }
    }
    if !rule.how_to_implement.trim().is_empty() {
        section(&mut out, "How to implement");
        prose(&mut out, &rule.how_to_implement);
    }
    if !rule.known_false_positives.trim().is_empty() {
        section(&mut out, "Known false positives");
        prose(&mut out, &rule.known_false_positives);
    }
    if !rule.references.is_empty() {
        section(&mut out, "References");
        for r in &rule.references {
            out.push(Line::raw(format!("• {}", escape(r))));
        }
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

/// The line of [`help_lines`] where the section titled `title` starts.
pub fn help_section(title: &str) -> Option<usize> {
    help_lines()
        .iter()
        .position(|l| l.spans.len() == 1 && l.spans[0].content == title)
}

/// The message log: every status-line message with its time, whole.
pub fn message_lines(app: &App) -> Vec<Line<'static>> {
    if app.log.is_empty() {
        return vec![Line::styled("No messages yet.", style::dim())];
    }
    let zone = app.zone();
    app.log
        .iter()
        .map(|m| {
            let st = if m.problem {
                style::warn()
            } else {
                style::good()
            };
            Line::from(vec![
                Span::styled(format!("{} ", zone.long(Some(m.at_ms))), style::dim()),
                Span::styled(escape(&m.text).into_owned(), st),
            ])
        })
        .collect()
}

/// The load errors, each with its path and line.
pub fn error_lines(app: &App) -> Vec<Line<'static>> {
    let Some(d) = &app.data else {
        return vec![Line::styled(
            "Still loading: errors are listed once the files are read.",
            style::dim(),
        )];
    };
    let mut out = rule_lines(d);
    if d.error_count() == 0 {
        out.push(Line::styled("No load errors.", style::good()));
        return out;
    }
    out.extend(d.errors().map(|e| {
        let mut place = crate::sanitize::escape_path(&e.path);
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
    }));
    out
}

/// Above the load errors when rule folders were loaded: what loading them
/// said, and every rule with its findings open / suppressed (the header
/// has room for the top few only). Nothing with the seed alone.
fn rule_lines(d: &super::data::Data) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if d.notes().is_empty() && !d.many_rules() {
        return out;
    }
    for n in d.notes() {
        out.push(Line::raw(escape(n).into_owned()));
    }
    if d.many_rules() {
        out.push(Line::styled(
            format!(
                "Rules ({}): findings open / suppressed",
                d.rules.rules.len()
            ),
            style::title(),
        ));
        for c in d.rule_counts() {
            out.push(Line::from(vec![
                Span::styled(format!("{:>6} / {:<6}", c.open, c.suppressed), style::dim()),
                Span::raw(c.name),
            ]));
        }
    }
    out.push(Line::styled("Load errors", style::title()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::Screen;
    use crate::tui::update::{Msg, update};

    #[test]
    fn who_set_the_status_when_is_shown_in_the_panes_long_form() {
        let mut a = App::new(
            vec![],
            Some(crate::event::zone::Zone::parse("Europe/Paris").unwrap()),
            120,
            30,
        );
        update(
            &mut a,
            Msg::Loaded(Box::new(crate::tui::synthetic::data(1))),
        );
        let key = a.data.as_ref().unwrap().findings[0].key.clone();
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-02T10:00:00Z")
            .unwrap()
            .to_utc();
        let record = crate::triage::store::Record {
            status: crate::triage::Status::Escalated,
            status_by: Some("ana".into()),
            status_at: Some(at),
            ..Default::default()
        };
        a.triage.snapshot.records.insert(key, record);
        a.screen = Screen::Detail;
        let text: String = risk_lines(&a)
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        let want = a.zone().long(Some(at.timestamp_millis()));
        assert!(text.contains(&format!("set by ana at {want}")), "{text}");
    }
}
