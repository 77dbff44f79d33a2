//! Helpers shared by the integration tests.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use trailhunt::event::Index;
use trailhunt::loader::{LoadOptions, load};
use trailhunt::rules::{Finding, RuleSet, Semantics};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Loads `paths` with the options the CLI would use for the built-in rules.
pub fn load_paths(paths: &[PathBuf], rules: &RuleSet) -> Index {
    let opts = LoadOptions {
        keep_raw: rules.keep_raw(),
        ..LoadOptions::default()
    };
    load(paths, &opts, &mut |_| {})
}

pub fn load_one(path: &Path) -> Index {
    load_paths(&[path.to_path_buf()], &RuleSet::builtin())
}

pub fn findings(index: &Index, semantics: Semantics) -> Vec<Finding> {
    let out = RuleSet::builtin().run(index, semantics);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.findings
}

/// Runs the built-in rules (the seed and the IAM pack) over `paths`, with
/// no cache, as the CLI would: every rule loads and none fails.
pub fn hunt_builtin(paths: Vec<PathBuf>) -> trailhunt::hunt::Hunt {
    let mut config = trailhunt::hunt::Config::new(paths);
    config.cache = false;
    let rules = config.rules().expect("the built-in rules load");
    assert!(
        rules.problems.is_empty(),
        "every built-in rule loads: {:?}",
        rules.problems
    );
    let h = trailhunt::hunt::Hunt::run(&config, rules, &mut |_| {});
    assert!(h.rule_errors.is_empty(), "{:?}", h.rule_errors);
    h
}

/// The public samples the pack is tested on (see their PROVENANCE.md).
pub fn pack_corpus() -> Vec<PathBuf> {
    vec![
        fixtures().join("iam_pack/corpus"),
        fixtures().join("corpus"),
    ]
}

/// A successful CLI CreateAccessKey by IAM user `alice` for `bob`.
pub fn base_event(id: &str) -> Value {
    serde_json::json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAALICE",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "accessKeyId": "AKIAALICE0000000000",
            "userName": "alice"
        },
        "eventTime": "2026-11-02T10:00:00Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": "CreateAccessKey",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.66",
        "userAgent": "aws-cli/2.15.30 Python/3.11.8",
        "requestParameters": {"userName": "bob"},
        "responseElements": {"accessKey": {"userName": "bob", "accessKeyId": "AKIANEWKEY000000000", "status": "Active"}},
        "eventID": id,
        "recipientAccountId": "111122223333"
    })
}

/// Sets (`Some`) or removes (`None`) the value at a dotted path.
pub fn set(v: &mut Value, path: &str, new: Option<Value>) {
    let parts: Vec<&str> = path.split('.').collect();
    let mut cur = v;
    for p in &parts[..parts.len() - 1] {
        if !cur.get(*p).is_some_and(Value::is_object) {
            cur[*p] = serde_json::json!({});
        }
        cur = cur.get_mut(*p).unwrap();
    }
    let last = parts[parts.len() - 1];
    match new {
        Some(x) => cur[last] = x,
        None => {
            cur.as_object_mut().unwrap().remove(last);
        }
    }
}

/// Writes events as JSON Lines into `dir/name`.
pub fn write_lines(dir: &Path, name: &str, events: &[Value]) -> PathBuf {
    let p = dir.join(name);
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(&p, text).unwrap();
    p
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A copy of the triage fixture logs (`logs/`) beside a private data
/// directory (`data/`, where the workspace goes), for tests that run the
/// real binary.
pub struct TriageCase {
    pub dir: tempfile::TempDir,
}

impl TriageCase {
    pub fn new() -> TriageCase {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("logs")).unwrap();
        std::fs::copy(
            fixtures().join("triage/logs/cloudtrail.json"),
            dir.path().join("logs/cloudtrail.json"),
        )
        .unwrap();
        TriageCase { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn logs(&self) -> PathBuf {
        self.path("logs")
    }

    pub fn data(&self) -> PathBuf {
        self.path("data")
    }

    /// `trailhunt` with the data directory set, killed after 30 seconds so
    /// a hang fails the test instead of stalling the suite.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("trailhunt").unwrap();
        c.env("TRAILHUNT_DATA_DIR", self.data())
            .env_remove("XDG_DATA_HOME")
            .timeout(std::time::Duration::from_secs(30));
        c
    }

    /// `trailhunt ARGS… LOGS`
    pub fn run(&self, args: &[&str]) -> assert_cmd::Command {
        let mut c = self.cmd();
        c.args(args).arg(self.logs());
        c
    }
}

/// The console's data for a command line (what follows `trailhunt`,
/// always with one loader thread), loaded headless.
pub fn console_data(args: &[&str]) -> trailhunt::tui::data::Data {
    trailhunt::tui::headless::load(&console_config(args)).expect("the fixture loads")
}

/// A headless console for a command line, its workspace's triage files
/// attached (`--workspace DIR` among `args`).
pub fn console_with_triage(args: &[&str], w: u16, h: u16) -> trailhunt::tui::headless::Headless {
    let mut c = trailhunt::tui::headless::Headless::new(console_data(args), w, h);
    c.attach(
        trailhunt::hunt::triage::TriageFiles::open(&console_config(args))
            .expect("the workspace opens"),
    );
    c
}

fn console_config(args: &[&str]) -> trailhunt::hunt::Config {
    use clap::Parser;
    let line = ["trailhunt", "--threads", "1"].iter().chain(args);
    trailhunt::cli::Cli::parse_from(line).console.config()
}
