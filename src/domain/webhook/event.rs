//! Reading a verified Zoom webhook delivery into what it means for a booking.
//!
//! Zoom's payloads are not uniform: `payload.object.id` is a string in `meeting.*` events and a
//! number in `recording.*` events; times come as RFC 3339 strings; `meeting.updated` carries only
//! the changed fields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod wire;

#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// `endpoint.url_validation`: answer the challenge.
    UrlValidation {
        plain_token: String,
    },
    Event(MeetingEvent),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Stable identity: participant_uuid, else user_id, else id, else email, else name.
    pub key: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingFile {
    pub id: Option<String>,
    pub file_type: Option<String>,
    pub recording_type: Option<String>,
    pub recording_start: Option<String>,
    pub recording_end: Option<String>,
    pub play_url: Option<String>,
    pub download_url: Option<String>,
}

/// On the wire (coordinator messages, stored events) an object tagged by `kind`, written by the
/// derived `Serialize`; read back through `wire::EffectWire` (see there for why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "wire::EffectWire")]
pub enum Effect {
    Started {
        at: DateTime<Utc>,
    },
    Ended {
        at: DateTime<Utc>,
    },
    /// A meeting was scheduled (by this service or anyone else on the account).
    Created {
        start_time: Option<DateTime<Utc>>,
        duration: Option<u32>,
    },
    Deleted,
    Updated {
        start_time: Option<DateTime<Utc>>,
        duration: Option<u32>,
        timezone: Option<String>,
    },
    ParticipantJoined {
        participant: Participant,
        at: DateTime<Utc>,
    },
    ParticipantLeft {
        participant: Participant,
        at: DateTime<Utc>,
    },
    RecordingCompleted {
        files: Vec<RecordingFile>,
        password: Option<String>,
        share_url: Option<String>,
    },
    /// An event this product does not act on; acknowledged and ignored.
    Ignored,
}

/// One meeting event, ready for the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingEvent {
    pub name: String,
    /// Zoom's `event_ts`, milliseconds since the epoch: orders events of one meeting.
    pub event_ts: i64,
    pub meeting_id: Option<u64>,
    /// Zoom's user id of the meeting's host (`object.host_id`).
    #[serde(default)]
    pub host_id: Option<String>,
    pub effect: Effect,
}

impl MeetingEvent {
    /// Identity of a delivery for redelivery detection: event name, object id and `event_ts`
    /// (and the participant, so two people joining in the same millisecond stay distinct).
    pub fn dedupe_key(&self) -> String {
        let id = self.meeting_id.map(|id| id.to_string()).unwrap_or_default();
        let mut key = format!("{}:{id}:{}", self.name, self.event_ts);
        if let Effect::ParticipantJoined { participant, .. }
        | Effect::ParticipantLeft { participant, .. } = &self.effect
        {
            key.push(':');
            key.push_str(&participant.key);
        }
        key
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    NotJson,
    MissingEvent,
}

fn text(v: &Value, field: &str) -> Option<String> {
    match v.get(field)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn time(v: &Value, field: &str) -> Option<DateTime<Utc>> {
    v.get(field)?
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn minutes(object: &Value) -> Option<u32> {
    object
        .get("duration")
        .and_then(Value::as_u64)
        .and_then(|d| u32::try_from(d).ok())
}

/// `object.id`: a string in `meeting.*`, a number in `recording.*`.
fn meeting_id(object: &Value) -> Option<u64> {
    match object.get("id")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn participant(object: &Value) -> Option<Participant> {
    let p = object.get("participant")?;
    let key = ["participant_uuid", "user_id", "id", "email", "user_name"]
        .iter()
        .find_map(|f| text(p, f))?;
    Some(Participant {
        key,
        name: text(p, "user_name"),
        email: text(p, "email"),
    })
}

pub fn parse(body: &[u8]) -> Result<Delivery, ParseError> {
    let root: Value = serde_json::from_slice(body).map_err(|_| ParseError::NotJson)?;
    let name = root
        .get("event")
        .and_then(Value::as_str)
        .ok_or(ParseError::MissingEvent)?
        .to_owned();
    let payload = root.get("payload").cloned().unwrap_or(Value::Null);
    if name == "endpoint.url_validation" {
        let plain_token = text(&payload, "plainToken").ok_or(ParseError::MissingEvent)?;
        return Ok(Delivery::UrlValidation { plain_token });
    }
    let event_ts = root.get("event_ts").and_then(Value::as_i64).unwrap_or(0);
    let event_time = DateTime::from_timestamp_millis(event_ts).unwrap_or_default();
    let object = payload.get("object").cloned().unwrap_or(Value::Null);
    let effect = match name.as_str() {
        "meeting.started" => Effect::Started {
            at: time(&object, "start_time").unwrap_or(event_time),
        },
        "meeting.ended" => Effect::Ended {
            at: time(&object, "end_time").unwrap_or(event_time),
        },
        "meeting.created" => Effect::Created {
            start_time: time(&object, "start_time"),
            duration: minutes(&object),
        },
        "meeting.deleted" => Effect::Deleted,
        "meeting.updated" => Effect::Updated {
            start_time: time(&object, "start_time"),
            duration: minutes(&object),
            timezone: text(&object, "timezone"),
        },
        "meeting.participant_joined" | "meeting.participant_left" => match participant(&object) {
            None => Effect::Ignored,
            Some(who) => {
                let p = &object["participant"];
                if name.ends_with("joined") {
                    Effect::ParticipantJoined {
                        at: time(p, "join_time").unwrap_or(event_time),
                        participant: who,
                    }
                } else {
                    Effect::ParticipantLeft {
                        at: time(p, "leave_time").unwrap_or(event_time),
                        participant: who,
                    }
                }
            }
        },
        "recording.completed" => Effect::RecordingCompleted {
            files: object
                .get("recording_files")
                .and_then(Value::as_array)
                .map(|files| {
                    files
                        .iter()
                        .map(|f| RecordingFile {
                            id: text(f, "id"),
                            file_type: text(f, "file_type"),
                            recording_type: text(f, "recording_type"),
                            recording_start: text(f, "recording_start"),
                            recording_end: text(f, "recording_end"),
                            play_url: text(f, "play_url"),
                            download_url: text(f, "download_url"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            password: text(&object, "password"),
            share_url: text(&object, "share_url"),
        },
        _ => Effect::Ignored,
    };
    Ok(Delivery::Event(MeetingEvent {
        name,
        event_ts,
        meeting_id: meeting_id(&object),
        host_id: text(&object, "host_id"),
        effect,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(body: &str) -> MeetingEvent {
        match parse(body.as_bytes()).unwrap() {
            Delivery::Event(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn url_validation_requests_carry_their_plain_token() {
        assert_eq!(
            parse(br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#),
            Ok(Delivery::UrlValidation { plain_token: "qgg8vlvZRS6UYooatFL8Aw".into() })
        );
    }

    #[test]
    fn meeting_ids_are_strings_or_numbers() {
        let started = event(
            r#"{"event":"meeting.started","event_ts":1700000000000,"payload":{"object":{"id":"86220627999","start_time":"2030-01-02T00:31:00Z"}}}"#,
        );
        assert_eq!(started.meeting_id, Some(86220627999));
        assert_eq!(
            started.effect,
            Effect::Started {
                at: Utc.with_ymd_and_hms(2030, 1, 2, 0, 31, 0).unwrap()
            }
        );
        let recording = event(
            r#"{"event":"recording.completed","event_ts":1,"payload":{"object":{"id":86220627999,"password":"p",
            "recording_files":[{"id":"f1","file_type":"MP4","play_url":"https://zoom.us/rec/play/x","download_url":"https://zoom.us/rec/download/x"}]}}}"#,
        );
        assert_eq!(recording.meeting_id, Some(86220627999));
        let Effect::RecordingCompleted {
            files, password, ..
        } = recording.effect
        else {
            panic!()
        };
        assert_eq!(password.as_deref(), Some("p"));
        assert_eq!(
            files[0].play_url.as_deref(),
            Some("https://zoom.us/rec/play/x")
        );
    }

    #[test]
    fn participant_and_end_events_carry_who_when_and_a_dedupe_key() {
        let joined = event(
            r#"{"event":"meeting.participant_joined","event_ts":5,"payload":{"object":{"id":"9",
            "participant":{"user_id":"16778240","user_name":"Ada","email":"ada@example.com","join_time":"2030-01-02T00:35:00Z","participant_uuid":"PU1"}}}}"#,
        );
        assert_eq!(joined.dedupe_key(), "meeting.participant_joined:9:5:PU1");
        let Effect::ParticipantJoined { participant, at } = joined.effect else {
            panic!()
        };
        assert_eq!(participant.key, "PU1");
        assert_eq!(participant.email.as_deref(), Some("ada@example.com"));
        assert_eq!(at, Utc.with_ymd_and_hms(2030, 1, 2, 0, 35, 0).unwrap());
        let ended =
            event(r#"{"event":"meeting.ended","event_ts":7,"payload":{"object":{"id":"9"}}}"#);
        assert_eq!(ended.dedupe_key(), "meeting.ended:9:7");
        // Without end_time, the event time stands in.
        assert_eq!(
            ended.effect,
            Effect::Ended {
                at: DateTime::from_timestamp_millis(7).unwrap()
            }
        );
    }

    #[test]
    fn unknown_events_are_ignored_and_bad_bodies_refused() {
        assert_eq!(
            event(r#"{"event":"user.created","event_ts":1,"payload":{}}"#).effect,
            Effect::Ignored
        );
        assert_eq!(parse(b"not json"), Err(ParseError::NotJson));
        assert_eq!(parse(b""), Err(ParseError::NotJson));
        assert_eq!(parse(br#"{"payload":{}}"#), Err(ParseError::MissingEvent));
    }
}
