//! `--semantics strict` (the default): the seed's intent without its blind
//! spots.
//!
//! - Successful: `errorCode` absent, null or empty.
//! - Not from the console: `userAgent` is not `console.amazonaws.com` in
//!   any letter case, and `sessionCredentialFromConsole` is not `"true"`; a
//!   missing userAgent is fine.
//! - The target is the first present field of the rule's `target` list
//!   (`responseElements.accessKey.userName`, else
//!   `requestParameters.userName`); no target, no finding.
//! - The caller is the target only when `userIdentity.type` is `IAMUser`
//!   (or absent) and its user name — `userIdentity.userName`, else the last
//!   segment of a `:user/` ARN — equals the target case-insensitively (IAM
//!   user names are case-insensitive). Any other caller type (AssumedRole,
//!   Root, FederatedUser, …) acting on a named user is a finding.

use super::rule::Rule;
use crate::event::fields::{raw, user_from_arn};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Finding { target: String, why: Vec<String> },
    Excluded(String),
}

/// Evaluates the rule's intent on one event.
pub fn evaluate(rule: &Rule, event: &Value) -> Verdict {
    let name = raw(event, "eventName");
    if !name.as_deref().is_some_and(|n| {
        rule.strict
            .event_names
            .iter()
            .any(|e| e.eq_ignore_ascii_case(n))
    }) {
        return Verdict::Excluded("eventName is not one the rule looks at".into());
    }
    let mut why = vec![format!(
        "eventName is {}",
        name.as_deref().unwrap_or_default()
    )];

    match raw(event, "errorCode").as_deref() {
        None | Some("") => why.push("successful (no errorCode)".into()),
        Some(code) => return Verdict::Excluded(format!("failed call: errorCode \"{code}\"")),
    }

    let agent = raw(event, "userAgent");
    if agent
        .as_deref()
        .is_some_and(|a| a.eq_ignore_ascii_case("console.amazonaws.com"))
    {
        return Verdict::Excluded("made in the console: userAgent is console.amazonaws.com".into());
    }
    if raw(event, "sessionCredentialFromConsole")
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Verdict::Excluded(
            "made in the console: sessionCredentialFromConsole is true".into(),
        );
    }
    why.push(match agent.as_deref() {
        Some(a) => format!("not from the console (userAgent \"{a}\")"),
        None => "not from the console (no userAgent)".into(),
    });

    let Some((field, target)) = rule
        .strict
        .target
        .iter()
        .find_map(|f| raw(event, f).filter(|v| !v.is_empty()).map(|v| (f, v)))
    else {
        return Verdict::Excluded(format!(
            "no target user ({} all absent)",
            rule.strict.target.join(", ")
        ));
    };
    why.push(format!("target user \"{target}\" from {field}"));

    let ty = raw(event, "userIdentity.type");
    let caller = raw(event, "userIdentity.userName").or_else(|| {
        raw(event, "userIdentity.arn").and_then(|a| user_from_arn(&a).map(|u| u.to_string().into()))
    });
    let is_user = matches!(ty.as_deref(), None | Some("IAMUser"));
    if is_user
        && caller
            .as_deref()
            .is_some_and(|c| c.to_lowercase() == target.to_lowercase())
    {
        return Verdict::Excluded(format!(
            "self-service: the caller \"{}\" is the target",
            caller.as_deref().unwrap_or_default()
        ));
    }
    why.push(match (ty.as_deref(), caller.as_deref()) {
        (Some(t), _) if !is_user => format!("caller is a {t} identity, acting on another user"),
        (_, Some(c)) => format!("caller \"{c}\" is not the target"),
        (_, None) => "caller unknown (no userIdentity user name or user ARN)".into(),
    });
    Verdict::Finding {
        target: target.into_owned(),
        why,
    }
}
