//! The real binary in a pseudo-terminal on `tests/hostile/escapes.jsonl`,
//! whose userAgent and userName carry ESC[2J, an OSC 52 clipboard write
//! (`ESC]52;c;ZXZpbA==BEL`), a C1 CSI (U+009B) and U+202E. Every byte the
//! console writes while showing the list, the raw event, the risk pane and
//! help is captured; none of the data's sequences may be among them (the
//! console's own escape codes are expected, so the checks target what only
//! the data could produce).

use expectrl::{Eof, Expect, Session};
use std::process::Command;
use std::time::Duration;

#[test]
fn hostile_log_text_never_reaches_the_terminal_raw() {
    let ws = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailhunt"));
    cmd.args([
        "--threads",
        "1",
        "--clipboard",
        "file",
        "--workspace",
        ws.path().to_str().unwrap(),
        "tests/hostile/escapes.jsonl",
    ])
    .env("TRAILHUNT_DATA_DIR", ws.path())
    .env("TERM", "xterm-256color");
    let mut s = Session::spawn(cmd).expect("a pty can be opened");
    // The console redraws at the new size on the SIGWINCH this sends.
    s.get_process_mut()
        .set_window_size(100, 30)
        .expect("the pty takes a size");
    s.set_expect_timeout(Some(Duration::from_secs(60)));

    let mut out: Vec<u8> = Vec::new();
    // The first screen must come up; the rest is waited for leniently.
    s.set_expect_timeout(Some(Duration::from_secs(60)));
    let first = s.expect("findings").expect("the console draws its list");
    out.extend_from_slice(first.as_bytes());
    s.set_expect_timeout(Some(Duration::from_secs(5)));
    let mut step = |keys: &str, until: &str| {
        if !keys.is_empty() {
            s.send(keys).expect("keys reach the console");
        }
        if until.is_empty() {
            return;
        }
        // ratatui writes only the cells that changed, so a screen's text is
        // not always contiguous in the byte stream: wait for it, but a miss
        // only costs time — whatever was read stays for the final capture.
        if let Ok(c) = s.expect(until) {
            out.extend_from_slice(c.as_bytes());
        }
    };
    step("2", "userAgent");
    step("1", "user agent");
    step("4", "Related");
    step("\x1b", "TIME");
    step("?", "Keys (from the key table)");
    // Esc alone: sent together with the next key it would read as Alt+v.
    step("\x1b", "");
    std::thread::sleep(Duration::from_millis(300));
    step("v", "EVENTS");
    s.send("q").expect("q reaches the console");
    let rest = s.expect(Eof).expect("the console quits on q");
    out.extend_from_slice(rest.as_bytes());

    let text = String::from_utf8_lossy(&out);
    let find = |needle: &[u8]| out.windows(needle.len()).position(|w| w == needle);
    // The data's payload is only ever shown escaped ("\u{1b}]52;…").
    assert_eq!(
        find(b"\x1b]52"),
        None,
        "an OSC 52 write reached the terminal"
    );
    assert_eq!(
        find(b"evil\x1b"),
        None,
        "the userAgent's ESC reached the terminal"
    );
    assert_eq!(
        find(b"bob\x1b"),
        None,
        "the userName's ESC reached the terminal"
    );
    assert_eq!(
        find("\u{9b}".as_bytes()),
        None,
        "a C1 CSI reached the terminal"
    );
    assert_eq!(
        find("\u{202e}".as_bytes()),
        None,
        "a bidi override reached the terminal"
    );
    assert!(
        text.contains("ZXZpbA=="),
        "the payload is shown, escaped, so the screens were really drawn"
    );
}
