//! The command line: arguments become a [`crate::hunt::Config`], a command
//! runs it, and its outcome becomes an exit status. `main.rs` only parses and
//! calls [`run`]; nothing else in the crate imports this module.

pub mod allowlist;
pub mod args;
pub mod output;
pub mod prefilter;
pub mod progress;
pub mod scan;

use crate::sanitize::escape;
pub use args::{ConsoleArgs, LoadArgs, ScanArgs, WorkspaceArgs};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit status: no findings.
pub const EXIT_CLEAN: u8 = 0;
/// Exit status: at least one finding.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status: usage or fatal error.
pub const EXIT_ERROR: u8 = 2;

/// A terminal hunting console for AWS CloudTrail.
///
/// `trailhunt PATH...` opens the console on the logs under PATH;
/// `trailhunt scan PATH...` prints findings for scripts and pipelines.
#[derive(Parser, Debug)]
#[command(name = "trailhunt", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub console: ConsoleArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Load logs, run the rules, print the findings (headless).
    Scan(ScanArgs),
    /// Read and change the allowlist (the rules' filter macros) from scripts.
    Allowlist(allowlist::AllowlistArgs),
    /// Print the pushdown plan for the rules, or run it on Spark over a
    /// CloudTrail tree (local or s3a://) to keep only what the rules and
    /// the Key usage and Related panes need.
    Prefilter(prefilter::PrefilterArgs),
}

/// Runs the parsed command line and returns the process exit status.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Some(Command::Scan(args)) => scan::scan(&args),
        Some(Command::Allowlist(args)) => allowlist::run(&args),
        Some(Command::Prefilter(args)) => prefilter::run(&args),
        None => console(&cli.console),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::errln!("trailhunt: {}", escape(&format!("{e:#}")));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn console(args: &ConsoleArgs) -> anyhow::Result<u8> {
    if args.paths.is_empty() {
        anyhow::bail!("name at least one file or directory of CloudTrail logs (see --help)");
    }
    let options = crate::tui::Options {
        tz: args
            .tz
            .as_deref()
            .map(crate::event::zone::Zone::parse)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        clipboard: args.clipboard.into(),
    };
    crate::tui::run(args.config(), options)?;
    Ok(EXIT_CLEAN)
}
