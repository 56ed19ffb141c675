//! Creates whose outcome the worker cannot learn (issue 12): Zoom made the meeting but its answer
//! was lost and the worker's own search failed, or the handler never came back. The first
//! answer is `503 outcome_pending`; the key stays bound (`409 request_in_progress` with the
//! seconds to the coordinator's next check) until the coordinator, on its own alarm, finds the
//! meeting by the marker on its agenda and adopts it (a client key: the retry gets the one
//! booking) or deletes it (keyless: nobody can ask for it) — never a second meeting, never an
//! orphan.

use crate::limits::HOSTS;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use testbed::{future_utc, unique_email, Answer, Stack, StackOptions};
use zoom_emulator::TokenMode;

/// Zoom's answers time out after 1.5 s here, so a create held back 3 s is made but its answer
/// lost, and the handler's lease is the shortest (`saga::lease_ms`: 30 s).
fn lossy(hosts: &[&str]) -> StackOptions {
    StackOptions::new(TokenMode::Multi)
        .var("ZOOM_HOST_USER", &hosts.join(","))
        .var("ZOOM_TIMEOUT_MS", "1500")
}

pub fn three_hosts() -> StackOptions {
    lossy(&HOSTS)
}

pub fn one_host() -> StackOptions {
    lossy(&HOSTS[..1])
}

/// How long the coordinator may take: the lease (30 s), then its checks.
const RESOLUTION_DEADLINE: Duration = Duration::from_secs(90);

fn booking(days: i64) -> Value {
    json!({"name": "Ada", "email": unique_email("lost"), "start_time": future_utc(days).to_rfc3339(),
           "topic": "Same topic", "duration": 30})
}

/// The create is carried out but its answer held back past the timeout, and the handler's
/// search fails (every try of its first list page answers 500).
fn lose_the_answer_and_the_lookup(stack: &Stack) {
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "delay_ms": 3000}),
    );
    stack.control(
        "/failures",
        json!({"target": "list_meetings", "status": 500, "count": 3}),
    );
}

fn attempts(stack: &Stack) -> Value {
    stack.admin_status()["attempts"].clone()
}

/// Polls `attempt` until it is not `409 request_in_progress`; every 409 on the way carries a
/// `Retry-After`.
pub fn retry_until_settled(attempt: impl Fn() -> Answer) -> Answer {
    let deadline = Instant::now() + RESOLUTION_DEADLINE;
    loop {
        let answer = attempt();
        if answer.status != 409 {
            return answer;
        }
        assert_eq!(
            answer.error_code(),
            "request_in_progress",
            "{}",
            answer.body
        );
        let wait: u64 = answer.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=30).contains(&wait), "Retry-After {wait}");
        assert!(Instant::now() < deadline, "never resolved");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Polls the operator status until `counter` of `attempts` reached `at_least`.
fn wait_for_attempts(stack: &Stack, counter: &str, at_least: u64) -> Value {
    let deadline = Instant::now() + RESOLUTION_DEADLINE;
    loop {
        let counts = attempts(stack);
        if counts[counter].as_u64().unwrap() >= at_least {
            return counts;
        }
        assert!(Instant::now() < deadline, "no attempt {counter}: {counts}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

pub fn assert_outcome_pending(answer: &Answer) {
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (503, "outcome_pending"),
        "{}",
        answer.body
    );
    assert_eq!(answer.header("retry-after"), Some("5"));
}

pub fn a_lost_answer_with_a_failing_lookup_is_adopted_under_its_key(stack: &Stack) {
    let before = attempts(stack)["adopted"].as_u64().unwrap();
    lose_the_answer_and_the_lookup(stack);
    let body = booking(6);
    let key = [("idempotency-key", "lost-answer-1")];
    let first = stack.book_with(&body, &key);
    assert_outcome_pending(&first);
    // Until the coordinator knows, the key is bound: no second meeting on another host.
    let held = stack.book_with(&body, &key);
    assert_eq!(held.status, 409, "{}", held.body);
    assert_eq!(attempts(stack)["pending"], 1);
    let settled = retry_until_settled(|| stack.book_with(&body, &key));
    assert_eq!(settled.status, 201, "{}", settled.body);
    assert_eq!(settled.header("idempotent-replayed"), Some("true"));
    let meetings = stack.meetings();
    assert_eq!(meetings.len(), 1, "{meetings:?}");
    assert_eq!(settled.json()["meeting"]["id"], meetings[0]["id"]);
    assert!(settled.json()["manage_token"]
        .as_str()
        .unwrap()
        .starts_with("mt_"));
    // Its agenda carries the booking reference it was found by.
    assert!(meetings[0]["agenda"].as_str().unwrap().starts_with("Ref: "));
    assert_eq!(stack.stats()["create_attempts"], 1);
    let counts = attempts(stack);
    assert_eq!(counts["adopted"].as_u64().unwrap(), before + 1, "{counts}");
    assert_eq!(counts["pending"], 0, "{counts}");
    // The adopted booking is a booking like any other: its owner can read it.
    let id = settled.json()["booking_id"].as_str().unwrap().to_owned();
    let token = settled.json()["manage_token"].as_str().unwrap().to_owned();
    let read = stack.manage("GET", &id, "", Some(&token), None);
    assert_eq!(read.status, 200, "{}", read.body);
}

pub fn a_keyless_lost_answer_is_deleted_and_the_form_books_anew(stack: &Stack) {
    let before = attempts(stack)["deleted"].as_u64().unwrap();
    lose_the_answer_and_the_lookup(stack);
    let body = booking(7);
    assert_outcome_pending(&stack.book_json(&body));
    // The same form again meets the attempt being confirmed.
    let again = stack.book_json(&body);
    assert_eq!(again.status, 409, "{}", again.body);
    wait_for_attempts(stack, "deleted", before + 1);
    assert!(stack.meetings().is_empty(), "{:?}", stack.meetings());
    let anew = retry_until_settled(|| stack.book_json(&body));
    assert_eq!(anew.status, 201, "{}", anew.body);
    assert_eq!(anew.header("idempotent-replayed"), None);
    assert_eq!(stack.meetings().len(), 1);
    assert_eq!(attempts(stack)["pending"], 0);
}

/// The runtime dies while the create is at Zoom (a crash, an eviction): no handler is left to
/// report back. Once the handler's lease lapses, the coordinator's alarm (which survives the
/// restart with the object's storage) finds the meeting and adopts it; the client's retry under
/// its key gets that booking.
pub fn a_create_whose_handler_dies_is_finished_by_the_alarm(stack: &Stack) {
    let before = attempts(stack)["adopted"].as_u64().unwrap();
    // Zoom carries the create out at once and answers 3 s later: the crash falls in between.
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "delay_ms": 3000}),
    );
    let body = booking(8);
    std::thread::scope(|scope| {
        let lost = scope.spawn(|| {
            stack
                .agent
                .post(&format!("{}/v1/bookings", stack.worker))
                .set("content-type", "application/json")
                .set("idempotency-key", "crash-1")
                .send_string(&body.to_string())
                .is_err()
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        while stack.stats()["create_attempts"] != 1 {
            assert!(Instant::now() < deadline, "the create never reached Zoom");
            std::thread::sleep(Duration::from_millis(20));
        }
        stack.crash_and_restart_worker();
        // The client saw its connection drop.
        assert!(lost.join().unwrap());
    });
    assert_eq!(stack.meetings().len(), 1);
    let counts = wait_for_attempts(stack, "adopted", before + 1);
    assert_eq!(counts["pending"], 0, "{counts}");
    let replay = stack.book_with(&body, &[("idempotency-key", "crash-1")]);
    assert_eq!(replay.status, 201, "{}", replay.body);
    let meetings = stack.meetings();
    assert_eq!(meetings.len(), 1, "{meetings:?}");
    assert_eq!(replay.json()["meeting"]["id"], meetings[0]["id"]);
    assert_eq!(stack.stats()["create_attempts"], 1);
}

/// Zoom answers the create with a gateway error, the coordinator reads a settled list without
/// the meeting and releases the attempt — and only then does Zoom carry the create out. The
/// meeting carries the released attempt's marker, so the next Cron run deletes it: no orphan,
/// and the booking the retry made is the only meeting left.
pub fn a_meeting_zoom_makes_after_the_attempt_was_released_is_deleted_by_the_sync(stack: &Stack) {
    let counts = attempts(stack);
    let (resolved, deleted) = (
        counts["resolved"].as_u64().unwrap(),
        counts["deleted"].as_u64().unwrap(),
    );
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "status": 502, "carry_out_after_ms": 25000}),
    );
    let body = booking(9);
    let key = [("idempotency-key", "late-create-1")];
    assert_outcome_pending(&stack.book_with(&body, &key));
    wait_for_attempts(stack, "resolved", resolved + 1);
    // The key is free again: the retry books anew.
    let retry = stack.book_with(&body, &key);
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.header("idempotent-replayed"), None);
    let booked = retry.json()["meeting"]["id"].clone();
    // Zoom carries the first create out at last.
    let deadline = Instant::now() + RESOLUTION_DEADLINE;
    while stack.meetings().len() < 2 {
        assert!(Instant::now() < deadline, "the late create never landed");
        std::thread::sleep(Duration::from_millis(500));
    }
    stack.run_scheduled();
    let meetings = stack.meetings();
    assert_eq!(meetings.len(), 1, "{meetings:?}");
    assert_eq!(meetings[0]["id"], booked);
    assert_eq!(attempts(stack)["deleted"].as_u64().unwrap(), deleted + 1);
}

/// Every answer to the owner's `PATCH` is lost, though Zoom moves the meeting each time: the
/// worker waits for Zoom to settle, reads the meeting back, and the booking follows what Zoom
/// has; the new time is the booking's, the old one free.
pub fn a_reschedule_whose_answers_are_lost_follows_what_zoom_has(stack: &Stack) {
    let made = stack.book_json(&booking(10));
    assert_eq!(made.status, 201, "{}", made.body);
    let made = made.json();
    let id = made["booking_id"].as_str().unwrap().to_owned();
    let token = made["manage_token"].as_str().unwrap().to_owned();
    // The first try and both retries of the idempotent PATCH are carried out, and answered late.
    stack.control(
        "/failures",
        json!({"target": "update_meeting", "delay_ms": 3000, "count": 3}),
    );
    let new_start = future_utc(11);
    let moved = stack.manage(
        "PATCH",
        &id,
        "",
        Some(&token),
        Some(&json!({"start_time": new_start.to_rfc3339(), "duration": 45})),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    let expected = new_start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(moved.json()["meeting"]["start_time"], expected);
    assert_eq!(moved.json()["meeting"]["duration"], 45);
    let at_zoom = stack.meetings();
    assert_eq!(at_zoom.len(), 1);
    assert_eq!(at_zoom[0]["start_time"], expected);
}
