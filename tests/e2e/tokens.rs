//! Token handling under load: single-flight refresh, invalidation, failures of the OAuth service
//! and tokens re-issued by someone else on the same account.

use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use testbed::{future_utc, run_concurrently, unique_email, Stack, CLIENT_SECRET};

fn booking(i: usize) -> Value {
    json!({
        "name": format!("Guest {i}"),
        "email": unique_email(&format!("guest{i}")),
        "start_time": future_utc(1 + (i % 20) as i64).to_rfc3339(),
    })
}

fn tokens_issued(stats: &Value) -> u64 {
    stats["tokens_issued"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum()
}

/// Books `total` meetings from `workers` threads; returns every status. `progress` counts
/// finished bookings so a caller can act in the middle of the run.
fn book_concurrently(
    stack: &Stack,
    total: usize,
    workers: usize,
    progress: &AtomicUsize,
) -> Vec<(u16, String)> {
    run_concurrently(workers, total, |i| {
        let answer = stack.book_json(&booking(i));
        progress.fetch_add(1, Ordering::SeqCst);
        (answer.status, answer.body)
    })
}

fn assert_all_created(results: &[(u16, String)]) {
    let failures: Vec<_> = results.iter().filter(|(s, _)| *s != 201).collect();
    assert!(
        failures.is_empty(),
        "{} of {} bookings failed: {:?}",
        failures.len(),
        results.len(),
        failures.first()
    );
}

pub fn cold_start_50_concurrent_bookings_one_token_request(stack: &Stack) {
    // A fresh stack: no token in the coordinator, KV or the isolate.
    let progress = AtomicUsize::new(0);
    let results = book_concurrently(stack, 50, 50, &progress);
    assert_all_created(&results);
    let stats = stack.stats();
    assert_eq!(stats["token_requests"], 1, "{stats}");
    assert_eq!(tokens_issued(&stats), 1);
    assert_eq!(stats["meetings_created"], 50);
    let ids: HashSet<u64> = stack
        .meetings()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 50);
}

pub fn tokens_invalidated_mid_run_cause_no_failed_booking(stack: &Stack) {
    // Latency keeps bookings in flight while the tokens die under them.
    stack.control("/latency", json!({"ms": 25}));
    let progress = Arc::new(AtomicUsize::new(0));
    let results = thread::scope(|scope| {
        let watcher = {
            let progress = Arc::clone(&progress);
            scope.spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(120);
                while progress.load(Ordering::SeqCst) < 15 && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(5));
                }
                stack.control("/tokens/invalidate", json!({}))["invalidated"]
                    .as_u64()
                    .unwrap()
            })
        };
        let results = book_concurrently(stack, 60, 12, &progress);
        let invalidated = watcher.join().unwrap();
        assert!(
            invalidated >= 1,
            "the run's token was not live when invalidated"
        );
        results
    });
    assert_all_created(&results);
    let stats = stack.stats();
    assert!(
        stats["invalid_token_requests"].as_u64().unwrap() >= 1,
        "invalidation hit nothing: {stats}"
    );
    // However many calls saw the dead token, one replacement was issued.
    assert_eq!(stats["token_requests"], 1, "{stats}");
    assert_eq!(stats["meetings_created"], 60);
}

pub fn token_endpoint_failures_are_clean_and_recover(stack: &Stack) {
    let book = || stack.book_json(&booking(7));
    // The OAuth service is down when the worker needs a new token.
    stack.control("/tokens/invalidate", json!({}));
    stack.control(
        "/failures",
        json!({"target": "oauth", "status": 503, "count": 1}),
    );
    let down = book();
    assert_eq!(
        (down.status, down.error_code().as_str()),
        (503, "zoom_auth_unavailable"),
        "{}",
        down.body
    );
    assert!(down.header("retry-after").is_some());
    assert_eq!(stack.stats()["meetings_created"], 0);
    // It comes back: the next booking recovers without operator action.
    let recovered = book();
    assert_eq!(recovered.status, 201, "{}", recovered.body);

    // Zoom refuses the credentials.
    stack.control("/tokens/invalidate", json!({}));
    stack.control(
        "/failures",
        json!({"target": "oauth", "status": 401, "count": 1,
               "body": {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}}),
    );
    let refused = book();
    assert_eq!(
        (refused.status, refused.error_code().as_str()),
        (502, "zoom_auth_rejected"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains(CLIENT_SECRET));
    assert_eq!(book().status, 201);
    assert_eq!(
        stack.meetings().len(),
        2,
        "exactly the two successful bookings exist"
    );
}

pub fn reissued_token_elsewhere_is_survived(stack: &Stack) {
    // Another app on the same account takes a token; on legacy Zoom that kills ours.
    let other = stack.token_for_another_app();
    assert_eq!(other.status, 200, "{}", other.body);
    let progress = AtomicUsize::new(0);
    let results = book_concurrently(stack, 10, 10, &progress);
    assert_all_created(&results);
    let stats = stack.stats();
    assert_eq!(
        stats["token_requests"], 2,
        "the other app's and exactly one of ours: {stats}"
    );
}

/// Books steadily across several token lifetimes; returns the emulator's counters.
fn book_across_token_lifetimes(stack: &Stack, lifetimes: u64) -> Value {
    let ttl = crate::SHORT_TOKEN_TTL_SECS;
    let until = Instant::now() + Duration::from_secs(ttl * lifetimes);
    let results: Vec<(u16, String)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                scope.spawn(move || {
                    let mut results = Vec::new();
                    let mut i = w * 10_000;
                    while Instant::now() < until {
                        let answer = stack.book_json(&booking(i));
                        results.push((answer.status, answer.body));
                        i += 1;
                        // A steady trickle, not a flood: this is about time passing.
                        thread::sleep(Duration::from_millis(50));
                    }
                    results
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        results.len() >= 20,
        "too few bookings to mean anything: {}",
        results.len()
    );
    assert_all_created(&results);
    let stats = stack.stats();
    assert_eq!(
        stats["meetings_created"].as_u64().unwrap(),
        results.len() as u64
    );
    // The coordinator's alarm kept issuing tokens ahead of expiry.
    assert!(tokens_issued(&stats) >= lifetimes, "{stats}");
    stats
}

pub fn proactive_refresh_overlaps_tokens_no_401(stack: &Stack) {
    // Zoom today: the next token is issued while the current one is still valid, so however
    // the caches lag, no call ever presents an expired token.
    let stats = book_across_token_lifetimes(stack, 3);
    assert_eq!(stats["invalid_token_requests"], 0, "{stats}");
}

pub fn proactive_refresh_never_fails_a_booking(stack: &Stack) {
    // Zoom before mid-2023: each refresh kills the token in flight; the one retry after code 124
    // absorbs that, and no refresh is ever duplicated by the callers that saw the 124.
    let stats = book_across_token_lifetimes(stack, 3);
    assert_eq!(
        stats["token_requests"].as_u64(),
        Some(tokens_issued(&stats)),
        "{stats}"
    );
}

/// The coordinator's one alarm serves every job: while an attempt whose outcome is unknown
/// waits to be resolved (Zoom's meeting list keeps failing, so it is checked again and again),
/// the token is still refreshed ahead of expiry, with no booking asking for one.
pub fn token_refresh_keeps_its_time_while_an_attempt_waits_to_be_resolved(stack: &Stack) {
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "status": 502, "count": 1}),
    );
    stack.control(
        "/failures",
        json!({"target": "list_meetings", "status": 500, "count": 100000}),
    );
    let pending = stack.book_json(&booking(900_000));
    assert_eq!(pending.status, 503, "{}", pending.body);
    assert_eq!(pending.error_code(), "outcome_pending");
    let before = stack.stats()["token_requests"].as_u64().unwrap();
    // Three refreshes, and at least one of the coordinator's checks (the create and the
    // handler's search make 4 failures, each check 3 more): both jobs ran on the one alarm.
    let both_ran = |stats: &Value| {
        stats["token_requests"].as_u64().unwrap() >= before + 3
            && stats["injected_failures"].as_u64().unwrap() >= 7
    };
    let deadline = Instant::now() + Duration::from_secs(crate::SHORT_TOKEN_TTL_SECS * 4 + 15);
    loop {
        let stats = stack.stats();
        if both_ran(&stats) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a job did not run on time: {stats}"
        );
        thread::sleep(Duration::from_millis(200));
    }
    let attempts = stack.admin_status()["attempts"].clone();
    assert_eq!(attempts["pending"], 1, "{attempts}");
}
