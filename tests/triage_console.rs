//! Allowlist hits per rule in the console, headless: the allowlist screen
//! splits an entry's hits by rule (an entry for all rules reaches every
//! rule) and the suppress form's preview says which rules it reaches.

mod common;

use trailhunt::tui::headless::Headless;

const LOGS: &str = "tests/fixtures/console";
const ANY_KEY: &str = "0b7d5a56-4d3c-4f0e-9a35-0c1b7e7d2a11";

/// A console on the fixture with one more Sigma rule (every
/// CreateAccessKey call), and with an allowlist entry for all rules if
/// `entry`.
fn console(dir: &std::path::Path, entry: bool) -> Headless {
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("any_key.yml"),
        format!(
            "title: Any Access Key Created\nid: {ANY_KEY}\n\
             logsource:\n  product: aws\n  service: cloudtrail\n\
             detection:\n  selection:\n    eventName: CreateAccessKey\n  condition: selection\n\
             level: low\n"
        ),
    )
    .unwrap();
    let ws = dir.join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    if entry {
        std::fs::write(
        ws.join("allowlist.toml"),
        "schema_version = 1\n\n[[entry]]\nid = \"acct\"\nrules = \"all\"\nreason = \"lab account\"\n\
         when = [\n  { field = \"account\", exact = \"111122223333\" },\n]\n",
    )
    .unwrap();
    }
    let args = [
        "--workspace",
        ws.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        LOGS,
    ];
    common::console_with_triage(&args, 160, 40)
}

/// How many findings of the rule `id` are in account 111122223333.
fn in_account(c: &Headless, id: &str) -> usize {
    c.app
        .data
        .as_ref()
        .unwrap()
        .findings
        .iter()
        .filter(|f| f.rule_id == id && f.account.as_deref() == Some("111122223333"))
        .count()
}

#[test]
fn the_allowlist_screen_splits_an_all_rules_entrys_hits_by_rule() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = console(dir.path(), true);
    let seed = in_account(&c, "2a9b80d3-6340-4345-11ad-212bf3d0d111");
    let any = in_account(&c, ANY_KEY);
    assert!(seed > 0 && any > 0);
    c.keys("A");
    let screen = c.render();
    let line = screen
        .lines()
        .find(|l| l.contains("hits by rule:"))
        .unwrap_or_else(|| panic!("{screen}"));
    let (first, second) = if any > seed {
        (
            format!("Any Access Key Created {any}"),
            format!("AWS CreateAccessKey {seed}"),
        )
    } else {
        (
            format!("AWS CreateAccessKey {seed}"),
            format!("Any Access Key Created {any}"),
        )
    };
    assert!(line.contains(&format!("{first}, {second}")), "{line}");
}

#[test]
fn the_suppress_form_preview_says_which_rules_it_reaches() {
    let dir = tempfile::tempdir().unwrap();
    // No entry yet: suppressed findings are hidden and the form needs one.
    let mut c = console(dir.path(), false);
    c.keys("s");
    let form = c.app.triage.form.as_ref().expect("s opens the form");
    let n = form.preview.len();
    assert!(n > 0);
    let data = c.app.data.as_ref().unwrap();
    let rule = data.findings[form.preview[0]].rule;
    let name = data.rules.rules[rule].rule.name.clone();
    let screen = c.render();
    // The draft is for the selected finding's rule only.
    assert!(
        screen.contains(&format!("findings ({name} {n}):")),
        "{screen}"
    );
}
