//! Evidence out of the console, headless: `y` copies the Markdown evidence
//! block, `Y` the raw JSON, `c` one value of the raw pane, `e` exports what
//! the list shows; the status line names the clipboard back end or the file.
//! The clipboard is the file back end, so nothing touches a real clipboard.

mod common;

use trailhunt::clipboard::FileClipboard;
use trailhunt::sanitize::is_dangerous;
use trailhunt::tui::headless::Headless;

/// The fixture console whose clipboard writes to `clip` and exports go to `dir`.
fn console(dir: &std::path::Path) -> (Headless, std::path::PathBuf) {
    let data = common::console_data(&["--no-pack", "tests/fixtures/console"]);
    let mut c = Headless::new(data, 120, 30);
    let clip = dir.join("clip.txt");
    c.services.clipboard = Some(Box::new(FileClipboard::new(clip.clone())));
    c.app.export_dir = dir.to_path_buf();
    (c, clip)
}

fn message(c: &Headless) -> String {
    c.app.triage.message.clone().expect("a status message").0
}

#[test]
fn y_copies_the_markdown_evidence_and_says_where_it_went() {
    let dir = tempfile::tempdir().unwrap();
    let (mut c, clip) = console(dir.path());
    c.keys("y");
    let text = std::fs::read_to_string(&clip).unwrap();
    assert!(text.contains("alice"), "{text}");
    assert!(text.contains("```json"), "{text}");
    assert!(message(&c).contains("clip.txt"), "{}", message(&c));
}

#[test]
fn y_on_marked_findings_copies_each_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let (mut c, clip) = console(dir.path());
    // Two findings: the copy waits for a yes.
    c.keys("  y");
    assert!(!clip.exists());
    c.keys("y");
    let text = std::fs::read_to_string(&clip).unwrap();
    assert!(text.contains("bob") && text.contains("carol"), "{text}");
    assert!(text.contains("\n---\n"), "{text}");
}

#[test]
fn shift_y_copies_only_the_raw_event_json() {
    let dir = tempfile::tempdir().unwrap();
    let (mut c, clip) = console(dir.path());
    c.keys("Y");
    let text = std::fs::read_to_string(&clip).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(v["eventName"], "CreateAccessKey");
}

#[test]
fn copied_evidence_of_the_hostile_finding_carries_no_raw_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let (mut c, clip) = console(dir.path());
    c.keys("/eve<Enter>yY");
    let text = std::fs::read_to_string(&clip).unwrap();
    assert!(
        !text.chars().any(|ch| ch != '\n' && is_dangerous(ch)),
        "{text:?}"
    );
    c.keys("<Esc>/eve<Enter>y");
    let text = std::fs::read_to_string(&clip).unwrap();
    assert!(
        !text.chars().any(|ch| ch != '\n' && is_dangerous(ch)),
        "{text:?}"
    );
}

#[test]
fn c_copies_the_value_of_the_current_search_match_in_the_raw_pane() {
    let dir = tempfile::tempdir().unwrap();
    let (mut c, clip) = console(dir.path());
    c.keys("2/sourceIPAddress<Enter>c");
    let text = std::fs::read_to_string(&clip).unwrap();
    assert_eq!(text.trim(), "203.0.113.10");
}

#[test]
fn e_exports_what_the_list_shows_in_the_chosen_format_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut c, _) = console(dir.path());
    c.keys("/target:carol<Enter>e");
    assert!(c.render().contains("m Markdown"));
    c.keys("l");
    let msg = message(&c);
    assert!(msg.contains("exported 1 finding as ndjson"), "{msg}");
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("the export file");
    assert!(msg.contains(&file.file_name().unwrap().to_string_lossy().to_string()));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.contains("carol"));

    c.keys("<Esc>eh");
    assert!(message(&c).contains("as html"), "{}", message(&c));
}

#[test]
fn two_exports_in_the_same_second_keep_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let (mut c, _) = console(dir.path());
    c.keys("em");
    let first_msg = message(&c);
    c.keys("em");
    let second_msg = message(&c);
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    // Each status line names its own file.
    assert_ne!(first_msg, second_msg);
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            first_msg.contains(&name) || second_msg.contains(&name),
            "{name}: {first_msg} / {second_msg}"
        );
    }
}
