//! trailhunt: a terminal hunting console for AWS CloudTrail.
//!
//! Data flows one way: files → [`loader`] (the compact [`event`] index) →
//! [`rules`] (findings) → [`triage`] (allowlist, statuses, notes) → views
//! ([`report`] and [`clipboard`]). Both front ends, [`cli`] and the console
//! ([`tui`]), reach those only through [`hunt`]: a [`hunt::Config`] in, one
//! run of the rules with its triage out. ARCHITECTURE.md is the map; start
//! reading at [`cli::run`], then [`hunt::Hunt::run`], [`loader::load`] and
//! [`rules::RuleSet::run`].

pub mod atomic;
pub mod cli;
pub mod clipboard;
pub mod event;
pub mod files;
pub mod hunt;
pub mod loader;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod triage;
pub mod tui;
