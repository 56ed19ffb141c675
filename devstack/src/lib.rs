//! Starts the real stack: the Zoom emulator (in-process, on a free loopback port) and the built
//! worker under `wrangler dev` (workerd with local KV and SQLite Durable Objects), then talks to
//! both over real HTTP. Used by the end-to-end tests and the benchmark.

use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zoom_emulator::{serve, RunningEmulator, Settings, TokenMode};

pub const ACCOUNT_ID: &str = "e2e-account";
pub const CLIENT_ID: &str = "e2e-client";
pub const CLIENT_SECRET: &str = "e2e-secret-value";
pub const WEBHOOK_SECRET: &str = "e2e-webhook-secret-current";
pub const WEBHOOK_SECRET_PREVIOUS: &str = "e2e-webhook-secret-previous";
pub const ADMIN_TOKEN: &str = "e2e-operator-token-0123456789";
pub const BOOKING_SIGNING_KEY: &str = "e2e-booking-signing-key-0123456789abcdef";
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// The repository root (this crate lives one level below it).
pub fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub struct StackOptions {
    pub emulator: Settings,
    /// Worker vars; `None` leaves a setting out (to test `not_configured`).
    pub vars: Vec<(&'static str, Option<String>)>,
}

impl StackOptions {
    pub fn new(token_mode: TokenMode) -> Self {
        Self {
            emulator: Settings {
                account_id: ACCOUNT_ID.into(),
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                token_mode,
                // Per-second pacing is the coordinator's job (issue 4); these scenarios measure
                // token handling, so the emulator does not throttle them.
                per_second: None,
                webhook_secret: WEBHOOK_SECRET.into(),
                ..Settings::default()
            },
            vars: vec![
                ("ZOOM_ACCOUNT_ID", Some(ACCOUNT_ID.into())),
                ("ZOOM_CLIENT_ID", Some(CLIENT_ID.into())),
                ("ZOOM_CLIENT_SECRET", Some(CLIENT_SECRET.into())),
                ("DEFAULT_TIMEZONE", Some("UTC".into())),
                ("ZOOM_WEBHOOK_SECRET_TOKEN", Some(WEBHOOK_SECRET.into())),
                (
                    "ZOOM_WEBHOOK_SECRET_TOKEN_PREVIOUS",
                    Some(WEBHOOK_SECRET_PREVIOUS.into()),
                ),
                ("ADMIN_TOKEN", Some(ADMIN_TOKEN.into())),
                ("BOOKING_SIGNING_KEY", Some(BOOKING_SIGNING_KEY.into())),
                // These stacks book far more than 100 meetings on one host over a run; the daily
                // allowance has its own stack (`quota`) where it is what is examined.
                ("ZOOM_DAILY_CREATE_LIMIT", Some("100000".into())),
                // Likewise, these stacks book many meetings at the same hour on one host; the
                // one-meeting-at-a-time rule is examined in the `slots` stack.
                ("ZOOM_HOST_MAX_CONCURRENT", Some("100000".into())),
                // And these stacks book hundreds of meetings from one address; the per-client
                // limits are examined in the `limits` stack.
                ("BOOKING_LIMIT_PER_IP", Some("off".into())),
                ("BOOKING_LIMIT_PER_EMAIL", Some("off".into())),
            ],
        }
    }

    /// Short-lived tokens for refresh tests; the daily cap is lifted since such runs book
    /// steadily for many seconds and the cap is not what they examine.
    pub fn token_ttl(mut self, seconds: u64) -> Self {
        self.emulator.token_ttl_secs = seconds;
        self.emulator.daily_create_limit = u32::MAX;
        self
    }

    /// Sets (or overrides) a worker var.
    pub fn var(mut self, name: &'static str, value: &str) -> Self {
        self.vars.retain(|(key, _)| *key != name);
        self.vars.push((name, Some(value.to_owned())));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        for (key, value) in &mut self.vars {
            if *key == name {
                *value = None;
            }
        }
        self
    }
}

pub struct Stack {
    pub emulator: RunningEmulator,
    pub worker: String,
    wrangler: Child,
    pub log: PathBuf,
    pub agent: ureq::Agent,
}

impl Stack {
    pub fn start(name: &str, options: StackOptions) -> Stack {
        let root = root();
        assert!(
            root.join("build/index.js").exists()
                && root.join("node_modules/.bin/wrangler").exists(),
            "the worker is not built: run scripts/test.sh or scripts/bench.sh (they install and build first)"
        );
        let emulator = serve(options.emulator, "127.0.0.1:0").expect("emulator starts");
        let port = free_port();
        let state_dir = root.join("target/e2e").join(name);
        let _ = std::fs::remove_dir_all(&state_dir);
        std::fs::create_dir_all(&state_dir).expect("state dir");
        let log = state_dir.join("wrangler.log");
        let mut args: Vec<String> = [
            "dev",
            "--ip",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--inspector-port",
            &free_port().to_string(),
            // Exposes `/__scheduled`, so tests can fire the Cron Trigger.
            "--test-scheduled",
            "--persist-to",
            state_dir.join("state").to_str().unwrap(),
            "--var",
            &format!("ZOOM_API_BASE:{}/v2", emulator.base_url),
            "--var",
            &format!("ZOOM_OAUTH_BASE:{}", emulator.base_url),
            // Used only when a stack turns bot protection on (TURNSTILE_SECRET_KEY).
            "--var",
            &format!(
                "TURNSTILE_VERIFY_URL:{}/turnstile/v0/siteverify",
                emulator.base_url
            ),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (key, value) in &options.vars {
            if let Some(value) = value {
                args.push("--var".into());
                args.push(format!("{key}:{value}"));
            }
        }
        let log_file = std::fs::File::create(&log).expect("log file");
        let wrangler = Command::new(root.join("node_modules/.bin/wrangler"))
            .args(&args)
            .current_dir(&root)
            .env("ZBE_PREBUILT", "1")
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CI", "true")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            // Own process group, so dropping the stack stops workerd too.
            .process_group(0)
            .spawn()
            .expect("wrangler starts");
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .max_idle_connections_per_host(64)
            .build();
        let stack = Stack {
            emulator,
            worker: format!("http://127.0.0.1:{port}"),
            wrangler,
            log,
            agent,
        };
        stack.wait_ready();
        stack
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Ok(resp) = self.agent.get(&format!("{}/healthz", self.worker)).call() {
                if resp.status() == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "wrangler dev did not become ready in {READY_TIMEOUT:?}; log:\n{}",
            self.log_tail()
        );
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// One HTTP exchange with the worker; never fails on a status code.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Answer {
        send(
            &self.agent,
            method,
            &format!("{}{path}", self.worker),
            content_type,
            body,
        )
    }

    pub fn book_json(&self, body: &Value) -> Answer {
        self.request(
            "POST",
            "/v1/bookings",
            Some("application/json"),
            body.to_string().as_bytes(),
        )
    }

    pub fn control(&self, path: &str, body: Value) -> Value {
        let answer = send(
            &self.agent,
            "POST",
            &format!("{}/_emulator{path}", self.emulator.base_url),
            Some("application/json"),
            body.to_string().as_bytes(),
        );
        assert_eq!(answer.status, 200, "control {path}: {}", answer.body);
        answer.json()
    }

    fn emulator_get(&self, path: &str) -> Value {
        let url = format!("{}/_emulator{path}", self.emulator.base_url);
        send(&self.agent, "GET", &url, None, b"").json()
    }

    pub fn stats(&self) -> Value {
        self.emulator_get("/stats")["counters"].clone()
    }

    pub fn meetings(&self) -> Vec<Value> {
        self.emulator_get("/meetings")["meetings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// A token from the emulator's OAuth endpoint with the stack's app credentials, as another
    /// app on the same Zoom account would take one.
    pub fn token_for_another_app(&self) -> Answer {
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
        );
        let url = format!(
            "{}/oauth/token?grant_type=account_credentials&account_id={ACCOUNT_ID}",
            self.emulator.base_url
        );
        send_with(&self.agent, "POST", &url, &[("authorization", &basic)], b"")
    }

    fn other_app_token(&self) -> String {
        let answer = self.token_for_another_app();
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()["access_token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// Schedules a meeting straight at the emulator, as a person in Zoom's own app (or another
    /// integration) would: the worker does not hear of it.
    pub fn meeting_made_elsewhere(
        &self,
        host: &str,
        start: chrono::DateTime<chrono::Utc>,
        minutes: u32,
    ) -> Value {
        let token = self.other_app_token();
        let url = format!("{}/v2/users/{host}/meetings", self.emulator.base_url);
        let body = json!({"topic": "Booked by hand", "type": 2, "duration": minutes,
            "start_time": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)});
        let answer = send_with(
            &self.agent,
            "POST",
            &url,
            &[
                ("authorization", &format!("Bearer {token}")),
                ("content-type", "application/json"),
            ],
            body.to_string().as_bytes(),
        );
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.json()
    }

    /// Deletes a meeting straight at the emulator (as the host would in Zoom's app).
    pub fn delete_meeting_elsewhere(&self, meeting_id: u64) {
        let token = self.other_app_token();
        let url = format!("{}/v2/meetings/{meeting_id}", self.emulator.base_url);
        let answer = send_with(
            &self.agent,
            "DELETE",
            &url,
            &[("authorization", &format!("Bearer {token}"))],
            b"",
        );
        assert_eq!(answer.status, 204, "{}", answer.body);
    }

    /// Has the emulator deliver a signed webhook to the worker (see `zoom_emulator::webhooks`).
    pub fn deliver(&self, mut request: Value) -> Value {
        request["url"] = json!(format!("{}/v1/zoom/webhook", self.worker));
        self.control("/webhooks/deliver", request)
    }

    /// `GET /v1/bookings/{id}` with `authorization` as given.
    pub fn booking_as(&self, booking_id: &str, authorization: Option<&str>) -> Answer {
        let url = format!("{}/v1/bookings/{booking_id}", self.worker);
        let headers: Vec<(&str, &str)> = authorization
            .map(|a| ("authorization", a))
            .into_iter()
            .collect();
        send_with(&self.agent, "GET", &url, &headers, b"")
    }

    /// `GET /v1/bookings/{id}` with the operator token.
    pub fn booking(&self, booking_id: &str) -> Answer {
        self.booking_as(booking_id, Some(&format!("Bearer {ADMIN_TOKEN}")))
    }

    /// Polls a booking until `done` holds: webhook effects are applied after the acknowledgement.
    pub fn wait_for_booking(
        &self,
        booking_id: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let answer = self.booking(booking_id);
            assert_eq!(answer.status, 200, "{}", answer.body);
            let booking = answer.json();
            if done(&booking) {
                return booking;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {booking}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `GET /v1/admin/status` with the operator token.
    pub fn admin_status(&self) -> Value {
        let url = format!("{}/v1/admin/status", self.worker);
        let bearer = format!("Bearer {ADMIN_TOKEN}");
        let answer = send_with(&self.agent, "GET", &url, &[("authorization", &bearer)], b"");
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()
    }

    /// Fires the worker's Cron Trigger (wrangler's `/__scheduled`) and waits for it to finish.
    pub fn run_scheduled(&self) {
        let answer = self.request("GET", "/__scheduled?cron=*/10+*+*+*+*", None, b"");
        assert_eq!(answer.status, 200, "{}", answer.body);
    }

    /// `POST /v1/bookings` (JSON) with extra headers, e.g. `Idempotency-Key`.
    pub fn book_with(&self, body: &Value, headers: &[(&str, &str)]) -> Answer {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        let url = format!("{}/v1/bookings", self.worker);
        send_with(&self.agent, "POST", &url, &all, body.to_string().as_bytes())
    }

    /// A call on `/v1/bookings/{id}{suffix}` as the holder of `token` (a manage token).
    pub fn manage(
        &self,
        method: &str,
        booking_id: &str,
        suffix: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let url = format!("{}/v1/bookings/{booking_id}{suffix}", self.worker);
        let bearer = token.map(|t| format!("Bearer {t}"));
        let mut headers = Vec::new();
        if let Some(bearer) = &bearer {
            headers.push(("authorization", bearer.as_str()));
        }
        let payload = body.map(Value::to_string).unwrap_or_default();
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        send_with(&self.agent, method, &url, &headers, payload.as_bytes())
    }

    /// Clears the emulator's meetings, counters and injections (tokens stay valid).
    pub fn reset(&self) {
        self.control("/reset", json!({}));
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let group = format!("-{}", self.wrangler.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.wrangler.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.wrangler.wait();
    }
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

pub fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    let headers: Vec<(&str, &str)> = content_type
        .map(|ct| ("content-type", ct))
        .into_iter()
        .collect();
    send_with(agent, method, url, &headers, body)
}

pub fn send_with(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut request = agent.request(method, url);
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let result = if body.is_empty() && method == "GET" {
        request.call()
    } else {
        request.send_bytes(body)
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: transport error {e}"),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|n| Some((n.to_ascii_lowercase(), response.header(&n)?.to_owned())))
        .collect();
    let mut text = String::new();
    let _ = response
        .into_reader()
        .take(10 << 20)
        .read_to_string(&mut text);
    Answer {
        status,
        headers,
        body: text,
    }
}

/// An address no other booking of this test process used. The worker answers a repeat of the
/// same email, start and length within 10 minutes with the booking it already made, so
/// scenarios that mean to create a meeting each time need fresh addresses.
pub fn unique_email(label: &str) -> String {
    static SEQUENCE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{label}.{n}@example.com")
}

/// A start time `days` ahead, whole hours, in UTC.
pub fn future_utc(days: i64) -> chrono::DateTime<chrono::Utc> {
    let t = chrono::Utc::now() + chrono::Duration::days(days);
    t.date_naive().and_hms_opt(10, 0, 0).unwrap().and_utc()
}

/// `base` with `extra`'s fields set on it; a `null` in `extra` removes the field.
pub fn merged(mut base: Value, extra: Value) -> Value {
    if let (Some(target), Value::Object(fields)) = (base.as_object_mut(), extra) {
        for (key, value) in fields {
            if value.is_null() {
                target.remove(&key);
            } else {
                target.insert(key, value);
            }
        }
    }
    base
}

/// Runs jobs `0..total` from `workers` threads that start together, each taking the next job
/// number as it finishes one; returns every job's result.
pub fn run_concurrently<T: Send>(
    workers: usize,
    total: usize,
    job: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let start = std::sync::Barrier::new(workers);
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    let mut results = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        if i >= total {
                            break results;
                        }
                        results.push(job(i));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread panicked"))
            .collect()
    })
}
