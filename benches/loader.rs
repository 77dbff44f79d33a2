//! Loader micro-benchmarks (`cargo bench --bench loader`): splitting a
//! CloudTrail file into records, parsing records (the one-pass reader
//! against scan + serde), indexing it (split + typed parse + digest +
//! interning), and running the rule over an index. Data comes from the
//! project's generator. Each step runs many times; the median and the 95th
//! percentile are printed with throughput. With `BENCH_HEAP_DIR=DIR` it
//! instead loads DIR and prints the index's heap bytes by table.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use trailhunt::event::wire::Wire;
use trailhunt::loader::{LoadOptions, decode, index_file_bytes, load, record, scan, split};
use trailhunt::rules::{RuleSet, Semantics};

fn measure(name: &str, bytes: u64, runs: usize, mut f: impl FnMut()) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let med = times[runs / 2];
    let p95 = times[(runs * 95 / 100).min(runs - 1)];
    let rate = if bytes > 0 {
        format!(
            "  {:7.0} MiB/s",
            bytes as f64 / med.as_secs_f64() / (1 << 20) as f64
        )
    } else {
        String::new()
    };
    println!("{name:28} median {med:>10.3?}  p95 {p95:>10.3?}{rate}");
}

/// Where the index's bytes go, table by table, for the tree at `dir` loaded
/// as `scan` loads it by default (the seed's and the pack's events kept raw).
fn heap(dir: &std::path::Path) {
    let opts = LoadOptions {
        keep_raw: RuleSet::builtin_with_pack().keep_raw(),
        ..LoadOptions::default()
    };
    let index = load(&[dir.to_path_buf()], &opts, &mut |_| {});
    let n = index.events.len().max(1);
    println!(
        "{} events, size_of::<Event>() = {} bytes, {} strings",
        index.events.len(),
        std::mem::size_of::<trailhunt::event::Event>(),
        index.strings.len()
    );
    let mut total = 0;
    for (table, bytes) in index.heap_bytes() {
        total += bytes;
        println!(
            "{table:18} {bytes:>12} bytes  {:6.1} per event",
            bytes as f64 / n as f64
        );
    }
    println!(
        "{:18} {total:>12} bytes  {:6.1} per event",
        "total",
        total as f64 / n as f64
    );
}

fn main() {
    if let Some(d) = std::env::var_os("BENCH_HEAP_DIR") {
        return heap(std::path::Path::new(&d));
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logs");
    let events = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    trailhunt_demo::generate(&trailhunt_demo::DemoOptions {
        out: out.clone(),
        events,
        ..Default::default()
    })
    .unwrap();
    let files: Vec<PathBuf> = walk(&out);
    let inflated: Vec<Vec<u8>> = files
        .iter()
        .map(|p| decode::decode(std::fs::read(p).unwrap(), u64::MAX, u64::MAX).bytes)
        .collect();
    let total: u64 = inflated.iter().map(|b| b.len() as u64).sum();
    println!(
        "{} files, {events} events, {} MiB of JSON",
        files.len(),
        total >> 20
    );
    let rules = RuleSet::builtin();
    let opts = LoadOptions {
        keep_raw: rules.keep_raw(),
        threads: Some(1),
        ..LoadOptions::default()
    };

    measure("inflate (zlib-rs)", total, 9, || {
        for p in &files {
            black_box(decode::decode(
                std::fs::read(p).unwrap(),
                u64::MAX,
                u64::MAX,
            ));
        }
    });
    measure("split records", total, 9, || {
        let mut n = 0;
        let mut problems = Vec::new();
        for b in &inflated {
            split::split(b, &mut |_| n += 1, &mut problems);
        }
        black_box(n);
    });
    // The same records through the one-pass reader and through the general
    // path it stands in for (structural scan + serde).
    let mut records: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    for b in &inflated {
        split::split(b, &mut |p| records.push(p.json.to_string()), &mut problems);
    }
    let record_bytes: u64 = records.iter().map(|r| r.len() as u64).sum();
    measure("parse records: one pass", record_bytes, 9, || {
        for r in &records {
            black_box(record::read(r, 0).is_some());
        }
    });
    measure("parse records: scan + serde", record_bytes, 9, || {
        for r in &records {
            let x = scan::container(r.as_bytes(), 0).unwrap();
            black_box(serde_json::from_str::<Wire>(&r[..x.end]).is_ok());
        }
    });
    measure("index file bytes (1 core)", total, 9, || {
        for b in &inflated {
            black_box(index_file_bytes(b.clone(), &opts));
        }
    });
    let index = load(std::slice::from_ref(&out), &opts, &mut |_| {});
    measure("load, 1 thread (incl. I/O)", total, 5, || {
        black_box(load(std::slice::from_ref(&out), &opts, &mut |_| {}));
    });
    measure("rules, strict", 0, 21, || {
        black_box(rules.run(&index, Semantics::Strict));
    });
    measure("rules, splunk", 0, 21, || {
        black_box(rules.run(&index, Semantics::Splunk));
    });
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else if p.to_string_lossy().ends_with(".json.gz")
            && !p.to_string_lossy().contains("Digest")
        {
            v.push(p);
        }
    }
    v.sort();
    v
}
