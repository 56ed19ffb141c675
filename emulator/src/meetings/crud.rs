//! Creating, reading, updating and deleting one meeting, and its invitation text.

use super::fields::{self, validation_failed};
use super::gates::daily_limit;
use super::users;
use crate::clock::rfc3339;
use crate::http::{EmuRequest, Reply};
use crate::state::{Meeting, State};
use serde_json::{json, Value};

fn not_found(id: u64) -> Reply {
    Reply::zoom_error(404, 3001, format!("Meeting does not exist: {id}."))
}

pub(super) fn create(state: &mut State, req: &EmuRequest, user: &str) -> Reply {
    state.counters.create_attempts += 1;
    state.record_create(user, &req.body);
    let (index, email) = match users::resolve(state, user) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let fields = match fields::read(req, "UTC") {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    let meeting_type = fields.meeting_type.unwrap_or(2);
    let Some(start) = fields
        .start
        .or((meeting_type == 1).then(|| state.now_utc()))
    else {
        return validation_failed(
            "start_time",
            "start_time is required for a scheduled meeting.",
        );
    };
    if let Some(limited) = daily_limit(state, &email) {
        return limited;
    }
    let id = 80_000_000_000 + state.rng.next_u64() % 9_999_999_999;
    // Zoom keeps a passcode the caller sends; else it makes one (drawn either way, so the
    // emulator's other random values do not depend on it).
    let generated = state.rng.digits(6);
    let password = fields.password.clone().unwrap_or(generated);
    let encrypted = state.rng.alphanumeric(32);
    let zak = state.rng.alphanumeric(48);
    let uuid = format!("{}==", state.rng.alphanumeric(22));
    // The answer's `settings` are the meeting's effective ones, as Zoom's are: the account's
    // defaults, overlaid with what the request sent, overlaid with the user's locked settings.
    let mut settings = default_settings();
    if state.pmi_users.contains(&email) {
        settings["use_pmi"] = Value::Bool(true);
    }
    if let (Some(Value::Object(given)), Value::Object(base)) = (&fields.settings, &mut settings) {
        base.extend(given.clone());
    }
    state.apply_locks(&email, &mut settings);
    // A scheduled meeting on the host's PMI: its own meeting id for the API, the PMI to join.
    let pmi = (settings["use_pmi"] == Value::Bool(true)).then(|| users::personal_meeting_id(index));
    let join_number = pmi.clone().unwrap_or_else(|| id.to_string());
    let meeting = Meeting {
        id,
        uuid,
        host_id: users::host_id(index),
        host_email: email,
        topic: fields.topic.unwrap_or_else(|| "Zoom meeting".into()),
        meeting_type,
        status: "waiting".into(),
        start_time: rfc3339(start),
        duration: fields.duration.unwrap_or(60),
        timezone: fields.timezone.unwrap_or_else(|| "UTC".into()),
        agenda: fields.agenda.unwrap_or_default(),
        created_at: rfc3339(state.now_utc()),
        start_url: format!("{}/s/{id}?zak={zak}", state.base_url),
        join_url: format!("{}/j/{join_number}?pwd={encrypted}.1", state.base_url),
        password,
        pmi,
        settings,
    };
    state.counters.meetings_created += 1;
    // The request recorded on arrival made this meeting (the state is locked in between).
    if let Some(request) = state.create_requests.back_mut() {
        request.meeting_id = Some(id);
    }
    let body = serde_json::to_value(&meeting).unwrap_or_default();
    state.meetings.insert(id, meeting);
    Reply::json(201, body)
}

/// A new meeting's settings before the request's: those of a Zoom account left at its
/// defaults (Zoom's answer lists many more; these are the ones event types may send).
fn default_settings() -> Value {
    json!({
        "host_video": false,
        "participant_video": false,
        "join_before_host": false,
        "jbh_time": 0,
        "mute_upon_entry": false,
        "waiting_room": false,
        "approval_type": 2,
        "audio": "voip",
        "auto_recording": "none",
        "meeting_authentication": false,
        "alternative_hosts": "",
        "private_meeting": false,
        "watermark": false,
        "email_notification": true,
        "use_pmi": false,
    })
}

pub(super) fn get(state: &State, id: u64) -> Reply {
    match state.meetings.get(&id) {
        Some(m) => Reply::json(200, serde_json::to_value(m).unwrap_or_default()),
        None => not_found(id),
    }
}

pub(super) fn update(state: &mut State, req: &EmuRequest, id: u64) -> Reply {
    let Some(host) = state.meetings.get(&id).map(|m| m.host_email.clone()) else {
        return not_found(id);
    };
    let current_tz = state.meetings[&id].timezone.clone();
    let fields = match fields::read(req, &current_tz) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    if let Some(limited) = daily_limit(state, &host) {
        return limited;
    }
    let Some(meeting) = state.meetings.get_mut(&id) else {
        return not_found(id);
    };
    if let Some(topic) = fields.topic {
        meeting.topic = topic;
    }
    if let Some(t) = fields.meeting_type {
        meeting.meeting_type = t;
    }
    if let Some(start) = fields.start {
        meeting.start_time = rfc3339(start);
    }
    if let Some(duration) = fields.duration {
        meeting.duration = duration;
    }
    if let Some(tz) = fields.timezone {
        meeting.timezone = tz;
    }
    if let Some(agenda) = fields.agenda {
        meeting.agenda = agenda;
    }
    if let (Some(Value::Object(given)), Value::Object(base)) =
        (fields.settings, &mut meeting.settings)
    {
        base.extend(given);
    }
    let mut settings = std::mem::take(&mut meeting.settings);
    state.apply_locks(&host, &mut settings);
    if let Some(meeting) = state.meetings.get_mut(&id) {
        meeting.settings = settings;
    }
    state.counters.meetings_updated += 1;
    Reply::empty(204)
}

pub(super) fn delete(state: &mut State, id: u64) -> Reply {
    match state.meetings.remove(&id) {
        Some(_) => {
            state.counters.meetings_deleted += 1;
            Reply::empty(204)
        }
        None => not_found(id),
    }
}

pub(super) fn invitation(state: &State, id: u64) -> Reply {
    match state.meetings.get(&id) {
        Some(m) => Reply::json(200, json!({ "invitation": invitation_text(m) })),
        None => not_found(id),
    }
}

fn invitation_text(m: &Meeting) -> String {
    format!(
        "{host} is inviting you to a scheduled Zoom meeting.\r\n\r\nTopic: {topic}\r\nTime: {start} \
         {tz}\r\n\r\nJoin Zoom Meeting\r\n{join}\r\n\r\nMeeting ID: {id}\r\nPasscode: {pwd}\r\n",
        host = m.host_email,
        topic = m.topic,
        start = m.start_time,
        tz = m.timezone,
        join = m.join_url,
        id = m.id,
        pwd = m.password,
    )
}
