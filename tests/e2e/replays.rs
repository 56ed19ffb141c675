//! Replays only for the same submission: a keyless submission is replayed only to an identical
//! one, and never with its `manage_token`; a client key (header or form field) replays the
//! whole answer, even after a spent Turnstile token; a cancel or move by any route ends the
//! keyless replays of that booking.

use crate::slots::slot;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use testbed::{send_with, Answer, Stack};

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn at(start: DateTime<Utc>) -> String {
    start.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A form post of `fields` (url-encoded here); with `html`, as a browser without JavaScript
/// sends it (its `Accept` prefers HTML), else as a script that reads JSON.
fn post_form(stack: &Stack, fields: &[(&str, &str)], html: bool) -> Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
    if html {
        headers.push(("accept", BROWSER_ACCEPT));
    }
    let url = format!("{}/v1/bookings", stack.worker);
    send_with(&stack.agent, "POST", &url, &headers, body.as_bytes())
}

fn booked(answer: &Answer) -> Value {
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(
        answer.header("idempotent-replayed"),
        None,
        "{}",
        answer.body
    );
    let body = answer.json();
    assert!(body["manage_token"].as_str().unwrap().starts_with("mt_"));
    body
}

fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field].as_str().unwrap()
}

/// The "done when" of issue 13: a keyless form booking, then another request with the same
/// email and time and a different name (as a plain form and as JSON): neither answer contains
/// the first booking's `manage_token`; the one host is simply busy.
pub fn another_name_with_the_same_email_and_time_never_gets_the_manage_token(stack: &Stack) {
    let start = at(slot(15, 0));
    let form = |name| {
        vec![
            ("name", name),
            ("email", "victim@example.com"),
            ("start_time", start.as_str()),
            ("duration", "30"),
        ]
    };
    let first = booked(&post_form(stack, &form("Ada"), false));
    let token = text(&first, "manage_token");
    let as_page = post_form(stack, &form("Mallory"), true);
    assert!(!as_page.body.contains(token), "{}", as_page.body);
    assert_eq!(as_page.status, 409, "{}", as_page.body);
    let as_json = stack.book_json(&json!({"name": "Mallory", "email": "VICTIM@example.com",
        "start_time": start, "duration": 30}));
    assert!(!as_json.body.contains(token), "{}", as_json.body);
    assert_eq!(as_json.error_code(), "slot_unavailable", "{}", as_json.body);
    assert_eq!(as_json.header("idempotent-replayed"), None);
    // The same person and time with another topic is another request too.
    let other_topic = stack.book_json(&json!({"name": "Ada", "email": "victim@example.com",
        "start_time": start, "duration": 30, "topic": "Something else"}));
    assert!(!other_topic.body.contains(token), "{}", other_topic.body);
    assert_eq!(other_topic.status, 409, "{}", other_topic.body);
    assert_eq!(stack.stats()["meetings_created"], 1);
}

/// A double-clicked form: the identical submission (the email in another case) gets the first
/// booking, replayed, without its `manage_token` and saying it was withheld.
pub fn an_identical_keyless_resubmission_is_replayed_without_the_manage_token(stack: &Stack) {
    let start = at(slot(15, 2));
    let body = json!({"name": "Ada", "email": "double@example.com", "start_time": start,
        "duration": 30, "topic": "Intro"});
    let first = booked(&stack.book_json(&body));
    let mut same = body.clone();
    same["email"] = json!("Double@Example.com");
    let again = stack.book_json(&same);
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let replay = again.json();
    assert_eq!(replay["booking_id"], first["booking_id"]);
    assert_eq!(replay["meeting"], first["meeting"]);
    assert!(replay.get("manage_token").is_none(), "{replay}");
    assert_eq!(replay["manage_token_withheld"], true);
    assert!(!again.body.contains(text(&first, "manage_token")));
    // The same submission as a plain form gets the replay as a page, without the token.
    let page = post_form(
        stack,
        &[
            ("name", "Ada"),
            ("email", "double@example.com"),
            ("start_time", &start),
            ("duration", "30"),
            ("topic", "Intro"),
        ],
        true,
    );
    assert_eq!(page.status, 201, "{}", page.body);
    assert!(!page.body.contains(text(&first, "manage_token")));
    assert_eq!(stack.stats()["meetings_created"], 1);
}

/// A client key, as the `Idempotency-Key` header or the form's `idempotency_key` field, replays
/// the whole answer, `manage_token` included; a header and a field that differ are refused.
pub fn a_keyed_replay_by_header_or_form_field_returns_the_manage_token(stack: &Stack) {
    let start = at(slot(15, 4));
    let form = |key: &'static str| {
        vec![
            ("name", "Ada"),
            ("email", "keyed@example.com"),
            ("start_time", start.as_str()),
            ("idempotency_key", key),
        ]
    };
    let first = booked(&post_form(stack, &form("render-1"), false));
    let again = post_form(stack, &form("render-1"), false);
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), first);
    // The header is the same key: the same request as JSON under it is the same request.
    let body = json!({"name": "Ada", "email": "keyed@example.com", "start_time": start});
    let by_header = stack.book_with(&body, &[("idempotency-key", "render-1")]);
    assert_eq!(by_header.status, 201, "{}", by_header.body);
    assert_eq!(by_header.json()["manage_token"], first["manage_token"]);
    // The plain form's page shows the owner the token again.
    let page = post_form(stack, &form("render-1"), true);
    assert_eq!(page.status, 201, "{}", page.body);
    assert!(
        page.body.contains(text(&first, "manage_token")),
        "{}",
        page.body
    );
    // A header and a field that disagree, or a blank field: 400, nothing made.
    let mut both = body.clone();
    both["idempotency_key"] = json!("render-1");
    let disagree = stack.book_with(&both, &[("idempotency-key", "render-2")]);
    assert_eq!(disagree.status, 400, "{}", disagree.body);
    assert_eq!(disagree.error_code(), "invalid_idempotency_key");
    let blank = post_form(stack, &form(" "), false);
    assert_eq!(
        blank.error_code(),
        "invalid_idempotency_key",
        "{}",
        blank.body
    );
    assert_eq!(stack.stats()["meetings_created"], 1);
}

/// The booking's meeting, at Zoom's (the emulator's) side.
fn meeting_id(body: &Value) -> u64 {
    body["meeting"]["id"].as_u64().unwrap()
}

/// Submits `body` (keyless) again, expecting a new booking rather than a replay of `old`.
fn books_anew(stack: &Stack, body: &Value, old: &Value, after: &str) -> Value {
    let answer = stack.book_json(body);
    assert_eq!(
        answer.header("idempotent-replayed"),
        None,
        "after {after}: {}",
        answer.body
    );
    let new = booked(&answer);
    assert_ne!(new["booking_id"], old["booking_id"], "after {after}");
    new
}

/// After a cancel or a move by a Zoom webhook, by the owner, the identical keyless submission
/// books anew instead of replaying the booking that changed.
pub fn cancels_and_moves_by_webhook_or_owner_end_keyless_replays(stack: &Stack) {
    let body = |email: &str, start| json!({"name": "Ada", "email": email, "start_time": at(start), "duration": 30});
    // Deleted in Zoom's app, and Zoom's webhook says so.
    let deleted = body("gone@example.com", slot(16, 0));
    let first = booked(&stack.book_json(&deleted));
    stack.delete_meeting_elsewhere(meeting_id(&first));
    stack.deliver(json!({"event": "meeting.deleted", "meeting_id": meeting_id(&first)}));
    let second = books_anew(stack, &deleted, &first, "a meeting.deleted webhook");
    // Cancelled by its owner.
    let cancel = stack.manage(
        "DELETE",
        text(&second, "booking_id"),
        "",
        Some(text(&second, "manage_token")),
        None,
    );
    assert_eq!(cancel.status, 200, "{}", cancel.body);
    books_anew(stack, &deleted, &second, "the owner's cancel");

    // Moved in Zoom's app, and Zoom's webhook says so: the old time is free again.
    let moved = body("moved@example.com", slot(16, 2));
    let first = booked(&stack.book_json(&moved));
    stack.move_meeting_elsewhere(meeting_id(&first), slot(16, 4), 30);
    stack.deliver(json!({"event": "meeting.updated", "meeting_id": meeting_id(&first)}));
    books_anew(stack, &moved, &first, "a meeting.updated webhook");

    // Moved by its owner.
    let rescheduled = body("owner@example.com", slot(16, 6));
    let first = booked(&stack.book_json(&rescheduled));
    let patch = stack.manage(
        "PATCH",
        text(&first, "booking_id"),
        "",
        Some(text(&first, "manage_token")),
        Some(&json!({"start_time": at(slot(16, 8))})),
    );
    assert_eq!(patch.status, 200, "{}", patch.body);
    books_anew(stack, &rescheduled, &first, "the owner's reschedule");
}

/// The Cron reconciliation cancelling a booking whose meeting is gone, and moving one whose
/// meeting moved, ends their keyless replays too.
pub fn cron_reconciliation_ends_keyless_replays(stack: &Stack) {
    let gone = json!({"name": "Ada", "email": "cron-gone@example.com",
        "start_time": at(slot(17, 0)), "duration": 30});
    let moved = json!({"name": "Ada", "email": "cron-moved@example.com",
        "start_time": at(slot(17, 2)), "duration": 30});
    let first_gone = booked(&stack.book_json(&gone));
    let first_moved = booked(&stack.book_json(&moved));
    stack.delete_meeting_elsewhere(meeting_id(&first_gone));
    stack.move_meeting_elsewhere(meeting_id(&first_moved), slot(17, 4), 30);
    stack.run_scheduled();
    books_anew(stack, &gone, &first_gone, "the Cron run's cancel");
    books_anew(stack, &moved, &first_moved, "the Cron run's move");
}

/// Turnstile passes the first request; its answer is lost; the client retries with the same
/// key and the token it already spent. The retry gets its booking; nobody without that key (a
/// keyless resubmission, another key, another body) or without a token Cloudflare once issued
/// (none, or a made-up one) gets anything past the refused check.
pub fn a_keyed_retry_with_a_spent_token_gets_its_booking(stack: &Stack) {
    let body = json!({"name": "Ada", "email": "spent@example.com",
        "start_time": at(slot(9, 0)), "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX"});
    let key = [("idempotency-key", "turnstile-retry-1")];
    let first = booked(&stack.book_with(&body, &key));
    let refused = |answer: Answer, who: &str| {
        assert_eq!(answer.status, 403, "{who}: {}", answer.body);
        assert_eq!(answer.error_code(), "bot_check_failed", "{who}");
    };
    // The right key and body, but no token, or one Cloudflare never issued: a bot that learnt
    // a key gets nothing without a challenge passed, and costs the coordinator nothing.
    let mut tokenless = body.clone();
    tokenless
        .as_object_mut()
        .unwrap()
        .remove("cf-turnstile-response");
    refused(stack.book_with(&tokenless, &key), "no token");
    let made_up = json!({"success": false, "error-codes": ["invalid-input-response"]});
    stack.control(
        "/failures",
        json!({"target": "siteverify", "status": 200, "body": made_up, "count": 1}),
    );
    refused(stack.book_with(&body, &key), "a made-up token");
    // For the next five checks (exactly the five requests below) siteverify says what it
    // says of a token used before.
    let spent = json!({"success": false, "error-codes": ["timeout-or-duplicate"]});
    stack.control(
        "/failures",
        json!({"target": "siteverify", "status": 200, "body": spent, "count": 5}),
    );
    let retry = stack.book_with(&body, &key);
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.json(), first);
    // The same key in the form field is the same key.
    let mut in_field = body.clone();
    in_field["idempotency_key"] = json!("turnstile-retry-1");
    assert_eq!(stack.book_json(&in_field).json(), first);

    refused(stack.book_json(&body), "keyless, identical");
    refused(
        stack.book_with(&body, &[("idempotency-key", "guess")]),
        "another key",
    );
    let mut other = body.clone();
    other["name"] = json!("Mallory");
    refused(stack.book_with(&other, &key), "another body under the key");
    assert_eq!(stack.stats()["meetings_created"], 1);

    // A retry while its booking is still being made at Zoom is told to wait, never "nothing
    // was booked" (which would send the person to book a second time).
    let slow = json!({"name": "Ada", "email": "spent.slow@example.com",
        "start_time": at(slot(10, 0)), "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX"});
    let slow_key = [("idempotency-key", "turnstile-retry-slow")];
    let creates = stack.stats()["create_attempts"].as_u64().unwrap();
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "delay_ms": 3000}),
    );
    std::thread::scope(|scope| {
        let first = scope.spawn(|| stack.book_with(&slow, &slow_key));
        let deadline = Instant::now() + Duration::from_secs(20);
        while stack.stats()["create_attempts"].as_u64().unwrap() == creates {
            assert!(Instant::now() < deadline, "the create never reached Zoom");
            std::thread::sleep(Duration::from_millis(20));
        }
        stack.control(
            "/failures",
            json!({"target": "siteverify", "status": 200, "body": spent, "count": 1}),
        );
        let waiting = stack.book_with(&slow, &slow_key);
        assert_eq!(waiting.status, 409, "{}", waiting.body);
        assert_eq!(waiting.error_code(), "request_in_progress");
        assert!(waiting.header("retry-after").is_some());
        let first = first.join().unwrap();
        assert_eq!(first.status, 201, "{}", first.body);
    });
    assert_eq!(stack.stats()["meetings_created"], 2);
}
