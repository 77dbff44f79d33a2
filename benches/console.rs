//! Console benchmarks (`cargo bench --bench console`), with a small
//! harness of its own: run a step many times, report the median and the
//! 95th percentile.
//!
//! - keypress to frame: one key through `update`, then a full draw on a
//!   160×48 `TestBackend`, with 100,000 synthetic findings loaded;
//! - a filter keystroke: typing one character of a `/` filter (re-filtering
//!   all 100,000 rows) and drawing;
//! - first findings on screen for demo-logs: load, rules, display rows and
//!   the first frame, from nothing.
//!
//! Both run twice: with one rule, and with 20 rules sharing the findings.
//! Then once more over a large index (issue 14): the same 100,000 findings
//! among `BENCH_INDEX_EVENTS` events (default 10,000,000), one new key used
//! 100,000 times, with the Key usage pane for that key and for a key never
//! used (`BENCH_INDEX_EVENTS=0` skips it).
//!
//! Targets from issue 3: under 16 ms, under 30 ms, within 1 s; issue 14:
//! the Key usage pane for a key with 100k uses within 50 ms.

use clap::Parser;
use std::path::Path;
use std::time::{Duration, Instant};
use trailhunt::tui::data::Col;
use trailhunt::tui::headless::{self, Headless};
use trailhunt::tui::synthetic;

const FINDINGS: usize = 100_000;
const W: u16 = 160;
const H: u16 = 48;

struct Stats {
    median: Duration,
    p95: Duration,
    runs: usize,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let runs = v.len();
    Stats {
        median: v[runs / 2],
        p95: v[(runs * 95 / 100).min(runs - 1)],
        runs,
    }
}

fn report(name: &str, s: &Stats, target: Duration) {
    let ok = if s.median <= target {
        "ok"
    } else {
        "OVER TARGET"
    };
    println!(
        "{name:<44} median {:>9.3} ms   p95 {:>9.3} ms   ({} runs; target {} ms: {ok})",
        s.median.as_secs_f64() * 1e3,
        s.p95.as_secs_f64() * 1e3,
        s.runs,
        target.as_millis()
    );
}

/// Times `keys` followed by a draw, `n` times.
fn time_keys(c: &mut Headless, keys: &str, n: usize) -> Vec<Duration> {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            c.keys(keys);
            c.draw();
            t.elapsed()
        })
        .collect()
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    // One rule (the seed alone), then 20 rules (issue 13: the RULE column,
    // the per-rule header counts and rule: filters at 100k findings).
    for rules in [1, 20] {
        console(rules);
    }
    let events = std::env::var("BENCH_INDEX_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    if events > 0 {
        large_index(events);
    }

    // Time to first findings on screen for demo-logs.
    let demo = Path::new("demo-logs");
    if demo.join("AWSLogs").is_dir() {
        // Cold: every file read and inflated. Warm: the loader's index cache
        // (written by the first warm run, which is not counted) skips them.
        for (label, args) in [
            (
                "cold, --no-cache",
                &["trailhunt", "--no-cache", "demo-logs"][..],
            ),
            ("index cache warm", &["trailhunt", "demo-logs"][..]),
        ] {
            let cli = trailhunt::cli::Cli::parse_from(args);
            let mut v = Vec::new();
            let mut findings = 0;
            for run in 0..8 {
                let t = Instant::now();
                let data = headless::load(&cli.console.config()).expect("demo-logs loads");
                findings = data.findings.len();
                let mut c = Headless::new(data, 100, 30);
                let screen = c.render();
                if run > 0 {
                    v.push(t.elapsed());
                }
                assert!(screen.contains("findings"), "{screen}");
            }
            report(
                &format!("first findings: demo-logs ({findings}), {label}"),
                &stats(v),
                Duration::from_secs(1),
            );
        }
    } else {
        println!("first findings on screen: demo-logs not generated; skipped");
    }
}

/// The keypress and filter timings with `rules` rules loaded.
fn console(rules: usize) {
    let t = Instant::now();
    let data = synthetic::data_rules(FINDINGS, rules);
    println!(
        "\nbuilt {FINDINGS} synthetic findings over {rules} rule(s) in {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut c = Headless::new(data, W, H);
    c.draw();
    let frame = Duration::from_millis(16);

    // Moving the selection down (the viewport scrolls every 40-odd rows).
    let mut v = time_keys(&mut c, "j", 2000);
    report(
        "keypress→frame: j (list, 100k findings)",
        &stats(std::mem::take(&mut v)),
        frame,
    );
    let mut v = Vec::new();
    for _ in 0..200 {
        v.extend(time_keys(&mut c, "G", 1));
        v.extend(time_keys(&mut c, "g", 1));
    }
    report("keypress→frame: G / g (jump to the ends)", &stats(v), frame);
    let v = (0..300)
        .flat_map(|_| {
            let a = time_keys(&mut c, "<Enter>", 1);
            let b = time_keys(&mut c, "<Esc>", 1);
            a.into_iter().chain(b)
        })
        .collect();
    report("keypress→frame: Enter / Esc (risk pane)", &stats(v), frame);
    c.keys("2");
    let v = time_keys(&mut c, "j", 500);
    report("keypress→frame: j (raw event pane)", &stats(v), frame);
    c.keys("<Esc>");
    let v = time_keys(&mut c, "s", 50);
    report(
        "keypress→frame: s (re-sort 100k)",
        &stats(v),
        Duration::from_millis(100),
    );
    while c.app.list.sort != Col::Time {
        c.keys("s");
    }

    let v = (0..20)
        .flat_map(|_| {
            let a = time_keys(&mut c, "v", 1);
            let b = time_keys(&mut c, "v", 1);
            a.into_iter().chain(b)
        })
        .collect();
    report(
        "keypress→frame: v / v (group 100k, back)",
        &stats(v),
        Duration::from_millis(100),
    );

    // The zone toggle re-formats every row's time for the filter.
    let v = time_keys(&mut c, "t", 20);
    report(
        "keypress→frame: t (re-zone 100k rows)",
        &stats(v),
        Duration::from_millis(100),
    );
    if !c.app.utc {
        c.keys("t");
    }

    // Filter keystrokes: type a filter one character at a time, then clear it.
    let word = "user042";
    let mut per_key = Vec::new();
    for _ in 0..30 {
        c.keys("/");
        for ch in word.chars() {
            per_key.extend(time_keys(&mut c, &ch.to_string(), 1));
        }
        per_key.extend(time_keys(&mut c, "<BS>", 1));
        c.keys("<Esc>");
    }
    report(
        "filter keystroke: fuzzy word (100k rows)",
        &stats(per_key),
        Duration::from_millis(30),
    );
    let mut per_key = Vec::new();
    for _ in 0..30 {
        c.keys("/");
        for ch in "src:198.51.2 !svc-1".chars() {
            per_key.extend(time_keys(&mut c, &ch.to_string(), 1));
        }
        c.keys("<Esc>");
    }
    report(
        "filter keystroke: field terms (100k rows)",
        &stats(per_key),
        Duration::from_millis(30),
    );
    let matched = c.app.list.visible.len();
    println!("  (after Esc {matched} findings visible again)");
    if rules > 1 {
        // A rule: filter, typed a character at a time (the rule ids differ
        // only in their last characters, so every keystroke tests them all).
        let mut per_key = Vec::new();
        for _ in 0..30 {
            c.keys("/");
            for ch in "rule:synthetic-07".chars() {
                per_key.extend(time_keys(&mut c, &ch.to_string(), 1));
            }
            c.keys("<Esc>");
        }
        report(
            "filter keystroke: rule:synthetic-07",
            &stats(per_key),
            Duration::from_millis(30),
        );
    }
}

/// Keypresses, filter keystrokes and the Key usage pane over an index of
/// `events` events.
fn large_index(events: usize) {
    const USES: usize = 100_000;
    let t = Instant::now();
    let data = synthetic::data_padded(FINDINGS, events, USES);
    println!(
        "\nbuilt {FINDINGS} findings in an index of {} events ({USES} uses of one new key) in {:.0} ms",
        data.index.events.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    // What the pane's speed costs once, when the console's data is built:
    // one pass over the index for every finding's new key.
    let v = (0..5)
        .map(|_| {
            let t = Instant::now();
            let built = trailhunt::rules::usage::KeyUsageIndex::new(&data.index, &data.findings);
            assert_eq!(built.keys(), FINDINGS);
            t.elapsed()
        })
        .collect();
    let label = |what: &str| format!("{what} ({}M events)", events / 1_000_000);
    report(
        &label("Key usage index, built once with the data"),
        &stats(v),
        Duration::from_millis(1000),
    );
    let mut c = Headless::new(data, W, H);
    c.draw();
    let frame = Duration::from_millis(16);
    report(
        &label("keypress→frame: j"),
        &stats(time_keys(&mut c, "j", 1000)),
        frame,
    );
    let v = (0..100)
        .flat_map(|_| {
            let a = time_keys(&mut c, "<Enter>", 1);
            let b = time_keys(&mut c, "<Esc>", 1);
            a.into_iter().chain(b)
        })
        .collect();
    report(&label("keypress→frame: Enter / Esc"), &stats(v), frame);
    let mut per_key = Vec::new();
    for _ in 0..10 {
        c.keys("/");
        for ch in "user042".chars() {
            per_key.extend(time_keys(&mut c, &ch.to_string(), 1));
        }
        c.keys("<Esc>");
    }
    report(
        &label("filter keystroke: fuzzy word"),
        &stats(per_key),
        Duration::from_millis(30),
    );

    // The Key usage pane ('3' from the list, then drawn), alternating
    // between the finding whose key is used 100k times and its neighbour,
    // whose key is never used, so that neither comes from the pane's memo.
    let used = c
        .app
        .data
        .as_ref()
        .and_then(|d| {
            d.findings
                .iter()
                .position(|f| f.new_key.as_deref() == Some("AKIASYNTH00000000000"))
        })
        .expect("the first finding");
    let (mut busy, mut idle) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        select(&mut c, used);
        busy.extend(time_keys(&mut c, "3", 1));
        let shown = c
            .app
            .detail
            .keys
            .as_ref()
            .map_or(0, |(_, k)| k.events.len());
        assert_eq!(shown, USES + 5, "the pane shows the busy key");
        c.keys("<Esc>");
        select(&mut c, used + 1);
        idle.extend(time_keys(&mut c, "3", 1));
        c.keys("<Esc>");
    }
    report(
        &label("Key usage pane: key used 100k times"),
        &stats(busy),
        Duration::from_millis(50),
    );
    report(
        &label("Key usage pane: key never used"),
        &stats(idle),
        Duration::from_millis(50),
    );
}

/// Moves the list's selection onto finding `i` (directly: stepping there
/// is not what is timed).
fn select(c: &mut Headless, i: usize) {
    let at = c.app.list.visible.iter().position(|&f| f as usize == i);
    let at = at.expect("the finding is in the list");
    c.app.list.cursor.selected = at;
    c.app.list.cursor.offset = at;
    assert_eq!(c.app.selected_finding(), Some(i));
}
