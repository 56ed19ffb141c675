//! Turning an untrusted booking submission (JSON or an HTML form) into a [`ValidBooking`].
//!
//! Nothing here talks to Zoom: a request that fails here never causes a side effect.
//! `body` decodes the bytes into raw fields, `datetime` reads the start time, `validate`
//! applies the field rules, and `client_key` reads the client's idempotency key.

mod answers;
mod body;
mod client_key;
mod datetime;
mod validate;

use crate::domain::api_error::ApiError;
use crate::domain::booking::EmailAddress;
use crate::domain::event_types::{EventTypes, IMPLICIT_SLUG};
use crate::domain::time_zone::{Zone, ZoneRules};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

pub use crate::domain::booking::email::MAX_EMAIL_CHARS;
pub use answers::Answer;
pub use body::{body_kind, BodyKind, MAX_BODY_BYTES};
pub use client_key::{client_key, KEY_FIELD};
pub use validate::{
    DEFAULT_DURATION_MINUTES, MAX_AGENDA_CHARS, MAX_DAYS_AHEAD, MAX_DURATION_MINUTES,
    MAX_NAME_CHARS, MAX_TOPIC_CHARS, MIN_DURATION_MINUTES,
};
// A reschedule and an availability question read the same fields by the same rules.
pub(crate) use answers::parse_type;
pub(crate) use body::RawFields;
pub(super) use datetime::parse_start_time;
pub(super) use validate::check_start_window;
pub(crate) use validate::{parse_duration, parse_timezone};

/// A booking that passed every check, ready to be sent to Zoom. (Serializable so the
/// coordinator can journal it: it is read back only from the coordinator's own storage.) Its
/// `Debug` never prints the generated passcode.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ValidBooking {
    pub name: String,
    pub email: EmailAddress,
    /// Start instant, truncated to whole seconds (Zoom's granularity).
    #[serde(deserialize_with = "crate::domain::wire_time::one")]
    pub start: DateTime<Utc>,
    pub timezone: Zone,
    pub duration_minutes: u32,
    pub topic: String,
    pub agenda: Option<String>,
    /// The event type's slug. Bookings journaled before event types existed are of the
    /// implicit type.
    #[serde(default = "implicit_slug")]
    pub event_type: String,
    /// The answers to the type's questions, in question order.
    #[serde(default)]
    pub answers: Vec<Answer>,
    /// The Zoom `settings` the meeting is created with (`EventType::zoom_settings`). Empty
    /// (a booking journaled before event types) means the built-in defaults.
    #[serde(default)]
    pub settings: Map<String, Value>,
    /// The passcode the worker generated for a type with `passcode: "generate"`; journaled
    /// with the attempt, so every create for the booking sends the same one.
    #[serde(default)]
    pub passcode: Option<String>,
}

impl std::fmt::Debug for ValidBooking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidBooking")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("start", &self.start)
            .field("timezone", &self.timezone)
            .field("duration_minutes", &self.duration_minutes)
            .field("topic", &self.topic)
            .field("agenda", &self.agenda)
            .field("event_type", &self.event_type)
            .field("answers", &self.answers)
            .field("settings", &self.settings)
            .field("passcode", &self.passcode.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

fn implicit_slug() -> String {
    IMPLICIT_SLUG.to_owned()
}

/// What validation needs from the world, injected so every rule is testable: the time now, the
/// zone database, the zone of local times sent without one, the event types in force, and
/// random bytes for a passcode the worker generates.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub zones: &'a dyn ZoneRules,
    pub default_timezone: &'a Zone,
    pub types: &'a EventTypes,
    pub random: [u8; 8],
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
    Ok(validate::validate(&fields, context)?)
}

/// Fixtures shared by the tests of every part of the request: each part is tested through
/// [`parse_booking`] where the observable answer is what matters.
#[cfg(test)]
mod test_support {
    use super::*;
    use crate::domain::time_zone::CompiledZones;
    use chrono::TimeZone;

    pub(super) fn zone(name: &str) -> Zone {
        CompiledZones.zone(name).unwrap()
    }

    pub(super) fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap()
    }

    pub(super) fn context(default_timezone: &Zone) -> Context<'_> {
        static IMPLICIT: std::sync::OnceLock<EventTypes> = std::sync::OnceLock::new();
        Context {
            now: now(),
            zones: &CompiledZones,
            default_timezone,
            types: IMPLICIT.get_or_init(EventTypes::implicit),
            random: [7; 8],
        }
    }

    pub(super) fn json(body: &str) -> Result<ValidBooking, ApiError> {
        parse_booking(BodyKind::Json, body.as_bytes(), context(&Zone::utc()))
    }

    pub(super) fn form(body: &str) -> Result<ValidBooking, ApiError> {
        parse_booking(BodyKind::Form, body.as_bytes(), context(&Zone::utc()))
    }

    pub(super) fn field_code(result: Result<ValidBooking, ApiError>) -> (String, &'static str) {
        match result.unwrap_err() {
            ApiError::InvalidField(f) => (f.field.into_owned(), f.kind.code()),
            other => panic!("expected a field error, got {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{context, form, json, zone};
    use super::*;
    use chrono::TimeZone;

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
}
