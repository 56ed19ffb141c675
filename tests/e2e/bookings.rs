//! Booking requests end to end: what the client gets and what exists at Zoom afterwards.

use crate::outcomes;
use chrono::{Datelike, Duration, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::BTreeSet;
use testbed::{future_utc, merged, unique_email, Stack, BOOKING_SIGNING_KEY};

fn assert_no_host_secrets(body: &str) {
    let lower = body.to_ascii_lowercase();
    assert!(
        !lower.contains("start_url") && !lower.contains("zak"),
        "response leaks host data: {body}"
    );
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn only_meeting(stack: &Stack) -> Value {
    let meetings = stack.meetings();
    assert_eq!(meetings.len(), 1, "meetings at Zoom: {meetings:?}");
    meetings[0].clone()
}

pub fn json_booking_creates_the_meeting_in_utc(stack: &Stack) {
    let start = future_utc(3);
    let tokyo = start.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap());
    let answer = stack.book_json(&json!({
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "start_time": tokyo.to_rfc3339(),
        "timezone": "Asia/Tokyo",
        "duration": 45,
        "topic": "Intro call",
        "agenda": "Discuss the engine",
    }));
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_no_host_secrets(&answer.body);
    assert!(answer.headers.values().all(|v| !v.contains("zak")));
    let body = answer.json();
    assert_eq!(
        keys(&body),
        set(&["booking_id", "status", "meeting", "manage_token"])
    );
    assert_eq!(body["status"], "scheduled");
    let booking_id = body["booking_id"].as_str().unwrap();
    assert!(booking_id.starts_with("bk_") && booking_id.len() > 20);
    assert_eq!(
        answer.header("location"),
        Some(format!("/v1/bookings/{booking_id}").as_str())
    );
    let meeting = &body["meeting"];
    assert_eq!(
        keys(meeting),
        set(&[
            "id",
            "join_url",
            "password",
            "pmi",
            "start_time",
            "duration",
            "timezone"
        ])
    );
    assert_eq!(meeting["pmi"], Value::Null);
    let expected_start = start.to_rfc3339_opts(SecondsFormat::Secs, true);
    assert_eq!(meeting["start_time"], expected_start);
    assert_eq!(meeting["duration"], 45);
    assert_eq!(meeting["timezone"], "Asia/Tokyo");

    // The coordinator's ledger holds the same booking.
    let stored = stack.booking(booking_id);
    assert_eq!(stored.status, 200, "{}", stored.body);
    let stored = stored.json();
    assert_eq!(stored["status"], "scheduled");
    assert_eq!(&stored["meeting"], meeting);
    assert_eq!(stored["email"], "ada@example.com");
    assert_no_host_secrets(&stored.to_string());

    let at_zoom = only_meeting(stack);
    assert_eq!(at_zoom["id"], meeting["id"]);
    assert_eq!(at_zoom["join_url"], meeting["join_url"]);
    assert_eq!(at_zoom["password"], meeting["password"]);
    assert_eq!(at_zoom["start_time"], expected_start);
    assert_eq!(at_zoom["duration"], 45);
    assert_eq!(at_zoom["topic"], "Intro call");
    // The guest's agenda, then the booking reference the meeting is recognised by: 16 hex
    // characters of HMAC-SHA256(BOOKING_SIGNING_KEY, "zbe.ref.v1:" + booking id), computed here
    // independently of the worker's code.
    let mut mac = Hmac::<Sha256>::new_from_slice(BOOKING_SIGNING_KEY.as_bytes()).unwrap();
    mac.update(format!("zbe.ref.v1:{booking_id}").as_bytes());
    let reference: String = mac.finalize().into_bytes()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        at_zoom["agenda"],
        format!("Discuss the engine\n\nRef: {reference}")
    );
    assert_eq!(at_zoom["timezone"], "Asia/Tokyo");
    assert_eq!(at_zoom["type"], 2);
}

pub fn form_booking_reads_local_time_in_timezone(stack: &Stack) {
    // 15 January is in winter: New York is UTC-5, so 09:30 local is 14:30Z.
    let year = Utc::now().year() + 1;
    let body = format!(
        "name=Grace+Hopper&email=grace%40example.com&start_time={year}-01-15T09%3A30\
         &timezone=America%2FNew_York&duration=60&topic=&agenda="
    );
    let answer = stack.request(
        "POST",
        "/v1/bookings",
        Some("application/x-www-form-urlencoded"),
        body.as_bytes(),
    );
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_no_host_secrets(&answer.body);
    let meeting = answer.json()["meeting"].clone();
    let expected = format!("{year}-01-15T14:30:00Z");
    assert_eq!(meeting["start_time"], expected);
    assert_eq!(meeting["timezone"], "America/New_York");
    let at_zoom = only_meeting(stack);
    assert_eq!(at_zoom["start_time"], expected);
    assert_eq!(at_zoom["duration"], 60);
    assert_eq!(at_zoom["timezone"], "America/New_York");
    assert_eq!(at_zoom["topic"], "Meeting with Grace Hopper");
}

pub fn bad_requests_get_documented_errors_and_create_nothing(stack: &Stack) {
    let ok_start = future_utc(2).to_rfc3339();
    let past = (Utc::now() - Duration::minutes(5)).to_rfc3339();
    let far = (Utc::now() + Duration::days(400)).to_rfc3339();
    // EU clocks jump from 02:00 to 03:00 on the last Sunday of March.
    let next_year = Utc::now().year() + 1;
    let eu_dst_day = (25..=31)
        .filter_map(|d| chrono::NaiveDate::from_ymd_opt(next_year, 3, d))
        .find(|d| d.weekday() == chrono::Weekday::Sun)
        .unwrap();
    let base = |extra: Value| {
        let body = json!({"name": "Ada", "email": "ada@example.com", "start_time": ok_start});
        merged(body, extra).to_string().into_bytes()
    };
    const JSON: Option<&str> = Some("application/json");
    let big = {
        let mut b = b"{\"name\":\"".to_vec();
        b.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
        b.extend(b"\"}");
        b
    };
    // (what, content type, body, status, code, field)
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Vec<u8>,
        u16,
        &'a str,
        Option<&'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            "text/plain",
            Some("text/plain"),
            base(json!({})),
            415,
            "unsupported_media_type",
            None,
        ),
        (
            "no content type",
            None,
            base(json!({})),
            415,
            "unsupported_media_type",
            None,
        ),
        (
            "multipart",
            Some("multipart/form-data; boundary=x"),
            b"--x--".to_vec(),
            415,
            "unsupported_media_type",
            None,
        ),
        (
            "truncated JSON",
            JSON,
            b"{\"name\":".to_vec(),
            400,
            "malformed_request",
            None,
        ),
        (
            "JSON array",
            JSON,
            b"[1,2]".to_vec(),
            400,
            "malformed_request",
            None,
        ),
        (
            "empty JSON body",
            JSON,
            Vec::new(),
            400,
            "malformed_request",
            None,
        ),
        (
            "form not UTF-8",
            Some("application/x-www-form-urlencoded"),
            b"name=\xff\xfe".to_vec(),
            400,
            "malformed_request",
            None,
        ),
        ("2 MB body", JSON, big, 413, "payload_too_large", None),
        (
            "missing name",
            JSON,
            base(json!({"name": null})),
            422,
            "missing_field",
            Some("name"),
        ),
        (
            "name is a number",
            JSON,
            base(json!({"name": 42})),
            422,
            "invalid_field",
            Some("name"),
        ),
        (
            "missing email",
            JSON,
            base(json!({"email": null})),
            422,
            "missing_field",
            Some("email"),
        ),
        (
            "bad email",
            JSON,
            base(json!({"email": "ada.example.com"})),
            422,
            "invalid_email",
            Some("email"),
        ),
        (
            "missing start",
            JSON,
            base(json!({"start_time": null})),
            422,
            "missing_field",
            Some("start_time"),
        ),
        (
            "garbled start",
            JSON,
            base(json!({"start_time": "next tuesday"})),
            422,
            "invalid_start_time",
            Some("start_time"),
        ),
        (
            "start in the past",
            JSON,
            base(json!({"start_time": past})),
            422,
            "start_time_in_past",
            Some("start_time"),
        ),
        (
            "start too far ahead",
            JSON,
            base(json!({"start_time": far})),
            422,
            "start_time_too_far",
            Some("start_time"),
        ),
        (
            "DST gap",
            JSON,
            base(json!({"start_time": format!("{eu_dst_day}T02:30"), "timezone": "Europe/Berlin"})),
            422,
            "invalid_start_time",
            Some("start_time"),
        ),
        (
            "unknown timezone",
            JSON,
            base(json!({"timezone": "Mars/Olympus_Mons"})),
            422,
            "unknown_timezone",
            Some("timezone"),
        ),
        (
            "zero duration",
            JSON,
            base(json!({"duration": 0})),
            422,
            "invalid_duration",
            Some("duration"),
        ),
        (
            "huge duration",
            JSON,
            base(json!({"duration": 10000})),
            422,
            "invalid_duration",
            Some("duration"),
        ),
        (
            "fractional duration",
            JSON,
            base(json!({"duration": 30.5})),
            422,
            "invalid_duration",
            Some("duration"),
        ),
        (
            "bidi override as a JSON escape",
            JSON,
            format!(r#"{{"name":"Ada\u202egpj.exe","email":"ada@example.com","start_time":"{ok_start}"}}"#)
                .into_bytes(),
            422,
            "invalid_text",
            Some("name"),
        ),
        (
            "bidi override in a form body",
            Some("application/x-www-form-urlencoded"),
            format!(
                "name=Ada&email=ada%40example.com&start_time={}&topic=pay%E2%80%AEfdp.exe",
                ok_start.replace('+', "%2B").replace(':', "%3A")
            )
            .into_bytes(),
            422,
            "invalid_text",
            Some("topic"),
        ),
        (
            "long topic",
            JSON,
            base(json!({"topic": "t".repeat(201)})),
            422,
            "field_too_long",
            Some("topic"),
        ),
        (
            "long agenda",
            JSON,
            base(json!({"agenda": "a".repeat(2001)})),
            422,
            "field_too_long",
            Some("agenda"),
        ),
    ];
    assert!(cases.len() >= 15);
    for (what, content_type, body, status, code, field) in cases {
        let answer = stack.request("POST", "/v1/bookings", content_type, &body);
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        let error = answer.json()["error"].clone();
        assert_eq!(error["code"], code, "{what}: {}", answer.body);
        assert!(
            !error["message"].as_str().unwrap_or_default().is_empty(),
            "{what}"
        );
        assert_eq!(error["field"].as_str(), field, "{what}");
        assert!(
            answer
                .header("content-type")
                .unwrap_or_default()
                .starts_with("application/json"),
            "{what}"
        );
    }
    let stats = stack.stats();
    assert_eq!(
        stats["api_requests"], 0,
        "a rejected request reached Zoom: {stats}"
    );
    assert_eq!(stats["meetings_created"], 0);
    assert!(stack.meetings().is_empty());
}

pub fn routes_health_not_found_method_not_allowed(stack: &Stack) {
    let health = stack.request("GET", "/healthz", None, b"");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    assert!(health.json()["version"]
        .as_str()
        .unwrap()
        .starts_with(env!("CARGO_PKG_VERSION")));
    let missing = stack.request("GET", "/v1/nothing-here", None, b"");
    assert_eq!(
        (missing.status, missing.error_code().as_str()),
        (404, "not_found")
    );
    let wrong = stack.request("GET", "/v1/bookings", None, b"");
    assert_eq!(
        (wrong.status, wrong.error_code().as_str()),
        (405, "method_not_allowed")
    );
    assert_eq!(wrong.header("allow"), Some("POST"));
    let put = stack.request("PUT", "/healthz", Some("application/json"), b"{}");
    assert_eq!(put.status, 405);
    assert_eq!(
        stack.stats()["api_requests"],
        0,
        "routing must not touch Zoom"
    );
}

fn valid_booking() -> Value {
    json!({"name": "Ada", "email": unique_email("ada"), "start_time": future_utc(5).to_rfc3339()})
}

/// A gateway error can come after Zoom acted: the create is not re-sent, the answer says the
/// outcome is being confirmed, and the same form is held (`409`) until the coordinator has
/// established that Zoom made nothing; then it books.
pub fn zoom_5xx_on_create_is_confirmed_before_the_booking_is_retried(stack: &Stack) {
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "status": 500, "count": 1}),
    );
    let body = valid_booking();
    outcomes::assert_outcome_pending(&stack.book_json(&body));
    let stats = stack.stats();
    assert_eq!(stats["injected_failures"], 1);
    // One create request reached Zoom (the injected 500) and was not blindly re-sent.
    assert_eq!(stats["meetings_created"], 0);
    let retry = outcomes::retry_until_settled(|| stack.book_json(&body));
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(stack.meetings().len(), 1);
    assert!(
        stack.admin_status()["attempts"]["resolved"]
            .as_u64()
            .unwrap()
            >= 1
    );
}

pub fn zoom_429_is_503_with_retry_after(stack: &Stack) {
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "status": 429, "count": 1,
               "headers": {"Retry-After": "2", "X-RateLimit-Type": "QPS", "X-RateLimit-Category": "Medium"},
               "body": {"code": 429, "message": "You have reached the maximum per-second rate limit for this API. Try again later."}}),
    );
    let answer = stack.book_json(&valid_booking());
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (503, "zoom_rate_limited"),
        "{}",
        answer.body
    );
    assert_eq!(answer.header("retry-after"), Some("2"));
    assert!(stack.meetings().is_empty());
    // The coordinator holds creates back until Zoom's block passes, then lets this one through:
    // it waits instead of tripping Zoom again.
    let next = stack.book_json(&valid_booking());
    assert_eq!(next.status, 201, "{}", next.body);
    let stats = stack.stats();
    assert_eq!(stats["api_requests"], 2, "{stats}");
    assert_eq!(stats["rate_limited"], 0);
}

pub fn zoom_unknown_host_is_502_zoom_rejected(stack: &Stack) {
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "status": 404, "body": {"code": 1001, "message": "User does not exist: me."}}),
    );
    let answer = stack.book_json(&valid_booking());
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (502, "zoom_rejected"),
        "{}",
        answer.body
    );
    assert!(stack.meetings().is_empty());
}

pub fn missing_secret_is_503_not_configured(stack: &Stack) {
    assert_eq!(stack.request("GET", "/healthz", None, b"").status, 200);
    let answer = stack.book_json(&valid_booking());
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (503, "not_configured"),
        "{}",
        answer.body
    );
    assert!(answer.header("retry-after").is_some());
    let message = answer.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("ZOOM_CLIENT_SECRET"), "{message}");
    assert!(!answer.body.contains(testbed::CLIENT_ID));
    let stats = stack.stats();
    assert_eq!(stats["token_requests"], 0);
    assert_eq!(stats["api_requests"], 0);
}
