//! CloudTrail times. Everything is UTC inside; zones are a view concern.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// Parses `eventTime`: RFC 3339 as CloudTrail writes it, and the
/// zone-less `2022-09-27 17:09:18[.fffffffff]` form some pipelines (Panther,
/// Athena exports) normalise it to, taken as UTC.
pub fn parse_event_time(s: &str) -> Option<i64> {
    if let Some(ms) = parse_cloudtrail_utc(s) {
        return Some(ms);
    }
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

/// The form CloudTrail always writes, `2026-11-02T10:00:00Z`, read without
/// a general parser: it is on the loader's hot path, once per event.
fn parse_cloudtrail_utc(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32)
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let t = date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
    Some(t.and_utc().timestamp_millis())
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
    fn the_fast_path_agrees_with_the_general_parser() {
        for t in [
            "2026-11-02T10:00:00Z",
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59Z",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-02T24:00:00Z",
            "2026-11-02T10:00:60Z",
            "2026-1a-02T10:00:00Z",
        ] {
            let general = DateTime::parse_from_rfc3339(t)
                .ok()
                .map(|d| d.timestamp_millis());
            // The fast path may decline (a leap second), never disagree.
            let fast = parse_cloudtrail_utc(t);
            assert!(fast.is_none() || fast == general, "{t}");
            assert_eq!(parse_event_time(t), general, "{t}");
        }
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
