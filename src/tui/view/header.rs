//! The three header lines: what is loaded, the time span and zone, and the
//! findings and error counts.

use crate::event::zone::{Zone, offset_long};
use crate::tui::app::{App, Screen};
use crate::tui::style;
use crate::tui::text::{fit, thousands, width};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame<'_>, app: &App, area: Rect) {
    let w = area.width as usize;
    let paths: Vec<String> = app
        .paths
        .iter()
        .map(|p| crate::sanitize::escape_path(p))
        .collect();
    let zone = app.zone();
    let mut lines: Vec<Line<'static>> = Vec::new();
    let Some(d) = &app.data else {
        lines.push(fitted(
            vec![
                Span::styled(" trailhunt ", style::title()),
                Span::raw(paths.join(", ")),
            ],
            w,
        ));
        lines.push(Line::styled(" loading…", style::dim()));
        lines.push(Line::from(format!(" times in {}", zone_label(&zone, None))));
        frame.render_widget(Paragraph::new(lines), area);
        return;
    };
    let s = &d.index.stats;
    let dup = s.deliveries.saturating_sub(s.events);
    let mut what = format!(
        " · {} files · {} events",
        thousands(s.files as u64),
        thousands(s.events)
    );
    if dup > 0 {
        let plural = if dup == 1 { "" } else { "s" };
        what.push_str(&format!(" (+{} duplicate{plural})", thousands(dup)));
    }
    lines.push(fitted(
        vec![
            Span::styled(" trailhunt ", style::title()),
            Span::raw(paths.join(", ")),
            Span::raw(what),
        ],
        w,
    ));

    let list = |set: &std::collections::BTreeSet<String>| -> String {
        let names: Vec<String> = set
            .iter()
            .take(3)
            .map(|a| crate::sanitize::escape(a).into_owned())
            .collect();
        let more = if set.len() > 3 { ", …" } else { "" };
        format!("{} ({}{more})", set.len(), names.join(", "))
    };
    let span = format!(
        " {} → {}",
        zone.minutes(s.first_time),
        zone.minutes(s.last_time)
    );
    let mut second = vec![Span::raw(span)];
    if d.many_rules() {
        second.extend(rule_counts(d));
    }
    second.extend([
        Span::styled(" · accounts ", style::dim()),
        Span::raw(list(&s.accounts)),
        Span::styled(" · regions ", style::dim()),
        Span::raw(list(&s.regions)),
    ]);
    lines.push(fitted(second, w));

    let (total, open, suppressed) = app.triage.counts(&d.findings);
    let errors = d.error_count();
    let sort = match app.screen {
        Screen::Grouped => format!("{} {}", app.groups.sort.name(), arrow(app.groups.desc)),
        _ => format!("{} {}", app.list.sort.name(), arrow(app.list.desc)),
    };
    let mut third = vec![
        Span::styled(" findings ", style::dim()),
        Span::styled(thousands(total as u64), style::bold()),
        Span::styled(" · open ", style::dim()),
        Span::raw(thousands(open as u64)),
        Span::styled(" · suppressed ", style::dim()),
        Span::raw(thousands(suppressed as u64)),
        Span::styled(
            if app.triage.show_suppressed {
                " (shown)"
            } else {
                " (hidden)"
            },
            style::dim(),
        ),
        Span::styled(" · load errors ", style::dim()),
        Span::styled(
            thousands(errors as u64),
            if errors > 0 {
                style::warn()
            } else {
                style::good()
            },
        ),
    ];
    if errors > 0 {
        third.push(Span::styled(" (L)", style::dim()));
    }
    if !app.triage.marked.is_empty() {
        // Shown/all: marks the filter hides are kept but never acted on.
        third.push(Span::styled(" · marked ", style::dim()));
        third.push(Span::styled(
            format!("{}/{}", app.visible_marks().len(), app.triage.marked.len()),
            style::bold(),
        ));
    }
    if app.following {
        third.push(Span::styled(" · following", style::good()));
        if !app.fresh.is_empty() {
            third.push(Span::styled(
                format!(" ({} new ●)", thousands(app.fresh.len() as u64)),
                style::bold(),
            ));
        }
    }
    third.extend([
        Span::styled(" · times ", style::dim()),
        Span::styled(zone_label(&zone, s.first_time), style::bold()),
        Span::styled(" · ", style::dim()),
        Span::raw(d.semantics.name()),
        Span::styled(" · sort ", style::dim()),
        Span::raw(sort),
    ]);
    lines.push(fitted(third, w));
    frame.render_widget(Paragraph::new(lines), area);
}

/// Rules shown by name in the header; the rest are counted, and `L` lists all.
const TOP_RULES: usize = 3;
/// A rule's name in the header is cut to this many columns.
const RULE_NAME: usize = 24;

/// The header's per-rule counts: ` · rules 11: Name 3/0, Name 1/0, +8 more (L)`,
/// open / suppressed, the rules with findings first.
fn rule_counts(d: &crate::tui::data::Data) -> Vec<Span<'static>> {
    let counts = d.rule_counts();
    let mut out = vec![Span::styled(
        format!(" · {} rules, open/supp: ", counts.len()),
        style::dim(),
    )];
    let shown: Vec<_> = counts
        .iter()
        .take(TOP_RULES)
        .filter(|c| c.open + c.suppressed > 0)
        .collect();
    for (i, c) in shown.iter().enumerate() {
        if i > 0 {
            out.push(Span::styled(", ", style::dim()));
        }
        out.push(Span::raw(fit(&c.name, RULE_NAME)));
        out.push(Span::styled(
            format!(
                " {}/{}",
                thousands(c.open as u64),
                thousands(c.suppressed as u64)
            ),
            style::bold(),
        ));
    }
    let more = counts.len() - shown.len();
    if more > 0 {
        let sep = if shown.is_empty() { "" } else { ", " };
        out.push(Span::styled(format!("{sep}+{more} more (L)"), style::dim()));
    }
    out
}

/// `UTC`, or `Europe/Paris (+01:00)` with the offset at `at`.
pub fn zone_label(zone: &Zone, at: Option<i64>) -> String {
    match zone {
        Zone::Utc => "UTC (+00:00)".into(),
        z => format!(
            "{} ({})",
            z.label(),
            offset_long(z.offset_secs(at.unwrap_or(0)))
        ),
    }
}

fn arrow(desc: bool) -> &'static str {
    if desc { "↓" } else { "↑" }
}

/// Cuts a line of spans to `w` columns.
pub(super) fn fitted(spans: Vec<Span<'static>>, w: usize) -> Line<'static> {
    let mut out = Vec::new();
    let mut used = 0;
    for s in spans {
        let sw = width(&s.content);
        if used + sw <= w {
            used += sw;
            out.push(s);
        } else {
            let room = w - used;
            if room > 0 {
                out.push(Span::styled(fit(&s.content, room), s.style));
            }
            break;
        }
    }
    Line::from(out)
}
