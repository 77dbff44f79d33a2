//! The `/` filter: fuzzy words plus `field:value`, `!` and `after:`/`before:`
//! terms, all of which must hold.
//!
//! Fuzzy words match the way fuzzy-matcher's `SkimMatcherV2` accepts a
//! choice (the word's characters appear in order; smart case), within one
//! field of the row: letters picked out of several columns would make
//! `alice` match nearly every row. The check is a plain subsequence scan
//! per field because that acceptance test is all the filter needs and it is
//! far cheaper than scoring 100,000 rows per keystroke. The view asks
//! `SkimMatcherV2` for the matched positions in each cell on screen, to
//! highlight them.

use super::data::{Data, HAY_SEP, Row};
use crate::event::zone::Zone;
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

/// A field a `field:value` term names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Actor,
    Target,
    Src,
    Account,
    Region,
    Status,
    Agent,
    Event,
    Key,
    Rule,
}

impl Field {
    /// The prefixes the filter understands, for help and error messages.
    pub const NAMES: &'static [(&'static str, Field)] = &[
        ("actor", Field::Actor),
        ("target", Field::Target),
        ("src", Field::Src),
        ("account", Field::Account),
        ("region", Field::Region),
        ("status", Field::Status),
        ("agent", Field::Agent),
        ("event", Field::Event),
        ("key", Field::Key),
        ("rule", Field::Rule),
    ];

    /// The field names as help and warnings list them.
    pub fn known() -> String {
        let mut names: Vec<&str> = Field::NAMES.iter().map(|(n, _)| *n).collect();
        names.extend(["after", "before"]);
        names.join(" ")
    }
}

/// What one term tests.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// The word fuzzy-matches the row's text.
    Fuzzy(String),
    /// The field contains the value (or, when it was quoted, equals it),
    /// ignoring ASCII case.
    Field(Field, String, bool),
    /// The finding's time is at or after this instant (ms).
    After(i64),
    /// The finding's time is before this instant (ms).
    Before(i64),
}

/// One term, possibly negated with `!`.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub negate: bool,
    pub test: Test,
}

/// A parsed filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub terms: Vec<Term>,
    /// Terms that could not be read (an unfinished time, an unknown field);
    /// they are ignored and named on screen.
    pub problems: Vec<String>,
}

impl Filter {
    /// Reads the filter text. Times without an offset are read in `zone`.
    pub fn parse(text: &str, zone: &Zone) -> Filter {
        let mut f = Filter::default();
        for (tok, exact) in tokens(text) {
            let (negate, body) = match tok.strip_prefix('!') {
                Some(rest) => (true, rest.to_string()),
                None => (false, tok),
            };
            if body.is_empty() {
                continue;
            }
            let test = match body.split_once(':') {
                Some((name, value)) if is_field_name(name, value) => {
                    let name = name.to_ascii_lowercase();
                    match name.as_str() {
                        "after" | "before" => match zone.parse_time(value) {
                            Some(t) if name == "after" => Test::After(t),
                            Some(t) => Test::Before(t),
                            None => {
                                f.problems.push(format!(
                                    "{name}:{value} is not a time (try 2024-03-01T12:00)"
                                ));
                                continue;
                            }
                        },
                        _ => {
                            let field = Field::NAMES
                                .iter()
                                .find(|(n, _)| *n == name)
                                .map(|(_, f)| *f);
                            match field {
                                Some(field) if !value.is_empty() => {
                                    Test::Field(field, value.to_ascii_lowercase(), exact)
                                }
                                Some(_) => continue,
                                None => {
                                    f.problems.push(format!(
                                        "unknown field {name}: (fields: {})",
                                        Field::known()
                                    ));
                                    continue;
                                }
                            }
                        }
                    }
                }
                _ => Test::Fuzzy(body),
            };
            f.terms.push(Term { negate, test });
        }
        f
    }

    /// True when the filter lets everything through.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether `row`, whose fuzzy-searchable text is `hay`, passes every term.
    pub fn matches(&self, row: &Row, hay: &str) -> bool {
        self.terms.iter().all(|t| t.matches(row, hay) != t.negate)
    }

    /// The fuzzy words that highlight characters (negated words select
    /// nothing to highlight).
    pub fn fuzzy_words(&self) -> impl Iterator<Item = &str> {
        self.terms
            .iter()
            .filter(|t| !t.negate)
            .filter_map(|t| match &t.test {
                Test::Fuzzy(w) => Some(w.as_str()),
                _ => None,
            })
    }

    /// Whether every row this filter passes also passes `old`, so typing
    /// one more character can filter the rows already shown instead of all
    /// of them. Holds when each of `old`'s terms is implied by one of ours:
    /// the same term, a longer positive fuzzy word, or a longer value for
    /// the same field.
    pub fn narrows(&self, old: &Filter) -> bool {
        old.terms
            .iter()
            .all(|o| self.terms.iter().any(|n| n.implies(o)))
    }

    /// The findings of `order` that pass, in that order.
    pub fn apply(&self, data: &Data, order: &[u32]) -> Vec<u32> {
        if self.is_empty() {
            return order.to_vec();
        }
        order
            .iter()
            .copied()
            .filter(|&i| self.matches(&data.rows[i as usize], data.hay(i as usize)))
            .collect()
    }
}

/// A `name:` that starts a field term: letters only, so that an ARN
/// (`arn:`), a time of day or an IPv6 address stays a fuzzy word, while a
/// mistyped field name is named on screen instead of silently matching
/// nothing.
fn is_field_name(name: &str, value: &str) -> bool {
    // `dead:beef::1`: an IPv6 address whose first group is all letters.
    let ipv6 =
        name.len() <= 4 && name.bytes().all(|b| b.is_ascii_hexdigit()) && value.contains(':');
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphabetic())
        && !name.eq_ignore_ascii_case("arn")
        && !ipv6
}

impl Term {
    /// Whether a row passing `self` must pass `other`.
    fn implies(&self, other: &Term) -> bool {
        if self == other {
            return true;
        }
        if self.negate || other.negate {
            return false;
        }
        match (&self.test, &other.test) {
            // A pattern's characters in order include any prefix's; smart
            // case only ever gets stricter as a word grows.
            (Test::Fuzzy(n), Test::Fuzzy(o)) => n.starts_with(o.as_str()),
            (Test::Field(nf, nv, false), Test::Field(of, ov, false)) => {
                nf == of && nv.contains(ov.as_str())
            }
            _ => false,
        }
    }

    fn matches(&self, row: &Row, hay: &str) -> bool {
        match &self.test {
            // A negated word excludes rows that contain it; excluding every
            // row where its letters merely appear in order would hide far
            // more than anyone means by `!word`.
            Test::Fuzzy(w) if self.negate => contains_ci(hay, &w.to_ascii_lowercase()),
            Test::Fuzzy(w) => in_one_field(hay, w),
            Test::Field(f, v, exact) => {
                let test = |hay: &str| {
                    if *exact {
                        hay.eq_ignore_ascii_case(v)
                    } else {
                        contains_ci(hay, v)
                    }
                };
                match f {
                    Field::Actor => test(&row.actor) || (!*exact && test(&row.caller)),
                    Field::Target => test(&row.target),
                    Field::Src => test(&row.src),
                    Field::Account => test(&row.account),
                    Field::Region => test(&row.region),
                    Field::Agent => test(&row.agent_full),
                    Field::Event => test(&row.event),
                    Field::Key => test(&row.new_key) || test(&row.caller_key),
                    // A Sigma rule's id is a UUID; its name is what people type.
                    Field::Rule => test(&row.rule) || test(&row.rule_name),
                    Field::Status => {
                        test(row.status.name())
                            || test(row.status.label())
                            || (row.suppressed && test("suppressed"))
                    }
                }
            }
            Test::After(t) => row.time.is_some_and(|x| x >= *t),
            Test::Before(t) => row.time.is_some_and(|x| x < *t),
        }
    }
}

/// Splits on whitespace, keeping `"quoted text"` together. Inside quotes
/// `\"` is a quote and `\\` a backslash; the flag says whether the token
/// had quotes (a quoted field value must match exactly).
fn tokens(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut had_quotes = false;
    let mut started = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted && matches!(chars.peek(), Some('"' | '\\')) => {
                cur.extend(chars.next());
            }
            '"' => {
                quoted = !quoted;
                had_quotes = true;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    out.push((std::mem::take(&mut cur), had_quotes));
                    started = false;
                    had_quotes = false;
                }
            }
            c => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push((cur, had_quotes));
    }
    out
}

/// Quotes `value` for a filter so that it reads back exactly.
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

/// `SkimMatcherV2`'s acceptance test: `pattern`'s characters appear in
/// `hay` in order, ignoring ASCII case unless the pattern has an upper-case
/// letter (smart case).
pub fn is_subsequence(hay: &str, pattern: &str) -> bool {
    let sensitive = pattern.chars().any(|c| c.is_ascii_uppercase());
    if pattern.is_ascii() {
        // Bytes of multi-byte characters are all >= 0x80, so they never
        // equal an ASCII pattern byte: finding each pattern byte in turn
        // with memchr gives the same answer as comparing characters, and
        // is several times faster over 100,000 rows.
        let hay = hay.as_bytes();
        let mut at = 0;
        for &want in pattern.as_bytes() {
            let rest = &hay[at..];
            let found = if sensitive || !want.is_ascii_alphabetic() {
                memchr::memchr(want, rest)
            } else {
                memchr::memchr2(want.to_ascii_lowercase(), want.to_ascii_uppercase(), rest)
            };
            match found {
                Some(i) => at += i + 1,
                None => return false,
            }
        }
        return true;
    }
    let mut p = pattern.chars().peekable();
    for c in hay.chars() {
        let Some(&want) = p.peek() else { return true };
        let eq = if sensitive {
            c == want
        } else {
            c.eq_ignore_ascii_case(&want)
        };
        if eq {
            p.next();
        }
    }
    p.peek().is_none()
}

/// Whether `pattern` is a subsequence (as [`is_subsequence`]) of one of
/// the fields of `hay`, which are joined by [`HAY_SEP`].
pub fn in_one_field(hay: &str, pattern: &str) -> bool {
    if !pattern.is_ascii() {
        return hay.split(HAY_SEP).any(|f| is_subsequence(f, pattern));
    }
    // One greedy pass over the whole row, as `is_subsequence` makes, that
    // starts again from the next field whenever a match would cross a
    // separator: the earliest match within a field is the one most likely
    // to finish there, so a field it fails in cannot match at all. This
    // calls memchr about once per pattern byte instead of once per field.
    let sensitive = pattern.chars().any(|c| c.is_ascii_uppercase());
    let (hay, pat) = (hay.as_bytes(), pattern.as_bytes());
    let sep = HAY_SEP as u8;
    let find = |want: u8, from: usize| -> Option<usize> {
        let rest = &hay[from..];
        let i = if sensitive || !want.is_ascii_alphabetic() {
            memchr::memchr(want, rest)
        } else {
            memchr::memchr2(want.to_ascii_lowercase(), want.to_ascii_uppercase(), rest)
        }?;
        Some(from + i)
    };
    let Some(&first) = pat.first() else {
        return true;
    };
    let mut at = 0;
    'fields: while let Some(start) = find(first, at) {
        let end = memchr::memchr(sep, &hay[start..]).map_or(hay.len(), |i| start + i);
        let mut pos = start + 1;
        for &want in &pat[1..] {
            match find(want, pos) {
                Some(i) if i < end => pos = i + 1,
                Some(_) if end < hay.len() => {
                    at = end + 1;
                    continue 'fields;
                }
                _ => return false,
            }
        }
        return true;
    }
    false
}

/// Whether `hay` contains `needle` (already lower-case), ignoring ASCII case.
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    if n.len() > h.len() {
        return false;
    }
    // Candidates are where the first byte occurs (either case), found with
    // memchr; rows hold a few hundred bytes and most lack it.
    let first = n[0];
    let mut at = 0;
    while at + n.len() <= h.len() {
        let rest = &h[at..=h.len() - n.len()];
        let Some(i) = memchr::memchr2(first, first.to_ascii_uppercase(), rest) else {
            return false;
        };
        let w = &h[at + i..at + i + n.len()];
        if w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b) {
            return true;
        }
        at += i + 1;
    }
    false
}

/// The character positions of `cell` that the filter's fuzzy words match,
/// as `SkimMatcherV2` aligns them, sorted and unique. A word is matched in
/// one cell at a time, as the filter matches it within one field. Used for
/// the cells on screen only.
pub fn highlight(filter: &Filter, cell: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let m = SkimMatcherV2::default();
    for w in filter.fuzzy_words() {
        if let Some((_, idx)) = m.fuzzy_indices(cell, w) {
            out.extend(idx);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::data::hay;

    /// A row and its fuzzy text.
    struct R(Row, String);

    impl Filter {
        fn passes(&self, r: &R) -> bool {
            self.matches(&r.0, &r.1)
        }
    }

    fn row(actor: &str, target: &str, src: &str, time: i64) -> R {
        let r = Row {
            time: Some(time),
            score: 63.0,
            caller: format!("{} (IAMUser)", crate::report::table::short_arn(actor)),
            actor: actor.into(),
            target: target.into(),
            src: src.into(),
            agent: "aws-cli/2.0".into(),
            agent_full: "aws-cli/2.0 Python/3.12 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023"
                .into(),
            account: "111122223333".into(),
            region: "us-east-1".into(),
            event: "CreateAccessKey".into(),
            new_key: "AKIANEWKEY0000000001".into(),
            caller_key: "ASIACALLER000000002".into(),
            rule: "iam-key-for-other-user".into(),
            rule_name: "Login Profile For Another User".into(),
            parity: Some(true),
            status: crate::triage::Status::New,
            suppressed: false,
        };
        let h = hay(&r, &Zone::Utc);
        R(r, h)
    }

    const T: i64 = 1_709_296_496_000; // 2024-03-01T12:34:56Z

    #[test]
    fn field_terms_match_substrings_case_insensitively() {
        let r = row("arn:aws:iam::1:user/Alice", "bob", "203.0.113.9", T);
        let f = Filter::parse("actor:alice target:BOB src:203.0.113", &Zone::Utc);
        assert!(f.problems.is_empty());
        assert!(f.passes(&r));
        assert!(!Filter::parse("target:carol", &Zone::Utc).passes(&r));
    }

    #[test]
    fn bang_negates_fields_and_words() {
        let r = row("arn:aws:iam::1:user/alice", "bob", "203.0.113.9", T);
        assert!(!Filter::parse("!actor:alice", &Zone::Utc).passes(&r));
        assert!(Filter::parse("!actor:mallory", &Zone::Utc).passes(&r));
        assert!(!Filter::parse("!bob", &Zone::Utc).passes(&r));
        // Negated words are substrings, not subsequences.
        assert!(Filter::parse("!aie", &Zone::Utc).passes(&r));
    }

    #[test]
    fn fuzzy_words_are_subsequences_with_smart_case() {
        let r = row("arn:aws:iam::1:user/alice", "bob", "203.0.113.9", T);
        assert!(Filter::parse("alc bob", &Zone::Utc).passes(&r));
        assert!(!Filter::parse("Alice", &Zone::Utc).passes(&r));
        assert!(Filter::parse("IAMU", &Zone::Utc).passes(&r));
    }

    #[test]
    fn subsequence_agrees_with_skim_matcher() {
        let m = SkimMatcherV2::default();
        let hays = [
            "user/alice (IAMUser)  bob",
            "203.0.113.9  aws-cli/2.0",
            "ÉLAN éclair  x",
        ];
        let pats = [
            "alb", "ALB", "IAMu", "2039", "cli/", "zz", "élan", "l x", "éc",
        ];
        for h in hays {
            for p in pats {
                assert_eq!(
                    is_subsequence(h, p),
                    m.fuzzy_match(h, p).is_some(),
                    "{h:?} / {p:?}"
                );
            }
        }
    }

    #[test]
    fn after_and_before_bound_the_time_in_the_zone_shown() {
        let r = row("arn:aws:iam::1:user/alice", "bob", "1.2.3.4", T);
        assert!(Filter::parse("after:2024-03-01T12:00", &Zone::Utc).passes(&r));
        assert!(!Filter::parse("after:2024-03-01T13:00", &Zone::Utc).passes(&r));
        assert!(Filter::parse("before:2024-03-02", &Zone::Utc).passes(&r));
        let paris = Zone::parse("Europe/Paris").unwrap();
        // 13:34:56 in Paris is the finding's instant.
        assert!(Filter::parse("after:2024-03-01T13:34:56", &paris).passes(&r));
        assert!(!Filter::parse("after:2024-03-01T13:34:57", &paris).passes(&r));
    }

    #[test]
    fn unfinished_terms_are_reported_and_ignored() {
        let f = Filter::parse("after:2024-0 bob nosuch:x", &Zone::Utc);
        assert_eq!(f.terms.len(), 1, "{f:?}");
        assert_eq!(f.terms[0].test, Test::Fuzzy("bob".into()));
        assert_eq!(f.problems.len(), 2, "{f:?}");
        assert!(f.problems[1].contains("nosuch:"), "{f:?}");
    }

    #[test]
    fn unknown_field_names_warn_like_bad_times() {
        for text in ["foo:bar", "Agentx:kali", "!user:x"] {
            let f = Filter::parse(text, &Zone::Utc);
            assert!(f.terms.is_empty(), "{text}: {f:?}");
            assert_eq!(f.problems.len(), 1, "{text}: {f:?}");
        }
        // An ARN, a time of day and an IPv6 address are words, not fields.
        for text in [
            "arn:aws:iam::1:user/alice",
            "12:34",
            "2001:db8::1",
            "dead:beef::1",
        ] {
            let f = Filter::parse(text, &Zone::Utc);
            assert!(f.problems.is_empty(), "{text}: {f:?}");
            assert_eq!(f.terms[0].test, Test::Fuzzy(text.into()), "{text}");
        }
    }

    #[test]
    fn words_search_what_the_panes_show_not_only_the_table() {
        let r = row(
            "arn:aws:iam::1:user/dev-alice",
            "admin-bob",
            "203.0.113.9",
            T,
        );
        for w in [
            "kali",
            "exe/x86_64.kali",
            "python3.12",
            "CreateAccessKey",
            "AKIANEWKEY",
            "ASIACALLER",
            "iam-key-for",
        ] {
            assert!(Filter::parse(w, &Zone::Utc).passes(&r), "{w}");
        }
        assert!(!Filter::parse("Lambda", &Zone::Utc).passes(&r));
    }

    #[test]
    fn fuzzy_words_match_within_one_field() {
        // "alice" can be picked out of "assumed-role … svc-ci … us-east-1"
        // letter by letter across fields, but out of no single field.
        let r = row(
            "arn:aws:sts::1:assumed-role/svc-ci/build",
            "deploy",
            "10.0.0.1",
            T,
        );
        assert!(!Filter::parse("alice", &Zone::Utc).passes(&r));
        assert!(Filter::parse("svcci", &Zone::Utc).passes(&r));
        // Each word may match a different field.
        assert!(Filter::parse("svcci depl", &Zone::Utc).passes(&r));
    }

    #[test]
    fn one_field_scan_agrees_with_matching_each_field() {
        let hays = [
            "user/alice (IAMUser)\nbob\nus-east-1",
            "assumed-role/svc-ci/build\ndeploy\n10.0.0.1",
            "a\nb\nab\n",
            "\nxyz\n",
            "ÉLAN\néclair x",
        ];
        let pats = [
            "alice", "ab", "ba", "svcci", "ci10", "xyz", "x", "IAMU", "iamu", "b", "élan", "l x",
            "",
        ];
        for h in hays {
            for p in pats {
                let each = h.split(HAY_SEP).any(|f| is_subsequence(f, p));
                assert_eq!(in_one_field(h, p), each, "{h:?} / {p:?}");
            }
        }
    }

    #[test]
    fn contains_ci_finds_needles_anywhere_in_either_case() {
        for (h, n, want) in [
            ("abc", "abc", true),
            ("xxABC", "abc", true),
            ("aab", "ab", true),
            ("ab", "abc", false),
            ("a-b", "ab", false),
            ("éAb", "ab", true),
            ("svc-1x", "svc-1", true),
        ] {
            assert_eq!(contains_ci(h, n), want, "{h:?} / {n:?}");
        }
    }

    #[test]
    fn new_fields_test_the_full_values() {
        let r = row("arn:aws:iam::1:user/alice", "bob", "203.0.113.9", T);
        let yes = [
            "agent:kali",
            "event:createaccesskey",
            "event:\"CreateAccessKey\"",
            "key:akianewkey",
            "key:ASIACALLER",
            "rule:iam-key",
            // A Sigma rule's id is a UUID, so its name is matched too.
            "rule:\"login profile for another user\"",
            "rule:profile",
            "account:1111",
            "region:us-east",
        ];
        for text in yes {
            let f = Filter::parse(text, &Zone::Utc);
            assert!(f.problems.is_empty(), "{text}: {f:?}");
            assert!(f.passes(&r), "{text}");
        }
        for text in [
            "agent:lambda",
            "event:delete",
            "key:AKIAOTHER",
            "rule:console",
            "region:eu-",
        ] {
            assert!(!Filter::parse(text, &Zone::Utc).passes(&r), "{text}");
        }
    }

    #[test]
    fn quotes_keep_spaces_in_values() {
        let f = Filter::parse("actor:\"a b\" c", &Zone::Utc);
        assert_eq!(
            f.terms[0].test,
            Test::Field(Field::Actor, "a b".into(), true)
        );
        assert_eq!(f.terms[1].test, Test::Fuzzy("c".into()));
    }

    #[test]
    fn quoted_values_match_exactly_and_round_trip() {
        let r = row("arn:aws:iam::1:user/al", "bob", "1.2.3.4", T);
        assert!(Filter::parse("actor:user/al", &Zone::Utc).passes(&r));
        assert!(!Filter::parse("actor:\"user/al\"", &Zone::Utc).passes(&r));
        let text = format!("actor:{}", quote("arn:aws:iam::1:user/al"));
        assert!(Filter::parse(&text, &Zone::Utc).passes(&r));
        let odd = "a\"b\\u{1b}";
        let f = Filter::parse(&format!("target:{}", quote(odd)), &Zone::Utc);
        assert_eq!(
            f.terms[0].test,
            Test::Field(Field::Target, odd.to_ascii_lowercase(), true)
        );
    }

    #[test]
    fn longer_positive_terms_narrow_and_negations_do_not() {
        let z = Zone::Utc;
        let p = |s: &str| Filter::parse(s, &z);
        assert!(p("user04").narrows(&p("user0")));
        assert!(p("user0 s").narrows(&p("user0")));
        assert!(p("src:198.5").narrows(&p("src:198.")));
        assert!(p("x").narrows(&p("")));
        // `!ab` hides more than `!abc`.
        assert!(!p("!abc").narrows(&p("!ab")));
        // A word becoming a field term is a different test.
        assert!(!p("src:1").narrows(&p("src")));
        // Smart case only gets stricter as a word grows.
        assert!(p("Us").narrows(&p("U")));
        assert!(p("uS").narrows(&p("u")));
        assert!(!p("after:2024-03-02").narrows(&p("after:2024-03-01")));
    }

    #[test]
    fn highlight_marks_a_word_only_in_a_cell_it_matches_whole() {
        let f = Filter::parse("bob", &Zone::Utc);
        assert_eq!(highlight(&f, "alice"), Vec::<usize>::new());
        assert_eq!(highlight(&f, "b-o-b"), vec![0, 2, 4]);
        // Letters spread over two cells highlight neither.
        let f = Filter::parse("alb", &Zone::Utc);
        assert!(highlight(&f, "alice").is_empty());
        assert!(highlight(&f, "bob").is_empty());
    }
}
