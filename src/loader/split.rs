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

/// Text read from the file at a time; the window holds this plus at most
/// one unfinished event.
pub const CHUNK: usize = 1 << 20;

/// Where the splitter is in the file's layout, kept between windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Before a top-level value; `top`: the file's first, where anything
    /// but JSON means the file is not JSON.
    Start {
        top: bool,
    },
    /// Inside a `Records` list (`records`) or a top-level array; `sep`: a
    /// `,` or `]` comes next; `first`: no element yet.
    List {
        records: bool,
        sep: bool,
        first: bool,
    },
    /// After a `Records` list's `]`: its object's `}` comes next.
    ListClosed,
    /// One JSON object per line; `first`: no line read yet.
    Lines {
        first: bool,
    },
    /// Pretty-printed top-level values, one after another.
    Values,
    /// Stepping over a value larger than the cap without keeping it; then
    /// back to a list (`Some(records)`) or to values (`None`).
    SkipValue {
        depth: u32,
        in_str: bool,
        esc: bool,
        then: Option<bool>,
    },
    /// Stepping over a line larger than the cap.
    SkipLine,
    Done,
}

/// What a step of the splitter did: go on at this offset, or wait for
/// more text, keeping the window from this offset.
enum Step {
    Next(usize),
    More(usize),
}

struct Splitter<'b, 'f> {
    /// The window: the part of the file's text being split.
    bytes: &'b [u8],
    text: &'b str,
    /// Offset of the window in the file's (inflated) text.
    base: u64,
    /// The window runs to the end of the file.
    eof: bool,
    /// Largest unfinished value the window may hold (`--max-event-mib`).
    cap: usize,
    mode: Mode,
    lines: Lines<'b>,
    min: Vec<u8>,
    /// Cleared when the file does not start as JSON.
    json: bool,
    sink: &'f mut dyn FnMut(Piece<'_>),
    problems: &'f mut Vec<Problem>,
}

impl<'b> Splitter<'b, '_> {
    fn problem(&mut self, offset: usize, message: String) {
        let line = self.lines.at(offset);
        self.problems.push(Problem {
            line: Some(line),
            offset: Some(self.base + offset as u64),
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
        self.mode = Mode::Done;
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
            offset: Some(self.base + off as u64),
            message: msg,
            ends_early: self.eof && e.is_eof() && rest.iter().all(u8::is_ascii_whitespace),
        });
    }

    /// Hands one event, found at `offset` in the window, to the sink.
    fn emit(&mut self, wire: Wire<'_>, json: &str, offset: usize, digest: Option<(u64, u32)>) {
        let line = self.lines.at(offset);
        (self.sink)(Piece {
            wire,
            json,
            offset: self.base + offset as u64,
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
                    self.element(item.get(), "record in Records");
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

    /// One element of `Records` or of a top-level array (text in the window).
    fn element(&mut self, text: &'b str, what: &str) {
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
                    offset: self.base + offset as u64,
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

    fn ws(&self, mut i: usize) -> usize {
        while self.bytes.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        i
    }

    /// Splits what the window holds; returns where the next window starts.
    fn run(&mut self, mut i: usize) -> usize {
        loop {
            let step = match self.mode {
                Mode::Done => return self.bytes.len(),
                Mode::Start { top } => self.start(i, top),
                Mode::List {
                    records,
                    sep: false,
                    first,
                } => self.list_item(i, records, first),
                Mode::List { records, .. } => self.list_sep(i, records),
                Mode::ListClosed => self.list_closed(i),
                Mode::Lines { first } => self.lines(i, first),
                Mode::Values => self.value(i),
                Mode::SkipValue { .. } => self.skip_value(i),
                Mode::SkipLine => match memchr::memchr(b'\n', &self.bytes[i..]) {
                    Some(k) => {
                        self.mode = Mode::Lines { first: false };
                        Step::Next(i + k + 1)
                    }
                    None => self.more(self.bytes.len()),
                },
            };
            match step {
                Step::Next(n) => i = n,
                Step::More(n) => return n,
            }
        }
    }

    /// Out of text at `i`: wait for more, or (at the end of the file) stop.
    fn more(&mut self, i: usize) -> Step {
        if self.eof {
            self.mode = Mode::Done;
        }
        Step::More(i)
    }

    /// Out of text inside a value starting at `i`: wait for more, unless
    /// the value is already over the cap; then it is reported and stepped
    /// over without keeping it, and what follows is read.
    fn unfinished(&mut self, i: usize, then: Option<bool>) -> Step {
        if self.bytes.len() - i <= self.cap {
            return Step::More(i);
        }
        let cap = self.cap;
        self.problem(
            i,
            format!("event of more than {cap} bytes is over the {cap} byte cap; skipped"),
        );
        self.mode = Mode::SkipValue {
            depth: 0,
            in_str: false,
            esc: false,
            then,
        };
        Step::Next(i)
    }

    /// A list (a top-level array, or a `Records` array) opens; its first
    /// element starts at `at`.
    fn open_list(&mut self, records: bool, at: usize) -> Step {
        self.mode = Mode::List {
            records,
            sep: false,
            first: true,
        };
        Step::Next(at)
    }

    fn start(&mut self, mut i: usize, top: bool) -> Step {
        let b = self.bytes;
        if top && self.base == 0 && i == 0 && b.starts_with(b"\xEF\xBB\xBF") {
            i = 3;
        }
        i = self.ws(i);
        match b.get(i) {
            None => self.more(i),
            Some(b'[') => self.open_list(false, i + 1),
            Some(b'{') => match self.records_header(i) {
                // Whitespace past the cap is not a header worth waiting for.
                None if !self.eof && b.len() - i <= self.cap => Step::More(i),
                Some(Some(j)) => self.open_list(true, j),
                // Line mode falls back to values when the first line is
                // an incomplete value.
                _ => {
                    self.mode = Mode::Lines { first: true };
                    Step::Next(i)
                }
            },
            // The message shows the first 16 bytes.
            Some(_) if top && !self.eof && b.len() - i < 16 => Step::More(i),
            Some(_) if top => {
                let shown: String = String::from_utf8_lossy(&b[i..(i + 16).min(b.len())])
                    .chars()
                    .map(|c| if c.is_control() { '.' } else { c })
                    .collect();
                self.problem(i, format!("not JSON (starts with {shown:?})"));
                self.json = false;
                self.mode = Mode::Done;
                Step::More(i)
            }
            Some(_) => {
                self.mode = Mode::Lines { first: true };
                Step::Next(i)
            }
        }
    }

    /// Whether a `{"Records":[` header starts at `i`: the offset past its
    /// `[`, `Some(None)` when it is not one, `None` when the window ends first.
    fn records_header(&self, i: usize) -> Option<Option<usize>> {
        let b = self.bytes;
        let mut i = self.ws(i + 1);
        let key = b"\"Records\"";
        let have = &b[i.min(b.len())..(i + key.len()).min(b.len())];
        if !key.starts_with(have) {
            return Some(None);
        }
        if have.len() < key.len() {
            return None;
        }
        for want in [b':', b'['] {
            i = self.ws(i + if want == b':' { key.len() } else { 1 });
            match b.get(i) {
                None => return None,
                Some(&c) if c != want => return Some(None),
                _ => {}
            }
        }
        Some(Some(i + 1))
    }

    /// An element of a `Records` list or a top-level array, at `i`.
    fn list_item(&mut self, i: usize, records: bool, first: bool) -> Step {
        let i = self.ws(i);
        let what = if records {
            "record in Records"
        } else {
            "array element"
        };
        let b = self.bytes;
        let next = Mode::List {
            records,
            sep: true,
            first: false,
        };
        match b.get(i) {
            None if self.eof => {
                self.cut_short(
                    i,
                    "EOF while parsing the Records list: the file ends early".into(),
                );
                Step::More(i)
            }
            None => Step::More(i),
            Some(b']') if first => {
                self.mode = next;
                Step::Next(i)
            }
            Some(b'{') => {
                let fast = if records {
                    super::record::read(self.text, i)
                } else {
                    None
                };
                let x = match fast.as_ref().map(|f| f.1) {
                    Some(x) => Some(x),
                    None => super::scan::container(b, i),
                };
                match x {
                    None if !self.eof => self.unfinished(i, Some(records)),
                    None => {
                        // serde says what is wrong where ("EOF while parsing…").
                        if let Err(e) = serde_json::from_str::<Wire<'b>>(&self.text[i..]) {
                            self.json_problem(i, &b[i..], &e, what);
                        } else {
                            self.problem(i, format!("{what} does not end"));
                        }
                        self.mode = Mode::Done;
                        Step::More(i)
                    }
                    Some(x) if records => {
                        self.record(i, x, fast.map(|f| f.0));
                        self.mode = next;
                        Step::Next(x.end)
                    }
                    Some(x) => {
                        self.element(&self.text[i..x.end], what);
                        self.mode = next;
                        Step::Next(x.end)
                    }
                }
            }
            Some(_) => {
                // A stray value: step over it with serde.
                let mut it = serde_json::Deserializer::from_str(&self.text[i..])
                    .into_iter::<serde::de::IgnoredAny>();
                match it.next() {
                    Some(Ok(_)) => {
                        self.problem(i, format!("{what} is not a JSON object"));
                        self.mode = next;
                        Step::Next(i + it.byte_offset())
                    }
                    Some(Err(e)) if e.is_eof() && !self.eof && b.len() - i <= self.cap => {
                        Step::More(i)
                    }
                    Some(Err(e)) => {
                        self.json_problem(i, &b[i..], &e, what);
                        self.mode = Mode::Done;
                        Step::More(i)
                    }
                    None => self.more(i),
                }
            }
        }
    }

    /// What follows a list element at `i`: `,` or `]`.
    fn list_sep(&mut self, i: usize, records: bool) -> Step {
        let i = self.ws(i);
        match self.bytes.get(i) {
            Some(b',') => {
                self.mode = Mode::List {
                    records,
                    sep: false,
                    first: false,
                };
                Step::Next(i + 1)
            }
            Some(b']') => {
                self.mode = if records {
                    Mode::ListClosed
                } else {
                    Mode::Start { top: false }
                };
                Step::Next(i + 1)
            }
            Some(_) => {
                let list = if records { "Records" } else { "the list" };
                self.problem(
                    i,
                    format!(
                        "expected , or ] after a record in {list}; the rest of the file is not read"
                    ),
                );
                self.mode = Mode::Done;
                Step::More(i)
            }
            None if self.eof => {
                self.cut_short(
                    i,
                    "EOF while parsing the Records list: the file ends early".into(),
                );
                Step::More(i)
            }
            None => Step::More(i),
        }
    }

    /// After a `Records` list: the object's closing `}`.
    fn list_closed(&mut self, i: usize) -> Step {
        let i = self.ws(i);
        match self.bytes.get(i) {
            None if !self.eof => Step::More(i),
            Some(b'}') => {
                // Concatenated documents: the rest is split like a file of its own.
                self.mode = Mode::Start { top: false };
                Step::Next(i + 1)
            }
            Some(b',') => {
                self.problem(
                    i,
                    "keys after Records in the file's top-level object are ignored".into(),
                );
                self.mode = Mode::Done;
                Step::More(i)
            }
            _ => {
                self.cut_short(
                    i,
                    "EOF while parsing the file: the Records object is not closed".into(),
                );
                Step::More(i)
            }
        }
    }

    /// One record of a `Records` list at `i` whose extent is `x` (and its
    /// fields, when the one-pass reader took them): emitted or reported.
    fn record(&mut self, i: usize, x: super::scan::Extent, fast: Option<Wire<'b>>) {
        let json = &self.text[i..x.end];
        let w = match fast {
            Some(w) => Ok(w),
            None => serde_json::from_str::<Wire<'b>>(json),
        };
        match w {
            Ok(w) if w.is_event() => {
                let h = super::scan::hash(json.as_bytes(), x.spaced, &mut self.min);
                self.emit(w, json, i, Some((h, x.depth)));
                // A record without whitespace has no newline: nothing to count.
                if !x.spaced {
                    self.lines.pos = self.lines.pos.max(x.end);
                }
            }
            Ok(_) => self.problem(i, "not a CloudTrail event (no eventVersion, eventName, eventSource, eventID or eventTime)".into()),
            Err(e) => self.json_problem(i, json.as_bytes(), &e, "record in Records"),
        }
    }

    /// Line mode: the complete lines from `start` (every line at the end of
    /// the file). Falls back to values when the first line is an
    /// incomplete value (pretty-printed JSON).
    fn lines(&mut self, start: usize, mut first: bool) -> Step {
        let bytes = self.bytes;
        let limit = if self.eof {
            bytes.len()
        } else {
            match memchr::memrchr(b'\n', &bytes[start..]) {
                Some(k) => start + k + 1,
                None if bytes.len() - start > self.cap => {
                    let cap = self.cap;
                    self.problem(
                        start,
                        format!(
                            "line of more than {cap} bytes is over the {cap} byte cap; skipped"
                        ),
                    );
                    self.mode = Mode::SkipLine;
                    return Step::Next(bytes.len());
                }
                None => return Step::More(start),
            }
        };
        let mut pos = start;
        while pos < limit {
            let end = memchr::memchr(b'\n', &bytes[pos..limit]).map_or(limit, |i| pos + i);
            let line = &bytes[pos..end];
            let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let trimmed = line[lead..].trim_ascii_end();
            let off = pos + lead;
            if !trimmed.is_empty() {
                match serde_json::from_slice::<Wire<'b>>(trimmed) {
                    Ok(w) => {
                        // The window is text, and lines end at ASCII bytes.
                        let json = &self.text[off..off + trimmed.len()];
                        self.object(w, json, off);
                    }
                    Err(e) if first && e.is_eof() => {
                        self.mode = Mode::Values;
                        return Step::Next(start);
                    }
                    Err(e) => self.json_problem(off, trimmed, &e, "invalid JSON line"),
                }
                first = false;
            }
            pos = end + 1;
        }
        self.mode = Mode::Lines { first };
        self.more(limit)
    }

    /// Values mode: one (pretty-printed) top-level value at `i`.
    fn value(&mut self, i: usize) -> Step {
        let i = self.ws(i);
        let b = self.bytes;
        match b.get(i) {
            None => self.more(i),
            Some(b'[') => self.open_list(false, i + 1),
            Some(b'{') => match super::scan::container(b, i) {
                Some(x) => {
                    self.element(&self.text[i..x.end], "top-level object");
                    Step::Next(x.end)
                }
                None if !self.eof => self.unfinished(i, None),
                None => {
                    if let Err(e) = serde_json::from_str::<&RawValue>(&self.text[i..]) {
                        self.json_problem(i, &b[i..], &e, "invalid JSON");
                    }
                    self.mode = Mode::Done;
                    Step::More(i)
                }
            },
            Some(_) => {
                let mut it = serde_json::Deserializer::from_str(&self.text[i..])
                    .into_iter::<serde::de::IgnoredAny>();
                match it.next() {
                    Some(Ok(_)) => {
                        self.problem(i, "top-level value is not an object or list".into());
                        Step::Next(i + it.byte_offset())
                    }
                    Some(Err(e)) if e.is_eof() && !self.eof && b.len() - i <= self.cap => {
                        Step::More(i)
                    }
                    Some(Err(e)) => {
                        self.json_problem(i, &b[i..], &e, "invalid JSON");
                        self.mode = Mode::Done;
                        Step::More(i)
                    }
                    None => self.more(i),
                }
            }
        }
    }

    /// Steps over a value too large to keep, across windows.
    fn skip_value(&mut self, mut i: usize) -> Step {
        let Mode::SkipValue {
            mut depth,
            mut in_str,
            mut esc,
            then,
        } = self.mode
        else {
            return Step::Next(i);
        };
        let b = self.bytes;
        while i < b.len() {
            let c = b[i];
            i += 1;
            if in_str {
                if esc {
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_str = false;
                }
                continue;
            }
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.mode = match then {
                            Some(records) => Mode::List {
                                records,
                                sep: true,
                                first: false,
                            },
                            None => Mode::Values,
                        };
                        return Step::Next(i);
                    }
                }
                _ => {}
            }
        }
        self.mode = Mode::SkipValue {
            depth,
            in_str,
            esc,
            then,
        };
        self.more(i)
    }
}

/// Splits a file's text, read through `fill`, into events, calling `sink`
/// for each and collecting problems. `fill` appends about the number of
/// bytes asked for to the window (keeping it valid UTF-8) and returns false
/// at the end of the file. The window holds one chunk plus at most one
/// unfinished event of up to `cap` bytes: a larger event is reported with
/// its offset and stepped over, and the rest of the file is still read
/// (a line, or a value in a list, is the unit of resynchronisation).
/// Returns false when the file does not start as JSON (reported, and
/// nothing more is read).
pub fn split_stream(
    fill: &mut dyn FnMut(&mut Vec<u8>, usize) -> bool,
    cap: usize,
    sink: &mut dyn FnMut(Piece<'_>),
    problems: &mut Vec<Problem>,
) -> bool {
    let mut window: Vec<u8> = Vec::new();
    let (mut mode, mut base, mut line) = (Mode::Start { top: true }, 0u64, 1u32);
    let mut min = Vec::new();
    loop {
        // An unfinished event is read on in steps as large as itself, so
        // re-scanning it stays linear.
        let want = CHUNK.max(window.len());
        let eof = !fill(&mut window, want);
        let Ok(text) = std::str::from_utf8(&window) else {
            // The fill keeps the window text; never panic if it did not.
            return true;
        };
        let mut s = Splitter {
            bytes: &window,
            text,
            base,
            eof,
            cap,
            mode,
            lines: Lines {
                bytes: &window,
                pos: 0,
                line,
            },
            min: std::mem::take(&mut min),
            json: true,
            sink,
            problems,
        };
        let keep = s.run(0).min(window.len());
        line = s.lines.at(keep);
        (mode, min) = (s.mode, s.min);
        if !s.json {
            return false;
        }
        if eof || mode == Mode::Done {
            return true;
        }
        window.drain(..keep);
        base += keep as u64;
    }
}

/// Splits `bytes` (a whole file's content, made text as the loader does)
/// into events, calling `sink` for each and collecting problems.
pub fn split(bytes: &[u8], sink: &mut dyn FnMut(Piece<'_>), problems: &mut Vec<Problem>) {
    let (text, _) = super::decode::repair_utf8(bytes.to_vec());
    split_str(&text, sink, problems)
}

/// [`split`] for text the caller has already validated as UTF-8.
pub fn split_str(text: &str, sink: &mut dyn FnMut(Piece<'_>), problems: &mut Vec<Problem>) {
    let mut rest = Some(text.as_bytes());
    split_stream(
        &mut |w: &mut Vec<u8>, _| match rest.take() {
            Some(t) if !t.is_empty() => {
                w.extend_from_slice(t);
                true
            }
            _ => false,
        },
        usize::MAX,
        sink,
        problems,
    );
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
        // Each element of the list is reported, on its line.
        assert_eq!(pr.len(), 2, "{pr:?}");
        assert!(pr.iter().all(|p| p.line == Some(1)), "{pr:?}");
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

    type Split = (Vec<(String, u64, u32, bool, String)>, Vec<Problem>);

    /// Splits `input` as a stream fed `piece` bytes at a time (whole
    /// characters), with `cap` as the largest unfinished event.
    fn streamed(input: &str, piece: usize, cap: usize) -> Split {
        let (mut got, mut problems) = (Vec::new(), Vec::new());
        let mut rest = input;
        split_stream(
            &mut |w: &mut Vec<u8>, _| {
                let mut n = piece.min(rest.len());
                while !rest.is_char_boundary(n) {
                    n += 1;
                }
                w.extend_from_slice(&rest.as_bytes()[..n]);
                rest = &rest[n..];
                n > 0
            },
            cap,
            &mut |p: Piece<'_>| {
                let id = p.wire.event_id().unwrap_or_default().to_string();
                got.push((id, p.offset, p.line, p.splunk_raw, p.json.to_string()));
            },
            &mut problems,
        );
        (got, problems)
    }

    const LAYOUTS: &[&str] = &[
        r#"{"Records":[{"eventID":"a"},{"eventID":"b"}]}"#,
        "{\n \"Records\": [\n  {\"eventID\":\"a\"},\n  {\"eventID\":\"b\",\n \"x\": [1, {\"y\": \"}\"}]}\n ]\n}\n",
        "{\"eventID\":\"a\"}\n{\"eventID\":\n\n{\"eventID\":\"c\"}\n",
        "{\"eventID\":\"a\"}\n{\"eventID\":\"b",
        "[1,[2]]\n{\"eventID\":\"a\"}\n",
        "[\n{\"eventID\":\"a\"},\n{\"eventID\":\"b\"}\n]",
        "{\"preview\":false,\"result\":{\"_raw\":\"{\\\"eventID\\\":\\\"x\\\",\\\"eventName\\\":\\\"E\\\"}\",\"host\":\"h\"}}\n{\"preview\":false,\"lastrow\":true}\n",
        r#"{"Records":[{"eventID":"a"},7,"s",{"eventID":"b"}]}"#,
        r#"{"Records":[{"eventID":"a"},{"eventID":"b"},{"eventID":"c","x":"#,
        r#"{"Records":[{"eventID":"a"},{"eventID":"b"},"#,
        r#"{"Records":[{"eventID":"a"},{"eventID":"b"}]"#,
        r#"{"Records":[{"eventID":"a"} {"eventID":"b"}]}"#,
        r#"{"Records":[{"eventID":"a"}],"x":1}"#,
        "{\"Records\":[{\"eventID\":\"a\"}]}{\"Records\":[{\"eventID\":\"b\"}]}\n{\"eventID\":\"c\"}\nnot json\n",
        "{\n  \"eventID\": \"p\",\n  \"eventName\": \"é\"\n}\n{\n  \"eventID\": \"q\"\n}\n7\n[{\"eventID\":\"r\"}]",
        "{\n  \"eventID\": \"p\",\n",
        "\u{feff}{\"Records\":[]}",
        "  \u{1}\u{2}ELF",
        "",
    ];

    #[test]
    fn any_chunking_splits_as_the_whole_text_does() {
        for input in LAYOUTS {
            let whole = streamed(input, usize::MAX, usize::MAX);
            for piece in [1, 2, 3, 5, 8, 13, 64] {
                assert_eq!(streamed(input, piece, 1 << 20), whole, "{piece}: {input}");
            }
        }
    }

    #[test]
    fn an_event_over_the_cap_is_stepped_over_and_the_rest_read() {
        let big = format!(
            r#"{{"eventID":"big","x":"{}","y":[{{"z":"]}}"}}]}}"#,
            "w".repeat(300)
        );
        // In a Records list the rest of the list is read.
        let records = format!(r#"{{"Records":[{{"eventID":"a"}},{big},{{"eventID":"b"}}]}}"#);
        let (ev, pr) = streamed(&records, 16, 100);
        let ids: Vec<&str> = ev.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(pr.len(), 1, "{pr:?}");
        assert_eq!(pr[0].offset, Some(28));
        assert!(pr[0].message.contains("over the 100 byte cap"), "{pr:?}");
        // In JSON Lines, the next line.
        let lines = format!("{{\"eventID\":\"a\"}}\n{big}\n{{\"eventID\":\"b\"}}\n");
        let (ev, pr) = streamed(&lines, 16, 100);
        let ids: Vec<&str> = ev.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!((pr[0].offset, pr[0].line), (Some(16), Some(2)), "{pr:?}");
        assert_eq!(ev[1].2, 3);
        // Pretty-printed values: the next value.
        let values = format!("{{\n\"eventID\":\"a\"}}\n{big}\n{{\n\"eventID\":\"b\"}}\n");
        let (ev, pr) = streamed(&values, 16, 100);
        let ids: Vec<&str> = ev.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(pr.len(), 1, "{pr:?}");
        assert_eq!(ev[1].1, values.rfind('{').unwrap() as u64);
    }

    #[test]
    fn the_window_holds_a_chunk_and_one_event_not_the_file() {
        // 40 MiB of records, read a chunk at a time, never held at once.
        let rec = format!(r#"{{"eventID":"e","eventName":"{}"}}"#, "n".repeat(1000));
        let mut sent = 0usize;
        let mut largest = 0usize;
        let total = 40 << 20;
        let mut started = false;
        let mut events = 0;
        split_stream(
            &mut |w: &mut Vec<u8>, want| {
                largest = largest.max(w.len());
                if sent >= total {
                    if sent == total {
                        w.extend_from_slice(b"]}");
                        sent += 1;
                        return true;
                    }
                    return false;
                }
                if !started {
                    w.extend_from_slice(b"{\"Records\":[");
                    started = true;
                }
                while w.len() < want && sent < total {
                    w.extend_from_slice(rec.as_bytes());
                    w.push(b',');
                    sent += rec.len() + 1;
                }
                if sent >= total {
                    w.pop();
                }
                true
            },
            16 << 20,
            &mut |_| events += 1,
            &mut Vec::new(),
        );
        assert_eq!(events, total.div_ceil(rec.len() + 1));
        assert!(largest < 2 * CHUNK, "window grew to {largest}");
    }
}
