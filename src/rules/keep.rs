//! Which events' raw JSON the loader keeps for a rule set: the candidates
//! of the rules that name their events. A Sigma rule's candidates are the
//! events of its names whose indexed fields meet its pivots (see
//! [`super::sigma::index_tests`]) — the very test the run starts from, so
//! every event the run will parse is in memory and no other is. A rule that
//! names no event keeps nothing: its candidates are re-read from their files
//! (a rule that reads every assumed-role session would otherwise hold a
//! third of the trail).

use super::sigma::Pivot;
use super::sigma_run::Test;
use crate::event::Sym;
use crate::event::keep::{Decider, Narrow};
use std::collections::HashMap;

/// One rule's share: events named one of `names` (lower-cased) whose
/// indexed fields meet every pivot (none: every event of those names).
#[derive(Debug)]
struct Want {
    names: Vec<String>,
    pivots: Vec<Pivot>,
}

/// The rules' candidates, as the loader's [`Narrow`].
#[derive(Debug, Default)]
pub(super) struct Candidates {
    wants: Vec<Want>,
    /// What `wants` was made from (each rule's names and file digest).
    key: String,
}

impl Candidates {
    /// Every event of `names`.
    pub(super) fn all_of(&mut self, names: Vec<String>, what: &str) {
        if names.is_empty() {
            return;
        }
        self.key.push_str(&format!("{what}:{};", names.join(",")));
        self.wants.push(Want {
            names: names.iter().map(|n| n.to_lowercase()).collect(),
            pivots: Vec::new(),
        });
    }

    /// The events of `names` whose indexed fields meet `pivots`.
    pub(super) fn narrowed(&mut self, names: Vec<String>, pivots: Vec<Pivot>, what: &str) {
        if pivots.is_empty() {
            return self.all_of(names, what);
        }
        if names.is_empty() {
            return;
        }
        self.key
            .push_str(&format!("{what}:{}+pivots;", names.join(",")));
        self.wants.push(Want {
            names: names.iter().map(|n| n.to_lowercase()).collect(),
            pivots,
        });
    }
}

impl Narrow for Candidates {
    fn per_file(&self) -> Decider<'_> {
        let mut tests: Vec<Vec<Test>> = self
            .wants
            .iter()
            .map(|w| w.pivots.iter().map(Test::new).collect())
            .collect();
        // The rules that want each name, found on first sight of it.
        let mut by_name: HashMap<Sym, Vec<usize>> = HashMap::new();
        Box::new(move |ev, strings| {
            let wants = by_name.entry(ev.name).or_insert_with(|| {
                let Some(name) = strings.get(ev.name).map(str::to_lowercase) else {
                    return Vec::new();
                };
                (0..self.wants.len())
                    .filter(|&w| self.wants[w].names.contains(&name))
                    .collect()
            });
            wants
                .iter()
                .any(|&w| tests[w].iter_mut().all(|t| t.admits(ev, strings)))
        })
    }

    fn key(&self) -> String {
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(self.key.as_bytes()))
    }
}
