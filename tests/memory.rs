//! A worker's memory is bounded by the largest event, not by the file: the
//! real binary's peak resident memory (the kernel's high-water mark for a
//! waited-for child, `getrusage(RUSAGE_CHILDREN)`) on a 1 GiB sparse plain
//! file and on 300 MiB-inflated gzips. Memory, not time, is checked.
//!
//! Writing and reading 600 MiB takes a while in a debug build, so this is
//! `#[ignore]`d in the normal suite; `benches/memory.sh` runs it against the
//! release binary (`cargo test --release --test memory -- --ignored`).

use flate2::{Compression, write::GzEncoder};
use nix::sys::resource::{UsageWho, getrusage};
use std::io::Write;
use std::path::Path;
use std::process::Command;

const MIB: i64 = 1 << 20;

/// Peak resident memory, in bytes, of the largest child waited for so far.
fn children_peak() -> i64 {
    // Linux reports ru_maxrss in KiB.
    getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss() * 1024
}

/// Runs `trailhunt scan` on `dir`; returns its stderr.
fn scan(dir: &Path, threads: &str) -> String {
    // TRAILHUNT_BIN runs another build (an older one, to see it fail).
    let bin = std::env::var_os("TRAILHUNT_BIN").unwrap_or(env!("CARGO_BIN_EXE_trailhunt").into());
    let out = Command::new(bin)
        .args([
            "scan",
            "--no-cache",
            "--format",
            "ndjson",
            "--threads",
            threads,
        ])
        .arg(dir)
        .env("TRAILHUNT_DATA_DIR", dir.join(".data"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A `{"Records":[…]}` gzip of about `mib` MiB inflated: CloudTrail-shaped
/// records of about 64 KiB each (a policy document of hex noise, which
/// compresses about 2:1, well inside the ratio guard).
fn records_gzip(path: &Path, mib: usize, seed: u64) -> usize {
    let mut z = GzEncoder::new(
        std::io::BufWriter::new(std::fs::File::create(path).unwrap()),
        Compression::fast(),
    );
    let mut x = seed | 1;
    let mut noise = vec![0u8; 64 << 10];
    z.write_all(b"{\"Records\":[").unwrap();
    let mut n = 0;
    while n * (64 << 10) < mib << 20 {
        for b in noise.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = b"0123456789abcdef"[(x & 15) as usize];
        }
        let sep = if n == 0 { "" } else { "," };
        write!(
            z,
            "{sep}{{\"eventVersion\":\"1.08\",\"userIdentity\":{{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/u{u}\",\"accountId\":\"111122223333\",\"accessKeyId\":\"AKIA{n:016}\",\"userName\":\"u{u}\"}},\"eventTime\":\"2026-01-01T00:{m:02}:00Z\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"PutUserPolicy\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"198.51.100.{u}\",\"userAgent\":\"aws-cli/2\",\"requestParameters\":{{\"userName\":\"u{u}\",\"policyDocument\":\"",
            u = n % 200,
            m = n % 60,
        )
        .unwrap();
        z.write_all(&noise).unwrap();
        write!(
            z,
            "\"}},\"responseElements\":null,\"eventID\":\"{seed}-{n}\",\"eventType\":\"AwsApiCall\",\"recipientAccountId\":\"111122223333\"}}"
        )
        .unwrap();
        n += 1;
    }
    z.write_all(b"]}").unwrap();
    z.finish().unwrap().flush().unwrap();
    n
}

#[test]
#[ignore = "writes 600 MiB; run by benches/memory.sh (cargo test --release --test memory -- --ignored)"]
fn peak_memory_is_bounded_by_the_event_not_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    // A 1 GiB sparse plain file (all NUL bytes): one clear error, and the
    // file is not read into memory (it used to cost 1.06 GB).
    let sparse = tmp.path().join("sparse");
    std::fs::create_dir(&sparse).unwrap();
    std::fs::File::create(sparse.join("sparse.json"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let err = scan(&sparse, "1");
    assert!(err.contains("sparse.json:1 (byte 0): not JSON"), "{err}");
    let peak = children_peak();
    eprintln!("1 GiB sparse plain file: peak {} MiB", peak / MIB);
    assert!(
        peak < 64 * MIB,
        "1 GiB sparse file: peak {} MiB",
        peak / MIB
    );

    // Two 300 MiB-inflated gzips read at once: each worker holds a chunk
    // and one event (64 KiB here), not its file (they cost 765 MB).
    let two = tmp.path().join("two");
    std::fs::create_dir(&two).unwrap();
    let n = records_gzip(&two.join("a.json.gz"), 300, 7);
    records_gzip(&two.join("b.json.gz"), 300, 11);
    let err = scan(&two, "2");
    assert!(
        err.contains(&format!("2 files (0 skipped), {} events", 2 * n)),
        "{err}"
    );
    let peak = children_peak();
    eprintln!(
        "two 300 MiB-inflated gzips, 2 threads: peak {} MiB",
        peak / MIB
    );
    assert!(
        peak < 96 * MIB,
        "two 300 MiB-inflated gzips, 2 threads: peak {} MiB",
        peak / MIB
    );
}
