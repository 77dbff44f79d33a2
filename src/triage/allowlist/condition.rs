//! One condition of an allowlist entry: a test on one field of a finding,
//! compared exactly, by glob, by CIDR network or by regular expression
//! ([`MatchKind`]). A [`Condition`] is checked and compiled when it is made,
//! so a condition that exists can always be evaluated; [`Condition::matches`]
//! is the whole of matching, and a finding without the field never matches.
//! Whether a field ignores case is the field's business
//! ([`Field::case_insensitive`]), not the condition's.

use crate::rules::Finding;
use crate::triage::field::Field;
use crate::triage::glob::Glob;
use ipnet::IpNet;
use regex_syntax::hir::{Class, Hir, HirKind, Look};
use std::net::IpAddr;

/// How a condition compares a field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchKind {
    /// The whole value, ignoring case where AWS does ([`Field::case_insensitive`]).
    Exact,
    /// A glob on the whole value (see [`crate::triage::glob`]); case as for `Exact`.
    Glob,
    /// The value is an IP address inside this network (`10.0.0.0/24`).
    Cidr,
    /// A regular expression found anywhere in the value (unanchored, like
    /// Splunk's `match()`; write `^…$` to anchor; case as written).
    Regex,
}

impl MatchKind {
    pub const ALL: [MatchKind; 4] = [
        MatchKind::Exact,
        MatchKind::Glob,
        MatchKind::Cidr,
        MatchKind::Regex,
    ];

    /// The key used in the file (`exact = "…"`).
    pub fn name(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Glob => "glob",
            MatchKind::Cidr => "cidr",
            MatchKind::Regex => "regex",
        }
    }

    pub fn parse(name: &str) -> Option<MatchKind> {
        MatchKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

#[derive(Clone, Debug)]
enum Matcher {
    /// The value as written, and lowercased when the field ignores case.
    Exact {
        value: String,
        folded: Option<String>,
    },
    Glob(Glob),
    Cidr {
        text: String,
        net: IpNet,
    },
    Regex(regex::Regex),
}

/// One test on one field of a finding.
#[derive(Clone, Debug)]
pub struct Condition {
    field: Field,
    matcher: Matcher,
    enabled: bool,
}

impl PartialEq for Condition {
    fn eq(&self, other: &Condition) -> bool {
        self.field == other.field
            && self.kind() == other.kind()
            && self.value() == other.value()
            && self.enabled == other.enabled
    }
}

fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// A regex error on one line: `regex::Error` draws the pattern and a caret
/// over several lines, which every single-line place (the status line, an
/// escaped terminal message) shows as `\u{a}`. The syntax error is re-read
/// for its kind and column instead.
fn regex_error(value: &str, e: &regex::Error) -> String {
    let (kind, span) = match regex_syntax::Parser::new().parse(value) {
        Err(regex_syntax::Error::Parse(p)) => (p.kind().to_string(), *p.span()),
        Err(regex_syntax::Error::Translate(t)) => (t.kind().to_string(), *t.span()),
        _ => {
            return e
                .to_string()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
        }
    };
    format!("{kind} (column {})", span.start.column)
}

impl Condition {
    /// A condition, checked and compiled. Errors say what is wrong with it.
    pub fn new(field: Field, kind: MatchKind, value: &str) -> Result<Condition, String> {
        if value.is_empty() {
            return Err(format!("{field}: empty {} value", kind.name()));
        }
        let matcher = match kind {
            MatchKind::Exact => Matcher::Exact {
                value: value.to_string(),
                folded: field.case_insensitive().then(|| fold(value)),
            },
            MatchKind::Glob => Matcher::Glob(
                Glob::new(value, field.case_insensitive()).map_err(|e| format!("{field}: {e}"))?,
            ),
            MatchKind::Cidr => {
                if field != Field::Src {
                    return Err(format!(
                        "{field}: cidr applies to src (the source IP address) only"
                    ));
                }
                let net = match value.parse::<IpNet>() {
                    Ok(n) => n,
                    // A bare address is its own /32 or /128.
                    Err(_) => match value.parse::<IpAddr>() {
                        Ok(ip) => IpNet::from(ip),
                        Err(_) => {
                            return Err(format!(
                                "{field}: {value:?} is not a network (10.0.0.0/24) or an IP address"
                            ));
                        }
                    },
                };
                Matcher::Cidr {
                    text: value.to_string(),
                    net,
                }
            }
            MatchKind::Regex => Matcher::Regex(
                regex::RegexBuilder::new(value)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| format!("{field}: regex {value:?}: {}", regex_error(value, &e)))?,
            ),
        };
        Ok(Condition {
            field,
            matcher,
            enabled: true,
        })
    }

    pub fn field(&self) -> Field {
        self.field
    }

    pub fn kind(&self) -> MatchKind {
        match &self.matcher {
            Matcher::Exact { .. } => MatchKind::Exact,
            Matcher::Glob(_) => MatchKind::Glob,
            Matcher::Cidr { .. } => MatchKind::Cidr,
            Matcher::Regex(_) => MatchKind::Regex,
        }
    }

    /// The value as written in the file.
    pub fn value(&self) -> &str {
        match &self.matcher {
            Matcher::Exact { value, .. } => value,
            Matcher::Glob(g) => g.pattern(),
            Matcher::Cidr { text, .. } => text,
            Matcher::Regex(r) => r.as_str(),
        }
    }

    /// The network of a `cidr` condition, with host bits cleared.
    pub fn network(&self) -> Option<IpNet> {
        match &self.matcher {
            Matcher::Cidr { net, .. } => Some(net.trunc()),
            _ => None,
        }
    }

    /// For a `cidr` written with host bits (`10.0.0.1/24`), what it is read
    /// as: the network (`10.0.0.0/24`), not the one host. People adding an
    /// entry are told; the file keeps reading it as before.
    pub fn host_bits(&self) -> Option<String> {
        match &self.matcher {
            Matcher::Cidr { text, net } if net.trunc() != *net => Some(format!(
                "{text:?} has host bits set: it means the whole network {}; write {} for the network or {} for the one host",
                net.trunc(),
                net.trunc(),
                net.addr()
            )),
            _ => None,
        }
    }

    /// The compiled glob of a `glob` condition.
    pub fn glob(&self) -> Option<&Glob> {
        match &self.matcher {
            Matcher::Glob(g) => Some(g),
            _ => None,
        }
    }

    /// Whether the condition counts. A disabled condition is kept in the
    /// entry (the console's form shows it unticked) but never tested.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn set_enabled(&mut self, yes: bool) {
        self.enabled = yes;
    }

    /// Builder form of [`Condition::set_enabled`].
    pub fn with_enabled(mut self, yes: bool) -> Condition {
        self.enabled = yes;
        self
    }

    /// Whether `value` satisfies the condition (ignoring `enabled`).
    pub fn matches_value(&self, value: &str) -> bool {
        match &self.matcher {
            Matcher::Exact {
                value: v,
                folded: None,
            } => value == v,
            Matcher::Exact {
                folded: Some(f), ..
            } => {
                if value.is_ascii() && f.is_ascii() {
                    value.eq_ignore_ascii_case(f)
                } else {
                    fold(value) == *f
                }
            }
            Matcher::Glob(g) => g.is_match(value),
            Matcher::Cidr { net, .. } => value
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| net.contains(&ip)),
            Matcher::Regex(r) => r.is_match(value),
        }
    }

    /// Whether the finding has the field and its value satisfies the
    /// condition (ignoring `enabled`).
    pub fn matches(&self, f: &Finding) -> bool {
        self.field.value(f).is_some_and(|v| self.matches_value(v))
    }

    /// Why the condition holds for every value its field can have, if it
    /// does (`glob "*"`, `regex ".*"`, `cidr 0.0.0.0/0`): such a condition
    /// narrows nothing. Sound, not complete: `None` means no proof was found.
    pub fn matches_every_value(&self) -> Option<String> {
        let (kind, v) = (self.kind().name(), self.value());
        match &self.matcher {
            Matcher::Exact { .. } => None,
            Matcher::Glob(g) => g
                .matches_any_text()
                .then(|| format!("{} glob {v:?} matches any text", self.field)),
            Matcher::Cidr { net, .. } => (net.prefix_len() == 0).then(|| {
                format!(
                    "{} cidr {v:?} contains every IPv{} address",
                    self.field,
                    if net.addr().is_ipv4() { 4 } else { 6 }
                )
            }),
            Matcher::Regex(r) => regex_syntax::parse(r.as_str())
                .ok()
                .filter(matches_every_string)
                .map(|_| {
                    format!(
                        "{} {kind} {v:?} is found in every value (it matches the empty text)",
                        self.field
                    )
                }),
        }
    }

    /// One line for people: `actor_arn glob "arn:…"`, the value as written
    /// (not sanitised: pass it through [`crate::sanitize::escape`]).
    pub fn describe(&self) -> String {
        format!("{} {} \"{}\"", self.field, self.kind().name(), self.value())
    }
}

/// Where an empty match is tried: at the start or at the end of the value.
#[derive(Clone, Copy, PartialEq)]
enum At {
    Start,
    End,
}

/// Whether `h` matches the empty text at `at` of every value. Assertions
/// that hold there whatever the value (`^` at the start, `$` at the end)
/// are allowed; any other (`\b`, the other anchor) is not.
fn empty_at(h: &Hir, at: At) -> bool {
    match h.kind() {
        HirKind::Empty => true,
        HirKind::Literal(_) | HirKind::Class(_) => false,
        HirKind::Look(l) => match at {
            At::Start => matches!(l, Look::Start | Look::StartLF | Look::StartCRLF),
            At::End => matches!(l, Look::End | Look::EndLF | Look::EndCRLF),
        },
        HirKind::Repetition(r) => r.min == 0 || empty_at(&r.sub, at),
        HirKind::Capture(c) => empty_at(&c.sub, at),
        HirKind::Concat(hs) => hs.iter().all(|h| empty_at(h, at)),
        HirKind::Alternation(hs) => hs.iter().any(|h| empty_at(h, at)),
    }
}

/// `(?s:.*)`: any run of any characters, line breaks included.
fn any_text(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Capture(c) => any_text(&c.sub),
        HirKind::Repetition(r) if r.min == 0 && r.max.is_none() => match r.sub.kind() {
            HirKind::Class(Class::Unicode(c)) => {
                c.ranges().len() == 1
                    && c.ranges()[0].start() == '\0'
                    && c.ranges()[0].end() == char::MAX
            }
            HirKind::Class(Class::Bytes(c)) => {
                c.ranges().len() == 1 && c.ranges()[0].start() == 0 && c.ranges()[0].end() == 255
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether the unanchored search for `h` succeeds in every value: an empty
/// match at the start or the end, or `(?s:.*)` spanning the whole value
/// between parts that match empty there (`(?s)^.*$`).
fn matches_every_string(h: &Hir) -> bool {
    if empty_at(h, At::Start) || empty_at(h, At::End) {
        return true;
    }
    match h.kind() {
        HirKind::Capture(c) => matches_every_string(&c.sub),
        HirKind::Alternation(hs) => hs.iter().any(matches_every_string),
        HirKind::Concat(hs) => hs.iter().enumerate().any(|(i, x)| {
            any_text(x)
                && hs[..i].iter().all(|h| empty_at(h, At::Start))
                && hs[i + 1..].iter().all(|h| empty_at(h, At::End))
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::allowlist::fixtures::cond;
    use crate::triage::testutil::finding;

    #[test]
    fn user_names_match_ignoring_case_but_user_agents_do_not() {
        let f = finding();
        assert!(cond(Field::TargetUser, MatchKind::Exact, "DEPLOY").matches(&f));
        assert!(
            cond(
                Field::ActorArn,
                MatchKind::Exact,
                "arn:aws:iam::111122223333:user/Alice"
            )
            .matches(&f)
        );
        assert!(
            !cond(
                Field::UserAgent,
                MatchKind::Exact,
                "AWS-CLI/2.15.30 Python/3.11"
            )
            .matches(&f)
        );
        assert!(
            cond(
                Field::UserAgent,
                MatchKind::Exact,
                "aws-cli/2.15.30 Python/3.11"
            )
            .matches(&f)
        );
    }

    #[test]
    fn cidr_contains_the_source_and_a_bare_ip_is_a_host() {
        let f = finding();
        assert!(cond(Field::Src, MatchKind::Cidr, "10.0.0.0/24").matches(&f));
        assert!(cond(Field::Src, MatchKind::Cidr, "10.0.0.5").matches(&f));
        assert!(!cond(Field::Src, MatchKind::Cidr, "10.0.1.0/24").matches(&f));
        assert!(Condition::new(Field::ActorArn, MatchKind::Cidr, "10.0.0.0/8").is_err());
        let mut g = finding();
        g.src = Some("iam.amazonaws.com".into());
        assert!(!cond(Field::Src, MatchKind::Cidr, "0.0.0.0/0").matches(&g));
    }

    #[test]
    fn regex_is_unanchored_like_splunk_match() {
        let f = finding();
        assert!(cond(Field::UserAgent, MatchKind::Regex, "Python/3\\.").matches(&f));
        assert!(!cond(Field::UserAgent, MatchKind::Regex, "^Python").matches(&f));
    }

    /// Values unlike each other: every universal condition must hold for
    /// each (so the detection is checked against matching, not trusted).
    const PROBES: [&str; 7] = [
        "",
        "a",
        "arn:aws:iam::111122223333:user/alice",
        "10.0.0.5",
        "line one\nline two\n",
        "\u{202e}é",
        "2001:db8::1",
    ];

    #[test]
    fn conditions_that_match_every_value_are_detected() {
        for (field, kind, v) in [
            (Field::ActorArn, MatchKind::Glob, "*"),
            (Field::ActorArn, MatchKind::Glob, "{*,x}"),
            (Field::ActorArn, MatchKind::Regex, ".*"),
            (Field::ActorArn, MatchKind::Regex, "(?:)"),
            (Field::ActorArn, MatchKind::Regex, "^"),
            (Field::ActorArn, MatchKind::Regex, "x*"),
            (Field::ActorArn, MatchKind::Regex, "^.*"),
            (Field::ActorArn, MatchKind::Regex, ".*$"),
            (Field::ActorArn, MatchKind::Regex, "(?s)^.*$"),
            (Field::ActorArn, MatchKind::Regex, "(?s:.*)|alice"),
            (Field::ActorArn, MatchKind::Regex, "(?m)^"),
            (Field::UserAgent, MatchKind::Regex, "(a|)"),
        ] {
            let c = Condition::new(field, kind, v).unwrap();
            let why = c.matches_every_value();
            assert!(why.is_some(), "{kind:?} {v:?} not detected");
            for p in PROBES {
                assert!(
                    c.matches_value(p),
                    "{kind:?} {v:?} said universal but misses {p:?}"
                );
            }
        }
        let all4 = cond(Field::Src, MatchKind::Cidr, "0.0.0.0/0");
        assert!(all4.matches_every_value().unwrap().contains("0.0.0.0/0"));
        assert!(all4.matches_value("203.0.113.9"));
        assert!(
            cond(Field::Src, MatchKind::Cidr, "::/0")
                .matches_every_value()
                .is_some()
        );
    }

    #[test]
    fn narrow_conditions_are_not_called_universal() {
        for (field, kind, v) in [
            (Field::ActorArn, MatchKind::Glob, "arn:*"),
            (Field::ActorArn, MatchKind::Glob, "?*"),
            (Field::ActorArn, MatchKind::Glob, "*a*"),
            (Field::ActorArn, MatchKind::Exact, "*"),
            (Field::ActorArn, MatchKind::Regex, "^$"),
            (Field::ActorArn, MatchKind::Regex, ".+"),
            (Field::ActorArn, MatchKind::Regex, "\\b"),
            (Field::ActorArn, MatchKind::Regex, "^a*$"),
            // `.` stops at a line break: "a\nb" has no match.
            (Field::ActorArn, MatchKind::Regex, "^.*$"),
            (Field::Src, MatchKind::Cidr, "0.0.0.0/1"),
        ] {
            let c = Condition::new(field, kind, v).unwrap();
            assert!(c.matches_every_value().is_none(), "{kind:?} {v:?}");
            assert!(
                PROBES.iter().any(|p| !c.matches_value(p)),
                "{kind:?} {v:?} matches every probe: the probes are too weak"
            );
        }
    }

    #[test]
    fn regex_errors_are_one_line_naming_the_problem_and_where() {
        for (pat, want) in [("(", "unclosed group"), ("a{2,1}", "invalid repetition")] {
            let e = Condition::new(Field::UserAgent, MatchKind::Regex, pat).unwrap_err();
            assert!(!e.contains('\n'), "{e:?}");
            assert!(e.contains(want) && e.contains("column"), "{e:?}");
        }
        let huge = "\\w{1000}\\w{1000}";
        let e = Condition::new(Field::UserAgent, MatchKind::Regex, huge).unwrap_err();
        assert!(!e.contains('\n'), "{e:?}");
    }

    #[test]
    fn a_missing_field_never_matches() {
        let mut f = finding();
        f.src = None;
        assert!(!cond(Field::Src, MatchKind::Regex, ".*").matches(&f));
    }
}
