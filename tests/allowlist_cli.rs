//! `trailhunt allowlist …` and the allowlist in `trailhunt scan`, as a
//! script uses them. Every test keeps its workspaces in a temporary data
//! directory (`TRAILHUNT_DATA_DIR`).

mod common;

use common::{TriageCase, fixtures};
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use trailhunt::triage::{Status, TriageStore};

type Case = TriageCase;

impl Case {
    fn path_line(&self, key: &str) -> PathBuf {
        let out = self.run(&["allowlist", "path"]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}: ")))
            .unwrap();
        PathBuf::from(line)
    }

    fn add(&self, args: &[&str]) {
        self.run(&["allowlist", "add"])
            .args(args)
            .assert()
            .success();
    }

    fn json(&self, args: &[&str]) -> (Option<i32>, Vec<Value>) {
        let out = self
            .run(&["scan", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            serde_json::from_slice(&out.stdout).unwrap(),
        )
    }
}

fn targets(v: &[Value]) -> Vec<&str> {
    v.iter()
        .map(|f| f["target_user"].as_str().unwrap())
        .collect()
}

#[test]
fn the_workspace_is_in_the_data_directory_keyed_by_the_logs_and_is_printed() {
    let c = Case::new();
    let ws = c.path_line("workspace");
    assert!(
        ws.starts_with(c.data().join("workspaces")),
        "{}",
        ws.display()
    );
    assert!(
        ws.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("logs-")
    );
    assert_eq!(c.path_line("allowlist"), ws.join("allowlist.toml"));
    assert_eq!(c.path_line("triage"), ws.join("triage.toml"));
    // Reading never creates it, and nothing is ever written beside the logs.
    c.run(&["scan"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "allowlist: {}",
            ws.join("allowlist.toml").display()
        )));
    assert!(!ws.exists());
    c.add(&["--reason", "r", "--exact", "target_user=deploy"]);
    assert!(ws.join("workspace.toml").exists());
    let beside: Vec<_> = std::fs::read_dir(c.logs())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["cloudtrail.json"]);
}

#[test]
fn scan_leaves_suppressed_findings_out_and_exits_0_when_all_are_suppressed() {
    let c = Case::new();
    let (code, v) = c.json(&[]);
    assert_eq!(
        (code, targets(&v)),
        (Some(1), vec!["deploy", "svc-backup", "admin"])
    );
    assert!(
        v.iter().all(|f| f["suppressed"] == false
            && f["suppressed_by"].is_null()
            && f["status"] == "new")
    );

    c.add(&[
        "--id",
        "office",
        "--reason",
        "office network",
        "--cidr",
        "10.0.0.0/24",
    ]);
    c.add(&[
        "--id",
        "ci",
        "--reason",
        "CI \"rotation\"",
        "--rule",
        "aws_createaccesskey_filter",
        "--glob",
        "actor_arn=arn:aws:sts::111122223333:assumed-role/ci-deployer/*",
    ]);
    let (code, v) = c.json(&[]);
    assert_eq!((code, targets(&v)), (Some(1), vec!["admin"]));
    c.run(&["scan"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "2 of 3 findings suppressed (--show-suppressed lists them)",
        ))
        .stdout(predicate::str::contains("admin").and(predicate::str::contains("deploy").not()));

    c.add(&[
        "--id",
        "other-account",
        "--reason",
        "red team exercise",
        "--exact",
        "account=444455556666",
        "--expires",
        "2w",
    ]);
    let (code, v) = c.json(&[]);
    assert_eq!(
        (code, v.len()),
        (Some(0), 0),
        "every finding suppressed: exit 0"
    );
    c.run(&["scan"]).assert().code(0);

    let (code, v) = c.json(&["--show-suppressed"]);
    assert_eq!(
        (code, targets(&v)),
        (Some(0), vec!["deploy", "svc-backup", "admin"])
    );
    assert!(v.iter().all(|f| f["suppressed"] == true));
    assert_eq!(
        v[1]["suppressed_by"],
        serde_json::json!({"id": "ci", "reason": "CI \"rotation\""})
    );
    let out = c
        .run(&["scan", "--format", "ndjson", "--show-suppressed"])
        .output()
        .unwrap();
    let first: Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["suppressed_by"]["id"], "office");
    c.run(&["scan", "--show-suppressed"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("suppressed by the allowlist (3):")
                .and(predicate::str::contains("ci (CI \"rotation\")")),
        );
}

#[test]
fn statuses_and_notes_from_the_workspace_appear_in_json() {
    let c = Case::new();
    let (_, v) = c.json(&[]);
    let key = v[2]["key"].as_str().unwrap().to_string();
    let mut store = TriageStore::open(&c.path_line("triage"));
    store
        .set_status(&[key.as_str()], Status::Escalated)
        .unwrap();
    store.add_note(&key, "paged the on-call").unwrap();
    let (_, v) = c.json(&[]);
    assert_eq!(v[2]["status"], "escalated");
    assert_eq!(v[2]["notes"][0]["text"], "paged the on-call");
    assert!(
        v[2]["notes"][0]["by"].is_string()
            && v[2]["notes"][0]["at"].as_str().unwrap().ends_with('Z')
    );
    assert_eq!(v[0]["status"], "new");
}

#[test]
fn list_add_rm_round_trip_for_scripts() {
    let c = Case::new();
    let out = c
        .run(&["allowlist", "add"])
        .args([
            "--reason",
            "deploy keys",
            "--exact",
            "target_user=deploy",
            "--glob",
            "user_agent=aws-cli/*",
            "--author",
            "alice",
            "--expires",
            "2099-01-01",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(id, "entry-deploy");
    let out = c.run(&["allowlist", "list", "--json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["id"], "entry-deploy");
    assert_eq!(v[0]["state"], "active");
    assert_eq!(v[0]["rules"], "all");
    assert_eq!(v[0]["author"], "alice");
    assert_eq!(v[0]["expires"], "2099-01-01T00:00:00Z");
    assert_eq!(
        v[0]["when"][1],
        serde_json::json!({"field": "user_agent", "kind": "glob", "value": "aws-cli/*", "enabled": true})
    );
    c.run(&["allowlist", "list"]).assert().success().stdout(
        predicate::str::contains("entry-deploy  active").and(predicate::str::contains(
            "target_user exact \"deploy\" AND user_agent glob",
        )),
    );
    // A second add with the same id is refused; so is an unknown rule or field.
    c.run(&["allowlist", "add"])
        .args([
            "--id",
            "entry-deploy",
            "--reason",
            "x",
            "--exact",
            "src=1.2.3.4",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    c.run(&["allowlist", "add"])
        .args(["--rule", "nope", "--reason", "x", "--exact", "src=1.2.3.4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such rule"));
    c.run(&["allowlist", "add"])
        .args(["--reason", "x", "--exact", "colour=red"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("FIELD=VALUE"));
    c.run(&["allowlist", "add"])
        .args([
            "--reason",
            "x",
            "--exact",
            "src=1.2.3.4",
            "--expires",
            "2001-01-01",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already past"));
    c.run(&["allowlist", "add"])
        .args(["--reason", "", "--exact", "src=1.2.3.4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("reason is required"));
    c.cmd()
        .args(["allowlist", "rm", "entry-deploy"])
        .arg(c.logs())
        .assert()
        .success();
    c.cmd()
        .args(["allowlist", "rm", "entry-deploy"])
        .arg(c.logs())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no entry"));
}

#[test]
fn list_output_escapes_control_characters() {
    let c = Case::new();
    c.add(&[
        "--id",
        "evil",
        "--reason",
        "ok\u{1b}[2Jcleared",
        "--exact",
        "user_agent=a\u{1b}]52;c;Zm9v\u{7}",
    ]);
    let out = c.run(&["allowlist", "list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("ok\\u{1b}[2Jcleared"), "{text}");
}

#[test]
fn check_reports_stale_and_expiring_entries() {
    let c = Case::new();
    c.add(&[
        "--id",
        "used",
        "--reason",
        "r",
        "--exact",
        "target_user=deploy",
    ]);
    c.run(&["allowlist", "check"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("ok: every active entry"));
    c.add(&[
        "--id",
        "stale",
        "--reason",
        "r",
        "--exact",
        "target_user=nobody",
    ]);
    c.add(&[
        "--id",
        "soon",
        "--reason",
        "r",
        "--exact",
        "target_user=admin",
        "--expires",
        "3d",
    ]);
    c.add(&[
        "--id",
        "later",
        "--reason",
        "r",
        "--exact",
        "target_user=svc-backup",
        "--expires",
        "30d",
    ]);
    c.run(&["allowlist", "check"]).assert().code(1).stdout(
        predicate::str::contains("stale (suppress nothing in these logs): stale\n")
            .and(predicate::str::contains("expiring within 7d: soon ("))
            .and(
                predicate::str::contains("later")
                    .and(predicate::str::contains("expiring within 7d: later").not()),
            ),
    );
    let out = c
        .run(&["allowlist", "check", "--json", "--within", "60d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |id: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (row("used")["hits"].as_u64(), row("used")["stale"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(row("stale")["stale"], true);
    assert_eq!(row("later")["expiring_soon"], true);
}

#[test]
fn export_prints_the_splunk_macro_for_the_seed_rule() {
    let c = Case::new();
    c.run(&["allowlist", "export", "--splunk"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "[aws_createaccesskey_filter]\ndefinition = search *\n",
        ));
    c.add(&[
        "--id",
        "pair",
        "--reason",
        "r",
        "--exact",
        "actor_arn=arn:aws:iam::111122223333:user/alice",
        "--exact",
        "target_user=deploy",
    ]);
    c.add(&[
        "--id",
        "type",
        "--reason",
        "r",
        "--exact",
        "actor_type=Root",
    ]);
    c.run(&["allowlist", "export", "--splunk"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "definition = search NOT ( \\\n    (user_arn=\"arn:aws:iam::111122223333:user/alice\" requestParameters.userName=\"deploy\") \\\n  )\niseval = 0",
        ))
        .stderr(predicate::str::contains("entry type: left out of [aws_createaccesskey_filter]"));
    // A format (--splunk or --sigma) must be asked for.
    c.run(&["allowlist", "export"]).assert().code(2);
}

#[test]
fn a_corrupt_allowlist_fails_scan_and_is_never_rewritten() {
    let c = Case::new();
    let path = c.path_line("allowlist");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let original = std::fs::read(fixtures().join("triage/corrupt_allowlist.toml")).unwrap();
    std::fs::write(&path, &original).unwrap();
    c.run(&["scan"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("allowlist.toml:9:"));
    c.run(&["allowlist", "add"])
        .args(["--reason", "r", "--exact", "src=1.2.3.4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not parse"));
    c.cmd()
        .args(["allowlist", "rm", "ci"])
        .arg(c.logs())
        .assert()
        .code(2);
    c.run(&["allowlist", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("allowlist.toml:9:"));
    assert_eq!(std::fs::read(&path).unwrap(), original);
}

#[test]
fn allowlist_and_workspace_flags_override_the_default() {
    let c = Case::new();
    let team = c.dir.path().join("team-allowlist.toml");
    c.cmd()
        .args(["allowlist", "add", "--allowlist"])
        .arg(&team)
        .args(["--reason", "team", "--exact", "target_user=admin"])
        .assert()
        .success();
    assert!(team.exists());
    let (code, v) = c.json(&["--allowlist", team.to_str().unwrap()]);
    assert_eq!((code, targets(&v)), (Some(1), vec!["deploy", "svc-backup"]));
    // Without the flag the workspace's (empty) allowlist is used.
    assert_eq!(c.json(&[]).1.len(), 3);
    let beside = c.logs().join(".trailhunt");
    let ws_flag = ["--workspace", beside.to_str().unwrap()];
    c.run(&["allowlist", "add"])
        .args(ws_flag)
        .args(["--reason", "beside", "--exact", "target_user=deploy"])
        .assert()
        .success();
    assert!(beside.join("allowlist.toml").exists());
    c.run(&["scan"])
        .args(ws_flag)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("(from --workspace)"));
    assert_eq!(targets(&c.json(&ws_flag).1), ["svc-backup", "admin"]);
    // The logs themselves still load: the workspace folder has no log names.
    assert!(
        !Path::new(&c.data()).join("workspaces").exists(),
        "nothing in the data directory"
    );
}

#[test]
fn a_bad_regex_is_named_on_one_readable_line() {
    let c = Case::new();
    let out = c
        .run(&[
            "allowlist",
            "add",
            "--reason",
            "x",
            "--regex",
            "actor_arn=(",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("\\u{a}"), "{err}");
    assert!(err.contains("unclosed group (column 1)"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}
