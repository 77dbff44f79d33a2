//! What happened around a finding, from the index in memory (no I/O): how
//! the access key its CreateAccessKey made was used afterwards, and what its
//! caller and source address did near it. The console's Key usage and
//! Related panes and the evidence reports all read these; the values are
//! log text, exact — whoever shows them escapes them.

use super::Finding;
use crate::event::{Event, Index, Sym};
use serde::Serialize;
use std::collections::HashMap;

/// How many times one value was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub value: String,
    pub count: u64,
}

/// The events signed with the access key a finding created.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyUsage {
    /// The new access key ID.
    pub key: String,
    /// Events signed with it, in time order (indices into the index).
    pub events: Vec<usize>,
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
    /// Events that returned an error code.
    pub errors: u64,
    /// Source IPs, most frequent first.
    pub source_ips: Vec<Tally>,
    pub user_agents: Vec<Tally>,
    /// Event names (API calls).
    pub api_calls: Vec<Tally>,
    /// API calls with their service: `iam:CreateUser`.
    pub service_calls: Vec<Tally>,
}

/// The interned new access key of a finding's first event whose key text is
/// the finding's. Taken from the event, because looking the text up would
/// build the interner's whole table.
fn new_key_sym(index: &Index, f: &Finding) -> Option<Sym> {
    let key = f.new_key.as_deref()?;
    f.events
        .iter()
        .filter_map(|&i| index.events.get(i))
        .map(|e| e.new_key)
        .find(|s| index.str(*s) == Some(key))
}

/// The events each finding's new key signed, found in one pass over the
/// index however many findings there are.
#[derive(Debug, Default)]
pub struct KeyUsageIndex {
    by_key: HashMap<Sym, Vec<usize>>,
}

impl KeyUsageIndex {
    /// Scans `index` once for the new keys of `findings`.
    pub fn new(index: &Index, findings: &[Finding]) -> KeyUsageIndex {
        let mut by_key: HashMap<Sym, Vec<usize>> = findings
            .iter()
            .filter_map(|f| new_key_sym(index, f))
            .map(|s| (s, Vec::new()))
            .collect();
        if !by_key.is_empty() {
            // Symbols are dense: a flag per symbol, so the pass over every
            // event costs an array read, not a hash.
            let mut wanted = vec![false; index.strings.len() + 1];
            for s in by_key.keys() {
                if let Some(w) = wanted.get_mut(s.0 as usize) {
                    *w = true;
                }
            }
            for (i, ev) in index.events.iter().enumerate() {
                if wanted
                    .get(ev.access_key.0 as usize)
                    .copied()
                    .unwrap_or(false)
                    && let Some(v) = by_key.get_mut(&ev.access_key)
                {
                    v.push(i);
                }
            }
        }
        KeyUsageIndex { by_key }
    }

    /// How many distinct new keys it holds the events of.
    pub fn keys(&self) -> usize {
        self.by_key.len()
    }

    /// How `f`'s new key was used; `None` when `f` created no key.
    pub fn usage(&self, index: &Index, f: &Finding) -> Option<KeyUsage> {
        let key = f.new_key.as_deref()?;
        let events: Vec<usize> = new_key_sym(index, f)
            .and_then(|s| self.by_key.get(&s))
            .cloned()
            .unwrap_or_default();
        let evs = || events.iter().map(|&i| &index.events[i]);
        // Counted by symbol, named once per distinct value: no string is
        // made per event.
        let name = |s: Sym| index.str(s).map(str::to_string);
        Some(KeyUsage {
            key: key.to_string(),
            first_time: evs().filter_map(|e| e.time()).min(),
            last_time: evs().filter_map(|e| e.time()).max(),
            errors: evs().filter(|e| !e.error_code.is_none()).count() as u64,
            source_ips: tally(evs(), |e| e.src, name),
            user_agents: tally(evs(), |e| e.user_agent, name),
            api_calls: tally(evs(), |e| e.name, name),
            service_calls: tally(
                evs(),
                |e| (e.source, e.name),
                |(source, n)| {
                    let service = index
                        .str(source)
                        .map(|s| s.trim_end_matches(".amazonaws.com"))
                        .unwrap_or("-");
                    Some(format!("{service}:{}", index.str(n).unwrap_or("-")))
                },
            ),
            events,
        })
    }
}

/// How `f`'s new key was used (one scan of the index).
pub fn key_usage(index: &Index, f: &Finding) -> Option<KeyUsage> {
    KeyUsageIndex::new(index, std::slice::from_ref(f)).usage(index, f)
}

/// Counts `events` by `key`, names each distinct key with `name` (keys
/// without a name are not counted), most frequent first, ties by name.
fn tally<'a, K: std::hash::Hash + Eq + Copy>(
    events: impl Iterator<Item = &'a Event>,
    key: impl Fn(&Event) -> K,
    name: impl Fn(K) -> Option<String>,
) -> Vec<Tally> {
    let mut counts: HashMap<K, u64> = HashMap::new();
    for ev in events {
        *counts.entry(key(ev)).or_default() += 1;
    }
    let mut named: HashMap<String, u64> = HashMap::new();
    for (k, n) in counts {
        if let Some(v) = name(k) {
            *named.entry(v).or_default() += n;
        }
    }
    let mut v: Vec<Tally> = named
        .into_iter()
        .map(|(value, count)| Tally { value, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    v
}

/// Most rows a related list keeps; beyond that the pane says how many more.
pub const MAX_RELATED: usize = 50_000;

/// One event near a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelatedRow {
    pub event: usize,
    /// Made by the finding's caller.
    pub by_caller: bool,
    /// From the finding's source IP.
    pub by_ip: bool,
    /// One of the finding's own events.
    pub own: bool,
}

/// The caller's other activity and the source IP's activity around a finding.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Related {
    /// The finding's time, the window's centre.
    pub center: Option<i64>,
    /// Half-width of the window in milliseconds.
    pub window: i64,
    pub rows: Vec<RelatedRow>,
    /// Rows left out beyond [`MAX_RELATED`].
    pub more: usize,
}

/// Events within `window` ms either side of `f` made by its caller or
/// coming from its source IP, in time order.
pub fn related(index: &Index, f: &Finding, window: i64) -> Related {
    let Some(first) = f.events.first().and_then(|&e| index.events.get(e)) else {
        return Related::default();
    };
    let mut r = Related {
        center: f.first_time,
        window,
        rows: Vec::new(),
        more: 0,
    };
    let Some(t) = f.first_time else { return r };
    let (caller, ip) = (first.actor_arn, first.src);
    let evs = &index.events;
    // Events are sorted by time with timeless ones last, so the window is a slice.
    let lo = evs.partition_point(|e| e.time().is_some_and(|x| x < t - window));
    let hi = evs.partition_point(|e| e.time().is_some_and(|x| x <= t + window));
    for (k, ev) in evs[lo..hi].iter().enumerate() {
        let by_caller = !caller.is_none() && ev.actor_arn == caller;
        let by_ip = !ip.is_none() && ev.src == ip;
        if !(by_caller || by_ip) {
            continue;
        }
        if r.rows.len() >= MAX_RELATED {
            r.more += 1;
            continue;
        }
        let event = lo + k;
        r.rows.push(RelatedRow {
            event,
            by_caller,
            by_ip,
            own: f.events.contains(&event),
        });
    }
    r
}
