//! `trailhunt prefilter`: the pushdown plan for the loaded rules
//! (`--plan`), or the plan handed to the PySpark job shipped in
//! `scaleout/prefilter.py` (`--engine spark`), which keeps the events the
//! rules and the Key usage and Related panes need and writes them for
//! `trailhunt PREFILTERED_DIR`. See README, "Beyond one machine".

use super::output::{self, errln};
use super::{EXIT_CLEAN, EXIT_ERROR};
use crate::hunt::Config;
use crate::rules::plan::Plan;
use crate::sanitize::escape;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::Command;

/// The job, compiled in so the binary alone can run it.
const JOB: &str = include_str!("../../scaleout/prefilter.py");

/// `--engine`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// Apache Spark, through `spark-submit` (local or a cluster).
    Spark,
}

/// `trailhunt prefilter`'s arguments.
#[derive(Args, Debug, Clone)]
pub struct PrefilterArgs {
    /// Print the pushdown plan (JSON) for the loaded rules and exit.
    #[arg(long, conflicts_with_all = ["engine", "out"])]
    pub plan: bool,
    /// Add the rules under DIR (recursively) to the built-in rules; repeatable.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Leave out the built-in AWS IAM Privilege Escalation pack, as
    /// `scan --no-pack` does: plan for the seed (and any --rules) only.
    #[arg(long)]
    pub no_pack: bool,
    /// Keep related activity this far either side of a candidate (`30m`,
    /// `1h`, `7d`); the Related pane is then the same up to this window
    /// only. Default: 30d, the console's widest.
    #[arg(long, value_name = "SPAN", value_parser = parse_span)]
    pub related_window: Option<i64>,
    /// Run the prefilter job on this engine.
    #[arg(long, value_enum, requires = "out")]
    pub engine: Option<EngineArg>,
    /// Where the job writes the kept events (a local path or s3a://…).
    #[arg(long, value_name = "DIR")]
    pub out: Option<String>,
    /// The spark-submit to run (default: `spark-submit` on PATH).
    #[arg(long, value_name = "PROGRAM", default_value = "spark-submit")]
    pub spark_submit: String,
    /// An option for spark-submit, before the job (`--spark-arg=--master
    /// --spark-arg=yarn`); repeatable.
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    pub spark_arg: Vec<String>,
    /// CloudTrail trees to read: local paths or s3a://bucket/AWSLogs/….
    #[arg(value_name = "TREE")]
    pub trees: Vec<String>,
}

/// Runs `prefilter`; returns the exit status.
pub fn run(args: &PrefilterArgs) -> anyhow::Result<u8> {
    let config = Config {
        rule_dirs: args.rules.clone(),
        no_pack: args.no_pack,
        ..Config::default()
    };
    let rules = config.rules()?;
    for p in &rules.problems {
        errln!("trailhunt: {}", p.escaped());
    }
    let plan = match args.related_window {
        Some(ms) => Plan::with_window(&rules, ms),
        None => Plan::new(&rules),
    };
    if args.plan {
        output::with_stdout(|out| {
            writeln!(out, "{}", plan.to_json())?;
            Ok(())
        })?;
        return Ok(EXIT_CLEAN);
    }
    let (Some(EngineArg::Spark), Some(out)) = (args.engine, &args.out) else {
        anyhow::bail!("name --plan, or --engine spark with --out DIR and the trees to read");
    };
    if args.trees.is_empty() {
        anyhow::bail!("name at least one CloudTrail tree to read (a path or s3a://…/AWSLogs/)");
    }
    // The plan and the job go to a private folder that outlives the run
    // only as long as spark-submit needs it.
    let dir = tempfile::tempdir()?;
    let plan_path = dir.path().join("plan.json");
    let job_path = dir.path().join("prefilter.py");
    crate::atomic::write(&plan_path, plan.to_json().as_bytes())?;
    crate::atomic::write(&job_path, JOB.as_bytes())?;
    let status = Command::new(&args.spark_submit)
        .args(&args.spark_arg)
        .arg(&job_path)
        .arg("--plan")
        .arg(&plan_path)
        .arg("--out")
        .arg(out)
        .args(&args.trees)
        .status()
        .map_err(|e| anyhow::anyhow!("cannot run {}: {e}", args.spark_submit))?;
    if !status.success() {
        errln!("trailhunt: the prefilter job failed ({status})");
        return Ok(EXIT_ERROR);
    }
    errln!("trailhunt: kept events written to {}", escape(out));
    Ok(EXIT_CLEAN)
}

/// `90m`, `1h`, `7d` as milliseconds.
fn parse_span(s: &str) -> Result<i64, String> {
    let bad = || format!("`{s}` is not a span like 30m, 1h or 7d");
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = n.parse().map_err(|_| bad())?;
    let ms = match unit {
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    n.checked_mul(ms).filter(|v| *v >= 0).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::parse_span;

    #[test]
    fn spans_read_minutes_hours_and_days() {
        assert_eq!(parse_span("90m"), Ok(90 * 60_000));
        assert_eq!(parse_span("1h"), Ok(3_600_000));
        assert_eq!(parse_span("30d"), Ok(30 * 86_400_000));
        assert!(parse_span("1w").is_err());
        assert!(parse_span("h").is_err());
        assert!(parse_span("-1h").is_err());
        assert!(parse_span("99999999999999999d").is_err());
    }
}
