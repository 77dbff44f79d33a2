//! Snapshots of every console screen at 80×24 and 160×48, drawn on
//! ratatui's `TestBackend` from the fixture in `tests/fixtures/console/`
//! (see its PROVENANCE.md). One finding there carries ESC[2J, an OSC 52
//! clipboard write, a C1 CSI (U+009B) and a right-to-left override (U+202E)
//! in its userAgent, userName and target; every screen is also checked cell
//! by cell for those raw characters.

mod common;

use trailhunt::event::Progress;
use trailhunt::event::zone::Zone;
use trailhunt::sanitize::is_dangerous;
use trailhunt::tui::data::Data;
use trailhunt::tui::headless::Headless;
use trailhunt::tui::update::Msg;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn fixture() -> Data {
    common::console_data(&["--no-pack", "tests/fixtures/console"])
}

/// Fails if any cell holds a control, DEL, C1 or bidi character.
fn assert_inert(c: &mut Headless, what: &str) {
    let buf = c.draw().clone();
    for (i, cell) in buf.content.iter().enumerate() {
        let sym = cell.symbol();
        assert!(
            !sym.chars().any(is_dangerous),
            "{what}: raw {sym:?} at cell {i} ({}, {})",
            i % buf.area.width as usize,
            i / buf.area.width as usize
        );
    }
}

/// Draws the console after `keys` at each size and snapshots it.
fn screen(name: &str, keys: &str) {
    for (w, h) in SIZES {
        let mut c = Headless::new(fixture(), w, h);
        c.keys(keys);
        assert_inert(&mut c, name);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), c.render());
    }
}

#[test]
fn findings_list() {
    screen("list", "");
}

#[test]
fn findings_list_sorted_by_risk_with_a_fuzzy_filter() {
    // `s` sorts by risk; the filter keeps the hostile finding and one other.
    screen("list_filtered", "s/evi<Enter>");
}

#[test]
fn filter_being_typed_with_field_terms() {
    screen("filter_typing", "/src:192.0.2 !frank");
}

#[test]
fn grouped_by_caller_and_target() {
    screen("grouped", "v");
}

#[test]
fn risk_pane_of_the_hostile_finding() {
    screen("risk_hostile", "jj1");
}

#[test]
fn risk_pane_scrolled_to_the_annotations() {
    screen("risk_scrolled", "1<C-d><C-d>");
}

#[test]
fn raw_pane_of_the_hostile_finding() {
    screen("raw_hostile", "jj2");
}

#[test]
fn raw_pane_second_delivered_copy_with_search() {
    screen("raw_copy_search", "2]/alice<Enter>n");
}

#[test]
fn key_usage_pane_of_a_used_key() {
    screen("keys_used", "3");
}

#[test]
fn key_usage_pane_of_an_unused_key() {
    screen("keys_unused", "j3");
}

#[test]
fn event_opened_raw_from_key_usage() {
    screen("keys_event_raw", "3jjj<Enter>");
}

#[test]
fn related_pane_with_a_wider_window() {
    screen("related", "4+");
}

#[test]
fn help_overlay() {
    screen("help", "?");
}

#[test]
fn load_errors_overlay() {
    screen("errors", "L");
}

#[test]
fn times_in_a_named_zone() {
    for (w, h) in SIZES {
        let mut c =
            Headless::with_zone(fixture(), Some(Zone::parse("Asia/Kolkata").unwrap()), w, h);
        c.keys("1");
        assert_inert(&mut c, "tz");
        insta::assert_snapshot!(format!("tz_kolkata_{w}x{h}"), c.render());
    }
}

#[test]
fn loading_screen() {
    for (w, h) in SIZES {
        let mut c = Headless::loading(vec!["tests/fixtures/console".into()], None, w, h);
        c.send(Msg::Progress(Progress {
            files_done: 3,
            files_total: 4,
            events: 12345,
            bytes: 4_400_000,
            errors: 1,
        }));
        c.send(Msg::Tick {
            elapsed_ms: 1500,
            now_ms: 0,
        });
        insta::assert_snapshot!(format!("loading_{w}x{h}"), c.render());
    }
}

#[test]
fn too_small_terminal_says_so() {
    let mut c = Headless::new(fixture(), 59, 15);
    insta::assert_snapshot!("too_small_59x15", c.render());
}
