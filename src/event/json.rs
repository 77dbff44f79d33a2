//! An order-preserving JSON tokeniser: walks JSON text as written (keys in
//! the order written, duplicate keys kept) and yields its tokens with their
//! byte offsets. Strings come as the raw text between the quotes, escapes
//! intact; [`decode`] turns one into the text it stands for.
//!
//! Nesting is tracked on an explicit stack, so deep input is no stack risk;
//! callers that want a depth limit count the containers themselves.
//! Std only: the printers that consume it (the raw pane, the report) do
//! their own escaping for display.

use std::borrow::Cow;
use std::fmt;

/// What a token is. Strings, keys, numbers and literals borrow the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind<'a> {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    /// An object key: the raw text between the quotes.
    Key(&'a str),
    /// A string value: the raw text between the quotes.
    Str(&'a str),
    /// A number, as written.
    Num(&'a str),
    /// `true`, `false` or `null`.
    Lit(&'a str),
    Colon,
    Comma,
}

/// One token and the byte offset where it starts (the opening quote for
/// keys and strings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind<'a>,
    pub at: usize,
}

/// Why the text is not JSON, and the byte offset where that was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub what: &'static str,
    pub at: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

impl std::error::Error for Error {}

/// The tokens of `text`, in order. After an error the iterator ends.
pub fn tokens(text: &str) -> Tokens<'_> {
    Tokens {
        s: text,
        i: 0,
        stack: Vec::new(),
        state: State::Value,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// A value must come next.
    Value,
    /// Just after `[`: a value or `]`.
    ArrayFirst,
    /// Just after `{`: a key or `}`.
    ObjectFirst,
    /// After a comma in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value: `,`, the container's end, or the end of the text.
    AfterValue,
    Done,
}

/// The iterator [`tokens`] returns.
#[derive(Clone, Debug)]
pub struct Tokens<'a> {
    s: &'a str,
    i: usize,
    /// Open containers, innermost last: `true` for an object.
    stack: Vec<bool>,
    state: State,
}

impl<'a> Tokens<'a> {
    /// How many containers are open.
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    fn ws(&mut self) {
        let b = self.s.as_bytes();
        while self.i < b.len() && matches!(b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn err(&mut self, what: &'static str, at: usize) -> Option<Result<Token<'a>, Error>> {
        self.state = State::Done;
        Some(Err(Error { what, at }))
    }

    fn tok(&self, kind: Kind<'a>, at: usize) -> Option<Result<Token<'a>, Error>> {
        Some(Ok(Token { kind, at }))
    }

    fn value(&mut self) -> Option<Result<Token<'a>, Error>> {
        let b = self.s.as_bytes();
        let at = self.i;
        match b.get(at) {
            Some(b'{') => {
                self.i += 1;
                self.stack.push(true);
                self.state = State::ObjectFirst;
                self.tok(Kind::BeginObject, at)
            }
            Some(b'[') => {
                self.i += 1;
                self.stack.push(false);
                self.state = State::ArrayFirst;
                self.tok(Kind::BeginArray, at)
            }
            Some(b'"') => match self.string() {
                Ok(raw) => {
                    self.state = State::AfterValue;
                    self.tok(Kind::Str(raw), at)
                }
                Err(e) => self.err(e.what, e.at),
            },
            Some(b't' | b'f' | b'n') => {
                for word in ["true", "false", "null"] {
                    if b[at..].starts_with(word.as_bytes()) {
                        self.i += word.len();
                        self.state = State::AfterValue;
                        return self.tok(Kind::Lit(&self.s[at..self.i]), at);
                    }
                }
                self.err("expected a JSON value", at)
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                while self.i < b.len()
                    && matches!(b[self.i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    self.i += 1;
                }
                self.state = State::AfterValue;
                self.tok(Kind::Num(&self.s[at..self.i]), at)
            }
            _ => self.err("expected a JSON value", at),
        }
    }

    fn key(&mut self) -> Option<Result<Token<'a>, Error>> {
        let at = self.i;
        if self.s.as_bytes().get(at) != Some(&b'"') {
            return self.err("expected a key", at);
        }
        match self.string() {
            Ok(raw) => {
                self.state = State::Colon;
                self.tok(Kind::Key(raw), at)
            }
            Err(e) => self.err(e.what, e.at),
        }
    }

    /// Reads the string whose opening quote is at `self.i`, checking its
    /// escapes, and returns the text between the quotes.
    fn string(&mut self) -> Result<&'a str, Error> {
        let b = self.s.as_bytes();
        let start = self.i + 1;
        self.i = start;
        loop {
            while self.i < b.len() && b[self.i] != b'"' && b[self.i] != b'\\' {
                self.i += 1;
            }
            match b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(&self.s[start..self.i - 1]);
                }
                Some(b'\\') => {
                    let Some(&c) = b.get(self.i + 1) else {
                        return Err(Error {
                            what: "unfinished escape",
                            at: self.i,
                        });
                    };
                    self.i += 2;
                    match c {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            // Four bytes that end inside a character are as
                            // short as fewer than four.
                            let Some(h) = self.s.get(self.i..self.i + 4) else {
                                return Err(Error {
                                    what: "short \\u escape",
                                    at: self.i,
                                });
                            };
                            if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
                                return Err(Error {
                                    what: "bad \\u escape",
                                    at: self.i,
                                });
                            }
                            self.i += 4;
                        }
                        _ => {
                            return Err(Error {
                                what: "bad escape",
                                at: self.i,
                            });
                        }
                    }
                }
                _ => {
                    return Err(Error {
                        what: "unfinished string",
                        at: self.i,
                    });
                }
            }
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Result<Token<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.ws();
        let b = self.s.as_bytes();
        let at = self.i;
        match self.state {
            State::Done => None,
            State::Value => self.value(),
            State::ArrayFirst => {
                if b.get(at) == Some(&b']') {
                    self.close(Kind::EndArray, at)
                } else {
                    self.value()
                }
            }
            State::ObjectFirst => {
                if b.get(at) == Some(&b'}') {
                    self.close(Kind::EndObject, at)
                } else {
                    self.key()
                }
            }
            State::Key => self.key(),
            State::Colon => {
                if b.get(at) != Some(&b':') {
                    return self.err("expected ':'", at);
                }
                self.i += 1;
                self.state = State::Value;
                self.tok(Kind::Colon, at)
            }
            State::AfterValue => match self.stack.last() {
                None => {
                    if at < b.len() {
                        self.err("unexpected text after the event", at)
                    } else {
                        self.state = State::Done;
                        None
                    }
                }
                Some(&is_obj) => match b.get(at) {
                    Some(b',') => {
                        self.i += 1;
                        self.state = if is_obj { State::Key } else { State::Value };
                        self.tok(Kind::Comma, at)
                    }
                    Some(b'}') if is_obj => self.close(Kind::EndObject, at),
                    Some(b']') if !is_obj => self.close(Kind::EndArray, at),
                    _ => self.err("expected ',' or the end of the container", at),
                },
            },
        }
    }
}

impl<'a> Tokens<'a> {
    fn close(&mut self, kind: Kind<'a>, at: usize) -> Option<Result<Token<'a>, Error>> {
        self.i += 1;
        self.stack.pop();
        self.state = State::AfterValue;
        self.tok(kind, at)
    }
}

/// The text a raw string slice (as [`Kind::Key`] or [`Kind::Str`] give it)
/// stands for: escapes decoded, surrogate pairs joined, a lone surrogate
/// shown as U+FFFD. Malformed escapes (which [`tokens`] never yields) are
/// kept as written.
pub fn decode(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let b = raw.as_bytes();
    let hex4 = |i: usize| {
        b.get(i..i + 4)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
    };
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i] != b'\\' {
            i += 1;
        }
        out.push_str(&raw[start..i]);
        if i >= b.len() {
            break;
        }
        let Some(&c) = b.get(i + 1) else {
            out.push('\\');
            break;
        };
        i += 2;
        match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let Some(hi) = hex4(i) else {
                    out.push_str("\\u");
                    continue;
                };
                i += 4;
                let mut ch = char::from_u32(hi);
                if (0xD800..0xDC00).contains(&hi)
                    && b[i..].starts_with(b"\\u")
                    && let Some(lo) = hex4(i + 2).filter(|lo| (0xDC00..0xE000).contains(lo))
                {
                    ch = char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
                    i += 6;
                }
                // A lone surrogate cannot be shown; say so visibly.
                out.push(ch.unwrap_or('\u{fffd}'));
            }
            _ => {
                // Not JSON; keep it as written. `c` may start a multi-byte
                // character, so copy from the text rather than the byte.
                out.push('\\');
                i -= 1;
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind<'_>> {
        tokens(text).map(|t| t.unwrap().kind).collect()
    }

    fn error(text: &str) -> String {
        tokens(text)
            .find_map(Result::err)
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn keeps_order_and_duplicate_keys() {
        use Kind::*;
        assert_eq!(
            kinds(r#" {"z":1, "a" : [true,null,-1.5e3], "z":{}} "#),
            vec![
                BeginObject,
                Key("z"),
                Colon,
                Num("1"),
                Comma,
                Key("a"),
                Colon,
                BeginArray,
                Lit("true"),
                Comma,
                Lit("null"),
                Comma,
                Num("-1.5e3"),
                EndArray,
                Comma,
                Key("z"),
                Colon,
                BeginObject,
                EndObject,
                EndObject,
            ]
        );
    }

    #[test]
    fn tokens_carry_their_byte_offsets() {
        let at: Vec<usize> = tokens(r#"{ "k": ["v", 10] }"#)
            .map(|t| t.unwrap().at)
            .collect();
        assert_eq!(at, vec![0, 2, 5, 7, 8, 11, 13, 15, 17]);
    }

    #[test]
    fn strings_are_raw_slices_and_decode_separately() {
        let raw = r#"["a\"b\\c\/\n\t\u0041\u00e9", "plain", "\ud83d\ude00", "\ud800x", "\udc00", "\ud800\u0041"]"#;
        let strs: Vec<&str> = tokens(raw)
            .filter_map(|t| match t.unwrap().kind {
                Kind::Str(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(strs[0], r#"a\"b\\c\/\n\t\u0041\u00e9"#);
        assert_eq!(decode(strs[0]), "a\"b\\c/\n\tAé");
        assert!(matches!(decode(strs[1]), Cow::Borrowed("plain")));
        assert_eq!(decode(strs[2]), "😀");
        assert_eq!(decode(strs[3]), "\u{fffd}x");
        assert_eq!(decode(strs[4]), "\u{fffd}");
        assert_eq!(decode(strs[5]), "\u{fffd}A");
    }

    #[test]
    fn decode_keeps_malformed_escapes() {
        assert_eq!(decode(r"a\qb\u12"), r"a\qb\u12");
        assert_eq!(decode(r"x\é\"), r"x\é\");
    }

    #[test]
    fn errors_name_the_byte_offset() {
        assert_eq!(error(r#"{"a":}"#), "expected a JSON value at byte 5");
        assert_eq!(error(r#"{"a" 1}"#), "expected ':' at byte 5");
        assert_eq!(
            error(r#"{"a":1"#),
            "expected ',' or the end of the container at byte 6"
        );
        assert_eq!(
            error(r#"[1}"#),
            "expected ',' or the end of the container at byte 2"
        );
        assert_eq!(error(r#"{"a":1,}"#), "expected a key at byte 7");
        assert_eq!(error(r#"{1:2}"#), "expected a key at byte 1");
        assert_eq!(
            error(r#"[1] x"#),
            "unexpected text after the event at byte 4"
        );
        assert_eq!(error(r#"["ab"#), "unfinished string at byte 4");
        assert_eq!(error(r#"["a\"#), "unfinished escape at byte 3");
        assert_eq!(error(r#"["\x"]"#), "bad escape at byte 4");
        assert_eq!(error(r#"["\u12"#), "short \\u escape at byte 4");
        assert_eq!(error(r#"["\u12g4"]"#), "bad \\u escape at byte 4");
        assert_eq!(error("[\"\\u123é\"]"), "short \\u escape at byte 4");
        assert_eq!(error("[tru]"), "expected a JSON value at byte 1");
        assert_eq!(error(""), "expected a JSON value at byte 0");
    }

    #[test]
    fn the_iterator_ends_after_an_error() {
        let all: Vec<_> = tokens("[1,,2]").collect();
        assert_eq!(all.len(), 4);
        assert!(all[3].is_err());
    }

    #[test]
    fn deep_nesting_is_no_stack_risk() {
        let n = 100_000;
        let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
        let mut t = tokens(&text);
        let mut max = 0;
        let mut count = 0;
        while let Some(tok) = t.next() {
            tok.unwrap();
            max = max.max(t.depth());
            count += 1;
        }
        assert_eq!((max, count), (n, 2 * n));
        let open = "[".repeat(n);
        assert_eq!(
            tokens(&open).find_map(Result::err).unwrap().to_string(),
            format!("expected a JSON value at byte {n}")
        );
    }
}
