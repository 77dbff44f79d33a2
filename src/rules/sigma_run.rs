//! Running the Sigma detection rules over the index: one finding per
//! matching event, then the correlations over those matches.
//!
//! A rule is evaluated only on its candidate events: those whose indexed
//! fields (`eventName`, `eventSource`, `userIdentity.type`, `userAgent`…)
//! hold a value the rule's detection pins (see [`super::sigma::pins`]).
//! Every candidate event is parsed once for all the rules that read it, the
//! events are spread over the cores, and a parsed event is dropped as soon
//! as its findings are made — kept only for the rules a correlation reads.
//! An event whose JSON the loader did not keep is re-read with the rest of
//! its file's candidates, so each file is decoded at most once.

use super::sigma::{Pivot, SigmaRule};
use super::{Finding, Group, LoadedRule, RunOutput, Semantics, finding_from, parse_raw};
use crate::event::fields::get;
use crate::event::{Event, Index, Interner, LoadError, Sym};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::HashMap;

/// Reads one indexed field of an event.
pub(crate) type Field = fn(&Event) -> Sym;

/// The index fields a Sigma detection can be narrowed by: each holds its
/// CloudTrail field's string value verbatim, or `Sym::NONE` when that
/// field was absent, null or not a string.
pub(crate) const PIVOTS: &[(&str, Field)] = &[
    ("eventName", |e| e.name),
    ("eventSource", |e| e.source),
    ("userIdentity.type", |e| e.actor_type),
    ("userIdentity.arn", |e| e.actor_arn),
    ("userIdentity.accessKeyId", |e| e.access_key),
    ("userAgent", |e| e.user_agent),
    ("sourceIPAddress", |e| e.src),
    ("awsRegion", |e| e.region),
    ("errorCode", |e| e.error_code),
];

/// A match: the rule's index, the event's, and why.
type Hit = (usize, usize, Vec<String>);

/// Runs every Sigma rule in `rules`; findings come in rule order, then
/// event order.
pub(super) fn run(rules: &[LoadedRule], index: &Index, out: &mut RunOutput) {
    let detections: Vec<(usize, &SigmaRule)> = rules
        .iter()
        .enumerate()
        .filter_map(|(ri, lr)| Some((ri, lr.sigma.as_deref()?)))
        .filter(|(_, sr)| sr.correlation.is_none())
        .collect();
    // The fields the correlations read of their rules' matches, taken as
    // each match is made.
    let needs = super::sigma_correlation::fields_needed(rules);
    let withheld = super::sigma_correlation::withheld(rules);
    let work = candidates(&detections, index);
    let batches = batches(&work, index);
    let results: Vec<Batch> = batches
        .into_par_iter()
        .map(|b| evaluate(&b, &work, &detections, rules, &needs, &withheld, index))
        .collect();
    let mut hits: Vec<(usize, usize, Option<Box<Finding>>)> = Vec::new();
    let mut taken: super::sigma_correlation::Taken = HashMap::new();
    for b in results {
        hits.extend(b.findings);
        for (ei, fields) in b.taken {
            let mine = taken.entry(ei).or_default();
            for (f, v) in fields {
                if !mine.iter().any(|(g, _)| *g == f) {
                    mine.push((f, v));
                }
            }
        }
        out.errors.extend(b.errors);
    }
    // The order is sorted, not the findings: a finding is a few hundred
    // bytes, and a stable sort moves each one many times.
    let mut order: Vec<(usize, usize, usize)> = hits
        .iter()
        .enumerate()
        .map(|(k, (ri, ei, _))| (*ri, *ei, k))
        .collect();
    order.sort_unstable();
    let mut by_rule: HashMap<usize, Vec<usize>> = HashMap::new();
    for (ri, ei, _) in &order {
        by_rule.entry(*ri).or_default().push(*ei);
    }
    let mut correlated = RunOutput::default();
    super::sigma_correlation::run(rules, &by_rule, index, &taken, &mut correlated);
    let mut slots: Vec<Option<Box<Finding>>> = hits.into_iter().map(|(_, _, f)| f).collect();
    out.findings.reserve(order.len());
    out.findings.extend(
        order
            .iter()
            .filter(|(ri, _, _)| !withheld.contains(ri))
            .filter_map(|&(_, _, k)| slots[k].take().map(|f| *f)),
    );
    out.findings.extend(correlated.findings);
    out.errors.extend(correlated.errors);
}

/// The candidates: `pairs` holds (event, rule position in `detections`)
/// sorted by event; `groups` one (event, start, end) range of `pairs` per
/// candidate event. Flat, so a candidate costs 12 bytes and no allocation
/// of its own.
struct Work {
    pairs: Vec<(u32, u32)>,
    groups: Vec<(u32, u32, u32)>,
}

/// The candidate events of every rule, in one pass over the events. A rule
/// whose first need pins `eventName` (or else `eventSource`) is looked at
/// only for events whose name (source) it admits — decided once per
/// distinct value, so most events cost two array lookups; a rule pinning
/// neither is tried on every event; the rule's other pinned fields then
/// narrow it. Nothing is listed per event but the candidates. A field the
/// index holds as `Sym::NONE` (absent, null, or not a string) is tried as
/// absent and as null: CloudTrail writes these fields as strings, and the
/// loader reports an event where one is not (such a field is then out of
/// the rule's reach).
fn candidates(detections: &[(usize, &SigmaRule)], index: &Index) -> Work {
    enum Start<'r> {
        Name(Test<'r>),
        Source(Test<'r>),
        Every,
    }
    let mut rules: Vec<(Start, Vec<Test>)> = detections
        .iter()
        .map(|(_, sr)| {
            let mut tests: Vec<Test> = sr.pivots.iter().map(Test::new).collect();
            let on = |t: &Test, field: &str| t.alts.iter().all(|a| a.0 == field);
            let start = if let Some(i) = tests.iter().position(|t| on(t, "eventName")) {
                Start::Name(tests.remove(i))
            } else if let Some(i) = tests.iter().position(|t| on(t, "eventSource")) {
                Start::Source(tests.remove(i))
            } else {
                Start::Every
            };
            (start, tests)
        })
        .collect();
    let every: Vec<u32> = (0..rules.len() as u32)
        .filter(|&d| matches!(rules[d as usize].0, Start::Every))
        .collect();
    // Which rules start from each name (source) symbol, found on first sight.
    let slots = index.strings.len() + 2;
    let mut by_name: Vec<Option<Vec<u32>>> = vec![None; slots];
    let mut by_source: Vec<Option<Vec<u32>>> = vec![None; slots];
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut these: Vec<u32> = Vec::new();
    for (ei, ev) in index.events.iter().enumerate() {
        these.clear();
        for name in [true, false] {
            let (sym, table) = if name {
                (ev.name, &mut by_name)
            } else {
                (ev.source, &mut by_source)
            };
            let Some(slot) = table.get_mut(sym.0 as usize) else {
                continue;
            };
            let list = slot.get_or_insert_with(|| {
                (0..rules.len() as u32)
                    .filter(|&d| match &mut rules[d as usize].0 {
                        Start::Name(t) if name => t.admits(ev, &index.strings),
                        Start::Source(t) if !name => t.admits(ev, &index.strings),
                        _ => false,
                    })
                    .collect()
            });
            these.extend_from_slice(list);
        }
        these.extend_from_slice(&every);
        these.sort_unstable();
        for &d in &these {
            if rules[d as usize]
                .1
                .iter_mut()
                .all(|t| t.admits(ev, &index.strings))
            {
                pairs.push((ei as u32, d));
            }
        }
    }
    let mut groups: Vec<(u32, u32, u32)> = Vec::new();
    for (k, &(ei, _)) in pairs.iter().enumerate() {
        match groups.last_mut() {
            Some((e, _, end)) if *e == ei => *end = k as u32 + 1,
            _ => groups.push((ei, k as u32, k as u32 + 1)),
        }
    }
    Work { pairs, groups }
}

/// A rule's [`Pivot`] over indexed events: an event is admitted when any
/// alternative holds for its field's value, decided once per value (per
/// symbol of the interner the events were made with).
pub(super) struct Test<'r> {
    alts: Vec<(&'r str, Field, &'r rsigma_eval::CompiledRule)>,
    seen: HashMap<(usize, Sym), bool>,
}

impl<'r> Test<'r> {
    pub(super) fn new(p: &'r Pivot) -> Self {
        let alts =
            p.0.iter()
                .filter_map(|(field, rule)| {
                    let get = PIVOTS.iter().find(|(f, _)| f == field)?.1;
                    Some((*field, get, rule.as_ref()))
                })
                .collect();
        Test {
            alts,
            seen: HashMap::new(),
        }
    }

    pub(super) fn admits(&mut self, ev: &Event, strings: &Interner) -> bool {
        for (ai, (field, get, rule)) in self.alts.iter().enumerate() {
            let sym = get(ev);
            let holds = *self
                .seen
                .entry((ai, sym))
                .or_insert_with(|| Pivot::holds(rule, field, strings.get(sym)));
            if holds {
                return true;
            }
        }
        false
    }
}

/// A slice of the work evaluated by one task: events the loader kept in
/// memory, or the candidates of one file, decoded once.
struct Task {
    /// Positions in `Work::groups`.
    items: Vec<u32>,
}

fn batches(work: &Work, index: &Index) -> Vec<Task> {
    const KEPT_CHUNK: usize = 4096;
    let mut kept: Vec<u32> = Vec::new();
    let mut by_file: HashMap<usize, Vec<u32>> = HashMap::new();
    for (gi, &(ei, _, _)) in work.groups.iter().enumerate() {
        let ev = &index.events[ei as usize];
        if index.has_kept_raw(ev) {
            kept.push(gi as u32);
        } else {
            by_file
                .entry(ev.loc().file as usize)
                .or_default()
                .push(gi as u32);
        }
    }
    let mut tasks: Vec<Task> = kept
        .chunks(KEPT_CHUNK)
        .map(|c| Task { items: c.to_vec() })
        .collect();
    let mut files: Vec<(usize, Vec<u32>)> = by_file.into_iter().collect();
    files.sort_unstable_by_key(|(f, _)| *f);
    tasks.extend(files.into_iter().map(|(_, items)| Task { items }));
    tasks
}

#[derive(Default)]
struct Batch {
    /// A match of a rule the correlations withhold has no finding; boxed,
    /// so that such a match costs a few words, not a finding's size.
    findings: Vec<(usize, usize, Option<Box<Finding>>)>,
    /// For a match of a rule a correlation refers to: the fields it reads.
    taken: Vec<(usize, Vec<(String, String)>)>,
    errors: Vec<LoadError>,
}

fn evaluate(
    task: &Task,
    work: &Work,
    detections: &[(usize, &SigmaRule)],
    rules: &[LoadedRule],
    needs: &HashMap<usize, Vec<String>>,
    withheld: &std::collections::HashSet<usize>,
    index: &Index,
) -> Batch {
    let mut out = Batch::default();
    let events: Vec<usize> = task
        .items
        .iter()
        .map(|&gi| work.groups[gi as usize].0 as usize)
        .collect();
    // Kept events are unpacked one at a time (a task's few thousand texts
    // at once were most of the run's memory); a file's are read together.
    let texts: Box<dyn Iterator<Item = Result<std::sync::Arc<str>, LoadError>>> = if events
        .iter()
        .all(|&ei| index.has_kept_raw(&index.events[ei]))
    {
        Box::new(events.iter().map(|&ei| index.raw(&index.events[ei])))
    } else {
        Box::new(index.raw_many(&events).into_iter())
    };
    for (&gi, text) in task.items.iter().zip(texts) {
        let (ei, start, end) = work.groups[gi as usize];
        let ei = ei as usize;
        let dets = work.pairs[start as usize..end as usize].iter().map(|p| p.1);
        let ev = &index.events[ei];
        let v = match text.and_then(|r| parse_raw(index, ev, &r)) {
            Ok(v) => v,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        let mut fields: Vec<(String, String)> = Vec::new();
        for di in dets {
            let (ri, sr) = detections[di as usize];
            let Some(m) = sr.matches(&v) else { continue };
            // A withheld rule's match only feeds its correlations.
            let f = (!withheld.contains(&ri))
                .then(|| Box::new(finding(rules, (ri, ei, sr.why(&m)), index, &v)));
            out.findings.push((ri, ei, f));
            for f in needs.get(&ri).into_iter().flatten() {
                if let Some(x) = get(&v, f)
                    && !fields.iter().any(|(g, _)| g == f)
                {
                    fields.push((f.clone(), x.into_owned()));
                }
            }
        }
        if !fields.is_empty() {
            out.taken.push((ei, fields));
        }
    }
    out
}

fn finding(rules: &[LoadedRule], (ri, ei, why): Hit, index: &Index, v: &Value) -> Finding {
    let lr = &rules[ri];
    let g = Group {
        events: vec![ei],
        why,
        parity: true,
        verdict: String::new(),
    };
    let mut f = finding_from(ri, lr, Semantics::Sigma, Vec::new(), g, index, v);
    if let Some(sr) = &lr.sigma {
        f.risk_score = sr.risk_score;
    }
    f
}
