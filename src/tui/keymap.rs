//! The key table: data that the dispatcher, the `?` help overlay and the
//! context bar all read, so help cannot drift from behaviour.
//!
//! Start at [`KEYMAP`], one binding a line. Each [`Binding`] names its
//! keys, the [`Context`] it applies in, the [`Action`] it triggers and a
//! description. [`contexts`] says which contexts are active for a state,
//! most specific first; [`dispatch`] takes the first binding of the first
//! active context that has the key. [`help_lines`] and [`bar`] are made from
//! the same table. (The mouse has no table: where a click lands decides its
//! action, in [`super::update::mouse_action`].)

use super::action::{Action, Pane};
use super::app::{App, Overlay, Screen};
use super::key::Key;
use crate::report::ExportFormat;
use crate::triage::Status;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Everywhere (outside text input, where letters are text).
    Global,
    /// Wherever there is something to move through or scroll.
    Move,
    /// The findings list.
    List,
    /// The caller → target groups.
    Grouped,
    /// Any drill-down pane.
    Detail,
    /// The raw event pane.
    Raw,
    /// The lists of events in the key usage and related panes.
    Events,
    /// The related pane.
    Related,
    /// Typing a filter.
    Filter,
    /// Typing a search in the raw event.
    Search,
    /// The help overlay.
    Help,
    /// The load error list.
    Errors,
    /// The allowlist screen.
    Allowlist,
    /// The suppress form.
    Form,
    /// Typing a note.
    Note,
    /// Choosing an export format.
    Export,
    /// A y/n question before a bulk or destructive action.
    Confirm,
    /// The message log.
    Messages,
}

impl Context {
    /// The heading of the context's section in help.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Anywhere",
            Context::Move => "Moving",
            Context::List => "Findings list",
            Context::Grouped => "Grouped by caller → target",
            Context::Detail => "Drill-down panes",
            Context::Raw => "Raw event pane",
            Context::Events => "Key usage and related lists",
            Context::Related => "Related pane",
            Context::Filter => "Typing a filter",
            Context::Search => "Typing a search",
            Context::Help => "Help",
            Context::Errors => "Load errors",
            Context::Allowlist => "Allowlist",
            Context::Form => "Suppress form",
            Context::Note => "Typing a note",
            Context::Export => "Export",
            Context::Confirm => "Confirming",
            Context::Messages => "Message log",
        }
    }

    /// Contexts in help's order.
    #[rustfmt::skip]
    pub const ALL: [Context; 18] = [
        C::Global, C::Move, C::List, C::Allowlist, C::Grouped, C::Detail, C::Raw, C::Events,
        C::Related, C::Filter, C::Search, C::Help, C::Errors, C::Messages, C::Form, C::Note,
        C::Export, C::Confirm,
    ];

    /// Contexts where a plain character is text rather than a command.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Context::Filter | Context::Search | Context::Form | Context::Note
        )
    }
}

/// What triggers a binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// Any of these keys.
    These(&'static [Key]),
    /// Any printable character (text input).
    AnyChar,
}

/// One row of the key table.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub keys: Keys,
    pub context: Context,
    pub action: Action,
    /// What help says the binding does.
    pub desc: &'static str,
    /// The short word the context bar shows, when the binding earns a place there.
    pub bar: Option<&'static str>,
    /// How the bar writes the keys, when a group of bindings shares one
    /// entry (`1-4`); else the first key's label.
    pub bar_keys: Option<&'static str>,
}

impl Binding {
    /// Puts the binding on the context bar as `word`.
    const fn bar(self, word: &'static str) -> Binding {
        Binding {
            bar: Some(word),
            ..self
        }
    }

    /// Puts the binding on the context bar as `word`, its keys written
    /// `keys` for a group of bindings (`1-4`).
    const fn bar_as(self, keys: &'static str, word: &'static str) -> Binding {
        Binding {
            bar: Some(word),
            bar_keys: Some(keys),
            ..self
        }
    }
}

/// `keys` do `action` in `context`; help says `desc`.
const fn on(context: Context, keys: &'static [Key], action: Action, desc: &'static str) -> Binding {
    Binding {
        keys: Keys::These(keys),
        context,
        action,
        desc,
        bar: None,
        bar_keys: None,
    }
}

/// Any printable character is text in `context`; help says `desc`.
const fn typing(context: Context, desc: &'static str) -> Binding {
    Binding {
        keys: Keys::AnyChar,
        ..on(context, &[], Action::Type(' '), desc)
    }
}

/// A plain character key.
const fn ch(c: char) -> Key {
    Key::code(KeyCode::Char(c))
}

/// A character with Ctrl.
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

const ENTER: Key = Key::code(KeyCode::Enter);
const ESC: Key = Key::code(KeyCode::Esc);
const TAB: Key = Key::code(KeyCode::Tab);
const BACKTAB: Key = Key::code(KeyCode::BackTab);
const BKSP: Key = Key::code(KeyCode::Backspace);
const UP: Key = Key::code(KeyCode::Up);
const DOWN: Key = Key::code(KeyCode::Down);
const PGUP: Key = Key::code(KeyCode::PageUp);
const PGDN: Key = Key::code(KeyCode::PageDown);
const HOME: Key = Key::code(KeyCode::Home);
const END: Key = Key::code(KeyCode::End);

use Action as A;
use Context as C;
use ExportFormat as F;
use Status as S;

/// The key table, one binding a line: context, keys, action, what help
/// says, and `.bar(…)` when it earns a place on the context bar. Within a
/// context the first binding with a key wins, and help lists them in this
/// order.
#[rustfmt::skip]
pub static KEYMAP: &[Binding] = &[
    // Text input first: while typing, these win over every other context.
    on(C::Filter,    &[ENTER],              A::Accept, "keep the filter and go back to the list").bar("keep"),
    on(C::Filter,    &[ESC],                A::Cancel, "clear the filter").bar("clear"),
    on(C::Filter,    &[BKSP],               A::DeleteBack, "delete a character"),
    on(C::Filter,    &[ctrl('u')],          A::ClearInput, "delete everything typed"),
    typing(C::Filter, "words match fuzzily within a field; actor: target: src: agent: event: key: rule: account: region: status: after: before: match fields; ! negates").bar("type to filter"),
    on(C::Search,    &[ENTER],              A::Accept, "search and jump to the first match").bar("search"),
    on(C::Search,    &[ESC],                A::Cancel, "stop searching").bar("cancel"),
    on(C::Search,    &[BKSP],               A::DeleteBack, "delete a character"),
    on(C::Search,    &[ctrl('u')],          A::ClearInput, "delete everything typed"),
    typing(C::Search, "text to find (case-insensitive)"),
    // The suppress form.
    on(C::Form,      &[ENTER],              A::Accept, "save the entry (it applies at once)").bar("save"),
    on(C::Form,      &[ESC],                A::Cancel, "close without saving").bar("cancel"),
    on(C::Form,      &[TAB, DOWN],          A::NextField, "next line").bar_as("Tab/↑↓", "move"),
    on(C::Form,      &[BACKTAB, UP],        A::PrevField, "previous line"),
    on(C::Form,      &[BKSP],               A::DeleteBack, "delete a character"),
    on(C::Form,      &[ctrl('u')],          A::ClearInput, "delete everything typed"),
    typing(C::Form, "on a condition, Space ticks it; on reason and expiry (30d, 2026-12-31, empty: never), text").bar("Space tick"),
    // The note line.
    on(C::Note,      &[ENTER],              A::Accept, "add the note (stamped with who and when)").bar("add"),
    on(C::Note,      &[ESC],                A::Cancel, "throw the note away").bar("cancel"),
    on(C::Note,      &[BKSP],               A::DeleteBack, "delete a character"),
    on(C::Note,      &[ctrl('u')],          A::ClearInput, "delete everything typed"),
    typing(C::Note, "the note's text"),
    // Choosing an export format.
    on(C::Export,    &[ch('m')],            A::Export(F::Markdown), "Markdown report").bar_as("m/c/j/l/h", "format"),
    on(C::Export,    &[ch('c')],            A::Export(F::Csv), "CSV, one row per finding"),
    on(C::Export,    &[ch('j')],            A::Export(F::Json), "JSON array"),
    on(C::Export,    &[ch('l')],            A::Export(F::Ndjson), "JSON lines (one finding per line)"),
    on(C::Export,    &[ch('h')],            A::Export(F::Html), "HTML report"),
    on(C::Export,    &[ESC, ch('q')],       A::ExportPrompt, "do not export").bar("cancel"),
    // A question before touching several findings or deleting an entry.
    on(C::Confirm,   &[ch('y'), ENTER],     A::Yes, "yes, do it").bar("yes"),
    on(C::Confirm,   &[ch('n'), ESC],       A::No, "no, leave everything as it is").bar("no"),
    on(C::Confirm,   &[ctrl('c')],          A::Quit, "quit"),
    // Overlays.
    on(C::Help,      &[ESC, ch('?')],       A::Help, "close help").bar("close"),
    on(C::Errors,    &[ESC, ch('L')],       A::Errors, "close the error list").bar("close"),
    on(C::Messages,  &[ESC, ch('M')],       A::Messages, "close the message log").bar("close"),
    // The findings list.
    on(C::List,      &[ENTER],              A::Open, "open the selected finding").bar("open"),
    on(C::List,      &[ch('1')],            A::Show(Pane::Risk), "open the finding's risk pane").bar_as("1-4", "panes"),
    on(C::List,      &[ch('2')],            A::Show(Pane::Raw), "open the finding's raw event"),
    on(C::List,      &[ch('3')],            A::Show(Pane::Keys), "open the finding's key usage"),
    on(C::List,      &[ch('4')],            A::Show(Pane::Related), "open the finding's related activity"),
    on(C::List,      &[ch('/')],            A::Filter, "filter the list").bar("filter"),
    on(C::List,      &[ESC],                A::Back, "clear the marks, else the entry's findings, else the filter").bar("clear"),
    on(C::List,      &[ch('o')],            A::SortNext, "sort by the next column").bar("sort"),
    on(C::List,      &[ch('O')],            A::SortReverse, "reverse the sort").bar("reverse"),
    on(C::List,      &[ch('v')],            A::Grouped, "group by caller → target").bar("group"),
    on(C::List,      &[ch(' ')],            A::Mark, "mark or unmark the finding (statuses, notes and copies apply to the marked ones shown)").bar("mark"),
    on(C::List,      &[ch('s')],            A::Suppress, "suppress findings like this one: an allowlist entry drafted from it").bar("suppress"),
    on(C::List,      &[ch('h')],            A::ToggleSuppressed, "hide or show suppressed findings").bar("suppressed"),
    on(C::List,      &[ch('I')],            A::SetStatus(S::Investigating), "status: investigating").bar_as("N/I/X/F/C", "status"),
    on(C::List,      &[ch('N')],            A::SetStatus(S::New), "status: new"),
    on(C::List,      &[ch('X')],            A::SetStatus(S::Escalated), "status: escalated"),
    on(C::List,      &[ch('F')],            A::SetStatus(S::FalsePositive), "status: false positive"),
    on(C::List,      &[ch('C')],            A::SetStatus(S::Closed), "status: closed"),
    on(C::List,      &[ch('a')],            A::Note, "add a note to the marked (or selected) findings").bar("note"),
    on(C::List,      &[ch('y')],            A::CopyEvidence, "copy the marked (or selected) findings as Markdown evidence").bar("copy"),
    on(C::List,      &[ch('Y')],            A::CopyRaw, "copy only their raw event JSON"),
    on(C::List,      &[ch('e')],            A::ExportPrompt, "export what the list shows (filter and h applied) to a file").bar("export"),
    on(C::List,      &[ch('A')],            A::Allowlist, "the allowlist: entries, hits and states").bar("allowlist"),
    on(C::List,      &[ch('E')],            A::EditAllowlist, "edit the allowlist file in $EDITOR"),
    // The allowlist screen.
    on(C::Allowlist, &[ENTER],              A::Open, "list the findings the entry suppresses").bar("show"),
    on(C::Allowlist, &[ch('e')],            A::EditEntry, "edit the entry in the form").bar("edit"),
    on(C::Allowlist, &[ch('d')],            A::ToggleDisabled, "disable or re-enable the entry").bar("disable"),
    on(C::Allowlist, &[ch('D')],            A::Delete, "delete the entry (asks first)").bar("delete"),
    on(C::Allowlist, &[ch('u')],            A::Undo, "restore the entry deleted last").bar("undo"),
    on(C::Allowlist, &[ch('E')],            A::EditAllowlist, "edit the allowlist file in $EDITOR").bar("$EDITOR"),
    on(C::Allowlist, &[ESC, ch('A')],       A::Allowlist, "back to the findings list").bar("back"),
    // The grouped view.
    on(C::Grouped,   &[ENTER],              A::Open, "list the group's findings").bar("open"),
    on(C::Grouped,   &[ch('/')],            A::Filter, "filter the findings grouped").bar("filter"),
    on(C::Grouped,   &[ch('v'), ESC],       A::Grouped, "back to the findings list").bar("list"),
    on(C::Grouped,   &[ch('o')],            A::SortNext, "sort by the next column").bar("sort"),
    on(C::Grouped,   &[ch('O')],            A::SortReverse, "reverse the sort").bar("reverse"),
    // The raw pane (before Detail, so its Esc and Enter win).
    on(C::Raw,       &[ch(']')],            A::NextCopy, "next delivered copy (or event of the finding)").bar_as("[ ]", "copies"),
    on(C::Raw,       &[ch('[')],            A::PrevCopy, "previous delivered copy"),
    on(C::Raw,       &[ch('/')],            A::Search, "search in the event").bar("search"),
    on(C::Raw,       &[ch('n')],            A::NextMatch, "next match").bar_as("n/N", "matches"),
    on(C::Raw,       &[ch('N')],            A::PrevMatch, "previous match"),
    on(C::Raw,       &[ch('c')],            A::CopyValue, "copy the value on the current match's line (else the top line)").bar("copy value"),
    // Lists of events.
    on(C::Events,    &[ENTER],              A::Open, "open the selected event raw").bar("raw"),
    on(C::Related,   &[ch('+'), ch('=')],   A::Wider, "widen the time window").bar_as("+/-", "window"),
    on(C::Related,   &[ch('-')],            A::Narrower, "narrow the time window"),
    // Any pane.
    on(C::Detail,    &[TAB],                A::NextPane, "next pane").bar_as("Tab/1-4", "panes"),
    on(C::Detail,    &[BACKTAB],            A::PrevPane, "previous pane"),
    on(C::Detail,    &[ch('1')],            A::Show(Pane::Risk), "risk pane"),
    on(C::Detail,    &[ch('2')],            A::Show(Pane::Raw), "raw event pane"),
    on(C::Detail,    &[ch('3')],            A::Show(Pane::Keys), "key usage pane"),
    on(C::Detail,    &[ch('4')],            A::Show(Pane::Related), "related activity pane"),
    on(C::Detail,    &[ESC],                A::Back, "back").bar("back"),
    on(C::Detail,    &[ch('s')],            A::Suppress, "suppress findings like this one").bar("suppress"),
    on(C::Detail,    &[ch('I')],            A::SetStatus(S::Investigating), "status: investigating").bar_as("N/I/X/F/C", "status"),
    on(C::Detail,    &[ch('N')],            A::SetStatus(S::New), "status: new (in the raw pane N is the previous match)"),
    on(C::Detail,    &[ch('X')],            A::SetStatus(S::Escalated), "status: escalated"),
    on(C::Detail,    &[ch('F')],            A::SetStatus(S::FalsePositive), "status: false positive"),
    on(C::Detail,    &[ch('C')],            A::SetStatus(S::Closed), "status: closed"),
    on(C::Detail,    &[ch('a')],            A::Note, "add a note to the finding"),
    on(C::Detail,    &[ch('y')],            A::CopyEvidence, "copy the finding as Markdown evidence").bar("copy"),
    on(C::Detail,    &[ch('Y')],            A::CopyRaw, "copy only its raw event JSON"),
    // Moving.
    on(C::Move,      &[ch('j'), DOWN],      A::Down, "down"),
    on(C::Move,      &[ch('k'), UP],        A::Up, "up"),
    on(C::Move,      &[ctrl('d')],          A::HalfDown, "half a page down"),
    on(C::Move,      &[ctrl('u')],          A::HalfUp, "half a page up"),
    on(C::Move,      &[PGDN, ch(' ')],      A::PageDown, "a page down (Space: in the list it marks)"),
    on(C::Move,      &[PGUP],               A::PageUp, "a page up"),
    on(C::Move,      &[ch('g'), HOME],      A::Top, "first line"),
    on(C::Move,      &[ch('G'), END],       A::Bottom, "last line"),
    // Anywhere.
    on(C::Global,    &[ch('t')],            A::ToggleZone, "times in UTC / local (or --tz) zone").bar("zone"),
    on(C::Global,    &[ch('L')],            A::Errors, "list the rules (per-rule counts) and load errors (path and line)").bar("errors"),
    on(C::Global,    &[ch('M')],            A::Messages, "every status-line message so far, whole").bar("messages"),
    on(C::Global,    &[ch('?')],            A::Help, "help: every key").bar("help"),
    on(C::Global,    &[ch('q'), ctrl('c')], A::Quit, "quit").bar("quit"),
];

/// The contexts active in `app`, most specific first.
pub fn contexts(app: &App) -> Vec<Context> {
    if app.confirm.is_some() {
        return vec![C::Confirm];
    }
    if app.triage.form.is_some() {
        return vec![C::Form, C::Global];
    }
    if app.triage.note.is_some() {
        return vec![C::Note, C::Global];
    }
    if app.export_prompt {
        return vec![C::Export, C::Global];
    }
    if app.filter.editing {
        return vec![C::Filter, C::Move, C::Global];
    }
    if app.detail.raw.search.editing && app.screen == Screen::Detail {
        return vec![C::Search, C::Move, C::Global];
    }
    match app.overlay {
        Overlay::Help { .. } => return vec![C::Help, C::Move, C::Global],
        Overlay::Errors { .. } => return vec![C::Errors, C::Move, C::Global],
        Overlay::Messages { .. } => return vec![C::Messages, C::Move, C::Global],
        Overlay::None => {}
    }
    if !app.is_ready() {
        return vec![C::Global];
    }
    match app.screen {
        Screen::List => vec![C::List, C::Move, C::Global],
        Screen::Grouped => vec![C::Grouped, C::Move, C::Global],
        Screen::Allowlist => vec![C::Allowlist, C::Move, C::Global],
        Screen::Detail => match app.detail.pane {
            Pane::Raw => vec![C::Raw, C::Detail, C::Move, C::Global],
            Pane::Keys => vec![C::Events, C::Detail, C::Move, C::Global],
            Pane::Related => vec![C::Related, C::Events, C::Detail, C::Move, C::Global],
            Pane::Risk => vec![C::Detail, C::Move, C::Global],
        },
    }
}

/// The action `key` triggers in `app`, if any. While typing, a plain
/// character is text unless the text context itself binds it; other keys
/// (arrows, Ctrl-c) still reach the outer contexts.
pub fn dispatch(app: &App, key: Key) -> Option<Action> {
    let active = contexts(app);
    let typing = active.first().is_some_and(|c| c.is_text());
    for ctx in &active {
        if typing && !ctx.is_text() && is_plain_char(key) {
            break;
        }
        for bnd in KEYMAP.iter().filter(|b| b.context == *ctx) {
            match (bnd.keys, key.code) {
                (Keys::These(keys), _) if keys.contains(&key) => return Some(bnd.action),
                (Keys::AnyChar, KeyCode::Char(c)) if is_plain_char(key) => {
                    return Some(Action::Type(c));
                }
                _ => {}
            }
        }
    }
    None
}

fn is_plain_char(key: Key) -> bool {
    matches!(key.code, KeyCode::Char(_)) && (key.mods - KeyModifiers::SHIFT).is_empty()
}

/// How a binding's keys read in help: `j/↓`.
pub fn keys_label(b: &Binding) -> String {
    match b.keys {
        Keys::These(keys) => keys.iter().map(Key::label).collect::<Vec<_>>().join("/"),
        Keys::AnyChar => "text".into(),
    }
}

/// The context bar's entries for `app`: `(keys, word)` pairs for the
/// bindings of the active contexts that earn a place and do something
/// right now, most specific first.
pub fn bar(app: &App) -> Vec<(String, &'static str)> {
    let active = contexts(app);
    let mut out: Vec<(String, &'static str)> = Vec::new();
    if active.contains(&C::Move) && !active.first().is_some_and(|c| c.is_text()) && app.is_ready() {
        out.push(("j/k".into(), "move"));
    }
    for ctx in &active {
        let in_ctx: Vec<&Binding> = KEYMAP.iter().filter(|b| b.context == *ctx).collect();
        for (at, bnd) in in_ctx.iter().enumerate() {
            let Some(word) = bnd.bar else { continue };
            if !applies(app, bnd.action) {
                continue;
            }
            let Some(keys) = bar_label(app, bnd, &in_ctx[at + 1..]) else {
                continue;
            };
            if !out.iter().any(|(k, _)| *k == keys && !k.is_empty()) {
                out.push((keys, word));
            }
        }
    }
    out
}

/// How the bar writes `bnd`'s keys, counting only keys that reach it here
/// (a plain letter is text while typing; `N` is a search key in the raw
/// pane), or `None` when no key does. `rest` follows `bnd` in its context:
/// a group label (`N/I/X/F/C`) covers the unlabelled bindings of the same
/// kind after it, and is rebuilt from the working keys when one is taken.
fn bar_label(app: &App, bnd: &Binding, rest: &[&Binding]) -> Option<String> {
    let Keys::These(keys) = bnd.keys else {
        return Some(String::new());
    };
    let works = |b: &Binding, k: &Key| dispatch(app, *k) == Some(b.action);
    let own: Vec<&Key> = keys.iter().filter(|k| works(bnd, k)).collect();
    let Some(label) = bnd.bar_keys else {
        return own.first().map(|k| k.label());
    };
    let kind = std::mem::discriminant(&bnd.action);
    let group: Vec<(&Binding, &Key)> = std::iter::once(bnd)
        .chain(
            rest.iter()
                .copied()
                .take_while(|b| b.bar.is_none() && std::mem::discriminant(&b.action) == kind),
        )
        .filter_map(|b| match b.keys {
            Keys::These(k) => k.first().map(|k| (b, k)),
            Keys::AnyChar => None,
        })
        .collect();
    let all_work = group.iter().all(|(b, k)| works(b, k));
    if all_work && own.first().is_some_and(|k| Some(*k) == keys.first()) {
        return Some(label.to_string());
    }
    let working: Vec<String> = group
        .iter()
        .filter(|(b, k)| works(b, k))
        .map(|(_, k)| k.label())
        .collect();
    (!working.is_empty()).then(|| working.join("/"))
}

/// Whether an action would do anything now, so the bar only offers keys
/// that work.
fn applies(app: &App, action: Action) -> bool {
    let Some(d) = &app.data else {
        return matches!(action, Action::Quit | Action::Help | Action::ToggleZone);
    };
    match action {
        Action::Back if app.screen == Screen::List => {
            !app.filter.text.is_empty()
                || !app.triage.marked.is_empty()
                || app.triage.only_entry.is_some()
        }
        Action::EditEntry | Action::ToggleDisabled | Action::Delete | Action::Open
            if app.screen == Screen::Allowlist =>
        {
            !app.triage.snapshot.allowlist.entries.is_empty()
        }
        // Rule-loading notes are listed there too, with or without errors.
        Action::Errors if app.overlay == Overlay::None => {
            d.error_count() > 0 || !d.notes().is_empty() || d.many_rules()
        }
        Action::Messages => !app.log.is_empty() || matches!(app.overlay, Overlay::Messages { .. }),
        Action::Undo => app.undo.is_some(),
        Action::NextCopy => app.deliveries().len() > 1,
        Action::NextMatch => !app.detail.raw.search.matches.is_empty(),
        Action::Open if app.screen == Screen::Detail => match app.detail.pane {
            Pane::Keys => app
                .detail
                .keys
                .as_ref()
                .is_some_and(|(_, k)| !k.events.is_empty()),
            Pane::Related => app
                .detail
                .related
                .as_ref()
                .is_some_and(|(_, _, r)| !r.rows.is_empty()),
            _ => false,
        },
        _ => true,
    }
}

/// The help text: one section per context, one line per binding, from
/// [`KEYMAP`].
pub fn help_lines() -> Vec<(Option<&'static str>, String, &'static str)> {
    let mut out = Vec::new();
    for ctx in Context::ALL {
        let rows: Vec<&Binding> = KEYMAP.iter().filter(|b| b.context == ctx).collect();
        if rows.is_empty() {
            continue;
        }
        out.push((Some(ctx.title()), String::new(), ""));
        for r in rows {
            out.push((None, keys_label(r), r.desc));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for ctx in Context::ALL {
            let mut seen: Vec<Key> = Vec::new();
            for bnd in KEYMAP.iter().filter(|b| b.context == ctx) {
                if let Keys::These(keys) = bnd.keys {
                    for k in keys {
                        assert!(!seen.contains(k), "{k:?} bound twice in {ctx:?}");
                        seen.push(*k);
                    }
                }
            }
        }
    }

    #[test]
    fn every_action_in_the_table_is_in_help() {
        let help = help_lines();
        for bnd in KEYMAP {
            assert!(
                help.iter()
                    .any(|(_, k, d)| *k == keys_label(bnd) && *d == bnd.desc),
                "{bnd:?}"
            );
        }
    }

    #[test]
    fn labels_read_well() {
        assert_eq!(ctrl('d').label(), "C-d");
        assert_eq!(Key::code(KeyCode::PageDown).label(), "PgDn");
        assert_eq!(keys_label(&KEYMAP[KEYMAP.len() - 1]), "q/C-c");
    }
}
