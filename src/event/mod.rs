//! The event model: the compact per-event index entry the loader builds, the
//! string interner that keeps it small, and typed access to CloudTrail fields
//! by dotted path with the Splunk Add-on for AWS aliases.
//!
//! Start with [`Event`]; [`fields`] is how rules and views read a full event.

pub mod fields;
pub mod index;
pub mod json;
pub mod keep;
pub mod time;
pub mod wire;
pub mod zone;

use std::sync::Arc;

pub use index::{
    Index, LoadError, LoadStats, Progress, RawReader, SourceFile, Stamp, human_bytes, show_path,
};
pub use keep::KeepRaw;

/// An interned string. `Sym::NONE` stands for an absent (or null) field.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Sym(pub u32);

impl Sym {
    pub const NONE: Sym = Sym(0);
    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

/// Interns the strings of an index (event names, regions, accounts, ARNs,
/// agents; not event IDs, which are read back from the raw event) so a million events cost a few bytes each. The text
/// lives in one arena — no allocation per string — and the table holds only
/// symbols, compared through the arena.
#[derive(Debug, Clone)]
pub struct Interner {
    arena: String,
    /// (start, len) in `arena` of each symbol; index 0 is `Sym::NONE`.
    spans: Vec<(u64, u32)>,
    /// Built on first use, so an index read from the cache that is only
    /// shown never pays for hashing every string.
    table: std::sync::OnceLock<hashbrown::HashTable<Sym>>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            arena: String::new(),
            spans: vec![(0, 0)],
            table: std::sync::OnceLock::from(hashbrown::HashTable::new()),
        }
    }
}

fn span_text<'a>(arena: &'a str, spans: &[(u64, u32)], sym: Sym) -> &'a str {
    let (start, len) = spans[sym.0 as usize];
    &arena[start as usize..start as usize + len as usize]
}

fn build_table(arena: &str, spans: &[(u64, u32)]) -> hashbrown::HashTable<Sym> {
    let mut table = hashbrown::HashTable::with_capacity(spans.len());
    for i in 1..spans.len() {
        let sym = Sym(i as u32);
        table.insert_unique(hash_str(span_text(arena, spans, sym)), sym, |s: &Sym| {
            hash_str(span_text(arena, spans, *s))
        });
    }
    table
}

fn hash_str(s: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(s.as_bytes());
    h.finish()
}

impl Interner {
    /// An interner with room for about `n` strings of `bytes` total.
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        let mut spans = Vec::with_capacity(n + 1);
        spans.push((0, 0));
        Interner {
            arena: String::with_capacity(bytes),
            spans,
            table: std::sync::OnceLock::from(hashbrown::HashTable::with_capacity(n)),
        }
    }

    fn text(&self, sym: Sym) -> &str {
        span_text(&self.arena, &self.spans, sym)
    }

    pub fn intern(&mut self, s: &str) -> Sym {
        let h = hash_str(s);
        if self.table.get().is_none() {
            let t = build_table(&self.arena, &self.spans);
            let _ = self.table.set(t);
        }
        let table = self.table.get_mut().expect("built above");
        let (arena, spans) = (&self.arena, &self.spans);
        let eq = |sym: &Sym| span_text(arena, spans, *sym) == s;
        if let Some(&sym) = table.find(h, eq) {
            return sym;
        }
        let sym = Sym(self.spans.len() as u32);
        self.spans.push((self.arena.len() as u64, s.len() as u32));
        self.arena.push_str(s);
        let (arena, spans) = (&self.arena, &self.spans);
        table.insert_unique(h, sym, |sym: &Sym| hash_str(span_text(arena, spans, *sym)));
        sym
    }

    pub fn intern_opt(&mut self, s: Option<&str>) -> Sym {
        match s {
            Some(s) => self.intern(s),
            None => Sym::NONE,
        }
    }

    /// The string behind `sym`, or `None` for [`Sym::NONE`] or a symbol
    /// this interner never made.
    pub fn get(&self, sym: Sym) -> Option<&str> {
        if sym.is_none() || sym.0 as usize >= self.spans.len() {
            None
        } else {
            Some(self.text(sym))
        }
    }

    /// Looks a string up without adding it.
    pub fn lookup(&self, s: &str) -> Option<Sym> {
        let table = self
            .table
            .get_or_init(|| build_table(&self.arena, &self.spans));
        let eq = |sym: &Sym| self.text(*sym) == s;
        table.find(hash_str(s), eq).copied()
    }

    pub fn len(&self) -> usize {
        self.spans.len() - 1
    }

    /// The arena and spans, for the index cache.
    pub fn parts(&self) -> (&str, &[(u64, u32)]) {
        (&self.arena, &self.spans)
    }

    /// Rebuilds an interner from [`Interner::parts`], checking every span, so
    /// a damaged cache is refused rather than trusted.
    pub fn from_parts(arena: String, spans: Vec<(u64, u32)>) -> Option<Interner> {
        if spans.first() != Some(&(0, 0)) {
            return None;
        }
        for &(start, len) in &spans {
            let end = start.checked_add(len as u64)?;
            arena.get(start as usize..end as usize)?;
        }
        Some(Interner {
            arena,
            spans,
            table: std::sync::OnceLock::new(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held: the arena, the spans and (when built) the table.
    pub fn heap_bytes(&self) -> usize {
        let table = self
            .table
            .get()
            .map_or(0, |t| t.capacity() * (std::mem::size_of::<Sym>() + 1));
        self.arena.capacity() + self.spans.capacity() * std::mem::size_of::<(u64, u32)>() + table
    }
}

/// Where an event's raw bytes are, so a view can re-read them on demand
/// instead of the index keeping every raw byte in memory. Events store it
/// packed ([`Event::loc`]); this is the form everyone else handles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Loc {
    /// Index into the loaded file list.
    pub file: u32,
    /// 1-based line of the event's first byte in the (decompressed) file.
    pub line: u32,
    /// Byte offset in the decompressed file.
    pub offset: u64,
    /// Length in bytes of the JSON text.
    pub len: u32,
    /// The JSON text at `offset` is a Splunk export line whose `result._raw`
    /// string holds the event, rather than the event itself.
    pub splunk_raw: bool,
}

/// Milliseconds since the Unix epoch, UTC; `None` when the event had no
/// parseable `eventTime`.
pub type Millis = Option<i64>;

/// [`Event`]'s stored time for "no time".
const NO_TIME: i64 = i64::MIN;
/// The top bit of [`Event`]'s stored offset is [`Loc::splunk_raw`]: no
/// decompressed file reaches 2^63 bytes.
const SPLUNK_BIT: u64 = 1 << 63;

/// One indexed event: the pivot fields the console and rules need, interned,
/// and where its raw bytes are. Everything else (the event ID, the raw JSON)
/// is read back from the file when shown. It is 88 bytes and plain data
/// (the `event_is_small` test holds it there); what few events have — other
/// deliveries' places, raw JSON kept for the rules — lives in
/// [`Index::extras`], reached through [`Event::extra`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// Milliseconds since the epoch, or [`NO_TIME`].
    time: i64,
    /// [`Loc::offset`], with [`SPLUNK_BIT`] for [`Loc::splunk_raw`].
    offset: u64,
    file: u32,
    line: u32,
    len: u32,
    pub name: Sym,
    pub source: Sym,
    pub region: Sym,
    /// `aws_account_id` as the Splunk add-on defines it.
    pub account: Sym,
    pub actor_arn: Sym,
    pub actor_type: Sym,
    pub actor_user: Sym,
    /// The access key the caller signed with (`userIdentity.accessKeyId`).
    pub access_key: Sym,
    pub src: Sym,
    pub user_agent: Sym,
    pub error_code: Sym,
    /// `responseElements.accessKey.userName`, else `requestParameters.userName`.
    pub target_user: Sym,
    /// For CreateAccessKey: `responseElements.accessKey.accessKeyId`.
    pub new_key: Sym,
    /// 1 + the index of this event's entry in [`Index::extras`]; 0 for none.
    pub(crate) extra: u32,
    /// The low 32 bits of the hash of the event's whitespace-free JSON (what
    /// makes two deliveries the same event): part of a finding's triage key.
    /// The full 64 bits are only held while a load de-duplicates.
    pub digest: u32,
}

impl Default for Event {
    fn default() -> Self {
        Event::new(None, Loc::default())
    }
}

impl Event {
    /// An event at `time` whose bytes are at `loc`, with every field absent.
    pub fn new(time: Millis, loc: Loc) -> Event {
        let mut e = Event {
            time: NO_TIME,
            offset: 0,
            file: 0,
            line: 0,
            len: 0,
            name: Sym::NONE,
            source: Sym::NONE,
            region: Sym::NONE,
            account: Sym::NONE,
            actor_arn: Sym::NONE,
            actor_type: Sym::NONE,
            actor_user: Sym::NONE,
            access_key: Sym::NONE,
            src: Sym::NONE,
            user_agent: Sym::NONE,
            error_code: Sym::NONE,
            target_user: Sym::NONE,
            new_key: Sym::NONE,
            extra: 0,
            digest: 0,
        };
        e.set_time(time);
        e.set_loc(loc);
        e
    }

    /// When it happened; `None` when it had no parseable `eventTime`.
    pub fn time(&self) -> Millis {
        (self.time != NO_TIME).then_some(self.time)
    }

    pub fn set_time(&mut self, t: Millis) {
        // The one instant that cannot be stored reads as no time, as it
        // would have if `eventTime` had been unparseable.
        self.time = t.unwrap_or(NO_TIME);
    }

    /// Where the primary copy's bytes are.
    pub fn loc(&self) -> Loc {
        Loc {
            file: self.file,
            line: self.line,
            offset: self.offset & !SPLUNK_BIT,
            len: self.len,
            splunk_raw: self.offset & SPLUNK_BIT != 0,
        }
    }

    pub fn set_loc(&mut self, l: Loc) {
        self.file = l.file;
        self.line = l.line;
        self.len = l.len;
        self.offset = (l.offset & !SPLUNK_BIT) | if l.splunk_raw { SPLUNK_BIT } else { 0 };
    }

    /// Every interned field, for remapping and checking symbols.
    pub fn syms_mut(&mut self) -> [&mut Sym; 13] {
        [
            &mut self.name,
            &mut self.source,
            &mut self.region,
            &mut self.account,
            &mut self.actor_arn,
            &mut self.actor_type,
            &mut self.actor_user,
            &mut self.access_key,
            &mut self.src,
            &mut self.user_agent,
            &mut self.error_code,
            &mut self.target_user,
            &mut self.new_key,
        ]
    }

    pub fn syms(&self) -> [Sym; 13] {
        [
            self.name,
            self.source,
            self.region,
            self.account,
            self.actor_arn,
            self.actor_type,
            self.actor_user,
            self.access_key,
            self.src,
            self.user_agent,
            self.error_code,
            self.target_user,
            self.new_key,
        ]
    }

    /// The raw bytes of a cache record: [`Event::RECORD`] bytes, little-endian.
    pub fn to_record(&self, out: &mut Vec<u8>) {
        out.extend(self.time.to_le_bytes());
        out.extend(self.offset.to_le_bytes());
        for w in [self.file, self.line, self.len] {
            out.extend(w.to_le_bytes());
        }
        for s in self.syms() {
            out.extend(s.0.to_le_bytes());
        }
        out.extend(self.extra.to_le_bytes());
        out.extend(self.digest.to_le_bytes());
    }

    /// Reads a record written by [`Event::to_record`] (exactly
    /// [`Event::RECORD`] bytes). Symbols and files are the caller's to check.
    pub fn from_record(b: &[u8]) -> Event {
        let w64 = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
        let w = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
        let mut e = Event {
            time: w64(0) as i64,
            offset: w64(8),
            file: w(16),
            line: w(20),
            len: w(24),
            ..Event::default()
        };
        for (k, s) in e.syms_mut().into_iter().enumerate() {
            *s = Sym(w(28 + 4 * k));
        }
        e.extra = w(80);
        e.digest = w(84);
        e
    }

    /// Bytes in one cache record.
    pub const RECORD: usize = 88;
}

/// What few events have, kept beside the events rather than in each.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Extra {
    /// Where the other deliveries of the event are, in file order.
    pub other_locs: Vec<Loc>,
    /// The raw JSON, kept only for events some rule looks at closely.
    pub raw: Option<Packed>,
}

/// An event's raw JSON kept in memory, LZ4-compressed: CloudTrail JSON
/// repeats its keys and shrinks about fourfold, and the events the rules
/// keep are read back far less often than they are held.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Packed(Arc<[u8]>);

impl Packed {
    pub fn pack(text: &str) -> Packed {
        Packed(lz4_flex::compress_prepend_size(text.as_bytes()).into())
    }

    /// The text back; `None` only for bytes that were not made by
    /// [`Packed::pack`] (a damaged cache).
    pub fn text(&self) -> Option<Arc<str>> {
        let bytes = lz4_flex::decompress_size_prepended(&self.0).ok()?;
        String::from_utf8(bytes).ok().map(Arc::from)
    }

    /// Bytes held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_raw_json_reads_back_the_same_and_is_smaller() {
        let ev = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/é✓"},"eventName":"CreateAccessKey","requestParameters":{"userName":"bob"},"responseElements":{"accessKey":{"userName":"bob","status":"Active"}}}"#;
        let many = format!("[{}]", vec![ev; 20].join(","));
        for text in [ev, many.as_str(), ""] {
            assert_eq!(Packed::pack(text).text().as_deref(), Some(text));
        }
        assert!(Packed::pack(&many).len() * 4 < many.len());
        // Bytes that were not packed (a damaged cache) give nothing, not a panic.
        assert_eq!(Packed(Arc::from(&b"\xff\xff\xff\x7fjunk"[..])).text(), None);
    }

    #[test]
    fn interning_gives_one_symbol_per_distinct_string() {
        let mut i = Interner::default();
        let a = i.intern("us-east-1");
        let b = i.intern("eu-west-1");
        assert_eq!(i.intern("us-east-1"), a);
        assert_ne!(a, b);
        assert_eq!(i.get(a), Some("us-east-1"));
        assert_eq!(i.get(b), Some("eu-west-1"));
        assert_eq!(i.lookup("eu-west-1"), Some(b));
        assert_eq!(i.lookup("nope"), None);
        assert_eq!(i.get(Sym::NONE), None);
        assert_eq!(i.get(Sym(99)), None);
        assert_eq!(i.len(), 2);
    }

    #[test]
    fn rebuilt_from_parts_it_interns_and_looks_up_as_before() {
        let mut i = Interner::default();
        let a = i.intern("a");
        let b = i.intern("bb");
        let (arena, spans) = i.parts();
        let mut j = Interner::from_parts(arena.to_string(), spans.to_vec()).unwrap();
        assert_eq!(j.lookup("bb"), Some(b));
        assert_eq!(j.intern("a"), a);
        let c = j.intern("c");
        assert_eq!(j.get(c), Some("c"));
        assert!(Interner::from_parts("ab".into(), vec![(0, 0), (1, 5)]).is_none());
        assert!(Interner::from_parts("ab".into(), vec![(1, 1)]).is_none());
    }

    #[test]
    fn empty_and_many_strings_survive_growth() {
        let mut i = Interner::default();
        let e = i.intern("");
        assert_eq!(i.get(e), Some(""));
        let syms: Vec<Sym> = (0..10_000).map(|n| i.intern(&format!("id-{n}"))).collect();
        for (n, s) in syms.iter().enumerate() {
            assert_eq!(i.get(*s), Some(format!("id-{n}").as_str()));
            assert_eq!(i.intern(&format!("id-{n}")), *s);
        }
    }

    #[test]
    fn event_is_small() {
        // The memory budget (issue 14: ≤ 100 bytes an event resident) rests
        // on this: widen the event and the index outgrows it.
        assert!(
            std::mem::size_of::<Event>() <= 88,
            "{}",
            std::mem::size_of::<Event>()
        );
        assert_eq!(std::mem::size_of::<Event>(), Event::RECORD);
    }

    #[test]
    fn time_and_place_read_back_as_set() {
        let loc = Loc {
            file: 3,
            line: 7,
            offset: (1 << 40) + 5,
            len: 99,
            splunk_raw: true,
        };
        let mut e = Event::new(Some(-5), loc);
        assert_eq!((e.time(), e.loc()), (Some(-5), loc));
        e.set_time(None);
        e.set_loc(Loc {
            splunk_raw: false,
            ..loc
        });
        assert_eq!(e.time(), None);
        assert!(!e.loc().splunk_raw && e.loc().offset == loc.offset);
        assert_eq!(Event::default().time(), None);
    }

    #[test]
    fn a_record_reads_back_as_the_event() {
        let mut e = Event::new(
            Some(1_700_000_000_000),
            Loc {
                file: 1,
                line: 2,
                offset: 3,
                len: 4,
                splunk_raw: true,
            },
        );
        for (k, s) in e.syms_mut().into_iter().enumerate() {
            *s = Sym(10 + k as u32);
        }
        e.extra = 77;
        e.digest = 0xdead_beef;
        let mut rec = Vec::new();
        e.to_record(&mut rec);
        assert_eq!(rec.len(), Event::RECORD);
        assert_eq!(Event::from_record(&rec), e);
    }
}
