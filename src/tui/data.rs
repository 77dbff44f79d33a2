//! What the console shows, computed once when loading finishes: the index,
//! the rules, the findings, and one display row per finding whose text has
//! already been through [`crate::sanitize::escape`].
//!
//! Escaping here, once, means the view never handles raw log text for the
//! table, and 100,000 rows cost one pass instead of one per frame.

use crate::event::zone::Zone;
use crate::event::{Event, Index, LoadError};
use crate::hunt::Hunt;
use crate::report::table::{short_agent, short_arn};
use crate::rules::rule::Rule;
use crate::rules::usage::KeyUsageIndex;
use crate::rules::{Finding, RuleSet, Semantics};
use crate::sanitize::escape;
use std::collections::HashMap;
use std::sync::Arc;

/// A column of the findings table, in display order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Col {
    Time,
    Risk,
    /// The rule's short name; shown only when more than one rule is loaded.
    Rule,
    Caller,
    Target,
    Src,
    Agent,
    Account,
    Region,
    Status,
    Parity,
}

impl Col {
    /// Every column, in display (and sort-cycling) order.
    pub const ALL: [Col; 11] = [
        Col::Time,
        Col::Risk,
        Col::Rule,
        Col::Caller,
        Col::Target,
        Col::Src,
        Col::Agent,
        Col::Account,
        Col::Region,
        Col::Status,
        Col::Parity,
    ];

    /// The column heading.
    pub fn title(self) -> &'static str {
        match self {
            Col::Time => "TIME",
            Col::Risk => "RISK",
            Col::Rule => "RULE",
            Col::Caller => "CALLER",
            Col::Target => "→ TARGET",
            Col::Src => "SRC IP",
            Col::Agent => "AGENT",
            Col::Account => "ACCOUNT",
            Col::Region => "REGION",
            Col::Status => "STATUS",
            Col::Parity => "SPL",
        }
    }

    /// The name used in the header's "sort:" note.
    pub fn name(self) -> &'static str {
        match self {
            Col::Time => "time",
            Col::Risk => "risk",
            Col::Rule => "rule",
            Col::Caller => "caller",
            Col::Target => "target",
            Col::Src => "src",
            Col::Agent => "agent",
            Col::Account => "account",
            Col::Region => "region",
            Col::Status => "status",
            Col::Parity => "parity",
        }
    }
}

/// One finding's table row; every string is escaped already.
#[derive(Clone, Debug)]
pub struct Row {
    pub time: Option<i64>,
    pub score: f64,
    /// Short ARN plus identity type: `user/alice (IAMUser)`.
    pub caller: String,
    /// The full caller ARN, for `actor:` and the grouped view.
    pub actor: String,
    pub target: String,
    pub src: String,
    /// The agent's first product token.
    pub agent: String,
    /// The whole user agent, as the panes show it, for the filter.
    pub agent_full: String,
    pub account: String,
    pub region: String,
    /// The event name, for the filter.
    pub event: String,
    /// The access key the finding created (`-` when none).
    pub new_key: String,
    /// The access key the caller signed with (`-` when none).
    pub caller_key: String,
    /// The rule's id.
    pub rule: String,
    /// The rule's name, for the RULE column and the grouped view.
    pub rule_name: String,
    /// Whether the seed's Splunk search returns the finding too; `None`
    /// for a Sigma finding, which has no Splunk search to compare with.
    pub parity: Option<bool>,
    /// Where triage has the finding.
    pub status: crate::triage::Status,
    /// Whether an active allowlist entry suppresses it.
    pub suppressed: bool,
}

impl Row {
    /// The text of `col` (time formatted by the caller, who knows the zone).
    pub fn cell<'a>(&'a self, col: Col, time: &'a str) -> &'a str {
        match col {
            Col::Time => time,
            Col::Risk => score_text(self.score),
            Col::Rule => &self.rule_name,
            Col::Caller => &self.caller,
            Col::Target => &self.target,
            Col::Src => &self.src,
            Col::Agent => &self.agent,
            Col::Account => &self.account,
            Col::Region => &self.region,
            Col::Status if self.suppressed => "suppressed",
            Col::Status => self.status.name(),
            Col::Parity => parity_mark(self.parity),
        }
    }
}

/// The separator between fields in a row's [`hay`]. Escaped log text never
/// holds a line break (the escaper writes `\u{a}`), so a fuzzy word is
/// matched within one field and can never pick its letters out of several.
pub const HAY_SEP: char = '\n';

/// The fuzzy filter's view of a row: the text of every column in order,
/// then what the panes show that the table shortens or leaves out (the full
/// caller ARN and user agent, the event name, both access keys, the rule).
pub fn hay(row: &Row, zone: &Zone) -> String {
    let time = zone.short(row.time);
    let mut s = String::with_capacity(256);
    let extra = [
        row.actor.as_str(),
        &row.agent_full,
        &row.event,
        &row.new_key,
        &row.caller_key,
        &row.rule,
    ];
    let cells = Col::ALL.iter().map(|c| row.cell(*c, &time));
    for (i, c) in cells.chain(extra).enumerate() {
        if i > 0 {
            s.push(HAY_SEP);
        }
        s.push_str(c);
    }
    s
}

/// Risk scores are whole numbers for every shipped rule; show them so.
pub fn score_text(score: f64) -> &'static str {
    // Scores are 0..=100, so a static table avoids an allocation per cell.
    const N: [&str; 101] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
        "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
        "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46",
        "47", "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61",
        "62", "63", "64", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76",
        "77", "78", "79", "80", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91",
        "92", "93", "94", "95", "96", "97", "98", "99", "100",
    ];
    let r = score.round();
    if (0.0..=100.0).contains(&r) {
        N[r as usize]
    } else {
        "?"
    }
}

/// `✓` when the seed's search returns the finding too, `✗` when only
/// trailhunt's strict reading finds it, `–` when there is no Splunk search
/// to compare with (a Sigma rule's finding).
pub fn parity_mark(parity: Option<bool>) -> &'static str {
    match parity {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "–",
    }
}

/// Finding `f`'s parity as the console shows it: none for a Sigma finding,
/// whose `splunk_parity` means nothing.
pub fn parity_of(f: &Finding) -> Option<bool> {
    (f.semantics != Semantics::Sigma).then_some(f.splunk_parity)
}

/// A caller as the table shows it: short ARN plus identity type.
pub fn caller_text(arn: Option<&str>, ty: Option<&str>) -> String {
    match (arn, ty) {
        (Some(a), Some(t)) => format!("{} ({})", escape(short_arn(a)), escape(t)),
        (Some(a), None) => escape(short_arn(a)).into_owned(),
        (None, Some(t)) => format!("({})", escape(t)),
        (None, None) => "-".into(),
    }
}

fn text(v: Option<&str>) -> String {
    v.map(|s| escape(s).into_owned())
        .unwrap_or_else(|| "-".into())
}

/// Every row's [`hay`], end to end in one buffer: the filter reads them in
/// order, and one allocation keeps that scan in cache where 100,000 small
/// strings would not.
#[derive(Clone, Debug, Default)]
pub struct Hays {
    text: String,
    /// Where each row's text starts in `text`, plus its end.
    starts: Vec<u32>,
}

impl Hays {
    /// The hays of `rows` with times in `zone`.
    pub fn build(rows: &[Row], zone: &Zone) -> Hays {
        let mut h = Hays {
            text: String::with_capacity(rows.len() * 128),
            starts: Vec::with_capacity(rows.len() + 1),
        };
        for r in rows {
            h.starts.push(h.text.len() as u32);
            h.text.push_str(&hay(r, zone));
        }
        h.starts.push(h.text.len() as u32);
        h
    }

    /// Row `i`'s text.
    pub fn get(&self, i: usize) -> &str {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.text[a as usize..b as usize],
            _ => "",
        }
    }
}

/// Builds the display row of one finding of `rules`.
pub fn row(f: &Finding, rules: &RuleSet) -> Row {
    Row {
        time: f.first_time,
        score: f.risk_score,
        caller: caller_text(f.actor_arn.as_deref(), f.actor_type.as_deref()),
        actor: text(f.actor_arn.as_deref()),
        target: text(f.target_user.as_deref()),
        src: text(f.src.as_deref()),
        agent: text(f.user_agent.as_deref().map(short_agent)),
        agent_full: text(f.user_agent.as_deref()),
        account: text(f.account.as_deref()),
        region: text(f.region.as_deref()),
        event: text(f.event_name.as_deref()),
        new_key: text(f.new_key.as_deref()),
        caller_key: text(f.caller_key.as_deref()),
        rule: escape(&f.rule_id).into_owned(),
        rule_name: rules
            .rules
            .get(f.rule)
            .map(|r| escape(&r.rule.name).into_owned())
            .unwrap_or_else(|| escape(&f.rule_id).into_owned()),
        parity: parity_of(f),
        status: crate::triage::Status::New,
        suppressed: false,
    }
}

/// One rule's findings, for the header and the `L` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleCount {
    /// The rule's name (escaped).
    pub name: String,
    pub open: usize,
    pub suppressed: usize,
}

/// Everything loaded: shared with the runtime (which re-reads raw events)
/// through the `Arc`s.
#[derive(Debug)]
pub struct Data {
    pub index: Arc<Index>,
    pub rules: Arc<RuleSet>,
    pub semantics: Semantics,
    pub findings: Vec<Finding>,
    pub rows: Vec<Row>,
    /// The rows' text as the fuzzy filter searches it.
    pub hays: Hays,
    /// Problems the rules met (events they could not evaluate).
    pub rule_errors: Vec<LoadError>,
    /// The events each finding's new key signed, found in one pass over the
    /// index when the data is built: the Key usage pane then reads a list
    /// instead of scanning every event (10M events: ~33 ms a keypress).
    pub key_usage: KeyUsageIndex,
}

impl Data {
    /// The display rows of a finished hunt; the index and rules are shared
    /// with it, not copied.
    pub fn new(hunt: &Hunt, zone: &Zone) -> Data {
        let rows: Vec<Row> = hunt.findings.iter().map(|f| row(f, &hunt.rules)).collect();
        let hays = Hays::build(&rows, zone);
        Data {
            index: hunt.index.clone(),
            rules: hunt.rules.clone(),
            semantics: hunt.semantics,
            findings: hunt.findings.clone(),
            rows,
            hays,
            rule_errors: hunt.rule_errors.clone(),
            key_usage: KeyUsageIndex::new(&hunt.index, &hunt.findings),
        }
    }

    /// Rebuilds the fuzzy-filter text after the zone changes, since the
    /// time column's text changes with it.
    pub fn rezone(&mut self, zone: &Zone) {
        self.hays = Hays::build(&self.rows, zone);
    }

    /// Puts statuses and suppression into the rows (and so into the table
    /// and the filter's text).
    pub fn apply_triage(&mut self, t: &super::triage::TriageState, zone: &Zone) {
        for (i, (row, f)) in self.rows.iter_mut().zip(&self.findings).enumerate() {
            row.status = t.status(&f.key);
            row.suppressed = t.eval.is_suppressed(i);
        }
        self.hays = Hays::build(&self.rows, zone);
    }

    /// Finding `i`'s text as the fuzzy filter sees it.
    pub fn hay(&self, i: usize) -> &str {
        self.hays.get(i)
    }

    /// Load and rule errors together, in the order the list shows them.
    pub fn errors(&self) -> impl Iterator<Item = &LoadError> {
        self.index.errors.iter().chain(&self.rule_errors)
    }

    /// The number of load and rule errors.
    pub fn error_count(&self) -> usize {
        self.index.errors.len() + self.rule_errors.len()
    }

    /// Whether more than one rule is loaded: only then do the table and
    /// the grouped view name the rule, and the header count per rule.
    pub fn many_rules(&self) -> bool {
        self.rules.rules.len() > 1
    }

    /// What loading said besides errors (how many rules each `--rules`
    /// folder gave), for the `L` list.
    pub fn notes(&self) -> &[String] {
        &self.index.notes
    }

    /// Every loaded rule with its findings open and suppressed, most open
    /// first (then by name). Open is as the header counts it: neither
    /// suppressed nor closed or a false positive.
    pub fn rule_counts(&self) -> Vec<RuleCount> {
        let mut out: Vec<RuleCount> = self
            .rules
            .rules
            .iter()
            .map(|r| RuleCount {
                name: escape(&r.rule.name).into_owned(),
                open: 0,
                suppressed: 0,
            })
            .collect();
        for (row, f) in self.rows.iter().zip(&self.findings) {
            let Some(c) = out.get_mut(f.rule) else {
                continue;
            };
            if row.suppressed {
                c.suppressed += 1;
            } else if !matches!(
                row.status,
                crate::triage::Status::Closed | crate::triage::Status::FalsePositive
            ) {
                c.open += 1;
            }
        }
        out.sort_by(|a, b| {
            (b.open, b.suppressed)
                .cmp(&(a.open, a.suppressed))
                .then_with(|| a.name.cmp(&b.name))
        });
        out
    }

    /// The first event of finding `i`.
    pub fn first_event(&self, i: usize) -> Option<&Event> {
        self.findings
            .get(i)?
            .events
            .first()
            .map(|&e| &self.index.events[e])
    }

    /// The rule behind finding `i`.
    pub fn rule_of(&self, i: usize) -> Option<&Rule> {
        self.findings
            .get(i)
            .and_then(|f| self.rules.rules.get(f.rule))
            .map(|r| &r.rule)
    }

    /// Finding indices ordered by `col` (`desc` reverses), ties broken by
    /// time and then by position so the order is stable.
    pub fn sorted(&self, col: Col, desc: bool) -> Vec<u32> {
        let rows = &self.rows;
        // Each row gets an integer key (a text column's rank among its
        // distinct values), so the sort compares integers in one array
        // instead of chasing 100,000 strings.
        let text = |f: fn(&Row) -> &str| -> Vec<u32> { ranks(rows.iter().map(f)) };
        let primary: Vec<u32> = match col {
            Col::Time | Col::Status => vec![0; rows.len()],
            // Scores are 0..=100 with at most a few decimals.
            Col::Risk => rows
                .iter()
                .map(|r| (r.score.clamp(0.0, 1000.0) * 1000.0) as u32)
                .collect(),
            Col::Rule => text(|r| &r.rule_name),
            Col::Caller => text(|r| &r.caller),
            Col::Target => text(|r| &r.target),
            Col::Src => ranks_by(rows.iter().map(|r| r.src.as_str()), src_key),
            Col::Agent => text(|r| &r.agent),
            Col::Account => text(|r| &r.account),
            Col::Region => text(|r| &r.region),
            // No comparison (a Sigma finding) sorts before ✗ and ✓.
            Col::Parity => rows
                .iter()
                .map(|r| r.parity.map_or(0, |p| 1 + p as u32))
                .collect(),
        };
        let mut keys: Vec<(u32, i64, u32)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (primary[i], r.time.unwrap_or(i64::MIN), i as u32))
            .collect();
        keys.sort_unstable();
        if desc {
            keys.reverse();
        }
        keys.into_iter().map(|k| k.2).collect()
    }
}

/// Each value's rank among the distinct values, in string order.
fn ranks<'a>(values: impl Iterator<Item = &'a str> + Clone) -> Vec<u32> {
    ranks_by(values, |v| v)
}

/// Each value's rank among the distinct values, in the order of `key`
/// (computed once per distinct value).
fn ranks_by<'a, K: Ord>(
    values: impl Iterator<Item = &'a str> + Clone,
    key: impl Fn(&'a str) -> K,
) -> Vec<u32> {
    let mut distinct: Vec<&str> = values
        .clone()
        .collect::<std::collections::HashSet<_>>()
        .into_iter()
        .collect();
    distinct.sort_by_cached_key(|v| key(v));
    let rank: HashMap<&str, u32> = distinct
        .into_iter()
        .enumerate()
        .map(|(i, v)| (v, i as u32))
        .collect();
    values.map(|v| rank[v]).collect()
}

/// Source addresses in address order (IPv4, then IPv6), so `3.236.94.41`
/// comes before `192.0.2.99`; anything that is not an address (a service
/// name such as `lambda.amazonaws.com`, `-`) comes after, as text.
fn src_key(s: &str) -> (bool, Option<std::net::IpAddr>, &str) {
    let ip = s.parse().ok();
    (ip.is_none(), ip, s)
}

/// The grouped view's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupCol {
    /// The rule's name; shown only when more than one rule is loaded.
    Rule,
    Caller,
    Target,
    Account,
    Findings,
    Events,
    First,
    Last,
}

impl GroupCol {
    pub const ALL: [GroupCol; 8] = [
        GroupCol::Rule,
        GroupCol::Caller,
        GroupCol::Target,
        GroupCol::Account,
        GroupCol::Findings,
        GroupCol::Events,
        GroupCol::First,
        GroupCol::Last,
    ];

    pub fn title(self) -> &'static str {
        match self {
            GroupCol::Rule => "RULE",
            GroupCol::Caller => "CALLER",
            GroupCol::Target => "→ TARGET",
            GroupCol::Account => "ACCOUNT",
            GroupCol::Findings => "FINDINGS",
            GroupCol::Events => "EVENTS",
            GroupCol::First => "FIRST SEEN",
            GroupCol::Last => "LAST SEEN",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            GroupCol::Rule => "rule",
            GroupCol::Caller => "caller",
            GroupCol::Target => "target",
            GroupCol::Account => "account",
            GroupCol::Findings => "findings",
            GroupCol::Events => "events",
            GroupCol::First => "first seen",
            GroupCol::Last => "last seen",
        }
    }
}

/// Findings of one rule → caller → target. The texts are read from a
/// representative finding's row rather than copied, so grouping 100,000
/// findings that are all different allocates little.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// A finding of the group, whose row names the caller and target.
    pub rep: u32,
    pub findings: Vec<u32>,
    pub events: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl Group {
    /// The rule's name (escaped).
    pub fn rule<'a>(&self, data: &'a Data) -> &'a str {
        &data.rows[self.rep as usize].rule_name
    }

    /// The caller as the table shows it.
    pub fn caller<'a>(&self, data: &'a Data) -> &'a str {
        &data.rows[self.rep as usize].caller
    }

    /// The full caller ARN (escaped), for the filter a group opens.
    pub fn actor<'a>(&self, data: &'a Data) -> &'a str {
        &data.rows[self.rep as usize].actor
    }

    /// The target user (escaped).
    pub fn target<'a>(&self, data: &'a Data) -> &'a str {
        &data.rows[self.rep as usize].target
    }

    /// The caller's account (escaped).
    pub fn account<'a>(&self, data: &'a Data) -> &'a str {
        &data.rows[self.rep as usize].account
    }
}

/// Groups `visible` findings by rule → caller → target, ordered by `col`.
pub fn groups(data: &Data, visible: &[u32], col: GroupCol, desc: bool) -> Vec<Group> {
    let mut at: HashMap<(usize, &str, &str), usize> = HashMap::new();
    let mut out: Vec<Group> = Vec::new();
    for &i in visible {
        let r = &data.rows[i as usize];
        let f = &data.findings[i as usize];
        let gi = *at
            .entry((f.rule, r.actor.as_str(), r.target.as_str()))
            .or_insert_with(|| {
                out.push(Group {
                    rep: i,
                    findings: Vec::new(),
                    events: 0,
                    first: None,
                    last: None,
                });
                out.len() - 1
            });
        let g = &mut out[gi];
        g.findings.push(i);
        g.events += f.count;
        g.first = min_opt(g.first, f.first_time);
        g.last = g.last.max(f.last_time);
    }
    let text = |g: &Group| (g.caller(data), g.target(data));
    out.sort_by(|a, b| {
        let o = match col {
            GroupCol::Rule => a.rule(data).cmp(b.rule(data)).then(text(a).cmp(&text(b))),
            GroupCol::Caller => text(a).cmp(&text(b)),
            GroupCol::Target => a
                .target(data)
                .cmp(b.target(data))
                .then(a.caller(data).cmp(b.caller(data))),
            GroupCol::Account => a
                .account(data)
                .cmp(b.account(data))
                .then(text(a).cmp(&text(b))),
            GroupCol::Findings => a.findings.len().cmp(&b.findings.len()),
            GroupCol::Events => a.events.cmp(&b.events),
            GroupCol::First => a.first.cmp(&b.first),
            GroupCol::Last => a.last.cmp(&b.last),
        };
        // With one rule loaded the rule never tells groups apart.
        let o = o
            .then(a.rule(data).cmp(b.rule(data)))
            .then(a.first.cmp(&b.first))
            .then(a.rep.cmp(&b.rep));
        if desc { o.reverse() } else { o }
    });
    out
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The JSON paths a rule reads, for highlighting in the raw event: the
/// fields of its Splunk terms, `match`, and `by`, and its strict target
/// list, with the Splunk add-on's aliases resolved to the fields behind them.
pub fn rule_paths(rule: &Rule) -> Vec<String> {
    let mut names: Vec<&str> = rule.splunk.terms.iter().map(|t| t.field.as_str()).collect();
    if let Some(nm) = &rule.splunk.not_match {
        names.push(&nm.subject);
        names.push(&nm.pattern);
    }
    names.extend(rule.splunk.by.iter().map(String::as_str));
    names.extend(rule.strict.target.iter().map(String::as_str));
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let real: &[&str] = match n {
            "src" => &["sourceIPAddress"],
            "user_arn" => &["userIdentity.arn", "requestParameters.roleArn"],
            "aws_account_id" => &["userIdentity.accountId", "recipientAccountId"],
            other => &[other][..],
        };
        for r in real.iter().copied() {
            if !out.iter().any(|o| o == r) {
                out.push(r.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_paths_resolve_splunk_aliases() {
        let rules = RuleSet::builtin();
        let p = rule_paths(&rules.rules[0].rule);
        for want in [
            "eventName",
            "userAgent",
            "errorCode",
            "userIdentity.userName",
            "requestParameters.userName",
            "sourceIPAddress",
            "userIdentity.arn",
            "recipientAccountId",
            "responseElements.accessKey.userName",
        ] {
            assert!(p.iter().any(|x| x == want), "{want} missing from {p:?}");
        }
        assert!(!p.iter().any(|x| x == "src" || x == "user_arn"));
    }

    #[test]
    fn sorting_by_text_orders_by_value_then_time_and_reverses_whole() {
        let data = crate::tui::synthetic::data(500);
        let v = data.sorted(Col::Target, false);
        let key = |i: u32| {
            let r = &data.rows[i as usize];
            (r.target.clone(), r.time, i)
        };
        assert!(v.windows(2).all(|w| key(w[0]) <= key(w[1])));
        let mut d = data.sorted(Col::Target, true);
        d.reverse();
        assert_eq!(v, d);
        let t = data.sorted(Col::Time, false);
        assert!(
            t.windows(2)
                .all(|w| data.rows[w[0] as usize].time <= data.rows[w[1] as usize].time)
        );
        let r = data.sorted(Col::Parity, false);
        assert!(
            r.windows(2)
                .all(|w| data.rows[w[0] as usize].parity <= data.rows[w[1] as usize].parity)
        );
    }

    #[test]
    fn source_ips_sort_as_addresses_and_text_after() {
        let mut data = crate::tui::synthetic::data(6);
        let srcs = [
            "192.0.2.99",
            "lambda.amazonaws.com",
            "3.236.94.41",
            "2001:db8::1",
            "10.0.0.2",
            "-",
        ];
        for (r, s) in data.rows.iter_mut().zip(srcs) {
            r.src = s.into();
        }
        let order: Vec<&str> = data
            .sorted(Col::Src, false)
            .iter()
            .map(|&i| data.rows[i as usize].src.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "3.236.94.41",
                "10.0.0.2",
                "192.0.2.99",
                "2001:db8::1",
                "-",
                "lambda.amazonaws.com"
            ]
        );
    }

    #[test]
    fn caller_text_escapes_hostile_arns() {
        let c = caller_text(Some("arn:aws:iam::1:user/a\x1b[2Jb"), Some("IAMUser"));
        assert_eq!(c, "user/a\\u{1b}[2Jb (IAMUser)");
    }

    #[test]
    fn scores_print_as_whole_numbers() {
        assert_eq!(score_text(63.0), "63");
        assert_eq!(score_text(100.0), "100");
        assert_eq!(score_text(-1.0), "?");
    }
}
