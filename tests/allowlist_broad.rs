//! Entries whose conditions match every value: `allowlist add` refuses them
//! without `--force` and says why; `allowlist check` flags them. An entry
//! never silently silences a whole rule.

mod common;

use common::TriageCase;
use predicates::prelude::*;
use serde_json::Value;

type Case = TriageCase;

impl Case {
    fn ids(&self) -> Vec<String> {
        let out = self.run(&["allowlist", "list", "--json"]).output().unwrap();
        let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        v.iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    }
}

#[test]
fn add_refuses_an_entry_that_matches_every_value_and_says_why() {
    let c = Case::new();
    for cond in [
        ["--glob", "actor_arn=*"],
        ["--regex", "actor_arn=.*"],
        ["--cidr", "src=0.0.0.0/0"],
        ["--cidr", "::/0"],
    ] {
        c.run(&["allowlist", "add", "--reason", "r"])
            .args(cond)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("matches every value")
                    .or(predicate::str::contains("is found in every value"))
                    .or(predicate::str::contains("contains every IPv"))
                    .and(predicate::str::contains("--force")),
            );
    }
    assert!(c.ids().is_empty(), "nothing was added");
    // One narrow condition beside a universal one narrows the entry.
    c.run(&["allowlist", "add", "--reason", "r", "--id", "narrow"])
        .args(["--glob", "actor_arn=*", "--exact", "target_user=deploy"])
        .assert()
        .success();
    assert_eq!(c.ids(), ["narrow"]);
}

#[test]
fn force_adds_it_and_check_flags_it() {
    let c = Case::new();
    c.run(&["allowlist", "add", "--reason", "ci", "--id", "ok"])
        .args(["--exact", "target_user=deploy"])
        .assert()
        .success();
    c.run(&["allowlist", "check"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("matches every value").not());
    c.run(&[
        "allowlist",
        "add",
        "--reason",
        "all of it",
        "--id",
        "all",
        "--force",
    ])
    .args(["--glob", "actor_arn=*"])
    .assert()
    .success()
    .stderr(predicate::str::contains("matches any text"));
    assert_eq!(c.ids(), ["ok", "all"]);
    c.run(&["allowlist", "check"]).assert().code(1).stdout(
        predicate::str::contains("matches every value").and(predicate::str::contains(
            "all (actor_arn glob \"*\" matches any text)",
        )),
    );
    let out = c.run(&["allowlist", "check", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let row = |id: &str| v.iter().find(|e| e["id"] == id).unwrap().clone();
    assert!(
        row("all")["matches_everything"]
            .as_str()
            .unwrap()
            .contains("actor_arn")
    );
    assert_eq!(row("ok")["matches_everything"], Value::Null);
}

#[test]
fn a_cidr_with_host_bits_is_refused_naming_the_network_it_would_be() {
    let c = Case::new();
    c.run(&["allowlist", "add", "--reason", "r"])
        .args(["--cidr", "src=10.0.0.1/24"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("10.0.0.1/24")
                .and(predicate::str::contains("10.0.0.0/24"))
                .and(predicate::str::contains("host bits")),
        );
    assert!(c.ids().is_empty());
    c.run(&["allowlist", "add", "--reason", "r", "--id", "net"])
        .args(["--cidr", "10.0.0.0/24", "--cidr", "src=10.0.0.1"])
        .assert()
        .success();
    assert_eq!(c.ids(), ["net"]);
}
