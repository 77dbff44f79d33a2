//! The allowlist on real findings: round trips, states, expiry in UTC, the
//! documented example, and a corrupt file that must stay untouched.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use std::path::{Path, PathBuf};
use trailhunt::rules::{Finding, Semantics};
use trailhunt::triage::allowlist::{Allowlist, Condition, Entry, EntryState, MatchKind, RuleScope};
use trailhunt::triage::expiry::parse_time;
use trailhunt::triage::{AllowlistFile, Field, TriageError};

const SEED_RULE: &str = "2a9b80d3-6340-4345-11ad-212bf3d0d111";

fn t(s: &str) -> DateTime<Utc> {
    parse_time(s).unwrap()
}

fn triage_logs() -> PathBuf {
    fixtures().join("triage/logs")
}

fn fixture_findings() -> Vec<Finding> {
    findings(&load_one(&triage_logs()), Semantics::Strict)
}

fn target(f: &Finding) -> &str {
    f.target_user.as_deref().unwrap()
}

fn cond(field: Field, kind: MatchKind, value: &str) -> Condition {
    Condition::new(field, kind, value).unwrap()
}

/// An entry that sets every field, with hostile text where text goes.
fn every_field() -> Entry {
    Entry {
        id: "Every_field-1.x".into(),
        rules: RuleScope::Ids(vec![SEED_RULE.into(), "another-rule".into()]),
        conditions: vec![
            cond(
                Field::ActorArn,
                MatchKind::Glob,
                "arn:aws:sts::111122223333:assumed-role/ci-*/{gha,gl}-?",
            ),
            cond(Field::TargetUser, MatchKind::Exact, "svc \"backup\" \\ |*"),
            cond(Field::Src, MatchKind::Cidr, "192.0.2.0/24"),
            cond(Field::UserAgent, MatchKind::Regex, "^Boto3/1\\.\\d+ .*\n?$"),
            cond(Field::Account, MatchKind::Exact, "111122223333").with_enabled(false),
            cond(Field::Region, MatchKind::Exact, "us-east-1"),
            cond(Field::EventName, MatchKind::Glob, "Create*Key"),
            cond(Field::ActorType, MatchKind::Exact, "AssumedRole"),
            cond(Field::EventId, MatchKind::Regex, "^b"),
            cond(Field::NewAccessKeyId, MatchKind::Glob, "AKIA*"),
            cond(
                Field::CallerAccessKeyId,
                MatchKind::Exact,
                "ASIACIDEPLOYER000",
            ),
        ],
        reason: "multi\nline reason with \"quotes\", a \\ backslash, \u{1b}[2J and bidi \u{202e}"
            .into(),
        author: Some("O'Brien \"ops\"".into()),
        created: Some(t("2026-11-02T09:30:00Z")),
        expires: Some(t("2026-12-31T23:59:59Z")),
        disabled: true,
    }
}

fn minimal() -> Entry {
    Entry {
        id: "minimal".into(),
        rules: RuleScope::All,
        conditions: vec![cond(Field::Src, MatchKind::Exact, "10.0.0.5")],
        reason: "r".into(),
        author: None,
        created: None,
        expires: None,
        disabled: false,
    }
}

#[test]
fn every_field_round_trips_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("allowlist.toml");
    let mut f = AllowlistFile::open(&p);
    f.add(every_field()).unwrap();
    f.add(minimal()).unwrap();
    let back = AllowlistFile::load(&p).unwrap();
    assert_eq!(back.list().entries, vec![every_field(), minimal()]);
    // And the text form alone, without the file machinery.
    let list = Allowlist {
        entries: vec![every_field(), minimal()],
    };
    assert_eq!(
        Allowlist::parse(&list.to_toml(), Path::new("x")).unwrap(),
        list
    );
    // Hostile text is escaped in the file, not written raw.
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text}"
    );
}

#[test]
fn entries_suppress_real_findings_and_count_hits() {
    let fs = fixture_findings();
    assert_eq!(
        fs.iter().map(target).collect::<Vec<_>>(),
        ["deploy", "svc-backup", "admin"]
    );
    let list = Allowlist {
        entries: vec![
            Entry {
                id: "ci".into(),
                conditions: vec![
                    cond(
                        Field::ActorArn,
                        MatchKind::Glob,
                        "arn:aws:sts::111122223333:assumed-role/ci-deployer/*",
                    ),
                    cond(Field::TargetUser, MatchKind::Exact, "SVC-BACKUP"),
                ],
                ..minimal()
            },
            Entry {
                id: "office".into(),
                conditions: vec![cond(Field::Src, MatchKind::Cidr, "10.0.0.0/24")],
                ..minimal()
            },
            Entry {
                id: "nothing".into(),
                conditions: vec![cond(Field::Region, MatchKind::Exact, "ap-south-2")],
                ..minimal()
            },
        ],
    };
    let ev = list.evaluate(&fs, t("2026-11-01T00:00:00Z"));
    let by: Vec<Option<&str>> = ev
        .suppressed
        .iter()
        .map(|s| s.as_ref().map(|s| s.id.as_str()))
        .collect();
    assert_eq!(by, [Some("office"), Some("ci"), None]);
    assert_eq!((ev.hits(0), ev.hits(1), ev.hits(2)), (1, 1, 0));
    assert_eq!(ev.suppressed[1].as_ref().unwrap().reason, "r");
}

#[test]
fn hostile_user_agent_matches_exactly_with_quotes_and_backslashes() {
    let fs = fixture_findings();
    let e = Entry {
        conditions: vec![cond(
            Field::UserAgent,
            MatchKind::Exact,
            "aws-cli/2.0 \"quoted\" \\back",
        )],
        ..minimal()
    };
    assert_eq!(Allowlist::preview(&e, &fs), vec![2]);
}

#[test]
fn expiry_is_a_utc_instant_and_the_boundary_is_expired() {
    let fs = fixture_findings();
    let e = Entry {
        conditions: vec![cond(Field::TargetUser, MatchKind::Exact, "deploy")],
        expires: Some(t("2026-12-31")),
        ..minimal()
    };
    let list = Allowlist { entries: vec![e] };
    let one_ms_before = t("2026-12-30T23:59:59.999Z");
    let at = t("2026-12-31T00:00:00Z");
    assert_eq!(list.evaluate(&fs, one_ms_before).suppressed_count(), 1);
    assert_eq!(list.entries[0].state(at), EntryState::Expired);
    assert_eq!(list.evaluate(&fs, at).suppressed_count(), 0);
    assert_eq!(
        list.evaluate(&fs, at).hits(0),
        0,
        "expired entries count no hits"
    );
    // 2026-12-31T00:30 in Paris is 2026-12-30T23:30 UTC: still active.
    assert_eq!(
        list.evaluate(&fs, t("2026-12-31T00:30:00+01:00"))
            .suppressed_count(),
        1
    );
    // New York's evening of the 30th is already the 31st in UTC: expired.
    assert_eq!(
        list.evaluate(&fs, t("2026-12-30T19:00:00-05:00"))
            .suppressed_count(),
        0
    );
}

#[test]
fn the_documented_example_parses_and_does_what_it_says() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/allowlist.example.toml");
    let list = AllowlistFile::load(&p).unwrap().list().clone();
    let ids: Vec<&str> = list.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "ci-rotates-svc-backup",
            "platform-office-deploy",
            "sandbox-keys"
        ]
    );
    let now = t("2026-11-15T00:00:00Z");
    let states: Vec<EntryState> = list.entries.iter().map(|e| e.state(now)).collect();
    assert_eq!(
        states,
        [EntryState::Active, EntryState::Active, EntryState::Disabled]
    );
    // "90d" in the file counts from `created`.
    assert_eq!(list.entries[2].expires, Some(t("2026-12-30T08:00:00Z")));
    let ev = list.evaluate(&fixture_findings(), now);
    let by: Vec<Option<&str>> = ev
        .suppressed
        .iter()
        .map(|s| s.as_ref().map(|s| s.id.as_str()))
        .collect();
    assert_eq!(
        by,
        [
            Some("platform-office-deploy"),
            Some("ci-rotates-svc-backup"),
            None
        ]
    );
    assert_eq!(
        list.evaluate(&fixture_findings(), t("2026-12-31T00:00:00Z"))
            .suppressed_count(),
        1
    );
}

#[test]
fn a_draft_from_a_finding_previews_only_that_finding() {
    let fs = fixture_findings();
    let list = Allowlist {
        entries: vec![Entry {
            id: "alice-for-deploy".into(),
            ..minimal()
        }],
    };
    let mut d = list.draft_from_finding(&fs[0], t("2026-11-01T00:00:00Z"));
    assert_eq!(d.id, "alice-for-deploy-2", "the id is made unique");
    assert_eq!(d.rules, RuleScope::Ids(vec![SEED_RULE.into()]));
    assert_eq!(Allowlist::preview(&d, &fs), vec![0]);
    // Keeping only the account condition widens it to both findings in that account.
    for c in &mut d.conditions {
        let keep = c.field() == Field::Account;
        c.set_enabled(keep);
    }
    assert_eq!(Allowlist::preview(&d, &fs), vec![0, 1]);
    d.set_expires_text("30d", t("2026-11-01T00:00:00Z"))
        .unwrap();
    assert_eq!(d.expires, Some(t("2026-12-01T00:00:00Z")));
    assert!(
        d.set_expires_text("next week", t("2026-11-01T00:00:00Z"))
            .is_err()
    );
}

#[test]
fn a_corrupt_allowlist_stays_byte_for_byte_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("allowlist.toml");
    let original = std::fs::read(fixtures().join("triage/corrupt_allowlist.toml")).unwrap();
    std::fs::write(&p, &original).unwrap();

    let mut f = AllowlistFile::open(&p);
    let problem = f.problem().expect("reported").to_string();
    assert!(
        problem.contains("allowlist.toml:9:"),
        "names file and line: {problem}"
    );
    assert!(f.list().entries.is_empty());
    assert!(matches!(
        AllowlistFile::load(&p),
        Err(TriageError::Parse { line: 9, .. })
    ));

    let attempts: Vec<Result<(), TriageError>> = vec![
        f.add(minimal()),
        f.replace("ci", minimal()),
        f.remove("ci").map(|_| ()),
        f.set_disabled("ci", true),
    ];
    for r in attempts {
        let e = r.unwrap_err();
        assert!(matches!(e, TriageError::Refused { .. }), "{e}");
        assert!(
            e.to_string().contains("allowlist.toml:9:"),
            "the refusal says why: {e}"
        );
    }
    assert_eq!(std::fs::read(&p).unwrap(), original);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")),
        "{names:?}"
    );
}

#[test]
fn a_file_broken_while_open_keeps_the_last_good_entries() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("allowlist.toml");
    let mut f = AllowlistFile::open(&p);
    f.add(minimal()).unwrap();
    std::fs::write(&p, "schema_version = 1\n[[entry]]\nid = \n").unwrap();
    let e = f.reload().unwrap_err().to_string();
    assert!(e.contains("allowlist.toml:3:"), "{e}");
    assert_eq!(
        f.list().entries,
        vec![minimal()],
        "the console keeps working with what it had"
    );
    assert!(
        f.add(Entry {
            id: "b".into(),
            ..minimal()
        })
        .is_err()
    );
    std::fs::write(&p, "schema_version = 1\n").unwrap();
    f.reload().unwrap();
    assert!(f.problem().is_none() && f.list().entries.is_empty());
}
