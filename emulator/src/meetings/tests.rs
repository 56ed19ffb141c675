//! The meeting API end to end through `handle`: gates, validation and operations together, as
//! the worker meets them.

use super::handle;
use crate::http::{EmuRequest, Reply};
use crate::state::{Settings, State, TokenMode};
use serde_json::{json, Value};

fn setup(per_second: Option<[u32; 3]>, daily: u32) -> (State, String) {
    let mut state = State::new(
        Settings {
            per_second,
            daily_create_limit: daily,
            token_mode: TokenMode::Multi,
            ..Settings::default()
        },
        "http://emu".into(),
    );
    let req = EmuRequest::new(
        "POST",
        "/oauth/token?grant_type=account_credentials&account_id=emulated-account",
    )
    .header(
        "authorization",
        "Basic ZW11bGF0ZWQtY2xpZW50OmVtdWxhdGVkLXNlY3JldA==",
    );
    let token = crate::oauth::issue_token(&mut state, &req).body.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    (state, token)
}

fn call(state: &mut State, token: &str, method: &str, url: &str, body: Option<Value>) -> Reply {
    let mut req = EmuRequest::new(method, url).header("authorization", &format!("Bearer {token}"));
    if let Some(body) = body {
        req = req.json_body(&body);
    }
    let path = req.path.strip_prefix("/v2").unwrap().to_owned();
    handle(state, &req, &path)
}

fn meeting_body(start: &str) -> Value {
    json!({"topic":"T","type":2,"start_time":start,"duration":30,"timezone":"Asia/Tokyo"})
}

#[test]
fn a_passcode_sent_with_the_create_is_the_meetings_and_each_body_made_is_kept() {
    let (mut s, t) = setup(None, 100);
    let mut body = meeting_body("2030-01-02T00:30:00Z");
    body["password"] = json!("042917");
    let created = call(
        &mut s,
        &t,
        "POST",
        "/v2/users/me/meetings",
        Some(body.clone()),
    );
    assert_eq!(created.status, 201);
    let created = created.body.unwrap();
    assert_eq!(created["password"], "042917");
    assert_eq!(s.create_requests.len(), 1);
    assert_eq!(json!(s.create_requests[0].meeting_id), created["id"]);
    assert_eq!(s.create_requests[0].body, body);
    body["password"] = json!("pass word!");
    let refused = call(&mut s, &t, "POST", "/v2/users/me/meetings", Some(body));
    assert_eq!(refused.status, 400);
    assert_eq!(s.counters.meetings_created, 1);
}

#[test]
fn a_meeting_can_be_created_read_updated_and_deleted() {
    let (mut s, t) = setup(None, 100);
    let created = call(
        &mut s,
        &t,
        "POST",
        "/v2/users/me/meetings",
        Some(meeting_body("2030-01-02T00:30:00Z")),
    );
    assert_eq!(created.status, 201);
    let body = created.body.unwrap();
    for field in [
        "id",
        "uuid",
        "host_id",
        "join_url",
        "start_url",
        "password",
        "start_time",
    ] {
        assert!(body.get(field).is_some(), "missing {field}");
    }
    assert_eq!(body["host_email"], "host@example.com");
    let id = body["id"].as_u64().unwrap();
    let url = format!("/v2/meetings/{id}");
    assert_eq!(
        call(
            &mut s,
            &t,
            "PATCH",
            &url,
            Some(json!({"start_time":"2030-01-03T09:00:00","duration":45}))
        )
        .status,
        204
    );
    let got = call(&mut s, &t, "GET", &url, None).body.unwrap();
    // Local time read in the meeting's own time zone (Tokyo, UTC+9).
    assert_eq!(got["start_time"], "2030-01-03T00:00:00Z");
    assert_eq!(got["duration"], 45);
    assert!(call(&mut s, &t, "GET", &format!("{url}/invitation"), None)
        .body
        .unwrap()["invitation"]
        .as_str()
        .unwrap()
        .contains(&id.to_string()));
    assert_eq!(call(&mut s, &t, "DELETE", &url, None).status, 204);
    let gone = call(&mut s, &t, "DELETE", &url, None);
    assert_eq!(
        (gone.status, gone.body.unwrap()["code"].clone()),
        (404, json!(3001))
    );
}

#[test]
fn invalid_tokens_unknown_users_and_bad_bodies_are_refused_and_create_nothing() {
    let (mut s, t) = setup(None, 100);
    let r = call(
        &mut s,
        "nope",
        "POST",
        "/v2/users/me/meetings",
        Some(meeting_body("2030-01-02T00:30:00Z")),
    );
    assert_eq!(
        (r.status, r.body.unwrap()["code"].clone()),
        (401, json!(124))
    );
    let r = call(
        &mut s,
        &t,
        "POST",
        "/v2/users/ghost%40x.io/meetings",
        Some(meeting_body("2030-01-02T00:30:00Z")),
    );
    assert_eq!(
        (r.status, r.body.unwrap()["code"].clone()),
        (404, json!(1001))
    );
    let r = call(
        &mut s,
        &t,
        "POST",
        "/v2/users/me/meetings",
        Some(json!({"topic":"x".repeat(201),"start_time":"2030-01-02T00:30:00Z"})),
    );
    assert_eq!(
        (r.status, r.body.unwrap()["code"].clone()),
        (400, json!(300))
    );
    assert_eq!(s.counters.meetings_created, 0);
    assert_eq!(s.counters.invalid_token_requests, 1);
}

#[test]
fn daily_create_limit_answers_429_with_zoom_message() {
    let (mut s, t) = setup(None, 2);
    for _ in 0..2 {
        assert_eq!(
            call(
                &mut s,
                &t,
                "POST",
                "/v2/users/me/meetings",
                Some(meeting_body("2030-01-02T00:30:00Z"))
            )
            .status,
            201
        );
    }
    let r = call(
        &mut s,
        &t,
        "POST",
        "/v2/users/me/meetings",
        Some(meeting_body("2030-01-02T00:30:00Z")),
    );
    assert_eq!(r.status, 429);
    assert!(r.body.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("daily rate limit (2)"));
    assert!(r
        .headers
        .contains(&("X-RateLimit-Type".into(), "Daily-limit".into())));
    // Another host has its own allowance.
    assert_eq!(
        call(
            &mut s,
            &t,
            "POST",
            "/v2/users/host2%40example.com/meetings",
            Some(meeting_body("2030-01-02T00:30:00Z"))
        )
        .status,
        201
    );
}

#[test]
fn per_second_limit_answers_429_with_retry_after() {
    let (mut s, t) = setup(Some([30, 2, 10]), 100);
    // Pin the clock to the middle of a second so the window cannot roll over mid-test.
    s.clock_offset_ms = 500 - s.now_ms().rem_euclid(1000);
    let statuses: Vec<u16> = (0..3)
        .map(|_| {
            call(
                &mut s,
                &t,
                "POST",
                "/v2/users/me/meetings",
                Some(meeting_body("2030-01-02T00:30:00Z")),
            )
            .status
        })
        .collect();
    assert_eq!(statuses, [201, 201, 429]);
    assert_eq!(s.counters.rate_limited, 1);
    assert_eq!(s.counters.meetings_created, 2);
}

#[test]
fn list_paginates_with_next_page_token() {
    let (mut s, t) = setup(None, 100);
    for day in 1..=7 {
        call(
            &mut s,
            &t,
            "POST",
            "/v2/users/me/meetings",
            Some(meeting_body(&format!("2030-01-0{day}T00:30:00Z"))),
        );
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = call(
            &mut s,
            &t,
            "GET",
            &format!("/v2/users/me/meetings?type=upcoming&page_size=3&next_page_token={token}"),
            None,
        )
        .body
        .unwrap();
        assert_eq!(page["total_records"], 7);
        seen.extend(
            page["meetings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["start_time"].as_str().unwrap().to_owned()),
        );
        token = page["next_page_token"].as_str().unwrap().to_owned();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len(), 7);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn page_size_is_capped_by_the_control_setting() {
    let (mut s, t) = setup(None, 100);
    for day in 1..=5 {
        let start = format!("2030-01-0{day}T00:30:00Z");
        call(
            &mut s,
            &t,
            "POST",
            "/v2/users/me/meetings",
            Some(meeting_body(&start)),
        );
    }
    s.max_page_size = 2;
    let url = "/v2/users/me/meetings?type=upcoming&page_size=300";
    let page = call(&mut s, &t, "GET", url, None).body.unwrap();
    assert_eq!(page["meetings"].as_array().unwrap().len(), 2);
    assert_eq!(page["page_size"], 2);
    assert_eq!(page["next_page_token"], "npt2");
}

#[test]
fn pmi_users_get_meetings_joined_by_their_pmi() {
    let (mut s, t) = setup(None, 100);
    s.pmi_users.insert("host@example.com".into());
    let url = "/v2/users/me/meetings";
    let made = call(
        &mut s,
        &t,
        "POST",
        url,
        Some(meeting_body("2030-01-01T00:30:00Z")),
    );
    let body = made.body.unwrap();
    let pmi = body["pmi"].as_str().unwrap().to_owned();
    assert_ne!(pmi, body["id"].to_string());
    assert!(body["join_url"]
        .as_str()
        .unwrap()
        .contains(&format!("/j/{pmi}?")));
    assert_eq!(body["settings"]["use_pmi"], true);
    // Another user's meetings keep their own number.
    let other = "/v2/users/host2@example.com/meetings";
    let plain = call(
        &mut s,
        &t,
        "POST",
        other,
        Some(meeting_body("2030-01-01T00:30:00Z")),
    );
    assert!(plain.body.unwrap().get("pmi").is_none());
}

#[test]
fn a_create_answered_with_a_gateway_error_can_still_be_carried_out_later() {
    let (mut s, t) = setup(None, 100);
    s.failures.push(crate::state::InjectedFailure {
        target: "create_meeting".into(),
        status: Some(502),
        delay_ms: 0,
        carry_out_after_ms: Some(0),
        remaining: 1,
        body: json!({"code": 502}),
        headers: Vec::new(),
    });
    let answered = call(
        &mut s,
        &t,
        "POST",
        "/v2/users/me/meetings",
        Some(meeting_body("2030-01-02T00:30:00Z")),
    );
    assert_eq!(answered.status, 502);
    assert!(s.meetings.is_empty());
    super::run_deferred(&mut s);
    assert_eq!(s.meetings.len(), 1);
    assert!(s.deferred.is_empty());
}

#[test]
fn every_create_body_is_recorded_as_received_with_the_user_it_named() {
    let (mut s, t) = setup(None, 100);
    let body = json!({"topic": "T", "type": 2, "start_time": "2030-01-02T00:30:00Z",
        "settings": {"auto_recording": "cloud", "jbh_time": 10}});
    call(
        &mut s,
        &t,
        "POST",
        "/v2/users/host2@example.com/meetings",
        Some(body.clone()),
    );
    // A refused create was still received.
    call(
        &mut s,
        &t,
        "POST",
        "/v2/users/nobody@example.com/meetings",
        Some(json!({})),
    );
    let recorded: Vec<_> = s.create_requests.iter().cloned().collect();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].user, "host2@example.com");
    assert_eq!(recorded[0].body, body);
    assert_eq!(recorded[1].user, "nobody@example.com");
    s.reset(None);
    assert!(s.create_requests.is_empty());
}

#[test]
fn a_locked_setting_wins_over_what_the_create_sends_and_the_answer_shows_it() {
    let (mut s, t) = setup(None, 100);
    let mut locked = serde_json::Map::new();
    locked.insert("auto_recording".into(), json!("none"));
    s.locked_settings.insert("host@example.com".into(), locked);
    let mut body = meeting_body("2030-01-02T00:30:00Z");
    body["settings"] = json!({"auto_recording": "cloud", "mute_upon_entry": true});
    let made = call(
        &mut s,
        &t,
        "POST",
        "/v2/users/me/meetings",
        Some(body.clone()),
    );
    let settings = made.body.unwrap()["settings"].clone();
    assert_eq!(settings["auto_recording"], "none");
    // What was sent and not locked is kept; what was not sent is the account's default.
    assert_eq!(settings["mute_upon_entry"], true);
    assert_eq!(settings["waiting_room"], false);
    // Another user's meetings are not locked.
    let other = call(
        &mut s,
        &t,
        "POST",
        "/v2/users/host2@example.com/meetings",
        Some(body),
    );
    assert_eq!(other.body.unwrap()["settings"]["auto_recording"], "cloud");
    // An update cannot unlock it either.
    let id = s
        .meetings
        .values()
        .find(|m| m.host_email == "host@example.com")
        .unwrap()
        .id;
    let patch = json!({"settings": {"auto_recording": "local"}});
    call(
        &mut s,
        &t,
        "PATCH",
        &format!("/v2/meetings/{id}"),
        Some(patch),
    );
    assert_eq!(s.meetings[&id].settings["auto_recording"], "none");
}
