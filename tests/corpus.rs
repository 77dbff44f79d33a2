//! The real public samples in tests/fixtures/corpus come out as the shared
//! corpus's SOURCES.md says the seed's search returns them.

mod common;

use common::*;
use trailhunt::rules::Semantics;

fn targets(file: &str, sem: Semantics) -> Vec<String> {
    let index = load_one(&fixtures().join("corpus").join(file));
    let mut t: Vec<String> = findings(&index, sem)
        .into_iter()
        .map(|f| f.target_user.unwrap_or_default())
        .collect();
    t.sort();
    t
}

#[test]
fn the_seeds_own_sample_is_a_finding_in_both_semantics() {
    let file = "aws_cloudtrail_createaccesskey.example_log.ndjson";
    for sem in [Semantics::Splunk, Semantics::Strict] {
        let index = load_one(&fixtures().join("corpus").join(file));
        let f = findings(&index, sem);
        assert_eq!(f.len(), 1, "{sem:?}");
        let f = &f[0];
        assert_eq!(f.target_user.as_deref(), Some("AtomicRedTeam"));
        assert_eq!(
            f.actor_arn.as_deref(),
            Some("arn:aws:iam::121521347698:user/bhavin_cli")
        );
        assert_eq!(
            f.risk_message,
            "User arn:aws:iam::121521347698:user/bhavin_cli is attempting to create access keys for AtomicRedTeam from this IP 12.25.72.12"
        );
        assert_eq!(f.risk_score, 63.0);
        assert!(f.splunk_parity);
        assert_eq!(f.new_key.as_deref(), Some("AKIAYTOGP2RLOQ4ULYGT"));
    }
}

#[test]
fn panther_cases_match_sources_md_for_splunk() {
    // SOURCES.md counts with the eval's names read as fields (splunk-quoted):
    // user1->user2, jackson->jack and jack->jackson (the ARN differs from
    // userName user1), Root->example-user; user1->user1 is removed by match,
    // the failed call by errorCode, Root's own key by stats (null target).
    let file = "panther_createaccesskey_rule_tests.ndjson";
    assert_eq!(
        targets(file, Semantics::SplunkQuoted),
        ["example-user", "jack", "jackson", "user2"]
    );
    // The seed as written: match() is null, so user1->user1 stays.
    assert_eq!(
        targets(file, Semantics::Splunk),
        ["example-user", "jack", "jackson", "user1", "user2"]
    );
}

#[test]
fn panther_cases_under_strict() {
    // Strict agrees here; Root's own key has no target so is no finding.
    assert_eq!(
        targets(
            "panther_createaccesskey_rule_tests.ndjson",
            Semantics::Strict
        ),
        ["example-user", "jack", "jackson", "user2"]
    );
}

#[test]
fn panther_root_scenario_drops_the_console_creation() {
    let t = targets(
        "test_scenarios__compromised-root-creds__attacker_cloudtrail.ndjson",
        Semantics::Splunk,
    );
    assert_eq!(t.len(), 1);
}

#[test]
fn stratus_backdoor_user_and_admin_user_are_found() {
    assert_eq!(
        targets("aws.persistence.iam-backdoor-user.json", Semantics::Splunk),
        ["stratus-red-team-backdoor-u-user"]
    );
    assert_eq!(
        targets(
            "aws.persistence.iam-create-admin-user.json",
            Semantics::Splunk
        )
        .len(),
        1
    );
    assert_eq!(
        targets("aws.persistence.iam-backdoor-user.json", Semantics::Strict).len(),
        1
    );
}

#[test]
fn elastic_sample_is_found() {
    assert_eq!(
        targets(
            "test-create-access-key-json.log.event_original.ndjson",
            Semantics::Splunk
        )
        .len(),
        1
    );
}

#[test]
fn permiso_projection_is_dropped_by_splunk_stats_but_kept_by_strict() {
    let file = "permiso_session_ae2b9f71_InputEvents.json";
    assert!(targets(file, Semantics::Splunk).is_empty());
    let index = load_one(&fixtures().join("corpus").join(file));
    assert_eq!(index.events.len(), 98);
    let f = findings(&index, Semantics::Strict);
    assert_eq!(f.len(), 1);
    assert!(!f[0].splunk_parity);
    assert!(
        f[0].splunk_verdict.contains("dropped by stats"),
        "{}",
        f[0].splunk_verdict
    );
}

#[test]
fn the_whole_fixture_tree_gives_the_nine_rows_of_sources_md() {
    let index = load_one(&fixtures().join("corpus"));
    assert!(index.errors.is_empty(), "{:?}", index.errors);
    // 1 Splunk + 2 Stratus + 1 Elastic + 4 Panther rule tests + 1 Panther
    // scenario, counted as SOURCES.md counts (names read as fields); the seed
    // as written adds Panther's user1->user1.
    assert_eq!(findings(&index, Semantics::SplunkQuoted).len(), 9);
    assert_eq!(findings(&index, Semantics::Splunk).len(), 10);
}
