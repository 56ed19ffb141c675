//! The `/v2` meeting API: create, list, get, update, delete, invitation. Requests pass the same
//! gates as at Zoom, in the same order: token, per-second limit, then the operation.

use crate::http::{EmuRequest, Reply};
use crate::oauth::token_valid;
use crate::state::{Category, InjectedFailure, Meeting, State};
use chrono::{DateTime, Duration, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

const DEFAULT_PAGE_SIZE: usize = 30;
const MAX_TOPIC_CHARS: usize = 200;
const MAX_AGENDA_CHARS: usize = 2000;

enum Route {
    Create(String),
    List(String),
    Get(u64),
    Update(u64),
    Delete(u64),
    Invitation(u64),
    /// A well-formed meeting path whose id is not a number: Zoom answers "does not exist".
    UnknownMeeting(String),
}

impl Route {
    fn parse(method: &str, path: &str) -> Option<Route> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let meeting = |raw: &str, make: fn(u64) -> Route| {
            Some(
                raw.parse::<u64>()
                    .map(make)
                    .unwrap_or_else(|_| Route::UnknownMeeting(raw.to_owned())),
            )
        };
        match (method, segments.as_slice()) {
            ("POST", ["users", user, "meetings"]) => Some(Route::Create(decode(user))),
            ("GET", ["users", user, "meetings"]) => Some(Route::List(decode(user))),
            ("GET", ["meetings", id]) => meeting(id, Route::Get),
            ("PATCH", ["meetings", id]) => meeting(id, Route::Update),
            ("DELETE", ["meetings", id]) => meeting(id, Route::Delete),
            ("GET", ["meetings", id, "invitation"]) => meeting(id, Route::Invitation),
            _ => None,
        }
    }

    fn category(&self) -> Category {
        match self {
            Route::Create(_) | Route::List(_) => Category::Medium,
            _ => Category::Light,
        }
    }

    /// Name used to aim injected failures.
    fn target(&self) -> &'static str {
        match self {
            Route::Create(_) => "create_meeting",
            Route::List(_) => "list_meetings",
            Route::Get(_) | Route::UnknownMeeting(_) => "get_meeting",
            Route::Update(_) => "update_meeting",
            Route::Delete(_) => "delete_meeting",
            Route::Invitation(_) => "invitation",
        }
    }
}

/// Percent-decodes a path segment (`+` stays `+` in paths, unlike in forms).
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn handle(state: &mut State, req: &EmuRequest, path: &str) -> Reply {
    state.counters.api_requests += 1;
    let Some(route) = Route::parse(&req.method, path) else {
        return Reply::zoom_error(404, 300, "The requested API does not exist.");
    };
    if !token_valid(state, req) {
        state.counters.invalid_token_requests += 1;
        return Reply::zoom_error(401, 124, "Invalid access token.");
    }
    if let Some(limited) = per_second_limit(state, route.category()) {
        return limited;
    }
    let failure = state.take_failure(&[route.target(), "api"]);
    if let Some(InjectedFailure {
        status: Some(status),
        body,
        headers,
        ..
    }) = &failure
    {
        let mut reply = Reply::json(*status, body.clone());
        reply.headers = headers.clone();
        return reply;
    }
    let mut reply = carry_out(state, req, route);
    reply.delay_ms = failure.map_or(0, |f| f.delay_ms);
    reply
}

fn carry_out(state: &mut State, req: &EmuRequest, route: Route) -> Reply {
    match route {
        Route::Create(user) => create(state, req, &user),
        Route::List(user) => list(state, req, &user),
        Route::Get(id) => match state.meetings.get(&id) {
            Some(m) => Reply::json(200, serde_json::to_value(m).unwrap_or_default()),
            None => not_found(id),
        },
        Route::Update(id) => update(state, req, id),
        Route::Delete(id) => match state.meetings.remove(&id) {
            Some(_) => {
                state.counters.meetings_deleted += 1;
                Reply::empty(204)
            }
            None => not_found(id),
        },
        Route::Invitation(id) => match state.meetings.get(&id) {
            Some(m) => Reply::json(200, json!({ "invitation": invitation(m) })),
            None => not_found(id),
        },
        Route::UnknownMeeting(raw) => {
            Reply::zoom_error(404, 3001, format!("Meeting does not exist: {raw}."))
        }
    }
}

fn not_found(id: u64) -> Reply {
    Reply::zoom_error(404, 3001, format!("Meeting does not exist: {id}."))
}

fn validation_failed(field: &str, message: &str) -> Reply {
    Reply::json(
        400,
        json!({
            "code": 300,
            "message": "Validation Failed.",
            "errors": [{ "field": field, "message": message }],
        }),
    )
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn now_utc(state: &State) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(state.now_ms()).unwrap_or_default()
}

fn per_second_limit(state: &mut State, category: Category) -> Option<Reply> {
    let limits = state.settings.per_second?;
    let limit = match category {
        Category::Light => limits[0],
        Category::Medium => limits[1],
        Category::Heavy => limits[2],
    };
    let second = state.now_ms().div_euclid(1000);
    let usage = state
        .per_second_usage
        .entry(category)
        .or_insert((second, 0));
    if usage.0 != second {
        *usage = (second, 0);
    }
    if usage.1 >= limit {
        state.counters.rate_limited += 1;
        return Some(
            Reply::zoom_error(
                429,
                429,
                "You have reached the maximum per-second rate limit for this API. Try again later.",
            )
            .with_header("X-RateLimit-Category", category.name())
            .with_header("X-RateLimit-Type", "QPS")
            .with_header("Retry-After", "1"),
        );
    }
    usage.1 += 1;
    None
}

/// Counts one create/update request against the host's daily allowance, or answers 429.
fn daily_limit(state: &mut State, user: &str) -> Option<Reply> {
    let now = now_utc(state);
    let key = (user.to_owned(), now.format("%Y-%m-%d").to_string());
    let limit = state.settings.daily_create_limit;
    let used = state.daily_usage.entry(key).or_insert(0);
    if *used >= limit {
        state.counters.rate_limited += 1;
        let midnight = (now + Duration::days(1))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|t| Utc.from_utc_datetime(&t))
            .unwrap_or(now);
        return Some(
            Reply::zoom_error(
                429,
                429,
                format!(
                    "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API \
                     requests permitted for this particular user. You may resume these requests \
                     at GMT 00:00:00."
                ),
            )
            .with_header("X-RateLimit-Type", "Daily-limit")
            .with_header("X-RateLimit-Limit", limit.to_string())
            .with_header("X-RateLimit-Remaining", "0")
            .with_header(
                "Retry-After",
                midnight.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            ),
        );
    }
    *used += 1;
    None
}

/// Resolves `me` and known users; `Err` is Zoom's 404 code 1001.
fn resolve_user(state: &State, user: &str) -> Result<(usize, String), Reply> {
    let users = &state.settings.users;
    let found = if user == "me" {
        users.first().map(|u| (0, u.clone()))
    } else {
        users
            .iter()
            .position(|u| u.eq_ignore_ascii_case(user))
            .map(|i| (i, users[i].clone()))
    };
    found.ok_or_else(|| Reply::zoom_error(404, 1001, format!("User does not exist: {user}.")))
}

/// A user's personal meeting ID: ten digits, fixed per user.
fn personal_meeting_id(index: usize) -> String {
    (5_000_000_000u64 + index as u64 * 1_111_111).to_string()
}

fn host_id(index: usize) -> String {
    format!("EmuHost{index:02}xQ")
}

/// Zoom reads `start_time` ending in `Z` (or with an offset) as an instant, and a bare local
/// time in the meeting's `timezone`.
fn parse_start(raw: &str, timezone: Tz) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").ok()?;
    timezone
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The fields a create or update may set, validated the way Zoom does.
struct MeetingFields {
    topic: Option<String>,
    meeting_type: Option<u8>,
    start: Option<DateTime<Utc>>,
    duration: Option<u32>,
    timezone: Option<String>,
    agenda: Option<String>,
    settings: Option<Value>,
}

fn read_fields(body: &Map<String, Value>, default_tz: &str) -> Result<MeetingFields, Reply> {
    let text = |field: &str, max: usize| -> Result<Option<String>, Reply> {
        match body.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
            Some(Value::String(_)) => Err(validation_failed(
                field,
                &format!("Maximum {max} characters."),
            )),
            Some(_) => Err(validation_failed(field, "Invalid field.")),
        }
    };
    let topic = text("topic", MAX_TOPIC_CHARS)?;
    let agenda = text("agenda", MAX_AGENDA_CHARS)?;
    let timezone = text("timezone", 64)?;
    let tz: Tz = timezone
        .as_deref()
        .unwrap_or(default_tz)
        .parse()
        .map_err(|_| validation_failed("timezone", "Invalid timezone."))?;
    let meeting_type = match body.get("type") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(t @ (1 | 2 | 3 | 8)) => Some(t as u8),
            _ => return Err(validation_failed("type", "Invalid meeting type.")),
        },
    };
    let start = match body.get("start_time") {
        None => None,
        Some(Value::String(raw)) => Some(
            parse_start(raw, tz)
                .ok_or_else(|| validation_failed("start_time", "Invalid start_time."))?,
        ),
        Some(_) => return Err(validation_failed("start_time", "Invalid start_time.")),
    };
    let duration = match body.get("duration") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|d| u32::try_from(d).ok())
                .ok_or_else(|| validation_failed("duration", "Invalid duration."))?,
        ),
    };
    Ok(MeetingFields {
        topic,
        meeting_type,
        start,
        duration,
        timezone,
        agenda,
        settings: body.get("settings").cloned(),
    })
}

fn body_object(req: &EmuRequest) -> Result<Map<String, Value>, Reply> {
    match req.json() {
        Some(Value::Object(map)) => Ok(map),
        _ => Err(Reply::zoom_error(
            400,
            300,
            "Request Body should be a valid JSON object.",
        )),
    }
}

fn create(state: &mut State, req: &EmuRequest, user: &str) -> Reply {
    state.counters.create_attempts += 1;
    let (index, email) = match resolve_user(state, user) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let fields = match body_object(req).and_then(|b| read_fields(&b, "UTC")) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    let meeting_type = fields.meeting_type.unwrap_or(2);
    let Some(start) = fields.start.or((meeting_type == 1).then(|| now_utc(state))) else {
        return validation_failed(
            "start_time",
            "start_time is required for a scheduled meeting.",
        );
    };
    if let Some(limited) = daily_limit(state, &email) {
        return limited;
    }
    let id = 80_000_000_000 + state.rng.next_u64() % 9_999_999_999;
    let password = state.rng.digits(6);
    let encrypted = state.rng.alphanumeric(32);
    let zak = state.rng.alphanumeric(48);
    let uuid = format!("{}==", state.rng.alphanumeric(22));
    let mut settings = json!({
        "host_video": false,
        "participant_video": false,
        "join_before_host": false,
        "waiting_room": false,
        "approval_type": 2,
        "use_pmi": false,
    });
    if state.pmi_users.contains(&email) {
        settings["use_pmi"] = Value::Bool(true);
    }
    if let (Some(Value::Object(given)), Value::Object(base)) = (&fields.settings, &mut settings) {
        base.extend(given.clone());
    }
    // A scheduled meeting on the host's PMI: its own meeting id for the API, the PMI to join.
    let pmi = (settings["use_pmi"] == Value::Bool(true)).then(|| personal_meeting_id(index));
    let join_number = pmi.clone().unwrap_or_else(|| id.to_string());
    let meeting = Meeting {
        id,
        uuid,
        host_id: host_id(index),
        host_email: email,
        topic: fields.topic.unwrap_or_else(|| "Zoom meeting".into()),
        meeting_type,
        status: "waiting".into(),
        start_time: rfc3339(start),
        duration: fields.duration.unwrap_or(60),
        timezone: fields.timezone.unwrap_or_else(|| "UTC".into()),
        agenda: fields.agenda.unwrap_or_default(),
        created_at: rfc3339(now_utc(state)),
        start_url: format!("{}/s/{id}?zak={zak}", state.base_url),
        join_url: format!("{}/j/{join_number}?pwd={encrypted}.1", state.base_url),
        password,
        pmi,
        settings,
    };
    state.counters.meetings_created += 1;
    let body = serde_json::to_value(&meeting).unwrap_or_default();
    state.meetings.insert(id, meeting);
    Reply::json(201, body)
}

fn update(state: &mut State, req: &EmuRequest, id: u64) -> Reply {
    let Some(host) = state.meetings.get(&id).map(|m| m.host_email.clone()) else {
        return not_found(id);
    };
    let current_tz = state.meetings[&id].timezone.clone();
    let fields = match body_object(req).and_then(|b| read_fields(&b, &current_tz)) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    if let Some(limited) = daily_limit(state, &host) {
        return limited;
    }
    let Some(meeting) = state.meetings.get_mut(&id) else {
        return not_found(id);
    };
    if let Some(topic) = fields.topic {
        meeting.topic = topic;
    }
    if let Some(t) = fields.meeting_type {
        meeting.meeting_type = t;
    }
    if let Some(start) = fields.start {
        meeting.start_time = rfc3339(start);
    }
    if let Some(duration) = fields.duration {
        meeting.duration = duration;
    }
    if let Some(tz) = fields.timezone {
        meeting.timezone = tz;
    }
    if let Some(agenda) = fields.agenda {
        meeting.agenda = agenda;
    }
    if let (Some(Value::Object(given)), Value::Object(base)) =
        (fields.settings, &mut meeting.settings)
    {
        base.extend(given);
    }
    state.counters.meetings_updated += 1;
    Reply::empty(204)
}

fn list(state: &mut State, req: &EmuRequest, user: &str) -> Reply {
    state.counters.list_requests += 1;
    let (_, email) = match resolve_user(state, user) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let page_size = req
        .query
        .get("page_size")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, state.max_page_size.max(1));
    let offset = match req.query.get("next_page_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => match token
            .strip_prefix("npt")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(offset) => offset,
            None => return Reply::zoom_error(400, 300, "Invalid next_page_token."),
        },
    };
    let now = rfc3339(now_utc(state));
    let upcoming_only = matches!(
        req.query.get("type").map(String::as_str),
        Some("upcoming") | Some("upcoming_meetings")
    );
    let mut mine: Vec<&Meeting> = state
        .meetings
        .values()
        .filter(|m| m.host_email == email)
        // RFC 3339 UTC strings of one format order like the instants they name.
        .filter(|m| !upcoming_only || m.start_time >= now)
        .collect();
    mine.sort_by(|a, b| (&a.start_time, a.id).cmp(&(&b.start_time, b.id)));
    let total = mine.len();
    let page: Vec<Value> = mine
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|m| {
            json!({
                "uuid": m.uuid, "id": m.id, "host_id": m.host_id, "topic": m.topic,
                "type": m.meeting_type, "start_time": m.start_time, "duration": m.duration,
                "timezone": m.timezone, "agenda": m.agenda, "created_at": m.created_at,
                "join_url": m.join_url,
            })
        })
        .collect();
    let next = offset + page.len();
    let next_page_token = if next < total {
        format!("npt{next}")
    } else {
        String::new()
    };
    Reply::json(
        200,
        json!({
            "page_size": page_size,
            "total_records": total,
            "next_page_token": next_page_token,
            "meetings": page,
        }),
    )
}

fn invitation(m: &Meeting) -> String {
    format!(
        "{host} is inviting you to a scheduled Zoom meeting.\r\n\r\nTopic: {topic}\r\nTime: {start} \
         {tz}\r\n\r\nJoin Zoom Meeting\r\n{join}\r\n\r\nMeeting ID: {id}\r\nPasscode: {pwd}\r\n",
        host = m.host_email,
        topic = m.topic,
        start = m.start_time,
        tz = m.timezone,
        join = m.join_url,
        id = m.id,
        pwd = m.password,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Settings, TokenMode};

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
        let mut req =
            EmuRequest::new(method, url).header("authorization", &format!("Bearer {token}"));
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
    fn create_get_update_delete_round_trip() {
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
    fn invalid_tokens_unknown_users_and_bad_bodies() {
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
}
