//! Calls on the Zoom emulator: its control surface (`/_emulator/*`, see `zoom_emulator::control`)
//! and its Zoom API, used the way another app on the same Zoom account would use it.

use crate::http::{send, send_with, Answer};
use crate::options::{ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET};
use crate::stack::Stack;
use base64::Engine;
use serde_json::{json, Value};

impl Stack {
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

    /// Every Create Meeting request Zoom acted on since the reset, oldest first, as
    /// `{"user": <the path's user>, "body": <the body exactly as received>, "meeting_id"}`
    /// (`meeting_id` when it made a meeting).
    pub fn create_requests(&self) -> Vec<Value> {
        self.emulator_get("/create_requests")["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The bodies of `create_requests`: exactly what Zoom received, oldest first.
    pub fn created_meeting_bodies(&self) -> Vec<Value> {
        self.create_requests()
            .into_iter()
            .map(|request| request["body"].clone())
            .collect()
    }

    /// Locks meeting settings for `user` at the emulated account (e.g.
    /// `{"auto_recording": "none"}`; `{}` unlocks): they win over what a create sends.
    pub fn lock_user_settings(&self, user: &str, settings: Value) {
        self.control(
            "/users/locks",
            json!({ "user": user, "settings": settings }),
        );
    }

    /// Clears the emulator's meetings, counters and injections (tokens stay valid).
    pub fn reset(&self) {
        self.control("/reset", json!({}));
    }

    /// Has the emulator deliver a signed webhook to the worker (see `zoom_emulator::webhooks`).
    pub fn deliver(&self, mut request: Value) -> Value {
        request["url"] = json!(format!("{}/v1/zoom/webhook", self.worker));
        self.control("/webhooks/deliver", request)
    }

    /// Every webhook delivery attempt since the last reset (first deliveries and Zoom's
    /// redeliveries) and how many redeliveries are pending: `GET /_emulator/webhooks/deliveries`.
    pub fn webhook_attempts(&self) -> Value {
        self.emulator_get("/webhooks/deliveries")
    }

    /// Polls the attempts of `delivery` (a `deliver` answer's number) until `done` holds; a
    /// deadline, not a sleep, decides when to give up.
    pub fn wait_for_attempts(
        &self,
        delivery: u64,
        what: &str,
        timeout: std::time::Duration,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let attempts: Vec<Value> = self.webhook_attempts()["attempts"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|a| a["delivery"] == delivery)
                .collect();
            if done(&attempts) {
                return attempts;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}: {attempts:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
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

    /// A call on the emulator's Zoom API (`/v2{path}`) with another app's token and an optional
    /// JSON body.
    fn as_another_app(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let token = format!("Bearer {}", self.other_app_token());
        let url = format!("{}/v2{path}", self.emulator.base_url);
        let mut headers = vec![("authorization", token.as_str())];
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        let bytes = body.map(Value::to_string).unwrap_or_default();
        send_with(&self.agent, method, &url, &headers, bytes.as_bytes())
    }

    /// Schedules a meeting straight at the emulator, as a person in Zoom's own app (or another
    /// integration) would: the worker does not hear of it.
    pub fn meeting_made_elsewhere(
        &self,
        host: &str,
        start: chrono::DateTime<chrono::Utc>,
        minutes: u32,
    ) -> Value {
        let body = json!({"topic": "Booked by hand", "type": 2, "duration": minutes,
            "start_time": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)});
        let answer = self.as_another_app("POST", &format!("/users/{host}/meetings"), Some(&body));
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.json()
    }

    /// Deletes a meeting straight at the emulator (as the host would in Zoom's app).
    pub fn delete_meeting_elsewhere(&self, meeting_id: u64) {
        let answer = self.as_another_app("DELETE", &format!("/meetings/{meeting_id}"), None);
        assert_eq!(answer.status, 204, "{}", answer.body);
    }

    /// Moves a meeting straight at the emulator (as the host would in Zoom's app): the worker
    /// hears of it only through a webhook, if one is sent.
    pub fn move_meeting_elsewhere(
        &self,
        meeting_id: u64,
        start: chrono::DateTime<chrono::Utc>,
        minutes: u32,
    ) {
        let body = json!({"duration": minutes,
            "start_time": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)});
        let answer = self.as_another_app("PATCH", &format!("/meetings/{meeting_id}"), Some(&body));
        assert_eq!(answer.status, 204, "{}", answer.body);
    }
}
