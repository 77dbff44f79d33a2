//! Globs on names and ARNs: matched by `globset`, and translated for
//! Splunk (a search wildcard where that is exact, else a PCRE regex).
//!
//! The accepted syntax is a subset of globset's, so that the translation can
//! be exact: `*` (any text, `/` included), `?` (one character), `[abc]`,
//! `[a-z]`, `[!abc]` / `[^abc]`, `{a,b}` (not nested, no empty branch) and
//! `\` to take the next character literally. `**` and POSIX classes
//! (`[[:alpha:]]`) are refused: a single `*` already crosses `/`, and the
//! classes have no short Splunk form.

use globset::{Candidate, GlobBuilder, GlobMatcher};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Lit(char),
    Any,
    Star,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Alt(Vec<Vec<Tok>>),
}

/// A compiled glob pattern.
#[derive(Clone, Debug)]
pub struct Glob {
    pattern: String,
    case_insensitive: bool,
    tokens: Vec<Tok>,
    matcher: GlobMatcher,
}

impl Glob {
    /// Compiles `pattern`; `case_insensitive` follows the field it tests.
    pub fn new(pattern: &str, case_insensitive: bool) -> Result<Glob, String> {
        let tokens = parse(pattern).map_err(|e| format!("glob {pattern:?}: {e}"))?;
        let glob = GlobBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("glob {pattern:?}: {e}"))?;
        Ok(Glob {
            pattern: pattern.to_string(),
            case_insensitive,
            tokens,
            matcher: glob.compile_matcher(),
        })
    }

    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether the whole of `value` matches.
    pub fn is_match(&self, value: &str) -> bool {
        // From bytes, not a path: a path candidate would turn `\` into `/` on Windows.
        self.matcher
            .is_match_candidate(&Candidate::from_bytes(value.as_bytes()))
    }

    /// Whether the glob matches any text at all: it is `*` (or `{*,…}`)
    /// and nothing that must consume a character or a literal.
    pub fn matches_any_text(&self) -> bool {
        let only_stars = |ts: &[Tok]| !ts.is_empty() && ts.iter().all(|t| *t == Tok::Star);
        !self.tokens.is_empty()
            && self.tokens.iter().all(|t| match t {
                Tok::Star => true,
                Tok::Alt(branches) => branches.iter().any(|b| only_stars(b)),
                _ => false,
            })
    }

    /// The pattern as a Splunk search wildcard value (`*` only, unescaped),
    /// when it has no other metacharacter and no literal `*`: Splunk's
    /// search has no way to write a literal `*` or any other glob construct.
    pub fn spl_wildcard(&self) -> Option<String> {
        let mut out = String::new();
        for t in &self.tokens {
            match t {
                Tok::Lit('*') => return None,
                Tok::Lit(c) => out.push(*c),
                Tok::Star => out.push('*'),
                _ => return None,
            }
        }
        Some(out)
    }

    /// The pattern as a Sigma value (`*` and `?` wildcards, `\` escaping
    /// Sigma's own `*`, `?` and `\` when literal), when it uses no class or
    /// alternative, which Sigma's wildcards cannot say.
    pub fn sigma_wildcard(&self) -> Option<String> {
        let mut out = String::new();
        for t in &self.tokens {
            match t {
                Tok::Lit(c) => sigma_literal(*c, &mut out),
                Tok::Star => out.push('*'),
                Tok::Any => out.push('?'),
                _ => return None,
            }
        }
        Some(out)
    }

    /// The pattern as an anchored PCRE regex with the same matches (for
    /// ASCII text; see the README for the one non-ASCII difference).
    pub fn pcre(&self) -> String {
        let mut re = String::new();
        if self.case_insensitive {
            re.push_str("(?i)");
        }
        re.push_str("\\A");
        to_pcre(&self.tokens, &mut re);
        // `\z`, not `$`: PCRE's `$` also matches before a final newline.
        re.push_str("\\z");
        re
    }
}

impl PartialEq for Glob {
    fn eq(&self, other: &Glob) -> bool {
        self.pattern == other.pattern && self.case_insensitive == other.case_insensitive
    }
}

/// `c` written so that a Sigma value reads it literally.
pub fn sigma_literal(c: char, out: &mut String) {
    if matches!(c, '*' | '?' | '\\') {
        out.push('\\');
    }
    out.push(c);
}

/// `c` written so that PCRE (and the `regex` crate) read it literally.
/// `<` and `>` stay bare: they are literal in both, while `\<` and `\>` are
/// word boundaries in the `regex` crate.
pub fn pcre_literal(c: char, out: &mut String) {
    if c.is_ascii_punctuation() && c != '<' && c != '>' {
        out.push('\\');
        out.push(c);
    } else if c.is_control() || crate::sanitize::is_dangerous(c) {
        out.push_str(&format!("\\x{{{:x}}}", c as u32));
    } else {
        out.push(c);
    }
}

/// `s` as a PCRE regex matching exactly that text.
pub fn pcre_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        pcre_literal(c, &mut out);
    }
    out
}

fn to_pcre(tokens: &[Tok], re: &mut String) {
    for t in tokens {
        match t {
            Tok::Lit(c) => pcre_literal(*c, re),
            Tok::Any => re.push('.'),
            Tok::Star => re.push_str(".*"),
            Tok::Class { negated, ranges } => {
                re.push('[');
                if *negated {
                    re.push('^');
                }
                for &(a, b) in ranges {
                    pcre_literal(a, re);
                    if a != b {
                        re.push('-');
                        pcre_literal(b, re);
                    }
                }
                re.push(']');
            }
            Tok::Alt(branches) => {
                re.push_str("(?:");
                for (i, b) in branches.iter().enumerate() {
                    if i > 0 {
                        re.push('|');
                    }
                    to_pcre(b, re);
                }
                re.push(')');
            }
        }
    }
}

/// Parses the accepted subset, following globset's grammar where they overlap.
fn parse(pattern: &str) -> Result<Vec<Tok>, String> {
    if pattern.is_empty() {
        return Err("empty pattern".into());
    }
    let mut chars = pattern.chars().peekable();
    let mut top: Vec<Tok> = Vec::new();
    // Some while inside `{…}`: the branches so far and the current one.
    let mut alt: Option<(Vec<Vec<Tok>>, Vec<Tok>)> = None;
    while let Some(c) = chars.next() {
        let tok = match c {
            '?' => Tok::Any,
            '*' => {
                if chars.peek() == Some(&'*') {
                    return Err("`**` is not supported: a single `*` already matches any text, `/` included".into());
                }
                Tok::Star
            }
            '\\' => Tok::Lit(chars.next().ok_or("dangling `\\` at the end")?),
            '[' => parse_class(&mut chars)?,
            '{' => {
                if alt.is_some() {
                    return Err("nested `{` is not supported".into());
                }
                alt = Some((Vec::new(), Vec::new()));
                continue;
            }
            ',' if alt.is_some() => {
                let (branches, cur) = alt.as_mut().expect("inside alternates");
                if cur.is_empty() {
                    return Err("empty branch in `{…}`".into());
                }
                branches.push(std::mem::take(cur));
                continue;
            }
            '}' => {
                let Some((mut branches, cur)) = alt.take() else {
                    return Err("`}` without `{`".into());
                };
                if cur.is_empty() {
                    return Err("empty branch in `{…}`".into());
                }
                branches.push(cur);
                Tok::Alt(branches)
            }
            c => Tok::Lit(c),
        };
        match &mut alt {
            Some((_, cur)) => cur.push(tok),
            None => top.push(tok),
        }
    }
    if alt.is_some() {
        return Err("`{` without `}`".into());
    }
    Ok(top)
}

fn parse_class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Tok, String> {
    let negated = matches!(chars.peek(), Some('!' | '^'));
    if negated {
        chars.next();
    }
    let mut ranges: Vec<(char, char)> = Vec::new();
    let mut first = true;
    let mut in_range = false;
    loop {
        let c = chars.next().ok_or("`[` without `]`")?;
        match c {
            ']' if !first => break,
            '-' if !first => {
                if in_range {
                    close_range(&mut ranges, '-')?;
                    in_range = false;
                } else {
                    in_range = true;
                }
            }
            '[' if chars.peek() == Some(&':') => {
                return Err("POSIX classes like `[[:alpha:]]` are not supported".into());
            }
            c => {
                if in_range {
                    close_range(&mut ranges, c)?;
                } else {
                    ranges.push((c, c));
                }
                in_range = false;
            }
        }
        first = false;
    }
    if in_range {
        // A `-` just before `]` is literal, as in globset.
        ranges.push(('-', '-'));
    }
    Ok(Tok::Class { negated, ranges })
}

fn close_range(ranges: &mut [(char, char)], end: char) -> Result<(), String> {
    let r = ranges.last_mut().ok_or("range without a start")?;
    if end < r.0 {
        return Err(format!("invalid range {}-{}", r.0, end));
    }
    r.1 = end;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn star_crosses_slashes_in_arns() {
        let g = Glob::new("arn:aws:sts::111122223333:assumed-role/ci-*", true).unwrap();
        assert!(g.is_match("arn:aws:sts::111122223333:assumed-role/ci-deploy/session-1"));
        assert!(g.is_match("ARN:AWS:STS::111122223333:ASSUMED-ROLE/CI-X"));
        assert!(!g.is_match("arn:aws:sts::999999999999:assumed-role/ci-deploy/s"));
    }

    #[test]
    fn case_follows_the_field() {
        let g = Glob::new("aws-cli/*", false).unwrap();
        assert!(g.is_match("aws-cli/2.15"));
        assert!(!g.is_match("AWS-CLI/2.15"));
    }

    #[test]
    fn unsupported_syntax_is_refused_with_a_reason() {
        for (bad, why) in [
            ("a**", "**"),
            ("{a,{b,c}}", "nested"),
            ("{a,}", "empty"),
            ("[[:alpha:]]", "POSIX"),
            ("[abc", "without `]`"),
            ("a}", "without `{`"),
            ("{a", "without `}`"),
            ("a\\", "dangling"),
            ("[z-a]", "range"),
            ("", "empty"),
        ] {
            let e = Glob::new(bad, true).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn spl_wildcard_only_when_exact() {
        assert_eq!(
            Glob::new("arn:*:user/ci-*", true)
                .unwrap()
                .spl_wildcard()
                .as_deref(),
            Some("arn:*:user/ci-*")
        );
        assert_eq!(Glob::new("a?c", true).unwrap().spl_wildcard(), None);
        assert_eq!(Glob::new("a\\*c", true).unwrap().spl_wildcard(), None);
        assert_eq!(Glob::new("{a,b}", true).unwrap().spl_wildcard(), None);
    }

    #[test]
    fn pcre_form_is_anchored_and_escaped() {
        let g = Glob::new("a.b*[!x-z]{c,d\\}}?", true).unwrap();
        assert_eq!(g.pcre(), "(?i)\\Aa\\.b.*[^x-z](?:c|d\\}).\\z");
    }

    fn glob_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-cA-C/.:]{1,3}",
            Just("*".to_string()),
            Just("?".to_string()),
            Just("[a-b]".to_string()),
            Just("[!a]".to_string()),
            Just("[]a]".to_string()),
            Just("[a-]".to_string()),
            Just("{a,B/}".to_string()),
            Just("\\*".to_string()),
            Just("\\[".to_string()),
            Just("(".to_string()),
            Just("+".to_string()),
            Just("<>".to_string()),
            Just("[<-@]".to_string()),
        ]
    }

    proptest! {
        // The Splunk translation must agree with what trailhunt matches.
        #[test]
        fn pcre_translation_matches_like_globset(
            pieces in proptest::collection::vec(glob_piece(), 1..5),
            ci in any::<bool>(),
            text in "[a-cA-C/.:*\\[\\]()+<>=@-]{0,8}",
        ) {
            let pattern: String = pieces.concat();
            if pattern.contains("**") {
                return Ok(());
            }
            let g = Glob::new(&pattern, ci).unwrap();
            let re = regex::Regex::new(&g.pcre()).unwrap();
            prop_assert_eq!(g.is_match(&text), re.is_match(&text), "pattern {} regex {}", pattern, g.pcre());
        }
    }
}
