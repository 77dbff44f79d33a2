//! What the key usage and related panes show: the hunt's analysis
//! ([`crate::rules::usage`]) of finding `i`, with its values escaped for the
//! screen.

use super::data::Data;
use crate::rules::usage::{self, Tally};
pub use crate::rules::usage::{MAX_RELATED, Related, RelatedRow};
use crate::sanitize::escape;

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

/// The key usage of finding `i`.
pub fn key_usage(data: &Data, i: usize) -> KeyUsage {
    let Some(u) = data
        .findings
        .get(i)
        .and_then(|f| data.key_usage.usage(&data.index, f))
    else {
        return KeyUsage::default();
    };
    let shown = |t: &[Tally]| -> Vec<(String, usize)> {
        t.iter()
            .map(|t| (escape(&t.value).into_owned(), t.count as usize))
            .collect()
    };
    KeyUsage {
        key: Some(escape(&u.key).into_owned()),
        ips: shown(&u.source_ips),
        agents: shown(&u.user_agents),
        calls: shown(&u.service_calls),
        first: u.first_time,
        last: u.last_time,
        events: u.events,
    }
}

/// Events within `window` ms either side of finding `i` made by its caller
/// or coming from its source IP, in time order.
pub fn related(data: &Data, i: usize, window: i64) -> Related {
    match data.findings.get(i) {
        Some(f) => usage::related(&data.index, f, window),
        None => Related::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::synthetic;

    #[test]
    fn key_usage_comes_from_an_index_built_once_with_the_data() {
        let data = synthetic::data_padded(40, 4_000, 300);
        // Every finding's new key was looked up in the one pass made when
        // the data was built, so opening the pane scans nothing.
        assert_eq!(data.key_usage.keys(), 40);
        let busy = key_usage(&data, 0);
        assert_eq!(busy.events.len(), 305);
        assert_eq!(busy.calls.first(), Some(&("s3:GetObject".to_string(), 300)));
        // The same answer as a scan of the index for that finding alone.
        for (i, f) in data.findings.iter().enumerate() {
            let scanned = usage::key_usage(&data.index, f).map(|u| u.events);
            assert_eq!(Some(key_usage(&data, i).events), scanned, "finding {i}");
        }
    }
}
