//! The bodies Zoom sends: the event envelope and `payload.object` for each event type the
//! product reads, filled from the emulator's meeting when it knows it.

use crate::clock::rfc3339;
use crate::state::State;
use serde_json::{json, Map, Value};

fn as_map(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

/// `payload.object` for an event, filled from the emulator's meeting when it knows it.
fn object_for(state: &State, event: &str, meeting_id: u64, request: &Value) -> Value {
    let meeting = state.meetings.get(&meeting_id);
    let mut object = Map::new();
    if let Some(m) = meeting {
        object.insert("uuid".into(), json!(m.uuid));
        object.insert("host_id".into(), json!(m.host_id));
        object.insert("topic".into(), json!(m.topic));
        object.insert("type".into(), json!(m.meeting_type));
        object.insert("start_time".into(), json!(m.start_time));
        object.insert("timezone".into(), json!(m.timezone));
        object.insert("duration".into(), json!(m.duration));
    }
    // Zoom's own inconsistency: a string id in meeting.* events, a number in recording.*.
    let id = if event.starts_with("recording.") {
        json!(meeting_id)
    } else {
        json!(meeting_id.to_string())
    };
    object.insert("id".into(), id);
    match event {
        "meeting.started" => {
            object.insert("start_time".into(), json!(rfc3339(state.now_utc())));
        }
        "meeting.ended" => {
            object.insert("end_time".into(), json!(rfc3339(state.now_utc())));
        }
        "meeting.participant_joined" | "meeting.participant_left" => {
            let joined = event.ends_with("joined");
            let mut participant = Map::new();
            participant.insert("user_id".into(), json!("16778240"));
            participant.insert("user_name".into(), json!("Guest"));
            participant.insert("id".into(), json!(""));
            participant.insert("participant_uuid".into(), json!("emu-participant-1"));
            participant.insert("email".into(), json!(""));
            let time_field = if joined { "join_time" } else { "leave_time" };
            participant.insert(time_field.into(), json!(rfc3339(state.now_utc())));
            if !joined {
                participant.insert("leave_reason".into(), json!("left the meeting"));
            }
            participant.extend(as_map(request.get("participant")));
            object.insert("participant".into(), Value::Object(participant));
        }
        "recording.completed" => {
            let base = format!("{}/rec", state.base_url);
            object.insert(
                "share_url".into(),
                json!(format!("{base}/share/{meeting_id}")),
            );
            object.insert("password".into(), json!("rec-pass"));
            object.insert("recording_count".into(), json!(1));
            object.insert(
                "recording_files".into(),
                json!([{
                    "id": format!("file-{meeting_id}"),
                    "meeting_id": object.get("uuid").cloned().unwrap_or(json!("")),
                    "recording_start": rfc3339(state.now_utc()),
                    "recording_end": rfc3339(state.now_utc()),
                    "file_type": "MP4",
                    "file_extension": "MP4",
                    "file_size": 1_048_576,
                    "play_url": format!("{base}/play/{meeting_id}"),
                    "download_url": format!("{base}/download/{meeting_id}"),
                    "status": "completed",
                    "recording_type": "shared_screen_with_speaker_view",
                }]),
            );
        }
        _ => {}
    }
    object.extend(as_map(request.get("object")));
    Value::Object(object)
}

pub(super) fn envelope(state: &State, request: &Value) -> Result<Value, String> {
    let event = request
        .get("event")
        .and_then(Value::as_str)
        .ok_or("'event' is required")?;
    let event_ts = request
        .get("event_ts")
        .and_then(Value::as_i64)
        .unwrap_or_else(|| state.now_ms());
    if event == "endpoint.url_validation" {
        let token = request
            .get("plain_token")
            .and_then(Value::as_str)
            .unwrap_or("emulator-plain-token");
        return Ok(json!({"payload": {"plainToken": token}, "event_ts": event_ts, "event": event}));
    }
    let meeting_id = request
        .get("meeting_id")
        .and_then(Value::as_u64)
        .ok_or("'meeting_id' is required")?;
    let mut payload = json!({
        "account_id": state.settings.account_id,
        "operator": "host@example.com",
        "object": object_for(state, event, meeting_id, request),
    });
    if event == "meeting.updated" {
        payload["operation"] = json!("single");
        payload["time_stamp"] = json!(event_ts);
    }
    Ok(json!({"event": event, "event_ts": event_ts, "payload": payload}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Settings;

    #[test]
    fn envelopes_follow_zoom_shapes() {
        let state = State::new(Settings::default(), "http://emu".into());
        let started = envelope(
            &state,
            &json!({"event": "meeting.started", "meeting_id": 42, "event_ts": 5}),
        )
        .unwrap();
        assert_eq!(started["payload"]["object"]["id"], "42");
        assert_eq!(started["event_ts"], 5);
        let rec = envelope(
            &state,
            &json!({"event": "recording.completed", "meeting_id": 42}),
        )
        .unwrap();
        assert_eq!(rec["payload"]["object"]["id"], 42);
        assert!(rec["payload"]["object"]["recording_files"][0]["play_url"].is_string());
        let joined = envelope(
            &state,
            &json!({"event": "meeting.participant_joined", "meeting_id": 42,
            "participant": {"user_name": "Ada", "participant_uuid": "p-ada"}}),
        )
        .unwrap();
        assert_eq!(
            joined["payload"]["object"]["participant"]["user_name"],
            "Ada"
        );
        assert!(joined["payload"]["object"]["participant"]["join_time"].is_string());
        let challenge = envelope(
            &state,
            &json!({"event": "endpoint.url_validation", "plain_token": "abc"}),
        )
        .unwrap();
        assert_eq!(challenge["payload"]["plainToken"], "abc");
        assert!(envelope(&state, &json!({"event": "meeting.started"})).is_err());
    }
}
