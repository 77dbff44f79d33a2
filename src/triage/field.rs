//! The finding fields an allowlist condition can look at, their names in
//! the allowlist file, in Splunk, and whether AWS compares them by case.

use crate::rules::Finding;
use std::fmt;

/// A field of a [`Finding`] that allowlist conditions can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    ActorArn,
    ActorType,
    TargetUser,
    Src,
    UserAgent,
    Account,
    Region,
    EventName,
    EventId,
    NewAccessKeyId,
    CallerAccessKeyId,
}

impl Field {
    /// Every field, in the order the documentation lists them.
    pub const ALL: [Field; 11] = [
        Field::ActorArn,
        Field::ActorType,
        Field::TargetUser,
        Field::Src,
        Field::UserAgent,
        Field::Account,
        Field::Region,
        Field::EventName,
        Field::EventId,
        Field::NewAccessKeyId,
        Field::CallerAccessKeyId,
    ];

    /// The name used in the allowlist file and in `scan --format json`.
    pub fn name(self) -> &'static str {
        match self {
            Field::ActorArn => "actor_arn",
            Field::ActorType => "actor_type",
            Field::TargetUser => "target_user",
            Field::Src => "src",
            Field::UserAgent => "user_agent",
            Field::Account => "account",
            Field::Region => "region",
            Field::EventName => "event_name",
            Field::EventId => "event_id",
            Field::NewAccessKeyId => "new_access_key_id",
            Field::CallerAccessKeyId => "caller_access_key_id",
        }
    }

    /// Reads a field name as written in the allowlist file.
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The field's name in the seed's Splunk search (the Splunk Add-on for
    /// AWS field or alias the finding's value was read from).
    pub fn splunk_name(self) -> &'static str {
        match self {
            Field::ActorArn => "user_arn",
            Field::ActorType => "userIdentity.type",
            Field::TargetUser => "requestParameters.userName",
            Field::Src => "src",
            Field::UserAgent => "userAgent",
            Field::Account => "aws_account_id",
            Field::Region => "awsRegion",
            Field::EventName => "eventName",
            Field::EventId => "eventID",
            Field::NewAccessKeyId => "responseElements.accessKey.accessKeyId",
            Field::CallerAccessKeyId => "userIdentity.accessKeyId",
        }
    }

    /// Whether `exact` and `glob` conditions ignore case on this field.
    ///
    /// AWS treats IAM names as case-insensitive (two users cannot differ only
    /// by case, so an ARN names the same identity in any case), API action
    /// names are case-insensitive in IAM policies, and account ids, regions,
    /// identity types and IP addresses or service host names have no
    /// meaningful case. A user agent is free text chosen by the client, and
    /// event and access key ids are opaque tokens, so those compare exactly.
    pub fn case_insensitive(self) -> bool {
        !matches!(
            self,
            Field::UserAgent | Field::EventId | Field::NewAccessKeyId | Field::CallerAccessKeyId
        )
    }

    /// The finding's value of this field, if it has one.
    pub fn value(self, f: &Finding) -> Option<&str> {
        match self {
            Field::ActorArn => f.actor_arn.as_deref(),
            Field::ActorType => f.actor_type.as_deref(),
            Field::TargetUser => f.target_user.as_deref(),
            Field::Src => f.src.as_deref(),
            Field::UserAgent => f.user_agent.as_deref(),
            Field::Account => f.account.as_deref(),
            Field::Region => f.region.as_deref(),
            Field::EventName => f.event_name.as_deref(),
            Field::EventId => f.event_id.as_deref(),
            Field::NewAccessKeyId => f.new_key.as_deref(),
            Field::CallerAccessKeyId => f.caller_key.as_deref(),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::parse(f.name()), Some(f));
        }
        assert_eq!(Field::parse("user_arn"), None);
    }

    #[test]
    fn user_names_and_arns_ignore_case_but_user_agents_do_not() {
        assert!(Field::TargetUser.case_insensitive());
        assert!(Field::ActorArn.case_insensitive());
        assert!(!Field::UserAgent.case_insensitive());
    }
}
