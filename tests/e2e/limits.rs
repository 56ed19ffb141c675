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
/// The three hosts of `enforced_limits` and a fourth: each of Zoom's daily-limit forms can spend a
/// host and still leave one free.
pub fn four_hosts_enforced_limits() -> StackOptions {
    let hosts = [&HOSTS[..], &["host4@example.com"]].concat();
    enforced_limits().var("ZOOM_HOST_USER", &hosts.join(","))
}

/// The hosts Zoom's daily limit has spent, as the operator status reports them.
fn exhausted_hosts(stack: &Stack) -> Vec<String> {
    let status = stack.admin_status();
    status["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["daily_quota_exhausted"] == true)
        .map(|h| h["host"].as_str().unwrap().to_owned())
        .collect()
}

/// The host (email) of the meeting with `id` at the emulator.
fn host_of_meeting(stack: &Stack, id: &Value) -> String {
    stack
        .meetings()
        .iter()
        .find(|m| &m["id"] == id)
        .map(|m| m["host_email"].as_str().unwrap().to_owned())
        .expect("the meeting exists at Zoom")
}

/// Two hosts, Zoom's limits enforced.
pub fn two_hosts_enforced_limits() -> StackOptions {
    enforced_limits().var("ZOOM_HOST_USER", &HOSTS[..2].join(","))
}

/// When Zoom's daily limit refuses every host in turn, the booking is `429
/// daily_quota_exhausted` with a `Retry-After`, nothing is made, and the next booking is refused
/// without a call to Zoom.
pub fn a_daily_limit_on_every_host_is_429_daily_quota_exhausted(stack: &Stack) {
    // (creates made, creates refused with the injected answer)
    let calls = || {
        let stats = stack.stats();
        let count = |name: &str| stats[name].as_u64().unwrap();
        (count("create_attempts"), count("injected_failures"))
    };
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "status": 429, "count": 2,
        "headers": {"X-RateLimit-Type": "Daily-limit"},
        "body": {"code": 429, "message": "Too many requests"}}),
    );
    let refused = stack.book_json(&booking(3000));
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
    assert_eq!(calls(), (0, 2), "each host was asked once and made nothing");
    assert!(stack.meetings().is_empty());
    assert_eq!(exhausted_hosts(stack).len(), 2);
    let next = stack.book_json(&booking(3001));
    assert_eq!(next.error_code(), "daily_quota_exhausted", "{}", next.body);
    assert_eq!(calls(), (0, 2), "no call to Zoom once every host is spent");
}

/// Seconds from now to the next 00:00 UTC, as an HTTP date (how Zoom may say when to come back).
fn next_midnight_http_date() -> String {
    (Utc::now().date_naive() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Zoom's daily limit in each of its forms spends the host it names, and the same request books
/// on the next host with allowance; once no host has any, the booking is `429
/// daily_quota_exhausted`. Per-second 429s block only until they pass.
pub fn zoom_429_forms_block_until_they_pass(stack: &Stack) {
    let book = |i: usize| stack.book_json(&booking(1000 + i));
    let creates = || stack.stats()["create_attempts"].as_u64().unwrap();
    // Creates Zoom refused with an injected answer (the emulator counts only creates it made).
    let refused = || stack.stats()["injected_failures"].as_u64().unwrap();
    let daily_forms = [
        // Told only by the message (no headers at all).
        json!({"target": "create_meeting", "status": 429,
            "body": {"code": 429, "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."}}),
        // Zoom's headers, with an HTTP-date Retry-After.
        json!({"target": "create_meeting", "status": 429,
            "headers": {"X-RateLimit-Type": "Daily-limit", "X-RateLimit-Remaining": "0", "Retry-After": next_midnight_http_date()},
            "body": {"code": 429, "message": "Too many requests"}}),
        // Neither: only a Retry-After that is a date, at midnight UTC.
        json!({"target": "create_meeting", "status": 429,
            "headers": {"Retry-After": next_midnight_http_date()},
            "body": {"code": 429, "message": "Too many requests"}}),
    ];
    for (i, form) in daily_forms.into_iter().enumerate() {
        stack.control("/failures", form);
        let (made_before, refused_before) = (creates(), refused());
        // The last form's request carries a key: its answer replays after the move.
        let key = [("idempotency-key", "daily-limit-moved")];
        let headers: &[(&str, &str)] = if i == 2 { &key } else { &[] };
        let moved = stack.book_with(&booking(1000 + i), headers);
        assert_eq!(moved.status, 201, "form {i}: {}", moved.body);
        assert_eq!(refused(), refused_before + 1, "form {i}: refused once");
        assert_eq!(creates(), made_before + 1, "form {i}: then made once");
        let exhausted = exhausted_hosts(stack);
        assert_eq!(exhausted.len(), i + 1, "form {i}: {exhausted:?}");
        let host = host_of_meeting(stack, &moved.json()["meeting"]["id"]);
        assert!(
            !exhausted.contains(&host),
            "form {i}: booked on a spent host"
        );
    }
    assert_eq!(stack.admin_status()["zoom_429s"], 3);
    assert_eq!(
        stack.meetings().len(),
        3,
        "one meeting per booking, none on a refusal"
    );
    // The fourth host still books; the spent ones get no more calls.
    let exhausted = exhausted_hosts(stack);
    let before = creates();
    let ok = book(3);
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(creates(), before + 1);
    let host = host_of_meeting(stack, &ok.json()["meeting"]["id"]);
    assert!(!exhausted.contains(&host));
    let replayed = stack.book_with(&booking(1002), &[("idempotency-key", "daily-limit-moved")]);
    assert_eq!(replayed.status, 201, "{}", replayed.body);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(stack.meetings().len(), 4, "the replay made nothing");

    // A per-second block longer than a caller may wait: refused at once, without calling Zoom.
    stack.control("/failures", json!({"target": "create_meeting", "status": 429,
        "headers": {"X-RateLimit-Type": "QPS", "X-RateLimit-Category": "Medium", "Retry-After": "8"}}));
    assert_eq!(book(4).status, 503);
    let before = creates();
    let held = book(5);
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

// ---- The per-client limits' keys, refunds and refusals (group `client-limits`: two bookings
// per email and three per IP address an hour, one host). Each scenario books on a day of its
// own and from addresses of its own: the coordinator's counts outlive a scenario.

/// A booking of `email` at `hour` on day `day`, from `ip`.
fn book_from(stack: &Stack, ip: &str, email: &str, day: i64, hour: i64) -> testbed::Answer {
    let start = future_utc(day) + Duration::hours(hour);
    let body = json!({"name": "Ada", "email": email, "start_time": start.to_rfc3339()});
    stack.book_with(&body, &[("cf-connecting-ip", ip)])
}

fn refused_too_many_bookings(answer: &testbed::Answer) {
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (429, "too_many_bookings"),
        "{}",
        answer.body
    );
}

/// Runs first on its stack: the worker has never had a token, so with Zoom's OAuth down no
/// create can even be sent. Five such refusals give back all they took: the email can still
/// book (two an hour here), the IP too, and the host's daily count is as it was; the operator
/// status shows the allowance given back.
pub fn an_oauth_outage_before_any_create_gives_back_every_allowance_it_took(stack: &Stack) {
    let before = stack.admin_status();
    assert!(
        before["token"].is_null(),
        "this scenario needs a worker that never had a token (run it first on a fresh stack)"
    );
    let host_used = |status: &Value| status["hosts"][0]["create_update_used_today"].clone();
    let given_back = |status: &Value, kind: &str| {
        status["allowance"]["given_back_today"][kind]
            .as_u64()
            .unwrap()
    };
    let (ip, email) = ("192.0.2.10", testbed::unique_email("outage"));
    stack.control(
        "/failures",
        json!({"target": "oauth", "status": 503, "count": 5}),
    );
    for hour in 0..5 {
        let refused = book_from(stack, ip, &email, 9, hour);
        assert_eq!(
            (refused.status, refused.error_code().as_str()),
            (503, "zoom_auth_unavailable"),
            "{}",
            refused.body
        );
    }
    assert_eq!(stack.stats()["meetings_created"], 0);
    let after = stack.admin_status();
    assert_eq!(host_used(&after), host_used(&before), "{after}");
    assert_eq!(
        after["hosts"][0]["create_update_given_back_today"]
            .as_u64()
            .unwrap(),
        5,
        "{after}"
    );
    assert_eq!(given_back(&after, "create_update"), 5, "{after}");
    assert_eq!(
        given_back(&after, "email") - given_back(&before, "email"),
        5
    );
    assert_eq!(given_back(&after, "ip") - given_back(&before, "ip"), 5);
    // Zoom's sign-in is back: the same email, from the same address, books (twice: its limit).
    for hour in 5..7 {
        let booked = book_from(stack, ip, &email, 9, hour);
        assert_eq!(booked.status, 201, "{}", booked.body);
    }
    refused_too_many_bookings(&book_from(stack, "192.0.2.11", &email, 9, 7));
    assert_eq!(stack.stats()["meetings_created"], 2);
}

/// IPv6 clients on one /64 (one subscriber's network) share one per-IP limit; an email with a
/// `+tag` or in other letter case is the same mailbox.
pub fn ipv6_neighbours_in_one_64_and_plus_tagged_emails_share_a_limit(stack: &Stack) {
    let neighbours = [
        "2001:db8:77:1::1",
        "2001:db8:77:1::2",
        "2001:db8:77:1:ffff::3",
    ];
    for (hour, ip) in neighbours.iter().enumerate() {
        let email = testbed::unique_email("v6");
        let booked = book_from(stack, ip, &email, 10, hour as i64);
        assert_eq!(booked.status, 201, "{}", booked.body);
    }
    let fourth = book_from(
        stack,
        "2001:db8:77:1::4",
        &testbed::unique_email("v6"),
        10,
        3,
    );
    refused_too_many_bookings(&fourth);
    let retry_after: u32 = fourth.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after > 0);
    // The next /64 is another network.
    let other = book_from(
        stack,
        "2001:db8:77:2::1",
        &testbed::unique_email("v6"),
        10,
        4,
    );
    assert_eq!(other.status, 201, "{}", other.body);

    let mailbox = testbed::unique_email("ada");
    let (local, domain) = mailbox.split_once('@').unwrap();
    let tagged = format!("{local}+1@{domain}");
    let shouted = format!("{}+news@{domain}", local.to_uppercase());
    assert_eq!(book_from(stack, "192.0.2.20", &mailbox, 10, 5).status, 201);
    assert_eq!(book_from(stack, "192.0.2.21", &tagged, 10, 6).status, 201);
    refused_too_many_bookings(&book_from(stack, "192.0.2.22", &shouted, 10, 7));
    assert_eq!(stack.stats()["meetings_created"], 6);
}

/// Asking for a busy time costs the asker: two `409 slot_unavailable` and one booking spend
/// an address's three bookings an hour. A `429` costs nothing, or a client retrying at its
/// `Retry-After` would be refused forever.
pub fn slot_refusals_count_toward_the_per_ip_limit(stack: &Stack) {
    let (owner, prober) = ("192.0.2.30", "192.0.2.31");
    let taken = book_from(stack, owner, &testbed::unique_email("owner"), 11, 0);
    assert_eq!(taken.status, 201, "{}", taken.body);
    for _ in 0..2 {
        let busy = book_from(stack, prober, &testbed::unique_email("probe"), 11, 0);
        assert_eq!(
            (busy.status, busy.error_code().as_str()),
            (409, "slot_unavailable"),
            "{}",
            busy.body
        );
    }
    let booked = book_from(stack, prober, &testbed::unique_email("probe"), 11, 1);
    assert_eq!(booked.status, 201, "{}", booked.body);
    refused_too_many_bookings(&book_from(
        stack,
        prober,
        &testbed::unique_email("p"),
        11,
        2,
    ));
    // The owner's address was charged for its one booking only.
    for hour in 3..5 {
        let more = book_from(stack, owner, &testbed::unique_email("owner"), 11, hour);
        assert_eq!(more.status, 201, "{}", more.body);
    }
    refused_too_many_bookings(&book_from(stack, owner, &testbed::unique_email("o"), 11, 5));
}

/// A reused key is refused (`422`) before the limits are looked at, and counts toward the
/// per-IP limit like a busy time; but once the address is at its limit, more refusals add no
/// counts: one client cannot grow the coordinator's table without bound.
pub fn key_reuse_refusals_past_the_limit_add_no_counts(stack: &Stack) {
    let ip = "192.0.2.40";
    let ip_counted = |status: &Value| status["allowance"]["counted_today"]["ip"].as_u64().unwrap();
    let before = stack.admin_status();
    let key = format!("reuse-{}", Utc::now().timestamp_nanos_opt().unwrap());
    let at = |hour: i64| (future_utc(12) + Duration::hours(hour)).to_rfc3339();
    let email = testbed::unique_email("reuse");
    let first = json!({"name": "Ada", "email": email, "start_time": at(0)});
    let headers = [("cf-connecting-ip", ip), ("idempotency-key", key.as_str())];
    let booked = stack.book_with(&first, &headers);
    assert_eq!(booked.status, 201, "{}", booked.body);
    let other = json!({"name": "Ada", "email": email, "start_time": at(1)});
    for _ in 0..6 {
        let reused = stack.book_with(&other, &headers);
        assert_eq!(
            (reused.status, reused.error_code().as_str()),
            (422, "idempotency_key_reused"),
            "{}",
            reused.body
        );
    }
    // The booking and two refusals spent the address's three an hour; the rest added nothing.
    let after = stack.admin_status();
    assert_eq!(ip_counted(&after) - ip_counted(&before), 3, "{after}");
    refused_too_many_bookings(&book_from(stack, ip, &testbed::unique_email("r"), 12, 2));
}
