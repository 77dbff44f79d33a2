//! The index cache: a reopen reads only new or changed files, and a
//! damaged, truncated or stale cache is detected and rebuilt — it can cost
//! time, never a wrong answer.

mod common;

use common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use trailhunt::event::Index;
use trailhunt::loader::{CacheMode, LoadOptions, load};
use trailhunt::rules::{RuleSet, Semantics};

fn opts(cache: &Path) -> LoadOptions {
    LoadOptions {
        keep_raw: RuleSet::builtin().keep_raw(),
        cache: CacheMode::At(cache.to_path_buf()),
        ..LoadOptions::default()
    }
}

fn tree(dir: &Path) {
    for i in 0..5 {
        let events: Vec<_> = (0..20)
            .map(|j| {
                let mut e = base_event(&format!("f{i}-e{j}"));
                set(
                    &mut e,
                    "eventName",
                    Some(json!(if j == 0 {
                        "CreateAccessKey"
                    } else {
                        "ListBuckets"
                    })),
                );
                e
            })
            .collect();
        std::fs::write(
            dir.join(format!("f{i}.json.gz")),
            gzip(json!({"Records": events}).to_string().as_bytes()),
        )
        .unwrap();
    }
    std::fs::write(dir.join("bad.jsonl"), "{\"eventID\":\n").unwrap();
}

type EventView = (String, Option<i64>, String, String, u64, u32);

/// What a user sees: every event's id, time, name and place, the errors and
/// the findings.
fn view(index: &Index) -> (Vec<EventView>, Vec<String>, Vec<String>) {
    let events = index
        .events
        .iter()
        .map(|e| {
            (
                index.event_id(e).unwrap_or_default(),
                e.time(),
                index.str(e.name).unwrap_or_default().to_string(),
                index.files[e.loc().file as usize]
                    .path
                    .display()
                    .to_string(),
                e.loc().offset,
                index.copies(e),
            )
        })
        .collect();
    let errors = index.errors.iter().map(|e| e.to_string()).collect();
    let findings = RuleSet::builtin()
        .run(index, Semantics::Strict)
        .findings
        .into_iter()
        .map(|f| format!("{} {:?} {}", f.key, f.target_user, f.risk_message))
        .collect();
    (events, errors, findings)
}

fn fresh(dir: &Path) -> Index {
    let o = LoadOptions {
        keep_raw: RuleSet::builtin().keep_raw(),
        ..LoadOptions::default()
    };
    load(&[dir.to_path_buf()], &o, &mut |_| {})
}

fn cached(dir: &Path, cache: &Path) -> Index {
    load(&[dir.to_path_buf()], &opts(cache), &mut |_| {})
}

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let logs = t.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    tree(&logs);
    let cache = t.path().join("cache/index.bin");
    (t, logs, cache)
}

#[test]
fn a_reopen_reads_nothing_and_sees_the_same() {
    let (_t, logs, cache) = setup();
    let first = cached(&logs, &cache);
    assert_eq!(first.stats.cached_files, 0);
    assert!(cache.exists());
    let again = cached(&logs, &cache);
    assert_eq!(
        again.stats.cached_files, 6,
        "every file, the broken one too, comes from the cache"
    );
    assert_eq!(view(&again), view(&first));
    assert_eq!(view(&again), view(&fresh(&logs)));
    // The raw event of a finding is still there.
    let f = &RuleSet::builtin().run(&again, Semantics::Strict).findings[0];
    assert!(
        again
            .raw(&again.events[f.events[0]])
            .unwrap()
            .contains("CreateAccessKey")
    );
}

#[test]
fn a_new_or_changed_file_is_read_and_the_rest_kept() {
    let (_t, logs, cache) = setup();
    cached(&logs, &cache);
    write_lines(&logs, "new.jsonl", &[base_event("brand-new")]);
    // Rewrite f0 with different content; the mtime moves on.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(
        logs.join("f0.json.gz"),
        gzip(
            json!({"Records": [base_event("f0-rewritten")]})
                .to_string()
                .as_bytes(),
        ),
    )
    .unwrap();
    let again = cached(&logs, &cache);
    assert_eq!(again.stats.cached_files, 5, "f1..f4 and bad.jsonl");
    assert_eq!(view(&again), view(&fresh(&logs)));
    let ids = again
        .events
        .iter()
        .filter_map(|e| again.event_id(e))
        .collect::<Vec<String>>();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert!(ids.contains(&"brand-new") && ids.contains(&"f0-rewritten") && !ids.contains(&"f0-e1"));
}

#[test]
fn a_deleted_file_takes_its_events_and_errors_with_it() {
    let (_t, logs, cache) = setup();
    cached(&logs, &cache);
    std::fs::remove_file(logs.join("f1.json.gz")).unwrap();
    std::fs::remove_file(logs.join("bad.jsonl")).unwrap();
    let again = cached(&logs, &cache);
    assert_eq!(view(&again), view(&fresh(&logs)));
    assert!(again.errors.is_empty());
}

#[test]
fn a_damaged_cache_is_detected_and_rebuilt() {
    let (_t, logs, cache) = setup();
    let want = view(&cached(&logs, &cache));
    let good = std::fs::read(&cache).unwrap();
    // Flip one byte in the body, then cut the file short, then write junk.
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    for bad in [
        flipped,
        good[..good.len() / 3].to_vec(),
        b"not a cache at all".to_vec(),
        Vec::new(),
    ] {
        std::fs::write(&cache, &bad).unwrap();
        let again = cached(&logs, &cache);
        assert_eq!(
            again.stats.cached_files, 0,
            "nothing taken from a damaged cache"
        );
        assert_eq!(view(&again), want);
        assert!(
            again.notes.iter().any(|n| n.contains("not used")),
            "{:?}",
            again.notes
        );
        // And it was rebuilt.
        assert_eq!(cached(&logs, &cache).stats.cached_files, 6);
    }
}

#[test]
fn other_options_do_not_reuse_the_cache() {
    let (_t, logs, cache) = setup();
    cached(&logs, &cache);
    let mut o = opts(&cache);
    o.max_depth = 3;
    let other = load(std::slice::from_ref(&logs), &o, &mut |_| {});
    assert_eq!(other.stats.cached_files, 0);
}

#[test]
fn no_cache_writes_nothing_and_the_default_cache_serves_scan() {
    let (t, logs, _) = setup();
    let dir = t.path().join("xdg-cache");
    let run = |extra: &[&str]| {
        assert_cmd::Command::cargo_bin("trailhunt")
            .unwrap()
            .env("TRAILHUNT_CACHE_DIR", &dir)
            .env("TRAILHUNT_DATA_DIR", t.path().join("data"))
            .arg("scan")
            .args(extra)
            .arg(&logs)
            .output()
            .unwrap()
    };
    let out = run(&["--no-cache"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.exists(), "--no-cache writes no cache");
    let first = run(&[]);
    assert!(dir.exists());
    let second = run(&[]);
    assert_eq!(first.stdout, second.stdout);
    assert!(String::from_utf8_lossy(&second.stderr).contains("6 from the index cache"));
}

/// Rewrites `name` in place (same inode, same size), replacing `from` with
/// `to`, then sets its modification time back, as `sed -i …; touch -d` can.
fn edit_keeping_size_and_mtime(dir: &Path, name: &str, from: &str, to: &str) {
    use std::io::{Seek, Write};
    assert_eq!(from.len(), to.len());
    let path = dir.join(name);
    let old = std::fs::metadata(&path).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&path).unwrap().replace(from, to);
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(std::io::SeekFrom::Start(0)).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f.set_modified(old).unwrap();
    drop(f);
    let now = std::fs::metadata(&path).unwrap();
    assert_eq!(now.modified().unwrap(), old, "mtime set back");
    assert_eq!(now.len() as usize, text.len(), "size kept");
}

fn one_key_event(dir: &Path, name: &str, event_name: &str) {
    let mut e = base_event("edited-1");
    set(&mut e, "eventName", Some(json!(event_name)));
    write_lines(dir, name, &[e]);
}

fn finding_names(index: &Index) -> Vec<String> {
    view(index).2
}

#[test]
fn an_edit_keeping_size_and_mtime_removes_the_cached_finding() {
    let (_t, logs, cache) = setup();
    one_key_event(&logs, "edit.jsonl", "CreateAccessKey");
    let first = cached(&logs, &cache);
    let before = finding_names(&first).len();
    edit_keeping_size_and_mtime(&logs, "edit.jsonl", "CreateAccessKey", "DeleteAccessKey");
    let again = cached(&logs, &cache);
    assert_eq!(
        finding_names(&again).len(),
        before - 1,
        "the edited finding is gone"
    );
    assert_eq!(view(&again), view(&fresh(&logs)));
}

#[test]
fn an_edit_keeping_size_and_mtime_shows_a_new_finding() {
    let (_t, logs, cache) = setup();
    one_key_event(&logs, "edit.jsonl", "DeleteAccessKey");
    let before = finding_names(&cached(&logs, &cache)).len();
    edit_keeping_size_and_mtime(&logs, "edit.jsonl", "DeleteAccessKey", "CreateAccessKey");
    let again = cached(&logs, &cache);
    assert_eq!(
        finding_names(&again).len(),
        before + 1,
        "the new finding shows"
    );
    assert_eq!(view(&again), view(&fresh(&logs)));
}

#[test]
fn a_file_replaced_by_rename_is_read_again() {
    let (t, logs, cache) = setup();
    one_key_event(&logs, "edit.jsonl", "CreateAccessKey");
    let old = std::fs::metadata(logs.join("edit.jsonl"))
        .unwrap()
        .modified()
        .unwrap();
    let before = finding_names(&cached(&logs, &cache)).len();
    // Same size and mtime, new inode (`mv` over it).
    one_key_event(t.path(), "other.jsonl", "DeleteAccessKey");
    let f = std::fs::File::options()
        .write(true)
        .open(t.path().join("other.jsonl"))
        .unwrap();
    f.set_modified(old).unwrap();
    drop(f);
    std::fs::rename(t.path().join("other.jsonl"), logs.join("edit.jsonl")).unwrap();
    let again = cached(&logs, &cache);
    assert_eq!(finding_names(&again).len(), before - 1);
    assert_eq!(view(&again), view(&fresh(&logs)));
}

#[test]
fn a_padded_cache_is_refused_by_its_header_without_reading_the_body() {
    let (_t, logs, cache) = setup();
    let want = view(&cached(&logs, &cache));
    // A sparse tail: costs no disk, but would cost memory if read.
    let len = std::fs::metadata(&cache).unwrap().len();
    let f = std::fs::File::options().write(true).open(&cache).unwrap();
    f.set_len(len + (256 << 20)).unwrap();
    drop(f);
    let again = cached(&logs, &cache);
    assert_eq!(again.stats.cached_files, 0);
    assert_eq!(view(&again), want);
    assert!(
        again.notes.iter().any(|n| n.contains("header declares")),
        "{:?}",
        again.notes
    );
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_cached_and_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let (_t, logs, cache) = setup();
    let name = std::ffi::OsStr::from_bytes(b"bad\xff.jsonl");
    std::fs::write(logs.join(name), "{\"eventID\":\n").unwrap();
    let first = cached(&logs, &cache);
    assert!(first.notes.is_empty(), "{:?}", first.notes);
    let again = cached(&logs, &cache);
    assert_eq!(again.stats.cached_files, 7, "the odd name is cached too");
    assert_eq!(view(&again), view(&fresh(&logs)));
    let shown: Vec<String> = again.errors.iter().map(|e| e.to_string()).collect();
    assert!(
        shown.iter().any(|e| e.contains("bad\\xff.jsonl")),
        "{shown:?}"
    );
}
