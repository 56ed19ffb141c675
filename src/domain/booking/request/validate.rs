//! The rules each booking field must meet, and the assembly of a [`ValidBooking`] from them.

use super::answers::{parse_answers, parse_type};
use super::body::{RawFields, RawValue};
use super::datetime::parse_start_time;
use super::{Context, ValidBooking};
use crate::domain::api_error::{FieldError, FieldErrorKind};
use crate::domain::availability::check_start;
use crate::domain::booking::EmailAddress;
use crate::domain::event_types::{generate_passcode, EventType};
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
    let event_type = parse_type(fields, context.types)?;
    let duration_minutes = parse_duration(fields, event_type)?;
    check_start(
        event_type,
        duration_minutes,
        start,
        context.zones,
        context.default_timezone,
        context.now,
        false,
    )?;
    // A type with a topic template names the meeting itself; the client's topic is not used.
    let client_topic = match fields.text("topic")? {
        Some(topic) if !event_type.has_topic_template() => {
            check_text("topic", &topic, MAX_TOPIC_CHARS, false)?;
            Some(topic)
        }
        _ => None,
    };
    let topic = event_type.topic_for(&name, client_topic.as_deref());
    let agenda = fields.text("agenda")?;
    if let Some(agenda) = &agenda {
        check_text("agenda", agenda, MAX_AGENDA_CHARS, true)?;
    }
    let answers = parse_answers(fields, event_type)?;
    Ok(ValidBooking {
        name,
        email,
        start,
        timezone,
        duration_minutes,
        topic,
        agenda,
        event_type: event_type.slug().to_owned(),
        answers,
        settings: event_type.zoom_settings(),
        passcode: event_type
            .generates_passcode()
            .then(|| generate_passcode(context.random)),
    })
}

/// `timezone`, or `default` when absent.
pub(crate) fn parse_timezone(
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

/// The text rules of names, topics, agendas and text answers: at most `max_chars`, and no
/// control character (but line breaks and tabs when `multiline`) nor invisible one.
pub(super) fn check_text(
    field: &str,
    value: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<(), FieldError> {
    if value.chars().count() > max_chars {
        return Err(FieldError::new(
            field.to_owned(),
            FieldErrorKind::TooLong,
            format!("'{field}' must be at most {max_chars} characters."),
        ));
    }
    let bad_control = |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'));
    if value.chars().any(bad_control) {
        return Err(FieldError::new(
            field.to_owned(),
            FieldErrorKind::InvalidText,
            format!("'{field}' contains control characters."),
        ));
    }
    if let Some(c) = value.chars().find(|c| is_invisible_or_bidi(*c)) {
        return Err(FieldError::new(
            field.to_owned(),
            FieldErrorKind::InvalidText,
            format!(
                "'{field}' contains an invisible or text-direction character (U+{:04X}); \
                 remove it.",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// Characters that are invisible or reorder the text around them: zero-width space, direction
/// marks, embeddings and overrides, isolates, word joiner, byte order mark. In a name or topic
/// they disguise what Zoom and the guests' invitations show (`evil\u{202E}fdp.exe`). The check
/// runs on the decoded text, so JSON escapes and form encoding are caught alike. U+200C and
/// U+200D (zero-width non-joiner and joiner) stay allowed: Persian, Indic scripts and emoji
/// need them.
pub fn is_invisible_or_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// `duration`: one of the lengths `event_type` allows, or its default when absent.
pub(crate) fn parse_duration(
    fields: &RawFields,
    event_type: &EventType,
) -> Result<u32, FieldError> {
    let invalid = || {
        let words = event_type.durations_in_words();
        // The implicit type's message is the one the service gave before event types.
        let allowed = match event_type.listed_durations() {
            Some(_) => format!("one of {words} minutes"),
            None => format!("a whole number of minutes from {words}"),
        };
        FieldError::new(
            "duration",
            FieldErrorKind::InvalidDuration,
            format!("'duration' must be {allowed}."),
        )
    };
    let default = event_type.default_duration();
    let minutes: u64 = match fields.raw("duration") {
        None => return Ok(default),
        Some(RawValue::Number(n)) => n.as_u64().ok_or_else(invalid)?,
        Some(RawValue::Text(s)) if s.trim().is_empty() => return Ok(default),
        Some(RawValue::Text(s)) => s.trim().parse().map_err(|_| invalid())?,
        Some(RawValue::Other | RawValue::Object(_)) => return Err(invalid()),
    };
    u32::try_from(minutes)
        .ok()
        .filter(|m| event_type.allows_duration(*m))
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
            (r#"{"name":"evil\u202Efdp","email":"a@b.io","start_time":"2030-03-02T09:00:00Z"}"#.into(), ("name", "invalid_text")),
            (r#"{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","topic":"x\u200By"}"#.into(), ("topic", "invalid_text")),
            ("{\"name\":\"A\",\"email\":\"a@b.io\",\"start_time\":\"2030-03-02T09:00:00Z\",\"agenda\":\"line\\n\u{2067}x\"}".into(), ("agenda", "invalid_text")),
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

    #[test]
    fn invisible_and_direction_characters_are_refused_but_joiners_are_not() {
        let refused = [
            '\u{200B}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2060}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{FEFF}',
        ];
        for c in refused {
            assert!(is_invisible_or_bidi(c), "U+{:04X}", u32::from(c));
            let body = format!(
                r#"{{"name":"Ada{c}","email":"a@b.io","start_time":"2030-03-02T09:00:00Z"}}"#
            );
            assert_eq!(
                field_code(json(&body)),
                ("name".to_owned(), "invalid_text"),
                "U+{:04X}",
                u32::from(c)
            );
        }
        // Zero-width (non-)joiners: Persian "می‌خواهم", an emoji family, Devanagari.
        for name in [
            "می\u{200C}خواهم",
            "👩\u{200D}👩\u{200D}👧",
            "क्\u{200D}ष",
            "Zoë – 東京",
        ] {
            let body = format!(
                r#"{{"name":"{name}","email":"a@b.io","start_time":"2030-03-02T09:00:00Z"}}"#
            );
            assert_eq!(json(&body).unwrap().name, name);
        }
    }

    #[test]
    fn a_form_body_is_checked_after_decoding() {
        use super::super::test_support::form;
        let err = form(
            "name=A&email=a%40b.io&start_time=2030-03-02T09%3A00%3A00Z&topic=pay%E2%80%AEfdp.exe",
        );
        assert_eq!(field_code(err), ("topic".to_owned(), "invalid_text"));
    }
}
