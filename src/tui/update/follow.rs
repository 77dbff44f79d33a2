//! Data arriving: the first load, each reload while following (keeping
//! what the user was looking at), and which new findings have been seen.

use super::Effect;
use super::detail::prepare_pane;
use super::triage::retriage;
use crate::event::zone::Zone;
use crate::tui::app::{App, Pending, Phase, Screen};
use crate::tui::data::Data;
use crate::tui::filter::Filter;
use crate::tui::layout;

/// The first data in: sorted, zoned, filtered and triaged.
pub(super) fn loaded(app: &mut App, mut data: Data) {
    let zone = app.zone();
    if zone != Zone::Utc {
        data.rezone(&zone);
    }
    app.list.order = data.sorted(app.list.sort, app.list.desc);
    app.data = Some(data);
    app.phase = Phase::Ready;
    app.filter.parsed = Filter::parse(&app.filter.text, &zone);
    retriage(app);
}

/// A follow update: new data in, with the selection, marks, filter and the
/// open finding kept (by finding key, since positions change), and the
/// findings that were not there before marked new.
pub(super) fn followed(app: &mut App, data: Data, fx: &mut Vec<Effect>) {
    let Some(old) = app.data.take() else {
        loaded(app, data);
        return;
    };
    let key = |i: usize| old.findings.get(i).map(|f| f.key.clone());
    let selected = app.selected_finding().and_then(key);
    let marked: Vec<String> = app
        .triage
        .marked
        .iter()
        .filter_map(|&i| key(i as usize))
        .collect();
    // A waiting question and an open note name findings by position,
    // which the reload changes: carry them over by key.
    let keys_of = |v: &[usize]| -> Vec<String> { v.iter().filter_map(|&i| key(i)).collect() };
    let note_keys = keys_of(&app.note_targets);
    let confirm_keys = app.confirm.as_ref().map(|c| match &c.then {
        Pending::Status(_, t) | Pending::Note(t) | Pending::Copy { targets: t, .. } => keys_of(t),
        Pending::Delete(_) => Vec::new(),
    });
    let open = (app.screen == Screen::Detail)
        .then(|| key(app.detail.finding))
        .flatten();
    let before: std::collections::HashSet<&str> =
        old.findings.iter().map(|f| f.key.as_str()).collect();
    for f in &data.findings {
        if !before.contains(f.key.as_str()) {
            app.fresh.insert(f.key.clone());
        }
    }
    drop(before);
    let position = |k: &str| data.findings.iter().position(|f| f.key == k);
    app.triage.marked = marked
        .iter()
        .filter_map(|k| position(k).map(|i| i as u32))
        .collect();
    let moved =
        |keys: &[String]| -> Vec<usize> { keys.iter().filter_map(|k| position(k)).collect() };
    app.note_targets = moved(&note_keys);
    if let (Some(c), Some(keys)) = (&mut app.confirm, confirm_keys) {
        match &mut c.then {
            Pending::Status(_, t) | Pending::Note(t) | Pending::Copy { targets: t, .. } => {
                *t = moved(&keys)
            }
            Pending::Delete(_) => {}
        }
    }
    let open_at = open.as_deref().and_then(position);
    let select_at = selected.as_deref().and_then(position);
    // Raw events are cached by event position, which the reload changes.
    app.raw_cache.clear();
    app.pending.clear();
    loaded(app, data);
    if let Some(i) = select_at
        && let Some(pos) = app.list.visible.iter().position(|&v| v as usize == i)
    {
        let h = layout::table_rows(app).height as usize;
        app.list.cursor.select(pos, app.list.visible.len(), h);
    }
    match open_at {
        Some(i) => {
            let pane = app.detail.pane;
            app.detail = Default::default();
            app.detail.finding = i;
            app.detail.pane = pane;
            prepare_pane(app, fx);
        }
        None if app.screen == Screen::Detail => app.screen = Screen::List,
        None => {}
    }
}

/// The finding under the cursor counts as viewed.
pub(super) fn seen(app: &mut App) {
    if app.fresh.is_empty() {
        return;
    }
    let key = match (&app.data, app.screen) {
        (Some(d), Screen::Detail) => d.findings.get(app.detail.finding),
        (Some(d), Screen::List) => app.selected_finding().and_then(|i| d.findings.get(i)),
        _ => None,
    };
    if let Some(f) = key {
        let k = f.key.clone();
        app.fresh.remove(&k);
    }
}
