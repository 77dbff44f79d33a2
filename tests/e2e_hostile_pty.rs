//! Log content never acts on the responder's terminal: the real binary, in
//! a pseudo-terminal, opens a finding whose userAgent and userName carry
//! ESC[2J, an OSC 52 clipboard write, a C1 CSI and U+202E, visits every pane,
//! and quits; among every byte it wrote, none of those sequences from the
//! data appears, and their escaped forms do.

use expectrl::{Eof, Expect, Session};
use std::process::Command;
use std::time::Duration;

#[test]
fn escape_sequences_from_logs_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/escapes.jsonl");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailhunt"));
    cmd.arg(&fixture)
        .env("TERM", "xterm-256color")
        .env("TRAILHUNT_DATA_DIR", dir.path().join("data"))
        .env("TRAILHUNT_CACHE_DIR", dir.path().join("cache"));
    let mut s = Session::spawn(cmd).expect("a pty can be opened");
    s.set_expect_timeout(Some(Duration::from_secs(60)));
    let pause = || std::thread::sleep(Duration::from_millis(400));
    std::thread::sleep(Duration::from_secs(2));
    // Open the finding, then every pane, then back and quit.
    for key in ["\r", "1", "2", "3", "4", "\x1b", "\x1b", "q"] {
        s.send(key).unwrap();
        pause();
    }
    let out = s.expect(Eof).expect("the console quits");
    let bytes = out.as_bytes();
    let text = String::from_utf8_lossy(bytes);
    assert!(
        text.contains("findings"),
        "the console drew its header: {text:?}"
    );
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    // The data's own sequences, in the context only the data puts them in.
    for bad in [
        &b"evil\x1b"[..],
        b"bob\x1b",
        b"\x1b]52;c;ZXZpbA==",
        b"ZXZpbA==\x07",
        "\u{9b}31m".as_bytes(),
        "\u{202e}".as_bytes(),
    ] {
        assert!(
            !has(bad),
            "{:?} reached the terminal",
            String::from_utf8_lossy(bad)
        );
    }
    // And the responder still sees what was there, escaped.
    assert!(
        text.contains("\\u{1b}"),
        "the escaped form is shown: {text:?}"
    );
}
