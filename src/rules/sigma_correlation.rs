//! Sigma correlation rules (`event_count`, `value_count`, `temporal`,
//! `temporal_ordered`) over the matches of the detection rules they refer to.
//!
//! Start at [`run`]. trailhunt has every event at once, so a correlation is
//! not streamed: the referred rules' matches become [`Point`]s, split by the
//! `group-by` values (through `aliases`), sorted by time once, and
//! [`windows`] slides one window per group over them. Each match is one
//! finding spanning its events.
//!
//! Windows: a window starts at an event not yet in a finding and holds the
//! events no later than `timespan` after it — an event exactly `timespan`
//! later is inside ("within 1h" includes 1h). A match consumes its events,
//! so a burst gives one finding, not one per event.

use super::sigma::{Correlation, CorrelationKind, SigmaRule};
use super::{Group, LoadedRule, RunOutput, Semantics, finding_from, name_from, parse_raw};
use crate::event::{Index, LoadError};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// One detection match as a correlation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    /// Milliseconds since the epoch.
    pub time: i64,
    /// The event (index into the index's events).
    pub event: usize,
    /// Which referred rule matched: its position in the correlation's `rules`.
    pub role: usize,
    /// The `group-by` values, in order.
    pub group: Vec<String>,
    /// `value_count`: the counted field's value.
    pub value: Option<String>,
}

/// The correlation's matches: each a list of indices into `points`, in time
/// order.
pub fn windows(c: &Correlation, points: &[Point]) -> Vec<Vec<usize>> {
    let mut groups: HashMap<&[String], Vec<usize>> = HashMap::new();
    let mut order: Vec<&[String]> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        groups
            .entry(&p.group)
            .or_insert_with(|| {
                order.push(&p.group);
                Vec::new()
            })
            .push(i);
    }
    let mut out = Vec::new();
    for key in order {
        let mut g = groups.remove(key).unwrap_or_default();
        g.sort_by_key(|&i| (points[i].time, points[i].event, points[i].role));
        match c.kind {
            CorrelationKind::EventCount | CorrelationKind::ValueCount => {
                // An event two referred rules match is still one event.
                g.dedup_by_key(|i| points[*i].event);
                threshold(c, points, &g, &mut out);
            }
            CorrelationKind::Temporal => temporal(c, points, &g, &mut out),
            CorrelationKind::TemporalOrdered => ordered(c, points, &g, &mut out),
        }
    }
    out
}

fn holds(c: &Correlation, n: u64) -> bool {
    c.predicates.iter().all(|&(op, bound)| op.holds(n, bound))
}

/// `event_count` / `value_count`: the largest window from each start.
fn threshold(c: &Correlation, pts: &[Point], g: &[usize], out: &mut Vec<Vec<usize>>) {
    let values = c.kind == CorrelationKind::ValueCount;
    let mut distinct: HashMap<&str, usize> = HashMap::new();
    let (mut l, mut r) = (0, 0);
    while l < g.len() {
        let start = pts[g[l]].time;
        while r < g.len() && pts[g[r]].time - start <= c.timespan_ms {
            if let Some(v) = &pts[g[r]].value {
                *distinct.entry(v).or_default() += 1;
            }
            r += 1;
        }
        let n = if values { distinct.len() } else { r - l };
        if holds(c, n as u64) {
            out.push(g[l..r].to_vec());
            distinct.clear();
            l = r;
            continue;
        }
        if let Some(v) = &pts[g[l]].value
            && let Some(k) = distinct.get_mut(v.as_str())
        {
            *k -= 1;
            if *k == 0 {
                distinct.remove(v.as_str());
            }
        }
        l += 1;
    }
}

/// `temporal`: the shortest window from each start in which enough
/// different referred rules matched.
fn temporal(c: &Correlation, pts: &[Point], g: &[usize], out: &mut Vec<Vec<usize>>) {
    let mut roles = vec![0usize; c.rules.len()];
    let mut distinct = 0usize;
    let (mut l, mut r) = (0, 0);
    while l < g.len() {
        let start = pts[g[l]].time;
        while !holds(c, distinct as u64) && r < g.len() && pts[g[r]].time - start <= c.timespan_ms {
            let k = &mut roles[pts[g[r]].role];
            if *k == 0 {
                distinct += 1;
            }
            *k += 1;
            r += 1;
        }
        if r > l && holds(c, distinct as u64) {
            out.push(g[l..r].to_vec());
            roles.iter_mut().for_each(|k| *k = 0);
            distinct = 0;
            l = r;
            continue;
        }
        if r > l {
            let k = &mut roles[pts[g[l]].role];
            *k -= 1;
            if *k == 0 {
                distinct -= 1;
            }
        }
        l += 1;
        r = r.max(l);
    }
}

/// `temporal_ordered`: every referred rule, in the order written, by
/// different events, the last no later than `timespan` after the first.
/// The earliest chain from each first event is taken (greedy is enough for
/// a subsequence); its events are used up. Events of the same time have no
/// known order (CloudTrail times are whole seconds, and files list events
/// in any order), so a step may be at the time of the step before it.
fn ordered(c: &Correlation, pts: &[Point], g: &[usize], out: &mut Vec<Vec<usize>>) {
    let mut used: HashSet<usize> = HashSet::new();
    for &first in g {
        let p = &pts[first];
        if p.role != 0 || used.contains(&p.event) {
            continue;
        }
        let mut chain = vec![first];
        while chain.len() < c.rules.len() {
            let after = pts[chain[chain.len() - 1]].time;
            let lo = g.partition_point(|&i| pts[i].time < after);
            let next = g[lo..]
                .iter()
                .copied()
                .take_while(|&j| pts[j].time - p.time <= c.timespan_ms)
                .find(|&j| {
                    let q = &pts[j];
                    q.role == chain.len()
                        && !used.contains(&q.event)
                        && !chain.iter().any(|&i| pts[i].event == q.event)
                });
            match next {
                Some(j) => chain.push(j),
                None => break,
            }
        }
        if chain.len() == c.rules.len() {
            used.extend(chain.iter().map(|&i| pts[i].event));
            out.push(chain);
        }
    }
}

/// Which loaded detection rule each correlation's reference names, or why
/// the correlation cannot run.
pub(super) fn resolve(rules: &[LoadedRule], c: &Correlation) -> Result<Vec<usize>, String> {
    c.rules
        .iter()
        .map(|want| {
            let named = |lr: &LoadedRule| {
                lr.sigma.as_ref().is_some_and(|s| {
                    s.sigma_id.as_deref() == Some(want) || s.sigma_name.as_deref() == Some(want)
                })
            };
            match rules.iter().position(named) {
                None => Err(format!(
                    "refers to rule `{want}`, which is not loaded (no Sigma rule has that id or name)"
                )),
                Some(ri) if rules[ri].sigma.as_ref().is_some_and(|s| s.correlation.is_some()) => {
                    Err(format!(
                        "refers to correlation `{want}`: correlations of correlations are not supported"
                    ))
                }
                Some(ri) => Ok(ri),
            }
        })
        .collect()
}

/// The field a group-by entry reads in the events of referred rule `sr`
/// (written as `reference`): its alias mapping, else the entry itself.
fn field_for<'c>(c: &'c Correlation, entry: &'c str, reference: &str, sr: &SigmaRule) -> &'c str {
    let Some((_, mapping)) = c.aliases.iter().find(|(a, _)| a == entry) else {
        return entry;
    };
    mapping
        .iter()
        .find(|(r, _)| {
            r == reference
                || sr.sigma_name.as_deref() == Some(r.as_str())
                || sr.sigma_id.as_deref() == Some(r.as_str())
        })
        .map(|(_, f)| f.as_str())
        .unwrap_or(entry)
}

/// The key a sequence created: looked up in every event of a correlation's
/// match (see [`run`]).
const NEW_KEY: &str = "responseElements.accessKey.accessKeyId";

/// For each detection rule a correlation refers to, the fields the
/// correlation reads of its matches (group-by fields through aliases, the
/// counted field, the created key): taken from the event when it matches,
/// so its parsed JSON need not be kept until the correlations run.
pub(super) fn fields_needed(rules: &[LoadedRule]) -> HashMap<usize, Vec<String>> {
    let mut out: HashMap<usize, Vec<String>> = HashMap::new();
    for lr in rules {
        let Some(c) = lr.sigma.as_ref().and_then(|s| s.correlation.as_ref()) else {
            continue;
        };
        let Ok(refs) = resolve(rules, c) else {
            continue;
        };
        for (&ri, reference) in refs.iter().zip(&c.rules) {
            let Some(target) = rules[ri].sigma.as_deref() else {
                continue;
            };
            let v = out.entry(ri).or_default();
            let mut add = |f: &str| {
                if !v.iter().any(|x| x == f) {
                    v.push(f.to_string());
                }
            };
            for g in &c.group_by {
                add(field_for(c, g, reference, target));
            }
            if let Some(f) = &c.field {
                add(f);
            }
            add(NEW_KEY);
        }
    }
    out
}

/// What [`fields_needed`] took from a matching event: field → value.
pub(super) type Taken = HashMap<usize, Vec<(String, String)>>;

fn taken<'t>(taken: &'t Taken, ei: usize, field: &str) -> Option<&'t str> {
    taken
        .get(&ei)?
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, v)| v.as_str())
}

/// An event's full JSON, read back for a correlation's finding (a few
/// events per finding; the rest were never kept).
fn full(index: &Index, ei: usize) -> Result<Value, LoadError> {
    let ev = &index.events[ei];
    index.raw(ev).and_then(|r| parse_raw(index, ev, &r))
}

/// The detection rules whose own findings the correlations withhold
/// (referred to, and by no correlation that says `generate: true`), known
/// before any event is read so that no finding is built only to be
/// dropped. A correlation that does not resolve withholds nothing.
pub(super) fn withheld(rules: &[LoadedRule]) -> HashSet<usize> {
    let mut withheld = HashSet::new();
    let mut generated = HashSet::new();
    for lr in rules {
        let Some(c) = lr.sigma.as_ref().and_then(|s| s.correlation.as_ref()) else {
            continue;
        };
        let Ok(refs) = resolve(rules, c) else {
            continue;
        };
        if c.generate {
            generated.extend(refs);
        } else {
            withheld.extend(refs);
        }
    }
    withheld.retain(|ri| !generated.contains(ri));
    withheld
}

/// Runs every correlation rule over `hits` (rule index → matching events, in
/// event order).
pub(super) fn run(
    rules: &[LoadedRule],
    hits: &HashMap<usize, Vec<usize>>,
    index: &Index,
    fields: &Taken,
    out: &mut RunOutput,
) {
    for (ci, lr) in rules.iter().enumerate() {
        let Some(sr) = &lr.sigma else { continue };
        let Some(c) = &sr.correlation else { continue };
        let refs = match resolve(rules, c) {
            Ok(r) => r,
            Err(m) => {
                out.errors.push(LoadError {
                    path: c.path.clone(),
                    line: c.line.and_then(|l| u32::try_from(l).ok()),
                    offset: None,
                    message: format!("correlation rule `{}`: {m}", lr.rule.name),
                    ends_early: false,
                });
                continue;
            }
        };
        let mut points = Vec::new();
        for (role, (&ri, reference)) in refs.iter().zip(&c.rules).enumerate() {
            let Some(target) = rules[ri].sigma.as_deref() else {
                continue;
            };
            for &ei in hits.get(&ri).into_iter().flatten() {
                let Some(time) = index.events[ei].time() else {
                    continue;
                };
                // An event without a group-by value belongs to no group.
                let group: Option<Vec<String>> = c
                    .group_by
                    .iter()
                    .map(|g| {
                        taken(fields, ei, field_for(c, g, reference, target)).map(str::to_string)
                    })
                    .collect();
                let Some(group) = group else { continue };
                let value = match &c.field {
                    Some(f) => match taken(fields, ei, f) {
                        Some(s) => Some(s.to_string()),
                        // value_count counts values; an event without one adds none.
                        None => continue,
                    },
                    None => None,
                };
                points.push(Point {
                    time,
                    event: ei,
                    role,
                    group,
                    value,
                });
            }
        }
        for m in windows(c, &points) {
            let mut events: Vec<usize> = m.iter().map(|&i| points[i].event).collect();
            events.dedup();
            let group = points[m[0]].group.clone();
            let why = why(lr, c, &points, &m, index, rules, &refs);
            let g = Group {
                events,
                why,
                parity: true,
                verdict: String::new(),
            };
            // A file changed since the load is said, not a finding lost quietly.
            let first = match full(index, g.events[0]) {
                Ok(v) => v,
                Err(e) => {
                    out.errors.push(e);
                    continue;
                }
            };
            let mut f = finding_from(ci, lr, Semantics::Sigma, Vec::new(), g, index, &first);
            f.group = c
                .group_by
                .iter()
                .cloned()
                .zip(group.into_iter().map(Some))
                .collect();
            f.risk_score = sr.risk_score;
            let subject = c.fields_from.as_ref().and_then(|want| {
                m.iter()
                    .map(|&i| &points[i])
                    .find(|p| c.rules[p.role] == *want)
                    .and_then(|p| full(index, p.event).ok())
            });
            if let Some(v) = subject {
                name_from(&mut f, &lr.rule, &v);
            }
            // The key a sequence created, whichever step created it.
            if f.new_key.is_none() {
                f.new_key = m
                    .iter()
                    .find_map(|&i| taken(fields, points[i].event, NEW_KEY).map(str::to_string));
            }
            f.roles = m
                .iter()
                .map(|&i| (points[i].event, c.rules[points[i].role].clone()))
                .collect();
            out.findings.push(f);
        }
    }
}

/// Why a correlation matched: its condition, the group, and each event's
/// time and role (which referred rule it matched).
fn why(
    lr: &LoadedRule,
    c: &Correlation,
    points: &[Point],
    m: &[usize],
    index: &Index,
    rules: &[LoadedRule],
    refs: &[usize],
) -> Vec<String> {
    let sr = lr.sigma.as_deref();
    let mut why: Vec<String> = sr
        .map(|s| {
            s.conditions
                .iter()
                .map(|c| format!("correlation `{c}` holds"))
        })
        .into_iter()
        .flatten()
        .collect();
    let group = c
        .group_by
        .iter()
        .zip(&points[m[0]].group)
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    if !group.is_empty() {
        why.push(format!("group {group}"));
    }
    if let Some(f) = &c.field {
        let mut vals: Vec<&str> = m
            .iter()
            .filter_map(|&i| points[i].value.as_deref())
            .collect();
        vals.sort();
        vals.dedup();
        why.push(format!(
            "{} distinct value(s) of {f}: {}",
            vals.len(),
            vals.join(", ")
        ));
    }
    for (n, &i) in m.iter().enumerate() {
        let p = &points[i];
        let name = index.str(index.events[p.event].name).unwrap_or("?");
        let rule = &rules[refs[p.role]].rule.name;
        why.push(format!(
            "event {} at {}: {name} matched `{}` ({rule})",
            n + 1,
            crate::event::time::rfc3339(Some(p.time)).unwrap_or_default(),
            c.rules[p.role]
        ));
    }
    why
}

#[cfg(test)]
#[path = "sigma_correlation_tests.rs"]
mod tests;
