//! The terminal table of `trailhunt scan`.

use crate::event::Index;
use crate::event::time::rfc3339;
use crate::rules::{Finding, RuleSet};
use crate::sanitize::escape_truncated;
use std::io::{self, Write};

/// `arn:aws:iam::123:user/alice` → `user/alice`; anything else as is.
pub fn short_arn(arn: &str) -> &str {
    match arn.splitn(6, ':').nth(5) {
        Some(rest) if !rest.is_empty() => rest,
        _ => arn,
    }
}

/// The first product token of a user agent (`aws-cli/2.15.30`).
pub fn short_agent(ua: &str) -> &str {
    ua.split_whitespace().next().unwrap_or(ua)
}

pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    _index: &Index,
    _rules: &RuleSet,
) -> io::Result<()> {
    const COLS: [(&str, usize); 10] = [
        ("TIME (UTC)", 20),
        ("SCORE", 5),
        ("CALLER", 34),
        ("TARGET", 18),
        ("SRC", 15),
        ("AGENT", 18),
        ("ACCOUNT", 12),
        ("REGION", 14),
        ("N", 3),
        ("SEED", 4),
    ];
    let rows: Vec<[String; 10]> = findings
        .iter()
        .map(|f| {
            let caller = match (&f.actor_arn, &f.actor_type) {
                (Some(a), Some(t)) => format!("{} ({t})", short_arn(a)),
                (Some(a), None) => short_arn(a).to_string(),
                (None, Some(t)) => format!("({t})"),
                (None, None) => "-".into(),
            };
            let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            [
                rfc3339(f.first_time).unwrap_or_else(|| "-".into()),
                format!("{}", f.risk_score),
                caller,
                opt(&f.target_user),
                opt(&f.src),
                short_agent(f.user_agent.as_deref().unwrap_or("-")).to_string(),
                opt(&f.account),
                opt(&f.region),
                f.count.to_string(),
                // A Sigma finding has no Splunk search to compare with.
                match (f.semantics, f.splunk_parity) {
                    (crate::rules::Semantics::Sigma, _) => "n/a",
                    (_, true) => "yes",
                    (_, false) => "no",
                }
                .to_string(),
            ]
        })
        .map(|r| {
            let mut i = 0;
            r.map(|c| {
                let s = escape_truncated(&c, COLS[i].1);
                i += 1;
                s
            })
        })
        .collect();
    let widths: Vec<usize> = (0..COLS.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([COLS[i].0.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i].saturating_sub(c.chars().count())));
            }
        }
        s
    };
    writeln!(out, "{}", line(COLS.iter().map(|c| c.0).collect()))?;
    for r in &rows {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms() {
        assert_eq!(short_arn("arn:aws:iam::1:user/alice"), "user/alice");
        assert_eq!(
            short_arn("arn:aws:sts::1:assumed-role/R/s"),
            "assumed-role/R/s"
        );
        assert_eq!(short_arn("weird"), "weird");
        assert_eq!(short_agent("aws-cli/2.0 Python/3"), "aws-cli/2.0");
    }

    fn finding(semantics: crate::rules::Semantics, parity: bool) -> Finding {
        Finding {
            rule: 0,
            rule_id: "r".into(),
            semantics,
            key: "k".into(),
            events: vec![],
            count: 1,
            first_time: None,
            last_time: None,
            group: vec![],
            event_id: None,
            event_name: None,
            actor_arn: None,
            actor_type: None,
            target_user: None,
            src: None,
            user_agent: None,
            account: None,
            region: None,
            new_key: None,
            caller_key: None,
            risk_score: 50.0,
            risk_message: String::new(),
            splunk_parity: parity,
            why: vec![],
            splunk_verdict: String::new(),
            roles: Vec::new(),
        }
    }

    /// The SEED column of each row (the last cell).
    fn seed_cells(findings: &[Finding]) -> Vec<String> {
        let mut out = Vec::new();
        write(&mut out, findings, &Index::default(), &RuleSet::default()).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().last().unwrap().to_string())
            .collect()
    }

    #[test]
    fn a_sigma_finding_has_no_seed_parity_to_show() {
        use crate::rules::Semantics::{Sigma, Strict};
        // `splunk_parity` is meaningless for a Sigma finding, whatever it holds.
        let cells = seed_cells(&[
            finding(Strict, true),
            finding(Strict, false),
            finding(Sigma, true),
            finding(Sigma, false),
        ]);
        assert_eq!(cells, ["yes", "no", "n/a", "n/a"]);
    }
}
