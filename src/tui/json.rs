//! Pretty-prints an event's raw JSON for the raw pane: key order and
//! duplicate keys as written (a `serde_json::Value` would sort and merge
//! them), every string decoded and then escaped by [`crate::sanitize::escape`],
//! and the fields a rule reads marked "hot".

use crate::sanitize::escape;

/// Longest string value shown in full; the rest is summarised so one huge
/// value cannot make the pane slow.
pub const MAX_STRING: usize = 8192;
/// Deepest nesting shown; CloudTrail never comes close, hostile input might.
const MAX_DEPTH: usize = 96;

/// What a piece of a line is, for colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    Indent,
    Punct,
    Key,
    Str,
    Num,
    Lit,
    /// A note trailhunt adds (a shortened value); never log text.
    Note,
}

/// A run of text of one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Piece {
    pub tok: Tok,
    pub text: String,
    /// Part of a field the rule reads.
    pub hot: bool,
}

/// One line of the pretty-printed event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DocLine {
    pub pieces: Vec<Piece>,
    /// The line holds a field the rule reads.
    pub hot: bool,
}

impl DocLine {
    /// The line's text without styling, for search.
    pub fn plain(&self) -> String {
        self.pieces.iter().map(|p| p.text.as_str()).collect()
    }
}

/// A pretty-printed event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    pub lines: Vec<DocLine>,
}

impl Doc {
    /// Shows text that is not JSON as escaped lines, so a broken event is
    /// still readable.
    pub fn plain_text(raw: &str) -> Doc {
        let lines = raw
            .lines()
            .map(|l| DocLine {
                pieces: vec![Piece {
                    tok: Tok::Str,
                    text: escape(l).into_owned(),
                    hot: false,
                }],
                hot: false,
            })
            .collect();
        Doc { lines }
    }

    /// Lines containing `needle` (case-insensitive), with the character
    /// offset of each occurrence.
    pub fn find(&self, needle: &str) -> Vec<(usize, usize)> {
        let n: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
        if n.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (li, line) in self.lines.iter().enumerate() {
            let h: Vec<char> = line.plain().chars().flat_map(char::to_lowercase).collect();
            if h.len() < n.len() {
                continue;
            }
            let mut i = 0;
            while i + n.len() <= h.len() {
                if h[i..i + n.len()] == n[..] {
                    out.push((li, i));
                    i += n.len();
                } else {
                    i += 1;
                }
            }
        }
        out
    }
}

/// Pretty-prints `raw`, marking the fields at `hot` dotted paths (array
/// elements share their array's path). Errors name the byte offset.
pub fn pretty(raw: &str, hot: &[String]) -> Result<Doc, String> {
    let mut p = Printer {
        b: raw.as_bytes(),
        s: raw,
        i: 0,
        lines: Vec::new(),
        cur: DocLine::default(),
        path: Vec::new(),
        hot,
    };
    p.ws();
    p.value(0, false)?;
    p.ws();
    if p.i < p.b.len() {
        return Err(format!("unexpected text after the event at byte {}", p.i));
    }
    p.newline();
    Ok(Doc { lines: p.lines })
}

struct Printer<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
    lines: Vec<DocLine>,
    cur: DocLine,
    path: Vec<String>,
    hot: &'a [String],
}

impl Printer<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn push(&mut self, tok: Tok, text: impl Into<String>, hot: bool) {
        self.cur.pieces.push(Piece {
            tok,
            text: text.into(),
            hot,
        });
        self.cur.hot |= hot;
    }

    fn newline(&mut self) {
        if !self.cur.pieces.is_empty() {
            self.lines.push(std::mem::take(&mut self.cur));
        }
    }

    fn indent(&mut self, depth: usize) {
        if depth > 0 {
            self.push(Tok::Indent, "  ".repeat(depth), false);
        }
    }

    fn err(&self, what: &str) -> String {
        format!("{what} at byte {}", self.i)
    }

    fn is_hot(&self) -> bool {
        if self.path.is_empty() {
            return false;
        }
        self.hot.iter().any(|h| {
            let mut parts = h.split('.');
            self.path.iter().all(|p| parts.next() == Some(p.as_str())) && parts.next().is_none()
        })
    }

    fn value(&mut self, depth: usize, hot: bool) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        match self.b.get(self.i) {
            Some(b'{') => self.container(depth, b'{', b'}'),
            Some(b'[') => self.container(depth, b'[', b']'),
            Some(b'"') => {
                let s = self.string()?;
                self.push_string(Tok::Str, &s, hot);
                Ok(())
            }
            Some(b't') => self.literal("true", hot),
            Some(b'f') => self.literal("false", hot),
            Some(b'n') => self.literal("null", hot),
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                while self.i < self.b.len()
                    && matches!(
                        self.b[self.i],
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                    )
                {
                    self.i += 1;
                }
                self.push(Tok::Num, &self.s[start..self.i], hot);
                Ok(())
            }
            _ => Err(self.err("expected a JSON value")),
        }
    }

    fn push_string(&mut self, tok: Tok, s: &str, hot: bool) {
        // Byte length bounds character count, so most strings skip counting.
        let extra = if s.len() > MAX_STRING {
            s.chars().count().saturating_sub(MAX_STRING)
        } else {
            0
        };
        let shown: String = if extra > 0 {
            s.chars().take(MAX_STRING).collect()
        } else {
            s.to_string()
        };
        self.push(tok, format!("\"{}\"", escape(&shown)), hot);
        if extra > 0 {
            self.push(Tok::Note, format!(" … ({extra} more characters)"), false);
        }
    }

    fn literal(&mut self, word: &str, hot: bool) -> Result<(), String> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            self.push(Tok::Lit, word, hot);
            Ok(())
        } else {
            Err(self.err("expected a JSON value"))
        }
    }

    fn container(&mut self, depth: usize, open: u8, close: u8) -> Result<(), String> {
        let is_obj = open == b'{';
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&close) {
            self.i += 1;
            self.push(Tok::Punct, if is_obj { "{}" } else { "[]" }, false);
            return Ok(());
        }
        self.push(Tok::Punct, (open as char).to_string(), false);
        self.newline();
        loop {
            self.ws();
            self.indent(depth + 1);
            if is_obj {
                if self.b.get(self.i) != Some(&b'"') {
                    return Err(self.err("expected a key"));
                }
                let key = self.string()?;
                self.path.push(key);
                let hot = self.is_hot();
                let k = self.path.last().cloned().unwrap_or_default();
                self.push_string(Tok::Key, &k, hot);
                self.ws();
                if self.b.get(self.i) != Some(&b':') {
                    return Err(self.err("expected ':'"));
                }
                self.i += 1;
                self.push(Tok::Punct, ": ", false);
                self.ws();
                let r = self.value(depth + 1, hot);
                self.path.pop();
                r?;
            } else {
                self.value(depth + 1, false)?;
            }
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => {
                    self.i += 1;
                    self.push(Tok::Punct, ",", false);
                    self.newline();
                }
                Some(c) if *c == close => {
                    self.i += 1;
                    self.newline();
                    self.indent(depth);
                    self.push(Tok::Punct, (close as char).to_string(), false);
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or the end of the container")),
            }
        }
    }

    /// Reads a JSON string at `self.i` and decodes its escapes.
    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.b.len() && self.b[self.i] != b'"' && self.b[self.i] != b'\\' {
                self.i += 1;
            }
            out.push_str(&self.s[start..self.i]);
            match self.b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let c = *self
                        .b
                        .get(self.i + 1)
                        .ok_or_else(|| self.err("unfinished escape"))?;
                    self.i += 2;
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
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi)
                                && self.b[self.i..].starts_with(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                } else {
                                    self.i = save;
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            // A lone surrogate cannot be shown; say so visibly.
                            out.push(c.unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(self.err("bad escape")),
                    }
                }
                _ => return Err(self.err("unfinished string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("short \\u escape"))?;
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err("bad \\u escape"))?;
        self.i += 4;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: &Doc) -> Vec<String> {
        d.lines.iter().map(DocLine::plain).collect()
    }

    #[test]
    fn keeps_key_order_and_indents() {
        let d = pretty(r#"{"z":1,"a":{"b":[true,null],"c":{}},"e":[]}"#, &[]).unwrap();
        assert_eq!(
            text(&d),
            vec![
                "{",
                "  \"z\": 1,",
                "  \"a\": {",
                "    \"b\": [",
                "      true,",
                "      null",
                "    ],",
                "    \"c\": {}",
                "  },",
                "  \"e\": []",
                "}",
            ]
        );
    }

    #[test]
    fn escape_sequences_in_values_are_shown_escaped() {
        let d = pretty(r#"{"userAgent":"a\u001b[2Jb\u009b\u202ec\n"}"#, &[]).unwrap();
        let all = text(&d).join("");
        assert!(
            all.contains(r#""a\u{1b}[2Jb\u{9b}\u{202e}c\u{a}""#),
            "{all}"
        );
        assert!(!all.chars().any(crate::sanitize::is_dangerous));
    }

    #[test]
    fn raw_control_bytes_and_bidi_in_text_are_escaped_too() {
        let d = pretty("{\"k\u{202e}\":\"v\u{9b}\"}", &[]).unwrap();
        assert!(!text(&d).join("").chars().any(crate::sanitize::is_dangerous));
    }

    #[test]
    fn rule_fields_are_marked_hot_by_dotted_path() {
        let hot = vec![
            "requestParameters.userName".to_string(),
            "eventName".to_string(),
        ];
        let d = pretty(
            r#"{"eventName":"X","requestParameters":{"userName":"bob","other":1},"userName":"no"}"#,
            &hot,
        )
        .unwrap();
        let hot_lines: Vec<String> = d
            .lines
            .iter()
            .filter(|l| l.hot)
            .map(DocLine::plain)
            .collect();
        assert_eq!(
            hot_lines,
            vec!["  \"eventName\": \"X\",", "    \"userName\": \"bob\","]
        );
    }

    #[test]
    fn huge_strings_are_shortened_with_a_note() {
        let raw = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_STRING + 10));
        let d = pretty(&raw, &[]).unwrap();
        assert!(d.lines[1].plain().ends_with("… (10 more characters)"));
    }

    #[test]
    fn surrogate_pairs_decode_and_lone_ones_are_replaced() {
        let d = pretty(r#"["\ud83d\ude00","\ud800x"]"#, &[]).unwrap();
        assert_eq!(text(&d)[1], "  \"😀\",");
        assert_eq!(text(&d)[2], "  \"\u{fffd}x\"");
    }

    #[test]
    fn broken_json_is_an_error_with_offset() {
        assert!(pretty(r#"{"a":}"#, &[]).unwrap_err().contains("byte 5"));
        assert!(pretty(r#"{"a":1"#, &[]).is_err());
    }

    #[test]
    fn find_is_case_insensitive_and_counts_every_occurrence() {
        let d = pretty(r#"{"Bob":"bob bob"}"#, &[]).unwrap();
        assert_eq!(d.find("BOB"), vec![(1, 3), (1, 10), (1, 14)]);
    }
}
