//! Follow mode: new files are indexed as they appear, partially written
//! files are retried rather than reported as corrupt, and `scan --follow`
//! prints new findings as NDJSON lines.

mod common;

use common::*;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::{Duration, Instant};
use trailhunt::event::Index;
use trailhunt::loader::follow::Follow;
use trailhunt::loader::{LoadOptions, load};
use trailhunt::rules::RuleSet;

fn opts() -> LoadOptions {
    LoadOptions {
        keep_raw: RuleSet::builtin().keep_raw(),
        ..LoadOptions::default()
    }
}

fn ids(index: &Index) -> Vec<String> {
    index
        .events
        .iter()
        .filter_map(|e| index.event_id(e))
        .collect()
}

/// Polls until `done` holds or 10 s pass.
fn follow_until(f: &mut Follow, index: &mut Index, done: impl Fn(&Index) -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let ready = f.poll(Duration::from_millis(100));
        f.apply(index, &ready, &opts());
        if done(index) {
            return true;
        }
    }
    false
}

fn records(events: &[serde_json::Value]) -> Vec<u8> {
    gzip(json!({ "Records": events }).to_string().as_bytes())
}

#[test]
fn a_new_file_is_indexed_when_it_appears() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir.path().join("AWSLogs/1/CloudTrail/us-east-1/2026/11/02");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(day.join("a.json.gz"), records(&[base_event("old")])).unwrap();
    let mut f = Follow::new(&[dir.path().to_path_buf()]).unwrap();
    f.settle = Duration::from_millis(200);
    let mut index = load(&[dir.path().to_path_buf()], &opts(), &mut |_| {});
    assert_eq!(ids(&index), ["old"]);
    // A new day folder and file, as CloudTrail delivers them.
    let next = dir.path().join("AWSLogs/1/CloudTrail/us-east-1/2026/11/03");
    std::fs::create_dir_all(&next).unwrap();
    std::fs::write(next.join("b.json.gz"), records(&[base_event("new")])).unwrap();
    assert!(
        follow_until(&mut f, &mut index, |i| ids(i).contains(&"new".to_string())),
        "{:?}",
        ids(&index)
    );
    assert_eq!(index.files.len(), 2);
    assert!(index.errors.is_empty());
}

#[test]
fn a_partially_written_file_is_retried_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = Follow::new(&[dir.path().to_path_buf()]).unwrap();
    f.settle = Duration::from_millis(200);
    let mut index = load(&[dir.path().to_path_buf()], &opts(), &mut |_| {});
    let full = records(
        &(0..50)
            .map(|i| base_event(&format!("p{i}")))
            .collect::<Vec<_>>(),
    );
    let path = dir.path().join("partial.json.gz");
    std::fs::write(&path, &full[..full.len() / 2]).unwrap();
    // Let it settle and be read half-written.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        let ready = f.poll(Duration::from_millis(100));
        f.apply(&mut index, &ready, &opts());
    }
    assert!(
        index.errors.is_empty(),
        "a partial file is not reported: {:?}",
        index.errors
    );
    assert!(index.events.is_empty(), "nor half-indexed");
    assert_eq!(f.pending(), 1);
    std::fs::write(&path, &full).unwrap();
    assert!(follow_until(&mut f, &mut index, |i| i.events.len() == 50));
    assert!(index.errors.is_empty(), "{:?}", index.errors);
    assert_eq!(f.pending(), 0);
}

#[test]
fn scan_follow_prints_new_findings_as_ndjson() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    write_lines(&logs, "first.jsonl", &[base_event("first")]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trailhunt"))
        .env("TRAILHUNT_CACHE_DIR", dir.path().join("cache"))
        .env("TRAILHUNT_DATA_DIR", dir.path().join("data"))
        .args(["scan", "--follow"])
        .arg(&logs)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let _guard = Kill(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let first: serde_json::Value =
        serde_json::from_str(&rx.recv_timeout(Duration::from_secs(20)).unwrap()).unwrap();
    assert_eq!(
        (first["event_id"].as_str(), first["new"].as_bool()),
        (Some("first"), Some(false))
    );
    std::thread::sleep(Duration::from_millis(300));
    let mut second = base_event("second");
    set(
        &mut second,
        "requestParameters.userName",
        Some(json!("carol")),
    );
    set(
        &mut second,
        "responseElements.accessKey.userName",
        Some(json!("carol")),
    );
    write_to(&logs.join("second.json.gz"), &records(&[second]));
    let next: serde_json::Value =
        serde_json::from_str(&rx.recv_timeout(Duration::from_secs(20)).unwrap()).unwrap();
    assert_eq!(
        (next["event_id"].as_str(), next["new"].as_bool()),
        (Some("second"), Some(true))
    );
    assert_eq!(next["target_user"], "carol");
}

fn write_to(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}
