//! Sigma correlation rules end to end: hand-written rules
//! (`tests/fixtures/sigma/correlation/`, see its PROVENANCE.md) and the
//! pack's CreateLoginProfile → ConsoleLogin sequence
//! (`assets/rules/aws-iam-privesc/`) over hand-written events.

mod common;

use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use trailhunt::hunt::{Config, Hunt};
use trailhunt::rules::Semantics;

fn fixture(dir: &str) -> PathBuf {
    fixtures().join("sigma/correlation").join(dir)
}

fn pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/rules/aws-iam-privesc")
}

/// A finding reduced to what the tests compare.
#[derive(Debug, Clone, PartialEq)]
struct Hit {
    rule: String,
    event_ids: Vec<String>,
    group: Vec<(String, Option<String>)>,
    why: Vec<String>,
    semantics: Semantics,
    risk: f64,
    message: String,
    /// `(eventID, role)` for each event of a correlation, in order.
    roles: Vec<(String, String)>,
}

fn hunt_with(rule_dir: PathBuf, events: &[Value]) -> (Vec<Hit>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    write_lines(dir.path(), "events.jsonl", events);
    let mut config = Config::new(vec![dir.path().to_path_buf()]);
    config.cache = false;
    config.rule_dirs = vec![rule_dir];
    let rules = config.rules().expect("rules load");
    let h = Hunt::run(&config, rules, &mut |_| {});
    let errors = h.rule_errors.iter().map(|e| e.to_string()).collect();
    let hits = h
        .findings
        .iter()
        .map(|f| Hit {
            rule: h.rules.rules[f.rule].rule.name.clone(),
            event_ids: f
                .events
                .iter()
                .map(|&i| h.index.event_id(&h.index.events[i]).unwrap_or_default())
                .collect(),
            group: f.group.clone(),
            why: f.why.clone(),
            semantics: f.semantics,
            risk: f.risk_score,
            message: f.risk_message.clone(),
            roles: f
                .roles
                .iter()
                .map(|(i, r)| {
                    let id = h.index.event_id(&h.index.events[*i]).unwrap_or_default();
                    (id.to_string(), r.clone())
                })
                .collect(),
        })
        .collect();
    (hits, errors)
}

fn of<'h>(hits: &'h [Hit], rule: &str) -> Vec<&'h Hit> {
    hits.iter().filter(|h| h.rule == rule).collect()
}

/// An IAM call by `caller` at `10:MM:SS`.
fn call(id: &str, name: &str, caller: &str, time: &str) -> Value {
    let mut e = base_event(id);
    set(&mut e, "eventName", Some(json!(name)));
    set(
        &mut e,
        "eventTime",
        Some(json!(format!("2026-11-02T{time}Z"))),
    );
    set(
        &mut e,
        "userIdentity.arn",
        Some(json!(format!("arn:aws:iam::111122223333:user/{caller}"))),
    );
    set(&mut e, "userIdentity.userName", Some(json!(caller)));
    e
}

fn denied(id: &str, caller: &str, time: &str) -> Value {
    let mut e = call(id, "ListRoles", caller, time);
    set(&mut e, "errorCode", Some(json!("AccessDenied")));
    e
}

const BURST: &str = "Burst of denied IAM calls";

#[test]
fn event_count_matches_at_the_timespan_and_not_past_it() {
    let at = [
        denied("d1", "mallory", "10:00:00"),
        denied("d2", "mallory", "10:04:00"),
        denied("d3", "mallory", "10:10:00"),
    ];
    let (hits, errors) = hunt_with(fixture("rules"), &at);
    assert!(errors.is_empty(), "{errors:?}");
    let burst = of(&hits, BURST);
    assert_eq!(burst.len(), 1, "{hits:#?}");
    let f = burst[0];
    assert_eq!(f.event_ids, ["d1", "d2", "d3"]);
    assert_eq!(f.semantics, Semantics::Sigma);
    assert_eq!(f.risk, 45.0);
    assert_eq!(
        f.group,
        [(
            "userIdentity.arn".to_string(),
            Some("arn:aws:iam::111122223333:user/mallory".to_string())
        )]
    );
    assert!(f.message.contains("user/mallory"), "{}", f.message);
    assert!(
        f.why.iter().any(|w| w.contains("iam_call_denied")),
        "{:?}",
        f.why
    );
    assert!(
        f.why
            .iter()
            .any(|w| w.starts_with("group userIdentity.arn="))
    );
    // `generate` is left out: the referred rule gives no findings of its own.
    assert!(of(&hits, "IAM call denied").is_empty(), "{hits:#?}");

    let mut over = at.clone();
    set(
        &mut over[2],
        "eventTime",
        Some(json!("2026-11-02T10:10:01Z")),
    );
    let (hits, _) = hunt_with(fixture("rules"), &over);
    assert!(of(&hits, BURST).is_empty(), "{hits:#?}");
}

#[test]
fn event_count_group_by_separates_callers() {
    let events = [
        denied("d1", "mallory", "10:00:00"),
        denied("d2", "trent", "10:01:00"),
        denied("d3", "mallory", "10:02:00"),
        denied("d4", "trent", "10:03:00"),
    ];
    let (hits, _) = hunt_with(fixture("rules"), &events);
    assert!(of(&hits, BURST).is_empty(), "{hits:#?}");
}

const KEYS: &str = "Access keys created for many users";

fn key_for(id: &str, user: &str, time: &str) -> Value {
    let mut e = call(id, "CreateAccessKey", "alice", time);
    set(&mut e, "requestParameters.userName", Some(json!(user)));
    e
}

#[test]
fn value_count_counts_distinct_users() {
    let three = [
        key_for("k1", "bob", "10:00:00"),
        key_for("k2", "carol", "10:01:00"),
        key_for("k3", "dave", "10:02:00"),
    ];
    let (hits, _) = hunt_with(fixture("rules"), &three);
    let keys = of(&hits, KEYS);
    assert_eq!(keys.len(), 1, "{hits:#?}");
    assert_eq!(keys[0].event_ids, ["k1", "k2", "k3"]);
    assert!(
        keys[0]
            .why
            .iter()
            .any(|w| w.contains("3 distinct value(s) of requestParameters.userName")),
        "{:?}",
        keys[0].why
    );
    // Referred to by id, without `generate`: no single-key findings.
    assert!(of(&hits, "Access key created").is_empty());

    let same = [
        key_for("k1", "bob", "10:00:00"),
        key_for("k2", "bob", "10:01:00"),
        key_for("k3", "carol", "10:02:00"),
        key_for("k4", "carol", "10:03:00"),
    ];
    let (hits, _) = hunt_with(fixture("rules"), &same);
    assert!(of(&hits, KEYS).is_empty(), "{hits:#?}");
}

const RECON: &str = "Users listed and a policy attached";

#[test]
fn temporal_matches_either_order_and_generate_keeps_the_referred_findings() {
    for (a, b) in [
        ("ListUsers", "AttachUserPolicy"),
        ("AttachUserPolicy", "ListUsers"),
    ] {
        let events = [
            call("e1", a, "eve", "10:00:00"),
            call("e2", b, "eve", "10:05:00"),
        ];
        let (hits, _) = hunt_with(fixture("rules"), &events);
        let recon = of(&hits, RECON);
        assert_eq!(recon.len(), 1, "{a} then {b}: {hits:#?}");
        assert_eq!(recon[0].event_ids, ["e1", "e2"]);
        // `generate: true`: each step is still a finding of its own.
        assert_eq!(of(&hits, "Users listed").len(), 1);
        assert_eq!(of(&hits, "User policy attached").len(), 1);
    }
    let late = [
        call("e1", "ListUsers", "eve", "10:00:00"),
        call("e2", "AttachUserPolicy", "eve", "10:05:01"),
    ];
    let (hits, _) = hunt_with(fixture("rules"), &late);
    assert!(of(&hits, RECON).is_empty(), "{hits:#?}");
    let two_callers = [
        call("e1", "ListUsers", "eve", "10:00:00"),
        call("e2", "AttachUserPolicy", "mallory", "10:01:00"),
    ];
    let (hits, _) = hunt_with(fixture("rules"), &two_callers);
    assert!(of(&hits, RECON).is_empty(), "{hits:#?}");
}

#[test]
fn a_reference_to_a_rule_not_loaded_is_reported_with_file_line_and_reason() {
    let (hits, errors) = hunt_with(
        fixture("missing_ref"),
        &[call("e1", "ListUsers", "eve", "10:00:00")],
    );
    let e = errors
        .iter()
        .find(|e| e.contains("missing.yml"))
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert!(e.contains("missing.yml:1:"), "{e}");
    assert!(
        e.contains("`no_such_rule`") && e.contains("not loaded"),
        "{e}"
    );
    // The rule beside it still runs.
    assert_eq!(of(&hits, "A rule that loads").len(), 1);
}

#[test]
fn fields_from_naming_a_rule_not_referred_to_is_reported() {
    let (hits, errors) = hunt_with(
        fixture("bad_fields_from"),
        &[call("e1", "ListUsers", "eve", "10:00:00")],
    );
    let e = errors
        .iter()
        .find(|e| e.contains("bad.yml"))
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert!(e.contains("bad.yml:1:"), "{e}");
    assert!(
        e.contains(
            "`fields_from` names `step_three`, which is not one of the correlation's `rules`"
        ),
        "{e}"
    );
    assert!(of(&hits, "Names a step it does not refer to").is_empty());
}

// The pack's sequence: CreateLoginProfile for another user, then that user's
// console login from the same address within the hour.

const SEQ: &str = "AWS Login Profile Created For Another User Then Used From The Same Address";

fn create_profile(id: &str, target: &str, ip: &str, time: &str) -> Value {
    let mut e = call(id, "CreateLoginProfile", "alice", time);
    set(
        &mut e,
        "requestParameters",
        Some(json!({"userName": target})),
    );
    set(&mut e, "responseElements", Some(Value::Null));
    set(&mut e, "sourceIPAddress", Some(json!(ip)));
    e
}

fn console_login(id: &str, user: &str, ip: &str, time: &str) -> Value {
    let mut e = call(id, "ConsoleLogin", user, time);
    set(&mut e, "eventSource", Some(json!("signin.amazonaws.com")));
    set(&mut e, "requestParameters", Some(Value::Null));
    set(
        &mut e,
        "responseElements",
        Some(json!({"ConsoleLogin": "Success"})),
    );
    set(&mut e, "sourceIPAddress", Some(json!(ip)));
    e
}

#[test]
fn pack_login_profile_then_console_login_true_positive() {
    let events = [
        create_profile("p1", "bob", "198.51.100.7", "10:00:00"),
        console_login("l1", "bob", "198.51.100.7", "11:00:00"),
        console_login("l2", "bob", "198.51.100.7", "11:10:00"),
    ];
    let (hits, errors) = hunt_with(pack(), &events);
    assert!(errors.is_empty(), "{errors:?}");
    let seq = of(&hits, SEQ);
    assert_eq!(seq.len(), 1, "{hits:#?}");
    let f = seq[0];
    assert_eq!(f.event_ids, ["p1", "l1"]);
    assert_eq!(f.risk, 72.0);
    assert_eq!(
        f.group,
        [
            ("login_user".to_string(), Some("bob".to_string())),
            ("source_ip".to_string(), Some("198.51.100.7".to_string()))
        ]
    );
    assert!(f.message.contains("for bob"), "{}", f.message);
    assert!(
        f.why
            .iter()
            .any(|w| w.contains("event 1 at 2026-11-02T10:00:00")
                && w.contains("aws_login_profile_for_other_user_seq"))
    );
    assert!(
        f.why
            .iter()
            .any(|w| w.contains("event 2 at 2026-11-02T11:00:00")
                && w.contains("aws_iam_user_console_login_seq"))
    );
    let roles: Vec<(&str, &str)> = f
        .roles
        .iter()
        .map(|(e, r)| (e.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("p1", "aws_login_profile_for_other_user_seq"),
            ("l1", "aws_iam_user_console_login_seq")
        ]
    );
    // The steps give no findings; the pack's own CreateLoginProfile rule does.
    assert!(of(&hits, "AWS Console Login By An IAM User (sequence step)").is_empty());
    assert!(
        of(
            &hits,
            "AWS CreateLoginProfile For Another User (sequence step)"
        )
        .is_empty()
    );
    assert_eq!(
        of(&hits, "AWS CreateLoginProfile For Another User").len(),
        1
    );
}

#[test]
fn pack_login_profile_then_console_login_false_positives() {
    let cases: [(&str, [Value; 2]); 5] = [
        (
            "login from another address",
            [
                create_profile("p1", "bob", "198.51.100.7", "10:00:00"),
                console_login("l1", "bob", "192.0.2.1", "10:05:00"),
            ],
        ),
        (
            "login by another user",
            [
                create_profile("p1", "bob", "198.51.100.7", "10:00:00"),
                console_login("l1", "carol", "198.51.100.7", "10:05:00"),
            ],
        ),
        (
            "login over an hour later",
            [
                create_profile("p1", "bob", "198.51.100.7", "10:00:00"),
                console_login("l1", "bob", "198.51.100.7", "11:00:01"),
            ],
        ),
        (
            "login before the profile",
            [
                console_login("l1", "bob", "198.51.100.7", "09:59:00"),
                create_profile("p1", "bob", "198.51.100.7", "10:00:00"),
            ],
        ),
        (
            "profile for oneself",
            [
                create_profile("p1", "alice", "198.51.100.7", "10:00:00"),
                console_login("l1", "alice", "198.51.100.7", "10:05:00"),
            ],
        ),
    ];
    for (what, events) in cases {
        let (hits, _) = hunt_with(pack(), &events);
        assert!(of(&hits, SEQ).is_empty(), "{what}: {hits:#?}");
    }
    // A failed console login does not complete it.
    let mut failed = console_login("l1", "bob", "198.51.100.7", "10:05:00");
    set(
        &mut failed,
        "responseElements",
        Some(json!({"ConsoleLogin": "Failure"})),
    );
    let (hits, _) = hunt_with(
        pack(),
        &[
            create_profile("p1", "bob", "198.51.100.7", "10:00:00"),
            failed,
        ],
    );
    assert!(of(&hits, SEQ).is_empty(), "{hits:#?}");
}

#[test]
fn scan_json_carries_every_event_of_a_correlation() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    write_lines(
        dir.path(),
        "events.jsonl",
        &[
            create_profile("p1", "bob", "198.51.100.7", "10:00:00"),
            console_login("l1", "bob", "198.51.100.7", "10:30:00"),
        ],
    );
    let out = assert_cmd::Command::cargo_bin("trailhunt")
        .unwrap()
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .args(["scan", "--no-cache", "--format", "json", "--rules"])
        .arg(pack())
        .arg(dir.path())
        .output()
        .unwrap();
    let all: Vec<Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let f = all
        .iter()
        .find(|f| f["rule_name"] == SEQ)
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert_eq!(f["rule_id"], "367dbe8f-2e6e-4c23-bc61-a3e72e0f4a69");
    assert_eq!(f["rule_level"], "high");
    assert_eq!(f["semantics"], "sigma");
    assert_eq!(f["event_ids"], json!(["p1", "l1"]));
    assert_eq!(f["event_id"], "p1");
    assert_eq!(f["count"], 2);
}

/// The pack's sequence in the console: its events with their times and roles.
fn sequence_console() -> trailhunt::tui::headless::Headless {
    let events = [
        create_profile("p1", "bob", "198.51.100.7", "10:00:00"),
        console_login("l1", "bob", "198.51.100.7", "11:00:00"),
    ];
    let dir = tempfile::tempdir().unwrap();
    write_lines(dir.path(), "events.jsonl", &events);
    let mut config = Config::new(vec![dir.path().to_path_buf()]);
    config.cache = false;
    config.rule_dirs = vec![pack()];
    let data = trailhunt::tui::headless::load(&config).expect("loads");
    let zone = trailhunt::event::zone::Zone::parse("Europe/Paris").unwrap();
    let mut c = trailhunt::tui::headless::Headless::with_zone(data, Some(zone), 160, 60);
    // Filtered to the sequence, then opened.
    c.keys("/rule:address<Enter>");
    c
}

#[test]
fn the_risk_pane_lists_a_correlations_events_with_time_and_role() {
    let mut c = sequence_console();
    c.keys("1");
    let text = c.render();
    assert!(text.contains(SEQ), "{text}");
    assert!(text.contains("Sequence"), "{text}");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    // The zone's long form: 10:00 UTC is 11:00 in Paris in November.
    let first = lines
        .iter()
        .position(|l| l.starts_with("1. 2026-11-02 11:00:00"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(lines[first].contains("CreateLoginProfile"), "{text}");
    assert!(
        lines[first].contains("aws_login_profile_for_other_user_seq"),
        "{text}"
    );
    assert!(
        lines[first + 1].starts_with("2. 2026-11-02 12:00:00"),
        "{text}"
    );
    assert!(lines[first + 1].contains("ConsoleLogin"), "{text}");
    assert!(
        lines[first + 1].contains("aws_iam_user_console_login_seq"),
        "{text}"
    );
}

#[test]
fn the_raw_pane_says_which_event_of_the_sequence_and_its_role() {
    let mut c = sequence_console();
    c.keys("2");
    let text = c.render();
    assert!(
        text.contains("event 1 of 2 (aws_login_profile_for_other_user_seq)"),
        "{text}"
    );
    c.keys("]");
    let text = c.render();
    assert!(
        text.contains("event 2 of 2 (aws_iam_user_console_login_seq)"),
        "{text}"
    );
}
