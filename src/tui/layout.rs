//! Screen geometry, as pure functions of the state. The view draws into
//! these rectangles and `update` uses the same ones to map mouse clicks and
//! page sizes, so the two always agree.

use super::action::Pane;
use super::app::{App, Screen};
use super::data::{Col, GroupCol};
use super::text::width;
use ratatui::layout::Rect;

/// Below this size the console says so instead of drawing.
pub const MIN_WIDTH: u16 = 60;
/// Below this size the console says so instead of drawing.
pub const MIN_HEIGHT: u16 = 16;
/// Rows of the header.
pub const HEADER_ROWS: u16 = 3;

/// The main regions of the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub body: Rect,
    /// The filter line, when a filter is being typed or is in force.
    pub prompt: Option<Rect>,
    /// The one-line context bar.
    pub bar: Rect,
}

/// Whether the terminal is big enough to draw in.
pub fn usable(app: &App) -> bool {
    app.width >= MIN_WIDTH && app.height >= MIN_HEIGHT
}

/// The main regions for `app`'s size and state.
pub fn areas(app: &App) -> Areas {
    let (w, h) = (app.width, app.height);
    let prompt = matches!(app.screen, Screen::List | Screen::Grouped)
        && (app.filter.editing || !app.filter.text.is_empty() || app.triage.only_entry.is_some());
    let bar = Rect::new(0, h.saturating_sub(1), w, 1.min(h));
    let header = Rect::new(0, 0, w, HEADER_ROWS.min(h));
    let p = prompt as u16;
    let body_h = h.saturating_sub(HEADER_ROWS + 1 + p);
    let body = Rect::new(0, HEADER_ROWS.min(h), w, body_h);
    let prompt = prompt.then(|| Rect::new(0, HEADER_ROWS + body_h, w, 1));
    Areas {
        header,
        body,
        prompt,
        bar,
    }
}

/// The table's data rows (the body without its heading row).
pub fn table_rows(app: &App) -> Rect {
    let b = areas(app).body;
    Rect::new(
        b.x,
        b.y + 1.min(b.height),
        b.width,
        b.height.saturating_sub(1),
    )
}

/// Lines under the allowlist screen's table that describe the selected entry.
pub const ENTRY_DETAIL: u16 = 5;

/// The allowlist screen's entry rows (below the heading, above the
/// selected entry's details).
pub fn allowlist_rows(app: &App) -> Rect {
    let r = table_rows(app);
    Rect::new(r.x, r.y, r.width, r.height.saturating_sub(ENTRY_DETAIL))
}

/// The drill-down pane's area (below the tabs and the finding line).
pub fn pane(app: &App) -> Rect {
    let b = areas(app).body;
    Rect::new(
        b.x,
        b.y + 2.min(b.height),
        b.width,
        b.height.saturating_sub(2),
    )
}

/// The raw pane: one line for which copy is shown (and the search), then the text.
pub fn raw_text(app: &App) -> Rect {
    let p = pane(app);
    Rect::new(
        p.x,
        p.y + 1.min(p.height),
        p.width.saturating_sub(1),
        p.height.saturating_sub(1),
    )
}

/// The risk pane's text (a column is left for the scroll mark).
pub fn risk_text(app: &App) -> Rect {
    let p = pane(app);
    Rect::new(p.x + 1, p.y, p.width.saturating_sub(2), p.height)
}

/// The key usage pane: summary, activity chart, and the event list (with its heading row).
pub fn keys_areas(app: &App) -> (Rect, Rect, Rect) {
    let p = pane(app);
    let summary_h = 5.min(p.height);
    let chart_h = if p.height >= 14 { 4 } else { 2 }.min(p.height - summary_h);
    let summary = Rect::new(p.x, p.y, p.width, summary_h);
    let chart = Rect::new(p.x, p.y + summary_h, p.width, chart_h);
    let list = Rect::new(
        p.x,
        p.y + summary_h + chart_h,
        p.width,
        p.height - summary_h - chart_h,
    );
    (summary, chart, list)
}

/// The related pane: a summary line, then the event list (with its heading row).
pub fn related_areas(app: &App) -> (Rect, Rect) {
    let p = pane(app);
    let s = 1.min(p.height);
    (
        Rect::new(p.x, p.y, p.width, s),
        Rect::new(p.x, p.y + s, p.width, p.height - s),
    )
}

/// Rows of an event list inside `list` (its heading row excluded).
pub fn list_rows(list: Rect) -> Rect {
    Rect::new(
        list.x,
        list.y + 1.min(list.height),
        list.width,
        list.height.saturating_sub(1),
    )
}

/// The frame of an overlay (help, load errors).
pub fn overlay(app: &App) -> Rect {
    let w = app.width.saturating_sub(4).min(110);
    let h = app.height.saturating_sub(2);
    Rect::new((app.width - w) / 2, 1, w, h)
}

/// Where an overlay's text goes (inside the border, a column for the scroll mark).
pub fn overlay_text(app: &App) -> Rect {
    let o = overlay(app);
    Rect::new(
        o.x + 2,
        o.y + 1,
        o.width.saturating_sub(5),
        o.height.saturating_sub(2),
    )
}

/// The pane tabs' labels and their x ranges `[x0, x1)` on the tab row.
pub fn tabs() -> Vec<(Pane, String, u16, u16)> {
    let mut x = 0u16;
    Pane::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let label = format!(" {} {} ", i + 1, p.title());
            let w = width(&label) as u16;
            let r = (*p, label, x, x + w);
            x += w + 1;
            r
        })
        .collect()
}

/// One table column's place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column<C> {
    pub col: C,
    pub x: u16,
    pub width: u16,
}

/// The findings table's columns for `app`: the RULE column only when more
/// than one rule is loaded, as with the seed alone it would say one thing.
pub fn columns_of(app: &App) -> Vec<Column<Col>> {
    let many = app.data.as_ref().is_some_and(|d| d.rules.rules.len() > 1);
    columns(app.width, many)
}

/// Columns shown at `total` width (with the RULE column when `rule`), in
/// order; lower-priority columns give way first on narrow terminals. The
/// first column is a selection gutter.
pub fn columns(total: u16, rule: bool) -> Vec<Column<Col>> {
    let avail = total.saturating_sub(1) as i32;
    let time = if total >= 100 { 22 } else { 19 };
    let fixed = |c: Col| -> i32 {
        match c {
            Col::Time => time,
            Col::Risk => 6,
            Col::Rule => 15,
            Col::Src => 15,
            Col::Status => 6,
            Col::Parity => 3,
            Col::Account => 12,
            Col::Region => 14,
            Col::Caller => 14,
            Col::Target => 10,
            Col::Agent => 12,
        }
    };
    // Priority: what a responder needs first — with several rules loaded
    // (the pack is built in), which rule fired comes right after the risk,
    // before the caller: a row without it cannot be read at 80 columns.
    let priority = [
        Col::Time,
        Col::Risk,
        Col::Rule,
        Col::Caller,
        Col::Target,
        Col::Status,
        Col::Parity,
        Col::Src,
        Col::Account,
        Col::Region,
        Col::Agent,
    ];
    let mut chosen: Vec<Col> = Vec::new();
    let mut used = 0;
    for c in priority.into_iter().filter(|c| rule || *c != Col::Rule) {
        let w = fixed(c) + i32::from(!chosen.is_empty());
        if used + w <= avail {
            chosen.push(c);
            used += w;
        }
    }
    let mut widths: Vec<(Col, i32)> = Col::ALL
        .iter()
        .filter(|c| chosen.contains(c))
        .map(|c| (*c, fixed(*c)))
        .collect();
    let mut spare = avail - used;
    // Spare columns go to the flexible text columns, up to useful caps.
    for (col, share, cap) in [
        (Col::Caller, 2, 44),
        (Col::Rule, 4, 30),
        (Col::Target, 4, 24),
        (Col::Agent, 1, 30),
        (Col::Caller, 1, 60),
    ] {
        if let Some((_, w)) = widths.iter_mut().find(|(c, _)| *c == col) {
            let add = (spare / share).min(cap - *w).max(0);
            *w += add;
            spare -= add;
        }
    }
    let mut x = 1u16;
    widths
        .into_iter()
        .map(|(col, w)| {
            let c = Column {
                col,
                x,
                width: w as u16,
            };
            x += w as u16 + 1;
            c
        })
        .collect()
}

/// The grouped view's columns for `app`'s width and groups.
pub fn group_columns_of(app: &App) -> Vec<Column<GroupCol>> {
    let need = app.data.as_ref().map_or((0, 0), |d| {
        // Byte lengths: a cheap upper bound of the widths, and escaped log
        // text is nearly all ASCII.
        app.groups.groups.iter().fold((0, 0), |(c, t), g| {
            (c.max(g.caller(d).len()), t.max(g.target(d).len()))
        })
    });
    let many = app.data.as_ref().is_some_and(|d| d.many_rules());
    group_columns(app.width, need, many)
}

/// Columns of the grouped view at `total` width, for callers and targets
/// up to `need` = (caller, target) columns wide. The account tells apart
/// two groups whose short callers read the same; the caller, then the
/// target, get what their longest values need, and the caller gets the
/// rest, so it is not cut while space is left. Lower-priority columns give
/// way on narrow terminals. The RULE column comes first when `rule` (more
/// than one rule loaded), since a group is one rule's.
pub fn group_columns(total: u16, need: (usize, usize), rule: bool) -> Vec<Column<GroupCol>> {
    let avail = total.saturating_sub(1) as i32;
    let time = if total >= 140 { 22 } else { 19 };
    let fixed = |c: GroupCol| -> i32 {
        match c {
            GroupCol::Rule => 20,
            GroupCol::Caller => 16,
            GroupCol::Target => 8,
            GroupCol::Account => 12,
            GroupCol::Findings => 10,
            GroupCol::Events => 7,
            GroupCol::First | GroupCol::Last => time,
        }
    };
    let priority = [
        GroupCol::Caller,
        GroupCol::Target,
        GroupCol::Rule,
        GroupCol::Account,
        GroupCol::Findings,
        GroupCol::First,
        GroupCol::Last,
        GroupCol::Events,
    ];
    let extra =
        |n: usize, c: GroupCol, cap: i32| i32::try_from(n).unwrap_or(i32::MAX).min(cap) - fixed(c);
    // The last-seen time and the event count only take what the caller
    // does not need (up to a useful cap).
    let reserve = extra(need.0, GroupCol::Caller, 48).max(0);
    let mut chosen: Vec<GroupCol> = Vec::new();
    let mut used = 0;
    for c in priority
        .into_iter()
        .filter(|c| rule || *c != GroupCol::Rule)
    {
        let w = fixed(c) + i32::from(!chosen.is_empty());
        let keep = if matches!(c, GroupCol::Last | GroupCol::Events) {
            reserve
        } else {
            0
        };
        if used + w + keep <= avail {
            chosen.push(c);
            used += w;
        }
    }
    let mut widths: Vec<(GroupCol, i32)> = GroupCol::ALL
        .iter()
        .filter(|c| chosen.contains(c))
        .map(|c| (*c, fixed(*c)))
        .collect();
    let spare = (avail - used).max(0);
    // The caller first, then the target, up to what each needs; the caller
    // takes whatever is left.
    let caller_first = extra(need.0, GroupCol::Caller, 48).clamp(0, spare);
    let target_add = extra(need.1, GroupCol::Target, 40).clamp(0, spare - caller_first);
    for (c, w) in widths.iter_mut() {
        match c {
            GroupCol::Target => *w += target_add,
            GroupCol::Caller => *w += spare - target_add,
            _ => {}
        }
    }
    let mut x = 1u16;
    widths
        .into_iter()
        .map(|(col, w)| {
            let c = Column {
                col,
                x,
                width: w as u16,
            };
            x += w as u16 + 1;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_tables_keep_what_matters_first() {
        let cols: Vec<Col> = columns(80, false).iter().map(|c| c.col).collect();
        assert_eq!(
            cols,
            vec![
                Col::Time,
                Col::Risk,
                Col::Caller,
                Col::Target,
                Col::Src,
                Col::Status,
                Col::Parity
            ]
        );
        let last = columns(80, false).last().copied().unwrap();
        assert!(last.x + last.width <= 80);
    }

    #[test]
    fn with_many_rules_an_80_column_table_says_which_rule_fired() {
        let cols: Vec<Col> = columns(80, true).iter().map(|c| c.col).collect();
        assert!(cols.contains(&Col::Rule), "{cols:?}");
        for c in [Col::Time, Col::Risk, Col::Caller, Col::Target] {
            assert!(cols.contains(&c), "{cols:?}");
        }
        let last = columns(80, true).last().copied().unwrap();
        assert!(last.x + last.width <= 80);
    }

    #[test]
    fn wide_tables_show_every_column_within_the_width() {
        let cols = columns(160, false);
        assert_eq!(cols.len(), Col::ALL.len() - 1);
        let last = cols.last().unwrap();
        assert!(last.x + last.width <= 160);
    }

    #[test]
    fn the_rule_column_is_shown_with_several_rules_and_gives_way_when_narrow() {
        let has = |total, rule| columns(total, rule).iter().any(|c| c.col == Col::Rule);
        assert!(has(160, true));
        assert!(has(120, true));
        assert!(
            has(80, true),
            "the pack is built in: which rule fired comes first"
        );
        assert!(!has(160, false), "one rule: the column would say one thing");
        // Only the time and the risk come before it.
        assert!(!has(40, true));
        assert!(columns(40, true).iter().any(|c| c.col == Col::Risk));
        let cols = columns(160, true);
        assert_eq!(cols.len(), Col::ALL.len());
        let last = cols.last().unwrap();
        assert!(last.x + last.width <= 160);
    }

    #[test]
    fn grouped_view_shows_the_account_and_gives_the_caller_the_space_left() {
        for total in [60u16, 80, 120, 160] {
            let cols = group_columns(total, (45, 10), false);
            let has = |g: GroupCol| cols.iter().any(|c| c.col == g);
            assert!(has(GroupCol::Account), "{total}: {cols:?}");
            let last = cols.last().unwrap();
            assert!(last.x + last.width <= total, "{total}: {cols:?}");
        }
        // At 120 columns a 45-column caller with short targets is not cut.
        let cols = group_columns(120, (45, 10), false);
        let w = |g: GroupCol| cols.iter().find(|c| c.col == g).unwrap().width;
        assert!(w(GroupCol::Caller) >= 45, "{cols:?}");
        assert!(w(GroupCol::Target) >= 8, "{cols:?}");
        // A long target gets room too, but not the caller's.
        let cols = group_columns(160, (45, 60), false);
        let w = |g: GroupCol| cols.iter().find(|c| c.col == g).unwrap().width;
        assert!(
            w(GroupCol::Target) > 10 && w(GroupCol::Caller) >= 45,
            "{cols:?}"
        );
    }

    #[test]
    fn tabs_do_not_overlap() {
        let t = tabs();
        for w in t.windows(2) {
            assert!(w[0].3 < w[1].2);
        }
    }
}
