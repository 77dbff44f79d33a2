//! Nothing is lost: a crash between write and rename, concurrent writers
//! (threads and processes), stale in-memory copies.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use trailhunt::triage::allowlist::{Condition, Entry, MatchKind, RuleScope};
use trailhunt::triage::persist;
use trailhunt::triage::{AllowlistFile, Field, Status, TriageStore};

fn entry(id: &str) -> Entry {
    Entry {
        id: id.into(),
        rules: RuleScope::All,
        conditions: vec![Condition::new(Field::TargetUser, MatchKind::Exact, id).unwrap()],
        reason: format!("reason for {id}"),
        author: Some("test".into()),
        created: None,
        expires: None,
        disabled: false,
    }
}

fn ids(f: &AllowlistFile) -> Vec<String> {
    let mut v: Vec<String> = f.list().entries.iter().map(|e| e.id.clone()).collect();
    v.sort();
    v
}

const CRASH_ENV: &str = "TRAILHUNT_TEST_CRASH_TARGET";

/// In the child process: stage the new content (written, flushed, synced),
/// then die before the rename, as `kill -9` would: `exit` does not unwind,
/// so no destructor tidies up (not `abort`, which may leave a core file).
#[test]
fn crash_child() {
    let Some(target) = std::env::var_os(CRASH_ENV) else {
        return;
    };
    let staged =
        persist::stage(Path::new(&target), b"schema_version = 1\n# NEW CONTENT\n").unwrap();
    assert!(staged.temp_path().exists());
    std::process::exit(86);
}

#[test]
fn a_crash_between_write_and_rename_leaves_the_old_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("allowlist.toml");
    let mut f = AllowlistFile::open(&p);
    f.add(entry("kept")).unwrap();
    let before = std::fs::read(&p).unwrap();

    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CRASH_ENV, &p)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(86),
        "the child must die before renaming"
    );

    assert_eq!(std::fs::read(&p).unwrap(), before, "the old file is whole");
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "the crash left its temp file: {leftovers:?}"
    );
    assert!(
        std::fs::read_to_string(&leftovers[0])
            .unwrap()
            .contains("NEW CONTENT")
    );

    // The next instance reads the old content and can keep working.
    let mut again = AllowlistFile::open(&p);
    assert!(again.problem().is_none());
    assert_eq!(ids(&again), ["kept"]);
    again.add(entry("after")).unwrap();
    assert_eq!(ids(&AllowlistFile::load(&p).unwrap()), ["after", "kept"]);
}

#[test]
fn concurrent_threads_each_keep_their_entry() {
    let dir = tempfile::tempdir().unwrap();
    let p = Arc::new(dir.path().join("ws/allowlist.toml"));
    let n = 8;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (p, barrier) = (Arc::clone(&p), Arc::clone(&barrier));
            std::thread::spawn(move || {
                // Each opens before anyone writes: every in-memory copy is stale.
                let mut f = AllowlistFile::open(&p);
                barrier.wait();
                f.add(entry(&format!("t{i}"))).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let f = AllowlistFile::load(&p).unwrap();
    assert_eq!(ids(&f), (0..n).map(|i| format!("t{i}")).collect::<Vec<_>>());
}

#[test]
fn concurrent_processes_each_keep_their_entry() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("allowlist.toml");
    let bin = env!("CARGO_BIN_EXE_trailhunt");
    let children: Vec<_> = (0..6)
        .map(|i| {
            Command::new(bin)
                .args(["allowlist", "add", "--allowlist"])
                .arg(&p)
                .args([
                    "--id",
                    &format!("p{i}"),
                    "--reason",
                    "parallel",
                    "--exact",
                    &format!("target_user=u{i}"),
                ])
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert_eq!(
        ids(&AllowlistFile::load(&p).unwrap()),
        ["p0", "p1", "p2", "p3", "p4", "p5"]
    );
}

#[test]
fn a_stale_instance_merges_instead_of_overwriting() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("allowlist.toml");
    let mut a = AllowlistFile::open(&p);
    let mut b = AllowlistFile::open(&p);
    a.add(entry("from-a")).unwrap();
    b.add(entry("from-b")).unwrap();
    b.set_disabled("from-a", true).unwrap();
    a.remove("from-b").unwrap();
    let f = AllowlistFile::load(&p).unwrap();
    assert_eq!(ids(&f), ["from-a"]);
    assert!(
        f.list().entries[0].disabled,
        "b's change to a's entry survived a's later write"
    );
}

#[test]
fn concurrent_statuses_and_notes_are_all_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = Arc::new(dir.path().join("triage.toml"));
    let n = 6;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (p, barrier) = (Arc::clone(&p), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut s = TriageStore::open(&p);
                barrier.wait();
                s.set_status(&[format!("rule/ev{i}/0")], Status::Escalated)
                    .unwrap();
                s.add_note("rule/shared/0", &format!("note {i}")).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let s = TriageStore::load(&p).unwrap();
    for i in 0..n {
        assert_eq!(s.status(&format!("rule/ev{i}/0")), Status::Escalated);
    }
    let mut notes: Vec<&str> = s
        .notes("rule/shared/0")
        .iter()
        .map(|n| n.text.as_str())
        .collect();
    notes.sort();
    assert_eq!(
        notes,
        (0..n).map(|i| format!("note {i}")).collect::<Vec<_>>()
    );
}
