//! The key table: data that the dispatcher, the `?` help overlay and the
//! context bar all read, so help cannot drift from behaviour.
//!
//! Each [`Binding`] names its keys, the [`Context`] it applies in, the
//! [`Action`] it triggers and a description. [`contexts`] says which
//! contexts are active for a state, most specific first; [`dispatch`] takes
//! the first binding of the first active context that has the key.

use super::action::{Action, Pane};
use super::app::{App, Overlay, Screen};
use crate::report::ExportFormat;
use crate::triage::Status;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers, normalised (no SHIFT on characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    const fn ch(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::NONE,
        }
    }
    const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }
    const fn code(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    /// Normalises a terminal key event: terminals report `G` as SHIFT+`G`
    /// and Shift-Tab as SHIFT+BackTab, and the table writes neither SHIFT.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut mods = ev.modifiers;
        if matches!(ev.code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Key {
            code: ev.code,
            mods,
        }
    }

    /// How help and the context bar write the key.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("C-{base}")
        } else {
            base
        }
    }
}

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
        }
    }

    /// Contexts in help's order.
    pub const ALL: [Context; 16] = [
        Context::Global,
        Context::Move,
        Context::List,
        Context::Allowlist,
        Context::Grouped,
        Context::Detail,
        Context::Raw,
        Context::Events,
        Context::Related,
        Context::Filter,
        Context::Search,
        Context::Help,
        Context::Errors,
        Context::Form,
        Context::Note,
        Context::Export,
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

const fn b(keys: &'static [Key], context: Context, action: Action, desc: &'static str) -> Binding {
    Binding {
        keys: Keys::These(keys),
        context,
        action,
        desc,
        bar: None,
        bar_keys: None,
    }
}

const fn bb(
    keys: &'static [Key],
    context: Context,
    action: Action,
    desc: &'static str,
    bar: &'static str,
) -> Binding {
    Binding {
        keys: Keys::These(keys),
        context,
        action,
        desc,
        bar: Some(bar),
        bar_keys: None,
    }
}

/// A binding whose bar entry stands for a group of keys.
const fn bg(
    keys: &'static [Key],
    context: Context,
    action: Action,
    desc: &'static str,
    bar_keys: &'static str,
    bar: &'static str,
) -> Binding {
    Binding {
        keys: Keys::These(keys),
        context,
        action,
        desc,
        bar: Some(bar),
        bar_keys: Some(bar_keys),
    }
}

use Context as C;

/// The key table.
pub static KEYMAP: &[Binding] = &[
    // Text input first: while typing, these win over every other context.
    bb(
        &[Key::code(KeyCode::Enter)],
        C::Filter,
        Action::Accept,
        "keep the filter and go back to the list",
        "keep",
    ),
    bb(
        &[Key::code(KeyCode::Esc)],
        C::Filter,
        Action::Cancel,
        "clear the filter",
        "clear",
    ),
    b(
        &[Key::code(KeyCode::Backspace)],
        C::Filter,
        Action::DeleteBack,
        "delete a character",
    ),
    b(
        &[Key::ctrl('u')],
        C::Filter,
        Action::ClearInput,
        "delete everything typed",
    ),
    Binding {
        keys: Keys::AnyChar,
        context: C::Filter,
        action: Action::Type(' '),
        desc: "words match fuzzily; actor: target: src: account: region: status: after: before: match fields; ! negates",
        bar: Some("type to filter"),
        bar_keys: None,
    },
    bb(
        &[Key::code(KeyCode::Enter)],
        C::Search,
        Action::Accept,
        "search and jump to the first match",
        "search",
    ),
    bb(
        &[Key::code(KeyCode::Esc)],
        C::Search,
        Action::Cancel,
        "stop searching",
        "cancel",
    ),
    b(
        &[Key::code(KeyCode::Backspace)],
        C::Search,
        Action::DeleteBack,
        "delete a character",
    ),
    b(
        &[Key::ctrl('u')],
        C::Search,
        Action::ClearInput,
        "delete everything typed",
    ),
    Binding {
        keys: Keys::AnyChar,
        context: C::Search,
        action: Action::Type(' '),
        desc: "text to find (case-insensitive)",
        bar: None,
        bar_keys: None,
    },
    // The suppress form.
    bb(
        &[Key::code(KeyCode::Enter)],
        C::Form,
        Action::Accept,
        "save the entry (it applies at once)",
        "save",
    ),
    bb(
        &[Key::code(KeyCode::Esc)],
        C::Form,
        Action::Cancel,
        "close without saving",
        "cancel",
    ),
    bg(
        &[Key::code(KeyCode::Tab), Key::code(KeyCode::Down)],
        C::Form,
        Action::NextField,
        "next line",
        "Tab/↑↓",
        "move",
    ),
    b(
        &[Key::code(KeyCode::BackTab), Key::code(KeyCode::Up)],
        C::Form,
        Action::PrevField,
        "previous line",
    ),
    b(
        &[Key::code(KeyCode::Backspace)],
        C::Form,
        Action::DeleteBack,
        "delete a character",
    ),
    b(
        &[Key::ctrl('u')],
        C::Form,
        Action::ClearInput,
        "delete everything typed",
    ),
    Binding {
        keys: Keys::AnyChar,
        context: C::Form,
        action: Action::Type(' '),
        desc: "on a condition, Space ticks it; on reason and expiry (30d, 2026-12-31, empty: never), text",
        bar: Some("Space tick"),
        bar_keys: None,
    },
    // The note line.
    bb(
        &[Key::code(KeyCode::Enter)],
        C::Note,
        Action::Accept,
        "add the note (stamped with who and when)",
        "add",
    ),
    bb(
        &[Key::code(KeyCode::Esc)],
        C::Note,
        Action::Cancel,
        "throw the note away",
        "cancel",
    ),
    b(
        &[Key::code(KeyCode::Backspace)],
        C::Note,
        Action::DeleteBack,
        "delete a character",
    ),
    b(
        &[Key::ctrl('u')],
        C::Note,
        Action::ClearInput,
        "delete everything typed",
    ),
    Binding {
        keys: Keys::AnyChar,
        context: C::Note,
        action: Action::Type(' '),
        desc: "the note's text",
        bar: None,
        bar_keys: None,
    },
    // Choosing an export format.
    bg(
        &[Key::ch('m')],
        C::Export,
        Action::Export(ExportFormat::Markdown),
        "Markdown report",
        "m/c/j/l/h",
        "format",
    ),
    b(
        &[Key::ch('c')],
        C::Export,
        Action::Export(ExportFormat::Csv),
        "CSV, one row per finding",
    ),
    b(
        &[Key::ch('j')],
        C::Export,
        Action::Export(ExportFormat::Json),
        "JSON array",
    ),
    b(
        &[Key::ch('l')],
        C::Export,
        Action::Export(ExportFormat::Ndjson),
        "JSON lines (one finding per line)",
    ),
    b(
        &[Key::ch('h')],
        C::Export,
        Action::Export(ExportFormat::Html),
        "HTML report",
    ),
    bb(
        &[Key::code(KeyCode::Esc)],
        C::Export,
        Action::ExportPrompt,
        "do not export",
        "cancel",
    ),
    // Overlays.
    bb(
        &[Key::code(KeyCode::Esc), Key::ch('?')],
        C::Help,
        Action::Help,
        "close help",
        "close",
    ),
    bb(
        &[Key::code(KeyCode::Esc), Key::ch('L')],
        C::Errors,
        Action::Errors,
        "close the error list",
        "close",
    ),
    // The findings list.
    bb(
        &[Key::code(KeyCode::Enter)],
        C::List,
        Action::Open,
        "open the selected finding",
        "open",
    ),
    bg(
        &[Key::ch('1')],
        C::List,
        Action::Show(Pane::Risk),
        "open the finding's risk pane",
        "1-4",
        "panes",
    ),
    b(
        &[Key::ch('2')],
        C::List,
        Action::Show(Pane::Raw),
        "open the finding's raw event",
    ),
    b(
        &[Key::ch('3')],
        C::List,
        Action::Show(Pane::Keys),
        "open the finding's key usage",
    ),
    b(
        &[Key::ch('4')],
        C::List,
        Action::Show(Pane::Related),
        "open the finding's related activity",
    ),
    bb(
        &[Key::ch('/')],
        C::List,
        Action::Filter,
        "filter the list",
        "filter",
    ),
    bb(
        &[Key::code(KeyCode::Esc)],
        C::List,
        Action::Back,
        "clear the filter",
        "clear",
    ),
    bb(
        &[Key::ch('o')],
        C::List,
        Action::SortNext,
        "sort by the next column",
        "sort",
    ),
    bb(
        &[Key::ch('O')],
        C::List,
        Action::SortReverse,
        "reverse the sort",
        "reverse",
    ),
    bb(
        &[Key::ch('v')],
        C::List,
        Action::Grouped,
        "group by caller → target",
        "group",
    ),
    bb(
        &[Key::ch(' ')],
        C::List,
        Action::Mark,
        "mark or unmark the finding (statuses apply to the marked ones)",
        "mark",
    ),
    bb(
        &[Key::ch('s')],
        C::List,
        Action::Suppress,
        "suppress findings like this one: an allowlist entry drafted from it",
        "suppress",
    ),
    bb(
        &[Key::ch('h')],
        C::List,
        Action::ToggleSuppressed,
        "hide or show suppressed findings",
        "suppressed",
    ),
    bg(
        &[Key::ch('I')],
        C::List,
        Action::SetStatus(Status::Investigating),
        "status: investigating",
        "N/I/X/F/C",
        "status",
    ),
    b(
        &[Key::ch('N')],
        C::List,
        Action::SetStatus(Status::New),
        "status: new",
    ),
    b(
        &[Key::ch('X')],
        C::List,
        Action::SetStatus(Status::Escalated),
        "status: escalated",
    ),
    b(
        &[Key::ch('F')],
        C::List,
        Action::SetStatus(Status::FalsePositive),
        "status: false positive",
    ),
    b(
        &[Key::ch('C')],
        C::List,
        Action::SetStatus(Status::Closed),
        "status: closed",
    ),
    bb(
        &[Key::ch('a')],
        C::List,
        Action::Note,
        "add a note to the finding",
        "note",
    ),
    bb(
        &[Key::ch('y')],
        C::List,
        Action::CopyEvidence,
        "copy the marked (or selected) findings as Markdown evidence",
        "copy",
    ),
    b(
        &[Key::ch('Y')],
        C::List,
        Action::CopyRaw,
        "copy only their raw event JSON",
    ),
    bb(
        &[Key::ch('e')],
        C::List,
        Action::ExportPrompt,
        "export what the list shows (filter and h applied) to a file",
        "export",
    ),
    bb(
        &[Key::ch('A')],
        C::List,
        Action::Allowlist,
        "the allowlist: entries, hits and states",
        "allowlist",
    ),
    b(
        &[Key::ch('E')],
        C::List,
        Action::EditAllowlist,
        "edit the allowlist file in $EDITOR",
    ),
    // The allowlist screen.
    bb(
        &[Key::code(KeyCode::Enter)],
        C::Allowlist,
        Action::Open,
        "list the findings the entry suppresses",
        "show",
    ),
    bb(
        &[Key::ch('e')],
        C::Allowlist,
        Action::EditEntry,
        "edit the entry in the form",
        "edit",
    ),
    bb(
        &[Key::ch('d')],
        C::Allowlist,
        Action::ToggleDisabled,
        "disable or re-enable the entry",
        "disable",
    ),
    bb(
        &[Key::ch('D')],
        C::Allowlist,
        Action::Delete,
        "delete the entry",
        "delete",
    ),
    bb(
        &[Key::ch('E')],
        C::Allowlist,
        Action::EditAllowlist,
        "edit the allowlist file in $EDITOR",
        "$EDITOR",
    ),
    bb(
        &[Key::code(KeyCode::Esc), Key::ch('A')],
        C::Allowlist,
        Action::Allowlist,
        "back to the findings list",
        "back",
    ),
    // The grouped view.
    bb(
        &[Key::code(KeyCode::Enter)],
        C::Grouped,
        Action::Open,
        "list the group's findings",
        "open",
    ),
    bb(
        &[Key::ch('/')],
        C::Grouped,
        Action::Filter,
        "filter the findings grouped",
        "filter",
    ),
    bb(
        &[Key::ch('v'), Key::code(KeyCode::Esc)],
        C::Grouped,
        Action::Grouped,
        "back to the findings list",
        "list",
    ),
    bb(
        &[Key::ch('o')],
        C::Grouped,
        Action::SortNext,
        "sort by the next column",
        "sort",
    ),
    bb(
        &[Key::ch('O')],
        C::Grouped,
        Action::SortReverse,
        "reverse the sort",
        "reverse",
    ),
    // The raw pane (before Detail, so its Esc and Enter win).
    bg(
        &[Key::ch(']')],
        C::Raw,
        Action::NextCopy,
        "next delivered copy (or event of the finding)",
        "[ ]",
        "copies",
    ),
    b(
        &[Key::ch('[')],
        C::Raw,
        Action::PrevCopy,
        "previous delivered copy",
    ),
    bb(
        &[Key::ch('/')],
        C::Raw,
        Action::Search,
        "search in the event",
        "search",
    ),
    bg(
        &[Key::ch('n')],
        C::Raw,
        Action::NextMatch,
        "next match",
        "n/N",
        "matches",
    ),
    b(&[Key::ch('N')], C::Raw, Action::PrevMatch, "previous match"),
    bb(
        &[Key::ch('c')],
        C::Raw,
        Action::CopyValue,
        "copy the value on the current match's line (else the top line)",
        "copy value",
    ),
    // Lists of events.
    bb(
        &[Key::code(KeyCode::Enter)],
        C::Events,
        Action::Open,
        "open the selected event raw",
        "raw",
    ),
    bg(
        &[Key::ch('+'), Key::ch('=')],
        C::Related,
        Action::Wider,
        "widen the time window",
        "+/-",
        "window",
    ),
    b(
        &[Key::ch('-')],
        C::Related,
        Action::Narrower,
        "narrow the time window",
    ),
    // Any pane.
    bg(
        &[Key::code(KeyCode::Tab)],
        C::Detail,
        Action::NextPane,
        "next pane",
        "Tab/1-4",
        "panes",
    ),
    b(
        &[Key::code(KeyCode::BackTab)],
        C::Detail,
        Action::PrevPane,
        "previous pane",
    ),
    b(
        &[Key::ch('1')],
        C::Detail,
        Action::Show(Pane::Risk),
        "risk pane",
    ),
    b(
        &[Key::ch('2')],
        C::Detail,
        Action::Show(Pane::Raw),
        "raw event pane",
    ),
    b(
        &[Key::ch('3')],
        C::Detail,
        Action::Show(Pane::Keys),
        "key usage pane",
    ),
    b(
        &[Key::ch('4')],
        C::Detail,
        Action::Show(Pane::Related),
        "related activity pane",
    ),
    bb(
        &[Key::code(KeyCode::Esc)],
        C::Detail,
        Action::Back,
        "back",
        "back",
    ),
    bb(
        &[Key::ch('s')],
        C::Detail,
        Action::Suppress,
        "suppress findings like this one",
        "suppress",
    ),
    bg(
        &[Key::ch('I')],
        C::Detail,
        Action::SetStatus(Status::Investigating),
        "status: investigating",
        "N/I/X/F/C",
        "status",
    ),
    b(
        &[Key::ch('N')],
        C::Detail,
        Action::SetStatus(Status::New),
        "status: new (in the raw pane N is the previous match)",
    ),
    b(
        &[Key::ch('X')],
        C::Detail,
        Action::SetStatus(Status::Escalated),
        "status: escalated",
    ),
    b(
        &[Key::ch('F')],
        C::Detail,
        Action::SetStatus(Status::FalsePositive),
        "status: false positive",
    ),
    b(
        &[Key::ch('C')],
        C::Detail,
        Action::SetStatus(Status::Closed),
        "status: closed",
    ),
    b(
        &[Key::ch('a')],
        C::Detail,
        Action::Note,
        "add a note to the finding",
    ),
    bb(
        &[Key::ch('y')],
        C::Detail,
        Action::CopyEvidence,
        "copy the finding as Markdown evidence",
        "copy",
    ),
    b(
        &[Key::ch('Y')],
        C::Detail,
        Action::CopyRaw,
        "copy only its raw event JSON",
    ),
    // Moving.
    b(
        &[Key::ch('j'), Key::code(KeyCode::Down)],
        C::Move,
        Action::Down,
        "down",
    ),
    b(
        &[Key::ch('k'), Key::code(KeyCode::Up)],
        C::Move,
        Action::Up,
        "up",
    ),
    b(
        &[Key::ctrl('d')],
        C::Move,
        Action::HalfDown,
        "half a page down",
    ),
    b(&[Key::ctrl('u')], C::Move, Action::HalfUp, "half a page up"),
    b(
        &[Key::code(KeyCode::PageDown), Key::ch(' ')],
        C::Move,
        Action::PageDown,
        "a page down",
    ),
    b(
        &[Key::code(KeyCode::PageUp)],
        C::Move,
        Action::PageUp,
        "a page up",
    ),
    b(
        &[Key::ch('g'), Key::code(KeyCode::Home)],
        C::Move,
        Action::Top,
        "first line",
    ),
    b(
        &[Key::ch('G'), Key::code(KeyCode::End)],
        C::Move,
        Action::Bottom,
        "last line",
    ),
    // Anywhere.
    bb(
        &[Key::ch('t')],
        C::Global,
        Action::ToggleZone,
        "times in UTC / local (or --tz) zone",
        "zone",
    ),
    bb(
        &[Key::ch('L')],
        C::Global,
        Action::Errors,
        "list load errors (path and line)",
        "errors",
    ),
    bb(
        &[Key::ch('?')],
        C::Global,
        Action::Help,
        "help: every key",
        "help",
    ),
    bb(
        &[Key::ch('q'), Key::ctrl('c')],
        C::Global,
        Action::Quit,
        "quit",
        "quit",
    ),
];

/// The contexts active in `app`, most specific first.
pub fn contexts(app: &App) -> Vec<Context> {
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
        for bnd in KEYMAP.iter().filter(|b| b.context == *ctx) {
            let Some(word) = bnd.bar else { continue };
            if !applies(app, bnd.action) {
                continue;
            }
            // The first key is enough on the bar; help lists them all.
            let keys = match (bnd.bar_keys, bnd.keys) {
                (Some(k), _) => k.to_string(),
                (None, Keys::These(k)) => k.first().map(Key::label).unwrap_or_default(),
                (None, Keys::AnyChar) => String::new(),
            };
            if !out.iter().any(|(k, _)| *k == keys && !k.is_empty()) {
                out.push((keys, word));
            }
        }
    }
    out
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
        Action::Errors if app.overlay == Overlay::None => d.error_count() > 0,
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
    fn shifted_letters_and_backtab_normalise() {
        let ev = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::ch('G'));
        let ev = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::code(KeyCode::BackTab));
    }

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
        assert_eq!(Key::ctrl('d').label(), "C-d");
        assert_eq!(Key::code(KeyCode::PageDown).label(), "PgDn");
        assert_eq!(keys_label(&KEYMAP[KEYMAP.len() - 1]), "q/C-c");
    }
}
