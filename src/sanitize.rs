//! The one sanitiser for attacker-controlled text.
//!
//! Every string that comes out of a log is written by whoever could call the
//! AWS API. Before such text reaches a terminal, a clipboard or a human-facing
//! report it goes through [`escape`], so that control characters, escape
//! sequences and bidirectional overrides show up as visible `\u{..}` text
//! instead of acting on the reader's terminal or reordering what they see.

use std::borrow::Cow;

/// True for characters that must never reach a human-facing output raw:
/// C0 controls (including tab and newlines), DEL, C1 controls, and the Unicode
/// bidirectional formatting characters (Trojan Source), plus the line and
/// paragraph separators and zero-width marks that hide or reorder text.
pub fn is_dangerous(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
    )
}

/// Escapes every dangerous character as `\u{XX}` and a literal backslash that
/// would start such an escape as `\\`, so the output reads back unambiguously.
/// Borrows when nothing needs escaping, which is the common case.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c) || c == '\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_dangerous(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A file path as [`escape`] shows text, each byte that is not UTF-8
/// written `\xNN` (a literal backslash is `\\`, so the two cannot be
/// confused); `Path::display` would show U+FFFD and two names would look alike.
pub fn escape_path(p: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in p.as_os_str().as_bytes().utf8_chunks() {
            out.push_str(&escape(chunk.valid()));
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        escape(&p.display().to_string()).into_owned()
    }
}

/// Escapes like [`escape`], then shortens to at most `max` characters, marking
/// a cut with `…`. Used by tables, where very long values must not push
/// every other column off the screen.
pub fn escape_truncated(s: &str, max: usize) -> String {
    let e = escape(s);
    if e.chars().count() <= max {
        return e.into_owned();
    }
    let mut out: String = e.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn a_file_name_that_is_not_utf8_is_shown_byte_by_byte() {
        use std::os::unix::ffi::OsStrExt;
        let p = std::path::Path::new(std::ffi::OsStr::from_bytes(b"a\\b\xff\x1b.json"));
        assert_eq!(super::escape_path(p), "a\\\\b\\xff\\u{1b}.json");
    }

    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            escape("aws-cli/2.0"),
            Cow::Borrowed("aws-cli/2.0")
        ));
    }

    #[test]
    fn ansi_clear_screen_is_escaped() {
        assert_eq!(escape("a\x1b[2Jb"), "a\\u{1b}[2Jb");
    }

    #[test]
    fn osc52_clipboard_write_is_escaped() {
        let s = escape("\x1b]52;c;ZXZpbA==\x07");
        assert!(!s.contains('\x1b') && !s.contains('\x07'));
    }

    #[test]
    fn c1_csi_and_del_are_escaped() {
        assert_eq!(escape("\u{9b}2J\u{7f}"), "\\u{9b}2J\\u{7f}");
    }

    #[test]
    fn bidi_override_is_escaped() {
        assert_eq!(escape("admin\u{202e}txt"), "admin\\u{202e}txt");
    }

    #[test]
    fn newlines_and_tabs_are_escaped() {
        assert_eq!(escape("a\nb\tc\r"), "a\\u{a}b\\u{9}c\\u{d}");
    }

    #[test]
    fn backslash_is_doubled_so_escapes_cannot_be_forged() {
        assert_eq!(escape("\\u{1b}"), "\\\\u{1b}");
    }

    #[test]
    fn truncation_counts_characters_and_marks_the_cut() {
        assert_eq!(escape_truncated("abcdef", 4), "abc…");
        assert_eq!(escape_truncated("abc", 4), "abc");
        assert_eq!(escape_truncated("ééééé", 3), "éé…");
    }
}
