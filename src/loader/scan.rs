//! A fast structural scan of JSON containers: where an object or array ends,
//! how deep it nests, and its bytes without insignificant whitespace.
//!
//! It is the loader's hot path for CloudTrail's `{"Records":[…]}` files: one
//! pass finds each record's extent and the text its duplicate-detection hash
//! is taken over, so serde only has to parse each record once. Strings are
//! skipped with `memchr`, which is where almost all of a record's bytes are.
//! The scan does not validate JSON; serde does that when it parses the record.

/// The extent of one scanned container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// Offset just past the closing bracket.
    pub end: usize,
    /// Nesting depth (1 for a flat object).
    pub depth: u32,
    /// Whether whitespace appears outside strings (pretty-printed JSON).
    pub spaced: bool,
}

/// Scans the object or array that starts at `bytes[start]` (a `{` or `[`);
/// `None` when it is not closed properly.
pub fn container(bytes: &[u8], start: usize) -> Option<Extent> {
    if !matches!(bytes.get(start), Some(b'{' | b'[')) {
        return None;
    }
    let mut i = start;
    let (mut depth, mut max, mut spaced) = (0u32, 0u32, false);
    loop {
        match *bytes.get(i)? {
            b'"' => {
                i += 1;
                loop {
                    let j = i + memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
                    if bytes[j] == b'\\' {
                        i = j + 2;
                    } else {
                        i = j + 1;
                        break;
                    }
                }
                continue;
            }
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(Extent {
                        end: i + 1,
                        depth: max,
                        spaced,
                    });
                }
            }
            b' ' | b'\n' | b'\r' | b'\t' => spaced = true,
            _ => {}
        }
        i += 1;
    }
}

/// Copies well-formed JSON text without the whitespace outside strings.
pub fn minify(json: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        if b == b'"' {
            let s = i;
            i += 1;
            while i < json.len() {
                match memchr::memchr2(b'"', b'\\', &json[i..]) {
                    Some(k) if json[i + k] == b'\\' => i += k + 2,
                    Some(k) => {
                        i += k + 1;
                        break;
                    }
                    None => i = json.len(),
                }
            }
            out.extend_from_slice(&json[s..i.min(json.len())]);
            continue;
        }
        if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            out.push(b);
        }
        i += 1;
    }
}

/// The duplicate-detection digest of one event's JSON: a hash of its
/// whitespace-free bytes and its nesting depth.
pub fn digest(json: &[u8], buf: &mut Vec<u8>) -> (u64, u32) {
    match container(json, 0) {
        Some(x) => (hash(&json[..x.end], x.spaced, buf), x.depth),
        None => (xxhash_rust::xxh3::xxh3_64(json), 0),
    }
}

/// Hash of `json` with whitespace outside strings removed; compact JSON (the
/// common case) is hashed in place.
pub fn hash(json: &[u8], spaced: bool, buf: &mut Vec<u8>) -> u64 {
    if spaced {
        minify(json, buf);
        xxhash_rust::xxh3::xxh3_64(buf)
    } else {
        xxhash_rust::xxh3::xxh3_64(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_end_and_strips_whitespace_outside_strings() {
        let t = br#"{ "a" : [1, {"b": "x }] y"}] } tail"#;
        let x = container(t, 0).unwrap();
        assert_eq!(&t[x.end..], b" tail");
        assert_eq!((x.depth, x.spaced), (3, true));
        let mut m = Vec::new();
        minify(&t[..x.end], &mut m);
        assert_eq!(m, br#"{"a":[1,{"b":"x }] y"}]}"#);
        assert!(!container(br#"{"a":"b c"}"#, 0).unwrap().spaced);
    }

    #[test]
    fn escaped_quotes_and_backslashes_stay_inside_strings() {
        let t = br#"{"a":"q\"}\\","b":1}"#;
        assert_eq!(container(t, 0).unwrap().end, t.len());
    }

    #[test]
    fn unclosed_or_unbalanced_input_is_none() {
        assert_eq!(container(br#"{"a":"#, 0), None);
        assert_eq!(container(br#"{"a":"x}"#, 0), None);
        assert_eq!(container(br#"{"a":"x\"#, 0), None);
        assert_eq!(container(b"1", 0), None);
    }

    #[test]
    fn digest_ignores_formatting_only() {
        let mut b = Vec::new();
        let a = digest(b"{\"a\": \"x y\",\n \"b\":1}", &mut b);
        assert_eq!(a, digest(b"{\"a\":\"x y\",\"b\":1}", &mut b));
        assert_ne!(a, digest(b"{\"a\":\"xy\",\"b\":1}", &mut b));
        assert_eq!(digest(br#"{"a":[{"b":"[[[["}]}"#, &mut b).1, 3);
    }
}
