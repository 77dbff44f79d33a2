//! Actions on several findings, headless: they apply to the marked findings
//! the filter shows (else the cursor row), ask before touching more than
//! one, and every key the bar offers works where it is shown.

mod common;

use trailhunt::tui::app::{Overlay, Screen};
use trailhunt::tui::headless::Headless;

const LOGS: &str = "tests/fixtures/console";

fn console(ws: &std::path::Path, w: u16, h: u16) -> Headless {
    common::console_with_triage(&["--workspace", ws.to_str().unwrap(), LOGS], w, h)
}

/// `s` on the cursor row, the reason typed, saved; then the allowlist screen (`A`).
fn suppress_with_reason(c: &mut Headless, reason: &str) {
    c.keys("s");
    while c.app.triage.form.as_ref().unwrap().focus != trailhunt::tui::triage::Focus::Reason {
        c.keys("<Tab>");
    }
    c.keys(&format!("{reason}<Enter>A"));
}

fn key_of(c: &Headless, i: usize) -> String {
    c.app.data.as_ref().unwrap().findings[i].key.clone()
}

fn saved(ws: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(ws.join(name)).unwrap_or_default()
}

/// Marks the selected finding, then filters to one whose target differs:
/// returns (the hidden marked finding, the one left on screen).
fn mark_then_filter_it_away(c: &mut Headless) -> (usize, usize) {
    let marked = c.app.selected_finding().unwrap();
    c.keys(" ");
    let rows = &c.app.data.as_ref().unwrap().rows;
    let other = c
        .app
        .list
        .visible
        .iter()
        .map(|&i| i as usize)
        .find(|&i| rows[i].target != rows[marked].target && rows[i].actor != rows[marked].actor)
        .expect("the fixture has two unrelated findings");
    let target = rows[other].target.clone();
    c.keys(&format!("/target:\"{target}\"<Enter>"));
    assert!(!c.app.list.visible.contains(&(marked as u32)));
    assert_eq!(c.app.selected_finding(), Some(other));
    (marked, other)
}

#[test]
fn a_status_key_never_acts_on_a_marked_finding_the_filter_hides() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    let (marked, shown) = mark_then_filter_it_away(&mut c);
    c.keys("X");
    let file = saved(ws.path(), "triage.toml");
    assert!(file.contains(&key_of(&c, shown)), "{file}");
    assert!(!file.contains(&key_of(&c, marked)), "{file}");
    // The hidden mark is kept and counted, not acted on.
    let screen = c.render();
    assert!(screen.contains("marked 0/1"), "{screen}");
}

#[test]
fn the_header_counts_marks_shown_and_in_all() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    c.keys("  ");
    assert!(c.render().contains("marked 2/2"));
}

#[test]
fn a_bulk_status_asks_first_and_says_how_many() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    c.keys("  X");
    assert!(saved(ws.path(), "triage.toml").is_empty());
    let screen = c.render();
    assert!(screen.contains("2 marked findings"), "{screen}");
    assert!(screen.contains("y/n"), "{screen}");
    c.keys("n");
    assert!(saved(ws.path(), "triage.toml").is_empty());
    c.keys("Xy");
    assert_eq!(
        saved(ws.path(), "triage.toml").matches("escalated").count(),
        2
    );
}

#[test]
fn a_note_goes_to_every_marked_finding() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    // Marks on rows 0 and 1, the cursor back on row 1: `a` asks, then notes both.
    c.keys("  k");
    c.keys("ay");
    assert!(c.app.triage.note.is_some(), "y opens the note line");
    c.keys("seen together<Enter>");
    let file = saved(ws.path(), "triage.toml");
    assert_eq!(file.matches("seen together").count(), 2, "{file}");
}

#[test]
fn a_copy_of_several_findings_asks_first() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    c.keys("  y");
    assert!(c.render().contains("y/n"));
    c.keys("<Esc>");
    assert!(!c.render().contains("y/n"));
}

#[test]
fn deleting_an_entry_asks_and_u_restores_it() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    suppress_with_reason(&mut c, "kept");
    assert_eq!(c.app.triage.snapshot.allowlist.entries.len(), 1);
    c.keys("D");
    assert_eq!(
        c.app.triage.snapshot.allowlist.entries.len(),
        1,
        "D asks first"
    );
    assert!(c.render().contains("y/n"));
    c.keys("n");
    assert_eq!(c.app.triage.snapshot.allowlist.entries.len(), 1);
    c.keys("Dy");
    assert!(c.app.triage.snapshot.allowlist.entries.is_empty());
    // The status line says it was deleted; at the next key the bar offers u.
    c.keys("j");
    assert!(c.render().contains("u undo"));
    c.keys("u");
    assert_eq!(c.app.triage.snapshot.allowlist.entries.len(), 1);
    assert!(saved(ws.path(), "allowlist.toml").contains("kept"));
}

#[test]
fn a_delete_that_failed_leaves_nothing_for_u_to_restore() {
    use std::os::unix::fs::PermissionsExt;
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    suppress_with_reason(&mut c, "kept");
    // A read-only allowlist is never written (see "Nothing is lost").
    let file = ws.path().join("allowlist.toml");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    c.keys("Dy");
    assert_eq!(
        c.app.triage.snapshot.allowlist.entries.len(),
        1,
        "not deleted"
    );
    c.keys("u");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        saved(ws.path(), "allowlist.toml").matches("kept").count(),
        1
    );
    assert_eq!(c.app.triage.snapshot.allowlist.entries.len(), 1);
    assert!(c.render().contains("nothing to undo"), "{}", c.render());
}

#[test]
fn q_in_the_export_prompt_cancels_it_and_does_not_quit() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    c.keys("e");
    assert!(c.render().contains("Esc/q cancel"));
    c.keys("q");
    assert!(!c.quit);
    assert!(!c.app.export_prompt);
}

#[test]
fn the_bar_offers_no_key_that_would_be_typed_or_does_nothing() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    c.keys("/");
    let bar = c.render().lines().last().unwrap().to_string();
    assert!(!bar.contains("? help") && !bar.contains("q quit"), "{bar}");
    assert!(bar.contains("C-c quit"), "{bar}");
    c.keys("<Esc>s");
    let bar = c.render().lines().last().unwrap().to_string();
    assert!(!bar.contains("t zone") && !bar.contains("q quit"), "{bar}");
    c.keys("<Esc>2");
    let bar = c.render().lines().last().unwrap().to_string();
    // In the raw pane N is the previous match, not a status.
    assert!(!bar.contains("N/I"), "{bar}");
}

#[test]
fn help_opens_on_the_section_of_where_it_was_asked() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    c.keys("A?");
    let screen = c.render();
    assert!(matches!(c.app.overlay, Overlay::Help { scroll } if scroll > 0));
    assert!(screen.contains("Allowlist"), "{screen}");
    assert!(screen.contains("delete the entry"), "{screen}");
    c.keys("<Esc>");
    assert_eq!(c.app.screen, Screen::Allowlist);
}

#[test]
fn every_status_message_is_kept_in_a_log_that_shows_it_whole() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 60, 20);
    let long = format!("the edit is kept at /tmp/{}/allowlist.toml", "d".repeat(90));
    c.send(trailhunt::tui::update::Msg::Status(Err(long.clone())));
    c.keys("hh");
    c.keys("M");
    assert!(matches!(c.app.overlay, Overlay::Messages { .. }));
    let screen: String = c
        .render()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("");
    assert!(screen.matches('d').count() >= 90, "{screen}");
    let kept: Vec<&str> = c.app.log.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        kept,
        [
            long.as_str(),
            "suppressed findings shown",
            "suppressed findings hidden"
        ]
    );
}
