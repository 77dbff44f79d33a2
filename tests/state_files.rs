//! What trailhunt writes never destroys what is not its own, and reading a
//! state file never blocks or runs away: `-o` into a FIFO writes into it,
//! state files that are not regular files are refused (no `.lock` left
//! beside them), a read-only allowlist is not rewritten, an oversized one is
//! refused, and console exports never overwrite an earlier file.
//!
//! No test touches a real `/dev` node: FIFOs and symbolic links stand in.

mod common;

use common::TriageCase;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

type Case = TriageCase;

impl Case {
    fn fifo(&self, name: &str) -> PathBuf {
        let p = self.path(name);
        let ok = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .unwrap();
        assert!(ok.success());
        p
    }
}

/// What is written into `fifo`, read on a thread. A reader blocked on a
/// FIFO that was replaced never wakes, so the caller waits with a timeout.
fn read_fifo(fifo: &Path) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let fifo = fifo.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::read_to_string(fifo).unwrap_or_default());
    });
    rx
}

fn is_fifo(p: &Path) -> bool {
    std::fs::symlink_metadata(p).unwrap().file_type().is_fifo()
}

fn lock_beside(p: &Path) -> PathBuf {
    let mut name = p.file_name().unwrap().to_os_string();
    name.push(".lock");
    p.with_file_name(name)
}

/// `add` of a harmless entry to `allowlist`.
fn add_args(allowlist: &Path) -> Vec<String> {
    vec![
        "allowlist".into(),
        "add".into(),
        "--allowlist".into(),
        allowlist.display().to_string(),
        "--id".into(),
        "ci".into(),
        "--exact".into(),
        "target_user=deploy".into(),
        "--reason".into(),
        "ci user".into(),
    ]
}

fn refused(out: &std::process::Output, path: &Path, why: &str) {
    assert!(!out.status.success(), "must fail: {out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&path.display().to_string()),
        "the message names {}: {err}",
        path.display()
    );
    assert!(err.contains(why), "the message says {why:?}: {err}");
}

#[test]
fn scan_output_into_a_fifo_writes_into_it_and_keeps_the_fifo() {
    let c = Case::new();
    let fifo = c.fifo("out.fifo");
    let reader = read_fifo(&fifo);
    let out = c
        .run(&["scan", "--format", "json", "-o", fifo.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|s| s <= 1), "{out:?}");
    let text = reader
        .recv_timeout(Duration::from_secs(15))
        .expect("nothing was written into the FIFO");
    assert!(text.trim_start().starts_with('['), "the report: {text}");
    assert!(is_fifo(&fifo), "the FIFO was replaced by a file");
    assert!(!lock_beside(&fifo).exists());
}

#[test]
fn scan_output_through_a_symlink_to_a_fifo_keeps_link_and_fifo() {
    let c = Case::new();
    let fifo = c.fifo("real.fifo");
    let link = c.path("out.json");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let reader = read_fifo(&fifo);
    let out = c
        .run(&["scan", "--format", "json", "-o", link.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|s| s <= 1), "{out:?}");
    assert!(
        reader
            .recv_timeout(Duration::from_secs(15))
            .expect("nothing was written into the FIFO")
            .contains('[')
    );
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(is_fifo(&fifo));
}

#[test]
fn scan_output_to_a_regular_file_still_replaces_it() {
    let c = Case::new();
    let f = c.path("report.json");
    std::fs::write(&f, "old").unwrap();
    c.run(&["scan", "--format", "json", "-o", f.to_str().unwrap()])
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(text.trim_start().starts_with('['), "{text}");
}

#[test]
fn a_fifo_allowlist_is_refused_quickly_by_scan_list_and_add() {
    let c = Case::new();
    let fifo = c.fifo("allowlist.toml");
    let a = fifo.to_str().unwrap();
    for args in [
        vec!["scan", "--allowlist", a],
        vec!["allowlist", "list", "--allowlist", a],
    ] {
        let out = c.run(&args).output().unwrap();
        refused(&out, &fifo, "not a regular file");
    }
    let out = c
        .run(
            &add_args(&fifo)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .output()
        .unwrap();
    refused(&out, &fifo, "not a regular file");
    assert!(is_fifo(&fifo));
    assert!(
        !lock_beside(&fifo).exists(),
        "no lock beside a refused target"
    );
}

#[test]
fn a_fifo_triage_file_in_the_workspace_is_refused_not_waited_on() {
    let c = Case::new();
    let ws = c.path("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let fifo = ws.join("triage.toml");
    std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    let out = c
        .run(&["scan", "--workspace", ws.to_str().unwrap()])
        .output()
        .unwrap();
    // Statuses are not needed to scan: a warning naming the file, not a hang.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&fifo.display().to_string()), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(is_fifo(&fifo));
}

#[test]
fn a_directory_as_allowlist_is_refused_and_gets_no_lock() {
    let c = Case::new();
    let d = c.path("victimdir");
    std::fs::create_dir_all(&d).unwrap();
    let out = c
        .run(&add_args(&d).iter().map(String::as_str).collect::<Vec<_>>())
        .output()
        .unwrap();
    refused(&out, &d, "directory");
    assert!(d.is_dir());
    assert!(!lock_beside(&d).exists());
}

#[test]
fn a_symlinked_allowlist_is_written_at_its_target_and_the_link_kept() {
    let c = Case::new();
    let real = c.path("repo-allowlist.toml");
    std::fs::write(&real, "schema_version = 1\n").unwrap();
    let link = c.path("allowlist.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = c
        .run(
            &add_args(&link)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("id = \"ci\"")
    );
}

#[test]
fn a_symlink_to_a_fifo_as_allowlist_is_refused_and_both_kept() {
    let c = Case::new();
    let fifo = c.fifo("null-standin");
    let link = c.path("allowlist.toml");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let out = c
        .run(
            &add_args(&link)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .output()
        .unwrap();
    refused(&out, &link, "not a regular file");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(is_fifo(&fifo));
    assert!(!lock_beside(&fifo).exists());
    assert!(!lock_beside(&link).exists());
}

#[test]
fn a_dangling_symlink_as_allowlist_is_refused() {
    let c = Case::new();
    let link = c.path("allowlist.toml");
    std::os::unix::fs::symlink(c.path("nowhere/bashrc"), &link).unwrap();
    let out = c
        .run(
            &add_args(&link)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .output()
        .unwrap();
    refused(&out, &link, "missing");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(!c.path("nowhere").exists());
}

#[test]
fn an_oversized_allowlist_is_refused_with_the_cap() {
    let c = Case::new();
    let big = c.path("allowlist.toml");
    // Sparse: 17 MiB of zeros costs no disk.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let out = c
        .run(&["scan", "--allowlist", big.to_str().unwrap()])
        .output()
        .unwrap();
    refused(&out, &big, "16 MiB");
    let out = c
        .run(
            &add_args(&big)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .output()
        .unwrap();
    refused(&out, &big, "16 MiB");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("does not parse"), "{err}");
    assert_eq!(std::fs::metadata(&big).unwrap().len(), 17 << 20);
}

#[test]
fn a_refusal_says_why_once() {
    let c = Case::new();
    let fifo = c.fifo("allowlist.toml");
    let out = c
        .run(&["allowlist", "list", "--allowlist", fifo.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("not a regular file").count(), 1, "{err}");
}

#[test]
fn a_read_only_allowlist_is_not_rewritten() {
    let c = Case::new();
    let ro = c.path("allowlist.toml");
    let text = "# reviewed; frozen\nschema_version = 1\n";
    std::fs::write(&ro, text).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let ino = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&ro).unwrap());
    let out = c
        .run(&add_args(&ro).iter().map(String::as_str).collect::<Vec<_>>())
        .output()
        .unwrap();
    refused(&out, &ro, "read-only; not changed");
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), text);
    let meta = std::fs::metadata(&ro).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::ino(&meta), ino);
    assert_eq!(meta.permissions().mode() & 0o777, 0o444);
    assert!(!lock_beside(&ro).exists());
}

#[test]
fn dev_zero_as_allowlist_is_refused_at_once() {
    // Only opened for reading and refused after fstat: /dev/zero is untouched.
    let c = Case::new();
    let zero = Path::new("/dev/zero");
    if !zero.exists() {
        return;
    }
    let started = std::time::Instant::now();
    let out = c
        .run(&["scan", "--allowlist", "/dev/zero"])
        .output()
        .unwrap();
    refused(&out, zero, "a character device, not a regular file");
    assert!(started.elapsed() < Duration::from_secs(10));
}
