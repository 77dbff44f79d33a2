//! What the loader keeps of the raw JSON for the built-in rules: the
//! candidates of every rule and nothing else. Memory, not findings, depends
//! on it: with the files gone after the load, the rules still find the same
//! as a load that kept every event of the rules' names, and the same as one
//! that kept nothing and re-read everything.

mod common;

use common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use trailhunt::event::{Index, KeepRaw};
use trailhunt::loader::{LoadOptions, load};
use trailhunt::rules::{RuleSet, Semantics};

fn load_with(paths: &[PathBuf], keep_raw: KeepRaw) -> Index {
    let opts = LoadOptions {
        keep_raw,
        ..LoadOptions::default()
    };
    load(paths, &opts, &mut |_| {})
}

/// (rule, first event's file name and line) of every finding, sorted.
fn hits(index: &Index, rules: &RuleSet, semantics: Semantics) -> Vec<(String, String, u32)> {
    let out = rules.run(index, semantics);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let mut v: Vec<_> = out
        .findings
        .iter()
        .map(|f| {
            let loc = index.events[f.events[0]].loc();
            let file = index.files[loc.file as usize].path.file_name().unwrap();
            (
                f.rule_id.clone(),
                file.to_string_lossy().into_owned(),
                loc.line,
            )
        })
        .collect();
    v.sort();
    v
}

fn kept(index: &Index) -> usize {
    index
        .events
        .iter()
        .filter(|e| index.has_kept_raw(e))
        .count()
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

#[test]
fn only_the_rules_candidates_are_kept_and_nothing_else_is_needed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    let logs = work.path().join("logs");
    for (src, name) in [
        (root.join("demo-logs"), "demo"),
        (fixtures().join("corpus"), "corpus"),
        (fixtures().join("iam_pack/corpus"), "iam_pack"),
    ] {
        copy_tree(&src, &logs.join(name));
    }
    let rules = RuleSet::builtin_with_pack();
    let paths = [logs.clone()];
    let narrowed = load_with(&paths, rules.keep_raw());
    let by_name = load_with(&paths, KeepRaw::names(rules.event_names()));
    let nothing = load_with(&paths, KeepRaw::default());
    assert_eq!(kept(&nothing), 0);
    // The demo logs hold IAM reads signed with session keys and no error:
    // events of the pack's names that no rule of it can match.
    assert!(
        0 < kept(&narrowed) && kept(&narrowed) < kept(&by_name),
        "narrowed {} of {} kept by name",
        kept(&narrowed),
        kept(&by_name)
    );
    for (a, b) in narrowed.events.iter().zip(&by_name.events) {
        assert_eq!(a.loc(), b.loc());
        assert!(!narrowed.has_kept_raw(a) || by_name.has_kept_raw(b));
    }
    for semantics in [Semantics::Strict, Semantics::Splunk] {
        let reread = hits(&nothing, &rules, semantics);
        assert!(
            reread.iter().any(|h| h.0 != "aws_createaccesskey"),
            "the pack finds something here: {reread:?}"
        );
        // With the files gone, only what was kept can be evaluated.
        let gone = work.path().join("gone");
        std::fs::rename(&logs, &gone).unwrap();
        let from_memory = hits(&narrowed, &rules, semantics);
        let from_names = hits(&by_name, &rules, semantics);
        std::fs::rename(&gone, &logs).unwrap();
        assert_eq!(from_memory, reread, "{semantics:?}");
        assert_eq!(from_names, reread, "{semantics:?}");
    }
}

#[test]
fn an_event_is_kept_when_its_indexed_fields_can_meet_a_rule() {
    let event = |id: &str, name: &str, key: &str, error: Option<&str>| {
        let mut e = base_event(id);
        e["eventName"] = json!(name);
        e["eventSource"] = json!("iam.amazonaws.com");
        e["userIdentity"]["accessKeyId"] = json!(key);
        if let Some(code) = error {
            e["errorCode"] = json!(code);
        }
        e
    };
    let records = vec![
        // The seed's event: every CreateAccessKey.
        event("create", "CreateAccessKey", "ASIAOLD", None),
        // An IAM read the pack's discovery rule wants only when denied, and
        // its new-key rule only when signed with a long-term key.
        event("read-session", "GetUser", "ASIASESSION", None),
        event("read-longterm", "GetUser", "AKIALONGTERM", None),
        event(
            "read-denied",
            "GetUser",
            "ASIASESSION",
            Some("AccessDenied"),
        ),
        // No rule names it.
        event("other", "ListBuckets", "AKIALONGTERM", None),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trail.json");
    std::fs::write(&path, json!({ "Records": records }).to_string()).unwrap();
    let rules = RuleSet::builtin_with_pack();
    let index = load_with(&[path], rules.keep_raw());
    let mut kept: Vec<String> = index
        .events
        .iter()
        .filter(|e| index.has_kept_raw(e))
        .map(|e| index.event_id(e).unwrap_or_default())
        .collect();
    kept.sort();
    assert_eq!(kept, ["create", "read-denied", "read-longterm"]);
}
