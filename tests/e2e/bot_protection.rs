//! Turnstile bot protection against the emulator's siteverify and Cloudflare's test secrets:
//! a meeting is created only when the verifier says yes; anything else fails closed.

use serde_json::json;
use testbed::{future_utc, unique_email, Stack, StackOptions};
use zoom_emulator::turnstile::{ALREADY_SPENT, ALWAYS_FAILS, ALWAYS_PASSES};
use zoom_emulator::TokenMode;

fn with_secret(secret: &str) -> StackOptions {
    StackOptions::new(TokenMode::Multi).var("TURNSTILE_SECRET_KEY", secret)
}

pub fn passing() -> StackOptions {
    with_secret(ALWAYS_PASSES)
}

pub fn failing() -> StackOptions {
    with_secret(ALWAYS_FAILS)
}

pub fn spent() -> StackOptions {
    with_secret(ALREADY_SPENT)
}

/// Books with `token` in the JSON body (as the page's `fetch` sends the widget's field), or
/// without one.
fn book(stack: &Stack, token: Option<&str>) -> testbed::Answer {
    let mut body = json!({"name": "Ada", "email": unique_email("bot"),
        "start_time": future_utc(7).to_rfc3339()});
    if let Some(token) = token {
        body["cf-turnstile-response"] = json!(token);
    }
    stack.book_json(&body)
}

fn counts(stack: &Stack) -> (u64, u64) {
    let stats = stack.stats();
    (
        stats["siteverify_requests"].as_u64().unwrap(),
        stats["meetings_created"].as_u64().unwrap(),
    )
}

pub fn pass_creates_the_meeting(stack: &Stack) {
    let answer = book(stack, Some("XXXX.DUMMY.TOKEN.XXXX"));
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(counts(stack), (1, 1));
    // The token may come as a header instead (fetch clients without a form).
    let body = json!({"name": "Ada", "email": unique_email("bot"),
        "start_time": future_utc(7).to_rfc3339()});
    let by_header = stack.book_with(&body, &[("cf-turnstile-response", "XXXX.DUMMY")]);
    assert_eq!(by_header.status, 201, "{}", by_header.body);
    assert_eq!(counts(stack), (2, 2));
}

pub fn no_token_refused_without_asking(stack: &Stack) {
    let answer = book(stack, None);
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert_eq!(answer.error_code(), "bot_check_failed");
    assert_eq!(counts(stack), (0, 0));
}

pub fn verifier_down_or_slow_fails_closed(stack: &Stack) {
    stack.control("/failures", json!({"target": "siteverify", "status": 500}));
    let down = book(stack, Some("XXXX.DUMMY"));
    assert_eq!(down.status, 503, "{}", down.body);
    assert_eq!(down.error_code(), "bot_check_unavailable");
    assert!(down.header("retry-after").is_some());
    // Slower than the worker waits (3 s): refused, whatever the verifier says later.
    stack.control(
        "/failures",
        json!({"target": "siteverify", "delay_ms": 4500}),
    );
    let slow = book(stack, Some("XXXX.DUMMY"));
    assert_eq!(slow.status, 503, "{}", slow.body);
    assert_eq!(slow.error_code(), "bot_check_unavailable");
    assert_eq!(counts(stack).1, 0, "no meeting without a pass");
}

pub fn failed_check_refused(stack: &Stack) {
    let answer = book(stack, Some("XXXX.DUMMY"));
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert_eq!(answer.error_code(), "bot_check_failed");
    assert_eq!(counts(stack), (1, 0));
}

pub fn spent_token_refused(stack: &Stack) {
    let answer = book(stack, Some("XXXX.DUMMY"));
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert_eq!(answer.error_code(), "bot_check_failed");
    assert_eq!(counts(stack), (1, 0));
}

/// Per-client limits: 2 bookings per email and 3 per IP address in an hour.
pub fn client_limits() -> StackOptions {
    StackOptions::new(TokenMode::Multi)
        .var("BOOKING_LIMIT_PER_EMAIL", "2/hour")
        .var("BOOKING_LIMIT_PER_IP", "3/hour")
        // One meeting at a time: a busy time is refused (`limits::slot_refusals_…`).
        .var("ZOOM_HOST_MAX_CONCURRENT", "1")
}

pub fn one_client_cannot_take_every_slot(stack: &Stack) {
    let book_as = |ip: &str, email: &str, hour: i64| {
        let body = json!({"name": "Ada", "email": email,
            "start_time": (future_utc(8) + chrono::Duration::hours(hour)).to_rfc3339()});
        stack.book_with(&body, &[("cf-connecting-ip", ip)])
    };
    let (ip_a, ip_b) = ("203.0.113.7", "198.51.100.9");
    let x = unique_email("x");
    assert_eq!(book_as(ip_a, &x, 0).status, 201);
    assert_eq!(book_as(ip_a, &x, 1).status, 201);
    let third = book_as(ip_a, &x, 2);
    assert_eq!(third.status, 429, "{}", third.body);
    assert_eq!(third.error_code(), "too_many_bookings");
    let wait: u32 = third.header("retry-after").unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&wait), "Retry-After {wait}");
    // The address's third booking, with another email, is its last one for the hour.
    assert_eq!(book_as(ip_a, &unique_email("y"), 3).status, 201);
    let over = book_as(ip_a, &unique_email("z"), 4);
    assert_eq!(over.error_code(), "too_many_bookings");
    // Another address is counted on its own.
    assert_eq!(book_as(ip_b, &unique_email("z"), 5).status, 201);
    assert_eq!(stack.stats()["meetings_created"], 4);
}
