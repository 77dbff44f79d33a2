//! Clipboard back ends, without a clipboard: which back end the environment
//! selects, OSC 52 framing and its size guard, the native back end's
//! timeout, the file back end, and falling back from one to the next.

use base64::Engine as _;
use std::ffi::OsString;
use std::time::{Duration, Instant};
use trailhunt::clipboard::{
    Backend, Clipboard, ClipboardChoice, ClipboardError, Env, FileClipboard, Native,
    OSC52_MAX_TEXT, Osc52, SystemClipboard, Wrap, osc52_sequence, plan, write_osc52,
};

/// An environment from `KEY=VALUE` pairs, as a Linux box would see it.
fn env(vars: &[(&str, &str)], tty: bool) -> Env {
    let mut e = Env::from_vars(
        |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        },
        tty,
    );
    e.needs_display_server = true;
    e
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

// -------------------------------------------------------------- selection --

#[test]
fn a_desktop_uses_the_native_clipboard_then_osc52_then_a_file() {
    let e = env(&[("DISPLAY", ":0")], true);
    assert_eq!(
        plan(ClipboardChoice::Auto, &e),
        [Backend::Native, Backend::Osc52, Backend::File]
    );
    let mac = Env {
        needs_display_server: false,
        stdout_tty: true,
        ..Env::default()
    };
    assert_eq!(plan(ClipboardChoice::Auto, &mac)[0], Backend::Native);
}

#[test]
fn ssh_uses_osc52_even_with_a_forwarded_display() {
    for var in ["SSH_CONNECTION", "SSH_TTY"] {
        let e = env(
            &[
                (var, "10.0.0.1 22 10.0.0.2 22"),
                ("DISPLAY", "localhost:10.0"),
            ],
            true,
        );
        assert!(e.ssh);
        assert_eq!(
            plan(ClipboardChoice::Auto, &e),
            [Backend::Osc52, Backend::File]
        );
    }
}

#[test]
fn tmux_uses_osc52_wrapped_for_passthrough() {
    let e = env(
        &[
            ("TMUX", "/tmp/tmux-1000/default,123,0"),
            ("TERM", "screen-256color"),
            ("DISPLAY", ":0"),
        ],
        true,
    );
    assert!(e.tmux && !e.screen, "tmux's TERM=screen* is still tmux");
    assert_eq!(e.wrap(), Wrap::Tmux);
    assert_eq!(
        plan(ClipboardChoice::Auto, &e),
        [Backend::Osc52, Backend::File]
    );
}

#[test]
fn screen_uses_osc52_wrapped_for_screen() {
    for vars in [
        &[("TERM", "screen.xterm-256color")][..],
        &[("STY", "123.pts-0.host")][..],
    ] {
        let e = env(vars, true);
        assert!(e.screen);
        assert_eq!(e.wrap(), Wrap::Screen);
        assert_eq!(
            plan(ClipboardChoice::Auto, &e),
            [Backend::Osc52, Backend::File]
        );
    }
}

#[test]
fn no_display_uses_osc52_on_a_terminal_and_a_file_otherwise() {
    let e = env(&[], true);
    assert!(!e.native_possible());
    assert_eq!(
        plan(ClipboardChoice::Auto, &e),
        [Backend::Osc52, Backend::File]
    );
    let e = env(&[("DISPLAY", "")], false);
    assert_eq!(
        plan(ClipboardChoice::Auto, &e),
        [Backend::File],
        "empty DISPLAY is no display"
    );
    // arboard is built without Wayland: a Wayland session without XWayland
    // has no native clipboard for us.
    let e = env(&[("WAYLAND_DISPLAY", "wayland-0")], true);
    assert_eq!(
        plan(ClipboardChoice::Auto, &e),
        [Backend::Osc52, Backend::File]
    );
}

#[test]
fn an_explicit_choice_wins_and_a_file_stays_the_last_resort() {
    let ssh = env(&[("SSH_TTY", "/dev/pts/1"), ("DISPLAY", ":0")], true);
    assert_eq!(
        plan(ClipboardChoice::Native, &ssh),
        [Backend::Native, Backend::File]
    );
    let desktop = env(&[("DISPLAY", ":0")], false);
    assert_eq!(
        plan(ClipboardChoice::Osc52, &desktop),
        [Backend::Osc52, Backend::File]
    );
    assert_eq!(plan(ClipboardChoice::File, &desktop), [Backend::File]);
}

// ----------------------------------------------------------------- OSC 52 --

#[test]
fn osc52_frames_base64_between_osc_and_bel() {
    assert_eq!(
        osc52_sequence("hi", Wrap::None).unwrap(),
        format!("\x1b]52;c;{}\x07", b64("hi"))
    );
    assert_eq!(
        osc52_sequence("hi", Wrap::Tmux).unwrap(),
        format!("\x1bPtmux;\x1b\x1b]52;c;{}\x07\x1b\\", b64("hi"))
    );
}

#[test]
fn osc52_for_screen_is_cut_into_short_dcs_strings() {
    let text = "x".repeat(200);
    let seq = osc52_sequence(&text, Wrap::Screen).unwrap();
    assert!(seq.starts_with("\x1bP\x1b]52;c;") && seq.ends_with("\x07\x1b\\"));
    let inner = &seq["\x1bP\x1b]52;c;".len()..seq.len() - "\x07\x1b\\".len()];
    let chunks: Vec<&str> = inner.split("\x1b\\\x1bP").collect();
    assert!(chunks.iter().all(|c| c.len() <= 76), "{chunks:?}");
    assert_eq!(chunks.concat(), b64(&text));
}

#[test]
fn osc52_payload_cannot_break_out_of_the_sequence() {
    // Text that would end the sequence and start a new one if sent raw.
    let evil = "a\x07\x1b\\\x1b]52;c;ZXZpbA==\x07\x1b[2J\u{9c}\u{9d}\x1bPtmux;";
    for wrap in [Wrap::None, Wrap::Tmux, Wrap::Screen] {
        let seq = osc52_sequence(evil, wrap).unwrap();
        let escs = seq.matches('\x1b').count();
        let expected = match wrap {
            Wrap::None => 1,
            // ESC P, the doubled ESC of the inner OSC, the final ESC \.
            Wrap::Tmux => 4,
            // ESC P and the inner OSC's ESC, the final ESC \ (one chunk).
            Wrap::Screen => 3,
        };
        assert_eq!(escs, expected, "{wrap:?}: only the framing's ESCs");
        assert_eq!(
            seq.matches('\x07').count(),
            1,
            "{wrap:?}: one BEL, at the end"
        );
        assert!(!seq.contains('\u{9c}') && !seq.contains('\u{9d}'));
        let payload: String = seq
            .split("52;c;")
            .nth(1)
            .unwrap()
            .split('\x07')
            .next()
            .unwrap()
            .replace("\x1b\\\x1bP", "");
        assert!(
            payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        );
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&payload)
            .unwrap();
        assert_eq!(decoded, evil.as_bytes());
    }
}

#[test]
fn osc52_refuses_rather_than_truncates() {
    let max = "a".repeat(OSC52_MAX_TEXT);
    let seq = osc52_sequence(&max, Wrap::None).unwrap();
    assert_eq!(
        seq.len(),
        100_000,
        "the whole sequence fits 100,000 bytes exactly"
    );
    let over = "a".repeat(OSC52_MAX_TEXT + 1);
    let mut out = Vec::new();
    match write_osc52(&mut out, &over, Wrap::None) {
        Err(ClipboardError::TooLarge { len, max }) => {
            assert_eq!((len, max), (OSC52_MAX_TEXT + 1, OSC52_MAX_TEXT));
        }
        other => panic!("{other:?}"),
    }
    assert!(out.is_empty(), "nothing at all is written");
}

#[test]
fn the_osc52_back_end_writes_to_its_terminal() {
    let mut term = Vec::new();
    let c = Osc52::new(&mut term, Wrap::Tmux).copy("evidence").unwrap();
    assert_eq!(c.backend, Backend::Osc52);
    assert!(
        c.message().contains("OSC 52 (through tmux)"),
        "{}",
        c.message()
    );
    assert_eq!(
        term,
        osc52_sequence("evidence", Wrap::Tmux).unwrap().into_bytes()
    );
}

// ----------------------------------------------------------------- native --

#[test]
fn without_a_display_native_fails_at_once_without_connecting() {
    let e = env(&[], true);
    let started = Instant::now();
    let err = Native::new(&e).copy("x").unwrap_err();
    assert!(err.to_string().contains("DISPLAY"), "{err}");
    assert!(started.elapsed() < Duration::from_millis(100));
}

#[test]
fn a_hanging_native_clipboard_times_out_and_is_not_tried_again() {
    let mut n = Native::with_setter(
        Box::new(|| {
            Ok(Box::new(|_: &str| {
                std::thread::sleep(Duration::from_secs(30));
                Ok(())
            }) as trailhunt::clipboard::Setter)
        }),
        Duration::from_millis(100),
    );
    let started = Instant::now();
    assert!(matches!(n.copy("x"), Err(ClipboardError::Timeout(_))));
    assert!(started.elapsed() < Duration::from_secs(2));
    let started = Instant::now();
    assert!(n.copy("y").is_err());
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "given up for the session"
    );
}

#[test]
fn a_working_native_clipboard_keeps_its_worker() {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut n = Native::with_setter(
        Box::new(move || {
            Ok(Box::new(move |t: &str| {
                tx.send(t.to_string()).unwrap();
                Ok(())
            }) as trailhunt::clipboard::Setter)
        }),
        Duration::from_secs(5),
    );
    assert_eq!(n.copy("one").unwrap().backend, Backend::Native);
    assert_eq!(
        n.copy("two").unwrap().message(),
        "copied 3 B to the system clipboard"
    );
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), ["one", "two"]);
}

// ------------------------------------------------------------ file, chain --

#[test]
fn the_file_back_end_replaces_its_file_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/clipboard.txt");
    let mut f = FileClipboard::new(path.clone());
    f.copy("first").unwrap();
    let c = f.copy("second").unwrap();
    assert_eq!(c.path.as_deref(), Some(path.as_path()));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
    assert!(c.message().contains(&path.display().to_string()));
}

#[test]
fn a_failing_native_clipboard_falls_back_to_osc52_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let e = env(&[("DISPLAY", ":0")], true);
    let mut term = Vec::new();
    let broken = Native::with_setter(
        Box::new(|| Err("cannot open the X11 display".to_string())),
        Duration::from_secs(1),
    );
    let mut cb = SystemClipboard::new(
        ClipboardChoice::Auto,
        &e,
        &mut term,
        FileClipboard::new(dir.path().join("c.txt")),
    )
    .with_native(broken);
    let c = cb.copy("text").unwrap();
    assert_eq!(c.backend, Backend::Osc52);
    assert!(
        c.message()
            .contains("system clipboard: cannot open the X11 display"),
        "{}",
        c.message()
    );
    drop(cb);
    assert_eq!(
        term,
        osc52_sequence("text", Wrap::None).unwrap().into_bytes()
    );
}

#[test]
fn too_much_for_osc52_goes_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = env(&[("SSH_TTY", "/dev/pts/3")], true);
    let mut term = Vec::new();
    let mut cb = SystemClipboard::new(
        ClipboardChoice::Auto,
        &e,
        &mut term,
        FileClipboard::new(dir.path().join("c.txt")),
    );
    assert_eq!(cb.plan(), [Backend::Osc52, Backend::File]);
    let big = "z".repeat(OSC52_MAX_TEXT + 10);
    let c = cb.copy(&big).unwrap();
    assert_eq!(c.backend, Backend::File);
    assert!(
        c.message().contains("over the OSC 52 limit"),
        "{}",
        c.message()
    );
    drop(cb);
    assert!(term.is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("c.txt")).unwrap(),
        big
    );
}

#[test]
fn a_headless_box_never_touches_a_native_clipboard() {
    let dir = tempfile::tempdir().unwrap();
    let e = env(&[], false);
    let mut cb = SystemClipboard::new(
        ClipboardChoice::Auto,
        &e,
        Vec::new(),
        FileClipboard::new(dir.path().join("c.txt")),
    );
    let started = Instant::now();
    let c = cb.copy("evidence").unwrap();
    assert_eq!(c.backend, Backend::File);
    assert!(started.elapsed() < Duration::from_secs(1));
    // Even when told to use it, no connection is tried without a display.
    let mut cb = SystemClipboard::new(
        ClipboardChoice::Native,
        &e,
        Vec::new(),
        FileClipboard::new(dir.path().join("c.txt")),
    );
    let c = cb.copy("evidence").unwrap();
    assert_eq!(c.backend, Backend::File);
    assert!(
        c.message().contains("DISPLAY is not set"),
        "{}",
        c.message()
    );
}

#[test]
fn status_messages_are_sanitised() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evil\u{1b}[2J.txt");
    let c = FileClipboard::new(path).copy("x").unwrap();
    assert!(!c.message().contains('\u{1b}'));
}

#[test]
fn a_panicking_native_clipboard_is_reported_not_propagated() {
    let mut n = Native::with_setter(
        Box::new(|| {
            Ok(
                Box::new(|_: &str| -> Result<(), String> { panic!("clipboard library bug") })
                    as trailhunt::clipboard::Setter,
            )
        }),
        Duration::from_secs(5),
    );
    let started = Instant::now();
    let err = n.copy("x").unwrap_err();
    assert!(err.to_string().contains("stopped"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

// ------------------------------------------------------------ tmux's rules --

fn tmux_env(passthrough: Option<bool>, set_clipboard_on: Option<bool>) -> Env {
    let mut e = env(&[("TMUX", "/tmp/tmux-1000/default,123,0")], true);
    e.tmux_passthrough = passthrough;
    e.tmux_set_clipboard_on = set_clipboard_on;
    e
}

#[test]
fn tmux_reads_its_options_from_display_message() {
    use trailhunt::clipboard::parse_tmux_options;
    // tmux 3.3+ defaults: passthrough off, set-clipboard external.
    assert_eq!(
        parse_tmux_options("off external\n"),
        (Some(false), Some(false))
    );
    assert_eq!(
        parse_tmux_options("on external\n"),
        (Some(true), Some(false))
    );
    assert_eq!(parse_tmux_options("all on\n"), (Some(true), Some(true)));
    // Before 3.3 there was no allow-passthrough: DCS passed through always.
    assert_eq!(parse_tmux_options(" external\n"), (Some(true), Some(false)));
    assert_eq!(parse_tmux_options(""), (None, None));
}

#[test]
fn tmux_with_passthrough_wraps_and_is_trusted() {
    let e = tmux_env(Some(true), Some(false));
    assert_eq!(e.wrap(), Wrap::Tmux);
    assert_eq!(e.osc52_doubt(), None);
}

#[test]
fn tmux_with_set_clipboard_on_takes_plain_osc52_itself() {
    let e = tmux_env(Some(false), Some(true));
    assert_eq!(e.wrap(), Wrap::None);
    assert_eq!(e.osc52_doubt(), None);
}

#[test]
fn tmux_defaults_make_osc52_doubtful_and_say_why() {
    let e = tmux_env(Some(false), Some(false));
    let why = e.osc52_doubt().expect("tmux's defaults drop OSC 52");
    assert!(why.contains("allow-passthrough"), "{why}");
    let unknown = tmux_env(None, None).osc52_doubt().unwrap();
    assert!(unknown.contains("could not be read"), "{unknown}");
    // Outside tmux nothing is in doubt.
    assert_eq!(env(&[("SSH_TTY", "/dev/pts/1")], true).osc52_doubt(), None);
}

#[test]
fn doubtful_osc52_in_tmux_also_writes_the_file_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.txt");
    let e = tmux_env(Some(false), Some(false));
    let mut term = Vec::new();
    let mut cb = SystemClipboard::new(
        ClipboardChoice::Auto,
        &e,
        &mut term,
        FileClipboard::new(path.clone()),
    );
    let c = cb.copy("evidence").unwrap();
    drop(cb);
    assert_eq!(c.backend, Backend::Osc52);
    // Sent anyway (a terminal may still take it) ...
    assert_eq!(
        term,
        osc52_sequence("evidence", Wrap::Tmux).unwrap().into_bytes()
    );
    // ... and kept where it surely is.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "evidence");
    assert_eq!(c.path.as_deref(), Some(path.as_path()));
    let m = c.message();
    assert!(m.contains("tmux may drop it"), "{m}");
    assert!(m.contains(&path.display().to_string()), "{m}");
}

#[test]
fn trusted_osc52_in_tmux_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.txt");
    let e = tmux_env(Some(true), Some(false));
    let mut term = Vec::new();
    let mut cb = SystemClipboard::new(
        ClipboardChoice::Auto,
        &e,
        &mut term,
        FileClipboard::new(path.clone()),
    );
    let c = cb.copy("evidence").unwrap();
    assert_eq!(c.path, None);
    assert!(!path.exists());
    assert!(c.message().contains("through tmux"), "{}", c.message());
}
