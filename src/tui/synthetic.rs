//! Synthetic findings for benchmarks and tests: an index of CreateAccessKey
//! events built in memory (no files), one finding per event, with realistic
//! spread over callers, targets, IPs and agents. Deterministic for a given size.

use super::data::Data;
use crate::event::zone::Zone;
use crate::event::{Event, Extra, Interner, Loc, Sym};
use crate::event::{Index, LoadStats};
use crate::hunt::Hunt;
use crate::rules::{Finding, RuleSet, Semantics};
use std::path::PathBuf;

/// A small deterministic generator (64-bit LCG), so runs compare.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// `n` findings over `n` events (plus a few events signed with the first
/// finding's new key, so the key usage pane has something to show). The
/// events live in memory only: no file backs them.
pub fn data(n: usize) -> Data {
    data_rules(n, 1)
}

/// As [`data`], with the findings spread over `rule_count` rules (the built-in
/// one and copies of it under other ids), so the console's per-rule parts
/// (RULE column, header counts, grouping) are measured at scale.
pub fn data_rules(n: usize, rule_count: usize) -> Data {
    build(n, rule_count, 0, 0)
}

/// As [`data`], in an index of `events` events: after each finding's event
/// come background calls (S3 reads by other keys), and `key_uses` of them,
/// spread evenly, are signed with the first finding's new key. This is the
/// console over a large hunt: a few findings in millions of events, one new
/// key used many times.
pub fn data_padded(n: usize, events: usize, key_uses: usize) -> Data {
    build(n, 1, events.saturating_sub(n + 5), key_uses)
}

fn build(n: usize, rule_count: usize, background: usize, key_uses: usize) -> Data {
    let mut rng = Lcg(42);
    let mut strings = Interner::default();
    let mut events = Vec::with_capacity(n + background + 8);
    let mut bg = Background::new(&mut strings, n, background, key_uses);
    let mut extras = Vec::with_capacity(n);
    let mut findings = Vec::with_capacity(n);
    let base: i64 = 1_709_251_200_000; // 2024-03-01T00:00:00Z
    let agents = [
        "aws-cli/2.15.30 Python/3.11",
        "Boto3/1.34.0 md/Botocore#1.34.0",
        "terraform/1.7.4",
        "aws-sdk-go-v2/1.25.0",
    ];
    let regions = [
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",
        "ap-southeast-2",
    ];
    let mut rules = RuleSet::builtin();
    for k in 1..rule_count.max(1) {
        let mut copy = rules.rules[0].clone();
        copy.rule.id = format!("synthetic-{k:02}");
        copy.rule.name = format!("Synthetic rule {k:02}");
        rules.rules.push(copy);
    }
    let nrules = rules.rules.len();
    for i in 0..n {
        let time = base + (i as i64) * 30_000 + rng.next(20_000) as i64;
        let actor_user = format!("user{:03}", rng.next(200));
        let account = format!("{:012}", 111_111_111_111u64 + rng.next(5));
        let actor_arn = format!("arn:aws:iam::{account}:user/{actor_user}");
        let target = format!("svc-{:03}", rng.next(300));
        let src = format!("198.51.{}.{}", rng.next(4), rng.next(250));
        let agent = agents[rng.next(agents.len() as u64) as usize];
        let region = regions[rng.next(regions.len() as u64) as usize];
        let event_id = format!("00000000-0000-4000-8000-{i:012}");
        let new_key = format!("AKIASYNTH{i:011}");
        let raw = format!(
            concat!(
                r#"{{"eventVersion":"1.08","eventTime":"{}","eventSource":"iam.amazonaws.com","#,
                r#""eventName":"CreateAccessKey","awsRegion":"{}","sourceIPAddress":"{}","userAgent":"{}","#,
                r#""userIdentity":{{"type":"IAMUser","arn":"{}","accountId":"{}","userName":"{}"}},"#,
                r#""requestParameters":{{"userName":"{}"}},"responseElements":{{"accessKey":{{"accessKeyId":"{}","userName":"{}"}}}},"#,
                r#""eventID":"{}","recipientAccountId":"{}"}}"#
            ),
            crate::event::time::rfc3339(Some(time)).unwrap_or_default(),
            region,
            src,
            agent,
            actor_arn,
            account,
            actor_user,
            target,
            new_key,
            target,
            event_id,
            account
        );
        let mut ev = Event::new(
            Some(time),
            Loc {
                file: 0,
                line: i as u32 + 1,
                offset: 0,
                len: raw.len() as u32,
                splunk_raw: false,
            },
        );
        ev.name = strings.intern("CreateAccessKey");
        ev.source = strings.intern("iam.amazonaws.com");
        ev.region = strings.intern(region);
        ev.account = strings.intern(&account);
        ev.actor_arn = strings.intern(&actor_arn);
        ev.actor_type = strings.intern("IAMUser");
        ev.actor_user = strings.intern(&actor_user);
        ev.src = strings.intern(&src);
        ev.user_agent = strings.intern(agent);
        ev.target_user = strings.intern(&target);
        ev.new_key = strings.intern(&new_key);
        ev.digest = i as u32;
        extras.push(Extra {
            other_locs: Vec::new(),
            raw: Some(crate::event::Packed::pack(&raw)),
        });
        ev.extra = extras.len() as u32;
        events.push(ev);
        // Half spread evenly, half halving from rule to rule: every rule has
        // findings and the header's order by count has work to do. One rule
        // draws nothing, so `data` stays as it was.
        let ri = if nrules == 1 {
            0
        } else if rng.next(2) == 0 {
            rng.next(nrules as u64) as usize
        } else {
            (rng.next(1 << nrules.min(20)) as usize).trailing_zeros() as usize % nrules
        };
        let rule = &rules.rules[ri].rule;
        let at = events.len() - 1;
        bg.after(&mut events, time);
        findings.push(Finding {
            rule: ri,
            rule_id: rule.id.clone(),
            semantics: Semantics::Strict,
            key: format!("{}/{event_id}/{i:08x}", rule.id),
            events: vec![at],
            count: 1,
            first_time: Some(time),
            last_time: Some(time),
            group: Vec::new(),
            event_id: Some(event_id),
            event_name: Some("CreateAccessKey".into()),
            actor_arn: Some(actor_arn.clone()),
            actor_type: Some("IAMUser".into()),
            target_user: Some(target.clone()),
            src: Some(src.clone()),
            user_agent: Some(agent.into()),
            account: Some(account),
            region: Some(region.into()),
            new_key: Some(new_key),
            caller_key: None,
            risk_score: rule.risk_score(),
            risk_message: format!("User {actor_arn} is attempting to create access keys for {target} from this IP {src}"),
            splunk_parity: i % 7 != 0,
            why: vec!["eventName is CreateAccessKey".into(), "successful (no errorCode)".into()],
            splunk_verdict: if i % 7 == 0 { "dropped by stats: by-field userIdentity.principalId is absent".into() } else { String::new() },
            roles: Vec::new(),
        });
    }
    // A few later calls signed with the first new key, after every other
    // event so the index stays in time order.
    if n > 0 {
        let key = strings.intern("AKIASYNTH00000000000");
        let end = base + n as i64 * 30_000;
        for j in 0..5 {
            let mut ev = events[0];
            ev.set_time(Some(end + 60_000 * (j + 1)));
            ev.name = strings.intern(
                [
                    "ListUsers",
                    "GetUser",
                    "ListBuckets",
                    "GetObject",
                    "PutObject",
                ][j as usize],
            );
            ev.access_key = key;
            ev.new_key = Sym::NONE;
            ev.extra = 0;
            events.push(ev);
        }
    }
    let all = events;
    let stats = LoadStats {
        files: 0,
        events: all.len() as u64,
        deliveries: all.len() as u64,
        first_time: all.iter().filter_map(|e| e.time()).min(),
        last_time: all.iter().filter_map(|e| e.time()).max(),
        accounts: (0..5)
            .map(|k| format!("{:012}", 111_111_111_111u64 + k))
            .collect(),
        regions: regions.iter().map(|r| r.to_string()).collect(),
        ..LoadStats::default()
    };
    let index = Index {
        roots: vec![PathBuf::from("synthetic")],
        events: all,
        extras,
        strings,
        stats,
        ..Index::default()
    };
    let hunt = Hunt {
        index: std::sync::Arc::new(index),
        rules: std::sync::Arc::new(rules),
        semantics: Semantics::Strict,
        findings,
        rule_errors: Vec::new(),
    };
    Data::new(&hunt, &Zone::Utc)
}

/// The background calls of [`data_padded`], laid out slot by slot.
struct Background {
    /// How many follow finding `i`'s event: `per + (i < extra)`.
    per: usize,
    extra: usize,
    slot: usize,
    /// Every `every`-th background event is signed with the first new key.
    every: usize,
    left_uses: usize,
    made: usize,
    template: Event,
    keys: [Sym; 8],
    first_key: Sym,
}

impl Background {
    fn new(strings: &mut Interner, n: usize, total: usize, key_uses: usize) -> Background {
        let mut template = Event::new(
            None,
            Loc {
                file: 0,
                line: 0,
                offset: 0,
                len: 0,
                splunk_raw: false,
            },
        );
        template.name = strings.intern("GetObject");
        template.source = strings.intern("s3.amazonaws.com");
        template.region = strings.intern("us-east-1");
        template.account = strings.intern("111111111111");
        template.actor_arn = strings.intern("arn:aws:iam::111111111111:role/app");
        template.actor_type = strings.intern("AssumedRole");
        template.src = strings.intern("10.0.0.1");
        template.user_agent = strings.intern("aws-sdk-java/1.12");
        let keys = std::array::from_fn(|k| strings.intern(&format!("ASIABACKGROUND{k:06}")));
        let first_key = strings.intern("AKIASYNTH00000000000");
        Background {
            per: total.checked_div(n).unwrap_or(0),
            extra: total.checked_rem(n).unwrap_or(0),
            slot: 0,
            every: total.checked_div(key_uses).unwrap_or(usize::MAX).max(1),
            left_uses: key_uses.min(total),
            made: 0,
            template,
            keys,
            first_key,
        }
    }

    /// Pushes the calls that follow the finding made at `time` (in the 10 s
    /// before the next finding's slot, so the index stays in time order).
    fn after(&mut self, events: &mut Vec<Event>, time: i64) {
        let count = self.per + usize::from(self.slot < self.extra);
        self.slot += 1;
        for j in 0..count {
            let mut ev = self.template;
            ev.set_time(Some(time + 1 + (j as i64 * 10_000 / count as i64)));
            ev.digest = events.len() as u32;
            ev.access_key = if self.left_uses > 0 && self.made.is_multiple_of(self.every) {
                self.left_uses -= 1;
                self.first_key
            } else {
                self.keys[self.made % self.keys.len()]
            };
            self.made += 1;
            events.push(ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_rules_spreads_the_findings_over_every_rule() {
        let d = data_rules(2000, 20);
        assert_eq!(d.rules.rules.len(), 20);
        assert!(d.many_rules());
        let mut per_rule = [0usize; 20];
        for f in &d.findings {
            assert_eq!(f.rule_id, d.rules.rules[f.rule].rule.id);
            per_rule[f.rule] += 1;
        }
        assert!(per_rule.iter().all(|&n| n > 0), "{per_rule:?}");
        // Uneven: the header's order by count is exercised.
        assert!(per_rule[0] > per_rule[5], "{per_rule:?}");
        let counts = d.rule_counts();
        assert_eq!(counts.iter().map(|c| c.open).sum::<usize>(), 2000);
    }

    #[test]
    fn data_padded_has_the_events_and_key_uses_asked_for() {
        let d = data_padded(100, 10_000, 1_000);
        assert_eq!(d.index.events.len(), 10_000);
        assert_eq!(d.findings.len(), 100);
        // Still in time order, and each finding points at its own event.
        assert!(d.index.events.is_sorted_by_key(|e| e.time()));
        for f in &d.findings {
            let ev = &d.index.events[f.events[0]];
            assert_eq!(d.index.str(ev.new_key), f.new_key.as_deref());
        }
        // 1,000 background uses plus the 5 later calls.
        let u = crate::rules::usage::key_usage(&d.index, &d.findings[0]).unwrap();
        assert_eq!(u.events.len(), 1_005);
    }

    #[test]
    fn data_keeps_one_rule() {
        let d = data(50);
        assert_eq!(d.rules.rules.len(), 1);
        assert!(d.findings.iter().all(|f| f.rule == 0));
    }
}
