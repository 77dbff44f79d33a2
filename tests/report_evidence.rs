//! Evidence out (issue 5): the copy block, the raw event, every export format
//! against golden files, hostile log text in every output, and
//! `scan --format markdown|html --output FILE`.
//!
//! Golden files live in `tests/golden/`; after a deliberate change, run
//! `UPDATE_GOLDEN=1 cargo test --test report_evidence`, then read the diff.

use assert_cmd::Command;
use chrono::{TimeZone, Utc};
use std::path::{Path, PathBuf};
use trailhunt::clipboard::{Wrap, osc52_sequence};
use trailhunt::event::Index;
use trailhunt::event::zone::Zone;
use trailhunt::loader::{LoadOptions, load};
use trailhunt::report::evidence::{Evidence, ReportScope};
use trailhunt::report::{self, ExportFormat, csv as report_csv, markdown};
use trailhunt::rules::{Finding, RuleSet, Semantics};
use trailhunt::triage::{FindingTriage, Note, Status, Suppression};

const LOGS: &str = "tests/fixtures/report/logs";

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture, loaded by a path relative to the package (cargo runs tests
/// from there) so golden files do not depend on where the checkout is.
fn fixture() -> (Index, RuleSet, Vec<Finding>) {
    let rules = RuleSet::builtin();
    let opts = LoadOptions {
        keep_raw: rules.keep_raw(),
        ..LoadOptions::default()
    };
    let index = load(&[PathBuf::from(LOGS)], &opts, &mut |_| {});
    assert!(index.errors.is_empty(), "{:?}", index.errors);
    let out = rules.run(&index, Semantics::Strict);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(
        out.findings.len(),
        2,
        "alice → bob, and mallory's hostile one"
    );
    (index, rules, out.findings)
}

fn at(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&Utc)
}

/// Triage as a responder would have it: the first finding investigated with
/// a note, the hostile one suppressed with a hostile reason and note.
fn triage() -> Vec<FindingTriage> {
    vec![
        FindingTriage {
            suppressed_by: None,
            status: Status::Investigating,
            notes: vec![Note {
                by: "analyst".into(),
                at: at("2026-11-03T09:00:00Z"),
                text: "Asked bob's manager; the key was not expected.".into(),
            }],
        },
        FindingTriage {
            suppressed_by: Some(Suppression {
                entry: 0,
                id: "ci-rotation".into(),
                reason: "rotation job <b>|ok|</b>".into(),
            }),
            status: Status::FalsePositive,
            notes: vec![Note {
                by: "analyst".into(),
                at: at("2026-11-03T09:30:00Z"),
                text: "pasted: \u{1b}[31mred` *x*".into(),
            }],
        },
    ]
}

fn build(zone: Zone) -> (Vec<Evidence>, ReportScope) {
    let (index, rules, findings) = fixture();
    let t = triage();
    let ev = Evidence::build_all(&findings, Some(&t), &index, &rules, zone);
    let mut scope = ReportScope::new(&index, &rules, Semantics::Strict, findings.len(), zone);
    scope.generated = Some(
        Utc.with_ymd_and_hms(2026, 11, 5, 12, 0, 0)
            .unwrap()
            .timestamp_millis(),
    );
    scope.tool = "trailhunt (test)".into();
    scope.allowlist = Some("allowlist.toml (1 entries: 1 active, 0 expired, 0 disabled)".into());
    scope.suppressed = 1;
    scope.include_suppressed = true;
    scope.filter = Some("user:bob".into());
    (ev, scope)
}

fn paris() -> Zone {
    Zone::parse("Europe/Paris").unwrap()
}

fn export(format: ExportFormat, zone: Zone) -> String {
    let (ev, scope) = build(zone);
    let mut out = Vec::new();
    report::export(format, &ev, &scope, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Compares with (or, with `UPDATE_GOLDEN=1`, writes) `tests/golden/NAME`.
fn golden(name: &str, actual: &str) {
    let path = manifest().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "{name} differs from its golden file at line {}:\n  got:      {:?}\n  expected: {:?}\n(UPDATE_GOLDEN=1 rewrites it; review the diff)",
            line + 1,
            actual.lines().nth(line),
            expected.lines().nth(line)
        );
    }
}

/// Characters no human-facing output may contain raw.
fn assert_no_raw_controls(what: &str, s: &str) {
    for (i, c) in s.char_indices() {
        let allowed = c == '\n';
        assert!(
            allowed || !trailhunt::sanitize::is_dangerous(c),
            "{what}: raw {c:?} at byte {i}: {:?}",
            &s[i.saturating_sub(40)..(i + 40).min(s.len())]
        );
    }
}

// ------------------------------------------------------------ golden files --

#[test]
fn golden_markdown_report() {
    golden("report.md", &export(ExportFormat::Markdown, paris()));
}

#[test]
fn golden_html_report() {
    golden("report.html", &export(ExportFormat::Html, paris()));
}

#[test]
fn golden_csv() {
    golden("report.csv", &export(ExportFormat::Csv, Zone::Utc));
}

#[test]
fn golden_json() {
    golden("report.json", &export(ExportFormat::Json, Zone::Utc));
}

#[test]
fn golden_ndjson() {
    golden("report.ndjson", &export(ExportFormat::Ndjson, Zone::Utc));
}

#[test]
fn golden_copy_block_and_raw_event() {
    let (ev, _) = build(Zone::Utc);
    golden("copy_block.md", &markdown::copy_block(&ev));
    golden("raw_event.json", &markdown::raw_json(&ev[0]).unwrap());
    golden(
        "raw_hostile_event.json",
        &markdown::raw_json(&ev[1]).unwrap(),
    );
}

// --------------------------------------------------------------- the model --

#[test]
fn key_usage_counts_the_events_signed_with_the_new_key() {
    let (ev, _) = build(Zone::Utc);
    let u = ev[0].key_usage.as_ref().unwrap();
    assert_eq!(u.key, "AKIANEWBOBEXAMPLE001");
    assert_eq!(u.events, 4);
    assert_eq!(u.errors, 1);
    assert_eq!(u.source_ips[0].value, "198.51.100.7");
    assert_eq!(u.source_ips[0].count, 3);
    assert_eq!(
        u.api_calls
            .iter()
            .map(|t| t.value.as_str())
            .collect::<Vec<_>>(),
        [
            "CreateUser",
            "GetCallerIdentity",
            "ListBuckets",
            "ListUsers"
        ]
    );
    assert_eq!(
        trailhunt::event::time::rfc3339(u.first_time).unwrap(),
        "2026-11-02T10:05:00Z"
    );
}

#[test]
fn one_finding_built_alone_equals_the_batch() {
    let (index, rules, findings) = fixture();
    let t = triage();
    let all = Evidence::build_all(&findings, Some(&t), &index, &rules, Zone::Utc);
    let one = Evidence::build(&findings[0], &index, &rules, Some(&t[0]), Zone::Utc);
    assert_eq!(
        markdown::copy_block(std::slice::from_ref(&one)),
        markdown::copy_block(&all[..1])
    );
}

#[test]
fn raw_events_name_their_file_line_and_deliveries() {
    let (ev, _) = build(Zone::Utc);
    let r = &ev[0].raw[0];
    assert_eq!(r.file, format!("{LOGS}/cloudtrail-a.jsonl"));
    assert_eq!((r.line, r.copies), (1, 2));
    let block = markdown::copy_block(&ev[..1]);
    assert!(block.contains("cloudtrail-a.jsonl`, line 1 (delivered 2 times)"));
}

#[test]
fn times_carry_the_zone_offset() {
    let (ev, _) = build(paris());
    assert!(ev[0].summary().contains("2026-11-02 11:00:00 +01:00"));
    let (ev, _) = build(Zone::Utc);
    assert!(ev[0].summary().contains("2026-11-02 10:00:00 +00:00"));
}

#[test]
fn without_triage_the_status_says_not_recorded() {
    let (index, rules, findings) = fixture();
    let ev = Evidence::build(&findings[0], &index, &rules, None, Zone::Utc);
    let block = markdown::copy_block(&[ev]);
    assert!(block.contains("- **Status:** not recorded"), "{block}");
}

#[test]
fn raw_json_keeps_key_order_and_exact_values() {
    let (ev, _) = build(Zone::Utc);
    let text = markdown::raw_json(&ev[1]).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
        .map(|l| l.trim_start().split('"').nth(1).unwrap())
        .collect();
    assert_eq!(
        &keys[..4],
        ["eventVersion", "userIdentity", "eventTime", "eventSource"]
    );
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    let orig: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(manifest().join(LOGS).join("cloudtrail-a.jsonl"))
            .unwrap()
            .lines()
            .nth(5)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(back, orig, "the same event, value for value");
    assert_no_raw_controls("raw json", &text);
}

#[test]
fn several_findings_raw_json_is_an_array() {
    let (ev, _) = build(Zone::Utc);
    let text = markdown::raw_json_many(&ev).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
}

// ------------------------------------------------------------ hostile text --

#[test]
fn control_characters_never_reach_any_output_raw() {
    for f in ExportFormat::ALL {
        let text = export(f, paris());
        assert_no_raw_controls(f.name(), &text);
        assert!(
            !text.contains('\u{7}') && !text.contains('\u{1b}'),
            "{}",
            f.name()
        );
    }
    let (ev, _) = build(Zone::Utc);
    assert_no_raw_controls("copy block", &markdown::copy_block(&ev));
}

#[test]
fn ansi_and_osc52_sequences_in_the_user_agent_are_shown_escaped() {
    let md = export(ExportFormat::Markdown, Zone::Utc);
    // The sanitiser's `\u{1b}`, literal inside a code span.
    assert!(md.contains("\\u{1b}[2J\\u{1b}]52;c;ZXZpbA=="), "{md}");
    let html = export(ExportFormat::Html, Zone::Utc);
    assert!(html.contains("\\u{1b}[2J\\u{1b}]52;c;ZXZpbA==\\u{7}"));
}

#[test]
fn forged_escapes_stay_distinguishable_from_real_ones() {
    // The log's literal text `\u{1b}` has its backslash doubled.
    let html = export(ExportFormat::Html, Zone::Utc);
    assert!(html.contains("$x$ \\\\u{1b}"), "literal backslash doubled");
}

#[test]
fn bidi_overrides_are_escaped_in_every_format() {
    for f in ExportFormat::ALL {
        let text = export(f, Zone::Utc);
        assert!(!text.contains('\u{202e}'), "{}", f.name());
        assert!(!text.contains('\u{9b}'), "{}", f.name());
    }
    let json = export(ExportFormat::Json, Zone::Utc);
    assert!(json.contains("\\u202e"), "JSON writes it as a JSON escape");
}

#[test]
fn json_carries_hostile_values_exactly() {
    let json = export(ExportFormat::Json, Zone::Utc);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v[1]["target_user"],
        "-bob\u{202e}<img src=x onerror=alert(1)>|`x`*"
    );
    let ua = v[1]["raw_events"][0]["event"]["userAgent"]
        .as_str()
        .unwrap();
    assert!(ua.starts_with("\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}"));
    assert!(ua.contains('\u{9b}') && ua.contains('\u{202e}'));
    assert_eq!(v[1]["suppressed_by"]["reason"], "rotation job <b>|ok|</b>");
    for line in export(ExportFormat::Ndjson, Zone::Utc).lines() {
        let one: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(one["raw_events"][0]["event"].is_object());
    }
}

#[test]
fn markdown_escapes_metacharacters_in_log_values() {
    let all = export(ExportFormat::Markdown, Zone::Utc);
    // Inside a fence or a code span, text is literal; everywhere else a
    // log value must not appear at all.
    let md = outside_fences(&all);
    let prose = outside_code_spans(&md);
    assert!(
        all.contains("<script>") && !prose.contains("<script>"),
        "raw HTML would render"
    );
    assert!(!prose.contains("[link](javascript"), "a live link");
    assert!(
        md.contains("``````\\u{1b}[2J"),
        "the user agent opens a code span"
    );
    assert!(md.contains("*bold* _em_ [link](javascript:alert(1))"));
    // Table cells: every `|` from a log value is escaped, even inside a
    // code span (GFM splits cells first), so each row of a table has
    // exactly its columns (key fields: 2, summary: 8).
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let n = unescaped_pipes(line);
        assert!(n == 3 || n == 9, "{n} separators in {line:?}");
    }
}

/// The Markdown lines outside fenced code blocks.
fn outside_fences(md: &str) -> String {
    let mut open: Option<usize> = None;
    let mut out = String::new();
    for line in md.lines() {
        let ticks = line.chars().take_while(|&c| c == '`').count();
        match open {
            None if ticks >= 3 => open = Some(ticks),
            None => {
                out.push_str(line);
                out.push('\n');
            }
            Some(n) if ticks >= n && line.trim_end().len() == ticks => open = None,
            Some(_) => {}
        }
    }
    out
}

/// `|` not escaped: preceded by an even number of backslashes.
fn unescaped_pipes(line: &str) -> usize {
    let b = line.as_bytes();
    (0..b.len())
        .filter(|&i| {
            b[i] == b'|' && b[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 0
        })
        .count()
}

#[test]
fn the_fence_outgrows_every_backtick_run_in_the_event() {
    let (ev, _) = build(Zone::Utc);
    let block = markdown::copy_block(&ev[1..]);
    // The user agent holds five backticks in a row: the fence needs six.
    let fence_line = block.lines().find(|l| l.starts_with("```")).unwrap();
    assert_eq!(fence_line, "``````json");
    let body_start = block.find("``````json\n").unwrap() + "``````json\n".len();
    let body_end = body_start + block[body_start..].find("\n``````\n").unwrap();
    let body = &block[body_start..body_end];
    assert!(body.contains("`````five"));
    assert!(!body.lines().any(|l| l.trim_start().starts_with("``````")));
    serde_json::from_str::<serde_json::Value>(body).expect("the fenced event is JSON");
}

#[test]
fn html_escapes_everything_and_runs_nothing() {
    let html = export(ExportFormat::Html, Zone::Utc);
    assert!(!html.contains("<script"), "no script, from logs or ours");
    assert!(!html.contains("<img"), "no element from a log value");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no external asset"
    );
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("@media print"));
    // Every attribute value is one of ours.
    for (i, _) in html.match_indices("=\"") {
        let attr_start = html[..i].rfind(' ').unwrap() + 1;
        let name = &html[attr_start..i];
        assert!(
            [
                "lang",
                "charset",
                "http-equiv",
                "content",
                "name",
                "class",
                "id",
                "href"
            ]
            .contains(&name),
            "unexpected attribute {name:?}"
        );
    }
}

#[test]
fn csv_neutralises_formulas_from_the_logs() {
    let text = export(ExportFormat::Csv, Zone::Utc);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        for (h, cell) in headers.iter().zip(row.iter()) {
            assert!(
                !report_csv::is_risky(cell) || cell.starts_with('\''),
                "{h}: {cell:?} could run as a formula"
            );
        }
    }
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[1][col("src")], "'@SUM(1+1)*cmd|' /C calc'!A0");
    assert!(rows[1][col("target_user")].starts_with("'-bob\\u{202e}<img"));
    assert!(rows[1][col("user_agent")].starts_with("\\u{1b}[2J"));
}

#[test]
fn splunk_csv_neutralises_formulas_too() {
    let (index, rules, _) = fixture();
    let out = rules.run(&index, Semantics::Splunk);
    let mut buf = Vec::new();
    report::write(
        &mut buf,
        report::Format::Csv,
        &out.findings,
        &index,
        &rules,
        Semantics::Splunk,
    )
    .unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(text.contains(",'@SUM(1+1)"), "{text}");
    assert_no_raw_controls("splunk csv", &text);
}

#[test]
fn the_copy_block_sent_over_osc52_cannot_break_out() {
    let (ev, _) = build(Zone::Utc);
    let block = markdown::copy_block(&ev);
    for wrap in [Wrap::None, Wrap::Tmux] {
        let seq = osc52_sequence(&block, wrap).unwrap();
        let (head, tail) = match wrap {
            Wrap::None => ("\x1b]52;c;", "\x07"),
            _ => ("\x1bPtmux;\x1b\x1b]52;c;", "\x07\x1b\\"),
        };
        let payload = seq.strip_prefix(head).unwrap().strip_suffix(tail).unwrap();
        assert!(
            payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        );
        use base64::Engine;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .unwrap();
        assert_eq!(decoded, block.as_bytes());
    }
}

// -------------------------------------------------------------------- scan --

fn trailhunt(data: &Path) -> Command {
    let mut c = Command::cargo_bin("trailhunt").unwrap();
    c.current_dir(manifest())
        .env("TRAILHUNT_DATA_DIR", data)
        .env_remove("TZ");
    c
}

#[test]
fn scan_writes_markdown_and_html_reports_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    for (fmt, first) in [
        ("markdown", "# trailhunt report"),
        ("html", "<!DOCTYPE html>"),
    ] {
        let out = dir.path().join(format!("report.{fmt}"));
        trailhunt(&dir.path().join("data"))
            .args([
                "scan",
                "--no-cache",
                // The seed's two findings; the pack's are another test's.
                "--no-pack",
                "--tz",
                "Europe/Paris",
                "--format",
                fmt,
                "--output",
            ])
            .arg(&out)
            .arg(LOGS)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicates::str::contains("wrote 2 findings to"));
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.starts_with(first), "{fmt}: {text}");
        assert!(text.contains("Europe/Paris"));
        assert!(text.contains("2026-11-02 11:00:00 +01:00"));
        assert_no_raw_controls(fmt, &text);
    }
}

#[test]
fn scan_output_works_for_every_format_and_matches_stdout() {
    let dir = tempfile::tempdir().unwrap();
    for fmt in ["table", "json", "ndjson", "csv"] {
        let file = dir.path().join(format!("out.{fmt}"));
        trailhunt(&dir.path().join("data"))
            .args(["scan", "--no-cache", "--format", fmt, "-o"])
            .arg(&file)
            .arg(LOGS)
            .assert()
            .code(1);
        let stdout = trailhunt(&dir.path().join("data"))
            .args(["scan", "--no-cache", "--format", fmt])
            .arg(LOGS)
            .output()
            .unwrap()
            .stdout;
        assert_eq!(std::fs::read(&file).unwrap(), stdout, "{fmt}");
    }
}

#[test]
fn scan_never_leaves_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/report.md");
    trailhunt(&dir.path().join("data"))
        .args(["scan", "--no-cache", "--format", "markdown", "--output"])
        .arg(&missing)
        .arg(LOGS)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot write"));
    assert!(!missing.exists());
    // An existing report is replaced whole, and nothing else is left behind.
    let out = dir.path().join("r.md");
    std::fs::write(&out, "old").unwrap();
    trailhunt(&dir.path().join("data"))
        .args(["scan", "--no-cache", "--format", "markdown", "--output"])
        .arg(&out)
        .arg(LOGS)
        .assert()
        .code(1);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("# trailhunt report")
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn a_bad_zone_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    trailhunt(&dir.path().join("data"))
        .args([
            "scan",
            "--no-cache",
            "--tz",
            "Mars/Olympus",
            "--format",
            "markdown",
        ])
        .arg(LOGS)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown time zone"));
}

#[test]
fn export_to_file_names_and_writes_atomically() {
    let (ev, scope) = build(Zone::Utc);
    let dir = tempfile::tempdir().unwrap();
    let name = ExportFormat::Markdown.file_name(scope.generated.unwrap());
    assert_eq!(name, "trailhunt-20261105T120000Z.md");
    let path = dir.path().join(name);
    report::export_to_file(ExportFormat::Markdown, &ev, &scope, &path).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        markdown::report(&ev, &scope)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a new evidence file is private");
    }
}

/// What a GFM renderer's extended-autolink pass (cmark-gfm's `autolink`
/// extension, linkify-style) would turn into a live link: `www.`, a
/// `scheme://`, or a bare e-mail address, in text outside fenced blocks and
/// code spans. Deliberately wider than GFM (any `://`, any `www.`).
fn gfm_autolinks(md: &str) -> Vec<String> {
    let text = outside_code_spans(&outside_fences(md));
    let mut hits = Vec::new();
    for (i, _) in text.match_indices("://") {
        hits.push(text[i.saturating_sub(12)..(i + 12).min(text.len())].to_string());
    }
    for (i, _) in text.to_ascii_lowercase().match_indices("www.") {
        hits.push(text[i..(i + 16).min(text.len())].to_string());
    }
    let b = text.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || b".+-_".contains(&c);
    for (i, _) in text.match_indices('@') {
        let domain = &text[i + 1..];
        let dom_len = domain
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || b".-_".contains(c))
            .count();
        if i > 0 && local(b[i - 1]) && domain[..dom_len].trim_end_matches('.').contains('.') {
            hits.push(text[i.saturating_sub(12)..(i + 1 + dom_len).min(text.len())].to_string());
        }
    }
    hits
}

/// `md` without its code spans: a run of N backticks (not backslash-escaped)
/// opens one, the next run of exactly N closes it.
fn outside_code_spans(md: &str) -> String {
    let c: Vec<char> = md.chars().collect();
    let run = |i: usize| c[i..].iter().take_while(|&&x| x == '`').count();
    let (mut out, mut i) = (String::new(), 0);
    while i < c.len() {
        if c[i] == '\\' && i + 1 < c.len() {
            out.push(c[i]);
            out.push(c[i + 1]);
            i += 2;
            continue;
        }
        if c[i] != '`' {
            out.push(c[i]);
            i += 1;
            continue;
        }
        let n = run(i);
        let mut j = i + n;
        let mut closed = None;
        while j < c.len() {
            if c[j] == '`' {
                let m = run(j);
                if m == n {
                    closed = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match closed {
            Some(end) => {
                out.push_str(" CODE ");
                i = end;
            }
            None => {
                // An unclosed run is literal backticks.
                out.extend(&c[i..i + n]);
                i += n;
            }
        }
    }
    out
}

#[test]
fn gfm_autolink_check_sees_what_a_renderer_would_link() {
    // The checker itself must catch what it is there to catch.
    assert_eq!(gfm_autolinks("see https://evil.example/x").len(), 1);
    assert_eq!(gfm_autolinks("see www.evil.example").len(), 1);
    assert_eq!(gfm_autolinks("mail victim@evil.example now").len(), 1);
    assert!(gfm_autolinks("see `https://evil.example/x` and ``www.a`b``").is_empty());
    assert!(gfm_autolinks("```\nhttps://evil.example\n```\n").is_empty());
    assert!(gfm_autolinks("from @SUM\\(1+1\\)").is_empty());
}

#[test]
fn no_log_value_is_a_live_link_in_markdown_under_gfm_autolinking() {
    let (ev, _) = build(Zone::Utc);
    let report = export(ExportFormat::Markdown, Zone::Utc);
    let block = markdown::copy_block(&ev);
    // The fixture's hostile user agent carries `=HYPERLINK("http://evil…")`.
    assert!(report.contains("http://evil.example"));
    for (what, md) in [("report", &report), ("copy block", &block)] {
        let hits = gfm_autolinks(md);
        assert!(hits.is_empty(), "{what}: GFM would link {hits:?}");
    }
}

#[test]
fn urls_and_addresses_in_any_log_field_stay_inert() {
    let dir = tempfile::tempdir().unwrap();
    let ev = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/www.evil.example","accountId":"111122223333","accessKeyId":"AKIAEVILEXAMPLE00001","userName":"www.evil.example"},"eventTime":"2026-11-02T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","sourceIPAddress":"https://evil.example/phish","userAgent":"victim@evil.example https://evil.example/ua","requestParameters":{"userName":"=HYPERLINK(\"https://evil.example/h\",\"x\")"},"responseElements":{"accessKey":{"userName":"=HYPERLINK(\"https://evil.example/h\",\"x\")","accessKeyId":"AKIANEWEVILEXAMPLE01","status":"Active"}},"eventID":"e1","eventType":"AwsApiCall","recipientAccountId":"111122223333"}"#;
    std::fs::write(dir.path().join("evil.jsonl"), format!("{ev}\n")).unwrap();
    let rules = RuleSet::builtin();
    let opts = LoadOptions {
        keep_raw: rules.keep_raw(),
        ..LoadOptions::default()
    };
    let index = load(&[dir.path().to_path_buf()], &opts, &mut |_| {});
    let out = rules.run(&index, Semantics::Strict);
    assert_eq!(out.findings.len(), 1);
    let evidence = Evidence::build_all(&out.findings, None, &index, &rules, Zone::Utc);
    let scope = ReportScope::new(&index, &rules, Semantics::Strict, 1, Zone::Utc);
    let mut buf = Vec::new();
    report::export(ExportFormat::Markdown, &evidence, &scope, &mut buf).unwrap();
    let report = String::from_utf8(buf).unwrap();
    for (what, md) in [
        ("report", report),
        ("copy block", markdown::copy_block(&evidence)),
    ] {
        assert!(md.contains("evil.example/phish"), "{what} shows the value");
        let hits = gfm_autolinks(&md);
        assert!(hits.is_empty(), "{what}: GFM would link {hits:?}\n{md}");
    }
}

#[test]
fn export_to_file_never_overwrites_an_earlier_file() {
    let (ev, scope) = build(Zone::Utc);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trailhunt-20261105T120000Z.md");
    std::fs::write(&path, "an earlier report").unwrap();
    let first = report::export_to_file(ExportFormat::Markdown, &ev, &scope, &path).unwrap();
    let second = report::export_to_file(ExportFormat::Markdown, &ev, &scope, &path).unwrap();
    assert_eq!(first, dir.path().join("trailhunt-20261105T120000Z-2.md"));
    assert_eq!(second, dir.path().join("trailhunt-20261105T120000Z-3.md"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "an earlier report");
    assert_eq!(
        std::fs::read_to_string(&second).unwrap(),
        markdown::report(&ev, &scope)
    );
}

// ------------------------------------------------------- reports name rules --

/// The public corpus with the pack loaded beside the seed: findings of
/// several rules, Sigma ones among them.
fn export_with_pack(format: ExportFormat) -> String {
    let mut rules = RuleSet::builtin();
    rules
        .add_dir(&manifest().join("assets/rules/aws-iam-privesc"))
        .unwrap();
    let opts = LoadOptions {
        keep_raw: rules.keep_raw(),
        ..LoadOptions::default()
    };
    let index = load(
        &[PathBuf::from(
            "tests/fixtures/corpus/aws.persistence.iam-create-admin-user.json",
        )],
        &opts,
        &mut |_| {},
    );
    let findings = rules.run(&index, Semantics::Strict).findings;
    assert!(findings.iter().any(|f| f.semantics == Semantics::Sigma));
    let ev = Evidence::build_all(&findings, None, &index, &rules, Zone::Utc);
    let scope = ReportScope::new(&index, &rules, Semantics::Strict, findings.len(), Zone::Utc);
    let mut out = Vec::new();
    report::export(format, &ev, &scope, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

// create_user.yml, as the pack writes it.
const CREATE_USER_ID: &str = "a4424ab4-084c-4a48-817d-2d0b3631e6e9";
const CREATE_USER: &str = "AWS IAM User Created";

#[test]
fn csv_rows_carry_the_rule_id_and_name() {
    let text = export_with_pack(ExportFormat::Csv);
    let mut r = ::csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..2], ["rule_id", "rule_name"]);
    let rows: Vec<::csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(
        rows.iter()
            .any(|row| &row[0] == CREATE_USER_ID && &row[1] == CREATE_USER),
        "{text}"
    );
}

#[test]
fn markdown_and_html_summaries_name_each_findings_rule_and_its_annotations() {
    let md = export_with_pack(ExportFormat::Markdown);
    assert!(
        md.contains("| # | Time | Score | Rule | Caller | Target | Source IP | Status |"),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with("| 1 |"))
        .unwrap_or_else(|| panic!("{md}"));
    assert_eq!(row.matches(" | ").count(), 7, "{row}");
    assert!(md.contains(&format!("| {CREATE_USER} |")), "{md}");
    // The Sigma rule's custom annotations, under its ATT&CK line.
    assert!(
        md.contains("- **Analytic story:** AWS IAM Privilege Escalation"),
        "{md}"
    );
    assert!(
        md.contains("T1136.003 Cloud Account \\(persistence\\)"),
        "{md}"
    );
    let html = export_with_pack(ExportFormat::Html);
    assert!(html.contains("<th>Rule</th>"), "{html}");
    assert!(html.contains(&format!("<td>{CREATE_USER}</td>")), "{html}");
    assert!(
        html.contains("<li><strong>Analytic story:</strong> AWS IAM Privilege Escalation</li>"),
        "{html}"
    );
}

#[test]
fn the_splunk_csv_stays_the_seeds_result_table() {
    let (index, rules, _) = fixture();
    let findings = rules.run(&index, Semantics::Splunk).findings;
    let mut out = Vec::new();
    report_csv::write_splunk(&mut out, &findings, &rules).unwrap();
    let text = String::from_utf8(out).unwrap();
    let header = text.lines().next().unwrap();
    assert!(!header.contains("rule"), "{header}");
    assert!(header.ends_with("count,firstTime,lastTime"), "{header}");
}
