//! Properties of the report escapers, over hostile strings.

use proptest::prelude::*;
use trailhunt::report::csv::{FORMULA_START, cell, is_risky, neutralise};
use trailhunt::report::evidence::{longest_run, pretty_json};
use trailhunt::report::markdown::{escape_md, fence};

/// Strings built from the characters attacks are made of: formula starters,
/// quotes, separators, controls, escapes, bidi overrides, backticks and
/// Markdown, mixed with ordinary text.
fn hostile() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("=".to_string()),
        Just("+".to_string()),
        Just("-".to_string()),
        Just("@".to_string()),
        Just("'".to_string()),
        Just("\t".to_string()),
        Just("\r".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        Just("\u{a0}".to_string()),
        Just("\u{ff1d}".to_string()),
        Just(",".to_string()),
        Just("\"".to_string()),
        Just("|".to_string()),
        Just("\\".to_string()),
        Just("`".to_string()),
        Just("```".to_string()),
        Just("\u{1b}[2J".to_string()),
        Just("\u{1b}]52;c;ZXZpbA==\u{7}".to_string()),
        Just("\u{9b}".to_string()),
        Just("\u{202e}".to_string()),
        Just("<script>".to_string()),
        Just("*_[]()#".to_string()),
        "[a-zA-Z0-9 ./:]{0,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

/// What a spreadsheet shows for a cell: a leading `'` marks text and is not
/// shown.
fn shown(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn csv_neutralising_round_trips_and_never_starts_a_formula(s in hostile()) {
        let n = neutralise(&s);
        // What the spreadsheet shows is the value itself.
        prop_assert_eq!(shown(&n), s.as_str());
        // Either the cell is harmless as it is, or it is marked as text.
        prop_assert!(!is_risky(&n) || n.starts_with('\''));
        if !n.starts_with('\'') {
            prop_assert!(!n.starts_with(FORMULA_START));
        }
    }

    #[test]
    fn csv_cells_survive_a_csv_round_trip(s in hostile()) {
        let c = cell(&s);
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([c.as_str(), "next"]).unwrap();
        let bytes = w.into_inner().unwrap();
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes.as_slice());
        let rec = r.records().next().unwrap().unwrap();
        prop_assert_eq!(&rec[0], c.as_str());
        prop_assert_eq!(&rec[1], "next");
        // The sanitised cell holds no raw control character, so no line
        // break or tab: one row stays one row.
        prop_assert!(!c.chars().any(trailhunt::sanitize::is_dangerous));
    }

    #[test]
    fn the_markdown_fence_is_longer_than_any_backtick_run(s in hostile()) {
        let content = trailhunt::sanitize::escape(&s).into_owned();
        let block = fence(&content, "json");
        let ticks = block.chars().take_while(|&c| c == '`').count();
        prop_assert!(ticks >= 3);
        prop_assert!(ticks > longest_run(&content, '`'));
        let closing = format!("\n{}\n", "`".repeat(ticks));
        prop_assert!(block.ends_with(&closing));
        // No line inside could close the fence.
        let inner: Vec<&str> = block.lines().collect();
        for line in &inner[1..inner.len() - 1] {
            prop_assert!(line.trim_start().chars().take_while(|&c| c == '`').count() < ticks);
        }
    }

    #[test]
    fn fenced_raw_json_is_valid_and_exact(s in hostile()) {
        let raw = serde_json::json!({ "userAgent": s, "n": 1 }).to_string();
        let pretty = pretty_json(&raw).unwrap();
        let back: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        prop_assert_eq!(back["userAgent"].as_str().unwrap(), s.as_str());
        prop_assert!(!pretty.chars().any(|c| c != '\n' && trailhunt::sanitize::is_dangerous(c)));
    }

    #[test]
    fn markdown_escaping_leaves_no_live_metacharacter(s in hostile()) {
        let e = escape_md(&s);
        prop_assert!(!e.chars().any(trailhunt::sanitize::is_dangerous));
        // Every metacharacter is preceded by an odd run of backslashes.
        let b = e.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            if b"`*_[]()#|<>!~&{}$".contains(&c) {
                let run = b[..i].iter().rev().take_while(|&&x| x == b'\\').count();
                prop_assert!(run % 2 == 1, "unescaped {:?} in {:?}", c as char, e);
            }
        }
    }
}
