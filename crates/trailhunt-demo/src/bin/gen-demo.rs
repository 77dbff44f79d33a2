//! Generates the demo CloudTrail tree (or a large one for benchmarks).
//!
//! `cargo run --release -p trailhunt-demo --bin gen-demo -- --out demo-logs`

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use trailhunt_demo::{self as demo, DemoOptions};

/// Deterministic generator of realistic AWS CloudTrail logs.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Output root; files go under <OUT>/AWSLogs/.
    #[arg(long, default_value = "demo-logs")]
    out: PathBuf,
    /// Total records to write (the scripted story is always included).
    #[arg(long, default_value_t = demo::DEFAULT_EVENTS)]
    events: usize,
    /// PRNG seed; the same options give byte-identical files.
    #[arg(long, default_value_t = demo::DEFAULT_SEED)]
    seed: u64,
    /// Days covered, starting 2026-11-02T00:00:00Z.
    #[arg(long, default_value_t = demo::DEFAULT_DAYS)]
    days: u32,
    /// Remove <OUT>/AWSLogs first, so files of earlier runs with other
    /// options do not linger.
    #[arg(long)]
    clean: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.clean {
        let logs = args.out.join("AWSLogs");
        if logs.exists() {
            std::fs::remove_dir_all(&logs)
                .with_context(|| format!("removing {}", logs.display()))?;
        }
    }
    let opts = DemoOptions {
        out: args.out,
        events: args.events,
        seed: args.seed,
        days: args.days,
    };
    let started = Instant::now();
    let s = demo::generate(&opts).with_context(|| format!("writing {}", opts.out.display()))?;
    println!(
        "wrote {} log files ({} records) and {} digest files to {} in {:.2?}: {} bytes JSON, {} bytes gzipped",
        s.files,
        s.events,
        s.digest_files,
        opts.out.display(),
        started.elapsed(),
        s.bytes_raw,
        s.bytes_gz
    );
    Ok(())
}
