//! One pass over one CloudTrail record: its extent, nesting depth and
//! whitespace (what [`super::scan::container`] finds) and its pivot fields
//! (what serde reads into [`Wire`]), validating the JSON on the way.
//!
//! This is the loader's hottest loop: before it, every byte of a record was
//! walked twice, once by the structural scan and once by serde. It only
//! answers when the answer is certain to be serde's: anything unusual — an
//! escape in a key or a pivot value, a pivot of the wrong type, a repeated
//! pivot key, a lone surrogate escape, nesting past [`MAX_DEPTH`], or JSON
//! that is not valid — returns `None`, and the caller takes the general
//! path (structural scan + serde), which reports problems exactly as before.
//! A property test and a fuzz target hold the two paths to the same answer.

use super::scan::Extent;
use crate::event::wire::{AccessKey, Field, Identity, Obj, Request, Response, Wire};
use serde::de::IgnoredAny;
use std::borrow::Cow;

/// Deeper records go the general way (serde's own limit is 128).
pub const MAX_DEPTH: u32 = 100;

/// Reads the record object starting at `text[start]` (a `{`). `None` means
/// "take the general path", never "no event".
pub fn read(text: &str, start: usize) -> Option<(Wire<'_>, Extent)> {
    let mut r = Reader {
        t: text,
        b: text.as_bytes(),
        i: start,
        max: 0,
        spaced: false,
    };
    let w = r.record()?;
    Some((
        w,
        Extent {
            end: r.i,
            depth: r.max,
            spaced: r.spaced,
        },
    ))
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Marks (in each byte's high bit) the bytes of `x` that end a plain run
/// inside a string: `"`, `\` or a control character. Only the lowest mark
/// is exact — enough to find the first one.
#[inline]
fn special(x: u64) -> u64 {
    let q = x ^ (LO * b'"' as u64);
    let s = x ^ (LO * b'\\' as u64);
    (q.wrapping_sub(LO) & !q | s.wrapping_sub(LO) & !s | x.wrapping_sub(LO * 0x20) & !x) & HI
}

// Slots of the string pivots, in `Reader::record`'s key order.
const TIME: usize = 0;
const NAME: usize = 1;
const SOURCE: usize = 2;
const ID: usize = 3;
const REGION: usize = 4;
const SRC: usize = 5;
const AGENT: usize = 6;
const ERROR: usize = 7;
const RECIPIENT: usize = 8;
const ID_TYPE: usize = 9;
const ID_ARN: usize = 10;
const ID_ACCOUNT: usize = 11;
const ID_KEY: usize = 12;
const ID_USER: usize = 13;
const REQ_USER: usize = 14;
const KEY_USER: usize = 15;
const KEY_ID: usize = 16;
const SLOTS: usize = 17;

#[derive(Default)]
struct Found<'a> {
    vals: [Option<&'a str>; SLOTS],
    /// Keys met, for serde's "duplicate field" (bit per slot, then objects).
    seen: u32,
    version: bool,
    identity: bool,
    request: bool,
    response: bool,
    access_key: bool,
}

const SEEN_VERSION: u32 = 1 << 24;
const SEEN_IDENTITY: u32 = 1 << 25;
const SEEN_REQUEST: u32 = 1 << 26;
const SEEN_RESPONSE: u32 = 1 << 27;
const SEEN_KEY: u32 = 1 << 28;

impl Found<'_> {
    /// Marks a key as met; `None` when it was met before.
    fn once(&mut self, bit: u32) -> Option<()> {
        if self.seen & bit != 0 {
            return None;
        }
        self.seen |= bit;
        Some(())
    }
}

struct Reader<'a> {
    t: &'a str,
    b: &'a [u8],
    i: usize,
    max: u32,
    spaced: bool,
}

impl<'a> Reader<'a> {
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.spaced = true;
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// The string whose opening quote is at `self.i`: the range of its
    /// contents and whether it has escapes.
    #[inline]
    fn string(&mut self) -> Option<(usize, usize, bool)> {
        let b = self.b;
        let s = self.i + 1;
        let mut i = s;
        let mut escaped = false;
        loop {
            while let Some(chunk) = b.get(i..i + 8) {
                let m = special(u64::from_le_bytes(chunk.try_into().ok()?));
                if m != 0 {
                    i += (m.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match *b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some((s, i, escaped));
                }
                b'\\' => {
                    escaped = true;
                    i = escape(b, i)?;
                }
                0..=0x1f => return None,
                _ => i += 1,
            }
        }
    }

    /// A number, validated against JSON's grammar (its value is not needed).
    fn number(&mut self) -> Option<()> {
        let b = self.b;
        let mut i = self.i;
        let digits = |mut i: usize| {
            let s = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            (i > s).then_some(i)
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        i = match b.get(i)? {
            b'0' => i + 1,
            b'1'..=b'9' => digits(i)?,
            _ => return None,
        };
        if b.get(i) == Some(&b'.') {
            i = digits(i + 1)?;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            i = digits(i)?;
        }
        self.i = i;
        Some(())
    }

    fn literal(&mut self, lit: &[u8]) -> Option<()> {
        let end = self.i + lit.len();
        (self.b.get(self.i..end)? == lit).then(|| self.i = end)
    }

    fn enter(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.max = self.max.max(depth);
        Some(())
    }

    /// Skips any value; `depth` is what a container here would have.
    fn skip(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(depth, |r, _, d| r.skip(d)),
            b'[' => {
                self.enter(depth)?;
                self.i += 1;
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// An object at `self.i`, calling `field` with each key (without
    /// escapes) once the reader is at its value.
    #[inline]
    fn object(
        &mut self,
        depth: u32,
        mut field: impl FnMut(&mut Self, &'a [u8], u32) -> Option<()>,
    ) -> Option<()> {
        if self.peek()? != b'{' {
            return None;
        }
        self.enter(depth)?;
        self.i += 1;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let (s, e, escaped) = self.string()?;
            if escaped {
                // serde matches keys after unescaping them.
                return None;
            }
            self.eat(b':')?;
            let b = self.b;
            field(self, &b[s..e], depth + 1)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string pivot: a string without escapes, or `null` (absent).
    fn text(&mut self, f: &mut Found<'a>, slot: usize) -> Option<()> {
        f.once(1 << slot)?;
        match self.peek()? {
            b'"' => {
                let (s, e, escaped) = self.string()?;
                if escaped {
                    return None;
                }
                f.vals[slot] = Some(self.t.get(s..e)?);
                Some(())
            }
            b'n' => self.literal(b"null"),
            _ => None,
        }
    }

    /// An object pivot: `Some(true)` when it is an object (then read by
    /// `inner`), `Some(false)` when `null`.
    fn nested(
        &mut self,
        depth: u32,
        inner: impl FnMut(&mut Self, &'a [u8], u32) -> Option<()>,
    ) -> Option<bool> {
        match self.peek()? {
            b'{' => self.object(depth, inner).map(|()| true),
            b'n' => self.literal(b"null").map(|()| false),
            _ => None,
        }
    }

    fn record(&mut self) -> Option<Wire<'a>> {
        let mut f = Found::default();
        self.object(1, |r, key, d| match key {
            b"eventTime" => r.text(&mut f, TIME),
            b"eventName" => r.text(&mut f, NAME),
            b"eventSource" => r.text(&mut f, SOURCE),
            b"eventID" => r.text(&mut f, ID),
            b"awsRegion" => r.text(&mut f, REGION),
            b"sourceIPAddress" => r.text(&mut f, SRC),
            b"userAgent" => r.text(&mut f, AGENT),
            b"errorCode" => r.text(&mut f, ERROR),
            b"recipientAccountId" => r.text(&mut f, RECIPIENT),
            b"eventVersion" => {
                f.once(SEEN_VERSION)?;
                // `null` counts as absent, as `Option` reads it.
                f.version = r.peek()? != b'n';
                r.skip(d)
            }
            b"userIdentity" => {
                f.once(SEEN_IDENTITY)?;
                f.identity = r.nested(d, |r, key, d| match key {
                    b"type" => r.text(&mut f, ID_TYPE),
                    b"arn" => r.text(&mut f, ID_ARN),
                    b"accountId" => r.text(&mut f, ID_ACCOUNT),
                    b"accessKeyId" => r.text(&mut f, ID_KEY),
                    b"userName" => r.text(&mut f, ID_USER),
                    _ => r.skip(d),
                })?;
                Some(())
            }
            b"requestParameters" => {
                f.once(SEEN_REQUEST)?;
                f.request = r.nested(d, |r, key, d| match key {
                    b"userName" => r.text(&mut f, REQ_USER),
                    _ => r.skip(d),
                })?;
                Some(())
            }
            b"responseElements" => {
                f.once(SEEN_RESPONSE)?;
                let mut access_key = false;
                f.response = r.nested(d, |r, key, d| match key {
                    b"accessKey" => {
                        f.once(SEEN_KEY)?;
                        access_key = r.nested(d, |r, key, d| match key {
                            b"userName" => r.text(&mut f, KEY_USER),
                            b"accessKeyId" => r.text(&mut f, KEY_ID),
                            _ => r.skip(d),
                        })?;
                        Some(())
                    }
                    _ => r.skip(d),
                })?;
                f.access_key = access_key;
                Some(())
            }
            // The other layouts' keys: the general path sorts those out.
            b"Records" | b"result" | b"results" | b"preview" | b"_raw" => None,
            _ => r.skip(d),
        })?;
        Some(wire(f))
    }
}

/// The escape at `b[i]` (a backslash); the offset just past it. Lone
/// surrogates are left to serde.
fn escape(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i + 1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 2),
        b'u' => {
            let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            let v = u16::from_str_radix(hex, 16).ok()?;
            (!(0xD800..=0xDFFF).contains(&v)).then_some(i + 6)
        }
        _ => None,
    }
}

fn wire(f: Found<'_>) -> Wire<'_> {
    let v = |slot: usize| f.vals[slot].map(|s| Field::Str(Cow::Borrowed(s)));
    Wire {
        eventVersion: f.version.then_some(IgnoredAny),
        eventTime: v(TIME),
        eventName: v(NAME),
        eventSource: v(SOURCE),
        eventID: v(ID),
        awsRegion: v(REGION),
        sourceIPAddress: v(SRC),
        userAgent: v(AGENT),
        errorCode: v(ERROR),
        recipientAccountId: v(RECIPIENT),
        userIdentity: f.identity.then(|| {
            Obj::Ok(Identity {
                ty: v(ID_TYPE),
                arn: v(ID_ARN),
                accountId: v(ID_ACCOUNT),
                accessKeyId: v(ID_KEY),
                userName: v(ID_USER),
            })
        }),
        requestParameters: f.request.then(|| {
            Obj::Ok(Request {
                userName: v(REQ_USER),
            })
        }),
        responseElements: f.response.then(|| {
            Obj::Ok(Response {
                accessKey: f.access_key.then(|| {
                    Obj::Ok(AccessKey {
                        userName: v(KEY_USER),
                        accessKeyId: v(KEY_ID),
                    })
                }),
            })
        }),
        ..Wire::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::wire::fields;
    use crate::loader::scan::container;

    /// What the general path (structural scan + serde) makes of `s`.
    fn general(s: &str) -> Option<(String, Extent)> {
        let x = container(s.as_bytes(), 0)?;
        let w: Wire = serde_json::from_str(&s[..x.end]).ok()?;
        Some((summary(w), x))
    }

    fn summary(w: Wire<'_>) -> String {
        let is_event = w.is_event();
        let mut p = Vec::new();
        let f = fields(w, &mut p);
        format!("{is_event} {f:?} {p:?}")
    }

    fn fast(s: &str) -> Option<(String, Extent)> {
        read(s, 0).map(|(w, x)| (summary(w), x))
    }

    #[test]
    fn reads_a_create_access_key_as_serde_does() {
        let s = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"X","arn":"arn:aws:iam::1:user/a","accountId":"1","accessKeyId":"AKIA1","userName":"a","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},"eventTime":"2024-01-01T00:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","sourceIPAddress":"1.2.3.4","userAgent":"aws-cli/2","requestParameters":{"userName":"b"},"responseElements":{"accessKey":{"userName":"b","accessKeyId":"AKIA2","status":"Active","createDate":"Jan 1, 2024 12:00:00 AM"}},"requestID":"r","eventID":"e","readOnly":false,"resources":[{"a":1.5e3},-0,[]],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"1","tlsDetails":null}"#;
        let got = fast(s).expect("the fast path takes an ordinary record");
        assert_eq!(Some(got), general(s));
    }

    #[test]
    fn whitespace_and_depth_are_measured() {
        let s = "{ \"eventName\" : \"A\",\n\"x\":[[{\"y\":[]}]] } tail";
        let (_, x) = read(s, 0).unwrap();
        assert_eq!(x, container(s.as_bytes(), 0).unwrap());
        assert_eq!((x.depth, x.spaced), (5, true));
        assert_eq!(&s[x.end..], " tail");
    }

    #[test]
    fn escapes_outside_pivots_are_validated_and_kept_fast() {
        let s = r#"{"eventName":"A","x":"q\"\\\/\b\f\n\r\t\u00e9 end"}"#;
        assert_eq!(fast(s), general(s));
        assert!(fast(s).is_some());
    }

    #[test]
    fn unusual_records_go_the_general_way() {
        for s in [
            r#"{"eventName":"a\u0041"}"#, // escape in a pivot: serde unescapes it
            r#"{"event\u004eame":"A"}"#,  // escape in a key
            r#"{"eventName":42}"#,        // wrong type: serde reports it
            r#"{"userIdentity":"root"}"#, // wrong type for an object
            r#"{"eventName":"A","eventName":"B"}"#, // serde: duplicate field
            r#"{"eventVersion":1,"eventVersion":2}"#,
            r#"{"x":"\ud800"}"#, // lone surrogate
            r#"{"x":"a	b"}"#,    // raw control character
            r#"{"x":01}"#,       // bad number
            r#"{"x":1.}"#,
            r#"{"x":-}"#,
            r#"{"x":tru}"#,
            r#"{"x":[1,]}"#,
            r#"{"x":1,}"#,
            r#"{"x" 1}"#,
            r#"{"Records":[]}"#,   // another layout
            r#"{"eventName":"A""#, // unclosed
            r#"{"x":"\q"}"#,       // bad escape
        ] {
            assert!(read(s, 0).is_none(), "{s}");
        }
    }

    #[test]
    fn nulls_are_absent_and_nesting_is_bounded() {
        for s in [
            r#"{"eventVersion":null,"eventName":null,"userIdentity":null,"responseElements":{"accessKey":null}}"#,
            r#"{"eventVersion":null}"#,
            r#"{"eventVersion":{},"x":null}"#,
        ] {
            assert!(fast(s).is_some(), "{s}");
            assert_eq!(fast(s), general(s), "{s}");
        }
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(150), "]".repeat(150));
        assert!(read(&deep, 0).is_none());
    }

    use proptest::prelude::*;

    /// A pivot's value: mostly a plain string, sometimes anything else.
    fn strval() -> BoxedStrategy<String> {
        prop_oneof![
            40 => "[ -~]{0,10}".prop_map(|t| format!("\"{}\"", t.replace(['"', '\\'], ""))),
            1 => Just("\"a\\\"b\\u00e9\"".to_string()),
            1 => Just("\"tab\there\"".to_string()),
            1 => Just("\"\\ud800\"".to_string()),
            4 => Just("null".to_string()),
            1 => Just("-1.5e3".to_string()),
            1 => Just("01".to_string()),
            1 => Just("{}".to_string()),
            1 => Just("[1,[]]".to_string()),
            1 => Just("tru".to_string()),
            1 => Just("false".to_string()),
            1 => Just("1.".to_string()),
            1 => Just("2e-".to_string()),
            1 => Just("0.25E+2".to_string()),
        ]
        .boxed()
    }

    /// An object holding some of `keys` (one sometimes twice, which serde
    /// refuses), each value from `val(key)`, with some whitespace;
    /// sometimes `null` or a value of another type instead.
    fn members(
        keys: &'static [&'static str],
        val: fn(&str) -> BoxedStrategy<String>,
    ) -> BoxedStrategy<String> {
        let sp = || prop_oneof![6 => Just(""), 1 => Just(" "), 1 => Just("\n\t")];
        let object = (
            proptest::sample::subsequence(keys, 0..=keys.len()),
            proptest::bool::weighted(0.05),
            any::<proptest::sample::Index>(),
        )
            .prop_flat_map(move |(mut ks, dup, which)| {
                if dup && !ks.is_empty() {
                    ks.push(ks[which.index(ks.len())]);
                }
                let vals: Vec<_> = ks.iter().map(|k| (val(k), sp())).collect();
                (Just(ks), vals)
            })
            .prop_map(|(ks, vals)| {
                let m: Vec<String> = ks
                    .iter()
                    .zip(vals)
                    .map(|(k, (v, w))| format!("{w}\"{k}\"{w}:{w}{v}"))
                    .collect();
                format!("{{{}}}", m.join(","))
            });
        prop_oneof![
            12 => object,
            1 => Just("null".to_string()),
            1 => strval(),
        ]
        .boxed()
    }

    fn other() -> BoxedStrategy<String> {
        strval()
            .prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..4)
                        .prop_map(|v| format!("[{}]", v.join(","))),
                    proptest::collection::vec(inner, 0..3).prop_map(|v| {
                        let m: Vec<String> = v
                            .iter()
                            .enumerate()
                            .map(|(i, x)| format!("\"k{i}\":{x}"))
                            .collect();
                        format!("{{{}}}", m.join(","))
                    }),
                ]
            })
            .boxed()
    }

    fn identity(_: &str) -> BoxedStrategy<String> {
        members(
            &["type", "arn", "accountId", "accessKeyId", "userName", "x"],
            |k| {
                if k == "x" { other() } else { strval() }
            },
        )
    }

    fn response(_: &str) -> BoxedStrategy<String> {
        members(&["x", "accessKey"], |k| {
            if k == "x" {
                other()
            } else {
                members(&["userName", "accessKeyId", "status"], |_| strval())
            }
        })
    }

    /// JSON-ish records: pivots of the right type most of the time, other
    /// keys, escapes, nulls, nesting, whitespace, repeats, and cut-off text.
    fn recordish() -> impl Strategy<Value = String> {
        const TOP: &[&str] = &[
            "eventVersion",
            "userIdentity",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "errorCode",
            "requestParameters",
            "responseElements",
            "other",
            "eventID",
            "recipientAccountId",
        ];
        let top = members(TOP, |k| match k {
            "userIdentity" => identity(k),
            "requestParameters" => members(&["userName", "x"], |_| strval()),
            "responseElements" => response(k),
            "other" => other(),
            _ => strval(),
        });
        (top, proptest::bool::weighted(0.1), any::<u16>()).prop_map(|(mut s, cut, at)| {
            if cut && s.len() > 1 {
                let mut at = at as usize % s.len();
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                s.truncate(at.max(1));
            }
            s
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// Whenever the one-pass reader answers, it is serde's answer.
        #[test]
        fn the_fast_path_agrees_with_serde(s in recordish()) {
            if !s.starts_with('{') {
                return Ok(());
            }
            if let Some(got) = fast(&s) {
                prop_assert_eq!(Some(got), general(&s), "{}", s);
            }
        }
    }

    #[test]
    fn the_swar_mask_finds_the_first_special_byte() {
        for (text, first) in [
            (*b"abcdefgh", None),
            (*b"abc\"efgh", Some(3)),
            (*b"\\bcdefgh", Some(0)),
            (*b"abcdefg\x01", Some(7)),
            (*b"\xc3\xa9\xff\x7f !~#", None),
        ] {
            let m = special(u64::from_le_bytes(text));
            let got = (m != 0).then(|| (m.trailing_zeros() / 8) as usize);
            assert_eq!(got, first, "{text:?}");
        }
    }
}
