//! Splitting a file's (inflated) bytes into events, whatever the layout:
//!
//! - `{"Records":[…]}` — CloudTrail's S3 delivery (usually one line);
//! - a JSON array of events;
//! - JSON Lines: one event per line (`.jsonl`, `.ndjson`, or `.json`), which
//!   is also how Splunk's attack_data datasets ship raw events;
//! - Splunk search exports: one `{"preview":…,"result":{"_raw":"…"}}` per
//!   line, or a `{"results":[{"_raw":"…"},…]}` document;
//! - one pretty-printed event, or several concatenated.
//!
//! The layout is decided from the content, never the file name. Each problem
//! is reported with its line and byte offset, and splitting carries on with
//! the next line or record wherever the damage allows.

use crate::event::wire::{Records, Wire};
use serde::Deserialize;
use serde_json::value::RawValue;

/// One event found in a file.
pub struct Piece<'a> {
    pub wire: Wire<'a>,
    /// The event's JSON text.
    pub json: &'a str,
    /// Byte offset (in the inflated file) of the JSON text, or of the Splunk
    /// export row holding it.
    pub offset: u64,
    pub len: u32,
    /// 1-based line of `offset`.
    pub line: u32,
    /// The event came out of a Splunk export row's `_raw` string.
    pub splunk_raw: bool,
    /// The event's [`super::scan::digest`], when the splitter already took it.
    pub digest: Option<(u64, u32)>,
}

/// Something in a file that could not be read as an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<u32>,
    pub offset: Option<u64>,
    pub message: String,
    /// The data runs to the end of the file and stops short: the file may
    /// still be being written.
    pub ends_early: bool,
}

#[derive(Deserialize)]
struct SplunkRow {
    _raw: Option<String>,
}

/// Tracks 1-based line numbers for increasing byte offsets.
struct Lines<'b> {
    bytes: &'b [u8],
    pos: usize,
    line: u32,
}

impl Lines<'_> {
    fn at(&mut self, offset: usize) -> u32 {
        if offset > self.pos {
            let end = offset.min(self.bytes.len());
            self.line += memchr::memchr_iter(b'\n', &self.bytes[self.pos..end]).count() as u32;
            self.pos = end;
        }
        self.line
    }
}

fn offset_in(base: &[u8], part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(base.as_ptr() as usize)
}

struct Splitter<'b, 'f> {
    bytes: &'b [u8],
    /// `bytes` as text, when the caller already validated it.
    text: Option<&'b str>,
    lines: Lines<'b>,
    sink: &'f mut dyn FnMut(Piece<'_>),
    problems: &'f mut Vec<Problem>,
}

impl<'b> Splitter<'b, '_> {
    fn problem(&mut self, offset: usize, message: String) {
        let line = self.lines.at(offset);
        self.problems.push(Problem {
            line: Some(line),
            offset: Some(offset as u64),
            message,
            ends_early: false,
        });
    }

    /// The file ends at `offset` in the middle of its data.
    fn cut_short(&mut self, offset: usize, message: String) {
        self.problem(offset, message);
        if let Some(p) = self.problems.last_mut() {
            p.ends_early = true;
        }
    }

    /// A JSON error inside the text starting at `start`: serde's line and
    /// column are relative to that text.
    fn json_problem(&mut self, start: usize, text: &[u8], e: &serde_json::Error, what: &str) {
        let rel_line = e.line().max(1);
        let line_start = if rel_line == 1 {
            0
        } else {
            memchr::memchr_iter(b'\n', text)
                .nth(rel_line - 2)
                .map(|p| p + 1)
                .unwrap_or(0)
        };
        let off = start + line_start + e.column().saturating_sub(1);
        let base_line = self.lines.at(start);
        let msg = format!("{what}: {e}");
        // Cut short only when the broken text runs to the end of the file.
        let rest = self.bytes.get(start + text.len()..).unwrap_or_default();
        self.problems.push(Problem {
            line: Some(base_line + rel_line as u32 - 1),
            offset: Some(off as u64),
            message: msg,
            ends_early: e.is_eof() && rest.iter().all(u8::is_ascii_whitespace),
        });
    }

    /// Hands one event, found at `offset` in the file, to the sink.
    fn emit(&mut self, wire: Wire<'_>, json: &str, offset: usize, digest: Option<(u64, u32)>) {
        let line = self.lines.at(offset);
        (self.sink)(Piece {
            wire,
            json,
            offset: offset as u64,
            len: json.len() as u32,
            line,
            splunk_raw: false,
            digest,
        });
    }

    /// An object at `offset` whose text is `json`, already parsed as `top`.
    fn object(&mut self, mut w: Wire<'b>, json: &'b str, offset: usize) {
        match w.records.take() {
            Some(Records::List(items)) => {
                for item in items {
                    self.element(item, "record in Records");
                }
                return;
            }
            Some(Records::NotList(what)) => {
                return self.problem(offset, format!("\"Records\" is {what}, not a list"));
            }
            None => {}
        }
        if let Some(result) = w.result {
            // The row's place is the `result` object itself, so re-reading
            // the event later needs only that object.
            let off = offset_in(self.bytes, result.get());
            return self.splunk_row(result.get(), off);
        }
        if let Some(results) = w.results {
            match serde_json::from_str::<Vec<&RawValue>>(results.get()) {
                Ok(rows) => {
                    for r in rows {
                        let off = offset_in(self.bytes, r.get());
                        self.splunk_row(r.get(), off);
                    }
                }
                Err(_) => self.problem(offset, "\"results\" is not a list of rows".into()),
            }
            return;
        }
        if w._raw.is_some() && !w.is_event() {
            return self.splunk_row(json, offset);
        }
        if w.is_event() {
            self.emit(w, json, offset, None);
        } else if w.preview.is_none() {
            self.problem(
                offset,
                "not a CloudTrail event (no eventVersion, eventName, eventSource, eventID or eventTime)".into(),
            );
        }
        // A Splunk export line with only `preview`/`lastrow` is metadata.
    }

    /// One element of `Records` or of a top-level array.
    fn element(&mut self, item: &'b RawValue, what: &str) {
        let text = item.get();
        let off = offset_in(self.bytes, text);
        if !text.starts_with('{') {
            return self.problem(off, format!("{what} is not a JSON object"));
        }
        match serde_json::from_str::<Wire<'b>>(text) {
            Ok(w) => self.object(w, text, off),
            Err(e) => self.json_problem(off, text.as_bytes(), &e, what),
        }
    }

    /// A Splunk export row (`{"_raw":"…",…}`) at `offset`.
    fn splunk_row(&mut self, row: &str, offset: usize) {
        let raw = match serde_json::from_str::<SplunkRow>(row) {
            Ok(SplunkRow { _raw: Some(raw) }) => raw,
            _ => return self.problem(offset, "Splunk export row without a _raw string".into()),
        };
        match serde_json::from_str::<Wire<'_>>(&raw) {
            Ok(w) if w.is_event() => {
                let line = self.lines.at(offset);
                (self.sink)(Piece {
                    wire: w,
                    json: &raw,
                    offset: offset as u64,
                    len: row.len() as u32,
                    line,
                    splunk_raw: true,
                    digest: None,
                });
            }
            Ok(_) => self.problem(
                offset,
                "Splunk export _raw is not a CloudTrail event".into(),
            ),
            Err(e) => self.problem(offset, format!("Splunk export _raw is not valid JSON: {e}")),
        }
    }

    fn array(&mut self, start: usize) {
        match serde_json::from_slice::<Vec<&'b RawValue>>(&self.bytes[start..]) {
            Ok(items) => {
                for item in items {
                    self.element(item, "array element");
                }
            }
            Err(e) if self.second_line_is_an_object(start) => {
                // JSON Lines whose first line happens to be a list: read
                // line by line so one bad line does not hide the rest.
                let _ = e;
                self.lines(start)
            }
            Err(e) => {
                let text = &self.bytes[start..];
                self.json_problem(start, text, &e, "invalid JSON array")
            }
        }
    }

    fn second_line_is_an_object(&self, start: usize) -> bool {
        let rest = &self.bytes[start..];
        let Some(nl) = memchr::memchr(b'\n', rest) else {
            return false;
        };
        rest[nl + 1..]
            .split(|&b| b == b'\n')
            .map(|l| l.trim_ascii())
            .find(|l| !l.is_empty())
            .is_some_and(|l| l.starts_with(b"{") && serde_json::from_slice::<&RawValue>(l).is_ok())
    }

    /// Whole-file mode: one or more (pretty-printed) top-level values.
    fn stream(&mut self, start: usize) {
        let text = &self.bytes[start..];
        let mut it = serde_json::Deserializer::from_slice(text).into_iter::<&'b RawValue>();
        loop {
            match it.next() {
                None => break,
                Some(Ok(v)) => {
                    let s = v.get();
                    if s.starts_with('{') {
                        self.element(v, "top-level object");
                    } else if s.starts_with('[') {
                        let off = offset_in(self.bytes, s);
                        self.array(off);
                    } else {
                        let off = offset_in(self.bytes, s);
                        self.problem(off, "top-level value is not an object or list".into());
                    }
                }
                Some(Err(e)) => {
                    self.json_problem(start, text, &e, "invalid JSON");
                    break;
                }
            }
        }
    }

    /// The hot path for CloudTrail's S3 delivery: the whole file is one
    /// `{"Records":[{…},…]}`. Each record is read in one pass
    /// ([`super::record`]) or, when that declines, scanned and parsed by
    /// serde. Returns false, having emitted nothing, when the file does not
    /// start with a `{"Records":[` header, so the general path can take it.
    ///
    /// Once the header is seen, every complete record is kept: damage (a
    /// record cut off, a stray value, content after the list) is reported
    /// where it is and ends only what cannot be read past.
    fn records_fast(&mut self, start: usize) -> bool {
        let b = self.bytes;
        let Some(text) = self.text.or_else(|| std::str::from_utf8(b).ok()) else {
            return false;
        };
        let ws = |mut i: usize| {
            while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
                i += 1;
            }
            i
        };
        let mut i = ws(start + 1);
        if !b[i..].starts_with(b"\"Records\"") {
            return false;
        }
        i = ws(i + 9);
        if b.get(i) != Some(&b':') {
            return false;
        }
        i = ws(i + 1);
        if b.get(i) != Some(&b'[') {
            return false;
        }
        i = ws(i + 1);
        let mut min = Vec::new();
        if b.get(i) != Some(&b']') {
            loop {
                match b.get(i) {
                    Some(b'{') => match self.record_at(text, i, &mut min) {
                        Some(end) => i = end,
                        None => return true,
                    },
                    Some(_) => {
                        // A stray value: step over it with serde.
                        let mut it = serde_json::Deserializer::from_str(&text[i..])
                            .into_iter::<serde::de::IgnoredAny>();
                        match it.next() {
                            Some(Ok(_)) => {
                                self.problem(i, "record in Records is not a JSON object".into());
                                i += it.byte_offset();
                            }
                            Some(Err(e)) => {
                                self.json_problem(i, &b[i..], &e, "record in Records");
                                return true;
                            }
                            None => {
                                // Cannot happen (a byte is there); never panic on input.
                                self.cut_short(i, "EOF while parsing the Records list".into());
                                return true;
                            }
                        }
                    }
                    None => {
                        self.cut_short(
                            i,
                            "EOF while parsing the Records list: the file ends early".into(),
                        );
                        return true;
                    }
                }
                i = ws(i);
                match b.get(i) {
                    Some(b',') => i = ws(i + 1),
                    Some(b']') => break,
                    Some(_) => {
                        self.problem(i, "expected , or ] after a record in Records; the rest of the file is not read".into());
                        return true;
                    }
                    None => {
                        self.cut_short(
                            i,
                            "EOF while parsing the Records list: the file ends early".into(),
                        );
                        return true;
                    }
                }
            }
        }
        i = ws(i + 1);
        match b.get(i) {
            Some(b'}') => {}
            Some(b',') => {
                self.problem(
                    i,
                    "keys after Records in the file's top-level object are ignored".into(),
                );
                return true;
            }
            _ => {
                self.cut_short(
                    i,
                    "EOF while parsing the file: the Records object is not closed".into(),
                );
                return true;
            }
        }
        // Concatenated documents: the rest is split like a file of its own.
        let rest = ws(i + 1);
        if rest < b.len() {
            self.rest(rest);
        }
        true
    }

    /// One record of a `Records` list at `i`: emitted (or reported), and
    /// the offset just past it; `None` when it does not end — the rest of
    /// the file is damage, reported here.
    fn record_at(&mut self, text: &'b str, i: usize, min: &mut Vec<u8>) -> Option<usize> {
        let b = self.bytes;
        let (x, w) = match super::record::read(text, i) {
            Some((w, x)) => (x, Ok(w)),
            None => match super::scan::container(b, i) {
                Some(x) => (x, serde_json::from_str::<Wire<'b>>(&text[i..x.end])),
                None => {
                    // serde says what is wrong where ("EOF while parsing…").
                    if let Err(e) = serde_json::from_str::<Wire<'b>>(&text[i..]) {
                        self.json_problem(i, &b[i..], &e, "record in Records");
                    } else {
                        self.problem(i, "record in Records does not end".into());
                    }
                    return None;
                }
            },
        };
        let json = &text[i..x.end];
        match w {
            Ok(w) if w.is_event() => {
                let h = super::scan::hash(json.as_bytes(), x.spaced, min);
                self.emit(w, json, i, Some((h, x.depth)));
                // A record without whitespace has no newline: nothing to count.
                if !x.spaced {
                    self.lines.pos = self.lines.pos.max(x.end);
                }
            }
            Ok(_) => self.problem(i, "not a CloudTrail event (no eventVersion, eventName, eventSource, eventID or eventTime)".into()),
            Err(e) => self.json_problem(i, json.as_bytes(), &e, "record in Records"),
        }
        Some(x.end)
    }

    /// Whatever follows a complete top-level value, split on its own.
    fn rest(&mut self, at: usize) {
        let first = self.bytes[at];
        if first == b'[' {
            self.array(at)
        } else if first != b'{' || !self.records_fast(at) {
            self.lines(at)
        }
    }

    /// Line mode: one JSON object per line. Falls back to whole-file mode
    /// when the first line is an incomplete value (pretty-printed JSON).
    fn lines(&mut self, start: usize) {
        let bytes = self.bytes;
        let mut pos = start;
        let mut first = true;
        while pos < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            let line = &bytes[pos..end];
            let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let trimmed = line[lead..].trim_ascii_end();
            let off = pos + lead;
            if !trimmed.is_empty() {
                match serde_json::from_slice::<Wire<'b>>(trimmed) {
                    Ok(w) => {
                        // from_slice validated UTF-8 for the whole line.
                        let json = std::str::from_utf8(trimmed).unwrap_or_default();
                        self.object(w, json, off);
                    }
                    Err(e) if first && e.is_eof() => return self.stream(start),
                    Err(e) => self.json_problem(off, trimmed, &e, "invalid JSON line"),
                }
                first = false;
            }
            pos = end + 1;
        }
    }
}

/// Splits `bytes` into events, calling `sink` for each and collecting
/// problems.
pub fn split(bytes: &[u8], sink: &mut dyn FnMut(Piece<'_>), problems: &mut Vec<Problem>) {
    split_inner(bytes, None, sink, problems)
}

/// [`split`] for text the caller has already validated as UTF-8.
pub fn split_str(text: &str, sink: &mut dyn FnMut(Piece<'_>), problems: &mut Vec<Problem>) {
    split_inner(text.as_bytes(), Some(text), sink, problems)
}

fn split_inner(
    bytes: &[u8],
    text: Option<&str>,
    sink: &mut dyn FnMut(Piece<'_>),
    problems: &mut Vec<Problem>,
) {
    let mut start = 0;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        start = 3;
    }
    start += bytes[start..]
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    let mut s = Splitter {
        bytes,
        text,
        lines: Lines {
            bytes,
            pos: 0,
            line: 1,
        },
        sink,
        problems,
    };
    match bytes.get(start) {
        None => {}
        Some(b'[') => s.array(start),
        // Line mode falls back to whole-file mode when the first line is an
        // incomplete value.
        Some(b'{') if s.records_fast(start) => {}
        Some(b'{') => s.lines(start),
        Some(&b) => {
            let shown: String =
                String::from_utf8_lossy(&bytes[start..(start + 16).min(bytes.len())])
                    .chars()
                    .map(|c| if c.is_control() { '.' } else { c })
                    .collect();
            let _ = b;
            s.problem(start, format!("not JSON (starts with {shown:?})"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Found = Vec<(String, u64, u32, bool)>;

    fn run(input: &str) -> (Found, Vec<Problem>) {
        let mut got = Vec::new();
        let mut problems = Vec::new();
        split(
            input.as_bytes(),
            &mut |p: Piece<'_>| {
                let id = p.wire.event_id().unwrap_or_default().to_string();
                got.push((id, p.offset, p.line, p.splunk_raw));
            },
            &mut problems,
        );
        (got, problems)
    }

    #[test]
    fn records_wrapper_on_one_line() {
        let (ev, pr) = run(r#"{"Records":[{"eventID":"a"},{"eventID":"b"}]}"#);
        assert!(pr.is_empty(), "{pr:?}");
        assert_eq!(
            ev.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(ev[0].1, 12);
        assert_eq!(ev[1].1, 28);
    }

    #[test]
    fn pretty_records_file_has_line_numbers() {
        let (ev, pr) =
            run("{\n \"Records\": [\n  {\"eventID\":\"a\"},\n  {\"eventID\":\"b\"}\n ]\n}\n");
        assert!(pr.is_empty(), "{pr:?}");
        assert_eq!(ev.iter().map(|e| e.2).collect::<Vec<_>>(), [3, 4]);
    }

    #[test]
    fn json_lines_report_bad_lines_and_keep_the_rest() {
        let (ev, pr) = run("{\"eventID\":\"a\"}\n{\"eventID\":\n\n{\"eventID\":\"c\"}\n");
        assert_eq!(
            ev.iter().map(|e| (e.0.as_str(), e.2)).collect::<Vec<_>>(),
            [("a", 1), ("c", 4)]
        );
        assert_eq!(pr.len(), 1);
        assert_eq!(pr[0].line, Some(2));
        // A broken line in the middle is damage, not a file still being written…
        assert!(!pr[0].ends_early);
        // …a last line cut off may be.
        let (ev, pr) = run("{\"eventID\":\"a\"}\n{\"eventID\":\"b");
        assert_eq!((ev.len(), pr.len()), (1, 1));
        assert!(pr[0].ends_early, "{pr:?}");
    }

    #[test]
    fn json_lines_starting_with_a_list_line_keep_their_events() {
        let (ev, pr) = run("[1,[2]]\n{\"eventID\":\"a\"}\n");
        assert_eq!(ev.len(), 1);
        assert_eq!(pr.len(), 1);
        assert_eq!(pr[0].line, Some(1));
    }

    #[test]
    fn array_of_events() {
        let (ev, pr) = run("[\n{\"eventID\":\"a\"},\n{\"eventID\":\"b\"}\n]");
        assert!(pr.is_empty());
        assert_eq!(ev.iter().map(|e| e.2).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn splunk_export_rows() {
        let raw = r#"{\"eventID\":\"x\",\"eventName\":\"CreateAccessKey\"}"#;
        let input = format!(
            "{{\"preview\":false,\"result\":{{\"_raw\":\"{raw}\",\"host\":\"h\"}}}}\n{{\"preview\":false,\"lastrow\":true}}\n"
        );
        let (ev, pr) = run(&input);
        assert!(pr.is_empty(), "{pr:?}");
        assert_eq!(ev, [("x".to_string(), 26, 1, true)]);
    }

    #[test]
    fn records_that_is_not_a_list_is_reported() {
        let (ev, pr) = run(r#"{"Records":{"eventID":"a"}}"#);
        assert!(ev.is_empty());
        assert!(
            pr[0]
                .message
                .contains("\"Records\" is an object, not a list")
        );
    }

    #[test]
    fn non_event_objects_are_reported() {
        let (_, pr) = run("{\"hello\":1}\n");
        assert!(pr[0].message.contains("not a CloudTrail event"));
    }

    #[test]
    fn binary_is_not_json() {
        let (_, pr) = run("\u{1}\u{2}ELF");
        assert!(pr[0].message.starts_with("not JSON"));
    }

    #[test]
    fn a_bad_record_does_not_hide_its_neighbours() {
        let (ev, pr) = run(r#"{"Records":[{"eventID":"a"},7,{"eventID":"b"}]}"#);
        assert_eq!(ev.len(), 2);
        assert!(pr[0].message.contains("not a JSON object"));
    }

    #[test]
    fn a_records_file_cut_short_keeps_its_complete_records() {
        for cut in [
            r#"{"Records":[{"eventID":"a"},{"eventID":"b"},{"eventID":"c","x":"#,
            r#"{"Records":[{"eventID":"a"},{"eventID":"b"},"#,
            r#"{"Records":[{"eventID":"a"},{"eventID":"b"}"#,
            r#"{"Records":[{"eventID":"a"},{"eventID":"b"}]"#,
        ] {
            let (ev, pr) = run(cut);
            let ids: Vec<&str> = ev.iter().map(|e| e.0.as_str()).collect();
            assert_eq!(ids, ["a", "b"], "{cut}");
            assert_eq!(pr.len(), 1, "{cut}: {pr:?}");
            // Follow mode retries a file still being written on this.
            assert!(pr[0].ends_early, "{pr:?}");
            assert!(pr[0].message.contains("EOF while parsing"), "{pr:?}");
        }
    }

    #[test]
    fn damage_after_a_record_is_reported_where_it_is() {
        let (ev, pr) = run(r#"{"Records":[{"eventID":"a"} {"eventID":"b"}]}"#);
        assert_eq!(ev.len(), 1);
        assert_eq!(pr[0].offset, Some(28));
        assert!(pr[0].message.contains("expected , or ]"), "{pr:?}");
        assert!(!pr[0].ends_early);
        let (ev, pr) = run(r#"{"Records":[{"eventID":"a"}],"x":1}"#);
        assert_eq!(ev.len(), 1);
        assert!(pr[0].message.contains("keys after Records"), "{pr:?}");
    }

    #[test]
    fn concatenated_records_documents_are_all_read() {
        let (ev, pr) = run(
            "{\"Records\":[{\"eventID\":\"a\"}]}{\"Records\":[{\"eventID\":\"b\"}]}\n{\"eventID\":\"c\"}\nnot json\n",
        );
        let ids: Vec<&str> = ev.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(pr.len(), 1, "{pr:?}");
        assert_eq!(pr[0].line, Some(3));
    }

    #[test]
    fn line_numbers_stay_right_around_fast_records() {
        let (ev, pr) = run(
            "{\"Records\":[\n{\"eventID\":\"a\"},\n{\"eventID\":\"b\",\n \"x\":1},\n{\"eventID\":\"c\"}\n]}",
        );
        assert!(pr.is_empty(), "{pr:?}");
        assert_eq!(ev.iter().map(|e| e.2).collect::<Vec<_>>(), [2, 3, 5]);
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let deep = format!(
            "{{\"eventID\":\"a\",\"x\":{}{}}}\n{{\"eventID\":\"b\"}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let (ev, pr) = run(&deep);
        // Fields the index does not read are skipped without recursion, so
        // the event is kept; the next line is unaffected.
        assert_eq!(ev.len(), 2, "{pr:?}");
        let deep_field = format!(
            "{{\"eventID\":\"a\",\"userIdentity\":{{\"x\":{}1{}}}}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        let (ev, _) = run(&deep_field);
        assert_eq!(ev.len(), 1);
    }
}
