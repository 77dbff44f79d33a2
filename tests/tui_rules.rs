//! The console with Sigma rules loaded beside the seed: the public corpus in
//! `tests/fixtures/corpus` run with `--rules assets/rules/aws-iam-privesc`.

use clap::Parser;
use trailhunt::tui::data::Data;
use trailhunt::tui::headless::{self, Headless};

fn corpus() -> Data {
    let cli = trailhunt::cli::Cli::parse_from([
        "trailhunt",
        "--threads",
        "1",
        "--rules",
        "assets/rules/aws-iam-privesc",
        "tests/fixtures/corpus",
    ]);
    headless::load(&cli.console.config()).expect("the corpus loads")
}

fn screen(keys: &str, w: u16, h: u16) -> String {
    let mut c = Headless::new(corpus(), w, h);
    c.keys(keys);
    c.render()
}

/// The table rows (below the three header lines and the heading).
fn rows(text: &str) -> Vec<&str> {
    text.lines()
        .skip(4)
        .filter(|l| l.contains("+00 "))
        .collect()
}

#[test]
fn the_table_names_each_findings_rule_and_sigma_findings_have_no_spl_mark() {
    let text = screen("", 160, 48);
    assert!(text.lines().nth(3).unwrap().contains("RULE"), "{text}");
    let rows = rows(&text);
    let sigma: Vec<&&str> = rows
        .iter()
        .filter(|r| r.contains("AWS IAM User Cr"))
        .collect();
    let seed: Vec<&&str> = rows
        .iter()
        .filter(|r| r.contains("AWS CreateAccess"))
        .collect();
    assert_eq!(sigma.len(), 3, "{text}");
    assert_eq!(seed.len(), 10, "{text}");
    for r in sigma {
        assert!(r.trim_end().ends_with('–'), "a Sigma finding: {r}");
    }
    for r in seed {
        let end = r.trim_end();
        assert!(end.ends_with('✓') || end.ends_with('✗'), "the seed: {r}");
    }
}

#[test]
fn the_rule_column_sorts_by_rule_name() {
    let d = corpus();
    let order = d.sorted(trailhunt::tui::data::Col::Rule, false);
    let names: Vec<&str> = order
        .iter()
        .map(|&i| d.rows[i as usize].rule_name.as_str())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_ne!(names.first(), names.last());
}

#[test]
fn the_header_counts_findings_per_rule() {
    let text = screen("", 160, 48);
    let second = text.lines().nth(1).unwrap();
    // Every rule loaded counts, the seed and the pack's (its correlation's
    // sequence steps included): three are named, the rest summed up.
    let n = corpus().rules.rules.len();
    assert!(
        second.contains(&format!("{n} rules, open/supp:")),
        "{second}"
    );
    assert!(second.contains("AWS CreateAccessKey 10/0"), "{second}");
    assert!(second.contains("AWS IAM User Created 3/0"), "{second}");
    assert!(second.contains(&format!("+{} more (L)", n - 3)), "{second}");
}

#[test]
fn suppressed_findings_are_counted_per_rule() {
    let mut d = corpus();
    // Suppress every finding of the user-creation rule by hand.
    for (row, f) in d.rows.iter_mut().zip(&d.findings) {
        row.suppressed = d.rules.rules[f.rule].rule.name == "AWS IAM User Created";
    }
    let c = d.rule_counts();
    let user = c.iter().find(|c| c.name == "AWS IAM User Created").unwrap();
    assert_eq!((user.open, user.suppressed), (0, 3));
    let seed = c.iter().find(|c| c.name == "AWS CreateAccessKey").unwrap();
    assert_eq!((seed.open, seed.suppressed), (10, 0));
    assert_eq!(
        c.len(),
        d.rules.rules.len(),
        "every loaded rule is listed, with or without findings"
    );
}

#[test]
fn l_lists_what_loading_the_rules_said_and_every_rule() {
    let text = screen("L", 160, 48);
    assert!(text.contains("Rules and load errors (0)"), "{text}");
    let n = corpus().rules.rules.len();
    assert!(
        text.contains(&format!("aws-iam-privesc: {} rule(s) loaded", n - 1)),
        "{text}"
    );
    assert!(
        text.contains(&format!("Rules ({n}): findings open / suppressed")),
        "{text}"
    );
    assert!(
        text.contains("AWS UpdateLoginProfile For Another User"),
        "{text}"
    );
}

#[test]
fn the_grouped_view_groups_by_rule_then_caller_then_target() {
    let text = screen("v", 160, 48);
    assert!(
        text.lines()
            .nth(3)
            .unwrap()
            .trim_start()
            .starts_with("RULE"),
        "{text}"
    );
    // christophe → malicious-iam-user is one group per rule: the seed,
    // AdministratorAccess attached, CreateUser, and the backdoor-user and
    // admin-user sequences (named by their credential / attaching steps,
    // christophe's too).
    let groups = text
        .lines()
        .filter(|l| l.contains("user/christophe") && l.contains("malicious-iam-user"))
        .count();
    assert_eq!(groups, 5, "{text}");
}

#[test]
fn the_risk_pane_shows_the_sigma_findings_own_rule() {
    // G goes to the last finding, the admin-user sequence; two up is
    // christophe's CreateUser (a Sigma detection rule), after which come
    // the backdoor-user and admin-user sequences of the same second.
    let text = screen("Gkk1", 160, 48);
    assert!(
        text.contains("AWS IAM User Created  a4424ab4-084c-4a48-817d-2d0b3631e6e9"),
        "{text}"
    );
    assert!(text.contains("Sigma level low"), "{text}");
    assert!(text.contains("Why it matched (sigma semantics)"), "{text}");
    assert!(text.contains("• condition `selection` holds"), "{text}");
    assert!(text.contains("• selection `selection` matched"), "{text}");
    assert!(text.contains("parity n/a"), "{text}");
    assert!(
        !text.contains("Splunk search returns this finding"),
        "{text}"
    );
    assert!(text.contains("T1136.003"), "{text}");
    // Annotations the rule does not carry are not shown empty.
    assert!(!text.lines().any(|l| l.trim() == "NIST"), "{text}");
}

#[test]
fn the_risk_pane_shows_a_sigma_rules_custom_annotations_and_no_empty_headings() {
    let text = screen("Gkk1", 160, 80);
    let line = |start: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no {start:?} line in\n{text}"))
            .to_string()
    };
    // create_user.yml's own custom attributes, as it writes them.
    assert!(line("story").ends_with("AWS IAM Privilege Escalation"));
    assert!(line("kill chain").ends_with("Installation"));
    // The tag gives the id; the name is ATT&CK's, with no double space.
    assert_eq!(line("T1136.003"), "T1136.003 Cloud Account (persistence)");
    // The rule has no how_to_implement: no heading standing empty.
    assert!(!text.contains("How to implement"), "{text}");
    assert!(text.contains("Known false positives"), "{text}");
    assert!(text.contains("References"), "{text}");
}

#[test]
fn key_usage_says_a_sigma_finding_created_no_key_and_related_work_lists_the_caller() {
    let keys = screen("Gkk3", 160, 48);
    assert!(keys.contains("This event created no access key"), "{keys}");
    let related = screen("Gkk4", 160, 48);
    assert!(
        related.contains("caller user/christophe (IAMUser): 3"),
        "{related}"
    );
    assert!(related.contains("iam:CreateUser"), "{related}");
}

#[test]
fn snapshots_with_the_pack_loaded() {
    for (name, keys) in [
        ("list", ""),
        ("grouped", "v"),
        ("risk", "G1"),
        ("errors", "L"),
    ] {
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("rules_{name}_{w}x{h}"), screen(keys, w, h));
        }
    }
}
