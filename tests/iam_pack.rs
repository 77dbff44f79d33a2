//! The AWS IAM Privilege Escalation pack (`assets/rules/aws-iam-privesc/`):
//! every rule over real public samples (`tests/fixtures/iam_pack/corpus/`
//! and `tests/fixtures/corpus/`, see their PROVENANCE.md) and over
//! hand-written events for its edges, true and false positives both.

mod common;

use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use trailhunt::hunt::{Config, Hunt};
use trailhunt::rules::Semantics;

const UPDATE_LOGIN_PROFILE: &str = "29c453cd-b016-4909-8afe-311f39d01cd5";
const CREATE_LOGIN_PROFILE: &str = "03666ec3-1ea3-4db2-9f88-f892e7a2b2e7";
const SET_DEFAULT_POLICY_VERSION: &str = "995e9f66-a72d-462a-9405-49eb96db0116";
const POLICY_ALLOWS_ALL: &str = "1ebf7f35-0551-4357-b2e3-be53f9d44252";
const DELETE_GROUP: &str = "a7126648-e159-47d2-a4ec-311be185ace3";
const DELETE_GROUP_FAILED: &str = "c34f905a-be2d-466b-95b6-29f1ff45c17a";
const ATTACH_ADMIN: &str = "5838cc9f-bf6d-4453-b5f1-0dbeccac6a14";
const CREATE_USER: &str = "a4424ab4-084c-4a48-817d-2d0b3631e6e9";
const DISCOVERY_DENIED: &str = "ace0cee5-81aa-4b83-922a-515dde3205b0";
const TRUST_POLICY_MALFORMED: &str = "40fb80e7-35d9-401d-9759-8ec969ed0e4b";

fn pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/rules/aws-iam-privesc")
}

/// One finding reduced to what the tests compare: rule, event id, the
/// file it came from (name only) and the target user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    rule: String,
    event_id: String,
    file: String,
    target: String,
    message: String,
}

/// Runs the built-in rules (the seed and the pack, compiled in) over `paths`.
fn hunt(paths: Vec<PathBuf>) -> Vec<Hit> {
    let h = hunt_builtin(paths);
    let mut hits: Vec<Hit> = h
        .findings
        .iter()
        .map(|f| {
            let ev = &h.index.events[f.events[0]];
            let path = &h.index.files[ev.loc().file as usize].path;
            Hit {
                rule: f.rule_id.clone(),
                event_id: f.event_id.clone().unwrap_or_default(),
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                target: f.target_user.clone().unwrap_or_default(),
                message: f.risk_message.clone(),
            }
        })
        .collect();
    hits.sort();
    hits
}

fn of(hits: &[Hit], rule: &str) -> Vec<Hit> {
    hits.iter().filter(|h| h.rule == rule).cloned().collect()
}

fn ids(hits: &[Hit], rule: &str) -> Vec<String> {
    let mut v: Vec<String> = of(hits, rule).into_iter().map(|h| h.event_id).collect();
    v.sort();
    v
}

fn corpus() -> Vec<Hit> {
    hunt(pack_corpus())
}

/// Runs the pack over hand-written events (JSON Lines in a temp folder).
fn over(events: &[Value]) -> Vec<Hit> {
    let dir = tempfile::tempdir().unwrap();
    write_lines(dir.path(), "events.jsonl", events);
    hunt(vec![dir.path().to_path_buf()])
}

/// A successful CLI IAM call by IAM user `alice`.
fn iam(id: &str, name: &str, params: Value) -> Value {
    let mut e = base_event(id);
    set(&mut e, "eventName", Some(json!(name)));
    set(&mut e, "requestParameters", Some(params));
    set(&mut e, "responseElements", Some(Value::Null));
    e
}

fn with(mut e: Value, path: &str, v: Option<Value>) -> Value {
    set(&mut e, path, v);
    e
}

#[test]
fn the_pack_loads_whole_and_each_rule_is_pinned_to_its_event_names() {
    let config = Config::new(vec![]);
    let rules = config.rules().unwrap();
    assert!(rules.problems.is_empty(), "{:?}", rules.problems);
    assert!(
        !rules.notes.iter().any(|n| n.contains("skipped")),
        "no rule skipped: {:?}",
        rules.notes
    );
    // A correlation's steps are named rules it refers to; they give no
    // findings of their own, so they carry no annotations.
    let steps: Vec<&str> = rules
        .rules
        .iter()
        .filter_map(|r| r.sigma.as_ref()?.correlation.as_ref())
        .flat_map(|c| c.rules.iter().map(String::as_str))
        .collect();
    let is_step = |r: &trailhunt::rules::LoadedRule| {
        let s = r.sigma.as_ref().unwrap();
        s.sigma_name.as_deref().is_some_and(|n| steps.contains(&n))
    };
    let all: Vec<_> = rules.rules.iter().filter(|r| r.sigma.is_some()).collect();
    assert_eq!(all.iter().filter(|r| is_step(r)).count(), 10);
    let pack: Vec<_> = all.into_iter().filter(|r| !is_step(r)).collect::<Vec<_>>();
    assert_eq!(pack.len(), 18);
    for r in pack {
        let s = r.sigma.as_ref().unwrap();
        // Indexed by eventName: no rule of the pack sees every event (a
        // correlation reads its steps' matches, not events).
        assert!(s.event_names.is_some(), "{} is not pinned", r.rule.name);
        assert!(!r.rule.description.is_empty(), "{}", r.rule.name);
        assert!(!r.rule.references.is_empty(), "{}", r.rule.name);
        assert!(!r.rule.known_false_positives.is_empty(), "{}", r.rule.name);
        assert!(
            !r.rule.annotations.mitre_attack.is_empty(),
            "{} has no ATT&CK technique",
            r.rule.name
        );
        assert!(r.rule.message.contains('$'), "{}", r.rule.name);
        assert!(s.level.is_some(), "{}", r.rule.name);
    }
}

#[test]
fn update_login_profile_for_another_user_on_real_samples() {
    let hits = corpus();
    let got = of(&hits, UPDATE_LOGIN_PROFILE);
    // Stratus's detonation and Splunk's sample: a user resets another
    // user's password from the CLI.
    for (id, target) in [
        (
            "a46a1a42-9ef1-48d4-9c61-507eb6d4019f",
            "stratus-red-team-update-login-profile-user",
        ),
        ("033580e7-bbba-4b70-be63-7eeddb04b842", "AtomicRedTeam"),
    ] {
        assert!(
            got.iter().any(|h| h.event_id == id && h.target == target),
            "{id}: {got:#?}"
        );
    }
    // Panther's alice → alice is an assumed-role session named alice, not
    // the IAM user alice: a role changing a user's password is another
    // identity, so it stays a finding (documented in the rule).
    assert!(
        got.iter()
            .any(|h| h.file.starts_with("panther") && h.target == "alice"),
        "{got:#?}"
    );
    // Permiso's console session: three resets of 1_Petulla (the
    // projections carry no caller, so nothing shows it is the same user).
    assert_eq!(
        got.iter()
            .filter(|h| h.file.starts_with("permiso_session_e07a7754"))
            .count(),
        3
    );
    assert_eq!(got.len(), 2 + 3 + 3, "{got:#?}");
}

#[test]
fn update_login_profile_edges() {
    let other = iam("u1", "UpdateLoginProfile", json!({"userName": "bob"}));
    let own = iam("u2", "UpdateLoginProfile", json!({"userName": "alice"}));
    // Sigma compares case-insensitively by default: ALICE is alice.
    let own_cased = iam("u3", "UpdateLoginProfile", json!({"userName": "ALICE"}));
    let failed = with(
        iam("u4", "UpdateLoginProfile", json!({"userName": "bob"})),
        "errorCode",
        Some(json!("AccessDenied")),
    );
    let console = with(
        iam("u5", "UpdateLoginProfile", json!({"userName": "bob"})),
        "userAgent",
        Some(json!("console.amazonaws.com")),
    );
    // Root has no userName: resetting someone's password is a finding.
    let root = with(
        iam("u6", "UpdateLoginProfile", json!({"userName": "bob"})),
        "userIdentity",
        Some(json!({"type": "Root", "arn": "arn:aws:iam::111122223333:root"})),
    );
    // A user whose name only contains the target's is not the target
    // (Splunk's `match` is a regex search and would drop this one).
    let similar = iam("u7", "UpdateLoginProfile", json!({"userName": "ali"}));
    let wrong_source = with(
        iam("u8", "UpdateLoginProfile", json!({"userName": "bob"})),
        "eventSource",
        Some(json!("signin.amazonaws.com")),
    );
    let hits = over(&[
        other,
        own,
        own_cased,
        failed,
        console,
        root,
        similar,
        wrong_source,
    ]);
    assert_eq!(ids(&hits, UPDATE_LOGIN_PROFILE), ["u1", "u6", "u7"]);
    let m = &of(&hits, UPDATE_LOGIN_PROFILE)[0].message;
    assert_eq!(
        m,
        "arn:aws:iam::111122223333:user/alice changed the console password of bob from 203.0.113.66 (aws-cli/2.15.30 Python/3.11.8)"
    );
}

#[test]
fn create_login_profile_for_another_user_on_real_samples() {
    let hits = corpus();
    assert_eq!(
        ids(&hits, CREATE_LOGIN_PROFILE),
        [
            // Permiso's console session creating 1_Petulla's password.
            "632d626e-ed8f-4224-aabf-6c5ab0f459f9",
            // Stratus: christophe → stratus-red-team-login-profile-user.
            "d3906a7d-604b-407f-acb6-fc425742821e",
            // Splunk: bhavin_cli → AtomicRedTeam.
            "ffb76906-6dd1-4219-adfe-e26b92036a1e",
        ]
    );
}

#[test]
fn create_login_profile_edges() {
    let other = iam("c1", "CreateLoginProfile", json!({"userName": "bob"}));
    let own = iam("c2", "CreateLoginProfile", json!({"userName": "alice"}));
    let failed = with(
        iam("c3", "CreateLoginProfile", json!({"userName": "bob"})),
        "errorCode",
        Some(json!("EntityAlreadyExistsException")),
    );
    // Unlike UpdateLoginProfile, a console caller is not left out here.
    let console = with(
        iam("c4", "CreateLoginProfile", json!({"userName": "bob"})),
        "userAgent",
        Some(json!("console.amazonaws.com")),
    );
    let hits = over(&[other, own, failed, console]);
    assert_eq!(ids(&hits, CREATE_LOGIN_PROFILE), ["c1", "c4"]);
}

#[test]
fn set_default_policy_version_on_real_samples_and_edges() {
    let hits = corpus();
    assert_eq!(
        ids(&hits, SET_DEFAULT_POLICY_VERSION),
        ["742f6e55-4bc7-49e2-965f-56ffbc46a980"]
    );
    let p = json!({"policyArn": "arn:aws:iam::111122223333:policy/app", "versionId": "v2"});
    let ok = iam("s1", "SetDefaultPolicyVersion", p.clone());
    // A failed attempt is a finding too, as in Splunk's search.
    let denied = with(
        iam("s2", "SetDefaultPolicyVersion", p.clone()),
        "errorCode",
        Some(json!("AccessDenied")),
    );
    let other_call = iam("s3", "DeletePolicyVersion", p);
    let hits = over(&[ok, denied, other_call]);
    assert_eq!(ids(&hits, SET_DEFAULT_POLICY_VERSION), ["s1", "s2"]);
    assert_eq!(
        of(&hits, SET_DEFAULT_POLICY_VERSION)[0].message,
        "arn:aws:iam::111122223333:user/alice made version v2 the default of arn:aws:iam::111122223333:policy/app from 203.0.113.66"
    );
}

fn policy(id: &str, name: &str, doc: &str) -> Value {
    iam(
        id,
        name,
        json!({"policyArn": "arn:aws:iam::111122223333:policy/p", "policyName": "p",
               "policyDocument": doc, "setAsDefault": true}),
    )
}

#[test]
fn policy_allowing_all_on_real_samples() {
    let hits = corpus();
    // The only real CreatePolicyVersion (Splunk's sample, Rhino's
    // escalation) allows `iam:*` on `*`: a service wildcard, not every
    // action. Splunk's own search (`Action = "*"`) does not return it
    // either. No public sample holds a true positive; the edges below do.
    assert_eq!(ids(&hits, POLICY_ALLOWS_ALL), Vec::<String>::new());
}

#[test]
fn policy_allowing_all_edges() {
    let pretty = "{\n   \"Version\": \"2012-10-17\",\n   \"Statement\": [\n       {\n           \"Effect\": \"Allow\",\n           \"Action\": \"*\",\n           \"Resource\": \"*\"\n       }\n    ]\n }";
    let compact = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*"],"Resource":["*"]}]}"#;
    let in_list =
        r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","*"],"Resource":"*"}]}"#;
    let star_star = r#"{"Statement":{"Effect":"Allow","Action":"*:*","Resource":"*"}}"#;
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
    let encoded_plus = "%7B%22Statement%22%3A+%5B%7B%22Effect%22%3A+%22Allow%22%2C+%22Action%22%3A+%5B%22%2A%22%5D%2C+%22Resource%22%3A+%22%2A%22%7D%5D%7D";
    // Not all actions: a service wildcard, a named action, NotAction.
    let service = r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#;
    let named = r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}"#;
    let not_action = r#"{"Statement":[{"Effect":"Allow","NotAction":"*","Resource":"*"}]}"#;
    // All actions on one bucket only.
    let one_resource =
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*"}]}"#;
    let deny = r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
    // An encoded list that closes (%5D) before a "*" resource: the action
    // list must not run on into the resource.
    let encoded_named = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22s3%3AGetObject%22%5D%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
    let failed = with(
        policy("f1", "CreatePolicyVersion", pretty),
        "errorCode",
        Some(json!("LimitExceededException")),
    );
    let hits = over(&[
        policy("t1", "CreatePolicyVersion", pretty),
        policy("t2", "CreatePolicy", compact),
        policy("t3", "CreatePolicyVersion", in_list),
        policy("t4", "CreatePolicyVersion", star_star),
        policy("t5", "CreatePolicyVersion", encoded),
        policy("t6", "CreatePolicy", encoded_plus),
        policy("n1", "CreatePolicyVersion", service),
        policy("n2", "CreatePolicyVersion", named),
        policy("n3", "CreatePolicyVersion", not_action),
        policy("n4", "CreatePolicyVersion", one_resource),
        policy("n5", "CreatePolicyVersion", deny),
        policy("n6", "CreatePolicyVersion", encoded_named),
        // An inline policy is another call (PutUserPolicy), not this rule's.
        policy("n7", "PutUserPolicy", compact),
        failed,
    ]);
    assert_eq!(
        ids(&hits, POLICY_ALLOWS_ALL),
        ["t1", "t2", "t3", "t4", "t5", "t6"]
    );
}

#[test]
fn policy_allowing_all_documented_limit_statements_are_not_paired() {
    // "*" actions on one bucket plus reading anything: no statement grants
    // everything, yet the three checks hold across statements. The rule's
    // description says so; this test keeps that description true.
    let split = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let hits = over(&[policy("x1", "CreatePolicyVersion", split)]);
    assert_eq!(ids(&hits, POLICY_ALLOWS_ALL), ["x1"]);
}

#[test]
fn group_deletion_on_real_samples() {
    let hits = corpus();
    // Splunk's sample: bhavin_cli deleting a group that does not exist.
    assert_eq!(
        ids(&hits, DELETE_GROUP_FAILED),
        ["ab65dca3-3d28-41f4-9f99-443606cc49fe"]
    );
    // No public sample holds a successful DeleteGroup (the corpus has one
    // DeleteGroup event, the failed one above); the edges below cover it.
    assert_eq!(ids(&hits, DELETE_GROUP), Vec::<String>::new());
}

#[test]
fn group_deletion_edges() {
    let g = json!({"groupName": "admins"});
    let ok = iam("g1", "DeleteGroup", g.clone());
    let by_service = with(
        iam("g2", "DeleteGroup", g.clone()),
        "userAgent",
        Some(json!("cloudformation.amazonaws.com")),
    );
    let conflict = with(
        iam("g3", "DeleteGroup", g.clone()),
        "errorCode",
        Some(json!("DeleteConflictException")),
    );
    let denied = with(
        iam("g4", "DeleteGroup", g.clone()),
        "errorCode",
        Some(json!("AccessDenied")),
    );
    // A failure the story does not count (throttling) is neither.
    let throttled = with(
        iam("g5", "DeleteGroup", g.clone()),
        "errorCode",
        Some(json!("ThrottlingException")),
    );
    let denied_service = with(
        with(
            iam("g6", "DeleteGroup", g.clone()),
            "errorCode",
            Some(json!("AccessDenied")),
        ),
        "userAgent",
        Some(json!("cloudformation.amazonaws.com")),
    );
    let other_call = iam("g7", "DeleteGroupPolicy", g);
    let hits = over(&[
        ok,
        by_service,
        conflict,
        denied,
        throttled,
        denied_service,
        other_call,
    ]);
    assert_eq!(ids(&hits, DELETE_GROUP), ["g1"]);
    assert_eq!(ids(&hits, DELETE_GROUP_FAILED), ["g3", "g4"]);
    assert_eq!(
        of(&hits, DELETE_GROUP_FAILED)[1].message,
        "arn:aws:iam::111122223333:user/alice failed to delete IAM group admins (AccessDenied) from 203.0.113.66"
    );
}

#[test]
fn admin_policy_attached_on_real_samples() {
    let hits = corpus();
    let got = of(&hits, ATTACH_ADMIN);
    let mut seen: Vec<(String, String)> = got
        .iter()
        .map(|h| (h.file.clone(), h.event_id.clone()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            // Stratus: AdministratorAccess on the new user and on the
            // backdoor role.
            (
                "aws.persistence.iam-create-admin-user.json".to_string(),
                "083dc4ad-e264-46bc-a407-d0dd31b58bdc".to_string()
            ),
            (
                "aws.persistence.iam-create-backdoor-role.json".to_string(),
                "39480357-0a1d-4531-a3f2-71be4c041c25".to_string()
            ),
            // Panther's rule tests: one role, one user (the same user
            // test repeated in the same file is one event, one finding).
            (
                "panther_cloudtrail_rule_tests.iam_lines.ndjson".to_string(),
                "1".to_string()
            ),
            (
                "panther_cloudtrail_rule_tests.iam_lines.ndjson".to_string(),
                "1".to_string()
            ),
        ]
    );
    // Not admin: ReadOnlyAccess, EC2/S3 full access (Panther's root
    // scenario), IAMUserChangePassword (Permiso), example-policy.
    assert!(
        got.iter()
            .all(|h| h.message.contains("AdministratorAccess"))
    );
    assert!(
        got.iter().any(|h| h.message.contains("role new-role")),
        "{got:#?}"
    );
}

#[test]
fn admin_policy_attached_edges() {
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    let hits = over(&[
        iam(
            "a1",
            "AttachUserPolicy",
            json!({"userName": "bob", "policyArn": admin}),
        ),
        iam(
            "a2",
            "AttachRolePolicy",
            json!({"roleName": "r", "policyArn": admin}),
        ),
        iam(
            "a3",
            "AttachGroupPolicy",
            json!({"groupName": "g", "policyArn": admin}),
        ),
        // GovCloud partition.
        iam(
            "a4",
            "AttachUserPolicy",
            json!({"userName": "bob", "policyArn": "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"}),
        ),
        // A customer policy that only borrows the name is not AWS's.
        iam(
            "n1",
            "AttachUserPolicy",
            json!({"userName": "bob", "policyArn": "arn:aws:iam::111122223333:policy/AdministratorAccess"}),
        ),
        iam(
            "n2",
            "AttachUserPolicy",
            json!({"userName": "bob", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess-Amplify"}),
        ),
        iam(
            "n3",
            "DetachUserPolicy",
            json!({"userName": "bob", "policyArn": admin}),
        ),
        with(
            iam(
                "n4",
                "AttachRolePolicy",
                json!({"roleName": "r", "policyArn": admin}),
            ),
            "errorCode",
            Some(json!("AccessDenied")),
        ),
    ]);
    assert_eq!(ids(&hits, ATTACH_ADMIN), ["a1", "a2", "a3", "a4"]);
    assert_eq!(
        of(&hits, ATTACH_ADMIN)[1].message,
        "arn:aws:iam::111122223333:user/alice attached AdministratorAccess with AttachRolePolicy (user (none), role r, group (none)) from 203.0.113.66"
    );
}

#[test]
fn create_user_on_real_samples_and_edges() {
    let hits = corpus();
    let got = of(&hits, CREATE_USER);
    let mut targets: Vec<&str> = got.iter().map(|h| h.target.as_str()).collect();
    targets.sort();
    // AWS docs (Alice → Bob), Stratus, Panther's root scenario and
    // Panther's rule tests (new-user, and `user` four times under
    // different timestamps); the EntityAlreadyExists attempt is not one.
    assert_eq!(
        targets,
        [
            "Bob",
            "malicious-iam-user",
            "new-user",
            "tracy_stone",
            "user",
            "user",
            "user",
            "user"
        ]
    );
    let hits = over(&[
        iam("cu1", "CreateUser", json!({"userName": "backdoor"})),
        with(
            iam("cu2", "CreateUser", json!({"userName": "backdoor"})),
            "errorCode",
            Some(json!("EntityAlreadyExists")),
        ),
        iam("cu3", "CreateGroup", json!({"groupName": "g"})),
    ]);
    assert_eq!(ids(&hits, CREATE_USER), ["cu1"]);
}

#[test]
fn iam_discovery_denied_on_real_samples() {
    let hits = corpus();
    let got = of(&hits, DISCOVERY_DENIED);
    // Panther's rule tests: user `tester` denied GetRole twice. Its denied
    // CreateServiceLinkedRole calls are writes, not discovery.
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got.iter().all(|h| {
        h.message
            .starts_with("arn:aws:iam::123456789012:user/tester was denied GetRole")
    }));
}

#[test]
fn iam_discovery_denied_edges() {
    let hits = over(&[
        with(
            iam("d1", "ListUsers", Value::Null),
            "errorCode",
            Some(json!("AccessDenied")),
        ),
        with(
            iam("d2", "GetAccountAuthorizationDetails", Value::Null),
            "errorCode",
            Some(json!("AccessDenied")),
        ),
        // Allowed reads are not findings.
        iam("n1", "ListUsers", Value::Null),
        // Denied, but a write.
        with(
            iam("n2", "CreateUser", json!({"userName": "x"})),
            "errorCode",
            Some(json!("AccessDenied")),
        ),
        // A List call of another service.
        with(
            with(
                iam("n3", "ListBuckets", Value::Null),
                "eventSource",
                Some(json!("s3.amazonaws.com")),
            ),
            "errorCode",
            Some(json!("AccessDenied")),
        ),
        // Throttled, not denied.
        with(
            iam("n4", "ListRoles", Value::Null),
            "errorCode",
            Some(json!("Throttling")),
        ),
    ]);
    assert_eq!(ids(&hits, DISCOVERY_DENIED), ["d1", "d2"]);
}

#[test]
fn trust_policy_malformed_has_no_public_sample_and_its_edges() {
    // No public sample in the corpus carries MalformedPolicyDocumentException.
    assert_eq!(ids(&corpus(), TRUST_POLICY_MALFORMED), Vec::<String>::new());
    let doc = json!({"roleName": "r", "policyDocument": "{}"});
    let hits = over(&[
        with(
            iam("m1", "UpdateAssumeRolePolicy", doc.clone()),
            "errorCode",
            Some(json!("MalformedPolicyDocumentException")),
        ),
        with(
            iam("m2", "CreateRole", doc.clone()),
            "errorCode",
            Some(json!("MalformedPolicyDocumentException")),
        ),
        // Accepted.
        iam("n1", "UpdateAssumeRolePolicy", doc.clone()),
        // A malformed identity policy is not a trust policy.
        with(
            iam("n2", "CreatePolicyVersion", doc.clone()),
            "errorCode",
            Some(json!("MalformedPolicyDocumentException")),
        ),
        // AWS's own services.
        with(
            with(
                iam("n3", "UpdateAssumeRolePolicy", doc),
                "errorCode",
                Some(json!("MalformedPolicyDocumentException")),
            ),
            "userAgent",
            Some(json!("cloudformation.amazonaws.com")),
        ),
    ]);
    assert_eq!(ids(&hits, TRUST_POLICY_MALFORMED), ["m1", "m2"]);
}

#[test]
fn every_file_of_the_pack_folder_is_compiled_in() {
    let mut on_disk: Vec<String> = std::fs::read_dir(pack())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    let mut built_in: Vec<String> = trailhunt::rules::PACK
        .iter()
        .map(|(p, _)| p.rsplit('/').next().unwrap().to_string())
        .collect();
    built_in.sort();
    assert_eq!(built_in, on_disk);
    for (p, text) in trailhunt::rules::PACK {
        let on_disk = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(p));
        assert_eq!(&on_disk.unwrap(), text, "{p}");
    }
}

#[test]
fn the_pack_runs_by_default_and_no_pack_leaves_the_seed_alone() {
    let mut config = Config::new(vec![fixtures().join("corpus")]);
    config.cache = false;
    let by_default = Hunt::run(&config, config.rules().unwrap(), &mut |_| {});
    assert!(
        by_default.rules.problems.is_empty(),
        "{:?}",
        by_default.rules.problems
    );
    assert!(
        by_default
            .findings
            .iter()
            .any(|f| f.rule_id == ATTACH_ADMIN)
    );
    assert!(
        by_default
            .rules
            .rules
            .iter()
            .any(|r| r.source == "built-in (assets/rules/aws-iam-privesc/attach_admin_policy.yml)")
    );
    config.no_pack = true;
    let seed = Hunt::run(&config, config.rules().unwrap(), &mut |_| {});
    assert_eq!(seed.rules.rules.len(), 1);
    assert!(!seed.findings.is_empty());
    assert!(
        seed.findings
            .iter()
            .all(|f| f.semantics != Semantics::Sigma)
    );
}

#[test]
fn a_rules_folder_overrides_a_built_in_pack_rule_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(pack().join("attach_admin_policy.yml")).unwrap();
    assert!(text.contains("risk_score: 80"));
    std::fs::write(
        dir.path().join("mine.yml"),
        text.replace("risk_score: 80", "risk_score: 5"),
    )
    .unwrap();
    let mut config = Config::new(vec![fixtures().join("corpus")]);
    config.cache = false;
    let before = config.rules().unwrap().rules.len();
    config.rule_dirs = vec![dir.path().to_path_buf()];
    let rules = config.rules().unwrap();
    assert_eq!(rules.rules.len(), before, "replaced, not added");
    let h = Hunt::run(&config, rules, &mut |_| {});
    let admin: Vec<_> = h
        .findings
        .iter()
        .filter(|f| f.rule_id == ATTACH_ADMIN)
        .collect();
    assert!(!admin.is_empty());
    assert!(admin.iter().all(|f| f.risk_score == 5.0));
}

#[test]
fn pack_findings_are_sigma_and_the_seed_is_unchanged() {
    let dir = fixtures().join("corpus");
    let mut config = Config::new(vec![dir.clone()]);
    config.cache = false;
    config.no_pack = true;
    let seed_only = Hunt::run(&config, config.rules().unwrap(), &mut |_| {});
    config.no_pack = false;
    let with_pack = Hunt::run(&config, config.rules().unwrap(), &mut |_| {});
    let seed = |h: &Hunt| -> Vec<Option<String>> {
        let mut v: Vec<_> = h
            .findings
            .iter()
            .filter(|f| f.semantics != Semantics::Sigma)
            .map(|f| f.event_id.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(seed(&seed_only), seed(&with_pack));
    assert!(with_pack.findings.iter().any(|f| f.rule_id == ATTACH_ADMIN));
    for f in with_pack
        .findings
        .iter()
        .filter(|f| f.rule_id == ATTACH_ADMIN)
    {
        assert_eq!(f.semantics, Semantics::Sigma);
        assert_eq!(f.risk_score, 80.0);
    }
}
