//! The rules each booking field must meet, and the assembly of a [`ValidBooking`] from them.

use super::body::{RawFields, RawValue};
use super::datetime::parse_start_time;
use super::{Context, ValidBooking};
use crate::domain::api_error::{FieldError, FieldErrorKind};
use crate::domain::booking::EmailAddress;
use crate::domain::time_zone::{Zone, ZoneRules};
use chrono::{DateTime, Duration, Utc};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_TOPIC_CHARS: usize = 200;
/// Zoom's 2000 characters, less the booking reference the service appends (`booking::marker`).
pub const MAX_AGENDA_CHARS: usize = 2000 - crate::domain::booking::marker::MARKER_CHARS;
pub const DEFAULT_DURATION_MINUTES: u32 = 30;
pub const MIN_DURATION_MINUTES: u32 = 5;
pub const MAX_DURATION_MINUTES: u32 = 720;
/// How far ahead a meeting may be booked.
pub const MAX_DAYS_AHEAD: i64 = 366;

pub(super) fn validate(
    fields: &RawFields,
    context: Context<'_>,
) -> Result<ValidBooking, FieldError> {
    let name = fields.required_text("name")?;
    check_text("name", &name, MAX_NAME_CHARS, false)?;
    let email = EmailAddress::parse(&fields.required_text("email")?)?;
    let timezone = parse_timezone(fields, context.default_timezone, context.zones)?;
    let start = parse_start_time(
        &fields.required_text("start_time")?,
        &timezone,
        context.zones,
    )?;
    check_start_window(start, context.now)?;
    let duration_minutes = parse_duration(fields)?;
    let topic = match fields.text("topic")? {
        Some(topic) => {
            check_text("topic", &topic, MAX_TOPIC_CHARS, false)?;
            topic
        }
        None => default_topic(&name),
    };
    let agenda = fields.text("agenda")?;
    if let Some(agenda) = &agenda {
        check_text("agenda", agenda, MAX_AGENDA_CHARS, true)?;
    }
    Ok(ValidBooking {
        name,
        email,
        start,
        timezone,
        duration_minutes,
        topic,
        agenda,
    })
}

/// `timezone`, or `default` when absent.
pub(in crate::domain::booking) fn parse_timezone(
    fields: &RawFields,
    default: &Zone,
    zones: &dyn ZoneRules,
) -> Result<Zone, FieldError> {
    match fields.text("timezone")? {
        None => Ok(default.clone()),
        Some(tz) => zones.zone(&tz).ok_or_else(|| {
            FieldError::new(
                "timezone",
                FieldErrorKind::UnknownTimezone,
                format!("'{tz}' is not an IANA time zone name such as 'Europe/Berlin'."),
            )
        }),
    }
}

/// A meeting can be booked from now until `MAX_DAYS_AHEAD` days ahead.
pub(in crate::domain::booking) fn check_start_window(
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), FieldError> {
    if start <= now {
        return Err(FieldError::new(
            "start_time",
            FieldErrorKind::StartTimeInPast,
            "'start_time' must be in the future.",
        ));
    }
    if start > now + Duration::days(MAX_DAYS_AHEAD) {
        return Err(FieldError::new(
            "start_time",
            FieldErrorKind::StartTimeTooFar,
            format!("'start_time' must be within {MAX_DAYS_AHEAD} days."),
        ));
    }
    Ok(())
}

/// Zoom caps topics at 200 characters; a long name must not make the default topic invalid.
fn default_topic(name: &str) -> String {
    let topic = format!("Meeting with {name}");
    topic.chars().take(MAX_TOPIC_CHARS).collect()
}

fn check_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<(), FieldError> {
    if value.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            FieldErrorKind::TooLong,
            format!("'{field}' must be at most {max_chars} characters."),
        ));
    }
    let bad_control = |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'));
    if value.chars().any(bad_control) {
        return Err(FieldError::new(
            field,
            FieldErrorKind::InvalidText,
            format!("'{field}' contains control characters."),
        ));
    }
    Ok(())
}

pub(in crate::domain::booking) fn parse_duration(fields: &RawFields) -> Result<u32, FieldError> {
    let invalid = || {
        FieldError::new(
            "duration",
            FieldErrorKind::InvalidDuration,
            format!(
                "'duration' must be a whole number of minutes from {MIN_DURATION_MINUTES} to \
                 {MAX_DURATION_MINUTES}."
            ),
        )
    };
    let minutes: u64 = match fields.raw("duration") {
        None => return Ok(DEFAULT_DURATION_MINUTES),
        Some(RawValue::Number(n)) => n.as_u64().ok_or_else(invalid)?,
        Some(RawValue::Text(s)) if s.trim().is_empty() => return Ok(DEFAULT_DURATION_MINUTES),
        Some(RawValue::Text(s)) => s.trim().parse().map_err(|_| invalid())?,
        Some(RawValue::Other) => return Err(invalid()),
    };
    u32::try_from(minutes)
        .ok()
        .filter(|m| (MIN_DURATION_MINUTES..=MAX_DURATION_MINUTES).contains(m))
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{field_code, json};
    use super::*;

    #[test]
    fn each_broken_field_is_refused_with_its_name_and_code() {
        let long = "x".repeat(201);
        let cases: Vec<(String, (&str, &str))> = vec![
            (r#"{"email":"a@b.io","start_time":"2030-03-02T09:00:00Z"}"#.into(), ("name", "missing_field")),
            (r#"{"name":"  ","email":"a@b.io","start_time":"2030-03-02T09:00:00Z"}"#.into(), ("name", "missing_field")),
            (r#"{"name":5,"email":"a@b.io","start_time":"2030-03-02T09:00:00Z"}"#.into(), ("name", "invalid_field")),
            (format!(r#"{{"name":"{long}","email":"a@b.io","start_time":"2030-03-02T09:00:00Z"}}"#), ("name", "field_too_long")),
            (r#"{"name":"a\u0007b","email":"a@b.io","start_time":"2030-03-02T09:00:00Z"}"#.into(), ("name", "invalid_text")),
            (r#"{"name":"A","start_time":"2030-03-02T09:00:00Z"}"#.into(), ("email", "missing_field")),
            (r#"{"name":"A","email":"not-an-email","start_time":"2030-03-02T09:00:00Z"}"#.into(), ("email", "invalid_email")),
            (r#"{"name":"A","email":"a@localhost","start_time":"2030-03-02T09:00:00Z"}"#.into(), ("email", "invalid_email")),
            (r#"{"name":"A","email":"a b@x.io","start_time":"2030-03-02T09:00:00Z"}"#.into(), ("email", "invalid_email")),
            (r#"{"name":"A","email":"a@b.io"}"#.into(), ("start_time", "missing_field")),
            (r#"{"name":"A","email":"a@b.io","start_time":"tomorrow"}"#.into(), ("start_time", "invalid_start_time")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-02-30T09:00"}"#.into(), ("start_time", "invalid_start_time")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-01T11:59:59Z"}"#.into(), ("start_time", "start_time_in_past")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-01T12:00:00Z"}"#.into(), ("start_time", "start_time_in_past")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2032-03-02T09:00:00Z"}"#.into(), ("start_time", "start_time_too_far")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00","timezone":"Mars/Base"}"#.into(), ("timezone", "unknown_timezone")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","duration":0}"#.into(), ("duration", "invalid_duration")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","duration":-30}"#.into(), ("duration", "invalid_duration")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","duration":721}"#.into(), ("duration", "invalid_duration")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","duration":30.5}"#.into(), ("duration", "invalid_duration")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","duration":"abc"}"#.into(), ("duration", "invalid_duration")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","duration":[30]}"#.into(), ("duration", "invalid_duration")),
            (format!(r#"{{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","topic":"{long}"}}"#), ("topic", "field_too_long")),
            (format!(r#"{{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","agenda":"{}"}}"#, "y".repeat(MAX_AGENDA_CHARS + 1)), ("agenda", "field_too_long")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","topic":{"x":1}}"#.into(), ("topic", "invalid_field")),
        ];
        for (body, (field, code)) in cases {
            assert_eq!(
                field_code(json(&body)),
                (field.to_owned(), code),
                "body: {body}"
            );
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let ok = format!(
            r#"{{"name":"{}","email":"a@b.io","start_time":"2030-03-01T12:00:01Z","duration":720,"topic":"{}","agenda":"{}"}}"#,
            "n".repeat(200),
            "t".repeat(200),
            "é".repeat(MAX_AGENDA_CHARS)
        );
        let b = json(&ok).unwrap();
        assert_eq!(b.duration_minutes, 720);
        assert_eq!(b.agenda.unwrap().chars().count(), MAX_AGENDA_CHARS);
    }

    #[test]
    fn default_topic_never_exceeds_zoom_limit() {
        let b = json(&format!(
            r#"{{"name":"{}","email":"a@b.io","start_time":"2030-03-02T09:00:00Z"}}"#,
            "n".repeat(200)
        ))
        .unwrap();
        assert_eq!(b.topic.chars().count(), MAX_TOPIC_CHARS);
    }
}
