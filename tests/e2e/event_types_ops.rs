//! Event types, the operator's side (issue 14): the public listing, a configuration with one
//! problem of each class refusing every booking route while the status names them all, and a
//! setting Zoom makes otherwise than sent (a locked account setting) reported in the status.

use crate::event_types::{self, HOSTS};
use serde_json::{json, Value};
use testbed::{future_utc, send_with, unique_email, Stack, StackOptions, ADMIN_TOKEN};

/// `GET /v1/types` shows each type's public part, in configuration order, and nothing of its
/// hosts or Zoom settings; it is public, cacheable, CORS-aware and never asks Zoom.
pub fn the_types_are_listed_publicly_in_order_without_hosts_or_zoom_settings(stack: &Stack) {
    let answer = stack.request("GET", "/v1/types", None, b"");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.json(),
        json!({"types": [
            {"slug": "intro", "title": "Intro call",
             "description": "A first talk about your plans.",
             "durations": [15, 30, 45], "min_duration": 15, "max_duration": 45,
             "default_duration": 30,
             "questions": [
                {"id": "company", "label": "Company", "kind": "text", "required": true,
                 "max_length": 80},
                {"id": "plan", "label": "Plan", "kind": "choice", "required": false,
                 "max_length": 100, "options": ["Free", "Pro", "Enterprise"]},
                {"id": "phone", "label": "Phone", "kind": "phone", "required": false,
                 "max_length": 16},
                {"id": "cc", "label": "Copy to", "kind": "email", "required": false,
                 "max_length": 254}
             ]},
            {"slug": "support", "title": "Support session",
             "durations": null, "min_duration": 15, "max_duration": 60,
             "default_duration": 20,
             "questions": [
                {"id": "details", "label": "What do you need help with?", "kind": "long_text",
                 "required": true, "max_length": 1500}
             ]}
        ]})
    );
    for secret in [
        "example.com",
        "zoom_settings",
        "hosts",
        "auto_recording",
        "passcode",
    ] {
        assert!(!answer.body.contains(secret), "{secret}: {}", answer.body);
    }
    assert_eq!(answer.header("cache-control"), Some("public, max-age=60"));
    assert!(answer.header("vary").is_some_and(|v| v.contains("Origin")));
    assert_eq!(stack.stats()["api_requests"], 0);
}

/// A setting locked at the host's account wins over the type's: the meeting is still booked,
/// and the operator status reports the type, the setting, what was sent and what Zoom made.
pub fn a_setting_zoom_locks_otherwise_is_reported_as_a_settings_mismatch(stack: &Stack) {
    let intro_host = HOSTS[1];
    stack.lock_user_settings(intro_host, json!({"auto_recording": "none"}));
    let answer = stack.book_json(&json!({
        "type": "intro", "name": "Ada", "email": unique_email("locked"),
        "start_time": future_utc(3).to_rfc3339(), "duration": 30,
        "answers": {"company": "Acme"},
    }));
    assert_eq!(answer.status, 201, "{}", answer.body);
    let booking_id = answer.json()["booking_id"].as_str().unwrap().to_owned();

    // Zoom received the type's setting, on the type's host, and made it otherwise.
    let requests = stack.create_requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["user"], intro_host);
    assert_eq!(requests[0]["body"]["settings"]["auto_recording"], "cloud");
    assert_eq!(stack.meetings()[0]["settings"]["auto_recording"], "none");

    let status = stack.admin_status();
    assert_eq!(status["config_errors"], json!([]));
    let reported: Vec<&Value> = status["settings_mismatch"]
        .as_array()
        .expect("settings_mismatch")
        .iter()
        .filter(|m| m["type"] == "intro" && m["setting"] == "auto_recording")
        .collect();
    assert_eq!(reported.len(), 1, "{}", status["settings_mismatch"]);
    let mismatch = reported[0];
    assert_eq!(
        (&mismatch["sent"], &mismatch["got"]),
        (&json!("cloud"), &json!("none"))
    );
    assert_eq!(mismatch["host"], intro_host);
    assert_eq!(mismatch["last_booking_id"], booking_id.as_str());
    assert!(mismatch["count"].as_u64() >= Some(1), "{mismatch}");
    // Settings Zoom made as sent are not reported.
    let others: Vec<&Value> = status["settings_mismatch"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["last_booking_id"] == booking_id.as_str() && m["setting"] != "auto_recording")
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

/// One problem of each class: an unknown key, an unknown Zoom setting, a bad enum value, a
/// duplicate slug and a host outside the pool.
const BROKEN_TYPES: &str = r#"[
  {"slug": "intro", "title": "Intro", "colour": "blue"},
  {"slug": "support", "title": "Support", "zoom_settings": {"waitingroom": true}},
  {"slug": "demo", "title": "Demo", "zoom_settings": {"auto_recording": "always"}},
  {"slug": "sales", "title": "Sales"},
  {"slug": "sales", "title": "Sales again"},
  {"slug": "vip", "title": "VIP", "hosts": ["stranger@example.com"]}
]"#;

/// Each problem of `BROKEN_TYPES`, as the worker names it.
const PROBLEMS: [&str; 5] = [
    "BOOKING_TYPES[0].colour: unknown key",
    "BOOKING_TYPES[1].zoom_settings.waitingroom: unknown Zoom setting",
    "BOOKING_TYPES[2].zoom_settings.auto_recording: expected one of local, cloud, none",
    "BOOKING_TYPES[4].slug: duplicate slug 'sales'",
    "BOOKING_TYPES[5].hosts[0]: not one of the hosts in ZOOM_HOST_USER",
];

pub fn broken_types() -> StackOptions {
    event_types::options().var("BOOKING_TYPES", BROKEN_TYPES)
}

/// A broken configuration refuses every booking route, `/v1/types`, `/` and `/book/<slug>` (an
/// HTML page) with `503 not_configured` naming each problem's path, before anything reaches Zoom; the operator
/// status still answers, listing every problem.
pub fn every_configuration_problem_refuses_the_booking_routes_and_the_status_lists_them(
    stack: &Stack,
) {
    let refused = |what: &str, answer: testbed::Answer| {
        assert_eq!(
            (answer.status, answer.error_code().as_str()),
            (503, "not_configured"),
            "{what}: {}",
            answer.body
        );
        let message = answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        for problem in PROBLEMS {
            assert!(
                message.contains(problem),
                "{what}: {problem} not in {message}"
            );
        }
        assert!(answer.header("retry-after").is_some(), "{what}");
    };
    let booking = json!({"name": "Ada", "email": unique_email("broken"),
        "start_time": future_utc(2).to_rfc3339(), "duration": 30});
    refused("POST /v1/bookings", stack.book_json(&booking));
    let form = "name=Ada&email=ada%40example.com&start_time=2030-01-01T10%3A00&duration=30";
    refused(
        "POST /v1/bookings (form)",
        stack.request(
            "POST",
            "/v1/bookings",
            Some("application/x-www-form-urlencoded"),
            form.as_bytes(),
        ),
    );
    let id = "bk_AAAAAAAAAAAAAAAAAAAAAA";
    let token = Some("mt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    refused("GET booking", stack.manage("GET", id, "", token, None));
    let change = json!({"duration": 45});
    refused(
        "PATCH booking",
        stack.manage("PATCH", id, "", token, Some(&change)),
    );
    refused(
        "DELETE booking",
        stack.manage("DELETE", id, "", token, None),
    );
    refused(
        "GET invitation",
        stack.manage("GET", id, "/invitation", token, None),
    );
    refused(
        "GET /v1/types",
        stack.request("GET", "/v1/types", None, b""),
    );

    let status = stack.admin_status();
    let errors: Vec<&str> = status["config_errors"]
        .as_array()
        .expect("config_errors")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(errors.len(), PROBLEMS.len(), "{errors:?}");
    for (error, problem) in errors.iter().zip(PROBLEMS) {
        assert!(error.starts_with(problem), "{error} is not {problem}");
    }
    // Only the operator sees them.
    let url = format!("{}/v1/admin/status", stack.worker);
    let stranger = send_with(&stack.agent, "GET", &url, &[], b"");
    assert_eq!(stranger.status, 401);
    assert!(!stranger.body.contains("BOOKING_TYPES"));
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    assert_eq!(
        send_with(
            &stack.agent,
            "GET",
            &url,
            &[("authorization", &bearer)],
            b""
        )
        .status,
        200
    );

    // What does not depend on the types keeps working: the health check, and Zoom's webhooks
    // (a broken types configuration must not make Zoom give up on the endpoint).
    let health = stack.request("GET", "/healthz", None, b"");
    assert_eq!(health.status, 200, "GET /healthz: {}", health.body);
    let challenge = stack.deliver(json!({"event": "endpoint.url_validation",
        "plain_token": "qgg8vlvZRS6UYooatFL8Aw"}));
    assert_eq!(
        challenge["deliveries"][0]["status"], 200,
        "webhook: {challenge}"
    );

    // Nothing reached Zoom.
    let stats = stack.stats();
    assert_eq!(stats["api_requests"], 0, "{stats}");
    assert!(stack.create_requests().is_empty());

    // The two page routes answer the same refusal as an HTML page (a browser opened them),
    // never a 500; quotes are escaped there, so only each problem's path is looked for.
    for route in ["/book/intro", "/"] {
        let page = stack.request("GET", route, None, b"");
        assert_eq!(page.status, 503, "GET {route}: {}", page.body);
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8"),
            "GET {route}"
        );
        assert!(page.header("retry-after").is_some(), "GET {route}");
        assert!(page.body.contains("not_configured"), "{}", page.body);
        for problem in PROBLEMS {
            let path = problem.split(": ").next().unwrap();
            assert!(
                page.body.contains(path),
                "GET {route}: {path} not in {}",
                page.body
            );
        }
    }
}
