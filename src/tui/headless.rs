//! The console without a terminal: feed it keys, mouse events and resizes,
//! draw it on ratatui's `TestBackend`, read the screen back as text. The
//! snapshot tests, the whole-app tests and the benchmarks drive it. Effects
//! go to the same interpreter as in the real console
//! ([`super::effects::perform`]), inline, so every run is deterministic.

use super::app::App;
use super::data::Data;
use super::effects::{Outcome, Services, perform};
use super::update::{Msg, update};
use super::view;
use crate::event::zone::Zone;
use crate::hunt::triage::{Reply, TriageFiles};
use crate::hunt::{Config, Hunt};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

/// Runs the hunt `config` describes, as the console's loader thread does,
/// on the calling thread.
pub fn load(config: &Config) -> anyhow::Result<Data> {
    let hunt = Hunt::run(config, config.rules()?, &mut |_| {});
    Ok(Data::new(&hunt, &Zone::Utc))
}

/// A console on a `TestBackend`.
pub struct Headless {
    pub app: App,
    pub term: Terminal<TestBackend>,
    /// Set once the console asked to quit.
    pub quit: bool,
    /// The triage files and the clipboard the effects use (tests attach
    /// triage files and put a recording clipboard here).
    pub services: Services,
}

impl Headless {
    /// A console of `width`×`height` that is still loading `paths`.
    pub fn loading(
        paths: Vec<std::path::PathBuf>,
        tz: Option<Zone>,
        width: u16,
        height: u16,
    ) -> Headless {
        let term =
            Terminal::new(TestBackend::new(width, height)).expect("a test backend cannot fail");
        Headless {
            app: App::new(paths, tz, width, height),
            term,
            quit: false,
            services: Services::default(),
        }
    }

    /// A console of `width`×`height` showing `data` in UTC.
    pub fn new(data: Data, width: u16, height: u16) -> Headless {
        Headless::with_zone(data, None, width, height)
    }

    /// A console showing `data`, started with `--tz` when `tz` is given.
    pub fn with_zone(data: Data, tz: Option<Zone>, width: u16, height: u16) -> Headless {
        let mut h = Headless::loading(data.index.roots.clone(), tz, width, height);
        h.send(Msg::Loaded(Box::new(data)));
        h
    }

    /// Uses `files` for triage from now on, as the runtime does at start.
    pub fn attach(&mut self, files: TriageFiles) {
        let snapshot = files.snapshot();
        self.services.triage = Some(files);
        self.send(Msg::Triage(Box::new(Reply {
            snapshot,
            outcome: Ok(String::new()),
        })));
    }

    /// Handles one message and carries out its effects at once.
    pub fn send(&mut self, msg: Msg) {
        // The time, stamped first as the runtime does before each batch.
        let now_ms = chrono::Utc::now().timestamp_millis();
        update(&mut self.app, Msg::stamp(now_ms));
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut queue = vec![msg];
        while let Some(m) = queue.pop() {
            for fx in update(&mut self.app, m) {
                match perform(fx, &mut self.services, &tx) {
                    Ok(Outcome::Continue | Outcome::Redraw) => {}
                    Ok(Outcome::Quit | Outcome::Fail(_)) | Err(_) => self.quit = true,
                }
                queue.extend(rx.try_iter());
            }
        }
    }

    /// Presses the keys of `script` (see [`parse_keys`]).
    pub fn keys(&mut self, script: &str) {
        for k in parse_keys(script) {
            self.send(Msg::Key(k));
        }
    }

    /// Clicks the left button at column `x`, row `y`.
    pub fn click(&mut self, x: u16, y: u16) {
        self.mouse(MouseEventKind::Down(MouseButton::Left), x, y);
    }

    /// Sends a mouse event.
    pub fn mouse(&mut self, kind: MouseEventKind, x: u16, y: u16) {
        self.send(Msg::Mouse(MouseEvent {
            kind,
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        }));
    }

    /// Resizes the terminal.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.term.backend_mut().resize(width, height);
        self.send(Msg::Resize(width, height));
    }

    /// Draws the current state.
    pub fn draw(&mut self) -> &Buffer {
        let app = &self.app;
        self.term
            .draw(|f| view::draw(f, app))
            .expect("a test backend cannot fail");
        self.term.backend().buffer()
    }

    /// Draws and returns the screen as text, one line per row, trailing
    /// spaces trimmed.
    pub fn render(&mut self) -> String {
        buffer_text(self.draw())
    }
}

/// A buffer as text, the way a terminal shows it (a wide character's
/// second cell is not repeated).
pub fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    let w = buf.area.width as usize;
    for row in buf.content.chunks(w) {
        let mut line = String::new();
        let mut skip = 0usize;
        for c in row {
            if skip == 0 {
                line.push_str(c.symbol());
            } else {
                skip -= 1;
            }
            skip = skip.max(super::text::width(c.symbol())).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Reads a key script: characters stand for themselves; `<Enter>`, `<Esc>`,
/// `<Tab>`, `<S-Tab>`, `<BS>`, `<Up>`, `<Down>`, `<Left>`, `<Right>`,
/// `<PgUp>`, `<PgDn>`, `<Home>`, `<End>`, `<C-x>` (Ctrl+x) and `<lt>` (a
/// literal `<`) name the others.
pub fn parse_keys(script: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut rest = script;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
        {
            let name = &rest[1..end];
            let k = match name {
                "Enter" => Some(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
                "Esc" => Some(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
                "Tab" => Some(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
                "S-Tab" => Some(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
                "BS" => Some(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
                "Up" => Some(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE)),
                "Down" => Some(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
                "Left" => Some(KeyEvent::new(KeyCode::Left, KeyModifiers::NONE)),
                "Right" => Some(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE)),
                "PgUp" => Some(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE)),
                "PgDn" => Some(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)),
                "Home" => Some(KeyEvent::new(KeyCode::Home, KeyModifiers::NONE)),
                "End" => Some(KeyEvent::new(KeyCode::End, KeyModifiers::NONE)),
                "lt" => Some(KeyEvent::new(KeyCode::Char('<'), KeyModifiers::NONE)),
                n if n.starts_with("C-") && n.chars().count() == 3 => n
                    .chars()
                    .nth(2)
                    .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
                _ => None,
            };
            if let Some(k) = k {
                out.push(k);
                rest = &rest[end + 1..];
                continue;
            }
        }
        // Terminals report upper-case letters with SHIFT; so does this.
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        out.push(KeyEvent::new(KeyCode::Char(c), mods));
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_scripts_name_special_keys() {
        let k = parse_keys("aG<Enter><C-d><lt><x");
        assert_eq!(k.len(), 7);
        assert_eq!(k[1].modifiers, KeyModifiers::SHIFT);
        assert_eq!(k[2].code, KeyCode::Enter);
        assert_eq!(
            k[3],
            KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)
        );
        assert_eq!(k[4].code, KeyCode::Char('<'));
        assert_eq!(k[5].code, KeyCode::Char('<'));
        assert_eq!(k[6].code, KeyCode::Char('x'));
    }
}
