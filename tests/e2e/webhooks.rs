//! Zoom webhooks end to end: the emulator signs and delivers, the built worker verifies and the
//! coordinator applies each event once, before the worker acknowledges it; a delivery the
//! coordinator could not record is refused, and Zoom's redelivery applies it.

use crate::limits::HOSTS;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::{Duration, Instant};
use testbed::{
    future_utc, merged, unique_email, Stack, StackOptions, ADMIN_TOKEN, WEBHOOK_SECRET,
    WEBHOOK_SECRET_PREVIOUS,
};
use zoom_emulator::TokenMode;

/// Books a meeting; returns (booking id, Zoom meeting id).
fn book(stack: &Stack) -> (String, u64) {
    let answer = stack.book_json(&json!({
        "name": "Ada", "email": unique_email("ada"), "start_time": future_utc(4).to_rfc3339(),
    }));
    assert_eq!(answer.status, 201, "{}", answer.body);
    let body = answer.json();
    (
        body["booking_id"].as_str().unwrap().to_owned(),
        body["meeting"]["id"].as_u64().unwrap(),
    )
}

fn statuses(delivery: &Value) -> Vec<u64> {
    delivery["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_u64().unwrap())
        .collect()
}

fn first_body(delivery: &Value) -> Value {
    serde_json::from_str(delivery["deliveries"][0]["body"].as_str().unwrap()).unwrap()
}

fn applied(booking: &Value) -> u64 {
    booking["webhook_events"]["applied"].as_u64().unwrap()
}

pub fn url_validation_challenge(stack: &Stack) {
    let plain = "qgg8vlvZRS6UYooatFL8Aw";
    let delivered =
        stack.deliver(json!({"event": "endpoint.url_validation", "plain_token": plain}));
    assert_eq!(statuses(&delivered), [200]);
    let answer = first_body(&delivered);
    // An HMAC computed here, independently of the worker's code.
    let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(plain.as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        answer,
        json!({"plainToken": plain, "encryptedToken": expected})
    );
    // The challenge must be signed too.
    let forged = stack.deliver(json!({"event": "endpoint.url_validation", "plain_token": plain, "signature": "wrong_secret"}));
    assert_eq!(statuses(&forged), [401]);
}

pub fn started_then_ended_moves_status(stack: &Stack) {
    let (booking_id, meeting_id) = book(stack);
    assert_eq!(stack.booking(&booking_id).json()["status"], "scheduled");
    let started = stack
        .deliver(json!({"event": "meeting.started", "meeting_id": meeting_id, "event_ts": 1_000}));
    assert_eq!(statuses(&started), [200]);
    let booking = stack.wait_for_booking(&booking_id, "started", |b| b["status"] == "started");
    assert!(booking["started_at"].is_string());
    let ended = stack
        .deliver(json!({"event": "meeting.ended", "meeting_id": meeting_id, "event_ts": 2_000}));
    assert_eq!(statuses(&ended), [200]);
    let booking = stack.wait_for_booking(&booking_id, "ended", |b| b["status"] == "ended");
    assert!(booking["ended_at"].is_string());
    let text = booking.to_string();
    assert!(!text.contains("start_url") && !text.contains("zak"));
}

pub fn redelivery_has_no_second_effect(stack: &Stack) {
    let (booking_id, meeting_id) = book(stack);
    let joined = json!({"event": "meeting.participant_joined", "meeting_id": meeting_id, "event_ts": 5_000,
        "participant": {"user_name": "Grace", "participant_uuid": "p-grace", "join_time": "2030-01-01T10:00:00Z"},
        "times": 3});
    assert_eq!(statuses(&stack.deliver(joined)), [200, 200, 200]);
    let booking = stack.wait_for_booking(&booking_id, "2 duplicates counted", |b| {
        b["webhook_events"]["duplicates_ignored"] == 2
    });
    assert_eq!(applied(&booking), 1);
    let attendance = booking["attendance"].as_array().unwrap();
    assert_eq!(attendance.len(), 1);
    assert_eq!(attendance[0]["joined_at"], json!(["2030-01-01T10:00:00Z"]));
    // `meeting.ended` delivered twice: ended once, counted once.
    let ended =
        json!({"event": "meeting.ended", "meeting_id": meeting_id, "event_ts": 9_000, "times": 2});
    stack.deliver(ended);
    let booking = stack.wait_for_booking(&booking_id, "ended duplicate", |b| {
        b["webhook_events"]["duplicates_ignored"] == 3
    });
    assert_eq!(
        (booking["status"].clone(), applied(&booking)),
        (json!("ended"), 2)
    );
}

pub fn forged_stale_malformed_refused_without_effect(stack: &Stack) {
    let (booking_id, meeting_id) = book(stack);
    let started = |extra: Value| {
        let base = json!({"event": "meeting.started", "meeting_id": meeting_id, "event_ts": 3_000});
        merged(base, extra)
    };
    let cases = [
        (
            "wrong signature",
            started(json!({"signature": "garbled"})),
            401,
            "webhook_signature_invalid",
        ),
        (
            "wrong secret",
            started(json!({"signature": "wrong_secret"})),
            401,
            "webhook_signature_invalid",
        ),
        (
            "signature of another body",
            started(json!({"signature": "other_body"})),
            401,
            "webhook_signature_invalid",
        ),
        (
            "no v0= prefix",
            started(json!({"signature": "no_prefix"})),
            401,
            "webhook_signature_invalid",
        ),
        (
            "missing headers",
            started(json!({"signature": "missing"})),
            401,
            "webhook_signature_missing",
        ),
        (
            "301 s old",
            started(json!({"timestamp_offset_secs": -301})),
            401,
            "webhook_timestamp_out_of_range",
        ),
        (
            "301 s ahead",
            started(json!({"timestamp_offset_secs": 301, "align_to_second": true})),
            401,
            "webhook_timestamp_out_of_range",
        ),
        (
            "a secret nobody configured",
            started(json!({"secret": "rotated-out-long-ago"})),
            401,
            "webhook_signature_invalid",
        ),
        (
            "empty body, signed",
            json!({"raw_body": ""}),
            400,
            "malformed_request",
        ),
        (
            "not JSON, signed",
            json!({"raw_body": "event=meeting.started"}),
            400,
            "malformed_request",
        ),
    ];
    for (what, request, status, code) in cases {
        let delivered = stack.deliver(request);
        assert_eq!(statuses(&delivered), [status], "{what}: {delivered}");
        assert_eq!(first_body(&delivered)["error"]["code"], code, "{what}");
    }
    let big = "x".repeat(2 * 1024 * 1024);
    let oversized = stack.deliver(
        json!({"raw_body": format!("{{\"event\":\"meeting.started\",\"pad\":\"{big}\"}}")}),
    );
    assert_eq!(statuses(&oversized), [413]);

    // None of that had an effect: the next valid event is the first one applied.
    let valid = stack.deliver(started(json!({"event_ts": 4_000})));
    assert_eq!(statuses(&valid), [200]);
    let booking = stack.wait_for_booking(&booking_id, "valid event", |b| applied(b) >= 1);
    assert_eq!(applied(&booking), 1, "{booking}");
    assert_eq!(booking["webhook_events"]["duplicates_ignored"], 0);
}

pub fn tolerance_window_and_secret_rotation(stack: &Stack) {
    let (booking_id, meeting_id) = book(stack);
    let joined = |ts: i64, who: &str, extra: Value| {
        let base = json!({"event": "meeting.participant_joined", "meeting_id": meeting_id, "event_ts": ts,
            "participant": {"user_name": who, "participant_uuid": who}});
        merged(base, extra)
    };
    for (ts, who, extra) in [
        (
            1,
            "early",
            json!({"timestamp_offset_secs": -300, "align_to_second": true}),
        ),
        (
            2,
            "late",
            json!({"timestamp_offset_secs": 300, "align_to_second": true}),
        ),
        (3, "rotated", json!({"secret": WEBHOOK_SECRET_PREVIOUS})),
    ] {
        let delivered = stack.deliver(joined(ts, who, extra));
        assert_eq!(statuses(&delivered), [200], "{who}: {delivered}");
    }
    let booking = stack.wait_for_booking(&booking_id, "three joins", |b| applied(b) == 3);
    assert_eq!(booking["attendance"].as_array().unwrap().len(), 3);
}

pub fn out_of_order_attendance_recording(stack: &Stack) {
    let (booking_id, meeting_id) = book(stack);
    let deliver = |request: Value| assert_eq!(statuses(&stack.deliver(request)), [200]);
    // Zoom sends `ended` before `started` here; a non-ASCII topic must verify over raw bytes.
    deliver(
        json!({"event": "meeting.ended", "meeting_id": meeting_id, "event_ts": 20_000,
        "object": {"topic": "Café 会議 🎉", "end_time": "2030-01-01T11:00:00Z"}}),
    );
    deliver(
        json!({"event": "meeting.participant_left", "meeting_id": meeting_id, "event_ts": 19_000,
        "participant": {"user_name": "Ada", "participant_uuid": "p-ada", "email": "ada@example.com", "leave_time": "2030-01-01T10:45:00Z"}}),
    );
    deliver(
        json!({"event": "meeting.started", "meeting_id": meeting_id, "event_ts": 10_000,
        "object": {"start_time": "2030-01-01T10:00:00Z"}}),
    );
    deliver(
        json!({"event": "meeting.participant_joined", "meeting_id": meeting_id, "event_ts": 11_000,
        "participant": {"user_name": "Ada", "participant_uuid": "p-ada", "join_time": "2030-01-01T10:05:00Z"}}),
    );
    deliver(json!({"event": "recording.completed", "meeting_id": meeting_id, "event_ts": 30_000}));
    deliver(
        json!({"event": "meeting.updated", "meeting_id": meeting_id, "event_ts": 15_000,
        "object": {"id": meeting_id, "duration": 90}}),
    );
    let booking = stack.wait_for_booking(&booking_id, "six events", |b| applied(b) == 6);
    assert_eq!(booking["status"], "ended");
    assert_eq!(booking["started_at"], "2030-01-01T10:00:00Z");
    assert_eq!(booking["ended_at"], "2030-01-01T11:00:00Z");
    assert_eq!(booking["meeting"]["duration"], 90);
    let ada = &booking["attendance"][0];
    assert_eq!(
        (ada["name"].clone(), ada["email"].clone()),
        (json!("Ada"), json!("ada@example.com"))
    );
    assert_eq!(ada["total_minutes"], 40);
    let recording = &booking["recording"];
    assert_eq!(recording["password"], "rec-pass");
    assert!(recording["files"][0]["play_url"]
        .as_str()
        .unwrap()
        .contains(&meeting_id.to_string()));
    assert!(recording["files"][0]["download_url"].is_string());
}

/// Books a meeting; returns (booking id, manage token, Zoom meeting id).
fn book_owned(stack: &Stack) -> (String, String, u64) {
    let answer = stack.book_json(&json!({
        "name": "Ada", "email": unique_email("owner"), "start_time": future_utc(5).to_rfc3339(),
    }));
    assert_eq!(answer.status, 201, "{}", answer.body);
    let body = answer.json();
    (
        body["booking_id"].as_str().unwrap().to_owned(),
        body["manage_token"].as_str().unwrap().to_owned(),
        body["meeting"]["id"].as_u64().unwrap(),
    )
}

fn participant_event(meeting_id: u64, joined: bool, key: &str, email: &str, at: &str) -> Value {
    let (event, field) = if joined {
        ("meeting.participant_joined", "join_time")
    } else {
        ("meeting.participant_left", "leave_time")
    };
    json!({"event": event, "meeting_id": meeting_id, "event_ts": 40_000,
        "participant": {"user_name": format!("Guest {key}"), "participant_uuid": key,
            "email": email, field: at}})
}

/// The owner's token reads how many attended and for how long and the recording's share link;
/// another attendee's email and the recording's passcode are only in the operator's view, and
/// no owner answer (read, cancel) carries them.
pub fn the_owner_view_shows_no_other_attendee_and_no_recording_passcode(stack: &Stack) {
    let (booking_id, token, meeting_id) = book_owned(stack);
    let grace = "grace.hopper@example.org";
    for event in [
        participant_event(meeting_id, true, "p-grace", grace, "2030-01-01T10:00:00Z"),
        participant_event(meeting_id, false, "p-grace", grace, "2030-01-01T10:25:00Z"),
        // An account that shares recordings "with the passcode embedded" puts it in the link.
        json!({"event": "recording.completed", "meeting_id": meeting_id, "event_ts": 50_000,
            "object": {"share_url": format!("https://zoom.us/rec/share/{meeting_id}?pwd=rec-pass")}}),
    ] {
        assert_eq!(statuses(&stack.deliver(event)), [200]);
    }
    let operator = stack.wait_for_booking(&booking_id, "three events", |b| applied(b) == 3);
    assert_eq!(operator["attendance"][0]["email"], grace);
    assert_eq!(operator["recording"]["password"], "rec-pass");
    let embedded = operator["recording"]["share_url"].as_str().unwrap();
    let share_url = embedded.strip_suffix("?pwd=rec-pass").unwrap();

    let owner = stack.manage("GET", &booking_id, "", Some(&token), None);
    assert_eq!(owner.status, 200, "{}", owner.body);
    let view = owner.json();
    assert_eq!(
        view["attendance"],
        json!({"participants": 1, "total_minutes": 25})
    );
    assert_eq!(view["recording"], json!({ "share_url": share_url }));
    assert!(
        !owner.body.contains(grace) && !owner.body.contains("rec-pass"),
        "{}",
        owner.body
    );
    let cancelled = stack.manage("DELETE", &booking_id, "", Some(&token), None);
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.json()["status"], "cancelled");
    assert!(!cancelled.body.contains(grace) && !cancelled.body.contains("rec-pass"));
    assert!(!stack
        .manage("GET", &booking_id, "", Some(&token), None)
        .body
        .contains(grace));
}

/// Participants in a meeting: more than the worker keeps per booking.
const LARGE_MEETING: usize = 1_010;

/// A meeting larger than the attendance bound: every join is applied (beyond the bound counted,
/// not kept) and a recording delivered after them still applies. Before, every participant grew
/// one stored record until it passed the storage value limit and every later event failed.
pub fn a_meeting_larger_than_the_attendance_bound_keeps_taking_events(stack: &Stack) {
    let (booking_id, token, meeting_id) = book_owned(stack);
    // Zoom-length names would take several thousand participants to pass the old limit (2 MB
    // per record); long ones pass it within this meeting. The worker keeps 256 characters.
    let padding = "x".repeat(2_200);
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|threads| {
        for _ in 0..8 {
            threads.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= LARGE_MEETING {
                    break;
                }
                let key = format!("p-{i:04}");
                let mut event = participant_event(
                    meeting_id,
                    true,
                    &key,
                    &format!("guest{i}@example.org"),
                    "2030-01-01T10:00:00Z",
                );
                event["participant"]["user_name"] = json!(format!("Guest {i} {padding}"));
                assert_eq!(statuses(&stack.deliver(event)), [200], "{key}");
            });
        }
    });
    let recording =
        json!({"event": "recording.completed", "meeting_id": meeting_id, "event_ts": 60_000});
    assert_eq!(statuses(&stack.deliver(recording)), [200]);
    let operator = stack.wait_for_booking(&booking_id, "every event", |b| {
        applied(b) == LARGE_MEETING as u64 + 1
    });
    assert_eq!(operator["recording"]["password"], "rec-pass");
    assert_eq!(operator["attendance"].as_array().unwrap().len(), 1_000);
    let owner = stack
        .manage("GET", &booking_id, "", Some(&token), None)
        .json();
    assert_eq!(owner["attendance"]["participants"], LARGE_MEETING);
    assert!(owner["recording"]["share_url"].is_string());
}

pub fn unknown_meetings_acknowledged(stack: &Stack) {
    for event in ["meeting.started", "meeting.deleted", "recording.completed"] {
        let delivered = stack.deliver(json!({"event": event, "meeting_id": 99_999_999_999u64}));
        assert_eq!(statuses(&delivered), [200], "{event}");
    }
    let other = stack.deliver(json!({"event": "user.created", "meeting_id": 1}));
    assert_eq!(statuses(&other), [200]);
}

/// Without a bearer token: 401. With one that is neither the booking's manage token nor the
/// operator's: 404, as for a booking that does not exist (see `manage` for owners).
pub fn booking_view_requires_a_token(stack: &Stack) {
    let (booking_id, _) = book(stack);
    // The operator token without the Bearer scheme is no bearer token.
    for header in [None, Some(ADMIN_TOKEN)] {
        let answer = stack.booking_as(&booking_id, header);
        assert_eq!(answer.status, 401, "{header:?}");
        assert_eq!(answer.error_code(), "unauthorized");
        assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
    }
    let wrong = stack.booking_as(&booking_id, Some("Bearer wrong-token-0123456789"));
    assert_eq!(
        (wrong.status, wrong.error_code().as_str()),
        (404, "not_found")
    );
    assert_eq!(stack.booking(&booking_id).status, 200);
    assert_eq!(stack.booking("bk_doesnotexist000000000").status, 404);
    assert_eq!(stack.booking("not-an-id").status, 404);
}

/// The coordinator in its own `wrangler dev` session (stopped and started by the scenarios), one
/// host with one meeting at a time (so a slot is visibly held or free), and Zoom's redelivery
/// gaps divided by 100: 3 s, 12 s, 36 s.
pub fn coordinator_in_its_own_session() -> StackOptions {
    StackOptions::new(TokenMode::Multi)
        .var("ZOOM_HOST_USER", HOSTS[0])
        .var("ZOOM_HOST_MAX_CONCURRENT", "1")
        .split_coordinator()
        .webhook_retries_scaled(100)
}

/// Longer than the scaled redelivery schedule (3 + 12 + 36 s) with room for a slow machine.
const REDELIVERY_WAIT: Duration = Duration::from_secs(90);

fn booking_at(email: &str, start: DateTime<Utc>) -> Value {
    json!({"name": "Ada", "email": email, "start_time": start.to_rfc3339(), "duration": 30})
}

/// Books a slot `days` ahead that no other scenario of the one-host stack uses; returns (booking
/// id, Zoom meeting id).
fn book_alone(stack: &Stack, days: i64) -> (String, u64) {
    let answer = stack.book_json(&booking_at(&unique_email("alone"), future_utc(days)));
    assert_eq!(answer.status, 201, "{}", answer.body);
    let body = answer.json();
    (
        body["booking_id"].as_str().unwrap().to_owned(),
        body["meeting"]["id"].as_u64().unwrap(),
    )
}

fn status_of(attempt: &Value) -> u64 {
    attempt["status"].as_u64().unwrap()
}

/// Zoom deletes a booked meeting while the coordinator is down: the delivery is refused with
/// `503 coordinator_unavailable` (so Zoom keeps it), Zoom's redelivery after the coordinator is
/// back is acknowledged, the booking is cancelled and its slot freed exactly once, and a further
/// duplicate is absorbed. (Before, the 200 came first and the effect was lost.)
pub fn an_event_refused_while_the_coordinator_is_down_is_redelivered_and_applied_once(
    stack: &Stack,
) {
    let (booking_id, meeting_id) = book_alone(stack, 20);
    let start = future_utc(20);
    let blocked = stack.book_json(&booking_at(&unique_email("blocked"), start));
    assert_eq!(
        (blocked.status, blocked.error_code().as_str()),
        (409, "slot_unavailable")
    );

    // The host deletes the meeting in Zoom's app while the coordinator is down.
    stack.delete_meeting_elsewhere(meeting_id);
    let stopped = stack.stop_coordinator();
    let deleted = json!({"event": "meeting.deleted", "meeting_id": meeting_id, "event_ts": 50_000});
    let first = stack.deliver(deleted.clone());
    assert_eq!(statuses(&first), [503], "{first}");
    assert_eq!(
        first_body(&first)["error"]["code"],
        "coordinator_unavailable"
    );
    assert!(first["deliveries"][0]["retry_after"].is_string(), "{first}");
    assert_eq!(first["redelivery_scheduled"], true);
    let delivery = first["delivery"].as_u64().unwrap();

    stopped.restart();
    let attempts = stack.wait_for_attempts(
        delivery,
        "a redelivery acknowledged",
        REDELIVERY_WAIT,
        |a| a.iter().any(|attempt| status_of(attempt) == 200),
    );
    // Every attempt before the acknowledged redelivery was refused, and none came after it.
    let (last, earlier) = attempts.split_last().unwrap();
    assert_eq!(
        (status_of(last), last["attempt"].as_u64() >= Some(1)),
        (200, true)
    );
    assert!(
        earlier
            .iter()
            .all(|a| status_of(a) == 503 || status_of(a) == 0),
        "{attempts:?}"
    );

    let booking = stack.booking(&booking_id).json();
    assert_eq!(booking["status"], "cancelled", "{booking}");
    assert_eq!(
        booking["webhook_events"],
        json!({"applied": 1, "duplicates_ignored": 0})
    );
    let freed = stack.book_json(&booking_at(&unique_email("freed"), start));
    assert_eq!(freed.status, 201, "the slot is free again: {}", freed.body);

    // Zoom delivers the same event once more: acknowledged, counted, no second effect.
    assert_eq!(statuses(&stack.deliver(deleted)), [200]);
    let booking = stack.booking(&booking_id).json();
    assert_eq!(
        booking["webhook_events"],
        json!({"applied": 1, "duplicates_ignored": 1})
    );
}

/// An acknowledged delivery is never delivered again. A refused delivery sent just after it is
/// the clock: once its first redelivery has come, the acknowledged one's would have too.
pub fn an_acknowledged_event_is_never_redelivered(stack: &Stack) {
    let (booking_id, meeting_id) = book_alone(stack, 21);
    let started = json!({"event": "meeting.started", "meeting_id": meeting_id, "event_ts": 60_000});
    let acknowledged = stack.deliver(started.clone());
    assert_eq!(statuses(&acknowledged), [200]);
    assert_eq!(acknowledged["redelivery_scheduled"], false);
    let refused = stack.deliver(merged(started, json!({"signature": "garbled"})));
    assert_eq!(statuses(&refused), [401]);
    stack.wait_for_attempts(
        refused["delivery"].as_u64().unwrap(),
        "the refused delivery's first redelivery",
        REDELIVERY_WAIT,
        |a| a.len() >= 2,
    );
    let listing = stack.webhook_attempts();
    let of_acknowledged: Vec<&Value> = listing["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["delivery"] == acknowledged["delivery"])
        .collect();
    assert_eq!(of_acknowledged.len(), 1, "{listing}");
    let booking = stack.booking(&booking_id).json();
    assert_eq!(
        booking["webhook_events"],
        json!({"applied": 1, "duplicates_ignored": 0})
    );
}

/// A coordinator that hangs (its processes frozen): the delivery is refused within Zoom's 3
/// seconds, since the worker stops waiting after 2, rather than left to time out at Zoom. Once
/// thawed, the object may still record the event it was sent, its answer lost; either way Zoom's
/// redelivery ends with the event applied exactly once.
pub fn a_hung_coordinator_is_refused_within_zooms_budget_and_applied_once(stack: &Stack) {
    let (booking_id, meeting_id) = book_alone(stack, 22);
    let frozen = stack.freeze_coordinator();
    let sent = Instant::now();
    let first = stack
        .deliver(json!({"event": "meeting.started", "meeting_id": meeting_id, "event_ts": 70_000}));
    let waited = sent.elapsed();
    // Status 0 would be the emulator giving up after Zoom's 3 seconds.
    assert_eq!(statuses(&first), [503], "{first}");
    assert_eq!(
        first_body(&first)["error"]["code"],
        "coordinator_unavailable"
    );
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
    frozen.thaw();
    let delivery = first["delivery"].as_u64().unwrap();
    stack.wait_for_attempts(
        delivery,
        "a redelivery acknowledged",
        REDELIVERY_WAIT,
        |a| a.iter().any(|attempt| status_of(attempt) == 200),
    );
    let booking = stack.booking(&booking_id).json();
    assert_eq!(booking["status"], "started", "{booking}");
    assert_eq!(applied(&booking), 1, "{booking}");
}
