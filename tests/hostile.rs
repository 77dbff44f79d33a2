//! The hostile corpus (tests/hostile, see its README): every problem is
//! reported with its file, nothing crashes or hangs, and every good event in
//! the same tree is still found.

mod common;

use std::path::Path;
use trailhunt::loader::{LoadOptions, load};
use trailhunt::rules::{RuleSet, Semantics};

fn hostile() -> trailhunt::event::Index {
    let rules = RuleSet::builtin();
    let opts = LoadOptions {
        keep_raw: rules.keep_raw(),
        max_event_bytes: 64 << 10,
        ..LoadOptions::default()
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    load(&[dir], &opts, &mut |_| {})
}

fn errors(index: &trailhunt::event::Index, file: &str) -> Vec<String> {
    index
        .errors
        .iter()
        .filter(|e| e.path.file_name().is_some_and(|n| n == file))
        .map(|e| e.message.clone())
        .collect()
}

#[test]
fn every_problem_is_reported_and_every_good_event_found() {
    let index = hostile();
    let ids: Vec<String> = index
        .events
        .iter()
        .filter_map(|e| index.event_id(e))
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    for want in [
        "good-1", "good-2", "deep-ok", "huge-ok", "types-1", "utf8-1", "escape-1", "trunc-0",
    ] {
        assert!(ids.contains(&want), "{want} missing; have {ids:?}");
    }
    for absent in ["deep-1", "huge-1"] {
        assert!(!ids.contains(&absent), "{absent} should be skipped");
    }
    let has = |file: &str, text: &str| {
        let e = errors(&index, file);
        assert!(
            e.iter().any(|m| m.contains(text)),
            "{file}: want {text:?} in {e:?}"
        );
    };
    has("truncated.jsonl.gz", "truncated gzip");
    has("bomb.json.gz", "decompression bomb");
    has("deep.jsonl", "nested deeper than 64 levels");
    has("binary.json", "not JSON");
    has("huge.jsonl", "over the 65536 byte cap");
    has("types.jsonl", "eventName is a number");
    has("types.jsonl", "userIdentity is a string");
    has("types.jsonl", "awsRegion is a list");
    has("records-not-list.json", "not a list");
    has("invalid-utf8.jsonl", "invalid UTF-8");
    assert!(
        index
            .errors
            .iter()
            .any(|e| e.message.contains("symbolic link loop")),
        "{:?}",
        index.errors
    );
    // The digest is skipped, not an error.
    assert!(
        index
            .skipped
            .iter()
            .any(|(p, why)| p.to_string_lossy().contains("CloudTrail-Digest")
                && *why == "CloudTrail digest file")
    );
    assert!(
        !index
            .errors
            .iter()
            .any(|e| e.path.to_string_lossy().contains("Digest"))
    );
}

#[test]
fn invalid_utf8_is_kept_with_the_bytes_shown() {
    let index = hostile();
    let ev = index
        .events
        .iter()
        .find(|e| index.event_id(e).as_deref() == Some("utf8-1"))
        .unwrap();
    assert_eq!(index.str(ev.user_agent), Some("agent\\x9f\\xff"));
    // Re-reading the raw event gives the same repaired text.
    let raw = index.raw_at(&ev.loc()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["userAgent"], "agent\\x9f\\xff");
}

#[test]
fn escape_sequences_are_findings_and_never_printed_raw() {
    let index = hostile();
    let out = RuleSet::builtin().run(&index, Semantics::Strict);
    let f = out
        .findings
        .iter()
        .find(|f| f.event_id.as_deref() == Some("escape-1"))
        .unwrap();
    assert!(
        f.user_agent.as_deref().unwrap().contains('\u{1b}'),
        "the model keeps the exact value"
    );
    let mut table = Vec::new();
    trailhunt::report::write(
        &mut table,
        trailhunt::report::Format::Table,
        &out.findings,
        &index,
        &RuleSet::builtin(),
        Semantics::Strict,
    )
    .unwrap();
    let table = String::from_utf8(table).unwrap();
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(!table.contains(bad), "{bad:?} reached the table");
    }
}
