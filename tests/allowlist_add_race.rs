//! Concurrent `allowlist add` without `--id`: each picks its id under the
//! write lock, so none fails with "already exists".

mod common;

use common::fixtures;
use serde_json::Value;
use std::process::Command;

#[test]
fn twenty_concurrent_adds_without_an_id_all_succeed_with_distinct_ids() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::copy(
        fixtures().join("triage/logs/cloudtrail.json"),
        logs.join("cloudtrail.json"),
    )
    .unwrap();
    let cmd = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_trailhunt"));
        c.env("TRAILHUNT_DATA_DIR", dir.path().join("data"))
            .env_remove("XDG_DATA_HOME");
        c
    };
    let spawned: Vec<_> = (0..20)
        .map(|_| {
            cmd()
                .args([
                    "allowlist",
                    "add",
                    "--reason",
                    "r",
                    "--exact",
                    "src=10.9.8.7",
                ])
                .arg(&logs)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut printed = Vec::new();
    for child in spawned {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        printed.push(String::from_utf8(out.stdout).unwrap().trim().to_string());
    }
    let out = cmd()
        .args(["allowlist", "list", "--json"])
        .arg(&logs)
        .output()
        .unwrap();
    let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: std::collections::HashSet<&str> = v
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .filter(|id| id.starts_with("entry-10-9-8-7"))
        .collect();
    assert_eq!(ids.len(), 20, "{ids:?}");
    // Each add printed the id it really got.
    for p in &printed {
        assert!(ids.contains(p.as_str()), "{p} not in {ids:?}");
    }
}
