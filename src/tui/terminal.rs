//! Puts the terminal into console mode and, whatever happens, back.
//!
//! [`Guard::enter`] turns on raw mode, the alternate screen and mouse
//! capture, and hides the cursor. [`restore`] undoes all of it; it runs when
//! the guard drops (a normal quit or an early `?` return) and from a panic
//! hook (so a panic's message prints on a usable terminal). It is
//! idempotent, so both may run.

use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use std::io;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Console mode for as long as it lives.
#[derive(Debug)]
pub struct Guard(());

impl Guard {
    /// Enters console mode.
    pub fn enter() -> io::Result<Guard> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        if let Err(e) = execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture, Hide) {
            restore();
            return Err(e);
        }
        Ok(Guard(()))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Enters console mode again after [`restore`], as the runtime does when an
/// editor it ran for `E` exits.
pub fn resume() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture, Hide)
}

/// Leaves console mode: raw mode off first (it has the most side effects),
/// then mouse capture and the alternate screen, and the cursor shown.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(
            io::stdout(),
            DisableMouseCapture,
            LeaveAlternateScreen,
            Show
        );
    }
}
