//! The loader reads every layout responders get, reports every kind of
//! broken file with its path and place, and never lets a broken file hide
//! the good ones.

mod common;

use common::*;
use serde_json::json;
use std::path::Path;
use trailhunt::event::Index;

fn ev(id: &str) -> serde_json::Value {
    base_event(id)
}

fn ids(index: &Index) -> Vec<String> {
    let mut v: Vec<String> = index
        .events
        .iter()
        .map(|e| index.event_id(e).unwrap_or_default())
        .collect();
    v.sort();
    v
}

fn records(events: &[serde_json::Value]) -> String {
    json!({ "Records": events }).to_string()
}

fn errors_for<'a>(index: &'a Index, name: &str) -> Vec<&'a trailhunt::event::LoadError> {
    index
        .errors
        .iter()
        .filter(|e| e.path.file_name().is_some_and(|n| n == name))
        .collect()
}

#[test]
fn s3_delivery_layout_gzipped_and_plain() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir
        .path()
        .join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/02");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(
        day.join("111122223333_CloudTrail_us-east-1_20261102T1000Z_abc.json.gz"),
        gzip(records(&[ev("a"), ev("b")]).as_bytes()),
    )
    .unwrap();
    std::fs::write(
        day.join("111122223333_CloudTrail_us-east-1_20261102T1005Z_def.json"),
        records(&[ev("c")]),
    )
    .unwrap();
    let digest = dir
        .path()
        .join("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/02");
    std::fs::create_dir_all(&digest).unwrap();
    std::fs::write(
        digest
            .join("111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20261102T100000Z.json.gz"),
        gzip(br#"{"awsAccountId":"111122223333","logFiles":[]}"#),
    )
    .unwrap();
    std::fs::write(dir.path().join("README.md"), "notes").unwrap();
    let index = load_one(dir.path());
    assert!(index.errors.is_empty(), "{:?}", index.errors);
    assert_eq!(ids(&index), ["a", "b", "c"]);
    assert_eq!(index.files.len(), 2);
    assert!(index.files.iter().any(|f| f.gzip));
    let skipped: Vec<&str> = index.skipped.iter().map(|s| s.1).collect();
    assert!(skipped.contains(&"CloudTrail digest file"), "{skipped:?}");
    assert!(skipped.contains(&"not a log file name"), "{skipped:?}");
}

#[test]
fn json_array_and_json_lines_in_every_extension() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("array.json"),
        serde_json::to_string_pretty(&json!([ev("a1"), ev("a2")])).unwrap(),
    )
    .unwrap();
    write_lines(dir.path(), "l.jsonl", &[ev("j1")]);
    write_lines(dir.path(), "l.ndjson", &[ev("n1")]);
    write_lines(dir.path(), "lines.json", &[ev("x1"), ev("x2")]);
    // attack_data ships raw events one per line in .log files.
    write_lines(dir.path(), "aws_cloudtrail_events.log", &[ev("d1")]);
    let index = load_one(dir.path());
    assert!(index.errors.is_empty(), "{:?}", index.errors);
    assert_eq!(ids(&index), ["a1", "a2", "d1", "j1", "n1", "x1", "x2"]);
}

#[test]
fn gzip_is_detected_by_magic_bytes_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = [ev("g1"), ev("g2")]
        .iter()
        .map(|e| format!("{e}\n"))
        .collect();
    std::fs::write(dir.path().join("looks-plain.json"), gzip(text.as_bytes())).unwrap();
    let index = load_one(dir.path());
    assert_eq!(ids(&index), ["g1", "g2"]);
    assert!(index.files[0].gzip);
}

#[test]
fn splunk_search_export_rows() {
    let dir = tempfile::tempdir().unwrap();
    let row = |e: &serde_json::Value| json!({"preview": false, "result": {"_raw": e.to_string(), "_time": "2026-11-02T10:00:00.000+00:00", "host": "h"}});
    let lines = [
        row(&ev("s1")),
        row(&ev("s2")),
        json!({"preview": false, "lastrow": true}),
    ];
    write_lines(dir.path(), "export.json", &lines);
    let index = load_one(dir.path());
    assert!(index.errors.is_empty(), "{:?}", index.errors);
    assert_eq!(ids(&index), ["s1", "s2"]);
    // The raw event is recovered from the export row on demand.
    let e = &index.events[0];
    assert!(e.loc().splunk_raw);
    let raw = index.raw_at(&e.loc()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["eventID"], "s1");
}

#[test]
fn duplicates_across_files_are_counted_once_with_copies() {
    let dir = tempfile::tempdir().unwrap();
    write_lines(dir.path(), "a.jsonl", &[ev("d")]);
    std::fs::write(
        dir.path().join("b.json.gz"),
        gzip(records(&[ev("d")]).as_bytes()),
    )
    .unwrap();
    let index = load_one(dir.path());
    assert_eq!(index.events.len(), 1);
    assert_eq!(index.copies(&index.events[0]), 2);
    assert_eq!(index.stats.deliveries, 2);
}

#[test]
fn a_copy_in_a_file_added_later_folds_into_the_event_already_loaded() {
    // The index keeps only 32 bits of each event's digest after a load, so
    // a later file (follow mode, a reopen with new files) must still find
    // its duplicates among the events already there, and only those.
    let dir = tempfile::tempdir().unwrap();
    write_lines(dir.path(), "a.jsonl", &[ev("d"), ev("other")]);
    let mut index = load_one(dir.path());
    assert_eq!(index.events.len(), 2);
    std::fs::write(
        dir.path().join("b.json.gz"),
        gzip(records(&[ev("d"), ev("new")]).as_bytes()),
    )
    .unwrap();
    let opts = trailhunt::loader::LoadOptions::default();
    index.add_files(&[dir.path().join("b.json.gz")], &opts, &mut |_| {});
    assert_eq!(ids(&index), ["d", "new", "other"]);
    let d = index
        .events
        .iter()
        .find(|e| index.event_id(e).as_deref() == Some("d"))
        .unwrap();
    assert_eq!(index.copies(d), 2);
    assert!(index.files[d.loc().file as usize].path.ends_with("a.jsonl"));
    assert!(
        index.files[index.other_locs(d)[0].file as usize]
            .path
            .ends_with("b.json.gz")
    );
}

#[test]
fn events_alike_in_the_low_digest_bits_stay_apart_and_their_copies_still_fold() {
    // Events hold 32 bits of their digest, the load the other 32 until it
    // has folded duplicates: two events that agree on the low half only are
    // two events, on a first load and when a later file brings copies.
    let (a, b) = (ev("c44728"), ev("c71736"));
    let digest = |e: &serde_json::Value| {
        trailhunt::loader::scan::digest(e.to_string().as_bytes(), &mut Vec::new()).0
    };
    assert_eq!(digest(&a) as u32, digest(&b) as u32, "a low-half collision");
    assert_ne!(digest(&a), digest(&b));
    let dir = tempfile::tempdir().unwrap();
    write_lines(dir.path(), "a.jsonl", &[a.clone(), b.clone(), a.clone()]);
    let mut index = load_one(dir.path());
    assert_eq!(ids(&index), ["c44728", "c71736"]);
    assert_eq!(index.stats.deliveries, 3);
    let copies = |index: &Index, id: &str| {
        let e = index
            .events
            .iter()
            .find(|e| index.event_id(e).as_deref() == Some(id))
            .unwrap();
        index.copies(e)
    };
    assert_eq!((copies(&index, "c44728"), copies(&index, "c71736")), (2, 1));
    write_lines(dir.path(), "b.jsonl", &[b.clone(), ev("other")]);
    let opts = trailhunt::loader::LoadOptions::default();
    index.add_files(&[dir.path().join("b.jsonl")], &opts, &mut |_| {});
    assert_eq!(ids(&index), ["c44728", "c71736", "other"]);
    assert_eq!((copies(&index, "c44728"), copies(&index, "c71736")), (2, 2));
}

#[test]
fn event_ids_are_read_back_from_the_raw_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = ev("x");
    e["eventID"] = json!("id-\u{e9}-\"quoted\"");
    write_lines(dir.path(), "a.jsonl", &[e, ev("y")]);
    let index = load_one(dir.path());
    assert_eq!(ids(&index), ["id-\u{e9}-\"quoted\"", "y"]);
    assert_eq!(
        index.strings.lookup("y"),
        None,
        "event IDs are not interned"
    );
}

#[test]
fn broken_files_are_reported_with_place_and_never_hide_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_lines(d, "good.jsonl", &[ev("good1"), ev("good2")]);
    // Truncated gzip: the complete events before the cut are kept.
    let many: Vec<_> = (0..300).map(|i| ev(&format!("t{i}"))).collect();
    let gz = gzip(
        many.iter()
            .map(|e| format!("{e}\n"))
            .collect::<String>()
            .as_bytes(),
    );
    std::fs::write(d.join("truncated.jsonl.gz"), &gz[..gz.len() / 2]).unwrap();
    // Invalid JSON on line 2 of 3.
    std::fs::write(
        d.join("badline.jsonl"),
        format!("{}\n{{\"eventID\": \n{}\n", ev("b1"), ev("b3")),
    )
    .unwrap();
    // A line that is JSON but no event.
    std::fs::write(
        d.join("notevent.jsonl"),
        format!("{{\"hello\":\"world\"}}\n{}\n", ev("ne2")),
    )
    .unwrap();
    // Records that is not a list.
    std::fs::write(
        d.join("records-object.json"),
        r#"{"Records":{"eventID":"x"}}"#,
    )
    .unwrap();
    // Wrong field types: the event is kept, the problem reported.
    std::fs::write(
        d.join("types.jsonl"),
        "{\"eventID\":\"wt\",\"eventName\":7,\"userIdentity\":\"root\"}\n",
    )
    .unwrap();
    // Binary garbage under a log name.
    std::fs::write(d.join("binary.json"), [0u8, 159, 146, 150, 1, 2, 3]).unwrap();
    // A dangling link: unreadable.
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("nowhere.json"), d.join("dangling.json")).unwrap();

    let index = load_one(d);
    let got = ids(&index);
    for want in ["good1", "good2", "b1", "b3", "ne2", "wt", "t0", "t100"] {
        assert!(
            got.contains(&want.to_string()),
            "{want} missing from {got:?}"
        );
    }
    assert!(
        got.len() < 2 + 300 + 2 + 1 + 1,
        "the truncated file cannot be complete"
    );

    let e = errors_for(&index, "truncated.jsonl.gz");
    assert!(
        e.iter().any(|e| e.message.contains("truncated gzip")),
        "{e:?}"
    );
    let e = errors_for(&index, "badline.jsonl");
    assert_eq!((e.len(), e[0].line), (1, Some(2)), "{e:?}");
    let e = errors_for(&index, "notevent.jsonl");
    assert!(
        e[0].message.contains("not a CloudTrail event") && e[0].line == Some(1),
        "{e:?}"
    );
    let e = errors_for(&index, "records-object.json");
    assert!(e[0].message.contains("not a list"), "{e:?}");
    let e = errors_for(&index, "types.jsonl");
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e.iter().all(|e| e.message.contains("event kept")));
    let e = errors_for(&index, "binary.json");
    assert!(e[0].message.starts_with("not JSON"), "{e:?}");
    #[cfg(unix)]
    assert!(
        !errors_for(&index, "dangling.json").is_empty(),
        "{:?}",
        index.errors
    );
    // Every error names its file in its display form.
    for e in &index.errors {
        assert!(e.to_string().starts_with(&e.path.display().to_string()));
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_cannot_trap_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    write_lines(&sub, "e.jsonl", &[ev("loop-ok")]);
    std::os::unix::fs::symlink(dir.path(), sub.join("back-to-top")).unwrap();
    let index = load_one(dir.path());
    assert_eq!(ids(&index), ["loop-ok"]);
    assert!(
        index.errors.iter().any(|e| e.message.contains("loop")),
        "{:?}",
        index.errors
    );
}

#[test]
fn deeply_nested_values_are_errors_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    std::fs::write(
        dir.path().join("deep.jsonl"),
        format!("{deep}\n{}\n", ev("after")),
    )
    .unwrap();
    let mut nested = ev("nested");
    set(
        &mut nested,
        "requestParameters.policy",
        Some(serde_json::Value::Null),
    );
    let text = nested.to_string().replace(
        "\"policy\":null",
        &format!("\"policy\":{}1{}", "[".repeat(5000), "]".repeat(5000)),
    );
    std::fs::write(dir.path().join("deep-field.jsonl"), format!("{text}\n")).unwrap();
    let index = load_one(dir.path());
    assert!(!errors_for(&index, "deep.jsonl").is_empty());
    assert!(ids(&index).contains(&"after".to_string()));
    // Over the default depth cap (64), the event is skipped at load.
    assert!(
        errors_for(&index, "deep-field.jsonl")
            .iter()
            .any(|e| e.message.contains("nested deeper than 64")),
        "{:?}",
        index.errors
    );
    // With the cap raised, the rule engine (which parses CreateAccessKey
    // events in full) reports serde's recursion limit: a problem, not a crash.
    let rules = trailhunt::rules::RuleSet::builtin();
    let opts = trailhunt::loader::LoadOptions {
        keep_raw: rules.keep_raw(),
        max_depth: 100_000,
        ..Default::default()
    };
    let index = trailhunt::loader::load(&[dir.path().to_path_buf()], &opts, &mut |_| {});
    let out = rules.run(&index, trailhunt::rules::Semantics::Strict);
    assert!(
        out.errors
            .iter()
            .any(|e| e.message.contains("recursion limit")),
        "{:?}",
        out.errors
    );
}

#[test]
fn summary_names_files_events_span_accounts_regions_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = ev("b");
    set(&mut b, "eventTime", Some(json!("2026-11-04T12:00:00Z")));
    set(&mut b, "awsRegion", Some(json!("eu-west-1")));
    set(
        &mut b,
        "userIdentity.accountId",
        Some(json!("444455556666")),
    );
    write_lines(dir.path(), "e.jsonl", &[ev("a"), b]);
    std::fs::write(dir.path().join("bad.json"), "{nope").unwrap();
    let index = load_one(dir.path());
    let s = index.summary();
    for want in [
        "2 files",
        "2 events",
        "2026-11-02T10:00:00Z .. 2026-11-04T12:00:00Z",
        "2 accounts",
        "2 regions",
        "1 errors",
    ] {
        assert!(s.contains(want), "{want:?} not in {s}");
    }
    assert_eq!(index.stats.accounts.len(), 2);
}

#[test]
fn missing_paths_are_reported() {
    let index = load_one(Path::new("/definitely/not/here"));
    assert_eq!(index.errors.len(), 1);
    assert!(index.errors[0].message.contains("cannot read"));
}

#[test]
fn raw_many_reads_each_event_as_raw_does_in_the_order_asked() {
    let dir = tempfile::tempdir().unwrap();
    let row = |e: &serde_json::Value| json!({"preview": false, "result": {"_raw": e.to_string()}});
    write_lines(dir.path(), "export.json", &[row(&ev("s1")), row(&ev("s2"))]);
    std::fs::write(
        dir.path().join("b.json.gz"),
        gzip(records(&[ev("g1"), ev("g2"), ev("g3")]).as_bytes()),
    )
    .unwrap();
    write_lines(dir.path(), "c.jsonl", &[ev("p1"), ev("p2")]);
    let index = load_one(dir.path());
    assert!(index.errors.is_empty(), "{:?}", index.errors);
    // Out of order, across files, with a repeat and an unknown event.
    let n = index.events.len();
    let mut ask: Vec<usize> = (0..n).rev().collect();
    ask.push(0);
    ask.push(n + 5);
    let many = index.raw_many(&ask);
    assert_eq!(many.len(), ask.len());
    for (&ei, got) in ask.iter().zip(&many) {
        match index.events.get(ei) {
            Some(e) => assert_eq!(**got.as_ref().unwrap(), *index.raw(e).unwrap()),
            None => assert!(got.is_err()),
        }
    }
    // The Splunk rows come back unwrapped, as the event itself.
    let s1 = index
        .events
        .iter()
        .position(|e| e.loc().splunk_raw)
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(index.raw_many(&[s1])[0].as_ref().unwrap()).unwrap();
    assert!(v["eventID"].as_str().unwrap().starts_with('s'));
}

#[test]
fn events_across_read_chunks_keep_exact_places_and_read_back() {
    // Files of several 1 MiB read chunks, so records, lines, multi-byte
    // characters and invalid bytes fall across chunk edges; every event's
    // line, offset and raw text must come out as from the whole file.
    let dir = tempfile::tempdir().unwrap();
    let pad = "é€😀".repeat(700);
    let events: Vec<serde_json::Value> = (0..1500)
        .map(|i| {
            let mut e = ev(&format!("r{i}"));
            e["requestParameters"] = json!({ "pad": pad, "n": i });
            e
        })
        .collect();
    // Invalid UTF-8 inside strings: each byte becomes four characters of text.
    let mut text = records(&events).into_bytes();
    for k in 1..40 {
        let at = text.len() * k / 40;
        let q = at + text[at..].iter().position(|&b| b == b'\xc3').unwrap();
        text[q..q + 2].copy_from_slice(b"\xffx");
    }
    std::fs::write(dir.path().join("big.json.gz"), gzip(&text)).unwrap();
    let lines: Vec<String> = (0..1500)
        .map(|i| {
            let mut e = ev(&format!("l{i}"));
            e["requestParameters"] = json!({ "pad": pad });
            e.to_string()
        })
        .collect();
    std::fs::write(dir.path().join("big.jsonl"), lines.join("\n")).unwrap();
    let index = load_one(dir.path());
    assert_eq!(index.events.len(), 3000, "{:?}", index.errors);
    for (k, e) in index.events.iter().enumerate() {
        let id = index.event_id(e).unwrap();
        let n: u32 = id[1..].parse().unwrap();
        if id.starts_with('l') {
            assert_eq!(e.loc().line, n + 1);
        }
        // A re-read inflates the file up to the event: a sample will do.
        if k % 25 == 0 || n == 1499 {
            let raw = index.raw_at(&e.loc()).unwrap();
            let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
            assert_eq!(v["eventID"], id);
        }
    }
    let bad = errors_for(&index, "big.json.gz");
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(
        bad[0].message.contains("invalid UTF-8: 39 byte(s)"),
        "{bad:?}"
    );
}
