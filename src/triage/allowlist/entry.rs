//! Allowlist entries: what an entry says ([`Entry`]: its rules, its
//! conditions, its reason and its dates), whether it counts right now
//! ([`EntryState`]: active, expired or disabled), which rules it applies to
//! ([`RuleScope`]), the rules on ids ([`check_id`]), and the entry the
//! console drafts from a finding ([`Entry::draft_from_finding`]). An entry
//! matches a finding when its rules apply and every enabled condition holds;
//! which entry gets the credit is for [`super::Allowlist::evaluate`].

use super::{Condition, MatchKind};
use crate::rules::Finding;
use crate::triage::expiry::parse_expiry;
use crate::triage::field::Field;
use chrono::{DateTime, Duration, Utc};
use ipnet::IpNet;
use std::fmt;
use std::net::IpAddr;

/// The rules an entry applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleScope {
    All,
    /// Rule ids (compared ignoring case: they are UUIDs).
    Ids(Vec<String>),
}

impl RuleScope {
    pub fn applies_to(&self, rule_id: &str) -> bool {
        match self {
            RuleScope::All => true,
            RuleScope::Ids(ids) => ids.iter().any(|i| i.eq_ignore_ascii_case(rule_id)),
        }
    }
}

impl fmt::Display for RuleScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleScope::All => f.write_str("all"),
            RuleScope::Ids(ids) => f.write_str(&ids.join(",")),
        }
    }
}

/// Whether an entry suppresses anything now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryState {
    Active,
    /// Its expiry has passed: it suppresses nothing and shows as expired.
    Expired,
    /// Turned off by hand (`disabled = true`); takes precedence over expired.
    Disabled,
}

impl EntryState {
    pub fn name(self) -> &'static str {
        match self {
            EntryState::Active => "active",
            EntryState::Expired => "expired",
            EntryState::Disabled => "disabled",
        }
    }
}

impl fmt::Display for EntryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One allowlist entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Letters, digits, `.`, `_`, `-`; unique in the file.
    pub id: String,
    pub rules: RuleScope,
    /// All enabled conditions must hold (AND). At least one is required.
    pub conditions: Vec<Condition>,
    /// Why these findings are fine. Required.
    pub reason: String,
    /// Who wrote the entry (trailhunt fills in the OS user).
    pub author: Option<String>,
    pub created: Option<DateTime<Utc>>,
    /// From this instant on (UTC) the entry is expired.
    pub expires: Option<DateTime<Utc>>,
    pub disabled: bool,
}

/// Checks an id: 1 to 64 of letters, digits, `.`, `_`, `-`, starting with a
/// letter or digit, so ids are safe in shells, file names and Splunk comments.
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "id {id:?}: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        ))
    }
}

/// Turns text into an id fragment: lowercase letters and digits, runs of
/// anything else as one `-`.
fn slug(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= max {
            break;
        }
    }
    out.trim_matches('-').to_string()
}

impl Entry {
    /// Whether the entry suppresses anything at `now`.
    pub fn state(&self, now: DateTime<Utc>) -> EntryState {
        if self.disabled {
            EntryState::Disabled
        } else if self.expires.is_some_and(|e| now >= e) {
            EntryState::Expired
        } else {
            EntryState::Active
        }
    }

    /// Whether the entry is active and expires before `now + within`.
    pub fn expires_within(&self, now: DateTime<Utc>, within: Duration) -> bool {
        self.state(now) == EntryState::Active && self.expires.is_some_and(|e| e < now + within)
    }

    /// Whether the entry's rules and enabled conditions all hold for `f`,
    /// whatever its state. An entry with no enabled condition matches nothing.
    pub fn matches(&self, f: &Finding) -> bool {
        self.rules.applies_to(&f.rule_id)
            && self.conditions.iter().any(Condition::enabled)
            && self
                .conditions
                .iter()
                .filter(|c| c.enabled())
                .all(|c| c.matches(f))
    }

    /// Why the entry would suppress every finding of its rules whatever
    /// the logs hold, if it would: each enabled condition matches every
    /// value (see [`Condition::matches_every_value`]). Such an entry is
    /// refused unless forced, and `allowlist check` flags it.
    pub fn matches_everything(&self) -> Option<String> {
        let why: Option<Vec<String>> = self
            .conditions
            .iter()
            .filter(|c| c.enabled())
            .map(Condition::matches_every_value)
            .collect();
        why.filter(|w| !w.is_empty()).map(|w| w.join("; "))
    }

    /// Checks what the file format requires of an entry.
    pub fn validate(&self) -> Result<(), String> {
        check_id(&self.id)?;
        if self.reason.trim().is_empty() {
            return Err(format!("entry {:?}: a reason is required", self.id));
        }
        if let RuleScope::Ids(ids) = &self.rules
            && (ids.is_empty() || ids.iter().any(|i| i.trim().is_empty()))
        {
            return Err(format!(
                "entry {:?}: rules must be \"all\" or a list of rule ids",
                self.id
            ));
        }
        if !self.conditions.iter().any(Condition::enabled) {
            return Err(format!(
                "entry {:?}: at least one enabled condition is required (an entry never silences a whole rule)",
                self.id
            ));
        }
        Ok(())
    }

    /// Sets the expiry from what a person typed: `30d`, `12h`, `2w`, a date
    /// (`2026-12-31`, midnight UTC), an RFC 3339 time, or empty for none.
    /// Relative forms count from `now`.
    pub fn set_expires_text(&mut self, text: &str, now: DateTime<Utc>) -> Result<(), String> {
        if text.trim().is_empty() {
            self.expires = None;
            return Ok(());
        }
        self.expires = Some(parse_expiry(text, now)?);
        Ok(())
    }

    /// A new entry pre-filled from a finding, for the console's `s` form:
    /// the finding's rule, and one condition per value it has — caller ARN,
    /// target user and account enabled (the "who made keys for whom"
    /// pair, in this account); source IP, its /24 (/64 for IPv6) and the
    /// user agent offered but disabled. The reason is left empty: the
    /// person must write it.
    pub fn draft_from_finding(f: &Finding, now: DateTime<Utc>) -> Entry {
        let mut conditions = Vec::new();
        let mut push = |field: Field, kind: MatchKind, value: &str, enabled: bool| {
            if let Ok(c) = Condition::new(field, kind, value) {
                conditions.push(c.with_enabled(enabled));
            }
        };
        if let Some(v) = &f.actor_arn {
            push(Field::ActorArn, MatchKind::Exact, v, true);
        }
        if let Some(v) = &f.target_user {
            push(Field::TargetUser, MatchKind::Exact, v, true);
        }
        if let Some(v) = &f.src {
            push(Field::Src, MatchKind::Exact, v, false);
            if let Ok(ip) = v.trim().parse::<IpAddr>() {
                let len = if ip.is_ipv4() { 24 } else { 64 };
                if let Ok(net) = IpNet::new(ip, len) {
                    push(Field::Src, MatchKind::Cidr, &net.trunc().to_string(), false);
                }
            }
        }
        if let Some(v) = &f.account {
            push(Field::Account, MatchKind::Exact, v, true);
        }
        if let Some(v) = &f.user_agent {
            push(Field::UserAgent, MatchKind::Exact, v, false);
        }
        let who = f
            .actor_arn
            .as_deref()
            .map(|a| a.rsplit(['/', ':']).next().unwrap_or(a))
            .unwrap_or("any");
        let target = f.target_user.as_deref().unwrap_or("any");
        let mut id = slug(&format!("{who}-for-{target}"), 48);
        if id.is_empty() {
            id = "entry".into();
        }
        Entry {
            id,
            rules: RuleScope::Ids(vec![f.rule_id.clone()]),
            conditions,
            reason: String::new(),
            author: Some(crate::triage::default_author()),
            created: Some(now),
            expires: None,
            disabled: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::allowlist::Allowlist;
    use crate::triage::allowlist::fixtures::{cond, entry, now};
    use crate::triage::expiry::parse_time;
    use crate::triage::testutil::finding;

    #[test]
    fn all_enabled_conditions_must_hold_and_disabled_ones_are_ignored() {
        let f = finding();
        let mut e = entry(vec![
            cond(Field::TargetUser, MatchKind::Exact, "deploy"),
            cond(Field::Src, MatchKind::Exact, "192.0.2.1"),
        ]);
        assert!(!e.matches(&f));
        e.conditions[1].set_enabled(false);
        assert!(e.matches(&f));
        e.conditions[0].set_enabled(false);
        assert!(!e.matches(&f), "no enabled condition: matches nothing");
        assert!(e.validate().is_err());
    }

    #[test]
    fn an_entry_matches_everything_only_if_every_enabled_condition_does() {
        let mut e = entry(vec![
            cond(Field::ActorArn, MatchKind::Glob, "*"),
            cond(Field::TargetUser, MatchKind::Exact, "deploy"),
        ]);
        assert_eq!(e.matches_everything(), None);
        e.conditions[1].set_enabled(false);
        let why = e.matches_everything().unwrap();
        assert!(why.contains("actor_arn glob \"*\""), "{why}");
        e.conditions[0].set_enabled(false);
        assert_eq!(e.matches_everything(), None, "no enabled condition");
    }

    #[test]
    fn rules_scope_limits_the_entry() {
        let f = finding();
        let mut e = entry(vec![cond(Field::TargetUser, MatchKind::Exact, "deploy")]);
        e.rules = RuleScope::Ids(vec!["other".into()]);
        assert!(!e.matches(&f));
        e.rules = RuleScope::Ids(vec!["2A9B80D3-6340-4345-11AD-212BF3D0D111".into()]);
        assert!(e.matches(&f));
    }

    #[test]
    fn expiry_boundary_is_exclusive_in_utc() {
        let mut e = entry(vec![cond(Field::TargetUser, MatchKind::Exact, "deploy")]);
        e.expires = Some(parse_time("2026-12-31").unwrap());
        let just_before = parse_time("2026-12-30T23:59:59Z").unwrap();
        let at = parse_time("2026-12-31T00:00:00Z").unwrap();
        assert_eq!(e.state(just_before), EntryState::Active);
        assert_eq!(e.state(at), EntryState::Expired);
        // 01:00 in Paris is still 2026-12-30 in UTC.
        let paris = parse_time("2026-12-31T00:30:00+01:00").unwrap();
        assert_eq!(e.state(paris), EntryState::Active);
        e.disabled = true;
        assert_eq!(e.state(at), EntryState::Disabled);
    }

    #[test]
    fn draft_offers_each_value_and_enables_who_for_whom() {
        let d = Entry::draft_from_finding(&finding(), now());
        let got: Vec<(Field, MatchKind, &str, bool)> = d
            .conditions
            .iter()
            .map(|c| (c.field(), c.kind(), c.value(), c.enabled()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Field::ActorArn,
                    MatchKind::Exact,
                    "arn:aws:iam::111122223333:user/alice",
                    true
                ),
                (Field::TargetUser, MatchKind::Exact, "deploy", true),
                (Field::Src, MatchKind::Exact, "10.0.0.5", false),
                (Field::Src, MatchKind::Cidr, "10.0.0.0/24", false),
                (Field::Account, MatchKind::Exact, "111122223333", true),
                (
                    Field::UserAgent,
                    MatchKind::Exact,
                    "aws-cli/2.15.30 Python/3.11",
                    false
                ),
            ]
        );
        assert_eq!(d.id, "alice-for-deploy");
        assert!(
            d.reason.is_empty() && d.validate().is_err(),
            "a reason must be written"
        );
        assert_eq!(Allowlist::preview(&d, &[finding()]), vec![0]);
    }

    #[test]
    fn draft_uses_a_64_bit_prefix_for_ipv6() {
        let mut f = finding();
        f.src = Some("2001:db8:1:2:3:4:5:6".into());
        let d = Entry::draft_from_finding(&f, now());
        assert!(
            d.conditions
                .iter()
                .any(|c| c.value() == "2001:db8:1:2::/64")
        );
    }
}
