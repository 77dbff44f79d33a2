//! `trailhunt scan`: run the hunt, print the findings, exit 1 when any is
//! not suppressed; `--follow` prints new ones as NDJSON as files arrive.

use super::args::ScanArgs;
use super::output::{self, errln, outln};
use super::progress::hunt_with_progress;
use super::{EXIT_CLEAN, EXIT_FINDINGS};
use crate::event::zone::Zone;
use crate::hunt::follow::Follower;
use crate::hunt::scope::Scope;
use crate::hunt::triage::{Triage, for_scan};
use crate::hunt::{Config, Hunt};
use crate::report::{self, Format};
use crate::sanitize::escape;
use std::io::Write;
use std::time::Duration;

/// Runs `scan`; returns the exit status.
pub fn scan(args: &ScanArgs) -> anyhow::Result<u8> {
    let config = args.config();
    for n in config.check_paths()? {
        eprintln!("trailhunt: {}", escape(&n));
    }
    if config.follow {
        return scan_follow(&config);
    }
    // A bad zone is a usage error: say so before a long load.
    let zone = match &args.tz {
        Some(z) => Zone::parse(z).map_err(anyhow::Error::msg)?,
        None => Zone::Utc,
    };
    let format: Format = args.format.into();
    let started = std::time::Instant::now();
    let rules = config.rules()?;
    let hunt = hunt_with_progress(&config, rules);
    let hunted = started.elapsed();
    let index = &hunt.index;
    for e in hunt.errors() {
        errln!("trailhunt: {}", e.escaped());
    }
    for n in &index.notes {
        errln!("trailhunt: {}", escape(n));
    }
    errln!("trailhunt: {}", index.summary());
    errln!(
        "trailhunt: {} findings ({} semantics)",
        hunt.findings.len(),
        config.semantics.name()
    );
    if index.files.is_empty() && !index.errors.is_empty() {
        anyhow::bail!("no log file could be read");
    }
    let now = chrono::Utc::now();
    let triage_started = std::time::Instant::now();
    let triage = for_scan(&config, &hunt.findings, now)?;
    for m in &triage.messages {
        errln!("trailhunt: {}", escape(m));
    }
    let (shown, notes) = triage.visible(&hunt.findings, config.show_suppressed);
    let scope = scope(&config, &hunt, &triage, zone, now);
    let triaged = triage_started.elapsed();
    let output_started = std::time::Instant::now();
    let write = |out: &mut dyn Write| {
        report::write_scoped(
            out,
            format,
            &shown,
            Some(&notes),
            index,
            &hunt.rules,
            &scope,
        )
    };
    if let Some(path) = &args.output {
        // A FIFO, a device or /dev/stdout is written into, never replaced.
        crate::atomic::write_output(path, write)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        errln!(
            "trailhunt: wrote {} findings to {}",
            shown.len(),
            escape(&path.display().to_string())
        );
    } else {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        output::with_stdout(write)?;
    }
    if args.timings {
        let load = index.stats.elapsed.min(hunted);
        errln!(
            "trailhunt: timings: load {:.3} s, rules {:.3} s, triage {:.3} s, output {:.3} s",
            load.as_secs_f64(),
            (hunted - load).as_secs_f64(),
            triaged.as_secs_f64(),
            output_started.elapsed().as_secs_f64()
        );
    }
    // Suppressed findings are known to be fine: they do not fail a pipeline.
    let code = if triage.unsuppressed() == 0 {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    };
    // The process ends here: freeing a million events one by one would only
    // delay the exit.
    std::mem::forget(hunt);
    Ok(code)
}

/// What a `scan` report covers.
fn scope(
    config: &Config,
    hunt: &Hunt,
    triage: &Triage,
    zone: Zone,
    now: chrono::DateTime<chrono::Utc>,
) -> report::evidence::ReportScope {
    Scope {
        index: &hunt.index,
        rules: &hunt.rules,
        semantics: hunt.semantics,
        findings_total: hunt.findings.len(),
        zone,
        now,
        allowlist: triage
            .workspace
            .as_ref()
            .map(|w| (w.allowlist.as_path(), &triage.allowlist)),
        suppressed: triage.evaluation.suppressed_count(),
        include_suppressed: config.show_suppressed,
        filter: None,
    }
    .build()
}

/// `scan --follow`: the findings as NDJSON, then each new finding as its
/// file arrives, until interrupted.
fn scan_follow(config: &Config) -> anyhow::Result<u8> {
    let rules = config.rules()?;
    let mut follower = Follower::start(config, &rules)?;
    let mut hunt = hunt_with_progress(config, rules);
    let mut printed = std::collections::HashSet::new();
    let mut reported_errors = 0;
    let mut first = true;
    loop {
        for e in hunt
            .index
            .errors
            .iter()
            .skip(reported_errors)
            .chain(&hunt.rule_errors)
        {
            errln!("trailhunt: {}", e.escaped());
        }
        reported_errors = hunt.index.errors.len();
        if first {
            errln!("trailhunt: {}", hunt.index.summary());
            errln!(
                "trailhunt: following {} path(s); new findings print as they arrive",
                config.paths.len()
            );
        }
        let triage = for_scan(config, &hunt.findings, chrono::Utc::now())?;
        if first {
            for m in &triage.messages {
                errln!("trailhunt: {}", escape(m));
            }
        }
        let (shown, notes) = triage.visible(&hunt.findings, config.show_suppressed);
        for (f, n) in shown.iter().zip(&notes) {
            if !printed.insert(f.key.clone()) {
                continue;
            }
            let mut v = report::finding_json::to_json(f, &hunt.index, &hunt.rules);
            report::finding_json::add_triage(&mut v, n);
            v["new"] = serde_json::Value::Bool(!first);
            // The same JSON text as `scan --format ndjson`: C1 controls and
            // bidi overrides written as \u escapes, never raw.
            let line = report::evidence::to_json_text(&v, false);
            outln!("{line}")?;
            if output::stdout_closed() {
                return Ok(EXIT_CLEAN);
            }
        }
        first = false;
        while follower
            .next(&mut hunt, Duration::from_millis(500))
            .is_empty()
        {}
    }
}
