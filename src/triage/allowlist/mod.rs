//! The allowlist: entries that say which findings are known to be fine,
//! and why. It is what trailhunt has in place of the seed's empty
//! `aws_createaccesskey_filter` macro.
//!
//! An entry suppresses a finding when it is active (not disabled, not
//! expired), applies to the finding's rule, and every one of its enabled
//! conditions holds. A condition on a field the finding does not have never
//! holds, so a missing value is never taken as a match.
//!
//! Start reading at [`Allowlist::evaluate`] in this file: which entry
//! suppresses which finding, and the hit counts. Then, one concern a file:
//! - `condition.rs`: [`MatchKind`] and [`Condition`], one test on one field
//!   (exact, glob, CIDR, regex) and how it matches;
//! - `entry.rs`: [`Entry`], its [`EntryState`] and [`RuleScope`], ids
//!   ([`check_id`]) and the entry drafted from a finding;
//! - `file_format.rs`: the TOML file, read by [`Allowlist::parse`] (errors
//!   name the line) and written by [`Allowlist::to_toml`].
//!
//! Every public item keeps its path `crate::triage::allowlist::X`; the
//! files are private modules re-exported here.

mod condition;
mod entry;
mod file_format;

pub use condition::{Condition, MatchKind};
pub use entry::{Entry, EntryState, RuleScope, check_id};
pub use file_format::SCHEMA_VERSION;

use crate::rules::Finding;
use chrono::{DateTime, Utc};

/// Which entry suppresses a finding, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// Index into [`Allowlist::entries`].
    pub entry: usize,
    pub id: String,
    pub reason: String,
}

/// What an allowlist does to a set of findings at one instant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// For each finding (same index), the first active entry that matches it.
    pub suppressed: Vec<Option<Suppression>>,
    /// For each entry (same index), the findings it matches while active,
    /// whether or not an earlier entry also matches them. Empty for expired
    /// and disabled entries.
    pub matches: Vec<Vec<usize>>,
}

impl Evaluation {
    /// How many findings entry `entry` suppresses (its hit count).
    pub fn hits(&self, entry: usize) -> usize {
        self.matches.get(entry).map_or(0, Vec::len)
    }

    /// How many findings are suppressed.
    pub fn suppressed_count(&self) -> usize {
        self.suppressed.iter().filter(|s| s.is_some()).count()
    }

    pub fn is_suppressed(&self, finding: usize) -> bool {
        self.suppressed.get(finding).is_some_and(Option::is_some)
    }

    /// Entry `entry`'s hits split by rule (see [`per_rule`]).
    pub fn hits_by_rule(&self, entry: usize, findings: &[Finding]) -> Vec<RuleHits> {
        per_rule(
            self.matches.get(entry).map_or(&[][..], Vec::as_slice),
            findings,
        )
    }
}

/// How many of some findings belong to one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHits {
    /// Index into the rule set the findings came from ([`Finding::rule`]).
    pub rule: usize,
    pub rule_id: String,
    pub hits: usize,
}

/// The findings at `indices` counted by rule, most hits first (ties in rule
/// order): an entry for all rules can reach into rules its author never
/// looked at, and this is where that shows.
pub fn per_rule(indices: &[usize], findings: &[Finding]) -> Vec<RuleHits> {
    let mut out: Vec<RuleHits> = Vec::new();
    for f in indices.iter().filter_map(|&i| findings.get(i)) {
        match out.iter_mut().find(|r| r.rule == f.rule) {
            Some(r) => r.hits += 1,
            None => out.push(RuleHits {
                rule: f.rule,
                rule_id: f.rule_id.clone(),
                hits: 1,
            }),
        }
    }
    out.sort_by(|a, b| b.hits.cmp(&a.hits).then(a.rule.cmp(&b.rule)));
    out
}

/// The allowlist: entries in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Allowlist {
    pub entries: Vec<Entry>,
}

impl Allowlist {
    /// The entry with `id` (ids compare ignoring case).
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.position(id).map(|i| &self.entries[i])
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.id.eq_ignore_ascii_case(id))
    }

    /// `base` if no entry has it, else `base-2`, `base-3`, …
    pub fn unique_id(&self, base: &str) -> String {
        if self.get(base).is_none() {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|c| self.get(c).is_none())
            .expect("some suffix is free")
    }

    /// [`Entry::draft_from_finding`] with an id no entry has yet.
    pub fn draft_from_finding(&self, f: &Finding, now: DateTime<Utc>) -> Entry {
        let mut e = Entry::draft_from_finding(f, now);
        e.id = self.unique_id(&e.id);
        e
    }

    /// Which findings (indices) `entry` would suppress, whatever its state:
    /// what the console shows before a draft is saved.
    pub fn preview(entry: &Entry, findings: &[Finding]) -> Vec<usize> {
        findings
            .iter()
            .enumerate()
            .filter(|(_, f)| entry.matches(f))
            .map(|(i, _)| i)
            .collect()
    }

    /// What the allowlist does to `findings` at `now`.
    pub fn evaluate(&self, findings: &[Finding], now: DateTime<Utc>) -> Evaluation {
        let active: Vec<bool> = self
            .entries
            .iter()
            .map(|e| e.state(now) == EntryState::Active)
            .collect();
        let mut ev = Evaluation {
            suppressed: vec![None; findings.len()],
            matches: vec![Vec::new(); self.entries.len()],
        };
        for (fi, f) in findings.iter().enumerate() {
            for (ei, e) in self.entries.iter().enumerate() {
                if active[ei] && e.matches(f) {
                    ev.matches[ei].push(fi);
                    if ev.suppressed[fi].is_none() {
                        ev.suppressed[fi] = Some(Suppression {
                            entry: ei,
                            id: e.id.clone(),
                            reason: e.reason.clone(),
                        });
                    }
                }
            }
        }
        ev
    }

    /// How many entries are in each state at `now`: (active, expired, disabled).
    pub fn state_counts(&self, now: DateTime<Utc>) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for e in &self.entries {
            match e.state(now) {
                EntryState::Active => c.0 += 1,
                EntryState::Expired => c.1 += 1,
                EntryState::Disabled => c.2 += 1,
            }
        }
        c
    }
}

/// What the unit tests of this module and of its files build entries from.
#[cfg(test)]
mod fixtures {
    use super::*;
    use crate::triage::expiry::parse_time;
    use crate::triage::field::Field;

    pub(super) fn now() -> DateTime<Utc> {
        parse_time("2026-11-01T00:00:00Z").unwrap()
    }

    pub(super) fn entry(conds: Vec<Condition>) -> Entry {
        Entry {
            id: "e1".into(),
            rules: RuleScope::All,
            conditions: conds,
            reason: "known".into(),
            author: Some("me".into()),
            created: Some(now()),
            expires: None,
            disabled: false,
        }
    }

    pub(super) fn cond(field: Field, kind: MatchKind, v: &str) -> Condition {
        Condition::new(field, kind, v).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{cond, entry, now};
    use super::*;
    use crate::triage::field::Field;
    use crate::triage::testutil::finding;

    #[test]
    fn evaluate_credits_the_first_active_entry_and_counts_every_match() {
        let f = finding();
        let mut g = finding();
        g.target_user = Some("other".into());
        let mut expired = entry(vec![cond(Field::TargetUser, MatchKind::Exact, "deploy")]);
        expired.id = "old".into();
        expired.expires = Some(now());
        let mut a = entry(vec![cond(Field::Account, MatchKind::Exact, "111122223333")]);
        a.id = "acct".into();
        let mut b = entry(vec![cond(Field::TargetUser, MatchKind::Glob, "dep*")]);
        b.id = "dep".into();
        let list = Allowlist {
            entries: vec![expired, a, b],
        };
        let ev = list.evaluate(&[f.clone(), g], now());
        assert_eq!(ev.suppressed[0].as_ref().unwrap().id, "acct");
        assert_eq!(ev.suppressed[1].as_ref().unwrap().id, "acct");
        assert_eq!((ev.hits(0), ev.hits(1), ev.hits(2)), (0, 2, 1));
        assert_eq!(ev.suppressed_count(), 2);
        assert_eq!(
            Allowlist::preview(&list.entries[0], &[f]),
            vec![0],
            "preview ignores state"
        );
    }

    #[test]
    fn hits_of_an_entry_for_all_rules_are_counted_per_rule() {
        let mut findings = vec![finding(), finding(), finding()];
        findings[1].rule = 3;
        findings[1].rule_id = "sigma-create-user".into();
        findings[2].target_user = Some("other".into());
        let list = Allowlist {
            entries: vec![entry(vec![cond(
                Field::Account,
                MatchKind::Exact,
                "111122223333",
            )])],
        };
        let ev = list.evaluate(&findings, now());
        let by_rule = ev.hits_by_rule(0, &findings);
        let got: Vec<(usize, &str, usize)> = by_rule
            .iter()
            .map(|r| (r.rule, r.rule_id.as_str(), r.hits))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, findings[0].rule_id.as_str(), 2),
                (3, "sigma-create-user", 1)
            ]
        );
        assert!(ev.hits_by_rule(1, &findings).is_empty(), "no such entry");
    }
}
