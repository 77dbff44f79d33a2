//! trailhunt: a terminal hunting console for AWS CloudTrail.
//!
//! Data flows one way: files → [`loader`] (the compact [`event`] index) →
//! [`rules`] (findings) → [`triage`] (allowlist, statuses, notes) → views
//! ([`report`] for `scan`, [`tui`] for the console). Start reading at
//! [`cli::run`], then [`loader::load`] and [`rules::RuleSet::run`].

pub mod atomic;
pub mod cli;
pub mod clipboard;
pub mod event;
pub mod hunt;
pub mod loader;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod triage;
pub mod tui;
