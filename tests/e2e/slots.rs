//! Exactly one meeting per booking, on a free host: idempotency keys (keyless replays are
//! `replays`), concurrent requests for one slot, meetings made outside the worker, PMI hosts.

use crate::limits::HOSTS;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::collections::HashSet;
use testbed::{future_utc, run_concurrently, Stack, StackOptions};
use zoom_emulator::TokenMode;

/// One host (the emulator's first user), one meeting at a time: the Pro rule.
pub fn one_host() -> StackOptions {
    StackOptions::new(TokenMode::Multi)
        .var("ZOOM_HOST_USER", HOSTS[0])
        .var("ZOOM_HOST_MAX_CONCURRENT", "1")
        // The owner limits at their defaults.
        .var("RESCHEDULE_LIMIT_PER_BOOKING", "5/day")
        .var("OWNER_READ_LIMIT_PER_BOOKING", "20/hour")
}

pub fn three_hosts() -> StackOptions {
    one_host().var("ZOOM_HOST_USER", &HOSTS.join(","))
}

/// A slot no other scenario of the run uses: `n` hours into a day `days` ahead.
pub fn slot(days: i64, n: i64) -> DateTime<Utc> {
    future_utc(days) + Duration::hours(n)
}

fn booking(email: &str, start: DateTime<Utc>) -> Value {
    json!({"name": "Ada", "email": email, "start_time": start.to_rfc3339(), "duration": 30})
}

fn meetings_at(stack: &Stack, start: DateTime<Utc>) -> Vec<Value> {
    let at = start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    stack
        .meetings()
        .into_iter()
        .filter(|m| m["start_time"] == at.as_str())
        .collect()
}

pub fn same_key_twice_one_meeting_other_body_422(stack: &Stack) {
    let body = booking("key@example.com", slot(10, 0));
    let first = stack.book_with(&body, &[("idempotency-key", "order-1")]);
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = stack.book_with(&body, &[("idempotency-key", "order-1")]);
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), first.json());
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(stack.stats()["meetings_created"], 1);

    // The same key with another body is refused and creates nothing.
    let other = booking("key@example.com", slot(10, 1));
    let reused = stack.book_with(&other, &[("idempotency-key", "order-1")]);
    assert_eq!(reused.status, 422, "{}", reused.body);
    assert_eq!(reused.error_code(), "idempotency_key_reused");
    assert_eq!(stack.stats()["meetings_created"], 1);
}

pub fn second_request_in_flight_is_409(stack: &Stack) {
    let body = booking("inflight@example.com", slot(10, 2));
    // Zoom takes 2 s to answer the create, so the second request meets the first in flight.
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "delay_ms": 2000}),
    );
    let answers = run_concurrently(2, 2, |i| {
        if i == 1 {
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        stack.book_with(&body, &[("idempotency-key", "slow-1")])
    });
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{answers:?}");
    let conflict = answers.iter().find(|a| a.status == 409).unwrap();
    assert_eq!(conflict.error_code(), "request_in_progress");
    assert!(conflict.header("retry-after").is_some());
    // Once the first is done, the key replays its answer.
    let replay = stack.book_with(&body, &[("idempotency-key", "slow-1")]);
    assert_eq!(replay.status, 201);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(stack.stats()["meetings_created"], 1);
}

pub fn bad_keys_400_invalid_bodies_store_nothing(stack: &Stack) {
    let body = booking("fixme@example.com", slot(10, 3));
    for key in ["", &"k".repeat(256)] {
        let answer = stack.book_with(&body, &[("idempotency-key", key)]);
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert_eq!(answer.error_code(), "invalid_idempotency_key");
    }
    let max = "k".repeat(255);
    let mut invalid = body.clone();
    invalid["email"] = json!("not-an-email");
    let refused = stack.book_with(&invalid, &[("idempotency-key", &max)]);
    assert_eq!(refused.status, 422);
    assert_eq!(refused.error_code(), "invalid_email");
    // The client fixes the body and retries with the same key.
    let fixed = stack.book_with(&body, &[("idempotency-key", &max)]);
    assert_eq!(fixed.status, 201, "{}", fixed.body);
    assert_eq!(fixed.header("idempotent-replayed"), None);
    assert_eq!(stack.stats()["meetings_created"], 1);
}

fn twenty_for_one_slot(stack: &Stack, start: DateTime<Utc>) -> (Vec<Value>, usize) {
    let answers = run_concurrently(20, 20, |i| {
        stack.book_json(&booking(&format!("rush{i}@example.com"), start))
    });
    let created: Vec<Value> = answers
        .iter()
        .filter(|a| a.status == 201)
        .map(|a| a.json())
        .collect();
    for refused in answers.iter().filter(|a| a.status != 201) {
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert_eq!(refused.error_code(), "slot_unavailable");
    }
    (created, answers.len())
}

pub fn twenty_concurrent_one_slot_one_host_1_meeting_19_409(stack: &Stack) {
    let start = slot(11, 0);
    let (created, total) = twenty_for_one_slot(stack, start);
    assert_eq!((created.len(), total), (1, 20));
    assert_eq!(meetings_at(stack, start).len(), 1);
    // An overlapping slot is taken too; the one right after is free.
    let overlapping = stack.book_json(&booking("late@example.com", start + Duration::minutes(15)));
    assert_eq!(overlapping.error_code(), "slot_unavailable");
    let next = stack.book_json(&booking("next@example.com", start + Duration::minutes(30)));
    assert_eq!(next.status, 201, "{}", next.body);
}

pub fn twenty_concurrent_one_slot_3_hosts_3_meetings(stack: &Stack) {
    let start = slot(11, 2);
    let (created, _) = twenty_for_one_slot(stack, start);
    assert_eq!(created.len(), 3);
    let hosts: HashSet<String> = meetings_at(stack, start)
        .iter()
        .map(|m| m["host_email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(hosts.len(), 3, "{hosts:?}");
}

pub fn sync_follows_3_pages_and_blocks_meetings_made_elsewhere(stack: &Stack) {
    // Pages of two meetings: the five below (and none else this host has) span three pages;
    // Zoom lists by start time, so the last one is on the third page.
    stack.control("/page_size", json!({"max": 2}));
    let starts: Vec<DateTime<Utc>> = (0..5).map(|i| slot(12, i)).collect();
    for start in &starts {
        stack.meeting_made_elsewhere(HOSTS[0], *start, 30);
    }
    stack.run_scheduled();
    let lists = stack.stats()["list_requests"].as_u64().unwrap();
    assert!(lists >= 3, "the sync read {lists} pages");
    assert_eq!(known_elsewhere(stack, HOSTS[0]), 5);
    for (i, start) in starts.iter().enumerate() {
        let answer = stack.book_json(&booking(&format!("blocked{i}@example.com"), *start));
        assert_eq!(answer.status, 409, "slot {i}: {}", answer.body);
        assert_eq!(answer.error_code(), "slot_unavailable");
    }
    assert_eq!(stack.stats()["meetings_created"], 5);
}

/// Meetings made elsewhere the worker knows `host` has, per the operator status.
fn known_elsewhere(stack: &Stack, host: &str) -> u64 {
    stack.admin_status()["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == host)
        .and_then(|h| h["upcoming_meetings_made_elsewhere"].as_u64())
        .unwrap()
}

/// Polls the operator status until the worker knows `expected` meetings made elsewhere
/// (webhooks are applied after their acknowledgement).
fn wait_for_known_elsewhere(stack: &Stack, expected: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while known_elsewhere(stack, HOSTS[0]) != expected {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never knew {expected} meetings made elsewhere"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

pub fn webhooks_keep_meetings_made_elsewhere_current(stack: &Stack) {
    // A sync first, so the worker knows the host's Zoom user id (webhooks name hosts by id).
    stack.meeting_made_elsewhere(HOSTS[0], slot(13, 0), 30);
    stack.run_scheduled();
    let known = known_elsewhere(stack, HOSTS[0]);
    let start = slot(13, 2);
    let manual = stack.meeting_made_elsewhere(HOSTS[0], start, 60);
    let id = manual["id"].as_u64().unwrap();
    stack.deliver(json!({"event": "meeting.created", "meeting_id": id}));
    wait_for_known_elsewhere(stack, known + 1);
    let blocked = stack.book_json(&booking(
        "blocked@example.com",
        start + Duration::minutes(30),
    ));
    assert_eq!(blocked.status, 409, "{}", blocked.body);
    assert_eq!(blocked.error_code(), "slot_unavailable");
    stack.delete_meeting_elsewhere(id);
    stack.deliver(json!({"event": "meeting.deleted", "meeting_id": id}));
    wait_for_known_elsewhere(stack, known);
    let freed = stack.book_json(&booking("freed@example.com", start + Duration::minutes(30)));
    assert_eq!(freed.status, 201, "{}", freed.body);
}

pub fn pmi_host_shows_pmi_keeps_meeting_id(stack: &Stack) {
    stack.control(
        "/users/settings",
        json!({"user": HOSTS[0], "use_pmi": true}),
    );
    let answer = stack.book_json(&booking("pmi@example.com", slot(14, 0)));
    assert_eq!(answer.status, 201, "{}", answer.body);
    let meeting = &answer.json()["meeting"];
    let at_zoom = &stack.meetings()[0];
    assert_eq!(meeting["id"], at_zoom["id"]);
    let pmi = at_zoom["pmi"].as_str().unwrap();
    assert_eq!(meeting["pmi"], pmi);
    assert_ne!(meeting["id"].to_string(), pmi);
    assert!(meeting["join_url"].as_str().unwrap().contains(pmi));
}

/// Zoom changed meetings while no webhook reached the worker (deleted in Zoom's app, moved in
/// Zoom's app): the next Cron run brings the bookings and their slots in line, and a second run
/// finds nothing more to fix.
pub fn bookings_follow_meetings_deleted_or_moved_at_zoom_without_a_webhook(stack: &Stack) {
    let book = |email: &str, start| {
        let answer = stack.book_json(&booking(email, start));
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.json()
    };
    let id_of = |body: &Value| body["booking_id"].as_str().unwrap().to_owned();
    let meeting_of = |body: &Value| body["meeting"]["id"].as_u64().unwrap();
    let gone = book("gone@example.com", slot(14, 0));
    let moved = book("moved@example.com", slot(14, 2));
    let kept = book("kept@example.com", slot(14, 4));
    stack.delete_meeting_elsewhere(meeting_of(&gone));
    let new_start = slot(14, 6);
    stack.move_meeting_elsewhere(meeting_of(&moved), new_start, 45);

    // No webhook: the worker does not know yet, and both old times stay taken.
    for start in [slot(14, 0), slot(14, 2)] {
        let taken = stack.book_json(&booking("early@example.com", start));
        assert_eq!(taken.error_code(), "slot_unavailable", "{}", taken.body);
    }

    stack.run_scheduled();
    let gone_now = stack.booking(&id_of(&gone)).json();
    assert_eq!(gone_now["status"], "cancelled", "{gone_now}");
    let moved_now = stack.booking(&id_of(&moved)).json();
    assert_eq!(moved_now["status"], "scheduled");
    assert_eq!(
        moved_now["meeting"]["start_time"],
        new_start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    assert_eq!(moved_now["meeting"]["duration"], 45);
    assert_eq!(
        moved_now["meeting"]["join_url"],
        moved["meeting"]["join_url"]
    );
    let kept_now = stack.booking(&id_of(&kept)).json();
    assert_eq!(kept_now["status"], "scheduled");
    assert_eq!(
        kept_now["meeting"]["start_time"],
        kept["meeting"]["start_time"]
    );
    assert_eq!(stack.admin_status()["reconciliation"]["fixes"], 2);

    // The freed times book again; the moved meeting's new time is taken.
    for start in [slot(14, 0), slot(14, 2)] {
        let answer = stack.book_json(&booking("later@example.com", start));
        assert_eq!(answer.status, 201, "{start}: {}", answer.body);
    }
    let clash = stack.book_json(&booking("clash@example.com", new_start));
    assert_eq!(clash.error_code(), "slot_unavailable", "{}", clash.body);

    stack.run_scheduled();
    assert_eq!(stack.admin_status()["reconciliation"]["fixes"], 2);
}
