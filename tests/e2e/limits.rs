//! Rate limits and quotas end to end, with the emulator enforcing Zoom's limits: the worker
//! must never trip them, and must tell clients the truth when capacity runs out.

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;
use testbed::{future_utc, run_concurrently, Stack, StackOptions};
use zoom_emulator::TokenMode;

pub const HOSTS: [&str; 3] = ["host@example.com", "host2@example.com", "host3@example.com"];

/// Three hosts, Zoom's Pro limits enforced by the emulator, the real daily allowance of 100.
pub fn enforced_limits() -> StackOptions {
    let mut options = StackOptions::new(TokenMode::Multi)
        .var("ZOOM_HOST_USER", &HOSTS.join(","))
        .var("ZOOM_DAILY_CREATE_LIMIT", "100")
        .var("ZOOM_TIMEOUT_MS", "1500");
    options.emulator.per_second = Some([30, 20, 10]);
    options.emulator.daily_create_limit = 100;
    options
}

fn booking(i: usize) -> Value {
    // Distinct starts, so a lost-answer lookup could never confuse two bookings.
    let start = future_utc(2) + Duration::minutes(i as i64 * 7);
    json!({"name": format!("Guest {i}"), "email": format!("g{i}@example.com"), "start_time": start.to_rfc3339()})
}

fn meetings_per_host(stack: &Stack) -> HashMap<String, usize> {
    let mut per_host = HashMap::new();
    for m in stack.meetings() {
        *per_host
            .entry(m["host_email"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    per_host
}

pub fn three_hundred_bookings_64_concurrent_3_hosts_no_zoom_429(stack: &Stack) {
    const TOTAL: usize = 330;
    let results = run_concurrently(64, TOTAL, |i| {
        let a = stack.book_json(&booking(i));
        let retry_after = a.header("retry-after").map(str::to_owned);
        (a.status, a.body, retry_after)
    });
    let created = results.iter().filter(|(s, _, _)| *s == 201).count();
    let stats = stack.stats();
    assert_eq!(stats["rate_limited"], 0, "the emulator saw a 429: {stats}");
    assert_eq!(stats["meetings_created"].as_u64(), Some(created as u64));
    assert_eq!(created, 300, "every host's allowance is used, no more");
    for (host, count) in meetings_per_host(stack) {
        assert!(count <= 100, "{host} has {count} meetings");
    }
    let until_midnight = {
        let now = Utc::now();
        let midnight = (now.date_naive() + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        (midnight - now).num_seconds()
    };
    for (status, body, retry_after) in results.iter().filter(|(s, _, _)| *s != 201) {
        assert_eq!(*status, 429, "{body}");
        assert!(body.contains("daily_quota_exhausted"), "{body}");
        let seconds: i64 = retry_after.as_deref().unwrap().parse().unwrap();
        assert!(
            (seconds - until_midnight).abs() <= 60,
            "Retry-After {seconds} vs {until_midnight}"
        );
    }
    let status = stack.admin_status();
    for host in status["hosts"].as_array().unwrap() {
        assert_eq!(host["create_update_used_today"], 100, "{status}");
        assert_eq!(host["daily_quota_exhausted"], true);
    }
    assert!(
        !status.to_string().contains("emu."),
        "a token value leaked: {status}"
    );
}

/// Each form of Zoom 429 blocks what it names, and only that.
pub fn zoom_429_forms_block_until_they_pass(stack: &Stack) {
    let book = |i: usize| stack.book_json(&booking(1000 + i));
    let creates = || stack.stats()["create_attempts"].as_u64().unwrap();

    // Daily limit, told only by the message (no headers at all).
    stack.control("/failures", json!({"target": "create_meeting", "status": 429,
        "body": {"code": 429, "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."}}));
    let refused = book(0);
    assert_eq!(
        (refused.status, refused.error_code().as_str()),
        (429, "daily_quota_exhausted"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .header("retry-after")
            .unwrap()
            .parse::<u32>()
            .unwrap()
            > 0
    );
    // Daily limit with Zoom's headers and an HTTP-date Retry-After: the second host.
    let midnight_http_date = {
        let now = Utc::now();
        (now.date_naive() + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    };
    stack.control("/failures", json!({"target": "create_meeting", "status": 429,
        "headers": {"X-RateLimit-Type": "Daily-limit", "X-RateLimit-Remaining": "0", "Retry-After": midnight_http_date},
        "body": {"code": 429, "message": "Too many requests"}}));
    assert_eq!(book(1).status, 429);
    let status = stack.admin_status();
    let exhausted: Vec<&str> = status["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["daily_quota_exhausted"] == true)
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert_eq!(exhausted.len(), 2, "{status}");
    assert_eq!(status["zoom_429s"], 2);
    // The third host still books; the two blocked ones get no more calls.
    let before = creates();
    let ok = book(2);
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(creates(), before + 1);
    let hosts = meetings_per_host(stack);
    assert_eq!(hosts.len(), 1);
    assert!(!exhausted.contains(&hosts.keys().next().unwrap().as_str()));

    // A per-second block longer than a caller may wait: refused at once, without calling Zoom.
    stack.control("/failures", json!({"target": "create_meeting", "status": 429,
        "headers": {"X-RateLimit-Type": "QPS", "X-RateLimit-Category": "Medium", "Retry-After": "8"}}));
    assert_eq!(book(3).status, 503);
    let before = creates();
    let held = book(4);
    assert_eq!(
        (held.status, held.error_code().as_str()),
        (503, "zoom_rate_limited"),
        "{}",
        held.body
    );
    assert!(held.header("retry-after").unwrap().parse::<u32>().unwrap() >= 2);
    assert_eq!(creates(), before, "a call went out during the block");
    assert_eq!(stack.admin_status()["blocks"].as_array().unwrap().len(), 1);
}

/// A create whose answer is lost (Zoom acted, the response timed out) is found, not re-sent.
pub fn lost_create_answer_makes_no_duplicate(stack: &Stack) {
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "delay_ms": 3000}),
    );
    // The lookup itself meets a transient failure, which an idempotent call retries.
    stack.control(
        "/failures",
        json!({"target": "list_meetings", "status": 503}),
    );
    let answer = stack.book_json(&booking(2000));
    assert_eq!(answer.status, 201, "{}", answer.body);
    let stats = stack.stats();
    assert_eq!(stats["create_attempts"], 1, "{stats}");
    assert_eq!(stats["injected_failures"], 2, "{stats}");
    assert_eq!(stack.admin_status()["retries"], 1);
    let meetings = stack.meetings();
    assert_eq!(meetings.len(), 1);
    assert_eq!(answer.json()["meeting"]["id"], meetings[0]["id"]);
}
