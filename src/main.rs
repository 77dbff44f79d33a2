//! The `trailhunt` binary: parse arguments, call the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    trailhunt::cli::run(trailhunt::cli::Cli::parse())
}
