//! What the key usage and related panes show, computed from the index in
//! memory (no I/O) when a finding's pane is first opened.

use super::data::Data;
use crate::event::Sym;
use crate::sanitize::escape;
use std::collections::HashMap;

/// Most rows a related list keeps; beyond that the pane says how many more.
pub const MAX_RELATED: usize = 50_000;

/// How the access key a finding's CreateAccessKey created was used.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyUsage {
    /// The new key's id (escaped), when the event carries one.
    pub key: Option<String>,
    /// Events signed with the key, in time order (indices into the index).
    pub events: Vec<usize>,
    /// Source IPs, most used first (escaped).
    pub ips: Vec<(String, usize)>,
    /// User agents, most used first (escaped).
    pub agents: Vec<(String, usize)>,
    /// API calls (`source:name`), most used first (escaped).
    pub calls: Vec<(String, usize)>,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

/// The key usage of finding `i`: every event whose `userIdentity.accessKeyId`
/// is the key the finding's event created.
pub fn key_usage(data: &Data, i: usize) -> KeyUsage {
    let Some(f) = data.findings.get(i) else {
        return KeyUsage::default();
    };
    let idx = &data.index;
    let key = f.new_key.as_deref();
    let mut u = KeyUsage {
        key: key.map(|k| escape(k).into_owned()),
        ..KeyUsage::default()
    };
    // The key's text was interned when an event was signed with it; a key
    // nobody used has no symbol, and then there is nothing to scan.
    let Some(sym) = key.and_then(|k| idx.strings.lookup(k)) else {
        return u;
    };
    let mut ips: HashMap<Sym, usize> = HashMap::new();
    let mut agents: HashMap<Sym, usize> = HashMap::new();
    let mut calls: HashMap<(Sym, Sym), usize> = HashMap::new();
    for (ei, ev) in idx.events.iter().enumerate() {
        if ev.access_key != sym {
            continue;
        }
        u.events.push(ei);
        *ips.entry(ev.src).or_default() += 1;
        *agents.entry(ev.user_agent).or_default() += 1;
        *calls.entry((ev.source, ev.name)).or_default() += 1;
        if let Some(t) = ev.time {
            u.first = Some(u.first.map_or(t, |x| x.min(t)));
            u.last = Some(u.last.map_or(t, |x| x.max(t)));
        }
    }
    let name = |s: Sym| escape(idx.str(s).unwrap_or("-")).into_owned();
    u.ips = ranked(ips.into_iter().map(|(s, n)| (name(s), n)));
    u.agents = ranked(agents.into_iter().map(|(s, n)| (name(s), n)));
    u.calls = ranked(calls.into_iter().map(|((src, n), c)| {
        let service = idx
            .str(src)
            .map(|s| s.trim_end_matches(".amazonaws.com"))
            .unwrap_or("-");
        (format!("{}:{}", escape(service), name(n)), c)
    }));
    u
}

fn ranked(it: impl Iterator<Item = (String, usize)>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = it.collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

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

/// Events within `window` ms either side of finding `i` made by its caller
/// or coming from its source IP, in time order.
pub fn related(data: &Data, i: usize, window: i64) -> Related {
    let Some(f) = data.findings.get(i) else {
        return Related::default();
    };
    let Some(first) = data.first_event(i) else {
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
    let evs = &data.index.events;
    // Events are sorted by time with timeless ones last, so the window is a slice.
    let lo = evs.partition_point(|e| e.time.is_some_and(|x| x < t - window));
    let hi = evs.partition_point(|e| e.time.is_some_and(|x| x <= t + window));
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
