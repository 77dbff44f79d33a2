//! Markdown: the console's evidence block (`y`), the raw event (`Y`) and
//! the Markdown report (`e`, `scan --format markdown`).
//!
//! Every log value goes through [`code_md`]: the sanitiser first (control
//! characters, escape sequences and bidi overrides become visible `\u{..}`
//! text), then an inline code span, so a rendered ticket shows exactly what
//! the console shows and GFM's autolinking makes nothing from a log
//! clickable. Text the analyst wrote (notes, reasons) and the rule's own
//! text go through [`escape_md`]. Raw events sit in
//! a fence longer than any backtick run inside them ([`fence`]).

use super::evidence::{Evidence, KeyUsage, ReportScope, Tally, longest_run, pretty_json};
use crate::sanitize::escape;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Characters Markdown (CommonMark, GFM and common extensions) gives a
/// meaning inside a line: emphasis, code, links and images, raw HTML and
/// entities, tables, strikethrough, math, attributes, headings, and the
/// backslash itself. Line-start constructs (`-`, `+`, `1.`, `=`) cannot
/// occur: a value never starts a line here.
const MD_SPECIAL: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '(', ')', '#', '|', '<', '>', '!', '~', '&', '{', '}', '$',
];

/// A log value as Markdown text: sanitised, then every Markdown
/// metacharacter backslash-escaped. Safe in prose, headings and table cells.
pub fn escape_md(s: &str) -> String {
    let clean = escape(s);
    let mut out = String::with_capacity(clean.len() + 8);
    for c in clean.chars() {
        if MD_SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A log value as an inline code span: sanitised, between more backticks
/// than any run inside it. GFM autolinks URLs, `www.` and e-mail addresses
/// in text, never inside code, so nothing from a log becomes clickable.
pub fn code_md(s: &str) -> String {
    let clean = escape(s);
    let ticks = "`".repeat(longest_run(&clean, '`') + 1);
    // CommonMark strips one space from each end when both are present, and
    // a value touching the delimiters would merge with them: pad.
    let pad = clean.starts_with('`')
        || clean.ends_with('`')
        || (clean.starts_with(' ') && clean.ends_with(' ') && !clean.trim().is_empty());
    let sp = if pad { " " } else { "" };
    if clean.is_empty() {
        return "` `".into();
    }
    format!("{ticks}{sp}{clean}{sp}{ticks}")
}

/// [`code_md`] for a table cell: a GFM table splits on `|` even inside a
/// code span, and drops the backslash of `\|` before the span is read.
pub fn code_cell(s: &str) -> String {
    code_md(s).replace('|', "\\|")
}

/// `content` in a backtick fence with `info` (e.g. `json`): the fence is at
/// least three backticks and longer than any backtick run in `content`, so
/// nothing inside can close it. `content` must already be sanitised.
pub fn fence(content: &str, info: &str) -> String {
    let ticks = "`".repeat((longest_run(content, '`') + 1).max(3));
    let mut s = String::with_capacity(content.len() + 2 * ticks.len() + info.len() + 3);
    s.push_str(&ticks);
    s.push_str(info);
    s.push('\n');
    s.push_str(content);
    if !content.ends_with('\n') {
        s.push('\n');
    }
    s.push_str(&ticks);
    s.push('\n');
    s
}

/// A risk score without a needless `.0`.
pub fn score(s: f64) -> String {
    if s.fract() == 0.0 && s.abs() < 1e15 {
        format!("{}", s as i64)
    } else {
        format!("{s:.1}")
    }
}

/// Most entries shown per key-usage list; the JSON export has them all.
const MAX_TALLY: usize = 10;
/// Most raw events shown per finding; the JSON export has them all.
pub const MAX_RAW: usize = 5;

/// The `y` block: for each finding a one-line summary, the risk message and
/// score, ATT&CK techniques, the rule, a table of key fields, status and
/// notes, how the new key was used, and the raw event fenced as `json` with
/// its source file and line. Findings are separated by a rule (`---`).
pub fn copy_block(evidence: &[Evidence]) -> String {
    let mut s = String::new();
    for (i, ev) in evidence.iter().enumerate() {
        if i > 0 {
            s.push_str("\n---\n\n");
        }
        let _ = writeln!(s, "**{}**\n", code_md(&ev.summary()));
        body(&mut s, ev);
    }
    s
}

/// The `Y` text: the finding's raw event, pretty-printed with its key order
/// and values as written, dangerous characters as JSON `\uXXXX` escapes.
/// A finding of several events gives a JSON array of them. `Err` (already
/// sanitised) when no event could be read again.
pub fn raw_json(ev: &Evidence) -> Result<String, String> {
    raw_json_many(std::slice::from_ref(ev))
}

/// [`raw_json`] for several findings: one event as an object, more as an
/// array, in order.
pub fn raw_json_many(evidence: &[Evidence]) -> Result<String, String> {
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    for r in evidence.iter().flat_map(|e| &e.raw) {
        match &r.text {
            Ok(t) => match pretty_json(t) {
                Some(p) => parts.push(p),
                None => problems.push(format!("{}:{}: not valid JSON", r.file, r.line)),
            },
            Err(e) => problems.push(e.clone()),
        }
    }
    match parts.len() {
        0 => Err(escape(
            &problems
                .first()
                .cloned()
                .unwrap_or_else(|| "no raw event".into()),
        )
        .into_owned()),
        1 => Ok(parts.remove(0) + "\n"),
        _ => {
            let mut s = String::from("[\n");
            for (i, p) in parts.iter().enumerate() {
                for (j, line) in p.lines().enumerate() {
                    if j > 0 {
                        s.push('\n');
                    }
                    s.push_str("  ");
                    s.push_str(line);
                }
                s.push_str(if i + 1 < parts.len() { ",\n" } else { "\n" });
            }
            s.push_str("]\n");
            Ok(s)
        }
    }
}

/// One finding's evidence after its summary line.
fn body(s: &mut String, ev: &Evidence) {
    let f = &ev.finding;
    let _ = writeln!(
        s,
        "- **Risk:** {} — {}",
        score(f.risk_score),
        code_md(&f.risk_message)
    );
    let attack = ev.attack_text();
    let _ = writeln!(
        s,
        "- **ATT&CK:** {}",
        if attack.is_empty() {
            "none listed".to_string()
        } else {
            attack
                .iter()
                .map(|t| escape_md(t))
                .collect::<Vec<_>>()
                .join("; ")
        }
    );
    for (label, text) in &ev.annotations {
        let _ = writeln!(s, "- **{label}:** {}", escape_md(text));
    }
    let _ = writeln!(
        s,
        "- **Rule:** {} ({}), {} semantics; {}",
        escape_md(&ev.rule_name),
        escape_md(&f.rule_id),
        f.semantics.name(),
        super::evidence::parity_sentence(f, code_md)
    );
    s.push_str("\n| Field | Value |\n|---|---|\n");
    for kf in ev.key_fields() {
        let _ = writeln!(
            s,
            "| {} | {} |",
            kf.name,
            kf.value.as_deref().map_or_else(|| "-".into(), code_cell)
        );
    }
    s.push('\n');
    status(s, ev);
    key_usage(s, ev);
    raw_events(s, ev);
}

fn status(s: &mut String, ev: &Evidence) {
    let _ = writeln!(s, "- **Status:** {}", ev.status_text());
    let Some(t) = &ev.triage else {
        return;
    };
    if let Some(by) = &t.suppressed_by {
        let _ = writeln!(
            s,
            "- **Suppressed by:** allowlist entry {} — {}",
            escape_md(&by.id),
            escape_md(&by.reason)
        );
    }
    if t.notes.is_empty() {
        s.push_str("- **Notes:** none\n");
    } else {
        s.push_str("- **Notes:**\n");
        for n in &t.notes {
            let _ = writeln!(
                s,
                "  - {}, {}: {}",
                ev.zone.long(Some(n.at.timestamp_millis())),
                escape_md(&n.by),
                escape_md(&n.text)
            );
        }
    }
}

/// `a ×2, b ×1, and 3 more`.
fn tally_text(t: &[Tally]) -> String {
    if t.is_empty() {
        return "none".into();
    }
    let mut s = t
        .iter()
        .take(MAX_TALLY)
        .map(|x| format!("{} ×{}", code_md(&x.value), x.count))
        .collect::<Vec<_>>()
        .join(", ");
    if t.len() > MAX_TALLY {
        let _ = write!(s, ", and {} more", t.len() - MAX_TALLY);
    }
    s
}

/// The key-usage sentence shared by Markdown and HTML (already escaped
/// with `esc`).
pub fn key_usage_sentence(ev: &Evidence, u: &KeyUsage, esc: fn(&str) -> String) -> String {
    if u.events == 0 {
        return format!(
            "no event in the loaded logs was signed with {}",
            esc(&u.key)
        );
    }
    format!(
        "{} event{} signed with {}, {}{}",
        u.events,
        if u.events == 1 { "" } else { "s" },
        esc(&u.key),
        ev.zone.span(u.first_time, u.last_time),
        match u.errors {
            0 => String::new(),
            1 => ", 1 with an error".into(),
            n => format!(", {n} with errors"),
        }
    )
}

fn key_usage(s: &mut String, ev: &Evidence) {
    let Some(u) = &ev.key_usage else {
        s.push_str("- **Key usage:** the finding created no access key\n");
        return;
    };
    let _ = writeln!(s, "- **Key usage:** {}", key_usage_sentence(ev, u, code_md));
    if u.events > 0 {
        let _ = writeln!(s, "  - Source IPs: {}", tally_text(&u.source_ips));
        let _ = writeln!(s, "  - User agents: {}", tally_text(&u.user_agents));
        let _ = writeln!(s, "  - API calls: {}", tally_text(&u.api_calls));
    }
}

/// Where a raw event was read: `file, line N` (and how often delivered).
pub fn raw_place(r: &super::evidence::RawEvent, esc: fn(&str) -> String) -> String {
    let mut s = format!("{}, line {}", esc(&r.file), r.line);
    if r.copies > 1 {
        let _ = write!(s, " (delivered {} times)", r.copies);
    }
    s
}

fn raw_events(s: &mut String, ev: &Evidence) {
    let n = ev.raw.len();
    for (i, r) in ev.raw.iter().take(MAX_RAW).enumerate() {
        let which = if n == 1 {
            "Raw event".to_string()
        } else {
            format!("Raw event {} of {n}", i + 1)
        };
        let _ = writeln!(s, "\n**{which}** — {}:\n", raw_place(r, code_md));
        match &r.text {
            Ok(t) => match pretty_json(t) {
                Some(p) => s.push_str(&fence(&p, "json")),
                None => s.push_str(&fence(&escape(t), "text")),
            },
            Err(e) => {
                let _ = writeln!(s, "*could not be read again:* {}", code_md(e));
            }
        }
    }
    if n > MAX_RAW {
        let _ = writeln!(
            s,
            "\n*{} more events not shown; the JSON export has them all.*",
            n - MAX_RAW
        );
    }
}

/// Status for the summary table: the label, and the entry that suppresses
/// the finding when one does.
fn status_cell(ev: &Evidence) -> String {
    let mut s = ev.status_text().to_string();
    if let Some(by) = ev.triage.as_ref().and_then(|t| t.suppressed_by.as_ref()) {
        let _ = write!(s, " (suppressed: {})", escape_md(&by.id));
    }
    s
}

/// The Markdown report: title, scope, summary table, then one section per
/// finding with the same content as the copy block.
pub fn write_report(
    out: &mut dyn Write,
    evidence: &[Evidence],
    scope: &ReportScope,
) -> io::Result<()> {
    out.write_all(report(evidence, scope).as_bytes())
}

/// [`write_report`] as a string.
pub fn report(evidence: &[Evidence], scope: &ReportScope) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", escape_md(&scope.title));
    s.push_str("## Scope\n\n");
    for (label, text) in scope.lines(evidence.len()) {
        let _ = writeln!(s, "- **{label}:** {}", escape_md(&text));
    }
    s.push_str("\n## Summary\n\n");
    if evidence.is_empty() {
        s.push_str("No findings.\n");
    } else {
        s.push_str("| # | Time | Score | Rule | Caller | Target | Source IP | Status |\n");
        s.push_str("|---:|---|---:|---|---|---|---|---|\n");
        for (i, ev) in evidence.iter().enumerate() {
            let f = &ev.finding;
            let opt = |v: &Option<String>| v.as_deref().map_or_else(|| "-".into(), code_cell);
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                i + 1,
                ev.zone.long(f.first_time),
                score(f.risk_score),
                escape_md(&ev.rule_name),
                opt(&ev.caller()),
                opt(&f.target_user),
                opt(&f.src),
                status_cell(ev)
            );
        }
    }
    for (i, ev) in evidence.iter().enumerate() {
        let _ = writeln!(s, "\n## {}. {}\n", i + 1, code_md(&ev.summary()));
        body(&mut s, ev);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_metacharacters_are_escaped() {
        assert_eq!(escape_md("a*b_c|d"), "a\\*b\\_c\\|d");
        assert_eq!(escape_md("[x](javascript:1)"), "\\[x\\]\\(javascript:1\\)");
        assert_eq!(escape_md("<b>&amp;"), "\\<b\\>\\&amp;");
        assert_eq!(escape_md("``code``"), "\\`\\`code\\`\\`");
    }

    #[test]
    fn control_characters_are_sanitised_before_markdown_escaping() {
        // The sanitiser writes `\u{1b}`; Markdown then escapes its backslash
        // and braces so the rendered text reads `\u{1b}`.
        assert_eq!(escape_md("a\x1b[2J"), "a\\\\u\\{1b\\}\\[2J");
        assert_eq!(escape_md("x\u{202e}y"), "x\\\\u\\{202e\\}y");
    }

    #[test]
    fn code_spans_outgrow_backtick_runs_and_keep_edges() {
        assert_eq!(code_md("https://evil.example"), "`https://evil.example`");
        assert_eq!(code_md("a``b"), "```a``b```");
        assert_eq!(code_md("`x"), "`` `x ``");
        assert_eq!(code_md(" x "), "`  x  `");
        assert_eq!(code_md(""), "` `");
        assert_eq!(code_md("a\x1bb"), "`a\\u{1b}b`");
        assert_eq!(code_cell("a|b"), "`a\\|b`");
    }

    #[test]
    fn fence_outgrows_backtick_runs() {
        assert!(fence("plain", "json").starts_with("```json\n"));
        let f = fence("a ````` b", "json");
        assert!(
            f.starts_with("``````json\n") && f.ends_with("\n``````\n"),
            "{f}"
        );
    }

    #[test]
    fn scores_read_well() {
        assert_eq!(score(63.0), "63");
        assert_eq!(score(62.5), "62.5");
    }
}
