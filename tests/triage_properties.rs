//! Properties of what triage writes: SPL string literals read back as the
//! value that went in, whatever it holds, and allowlist entries survive
//! save → load unchanged.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use std::path::Path;
use trailhunt::triage::allowlist::{Allowlist, Condition, Entry, MatchKind, RuleScope};
use trailhunt::triage::field::Field;
use trailhunt::triage::splunk::spl_string;

/// Reads one SPL double-quoted literal back, checking every escape is one
/// SPL defines and the literal closes exactly at the end.
fn read_spl_literal(s: &str) -> Result<String, String> {
    let mut chars = s.chars();
    if chars.next() != Some('"') {
        return Err("no opening quote".into());
    }
    let mut out = String::new();
    loop {
        match chars.next().ok_or("left open")? {
            '\\' => match chars.next().ok_or("dangling escape")? {
                e @ ('\\' | '"') => out.push(e),
                e => return Err(format!("undefined escape \\{e}")),
            },
            '"' => break,
            c => out.push(c),
        }
    }
    if chars.next().is_some() {
        return Err("text after the closing quote".into());
    }
    Ok(out)
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\"\\\\*| ()=a-z\\[\\]`$]{0,24}",
        Just("\" OR 1=1 | delete \\".to_string()),
    ]
}

fn time() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    proptest::option::of((0i64..4_102_444_800).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap()))
}

fn condition() -> impl Strategy<Value = Condition> {
    let exact = (0usize..Field::ALL.len(), "[^\\x00-\\x1f\\x7f]{1,20}")
        .prop_map(|(f, v)| Condition::new(Field::ALL[f], MatchKind::Exact, &v).unwrap());
    let cidr = (0u8..=255, 0u8..=32).prop_map(|(a, bits)| {
        Condition::new(
            Field::Src,
            MatchKind::Cidr,
            &format!("{a}.0.0.0/{}", bits.min(8)),
        )
        .unwrap()
    });
    prop_oneof![exact, cidr]
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        "[a-z0-9][a-z0-9._-]{0,20}",
        proptest::collection::vec(condition(), 1..4),
        "[^\\x00-\\x08\\x0b-\\x1f\\x7f]{1,40}",
        proptest::option::of("[^\\x00-\\x1f\\x7f]{1,16}"),
        time(),
        time(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(id, conditions, reason, author, created, expires, disabled, all)| Entry {
                id,
                rules: if all {
                    RuleScope::All
                } else {
                    RuleScope::Ids(vec!["2a9b80d3-6340-4345-11ad-212bf3d0d111".into()])
                },
                conditions,
                reason,
                author,
                created,
                expires,
                disabled,
            },
        )
        // Only entries trailhunt would accept (a blank reason is not one).
        .prop_filter("a valid entry", |e| e.validate().is_ok())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn spl_string_literals_read_back_exactly(s in hostile_text()) {
        prop_assert_eq!(read_spl_literal(&spl_string(&s)), Ok(s));
    }

    #[test]
    fn allowlist_entries_survive_save_then_load(mut entries in proptest::collection::vec(entry(), 0..4)) {
        // Ids are unique in a file.
        for (i, e) in entries.iter_mut().enumerate() {
            e.id = format!("{}-{i}", e.id);
        }
        let list = Allowlist { entries };
        let text = list.to_toml();
        let back = Allowlist::parse(&text, Path::new("prop.toml")).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back.entries, list.entries, "{}", text);
    }
}
