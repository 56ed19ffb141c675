//! Keeps `GET /openapi.json` true: every documented route and status is driven against the
//! running worker, and every status driven is documented. The submodules hold it to the rest:
//! its constraints as strict as the worker (`derived`), its links followable (`links`), its
//! methods the only ones answered (`methods`).

mod derived;
mod document;
mod links;
mod methods;
mod patterns;

pub use derived::documented_constraints_accept_just_valid_and_refuse_just_invalid_values;
pub use links::every_link_of_a_new_booking_leads_to_an_operation_that_succeeds;
pub use methods::every_undocumented_method_is_405_with_the_documented_allow_list;

use chrono::Duration;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use testbed::{future_utc, send_with, unique_email, Answer, Stack, StackOptions, ADMIN_TOKEN};
use zoom_emulator::turnstile::ALWAYS_PASSES;
use zoom_emulator::TokenMode;

/// One host at a time, bot protection on, two bookings per email an hour, one reschedule and one
/// invitation read per booking, the coordinator in its own session (stopped for a webhook's
/// 503): every documented refusal can happen.
pub fn options() -> StackOptions {
    StackOptions::new(TokenMode::Multi)
        .var("ZOOM_HOST_USER", "host@example.com")
        .var("ZOOM_HOST_MAX_CONCURRENT", "1")
        .var("TURNSTILE_SECRET_KEY", ALWAYS_PASSES)
        .var("BOOKING_LIMIT_PER_EMAIL", "2/hour")
        .var("RESCHEDULE_LIMIT_PER_BOOKING", "1/day")
        .var("OWNER_READ_LIMIT_PER_BOOKING", "1/hour")
        .var("AVAILABILITY_LIMIT_PER_IP", "2/minute")
        .split_coordinator()
}

/// Bot protection on (with a token the test secret passes) and every other limit lifted: the
/// derived cases book dozens of meetings, many at overlapping times.
pub fn many_bookings() -> StackOptions {
    StackOptions::new(TokenMode::Multi)
        .var("TURNSTILE_SECRET_KEY", ALWAYS_PASSES)
        .var("AVAILABILITY_LIMIT_PER_IP", "off")
}

type Seen = BTreeSet<(String, String, u16)>;

fn saw(seen: &mut Seen, method: &str, path: &str, expected: u16, answer: &Answer) {
    assert_eq!(answer.status, expected, "{method} {path}: {}", answer.body);
    if expected >= 400 {
        let code = answer.json()["error"]["code"].clone();
        assert!(
            code.is_string(),
            "{method} {path} {expected}: no error code"
        );
    }
    seen.insert((path.to_owned(), method.to_owned(), expected));
}

fn documented(doc: &Value) -> Seen {
    let mut all = Seen::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            for status in operation["responses"].as_object().unwrap().keys() {
                let status: u16 = status.parse().unwrap();
                all.insert((path.clone(), method.to_uppercase(), status));
            }
        }
    }
    all
}

pub fn every_documented_status_happens(stack: &Stack) {
    let mut seen = Seen::new();
    let doc_answer = stack.request("GET", "/openapi.json", None, b"");
    saw(&mut seen, "GET", "/openapi.json", 200, &doc_answer);
    let doc = doc_answer.json();
    saw(
        &mut seen,
        "GET",
        "/",
        200,
        &stack.request("GET", "/", None, b""),
    );
    // A type's page (the implicit type's, here); an unknown slug is an HTML 404 page.
    saw(
        &mut seen,
        "GET",
        "/book/{slug}",
        200,
        &stack.request("GET", "/book/meeting", None, b""),
    );
    let no_type = stack.request("GET", "/book/no-such-type", None, b"");
    assert_eq!(no_type.status, 404, "{}", no_type.body);
    assert!(no_type.body.contains("not_found"), "{}", no_type.body);
    seen.insert(("/book/{slug}".to_owned(), "GET".to_owned(), 404));
    saw(
        &mut seen,
        "GET",
        "/manage",
        200,
        &stack.request("GET", "/manage", None, b""),
    );
    saw(
        &mut seen,
        "GET",
        "/healthz",
        200,
        &stack.request("GET", "/healthz", None, b""),
    );
    saw(
        &mut seen,
        "GET",
        "/v1/types",
        200,
        &stack.request("GET", "/v1/types", None, b""),
    );

    // GET /v1/availability: two reads a minute per address.
    const AVAILABILITY: &str = "/v1/availability";
    let day = (chrono::Utc::now() + Duration::days(3)).date_naive();
    let read = |query: &str| {
        let url = format!("{}{AVAILABILITY}?{query}", stack.worker);
        send_with(
            &stack.agent,
            "GET",
            &url,
            &[("cf-connecting-ip", "192.0.2.15")],
            b"",
        )
    };
    let fine = format!("from={day}&to={day}");
    saw(&mut seen, "GET", AVAILABILITY, 200, &read(&fine));
    saw(
        &mut seen,
        "GET",
        AVAILABILITY,
        422,
        &read(&format!("from={day}")),
    );
    saw(&mut seen, "GET", AVAILABILITY, 200, &read(&fine));
    saw(&mut seen, "GET", AVAILABILITY, 429, &read(&fine));

    // POST /v1/bookings
    const BOOKINGS: &str = "/v1/bookings";
    let pass = ("cf-turnstile-response", "XXXX.DUMMY");
    let slot = |hour: i64| (future_utc(9) + Duration::hours(hour)).to_rfc3339();
    let body =
        |email: &str, hour: i64| json!({"name": "Ada", "email": email, "start_time": slot(hour)});
    let book = |email: &str, hour: i64| stack.book_with(&body(email, hour), &[pass]);
    let a = book(&unique_email("a"), 0);
    saw(&mut seen, "POST", BOOKINGS, 201, &a);
    let a = a.json();
    let owner = unique_email("owner");
    let b = book(&owner, 2).json();
    let c = book(&owner, 4).json();
    saw(&mut seen, "POST", BOOKINGS, 429, &book(&owner, 6));
    let fresh = || unique_email("p");
    saw(
        &mut seen,
        "POST",
        BOOKINGS,
        400,
        &stack.book_with(&body(&fresh(), 8), &[pass, ("idempotency-key", "")]),
    );
    saw(
        &mut seen,
        "POST",
        BOOKINGS,
        403,
        &stack.book_with(&body(&fresh(), 8), &[]),
    );
    saw(&mut seen, "POST", BOOKINGS, 409, &book(&fresh(), 0));
    let huge = vec![b'a'; 20 * 1024];
    saw(
        &mut seen,
        "POST",
        BOOKINGS,
        413,
        &stack.request("POST", BOOKINGS, Some("application/json"), &huge),
    );
    saw(
        &mut seen,
        "POST",
        BOOKINGS,
        415,
        &stack.request("POST", BOOKINGS, Some("text/plain"), b"x"),
    );
    saw(&mut seen, "POST", BOOKINGS, 422, &book("not-an-email", 8));
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "status": 404,
        "body": {"code": 1001, "message": "User does not exist."}}),
    );
    saw(&mut seen, "POST", BOOKINGS, 502, &book(&fresh(), 10));
    stack.control(
        "/failures",
        json!({"target": "create_meeting", "status": 429,
        "headers": {"Retry-After": "1", "X-RateLimit-Type": "QPS"}}),
    );
    saw(&mut seen, "POST", BOOKINGS, 503, &book(&fresh(), 12));

    // The owner's routes, on A, B and C.
    const ONE: &str = "/v1/bookings/{booking_id}";
    const INVITATION: &str = "/v1/bookings/{booking_id}/invitation";
    let id = |v: &Value| v["booking_id"].as_str().unwrap().to_owned();
    let token = |v: &Value| v["manage_token"].as_str().unwrap().to_owned();
    let (a_id, a_token) = (id(&a), token(&a));
    let wrong = Some("mt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    for (method, path, suffix, body) in [
        ("GET", ONE, "", None),
        ("PATCH", ONE, "", Some(json!({"duration": 45}))),
        ("DELETE", ONE, "", None),
        ("GET", INVITATION, "/invitation", None),
    ] {
        saw(
            &mut seen,
            method,
            path,
            401,
            &stack.manage(method, &a_id, suffix, None, body.as_ref()),
        );
        saw(
            &mut seen,
            method,
            path,
            404,
            &stack.manage(method, &a_id, suffix, wrong, body.as_ref()),
        );
    }
    saw(
        &mut seen,
        "GET",
        ONE,
        200,
        &stack.manage("GET", &a_id, "", Some(&a_token), None),
    );
    let onto_b = json!({"start_time": slot(2)});
    saw(
        &mut seen,
        "PATCH",
        ONE,
        409,
        &stack.manage("PATCH", &a_id, "", Some(&a_token), Some(&onto_b)),
    );
    let past = json!({"start_time": "2001-01-01T00:00:00Z"});
    saw(
        &mut seen,
        "PATCH",
        ONE,
        422,
        &stack.manage("PATCH", &a_id, "", Some(&a_token), Some(&past)),
    );
    let longer = json!({"duration": 45});
    saw(
        &mut seen,
        "PATCH",
        ONE,
        200,
        &stack.manage("PATCH", &a_id, "", Some(&a_token), Some(&longer)),
    );
    // A's one reschedule of the day is spent (the 409 and the 422 before it did not count;
    // past the limit, a PATCH is 429 before its time is even looked at).
    let again = json!({"duration": 60});
    saw(
        &mut seen,
        "PATCH",
        ONE,
        429,
        &stack.manage("PATCH", &a_id, "", Some(&a_token), Some(&again)),
    );
    saw(
        &mut seen,
        "GET",
        INVITATION,
        200,
        &stack.manage("GET", &a_id, "/invitation", Some(&a_token), None),
    );
    saw(
        &mut seen,
        "GET",
        INVITATION,
        429,
        &stack.manage("GET", &a_id, "/invitation", Some(&a_token), None),
    );
    let (c_id, c_token) = (id(&c), token(&c));
    saw(
        &mut seen,
        "DELETE",
        ONE,
        200,
        &stack.manage("DELETE", &c_id, "", Some(&c_token), None),
    );
    saw(
        &mut seen,
        "GET",
        INVITATION,
        409,
        &stack.manage("GET", &c_id, "/invitation", Some(&c_token), None),
    );
    stack.control(
        "/failures",
        json!({"target": "delete_meeting", "status": 404,
        "body": {"code": 1001, "message": "User does not exist."}}),
    );
    let (b_id, b_token) = (id(&b), token(&b));
    saw(
        &mut seen,
        "DELETE",
        ONE,
        502,
        &stack.manage("DELETE", &b_id, "", Some(&b_token), None),
    );

    // Webhooks and the operator.
    const WEBHOOK: &str = "/v1/zoom/webhook";
    let delivered = |request: Value| {
        let answer = stack.deliver(request);
        let first = &answer["deliveries"][0];
        Answer {
            status: first["status"].as_u64().unwrap() as u16,
            headers: Default::default(),
            body: first["body"].as_str().unwrap_or_default().to_owned(),
        }
    };
    saw(
        &mut seen,
        "POST",
        WEBHOOK,
        200,
        &delivered(json!({"event": "meeting.started", "meeting_id": 1})),
    );
    saw(
        &mut seen,
        "POST",
        WEBHOOK,
        400,
        &delivered(json!({"event": "meeting.started", "raw_body": "not json"})),
    );
    let stopped = stack.stop_coordinator();
    saw(
        &mut seen,
        "POST",
        WEBHOOK,
        503,
        &delivered(json!({"event": "meeting.started", "meeting_id": 1})),
    );
    stopped.restart();
    let url = format!("{}{WEBHOOK}", stack.worker);
    saw(
        &mut seen,
        "POST",
        WEBHOOK,
        401,
        &send_with(
            &stack.agent,
            "POST",
            &url,
            &[("content-type", "application/json")],
            b"{}",
        ),
    );
    let big = vec![b' '; 2 * 1024 * 1024];
    saw(
        &mut seen,
        "POST",
        WEBHOOK,
        413,
        &send_with(
            &stack.agent,
            "POST",
            &url,
            &[("content-type", "application/json")],
            &big,
        ),
    );
    let status_url = format!("{}/v1/admin/status", stack.worker);
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    saw(
        &mut seen,
        "GET",
        "/v1/admin/status",
        200,
        &send_with(
            &stack.agent,
            "GET",
            &status_url,
            &[("authorization", &bearer)],
            b"",
        ),
    );
    saw(
        &mut seen,
        "GET",
        "/v1/admin/status",
        401,
        &send_with(&stack.agent, "GET", &status_url, &[], b""),
    );

    let documented = documented(&doc);
    let undocumented: Vec<_> = seen.difference(&documented).collect();
    let unexercised: Vec<_> = documented.difference(&seen).collect();
    assert!(
        undocumented.is_empty(),
        "statuses the document lacks: {undocumented:?}"
    );
    assert!(
        unexercised.is_empty(),
        "documented but never seen: {unexercised:?}"
    );
}
