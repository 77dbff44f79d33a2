//! The whole console, headless: keys, mouse and resizes in, `TestBackend`
//! screens out. Each test is named for the behaviour it pins down.

mod common;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEventKind};
use ratatui::style::{Color, Modifier};
use trailhunt::event::zone::Zone;
use trailhunt::sanitize::is_dangerous;
use trailhunt::tui::action::Pane;
use trailhunt::tui::app::{App, Screen};
use trailhunt::tui::data::Data;
use trailhunt::tui::headless::{Headless, buffer_text};
use trailhunt::tui::keymap::{KEYMAP, Keys, keys_label};
use trailhunt::tui::update::Msg;
use trailhunt::tui::{event_loop, layout, synthetic};

fn fixture() -> Data {
    common::console_data(&["--no-pack", "tests/fixtures/console"])
}

fn console(w: u16, h: u16) -> Headless {
    Headless::new(fixture(), w, h)
}

fn contains(c: &mut Headless, text: &str) -> bool {
    c.render().contains(text)
}

/// Where `text` first appears on screen, as (column, row).
fn find(c: &mut Headless, text: &str) -> Option<(u16, u16)> {
    let screen = c.render();
    screen.lines().enumerate().find_map(|(y, l)| {
        l.find(text)
            .map(|byte| (l[..byte].chars().count() as u16, y as u16))
    })
}

#[test]
fn control_chars_are_escaped_on_every_screen() {
    let mut c = console(100, 30);
    let scripts = [
        "",
        "jj",
        "jj1",
        "jj2",
        "jj2G",
        "jj3",
        "jj4",
        "jj4+++",
        "v",
        "?",
        "?G",
        "L",
        "/dave<Enter>",
        "t",
        "jj2/u<Enter>n",
    ];
    for s in scripts {
        let mut c2 = console(100, 30);
        c2.keys(s);
        let buf = c2.draw().clone();
        for cell in &buf.content {
            assert!(
                !cell.symbol().chars().any(is_dangerous),
                "after {s:?}: raw {:?} on screen",
                cell.symbol()
            );
        }
        let text = buffer_text(&buf);
        assert!(!text.contains('\x1b') && !text.contains('\u{9b}') && !text.contains('\u{202e}'));
    }
    // The escapes are visible instead.
    c.keys("jj2");
    let text = c.render();
    assert!(text.contains(r"\u{1b}[2J"), "{text}");
    assert!(text.contains(r"\u{9b}31m"));
    assert!(text.contains(r"\u{202e}gnp.exe"));
    assert!(text.contains(r"\u{1b}]52;c;"));
}

#[test]
fn q_quits_while_still_loading() {
    let mut c = Headless::loading(vec!["somewhere".into()], None, 80, 24);
    assert!(contains(&mut c, "Loading"));
    c.keys("q");
    assert!(c.quit);
}

#[test]
fn findings_fill_in_when_loading_finishes() {
    let mut c = Headless::loading(vec!["tests/fixtures/console".into()], None, 100, 30);
    c.send(Msg::RulesRunning);
    assert!(contains(&mut c, "running the rules"));
    c.send(Msg::Loaded(Box::new(fixture())));
    assert!(contains(&mut c, "user/alice"));
    assert!(!contains(&mut c, "Loading"));
}

#[test]
fn typing_a_filter_narrows_live_and_highlights_the_matched_characters() {
    let mut c = console(120, 30);
    c.keys("/198.51");
    let screen = c.render();
    assert!(screen.contains("1 of 4"), "{screen}");
    assert!(screen.contains("carol") && !screen.contains("frank"));
    let (x, y) = find(&mut c, "198.51.100.7").expect("the row is shown");
    let buf = c.draw();
    for dx in 0..6 {
        let cell = &buf[(x + dx, y)];
        assert_eq!(cell.fg, Color::Yellow, "char {dx} of the IP is highlighted");
        assert!(cell.modifier.contains(Modifier::UNDERLINED));
    }
    assert_ne!(buf[(x + 6, y)].fg, Color::Yellow);
}

#[test]
fn field_terms_negation_and_times_combine() {
    let mut c = console(120, 30);
    c.keys("/region:us- !root after:2024-03-01T11:00<Enter>");
    let s = c.render();
    assert!(s.contains("1 of 4"), "{s}");
    assert!(s.contains("user/eve"));
    c.keys("<Esc>");
    assert!(contains(&mut c, "user/alice"));
    assert!(!contains(&mut c, "filter:"));
}

#[test]
fn an_unfinished_time_is_named_not_applied() {
    let mut c = console(120, 30);
    c.keys("/after:2024-0");
    let s = c.render();
    assert!(s.contains("after:2024-0 is not a time"), "{s}");
    assert!(s.contains("4 of 4"));
}

#[test]
fn every_pane_is_reachable_by_number_and_tab() {
    let mut c = console(100, 30);
    c.keys("<Enter>");
    assert!(contains(&mut c, "impact 70 × confidence 90 / 100"));
    c.keys("<Tab>");
    assert!(contains(&mut c, "\"eventName\": \"CreateAccessKey\""));
    c.keys("<Tab>");
    assert!(contains(&mut c, "USED by 4 events"));
    c.keys("<Tab>");
    assert!(contains(&mut c, "caller user/alice (IAMUser): 3"));
    c.keys("2");
    assert_eq!(c.app.detail.pane, Pane::Raw);
}

#[test]
fn raw_event_steps_between_delivered_copies_with_file_and_line() {
    let mut c = console(120, 30);
    c.keys("2");
    assert!(contains(
        &mut c,
        "copy 1/2 tests/fixtures/console/a/2024-03-01-iam.json:28"
    ));
    c.keys("]");
    assert!(contains(
        &mut c,
        "copy 2/2 tests/fixtures/console/b/redelivered.json:1"
    ));
    c.keys("]");
    assert!(contains(&mut c, "copy 1/2"));
    c.keys("[");
    assert!(contains(&mut c, "copy 2/2"));
}

#[test]
fn rule_fields_are_highlighted_in_the_raw_event() {
    let mut c = console(120, 40);
    c.keys("2");
    let (x, y) = find(&mut c, "\"requestParameters\"").unwrap();
    // requestParameters.userName is the seed's target, one line down.
    let buf = c.draw().clone();
    let line: String = (0..120)
        .map(|i| buf[(i, y + 1)].symbol().to_string())
        .collect();
    assert!(line.contains("\"userName\": \"bob\""), "{line}");
    let key_x = line.find("\"userName\"").unwrap() as u16;
    assert!(buf[(key_x, y + 1)].modifier.contains(Modifier::BOLD));
    // readOnly is not a rule field.
    let (rx, ry) = find(&mut c, "\"readOnly\"").unwrap();
    assert!(!c.draw()[(rx, ry)].modifier.contains(Modifier::BOLD));
    let _ = x;
}

#[test]
fn search_in_the_raw_event_jumps_between_matches() {
    let mut c = console(120, 24);
    c.keys("2/accesskey<Enter>");
    let s = c.render();
    assert!(s.contains("/accesskey 1/"), "{s}");
    let first = c.app.detail.raw.scroll;
    c.keys("n");
    assert!(contains(&mut c, "/accesskey 2/"));
    c.keys("N");
    assert_eq!(c.app.detail.raw.scroll, first);
}

#[test]
fn enter_on_a_key_usage_event_opens_it_raw_and_esc_returns() {
    let mut c = console(100, 30);
    c.keys("3j<Enter>");
    let s = c.render();
    assert!(s.contains("event from Key usage"), "{s}");
    assert!(s.contains("\"eventName\": \"ListBuckets\""), "{s}");
    c.keys("<Esc>");
    assert_eq!(c.app.detail.pane, Pane::Keys);
    assert_eq!(c.app.detail.keys_cursor.selected, 1);
}

#[test]
fn related_window_widens_with_plus() {
    let mut c = console(100, 30);
    c.keys("4");
    assert!(contains(&mut c, "±1h around"));
    c.keys("+");
    assert!(contains(&mut c, "±6h around"));
    assert!(contains(&mut c, "iam:CreateAccessKey"));
    c.keys("--");
    assert!(contains(&mut c, "±15m around"));
}

#[test]
fn t_switches_every_time_on_screen_between_utc_and_the_tz_zone() {
    let mut c = Headless::with_zone(
        fixture(),
        Some(Zone::parse("Europe/Paris").unwrap()),
        120,
        30,
    );
    let s = c.render();
    assert!(s.contains("2024-03-01 11:00:00+01"), "{s}");
    assert!(s.contains("Europe/Paris (+01:00)"));
    c.keys("t");
    let s = c.render();
    assert!(
        s.contains("2024-03-01 10:00:00+00") && s.contains("UTC (+00:00)"),
        "{s}"
    );
    assert!(!s.contains("+01"));
    c.keys("1");
    assert!(contains(&mut c, "2024-03-01 10:00:00 +00:00"));
    c.keys("t");
    assert!(contains(&mut c, "2024-03-01 11:00:00 +01:00"));
}

#[test]
fn grouped_view_counts_and_opens_a_group() {
    let mut c = console(120, 30);
    c.keys("v");
    let s = c.render();
    assert!(
        s.contains("FINDINGS ↓") && s.contains("FIRST SEEN") && s.contains("LAST SEEN"),
        "{s}"
    );
    let (_, y) = find(&mut c, "user/alice").unwrap();
    c.click(5, y);
    c.click(5, y);
    assert_eq!(c.app.screen, Screen::List);
    assert!(contains(
        &mut c,
        "filter: actor:\"arn:aws:iam::111122223333:user/alice\" target:\"bob\""
    ));
    assert_eq!(c.app.list.visible.len(), 1);
}

#[test]
fn clicking_a_row_selects_it_and_a_second_click_opens_it() {
    let mut c = console(100, 30);
    let (_, y) = find(&mut c, "frank").unwrap();
    c.click(10, y);
    assert_eq!(c.app.list.cursor.selected, 3);
    assert_eq!(c.app.screen, Screen::List);
    c.click(10, y);
    assert_eq!(c.app.screen, Screen::Detail);
}

#[test]
fn clicking_a_tab_switches_pane_and_a_heading_sorts() {
    let mut c = console(100, 30);
    let (x, y) = find(&mut c, "→ TARGET").unwrap();
    c.click(x + 2, y);
    assert!(contains(&mut c, "→ TARGET ↑"));
    let first = c.app.selected_finding();
    c.keys("<Enter>");
    let (x, y) = find(&mut c, "Related").unwrap();
    c.click(x, y);
    assert_eq!(c.app.detail.pane, Pane::Related);
    assert_eq!(Some(c.app.detail.finding), first);
}

#[test]
fn the_wheel_scrolls_the_risk_pane() {
    let mut c = console(80, 24);
    c.keys("1");
    c.mouse(MouseEventKind::ScrollDown, 10, 10);
    assert_eq!(c.app.detail.risk_scroll, 3);
    c.mouse(MouseEventKind::ScrollUp, 10, 10);
    assert_eq!(c.app.detail.risk_scroll, 0);
}

#[test]
fn a_small_terminal_gets_a_message_and_resizing_back_relays_out() {
    let mut c = console(100, 30);
    c.resize(50, 12);
    let s = c.render();
    assert!(
        s.contains("Terminal too small") && s.contains("50×12"),
        "{s}"
    );
    c.keys("j");
    c.resize(100, 30);
    assert!(contains(&mut c, "TIME ↑"));
    c.resize(70, 16);
    let s = c.render();
    assert!(s.contains("TIME ↑") && s.lines().all(|l| l.chars().count() <= 70));
}

#[test]
fn help_lists_every_binding_of_the_key_table() {
    let mut c = console(160, 48);
    // Help opens on the list's section; `g` goes to its top.
    c.keys("?g");
    let mut seen = String::new();
    for _ in 0..10 {
        seen.push_str(&c.render());
        c.keys("<PgDn>");
    }
    for b in KEYMAP {
        if let Keys::These(_) = b.keys {
            assert!(
                seen.contains(&keys_label(b)),
                "help misses {}",
                keys_label(b)
            );
        }
        assert!(
            seen.contains(b.desc.split(';').next().unwrap()),
            "help misses {:?}",
            b.desc
        );
    }
}

#[test]
fn the_context_bar_offers_only_keys_that_work_here() {
    let mut c = console(160, 30);
    let bar = c.render().lines().last().unwrap().to_string();
    assert!(
        bar.contains("/ filter") && bar.contains("q quit") && !bar.contains("Esc clear"),
        "{bar}"
    );
    c.keys("/x<Enter>");
    let bar = c.render().lines().last().unwrap().to_string();
    assert!(bar.contains("Esc clear"), "{bar}");
    c.keys("<Esc>g2");
    let bar = c.render().lines().last().unwrap().to_string();
    assert!(
        bar.contains("[ ] copies") && bar.contains("/ search") && !bar.contains("n/N"),
        "{bar}"
    );
}

#[test]
fn load_errors_list_names_path_and_line() {
    let mut c = console(100, 30);
    assert!(contains(&mut c, "load errors 1 (L)"));
    c.keys("L");
    assert!(contains(
        &mut c,
        "tests/fixtures/console/b/broken.jsonl:2 (byte"
    ));
    c.keys("<Esc>");
    assert!(!contains(&mut c, "broken.jsonl"));
}

#[test]
fn a_hundred_thousand_findings_draw_only_the_visible_rows() {
    let mut c = Headless::new(synthetic::data(100_000), 160, 48);
    c.keys("G");
    let s = c.render();
    assert!(s.contains("findings 100,000"), "{s}");
    assert_eq!(c.app.list.cursor.selected, 99_999);
    c.keys("/user042 svc-1<Enter>");
    assert!(c.app.list.visible.len() < 100_000);
}

#[test]
fn the_event_loop_runs_on_any_backend_and_quits_on_q() {
    let (tx, rx) = crossbeam_channel::unbounded();
    let mut app = App::new(vec!["tests/fixtures/console".into()], None, 100, 30);
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    tx.send(Msg::Loaded(Box::new(fixture()))).unwrap();
    for k in [
        KeyCode::Char('j'),
        KeyCode::Char('2'),
        KeyCode::Char(']'),
        KeyCode::Char('q'),
    ] {
        tx.send(Msg::Key(KeyEvent::new(k, KeyModifiers::NONE)))
            .unwrap();
    }
    event_loop(&mut term, &mut app, &rx, &tx).unwrap();
    assert_eq!(app.screen, Screen::Detail);
    assert_eq!(app.detail.pane, Pane::Raw);
    assert!(layout::usable(&app));
}

#[test]
fn the_event_loop_fetches_raw_events_off_the_ui_thread() {
    let (tx, rx) = crossbeam_channel::unbounded();
    let mut app = App::new(vec!["tests/fixtures/console".into()], None, 100, 30);
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    tx.send(Msg::Loaded(Box::new(fixture()))).unwrap();
    // The second copy is not in memory, so it is re-read from its file.
    for k in ['2', ']'] {
        tx.send(Msg::Key(KeyEvent::new(
            KeyCode::Char(k),
            KeyModifiers::NONE,
        )))
        .unwrap();
    }
    let quitter = tx.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(500));
        let _ = quitter.send(Msg::Key(KeyEvent::new(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
        )));
    });
    event_loop(&mut term, &mut app, &rx, &tx).unwrap();
    assert!(app.pending.is_empty());
    assert!(matches!(&app.detail.raw.doc, Some((k, Ok(_))) if k.copy == 1));
}

#[test]
fn a_failed_load_ends_the_event_loop_with_an_error() {
    let (tx, rx) = crossbeam_channel::unbounded();
    let mut app = App::new(vec![], None, 80, 24);
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    tx.send(Msg::Failed("disk on fire".into())).unwrap();
    let err = event_loop(&mut term, &mut app, &rx, &tx).unwrap_err();
    assert!(err.to_string().contains("disk on fire"));
}

#[test]
fn the_readme_key_table_matches_the_key_table() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let start = readme
        .find("<!-- section: console -->")
        .expect("the console section");
    let end = readme.find("<!-- /section: console -->").expect("its end");
    let section = &readme[start..end];
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| where"))
        .collect();
    let mut want = Vec::new();
    for ctx in trailhunt::tui::keymap::Context::ALL {
        for b in KEYMAP.iter().filter(|b| b.context == ctx) {
            want.push(format!(
                "| {} | `{}` | {} |",
                ctx.title(),
                keys_label(b),
                b.desc
            ));
        }
    }
    // `TRAILHUNT_UPDATE_README=1 cargo test --test tui_app readme` rewrites
    // the table from the keymap (review the diff).
    if std::env::var_os("TRAILHUNT_UPDATE_README").is_some() && rows != want {
        let old = rows.join("\n");
        let new = want.join("\n");
        std::fs::write("README.md", readme.replacen(&old, &new, 1)).expect("README.md written");
        return;
    }
    assert_eq!(
        rows, want,
        "README's key table drifted from src/tui/keymap.rs"
    );
}

#[test]
fn every_screen_survives_tiny_and_odd_sizes() {
    for keys in [
        "", "v", "1", "2", "3", "4", "?", "L", "/x", "A", "s", "a", "2/a",
    ] {
        let mut c = console(100, 30);
        c.keys(keys);
        for (w, h) in [
            (1, 1),
            (10, 3),
            (59, 15),
            (60, 16),
            (61, 17),
            (200, 16),
            (60, 80),
        ] {
            c.resize(w, h);
            c.keys("jG<PgUp><C-d>k");
            let s = c.render();
            assert_eq!(s.lines().count(), h as usize, "{keys:?} at {w}×{h}");
        }
    }
}

#[test]
fn an_unknown_filter_field_is_warned_about_like_a_bad_time() {
    let mut c = console(120, 30);
    let all = c.app.list.visible.len();
    c.keys("/foo:bar");
    assert!(contains(&mut c, "⚠ unknown field foo:"), "{}", c.render());
    // The unreadable term is ignored, not matched against nothing.
    assert_eq!(c.app.list.visible.len(), all);
    c.keys("<Esc>/after:garbage");
    assert!(contains(&mut c, "⚠ after:garbage is not a time"));
}
