//! `PATCH /v1/bookings/{id}`: what an owner may change (start, time zone, duration), validated by
//! the same rules as a new booking. Who attends and what the meeting is called stay fixed: the
//! guests already hold the join link.

use super::request::{
    check_start_window, parse_duration, parse_start_time, parse_timezone, RawFields,
};
use super::{BodyKind, MeetingDetails};
use crate::domain::api_error::{ApiError, FieldError, FieldErrorKind};
use crate::domain::availability::check_start;
use crate::domain::event_types::EventType;
use crate::domain::time_zone::{Zone, ZoneRules};
use chrono::{DateTime, Utc};

/// Fields a booking has that a reschedule cannot change. The type and the answers are among
/// them: a PATCH naming them is refused rather than answered 200 with them silently unchanged.
const FIXED_FIELDS: [&str; 6] = ["name", "email", "topic", "agenda", "type", "answers"];

/// The meeting's schedule after a valid reschedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reschedule {
    pub start: DateTime<Utc>,
    pub timezone: Zone,
    pub duration_minutes: u32,
}

/// Validates a reschedule of `current`, a booking of `event_type` (whose lengths a new
/// `duration` must be one of). A `start_time` without an offset is read in the new `timezone`
/// if one is sent, else in the meeting's own. Only a start that is sent must lie in the future:
/// changing the length or zone of a meeting keeps its start.
pub fn parse_reschedule(
    kind: BodyKind,
    body: &[u8],
    current: &MeetingDetails,
    event_type: &EventType,
    now: DateTime<Utc>,
    zones: &dyn ZoneRules,
    default_timezone: &Zone,
) -> Result<Reschedule, ApiError> {
    let fields = RawFields::from_body(kind, body)?;
    Ok(validate(
        &fields,
        current,
        event_type,
        now,
        zones,
        default_timezone,
    )?)
}

fn validate(
    fields: &RawFields,
    current: &MeetingDetails,
    event_type: &EventType,
    now: DateTime<Utc>,
    zones: &dyn ZoneRules,
    default_timezone: &Zone,
) -> Result<Reschedule, FieldError> {
    if let Some(fixed) = FIXED_FIELDS.iter().find(|f| fields.has(f)) {
        return Err(FieldError::new(
            *fixed,
            FieldErrorKind::WrongType,
            format!("'{fixed}' cannot be changed; cancel the booking and book again."),
        ));
    }
    if !["start_time", "timezone", "duration"]
        .iter()
        .any(|f| fields.has(f))
    {
        return Err(FieldError::new(
            "start_time",
            FieldErrorKind::Missing,
            "Send 'start_time', 'timezone' or 'duration' to reschedule.",
        ));
    }
    let current_tz = zones.zone(&current.timezone).unwrap_or_else(Zone::utc);
    let timezone = parse_timezone(fields, &current_tz, zones)?;
    let start = if fields.has("start_time") {
        let start = parse_start_time(&fields.required_text("start_time")?, &timezone, zones)?;
        check_start_window(start, now)?;
        start
    } else {
        current.start_time
    };
    let duration_minutes = if fields.has("duration") {
        parse_duration(fields, event_type)?
    } else {
        current.duration
    };
    // A new start or length must be one the type offers, as for a new booking; a change of
    // zone alone moves nothing.
    if fields.has("start_time") || fields.has("duration") {
        check_start(
            event_type,
            duration_minutes,
            start,
            zones,
            default_timezone,
            now,
            // The start the meeting already has (omitted or sent again as it is).
            start == current.start_time,
        )?;
    }
    Ok(Reschedule {
        start,
        timezone,
        duration_minutes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event_types::EventTypes;
    use crate::domain::time_zone::CompiledZones;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap()
    }

    fn current() -> MeetingDetails {
        MeetingDetails {
            id: 1,
            uuid: "u".into(),
            join_url: "https://zoom.us/j/1".into(),
            password: None,
            pmi: None,
            start_time: Utc.with_ymd_and_hms(2030, 3, 5, 9, 0, 0).unwrap(),
            duration: 30,
            timezone: "Europe/Berlin".into(),
        }
    }

    fn json(body: &str) -> Result<Reschedule, ApiError> {
        of_type(&EventTypes::implicit(), "meeting", body)
    }

    fn of_type(types: &EventTypes, slug: &str, body: &str) -> Result<Reschedule, ApiError> {
        parse_reschedule(
            BodyKind::Json,
            body.as_bytes(),
            &current(),
            types.get(slug).unwrap(),
            now(),
            &CompiledZones,
            &Zone::utc(),
        )
    }

    fn field_code(body: &str) -> (String, &'static str) {
        code_of(json(body))
    }

    fn code_of(result: Result<Reschedule, ApiError>) -> (String, &'static str) {
        match result.unwrap_err() {
            ApiError::InvalidField(f) => (f.field.into_owned(), f.kind.code()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_new_length_must_be_one_of_the_types_lengths() {
        let types = EventTypes::parse(
            r#"[{"slug":"intro","title":"Intro","durations":[15,30,45],"default_duration":30}]"#,
            "BOOKING_TYPES",
            &[],
        )
        .unwrap();
        assert_eq!(
            of_type(&types, "intro", r#"{"duration":45}"#)
                .unwrap()
                .duration_minutes,
            45
        );
        let refused = of_type(&types, "intro", r#"{"duration":20}"#).unwrap_err();
        assert_eq!(
            code_of(Err(refused.clone())),
            ("duration".to_owned(), "invalid_duration")
        );
        assert!(refused.body()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("15, 30 or 45"));
    }

    /// A new length for a meeting whose start stays is refused only for leaving the hours,
    /// not for the notice its start is now within — whether the start is omitted or sent
    /// again as it is; a new start gets the whole check.
    #[test]
    fn a_kept_start_is_not_refused_for_notice_whether_omitted_or_sent_again() {
        // Meetings from 10:00 Berlin (09:00 UTC on 5 March), ten days' notice.
        let types = EventTypes::parse(
            r#"[{"slug":"office","title":"Office","durations":[30,60],"default_duration":30,
                "availability":{"timezone":"Europe/Berlin","min_notice_minutes":14400,
                "weekly":{"tue":["10:00-12:00"]}}}]"#,
            "BOOKING_TYPES",
            &[],
        )
        .unwrap();
        let longer = of_type(&types, "office", r#"{"duration":60}"#).unwrap();
        assert_eq!(longer.start, current().start_time);
        let resent = of_type(
            &types,
            "office",
            r#"{"start_time":"2030-03-05T10:00:00","duration":60}"#,
        )
        .unwrap();
        assert_eq!(resent.start, current().start_time);
        assert_eq!(resent.duration_minutes, 60);
        assert_eq!(
            code_of(of_type(
                &types,
                "office",
                r#"{"start_time":"2030-03-05T10:30:00","duration":60}"#
            )),
            ("start_time".to_owned(), "outside_availability")
        );
    }

    /// A reschedule naming the type or the answers is refused, not answered 200 with
    /// them silently unchanged.
    #[test]
    fn the_type_and_the_answers_cannot_be_rescheduled() {
        assert_eq!(
            field_code(r#"{"type":"other","duration":45}"#),
            ("type".to_owned(), "invalid_field")
        );
        assert_eq!(
            field_code(r#"{"answers":{"company":"X"},"duration":45}"#),
            ("answers".to_owned(), "invalid_field")
        );
        // Blank, as a form sends an empty input, is no change.
        assert_eq!(
            json(r#"{"type":"","duration":45}"#)
                .unwrap()
                .duration_minutes,
            45
        );
    }

    #[test]
    fn local_start_is_read_in_the_meetings_zone_unless_a_new_one_is_sent() {
        let moved = json(r#"{"start_time":"2030-03-06T10:00"}"#).unwrap();
        assert_eq!(
            moved.start,
            Utc.with_ymd_and_hms(2030, 3, 6, 9, 0, 0).unwrap()
        );
        assert_eq!(moved.timezone.name(), "Europe/Berlin");
        assert_eq!(moved.duration_minutes, 30);
        let tokyo = json(r#"{"start_time":"2030-03-06T10:00","timezone":"Asia/Tokyo"}"#).unwrap();
        assert_eq!(
            tokyo.start,
            Utc.with_ymd_and_hms(2030, 3, 6, 1, 0, 0).unwrap()
        );
    }

    #[test]
    fn unchanged_fields_keep_their_values() {
        let longer = json(r#"{"duration":45}"#).unwrap();
        assert_eq!(longer.start, current().start_time);
        assert_eq!(longer.duration_minutes, 45);
        let form = parse_reschedule(
            BodyKind::Form,
            b"timezone=UTC",
            &current(),
            EventTypes::implicit().default_type(),
            now(),
            &CompiledZones,
            &Zone::utc(),
        )
        .unwrap();
        assert_eq!(form.timezone, Zone::utc());
        assert_eq!(form.start, current().start_time);
    }

    #[test]
    fn refusals_name_the_field() {
        assert_eq!(field_code("{}"), ("start_time".to_owned(), "missing_field"));
        assert_eq!(
            field_code(r#"{"start_time":"2030-02-01T10:00:00Z"}"#),
            ("start_time".to_owned(), "start_time_in_past")
        );
        assert_eq!(
            field_code(r#"{"duration":2}"#),
            ("duration".to_owned(), "invalid_duration")
        );
        assert_eq!(
            field_code(r#"{"timezone":"Mars/Base"}"#),
            ("timezone".to_owned(), "unknown_timezone")
        );
        assert_eq!(
            field_code(r#"{"email":"x@example.com","duration":45}"#),
            ("email".to_owned(), "invalid_field")
        );
        assert!(matches!(json("[1]"), Err(ApiError::Malformed(_))));
    }
}
