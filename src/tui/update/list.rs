//! The findings list and the grouped view: sorting, filtering (the `/`
//! line, the allowlist entry being looked at, suppressed findings) and
//! regrouping, and keeping every cursor in its viewport.

use super::nav::{Step, step};
use crate::triage::Allowlist;
use crate::tui::action::{Action, Pane};
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::data::{Col, GroupCol, groups};
use crate::tui::filter::Filter;
use crate::tui::layout;

/// `O`: reverses the sort of the table shown.
pub(super) fn reverse(app: &mut App) {
    match app.screen {
        Screen::Grouped => app.groups.desc = !app.groups.desc,
        _ => app.list.desc = !app.list.desc,
    }
    resort(app);
}

/// `v`: switches between the findings list and the groups.
pub(super) fn toggle_grouped(app: &mut App) {
    app.screen = match app.screen {
        Screen::Grouped => Screen::List,
        _ => Screen::Grouped,
    };
    regroup(app);
}

/// `t`: times in UTC or the other zone; filter times are read again.
pub(super) fn toggle_zone(app: &mut App) {
    app.utc = !app.utc;
    let zone = app.zone();
    if let Some(d) = &mut app.data {
        d.rezone(&zone);
    }
    // Filter times without an offset are read in the zone shown.
    app.filter.parsed = Filter::parse(&app.filter.text, &zone);
    if app.is_ready() {
        refilter(app);
    }
}

/// Typing in the filter line: the list narrows as the text grows.
pub(super) fn filter_input(app: &mut App, action: Action) {
    let zone = app.zone();
    let f = &mut app.filter;
    match action {
        Action::Accept => f.editing = false,
        Action::Cancel => {
            f.editing = false;
            f.text.clear();
        }
        Action::DeleteBack => {
            f.text.pop();
        }
        Action::ClearInput => f.text.clear(),
        Action::Type(c) => f.text.push(c),
        _ => return,
    }
    let parsed = Filter::parse(&f.text, &zone);
    if parsed == app.filter.parsed {
        return;
    }
    let narrows = parsed.narrows(&app.filter.parsed);
    app.filter.parsed = parsed;
    match &app.data {
        // Typing on narrows what is shown: filter those rows, not all.
        Some(data) if narrows => {
            let keep = app.selected_finding();
            app.list.visible = app.filter.parsed.apply(data, &app.list.visible);
            let pos = keep
                .and_then(|k| app.list.visible.iter().position(|&v| v as usize == k))
                .unwrap_or(0);
            let h = layout::table_rows(app).height as usize;
            app.list.cursor.select(pos, app.list.visible.len(), h);
            regroup(app);
        }
        _ => refilter(app),
    }
}

/// Sorts by column `col` of the table shown (its place in [`Col::ALL`] or
/// [`GroupCol::ALL`]), or by the next column; the sorted column again
/// reverses.
pub(super) fn sort(app: &mut App, col: Option<usize>) {
    let n = match app.screen {
        Screen::Grouped => GroupCol::ALL.len(),
        _ => Col::ALL.len(),
    };
    // A replayed action may name a column this table does not have.
    if col.is_some_and(|c| c >= n) {
        return;
    }
    // The RULE column is not shown with one rule, so cycling passes it by.
    let many = app.data.as_ref().is_some_and(|d| d.many_rules());
    let step = |cur: usize, n: usize, rule: usize| {
        let next = (cur + 1) % n;
        if next == rule && !many {
            (next + 1) % n
        } else {
            next
        }
    };
    match app.screen {
        Screen::Grouped => {
            let all = GroupCol::ALL;
            let cur = all.iter().position(|c| *c == app.groups.sort).unwrap_or(0);
            let rule = all.iter().position(|c| *c == GroupCol::Rule).unwrap_or(0);
            let next = col.unwrap_or_else(|| step(cur, all.len(), rule));
            if next == cur && col.is_some() {
                app.groups.desc = !app.groups.desc;
            } else {
                app.groups.sort = all[next];
                app.groups.desc = matches!(
                    all[next],
                    GroupCol::Findings | GroupCol::Events | GroupCol::Last
                );
            }
        }
        _ => {
            let all = Col::ALL;
            let cur = all.iter().position(|c| *c == app.list.sort).unwrap_or(0);
            let rule = all.iter().position(|c| *c == Col::Rule).unwrap_or(0);
            let next = col.unwrap_or_else(|| step(cur, all.len(), rule));
            if next == cur && col.is_some() {
                app.list.desc = !app.list.desc;
            } else {
                app.list.sort = all[next];
                // Highest risk first is what anyone sorting by risk wants.
                app.list.desc = all[next] == Col::Risk;
            }
        }
    }
    resort(app);
}

/// Puts the findings in sort order again, then refilters.
fn resort(app: &mut App) {
    if let Some(d) = &app.data {
        app.list.order = d.sorted(app.list.sort, app.list.desc);
    }
    refilter(app);
}

/// Recomputes the visible findings, keeping the selected one selected when
/// it is still there.
pub(super) fn refilter(app: &mut App) {
    let Some(data) = &app.data else { return };
    let keep = app.selected_finding();
    app.list.visible = app.filter.parsed.apply(data, &app.list.order);
    let t = &app.triage;
    if let Some(e) = t.only_entry {
        // What the entry matches whatever its state, so a disabled entry
        // shows what it would suppress.
        let hits: std::collections::HashSet<usize> = t
            .snapshot
            .allowlist
            .entries
            .get(e)
            .map(|en| Allowlist::preview(en, &data.findings))
            .unwrap_or_default()
            .into_iter()
            .collect();
        app.list.visible.retain(|&i| hits.contains(&(i as usize)));
    } else if !t.show_suppressed {
        app.list
            .visible
            .retain(|&i| !t.eval.is_suppressed(i as usize));
    }
    let pos = keep
        .and_then(|k| app.list.visible.iter().position(|&v| v as usize == k))
        .unwrap_or(0);
    let h = layout::table_rows(app).height as usize;
    app.list.cursor.select(pos, app.list.visible.len(), h);
    regroup(app);
}

/// Rebuilds the groups from the visible findings (on the grouped screen).
fn regroup(app: &mut App) {
    if app.screen != Screen::Grouped {
        return;
    }
    let Some(data) = &app.data else { return };
    // The selected group stays selected when it is still there.
    let sel = app
        .groups
        .groups
        .get(app.groups.cursor.selected)
        .map(|g| g.rep as usize);
    let key = |i: usize| (&data.rows[i].actor, &data.rows[i].target);
    app.groups.groups = groups(data, &app.list.visible, app.groups.sort, app.groups.desc);
    let pos = sel
        .and_then(|s| {
            app.groups
                .groups
                .iter()
                .position(|g| key(g.rep as usize) == key(s))
        })
        .unwrap_or(0);
    let h = layout::table_rows(app).height as usize;
    app.groups.cursor.select(pos, app.groups.groups.len(), h);
}

/// Keeps every cursor and scroll inside its (possibly resized) viewport.
pub(super) fn reclamp(app: &mut App) {
    let h = layout::table_rows(app).height as usize;
    app.list.cursor.clamp(app.list.visible.len(), h);
    app.groups.cursor.clamp(app.groups.groups.len(), h);
    let kh = layout::list_rows(layout::keys_areas(app).2).height as usize;
    let kl = app.detail.keys.as_ref().map_or(0, |(_, k)| k.events.len());
    app.detail.keys_cursor.clamp(kl, kh);
    let rh = layout::list_rows(layout::related_areas(app).1).height as usize;
    let rl = app
        .detail
        .related
        .as_ref()
        .map_or(0, |(_, _, r)| r.rows.len());
    app.detail.related_cursor.clamp(rl, rh);
    // A zero step clamps the scroll of whatever text is showing.
    let text_shown = app.overlay != Overlay::None
        || (app.screen == Screen::Detail && matches!(app.detail.pane, Pane::Risk | Pane::Raw));
    if text_shown {
        step(app, Step::By(0));
    }
}
