//! What a report covers, assembled once for `scan` and the console's export:
//! the loaded logs, the rules, the allowlist and what it suppressed, the
//! console's filter, the zone.

use crate::event::Index;
use crate::event::zone::Zone;
use crate::report::evidence::ReportScope;
use crate::rules::{RuleSet, Semantics};
use crate::triage::Allowlist;
use chrono::{DateTime, Utc};
use std::path::Path;

/// Everything a report's scope is made of.
pub struct Scope<'a> {
    pub index: &'a Index,
    pub rules: &'a RuleSet,
    pub semantics: Semantics,
    /// Findings before the allowlist and any filter.
    pub findings_total: usize,
    pub zone: Zone,
    /// When the report is made.
    pub now: DateTime<Utc>,
    /// The allowlist file and what it holds; `None` when there is none.
    pub allowlist: Option<(&'a Path, &'a Allowlist)>,
    /// Findings the allowlist suppresses.
    pub suppressed: usize,
    /// Whether suppressed findings are in the report.
    pub include_suppressed: bool,
    /// The console's filter, when one is applied.
    pub filter: Option<String>,
}

impl Scope<'_> {
    /// The report scope.
    pub fn build(self) -> ReportScope {
        let mut scope = ReportScope::new(
            self.index,
            self.rules,
            self.semantics,
            self.findings_total,
            self.zone,
        );
        scope.generated = Some(self.now.timestamp_millis());
        scope.suppressed = self.suppressed;
        scope.include_suppressed = self.include_suppressed;
        scope.filter = self.filter.filter(|f| !f.is_empty());
        scope.allowlist = self.allowlist.map(|(path, list)| {
            let (active, expired, disabled) = list.state_counts(self.now);
            match list.entries.len() {
                0 => format!("{} (no entries)", path.display()),
                n => format!(
                    "{} ({n} entries: {active} active, {expired} expired, {disabled} disabled)",
                    path.display()
                ),
            }
        });
        scope
    }
}
