//! What a user can ask the console to do. Keys map to these through the
//! table in [`super::keymap`], mouse events through
//! [`super::update::mouse_action`]; [`super::update::act`] carries them out.

/// A drill-down pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Risk,
    Raw,
    Keys,
    Related,
}

impl Pane {
    /// Every pane, in tab order.
    pub const ALL: [Pane; 4] = [Pane::Risk, Pane::Raw, Pane::Keys, Pane::Related];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Pane::Risk => "Risk",
            Pane::Raw => "Raw event",
            Pane::Keys => "Key usage",
            Pane::Related => "Related",
        }
    }

    /// Position in [`Pane::ALL`].
    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// One thing the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Quit the console.
    Quit,
    /// Open or close the help overlay.
    Help,
    /// Open or close the list of load errors.
    Errors,
    /// Open or close the log of every status-line message.
    Messages,
    /// Answer yes to the question on the bar.
    Yes,
    /// Answer no to the question on the bar.
    No,
    /// Restore the allowlist entry deleted last.
    Undo,
    /// Switch every time on screen between UTC and the local (or `--tz`) zone.
    ToggleZone,
    /// Move the selection (or scroll) up one line.
    Up,
    /// Move the selection (or scroll) down one line.
    Down,
    /// Up one page.
    PageUp,
    /// Down one page.
    PageDown,
    /// Up half a page.
    HalfUp,
    /// Down half a page.
    HalfDown,
    /// Go to the first line.
    Top,
    /// Go to the last line.
    Bottom,
    /// Scroll up three lines, as the mouse wheel does.
    ScrollUp,
    /// Scroll down three lines, as the mouse wheel does.
    ScrollDown,
    /// Select row `n` of the list shown; if it is selected already, open it.
    ClickRow(usize),
    /// Drill into the selected item.
    Open,
    /// Go back one level; in the list, clear the filter.
    Back,
    /// Show the next pane.
    NextPane,
    /// Show the previous pane.
    PrevPane,
    /// Show this pane (from the list, open the selected finding in it).
    Show(Pane),
    /// Start typing a filter.
    Filter,
    /// Sort by the next column.
    SortNext,
    /// Sort by column `n` of `Col::ALL` (`GroupCol::ALL` when grouped); if sorted by it, reverse.
    SortBy(usize),
    /// Reverse the sort order.
    SortReverse,
    /// Switch between the findings list and the caller → target groups.
    Grouped,
    /// Show the next delivered copy of the event.
    NextCopy,
    /// Show the previous delivered copy of the event.
    PrevCopy,
    /// Start typing a search in the raw event.
    Search,
    /// Jump to the next search match.
    NextMatch,
    /// Jump to the previous search match.
    PrevMatch,
    /// Widen the related-activity window.
    Wider,
    /// Narrow the related-activity window.
    Narrower,
    /// Keep what was typed and leave the input line.
    Accept,
    /// Throw away what was typed and leave the input line.
    Cancel,
    /// Delete the character before the cursor.
    DeleteBack,
    /// Delete everything typed.
    ClearInput,
    /// Type a character into the input line.
    Type(char),
    /// Mark or unmark the selected finding.
    Mark,
    /// Open the suppress form drafted from the selected finding.
    Suppress,
    /// Hide or show suppressed findings.
    ToggleSuppressed,
    /// Set the status of the marked (or else the selected) findings.
    SetStatus(crate::triage::Status),
    /// Start typing a note on the selected finding.
    Note,
    /// Open or close the allowlist screen.
    Allowlist,
    /// Open the allowlist file in `$EDITOR`.
    EditAllowlist,
    /// Edit the selected allowlist entry in the form.
    EditEntry,
    /// Disable or re-enable the selected allowlist entry.
    ToggleDisabled,
    /// Delete the selected allowlist entry.
    Delete,
    /// Move to the next line of the form.
    NextField,
    /// Move to the previous line of the form.
    PrevField,
    /// Copy the marked (or selected) findings as the Markdown evidence block.
    CopyEvidence,
    /// Copy only their raw event JSON.
    CopyRaw,
    /// Copy the value on the raw pane's current line.
    CopyValue,
    /// Ask which format to export the list as.
    ExportPrompt,
    /// Export what the list shows as this format.
    Export(crate::report::ExportFormat),
}
