//! Turning an untrusted booking submission (JSON or an HTML form) into a [`ValidBooking`].
//!
//! Nothing here talks to Zoom: a request that fails here never causes a side effect.

use crate::domain::api_error::{ApiError, FieldError, FieldErrorKind};
use crate::domain::time_zone::{local_to_utc, Zone, ZoneRules};
use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Timelike, Utc};
use serde_json::Value;
use std::collections::HashMap;

/// Largest booking body accepted. A booking is a few hundred bytes; the cap keeps a hostile
/// client from making the worker buffer megabytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_TOPIC_CHARS: usize = 200;
pub const MAX_AGENDA_CHARS: usize = 2000;
pub const DEFAULT_DURATION_MINUTES: u32 = 30;
pub const MIN_DURATION_MINUTES: u32 = 5;
pub const MAX_DURATION_MINUTES: u32 = 720;
/// How far ahead a meeting may be booked.
pub const MAX_DAYS_AHEAD: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
}

/// Picks the parser from `Content-Type` (parameters such as `charset` are ignored).
pub fn body_kind(content_type: Option<&str>) -> Result<BodyKind, ApiError> {
    let essence = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json") => Ok(BodyKind::Json),
        Some("application/x-www-form-urlencoded") => Ok(BodyKind::Form),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

/// A booking that passed every check, ready to be sent to Zoom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBooking {
    pub name: String,
    pub email: String,
    /// Start instant, truncated to whole seconds (Zoom's granularity).
    pub start: DateTime<Utc>,
    pub timezone: Zone,
    pub duration_minutes: u32,
    pub topic: String,
    pub agenda: Option<String>,
}

/// One submitted value, before validation. JSON keeps its type so `"name": 5` can be refused.
#[derive(Debug, Clone, PartialEq)]
enum RawValue {
    Text(String),
    Number(serde_json::Number),
    Other,
}

pub(super) struct RawFields(HashMap<String, RawValue>);

impl RawFields {
    pub(super) fn from_body(kind: BodyKind, body: &[u8]) -> Result<Self, ApiError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        match kind {
            BodyKind::Json => Self::from_json(body),
            BodyKind::Form => Self::from_form(body),
        }
    }

    fn from_json(body: &[u8]) -> Result<Self, ApiError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::Malformed(format!("invalid JSON ({e})")))?;
        let Value::Object(map) = value else {
            return Err(ApiError::Malformed(
                "the JSON body must be an object".into(),
            ));
        };
        let fields = map
            .into_iter()
            .filter_map(|(k, v)| {
                let raw = match v {
                    Value::Null => return None,
                    Value::String(s) => RawValue::Text(s),
                    Value::Number(n) => RawValue::Number(n),
                    _ => RawValue::Other,
                };
                Some((k, raw))
            })
            .collect();
        Ok(Self(fields))
    }

    fn from_form(body: &[u8]) -> Result<Self, ApiError> {
        if std::str::from_utf8(body).is_err() {
            return Err(ApiError::Malformed("the form body is not UTF-8".into()));
        }
        let mut fields = HashMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            // The first occurrence wins: a repeated field cannot override what the form showed.
            fields
                .entry(k.into_owned())
                .or_insert(RawValue::Text(v.into_owned()));
        }
        Ok(Self(fields))
    }

    /// Whether the field was sent with a value (blank counts as absent).
    pub(super) fn has(&self, field: &str) -> bool {
        match self.0.get(field) {
            None => false,
            Some(RawValue::Text(s)) => !s.trim().is_empty(),
            Some(_) => true,
        }
    }

    /// The trimmed text of a field; blank counts as absent (an HTML form sends empty inputs).
    fn text(&self, field: &'static str) -> Result<Option<String>, FieldError> {
        match self.0.get(field) {
            None => Ok(None),
            Some(RawValue::Text(s)) => {
                let trimmed = s.trim();
                Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
            }
            Some(_) => Err(FieldError::new(
                field,
                FieldErrorKind::WrongType,
                format!("'{field}' must be a string."),
            )),
        }
    }

    pub(super) fn required_text(&self, field: &'static str) -> Result<String, FieldError> {
        self.text(field)?.ok_or_else(|| {
            FieldError::new(
                field,
                FieldErrorKind::Missing,
                format!("'{field}' is required."),
            )
        })
    }
}

/// What validation needs from the world, injected so every rule is testable: the time now, the
/// zone database, and the zone of local times sent without one.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub zones: &'a dyn ZoneRules,
    pub default_timezone: &'a Zone,
}

/// A field of the body that is not part of the booking itself (e.g. the Turnstile token the
/// widget adds to the form), as trimmed text.
pub fn side_field(kind: BodyKind, body: &[u8], field: &'static str) -> Option<String> {
    RawFields::from_body(kind, body).ok()?.text(field).ok()?
}

/// Parses and validates a booking body.
pub fn parse_booking(
    kind: BodyKind,
    body: &[u8],
    context: Context<'_>,
) -> Result<ValidBooking, ApiError> {
    let fields = RawFields::from_body(kind, body)?;
    Ok(validate(&fields, context)?)
}

fn validate(fields: &RawFields, context: Context<'_>) -> Result<ValidBooking, FieldError> {
    let name = fields.required_text("name")?;
    check_text("name", &name, MAX_NAME_CHARS, false)?;
    let email = fields.required_text("email")?;
    check_email(&email)?;
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
pub(super) fn parse_timezone(
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
pub(super) fn check_start_window(
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

fn invalid_email(message: &str) -> FieldError {
    FieldError::new("email", FieldErrorKind::InvalidEmail, message)
}

/// A deliberately conservative address check: Zoom and mail systems reject what this rejects.
fn check_email(email: &str) -> Result<(), FieldError> {
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(FieldError::new(
            "email",
            FieldErrorKind::TooLong,
            format!("'email' must be at most {MAX_EMAIL_CHARS} characters."),
        ));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(invalid_email("'email' must look like name@example.com."));
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(invalid_email("'email' must look like name@example.com."))
    }
}

/// `YYYY-MM-DDTHH:MM[:SS]`, read by hand: chrono's `parse_from_str` would bring its whole
/// format engine into the worker.
fn parse_local(input: &str) -> Option<NaiveDateTime> {
    let (date, time) = input.split_once('T')?;
    let number = |text: &str, digits: usize| {
        (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
    };
    let mut ymd = date.split('-');
    let (Some(y), Some(m), Some(d), None) = (ymd.next(), ymd.next(), ymd.next(), ymd.next()) else {
        return None;
    };
    let mut hms = time.split(':');
    let (Some(h), Some(min)) = (hms.next(), hms.next()) else {
        return None;
    };
    let sec = match (hms.next(), hms.next()) {
        (None, None) => 0,
        (Some(s), None) => number(s, 2)?,
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(number(y, 4)? as i32, number(m, 2)?, number(d, 2)?)?
        .and_hms_opt(number(h, 2)?, number(min, 2)?, sec)
}

/// RFC 3339 with an offset is taken as-is; `YYYY-MM-DDTHH:MM[:SS]` is read as wall-clock time in
/// `timezone`. A wall-clock time skipped by a DST change is refused; one that occurs twice
/// takes the earlier instant (what a calendar shows first).
pub(super) fn parse_start_time(
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

pub(super) fn parse_duration(fields: &RawFields) -> Result<u32, FieldError> {
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
    let minutes: u64 = match fields.0.get("duration") {
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
    use super::*;
    use crate::domain::time_zone::CompiledZones;
    use chrono::TimeZone;

    fn zone(name: &str) -> Zone {
        CompiledZones.zone(name).unwrap()
    }

    fn context(default_timezone: &Zone) -> Context<'_> {
        Context {
            now: now(),
            zones: &CompiledZones,
            default_timezone,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap()
    }

    fn json(body: &str) -> Result<ValidBooking, ApiError> {
        parse_booking(BodyKind::Json, body.as_bytes(), context(&Zone::utc()))
    }

    fn form(body: &str) -> Result<ValidBooking, ApiError> {
        parse_booking(BodyKind::Form, body.as_bytes(), context(&Zone::utc()))
    }

    fn field_code(result: Result<ValidBooking, ApiError>) -> (String, &'static str) {
        match result.unwrap_err() {
            ApiError::InvalidField(f) => (f.field.to_owned(), f.kind.code()),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(
            body_kind(Some("application/json; charset=utf-8")),
            Ok(BodyKind::Json)
        );
        assert_eq!(
            body_kind(Some("Application/X-WWW-Form-Urlencoded")),
            Ok(BodyKind::Form)
        );
        for ct in [
            None,
            Some("text/plain"),
            Some("multipart/form-data; boundary=x"),
        ] {
            assert_eq!(body_kind(ct), Err(ApiError::UnsupportedMediaType));
        }
    }

    #[test]
    fn json_booking_with_offset_is_normalised_to_utc() {
        let b = json(
            r#"{"name":" Ada ","email":"ada@example.com","start_time":"2030-03-02T09:30:15.750+09:00",
                "timezone":"Asia/Tokyo","duration":45,"topic":"Intro","agenda":"line1\nline2"}"#,
        )
        .unwrap();
        assert_eq!(b.name, "Ada");
        assert_eq!(
            b.start,
            Utc.with_ymd_and_hms(2030, 3, 2, 0, 30, 15).unwrap()
        );
        assert_eq!(b.timezone, zone("Asia/Tokyo"));
        assert_eq!(b.duration_minutes, 45);
        assert_eq!(b.topic, "Intro");
        assert_eq!(b.agenda.as_deref(), Some("line1\nline2"));
    }

    #[test]
    fn form_booking_reads_local_time_in_timezone_and_applies_defaults() {
        let b = form(
            "name=Grace+Hopper&email=grace%40example.com&start_time=2030-07-04T09%3A00\
             &timezone=America%2FNew_York&duration=&topic=&agenda=",
        )
        .unwrap();
        // July: New York is UTC-4.
        assert_eq!(b.start, Utc.with_ymd_and_hms(2030, 7, 4, 13, 0, 0).unwrap());
        assert_eq!(b.timezone, zone("America/New_York"));
        assert_eq!(b.duration_minutes, DEFAULT_DURATION_MINUTES);
        assert_eq!(b.topic, "Meeting with Grace Hopper");
        assert_eq!(b.agenda, None);
    }

    #[test]
    fn local_time_uses_default_timezone() {
        let b = parse_booking(
            BodyKind::Json,
            br#"{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00"}"#,
            context(&zone("Asia/Tokyo")),
        )
        .unwrap();
        assert_eq!(b.start, Utc.with_ymd_and_hms(2030, 3, 2, 0, 0, 0).unwrap());
        assert_eq!(b.timezone, zone("Asia/Tokyo"));
    }

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

    #[test]
    fn malformed_bodies_are_400() {
        for body in ["{", "[]", "\"x\"", ""] {
            assert!(
                matches!(json(body), Err(ApiError::Malformed(_))),
                "{body:?}"
            );
        }
        assert!(matches!(
            parse_booking(BodyKind::Form, b"name=\xff\xfe", context(&Zone::utc())),
            Err(ApiError::Malformed(_))
        ));
    }

    #[test]
    fn oversized_body_is_413() {
        let body = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            parse_booking(BodyKind::Json, &body, context(&Zone::utc())),
            Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES
            })
        );
    }

    #[test]
    fn field_errors() {
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
            (format!(r#"{{"name":"A","email":"a@b.io","start_time":"2030-03-02T09:00:00Z","agenda":"{}"}}"#, "y".repeat(2001)), ("agenda", "field_too_long")),
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
            "é".repeat(2000)
        );
        let b = json(&ok).unwrap();
        assert_eq!(b.duration_minutes, 720);
        assert_eq!(b.agenda.unwrap().chars().count(), 2000);
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
    fn repeated_form_field_keeps_the_first_value() {
        let b =
            form("name=A&email=a%40b.io&start_time=2030-03-02T09:00:00Z&duration=15&duration=600")
                .unwrap();
        assert_eq!(b.duration_minutes, 15);
    }
}
