//! `allowlist export --splunk`: hostile values must come out as the same
//! values in Splunk, and must not break out of their string, clause, stanza
//! or line.

use chrono::{DateTime, Utc};
use trailhunt::rules::RuleSet;
use trailhunt::triage::Field;
use trailhunt::triage::allowlist::{Allowlist, Condition, Entry, MatchKind, RuleScope};
use trailhunt::triage::expiry::parse_time;
use trailhunt::triage::splunk::{export, spl_string};

fn now() -> DateTime<Utc> {
    parse_time("2026-11-01T00:00:00Z").unwrap()
}

fn entry(id: &str, field: Field, kind: MatchKind, value: &str) -> Entry {
    Entry {
        id: id.into(),
        rules: RuleScope::All,
        conditions: vec![Condition::new(field, kind, value).unwrap()],
        reason: format!("reason {id}"),
        author: None,
        created: None,
        expires: None,
        disabled: false,
    }
}

/// The SPL string literals in `s`, unescaped, checking that every escape is
/// one SPL defines (`\\` or `\"`) and that no string is left open.
fn literals(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut lit = String::new();
        loop {
            match chars.next().expect("string left open") {
                '\\' => {
                    let e = chars.next().expect("dangling escape");
                    assert!(e == '\\' || e == '"', "undefined escape \\{e} in {s}");
                    lit.push(e);
                }
                '"' => break,
                c => lit.push(c),
            }
        }
        out.push(lit);
    }
    out
}

/// The definition with `.conf` line continuations joined, and the stanza's lines.
fn stanza(list: &Allowlist) -> (String, Vec<String>) {
    let out = export(list, &RuleSet::builtin(), now());
    let lines: Vec<String> = out.text.lines().map(str::to_string).collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("definition = "))
        .unwrap();
    let end = start
        + lines[start..]
            .iter()
            .position(|l| !l.ends_with('\\'))
            .unwrap();
    let joined: Vec<&str> = lines[start..=end]
        .iter()
        .map(|l| l.strip_suffix('\\').unwrap_or(l))
        .collect();
    let def = joined
        .concat()
        .strip_prefix("definition = ")
        .unwrap()
        .to_string();
    (def, lines)
}

/// The regex literal passed to `match(FIELD, …)` in `def`, unescaped.
fn match_regex(def: &str, field: &str) -> String {
    let at = def
        .find(&format!("match('{field}', "))
        .unwrap_or_else(|| panic!("no match on {field} in {def}"));
    literals(&def[at..])[0].clone()
}

const NEWLINE_UA: &str = "evil\n| delete\r\n\"x\"";

fn hostile() -> Allowlist {
    Allowlist {
        entries: vec![
            entry("quotes", Field::TargetUser, MatchKind::Exact, "a\"b\\c d|e"),
            entry("star", Field::TargetUser, MatchKind::Exact, "dep*loy"),
            entry("newline", Field::UserAgent, MatchKind::Exact, NEWLINE_UA),
            entry(
                "wild",
                Field::ActorArn,
                MatchKind::Glob,
                "arn:aws:sts::1:assumed-role/ci-*",
            ),
            entry(
                "q",
                Field::ActorArn,
                MatchKind::Glob,
                "arn:aws:iam::1:user/svc-?",
            ),
            entry("re", Field::TargetUser, MatchKind::Regex, "^svc-\\d+\"$"),
            entry("net", Field::Src, MatchKind::Cidr, "10.1.2.3/16"),
            entry(
                "ua",
                Field::UserAgent,
                MatchKind::Exact,
                "Boto3 \\\" ) OR (1=1",
            ),
        ],
    }
}

#[test]
fn the_stanza_is_named_by_the_rules_filter_macro_and_is_well_formed() {
    let (def, lines) = stanza(&hostile());
    assert!(
        lines.iter().any(|l| l == "[aws_createaccesskey_filter]"),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l == "iseval = 0"));
    for l in &lines {
        assert!(
            !l.chars().any(|c| c.is_control()),
            "raw control character in {l:?}"
        );
        assert!(
            l.starts_with('#')
                || l.starts_with('[')
                || l.starts_with("definition = ")
                || l.starts_with("    ")
                || l.starts_with("  )")
                || l.starts_with("| ")
                || l == "iseval = 0",
            "unexpected line {l:?}"
        );
    }
    // Outside strings the parentheses balance: no value closed a clause.
    let mut depth = 0i32;
    let mut in_str = false;
    let mut esc = false;
    for c in def.chars() {
        match (in_str, esc, c) {
            (true, true, _) => esc = false,
            (true, false, '\\') => esc = true,
            (_, false, '"') => in_str = !in_str,
            (false, _, '(') => depth += 1,
            (false, _, ')') => {
                depth -= 1;
                assert!(depth >= 0, "{def}");
            }
            _ => {}
        }
    }
    assert_eq!(depth, 0, "{def}");
    assert!(!in_str);
    assert!(def.starts_with("search NOT ( "), "{def}");
    assert_eq!(def.matches("| where NOT (").count(), 1, "{def}");
}

#[test]
fn case_insensitive_exact_values_are_search_terms_with_quotes_and_backslashes_escaped() {
    let (def, _) = stanza(&hostile());
    assert!(
        def.contains(r#"(requestParameters.userName="a\"b\\c d|e")"#),
        "{def}"
    );
    assert!(literals(&def).contains(&"a\"b\\c d|e".to_string()));
}

#[test]
fn a_literal_star_cannot_be_a_search_term_and_uses_where() {
    let (def, _) = stanza(&hostile());
    assert!(
        !def.contains(r#"requestParameters.userName="dep*loy""#),
        "{def}"
    );
    assert!(
        def.contains(r#"if(isnull('requestParameters.userName'), false(), lower('requestParameters.userName')==lower("dep*loy"))"#),
        "{def}"
    );
}

#[test]
fn a_glob_of_stars_is_a_search_wildcard_and_other_globs_are_regexes() {
    let (def, _) = stanza(&hostile());
    assert!(
        def.contains(r#"(user_arn="arn:aws:sts::1:assumed-role/ci-*")"#),
        "{def}"
    );
    let re = regex::Regex::new(&match_regex(&def, "user_arn")).unwrap();
    assert!(re.is_match("ARN:AWS:IAM::1:USER/SVC-A"));
    assert!(!re.is_match("arn:aws:iam::1:user/svc-ab"));
    assert!(!re.is_match("xarn:aws:iam::1:user/svc-a"));
}

#[test]
fn newlines_never_reach_the_conf_file_and_still_match_in_the_regex() {
    let (def, _) = stanza(&hostile());
    let re_text = match_regex(&def, "userAgent");
    assert!(
        !re_text.contains('\n') && !re_text.contains('\r'),
        "{re_text:?}"
    );
    // The regex (PCRE syntax, which the regex crate shares here) matches the
    // value exactly, case-sensitively, and nothing around it.
    let re = regex::Regex::new(&re_text).unwrap();
    assert!(re.is_match(NEWLINE_UA), "{re_text}");
    assert!(!re.is_match(&NEWLINE_UA.to_uppercase()));
    assert!(
        !re.is_match(&format!("{NEWLINE_UA}\n")),
        "no match before a final newline"
    );
    assert!(!re.is_match(&format!("x{NEWLINE_UA}")));
}

#[test]
fn regexes_cidrs_and_case_sensitive_values_keep_their_meaning() {
    let (def, _) = stanza(&hostile());
    let lits = literals(&def);
    assert!(
        lits.contains(&"^svc-\\d+\"$".to_string()),
        "regex passed through unchanged: {lits:?}"
    );
    assert!(def.contains(r#"cidrmatch("10.1.0.0/16", 'src')"#), "{def}");
    assert!(
        def.contains(r#"'userAgent'=="Boto3 \\\" ) OR (1=1""#),
        "{def}"
    );
    assert!(lits.contains(&"Boto3 \\\" ) OR (1=1".to_string()));
}

#[test]
fn spl_string_round_trips_through_the_literal_reader() {
    for v in [
        "", "plain", "\"", "\\", "\\\"", "a b", "*", "|", "\\\\\"\"", "end\\",
    ] {
        assert_eq!(literals(&spl_string(v)), vec![v.to_string()], "{v:?}");
    }
}

#[test]
fn comments_carry_ids_and_reasons_escaped() {
    let mut list = hostile();
    list.entries[0].reason = "line one\nline two \u{1b}[2J".into();
    let out = export(&list, &RuleSet::builtin(), now());
    assert!(
        out.text
            .contains("#   quotes: line one\\u{a}line two \\u{1b}[2J"),
        "{}",
        out.text
    );
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}
