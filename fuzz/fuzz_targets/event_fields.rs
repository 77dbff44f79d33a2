//! Event parsing and field access: the typed wire view, the dotted paths and
//! aliases, both semantics and the risk message template, on any JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailhunt::event::fields::{get, render_template, user_from_arn};
use trailhunt::event::wire::{Wire, fields};
use trailhunt::rules::{RuleSet, splunk, strict};

fuzz_target!(|data: &[u8]| {
    if let Ok(w) = serde_json::from_slice::<Wire<'_>>(data) {
        let mut problems = Vec::new();
        let _ = fields(w, &mut problems);
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    for p in ["src", "user_arn", "aws_account_id", "errorCode", "requestParameters.userName", "a..b", ""] {
        let _ = get(&v, p);
    }
    if let Some(arn) = v.get("arn").and_then(|a| a.as_str()) {
        let _ = user_from_arn(arn);
    }
    let rules = RuleSet::builtin();
    let rule = &rules.rules[0].rule;
    let _ = splunk::evaluate(rule, &v, &mut splunk::RegexCache::default());
    let _ = strict::evaluate(rule, &v);
    let _ = render_template(&rule.message, &v, "(none)");
    if let Some(t) = v.get("template").and_then(|t| t.as_str()) {
        let _ = render_template(t, &v, "?");
    }
});
