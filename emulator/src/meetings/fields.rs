//! Reading a create or update body the way Zoom validates it, and Zoom's answers when it
//! refuses one (400 code 300).

use crate::http::{EmuRequest, Reply};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

const MAX_TOPIC_CHARS: usize = 200;
const MAX_AGENDA_CHARS: usize = 2000;
const MAX_PASSWORD_CHARS: usize = 10;

/// The fields a create or update may set, validated the way Zoom does.
pub(super) struct MeetingFields {
    pub topic: Option<String>,
    pub meeting_type: Option<u8>,
    pub start: Option<DateTime<Utc>>,
    pub duration: Option<u32>,
    pub timezone: Option<String>,
    pub agenda: Option<String>,
    pub settings: Option<Value>,
    /// The passcode the caller chose (Zoom: up to 10 of letters, digits, `@ - _ *`).
    pub password: Option<String>,
}

/// Reads the request body as a JSON object and its meeting fields; a bare local `start_time`
/// is read in the body's `timezone`, else in `default_tz`.
pub(super) fn read(req: &EmuRequest, default_tz: &str) -> Result<MeetingFields, Reply> {
    body_object(req).and_then(|b| read_fields(&b, default_tz))
}

pub(super) fn validation_failed(field: &str, message: &str) -> Reply {
    Reply::json(
        400,
        json!({
            "code": 300,
            "message": "Validation Failed.",
            "errors": [{ "field": field, "message": message }],
        }),
    )
}

/// Zoom reads `start_time` ending in `Z` (or with an offset) as an instant, and a bare local
/// time in the meeting's `timezone`.
fn parse_start(raw: &str, timezone: Tz) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").ok()?;
    timezone
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

fn read_fields(body: &Map<String, Value>, default_tz: &str) -> Result<MeetingFields, Reply> {
    let text = |field: &str, max: usize| -> Result<Option<String>, Reply> {
        match body.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
            Some(Value::String(_)) => Err(validation_failed(
                field,
                &format!("Maximum {max} characters."),
            )),
            Some(_) => Err(validation_failed(field, "Invalid field.")),
        }
    };
    let topic = text("topic", MAX_TOPIC_CHARS)?;
    let agenda = text("agenda", MAX_AGENDA_CHARS)?;
    let password = text("password", MAX_PASSWORD_CHARS)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '@' | '-' | '_' | '*');
    if password.as_deref().is_some_and(|p| !p.chars().all(allowed)) {
        return Err(validation_failed("password", "Invalid password."));
    }
    let timezone = text("timezone", 64)?;
    let tz: Tz = timezone
        .as_deref()
        .unwrap_or(default_tz)
        .parse()
        .map_err(|_| validation_failed("timezone", "Invalid timezone."))?;
    let meeting_type = match body.get("type") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(t @ (1 | 2 | 3 | 8)) => Some(t as u8),
            _ => return Err(validation_failed("type", "Invalid meeting type.")),
        },
    };
    let start = match body.get("start_time") {
        None => None,
        Some(Value::String(raw)) => Some(
            parse_start(raw, tz)
                .ok_or_else(|| validation_failed("start_time", "Invalid start_time."))?,
        ),
        Some(_) => return Err(validation_failed("start_time", "Invalid start_time.")),
    };
    let duration = match body.get("duration") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|d| u32::try_from(d).ok())
                .ok_or_else(|| validation_failed("duration", "Invalid duration."))?,
        ),
    };
    Ok(MeetingFields {
        topic,
        meeting_type,
        start,
        duration,
        timezone,
        agenda,
        settings: body.get("settings").cloned(),
        password,
    })
}

fn body_object(req: &EmuRequest) -> Result<Map<String, Value>, Reply> {
    match req.json() {
        Some(Value::Object(map)) => Ok(map),
        _ => Err(Reply::zoom_error(
            400,
            300,
            "Request Body should be a valid JSON object.",
        )),
    }
}
