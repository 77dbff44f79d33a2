//! `trailhunt scan`: formats, semantics, rules, exit codes, as a script uses them.

mod common;

use assert_cmd::Command;
use common::*;
use predicates::prelude::*;
use serde_json::{Value, json};

fn trailhunt() -> Command {
    Command::cargo_bin("trailhunt").unwrap()
}

fn seed_sample() -> std::path::PathBuf {
    fixtures().join("corpus/aws_cloudtrail_createaccesskey.example_log.ndjson")
}

#[test]
fn exit_status_is_1_with_findings_and_0_without() {
    trailhunt()
        .args(["scan"])
        .arg(seed_sample())
        .assert()
        .code(1);
    let dir = tempfile::tempdir().unwrap();
    let mut e = base_event("self");
    set(&mut e, "requestParameters.userName", Some(json!("alice")));
    set(
        &mut e,
        "responseElements.accessKey.userName",
        Some(json!("alice")),
    );
    write_lines(dir.path(), "e.jsonl", &[e]);
    trailhunt().arg("scan").arg(dir.path()).assert().code(0);
}

#[test]
fn usage_errors_and_fatal_errors_exit_2() {
    trailhunt().arg("scan").assert().code(2);
    trailhunt()
        .args(["scan", "--format", "yaml"])
        .arg(seed_sample())
        .assert()
        .code(2);
    trailhunt()
        .args(["scan", "/no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/dir"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), "id = ").unwrap();
    trailhunt()
        .args(["scan", "--rules"])
        .arg(dir.path())
        .arg(seed_sample())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:1"));
    // A rules folder with no rule file in it (mistyped, or the wrong one)
    // is not a clean run of the built-in rules.
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("README.md"), "not a rule").unwrap();
    trailhunt()
        .args(["scan", "--rules"])
        .arg(empty.path())
        .arg(seed_sample())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule files"));
    // An unreadable folder says its cause once.
    let out = trailhunt()
        .args(["scan", "--rules", "/no/such/rules", "--no-cache"])
        .arg(seed_sample())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}

#[test]
fn json_findings_carry_the_documented_fields() {
    let out = trailhunt()
        .args(["scan", "--format", "json"])
        .arg(seed_sample())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v[0];
    for k in [
        "rule_id",
        "event_id",
        "event_time",
        "actor_arn",
        "actor_type",
        "target_user",
        "src",
        "user_agent",
        "account",
        "region",
        "count",
        "first_time",
        "last_time",
        "risk_score",
        "risk_message",
        "splunk_parity",
        "source",
    ] {
        assert!(f.get(k).is_some(), "missing {k}");
    }
    assert_eq!(f["rule_id"], "2a9b80d3-6340-4345-11ad-212bf3d0d111");
    assert_eq!(f["event_id"], "5772e8d5-cccc-470d-81ef-acacfe85a804");
    assert_eq!(f["target_user"], "AtomicRedTeam");
    assert_eq!(f["risk_score"], 63.0);
    assert_eq!(f["source"]["line"], 1);
    assert!(
        f["source"]["file"]
            .as_str()
            .unwrap()
            .ends_with("example_log.ndjson")
    );
}

#[test]
fn ndjson_is_one_finding_per_line() {
    let out = trailhunt()
        .args(["scan", "--no-pack", "--format", "ndjson"])
        .arg(fixtures().join("corpus"))
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 9);
    assert!(lines.iter().all(|l| l["semantics"] == "strict"));
}

#[test]
fn splunk_csv_prints_exactly_the_seeds_result_columns() {
    let out = trailhunt()
        .args(["scan", "--format", "csv", "--semantics", "splunk"])
        .arg(seed_sample())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "requestParameters.userName,src,eventName,eventSource,aws_account_id,errorCode,userAgent,eventID,awsRegion,userIdentity.principalId,user_arn,count,firstTime,lastTime"
    );
    assert_eq!(
        lines.next().unwrap(),
        "AtomicRedTeam,12.25.72.12,CreateAccessKey,iam.amazonaws.com,121521347698,success,aws-cli/2.0.62 Python/3.9.0 Darwin/19.6.0 source/x86_64 command/iam.create-access-key,5772e8d5-cccc-470d-81ef-acacfe85a804,us-east-1,AIDAYTOGP2RLEHRX5YWNV,arn:aws:iam::121521347698:user/bhavin_cli,1,2021-03-02T21:18:24,2021-03-02T21:18:24"
    );
    assert_eq!(lines.next(), None);
}

#[test]
fn human_formats_escape_control_characters_and_machine_formats_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = base_event("evil");
    set(
        &mut e,
        "userAgent",
        Some(json!(
            "evil\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}31m\u{202e}"
        )),
    );
    set(
        &mut e,
        "requestParameters.userName",
        Some(json!("bob\u{1b}[31m")),
    );
    set(
        &mut e,
        "responseElements.accessKey.userName",
        Some(json!("bob\u{1b}[31m")),
    );
    write_lines(dir.path(), "e.jsonl", &[e]);
    for fmt in ["table", "csv"] {
        let out = trailhunt()
            .args(["scan", "--format", fmt])
            .arg(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\u{202e}'),
            "{fmt}: {text:?}"
        );
        assert!(
            text.contains("\\u{1b}"),
            "{fmt}: escaped form shown: {text}"
        );
    }
    let out = trailhunt()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v[0]["target_user"], "bob\u{1b}[31m",
        "JSON carries the exact value"
    );
    assert!(
        !out.stdout.contains(&0x1b),
        "but as a JSON escape, never a raw byte"
    );
}

#[test]
fn load_errors_go_to_stderr_and_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write_lines(dir.path(), "good.jsonl", &[base_event("g")]);
    std::fs::write(dir.path().join("broken.jsonl"), "{\"eventID\":\n").unwrap();
    trailhunt()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("broken.jsonl:2"))
        .stdout(predicate::str::contains("\"event_id\": \"g\""));
}

#[test]
fn a_second_rule_needs_only_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = base_event("lp");
    set(&mut e, "eventName", Some(json!("CreateLoginProfile")));
    set(
        &mut e,
        "responseElements",
        Some(json!({"loginProfile": {"userName": "bob"}})),
    );
    write_lines(dir.path(), "e.jsonl", &[e]);
    // The seed alone: the pack's own CreateLoginProfile rule would see it.
    trailhunt()
        .args(["scan", "--no-pack"])
        .arg(dir.path())
        .assert()
        .code(0);
    let out = trailhunt()
        .args(["scan", "--no-pack", "--format", "json", "--rules"])
        .arg(fixtures().join("rules"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["rule_id"], "b7c9e3f2-0d4e-4a8c-9f1e-3a5d7c2e9b10");
    assert_eq!(v[0]["risk_score"], 30.0);
    assert_eq!(v[0]["target_user"], "bob");
    assert_eq!(
        v[0]["risk_message"],
        "User arn:aws:iam::111122223333:user/alice created a console login profile for bob from 203.0.113.66"
    );
}

#[test]
fn table_reads_well() {
    trailhunt()
        .arg("scan")
        .arg(seed_sample())
        .assert()
        .stdout(predicate::str::contains("TIME (UTC)"))
        .stdout(predicate::str::contains("user/bhavin_cli (IAMUser)"))
        .stdout(predicate::str::contains("AtomicRedTeam"))
        .stderr(predicate::str::contains("1 findings (strict semantics)"));
}

/// A mistyped path or a tree with no log files must not look like a clean
/// result: exit 2 with the path named, for `scan`, `allowlist check` and the
/// console (which says so before it needs a terminal).
#[test]
fn a_missing_path_or_a_tree_without_logs_is_an_error_naming_it() {
    let t = tempfile::tempdir().unwrap();
    let empty = t.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let readme = t.path().join("readme-only");
    std::fs::create_dir(&readme).unwrap();
    std::fs::write(readme.join("README.md"), "notes").unwrap();
    let missing = t.path().join("nonexistent");
    for dir in [&empty, &readme] {
        for cmd in [vec!["scan"], vec!["allowlist", "check"], vec![]] {
            trailhunt()
                .args(&cmd)
                .arg(dir)
                .env("TRAILHUNT_CACHE_DIR", t.path().join("cache"))
                .assert()
                .code(2)
                .stderr(predicate::str::contains(dir.display().to_string()))
                .stderr(predicate::str::contains("no CloudTrail log files"));
        }
    }
    for cmd in [vec!["scan"], vec!["allowlist", "check"], vec![]] {
        trailhunt()
            .args(&cmd)
            .arg(&missing)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(missing.display().to_string()))
            .stderr(predicate::str::contains("does not exist"));
    }
}

#[test]
fn follow_on_an_empty_tree_says_it_is_waiting() {
    let t = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailhunt"))
        .args(["scan", "--follow"])
        .arg(t.path())
        .env("TRAILHUNT_CACHE_DIR", t.path().join(".cache"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let exited = child.try_wait().unwrap();
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(exited.is_none(), "follow keeps waiting: {err}");
    assert!(err.contains("waiting for log files"), "{err}");
}

#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_never_opened_and_is_reported_with_a_reason() {
    let t = tempfile::tempdir().unwrap();
    let logs = t.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::copy(seed_sample(), logs.join("a.ndjson")).unwrap();
    mkfifo(&logs.join("pipe.json"));
    // In a tree: the logs are read and the FIFO is listed with why.
    trailhunt()
        .args(["scan", "--no-cache"])
        .arg(&logs)
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("pipe.json"))
        .stderr(predicate::str::contains("a FIFO"));
    // Named alone: an error, not a clean exit.
    trailhunt()
        .args(["scan", "--no-cache"])
        .arg(logs.join("pipe.json"))
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pipe.json"))
        .stderr(predicate::str::contains("a FIFO"));
}

/// A file name that is not UTF-8 is shown with its byte as `\xff`, escaped
/// once: not `\\xff`, and never the raw byte.
#[test]
fn a_broken_file_with_a_non_utf8_name_is_named_with_its_byte_escaped_once() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"bad\xff.jsonl");
    std::fs::write(dir.path().join(name), "{not json\n").unwrap();
    write_lines(dir.path(), "good.jsonl", &[base_event("e1")]);
    let out = trailhunt()
        .args(["scan", "--no-cache"])
        .arg(dir.path())
        .env("TRAILHUNT_DATA_DIR", dir.path().join("data"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad\\xff.jsonl:1"), "{err}");
    assert!(!err.contains("bad\\\\xff"), "escaped twice: {err}");
}

#[test]
fn timings_say_where_the_time_went_on_stderr_only() {
    let data = tempfile::tempdir().unwrap();
    let run = |timings: bool| {
        let mut c = trailhunt();
        c.env("TRAILHUNT_DATA_DIR", data.path())
            .args(["scan", "--no-cache", "--format", "ndjson"]);
        if timings {
            c.arg("--timings");
        }
        c.arg(seed_sample()).assert().code(1).get_output().clone()
    };
    let (with, without) = (run(true), run(false));
    let err = String::from_utf8(with.stderr).unwrap();
    let line = err
        .lines()
        .find(|l| l.starts_with("trailhunt: timings: "))
        .unwrap_or_else(|| panic!("{err}"));
    for part in ["load ", "rules ", "triage ", "output "] {
        assert!(line.contains(part), "{line}");
    }
    assert_eq!(with.stdout, without.stdout, "the findings are the same");
    let quiet = String::from_utf8(without.stderr).unwrap();
    assert!(!quiet.contains("timings:"), "{quiet}");
}
