//! The JSON shape of a finding, shared by `scan --format json|ndjson|csv`.

use crate::event::Index;
use crate::event::time::rfc3339;
use crate::rules::{Finding, RuleSet};
use serde_json::{Value, json};

/// Columns of `scan --format csv` (strict semantics), dotted into objects.
pub const CSV_COLUMNS: &[&str] = &[
    "rule_id",
    "rule_name",
    "event_id",
    "event_time",
    "actor_arn",
    "actor_type",
    "target_user",
    "src",
    "user_agent",
    "account",
    "region",
    "count",
    "first_time",
    "last_time",
    "risk_score",
    "risk_message",
    "splunk_parity",
    "new_access_key_id",
    "source.file",
    "source.line",
    "source.offset",
];

/// A finding as a JSON object. Log values are carried exactly.
pub fn to_json(f: &Finding, index: &Index, rules: &RuleSet) -> Value {
    let ids = f
        .events
        .iter()
        .map(|&i| index.event_id(&index.events[i]))
        .collect();
    to_json_with_ids(f, index, rules, ids)
}

/// [`to_json`] when the caller has the events' IDs (from their raw JSON,
/// which the index does not keep), in the finding's event order.
pub fn to_json_with_ids(
    f: &Finding,
    index: &Index,
    rules: &RuleSet,
    event_ids: Vec<Option<String>>,
) -> Value {
    let first = &index.events[f.events[0]];
    let loc = |l: &crate::event::Loc| {
        json!({
            "file": crate::event::show_path(&index.files[l.file as usize].path),
            "line": l.line,
            "offset": l.offset,
        })
    };
    let copies: Vec<Value> = f
        .events
        .iter()
        .flat_map(|&i| {
            let e = &index.events[i];
            std::iter::once(e.loc()).chain(index.other_locs(e).iter().copied())
        })
        .map(|l| loc(&l))
        .collect();
    let lr = rules.rules.get(f.rule);
    let sigma = f.semantics == crate::rules::Semantics::Sigma;
    // Every event the finding spans, in order; `event_id` stays the first.
    // Each event's role in a correlation (the referred rule it matched),
    // parallel to `event_ids`; null for an event of any other finding.
    let roles: Vec<Option<&str>> = f
        .events
        .iter()
        .map(|&i| {
            f.roles
                .iter()
                .find(|(e, _)| *e == i)
                .map(|(_, r)| r.as_str())
        })
        .collect();
    // The rule's annotations besides ATT&CK (which the evidence's `attack`
    // carries): empty lists when the rule has none.
    let annotations = lr.map(|r| &r.rule.annotations).map(|a| {
        json!({
            "analytic_story": a.analytic_story,
            "kill_chain_phases": a.kill_chain_phases,
            "nist": a.nist,
            "cis20": a.cis20,
        })
    });
    json!({
        "rule_id": f.rule_id,
        "rule_name": lr.map(|r| r.rule.name.as_str()),
        "rule_level": lr.and_then(|r| r.sigma.as_ref()).and_then(|s| s.level.as_deref()),
        "semantics": f.semantics.name(),
        "key": f.key,
        "event_id": f.event_id,
        "event_ids": event_ids,
        "roles": roles,
        "annotations": annotations,
        "event_name": f.event_name,
        "event_time": rfc3339(first.time()),
        "actor_arn": f.actor_arn,
        "actor_type": f.actor_type,
        "target_user": f.target_user,
        "src": f.src,
        "user_agent": f.user_agent,
        "account": f.account,
        "region": f.region,
        "count": f.count,
        "first_time": rfc3339(f.first_time),
        "last_time": rfc3339(f.last_time),
        "risk_score": f.risk_score,
        "risk_message": f.risk_message,
        // A Sigma rule has no SPL to be at parity with: null, not a claim.
        "splunk_parity": if sigma { Value::Null } else { json!(f.splunk_parity) },
        "splunk_verdict": if sigma || f.splunk_parity { Value::Null } else { Value::String(f.splunk_verdict.clone()) },
        "new_access_key_id": f.new_key,
        "caller_access_key_id": f.caller_key,
        "group": f.group.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "why": f.why,
        "source": loc(&first.loc()),
        "deliveries": copies,
    })
}

/// Adds what triage says to a finding's JSON: `suppressed` (bool),
/// `suppressed_by` (`{id, reason}` or null), `status` and `notes`
/// (`[{by, at, text}]`). Values are carried exactly, like log values.
pub fn add_triage(v: &mut Value, t: &crate::triage::FindingTriage) {
    v["suppressed"] = json!(t.suppressed_by.is_some());
    v["suppressed_by"] = match &t.suppressed_by {
        Some(s) => json!({ "id": s.id, "reason": s.reason }),
        None => Value::Null,
    };
    v["status"] = json!(t.status.name());
    v["notes"] = t
        .notes
        .iter()
        .map(|n| json!({ "by": n.by, "at": crate::triage::expiry::format_time(n.at), "text": n.text }))
        .collect();
}
