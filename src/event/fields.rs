//! Field access on a full event by dotted path (`requestParameters.userName`),
//! with the Splunk Add-on for AWS field aliases, so rules written against the
//! seed's SPL read the same values Splunk would.
//!
//! A JSON `null` counts as absent; objects and arrays are not field values
//! (Splunk's JSON extraction only yields leaves); numbers and booleans read as
//! their JSON text, as Splunk extracts them.

use serde_json::Value;
use std::borrow::Cow;

/// The value at `path`, without aliases.
pub fn raw<'v>(event: &'v Value, path: &str) -> Option<Cow<'v, str>> {
    // A flattened export may carry the dotted name as one key.
    if let Some(v) = event.get(path) {
        return leaf(v);
    }
    let mut cur = event;
    for part in path.split('.') {
        cur = cur.get(part)?;
    }
    leaf(cur)
}

fn leaf(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Null | Value::Object(_) | Value::Array(_) => None,
    }
}

/// The names [`get`] resolves through the Splunk Add-on for AWS
/// (`Splunk_TA_aws` props.conf, sourcetype `aws:cloudtrail`).
pub const ALIASES: &[(&str, &str)] = &[
    ("src", "sourceIPAddress"),
    (
        "user_arn",
        "userIdentity.arn, else requestParameters.roleArn",
    ),
    (
        "aws_account_id",
        "recipientAccountId when userIdentity.type is AWSAccount or AWSService, else userIdentity.accountId",
    ),
    ("errorCode", "errorCode, \"success\" when absent"),
];

/// The value at `path`, resolving the Splunk add-on's aliases and evals.
pub fn get<'v>(event: &'v Value, path: &str) -> Option<Cow<'v, str>> {
    match path {
        "src" => raw(event, "sourceIPAddress"),
        "user_arn" => {
            raw(event, "userIdentity.arn").or_else(|| raw(event, "requestParameters.roleArn"))
        }
        "aws_account_id" => {
            let ty = raw(event, "userIdentity.type");
            if matches!(ty.as_deref(), Some("AWSAccount" | "AWSService")) {
                raw(event, "recipientAccountId")
            } else {
                raw(event, "userIdentity.accountId")
            }
        }
        // EVAL-errorCode = coalesce('errorCode', …, "success")
        "errorCode" => Some(raw(event, "errorCode").unwrap_or(Cow::Borrowed("success"))),
        _ => raw(event, path),
    }
}

/// The last segment of an IAM user ARN (`arn:aws:iam::1:user/path/name` →
/// `name`), or `None` when the ARN is not a user's.
pub fn user_from_arn(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":user/")?;
    rest.rsplit('/').next().filter(|s| !s.is_empty())
}

/// Renders a risk message template: every `$field$` is replaced by the
/// field's value via [`get`], and by `missing` when it is absent.
pub fn render_template(template: &str, event: &Value, missing: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('$') {
            Some(end) if end > 0 && !after[..end].contains(char::is_whitespace) => {
                let name = &after[..end];
                match get(event, name) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(missing),
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_paths_reach_nested_leaves() {
        let e = json!({"requestParameters": {"userName": "bob"}});
        assert_eq!(
            raw(&e, "requestParameters.userName").as_deref(),
            Some("bob")
        );
        assert_eq!(raw(&e, "requestParameters").as_deref(), None);
        assert_eq!(raw(&e, "requestParameters.nope").as_deref(), None);
    }

    #[test]
    fn null_is_absent_and_scalars_read_as_text() {
        let e = json!({"errorCode": null, "readOnly": false, "n": 12});
        assert_eq!(raw(&e, "errorCode"), None);
        assert_eq!(raw(&e, "readOnly").as_deref(), Some("false"));
        assert_eq!(raw(&e, "n").as_deref(), Some("12"));
    }

    #[test]
    fn requestparameters_null_has_no_username() {
        let e = json!({"requestParameters": null});
        assert_eq!(raw(&e, "requestParameters.userName"), None);
    }

    #[test]
    fn src_aliases_source_ip() {
        let e = json!({"sourceIPAddress": "1.2.3.4"});
        assert_eq!(get(&e, "src").as_deref(), Some("1.2.3.4"));
    }

    #[test]
    fn user_arn_falls_back_to_role_arn() {
        let e = json!({"userIdentity": {"arn": "A"}, "requestParameters": {"roleArn": "R"}});
        assert_eq!(get(&e, "user_arn").as_deref(), Some("A"));
        let e = json!({"userIdentity": {"arn": null}, "requestParameters": {"roleArn": "R"}});
        assert_eq!(get(&e, "user_arn").as_deref(), Some("R"));
    }

    #[test]
    fn aws_account_id_uses_recipient_for_services() {
        let e = json!({"userIdentity": {"type": "AWSService", "accountId": "1"}, "recipientAccountId": "2"});
        assert_eq!(get(&e, "aws_account_id").as_deref(), Some("2"));
        let e = json!({"userIdentity": {"type": "IAMUser", "accountId": "1"}, "recipientAccountId": "2"});
        assert_eq!(get(&e, "aws_account_id").as_deref(), Some("1"));
    }

    #[test]
    fn error_code_is_success_when_absent_or_null() {
        assert_eq!(get(&json!({}), "errorCode").as_deref(), Some("success"));
        assert_eq!(
            get(&json!({"errorCode": null}), "errorCode").as_deref(),
            Some("success")
        );
        assert_eq!(
            get(&json!({"errorCode": "AccessDenied"}), "errorCode").as_deref(),
            Some("AccessDenied")
        );
    }

    #[test]
    fn user_from_arn_takes_last_path_segment() {
        assert_eq!(
            user_from_arn("arn:aws:iam::1:user/jackson"),
            Some("jackson")
        );
        assert_eq!(user_from_arn("arn:aws:iam::1:user/ops/team/al"), Some("al"));
        assert_eq!(user_from_arn("arn:aws:iam::1:root"), None);
        assert_eq!(user_from_arn("arn:aws:sts::1:assumed-role/R/s"), None);
    }

    #[test]
    fn template_substitutes_fields_and_marks_missing() {
        let e = json!({"userIdentity": {"arn": "arn:x"}, "requestParameters": {"userName": "bob"}});
        assert_eq!(
            render_template(
                "User $user_arn$ for $requestParameters.userName$ from $src$",
                &e,
                "(none)"
            ),
            "User arn:x for bob from (none)"
        );
        assert_eq!(render_template("costs $5 and $", &e, "?"), "costs $5 and $");
    }
}
