//! `update`'s behaviour, key by key, on synthetic findings.

use super::detail::ensure_raw;
use super::*;
use crate::triage::Allowlist;
use crate::tui::action::Pane;
use crate::tui::app::{Overlay, RawTarget, Screen, WINDOWS};
use crate::tui::data::Col;
use crate::tui::filter::Filter;
use crate::tui::triage::Focus;
use crate::tui::{layout, synthetic};
use ratatui::crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEventKind};

/// A ready console of 100×30 over `n` synthetic findings.
fn app(n: usize) -> App {
    let mut a = App::new(vec!["synthetic".into()], None, 100, 30);
    update(&mut a, Msg::Loaded(Box::new(synthetic::data(n))));
    a
}

fn press(a: &mut App, code: KeyCode) -> Vec<Effect> {
    update(a, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ch(a: &mut App, c: char) -> Vec<Effect> {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    update(a, Msg::Key(KeyEvent::new(KeyCode::Char(c), mods)))
}

fn ctrl(a: &mut App, c: char) -> Vec<Effect> {
    update(
        a,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn typed(a: &mut App, s: &str) {
    for c in s.chars() {
        ch(a, c);
    }
}

#[test]
fn j_moves_down_and_the_viewport_follows() {
    let mut a = app(100);
    let h = layout::table_rows(&a).height as usize;
    for _ in 0..h + 3 {
        ch(&mut a, 'j');
    }
    assert_eq!(a.list.cursor.selected, h + 3);
    assert_eq!(a.list.cursor.offset, 4);
    ch(&mut a, 'k');
    assert_eq!(a.list.cursor.selected, h + 2);
}

#[test]
fn g_and_shift_g_jump_to_the_ends() {
    let mut a = app(100);
    ch(&mut a, 'G');
    assert_eq!(a.list.cursor.selected, 99);
    ch(&mut a, 'g');
    assert_eq!((a.list.cursor.selected, a.list.cursor.offset), (0, 0));
    press(&mut a, KeyCode::End);
    assert_eq!(a.list.cursor.selected, 99);
    press(&mut a, KeyCode::Home);
    assert_eq!(a.list.cursor.selected, 0);
}

#[test]
fn ctrl_d_and_ctrl_u_move_half_a_page_and_pgdn_a_page() {
    let mut a = app(100);
    let h = layout::table_rows(&a).height as usize;
    ctrl(&mut a, 'd');
    assert_eq!(a.list.cursor.selected, h / 2);
    ctrl(&mut a, 'u');
    assert_eq!(a.list.cursor.selected, 0);
    press(&mut a, KeyCode::PageDown);
    assert_eq!(a.list.cursor.selected, (h / 2) * 2);
}

#[test]
fn moving_past_the_ends_stays_in_bounds() {
    let mut a = app(3);
    ch(&mut a, 'k');
    assert_eq!(a.list.cursor.selected, 0);
    for _ in 0..10 {
        ch(&mut a, 'j');
    }
    assert_eq!(a.list.cursor.selected, 2);
}

#[test]
fn enter_opens_the_selected_finding_and_esc_goes_back() {
    let mut a = app(10);
    ch(&mut a, 'j');
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.screen, Screen::Detail);
    assert_eq!(a.detail.finding, 1);
    assert_eq!(a.detail.pane, Pane::Risk);
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.screen, Screen::List);
    assert_eq!(a.list.cursor.selected, 1);
}

#[test]
fn tab_and_shift_tab_cycle_the_panes() {
    let mut a = app(3);
    press(&mut a, KeyCode::Enter);
    let mut seen = vec![a.detail.pane];
    for _ in 0..4 {
        press(&mut a, KeyCode::Tab);
        seen.push(a.detail.pane);
    }
    assert_eq!(
        seen,
        vec![Pane::Risk, Pane::Raw, Pane::Keys, Pane::Related, Pane::Risk]
    );
    update(
        &mut a,
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
    );
    assert_eq!(a.detail.pane, Pane::Related);
}

#[test]
fn number_keys_open_a_pane_from_the_list_and_switch_in_detail() {
    let mut a = app(3);
    ch(&mut a, '3');
    assert_eq!((a.screen, a.detail.pane), (Screen::Detail, Pane::Keys));
    ch(&mut a, '1');
    assert_eq!(a.detail.pane, Pane::Risk);
    ch(&mut a, '4');
    assert_eq!(a.detail.pane, Pane::Related);
}

#[test]
fn enter_reopens_the_pane_used_last() {
    let mut a = app(3);
    ch(&mut a, '2');
    press(&mut a, KeyCode::Esc);
    ch(&mut a, 'j');
    press(&mut a, KeyCode::Enter);
    assert_eq!((a.detail.finding, a.detail.pane), (1, Pane::Raw));
}

#[test]
fn q_quits_even_while_loading() {
    let mut a = App::new(vec![], None, 80, 24);
    let fx = ch(&mut a, 'q');
    assert!(matches!(fx[..], [Effect::Quit]));
    let fx = ctrl(&mut a, 'c');
    assert!(matches!(fx[..], [Effect::Quit]));
}

#[test]
fn slash_filters_live_as_you_type() {
    let mut a = app(200);
    ch(&mut a, '/');
    assert!(a.filter.editing);
    typed(&mut a, "user007");
    assert!(!a.list.visible.is_empty() && a.list.visible.len() < 200);
    let d = a.data.as_ref().unwrap();
    let rows = || a.list.visible.iter().map(|&i| i as usize);
    assert!(rows().all(|i| crate::tui::filter::is_subsequence(d.hay(i), "user007")));
    assert!(rows().any(|i| d.rows[i].caller.contains("user007")));
}

#[test]
fn q_is_text_while_filtering_and_ctrl_c_still_quits() {
    let mut a = app(10);
    ch(&mut a, '/');
    assert!(ch(&mut a, 'q').is_empty());
    assert_eq!(a.filter.text, "q");
    assert!(matches!(ctrl(&mut a, 'c')[..], [Effect::Quit]));
}

#[test]
fn arrows_move_the_selection_while_filtering() {
    let mut a = app(10);
    ch(&mut a, '/');
    press(&mut a, KeyCode::Down);
    assert_eq!(a.list.cursor.selected, 1);
    assert!(a.filter.editing && a.filter.text.is_empty());
}

#[test]
fn esc_while_typing_clears_the_filter_and_enter_keeps_it() {
    let mut a = app(50);
    ch(&mut a, '/');
    typed(&mut a, "svc-00");
    let narrowed = a.list.visible.len();
    press(&mut a, KeyCode::Esc);
    assert!(!a.filter.editing && a.filter.text.is_empty());
    assert_eq!(a.list.visible.len(), 50);
    ch(&mut a, '/');
    typed(&mut a, "svc-00");
    press(&mut a, KeyCode::Enter);
    assert!(!a.filter.editing);
    assert_eq!(a.list.visible.len(), narrowed);
    // Esc in the list clears the filter in force.
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.list.visible.len(), 50);
}

#[test]
fn typing_char_by_char_gives_the_same_rows_as_the_whole_filter() {
    for text in [
        "user04 svc-1",
        "src:198.51.1 user0",
        "!svc-0 user1",
        "svc-00 !svc-001",
        "us-west",
    ] {
        let mut a = app(2000);
        ch(&mut a, '/');
        typed(&mut a, text);
        let d = a.data.as_ref().unwrap();
        let whole = Filter::parse(text, &a.zone()).apply(d, &a.list.order);
        assert_eq!(a.list.visible, whole, "{text}");
    }
}

#[test]
fn backspace_widens_the_filter_again() {
    let mut a = app(50);
    ch(&mut a, '/');
    typed(&mut a, "target:svc-0001");
    let narrow = a.list.visible.len();
    press(&mut a, KeyCode::Backspace);
    assert!(a.list.visible.len() >= narrow);
    assert_eq!(a.filter.text, "target:svc-000");
}

#[test]
fn the_selected_finding_stays_selected_when_the_filter_keeps_it() {
    let mut a = app(50);
    for _ in 0..5 {
        ch(&mut a, 'j');
    }
    let chosen = a.selected_finding().unwrap();
    let target = a.data.as_ref().unwrap().rows[chosen].target.clone();
    ch(&mut a, '/');
    typed(&mut a, &format!("target:{target}"));
    assert_eq!(a.selected_finding(), Some(chosen));
}

#[test]
fn s_cycles_sort_columns_and_shift_s_reverses() {
    let mut a = app(30);
    assert_eq!((a.list.sort, a.list.desc), (Col::Time, false));
    ch(&mut a, 'o');
    assert_eq!((a.list.sort, a.list.desc), (Col::Risk, true));
    ch(&mut a, 'o');
    assert_eq!(a.list.sort, Col::Caller);
    let d = a.data.as_ref().unwrap();
    let callers: Vec<&str> = a
        .list
        .visible
        .iter()
        .map(|&i| d.rows[i as usize].caller.as_str())
        .collect();
    assert!(callers.windows(2).all(|w| w[0] <= w[1]));
    ch(&mut a, 'O');
    let d = a.data.as_ref().unwrap();
    let callers: Vec<&str> = a
        .list
        .visible
        .iter()
        .map(|&i| d.rows[i as usize].caller.as_str())
        .collect();
    assert!(callers.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn v_groups_by_caller_and_target_and_enter_lists_the_group() {
    let mut a = app(500);
    ch(&mut a, 'v');
    assert_eq!(a.screen, Screen::Grouped);
    let g = a.groups.groups[0].clone();
    let total: usize = a.groups.groups.iter().map(|g| g.findings.len()).sum();
    assert_eq!(total, 500);
    // Most findings first.
    assert!(
        a.groups
            .groups
            .windows(2)
            .all(|w| w[0].findings.len() >= w[1].findings.len())
    );
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.screen, Screen::List);
    assert_eq!(a.list.visible.len(), g.findings.len());
    assert!(a.filter.text.starts_with("actor:\""));
}

#[test]
fn t_toggles_utc_and_the_local_zone_and_tz_starts_in_its_zone() {
    let mut a = app(3);
    assert!(a.utc);
    ch(&mut a, 't');
    assert!(!a.utc);
    assert_eq!(a.zone(), crate::event::zone::Zone::Local);
    let paris = crate::event::zone::Zone::parse("Europe/Paris").unwrap();
    let mut b = App::new(vec![], Some(paris), 100, 30);
    update(&mut b, Msg::Loaded(Box::new(synthetic::data(3))));
    assert_eq!(b.zone(), paris);
    let hay = b.data.as_ref().unwrap().hay(0);
    assert!(hay.contains("+01"), "{hay}");
    ch(&mut b, 't');
    assert_eq!(b.zone(), crate::event::zone::Zone::Utc);
    assert!(b.data.as_ref().unwrap().hay(0).contains("+00"));
}

#[test]
fn the_raw_pane_reads_kept_events_from_memory_without_io() {
    let mut a = app(3);
    let fx = ch(&mut a, '2');
    assert!(fx.is_empty(), "{fx:?}");
    assert!(matches!(&a.detail.raw.doc, Some((_, Ok(d))) if !d.lines.is_empty()));
}

#[test]
fn events_not_in_memory_are_fetched_once_by_the_runtime() {
    let mut a = app(3);
    ch(&mut a, '3');
    let used = a.detail.keys.as_ref().unwrap().1.events.len();
    assert_eq!(used, 5);
    let fx = press(&mut a, KeyCode::Enter);
    assert!(matches!(&fx[..], [Effect::FetchRaw { .. }]), "{fx:?}");
    assert_eq!(a.detail.pane, Pane::Raw);
    assert!(matches!(
        a.detail.raw.target,
        RawTarget::Event {
            from: Pane::Keys,
            ..
        }
    ));
    // Asking again while the read is pending does not ask twice.
    let mut again = Vec::new();
    ensure_raw(&mut a, &mut again);
    assert!(again.is_empty());
    let key = *a.pending.iter().next().unwrap();
    update(
        &mut a,
        Msg::Raw {
            key,
            text: Ok(Arc::from("{\"eventName\":\"ListUsers\"}")),
        },
    );
    assert!(a.pending.is_empty());
    assert!(matches!(&a.detail.raw.doc, Some((_, Ok(_)))));
    // Esc goes back to the list the event was opened from.
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.detail.pane, Pane::Keys);
    assert_eq!(a.detail.raw.target, RawTarget::Finding);
}

#[test]
fn search_in_the_raw_event_finds_and_n_cycles_matches() {
    let mut a = app(3);
    ch(&mut a, '2');
    ch(&mut a, '/');
    typed(&mut a, "svc");
    press(&mut a, KeyCode::Enter);
    let n = a.detail.raw.search.matches.len();
    assert!(n >= 2, "{n}");
    ch(&mut a, 'n');
    assert_eq!(a.detail.raw.search.current, 1);
    ch(&mut a, 'N');
    ch(&mut a, 'N');
    assert_eq!(a.detail.raw.search.current, n - 1);
    // Esc clears the search before it leaves the pane.
    press(&mut a, KeyCode::Esc);
    assert!(a.detail.raw.search.matches.is_empty());
    assert_eq!(a.screen, Screen::Detail);
}

#[test]
fn plus_and_minus_change_the_related_window_within_bounds() {
    let mut a = app(400);
    ch(&mut a, '4');
    let n1 = a.detail.related.as_ref().unwrap().2.rows.len();
    for _ in 0..10 {
        ch(&mut a, '+');
    }
    assert_eq!(a.detail.window, WINDOWS.len() - 1);
    let n2 = a.detail.related.as_ref().unwrap().2.rows.len();
    assert!(n2 >= n1);
    for _ in 0..10 {
        ch(&mut a, '-');
    }
    assert_eq!(a.detail.window, 0);
}

#[test]
fn resizing_keeps_the_selection_on_screen() {
    let mut a = app(100);
    ch(&mut a, 'G');
    update(&mut a, Msg::Resize(100, 20));
    let c = a.list.cursor;
    let h = layout::table_rows(&a).height as usize;
    assert!(c.selected >= c.offset && c.selected < c.offset + h);
}

#[test]
fn question_mark_toggles_help_and_j_scrolls_it() {
    let mut a = app(3);
    ch(&mut a, '?');
    // Help opens on the list's section, the keys that work where `?` was pressed.
    let Overlay::Help { scroll: at } = a.overlay else {
        panic!("{:?}", a.overlay)
    };
    assert!(at > 0);
    ch(&mut a, 'g');
    assert_eq!(a.overlay, Overlay::Help { scroll: 0 });
    ch(&mut a, 'j');
    assert_eq!(a.overlay, Overlay::Help { scroll: 1 });
    // Moving keys scroll the help, not the list.
    assert_eq!(a.list.cursor.selected, 0);
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.overlay, Overlay::None);
}

#[test]
fn the_wheel_moves_three_rows_and_a_click_selects() {
    let mut a = app(50);
    update(
        &mut a,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 5,
            row: 10,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(a.list.cursor.selected, 3);
    let rows = layout::table_rows(&a);
    update(
        &mut a,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row: rows.y + 7,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(a.list.cursor.selected, 7);
    assert_eq!(a.screen, Screen::List);
}

#[test]
fn key_releases_are_ignored() {
    let mut a = app(5);
    let mut k = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    k.kind = KeyEventKind::Release;
    update(&mut a, Msg::Key(k));
    assert_eq!(a.list.cursor.selected, 0);
}

#[test]
fn a_failed_load_ends_the_console_with_its_message() {
    let mut a = App::new(vec![], None, 80, 24);
    let fx = update(&mut a, Msg::Failed("boom".into()));
    assert!(matches!(&fx[..], [Effect::Fail(m)] if m == "boom"));
}

#[test]
fn space_marks_and_statuses_apply_to_the_marked_findings() {
    let mut a = app(10);
    ch(&mut a, ' ');
    ch(&mut a, ' ');
    assert_eq!(a.triage.marked.len(), 2);
    // Two findings: the status waits for a yes.
    assert!(ch(&mut a, 'I').is_empty());
    assert!(a.confirm.is_some());
    let fx = ch(&mut a, 'y');
    let d = a.data.as_ref().unwrap();
    let want: Vec<String> = a
        .triage
        .marked
        .iter()
        .map(|&i| d.findings[i as usize].key.clone())
        .collect();
    assert!(matches!(
        &fx[..],
        [Effect::Triage(Op::SetStatus { keys, status: crate::triage::Status::Investigating })]
            if *keys == want
    ));
    press(&mut a, KeyCode::Esc);
    assert!(a.triage.marked.is_empty(), "Esc clears the marks first");
}

#[test]
fn a_status_with_nothing_marked_applies_to_the_selected_finding() {
    let mut a = app(10);
    ch(&mut a, 'j');
    let key = a.data.as_ref().unwrap().findings[a.selected_finding().unwrap()]
        .key
        .clone();
    let fx = ch(&mut a, 'C');
    assert!(matches!(&fx[..], [Effect::Triage(Op::SetStatus { keys, .. })] if *keys == vec![key]));
}

#[test]
fn a_note_is_typed_then_sent_as_an_effect_and_letters_are_text_meanwhile() {
    let mut a = app(5);
    ch(&mut a, 'a');
    typed(&mut a, "q is text");
    assert_eq!(a.triage.note.as_deref(), Some("q is text"));
    let fx = press(&mut a, KeyCode::Enter);
    assert!(matches!(&fx[..], [Effect::Triage(Op::AddNote { text, .. })] if text == "q is text"));
    assert!(a.triage.note.is_none());
}

#[test]
fn the_suppress_form_previews_and_refuses_to_save_without_a_reason() {
    let mut a = app(20);
    ch(&mut a, 's');
    let form = a.triage.form.as_ref().expect("s opens the form");
    assert!(form.preview.contains(&a.selected_finding().unwrap()));
    let before = form.preview.len();
    // Unticking every ticked condition leaves an entry that matches nothing.
    let n = form.entry.conditions.len();
    // The focus starts on the first condition and Tab walks them in order.
    for c in 0..n {
        if a.triage.form.as_ref().unwrap().entry.conditions[c].enabled() {
            ch(&mut a, ' ');
        }
        press(&mut a, KeyCode::Tab);
    }
    assert!(a.triage.form.as_ref().unwrap().preview.is_empty());
    assert!(before > 0);
    let fx = press(&mut a, KeyCode::Enter);
    assert!(fx.is_empty());
    assert!(
        a.triage
            .form
            .as_ref()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("reason")
    );
    press(&mut a, KeyCode::Esc);
    assert!(a.triage.form.is_none());
}

#[test]
fn saving_the_form_asks_for_the_entry_to_be_added() {
    let mut a = app(20);
    ch(&mut a, 's');
    while a.triage.form.as_ref().unwrap().focus != Focus::Reason {
        press(&mut a, KeyCode::Tab);
    }
    typed(&mut a, "deploy pipeline");
    press(&mut a, KeyCode::Tab);
    typed(&mut a, "30d");
    let fx = press(&mut a, KeyCode::Enter);
    match &fx[..] {
        [Effect::Triage(Op::AddEntry(e))] => {
            assert_eq!(e.reason, "deploy pipeline");
            assert!(e.expires.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(a.triage.form.is_none());
}

#[test]
fn suppressed_findings_are_hidden_until_h_and_counted() {
    let mut a = app(20);
    let i = a.selected_finding().unwrap();
    let f = a.data.as_ref().unwrap().findings[i].clone();
    let mut entry = crate::triage::Entry::draft_from_finding(&f, chrono::Utc::now());
    entry.reason = "known".into();
    let hits = Allowlist::preview(&entry, &a.data.as_ref().unwrap().findings);
    let total = a.list.visible.len();
    let snapshot = super::super::triage::Snapshot {
        allowlist: Allowlist {
            entries: vec![entry],
        },
        ..Default::default()
    };
    update(
        &mut a,
        Msg::Triage(Box::new(Reply {
            snapshot,
            outcome: Ok(String::new()),
        })),
    );
    assert_eq!(a.list.visible.len(), total - hits.len());
    assert!(!a.list.visible.contains(&(i as u32)));
    let (_, _, suppressed) = a.triage.counts(&a.data.as_ref().unwrap().findings);
    assert_eq!(suppressed, hits.len());
    ch(&mut a, 'h');
    assert_eq!(a.list.visible.len(), total);
    assert!(a.data.as_ref().unwrap().rows[i].suppressed);
}

#[test]
fn a_failed_save_is_shown_until_the_next_key() {
    let mut a = app(3);
    update(
        &mut a,
        Msg::Triage(Box::new(Reply {
            snapshot: Default::default(),
            outcome: Err("disk full".into()),
        })),
    );
    assert_eq!(a.triage.message, Some(("disk full".into(), true)));
    ch(&mut a, 'j');
    assert!(a.triage.message.is_none());
}

#[test]
fn e_asks_the_runtime_for_the_editor_and_l_lists_load_errors() {
    let mut a = app(3);
    assert!(matches!(&ch(&mut a, 'E')[..], [Effect::EditAllowlist]));
    ch(&mut a, 'L');
    assert!(matches!(a.overlay, Overlay::Errors { .. }));
}

#[test]
fn a_follow_update_marks_new_findings_and_keeps_selection_marks_and_filter() {
    let mut a = app(5);
    ch(&mut a, '/');
    typed(&mut a, "user");
    press(&mut a, KeyCode::Enter);
    ch(&mut a, ' ');
    let key = |a: &App, i: usize| a.data.as_ref().unwrap().findings[i].key.clone();
    let marked = key(&a, *a.triage.marked.iter().next().unwrap() as usize);
    let selected = key(&a, a.selected_finding().unwrap());
    update(&mut a, Msg::Followed(Box::new(synthetic::data(8))));
    assert_eq!(a.data.as_ref().unwrap().findings.len(), 8);
    assert_eq!(a.fresh.len(), 3, "the three findings not there before");
    assert!(!a.fresh.contains(&selected));
    assert_eq!(key(&a, a.selected_finding().unwrap()), selected);
    let m = *a.triage.marked.iter().next().unwrap() as usize;
    assert_eq!(key(&a, m), marked);
    assert_eq!(a.filter.text, "user");
    // Reaching a new finding with the cursor counts as seeing it.
    ch(&mut a, 'G');
    let last = key(&a, a.selected_finding().unwrap());
    assert!(!a.fresh.contains(&last));
}

/// A wall-clock time far from the real one (2031-03-01T00:00:00Z), so a test
/// can tell the ticked time from the clock.
const TICKED: i64 = 1_930_089_600_000;

fn tick(a: &mut App, now_ms: i64) {
    update(a, Msg::stamp(now_ms));
}

#[test]
fn triage_actions_are_dated_by_the_last_tick_not_the_clock() {
    let mut a = app(20);
    tick(&mut a, TICKED);
    let ticked = a.now();
    ch(&mut a, 's');
    let form = a.triage.form.as_ref().expect("s opens the form");
    assert_eq!(form.entry.created, Some(ticked));
    while a.triage.form.as_ref().unwrap().focus != Focus::Reason {
        press(&mut a, KeyCode::Tab);
    }
    typed(&mut a, "deploy pipeline");
    press(&mut a, KeyCode::Tab);
    typed(&mut a, "30d");
    match &press(&mut a, KeyCode::Enter)[..] {
        [Effect::Triage(Op::AddEntry(e))] => {
            assert_eq!(e.expires, Some(ticked + chrono::Duration::days(30)));
        }
        other => panic!("{other:?}"),
    }
    ch(&mut a, 'e');
    match &ch(&mut a, 'm')[..] {
        [Effect::Evidence(job)] => match job.as_ref() {
            Job::Export { path, scope, .. } => {
                let name = crate::report::ExportFormat::Markdown.file_name(TICKED);
                assert!(path.ends_with(&name), "{path:?}");
                assert_eq!(scope.generated, Some(TICKED));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_allowlist_entry_expires_by_the_ticked_time() {
    let mut a = app(20);
    let i = a.selected_finding().unwrap();
    let f = a.data.as_ref().unwrap().findings[i].clone();
    let mut entry = crate::triage::Entry::draft_from_finding(&f, chrono::Utc::now());
    entry.reason = "known".into();
    // Active by the real clock for years yet, expired by the ticked time.
    entry.expires = crate::event::time::to_utc(TICKED - 86_400_000);
    let reply = |entry: &crate::triage::Entry| {
        Msg::Triage(Box::new(Reply {
            snapshot: crate::tui::triage::Snapshot {
                allowlist: Allowlist {
                    entries: vec![entry.clone()],
                },
                ..Default::default()
            },
            outcome: Ok(String::new()),
        }))
    };
    tick(&mut a, TICKED - 2 * 86_400_000);
    update(&mut a, reply(&entry));
    assert!(a.triage.eval.is_suppressed(i), "active the day before");
    tick(&mut a, TICKED);
    update(&mut a, reply(&entry));
    assert!(!a.triage.eval.is_suppressed(i), "expired by the tick");
}

#[test]
fn the_loading_clock_only_moves_forward() {
    let mut a = App::new(vec![], None, 80, 24);
    update(
        &mut a,
        Msg::Tick {
            elapsed_ms: 1500,
            now_ms: TICKED,
        },
    );
    // The runtime's stamp before a batch has no elapsed time to tell.
    tick(&mut a, TICKED + 10);
    assert!(matches!(
        a.phase,
        Phase::Loading {
            elapsed_ms: 1500,
            ..
        }
    ));
    assert_eq!(a.now_ms, TICKED + 10);
}

#[test]
fn the_runtime_stamps_the_time_before_the_first_batch() {
    use ratatui::{Terminal, backend::TestBackend};
    let before = chrono::Utc::now().timestamp_millis();
    let (tx, rx) = crossbeam_channel::unbounded();
    let mut a = App::new(vec![], None, 100, 30);
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    tx.send(Msg::Loaded(Box::new(synthetic::data(5)))).unwrap();
    // No tick has come yet: `s` drafts an entry at the stamped time.
    for k in [
        KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
    ] {
        tx.send(Msg::Key(k)).unwrap();
    }
    crate::tui::event_loop(&mut term, &mut a, &rx, &tx).unwrap();
    let created = a.triage.form.as_ref().unwrap().entry.created.unwrap();
    let after = chrono::Utc::now().timestamp_millis();
    assert!((before..=after).contains(&created.timestamp_millis()));
    // The headless harness stamps each message the same way.
    let mut h = crate::tui::headless::Headless::new(synthetic::data(5), 100, 30);
    h.keys("s");
    let created = h.app.triage.form.as_ref().unwrap().entry.created.unwrap();
    assert!(created.timestamp_millis() >= before);
}

fn left_click(x: u16, y: u16) -> MouseEvent {
    MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    }
}

#[test]
fn a_click_maps_to_an_action_that_replays_like_the_click() {
    let a = app(50);
    let rows = layout::table_rows(&a);
    let row7 = mouse_action(&a, left_click(5, rows.y + 7));
    assert_eq!(row7, Some(Action::ClickRow(7)));
    // Replayed as a message, the action selects, then opens, as clicks do.
    let mut b = app(50);
    update(&mut b, Msg::Action(Action::ClickRow(7)));
    assert_eq!((b.screen, b.list.cursor.selected), (Screen::List, 7));
    update(&mut b, Msg::Action(Action::ClickRow(7)));
    assert_eq!((b.screen, b.detail.finding), (Screen::Detail, 7));
    // A heading sorts by its column; a click there twice reverses.
    let body = layout::areas(&a).body;
    let risk = layout::columns_of(&a)
        .into_iter()
        .find(|c| c.col == Col::Risk)
        .unwrap();
    let sort = mouse_action(&a, left_click(risk.x, body.y));
    assert_eq!(sort, Some(Action::SortBy(1)));
    let mut c = app(50);
    update(&mut c, Msg::Action(Action::SortBy(1)));
    assert_eq!((c.list.sort, c.list.desc), (Col::Risk, true));
    update(&mut c, Msg::Action(Action::SortBy(1)));
    assert_eq!((c.list.sort, c.list.desc), (Col::Risk, false));
    // A column no table has is ignored rather than trusted.
    update(&mut c, Msg::Action(Action::SortBy(99)));
    assert_eq!(c.list.sort, Col::Risk);
    // In the panes a tab is the number key's action.
    press(&mut b, KeyCode::Esc);
    press(&mut b, KeyCode::Enter);
    let x0 = layout::tabs()[2].2;
    assert_eq!(
        mouse_action(&b, left_click(x0 + 1, body.y)),
        Some(Action::Show(Pane::Keys))
    );
}

#[test]
fn the_wheel_is_an_action_and_clicks_under_an_overlay_are_not() {
    let mut a = app(50);
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 5,
        row: 10,
        modifiers: KeyModifiers::NONE,
    };
    assert_eq!(mouse_action(&a, wheel), Some(Action::ScrollDown));
    update(&mut a, Msg::Action(Action::ScrollDown));
    assert_eq!(a.list.cursor.selected, 3);
    ch(&mut a, '?');
    let rows = layout::table_rows(&a);
    assert_eq!(mouse_action(&a, left_click(5, rows.y + 1)), None);
}

#[test]
fn an_entry_that_suppresses_every_finding_of_its_rule_needs_a_second_enter() {
    let mut a = app(20);
    ch(&mut a, 's');
    let findings = a.data.as_ref().unwrap().findings.clone();
    let form = a.triage.form.as_mut().unwrap();
    form.entry.conditions = vec![
        crate::triage::Condition::new(
            crate::triage::Field::ActorArn,
            crate::triage::MatchKind::Glob,
            "*",
        )
        .unwrap(),
    ];
    form.refresh(&findings);
    let rule = match &form.entry.rules {
        crate::triage::RuleScope::Ids(ids) => ids[0].clone(),
        other => panic!("{other:?}"),
    };
    let of_rule = findings.iter().filter(|f| f.rule_id == rule).count();
    assert_eq!(form.preview.len(), of_rule);
    while a.triage.form.as_ref().unwrap().focus != Focus::Reason {
        press(&mut a, KeyCode::Tab);
    }
    typed(&mut a, "all of it");
    let warned = |a: &App| {
        a.triage
            .form
            .as_ref()
            .unwrap()
            .error
            .as_deref()
            .unwrap_or("")
            .to_string()
    };
    assert!(
        press(&mut a, KeyCode::Enter).is_empty(),
        "first Enter only warns"
    );
    let w = warned(&a);
    assert!(
        w.contains(&format!("all {of_rule}")) && w.contains("Enter"),
        "{w}"
    );
    // A change in between asks again.
    typed(&mut a, "!");
    assert!(press(&mut a, KeyCode::Enter).is_empty());
    let fx = press(&mut a, KeyCode::Enter);
    assert!(
        matches!(&fx[..], [Effect::Triage(Op::AddEntry(_))]),
        "{fx:?}"
    );
}

#[test]
fn a_click_while_a_question_waits_changes_nothing() {
    let mut a = app(10);
    ch(&mut a, ' ');
    ch(&mut a, ' ');
    ch(&mut a, 'X');
    assert!(a.confirm.is_some());
    let row5 = layout::table_rows(&a).y + 5;
    update(&mut a, Msg::Mouse(left_click(5, row5)));
    update(&mut a, Msg::Mouse(left_click(5, row5)));
    assert_eq!(a.screen, Screen::List);
    assert!(a.confirm.is_some(), "the question is still asked");
}

#[test]
fn the_message_log_keeps_the_newest_messages_and_stays_bounded() {
    let mut a = app(3);
    for i in 0..(crate::tui::app::LOG_CAP + 10) {
        update(&mut a, Msg::Status(Ok(format!("copied {i}"))));
    }
    assert_eq!(a.log.len(), crate::tui::app::LOG_CAP);
    let last = format!("copied {}", crate::tui::app::LOG_CAP + 9);
    assert_eq!(a.log.last().map(|m| m.text.as_str()), Some(last.as_str()));
}
