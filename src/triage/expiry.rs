//! Times in triage files and expiries typed by people. Everything is UTC:
//! a date alone means the start of that day in UTC, never local time, so an
//! entry expires at the same instant for every responder on the case.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};

/// Formats a time as the files store it: RFC 3339, seconds, `Z`.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an absolute time: RFC 3339 (any offset, converted to UTC), a date
/// and time without an offset (taken as UTC), or a date (`2026-12-31`,
/// meaning 2026-12-31T00:00:00Z).
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let s = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists")));
    }
    Err(format!(
        "{text:?} is not a time: use RFC 3339 (2026-12-31T18:00:00Z) or a date (2026-12-31, midnight UTC)"
    ))
}

/// Parses a relative duration: a positive whole number and one unit,
/// `m` (minutes), `h`, `d` or `w` (`30d`, `12h`, `2w`). `None` when `text`
/// does not have that shape.
pub fn parse_duration(text: &str) -> Option<Result<Duration, String>> {
    let s = text.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    let unit = s.chars().last()?;
    let digits = &s[..s.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = match digits.parse() {
        Ok(n) => n,
        Err(_) => return Some(Err(format!("{text:?}: number too large"))),
    };
    let d = match unit {
        'm' => Duration::try_minutes(n),
        'h' => Duration::try_hours(n),
        'd' => Duration::try_days(n),
        'w' => Duration::try_weeks(n),
        _ => return None,
    };
    Some(match d {
        Some(d) if n > 0 => Ok(d),
        Some(_) => Err(format!("{text:?}: a duration must be more than zero")),
        None => Err(format!("{text:?}: duration too large")),
    })
}

/// Parses an expiry as a person types it: a duration from `base` (`30d`),
/// a date (`2026-12-31`: expires at the start of that day, UTC) or an
/// RFC 3339 time.
pub fn parse_expiry(text: &str, base: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    match parse_duration(text) {
        Some(Ok(d)) => base
            .checked_add_signed(d)
            .ok_or_else(|| format!("{text:?}: too far in the future")),
        Some(Err(e)) => Err(e),
        None => parse_time(text).map_err(|_| {
            format!(
                "{text:?} is not an expiry: use a duration (30d, 12h, 2w), a date (2026-12-31, \
                 midnight UTC) or an RFC 3339 time"
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    #[test]
    fn durations_count_from_the_base() {
        let base = t("2026-11-01T12:00:00Z");
        assert_eq!(
            parse_expiry("30d", base).unwrap(),
            t("2026-12-01T12:00:00Z")
        );
        assert_eq!(
            parse_expiry("12h", base).unwrap(),
            t("2026-11-02T00:00:00Z")
        );
        assert_eq!(parse_expiry("2w", base).unwrap(), t("2026-11-15T12:00:00Z"));
        assert_eq!(
            parse_expiry("+90m", base).unwrap(),
            t("2026-11-01T13:30:00Z")
        );
    }

    #[test]
    fn a_date_is_midnight_utc_not_local_time() {
        assert_eq!(t("2026-12-31").timestamp(), 1_798_675_200);
        assert_eq!(format_time(t("2026-12-31")), "2026-12-31T00:00:00Z");
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        assert_eq!(t("2026-12-31T01:00:00+02:00"), t("2026-12-30T23:00:00Z"));
        assert_eq!(t("2026-12-31T01:00:00"), t("2026-12-31T01:00:00Z"));
    }

    #[test]
    fn nonsense_is_refused_with_the_accepted_forms() {
        let base = t("2026-11-01T00:00:00Z");
        for bad in ["", "soon", "0d", "30x", "d", "-3d", "99999999999999999999d"] {
            assert!(parse_expiry(bad, base).is_err(), "{bad}");
        }
        assert!(parse_expiry("tomorrow", base).unwrap_err().contains("30d"));
    }
}
