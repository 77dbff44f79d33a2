//! The event model: the compact per-event index entry the loader builds, the
//! string interner that keeps it small, and typed access to CloudTrail fields
//! by dotted path with the Splunk Add-on for AWS aliases.
//!
//! Start with [`Event`]; [`fields`] is how rules and views read a full event.

pub mod fields;
pub mod time;
pub mod wire;

use rustc_hash::FxHashMap;
use std::sync::Arc;

/// An interned string. `Sym::NONE` stands for an absent (or null) field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

impl Sym {
    pub const NONE: Sym = Sym(0);
    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

/// Interns the low-cardinality strings of an index (event names, regions,
/// accounts, ARNs, agents) so a million events cost a few bytes each.
#[derive(Debug, Clone)]
pub struct Interner {
    strings: Vec<Arc<str>>,
    map: FxHashMap<Arc<str>, Sym>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            strings: vec![Arc::from("")],
            map: FxHashMap::default(),
        }
    }
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.map.get(s) {
            return sym;
        }
        let sym = Sym(self.strings.len() as u32);
        let a: Arc<str> = Arc::from(s);
        self.strings.push(a.clone());
        self.map.insert(a, sym);
        sym
    }

    pub fn intern_opt(&mut self, s: Option<&str>) -> Sym {
        match s {
            Some(s) => self.intern(s),
            None => Sym::NONE,
        }
    }

    /// The string behind `sym`, or `None` for [`Sym::NONE`].
    pub fn get(&self, sym: Sym) -> Option<&str> {
        if sym.is_none() {
            None
        } else {
            self.strings.get(sym.0 as usize).map(|s| &**s)
        }
    }

    /// Looks a string up without adding it.
    pub fn lookup(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    pub fn len(&self) -> usize {
        self.strings.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where an event's raw bytes are, so a view can re-read them on demand
/// instead of the index keeping every raw byte in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug)]
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
