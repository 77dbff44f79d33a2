//! The console's state (the model). [`update`](mod@super::update) changes
//! it; [`super::view`] only reads it.
//!
//! [`App`] is the top of the state types and imports those below it —
//! [`super::data`] (rows, columns, groups), [`super::filter`],
//! [`super::triage`]'s `TriageState` and [`super::cursor`] — none of which
//! imports `app`.

use super::action::Pane;
use super::cursor::Cursor;
use super::data::{Col, Data, Group, GroupCol};
use super::filter::Filter;
use super::json::Doc;
use super::panes::{KeyUsage, Related};
use crate::event::Loc;
use crate::event::Progress;
use crate::event::time::to_utc;
use crate::event::zone::Zone;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

/// Loading, then ready.
#[derive(Clone, Debug)]
pub enum Phase {
    Loading {
        progress: Progress,
        /// The files are read; the rules are running.
        rules_running: bool,
        elapsed_ms: u64,
    },
    Ready,
}

/// Which top-level screen is showing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    List,
    Grouped,
    Detail,
    /// The allowlist's entries with their hit counts and states.
    Allowlist,
}

/// A window over the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help {
        scroll: usize,
    },
    Errors {
        scroll: usize,
    },
    /// Every status-line message so far, whole (`M`).
    Messages {
        scroll: usize,
    },
}

/// How many messages the log keeps: a long follow session must not grow
/// it without end.
pub const LOG_CAP: usize = 1000;

/// A status-line message kept in the log: when (Unix ms), what, and
/// whether it was a problem.
#[derive(Clone, Debug, PartialEq)]
pub struct Logged {
    pub at_ms: i64,
    pub text: String,
    pub problem: bool,
}

/// An action that waits for y/n because it touches more than the cursor
/// row (or cannot be taken back without `u`).
#[derive(Clone, Debug, PartialEq)]
pub enum Pending {
    Status(crate::triage::Status, Vec<usize>),
    /// Open the note line for these findings.
    Note(Vec<usize>),
    /// `y` (the Markdown block) or `Y` (raw JSON) of these findings.
    Copy {
        raw: bool,
        targets: Vec<usize>,
    },
    /// Delete this allowlist entry.
    Delete(crate::triage::Entry),
}

/// The y/n question on the bar and what a yes does.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirm {
    pub question: String,
    pub then: Pending,
}

/// The findings list: every finding in sort order, and those the filter lets through.
#[derive(Clone, Debug, PartialEq)]
pub struct ListState {
    pub order: Vec<u32>,
    pub visible: Vec<u32>,
    pub cursor: Cursor,
    pub sort: Col,
    pub desc: bool,
}

/// The grouped view.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupsState {
    pub groups: Vec<Group>,
    pub cursor: Cursor,
    pub sort: GroupCol,
    pub desc: bool,
}

/// The `/` filter line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilterState {
    pub text: String,
    pub editing: bool,
    pub parsed: Filter,
}

/// A search inside the raw event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchState {
    pub text: String,
    pub editing: bool,
    /// `(line, char offset)` of each match.
    pub matches: Vec<(usize, usize)>,
    pub current: usize,
}

/// Which event the raw pane shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawTarget {
    /// The selected finding's events and their copies.
    Finding,
    /// One event opened from the key usage or related list; Esc returns there.
    Event { event: usize, from: Pane },
}

/// A raw event to fetch or show: an event and which delivered copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RawKey {
    pub event: usize,
    /// 0 is the primary copy, then `Index::other_locs` in order.
    pub copy: usize,
}

/// One delivered copy the raw pane can step to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub key: RawKey,
    pub loc: Loc,
}

/// The raw pane.
#[derive(Clone, Debug, PartialEq)]
pub struct RawPane {
    pub target: RawTarget,
    /// Index into [`App::deliveries`].
    pub delivery: usize,
    pub scroll: usize,
    pub search: SearchState,
    /// The pretty-printed text of the delivery shown, once its raw text is in.
    pub doc: Option<(RawKey, Result<Doc, String>)>,
}

/// Time windows the related pane offers, in milliseconds either side of the finding.
pub const WINDOWS: [i64; 7] = [
    5 * 60_000,
    15 * 60_000,
    3_600_000,
    6 * 3_600_000,
    86_400_000,
    7 * 86_400_000,
    30 * 86_400_000,
];
/// The window the related pane starts with (one hour).
pub const DEFAULT_WINDOW: usize = 2;

/// The drill-down panes of one finding.
#[derive(Clone, Debug, PartialEq)]
pub struct DetailState {
    pub finding: usize,
    pub pane: Pane,
    pub risk_scroll: usize,
    pub raw: RawPane,
    pub keys: Option<(usize, KeyUsage)>,
    pub keys_cursor: Cursor,
    pub related: Option<(usize, usize, Related)>,
    pub related_cursor: Cursor,
    pub window: usize,
}

impl Default for DetailState {
    fn default() -> Self {
        DetailState {
            finding: 0,
            pane: Pane::Risk,
            risk_scroll: 0,
            raw: RawPane {
                target: RawTarget::Finding,
                delivery: 0,
                scroll: 0,
                search: SearchState::default(),
                doc: None,
            },
            keys: None,
            keys_cursor: Cursor::default(),
            related: None,
            related_cursor: Cursor::default(),
            window: DEFAULT_WINDOW,
        }
    }
}

/// A raw event's text, or why it could not be read.
pub type RawText = Result<Arc<str>, String>;

/// The whole console state.
#[derive(Debug)]
pub struct App {
    pub width: u16,
    pub height: u16,
    /// The paths named on the command line.
    pub paths: Vec<PathBuf>,
    pub phase: Phase,
    pub data: Option<Data>,
    /// The zone the toggle switches to (local, or `--tz`).
    pub alt_zone: Zone,
    /// Showing UTC (else `alt_zone`).
    pub utc: bool,
    pub screen: Screen,
    pub overlay: Overlay,
    pub list: ListState,
    pub groups: GroupsState,
    pub filter: FilterState,
    pub detail: DetailState,
    /// Raw events read so far.
    pub raw_cache: HashMap<RawKey, RawText>,
    /// Raw events asked for and not yet back.
    pub pending: HashSet<RawKey>,
    /// Statuses, the allowlist, marks and the triage inputs.
    pub triage: super::triage::TriageState,
    /// Keys of findings that arrived while following and are not viewed yet.
    pub fresh: HashSet<String>,
    /// Whether `--follow` is on (the header says so).
    pub following: bool,
    /// Why following stopped or could not start.
    pub follow_problem: Option<String>,
    /// Asking which format to export as.
    pub export_prompt: bool,
    /// A y/n question before a bulk or destructive action.
    pub confirm: Option<Confirm>,
    /// The findings the open note line is for.
    pub note_targets: Vec<usize>,
    /// The allowlist entry deleted last, which `u` restores.
    pub undo: Option<crate::triage::Entry>,
    /// Every status-line message, oldest first (`M` shows them).
    pub log: Vec<Logged>,
    /// Where exports are written (the working directory unless a test says).
    pub export_dir: PathBuf,
    /// The wall-clock time of the last [`super::update::Msg::Tick`], in Unix
    /// ms: what drafts, expiries and export names are dated by, and what the
    /// view shows an entry's state at. 0 until the runtime's first stamp.
    pub now_ms: i64,
}

impl App {
    /// A console about to load `paths`. With `tz`, times start in that
    /// zone and the toggle switches to UTC; without, they start in UTC and
    /// the toggle switches to the local zone.
    pub fn new(paths: Vec<PathBuf>, tz: Option<Zone>, width: u16, height: u16) -> App {
        App {
            width,
            height,
            paths,
            phase: Phase::Loading {
                progress: Progress::default(),
                rules_running: false,
                elapsed_ms: 0,
            },
            data: None,
            alt_zone: tz.unwrap_or(Zone::Local),
            utc: tz.is_none(),
            screen: Screen::List,
            overlay: Overlay::None,
            list: ListState {
                order: Vec::new(),
                visible: Vec::new(),
                cursor: Cursor::default(),
                sort: Col::Time,
                desc: false,
            },
            groups: GroupsState {
                groups: Vec::new(),
                cursor: Cursor::default(),
                sort: GroupCol::Findings,
                desc: true,
            },
            filter: FilterState::default(),
            detail: DetailState::default(),
            raw_cache: HashMap::new(),
            pending: HashSet::new(),
            triage: Default::default(),
            fresh: HashSet::new(),
            following: false,
            follow_problem: None,
            export_prompt: false,
            confirm: None,
            note_targets: Vec::new(),
            undo: None,
            log: Vec::new(),
            export_dir: PathBuf::from("."),
            now_ms: 0,
        }
    }

    /// The zone times are shown in now.
    pub fn zone(&self) -> Zone {
        if self.utc { Zone::Utc } else { self.alt_zone }
    }

    /// [`App::now_ms`] as a date.
    pub fn now(&self) -> DateTime<Utc> {
        to_utc(self.now_ms).unwrap_or_default()
    }

    /// Whether loading has finished.
    pub fn is_ready(&self) -> bool {
        matches!(self.phase, Phase::Ready) && self.data.is_some()
    }

    /// The finding selected in the list, if any.
    pub fn selected_finding(&self) -> Option<usize> {
        self.list
            .visible
            .get(self.list.cursor.selected)
            .map(|&i| i as usize)
    }

    /// The finding a note or a suppress form is about: the one open in the
    /// panes, else the one selected in the list.
    pub fn focused_finding(&self) -> Option<usize> {
        match self.screen {
            Screen::Detail => Some(self.detail.finding),
            _ => self.selected_finding(),
        }
    }

    /// The marked findings the list shows now. Marks the filter hides stay
    /// marked but are never acted on: nothing acts on what is not on screen.
    pub fn visible_marks(&self) -> Vec<usize> {
        if self.triage.marked.is_empty() {
            return Vec::new();
        }
        self.list
            .visible
            .iter()
            .filter(|i| self.triage.marked.contains(i))
            .map(|&i| i as usize)
            .collect()
    }

    /// The findings a status, note or copy applies to: in the panes the
    /// finding shown; in the list the marked ones the list shows, or else
    /// the selected one.
    pub fn targets(&self) -> Vec<usize> {
        if self.screen == Screen::Detail {
            return vec![self.detail.finding];
        }
        let marks = self.visible_marks();
        if marks.is_empty() {
            self.selected_finding().into_iter().collect()
        } else {
            marks
        }
    }

    /// The copies the raw pane can step through: for a finding, each of its
    /// events with each delivered copy; for one event, its copies.
    pub fn deliveries(&self) -> Vec<Delivery> {
        let Some(data) = &self.data else {
            return Vec::new();
        };
        let events: Vec<usize> = match self.detail.raw.target {
            RawTarget::Finding => data
                .findings
                .get(self.detail.finding)
                .map(|f| f.events.clone())
                .unwrap_or_default(),
            RawTarget::Event { event, .. } => vec![event],
        };
        let mut out = Vec::new();
        for e in events {
            let Some(ev) = data.index.events.get(e) else {
                continue;
            };
            let others = data.index.other_locs(ev).iter().copied();
            for (copy, loc) in std::iter::once(ev.loc()).chain(others).enumerate() {
                out.push(Delivery {
                    key: RawKey { event: e, copy },
                    loc,
                });
            }
        }
        out
    }

    /// The delivered copy the raw pane shows.
    pub fn delivery(&self) -> Option<Delivery> {
        self.deliveries().get(self.detail.raw.delivery).copied()
    }
}
