//! Triage in the console, headless: marks, statuses, notes and allowlist
//! entries made with keys reach the workspace's files (a temporary
//! `--workspace DIR`) and come back from them in a new console.

mod common;

use clap::Parser;
use trailhunt::hunt::triage::{Reply, Snapshot};
use trailhunt::tui::app::Screen;
use trailhunt::tui::headless::{self, Headless};
use trailhunt::tui::update::Msg;

const LOGS: &str = "tests/fixtures/console";

/// A console on the fixture whose triage files live in `ws`.
fn console(ws: &std::path::Path, w: u16, h: u16) -> Headless {
    let args = ["--no-pack", "--workspace", ws.to_str().unwrap(), LOGS];
    common::console_with_triage(&args, w, h)
}

/// Opens the suppress form on the selected finding and moves to the reason
/// line (after however many conditions the finding offers).
fn form_at_reason(c: &mut Headless) {
    c.keys("s");
    while c.app.triage.form.as_ref().expect("s opens the form").focus
        != trailhunt::tui::triage::Focus::Reason
    {
        c.keys("<Tab>");
    }
}

fn key_of(c: &Headless, i: usize) -> String {
    c.app.data.as_ref().unwrap().findings[i].key.clone()
}

#[test]
fn marked_findings_get_a_status_that_is_saved_shown_and_filterable() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    let first = key_of(&c, c.app.selected_finding().unwrap());
    c.keys("  ");
    let second = key_of(&c, c.app.list.visible[1] as usize);
    c.keys("Xy");
    let saved = std::fs::read_to_string(ws.path().join("triage.toml")).unwrap();
    assert!(saved.contains(&first) && saved.contains(&second), "{saved}");
    assert_eq!(saved.matches("escalated").count(), 2, "{saved}");
    let screen = c.render();
    // The Status column (cut to "escal…" at this width) shows both.
    assert_eq!(screen.matches("escal…").count(), 2, "{screen}");
    assert!(screen.contains("2 findings set to escalated"), "{screen}");
    // The header counts them as still open.
    assert!(screen.contains("findings 4 · open 4"), "{screen}");
    c.keys("<Esc>/status:escalated<Enter>");
    assert_eq!(c.app.list.visible.len(), 2);
    c.keys("<Esc><Esc>");

    // A new console reads the same statuses back.
    let mut again = console(ws.path(), 120, 30);
    again.keys("/status:escalated<Enter>");
    assert_eq!(again.app.list.visible.len(), 2);
    again.keys("<Esc>jjC");
    assert!(again.render().contains("findings 4 · open 3"));
}

#[test]
fn a_status_set_in_the_risk_pane_applies_to_the_finding_shown() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 40);
    c.keys("j1F");
    let key = key_of(&c, c.app.detail.finding);
    let saved = std::fs::read_to_string(ws.path().join("triage.toml")).unwrap();
    assert!(
        saved.contains(&key) && saved.contains("false_positive"),
        "{saved}"
    );
    assert!(c.render().contains("false positive"));
    assert!(c.render().contains("open 3"));
}

#[test]
fn a_note_is_stamped_saved_and_shown_in_the_risk_pane() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 40);
    c.keys("aasked alice on chat<Enter>");
    let saved = std::fs::read_to_string(ws.path().join("triage.toml")).unwrap();
    assert!(saved.contains("asked alice on chat"), "{saved}");
    assert!(saved.contains("by = "), "{saved}");
    c.keys("1");
    let screen = c.render();
    assert!(screen.contains("asked alice on chat"), "{screen}");
}

#[test]
fn an_entry_made_from_a_finding_suppresses_it_at_once_and_persists() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    let chosen = c.app.selected_finding().unwrap();
    form_at_reason(&mut c);
    let form = c.app.triage.form.as_ref().unwrap();
    assert_eq!(
        form.preview,
        vec![chosen],
        "caller, target and account match one"
    );
    assert!(c.render().contains("Would suppress 1 of 4 findings"));
    c.keys("alice rotates bob's key every quarter<Tab>30d<Enter>");
    assert!(c.app.triage.form.is_none());
    let saved = std::fs::read_to_string(ws.path().join("allowlist.toml")).unwrap();
    assert!(
        saved.contains("alice rotates bob's key every quarter"),
        "{saved}"
    );
    assert!(saved.contains("expires"), "{saved}");

    // Hidden from the list, counted in the header, shown again by `h`.
    assert!(!c.app.list.visible.contains(&(chosen as u32)));
    let screen = c.render();
    assert!(screen.contains("suppressed 1"), "{screen}");
    c.keys("h");
    assert!(c.app.list.visible.contains(&(chosen as u32)));
    assert!(c.render().contains("suppressed"));

    // The allowlist screen lists it with one hit; Enter lists what it hides.
    c.keys("A");
    assert_eq!(c.app.screen, Screen::Allowlist);
    let screen = c.render();
    assert!(screen.contains("active"), "{screen}");
    c.keys("<Enter>");
    assert_eq!(c.app.screen, Screen::List);
    assert_eq!(c.app.list.visible, vec![chosen as u32]);
    assert!(c.render().contains("what entry alice-for-bob suppresses"));
    c.keys("1");
    let risk = c.render();
    assert!(risk.contains("by allowlist entry alice-for-bob"), "{risk}");

    // A new console on the same workspace still suppresses it.
    let again = console(ws.path(), 120, 30);
    assert!(!again.app.list.visible.contains(&(chosen as u32)));
    assert_eq!(again.app.triage.eval.suppressed_count(), 1);
}

#[test]
fn disabling_and_deleting_an_entry_bring_its_findings_back() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = console(ws.path(), 120, 30);
    form_at_reason(&mut c);
    c.keys("x<Enter>");
    assert!(c.app.triage.form.is_none(), "{:?}", c.app.triage.form);
    assert_eq!(c.app.list.visible.len(), 3);
    c.keys("Ad");
    assert_eq!(c.app.list.visible.len(), 4);
    assert!(c.render().contains("disabled"));
    let saved = std::fs::read_to_string(ws.path().join("allowlist.toml")).unwrap();
    assert!(saved.contains("disabled = true"), "{saved}");
    c.keys("Dy");
    assert!(c.app.triage.snapshot.allowlist.entries.is_empty());
    assert!(c.render().contains("No allowlist entries"));
}

#[test]
fn an_allowlist_that_does_not_parse_is_reported_with_its_line_and_left_alone() {
    let ws = tempfile::tempdir().unwrap();
    let bad = "schema_version = 1\n\n[[entry]]\nid = \"x\"\nthis is not toml\n";
    std::fs::write(ws.path().join("allowlist.toml"), bad).unwrap();
    let mut c = console(ws.path(), 120, 30);
    let problem = c.app.triage.snapshot.allowlist_problem.clone().unwrap();
    assert!(problem.contains(":5:"), "{problem}");
    // A save is refused and says why; the file is untouched.
    form_at_reason(&mut c);
    c.keys("x<Enter>");
    let (msg, is_problem) = c.app.triage.message.clone().unwrap();
    assert!(is_problem, "{msg}");
    assert_eq!(
        std::fs::read_to_string(ws.path().join("allowlist.toml")).unwrap(),
        bad
    );
    c.keys("A");
    assert!(c.render().contains("⚠"));
}

/// An allowlist with one entry in each state, with fixed dates and path, so
/// the screen is the same on every run.
fn fixed_snapshot() -> Snapshot {
    let text = r#"schema_version = 1

[[entry]]
id = "alice-for-bob"
rules = ["2a9b80d3-6340-4345-11ad-212bf3d0d111"]
reason = "quarterly rotation by the platform team"
author = "sam"
created = "2024-03-02T09:00:00Z"
expires = "2099-01-01T00:00:00Z"
when = [
  { field = "actor_arn", exact = "arn:aws:iam::111122223333:user/alice" },
  { field = "target_user", exact = "bob" },
]

[[entry]]
id = "old-migration"
rules = "all"
reason = "migration finished in 2023"
expires = "2023-12-31T00:00:00Z"
when = [{ field = "src", cidr = "198.51.100.0/24" }]

[[entry]]
id = "root-break-glass"
rules = "all"
reason = "break-glass drill"
disabled = true
when = [{ field = "actor_arn", glob = "*:root" }]
"#;
    let path = std::path::Path::new("/ws/allowlist.toml");
    Snapshot {
        allowlist: trailhunt::triage::Allowlist::parse(text, path).expect("the fixture parses"),
        allowlist_path: Some(path.to_path_buf()),
        ..Snapshot::default()
    }
}

fn snapshot_console() -> Headless {
    let cli = trailhunt::cli::Cli::parse_from(["trailhunt", "--threads", "1", "--no-pack", LOGS]);
    let data = headless::load(&cli.console.config()).expect("the fixture loads");
    let mut c = Headless::new(data, 80, 24);
    c.send(Msg::Triage(Box::new(Reply {
        snapshot: fixed_snapshot(),
        outcome: Ok(String::new()),
    })));
    c
}

#[test]
fn allowlist_screen_80x24() {
    let mut c = snapshot_console();
    c.keys("A");
    insta::assert_snapshot!("allowlist_80x24", c.render());
}

#[test]
fn suppress_form_80x24() {
    let mut c = snapshot_console();
    // eve's finding: its hostile target and agent must be escaped in the form.
    c.keys("h/eve<Enter>s<Tab><Tab><Tab>");
    insta::assert_snapshot!("suppress_form_80x24", c.render());
}
