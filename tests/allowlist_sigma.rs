//! `trailhunt allowlist export --sigma`: the allowlist as Sigma filter
//! rules, read back with a YAML parser so every value is checked to
//! round-trip, hostile ones included; and `--rules DIR` for the
//! allowlist commands.

mod common;

use common::TriageCase;
use predicates::prelude::*;
use proptest::prelude::*;
use std::path::PathBuf;
use trailhunt::triage::allowlist::{Condition, Entry, MatchKind, RuleScope};
use trailhunt::triage::field::Field;
use yaml_serde::Value;

const SEED: &str = "2a9b80d3-6340-4345-11ad-212bf3d0d111";
const CREATE_USER: &str = "a4424ab4-084c-4a48-817d-2d0b3631e6e9";

fn pack() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/rules/aws-iam-privesc")
}

/// What a Sigma plain value matches literally, or `None` when it holds an
/// unescaped wildcard.
fn sigma_literal(v: &str) -> Option<String> {
    let mut out = String::new();
    let mut it = v.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => out.push(it.next()?),
            '*' | '?' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

fn entry(conds: Vec<Condition>) -> Entry {
    Entry {
        id: "e1".into(),
        rules: RuleScope::Ids(vec![SEED.into()]),
        conditions: conds,
        reason: "ok".into(),
        author: None,
        created: None,
        expires: None,
        disabled: false,
    }
}

fn doc(e: &Entry) -> Value {
    let y = trailhunt::triage::sigma::filter(e, &[SEED.to_string()]).unwrap();
    yaml_serde::from_str(&y).unwrap_or_else(|err| panic!("{err}\n{y}"))
}

/// The one key/value of selection `sel` of the filter.
fn only(d: &Value, sel: &str) -> (String, Value) {
    let m = d["filter"][sel].as_mapping().unwrap();
    assert_eq!(m.len(), 1, "{m:?}");
    let (k, v) = m.iter().next().unwrap();
    (k.as_str().unwrap().to_string(), v.clone())
}

#[test]
fn hostile_exact_values_round_trip_through_yaml_escaped_for_sigma() {
    for v in [
        "a\"b'c",
        r"back\slash\*",
        "wild*card?",
        "- item: [x, {y}] # not a comment",
        "line1\nline2\r\n",
        "null",
        "~",
        "yes",
        "&anchor *alias !tag %x @y `z",
        "  padded  ",
        "\u{1b}]52;c;SGVsbG8=\u{7}",
    ] {
        let e = entry(vec![
            Condition::new(Field::TargetUser, MatchKind::Exact, v).unwrap(),
            Condition::new(Field::UserAgent, MatchKind::Exact, v).unwrap(),
        ]);
        let d = doc(&e);
        let (k, got) = only(&d, "selection");
        assert_eq!(k, "requestParameters.userName");
        assert_eq!(sigma_literal(got.as_str().unwrap()).as_deref(), Some(v));
        // AWS compares user agents by case; Sigma does not unless told.
        let (k, got) = only(&d, "c2_user_agent");
        assert_eq!(k, "userAgent|cased");
        assert_eq!(sigma_literal(got.as_str().unwrap()).as_deref(), Some(v));
        assert_eq!(
            d["filter"]["condition"].as_str(),
            Some("not (selection and c2_user_agent)")
        );
        assert_eq!(d["filter"]["rules"][0].as_str(), Some(SEED));
    }
}

#[test]
fn globs_cidrs_and_regexes_map_to_wildcards_cidr_and_re() {
    let e = entry(vec![
        Condition::new(Field::TargetUser, MatchKind::Glob, r"svc-*-?\*").unwrap(),
        Condition::new(Field::Region, MatchKind::Glob, "us-{east,west}-1").unwrap(),
        Condition::new(Field::Src, MatchKind::Cidr, "10.0.0.0/24").unwrap(),
        Condition::new(Field::EventName, MatchKind::Regex, r"^Create.*\d$").unwrap(),
    ]);
    let d = doc(&e);
    assert_eq!(
        only(&d, "selection"),
        (
            "requestParameters.userName".into(),
            Value::String(r"svc-*-?\*".into())
        )
    );
    let (k, v) = only(&d, "c2_region");
    assert_eq!(k, "awsRegion|re");
    let re = regex::Regex::new(v.as_str().unwrap()).unwrap();
    assert!(re.is_match("US-West-1") && !re.is_match("us-north-1"));
    assert_eq!(
        only(&d, "c3_src"),
        (
            "sourceIPAddress|cidr".into(),
            Value::String("10.0.0.0/24".into())
        )
    );
    assert_eq!(
        only(&d, "c4_event_name"),
        ("eventName|re".into(), Value::String(r"^Create.*\d$".into()))
    );
}

#[test]
fn actor_arn_and_account_follow_their_fallback_fields() {
    let e = entry(vec![
        Condition::new(Field::ActorArn, MatchKind::Exact, "arn:aws:iam::1:user/a").unwrap(),
        Condition::new(Field::Account, MatchKind::Exact, "111122223333").unwrap(),
    ]);
    let d = doc(&e);
    let role = d["filter"]["c1_actor_arn_role"].as_mapping().unwrap();
    assert_eq!(
        role.get("userIdentity.arn|exists"),
        Some(&Value::Bool(false))
    );
    assert_eq!(
        d["filter"]["condition"].as_str(),
        Some(
            "not ((selection or c1_actor_arn_role) and (c2_account_service or (c2_account and not c2_account_service_caller)))"
        )
    );
}

#[test]
fn disabled_conditions_are_left_out() {
    let e = entry(vec![
        Condition::new(Field::TargetUser, MatchKind::Exact, "deploy").unwrap(),
        Condition::new(Field::Src, MatchKind::Exact, "10.0.0.5")
            .unwrap()
            .with_enabled(false),
    ]);
    let d = doc(&e);
    assert_eq!(d["filter"]["condition"].as_str(), Some("not (selection)"));
    assert!(d["filter"].get("c2_src").is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn any_exact_value_round_trips(v in "\\PC{0,20}|[*?\\\\\"':#\\n -]{0,12}") {
        // Empty and blank values are refused when an entry is made.
        let c = Condition::new(Field::TargetUser, MatchKind::Exact, &v);
        prop_assume!(c.is_ok());
        let c = c.unwrap();
        let d = doc(&entry(vec![c]));
        let (_, got) = only(&d, "selection");
        prop_assert_eq!(sigma_literal(got.as_str().unwrap()), Some(v));
    }
}

#[test]
fn export_sigma_writes_one_filter_per_active_entry() {
    let c = TriageCase::new();
    c.run(&[
        "allowlist",
        "add",
        "--id",
        "pair",
        "--reason",
        "ci \"bot\"\nnext line",
        "--exact",
        "target_user=deploy",
        "--rule",
        "aws_createaccesskey_filter",
        "--expires",
        "30d",
    ])
    .assert()
    .success();
    c.run(&[
        "allowlist",
        "add",
        "--id",
        "off",
        "--reason",
        "r",
        "--exact",
        "target_user=x",
        "--disabled",
    ])
    .assert()
    .success();
    let out = c.run(&["allowlist", "export", "--sigma"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // The reason's line break cannot end the comment and start YAML.
    assert!(text.contains("# pair: ci \"bot\""), "{text}");
    assert!(!text.contains("\nnext line"), "{text}");
    let docs: Vec<Value> = text
        .split("\n---\n")
        .map(|d| yaml_serde::from_str(d.trim_start_matches("---\n")).unwrap())
        .collect();
    assert_eq!(docs.len(), 1, "the disabled entry is not exported: {text}");
    let d = &docs[0];
    assert_eq!(d["filter"]["rules"][0].as_str(), Some(SEED));
    assert_eq!(d["description"].as_str(), Some("ci \"bot\"\nnext line"));
    assert_eq!(d["trailhunt_entry"].as_str(), Some("pair"));
    assert!(d["trailhunt_expires"].as_str().is_some());
    assert_eq!(d["logsource"]["service"].as_str(), Some("cloudtrail"));
}

#[test]
fn sigma_rules_resolve_in_add_and_splunk_export_says_once_they_have_no_macro() {
    let c = TriageCase::new();
    let pack = pack();
    let pack = pack.to_str().unwrap();
    c.run(&[
        "allowlist",
        "add",
        "--id",
        "u",
        "--reason",
        "r",
        "--exact",
        "target_user=deploy",
        "--rules",
        pack,
        "--rule",
        "AWS IAM User Created",
        "--rule",
        "aws_createaccesskey_filter",
    ])
    .assert()
    .success();
    let out = c.run(&["allowlist", "list", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["rules"], serde_json::json!([CREATE_USER, SEED]));
    let out = c
        .run(&["allowlist", "export", "--splunk", "--rules", pack])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("Sigma rules have no Splunk macro; use --sigma"),
        "{err}"
    );
    assert!(!err.contains("names no filter_macro"), "{err}");
    c.run(&["allowlist", "export", "--sigma", "--rules", pack])
        .assert()
        .success()
        .stdout(predicate::str::contains(CREATE_USER));
    c.run(&["allowlist", "export", "--sigma", "--splunk"])
        .assert()
        .code(2);
}

#[test]
fn check_counts_the_hits_of_an_entry_for_all_rules_per_rule() {
    let c = TriageCase::new();
    let rules = c.dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    // A second rule over the same events: every CreateAccessKey call.
    std::fs::write(
        rules.join("any_key.yml"),
        "title: Any Access Key Created\nid: 0b7d5a56-4d3c-4f0e-9a35-0c1b7e7d2a11\n\
         logsource:\n  product: aws\n  service: cloudtrail\n\
         detection:\n  selection:\n    eventName: CreateAccessKey\n  condition: selection\n\
         level: low\n",
    )
    .unwrap();
    let rules = rules.to_str().unwrap();
    c.run(&[
        "allowlist",
        "add",
        "--id",
        "acct",
        "--reason",
        "r",
        "--exact",
        "account=111122223333",
    ])
    .assert()
    .success();
    let check = |extra: &[&str]| -> serde_json::Value {
        let out = c
            .cmd()
            .args(["allowlist", "check", "--json"])
            .args(extra)
            .arg(c.logs())
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()[0].clone()
    };
    let seed_only = check(&[]);
    let seed_hits = seed_only["hits"].as_u64().unwrap();
    assert!(seed_hits > 0);
    assert_eq!(
        seed_only["hits_by_rule"],
        serde_json::json!([{"rule_id": SEED, "rule_name": "AWS CreateAccessKey", "hits": seed_hits}])
    );
    let both = check(&["--rules", rules]);
    let by_rule = both["hits_by_rule"].as_array().unwrap();
    let of = |id: &str| {
        by_rule
            .iter()
            .find(|r| r["rule_id"] == id)
            .map(|r| r["hits"].as_u64().unwrap())
    };
    // The fixture's three CreateAccessKey calls made in account 111122223333.
    assert_eq!(of("0b7d5a56-4d3c-4f0e-9a35-0c1b7e7d2a11"), Some(3));
    assert_eq!(of(SEED), Some(seed_hits));
    assert_eq!(both["hits"].as_u64(), Some(seed_hits + 3));
    let text = c
        .cmd()
        .args(["allowlist", "check", "--rules", rules])
        .arg(c.logs())
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Any Access Key Created 3"), "{text}");
}

/// A Sigma backend (rsigma) runs a detection rule with the exported filter:
/// the event the entry describes is suppressed, its neighbours are not.
#[test]
fn a_sigma_engine_running_the_filter_suppresses_exactly_the_entrys_values() {
    const RULE: &str = "0b7d5a56-4d3c-4f0e-9a35-0c1b7e7d2a11";
    let rule = format!(
        "title: Any Access Key Created\nid: {RULE}\n\
         logsource:\n  product: aws\n  service: cloudtrail\n\
         detection:\n  selection:\n    eventName: CreateAccessKey\n  condition: selection\n"
    );
    for v in [
        "deploy",
        "a*b",
        r"back\slash\*",
        "wild?card",
        "quote\"s'and: # - [x]",
        "line1\nline2",
        "null",
    ] {
        let mut e = entry(vec![
            Condition::new(Field::TargetUser, MatchKind::Exact, v).unwrap(),
            Condition::new(Field::UserAgent, MatchKind::Exact, "Boto3/1.0").unwrap(),
            Condition::new(Field::Src, MatchKind::Cidr, "10.0.0.0/24").unwrap(),
        ]);
        e.rules = RuleScope::Ids(vec![RULE.into()]);
        let filter = trailhunt::triage::sigma::filter(&e, &[RULE.to_string()]).unwrap();
        let coll = rsigma_parser::parse_sigma_yaml(&format!("{rule}---\n{filter}")).unwrap();
        assert_eq!((coll.rules.len(), coll.filters.len()), (1, 1), "{filter}");
        let mut engine = rsigma_eval::Engine::new();
        engine.add_collection(&coll).unwrap();
        let fires = |user: &str, ua: &str, ip: &str| {
            let ev = serde_json::json!({
                "eventName": "CreateAccessKey",
                "requestParameters": {"userName": user},
                "userAgent": ua,
                "sourceIPAddress": ip,
            });
            !engine
                .evaluate(&rsigma_eval::JsonEvent::borrow(&ev))
                .is_empty()
        };
        assert!(
            !fires(v, "Boto3/1.0", "10.0.0.9"),
            "{v:?} suppressed\n{filter}"
        );
        // Names ignore case, as AWS compares them; user agents do not.
        assert!(!fires(&v.to_uppercase(), "Boto3/1.0", "10.0.0.9"), "{v:?}");
        assert!(fires(v, "boto3/1.0", "10.0.0.9"), "{v:?}: cased user agent");
        assert!(
            fires(&format!("{v}x"), "Boto3/1.0", "10.0.0.9"),
            "{v:?}: exact"
        );
        assert!(
            fires(v, "Boto3/1.0", "10.0.1.9"),
            "{v:?}: outside the network"
        );
        if v.contains(['*', '?']) {
            // An escaped wildcard is a literal, not a wildcard.
            let other = v.replace(['*', '?'], "Z");
            assert!(fires(&other, "Boto3/1.0", "10.0.0.9"), "{v:?} vs {other:?}");
        }
    }
}

/// The two alias fields keep the fallbacks trailhunt reads them with.
#[test]
fn a_sigma_engine_follows_actor_arn_and_account_fallbacks() {
    const RULE: &str = "0b7d5a56-4d3c-4f0e-9a35-0c1b7e7d2a11";
    let rule = format!(
        "title: Any\nid: {RULE}\nlogsource:\n  product: aws\n  service: cloudtrail\n\
         detection:\n  selection:\n    eventName: AssumeRole\n  condition: selection\n"
    );
    let engine = |e: Entry| {
        let filter = trailhunt::triage::sigma::filter(&e, &[RULE.to_string()]).unwrap();
        let coll = rsigma_parser::parse_sigma_yaml(&format!("{rule}---\n{filter}")).unwrap();
        let mut engine = rsigma_eval::Engine::new();
        engine.add_collection(&coll).unwrap();
        engine
    };
    let fires = |engine: &rsigma_eval::Engine, mut ev: serde_json::Value| {
        ev["eventName"] = "AssumeRole".into();
        !engine
            .evaluate(&rsigma_eval::JsonEvent::borrow(&ev))
            .is_empty()
    };
    let role = "arn:aws:iam::1:role/r";
    let arn = engine(entry(vec![
        Condition::new(Field::ActorArn, MatchKind::Exact, role).unwrap(),
    ]));
    assert!(!fires(
        &arn,
        serde_json::json!({"userIdentity": {"arn": role}})
    ));
    assert!(!fires(
        &arn,
        serde_json::json!({"userIdentity": {}, "requestParameters": {"roleArn": role}})
    ));
    assert!(fires(
        &arn,
        serde_json::json!({"userIdentity": {"arn": "x"}, "requestParameters": {"roleArn": role}})
    ));
    let acct = engine(entry(vec![
        Condition::new(Field::Account, MatchKind::Exact, "111").unwrap(),
    ]));
    let ev = |ty: &str, id: &str, recipient: &str| serde_json::json!({"userIdentity": {"type": ty, "accountId": id}, "recipientAccountId": recipient});
    assert!(!fires(&acct, ev("IAMUser", "111", "222")));
    assert!(fires(&acct, ev("IAMUser", "222", "111")));
    assert!(!fires(&acct, ev("AWSService", "222", "111")));
    assert!(fires(&acct, ev("AWSService", "111", "222")));
}

/// What the Sigma filters specification (v2.1.0, SigmaHQ/sigma-specification
/// `specification/sigma-filters-specification.md` and its JSON schema
/// `json-schema/sigma-filters-schema.json`) requires of a filter document.
fn assert_filter_spec(d: &Value) {
    let title = d["title"].as_str().expect("title is mandatory");
    assert!(title.chars().count() <= 256, "title at most 256 characters");
    assert!(
        d["logsource"].as_mapping().is_some(),
        "logsource is mandatory"
    );
    // "It has no level or status."
    assert!(d.get("level").is_none() && d.get("status").is_none());
    let f = d["filter"].as_mapping().expect("filter is mandatory");
    let rules = f
        .get("rules")
        .and_then(Value::as_sequence)
        .expect("filter.rules");
    assert!(!rules.is_empty(), "rules: at least one");
    let mut uniq: Vec<&str> = rules.iter().map(|r| r.as_str().unwrap()).collect();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), rules.len(), "rules: unique items");
    assert!(
        f.get("selection").is_some(),
        "filter.selection is mandatory: {d:?}"
    );
    let cond = f
        .get("condition")
        .and_then(Value::as_str)
        .expect("filter.condition");
    // The condition names `selection` as a whole identifier, and every
    // identifier it names is a selection of the filter.
    let words: Vec<&str> = cond
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !["not", "and", "or"].contains(w))
        .collect();
    assert!(words.contains(&"selection"), "{cond}");
    for w in words {
        assert!(f.get(w).is_some(), "`{w}` in `{cond}` is no selection");
    }
}

#[test]
fn every_filter_has_what_the_filters_specification_requires() {
    for conds in [
        vec![Condition::new(Field::TargetUser, MatchKind::Exact, "deploy").unwrap()],
        vec![
            Condition::new(Field::ActorArn, MatchKind::Glob, "arn:aws:iam::1:user/*").unwrap(),
            Condition::new(Field::Src, MatchKind::Cidr, "10.0.0.0/8").unwrap(),
        ],
        vec![Condition::new(Field::Account, MatchKind::Exact, "111122223333").unwrap()],
        vec![
            Condition::new(Field::Src, MatchKind::Exact, "10.0.0.5")
                .unwrap()
                .with_enabled(false),
            Condition::new(Field::UserAgent, MatchKind::Regex, "^terraform/").unwrap(),
        ],
    ] {
        assert_filter_spec(&doc(&entry(conds)));
    }
}

#[test]
fn an_entry_with_no_enabled_condition_is_not_exported() {
    use trailhunt::triage::allowlist::Allowlist;
    let mut off = entry(vec![
        Condition::new(Field::Src, MatchKind::Exact, "10.0.0.5")
            .unwrap()
            .with_enabled(false),
    ]);
    off.id = "nothing-enabled".into();
    let on = entry(vec![
        Condition::new(Field::Src, MatchKind::Exact, "10.0.0.6").unwrap(),
    ]);
    let list = Allowlist {
        entries: vec![off, on],
    };
    let out = trailhunt::triage::sigma::export(
        &list,
        &trailhunt::rules::RuleSet::builtin(),
        chrono::Utc::now(),
    );
    assert!(!out.text.contains("nothing-enabled"), "{}", out.text);
    assert!(!out.text.contains("not ()"), "{}", out.text);
    assert_eq!(out.text.matches("title: ").count(), 1, "{}", out.text);
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("nothing-enabled") && w.contains("no enabled condition")),
        "{:?}",
        out.warnings
    );
}
