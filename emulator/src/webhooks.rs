//! Delivering Zoom-shaped, signed webhook events to a URL, the way Zoom does: `POST` with
//! `x-zm-signature` and `x-zm-request-timestamp`. Tests ask for deliveries through
//! `POST /_emulator/webhooks/deliver`; the options cover what Zoom (or an attacker) could send.
//!
//! ```json
//! {"event": "meeting.started", "meeting_id": 123, "event_ts": 1700000000000,
//!  "object": {…merged into payload.object…}, "participant": {…}, "plain_token": "…",
//!  "signature": "valid|wrong_secret|other_body|missing|garbled|no_prefix",
//!  "secret": "…", "timestamp_offset_secs": 0, "align_to_second": false, "times": 1,
//!  "url": "…", "raw_body": "…"}
//! ```

use crate::state::State;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use std::io::Read;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One prepared delivery (built under the state lock, sent without it).
pub struct Plan {
    url: String,
    body: Vec<u8>,
    /// (secret to sign with, or none for unsigned), how to mangle the signature.
    secret: String,
    mode: String,
    timestamp_offset_secs: i64,
    align_to_second: bool,
    times: u32,
}

fn as_map(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

fn rfc3339_now(state: &State) -> String {
    chrono::DateTime::from_timestamp_millis(state.now_ms())
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
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
            object.insert("start_time".into(), json!(rfc3339_now(state)));
        }
        "meeting.ended" => {
            object.insert("end_time".into(), json!(rfc3339_now(state)));
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
            participant.insert(time_field.into(), json!(rfc3339_now(state)));
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
                    "recording_start": rfc3339_now(state),
                    "recording_end": rfc3339_now(state),
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

fn envelope(state: &State, request: &Value) -> Result<Value, String> {
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

pub fn plan(state: &State, request: &Value) -> Result<Plan, String> {
    let url = request
        .get("url")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| state.settings.webhook_url.clone())
        .ok_or("no 'url' given and no --webhook-url configured")?;
    let body = match request.get("raw_body").and_then(Value::as_str) {
        Some(raw) => raw.as_bytes().to_vec(),
        None => envelope(state, request)?.to_string().into_bytes(),
    };
    Ok(Plan {
        url,
        body,
        secret: request
            .get("secret")
            .and_then(Value::as_str)
            .unwrap_or(&state.settings.webhook_secret)
            .to_owned(),
        mode: request
            .get("signature")
            .and_then(Value::as_str)
            .unwrap_or("valid")
            .to_owned(),
        timestamp_offset_secs: request
            .get("timestamp_offset_secs")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        align_to_second: request
            .get("align_to_second")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        times: request
            .get("times")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .clamp(1, 10) as u32,
    })
}

pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    format!(
        "v0={}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Sends the planned deliveries (the same bytes and headers each time, as a Zoom retry would).
pub fn deliver(plan: &Plan) -> Value {
    if plan.align_to_second {
        // Start just after a second boundary, so the receiver reads the same second.
        let into_second = wall_ms().rem_euclid(1000);
        thread::sleep(Duration::from_millis((1010 - into_second) as u64));
    }
    let timestamp = (wall_ms().div_euclid(1000) + plan.timestamp_offset_secs).to_string();
    let signature = match plan.mode.as_str() {
        "wrong_secret" => Some(sign("not-the-configured-secret", &timestamp, &plan.body)),
        "other_body" => Some(sign(
            &plan.secret,
            &timestamp,
            b"{\"event\":\"something.else\"}",
        )),
        "garbled" => Some(format!("v0={}", "zz".repeat(32))),
        "no_prefix" => Some(sign(&plan.secret, &timestamp, &plan.body)[3..].to_owned()),
        "missing" => None,
        _ => Some(sign(&plan.secret, &timestamp, &plan.body)),
    };
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut deliveries = Vec::new();
    for _ in 0..plan.times {
        let mut request = agent
            .post(&plan.url)
            .set("content-type", "application/json; charset=utf-8")
            .set("user-agent", "Zoom Marketplace/1.0a");
        if let Some(signature) = &signature {
            request = request
                .set("x-zm-signature", signature)
                .set("x-zm-request-timestamp", &timestamp);
        }
        let (status, body) = match request.send_bytes(&plan.body) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => {
                let status = r.status();
                let mut text = String::new();
                let _ = r.into_reader().take(1 << 20).read_to_string(&mut text);
                (status, text)
            }
            Err(e) => (0, format!("transport error: {e}")),
        };
        deliveries.push(json!({ "status": status, "body": body }));
    }
    json!({
        "deliveries": deliveries,
        "sent_body": String::from_utf8_lossy(&plan.body),
        "timestamp": timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Settings;

    #[test]
    fn signature_matches_zoom_documentation_formula() {
        // hex(HMAC-SHA256("secret", "v0:1700000000:{}")), computed with Python's hmac module.
        assert_eq!(
            sign("secret", "1700000000", b"{}"),
            "v0=84dd7b277ba946b3a34369b43499bfd9258b410b8894583f1288b1911aa6a6d6"
        );
    }

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
