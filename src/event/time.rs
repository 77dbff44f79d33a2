//! CloudTrail times. Everything is UTC inside; zones are a view concern.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// Parses `eventTime`: RFC 3339 as CloudTrail writes it, and the
/// zone-less `2022-09-27 17:09:18[.fffffffff]` form some pipelines (Panther,
/// Athena exports) normalise it to, taken as UTC.
pub fn parse_event_time(s: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&t).timestamp_millis());
        }
    }
    None
}

/// Milliseconds to a UTC time.
pub fn to_utc(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// `security_content_ctime`'s format: `%Y-%m-%dT%H:%M:%S`, in UTC.
pub fn ctime(ms: Option<i64>) -> String {
    ms.and_then(to_utc)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// RFC 3339 in UTC with a `Z`, for machine formats.
pub fn rfc3339(ms: Option<i64>) -> Option<String> {
    ms.and_then(to_utc)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cloudtrail_rfc3339() {
        assert_eq!(
            parse_event_time("2021-03-02T21:18:24Z"),
            Some(1614719904000)
        );
    }

    #[test]
    fn parses_offsets_into_utc() {
        assert_eq!(
            parse_event_time("2021-03-02T22:18:24+01:00"),
            parse_event_time("2021-03-02T21:18:24Z")
        );
    }

    #[test]
    fn parses_panther_normalised_forms_as_utc() {
        assert_eq!(
            parse_event_time("2022-09-27 17:09:18"),
            parse_event_time("2022-09-27T17:09:18Z")
        );
        assert_eq!(
            parse_event_time("2023-01-03 01:52:07.000000000"),
            parse_event_time("2023-01-03T01:52:07Z")
        );
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_event_time("yesterday"), None);
        assert_eq!(parse_event_time(""), None);
    }

    #[test]
    fn ctime_matches_security_content_macro() {
        assert_eq!(ctime(Some(1614719904000)), "2021-03-02T21:18:24");
        assert_eq!(ctime(None), "");
    }
}
