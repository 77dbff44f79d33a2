//! End-to-end checks of the demo CloudTrail generator: determinism, record
//! shape, the scripted story and scaling.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;
use serde_json::Value;
use serde_json::value::RawValue;
use trailhunt_demo::{self as demo, DemoOptions, DemoSummary, story};

fn opts(out: &Path, events: usize, days: u32) -> DemoOptions {
    DemoOptions {
        out: out.to_path_buf(),
        events,
        days,
        ..DemoOptions::default()
    }
}

/// Relative path (with `/`) -> file bytes, for every file under `root`.
fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn gunzip(bytes: &[u8]) -> String {
    let mut s = String::new();
    GzDecoder::new(bytes)
        .read_to_string(&mut s)
        .expect("gzip of UTF-8 JSON");
    s
}

/// One record: the file it came from, its exact bytes and its parsed value.
struct Rec {
    file: String,
    raw: String,
    v: Value,
}

struct Tree {
    records: Vec<Rec>,
    log_files: usize,
    digests: Vec<(String, Value)>,
}

fn load(root: &Path) -> Tree {
    let mut tree = Tree {
        records: Vec::new(),
        log_files: 0,
        digests: Vec::new(),
    };
    for (path, bytes) in read_tree(root) {
        let json = gunzip(&bytes);
        if path.contains("/CloudTrail-Digest/") {
            tree.digests
                .push((path, serde_json::from_str(&json).expect("digest JSON")));
            continue;
        }
        tree.log_files += 1;
        let file: HashMap<String, Vec<Box<RawValue>>> =
            serde_json::from_str(&json).expect("{\"Records\":[...]}");
        for raw in &file["Records"] {
            tree.records.push(Rec {
                file: path.clone(),
                raw: raw.get().to_string(),
                v: serde_json::from_str(raw.get()).expect("record JSON"),
            });
        }
    }
    tree
}

fn generate(out: &Path, events: usize, days: u32) -> DemoSummary {
    demo::generate(&opts(out, events, days)).expect("generate")
}

#[test]
fn output_is_byte_identical_whatever_the_thread_count() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .expect("pool");
    let sa = one.install(|| generate(a.path(), 6000, 3));
    let sb = four.install(|| generate(b.path(), 6000, 3));
    assert_eq!(sa, sb);
    let ta = read_tree(a.path());
    let tb = read_tree(b.path());
    assert_eq!(ta.len(), sa.files + sa.digest_files);
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(bytes == &tb[path], "{path} differs between runs");
    }
    assert_eq!(
        ta.values().map(|b| b.len() as u64).sum::<u64>(),
        sa.bytes_gz
    );

    // A different seed changes the noise but keeps the layout valid.
    let c = tempfile::tempdir().expect("tempdir");
    let sc = demo::generate(&DemoOptions {
        seed: 7,
        ..opts(c.path(), 6000, 3)
    })
    .expect("generate");
    assert_eq!(sc.events, sa.events);
    assert_ne!(read_tree(c.path()), ta);
}

#[test]
fn every_record_is_a_cloudtrail_record_in_the_right_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = generate(dir.path(), demo::DEFAULT_EVENTS, demo::DEFAULT_DAYS);
    let tree = load(dir.path());
    assert_eq!(summary.events, demo::DEFAULT_EVENTS);
    assert_eq!(tree.records.len(), summary.events);
    assert_eq!(tree.log_files, summary.files);
    assert!(summary.bytes_gz < 4 << 20, "demo tree must stay small");

    let mut last_time: HashMap<&str, String> = HashMap::new();
    for r in &tree.records {
        let v = &r.v;
        for k in [
            "eventVersion",
            "userIdentity",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "eventID",
            "readOnly",
            "eventType",
            "managementEvent",
            "recipientAccountId",
            "eventCategory",
        ] {
            assert!(v.get(k).is_some(), "{k} missing in {}", r.raw);
        }
        assert!(["1.08", "1.09"].contains(&v["eventVersion"].as_str().unwrap_or("")));
        assert!(v["userIdentity"]["type"].is_string());
        if v["eventType"] != "AwsConsoleSignIn" {
            assert!(v["requestID"].is_string(), "{}", r.raw);
        }
        let time = v["eventTime"].as_str().expect("eventTime");
        assert_eq!(time.len(), 20, "{time}");
        assert!(time.ends_with('Z') && &time[10..11] == "T", "{time}");
        assert!(
            ("2026-11-02T00:00:00Z".."2026-11-05T00:00:00Z").contains(&time),
            "{time}"
        );

        // AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<16>.json.gz
        let parts: Vec<&str> = r.file.split('/').collect();
        assert_eq!(parts.len(), 8, "{}", r.file);
        let (acct, region) = (parts[1], parts[3]);
        assert_eq!(parts[0], "AWSLogs");
        assert_eq!(parts[2], "CloudTrail");
        assert_eq!(v["recipientAccountId"], acct);
        assert_eq!(v["awsRegion"], region);
        let name = parts[7].strip_suffix(".json.gz").expect("file name suffix");
        let fields: Vec<&str> = name.split('_').collect();
        assert_eq!(fields.len(), 5, "{name}");
        assert_eq!(
            (fields[0], fields[1], fields[2]),
            (acct, "CloudTrail", region)
        );
        assert_eq!(fields[3].len(), 14);
        assert_eq!(
            format!("{}/{}/{}", parts[4], parts[5], parts[6]),
            format!(
                "{}/{}/{}",
                &fields[3][0..4],
                &fields[3][4..6],
                &fields[3][6..8]
            )
        );
        assert_eq!(fields[4].len(), 16);
        assert!(fields[4].bytes().all(|b| b.is_ascii_alphanumeric()));

        // Records of a file are in time order.
        let prev = last_time.entry(&r.file).or_default();
        assert!(prev.as_str() <= time, "{} out of order in {}", time, r.file);
        *prev = time.to_string();
    }

    let ids: HashSet<&str> = tree
        .records
        .iter()
        .map(|r| r.v["eventID"].as_str().expect("eventID"))
        .collect();
    assert_eq!(ids.len(), tree.records.len() - 1, "exactly one duplicate");

    // Digest files: no Records, and every listed log file exists.
    assert_eq!(tree.digests.len(), summary.digest_files);
    assert_eq!(summary.digest_files, 2 * 4 * 3);
    let files: HashSet<&str> = tree.records.iter().map(|r| r.file.as_str()).collect();
    let mut listed = 0;
    for (path, d) in &tree.digests {
        assert!(d.get("Records").is_none(), "{path}");
        assert!(path.contains("_CloudTrail-Digest_"));
        assert!(path.contains("_org-trail_us-east-1_"));
        for k in [
            "awsAccountId",
            "digestStartTime",
            "digestEndTime",
            "digestS3Bucket",
            "digestS3Object",
            "digestSignatureAlgorithm",
        ] {
            assert!(d[k].is_string(), "{k} in {path}");
        }
        assert_eq!(d["digestS3Object"], path.as_str());
        for f in d["logFiles"].as_array().expect("logFiles") {
            let object = f["s3Object"].as_str().expect("s3Object");
            assert!(files.contains(object), "{object} listed but missing");
            assert_eq!(f["hashValue"].as_str().map(str::len), Some(64));
            listed += 1;
        }
    }
    assert!(listed > 0);
}

fn creates(tree: &Tree) -> Vec<&Value> {
    tree.records
        .iter()
        .map(|r| &r.v)
        .filter(|v| v["eventName"] == "CreateAccessKey")
        .collect()
}

fn find_create<'a>(tree: &'a Tree, caller: &str, target: &str) -> Vec<&'a Value> {
    creates(tree)
        .into_iter()
        .filter(|v| {
            let who = &v["userIdentity"];
            (who["userName"] == caller || who["arn"].as_str().is_some_and(|a| a.ends_with(caller)))
                && v["responseElements"]["accessKey"]["userName"] == target
        })
        .collect()
}

fn check_story(tree: &Tree, days: usize) {
    // 1. dev-alice's key, from the attacker, creates a key for admin-bob.
    let attack = find_create(tree, story::ALICE, story::BOB);
    assert_eq!(attack.len(), 1);
    let a = attack[0];
    assert_eq!(a["userIdentity"]["accessKeyId"], story::ALICE_KEY);
    assert_eq!(a["sourceIPAddress"], story::ATTACKER_IP);
    assert_eq!(a["userAgent"], story::ATTACKER_UA);
    assert_eq!(a["requestParameters"]["userName"], story::BOB);
    assert_eq!(
        a["responseElements"]["accessKey"]["accessKeyId"],
        story::BOB_NEW_KEY
    );
    assert!(a.get("errorCode").is_none());

    // Her key is otherwise used from her usual address and client.
    for r in &tree.records {
        let v = &r.v;
        if v["userIdentity"]["accessKeyId"] == story::ALICE_KEY
            && v["sourceIPAddress"] != story::ATTACKER_IP
        {
            assert_eq!(v["sourceIPAddress"], story::ALICE_IP);
            assert_eq!(v["userAgent"], story::ALICE_UA);
        }
    }

    // The new key is used from the attacker address, in several regions.
    let uses: Vec<&Value> = tree
        .records
        .iter()
        .map(|r| &r.v)
        .filter(|v| v["userIdentity"]["accessKeyId"] == story::BOB_NEW_KEY)
        .collect();
    assert_eq!(uses.len(), 9, "calls with the new key");
    let names: HashSet<&str> = uses
        .iter()
        .filter_map(|v| v["eventName"].as_str())
        .collect();
    for n in [
        "GetCallerIdentity",
        "ListBuckets",
        "GetObject",
        "CreateUser",
        "AttachUserPolicy",
        "CreateAccessKey",
    ] {
        assert!(names.contains(n), "new key never calls {n}");
    }
    let regions: HashSet<&str> = uses
        .iter()
        .filter_map(|v| v["awsRegion"].as_str())
        .collect();
    assert!(regions.len() >= 3, "{regions:?}");
    for v in &uses {
        assert_eq!(v["sourceIPAddress"], story::ATTACKER_IP);
        assert_eq!(v["userIdentity"]["userName"], story::BOB);
        assert_eq!(v["userIdentity"]["type"], "IAMUser");
    }
    let backdoor = find_create(tree, story::BOB, story::BACKDOOR_USER);
    assert_eq!(backdoor.len(), 1);
    assert_eq!(
        backdoor[0]["responseElements"]["accessKey"]["accessKeyId"],
        story::BACKDOOR_KEY
    );

    // 2. Nightly rotation: create + delete for three users, both accounts.
    let rotator = |v: &Value| {
        v["userIdentity"]["arn"]
            .as_str()
            .is_some_and(|a| a.ends_with(":assumed-role/KeyRotationAutomation/key-rotator"))
    };
    let rot_creates: Vec<&Value> = creates(tree).into_iter().filter(|v| rotator(v)).collect();
    assert_eq!(rot_creates.len(), 2 * 3 * days);
    let deletes = tree
        .records
        .iter()
        .filter(|r| r.v["eventName"] == "DeleteAccessKey" && rotator(&r.v))
        .count();
    assert_eq!(deletes, 2 * 3 * days);
    for v in &rot_creates {
        let target = v["requestParameters"]["userName"].as_str().expect("target");
        assert!(story::ROTATED_USERS.contains(&target));
        assert!(
            v["userAgent"]
                .as_str()
                .is_some_and(|ua| ua.contains("exec-env#AWS_Lambda_python3.12"))
        );
        assert!(
            v["userIdentity"]["accessKeyId"]
                .as_str()
                .is_some_and(|k| k.starts_with("ASIA"))
        );
    }
    let accounts: HashSet<&str> = rot_creates
        .iter()
        .filter_map(|v| v["recipientAccountId"].as_str())
        .collect();
    assert_eq!(accounts.len(), 2);

    // 3. Self-service, spelled three ways.
    let carol = find_create(tree, "dev-carol", "dev-carol");
    assert_eq!(carol.len(), 1);
    assert_eq!(carol[0]["requestParameters"]["userName"], "dev-carol");
    let dave = find_create(tree, "ops-dave", "ops-dave");
    assert_eq!(dave[0]["requestParameters"]["userName"], "Ops-Dave");
    let gina = find_create(tree, "dev-gina", "dev-gina");
    assert!(gina[0]["requestParameters"].is_null());
    assert!(gina[0].get("requestParameters").is_some());
    let henry = find_create(tree, "dev-henry", "dev-henry");
    assert!(henry[0].get("requestParameters").is_none());

    // 4. Failures.
    let failed: Vec<&Value> = creates(tree)
        .into_iter()
        .filter(|v| v.get("errorCode").is_some())
        .collect();
    assert_eq!(failed.len(), 3);
    let codes: Vec<&str> = failed
        .iter()
        .filter_map(|v| v["errorCode"].as_str())
        .collect();
    assert_eq!(codes.iter().filter(|c| **c == "AccessDenied").count(), 2);
    assert_eq!(codes.iter().filter(|c| **c == "LimitExceeded").count(), 1);
    for v in &failed {
        assert!(v["responseElements"].is_null());
        assert!(v["errorMessage"].is_string());
        assert_ne!(
            v["requestParameters"]["userName"],
            v["userIdentity"]["userName"]
        );
    }

    // 5. Console creations for another user, with both console user agents.
    let console: Vec<&Value> = creates(tree)
        .into_iter()
        .filter(|v| v["sessionCredentialFromConsole"] == "true")
        .collect();
    let agents: HashSet<&str> = console
        .iter()
        .filter_map(|v| v["userAgent"].as_str())
        .collect();
    assert!(agents.contains("AWS Internal") && agents.contains("console.amazonaws.com"));
    assert_eq!(find_create(tree, "dev-admin-frank", "dev-ivan").len(), 2);

    // 6. Root.
    let root: Vec<&Value> = creates(tree)
        .into_iter()
        .filter(|v| v["userIdentity"]["type"] == "Root")
        .collect();
    assert_eq!(root.len(), 1);
    assert_eq!(
        root[0]["userIdentity"]["arn"],
        "arn:aws:iam::444455556666:root"
    );
    assert!(root[0]["userIdentity"].get("userName").is_none());
    assert_eq!(root[0]["requestParameters"]["userName"], "dev-admin-frank");

    // 7. One record delivered twice: same bytes, two files.
    let mut by_id: HashMap<&str, Vec<&Rec>> = HashMap::new();
    for r in &tree.records {
        by_id
            .entry(r.v["eventID"].as_str().expect("eventID"))
            .or_default()
            .push(r);
    }
    let dups: Vec<&Vec<&Rec>> = by_id.values().filter(|v| v.len() > 1).collect();
    assert_eq!(dups.len(), 1);
    let (x, y) = (dups[0][0], dups[0][1]);
    assert_eq!(dups[0].len(), 2);
    assert_eq!(x.raw, y.raw);
    assert_ne!(x.file, y.file);
    assert_eq!(x.v["eventName"], "CreateAccessKey");

    // 8. jackson -> jack.
    let jack = find_create(tree, "jackson", "jack");
    assert_eq!(jack.len(), 1);
    assert_eq!(jack[0]["userIdentity"]["userName"], "jackson");
    assert_eq!(jack[0]["requestParameters"]["userName"], "jack");
}

#[test]
fn the_story_is_in_the_default_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), demo::DEFAULT_EVENTS, demo::DEFAULT_DAYS);
    let tree = load(dir.path());
    check_story(&tree, 3);
    let a = find_create(&tree, story::ALICE, story::BOB)[0];
    assert_eq!(a["eventTime"], story::ATTACK_CREATE_TIME);
    let d = find_create(&tree, "dev-admin-frank", "dev-ivan")[0];
    assert_eq!(d["eventTime"], story::DUPLICATE_TIME);
}

#[test]
fn events_option_scales_the_noise_and_keeps_the_story() {
    let big = tempfile::tempdir().expect("tempdir");
    let s = generate(big.path(), 20_000, 3);
    assert_eq!(s.events, 20_000);
    let tree = load(big.path());
    assert_eq!(tree.records.len(), 20_000);
    check_story(&tree, 3);

    // Too few events for the story: the story alone is written.
    let tiny = tempfile::tempdir().expect("tempdir");
    let s = generate(tiny.path(), 0, 3);
    let tree = load(tiny.path());
    assert_eq!(tree.records.len(), s.events);
    assert!(s.events < 120, "{}", s.events);
    check_story(&tree, 3);

    // One day: everything is folded into it.
    let short = tempfile::tempdir().expect("tempdir");
    generate(short.path(), 500, 1);
    let tree = load(short.path());
    assert_eq!(tree.records.len(), 500);
    check_story(&tree, 1);
}

#[test]
fn zero_days_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = demo::generate(&opts(dir.path(), 10, 0)).expect_err("days = 0");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
