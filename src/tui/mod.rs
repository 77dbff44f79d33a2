//! The hunting console (being built): until it lands, the console command
//! prints what `scan` prints.

use crate::cli::{ConsoleArgs, ScanArgs};

/// Opens the console on `args.paths`.
pub fn run(args: &ConsoleArgs) -> anyhow::Result<u8> {
    crate::cli::scan_for_console(&ScanArgs {
        paths: args.paths.clone(),
        load: args.load.clone(),
        format: crate::report::Format::Table,
    })
}
