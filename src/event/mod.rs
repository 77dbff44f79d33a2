//! The event model: the compact per-event index entry the loader builds, the
//! string interner that keeps it small, and typed access to CloudTrail fields
//! by dotted path with the Splunk Add-on for AWS aliases.
//!
//! Start with [`Event`]; [`fields`] is how rules and views read a full event.

pub mod fields;
pub mod index;
pub mod json;
pub mod time;
pub mod wire;
pub mod zone;

use std::sync::Arc;

pub use index::{
    Index, LoadError, LoadStats, Progress, RawReader, SourceFile, Stamp, human_bytes, show_path,
};

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
/// agents, event IDs) so a million events cost a few bytes each. The text
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

/// Marks a span pushed by [`Interner::push_unique`]: in the arena, not in
/// the table.
const UNIQUE: u32 = 1 << 31;

fn span_text<'a>(arena: &'a str, spans: &[(u64, u32)], sym: Sym) -> &'a str {
    let (start, len) = spans[sym.0 as usize];
    &arena[start as usize..start as usize + (len & !UNIQUE) as usize]
}

fn build_table(arena: &str, spans: &[(u64, u32)]) -> hashbrown::HashTable<Sym> {
    let mut table = hashbrown::HashTable::with_capacity(spans.len());
    for i in 1..spans.len() {
        if spans[i].1 & UNIQUE != 0 {
            continue;
        }
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

    /// Adds a string expected to be unique (an event ID) without entering
    /// it in the table: no hashing, no table growth. The same text pushed
    /// twice gets two symbols, so compare such symbols by their text.
    pub fn push_unique(&mut self, s: &str) -> Sym {
        if s.len() >= UNIQUE as usize {
            return self.intern(s);
        }
        let sym = Sym(self.spans.len() as u32);
        self.spans
            .push((self.arena.len() as u64, s.len() as u32 | UNIQUE));
        self.arena.push_str(s);
        sym
    }

    /// Whether `sym` was made by [`Interner::push_unique`].
    pub fn is_unique(&self, sym: Sym) -> bool {
        self.spans
            .get(sym.0 as usize)
            .is_some_and(|s| s.1 & UNIQUE != 0)
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
            let end = start.checked_add((len & !UNIQUE) as u64)?;
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
}

/// Where an event's raw bytes are, so a view can re-read them on demand
/// instead of the index keeping every raw byte in memory.
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

/// One indexed event: the pivot fields the console and rules need, interned.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Event {
    pub time: Millis,
    pub event_id: Sym,
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
    pub loc: Loc,
    /// How many times the same event was delivered (1 for a unique event).
    pub copies: u32,
    /// Hash of the event's whitespace-free JSON: with the eventID, what
    /// makes two deliveries the same event.
    pub digest: u64,
    /// Where the other copies are (empty for a unique event).
    pub other_locs: Vec<Loc>,
    /// The raw JSON, kept only for events some rule looks at closely.
    pub raw: Option<Arc<str>>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn unique_pushes_are_readable_but_not_in_the_table() {
        let mut i = Interner::default();
        let a = i.push_unique("evt-1");
        let b = i.push_unique("evt-1");
        assert_ne!(a, b);
        assert_eq!((i.get(a), i.get(b)), (Some("evt-1"), Some("evt-1")));
        assert!(i.is_unique(a) && !i.is_unique(Sym::NONE));
        assert_eq!(i.lookup("evt-1"), None);
        let c = i.intern("evt-1");
        assert!(!i.is_unique(c));
        assert_eq!(i.lookup("evt-1"), Some(c));
        let (arena, spans) = i.parts();
        let j = Interner::from_parts(arena.to_string(), spans.to_vec()).unwrap();
        assert_eq!((j.get(a), j.lookup("evt-1")), (Some("evt-1"), Some(c)));
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
}
