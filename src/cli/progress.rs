//! The load's progress line on stderr, for `scan` and `allowlist check`.

use crate::event::human_bytes;
use crate::hunt::{Config, Hunt, Stage};
use crate::rules::RuleSet;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Runs the hunt, showing a progress line on stderr when it is a terminal
/// and the load takes more than a moment.
pub fn hunt_with_progress(config: &Config, rules: RuleSet) -> Hunt {
    let tty = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut shown = false;
    let mut last = Instant::now();
    let mut report = |s: Stage| {
        let Stage::Loading(p) = s else { return };
        if !tty
            || started.elapsed() < Duration::from_millis(300)
            || last.elapsed() < Duration::from_millis(100)
        {
            return;
        }
        last = Instant::now();
        shown = true;
        super::output::err(format_args!(
            "\r\x1b[2Kloading: {}/{} files, {} events, {}, {} errors",
            p.files_done,
            p.files_total,
            p.events,
            human_bytes(p.bytes),
            p.errors
        ));
    };
    let hunt = Hunt::run(config, rules, &mut report);
    if shown {
        super::output::err(format_args!("\r\x1b[2K"));
    }
    hunt
}
