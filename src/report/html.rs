//! The HTML report: one self-contained file, readable on screen and on
//! paper.
//!
//! No scripts, no external assets (styles are inline, in one `<style>`), and
//! a Content-Security-Policy that forbids loading or running anything, as a
//! second wall should an escape ever be missed. Every piece of log text goes
//! through [`esc`]: the sanitiser, then HTML escaping of `& < > " '`, so it is
//! safe in text and in quoted attributes alike. Log text is never placed in
//! an attribute in the first place; ids are our own numbers.

use super::evidence::{Evidence, ReportScope, pretty_json};
use super::markdown::{MAX_RAW, key_usage_sentence, raw_place, score};
use crate::sanitize::escape;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Log text as HTML: sanitised, then every character HTML gives a meaning
/// to (`&`, `<`, `>`, `"`, `'`) written as an entity.
pub fn esc(s: &str) -> String {
    html_escape::encode_quoted_attribute(&escape(s)).into_owned()
}

/// Styles: readable columns on screen; on paper, no backgrounds, long values
/// wrapped, and a finding kept off a page break where it fits.
const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f2f2f2}
td.n{text-align:right}
pre{background:#f6f6f6;border:1px solid #ddd;padding:.5rem;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem}
.muted{color:#555}
section.finding{margin-bottom:2rem}
@media print{body{margin:0;max-width:none;font-size:10pt}th,pre{background:none}a{color:inherit;text-decoration:none}section.finding{break-inside:avoid-page}h2{break-after:avoid-page}}
";

/// The HTML report: the same content as the Markdown report.
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
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(s, "<title>{}</title>", esc(&scope.title));
    let _ = writeln!(s, "<style>\n{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(s, "<h1>{}</h1>", esc(&scope.title));
    s.push_str("<h2>Scope</h2>\n<table>\n");
    for (label, text) in scope.lines(evidence.len()) {
        let _ = writeln!(s, "<tr><th>{}</th><td>{}</td></tr>", esc(label), esc(&text));
    }
    s.push_str("</table>\n<h2>Summary</h2>\n");
    if evidence.is_empty() {
        s.push_str("<p>No findings.</p>\n");
    } else {
        s.push_str("<table>\n<tr><th>#</th><th>Time</th><th>Score</th><th>Rule</th><th>Caller</th><th>Target</th><th>Source IP</th><th>Status</th></tr>\n");
        for (i, ev) in evidence.iter().enumerate() {
            let f = &ev.finding;
            let opt = |v: &Option<String>| v.as_deref().map_or_else(|| "-".into(), esc);
            let mut status = esc(ev.status_text());
            if let Some(by) = ev.triage.as_ref().and_then(|t| t.suppressed_by.as_ref()) {
                let _ = write!(status, " (suppressed: {})", esc(&by.id));
            }
            let _ = writeln!(
                s,
                "<tr><td class=\"n\"><a href=\"#f{n}\">{n}</a></td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&ev.zone.long(f.first_time)),
                score(f.risk_score),
                esc(&ev.rule_name),
                opt(&ev.caller()),
                opt(&f.target_user),
                opt(&f.src),
                status,
                n = i + 1,
            );
        }
        s.push_str("</table>\n");
    }
    for (i, ev) in evidence.iter().enumerate() {
        section(&mut s, i + 1, ev);
    }
    s.push_str("</body>\n</html>\n");
    s
}

fn section(s: &mut String, n: usize, ev: &Evidence) {
    let f = &ev.finding;
    let _ = writeln!(
        s,
        "<section class=\"finding\" id=\"f{n}\">\n<h2>{n}. {}</h2>\n<ul>",
        esc(&ev.summary())
    );
    let _ = writeln!(
        s,
        "<li><strong>Risk:</strong> {} — {}</li>",
        score(f.risk_score),
        esc(&f.risk_message)
    );
    let attack = ev.attack_text();
    let _ = writeln!(
        s,
        "<li><strong>ATT&amp;CK:</strong> {}</li>",
        if attack.is_empty() {
            "none listed".to_string()
        } else {
            attack.iter().map(|t| esc(t)).collect::<Vec<_>>().join("; ")
        }
    );
    for (label, text) in &ev.annotations {
        let _ = writeln!(s, "<li><strong>{label}:</strong> {}</li>", esc(text));
    }
    let _ = writeln!(
        s,
        "<li><strong>Rule:</strong> {} ({}), {} semantics; {}</li>\n</ul>",
        esc(&ev.rule_name),
        esc(&f.rule_id),
        f.semantics.name(),
        super::evidence::parity_sentence(f, |v| esc(v).to_string())
    );
    s.push_str("<table>\n");
    for kf in ev.key_fields() {
        let _ = writeln!(
            s,
            "<tr><th>{}</th><td>{}</td></tr>",
            kf.name,
            kf.value.as_deref().map_or_else(|| "-".into(), esc)
        );
    }
    s.push_str("</table>\n<ul>\n");
    let _ = writeln!(
        s,
        "<li><strong>Status:</strong> {}</li>",
        esc(ev.status_text())
    );
    if let Some(t) = &ev.triage {
        if let Some(by) = &t.suppressed_by {
            let _ = writeln!(
                s,
                "<li><strong>Suppressed by:</strong> allowlist entry {} — {}</li>",
                esc(&by.id),
                esc(&by.reason)
            );
        }
        if t.notes.is_empty() {
            s.push_str("<li><strong>Notes:</strong> none</li>\n");
        } else {
            s.push_str("<li><strong>Notes:</strong><ul>\n");
            for note in &t.notes {
                let _ = writeln!(
                    s,
                    "<li>{}, {}: {}</li>",
                    esc(&ev.zone.long(Some(note.at.timestamp_millis()))),
                    esc(&note.by),
                    esc(&note.text)
                );
            }
            s.push_str("</ul></li>\n");
        }
    }
    match &ev.key_usage {
        None => {
            s.push_str("<li><strong>Key usage:</strong> the finding created no access key</li>\n")
        }
        Some(u) => {
            let _ = write!(
                s,
                "<li><strong>Key usage:</strong> {}",
                key_usage_sentence(ev, u, esc)
            );
            if u.events > 0 {
                s.push_str("<ul>\n");
                for (label, t) in [
                    ("Source IPs", &u.source_ips),
                    ("User agents", &u.user_agents),
                    ("API calls", &u.api_calls),
                ] {
                    let list = t
                        .iter()
                        .map(|x| format!("{} ×{}", esc(&x.value), x.count))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let _ = writeln!(
                        s,
                        "<li>{label}: {}</li>",
                        if list.is_empty() { "none".into() } else { list }
                    );
                }
                s.push_str("</ul>");
            }
            s.push_str("</li>\n");
        }
    }
    s.push_str("</ul>\n");
    let total = ev.raw.len();
    for (i, r) in ev.raw.iter().take(MAX_RAW).enumerate() {
        let which = if total == 1 {
            "Raw event".to_string()
        } else {
            format!("Raw event {} of {total}", i + 1)
        };
        let _ = writeln!(
            s,
            "<p><strong>{which}</strong> — {}:</p>",
            raw_place(r, esc)
        );
        match &r.text {
            Ok(t) => {
                // Pretty JSON has dangerous characters as `\uXXXX` already;
                // the HTML escape makes `<`, `&` and quotes inert.
                let body = pretty_json(t).unwrap_or_else(|| escape(t).into_owned());
                let _ = writeln!(
                    s,
                    "<pre><code>{}</code></pre>",
                    html_escape::encode_quoted_attribute(&body)
                );
            }
            Err(e) => {
                let _ = writeln!(
                    s,
                    "<p class=\"muted\">could not be read again: {}</p>",
                    esc(e)
                );
            }
        }
    }
    if total > MAX_RAW {
        let _ = writeln!(
            s,
            "<p class=\"muted\">{} more events not shown; the JSON export has them all.</p>",
            total - MAX_RAW
        );
    }
    s.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_tags_and_quotes_are_entities() {
        assert_eq!(
            esc("<script>alert('x')</script>\"&"),
            "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&amp;"
        );
    }

    #[test]
    fn control_characters_are_sanitised_too() {
        assert_eq!(esc("a\x1b[2J\u{202e}"), "a\\u{1b}[2J\\u{202e}");
    }
}
