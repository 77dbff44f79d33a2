//! Which events the loader keeps the raw JSON of in memory: the ones some
//! rule will read in full. Every other event's JSON is re-read from its file
//! when it is shown, so what is kept is a trade of memory for re-reads and
//! never changes what a rule finds.

use super::{Event, Interner};
use std::sync::Arc;

/// The loader's choice of events to keep the raw JSON of.
#[derive(Clone, Debug, Default)]
pub struct KeepRaw {
    /// Event names (compared case-insensitively); an event of any other
    /// name is never kept.
    pub names: Vec<String>,
    /// Narrows the choice among events of those names (for example to the
    /// events whose indexed fields a rule's detection admits); `None` keeps
    /// every one of them.
    pub narrow: Option<Arc<dyn Narrow>>,
}

/// Decides for one event, given the interner its symbols come from.
pub type Decider<'a> = Box<dyn FnMut(&Event, &Interner) -> bool + 'a>;

/// A finer choice than by name, made from an event's indexed fields.
pub trait Narrow: Send + Sync + std::fmt::Debug {
    /// A decider for one file's events. Their symbols are that file's own
    /// interner's (passed with each event), so a decider may remember its
    /// answers by symbol for as long as it lives.
    fn per_file(&self) -> Decider<'_>;

    /// What the choice depends on, stable across runs: part of the index
    /// cache's key, since the cache holds the kept JSON.
    fn key(&self) -> String;
}

impl KeepRaw {
    /// Keeps every event of these names.
    pub fn names<S: Into<String>>(names: impl IntoIterator<Item = S>) -> KeepRaw {
        KeepRaw {
            names: names.into_iter().map(Into::into).collect(),
            narrow: None,
        }
    }

    /// What the choice depends on, for the index cache's key.
    pub fn key(&self) -> String {
        let mut names: Vec<String> = self.names.iter().map(|s| s.to_ascii_lowercase()).collect();
        names.sort();
        names.dedup();
        let narrow = self.narrow.as_ref().map(|n| n.key()).unwrap_or_default();
        format!("{}|{narrow}", names.join(","))
    }

    /// Whether events named `name` may be kept at all.
    pub fn admits_name(&self, name: Option<&str>) -> bool {
        name.is_some_and(|n| self.names.iter().any(|k| k.eq_ignore_ascii_case(n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_ignores_name_order_and_case_and_names_the_narrowing() {
        let a = KeepRaw::names(["CreateAccessKey", "GetUser"]);
        let b = KeepRaw::names(["getuser", "createaccesskey", "GetUser"]);
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), KeepRaw::names(["GetUser"]).key());
        #[derive(Debug)]
        struct Odd;
        impl Narrow for Odd {
            fn per_file(&self) -> Decider<'_> {
                Box::new(|ev, _| ev.loc().line % 2 == 1)
            }
            fn key(&self) -> String {
                "odd lines".into()
            }
        }
        let narrowed = KeepRaw {
            narrow: Some(Arc::new(Odd)),
            ..a.clone()
        };
        assert_ne!(narrowed.key(), a.key());
        assert!(a.admits_name(Some("createACCESSkey")));
        assert!(!a.admits_name(Some("ListUsers")));
        assert!(!a.admits_name(None));
    }
}
