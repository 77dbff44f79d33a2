//! Sigma detection rules beside the seed, end to end through `trailhunt
//! scan`: hand-written rules (`tests/fixtures/sigma/`, written here) over
//! the public corpus samples (`tests/fixtures/corpus/`).

mod common;

use assert_cmd::Command;
use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// `trailhunt` with its data and cache folders in `home`, so a test
/// neither reads nor leaves a workspace elsewhere.
fn trailhunt(home: &Path) -> Command {
    let mut c = Command::cargo_bin("trailhunt").unwrap();
    c.env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"));
    c
}

fn sigma(dir: &str) -> PathBuf {
    fixtures().join("sigma").join(dir)
}

/// `scan --format json` with the given rule folders over `logs`.
fn scan(rule_dirs: &[PathBuf], logs: &Path, extra: &[&str]) -> (Option<i32>, Vec<Value>, String) {
    let home = tempfile::tempdir().unwrap();
    let mut c = trailhunt(home.path());
    c.args(["scan", "--no-cache", "--format", "json"])
        .args(extra);
    for d in rule_dirs {
        c.arg("--rules").arg(d);
    }
    let out = c.arg(logs).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
    (out.status.code(), v, stderr)
}

fn of_rule<'a>(findings: &'a [Value], name: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["rule_name"] == name).collect()
}

fn file_of(f: &Value) -> String {
    let p = f["source"]["file"].as_str().unwrap();
    p.rsplit('/').next().unwrap().to_string()
}

#[test]
fn sigma_rules_find_their_true_positives_in_the_corpus_and_not_the_rest() {
    let (code, all, stderr) = scan(&[sigma("rules")], &fixtures().join("corpus"), &[]);
    assert_eq!(code, Some(1), "{stderr}");

    // Stratus's admin-user detonation attaches AdministratorAccess; the
    // Panther root scenario's three other policies are not findings.
    let admin = of_rule(&all, "AdministratorAccess attached to an IAM user");
    assert_eq!(admin.len(), 1);
    assert_eq!(
        file_of(admin[0]),
        "aws.persistence.iam-create-admin-user.json"
    );
    assert_eq!(admin[0]["event_id"], "083dc4ad-e264-46bc-a407-d0dd31b58bdc");

    // Four root console logins without MFA in the Panther scenario; only
    // the one that succeeded is a finding.
    let login = of_rule(&all, "Successful console login without MFA");
    assert_eq!(login.len(), 1);
    assert_eq!(
        file_of(login[0]),
        "test_scenarios__compromised-root-creds__attacker_cloudtrail.ndjson"
    );

    // CreateUser in three samples (AWS docs, Panther, Stratus); the rule in
    // a subfolder is loaded (the walk is recursive).
    let users = of_rule(&all, "IAM user created");
    let mut files: Vec<String> = users.iter().map(|f| file_of(f)).collect();
    files.sort();
    assert_eq!(
        files,
        [
            "aws.persistence.iam-create-admin-user.json",
            "cloudtrail-log-file-examples.records.json",
            "test_scenarios__compromised-root-creds__attacker_cloudtrail.ndjson"
        ]
    );
    let targets: Vec<&str> = users
        .iter()
        .map(|f| f["target_user"].as_str().unwrap())
        .collect();
    assert!(targets.contains(&"malicious-iam-user"), "{targets:?}");

    // `eventName|startswith: Stop` with eventSource CloudTrail: StopLogging,
    // not EC2's StopInstances in the AWS docs sample.
    let stop = of_rule(&all, "CloudTrail logging stopped");
    assert_eq!(stop.len(), 1);
    assert_eq!(stop[0]["event_name"], "StopLogging");
}

#[test]
fn sigma_findings_carry_the_json_contract() {
    let (_, all, _) = scan(&[sigma("rules")], &fixtures().join("corpus"), &[]);
    let f = of_rule(&all, "AdministratorAccess attached to an IAM user")[0];
    assert_eq!(f["rule_id"], "5f0d2c7e-1a3b-4c5d-8e9f-0a1b2c3d4e01");
    assert_eq!(f["rule_level"], "high");
    assert_eq!(f["semantics"], "sigma");
    assert_eq!(f["event_ids"], json!([f["event_id"].clone()]));
    assert_eq!(f["count"], 1);
    // The custom attribute wins over the level's 75.
    assert_eq!(f["risk_score"], 80.0);
    assert_eq!(
        f["risk_message"],
        "arn:aws:iam::229654561268:user/christophe attached arn:aws:iam::aws:policy/AdministratorAccess to malicious-iam-user"
    );
    // No SPL stands behind a Sigma rule: parity is not claimed either way.
    assert_eq!(f["splunk_parity"], Value::Null);
    let why = f["why"].as_array().unwrap();
    assert!(
        why.iter().any(|w| w == "selection `selection` matched"),
        "{why:?}"
    );
    // Without risk_score, the level decides; without risk_message, the title.
    let stop = of_rule(&all, "CloudTrail logging stopped")[0];
    assert_eq!(stop["risk_score"], 90.0);
    assert_eq!(stop["rule_level"], "critical");
    assert_eq!(stop["risk_message"], "CloudTrail logging stopped");
    // The seed's findings keep their semantics and gain the same fields.
    let seed = of_rule(&all, "AWS CreateAccessKey");
    assert!(!seed.is_empty());
    for s in seed {
        assert_eq!(s["semantics"], "strict");
        assert_eq!(s["event_ids"][0], s["event_id"]);
    }
}

#[test]
fn ndjson_carries_the_same_fields() {
    let home = tempfile::tempdir().unwrap();
    let out = trailhunt(home.path())
        .args(["scan", "--no-cache", "--format", "ndjson", "--rules"])
        .arg(sigma("rules"))
        .arg(fixtures().join("corpus/aws.persistence.iam-create-admin-user.json"))
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let f = lines
        .iter()
        .find(|f| f["rule_id"] == "5f0d2c7e-1a3b-4c5d-8e9f-0a1b2c3d4e01")
        .expect("the admin-policy finding");
    assert_eq!(f["semantics"], "sigma");
    assert_eq!(f["rule_level"], "high");
    assert_eq!(f["event_ids"].as_array().unwrap().len(), 1);
}

#[test]
fn hand_written_edges_true_and_false_positives() {
    let dir = tempfile::tempdir().unwrap();
    let mut failed = base_event("failed");
    set(&mut failed, "eventName", Some(json!("CreateUser")));
    set(
        &mut failed,
        "requestParameters.userName",
        Some(json!("eve")),
    );
    set(&mut failed, "errorCode", Some(json!("AccessDenied")));
    let mut ok = base_event("created");
    set(&mut ok, "eventName", Some(json!("createuser")));
    set(
        &mut ok,
        "requestParameters.userName",
        Some(json!("mallory")),
    );
    // A JSON null errorCode reads as absent (README, "Rule formats").
    set(&mut ok, "errorCode", Some(Value::Null));
    let mut policy = base_event("policy");
    set(&mut policy, "eventName", Some(json!("AttachUserPolicy")));
    set(&mut policy, "eventSource", Some(json!("iam.amazonaws.com")));
    set(
        &mut policy,
        "requestParameters.policyArn",
        Some(json!("arn:aws:iam::aws:policy/AdministratorAccessNot")),
    );
    write_lines(dir.path(), "e.jsonl", &[failed, ok, policy]);
    let (_, all, stderr) = scan(&[sigma("rules")], dir.path(), &[]);
    let users = of_rule(&all, "IAM user created");
    assert_eq!(users.len(), 1, "{stderr}");
    // eventName compares case-insensitively, as Sigma says.
    assert_eq!(users[0]["target_user"], "mallory");
    assert!(of_rule(&all, "AdministratorAccess attached to an IAM user").is_empty());
}

#[test]
fn other_logsources_are_skipped_and_counted() {
    let (_, _, stderr) = scan(&[sigma("rules")], &fixtures().join("corpus"), &[]);
    assert!(stderr.contains("rules: 4 rule(s) loaded"), "{stderr}");
    assert!(
        stderr
            .contains("1 Sigma rule(s) skipped: logsource is not product aws, service cloudtrail"),
        "{stderr}"
    );
}

#[test]
fn a_broken_rule_is_reported_with_its_file_and_the_rest_still_run() {
    let (code, all, stderr) = scan(&[sigma("broken")], &fixtures().join("corpus"), &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(of_rule(&all, "Key pair created").len(), 1);
    let bad = stderr
        .lines()
        .find(|l| l.contains("bad_yaml.yml"))
        .unwrap_or_else(|| panic!("bad_yaml.yml not reported: {stderr}"));
    assert!(bad.contains("bad_yaml.yml:"), "{bad}");
    let corr = stderr
        .lines()
        .find(|l| l.contains("correlation.yml"))
        .unwrap_or_else(|| panic!("correlation.yml not reported: {stderr}"));
    assert!(
        corr.contains("correlation.yml:1: correlation rule `Many keys`"),
        "{corr}"
    );
    assert!(corr.contains("not loaded"), "{corr}");
}

#[test]
fn a_rule_folder_where_nothing_loads_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        sigma("broken/bad_yaml.yml"),
        dir.path().join("bad_yaml.yml"),
    )
    .unwrap();
    let (code, _, stderr) = scan(&[dir.path().to_path_buf()], &fixtures().join("corpus"), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no rule could be loaded"), "{stderr}");
    assert!(stderr.contains("bad_yaml.yml"), "{stderr}");
}

#[test]
fn rules_is_repeatable() {
    let (_, all, stderr) = scan(
        &[sigma("rules"), sigma("broken")],
        &fixtures().join("corpus"),
        &[],
    );
    assert_eq!(of_rule(&all, "Key pair created").len(), 1, "{stderr}");
    assert_eq!(of_rule(&all, "CloudTrail logging stopped").len(), 1);
}

#[test]
fn the_seed_stays_exact_with_sigma_rules_loaded() {
    for semantics in ["splunk", "strict"] {
        let corpus = fixtures().join("corpus");
        // The seed alone, then beside the built-in pack and more Sigma rules.
        let (_, alone, _) = scan(&[], &corpus, &["--semantics", semantics, "--no-pack"]);
        let (_, beside, _) = scan(&[sigma("rules")], &corpus, &["--semantics", semantics]);
        let seed: Vec<&Value> = beside
            .iter()
            .filter(|f| f["semantics"] != "sigma")
            .collect();
        assert_eq!(seed.len(), alone.len(), "{semantics}");
        for (a, b) in alone.iter().zip(seed) {
            assert_eq!(a, b, "{semantics}");
        }
    }
}

#[test]
fn rule_problems_reach_the_hunts_error_list_and_survive_a_rerun() {
    use trailhunt::hunt::Hunt;
    use trailhunt::rules::{RuleSet, Semantics};
    let mut rules = RuleSet::builtin();
    rules.add_dir(&sigma("rules")).unwrap();
    rules.add_dir(&sigma("broken")).unwrap();
    let index = load_paths(&[fixtures().join("corpus")], &rules);
    let mut hunt = Hunt::over(index, rules, Semantics::Strict);
    let listed = |h: &Hunt| -> Vec<String> { h.errors().map(|e| e.to_string()).collect() };
    for _ in 0..2 {
        let errors = listed(&hunt);
        assert!(
            errors.iter().any(|e| e.contains("bad_yaml.yml:")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains("correlation.yml:1:")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains("1 Sigma rule(s) skipped")),
            "{errors:?}"
        );
        hunt.rerun(Semantics::Strict);
    }
}

#[test]
fn a_pinned_rule_reads_only_its_candidate_events() {
    use trailhunt::loader::{CacheMode, LoadOptions, load};
    use trailhunt::rules::RuleSet;
    // Load, then remove the log: only events whose JSON the loader kept
    // (the rules' event names) can still be evaluated, so any other event
    // a rule reads shows up as an error.
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("trail.json");
    std::fs::copy(
        fixtures().join("corpus/cloudtrail-log-file-examples.records.json"),
        &log,
    )
    .unwrap();
    let run = |dir: &Path| {
        let mut rules = RuleSet::default();
        rules.add_dir(dir).unwrap();
        let opts = LoadOptions {
            keep_raw: rules.keep_raw(),
            cache: CacheMode::Off,
            ..LoadOptions::default()
        };
        let index = load(std::slice::from_ref(&log), &opts, &mut |_| {});
        std::fs::rename(&log, logs.path().join("gone")).unwrap();
        let out = rules.run(&index, trailhunt::rules::Semantics::Strict);
        std::fs::rename(logs.path().join("gone"), &log).unwrap();
        out
    };
    let pinned = run(&sigma("broken"));
    let about_log =
        |errors: &[trailhunt::event::LoadError]| errors.iter().filter(|e| e.path == log).count();
    assert_eq!(about_log(&pinned.errors), 0, "{:?}", pinned.errors);
    assert_eq!(pinned.findings.len(), 1);
    // A rule pinning nothing must read every event, and here cannot.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("any.yml"),
        "title: any\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    eventVersion|startswith: '1'\n  condition: sel\n",
    )
    .unwrap();
    let unpinned = run(dir.path());
    // Said at load, so a user knows which rule makes a large load slow.
    let mut rs = RuleSet::default();
    rs.add_dir(dir.path()).unwrap();
    assert!(
        rs.notes
            .iter()
            .any(|n| n.contains("`any` pins no indexed field") && n.contains("every event")),
        "{:?}",
        rs.notes
    );
    // Eight events, none kept (the rule names no event): every one is re-read.
    assert_eq!(about_log(&unpinned.errors), 8, "{:?}", unpinned.errors);
    // A rule pinning another indexed field (the caller's type, matched
    // case-insensitively as Sigma does) reads only the events holding one
    // of its values: the six IAMUser events, not the two without a type.
    let by_type = tempfile::tempdir().unwrap();
    std::fs::write(
        by_type.path().join("t.yml"),
        "title: t\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    userIdentity.type: iamuser\n    awsRegion|startswith: us\n  condition: sel\n",
    )
    .unwrap();
    let typed = run(by_type.path());
    assert_eq!(about_log(&typed.errors), 6, "{:?}", typed.errors);
    // Any modifier narrows too, decided by the item alone: a regular
    // expression on the caller's ARN reads only the events whose ARN fits.
    let by_re = tempfile::tempdir().unwrap();
    std::fs::write(
        by_re.path().join("r.yml"),
        "title: r\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    userIdentity.arn|re: ':user/Alice$'\n  filter:\n    eventSource: ssm.amazonaws.com\n  condition: sel and not filter\n",
    )
    .unwrap();
    let alice = run(by_re.path());
    assert_eq!(about_log(&alice.errors), 6, "{:?}", alice.errors);
    // With the file in place, the same rule finds what a full read would.
    let mut rules = RuleSet::default();
    rules.add_dir(by_type.path()).unwrap();
    let index = load(
        std::slice::from_ref(&log),
        &LoadOptions {
            cache: CacheMode::Off,
            ..LoadOptions::default()
        },
        &mut |_| {},
    );
    let out = rules.run(&index, trailhunt::rules::Semantics::Strict);
    let regions: Vec<_> = out.findings.iter().map(|f| f.region.clone()).collect();
    assert_eq!(out.errors.len(), 0, "{:?}", out.errors);
    assert_eq!(regions.len(), 6, "{regions:?}");
}

#[test]
fn a_rule_pinning_no_event_name_reads_every_event_of_every_file() {
    // Plain and gzip files, a multi-byte character before the events, and
    // one event whose JSON the loader keeps for the seed (CreateAccessKey).
    let logs = tempfile::tempdir().unwrap();
    let ev = |id: &str, name: &str, agent: &str| {
        let mut e = base_event(id);
        set(&mut e, "eventName", Some(json!(name)));
        set(&mut e, "userAgent", Some(json!(agent)));
        set(&mut e, "requestParameters.note", Some(json!("é✓")));
        e
    };
    write_lines(
        logs.path(),
        "a.jsonl",
        &[
            ev("a1", "GetUser", "evil-tool/1"),
            ev("a2", "GetUser", "aws-cli/2"),
            ev("a3", "CreateAccessKey", "EVIL-tool/2"),
        ],
    );
    let b: String = [
        ev("b1", "ListUsers", "x evil-tool"),
        ev("b2", "ListUsers", "boto3"),
    ]
    .iter()
    .map(|e| format!("{e}\n"))
    .collect();
    std::fs::write(logs.path().join("b.jsonl.gz"), gzip(b.as_bytes())).unwrap();
    let rules = tempfile::tempdir().unwrap();
    std::fs::write(
        rules.path().join("agent.yml"),
        "title: evil agent\nid: 5f0d2c7e-1a3b-4c5d-8e9f-0a1b2c3d4e08\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    userAgent|contains: 'evil-tool'\n  condition: sel\nlevel: low\n",
    )
    .unwrap();
    let (_, all, stderr) = scan(&[rules.path().to_path_buf()], logs.path(), &[]);
    let mut ids: Vec<&str> = of_rule(&all, "evil agent")
        .iter()
        .map(|f| f["event_id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["a1", "a3", "b1"], "{stderr}");
    assert!(!stderr.contains("cannot"), "{stderr}");
}
