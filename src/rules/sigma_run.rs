//! Running the Sigma rules over the index: one finding per matching event.
//!
//! A rule that pins `eventName` reads only those events, whose JSON the
//! loader kept. A rule that does not must read every event (those pinned
//! to an `eventSource` only its service's); re-reading an event from its
//! file decodes the whole file, so these rules share one pass that decodes
//! each file once and evaluates all of them on each event.

use super::sigma::SigmaRule;
use super::{Group, LoadedRule, RunOutput, Semantics, make_finding, parse_event, parse_raw};
use crate::event::{Index, LoadError, Loc, Sym};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;

/// A match: the rule's index, the event's, and why.
type Hit = (usize, usize, Vec<String>);

/// Runs every Sigma rule in `rules`; findings come in rule order, then
/// event order.
pub(super) fn run(
    rules: &[LoadedRule],
    index: &Index,
    parsed: &mut HashMap<usize, Value>,
    out: &mut RunOutput,
) {
    let mut hits: Vec<Hit> = Vec::new();
    let mut unpinned = Vec::new();
    for (ri, lr) in rules.iter().enumerate() {
        let Some(sr) = &lr.sigma else { continue };
        if sr.correlation.is_some() {
            continue;
        }
        if sr.event_names.is_none() {
            unpinned.push((ri, sr.as_ref()));
            continue;
        }
        let mut names = Candidates::new(&sr.event_names, index);
        let mut sources = Candidates::new(&sr.event_sources, index);
        for (ei, ev) in index.events.iter().enumerate() {
            if !names.admits(ev.name, index) || !sources.admits(ev.source, index) {
                continue;
            }
            let Some(v) = parse_event(index, ei, parsed, &mut out.errors) else {
                continue;
            };
            if let Some(m) = sr.matches(v) {
                hits.push((ri, ei, sr.why(&m)));
            }
        }
    }
    if !unpinned.is_empty() {
        every_event(&unpinned, index, parsed, &mut out.errors, &mut hits);
    }
    hits.sort_by_key(|h| (h.0, h.1));
    let mut by_rule: HashMap<usize, Vec<usize>> = HashMap::new();
    for (ri, ei, _) in &hits {
        by_rule.entry(*ri).or_default().push(*ei);
    }
    let mut correlated = RunOutput::default();
    let withheld = super::sigma_correlation::run(rules, &by_rule, index, parsed, &mut correlated);
    for (ri, ei, why) in hits {
        if withheld.contains(&ri) {
            continue;
        }
        let lr = &rules[ri];
        let g = Group {
            events: vec![ei],
            why,
            parity: true,
            verdict: String::new(),
        };
        let mut f = make_finding(ri, lr, Semantics::Sigma, Vec::new(), g, index, parsed);
        if let Some(sr) = &lr.sigma {
            f.risk_score = sr.risk_score;
        }
        out.findings.push(f);
    }
    out.findings.extend(correlated.findings);
    out.errors.extend(correlated.errors);
}

/// One pass for the rules that pin no event name: each file decoded once.
fn every_event(
    rules: &[(usize, &SigmaRule)],
    index: &Index,
    parsed: &mut HashMap<usize, Value>,
    errors: &mut Vec<LoadError>,
    hits: &mut Vec<Hit>,
) {
    let mut sources: Vec<Candidates> = rules
        .iter()
        .map(|(_, sr)| Candidates::new(&sr.event_sources, index))
        .collect();
    let mut by_file: Vec<Vec<usize>> = vec![Vec::new(); index.files.len()];
    for (ei, ev) in index.events.iter().enumerate() {
        let wanted = sources.iter_mut().any(|c| c.admits(ev.source, index));
        if let (true, Some(list)) = (wanted, by_file.get_mut(ev.loc().file as usize)) {
            list.push(ei);
        }
    }
    for (fi, events) in by_file.iter().enumerate() {
        if events
            .iter()
            .all(|&ei| index.kept_raw(&index.events[ei]).is_some())
        {
            for &ei in events {
                evaluate(rules, &mut sources, index, ei, None, parsed, errors, hits);
            }
            continue;
        }
        let text = whole_file(index, fi);
        for &ei in events {
            evaluate(
                rules,
                &mut sources,
                index,
                ei,
                text.as_deref(),
                parsed,
                errors,
                hits,
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn evaluate(
    rules: &[(usize, &SigmaRule)],
    sources: &mut [Candidates],
    index: &Index,
    ei: usize,
    file_text: Option<&str>,
    parsed: &mut HashMap<usize, Value>,
    errors: &mut Vec<LoadError>,
    hits: &mut Vec<Hit>,
) {
    let ev = &index.events[ei];
    let slice = || {
        let start = usize::try_from(ev.loc().offset).ok()?;
        let end = start.checked_add(ev.loc().len as usize)?;
        file_text?.get(start..end)
    };
    let raw: Result<Cow<str>, LoadError> = match (index.kept_raw(ev), ev.loc().splunk_raw) {
        (Some(r), _) => Ok(Cow::Borrowed(r)),
        (None, false) => match slice() {
            Some(t) => Ok(Cow::Borrowed(t)),
            None => index.raw(ev).map(|r| Cow::Owned(r.to_string())),
        },
        // A Splunk export line holds the event as a string: the reader unwraps it.
        (None, true) => index.raw(ev).map(|r| Cow::Owned(r.to_string())),
    };
    let v = match raw.and_then(|r| parse_raw(index, ev, &r)) {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            return;
        }
    };
    let mut matched = false;
    for ((ri, sr), src) in rules.iter().zip(sources.iter_mut()) {
        if !src.admits(ev.source, index) {
            continue;
        }
        if let Some(m) = sr.matches(&v) {
            hits.push((*ri, ei, sr.why(&m)));
            matched = true;
        }
    }
    // Only a finding's own event is kept parsed, not every event's.
    if matched {
        parsed.insert(ei, v);
    }
}

/// File `fi`'s decoded text, read once, or `None` (each event is then
/// re-read on its own, which reports any problem with the event's place).
fn whole_file(index: &Index, fi: usize) -> Option<String> {
    let f = index.files.get(fi)?;
    let loc = Loc {
        file: u32::try_from(fi).ok()?,
        line: 1,
        offset: 0,
        len: u32::try_from(f.inflated).ok()?,
        splunk_raw: false,
    };
    index.raw_at(&loc).ok()
}

/// The event names (or sources) a Sigma rule can match, checked once per
/// interned string.
struct Candidates<'r> {
    wanted: Option<&'r [String]>,
    seen: Vec<Option<bool>>,
}

impl<'r> Candidates<'r> {
    fn new(wanted: &'r Option<Vec<String>>, index: &Index) -> Self {
        Candidates {
            wanted: wanted.as_deref(),
            seen: vec![None; index.strings.len() + 1],
        }
    }

    fn admits(&mut self, sym: Sym, index: &Index) -> bool {
        let Some(wanted) = self.wanted else {
            return true;
        };
        let Some(slot) = self.seen.get_mut(sym.0 as usize) else {
            return false;
        };
        *slot.get_or_insert_with(|| {
            index
                .str(sym)
                .is_some_and(|n| wanted.iter().any(|w| w.eq_ignore_ascii_case(n)))
        })
    }
}
