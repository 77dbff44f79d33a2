//! The palette: the 16 basic colours only, so it reads the same over SSH in
//! any terminal.

use ratatui::style::{Color, Modifier, Style};

pub fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}
pub fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}
pub fn title() -> Style {
    Style::default()
        .fg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}
pub fn heading() -> Style {
    Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}
pub fn selected() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}
/// Characters the fuzzy filter matched.
pub fn matched() -> Style {
    Style::default()
        .fg(Color::Yellow)
        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}
/// A search hit in the raw event.
pub fn hit() -> Style {
    Style::default().fg(Color::Black).bg(Color::Yellow)
}
/// The search hit `n`/`N` is on.
pub fn current_hit() -> Style {
    Style::default()
        .fg(Color::Black)
        .bg(Color::LightRed)
        .add_modifier(Modifier::BOLD)
}
/// A field the rule reads.
pub fn hot() -> Style {
    Style::default()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}
pub fn key() -> Style {
    Style::default().fg(Color::Cyan)
}
pub fn string() -> Style {
    Style::default().fg(Color::Green)
}
pub fn number() -> Style {
    Style::default().fg(Color::Magenta)
}
pub fn literal() -> Style {
    Style::default().fg(Color::Yellow)
}
pub fn good() -> Style {
    Style::default().fg(Color::Green)
}
pub fn warn() -> Style {
    Style::default().fg(Color::Yellow)
}
pub fn bad() -> Style {
    Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
}
/// Risk colour: red from 70, yellow from 40.
pub fn risk(score: f64) -> Style {
    if score >= 70.0 {
        bad()
    } else if score >= 40.0 {
        warn()
    } else {
        Style::default()
    }
}
