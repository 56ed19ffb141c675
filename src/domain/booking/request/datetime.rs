//! Reading `start_time`: RFC 3339 with an offset, or a local wall-clock time in a zone.

use crate::domain::api_error::{FieldError, FieldErrorKind};
use crate::domain::event_types::schema::parse_date;
use crate::domain::time_zone::{local_to_utc, Zone, ZoneRules};
use chrono::{DateTime, LocalResult, NaiveDateTime, Timelike, Utc};

/// `YYYY-MM-DDTHH:MM[:SS]`, read by hand: chrono's `parse_from_str` would bring its whole
/// format engine into the worker.
fn parse_local(input: &str) -> Option<NaiveDateTime> {
    let (date, time) = input.split_once('T')?;
    let number = |text: &str, digits: usize| {
        (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
    };
    // The same reading of `YYYY-MM-DD` as the event types' `dates` and availability's `from`.
    let (y, m, d) = parse_date(date)?;
    let mut hms = time.split(':');
    let (Some(h), Some(min)) = (hms.next(), hms.next()) else {
        return None;
    };
    let sec = match (hms.next(), hms.next()) {
        (None, None) => 0,
        (Some(s), None) => number(s, 2)?,
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(y, m, d)?.and_hms_opt(number(h, 2)?, number(min, 2)?, sec)
}

/// RFC 3339 with an offset is taken as-is; `YYYY-MM-DDTHH:MM[:SS]` is read as wall-clock time in
/// `timezone`. A wall-clock time skipped by a DST change is refused; one that occurs twice
/// takes the earlier instant (what a calendar shows first).
pub(in crate::domain::booking) fn parse_start_time(
    input: &str,
    timezone: &Zone,
    zones: &dyn ZoneRules,
) -> Result<DateTime<Utc>, FieldError> {
    let invalid =
        |message: String| FieldError::new("start_time", FieldErrorKind::InvalidStartTime, message);
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(input) {
        return Ok(truncate_to_seconds(with_offset.with_timezone(&Utc)));
    }
    let local = parse_local(input).ok_or_else(|| {
        invalid(
            "'start_time' must be RFC 3339 (2030-01-31T09:00:00+01:00) or local \
                 YYYY-MM-DDTHH:MM[:SS] read in 'timezone'."
                .to_owned(),
        )
    })?;
    match local_to_utc(zones, timezone, local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(truncate_to_seconds(t)),
        LocalResult::None => Err(invalid(format!(
            "'start_time' {input} does not exist in {} (a daylight-saving gap).",
            timezone.name()
        ))),
    }
}

fn truncate_to_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{field_code, json};
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_times_are_exactly_date_t_hours_minutes_seconds() {
        let at = |h, m, s| {
            chrono::NaiveDate::from_ymd_opt(2030, 1, 15)
                .unwrap()
                .and_hms_opt(h, m, s)
        };
        assert_eq!(parse_local("2030-01-15T09:30"), at(9, 30, 0));
        assert_eq!(parse_local("2030-01-15T09:30:45"), at(9, 30, 45));
        for bad in [
            "2030-1-15T09:30",
            "2030-01-15T9:30",
            "2030-01-15 09:30",
            "2030-01-15T09:30:4",
            "2030-01-15T09:30:45:00",
            "2030-02-30T09:30",
            "2030-01-15T24:00",
            "+2030-01-15T09:30",
            "2030-01-15T09",
        ] {
            assert_eq!(parse_local(bad), None, "{bad}");
        }
    }

    #[test]
    fn dst_gap_is_refused_and_overlap_takes_the_earlier_instant() {
        let gap = r#"{"name":"A","email":"a@b.io","start_time":"2030-03-10T02:30","timezone":"America/New_York"}"#;
        assert_eq!(
            field_code(json(gap)),
            ("start_time".into(), "invalid_start_time")
        );
        let overlap = r#"{"name":"A","email":"a@b.io","start_time":"2030-11-03T01:30","timezone":"America/New_York"}"#;
        // First 01:30 is EDT (UTC-4).
        assert_eq!(
            json(overlap).unwrap().start,
            Utc.with_ymd_and_hms(2030, 11, 3, 5, 30, 0).unwrap()
        );
    }
}
