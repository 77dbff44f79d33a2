//! The borrowed, typed view of one JSON object that the loader parses every
//! event into. Only the fields the index needs are read, in one pass; a
//! field of the wrong type becomes a reported problem instead of losing the
//! whole event.

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A string field read without failing on a wrong type. `null` is `None`
/// (through `Option`), a string is `Str` (borrowed unless it had escapes),
/// anything else is `Wrong` with what it was.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<'a> {
    Str(Cow<'a, str>),
    Wrong(&'static str),
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Field<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Owned(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Field::Wrong("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Field::Wrong("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Field::Wrong("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Field::Wrong("a number"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Field::Wrong("null"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Field::Wrong("a list"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Field::Wrong("an object"))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A nested object read without failing on a wrong type.
#[derive(Debug)]
pub enum Obj<T> {
    Ok(T),
    Wrong(&'static str),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(m)).map(Obj::Ok)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Obj::Wrong("a string"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Obj::Wrong("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Obj::Wrong("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Obj::Wrong("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Obj::Wrong("a number"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Obj::Wrong("null"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj::Wrong("a list"))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// One top-level object: a CloudTrail event, a `{"Records":[…]}` file, or a
/// Splunk export row — which one is decided from the keys present.
#[derive(Deserialize, Default)]
#[allow(non_snake_case)]
pub struct Wire<'a> {
    #[serde(borrow, rename = "Records")]
    pub records: Option<Records<'a>>,
    #[serde(borrow)]
    pub result: Option<&'a RawValue>,
    #[serde(borrow)]
    pub results: Option<&'a RawValue>,
    pub preview: Option<IgnoredAny>,
    pub _raw: Option<IgnoredAny>,
    pub eventVersion: Option<IgnoredAny>,
    #[serde(borrow)]
    pub eventTime: Option<Field<'a>>,
    #[serde(borrow)]
    pub eventName: Option<Field<'a>>,
    #[serde(borrow)]
    pub eventSource: Option<Field<'a>>,
    #[serde(borrow)]
    pub eventID: Option<Field<'a>>,
    #[serde(borrow)]
    pub awsRegion: Option<Field<'a>>,
    #[serde(borrow)]
    pub sourceIPAddress: Option<Field<'a>>,
    #[serde(borrow)]
    pub userAgent: Option<Field<'a>>,
    #[serde(borrow)]
    pub errorCode: Option<Field<'a>>,
    #[serde(borrow)]
    pub recipientAccountId: Option<Field<'a>>,
    #[serde(borrow)]
    pub userIdentity: Option<Obj<Identity<'a>>>,
    #[serde(borrow)]
    pub requestParameters: Option<Obj<Request<'a>>>,
    #[serde(borrow)]
    pub responseElements: Option<Obj<Response<'a>>>,
}

impl Wire<'_> {
    /// Whether the object looks like a CloudTrail event at all.
    pub fn is_event(&self) -> bool {
        self.eventVersion.is_some()
            || self.eventName.is_some()
            || self.eventSource.is_some()
            || self.eventID.is_some()
            || self.eventTime.is_some()
    }

    /// The event ID, when it is a string.
    pub fn event_id(&self) -> Option<&str> {
        match &self.eventID {
            Some(Field::Str(s)) => Some(s),
            _ => None,
        }
    }
}

/// The `Records` value of a CloudTrail file: the list's elements as raw
/// JSON, or what it was instead of a list.
pub enum Records<'a> {
    List(Vec<&'a RawValue>),
    NotList(&'static str),
}

impl<'de: 'a, 'a> Deserialize<'de> for Records<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Records<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of events")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(64));
                while let Some(x) = seq.next_element::<&'de RawValue>()? {
                    v.push(x);
                }
                Ok(Records::List(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Records::NotList("an object"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Records::NotList("a string"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Records::NotList("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Records::NotList("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Records::NotList("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Records::NotList("a number"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Records::NotList("null"))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize, Default, Debug)]
#[allow(non_snake_case)]
pub struct Identity<'a> {
    #[serde(borrow, rename = "type")]
    pub ty: Option<Field<'a>>,
    #[serde(borrow)]
    pub arn: Option<Field<'a>>,
    #[serde(borrow)]
    pub accountId: Option<Field<'a>>,
    #[serde(borrow)]
    pub accessKeyId: Option<Field<'a>>,
    #[serde(borrow)]
    pub userName: Option<Field<'a>>,
}

#[derive(Deserialize, Default, Debug)]
#[allow(non_snake_case)]
pub struct Request<'a> {
    #[serde(borrow)]
    pub userName: Option<Field<'a>>,
}

#[derive(Deserialize, Default, Debug)]
#[allow(non_snake_case)]
pub struct Response<'a> {
    #[serde(borrow)]
    pub accessKey: Option<Obj<AccessKey<'a>>>,
}

#[derive(Deserialize, Default, Debug)]
#[allow(non_snake_case)]
pub struct AccessKey<'a> {
    #[serde(borrow)]
    pub userName: Option<Field<'a>>,
    #[serde(borrow)]
    pub accessKeyId: Option<Field<'a>>,
}

/// The index fields of one event, as text; `None` is absent or null.
#[derive(Default, Debug)]
pub struct Fields<'a> {
    pub event_time: Option<Cow<'a, str>>,
    pub event_id: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
    pub source: Option<Cow<'a, str>>,
    pub region: Option<Cow<'a, str>>,
    pub src: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    pub error_code: Option<Cow<'a, str>>,
    pub recipient: Option<Cow<'a, str>>,
    pub actor_type: Option<Cow<'a, str>>,
    pub actor_arn: Option<Cow<'a, str>>,
    pub actor_account: Option<Cow<'a, str>>,
    pub access_key: Option<Cow<'a, str>>,
    pub actor_user: Option<Cow<'a, str>>,
    pub request_user: Option<Cow<'a, str>>,
    pub response_user: Option<Cow<'a, str>>,
    pub new_key: Option<Cow<'a, str>>,
}

impl Fields<'_> {
    /// `aws_account_id` as the Splunk add-on computes it.
    pub fn account(&self) -> Option<&str> {
        match self.actor_type.as_deref() {
            Some("AWSAccount" | "AWSService") => self.recipient.as_deref(),
            _ => self.actor_account.as_deref(),
        }
    }

    /// The user a key (or profile) is created for: the response's, else the request's.
    pub fn target_user(&self) -> Option<&str> {
        self.response_user
            .as_deref()
            .or(self.request_user.as_deref())
    }
}

fn text<'a>(f: Option<Field<'a>>, name: &str, problems: &mut Vec<String>) -> Option<Cow<'a, str>> {
    match f? {
        Field::Str(s) => Some(s),
        Field::Wrong(kind) => {
            problems.push(format!("{name} is {kind}, expected a string"));
            None
        }
    }
}

fn object<T: Default>(o: Option<Obj<T>>, name: &str, problems: &mut Vec<String>) -> T {
    match o {
        None => T::default(),
        Some(Obj::Ok(t)) => t,
        Some(Obj::Wrong("null")) => T::default(),
        Some(Obj::Wrong(kind)) => {
            problems.push(format!("{name} is {kind}, expected an object"));
            T::default()
        }
    }
}

/// Extracts the index fields, collecting type problems as messages.
pub fn fields<'a>(w: Wire<'a>, problems: &mut Vec<String>) -> Fields<'a> {
    let id = object(w.userIdentity, "userIdentity", problems);
    let req = object(w.requestParameters, "requestParameters", problems);
    let resp = object(w.responseElements, "responseElements", problems);
    let key = object(resp.accessKey, "responseElements.accessKey", problems);
    Fields {
        event_time: text(w.eventTime, "eventTime", problems),
        event_id: text(w.eventID, "eventID", problems),
        name: text(w.eventName, "eventName", problems),
        source: text(w.eventSource, "eventSource", problems),
        region: text(w.awsRegion, "awsRegion", problems),
        src: text(w.sourceIPAddress, "sourceIPAddress", problems),
        user_agent: text(w.userAgent, "userAgent", problems),
        error_code: text(w.errorCode, "errorCode", problems),
        recipient: text(w.recipientAccountId, "recipientAccountId", problems),
        actor_type: text(id.ty, "userIdentity.type", problems),
        actor_arn: text(id.arn, "userIdentity.arn", problems),
        actor_account: text(id.accountId, "userIdentity.accountId", problems),
        access_key: text(id.accessKeyId, "userIdentity.accessKeyId", problems),
        actor_user: text(id.userName, "userIdentity.userName", problems),
        request_user: text(req.userName, "requestParameters.userName", problems),
        response_user: text(
            key.userName,
            "responseElements.accessKey.userName",
            problems,
        ),
        new_key: text(
            key.accessKeyId,
            "responseElements.accessKey.accessKeyId",
            problems,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> (Fields<'_>, Vec<String>) {
        let w: Wire = serde_json::from_str(s).unwrap();
        let mut p = Vec::new();
        let f = fields(w, &mut p);
        (f, p)
    }

    #[test]
    fn reads_pivots_of_a_create_access_key() {
        let (f, p) = parse(
            r#"{"eventName":"CreateAccessKey","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a","accountId":"1","accessKeyId":"AKIA1","userName":"a"},"requestParameters":{"userName":"b"},"responseElements":{"accessKey":{"userName":"b","accessKeyId":"AKIA2"}}}"#,
        );
        assert!(p.is_empty());
        assert_eq!(f.name.as_deref(), Some("CreateAccessKey"));
        assert_eq!(f.access_key.as_deref(), Some("AKIA1"));
        assert_eq!(f.new_key.as_deref(), Some("AKIA2"));
        assert_eq!(f.target_user(), Some("b"));
        assert_eq!(f.account(), Some("1"));
    }

    #[test]
    fn escaped_strings_are_decoded() {
        let (f, _) = parse(r#"{"userAgent":"a\u001b[2Jb\"c"}"#);
        assert_eq!(f.user_agent.as_deref(), Some("a\x1b[2Jb\"c"));
    }

    #[test]
    fn nulls_are_absent_without_problems() {
        let (f, p) = parse(r#"{"errorCode":null,"requestParameters":null,"userIdentity":null}"#);
        assert!(p.is_empty());
        assert!(f.error_code.is_none() && f.request_user.is_none());
    }

    #[test]
    fn wrong_types_are_reported_and_the_rest_kept() {
        let (f, p) = parse(r#"{"eventName":42,"userIdentity":"root","awsRegion":"us-east-1"}"#);
        assert_eq!(f.name, None);
        assert_eq!(f.region.as_deref(), Some("us-east-1"));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("userIdentity is"));
        assert!(p.iter().any(|m| m.contains("eventName is a number")));
    }
}
