//! The terminal guard on a real pseudo-terminal: a panic, or an error
//! returned with `?`, inside console mode must hand the terminal back
//! (alternate screen left, mouse capture off, cursor shown, raw mode off)
//! before its message is printed.
//!
//! Each test re-runs this test binary in a pty (expectrl) with one of the
//! ignored `child_*` tests selected, and reads everything the child wrote.

use expectrl::{Eof, Expect, Session};
use std::process::Command;
use std::time::Duration;
use trailhunt::tui::terminal::Guard;

const CHILD: &str = "TRAILHUNT_TERMINAL_CHILD";
const ENTER_ALT: &str = "\x1b[?1049h";
const LEAVE_ALT: &str = "\x1b[?1049l";
const SHOW_CURSOR: &str = "\x1b[?25h";
const MOUSE_OFF: &str = "\x1b[?1000l";

/// Runs the ignored test `name` in a pty and returns all it wrote.
fn run_child(name: &str) -> String {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary path"));
    cmd.args([
        "--exact",
        name,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD, "1");
    let mut s = Session::spawn(cmd).expect("a pty can be opened");
    s.set_expect_timeout(Some(Duration::from_secs(60)));
    let out = s.expect(Eof).expect("the child finishes");
    String::from_utf8_lossy(out.as_bytes()).into_owned()
}

fn position(out: &str, what: &str) -> usize {
    out.find(what)
        .unwrap_or_else(|| panic!("{what:?} not in the child's output: {out:?}"))
}

#[test]
fn a_panic_in_console_mode_restores_the_terminal_before_the_message() {
    let out = run_child("child_panics_in_console_mode");
    let entered = position(&out, ENTER_ALT);
    let message = position(&out, "boom-in-the-console");
    for restore in [LEAVE_ALT, SHOW_CURSOR, MOUSE_OFF] {
        let at = position(&out, restore);
        assert!(
            entered < at && at < message,
            "{restore:?} must come before the panic message: {out:?}"
        );
    }
    assert!(out.contains("raw mode after the panic: false"), "{out:?}");
}

#[test]
fn an_error_returned_with_question_mark_restores_the_terminal_first() {
    let out = run_child("child_returns_an_error_in_console_mode");
    let message = position(&out, "error-from-the-console");
    assert!(position(&out, ENTER_ALT) < position(&out, LEAVE_ALT));
    assert!(position(&out, LEAVE_ALT) < message, "{out:?}");
    assert!(position(&out, SHOW_CURSOR) < message, "{out:?}");
    assert!(out.contains("raw mode after the error: false"), "{out:?}");
}

#[test]
#[ignore = "run by a_panic_in_console_mode_restores_the_terminal_before_the_message"]
fn child_panics_in_console_mode() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let r = std::panic::catch_unwind(|| {
        let _g = Guard::enter().expect("console mode");
        panic!("boom-in-the-console");
    });
    assert!(r.is_err());
    let raw = ratatui::crossterm::terminal::is_raw_mode_enabled().unwrap_or(true);
    println!("raw mode after the panic: {raw}");
}

#[test]
#[ignore = "run by an_error_returned_with_question_mark_restores_the_terminal_first"]
fn child_returns_an_error_in_console_mode() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    fn console() -> anyhow::Result<()> {
        let _g = Guard::enter()?;
        anyhow::bail!("error-from-the-console")
    }
    let e = console().unwrap_err();
    let raw = ratatui::crossterm::terminal::is_raw_mode_enabled().unwrap_or(true);
    println!("raw mode after the error: {raw}");
    eprintln!("{e}");
}
