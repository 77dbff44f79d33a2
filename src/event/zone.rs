//! The time zone every time on screen is shown in.
//!
//! Times are UTC inside (milliseconds since the epoch); a zone is only a way
//! of showing them. Every formatted time carries its UTC offset so a reader
//! never has to guess which zone a value is in.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// A zone to show times in: the console's (`--tz`, `t`) and the reports'.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Zone {
    #[default]
    Utc,
    /// The machine's local zone (honours `TZ`).
    Local,
    /// An IANA zone named with `--tz`.
    Named(Tz),
}

impl Zone {
    /// Reads `UTC`, `local` or an IANA name such as `Europe/Paris`.
    pub fn parse(name: &str) -> Result<Zone, String> {
        if name.eq_ignore_ascii_case("utc") || name == "Z" {
            return Ok(Zone::Utc);
        }
        if name.eq_ignore_ascii_case("local") {
            return Ok(Zone::Local);
        }
        name.parse::<Tz>().map(Zone::Named).map_err(|_| {
            format!("unknown time zone {name:?} (use an IANA name such as Europe/Paris)")
        })
    }

    /// A short name for the header: `UTC`, `local`, or the IANA name.
    pub fn label(&self) -> String {
        match self {
            Zone::Utc => "UTC".into(),
            Zone::Local => "local".into(),
            Zone::Named(tz) => tz.name().to_string(),
        }
    }

    /// Seconds east of UTC at the instant `ms`.
    pub fn offset_secs(&self, ms: i64) -> i32 {
        let Some(t) = DateTime::<Utc>::from_timestamp_millis(ms) else {
            return 0;
        };
        match self {
            Zone::Utc => 0,
            Zone::Local => t.with_timezone(&Local).offset().fix().local_minus_utc(),
            Zone::Named(tz) => t.with_timezone(tz).offset().fix().local_minus_utc(),
        }
    }

    fn local(&self, ms: i64) -> Option<(NaiveDateTime, i32)> {
        let t = DateTime::<Utc>::from_timestamp_millis(ms)?;
        let off = self.offset_secs(ms);
        Some((t.naive_utc() + chrono::Duration::seconds(off as i64), off))
    }

    /// `2024-03-01 12:34:56+01` (minutes added only when the offset has
    /// them): the table's compact form.
    pub fn short(&self, ms: Option<i64>) -> String {
        self.fmt(ms, true, false)
    }

    /// `2024-03-01 12:34+01`, for narrow tables.
    pub fn minutes(&self, ms: Option<i64>) -> String {
        self.fmt(ms, false, false)
    }

    /// `2024-03-01 12:34:56 +01:00`, for panes and reports; `-` for a time
    /// that is unknown or out of range.
    pub fn long(&self, ms: Option<i64>) -> String {
        self.fmt(ms, true, true)
    }

    /// `first .. last` in the long form, or one time when they are equal.
    pub fn span(&self, first: Option<i64>, last: Option<i64>) -> String {
        if first == last {
            self.long(first)
        } else {
            format!("{} .. {}", self.long(first), self.long(last))
        }
    }

    fn fmt(&self, ms: Option<i64>, seconds: bool, long: bool) -> String {
        use chrono::{Datelike, Timelike};
        use std::fmt::Write;
        let Some((t, off)) = ms.and_then(|ms| self.local(ms)) else {
            return "-".into();
        };
        // Written field by field: chrono's `format` re-parses its pattern on
        // every call, and the zone toggle formats every row.
        let mut s = String::with_capacity(26);
        let _ = write!(
            s,
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute()
        );
        if seconds {
            let _ = write!(s, ":{:02}", t.second());
        }
        if long {
            s.push(' ');
            s.push_str(&offset_long(off));
        } else {
            s.push_str(&offset_short(off));
        }
        s
    }

    /// Reads a time typed in a filter (`after:2024-03-01`, `before:2024-03-01T12:00`,
    /// or RFC 3339 with its own offset). A time without an offset is read in
    /// this zone, so what the user types matches what the screen shows.
    pub fn parse_time(&self, s: &str) -> Option<i64> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(t.timestamp_millis());
        }
        let naive = [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
        let resolved = match self {
            Zone::Utc => Some(Utc.from_utc_datetime(&naive).timestamp_millis()),
            Zone::Local => Local
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.timestamp_millis()),
            Zone::Named(tz) => tz
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.timestamp_millis()),
        };
        // A local time skipped by a DST jump still means "about then".
        resolved.or_else(|| {
            let fixed =
                FixedOffset::east_opt(self.offset_secs(naive.and_utc().timestamp_millis()))?;
            fixed
                .from_local_datetime(&naive)
                .single()
                .map(|t| t.timestamp_millis())
        })
    }
}

/// `+00`, `+01`, `+05:30`, `-03`.
pub fn offset_short(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m) = (a / 3600, (a % 3600) / 60);
    if m == 0 {
        format!("{sign}{h:02}")
    } else {
        format!("{sign}{h:02}:{m:02}")
    }
}

/// `+00:00`, `+05:30`.
pub fn offset_long(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
}

/// Renders a duration in milliseconds the way a person says it: `90s`,
/// `15m`, `2h`, `3d`.
pub fn human_span(ms: i64) -> String {
    let s = ms / 1000;
    if s >= 86400 && s % 86400 == 0 {
        format!("{}d", s / 86400)
    } else if s >= 3600 && s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else if s < 120 {
        format!("{s}s")
    } else if s < 2 * 3600 {
        format!("{}m", s / 60)
    } else if s < 2 * 86400 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_709_296_496_000; // 2024-03-01T12:34:56Z

    #[test]
    fn utc_always_shows_its_offset() {
        assert_eq!(Zone::Utc.short(Some(T)), "2024-03-01 12:34:56+00");
        assert_eq!(Zone::Utc.long(Some(T)), "2024-03-01 12:34:56 +00:00");
        assert_eq!(Zone::Utc.minutes(Some(T)), "2024-03-01 12:34+00");
        assert_eq!(Zone::Utc.short(None), "-");
    }

    #[test]
    fn named_zone_follows_dst_and_half_hours() {
        let paris = Zone::parse("Europe/Paris").unwrap();
        assert_eq!(paris.short(Some(T)), "2024-03-01 13:34:56+01");
        let summer = T + 120 * 86_400_000;
        assert_eq!(paris.long(Some(summer)), "2024-06-29 14:34:56 +02:00");
        let india = Zone::parse("Asia/Kolkata").unwrap();
        assert_eq!(india.short(Some(T)), "2024-03-01 18:04:56+05:30");
        assert_eq!(
            Zone::parse("America/Sao_Paulo").unwrap().short(Some(T)),
            "2024-03-01 09:34:56-03"
        );
    }

    #[test]
    fn unknown_zone_names_are_rejected_with_a_hint() {
        assert!(Zone::parse("Mars/Olympus").unwrap_err().contains("IANA"));
        assert_eq!(Zone::parse("utc"), Ok(Zone::Utc));
    }

    #[test]
    fn filter_times_without_offset_are_read_in_the_zone_shown() {
        let paris = Zone::parse("Europe/Paris").unwrap();
        assert_eq!(Zone::Utc.parse_time("2024-03-01T12:34:56"), Some(T));
        assert_eq!(paris.parse_time("2024-03-01 13:34:56"), Some(T));
        assert_eq!(paris.parse_time("2024-03-01T12:34:56Z"), Some(T));
        assert_eq!(
            Zone::Utc.parse_time("2024-03-01"),
            Some(T - (12 * 3600 + 34 * 60 + 56) * 1000)
        );
        assert_eq!(Zone::Utc.parse_time("2024-03-"), None);
    }

    #[test]
    fn spans_read_like_speech() {
        assert_eq!(human_span(30_000), "30s");
        assert_eq!(human_span(15 * 60_000), "15m");
        assert_eq!(human_span(6 * 3_600_000), "6h");
        assert_eq!(human_span(7 * 86_400_000), "7d");
        assert_eq!(human_span(3_600_000), "1h");
        assert_eq!(human_span(90 * 60_000), "90m");
    }
}
