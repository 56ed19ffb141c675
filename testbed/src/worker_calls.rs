//! Calls on the worker's public routes, as a booking page, a booker or the operator makes them.

use crate::http::{send, send_with, Answer};
use crate::options::ADMIN_TOKEN;
use crate::stack::Stack;
use serde_json::Value;
use std::time::{Duration, Instant};

impl Stack {
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

    /// `POST /v1/bookings` (JSON) with extra headers, e.g. `Idempotency-Key`.
    pub fn book_with(&self, body: &Value, headers: &[(&str, &str)]) -> Answer {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        let url = format!("{}/v1/bookings", self.worker);
        send_with(&self.agent, "POST", &url, &all, body.to_string().as_bytes())
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

    /// Polls a booking until `done` holds (a change another request or a redelivery makes).
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
}
