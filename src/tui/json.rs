//! Pretty-prints an event's raw JSON for the raw pane: key order and
//! duplicate keys as written (a `serde_json::Value` would sort and merge
//! them), every string decoded and then escaped by [`crate::sanitize::escape`],
//! and the fields a rule reads marked "hot".

use crate::event::json::{Kind, Token, decode, tokens};
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
        lines: Vec::new(),
        cur: DocLine::default(),
        path: Vec::new(),
        hot,
    };
    // Open containers, innermost last: `true` for an object.
    let mut stack: Vec<bool> = Vec::new();
    // Whether the key whose value comes next is hot.
    let mut key_hot = false;
    let mut toks = tokens(raw).peekable();
    while let Some(t) = toks.next() {
        let t = t.map_err(|e| e.to_string())?;
        let depth = stack.len();
        let in_obj = stack.last() == Some(&true);
        let is_value = !matches!(
            t.kind,
            Kind::Key(_) | Kind::Colon | Kind::Comma | Kind::EndObject | Kind::EndArray
        );
        if is_value && depth > MAX_DEPTH {
            return Err(format!("nested too deeply at byte {}", t.at));
        }
        // Each array element and each object key starts a line.
        if (is_value && stack.last() == Some(&false)) || matches!(t.kind, Kind::Key(_)) {
            p.indent(depth);
        }
        let hot = in_obj && key_hot;
        match t.kind {
            Kind::BeginObject | Kind::BeginArray => {
                let obj = t.kind == Kind::BeginObject;
                let empty = matches!(
                    toks.peek(),
                    Some(Ok(Token {
                        kind: Kind::EndObject | Kind::EndArray,
                        ..
                    }))
                );
                if empty {
                    toks.next();
                    p.push(Tok::Punct, if obj { "{}" } else { "[]" }, false);
                    p.end_value(in_obj);
                } else {
                    p.push(Tok::Punct, if obj { "{" } else { "[" }, false);
                    p.newline();
                    stack.push(obj);
                }
            }
            Kind::EndObject | Kind::EndArray => {
                stack.pop();
                p.newline();
                p.indent(stack.len());
                let obj = t.kind == Kind::EndObject;
                p.push(Tok::Punct, if obj { "}" } else { "]" }, false);
                p.end_value(stack.last() == Some(&true));
            }
            Kind::Key(k) => {
                p.path.push(decode(k).into_owned());
                key_hot = p.is_hot();
                let k = p.path.last().cloned().unwrap_or_default();
                p.push_string(Tok::Key, &k, key_hot);
            }
            Kind::Colon => p.push(Tok::Punct, ": ", false),
            Kind::Comma => {
                p.push(Tok::Punct, ",", false);
                p.newline();
            }
            Kind::Str(s) => {
                p.push_string(Tok::Str, &decode(s), hot);
                p.end_value(in_obj);
            }
            Kind::Num(n) => {
                p.push(Tok::Num, n, hot);
                p.end_value(in_obj);
            }
            Kind::Lit(l) => {
                p.push(Tok::Lit, l, hot);
                p.end_value(in_obj);
            }
        }
    }
    p.newline();
    Ok(Doc { lines: p.lines })
}

struct Printer<'a> {
    lines: Vec<DocLine>,
    cur: DocLine,
    path: Vec<String>,
    hot: &'a [String],
}

impl Printer<'_> {
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

    /// A value is complete; an object member's key leaves the path.
    fn end_value(&mut self, in_obj: bool) {
        if in_obj {
            self.path.pop();
        }
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
    fn deep_nesting_is_refused_with_offset_and_no_recursion() {
        let raw = "[".repeat(100_000);
        assert_eq!(
            pretty(&raw, &[]).unwrap_err(),
            format!("nested too deeply at byte {}", MAX_DEPTH + 1)
        );
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(pretty(&ok, &[]).is_ok());
    }

    #[test]
    fn find_is_case_insensitive_and_counts_every_occurrence() {
        let d = pretty(r#"{"Bob":"bob bob"}"#, &[]).unwrap();
        assert_eq!(d.find("BOB"), vec![(1, 3), (1, 10), (1, 14)]);
    }
}
